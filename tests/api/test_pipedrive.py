"""Pipedrive end to end: the extension's calls through the local API to the Pipedrive sandbox.

Everything here is real: HTTP to the local stack, the handlers Lambda runs, PynamoDB on moto's DynamoDB
server, and the connector over HTTP to the sandbox. Nothing is patched in-process.
"""

from __future__ import annotations

import jwt as pyjwt
import pytest
import requests

from tests.api.pipedrive_world import (  # noqa: F401 - fixtures, used by name
    HOSTNAME,
    MAYA,
    Extension,
    Sandbox,
    call_log_body,
    message_body,
    new_session_id,
    pipedrive_extension,
    pipedrive_sandbox,
)
from tests.api.stack_tables import stack_table

pytestmark = pytest.mark.stack


# -- login and logout ------------------------------------------------------------------------------


def test_given_pipedrive_consent_when_oauth_callback_then_jwt_for_the_pipedrive_user(
    api_url: str, sandbox: Sandbox
) -> None:
    client = Extension(requests.Session(), api_url)
    body = client.login(sandbox)
    assert body["name"] == "Jordan Lee"
    assert body["returnMessage"]["message"] == "Connected to Pipedrive."
    claims = pyjwt.decode(body["jwtToken"], options={"verify_signature": False})
    assert (claims["id"], claims["platform"]) == ("12345-pipedrive", "pipedrive")
    exchange = sandbox.journal("POST", "/oauth/token")[-1]
    assert exchange["form"]["grant_type"] == "authorization_code"
    assert {k.lower(): v for k, v in exchange["headers"].items()}["authorization"].startswith("Basic ")
    assert client.get("/hostname").text == HOSTNAME


def test_given_a_login_when_users_table_read_raw_then_no_token_in_plaintext(
    extension: Extension, sandbox: Sandbox, dynamodb_url: str
) -> None:
    grants = sandbox.control("GET", "pipedrive/state?collection=oauth")["oauth"]["grants"]
    secrets = [grant["token"] for grant in grants if grant["kind"] in ("access", "refresh")]
    assert secrets, "the sandbox should have issued tokens"
    dynamodb, table = stack_table(dynamodb_url, "UsersTable")
    raw = str(dynamodb.scan(TableName=table)["Items"])
    assert "encryptedAccessToken" in raw
    assert not [secret for secret in secrets if secret in raw]


def test_given_logged_in_user_when_logging_out_then_tokens_revoked_and_jwt_refused(
    extension: Extension, sandbox: Sandbox
) -> None:
    response = extension.send("POST", "/unAuthorize", None)
    assert response.status_code == 200
    assert response.json() == {"message": "Logged out of Pipedrive", "messageType": "success", "ttl": 1000}
    revoked = [entry["form"]["token"] for entry in sandbox.journal("POST", "/oauth/revoke")]
    assert len(revoked) == 2
    again = extension.get("/contact", phoneNumber=MAYA["phone"])
    assert again.status_code == 400
    assert again.text == "Please go to Settings and authorize CRM platform"


def test_given_no_jwt_when_finding_contact_then_400_asks_to_authorize(api_url: str) -> None:
    response = requests.get(f"{api_url}/contact", params={"phoneNumber": MAYA["phone"]}, timeout=30)
    assert response.status_code == 400
    assert response.text == "Please go to Settings and authorize CRM platform"


def test_given_expired_jwt_when_finding_contact_then_400_asks_to_authorize(extension: Extension) -> None:
    claims = pyjwt.decode(extension.jwt, options={"verify_signature": False})
    expired = pyjwt.encode(
        {**claims, "iat": claims["iat"] - 30 * 86400, "exp": claims["exp"] - 30 * 86400},
        "wrong-secret-but-it-does-not-matter-here",
        algorithm="HS256",
    )
    response = extension.get("/contact", jwt=expired, phoneNumber=MAYA["phone"])
    assert response.status_code == 400
    assert response.text == "Please go to Settings and authorize CRM platform"


# -- contacts --------------------------------------------------------------------------------------


def test_given_maya_calls_when_finding_contact_then_maya_and_sam_with_deals_and_create_entry(
    extension: Extension,
) -> None:
    response = extension.get("/contact", phoneNumber=MAYA["phone"])
    assert response.status_code == 200
    body = response.json()
    assert body["successful"] is True
    names = [contact["name"] for contact in body["contact"]]
    assert names == ["Maya Patel", "Sam Patel", "Create new contact..."]
    maya = body["contact"][0]
    assert maya["additionalInfo"]["deals"] == [{"const": 2001, "title": "Acme renewal 2026"}]
    assert body["contact"][-1]["isNewContact"] is True


