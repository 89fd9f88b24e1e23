"""Redtail end to end: the extension's calls through the local API to the Redtail sandbox.

Everything here is real: HTTP to the local stack, the handlers Lambda runs, PynamoDB on moto's DynamoDB
server, and the connector over HTTP to the Redtail sandbox with the stack's partner API key
(``sandbox-redtail-partner-key``). Nothing is patched in-process.

The server remembers logged calls and messages across tests while the sandbox is reset before each one:
every test uses its own session ids and conversations.
"""

from __future__ import annotations

import base64
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import jwt as pyjwt
import pytest
import requests

from tests.api.redtail_world import (
    ACTIVE_CATEGORIES,
    APP_USER_ID,
    DANA,
    PARTNER_KEY,
    PASSWORD,
    USER_KEY,
    USERNAME,
    Extension,
    Sandbox,
    call_log_body,
    connected_agent,
    message_body,
    new_session_id,
)
from tests.api.stack_tables import raw_user, stack_table

pytestmark = pytest.mark.stack

#: the reference's answer to any failed Redtail login, word for word (no full stop after "information")
LOGIN_FAILED = "Could not load user information Please check your credentials."
#: the user settings a test may change; removed before each test, since the user outlives the sandbox
OWN_SETTINGS = ["redtailCustomTimezone", "defaultCategory"]


@pytest.fixture
def sandbox(sandbox_url: str, http: requests.Session) -> Iterator[Sandbox]:
    box = Sandbox(http, sandbox_url)
    box.reset()
    yield box
    box.own("DELETE", "faults")
    box.reset()  # a test that took the partner key away gives it back


@pytest.fixture
def extension(api_url: str, sandbox: Sandbox) -> Iterator[Extension]:
    client = connected_agent(api_url)
    removed = client.send("POST", "/user/settings", {"settingKeysToRemove": OWN_SETTINGS})
    assert removed.status_code == 200, removed.text
    sandbox.clear_journal()
    yield client
    # the user outlives this test (the conformance suite logs in as rt.agent too): leave no setting behind
    connected_agent(client.api).send("POST", "/user/settings", {"settingKeysToRemove": OWN_SETTINGS})


def _conversation() -> str:
    """A conversation id no other test (or earlier run against this server) has logged."""
    return str(uuid.uuid4().int % 10**13)


def _message_id() -> int:
    return uuid.uuid4().int % 10**12


def _authorization(entry: dict[str, Any]) -> str:
    return str({k.lower(): v for k, v in entry["headers"].items()}["authorization"])


def _details(response: requests.Response) -> str:
    return str(response.json()["returnMessage"]["details"][0]["items"][0]["text"])


def _date_time_line(description: str) -> str:
    found = re.search(r"<li><b>Date/time</b>: ([^<]+)</li>", description)
    assert found, description
    return found.group(1)


def _logged_call(extension: Extension, sandbox: Sandbox, **extra: Any) -> tuple[str, dict[str, Any]]:
    session_id = new_session_id()
    created = extension.send("POST", "/callLog", call_log_body(session_id, **extra)).json()
    assert created["successful"] is True, created
    return session_id, sandbox.activity(created["logId"])


# -- login and logout ---------------------------------------------------------------------------------


def test_given_username_and_password_when_logging_in_then_jwt_connected_to_redtail_and_user_key_used(
    api_url: str, sandbox: Sandbox
) -> None:
    sandbox.clear_journal()
    client = Extension(requests.Session(), api_url)

    response = client.api_key_login()

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == USERNAME
    assert body["returnMessage"] == {
        "message": "Connected to Redtail.",
        "messageType": "success",
        "ttl": 3000,
    }
    claims = pyjwt.decode(body["jwtToken"], options={"verify_signature": False})
    assert (claims["id"], claims["platform"]) == (APP_USER_ID, "redtail")
    [login] = sandbox.journal("GET", "/authentication")
    assert (
        _authorization(login)
        == "Basic " + base64.b64encode(f"{PARTNER_KEY}:{USERNAME}:{PASSWORD}".encode()).decode()
    )
    # every later call carries the partner key and the user key Redtail issued, never the password
    assert client.get("/contact", phoneNumber=DANA["phone"]).json()["successful"] is True
    [search] = sandbox.journal("GET", "/contacts/search_basic")
    assert (
        _authorization(search)
        == "Userkeyauth " + base64.b64encode(f"{PARTNER_KEY}:{USER_KEY}".encode()).decode()
    )


