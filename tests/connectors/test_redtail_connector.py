"""The Redtail connector against the Redtail sandbox, over real HTTP.

Every test talks to ``local.sandbox`` on 127.0.0.1: the sandbox is reset before each test, its journal
shows exactly what the connector sent, and its fault rules produce Redtail's failures (or script answers
the sandbox cannot give, such as a Redtail that ignores ``completed`` on create).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests

from appconnect import deadline, settings
from appconnect.connector import (
    CallLogUpdate,
    CallLogWrite,
    ContactLookup,
    ContactMatches,
    CrmUser,
    DispositionUpdate,
    LogId,
    LoginRequest,
    LogRef,
    LogResult,
    MessageLogWrite,
    NewContact,
)
from appconnect.connector.client import DisallowedUrl
from appconnect.errors import (
    BadRequest,
    CrmBadRequest,
    CrmCredentialsRevoked,
    CrmUnavailable,
    SessionRenewalFailed,
)
from connectors.redtail import CONNECTOR, RedtailConnector
from connectors.redtail.contacts import searched_number
from local.sandbox import SandboxServer
from tests.sandbox_client import SandboxClient

PARTNER_KEY = "sandbox-redtail-partner-key"
USERNAME = "rt.agent"
PASSWORD = "sandbox-password"
USER_KEY = "rt-user-key-97501"
AGENT = 97501
DANA = {"id": "201", "name": "Dana A Client", "phoneNumber": "+14155550142", "type": "contact"}
CALL = {"direction": "Outbound", "startTime": "2026-07-14T10:00:00.000Z", "duration": 300}
NOTE = "Asked about the rollover."
DETAILS = (
    f"<b>Agent notes</b><br>{NOTE}<br><br><b>Call details</b><br>"
    "<li><b>Date/time</b>: 2026-07-14 10:00:00 AM</li><li><b>Duration</b>: 5 minutes</li>"
)
ACTIVE = [{"id": 1, "name": "Client"}, {"id": 2, "name": "Prospect"}, {"id": 7, "name": "Service"}]
CHOICES = [{"const": c["id"], "title": c["name"]} for c in ACTIVE]
SMS = {
    "id": "9750001001",
    "type": "SMS",
    "direction": "Inbound",
    "subject": "Could we review my retirement contribution?",
    "creationTime": "2026-07-14T03:00:00.000Z",
    "from": {"phoneNumber": "+14155550142", "name": "Dana A Client"},
    "to": [{"phoneNumber": "+14155557000", "name": "rt.agent"}],
}


class Sandbox(SandboxClient):
    """The running sandbox's Redtail and its control API."""

    def __init__(self, server: SandboxServer) -> None:
        super().__init__(requests.Session(), server.url, "redtail")
        self.server = server
        self.api_url = f"{self.base}/api/public/v1"

    def activities(self) -> list[dict[str, Any]]:
        return self.state("activities")

    def activity(self, activity_id: Any) -> dict[str, Any]:
        return next(a for a in self.activities() if str(a["id"]) == str(activity_id))

    def notes(self, activity_id: Any) -> list[dict[str, Any]]:
        return [n for n in self.state("notes") if str(n["activity_id"]) == str(activity_id)]

    def raw_activity(self, **changes: Any) -> dict[str, Any]:
        """An activity written straight to Redtail with the agent's user key (not completed, no note), as
        an attempt that died right after Redtail created it leaves it."""
        body = {
            "subject": "Outbound Call to Dana A Client",
            "description": DETAILS,
            "start_date": "2026-07-14T10:00:00.000Z",
            "end_date": "2026-07-14T10:05:00.000Z",
            "activity_code_id": 3,
            "category_id": 2,
            "repeats": "never",
            "linked_contacts": [{"contact_id": 201}],
            **changes,
        }
        credential = base64.b64encode(f"{PARTNER_KEY}:{USER_KEY}".encode()).decode()
        response = self.http.post(
            f"{self.api_url}/activities",
            json=body,
            headers={"Authorization": f"Userkeyauth {credential}"},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        activity: dict[str, Any] = response.json()["activity"]
        return activity


@pytest.fixture(scope="module")
def sandbox_server() -> Iterator[SandboxServer]:
    server = SandboxServer(port=0).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    client = Sandbox(sandbox_server)
    client.control("POST", "reset", {})
    monkeypatch.setenv("REDTAIL_API_URL", client.api_url)
    monkeypatch.setenv("REDTAIL_API_KEY", PARTNER_KEY)
    monkeypatch.setenv("REDTAIL_ALLOWED_HOSTS", f"*.redtailtechnology.com,127.0.0.1:{sandbox_server.port}")
    monkeypatch.setenv("APP_SERVER_SECRET_KEY", "test-secret-for-assignee-tokens-0123456789")
    settings.reload()
    deadline.start(20_000)
    yield client
    monkeypatch.undo()
    settings.reload()


@pytest.fixture
def connector() -> RedtailConnector:
    return CONNECTOR()


def _user(**changes: Any) -> CrmUser:
    user = CrmUser(
        id=f"{USERNAME}-redtail",
        platform="redtail",
        access_token=USER_KEY,
        name=USERNAME,
        platform_additional_info={"username": USERNAME, "userResponse": {"id": AGENT, "first_name": "Casey"}},
    )
    return replace(user, **changes)


@pytest.fixture
def session(sandbox: Sandbox, connector: RedtailConnector) -> tuple[CrmUser, str]:
    sandbox.clear_journal()
    return _user(), f"Basic {connector.get_basic_auth(api_key=USER_KEY)}"


#: what :func:`_create_call` logs unless told otherwise
CALL_WRITE = CallLogWrite(
    contact_info=DANA, call_log=CALL, note=NOTE, additional_submission={}, composed_log_details=DETAILS
)


def _create_call(connector: RedtailConnector, session: tuple[CrmUser, str], **overrides: Any) -> LogResult:
    user, auth = session
    return connector.create_call_log(user=user, auth_header=auth, request=replace(CALL_WRITE, **overrides))


def _logged(result: LogResult) -> LogId:
    assert result.log_id is not None, result.message
    return result.log_id


def _listed(result: ContactMatches) -> list[dict[str, Any]]:
    assert result.contacts is not None
    return result.contacts


def _authorization(entry: dict[str, Any]) -> str:
    return str({k.lower(): v for k, v in entry["headers"].items()}["authorization"])


# -- declarative facts and login -----------------------------------------------------------------------------


def test_given_redtail_when_auth_and_log_format_asked_then_api_key_and_html() -> None:
    connector = CONNECTOR()
    assert connector.get_auth_type() == "apiKey"
    assert connector.get_log_format_type() == "text/html"
    # the reference's getBasicAuth: the given text, base64-encoded, no colon added
    assert (
        base64.b64decode(connector.get_basic_auth(api_key="api-key:user:pass")).decode()
        == "api-key:user:pass"
    )


def test_given_username_and_password_when_user_info_requested_then_user_key_stored_and_nothing_secret_kept(
    sandbox: Sandbox, connector: RedtailConnector
) -> None:
    sandbox.clear_journal()

    result = connector.get_user_info(
        auth_header="Basic ignored",
        request=LoginRequest(additional_info={"username": f" {USERNAME} ", "password": PASSWORD}),
    )

    info = result.user
    assert info is not None
    assert (info.id, info.name) == (f"{USERNAME}-redtail", USERNAME)
    assert info.overriding_api_key == USER_KEY
    assert info.additional_info == {
        "username": USERNAME,
        "userResponse": {
            "id": AGENT,
            "first_name": "Casey",
            "last_name": "Morgan",
            "email": "casey.morgan@sandbox-advisors.example",
            "database_id": 4321,
        },
    }
    assert USER_KEY not in str(info.additional_info)
    assert PASSWORD not in str(info.additional_info)
    assert result.message == {"message": "Connected to Redtail.", "messageType": "success", "ttl": 3000}
    [login] = sandbox.journal()
    assert login["path"] == "/api/public/v1/authentication"
    expected = base64.b64encode(f"{PARTNER_KEY}:{USERNAME}:{PASSWORD}".encode()).decode()
    assert _authorization(login) == f"Basic {expected}"


def test_given_password_with_colons_when_user_info_requested_then_signed_in(
    sandbox: Sandbox, connector: RedtailConnector
) -> None:
    sandbox.seed(
        users=[
            {
                "id": 97510,
                "username": "colon.user",
                "password": "pa:ss:word",
                "user_key": "k-10",
                "first_name": "C",
                "last_name": "U",
            }
        ]
    )

    result = connector.get_user_info(
        auth_header="",
        request=LoginRequest(additional_info={"username": "colon.user", "password": "pa:ss:word"}),
    )

    assert result.user is not None
    assert result.user.overriding_api_key == "k-10"


@pytest.mark.parametrize(
    "form",
    [
        {"username": USERNAME, "password": "wrong"},
        {"username": "nobody", "password": PASSWORD},
    ],
    ids=["wrong-password", "unknown-user"],
)
def test_given_credentials_redtail_refuses_when_user_info_requested_then_check_your_credentials_warning(
    sandbox: Sandbox, connector: RedtailConnector, form: dict[str, str]
) -> None:
    result = connector.get_user_info(auth_header="", request=LoginRequest(additional_info=form))

    assert result.user is None
    assert result.message is not None
    assert result.message["message"] == "Could not load user information Please check your credentials."
    assert (result.message["messageType"], result.message["ttl"]) == ("warning", 3000)


def test_given_server_without_partner_key_when_user_info_requested_then_refused_before_any_call(
    sandbox: Sandbox, connector: RedtailConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDTAIL_API_KEY", " ")
    settings.reload()
    sandbox.clear_journal()

    result = connector.get_user_info(
        auth_header="", request=LoginRequest(additional_info={"username": USERNAME, "password": PASSWORD})
    )

    assert result.user is None
    assert result.message is not None
    assert "REDTAIL_API_KEY" in result.message["details"][0]["items"][0]["text"]
    assert sandbox.journal() == []
    with pytest.raises(SessionRenewalFailed):
        connector.get_user_list(user=_user(), auth_header="")


def test_given_api_url_outside_the_allowed_hosts_when_called_then_refused_before_any_call(
    sandbox: Sandbox, connector: RedtailConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDTAIL_ALLOWED_HOSTS", "*.redtailtechnology.com")
    settings.reload()
    sandbox.clear_journal()

    with pytest.raises(DisallowedUrl):
        connector.get_user_info(
            auth_header="", request=LoginRequest(additional_info={"username": USERNAME, "password": PASSWORD})
        )
    with pytest.raises(DisallowedUrl):
        connector.get_user_list(user=_user(), auth_header="")

    assert sandbox.journal() == []


def test_given_connected_user_when_unauthorized_then_logged_out_without_calling_redtail(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    assert connector.unauthorize(user=user, auth_header=auth) == {
        "message": "Logged out of Redtail",
        "messageType": "success",
        "ttl": 1000,
    }
    assert sandbox.journal() == []


def test_given_revoked_user_key_when_called_then_credentials_revoked(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    sandbox.own("POST", "expire", {"user_key": USER_KEY})

    with pytest.raises(CrmCredentialsRevoked) as raised:
        connector.find_contact(
            user=user, auth_header=auth, request=ContactLookup(phone_number="+14155550142")
        )

    assert raised.value.status == 401


def test_given_no_stored_user_key_when_called_then_credentials_revoked_and_no_call(
    sandbox: Sandbox, connector: RedtailConnector
) -> None:
    sandbox.clear_journal()

    with pytest.raises(CrmCredentialsRevoked):
        connector.get_user_list(user=_user(access_token=""), auth_header="")

    assert sandbox.journal() == []


def test_given_data_call_when_sent_then_userkeyauth_with_partner_key_and_user_key(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    connector.get_user_list(user=user, auth_header=auth)

    [call] = sandbox.journal()
    expected = base64.b64encode(f"{PARTNER_KEY}:{USER_KEY}".encode()).decode()
    assert _authorization(call) == f"Userkeyauth {expected}"


# -- users ---------------------------------------------------------------------------------------------------


def test_given_database_users_when_user_list_requested_then_ids_names_and_emails(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    users = connector.get_user_list(user=user, auth_header=auth)

    assert users == [
        {"id": 97501, "name": "Casey Morgan", "email": "casey.morgan@sandbox-advisors.example"},
        {"id": 97502, "name": "Dana Advisor", "email": "dana.advisor@sandbox-advisors.example"},
        {"id": 97503, "name": "Pat Assistant", "email": ""},
    ]
    [listed] = sandbox.journal()
    assert listed["query"] == {"page": ["1"]}


def test_given_more_users_than_a_page_when_user_list_requested_then_every_page_read(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    extra = [
        {"id": 98000 + n, "first_name": "User", "last_name": str(n), "email": f"u{n}@x.example"}
        for n in range(60)
    ]
    sandbox.seed(users=extra)
    sandbox.clear_journal()

    users = connector.get_user_list(user=user, auth_header=auth)

    assert [u["id"] for u in users] == [97501, 97502, 97503, *(98000 + n for n in range(60))]
    assert users[-1] == {"id": 98059, "name": "User 59", "email": "u59@x.example"}
    assert [e["query"]["page"] for e in sandbox.journal(path="/lists/database_users")] == [["1"], ["2"]]


# -- contacts ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "searched"),
    [
        ("+14155550142", "4155550142"),
        ("+35315550101", "15550101"),
        ("+442079460958", "2079460958"),
        ("+1 415 555 0163", "4155550163"),
        ("4155551234", "4155551234"),  # no country code: searched as it came, as the reference does
        ("+1415555", "+1415555"),  # not a valid number
        ("not a number", "not a number"),
        ("", ""),
    ],
)
def test_given_number_when_searched_then_national_number_if_valid_else_as_it_came(
    number: str, searched: str
) -> None:
    assert searched_number(number) == searched


@pytest.mark.parametrize(
    ("number", "expected"),
    [("+14155550142", [201, 202]), ("+35315550101", [203]), ("+14155550163", [204]), ("+14155550199", [205])],
)
def test_given_seeded_number_when_looked_up_then_contacts_however_it_was_typed(
    sandbox: Sandbox,
    connector: RedtailConnector,
    session: tuple[CrmUser, str],
    number: str,
    expected: list[int],
) -> None:
    user, auth = session

    result = connector.find_contact(user=user, auth_header=auth, request=ContactLookup(phone_number=number))

    contacts = _listed(result)
    assert [c["id"] for c in contacts] == [*expected, "createNewContact"]
    assert all(c["additionalInfo"] == {"category": CHOICES} for c in contacts)
    assert all(c["phone"] == number for c in contacts[:-1])


def test_given_business_contact_when_looked_up_then_named_after_the_company(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    [acme, _new] = _listed(
        connector.find_contact(
            user=user, auth_header=auth, request=ContactLookup(phone_number="+14155550199")
        )
    )

    assert (acme["id"], acme["name"], acme["title"], acme["type"]) == (
        205,
        "Acme Holdings LLC",
        "",
        "contact",
    )
    assert acme["createdDate"] == "2026-07-01T10:00:00.000Z"


def test_given_unknown_number_when_looked_up_then_only_create_new_contact_with_the_categories(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.find_contact(
        user=user, auth_header=auth, request=ContactLookup(phone_number="+14155550000")
    )

    assert _listed(result) == [
        {
            "id": "createNewContact",
            "name": "Create new contact...",
            "additionalInfo": {"category": CHOICES},
            "isNewContact": True,
        }
    ]
    [search] = sandbox.journal(path="search_basic")
    assert search["query"] == {"phone_number": ["4155550000"]}


def test_given_extension_number_when_looked_up_then_unsuccessful_and_no_call(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.find_contact(
        user=user, auth_header=auth, request=ContactLookup(phone_number="101", is_extension=True)
    )

    assert (result.successful, result.contacts) == (False, [])
    assert sandbox.journal() == []


def test_given_categories_read_when_looked_up_then_active_ones_offered_for_the_default_category_setting(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    connector.find_contact(user=user, auth_header=auth, request=ContactLookup(phone_number="+14155550142"))

    assert user.offered_options == {"defaultCategory": {"options": ACTIVE, "value": 2}}


def test_given_setting_already_has_these_options_when_looked_up_then_nothing_offered(
    sandbox: Sandbox, connector: RedtailConnector
) -> None:
    user = _user(user_settings={"defaultCategory": {"value": 7, "options": ACTIVE}})

    connector.find_contact(user=user, auth_header="", request=ContactLookup(phone_number="+14155550142"))

    assert user.offered_options == {}


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Siobhán O'Connor", [203]), ("dana", [201, 202]), ("Acme", [205]), ("Dana A Client", [201])],
)
def test_given_name_when_searched_then_matching_contacts_and_no_create_new_contact(
    sandbox: Sandbox,
    connector: RedtailConnector,
    session: tuple[CrmUser, str],
    name: str,
    expected: list[int],
) -> None:
    user, auth = session

    result = connector.find_contact_with_name(user=user, auth_header=auth, name=name)

    contacts = _listed(result)
    assert [c["id"] for c in contacts] == expected
    assert all("phone" not in c for c in contacts)
    [search] = sandbox.journal(path="search_basic")
    assert search["query"] == {"name": [name]}


@pytest.mark.parametrize(
    ("name", "first", "last", "shown"),
    [
        ("Prince", "", "Prince", "Prince"),
        ("Ada Lovelace", "Ada", "Lovelace", "Ada Lovelace"),
        ("Mary Ann de la Cruz", "Mary", "Ann de la Cruz", "Mary Ann de la Cruz"),
        ("  Ada   Lovelace  ", "Ada", "Lovelace", "Ada Lovelace"),
    ],
)
def test_given_new_contact_name_when_created_then_first_word_first_name_and_the_rest_last_name(
    sandbox: Sandbox,
    connector: RedtailConnector,
    session: tuple[CrmUser, str],
    name: str,
    first: str,
    last: str,
    shown: str,
) -> None:
    user, auth = session

    created = connector.create_contact(
        user=user, auth_header=auth, request=NewContact(phone_number="+16285550123", name=name)
    )

    assert created.contact is not None
    assert created.contact["name"] == shown
    [post] = sandbox.journal(method="POST", path="/contacts$")
    assert post["json"] == {
        "type": "Crm::Contact::Individual",
        "first_name": first,
        "last_name": last,
        "phones": [{"phone_type": 6, "number": "6285550123", "country_code": 1}],
    }


def test_given_number_without_country_code_when_contact_created_then_bad_request_and_no_call(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    with pytest.raises(BadRequest):
        connector.create_contact(
            user=user, auth_header=auth, request=NewContact(phone_number="not a number", name="Ada Lovelace")
        )

    assert sandbox.journal() == []


# -- call logs -----------------------------------------------------------------------------------------------


def test_given_call_when_logged_then_completed_activity_and_note_under_the_chosen_category(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    log_id = _logged(_create_call(connector, session, additional_submission={"category": "7"}))

    activity = sandbox.activity(log_id)
    assert activity["subject"] == "Outbound Call to Dana A Client"
    assert (activity["start_date"], activity["end_date"]) == (
        "2026-07-14T10:00:00.000Z",
        "2026-07-14T10:05:00.000Z",
    )
    assert (activity["completed"], activity["category_id"], activity["description"]) == (True, 7, DETAILS)
    assert activity["attendees"] == []
    [note] = sandbox.notes(log_id)
    assert (note["body"], note["category_id"], note["note_type"]) == (NOTE, 7, 1)
    assert [e["method"] for e in sandbox.journal()] == ["POST", "POST"]  # the activity, its note


def test_given_custom_subject_and_no_duration_when_call_logged_then_subject_kept_and_zero_length(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    call = {"direction": "Inbound", "startTime": 1784023200000, "duration": None, "customSubject": "Rollover"}

    activity = sandbox.activity(_logged(_create_call(connector, session, call_log=call)))

    assert activity["subject"] == "Rollover"
    assert activity["start_date"] == activity["end_date"] == "2026-07-14T10:00:00.000Z"


def test_given_start_time_that_is_not_a_time_when_call_logged_then_bad_request_and_nothing_written(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    with pytest.raises(CrmBadRequest, match="must be a date and time"):
        _create_call(connector, session, call_log={**CALL, "startTime": "yesterday-ish"})

    assert sandbox.activities() == []


def test_given_default_category_setting_when_call_logged_without_a_choice_then_filed_under_the_default(
    sandbox: Sandbox, connector: RedtailConnector
) -> None:
    user = _user(user_settings={"defaultCategory": {"value": 1}})

    log_id = _logged(connector.create_call_log(user=user, auth_header="", request=CALL_WRITE))

    assert sandbox.activity(log_id)["category_id"] == 1
    assert [n["category_id"] for n in sandbox.notes(log_id)] == [1]


def test_given_admin_mapping_when_call_logged_for_an_assigned_user_then_that_user_attends(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    submission = {"isAssignedToUser": True, "adminAssignedUserRcId": "62264425009"}
    mappings = [{"rcExtensionId": ["62264425009"], "crmUserId": "97502"}]

    log_id = _logged(
        _create_call(connector, session, additional_submission=submission, user_mappings=mappings)
    )

    [attendee] = sandbox.activity(log_id)["attendees"]
    assert (attendee["type"], attendee["user_id"]) == ("Crm::Activity::Attendee::User", 97502)


def test_given_redtail_ignores_completed_on_create_when_call_logged_then_completed_with_a_put(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    # an activity Redtail created but left open, returned by a scripted answer to the connector's POST
    left_open = sandbox.raw_activity(subject="Outbound Call to Dana A Client")
    assert left_open["completed"] is False
    sandbox.fault(method="POST", path="/activities$", status=201, body={"activity": left_open})
    sandbox.clear_journal()

    log_id = _logged(_create_call(connector, session))

    assert log_id == left_open["id"]
    puts = sandbox.journal(method="PUT")
    assert [(p["path"], p["json"]) for p in puts] == [
        (f"/api/public/v1/activities/{log_id}", {"completed": True})
    ]
    assert sandbox.activity(log_id)["completed"] is True


def test_given_note_refused_when_call_logged_then_log_id_kept_with_a_warning(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    sandbox.fault(method="POST", path="/notes", status=500, times=None)

    result = _create_call(connector, session)

    assert result.log_id is not None
    assert result.message is not None
    assert result.message["messageType"] == "warning"
    assert sandbox.activity(result.log_id)["description"] == DETAILS


def test_given_server_error_on_activity_create_when_call_logged_then_unavailable_and_not_retried(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    sandbox.fault(method="POST", path="/activities$", status=503, times=None)

    with pytest.raises(CrmUnavailable):
        _create_call(connector, session)

    assert len(sandbox.journal(method="POST")) == 1, (
        "a POST that may have created the activity is not repeated"
    )


def test_given_logged_call_when_read_then_note_contact_name_and_category(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged(_create_call(connector, session, additional_submission={"category": 1}))

    details = connector.get_call_log(user=user, auth_header=auth, request=LogRef(log_id=log_id))

    assert (details.subject, details.note, details.contact_name) == (
        "Outbound Call to Dana A Client",
        NOTE,
        "Dana Client",
    )
    assert details.full_body == DETAILS
    assert details.dispositions == {"category": 1}
    assert details.full_log_response["activity"]["id"] == log_id
    [read] = sandbox.journal(method="GET")
    assert {k.lower(): v for k, v in read["headers"].items()}["include"] == "linked_contacts"


@pytest.mark.parametrize(
    ("description", "note"),
    [
        ("<b>Agent notes</b><br>Test note content<br><br>More details", "Test note content"),
        ("<b>Agent notes</b><br>line one<br>line two<br><br><b>Call details</b><br>", "line one<br>line two"),
        ("<b>Call details</b><br><li><b>Result</b>: Missed</li>", ""),
        ("", ""),
    ],
    ids=["note", "two-line-note", "no-note", "empty"],
)
def test_given_activity_description_when_call_log_read_then_agent_note_parsed_out(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str], description: str, note: str
) -> None:
    user, auth = session
    activity = sandbox.raw_activity(description=description)

    details = connector.get_call_log(user=user, auth_header=auth, request=LogRef(log_id=activity["id"]))

    assert details.note == note
    assert details.full_body == description


@pytest.mark.parametrize(
    ("linked", "name"),
    [
        ([], None),
        ([{"contact_id": 999, "first_name": None, "last_name": None, "full_name": "Old Name"}], "Old Name"),
    ],
    ids=["no-linked-contact", "names-only-in-full-name"],
)
def test_given_activity_without_a_named_linked_contact_when_call_log_read_then_no_crash(
    sandbox: Sandbox,
    connector: RedtailConnector,
    session: tuple[CrmUser, str],
    linked: list[dict[str, Any]],
    name: str | None,
) -> None:
    user, auth = session
    activity = {**sandbox.raw_activity(), "linked_contacts": linked}
    sandbox.fault(
        method="GET", path=f"/activities/{activity['id']}$", status=200, body={"activity": activity}
    )

    details = connector.get_call_log(user=user, auth_header=auth, request=LogRef(log_id=activity["id"]))

    assert details.contact_name == name
    assert details.note == NOTE


def test_given_logged_call_when_updated_then_one_put_with_subject_description_and_times(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged(_create_call(connector, session, additional_submission={"category": 7}))
    sandbox.clear_journal()

    result = connector.update_call_log(
        user=user,
        auth_header=auth,
        request=CallLogUpdate(
            log_id=log_id,
            subject="Rollover follow-up",
            start_time="2026-07-14T11:00:00.000Z",
            duration=90,
            composed_log_details="<b>Agent notes</b><br>Updated<br><br>",
        ),
    )

    assert result.updated_note == "<b>Agent notes</b><br>Updated<br><br>"
    [put] = sandbox.journal()
    assert put["method"] == "PUT"
    activity = sandbox.activity(log_id)
    assert activity["subject"] == "Rollover follow-up"
    assert (activity["start_date"], activity["end_date"]) == (
        "2026-07-14T11:00:00.000Z",
        "2026-07-14T11:01:30.000Z",
    )
    assert (activity["category_id"], activity["completed"]) == (7, True)


def test_given_only_a_new_body_when_call_log_updated_then_times_and_subject_untouched(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged(_create_call(connector, session))
    sandbox.clear_journal()

    connector.update_call_log(
        user=user, auth_header=auth, request=CallLogUpdate(log_id=log_id, composed_log_details="new body")
    )

    [put] = sandbox.journal()
    assert put["json"] == {"description": "new body"}
    activity = sandbox.activity(log_id)
    assert (activity["start_date"], activity["end_date"]) == (
        "2026-07-14T10:00:00.000Z",
        "2026-07-14T10:05:00.000Z",
    )


def test_given_category_disposition_when_set_then_activity_refiled_and_without_one_no_call(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged(_create_call(connector, session))
    sandbox.clear_journal()

    result = connector.upsert_call_disposition(
        user=user, auth_header=auth, request=DispositionUpdate(log_id=log_id, dispositions={"category": 7})
    )
    nothing = connector.upsert_call_disposition(
        user=user, auth_header=auth, request=DispositionUpdate(log_id=log_id, dispositions={})
    )

    assert result.log_id == nothing.log_id == log_id
    assert sandbox.activity(log_id)["category_id"] == 7
    assert [(e["method"], e["json"]) for e in sandbox.journal()] == [("PUT", {"category_id": 7})]


# -- time zone -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "offset"),
    [
        ({"redtailCustomTimezone": {"value": "-8"}}, -8.0),
        ({"redtailCustomTimezone": {"value": "5.5"}}, 5.5),
        ({"redtailCustomTimezone": {"value": "0"}}, 0.0),
        ({"redtailCustomTimezone": {"value": "14"}}, 14.0),
        ({"redtailCustomTimezone": {"value": "15"}}, None),
        ({"redtailCustomTimezone": {"value": "nan"}}, None),
        ({"redtailCustomTimezone": {"value": "east"}}, None),
        ({"redtailCustomTimezone": {"value": ""}}, None),
        ({"redtailCustomTimezone": "-8"}, None),
        ({}, None),
    ],
)
def test_given_custom_timezone_setting_when_log_offset_asked_then_its_hours_or_utc(
    setting: dict[str, Any], offset: float | None
) -> None:
    # the login stores no offset for Redtail users: only the user's own setting counts
    assert CONNECTOR().log_utc_offset(stored_offset="-5", user_settings=setting) == offset


def test_given_custom_timezone_when_sms_logged_then_subject_and_times_in_that_zone(
    sandbox: Sandbox, connector: RedtailConnector
) -> None:
    user = _user(user_settings={"redtailCustomTimezone": {"value": "-8"}})

    result = connector.create_message_log(
        user=user, auth_header="", request=MessageLogWrite(contact_info=DANA, message=SMS)
    )

    activity = sandbox.activity(_logged(result))
    assert activity["subject"] == "SMS conversation with Dana A Client - 26/07/13"
    assert "Dana A Client (+14155550142) 07:00 PM" in activity["description"]
    assert activity["start_date"] == "2026-07-14T03:00:00.000Z"


# -- message logs --------------------------------------------------------------------------------------------


def test_given_sms_when_logged_then_completed_activity_under_the_category_with_the_username_as_agent(
    sandbox: Sandbox, connector: RedtailConnector
) -> None:
    user = _user(name="rt.agent-west")  # a username with a hyphen is kept whole

    result = connector.create_message_log(
        user=user,
        auth_header="",
        request=MessageLogWrite(contact_info=DANA, message=SMS, additional_submission={"category": 7}),
    )

    assert result.message == {"message": "Message logged", "messageType": "success", "ttl": 1000}
    activity = sandbox.activity(_logged(result))
    assert (activity["completed"], activity["category_id"], activity["activity_code_id"]) == (True, 7, 3)
    assert activity["start_date"] == activity["end_date"] == "2026-07-14T03:00:00.000Z"
    assert "<li><b>rt.agent-west</b><br></li>" in activity["description"]
    assert "Conversation(1 messages)" in activity["description"]


def test_given_logged_sms_when_next_message_arrives_then_appended_and_end_moved(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged(
        connector.create_message_log(
            user=user, auth_header=auth, request=MessageLogWrite(contact_info=DANA, message=SMS)
        )
    )
    reply = {
        **SMS,
        "id": "9750001002",
        "direction": "Outbound",
        "subject": "Sent.",
        "creationTime": "2026-07-14T03:05:00.000Z",
    }

    connector.update_message_log(
        user=user, auth_header=auth, log_id=log_id, request=MessageLogWrite(contact_info=DANA, message=reply)
    )

    activity = sandbox.activity(log_id)
    assert "Conversation(2 messages)" in activity["description"]
    assert "rt.agent 03:05 AM<br><b>Sent.</b>" in activity["description"]
    assert activity["end_date"] == "2026-07-14T03:05:00.000Z"
    [patch] = sandbox.journal(method="PATCH")
    assert set(patch["json"]) == {"description", "end_date"}


def test_given_late_retry_of_an_earlier_message_when_appended_then_end_never_before_start(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged(
        connector.create_message_log(
            user=user, auth_header=auth, request=MessageLogWrite(contact_info=DANA, message=SMS)
        )
    )
    earlier = {**SMS, "id": "9750001000", "creationTime": "2026-07-14T02:55:00.000Z"}

    connector.update_message_log(
        user=user,
        auth_header=auth,
        log_id=log_id,
        request=MessageLogWrite(contact_info=DANA, message=earlier),
    )

    activity = sandbox.activity(log_id)
    assert (activity["start_date"], activity["end_date"]) == (
        "2026-07-14T03:00:00.000Z",
        "2026-07-14T03:00:00.000Z",
    )
    assert "Conversation(2 messages)" in activity["description"]


@pytest.mark.parametrize(
    ("links", "subject", "text"),
    [
        (
            {"recording_link": "https://app.ringcentral.com/vm/1"},
            "Voicemail left by Dana A Client - 26/07/14",
            "Voicemail recording link: https://app.ringcentral.com/vm/1",
        ),
        (
            {"fax_doc_link": "https://app.ringcentral.com/fax/1"},
            "Fax document sent from Dana A Client - 26/07/14",
            "Fax document link: https://app.ringcentral.com/fax/1",
        ),
    ],
    ids=["voicemail", "fax"],
)
def test_given_voicemail_or_fax_when_logged_then_activity_with_the_link(
    sandbox: Sandbox,
    connector: RedtailConnector,
    session: tuple[CrmUser, str],
    links: dict[str, Any],
    subject: str,
    text: str,
) -> None:
    user, auth = session

    result = connector.create_message_log(
        user=user, auth_header=auth, request=MessageLogWrite(contact_info=DANA, message=SMS, **links)
    )

    activity = sandbox.activity(_logged(result))
    assert activity["subject"] == subject
    assert text in activity["description"]


SHARED = {
    "subject": "Shared inbox thread",
    "body": "<b>thread v1</b>",
    "conversationCreatedDate": "2026-07-02T20:00:00.000Z",
}
#: the newest message of the shared thread when it is posted again (the core passes the newest message)
SHARED_REPLY = {**SMS, "creationTime": "2026-07-02T21:00:00.000Z"}


def _shared_thread_updated(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> dict[str, Any]:
    """A shared-inbox thread logged, then posted again an hour later with its newest message."""
    user, auth = session
    log_id = _logged(
        connector.create_message_log(
            user=user,
            auth_header=auth,
            request=MessageLogWrite(contact_info=DANA, message=SMS, shared_sms_log_content=SHARED),
        )
    )
    connector.update_message_log(
        user=user,
        auth_header=auth,
        log_id=log_id,
        request=MessageLogWrite(
            contact_info=DANA,
            message=SHARED_REPLY,
            shared_sms_log_content={**SHARED, "body": "<b>thread v2</b>"},
        ),
    )
    return sandbox.activity(log_id)


def test_given_shared_sms_when_logged_and_updated_then_body_used_verbatim_and_replaced(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    activity = _shared_thread_updated(sandbox, connector, session)

    assert (activity["subject"], activity["description"]) == ("Shared inbox thread", "<b>thread v2</b>")
    assert activity["start_date"] == "2026-07-02T20:00:00.000Z"
    assert activity["completed"] is True


def test_given_shared_sms_posted_again_later_when_updated_then_end_moved_to_the_newest_message(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    activity = _shared_thread_updated(sandbox, connector, session)

    assert activity["end_date"] == "2026-07-02T21:00:00.000Z"


# -- crash recovery ------------------------------------------------------------------------------------------


def _recover(
    connector: RedtailConnector, session: tuple[CrmUser, str], since: float, **overrides: Any
) -> LogId | None:
    user, auth = session
    return connector.find_call_log(
        user=user, auth_header=auth, request=replace(CALL_WRITE, **overrides), since=since
    )


def test_given_redtail_when_interfaces_listed_then_crash_recovery_offered() -> None:
    assert RedtailConnector.implements("findCallLog") is True
    assert RedtailConnector.implements("findMessageLog") is True


def test_given_activity_created_before_a_crash_when_recovering_then_found_completed_and_its_note_attached(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    since = time.time()
    left = sandbox.raw_activity()  # created, then the attempt died: not completed, no note

    found = _recover(connector, session, since)

    assert found == left["id"]
    assert sandbox.activity(found)["completed"] is True
    assert [n["body"] for n in sandbox.notes(found)] == [NOTE]
    assert len(sandbox.activities()) == 1


def test_given_activity_complete_with_its_note_when_recovering_then_found_and_nothing_written_again(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    since = time.time()
    log_id = _logged(_create_call(connector, session))
    sandbox.clear_journal()

    assert _recover(connector, session, since) == log_id

    assert [e["method"] for e in sandbox.journal()] == ["GET", "GET", "GET"]
    assert len(sandbox.notes(log_id)) == 1


def test_given_only_other_calls_logged_when_recovering_then_none(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    since = time.time()
    _create_call(connector, session, call_log={**CALL, "startTime": "2026-07-14T11:00:00.000Z"})
    _create_call(connector, session, contact_info={**DANA, "id": "202"})

    assert _recover(connector, session, since) is None


def test_given_an_older_identical_activity_when_recovering_then_not_taken_for_this_call(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    older = _logged(_create_call(connector, session))
    sandbox.own("POST", "clock", {"advance_seconds": 7200})
    since = time.time() + 7200

    assert _recover(connector, session, since) is None
    newer = _logged(_create_call(connector, session))
    assert _recover(connector, session, since) == newer != older


def test_given_sms_logged_by_an_interrupted_attempt_when_recovering_then_that_activity_is_found(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    since = time.time()
    created = _logged(
        connector.create_message_log(
            user=user, auth_header=auth, request=MessageLogWrite(contact_info=DANA, message=SMS)
        )
    )

    found = connector.find_message_log(
        user=user, auth_header=auth, request=MessageLogWrite(contact_info=DANA, message=SMS), since=since
    )

    assert found == created


# -- admin assignment (server-side logging) ----------------------------------------------------------------

#: the admin's user mapping: RingCentral extension 62264425009 is Redtail user 97502
ASSIGNMENT_MAPPINGS = [{"rcExtensionId": ["62264425009"], "crmUserId": "97502"}]
NOT_ASSIGNED = "logged, but not assigned: no Redtail user is mapped to this RingCentral user"


def _assigned(rc_id: str | None = None, token: str | None = None) -> dict[str, Any]:
    """What ``create_call_log`` / ``create_message_log`` are given for a log an admin assigned."""
    submission: dict[str, Any] = {"isAssignedToUser": True}
    if rc_id is not None:
        submission["adminAssignedUserRcId"] = rc_id
    if token is not None:
        submission["adminAssignedUserToken"] = token
    return {"additional_submission": submission, "user_mappings": ASSIGNMENT_MAPPINGS}


def _log_sms(connector: RedtailConnector, session: tuple[CrmUser, str], **fields: Any) -> LogResult:
    user, auth = session
    return connector.create_message_log(
        user=user, auth_header=auth, request=MessageLogWrite(contact_info=DANA, message=SMS, **fields)
    )


def _attendee_ids(sandbox: Sandbox, log_id: LogId) -> list[Any]:
    return [a["user_id"] for a in sandbox.activity(log_id)["attendees"]]


def test_given_admin_mapping_when_sms_logged_for_an_assigned_user_then_that_user_attends(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    result = _log_sms(connector, session, **_assigned("62264425009"))

    assert result.message == {"message": "Message logged", "messageType": "success", "ttl": 1000}
    [attendee] = sandbox.activity(_logged(result))["attendees"]
    assert (attendee["type"], attendee["user_id"]) == ("Crm::Activity::Attendee::User", 97502)


def test_given_unmapped_assignee_when_call_logged_then_logged_without_attendee_and_not_assigned_warning(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    result = _create_call(connector, session, **_assigned("62264425999"))

    assert _attendee_ids(sandbox, _logged(result)) == []
    assert result.message is not None
    assert (result.message["message"], result.message["messageType"]) == (f"Call {NOT_ASSIGNED}", "warning")


def test_given_unmapped_assignee_when_sms_logged_then_logged_without_attendee_and_not_assigned_warning(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    result = _log_sms(connector, session, **_assigned("62264425999"))

    assert _attendee_ids(sandbox, _logged(result)) == []
    assert result.message is not None
    assert (result.message["message"], result.message["messageType"]) == (
        f"Message {NOT_ASSIGNED}",
        "warning",
    )


def test_given_only_an_assignee_token_when_sms_logged_then_logged_without_attendee_and_not_assigned_warning(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    from appconnect.session import issue

    # a Redtail App Connect user id is <username>-redtail: a username, never the user id an attendee needs
    result = _log_sms(connector, session, **_assigned(token=issue("rt.partner-redtail", "redtail")))

    assert _attendee_ids(sandbox, _logged(result)) == []
    assert result.message is not None
    assert result.message["messageType"] == "warning"
    assert result.message["message"] == f"Message {NOT_ASSIGNED}"


def test_given_assignee_token_and_admin_mapping_when_call_logged_then_the_mapped_user_attends(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    from appconnect.session import issue

    token = issue("rt.partner-redtail", "redtail")

    result = _create_call(connector, session, **_assigned("62264425009", token=token))

    assert _attendee_ids(sandbox, _logged(result)) == [97502]
    assert result.message == {"message": "Call logged", "messageType": "success", "ttl": 2000}


def test_given_unmapped_assignee_and_note_refused_when_call_logged_then_both_said_in_one_warning(
    sandbox: Sandbox, connector: RedtailConnector, session: tuple[CrmUser, str]
) -> None:
    sandbox.fault(method="POST", path="/notes", status=500, times=None)

    result = _create_call(connector, session, **_assigned("62264425999"))

    _logged(result)
    assert result.message is not None
    assert result.message["messageType"] == "warning"
    assert result.message["message"] == f"Call {NOT_ASSIGNED}; its note is in the description only"