def test_given_name_when_searching_contacts_then_matching_persons(extension: Extension) -> None:
    body = extension.get("/custom/contact/search", name="Patel").json()
    assert body["successful"] is True
    assert {contact["name"] for contact in body["contact"]} == {"Maya Patel", "Sam Patel"}


def test_given_new_caller_when_creating_contact_then_person_exists_in_pipedrive(
    extension: Extension, sandbox: Sandbox
) -> None:
    response = extension.send(
        "POST", "/contact", {"phoneNumber": "+12125550111", "newContactName": "Ada Byron"}
    )
    body = response.json()
    assert body["successful"] is True
    assert body["contact"]["name"] == "Ada Byron"
    persons = sandbox.control("GET", "pipedrive/state?collection=persons")["persons"]
    assert any(p["id"] == body["contact"]["id"] and p["name"] == "Ada Byron" for p in persons)


def test_given_no_phone_number_when_finding_contact_then_400_says_what_is_missing(
    extension: Extension,
) -> None:
    response = extension.get("/contact")
    assert response.status_code == 400
    assert "phoneNumber" in response.text


# -- call logs -------------------------------------------------------------------------------------


def test_given_a_call_when_logged_fetched_updated_and_dispositioned_then_pipedrive_activity_follows(
    extension: Extension, sandbox: Sandbox
) -> None:
    session_id = new_session_id()
    created = extension.send("POST", "/callLog", call_log_body(session_id)).json()
    assert created["successful"] is True
    activity = sandbox.activity(created["logId"])
    assert activity["subject"] == "Inbound Call from Maya Patel"
    assert "Discussed renewal options." in activity["note"]
    assert activity["deal_id"] == 2001

    found = extension.get("/callLog", sessionIds=f"{session_id},999").json()
    assert found["logs"] == [
        # as the reference: the stored id comes back as text, where POST /callLog answered a number
        {"sessionId": session_id, "matched": True, "logId": str(created["logId"])},
        {"sessionId": "999", "matched": False},
    ]
    detailed = extension.get("/callLog", sessionIds=session_id, requireDetails="true").json()
    assert detailed["logs"][0]["logData"]["note"] == "Discussed renewal options."

    update = {
        "sessionId": session_id,
        "subject": "Renewal call",
        "note": "Customer will renew.",
        "duration": 600,
        "recordingLink": "https://media.example.com/rec/1",
    }
    updated = extension.send("PATCH", "/callLog", update).json()
    assert updated["successful"] is True
    assert isinstance(created["logId"], int)  # the CRM's number, as the reference answers it
    assert updated["logId"] == str(created["logId"])
    activity = sandbox.activity(created["logId"])
    assert activity["subject"] == "Renewal call"
    assert "Customer will renew." in activity["note"]
    assert "Discussed renewal options." not in activity["note"]
    assert "https://media.example.com/rec/1" in activity["note"]
    assert activity["duration"] == "00:10"

    disposition = extension.send(
        "PUT", "/callDisposition", {"sessionId": session_id, "dispositions": {"deals": 2003}}
    ).json()
    assert disposition["successful"] is True
    assert sandbox.activity(created["logId"])["deal_id"] == 2003


def test_given_another_users_jwt_when_reading_or_changing_a_log_then_nothing_is_found(
    extension: Extension, sandbox: Sandbox, api_url: str
) -> None:
    session_id = new_session_id()
    created = extension.send("POST", "/callLog", call_log_body(session_id)).json()
    riley = Extension(requests.Session(), api_url)
    riley.login(sandbox, user_id=12346)
    assert riley.get("/callLog", sessionIds=session_id).json()["logs"] == [
        {"sessionId": session_id, "matched": False}
    ]
    assert riley.send("PATCH", "/callLog", {"sessionId": session_id, "note": "hijack"}).json() == {
        "successful": False
    }
    disposition = riley.send(
        "PUT", "/callDisposition", {"sessionId": session_id, "dispositions": {"deals": 2003}}
    )
    assert disposition.json()["successful"] is False
    activity = sandbox.activity(created["logId"])
    assert "hijack" not in activity["note"]
    assert activity["deal_id"] == 2001


