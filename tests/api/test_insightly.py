"""Insightly end to end: the extension's calls through the local API to the Insightly sandbox.

Everything here is real: HTTP to the local stack, the handlers Lambda runs, PynamoDB on moto's DynamoDB
server, RingCentral's identity check against the RingCentral sandbox, and the connector over HTTP to the
Insightly sandbox. Nothing is patched in-process.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import jwt as pyjwt
import pytest
import requests

from tests.api.insightly_world import (
    AVERY_KEY,
    BLAKE_KEY,
    HOSTNAME,
    MAYA,
    RC_ACCOUNT,
    Extension,
    Sandbox,
    call_log_body,
    links,
    message_body,
    new_session_id,
    trap_server,
)
from tests.api.stack_tables import raw_user, stack_table
from tests.connectors.test_insightly_connector import REFERENCE_KEY_REFUSED

pytestmark = pytest.mark.stack

AUTHORIZE = "Please go to Settings and authorize CRM platform"


@pytest.fixture
def sandbox(sandbox_url: str, http: requests.Session) -> Iterator[Sandbox]:
    box = Sandbox(http, sandbox_url)
    box.reset()
    yield box
    box.control("DELETE", "insightly/faults")


@pytest.fixture
def extension(api_url: str, sandbox: Sandbox) -> Extension:
    client = Extension(requests.Session(), api_url)
    response = client.api_key_login(AVERY_KEY, sandbox.api_url)
    assert response.status_code == 200, response.text
    return client


def _users_table(dynamodb_url: str) -> tuple[Any, str]:
    return stack_table(dynamodb_url, "UsersTable")


def _login_details(response: requests.Response) -> str:
    return str(response.json()["returnMessage"]["details"][0]["items"][0]["text"])


# -- API-key login and logout ----------------------------------------------------------------------


def test_given_good_api_key_when_logging_in_then_jwt_for_the_insightly_user_of_that_pod(
    api_url: str, sandbox: Sandbox
) -> None:
    client = Extension(requests.Session(), api_url)
    response = client.api_key_login(AVERY_KEY, sandbox.api_url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Avery Quinn"
    assert body["returnMessage"] == {
        "message": "Connected to Insightly.",
        "messageType": "success",
        "ttl": 1000,
    }
    claims = pyjwt.decode(body["jwtToken"], options={"verify_signature": False})
    assert (claims["id"], claims["platform"]) == ("5001-insightly", "insightly")
    [me] = sandbox.journal("GET", "/users/me")
    assert me["path"] == "/v3.1/users/me"
    basic = base64.b64encode(f"{AVERY_KEY}:".encode()).decode()
    assert {k.lower(): v for k, v in me["headers"].items()}["authorization"] == f"Basic {basic}"
    assert client.get("/hostname").text == HOSTNAME


def test_given_unknown_api_key_when_logging_in_then_400_with_check_your_api_key_and_no_jwt(
    api_url: str, sandbox: Sandbox
) -> None:
    client = Extension(requests.Session(), api_url)
    response = client.api_key_login("not-a-real-key", sandbox.api_url)
    assert response.status_code == 400
    assert response.json() == {"returnMessage": REFERENCE_KEY_REFUSED}


@pytest.mark.parametrize("host", ["2130706433", "127.1", "0x7f000001"])
def test_given_api_url_on_a_host_outside_the_allowed_hosts_when_logging_in_then_400_and_no_call_to_it(
    api_url: str, sandbox: Sandbox, host: str
) -> None:
    # each of these spells 127.0.0.1, where the trap listens: only the allow-list stands in the way
    client = Extension(requests.Session(), api_url)
    with trap_server() as trap:
        refused = client.api_key_login(AVERY_KEY, f"http://{host}:{trap.port}/v3.1")
        assert trap.requests == []
        allowed = client.api_key_login(AVERY_KEY, f"http://127.0.0.1:{trap.port}/v3.1")
        assert trap.requests == ["/v3.1/users/me"], "the trap answers when the host is allowed"
    assert allowed.status_code == 200
    assert refused.status_code == 400
    assert refused.json()["returnMessage"]["message"] == "Could not load user information"
    assert "Insightly pod" in _login_details(refused)


@pytest.mark.parametrize("api_url_text", ["http://[::1", "http://127.0.0.1:99999/v3.1", "https://"])
def test_given_api_url_that_is_not_a_url_when_logging_in_then_400_asking_for_the_pod_url_not_500(
    api_url: str, sandbox: Sandbox, api_url_text: str
) -> None:
    client = Extension(requests.Session(), api_url)
    response = client.api_key_login(AVERY_KEY, api_url_text)
    assert response.status_code == 400, response.text
    assert "Insightly pod" in _login_details(response)


def test_given_rc_token_when_logging_in_then_user_linked_to_the_rc_account_and_no_api_key_stored_in_plaintext(
    api_url: str, sandbox: Sandbox, dynamodb_url: str
) -> None:
    client = Extension(requests.Session(), api_url)
    response = client.api_key_login(AVERY_KEY, sandbox.api_url, rc_token=sandbox.rc_token())
    assert response.status_code == 200, response.text
    row = raw_user(dynamodb_url, "5001-insightly")
    assert row["rcAccountId"] == {"S": RC_ACCOUNT}
    assert row["hashedRcAccountId"]["S"] not in ("", RC_ACCOUNT)
    assert "encryptedAccessToken" in row
    assert "apiKey" not in str(row["platformAdditionalInfo"])
    dynamodb, table = _users_table(dynamodb_url)
    assert AVERY_KEY not in str(dynamodb.scan(TableName=table, ConsistentRead=True)["Items"])
    settings = client.get("/user/settings")
    assert settings.status_code == 200, settings.text
    assert client.get("/contact", phoneNumber=MAYA["phone"]).json()["successful"] is True


def test_given_rc_token_ringcentral_rejects_when_logging_in_then_400_and_no_user_saved(
    api_url: str, sandbox: Sandbox, dynamodb_url: str
) -> None:
    client = Extension(requests.Session(), api_url)
    response = client.api_key_login(BLAKE_KEY, sandbox.api_url, rc_token="not-a-ringcentral-token")
    assert response.status_code == 400
    assert response.json() == {
        "error": "The RingCentral session is not valid. Please sign in to RingCentral again."
    }
    dynamodb, table = _users_table(dynamodb_url)
    item = dynamodb.get_item(TableName=table, Key={"id": {"S": "5002-insightly"}}, ConsistentRead=True)
    assert "Item" not in item
    assert sandbox.journal("GET", "/users/me") == []


def test_given_logged_in_user_when_logging_out_then_logged_out_message_and_jwt_refused(
    extension: Extension, dynamodb_url: str
) -> None:
    response = extension.send("POST", "/unAuthorize", None)
    assert response.status_code == 200
    assert response.json() == {"message": "Logged out of Insightly", "messageType": "success", "ttl": 1000}
    assert "encryptedAccessToken" not in raw_user(dynamodb_url, "5001-insightly")
    again = extension.get("/contact", phoneNumber=MAYA["phone"])
    assert again.status_code == 400
    assert again.text == AUTHORIZE


def test_given_api_key_revoked_in_insightly_when_finding_contact_then_asked_to_reconnect(
    extension: Extension, sandbox: Sandbox
) -> None:
    sandbox.control("POST", "insightly/expire", {"api_key": AVERY_KEY})
    body = extension.get("/contact", phoneNumber=MAYA["phone"]).json()
    assert body["successful"] is False
    assert body["returnMessage"]["message"] == "Authorization error"
    assert "Connect your insightly account" in body["returnMessage"]["details"][0]["items"][0]["text"]


# -- contacts --------------------------------------------------------------------------------------


def test_given_one_number_stored_in_four_formats_when_finding_contact_then_all_four_found_once_each(
    api_url: str, sandbox: Sandbox
) -> None:
    # a company of its own (a new Insightly instance): its phone profile is learned from these records
    instance = time.time_ns()
    key = f"four-formats-{instance}"
    sandbox.seed(
        users=[
            {
                "USER_ID": 5100,
                "FIRST_NAME": "Fay",
                "LAST_NAME": "Four",
                "API_KEY": key,
                "INSTANCE_ID": instance,
            }
        ]
    )
    extension = Extension(requests.Session(), api_url)
    assert extension.api_key_login(key, sandbox.api_url).status_code == 200
    formats = ["(415) 555-0142", "415-555-0142", "+1 415 555 0142", "4155550142"]
    seeded = sandbox.seed(
        contacts=[
            {"FIRST_NAME": "Format", "LAST_NAME": str(n), "PHONE": phone} for n, phone in enumerate(formats)
        ]
    )["contacts"]
    body = extension.get("/contact", phoneNumber="+14155550142").json()
    assert body["successful"] is True
    found = [(c["type"], c["id"]) for c in body["contact"] if not c.get("isNewContact")]
    assert len(found) == len(set(found)), "each contact once"
    phones = {c["id"]: c["phone"] for c in body["contact"] if c.get("type") == "Contact"}
    assert [phones.get(contact_id) for contact_id in seeded] == formats
    # the seeded Maya Patel (contact) and Jordan Prospect (lead) have the same number
    assert set(found) == {("Contact", i) for i in [101, *seeded]} | {("Lead", 201)}
    assert body["contact"][-1]["id"] == "createNewContact"


def test_given_lead_with_the_mobile_number_when_finding_contact_then_lead_found(
    extension: Extension,
) -> None:
    body = extension.get("/contact", phoneNumber="+14155550177").json()
    assert body["successful"] is True
    [lead, new] = body["contact"]
    assert (lead["type"], lead["id"], lead["name"], lead["phone"]) == (
        "Lead",
        201,
        "Jordan Prospect",
        "(415) 555-0177",
    )
    assert new["isNewContact"] is True


def test_given_contact_with_organisation_and_opportunity_when_found_then_they_are_offered_for_the_log(
    extension: Extension,
) -> None:
    body = extension.get("/contact", phoneNumber=MAYA["phone"]).json()
    maya = next(c for c in body["contact"] if c.get("id") == MAYA["id"])
    assert maya["additionalInfo"] == {
        "organisation": [{"title": "Acme Logistics", "const": 301}],
        "opportunity": [{"title": "Fleet renewal", "const": 401}],
    }


def test_given_full_name_when_searching_contacts_then_that_contact(extension: Extension) -> None:
    body = extension.get("/custom/contact/search", name="John Doe").json()
    assert body["successful"] is True
    assert [(c["type"], c["id"], c["name"]) for c in body["contact"]] == [("Contact", 102, "John Doe")]


def test_given_new_caller_when_creating_contact_then_insightly_contact_found_by_the_number(
    extension: Extension, sandbox: Sandbox
) -> None:
    body = extension.send(
        "POST",
        "/contact",
        {"phoneNumber": "+16285550123", "newContactName": "Ada Byron", "newContactType": "contact"},
    ).json()
    assert body["successful"] is True
    assert body["contact"]["name"] == "Ada Byron"
    contact = next(c for c in sandbox.records("contacts") if c["CONTACT_ID"] == body["contact"]["id"])
    assert (contact["FIRST_NAME"], contact["LAST_NAME"], contact["PHONE"]) == ("Ada", "Byron", "+16285550123")
    found = extension.get("/contact", phoneNumber="+16285550123").json()
    assert [c["id"] for c in found["contact"]] == [body["contact"]["id"], "createNewContact"]


# -- call logs -------------------------------------------------------------------------------------


def test_given_a_call_when_logged_fetched_and_updated_then_insightly_event_and_links_follow(
    extension: Extension, sandbox: Sandbox
) -> None:
    session_id = new_session_id()
    created = extension.send("POST", "/callLog", call_log_body(session_id)).json()
    assert created["successful"] is True
    event = sandbox.event(created["logId"])
    assert event["TITLE"] == "Inbound Call from Maya Patel"
    assert "Discussed the fleet renewal." in event["DETAILS"]
    assert (event["START_DATE_UTC"], event["END_DATE_UTC"]) == ("2026-07-14 10:00:00", "2026-07-14 10:02:05")
    assert sorted(links(event)) == [("Contact", 101), ("Opportunity", 401), ("Organisation", 301)]

    found = extension.get("/callLog", sessionIds=f"{session_id},999").json()
    assert found["logs"] == [
        # as the reference: the stored id comes back as text, where POST /callLog answered a number
        {"sessionId": session_id, "matched": True, "logId": str(created["logId"])},
        {"sessionId": "999", "matched": False},
    ]
    detailed = extension.get("/callLog", sessionIds=session_id, requireDetails="true").json()
    log = detailed["logs"][0]["logData"]
    assert (log["subject"], log["note"], log["contactName"]) == (
        "Inbound Call from Maya Patel",
        "Discussed the fleet renewal.",
        "Maya Patel",
    )
    assert log["dispositions"] == {"organisation": 301, "opportunity": 401}

    update = {
        "sessionId": session_id,
        "subject": "Fleet renewal call",
        "note": "Customer will renew.",
        "duration": 600,
        "recordingLink": "https://media.example.com/rec/1",
    }
    updated = extension.send("PATCH", "/callLog", update).json()
    assert updated["successful"] is True
    assert isinstance(created["logId"], int)  # the CRM's number, as the reference answers it
    assert updated["logId"] == str(created["logId"])
    event = sandbox.event(created["logId"])
    assert event["TITLE"] == "Fleet renewal call"
    assert "Customer will renew." in event["DETAILS"]
    assert "Discussed the fleet renewal." not in event["DETAILS"]
    assert "https://media.example.com/rec/1" in event["DETAILS"]
    assert (event["START_DATE_UTC"], event["END_DATE_UTC"]) == ("2026-07-14 10:00:00", "2026-07-14 10:10:00")
    assert sorted(links(event)) == [("Contact", 101), ("Opportunity", 401), ("Organisation", 301)]


def test_given_a_call_with_a_lead_when_logged_then_event_linked_to_the_lead(
    extension: Extension, sandbox: Sandbox
) -> None:
    lead = {"id": 201, "name": "Jordan Prospect", "phone": "+14155550142"}
    body = call_log_body(new_session_id(), contact=lead, contact_type="Lead", additionalSubmission={})
    created = extension.send("POST", "/callLog", body).json()
    assert created["successful"] is True
    event = sandbox.event(created["logId"])
    assert event["TITLE"] == "Inbound Call from Jordan Prospect"
    assert links(event) == [("Lead", 201)]


def test_given_logged_call_when_disposition_chosen_then_links_replaced_not_duplicated(
    extension: Extension, sandbox: Sandbox
) -> None:
    session_id = new_session_id()
    created = extension.send("POST", "/callLog", call_log_body(session_id)).json()
    dispositions = {"organisation": 302, "opportunity": 401, "project": 501}
    for _ in range(2):
        answer = extension.send(
            "PUT", "/callDisposition", {"sessionId": session_id, "dispositions": dispositions}
        ).json()
        assert answer["successful"] is True
    assert sorted(links(sandbox.event(created["logId"]))) == [
        ("Contact", 101),
        ("Opportunity", 401),
        ("Organisation", 302),
        ("Project", 501),
    ]
    detailed = extension.get("/callLog", sessionIds=session_id, requireDetails="true").json()
    assert detailed["logs"][0]["logData"]["dispositions"] == dispositions


def test_given_another_insightly_user_when_reading_or_changing_a_log_then_nothing_is_found(
    extension: Extension, sandbox: Sandbox, api_url: str
) -> None:
    session_id = new_session_id()
    created = extension.send("POST", "/callLog", call_log_body(session_id)).json()
    blake = Extension(requests.Session(), api_url)
    assert blake.api_key_login(BLAKE_KEY, sandbox.api_url).status_code == 200
    assert blake.get("/callLog", sessionIds=session_id).json()["logs"] == [
        {"sessionId": session_id, "matched": False}
    ]
    assert blake.send("PATCH", "/callLog", {"sessionId": session_id, "note": "hijack"}).json() == {
        "successful": False
    }
    disposition = blake.send(
        "PUT", "/callDisposition", {"sessionId": session_id, "dispositions": {"organisation": 302}}
    )
    assert disposition.json()["successful"] is False
    event = sandbox.event(created["logId"])
    assert "hijack" not in event["DETAILS"]
    assert ("Organisation", 302) not in links(event)


def test_given_20_concurrent_posts_of_one_call_when_logged_then_one_event_and_every_answer_has_its_id(
    extension: Extension, sandbox: Sandbox
) -> None:
    session_id = new_session_id()
    before = len(sandbox.events())
    body = call_log_body(session_id)

    responses = extension.at_once(20, "POST", "/callLog", body)
    assert [r.status_code for r in responses] == [200] * 20, responses[0].text
    answers = [r.json() for r in responses]
    events = sandbox.events()
    assert len(events) == before + 1
    assert all(answer["successful"] is True for answer in answers)
    assert {answer.get("logId") for answer in answers} == {events[-1]["EVENT_ID"]}  # a number, every time
    assert len(links(events[-1])) == 3, "the links were written once"


def _abandoned_attempt(sandbox: Sandbox, dynamodb_url: str, session_id: str, seconds_ago: float) -> int:
    """What an attempt killed between Insightly's write and its DynamoDB record leaves behind: the
    linked event, written ``seconds_ago``, and the attempt's claim, marked ``unknown``."""
    began = time.time() - seconds_ago
    sandbox.control("POST", "insightly/clock", {"now": began, "freeze": False})
    event = sandbox.http.post(
        f"{sandbox.api_url}/events",
        auth=(AVERY_KEY, ""),
        json={
            "TITLE": "Inbound Call from Maya Patel",
            "DETAILS": "- Note: Discussed the fleet renewal.",
            "START_DATE_UTC": "2026-07-14T10:00:00.000Z",
            "END_DATE_UTC": "2026-07-14T10:02:05.000Z",
        },
        timeout=30,
    ).json()
    for name, target in (("Contact", 101), ("Organisation", 301), ("Opportunity", 401)):
        sandbox.http.post(
            f"{sandbox.api_url}/events/{event['EVENT_ID']}/links",
            auth=(AVERY_KEY, ""),
            json={"LINK_OBJECT_NAME": name, "LINK_OBJECT_ID": target},
            timeout=30,
        )
    sandbox.control("POST", "insightly/clock", {"real": True})
    dynamodb, table = stack_table(dynamodb_url, "CallLogsTable")
    dynamodb.put_item(
        TableName=table,
        Item={
            "userId": {"S": "5001-insightly"},
            "logKey": {"S": f"{session_id}#"},  # a call log posted without an extension identity
            "sessionId": {"S": session_id},
            "platform": {"S": "insightly"},
            "status": {"S": "unknown"},
            "claimToken": {"S": "the-killed-attempt"},
            "claimedAt": {"N": str(began)},
            "leaseUntil": {"N": str(began + 26)},
        },
    )
    return int(event["EVENT_ID"])