def test_given_wrong_password_when_logging_in_then_400_check_your_credentials_and_no_jwt(
    api_url: str, sandbox: Sandbox
) -> None:
    client = Extension(requests.Session(), api_url)

    response = client.api_key_login(password="not-the-password")

    assert response.status_code == 400
    assert "jwtToken" not in response.json()
    assert response.json()["returnMessage"]["message"] == LOGIN_FAILED
    assert response.json()["returnMessage"]["messageType"] == "warning"
    assert "username and password" in _details(response)
    assert client.jwt == ""


def test_given_redtail_not_accepting_the_servers_partner_key_when_logging_in_then_400_check_your_credentials(
    api_url: str, sandbox: Sandbox
) -> None:
    sandbox.reset_without_partner_key()
    assert PARTNER_KEY not in sandbox.own("GET", "state?collection=api_keys")["api_keys"]
    client = Extension(requests.Session(), api_url)

    response = client.api_key_login()

    assert response.status_code == 400
    assert response.json()["returnMessage"]["message"] == LOGIN_FAILED
    assert "partner API key" in _details(response)
    [refused] = sandbox.journal("GET", "/authentication")
    assert refused["status"] == 401


@pytest.mark.parametrize(
    "additional_info",
    [{"username": USERNAME}, {"username": USERNAME, "password": ""}, {"password": PASSWORD}, {}],
    ids=["no-password", "empty-password", "no-username", "nothing"],
)
def test_given_login_form_missing_username_or_password_when_logging_in_then_400_and_redtail_not_called(
    api_url: str, sandbox: Sandbox, additional_info: dict[str, Any]
) -> None:
    sandbox.clear_journal()

    response = requests.post(
        f"{api_url}/apiKeyLogin", json={"platform": "redtail", "additionalInfo": additional_info}, timeout=60
    )

    assert response.status_code == 400
    assert response.json()["returnMessage"]["message"] == LOGIN_FAILED
    assert _details(response) == "Please enter your Redtail username and password."
    assert sandbox.journal() == []


def test_given_redtail_down_when_logging_in_then_400_never_a_5xx(api_url: str, sandbox: Sandbox) -> None:
    sandbox.fault(method="GET", path="/authentication", status=503, times=10)
    client = Extension(requests.Session(), api_url)

    response = client.api_key_login()

    assert response.status_code == 400, response.text
    assert client.jwt == ""


def test_given_logged_in_user_when_users_table_scanned_then_neither_password_nor_user_key_in_plaintext(
    api_url: str, sandbox: Sandbox, dynamodb_url: str
) -> None:
    client = connected_agent(api_url)
    assert client.get("/contact", phoneNumber=DANA["phone"]).json()["successful"] is True  # settings saved

    row = raw_user(dynamodb_url, APP_USER_ID)
    dynamodb, table = stack_table(dynamodb_url, "UsersTable")
    everything = str(dynamodb.scan(TableName=table, ConsistentRead=True)["Items"])

    assert "encryptedAccessToken" in row
    assert PASSWORD not in everything
    assert USER_KEY not in everything
    additional = str(row["platformAdditionalInfo"])
    assert USERNAME in additional
    assert "user_key" not in additional
    assert "password" not in additional.lower()
    # the stored, encrypted key still works
    assert client.get("/contact", phoneNumber=DANA["phone"]).json()["successful"] is True


def test_given_logged_in_user_when_logging_out_then_logged_out_of_redtail_and_asked_to_connect(
    extension: Extension, sandbox: Sandbox
) -> None:
    response = extension.send("POST", "/unAuthorize", None)

    assert response.status_code == 200
    assert response.json() == {"message": "Logged out of Redtail", "messageType": "success", "ttl": 1000}
    again = extension.get("/contact", phoneNumber=DANA["phone"])
    assert (again.status_code, again.text) == (400, "Please go to Settings and authorize CRM platform")
    assert sandbox.journal("GET", "/contacts/search_basic") == []


