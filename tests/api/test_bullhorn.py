"""Bullhorn end to end: the extension's calls through the local API to the Bullhorn sandbox.

Everything here is real: HTTP to the local stack, the handlers Lambda runs, PynamoDB on moto's DynamoDB
server, and the connector over HTTP to the sandbox's OAuth server, REST login and REST API. Nothing is
patched in-process. The sandbox's journal shows what Bullhorn received: token grants, REST logins
(``POST /rest-services/login``), searches and note writes.

The server remembers logged calls and messages across tests while the sandbox is reset before each one:
every test uses its own session ids and conversations.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import jwt as pyjwt
import pytest
import requests

from connectors.bullhorn.contacts import PLACEHOLDER_COMPANY
from tests.api.bullhorn_world import (  # noqa: F401 - fixtures, used by name
    APP_USER_ID,
    CLIENT_SECRET,
    CORPORATE_USER_ID,
    JORDAN,
    MAYA,
    NOTE_ACTIONS,
    TAYLOR,
    USERNAME,
    Extension,
    Sandbox,
    bullhorn_extension,
    bullhorn_sandbox,
    call_log_body,
    grant_type,
    message_body,
    new_message_id,
    new_session_id,
)
from tests.api.insightly_world import trap_server
from tests.api.stack_tables import raw_user, stack_table

pytestmark = pytest.mark.stack

AUTHORIZE = "Please go to Settings and authorize CRM platform"
SEARCH = "/search/ClientContact$"
NO_EDIT = "may not edit notes"


def _matched(answer: dict[str, Any]) -> list[tuple[Any, str]]:
    return [(c["id"], c["type"]) for c in answer.get("contact") or [] if not c.get("isNewContact")]


def _headers(entry: dict[str, Any]) -> dict[str, str]:
    return {k.lower(): v for k, v in entry["headers"].items()}


def _logged_call(extension: Extension, sandbox: Sandbox, **kwargs: Any) -> tuple[str, dict[str, Any]]:
    session_id = new_session_id()
    created = extension.send("POST", "/callLog", call_log_body(session_id, **kwargs)).json()
    assert created["successful"] is True, created
    return session_id, sandbox.note(created["logId"])


def _conversation() -> str:
    return str(uuid.uuid4().int % 10**13)


# -- sign-in and sign-out -------------------------------------------------------------------------------


def test_given_bailey_signs_in_when_oauth_callback_then_jwt_for_456_bullhorn_and_one_rest_session(
    api_url: str, sandbox: Sandbox
) -> None:
    client = Extension(requests.Session(), api_url)
    sandbox.clear_journal()

    response = client.oauth_login(sandbox)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Bailey Recruiter"
    assert body["returnMessage"]["message"] == "Connected to Bullhorn."
    claims = pyjwt.decode(body["jwtToken"], options={"verify_signature": False})
    assert (claims["id"], claims["platform"]) == (APP_USER_ID, "bullhorn")
    # the code exchange carries everything in the query string and no Authorization header
    [exchange] = sandbox.journal("POST", "/oauth/token")
    assert grant_type(exchange) == "authorization_code"
    assert exchange["query"]["client_secret"] == [CLIENT_SECRET]
    assert not _headers(exchange).get("authorization")
    [login] = sandbox.rest_logins()
    assert login["query"]["version"] == ["2.0"]
    [who] = sandbox.journal("GET", "/query/CorporateUser$")
    assert who["query"]["where"] == [f"username='{USERNAME}'"]
    assert len(sandbox.sessions()) == 1
    assert client.get("/contact", phoneNumber=MAYA["phone"]).json()["successful"] is True


def test_given_a_wrong_bullhorn_username_when_oauth_callback_then_could_not_load_user_information(
    api_url: str, sandbox: Sandbox
) -> None:
    client = Extension(requests.Session(), api_url)
    callback = sandbox.authorize()
    response = client.get(
        "/oauth-callback",
        jwt="",
        callbackUri=callback,
        state="platform=bullhorn",
        tokenUrl=sandbox.token_url,
        apiUrl=sandbox.login_base,
        username="nobody.here",
    )
    assert response.status_code == 200, response.text
    assert "jwtToken" not in response.json()
    assert response.json()["returnMessage"]["message"] == "Could not load user information"


def test_given_a_login_when_users_table_scanned_raw_then_no_bhresttoken_nor_oauth_token_in_plaintext(
    extension: Extension, sandbox: Sandbox, dynamodb_url: str
) -> None:
    # a renewed session is stored the same way as the first one
    sandbox.expire_sessions()
    assert extension.get("/contact", phoneNumber=MAYA["phone"]).json()["successful"] is True
    rest_tokens = [str(s["BhRestToken"]) for s in sandbox.sessions()]
    grants = sandbox.own("GET", "state?collection=oauth")["oauth"]["grants"]
    oauth_tokens = [g["token"] for g in grants if g["kind"] in ("access", "refresh")]
    assert len(rest_tokens) == 2
    assert oauth_tokens

    row = raw_user(dynamodb_url, APP_USER_ID)
    dynamodb, table = stack_table(dynamodb_url, "UsersTable")
    everything = str(dynamodb.scan(TableName=table, ConsistentRead=True)["Items"])

    assert "encryptedSession" in row
    assert "encryptedAccessToken" in row
    assert not [token for token in rest_tokens if token in everything]
    assert not [token for token in oauth_tokens if token in everything]
    assert "bhRestToken" not in str(row["platformAdditionalInfo"])


def test_given_bailey_signed_in_when_logging_out_then_session_ended_at_bullhorn_and_jwt_refused(
    extension: Extension, sandbox: Sandbox, dynamodb_url: str
) -> None:
    response = extension.send("POST", "/unAuthorize", None)

    assert response.status_code == 200, response.text
    assert response.json()["message"] == "Logged out of Bullhorn"
    assert len(sandbox.journal("GET", "/logout$")) == 1
    assert sandbox.sessions() == []
    assert "encryptedSession" not in raw_user(dynamodb_url, APP_USER_ID)
    again = extension.get("/contact", phoneNumber=MAYA["phone"])
    assert (again.status_code, again.text) == (400, AUTHORIZE)


@pytest.mark.parametrize("which", ["tokenUrl", "apiUrl"])
@pytest.mark.parametrize("host", ["127.1", "2130706433"])
def test_given_a_data_centre_url_outside_the_allowed_hosts_when_signing_in_then_400_and_nothing_sent_there(
    api_url: str, sandbox: Sandbox, which: str, host: str
) -> None:
    # each host spells 127.0.0.1, where the trap listens: only BULLHORN_ALLOWED_HOSTS stands in the way
    client = Extension(requests.Session(), api_url)
    with trap_server() as trap:
        path = "/oauth/token" if which == "tokenUrl" else "/rest-services"
        outside = f"http://{host}:{trap.port}{path}"
        response = client.oauth_login(
            sandbox,
            token_url=outside if which == "tokenUrl" else None,
            api_url=outside if which == "apiUrl" else None,
        )
        assert trap.requests == []
    assert response.status_code == 400, response.text
    assert f"{host} is not a bullhorn host" in response.json()["error"]
    assert client.jwt == ""
    assert sandbox.rest_logins(status=None) == []


def test_given_a_token_url_outside_the_allowed_hosts_when_signing_in_then_refused_before_any_call(
    api_url: str, sandbox: Sandbox
) -> None:
    client = Extension(requests.Session(), api_url)
    callback = sandbox.authorize()
    sandbox.clear_journal()
    response = client.get(
        "/oauth-callback",
        jwt="",
        callbackUri=callback,
        state="platform=bullhorn",
        tokenUrl="https://auth.example.com/oauth/token",
        apiUrl=sandbox.login_base,
        username=USERNAME,
    )
    assert response.status_code == 400, response.text
    assert sandbox.journal() == []


def test_given_an_api_url_outside_the_allowed_hosts_when_signing_in_then_refused_before_any_call(
    api_url: str, sandbox: Sandbox
) -> None:
    client = Extension(requests.Session(), api_url)
    callback = sandbox.authorize()
    sandbox.clear_journal()
    response = client.get(
        "/oauth-callback",
        jwt="",
        callbackUri=callback,
        state="platform=bullhorn",
        tokenUrl=sandbox.token_url,
        apiUrl="https://rest.example.com/rest-services",
        username=USERNAME,
    )
    assert response.status_code == 400, response.text
    assert sandbox.journal() == []  # the code was not spent: no POST /oauth/token


# -- session validation and renewal ----------------------------------------------------------------------


def test_given_a_live_session_when_auth_validation_then_successful_with_one_ping_and_no_login(
    extension: Extension, sandbox: Sandbox
) -> None:
    response = extension.get("/authValidation")

    assert response.status_code == 200
    assert response.json() == {"successful": True}
    assert [e["status"] for e in sandbox.journal("GET", "/ping$")] == [200]
    assert sandbox.rest_logins(status=None) == []


@pytest.mark.parametrize(
    ("expire", "grants", "logins"),
    [("sessions", 0, [200]), ("everything", 1, [401, 200])],
    ids=["session-expired", "token-and-session-expired"],
)
def test_given_an_expired_session_when_auth_validation_then_renewed_and_still_successful(
    extension: Extension, sandbox: Sandbox, expire: str, grants: int, logins: list[int]
) -> None:
    sandbox.expire_sessions() if expire == "sessions" else sandbox.expire_everything()

    response = extension.get("/authValidation")

    assert response.status_code == 200
    assert response.json() == {"successful": True}
    assert [e["status"] for e in sandbox.rest_logins(status=None)] == logins
    assert len(sandbox.token_grants()) == grants
    assert [e["status"] for e in sandbox.journal("GET", "/ping$")] == [401, 200]


def test_given_the_session_expired_when_finding_a_contact_then_renewed_unnoticed_with_the_same_token(
    extension: Extension, sandbox: Sandbox
) -> None:
    dead = sandbox.expire_sessions()

    answer = extension.get("/contact", phoneNumber=MAYA["phone"]).json()

    assert answer["successful"] is True
    assert (MAYA["id"], "Contact") in _matched(answer)
    [login] = sandbox.rest_logins(status=None)
    assert login["status"] == 200
    assert sandbox.token_grants() == []
    # the renewed session is stored: the next request uses it without logging in again
    sandbox.clear_journal()
    assert extension.get("/contact", phoneNumber=MAYA["phone"]).json()["successful"] is True
    assert sandbox.rest_logins(status=None) == []
    used = {_headers(e).get("bhresttoken") for e in sandbox.journal("POST", "/search/")}
    assert len(used) == 1
    assert not used & set(dead)


def test_given_access_token_and_session_expired_when_finding_a_contact_then_one_grant_and_one_login(
    extension: Extension, sandbox: Sandbox
) -> None:
    sandbox.expire_everything()

    answer = extension.get("/contact", phoneNumber=MAYA["phone"]).json()

    assert answer["successful"] is True
    assert len(sandbox.token_grants()) == 1
    assert len(sandbox.rest_logins()) == 1
    # the login that opened the new session used the new access token
    [opened] = sandbox.rest_logins()
    [refused] = sandbox.rest_logins(status=401)
    assert opened["query"]["access_token"] != refused["query"]["access_token"]


@pytest.mark.parametrize(
    ("expire", "grants", "logins"),
    [("sessions", 0, 1), ("everything", 1, 1)],
    ids=["session-expired", "token-and-session-expired"],
)
def test_given_an_expired_session_when_20_requests_arrive_at_once_then_one_renewal_and_no_failure(
    extension: Extension, sandbox: Sandbox, expire: str, grants: int, logins: int
) -> None:
    sandbox.expire_sessions() if expire == "sessions" else sandbox.expire_everything()

    responses = extension.at_once(20, "GET", "/contact", params={"phoneNumber": MAYA["phone"]})

    assert [r.status_code for r in responses] == [200] * 20, responses[0].text
    assert all(r.json()["successful"] is True for r in responses), [r.text for r in responses]
    assert len(sandbox.token_grants()) == grants
    assert len(sandbox.rest_logins()) == logins
    assert len(sandbox.rest_logins(status=None)) == logins + grants  # the refused one before the refresh


def test_given_one_rest_401_on_the_search_when_finding_a_contact_then_one_login_and_a_successful_retry(
    extension: Extension, sandbox: Sandbox
) -> None:
    sandbox.fault(
        method="POST",
        path=SEARCH,
        status=401,
        times=1,
        body={"errorMessage": "Bad 'BhRestToken' or timed-out.", "errorCode": 401},
    )

    answer = extension.get("/contact", phoneNumber=MAYA["phone"]).json()

    assert answer["successful"] is True
    assert (MAYA["id"], "Contact") in _matched(answer)
    assert len(sandbox.rest_logins(status=None)) == 1
    assert sandbox.token_grants() == []
    assert [e["status"] for e in sandbox.journal("POST", SEARCH)] == [401, 200]


def test_given_bullhorn_always_answering_401_when_finding_a_contact_then_one_renewal_and_authorization_error(
    extension: Extension, sandbox: Sandbox
) -> None:
    sandbox.fault(method="POST", path=SEARCH, status=401, times=20, body={"errorCode": 401})

    response = extension.get("/contact", phoneNumber=MAYA["phone"])

    assert response.status_code == 200, response.text
    assert response.json()["successful"] is False
    assert response.json()["returnMessage"]["message"] == "Authorization error"
    assert len(sandbox.rest_logins(status=None)) == 1  # renewed once, not in a loop


def test_given_one_429_with_a_short_retry_after_when_finding_a_contact_then_retried_without_any_login(
    extension: Extension, sandbox: Sandbox
) -> None:
    sandbox.fault(
        method="POST",
        path=SEARCH,
        status=429,
        times=1,
        headers={"Retry-After": "1"},
        body={"errorMessage": "Too many requests. Please retry later.", "errorCode": 429},
    )

    answer = extension.get("/contact", phoneNumber=MAYA["phone"]).json()

    assert answer["successful"] is True
    assert (MAYA["id"], "Contact") in _matched(answer)
    assert [e["status"] for e in sandbox.journal("POST", SEARCH)] == [429, 200]
    assert sandbox.rest_logins(status=None) == []
    assert sandbox.token_grants() == []


def test_given_bullhorn_rate_limiting_for_long_when_finding_a_contact_then_rate_limit_exceeded_not_auth(
    extension: Extension, sandbox: Sandbox
) -> None:
    sandbox.fault(
        method="POST",
        path=SEARCH,
        status=429,
        times=10,
        headers={"Retry-After": "60"},
        body={"errorMessage": "Too many requests. Please retry later.", "errorCode": 429},
    )

    response = extension.get("/contact", phoneNumber=MAYA["phone"])

    assert response.status_code == 200, response.text
    assert response.json()["successful"] is False
    assert response.json()["returnMessage"]["message"] == "Rate limit exceeded"
    assert sandbox.rest_logins(status=None) == []
    assert sandbox.token_grants() == []


def test_given_bullhorn_refusing_every_ping_when_auth_validation_then_unsuccessful_after_one_renewal(
    extension: Extension, sandbox: Sandbox
) -> None:
    sandbox.fault(method="GET", path="/ping$", status=401, times=10, body={"errorCode": 401})

    response = extension.get("/authValidation")

    assert response.status_code == 200, response.text
    assert response.json()["successful"] is False
    assert response.json()["returnMessage"]["messageType"] == "warning"
    assert len(sandbox.rest_logins(status=None)) == 1
    assert [e["status"] for e in sandbox.journal("GET", "/ping$")] == [401, 401]


def test_given_the_refresh_token_revoked_when_token_and_session_expire_then_401_asking_to_connect_again(
    extension: Extension, sandbox: Sandbox
) -> None:
    grants = sandbox.own("GET", "state?collection=oauth")["oauth"]["grants"]
    sandbox.expire_everything()
    for grant in grants:
        if grant["kind"] == "refresh":
            sandbox.own("POST", "expire", {"token": grant["token"], "revoke": True})

    response = extension.get("/contact", phoneNumber=MAYA["phone"])

    assert response.status_code == 401, response.text
    assert response.json()["errorCode"] == "CRM_SESSION_REVOKED"
    assert response.json()["returnMessage"]["message"] == "User session expired. Please connect again."


def test_given_the_token_endpoint_down_when_the_session_must_be_renewed_then_clear_message_still_connected(
    extension: Extension, sandbox: Sandbox
) -> None:
    sandbox.expire_everything()
    sandbox.fault(method="POST", path="/oauth/token$", status=503, times=5)

    failed = extension.get("/contact", phoneNumber=MAYA["phone"])

    assert failed.status_code == 200, failed.text
    assert failed.json()["successful"] is False
    assert failed.json()["returnMessage"]["message"].startswith("Could not renew your")
    sandbox.own("DELETE", "faults")
    assert extension.get("/contact", phoneNumber=MAYA["phone"]).json()["successful"] is True
    assert len(sandbox.rest_logins()) == 1


# -- contacts ---------------------------------------------------------------------------------------------


def test_given_a_number_of_a_contact_a_candidate_and_a_lead_when_finding_then_all_three_with_note_actions(
    extension: Extension,
) -> None:
    answer = extension.get("/contact", phoneNumber=MAYA["phone"]).json()

    assert answer["successful"] is True
    # archived contact 703, archived candidate 84632 and converted lead 902 share the number: not shown
    assert _matched(answer) == [(701, "Contact"), (84631, "Candidate"), (901, "Lead")]
    assert not [c for c in answer["contact"] if c.get("isNewContact")]
    actions = [{"const": a, "title": a} for a in NOTE_ACTIONS]
    assert all(c["additionalInfo"] == {"noteActions": actions} for c in answer["contact"])
    maya = answer["contact"][0]
    assert (maya["name"], maya["phone"]) == ("Maya Patel", "(415) 555-0142")


@pytest.mark.parametrize(
    ("number", "found"),
    [
        ("+14155550176", (702, "Contact")),  # Noah's mobile
        ("+442079460321", (84631, "Candidate")),  # Taylor's work phone
        ("+16505550123", (903, "Lead")),
    ],
    ids=["contact", "candidate", "lead"],
)
def test_given_a_number_of_one_entity_when_finding_then_that_person_with_its_type(
    extension: Extension, number: str, found: tuple[int, str]
) -> None:
    answer = extension.get("/contact", phoneNumber=number).json()

    assert answer["successful"] is True
    assert _matched(answer) == [found]


def test_given_an_unknown_number_when_finding_then_a_new_lead_offered_with_the_status_lists(
    extension: Extension,
) -> None:
    answer = extension.get("/contact", phoneNumber="+14155559999").json()

    assert _matched(answer) == []
    assert answer["returnMessage"]["message"] == "Contact not found"
    [new] = answer["contact"]
    assert (new["id"], new["isNewContact"], new["defaultContactType"]) == ("createNewContact", True, "Lead")
    assert [s["const"] for s in new["additionalInfo"]["Lead"]["status"]] == [
        "New",
        "Contacted",
        "Qualified",
        "Converted",
    ]
    assert [s["const"] for s in new["additionalInfo"]["Contact"]["status"]] == [
        "Active",
        "Passive",
        "Archive",
    ]
    assert "Placed" in [s["const"] for s in new["additionalInfo"]["Candidate"]["status"]]


def test_given_an_invalid_number_when_finding_then_a_clear_warning_and_bullhorn_not_searched(
    extension: Extension, sandbox: Sandbox
) -> None:
    answer = extension.get("/contact", phoneNumber="12345").json()

    assert answer["successful"] is False
    assert answer["returnMessage"]["message"] == "Invalid phone number format"
    assert sandbox.journal("POST", "/search/") == []


def test_given_a_name_when_searching_then_contacts_candidates_and_leads_of_that_name(
    extension: Extension,
) -> None:
    answer = extension.get("/custom/contact/search", name="Maya Patel").json()

    assert answer["successful"] is True
    assert sorted(_matched(answer)) == [(701, "Contact"), (903, "Lead")]


def test_given_a_new_caller_when_creating_a_lead_with_a_status_then_the_lead_exists_and_is_found(
    extension: Extension, sandbox: Sandbox
) -> None:
    created = extension.send(
        "POST",
        "/contact",
        {
            "phoneNumber": "+14155556051",
            "newContactName": "Taylor Lead",
            "newContactType": "Lead",
            "additionalSubmission": {"status": "New"},
        },
    ).json()

    assert created["successful"] is True, created
    assert created["returnMessage"]["message"] == "Lead created."
    assert created["contact"]["name"] == "Taylor Lead"
    assert created["contact"]["additionalInfo"]["noteActions"][0] == {"const": "Call", "title": "Call"}
    [put] = sandbox.journal("PUT", "/entity/Lead$")
    assert put["json"] == {
        "name": "Taylor Lead",
        "firstName": "Taylor",
        "lastName": "Lead",
        "phone": "+14155556051",
        "status": "New",
    }
    lead = next(r for r in sandbox.records("Lead") if r["id"] == created["contact"]["id"])
    assert lead["status"] == "New"
    found = extension.get("/contact", phoneNumber="+14155556051").json()
    assert _matched(found) == [(created["contact"]["id"], "Lead")]


def test_given_two_new_contacts_when_created_as_contacts_then_both_under_one_placeholder_company(
    extension: Extension, sandbox: Sandbox
) -> None:
    ids = []
    for number, name in (("+14155556071", "Ada Byron"), ("+14155556072", "Grace Hopper")):
        created = extension.send(
            "POST",
            "/contact",
            {
                "phoneNumber": number,
                "newContactName": name,
                "newContactType": "Contact",
                "additionalSubmission": {"status": "Active"},
            },
        ).json()
        assert created["successful"] is True, created
        assert created["returnMessage"]["message"] == "Contact created."
        ids.append(created["contact"]["id"])

    [placeholder] = [c for c in sandbox.records("ClientCorporation") if c["name"] == PLACEHOLDER_COMPANY]
    assert len(sandbox.journal("PUT", "/entity/ClientCorporation$")) == 1
    contacts = {c["id"]: c for c in sandbox.records("ClientContact")}
    assert [contacts[i]["clientCorporation"]["id"] for i in ids] == [placeholder["id"]] * 2
    found = extension.get("/contact", phoneNumber="+14155556072").json()
    assert _matched(found) == [(ids[1], "Contact")]


# -- call logs -------------------------------------------------------------------------------------------


def test_given_a_call_with_a_contact_when_logged_read_updated_and_dispositioned_then_one_note_follows(
    extension: Extension, sandbox: Sandbox
) -> None:
    session_id = new_session_id()
    created = extension.send("POST", "/callLog", call_log_body(session_id)).json()
    assert created["successful"] is True, created
    assert created["returnMessage"]["message"] == "Call logged"
    note = sandbox.note(created["logId"])
    assert note["personReference"] == {"id": MAYA["id"], "_subtype": "ClientContact"}
    assert note["clientContacts"] == [MAYA["id"]]
    assert note["commentingPerson"] == {"id": CORPORATE_USER_ID}
    assert (note["action"], note["externalID"], note["minutesSpent"]) == ("Call", session_id, 3)
    assert note["dateAdded"] == 1784023200000  # 2026-07-14T10:00:00Z
    assert "Discussed the interview schedule." in note["comments"]

    found = extension.get("/callLog", sessionIds=f"{session_id},999").json()
    assert found["logs"] == [
        {"sessionId": session_id, "matched": True, "logId": str(created["logId"])},
        {"sessionId": "999", "matched": False},
    ]
    detailed = extension.get("/callLog", sessionIds=session_id, requireDetails="true").json()
    data = detailed["logs"][0]["logData"]
    assert (data["note"], data["contactName"]) == ("Discussed the interview schedule.", "Maya Patel")
    assert data["dispositions"] == {"noteActions": "Call"}

    update = {
        "sessionId": session_id,
        "subject": "Interview call",
        "note": "Booked for Monday.",
        "duration": 600,
    }
    updated = extension.send("PATCH", "/callLog", update).json()
    assert updated["successful"] is True, updated
    note = sandbox.note(created["logId"])
    assert "Booked for Monday." in note["comments"]
    assert "Discussed the interview schedule." not in note["comments"]
    assert note["minutesSpent"] == 10

    disposition = extension.send(
        "PUT", "/callDisposition", {"sessionId": session_id, "dispositions": {"noteActions": "Meeting"}}
    ).json()
    assert disposition["successful"] is True, disposition
    assert sandbox.note(created["logId"])["action"] == "Meeting"
    assert len(sandbox.notes()) == 1


@pytest.mark.parametrize(
    ("person", "association"), [(TAYLOR, "candidates"), (JORDAN, "leads")], ids=["candidate", "lead"]
)
def test_given_a_call_with_a_candidate_or_a_lead_when_logged_then_the_note_is_on_that_person(
    extension: Extension, sandbox: Sandbox, person: dict[str, Any], association: str
) -> None:
    _, note = _logged_call(extension, sandbox, contact=person, note_action="Interview")

    assert note["personReference"]["id"] == person["id"]
    assert note[association] == [person["id"]]
    assert note["action"] == "Interview"


def test_given_no_note_action_chosen_when_logged_then_pending_note(
    extension: Extension, sandbox: Sandbox
) -> None:
    _, note = _logged_call(extension, sandbox, note_action=None)

    assert note["action"] == "pending note"


def test_given_note_edits_forbidden_when_updating_a_logged_call_then_a_clear_warning_and_it_stays_logged(
    extension: Extension, sandbox: Sandbox
) -> None:
    session_id, note = _logged_call(extension, sandbox)
    sandbox.config(note_edit_denied=True)

    updated = extension.send(
        "PATCH", "/callLog", {"sessionId": session_id, "note": "An edit Bullhorn refuses.", "duration": 600}
    )
    disposition = extension.send(
        "PUT", "/callDisposition", {"sessionId": session_id, "dispositions": {"noteActions": "Meeting"}}
    )

    for response in (updated, disposition):
        assert response.status_code == 200, response.text
        message = response.json()["returnMessage"]
        assert message["messageType"] == "warning"
        assert NO_EDIT in message["message"]
    assert [e["status"] for e in sandbox.journal("POST", f"/entity/Note/{note['id']}$")] == [403, 403]
    assert sandbox.rest_logins(status=None) == []  # a 403 is not a dead session
    after = sandbox.note(note["id"])
    assert (after["comments"], after["action"]) == (note["comments"], "Call")
    found = extension.get("/callLog", sessionIds=session_id).json()
    assert found["logs"] == [{"sessionId": session_id, "matched": True, "logId": str(note["id"])}]


def test_given_20_concurrent_posts_of_one_call_when_logged_then_one_note(
    extension: Extension, sandbox: Sandbox
) -> None:
    body = call_log_body(new_session_id())

    responses = extension.at_once(20, "POST", "/callLog", body)

    assert [r.status_code for r in responses] == [200] * 20, responses[0].text
    assert len(sandbox.notes()) == 1
    assert {r.json()["logId"] for r in responses} == {sandbox.notes()[0]["id"]}


@pytest.mark.parametrize("path", ["/callLog", "/messageLog"])
def test_given_a_contact_id_that_is_not_a_bullhorn_id_when_logging_then_unsuccessful_never_a_5xx(
    extension: Extension, sandbox: Sandbox, path: str
) -> None:
    if path == "/callLog":
        body = call_log_body(new_session_id())
    else:
        body = message_body(new_message_id(), "Hello", conversation=_conversation())
    body["contactId"] = "not-a-number"

    response = extension.send("POST", path, body)

    assert response.status_code < 500, response.text
    assert response.json()["successful"] is False
    assert sandbox.notes() == []


# -- messages --------------------------------------------------------------------------------------------


def test_given_two_sms_the_same_day_when_logged_then_one_note_with_the_conversation_of_2_messages(
    extension: Extension, sandbox: Sandbox
) -> None:
    conversation, first = _conversation(), new_message_id()

    one = extension.send(
        "POST", "/messageLog", message_body(first, "Can we schedule an interview?", conversation=conversation)
    ).json()
    two = extension.send(
        "POST",
        "/messageLog",
        message_body(
            first + 1,
            "Yes, Monday at ten.",
            conversation=conversation,
            direction="Outbound",
            creation_time="2026-07-14T03:05:00.000Z",
        ),
    ).json()

    assert one["successful"] is True, one
    assert two["successful"] is True, two
    [note] = sandbox.notes()
    assert "Conversation(2 messages)" in note["comments"]
    assert "Can we schedule an interview?" in note["comments"]
    assert "Yes, Monday at ten." in note["comments"]
    assert note["action"] == "SMS"
    assert note["personReference"] == {"id": TAYLOR["id"], "_subtype": "Candidate"}
    assert note["dateAdded"] == 1783998300000  # the later message: 2026-07-14T03:05:00Z


@pytest.mark.parametrize(
    ("message_type", "attachment", "action"),
    [
        ("VoiceMail", {"type": "AudioRecording", "link": "https://app.ringcentral.com/vm/"}, "Call"),
        ("Fax", {"type": "RenderedDocument", "link": "https://app.ringcentral.com/fax/"}, "Email"),
    ],
    ids=["voicemail", "fax"],
)
def test_given_a_voicemail_or_a_fax_when_logged_then_a_note_of_its_own_with_its_link(
    extension: Extension, sandbox: Sandbox, message_type: str, attachment: dict[str, str], action: str
) -> None:
    message_id = new_message_id()
    link = f"{attachment['link']}{message_id}"
    body = message_body(
        message_id,
        message_type,
        contact=MAYA,
        conversation=_conversation(),
        message_type=message_type,
        attachments=[{**attachment, "uri": "https://media.ringcentral.com/content", "link": link}],
        note_action=action,
    )

    answer = extension.send("POST", "/messageLog", body).json()

    assert answer["successful"] is True, answer
    [note] = sandbox.notes()
    assert link in note["comments"]
    assert note["action"] == action
    assert note["personReference"]["id"] == MAYA["id"]
    assert not re.search(r"access_token|BhRestToken", note["comments"])