def test_given_20_concurrent_posts_of_one_call_when_logged_then_one_activity_and_every_answer_has_its_id(
    extension: Extension, sandbox: Sandbox
) -> None:
    session_id = new_session_id()
    before = len(sandbox.activities())
    body = call_log_body(session_id)

    responses = extension.at_once(20, "POST", "/callLog", body)
    assert [r.status_code for r in responses] == [200] * 20, responses[0].text
    answers = [r.json() for r in responses]
    assert len(sandbox.activities()) == before + 1
    log_ids = {answer.get("logId") for answer in answers}
    assert len(log_ids) == 1
    assert None not in log_ids
    assert all(answer["successful"] is True for answer in answers)


# -- message logs ----------------------------------------------------------------------------------


def test_given_sms_conversation_when_logged_then_appended_the_same_day_to_one_activity(
    extension: Extension, sandbox: Sandbox
) -> None:
    first = extension.send(
        "POST", "/messageLog", message_body(7001, "Can you send the renewal options?")
    ).json()
    assert first["successful"] is True
    assert first["logIds"] == ["7001"]
    activities = [a for a in sandbox.activities() if a["type"] == "sms"]
    assert len(activities) == 1
    assert activities[0]["subject"] == "SMS conversation with Maya Patel - 26/07/14"
    assert "Conversation(1 messages)" in activities[0]["note"]

    second = extension.send(
        "POST", "/messageLog", message_body(7002, "Sent them just now.", direction="Outbound", minute=5)
    ).json()
    assert second["logIds"] == ["7002"]
    activities = [a for a in sandbox.activities() if a["type"] == "sms"]
    assert len(activities) == 1
    assert "Conversation(2 messages)" in activities[0]["note"]
    assert "Sent them just now." in activities[0]["note"]

    repeat = extension.send(
        "POST", "/messageLog", message_body(7002, "Sent them just now.", direction="Outbound", minute=5)
    ).json()
    assert repeat["successful"] is True
    assert "Conversation(2 messages)" in sandbox.activity(activities[0]["id"])["note"]


def test_given_voicemail_and_fax_when_logged_then_each_is_an_activity_with_its_link(
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
    assert extension.send("POST", "/messageLog", voicemail).json()["successful"] is True
    fax = message_body(
        7102,
        "Fax",
        conversation="555300",
        message_type="Fax",
        attachments=[
            {
                "type": "RenderedDocument",
                "uri": "https://media.example.com/fax",
                "link": "https://app.ringcentral.com/fax/7102",
            }
        ],
    )
    assert extension.send("POST", "/messageLog", fax).json()["successful"] is True
    notes = {a["subject"]: a["note"] for a in sandbox.activities() if a["type"] == "sms"}
    assert "https://app.ringcentral.com/vm/7101" in notes["Voicemail left by Maya Patel - 26/07/14"]
    assert "https://app.ringcentral.com/fax/7102" in notes["Fax document sent from Maya Patel - 26/07/14"]
    assert not [note for note in notes.values() if "access_token" in note]


def test_given_20_concurrent_posts_of_one_sms_when_logged_then_one_activity(
    extension: Extension, sandbox: Sandbox
) -> None:
    body = message_body(7201, "Hello?", conversation="555400")

    responses = extension.at_once(20, "POST", "/messageLog", body)
    assert [r.status_code for r in responses] == [200] * 20, responses[0].text
    answers = [r.json() for r in responses]
    assert len([a for a in sandbox.activities() if a["type"] == "sms"]) == 1
    # as the reference: each answer names what that request logged, so one names the message
    assert sorted(answer["logIds"] for answer in answers) == [[]] * 19 + [["7201"]]


# -- token refresh ---------------------------------------------------------------------------------


def test_given_expiring_token_and_single_use_refresh_tokens_when_20_requests_arrive_then_one_refresh(
    api_url: str, sandbox: Sandbox
) -> None:
    sandbox.config(access_ttl=60, refresh_token_rotation="rotate")  # within the 2-minute refresh margin
    client = Extension(requests.Session(), api_url)
    client.login(sandbox)
    sandbox.config(access_ttl=3599)
    sandbox.clear_journal()

    responses = client.at_once(20, "GET", "/contact", params={"phoneNumber": MAYA["phone"]})
    assert [r.status_code for r in responses] == [200] * 20
    assert all(r.json()["successful"] is True for r in responses)
    refreshes = [
        e for e in sandbox.journal("POST", "/oauth/token") if e["form"]["grant_type"] == "refresh_token"
    ]
    assert len(refreshes) == 1


def test_given_refresh_token_revoked_at_pipedrive_when_token_expires_then_401_session_revoked(
    api_url: str, sandbox: Sandbox
) -> None:
    sandbox.config(access_ttl=60)
    client = Extension(requests.Session(), api_url)
    client.login(sandbox)
    sandbox.config(access_ttl=3599)
    grants = sandbox.control("GET", "pipedrive/state?collection=oauth")["oauth"]["grants"]
    for grant in grants:
        if grant["kind"] == "refresh":
            sandbox.control("POST", "pipedrive/expire", {"token": grant["token"], "revoke": True})
    response = client.get("/contact", phoneNumber=MAYA["phone"])
    assert response.status_code == 401
    assert response.json()["errorCode"] == "CRM_SESSION_REVOKED"


# -- CRM failures ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"status": 401, "body": {"success": False, "error": "unauthorized access"}}, "Authorization error"),
        (
            {
                "status": 429,
                "headers": {"Retry-After": "30"},
                "body": {"success": False, "error": "Request over limit"},
                "times": 5,
            },
            "Rate limit exceeded",
        ),
        ({"status": 500, "body": {"success": False, "error": "boom"}, "times": 5}, "Error finding contact"),
        ({"drop": True, "times": 5}, "Error finding contact"),
    ],
)
def test_given_pipedrive_failing_when_finding_contact_then_200_with_a_clear_message(
    extension: Extension, sandbox: Sandbox, rule: dict[str, object], message: str
) -> None:
    sandbox.fault(method="GET", path="/api/v2/persons/search", **rule)
    response = extension.get("/contact", phoneNumber=MAYA["phone"])
    assert response.status_code == 200
    body = response.json()
    assert body["successful"] is False
    assert body["returnMessage"]["message"] == message