def test_given_user_key_revoked_in_redtail_when_finding_contact_then_401_crm_session_revoked(
    extension: Extension, sandbox: Sandbox
) -> None:
    sandbox.revoke_user_key()

    response = extension.get("/contact", phoneNumber=DANA["phone"])

    assert response.status_code == 401, response.text
    assert response.json()["errorCode"] == "CRM_SESSION_REVOKED"
    assert response.json()["successful"] is False
    logged = extension.send("POST", "/callLog", call_log_body(new_session_id()))
    assert logged.status_code == 401
    assert logged.json()["errorCode"] == "CRM_SESSION_REVOKED"
    assert sandbox.activities() == []
    # signing in again gets a new user key, and everything works again
    assert extension.api_key_login().status_code == 200
    assert extension.get("/contact", phoneNumber=DANA["phone"]).json()["successful"] is True


def test_given_redtail_answering_401_when_finding_contact_then_401_crm_session_revoked_never_a_5xx(
    extension: Extension, sandbox: Sandbox
) -> None:
    # what the conformance suite's generic 401 scenario provokes; Redtail answers it on purpose this way
    sandbox.fault(
        method="GET", path="/contacts/search_basic", status=401, body={"message": "Unauthorized"}, times=50
    )

    response = extension.get("/contact", phoneNumber=DANA["phone"])

    assert response.status_code == 401, response.text
    assert response.json() == {
        "successful": False,
        "returnMessage": {
            "message": "User session expired. Please connect again.",
            "messageType": "warning",
            "ttl": 5000,
        },
        "errorCode": "CRM_SESSION_REVOKED",
    }


# -- contacts and categories --------------------------------------------------------------------------


def test_given_number_stored_two_ways_when_finding_contact_then_both_with_only_active_categories(
    extension: Extension,
) -> None:
    body = extension.get("/contact", phoneNumber=DANA["phone"]).json()

    assert body["successful"] is True
    choices = [{"const": c["id"], "title": c["name"]} for c in ACTIVE_CATEGORIES]
    assert [(c["id"], c["name"], c.get("phone")) for c in body["contact"]] == [
        (201, "Dana A Client", DANA["phone"]),
        (202, "Dana Prospect", DANA["phone"]),
        ("createNewContact", "Create new contact...", None),
    ]
    assert all(c["additionalInfo"] == {"category": choices} for c in body["contact"])
    assert body["contact"][0]["type"] == "contact"
    assert body["contact"][0]["title"] == "Retired"


def test_given_categories_read_when_settings_fetched_then_default_category_offers_them_with_value_2(
    extension: Extension,
) -> None:
    assert "defaultCategory" not in extension.get("/user/settings").json()

    assert extension.get("/contact", phoneNumber=DANA["phone"]).json()["successful"] is True

    assert extension.get("/user/settings").json()["defaultCategory"] == {
        "customizable": True,
        "value": 2,
        "options": ACTIVE_CATEGORIES,
    }


def test_given_user_chose_a_default_category_when_categories_change_then_options_refreshed_and_choice_kept(
    extension: Extension, sandbox: Sandbox
) -> None:
    extension.get("/contact", phoneNumber=DANA["phone"])
    chosen = extension.send("POST", "/user/settings", {"userSettings": {"defaultCategory": {"value": 7}}})
    assert chosen.status_code == 200, chosen.text
    sandbox.seed(categories=[{"id": 11, "name": "Estate planning"}])

    assert extension.get("/contact", phoneNumber="+14155550163").json()["successful"] is True

    setting = extension.get("/user/settings").json()["defaultCategory"]
    assert setting["value"] == 7
    assert setting["options"] == [*ACTIVE_CATEGORIES, {"id": 11, "name": "Estate planning"}]


def test_given_name_when_searching_contacts_then_matches_without_create_new_contact(
    extension: Extension,
) -> None:
    body = extension.get("/custom/contact/search", name="Dana").json()

    assert body["successful"] is True
    assert [(c["id"], c["name"]) for c in body["contact"]] == [(201, "Dana A Client"), (202, "Dana Prospect")]