@pytest.mark.parametrize(
    "seconds_ago",
    [5, 300],
)
def test_given_attempt_killed_after_insightly_wrote_the_event_when_retried_then_that_event_and_no_second(
    extension: Extension, sandbox: Sandbox, dynamodb_url: str, seconds_ago: float
) -> None:
    session_id = new_session_id()
    written = _abandoned_attempt(sandbox, dynamodb_url, session_id, seconds_ago)
    retried = extension.send("POST", "/callLog", call_log_body(session_id)).json()
    assert retried["successful"] is True
    assert retried["logId"] == written
    assert len(sandbox.events()) == 1
    found = extension.get("/callLog", sessionIds=session_id).json()
    assert found["logs"] == [{"sessionId": session_id, "matched": True, "logId": str(written)}]


# -- message logs ----------------------------------------------------------------------------------


def test_given_sms_conversation_when_logged_then_one_event_linked_to_the_contact_and_appended(
    extension: Extension, sandbox: Sandbox
) -> None:
    first = extension.send(
        "POST",
        "/messageLog",
        message_body(7001, "Can you send the renewal options?", additional_submission={"project": 501}),
    ).json()
    assert first["successful"] is True
    assert first["logIds"] == ["7001"]
    [event] = sandbox.events()
    assert event["TITLE"] == "SMS conversation with Maya Patel - 26/07/14"
    assert "Can you send the renewal options?" in event["DETAILS"]
    assert "<" not in event["DETAILS"], "plain text, not HTML"
    assert sorted(links(event)) == [("Contact", 101), ("Project", 501)]

    second = extension.send("POST", "/messageLog", message_body(7002, "And the fleet prices.")).json()
    assert second["logIds"] == ["7002"]
    [event] = sandbox.events()
    assert "Conversation(2 messages)" in event["DETAILS"]
    assert "And the fleet prices." in event["DETAILS"]