def test_given_activity_deleted_in_pipedrive_when_updating_log_then_not_found_message_not_auth_error(
    extension: Extension, sandbox: Sandbox
) -> None:
    session_id = new_session_id()
    created = extension.send("POST", "/callLog", call_log_body(session_id)).json()
    sandbox.fault(
        method="GET",
        path=f"/api/v2/activities/{created['logId']}$",
        status=404,
        times=3,
        body={"success": False, "error": "Activity not found"},
    )
    body = extension.send("PATCH", "/callLog", {"sessionId": session_id, "note": "late note"}).json()
    assert body["successful"] is False
    assert body["returnMessage"]["message"] == "Error updating call log"
    assert "not found" in body["returnMessage"]["details"][0]["items"][0]["text"]


def test_given_pipedrive_down_when_logging_then_retry_after_recovery_creates_exactly_one_activity(
    extension: Extension, sandbox: Sandbox
) -> None:
    session_id = new_session_id()
    sandbox.fault(method="POST", path="^/api/v2/activities$", status=503, times=1)
    failed = extension.send("POST", "/callLog", call_log_body(session_id)).json()
    assert failed["successful"] is False
    before = len(sandbox.activities())
    retried = extension.send("POST", "/callLog", call_log_body(session_id)).json()
    assert retried["successful"] is True
    assert len(sandbox.activities()) == before + 1


# -- malformed input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"startTime": {}}, "logInfo.startTime"),
        ({"duration": [125]}, "logInfo.duration"),
        ({"from": "+14155550142"}, "logInfo.from"),
        ({"from": {"phoneNumber": 14155550142}}, "logInfo.from.phoneNumber"),
    ],
)
def test_given_a_malformed_call_field_when_logging_then_400_naming_it_and_the_call_can_still_be_logged(
    extension: Extension, sandbox: Sandbox, change: dict[str, object], field: str
) -> None:
    session_id = new_session_id()
    body = call_log_body(session_id)
    before = len(sandbox.activities())
    broken = {**body, "logInfo": {**body["logInfo"], **change}}
    response = extension.send("POST", "/callLog", broken)
    assert response.status_code == 400
    assert field in response.text
    assert len(sandbox.activities()) == before
    fixed = extension.send("POST", "/callLog", body).json()
    assert fixed["successful"] is True


def test_given_a_malformed_message_when_logging_then_400_naming_it(extension: Extension) -> None:
    body = message_body(7301, "hi", conversation="555500")
    body["logInfo"]["messages"][0]["creationTime"] = {"when": "now"}
    response = extension.send("POST", "/messageLog", body)
    assert response.status_code == 400
    assert "logInfo.messages[0].creationTime" in response.text