def test_given_new_caller_when_creating_contact_then_redtail_individual_with_the_national_number(
    extension: Extension, sandbox: Sandbox
) -> None:
    created = extension.send(
        "POST",
        "/contact",
        {"phoneNumber": "+442079460958", "newContactName": "Ada King Lovelace", "newContactType": "contact"},
    ).json()

    assert created["successful"] is True, created
    assert created["contact"]["name"] == "Ada King Lovelace"
    contact = next(c for c in sandbox.state("contacts") if c["id"] == created["contact"]["id"])
    assert contact["type"] == "Crm::Contact::Individual"
    assert (contact["first_name"], contact["last_name"]) == ("Ada", "King Lovelace")
    [phone] = contact["phones"]
    assert (phone["number"], phone["country_code"], phone["phone_type"]) == ("2079460958", 44, 6)
    found = extension.get("/contact", phoneNumber="+442079460958").json()
    assert [c["id"] for c in found["contact"]] == [created["contact"]["id"], "createNewContact"]


def test_given_one_word_name_when_creating_contact_then_it_is_the_last_name(
    extension: Extension, sandbox: Sandbox
) -> None:
    created = extension.send(
        "POST", "/contact", {"phoneNumber": "+16285550123", "newContactName": "Prince", "newContactType": ""}
    ).json()

    assert created["successful"] is True, created
    assert created["contact"]["name"] == "Prince"
    contact = next(c for c in sandbox.state("contacts") if c["id"] == created["contact"]["id"])
    assert (contact["first_name"], contact["last_name"]) == ("", "Prince")
    assert (contact["phones"][0]["number"], contact["phones"][0]["country_code"]) == ("6285550123", 1)


# -- call logs ------------------------------------------------------------------------------------------


def test_given_a_call_when_logged_then_one_completed_activity_under_the_category_with_the_note_attached(
    extension: Extension, sandbox: Sandbox
) -> None:
    session_id = new_session_id()

    created = extension.send("POST", "/callLog", call_log_body(session_id)).json()

    assert created["successful"] is True, created
    assert created["returnMessage"]["message"] == "Call logged"
    [activity] = sandbox.activities()
    assert activity["id"] == created["logId"]
    assert activity["subject"] == "Inbound Call from Dana A Client"
    assert (activity["completed"], activity["category_id"], activity["activity_code_id"]) == (True, 1, 3)
    assert (activity["start_date"], activity["end_date"]) == (
        "2026-07-14T10:00:00.000Z",
        "2026-07-14T10:02:05.000Z",
    )
    assert activity["linked_contacts"] == [{"contact_id": DANA["id"]}]
    assert activity["repeats"] == "never"
    assert activity["description"].startswith(
        "<b>Agent notes</b><br>Reviewed the retirement contribution.<br><br><b>Call details</b><br>"
    )
    [note] = sandbox.notes(activity["id"])
    assert (note["body"], note["category_id"], note["note_type"]) == (
        "Reviewed the retirement contribution.",
        1,
        1,
    )
    # created completed in one POST: no PUT {completed: true} was needed
    [post] = sandbox.journal("POST", "/activities$")
    assert post["json"]["completed"] is True
    assert sandbox.journal("PUT") == []

    again = extension.send("POST", "/callLog", call_log_body(session_id)).json()
    assert again["successful"] is True
    assert again["logId"] == created["logId"]
    assert len(sandbox.activities()) == 1
    assert len(sandbox.notes()) == 1


def test_given_no_category_chosen_when_call_logged_then_filed_under_the_users_default_else_prospect(
    extension: Extension, sandbox: Sandbox
) -> None:
    _, without_setting = _logged_call(extension, sandbox, additionalSubmission={})
    assert without_setting["category_id"] == 2

    extension.send("POST", "/user/settings", {"userSettings": {"defaultCategory": {"value": 7}}})
    _, with_setting = _logged_call(extension, sandbox, additionalSubmission={})
    assert with_setting["category_id"] == 7
    assert [n["category_id"] for n in sandbox.notes(with_setting["id"])] == [7]