def test_given_voicemail_when_logged_then_event_with_the_recording_link(
    extension: Extension, sandbox: Sandbox
) -> None:
    voicemail = message_body(
        7101,
        "Voice Message",
        conversation="555200",
        message_type="VoiceMail",
        attachments=[
            {
                "type": "AudioRecording",
                "uri": "https://media.example.com/vm",
                "link": "https://app.ringcentral.com/vm/7101",
            }
        ],
    )
    answer = extension.send("POST", "/messageLog", voicemail).json()
    assert answer["successful"] is True
    [event] = sandbox.events()
    assert event["TITLE"] == "Voicemail left by Maya Patel - 26/07/14"
    assert "https://app.ringcentral.com/vm/7101" in event["DETAILS"]
    assert links(event) == [("Contact", 101)]


# -- malformed input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "change"),
    [
        ("POST", "/callLog", {"additionalSubmission": ["organisation", 301]}),
        ("PUT", "/callDisposition", {"dispositions": ["organisation", 302]}),
        ("PUT", "/callDisposition", {"dispositions": "302"}),
        ("PATCH", "/callLog", {"additionalSubmission": "301"}),
    ],
)
def test_given_form_values_that_are_not_objects_when_logging_then_400_and_insightly_untouched(
    extension: Extension, sandbox: Sandbox, method: str, path: str, change: dict[str, Any]
) -> None:
    session_id = new_session_id()
    if method != "POST":
        assert extension.send("POST", "/callLog", call_log_body(session_id)).json()["successful"] is True
    sandbox.clear_journal()
    response = extension.send(method, path, {**call_log_body(session_id), "sessionId": session_id, **change})
    assert response.status_code == 400
    assert response.text.endswith("must be a JSON object.")
    assert [e for e in sandbox.journal() if e["method"] != "GET"] == []
    retried = extension.send("POST", "/callLog", call_log_body(session_id)).json()
    assert retried["successful"] is True, "nothing half-written blocks the next attempt"
    assert len(sandbox.events()) == 1