def test_given_a_default_category_deleted_in_redtail_when_logging_then_kept_without_it_and_told(
    extension: Extension, sandbox: Sandbox
) -> None:
    extension.send("POST", "/user/settings", {"userSettings": {"defaultCategory": {"value": 9}}})

    session_id = new_session_id()
    answer = extension.send("POST", "/callLog", call_log_body(session_id, additionalSubmission={})).json()

    assert answer["successful"] is True, answer
    assert answer["returnMessage"]["message"] == "Call logged, without a category"
    assert answer["returnMessage"]["messageType"] == "warning"
    [activity] = sandbox.activities()
    assert activity["category_id"] is None
    assert activity["completed"] is True
    assert [n["body"] for n in sandbox.notes(activity["id"])] == [call_log_body(session_id)["note"]]


def test_given_no_agent_note_when_call_logged_then_no_activity_note(
    extension: Extension, sandbox: Sandbox
) -> None:
    _, activity = _logged_call(extension, sandbox, note="")

    assert sandbox.notes(activity["id"]) == []
    assert "Agent notes" not in activity["description"]


def test_given_20_concurrent_posts_of_one_call_when_logged_then_one_activity_one_note_and_one_log_id(
    extension: Extension, sandbox: Sandbox
) -> None:
    body = call_log_body(new_session_id())

    responses = extension.at_once(20, "POST", "/callLog", body)

    assert [r.status_code for r in responses] == [200] * 20, responses[0].text
    answers = [r.json() for r in responses]
    activities = sandbox.activities()
    assert len(activities) == 1
    assert all(answer["successful"] is True for answer in answers), answers
    assert {answer["logId"] for answer in answers} == {activities[0]["id"]}
    assert len(sandbox.notes()) == 1
    assert len(sandbox.journal("POST", "/activities$")) == 1


def test_given_logged_call_when_read_back_then_subject_note_contact_and_category(
    extension: Extension, sandbox: Sandbox
) -> None:
    session_id, _ = _logged_call(extension, sandbox)

    found = extension.get("/callLog", sessionIds=session_id, requireDetails="true").json()

    log = found["logs"][0]["logData"]
    assert (log["subject"], log["note"], log["contactName"]) == (
        "Inbound Call from Dana A Client",
        "Reviewed the retirement contribution.",
        "Dana Client",  # first and last name, as the reference reads linked contacts
    )
    assert log["dispositions"] == {"category": 1}


def test_given_logged_call_when_patched_then_same_activity_gets_new_subject_and_description(
    extension: Extension, sandbox: Sandbox
) -> None:
    session_id, before = _logged_call(extension, sandbox)
    update = {
        "sessionId": session_id,
        "subject": "Retirement review",
        "note": "Will increase the contribution.",
        "startTime": "2026-07-14T10:00:00.000Z",
        "duration": 600,
        "result": "Call connected",
        "recordingLink": "https://media.ringcentral.com/recording/rt-1/content",
    }

    updated = extension.send("PATCH", "/callLog", update).json()

    assert updated["successful"] is True, updated
    [after] = sandbox.activities()
    assert after["id"] == before["id"]
    assert after["subject"] == "Retirement review"
    assert "Will increase the contribution." in after["description"]
    assert "Reviewed the retirement contribution." not in after["description"]
    assert "https://media.ringcentral.com/recording/rt-1/content" in after["description"]
    assert after["end_date"] == "2026-07-14T10:10:00.000Z"
    assert (after["completed"], after["category_id"]) == (True, 1)


def test_given_logged_call_when_category_chosen_as_disposition_then_activity_filed_under_it(
    extension: Extension, sandbox: Sandbox
) -> None:
    session_id, activity = _logged_call(extension, sandbox)

    answer = extension.send(
        "PUT", "/callDisposition", {"sessionId": session_id, "dispositions": {"category": 7}}
    ).json()

    assert answer["successful"] is True, answer
    assert sandbox.activity(activity["id"])["category_id"] == 7
    detailed = extension.get("/callLog", sessionIds=session_id, requireDetails="true").json()
    assert detailed["logs"][0]["logData"]["dispositions"] == {"category": 7}


def _abandoned_attempt(sandbox: Sandbox, dynamodb_url: str, session_id: str, seconds_ago: float) -> int:
    """What an attempt killed between Redtail's write and its DynamoDB record leaves behind: the activity,
    written ``seconds_ago``, not completed and without its note, and the attempt's claim, marked
    ``unknown``."""
    began = time.time() - seconds_ago
    sandbox.own("POST", "clock", {"now": began, "freeze": False})
    activity = sandbox.raw_activity()
    sandbox.own("POST", "clock", {"real": True})
    dynamodb, table = stack_table(dynamodb_url, "CallLogsTable")
    dynamodb.put_item(
        TableName=table,
        Item={
            "userId": {"S": APP_USER_ID},
            "logKey": {"S": f"{session_id}#e:101"},  # the extension number call_log_body sends
            "sessionId": {"S": session_id},
            "extensionNumber": {"S": "101"},
            "platform": {"S": "redtail"},
            "status": {"S": "unknown"},
            "claimToken": {"S": "the-killed-attempt"},
            "claimedAt": {"N": str(began)},
            "leaseUntil": {"N": str(began + 26)},
        },
    )
    return int(activity["id"])


@pytest.mark.parametrize("seconds_ago", [5, 300])
def test_given_attempt_killed_after_redtail_created_the_activity_when_retried_then_that_activity_completed(
    extension: Extension, sandbox: Sandbox, dynamodb_url: str, seconds_ago: float
) -> None:
    session_id = new_session_id()
    written = _abandoned_attempt(sandbox, dynamodb_url, session_id, seconds_ago)

    retried = extension.send("POST", "/callLog", call_log_body(session_id)).json()

    assert retried["successful"] is True, retried
    assert retried["logId"] == written
    [activity] = sandbox.activities()
    assert activity["completed"] is True
    assert [n["body"] for n in sandbox.notes(written)] == ["Reviewed the retirement contribution."]
    found = extension.get("/callLog", sessionIds=session_id).json()
    assert found["logs"] == [{"sessionId": session_id, "matched": True, "logId": str(written)}]


# -- time zone ----------------------------------------------------------------------------------------------


def test_given_no_custom_timezone_when_call_and_sms_logged_then_dated_in_utc(
    extension: Extension, sandbox: Sandbox
) -> None:
    _, call = _logged_call(extension, sandbox)
    conversation = _conversation()
    extension.send("POST", "/messageLog", message_body(_message_id(), "Hello", conversation=conversation))

    assert _date_time_line(call["description"]) == "2026-07-14 10:00:00 AM"
    sms = sandbox.activities()[-1]
    assert sms["subject"] == "SMS conversation with Dana A Client - 26/07/14"
    assert "Tuesday, July 14, 2026" in sms["description"]
    assert "Dana A Client (+14155550142) 03:00 AM" in sms["description"]
    assert sms["start_date"] == "2026-07-14T03:00:00.000Z"


def test_given_custom_timezone_minus_8_when_call_and_sms_logged_then_dated_in_utc_minus_8(
    extension: Extension, sandbox: Sandbox
) -> None:
    extension.set_timezone("-8")
    session_id, call = _logged_call(extension, sandbox)
    conversation = _conversation()
    first = message_body(_message_id(), "Hello", conversation=conversation)
    extension.send("POST", "/messageLog", first)
    later = message_body(
        _message_id(),
        "Sent you the times.",
        conversation=conversation,
        direction="Outbound",
        creation_time="2026-07-14T03:05:00.000Z",
    )
    extension.send("POST", "/messageLog", later)

    assert _date_time_line(call["description"]) == "2026-07-14 02:00:00 AM"
    assert call["start_date"] == "2026-07-14T10:00:00.000Z"  # the instant itself stays UTC
    sms = sandbox.activities()[-1]
    # 03:00 UTC on the 14th is 19:00 on the 13th in UTC-8
    assert sms["subject"] == "SMS conversation with Dana A Client - 26/07/13"
    assert "Monday, July 13, 2026" in sms["description"]
    assert "Dana A Client (+14155550142) 07:00 PM" in sms["description"]
    assert "rt.agent 07:05 PM" in sms["description"], "the appended message in the same time zone"
    assert (sms["start_date"], sms["end_date"]) == ("2026-07-14T03:00:00.000Z", "2026-07-14T03:05:00.000Z")
    # an update recomposes the body in the same time zone
    updated = extension.send("PATCH", "/callLog", {"sessionId": session_id, "note": "Changed."}).json()
    assert updated["successful"] is True, updated
    assert _date_time_line(sandbox.activity(call["id"])["description"]) == "2026-07-14 02:00:00 AM"


def test_given_fractional_custom_timezone_when_call_logged_then_dated_with_the_half_hour(
    extension: Extension, sandbox: Sandbox
) -> None:
    extension.set_timezone("5.5")

    _, call = _logged_call(extension, sandbox)

    assert _date_time_line(call["description"]) == "2026-07-14 03:30:00 PM"


# -- message logs --------------------------------------------------------------------------------------------


def test_given_two_messages_of_one_conversation_day_when_logged_then_one_activity_that_grows(
    extension: Extension, sandbox: Sandbox
) -> None:
    conversation = _conversation()
    first_id, second_id = _message_id(), _message_id()
    first = extension.send(
        "POST",
        "/messageLog",
        message_body(first_id, "Could we review my contribution?", conversation=conversation),
    ).json()
    assert first["successful"] is True, first
    [activity] = sandbox.activities()
    assert "Conversation(1 messages)" in activity["description"]
    assert (activity["completed"], activity["category_id"], activity["activity_code_id"]) == (True, 1, 3)
    assert activity["start_date"] == activity["end_date"] == "2026-07-14T03:00:00.000Z"
    assert "<li><b>rt.agent</b><br></li>" in activity["description"], "the agent is the username"

    second = extension.send(
        "POST",
        "/messageLog",
        message_body(
            second_id,
            "Yes, I sent the available review times.",
            conversation=conversation,
            direction="Outbound",
            creation_time="2026-07-14T03:05:00.000Z",
        ),
    ).json()

    assert second["successful"] is True, second
    [grown] = sandbox.activities()
    assert grown["id"] == activity["id"]
    assert "Conversation(2 messages)" in grown["description"]
    assert "Could we review my contribution?" in grown["description"]
    assert "Yes, I sent the available review times." in grown["description"]
    assert (grown["start_date"], grown["end_date"]) == (
        "2026-07-14T03:00:00.000Z",
        "2026-07-14T03:05:00.000Z",
    )
    assert sandbox.journal("PATCH", "/activities/")[-1]["json"]["end_date"] == "2026-07-14T03:05:00.000Z"


def test_given_message_log_with_a_category_when_logged_then_activity_filed_under_it(
    extension: Extension, sandbox: Sandbox
) -> None:
    body = message_body(
        _message_id(), "Hello", conversation=_conversation(), additional_submission={"category": 7}
    )

    assert extension.send("POST", "/messageLog", body).json()["successful"] is True

    [activity] = sandbox.activities()
    assert activity["category_id"] == 7


@pytest.mark.parametrize(
    ("message_type", "attachment", "subject", "label"),
    [
        (
            "VoiceMail",
            {
                "type": "AudioRecording",
                "uri": "https://media.ringcentral.com/vm/1",
                "link": "https://app.ringcentral.com/vm/",
            },
            "Voicemail left by Dana A Client - 26/07/14",
            "Voicemail recording link: ",
        ),
        (
            "Fax",
            {
                "type": "RenderedDocument",
                "uri": "https://media.ringcentral.com/fax/1",
                "link": "https://app.ringcentral.com/fax/",
            },
            "Fax document sent from Dana A Client - 26/07/14",
            "Fax document link: ",
        ),
    ],
    ids=["voicemail", "fax"],
)
def test_given_voicemail_or_fax_when_logged_then_its_own_completed_activity_with_the_link(
    extension: Extension,
    sandbox: Sandbox,
    message_type: str,
    attachment: dict[str, str],
    subject: str,
    label: str,
) -> None:
    message_id = _message_id()
    link = f"{attachment['link']}{message_id}"
    extension.send("POST", "/messageLog", message_body(_message_id(), "Hello", conversation=_conversation()))
    body = message_body(
        message_id,
        message_type,
        conversation=_conversation(),  # RingCentral gives each voicemail and fax a conversation of its own
        message_type=message_type,
        attachments=[{**attachment, "link": link}],
    )

    answer = extension.send("POST", "/messageLog", body).json()

    assert answer["successful"] is True, answer
    sms, activity = sandbox.activities()
    assert activity["id"] != sms["id"]
    assert activity["subject"] == subject
    assert f"{label}{link}" in activity["description"]
    assert link not in sms["description"]
    assert (activity["completed"], activity["linked_contacts"]) == (True, [{"contact_id": DANA["id"]}])


# -- Redtail failing -----------------------------------------------------------------------------------------


def test_given_short_rate_limit_when_finding_contact_then_retried_and_found(
    extension: Extension, sandbox: Sandbox
) -> None:
    sandbox.fault(
        method="GET", path="/contacts/search_basic", status=429, headers={"Retry-After": "1"}, times=1
    )

    response = extension.get("/contact", phoneNumber=DANA["phone"])

    assert response.status_code == 200
    assert response.json()["successful"] is True
    assert DANA["id"] in [c["id"] for c in response.json()["contact"]]
    assert [e["status"] for e in sandbox.journal("GET", "/contacts/search_basic")] == [429, 200]


def test_given_search_failing_with_500_when_finding_contact_then_200_error_finding_contact(
    extension: Extension, sandbox: Sandbox
) -> None:
    sandbox.fault(method="GET", path="/contacts/search_basic", status=500, times=50)

    response = extension.get("/contact", phoneNumber=DANA["phone"])

    assert response.status_code == 200, response.text
    assert response.json()["successful"] is False
    assert response.json()["returnMessage"]["message"] == "Error finding contact"


@pytest.mark.parametrize(
    ("method", "path", "fault"),
    [
        ("GET", "/lists/categories", {"status": 500}),
        ("GET", "/lists/categories", {"status": 200, "body": {"categories": "none"}}),
        ("POST", "/activities$", {"status": 500}),
        ("POST", "/activities$", {"drop": True}),
        ("POST", "/activities$", {"status": 422, "body": {"errors": {"subject": ["can't be blank"]}}}),
        ("POST", "/activities$", {"status": 201, "body": {"activity": None}}),
        ("POST", "/activities/\\d+/notes", {"status": 500}),
        ("POST", "/contacts$", {"status": 500}),
    ],
    ids=[
        "categories-500",
        "categories-odd",
        "activity-500",
        "activity-dropped",
        "activity-422",
        "activity-null",
        "note-500",
        "contact-500",
    ],
)
def test_given_a_failing_redtail_call_when_the_extension_calls_then_an_answer_never_a_5xx(
    extension: Extension, sandbox: Sandbox, method: str, path: str, fault: dict[str, Any]
) -> None:
    sandbox.fault(method=method, path=path, times=50, **fault)
    calls = [
        extension.get("/contact", phoneNumber=DANA["phone"]),
        extension.send("POST", "/callLog", call_log_body(new_session_id())),
        extension.send(
            "POST", "/messageLog", message_body(_message_id(), "Hi", conversation=_conversation())
        ),
        extension.send("POST", "/contact", {"phoneNumber": "+16285550124", "newContactName": "Ada Byron"}),
    ]

    assert [r.status_code for r in calls] == [200] * len(calls), [r.text for r in calls]
    assert all("successful" in r.json() for r in calls)


def test_given_note_refused_after_activity_created_when_call_logged_then_log_kept_with_a_warning(
    extension: Extension, sandbox: Sandbox
) -> None:
    sandbox.fault(method="POST", path="/activities/\\d+/notes", status=500, times=5)

    created = extension.send("POST", "/callLog", call_log_body(new_session_id())).json()

    assert created["successful"] is True, created
    assert created["returnMessage"]["messageType"] == "warning"
    [activity] = sandbox.activities()
    assert "Reviewed the retirement contribution." in activity["description"]
    assert sandbox.notes() == []
