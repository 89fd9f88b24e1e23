"""The Bullhorn connector against the Bullhorn sandbox, over real HTTP.

Every test calls the connector's interfaces directly with the core's typed requests
(:mod:`appconnect.connector`), against ``local.sandbox`` on 127.0.0.1: the sandbox is reset before each
test, its journal shows exactly what the connector sent, and its fault rules and config produce Bullhorn's
failures (a dead ``BhRestToken``, a role that may not edit notes, a rate limit).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from appconnect import deadline, settings
from appconnect.connector import (
    CallLogUpdate,
    CallLogWrite,
    ContactLookup,
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
from appconnect.errors import CrmAuthError, CrmSessionExpired
from connectors.bullhorn import CONNECTOR, BullhornConnector
from connectors.bullhorn.api import BullhornApi
from connectors.bullhorn.auth import utc_offset_text
from connectors.bullhorn.contacts import PLACEHOLDER_COMPANY
from connectors.bullhorn.users import PAGE_SIZE
from local.sandbox import SandboxServer
from tests.connectors.dict_cache import DictCache
from tests.sandbox_client import SandboxClient

CLIENT_ID = "sandbox-bullhorn-client"
CLIENT_SECRET = "sandbox-bullhorn-secret"
REDIRECT_URI = "https://ringcentral.github.io/ringcentral-embeddable/redirect.html"
BAILEY = 1001
MAYA = {"id": 701, "name": "Maya Patel", "phoneNumber": "+14155550142", "type": "Contact"}
TAYLOR = {"id": 84631, "name": "Taylor Candidate", "phoneNumber": "+14155550142", "type": "Candidate"}
JORDAN = {"id": 901, "name": "Jordan Prospect", "phoneNumber": "+14155550142", "type": "Lead"}
CALL = {
    "sessionId": "70001",
    "direction": "Inbound",
    "startTime": "2026-07-14T10:00:00.000Z",
    "duration": 125,
}
#: a call body as the core composes it, with a summary line
COMPOSED = (
    "<b>Agent notes</b><br>Asked about the night shift.<br><br><b>Call details</b><br>"
    "<li><b>Summary</b>: Night shift call</li><li><b>Duration</b>: 2 minutes, 5 seconds</li>"
)
#: the reference's own fixture shape (a summary in a list, no closing </li>)
REFERENCE_BODY = (
    "<ul><li><b>Summary</b>: Test Subject<li><b></ul><b>Agent notes</b>Test note<b>Call details</b>"
    "<li><b>Result</b>: Accepted</li>"
)
SMS_IN = {
    "id": "8462001001",
    "type": "SMS",
    "direction": "Inbound",
    "subject": "Can we schedule an interview?",
    "from": {"phoneNumber": "+14155550142", "name": "Taylor Candidate"},
    "to": [{"phoneNumber": "+14155556000", "name": "Bailey Recruiter"}],
    "creationTime": "2026-07-14T03:00:00.000Z",
}
SMS_OUT = {
    **SMS_IN,
    "id": "8462001002",
    "direction": "Outbound",
    "subject": "Yes, Monday at ten.",
    "from": {"phoneNumber": "+14155556000", "name": "Bailey Recruiter"},
    "to": [{"phoneNumber": "+14155550142", "name": "Taylor Candidate"}],
    "creationTime": "2026-07-14T03:05:00.000Z",
}


class Sandbox(SandboxClient):
    """The running sandbox's Bullhorn and its control API."""

    def __init__(self, server: SandboxServer) -> None:
        super().__init__(requests.Session(), server.url, "bullhorn")

    def tokens(self, user_id: int = BAILEY) -> dict[str, Any]:
        """An access token, a refresh token and a REST session (``BhRestToken``, ``restUrl``) for the user."""
        return dict(self.own("POST", "tokens", {"user_id": user_id}))

    def note(self, note_id: Any) -> dict[str, Any]:
        return next(n for n in self.state("Note") if str(n["id"]) == str(note_id))


@pytest.fixture(scope="module")
def sandbox_server() -> Iterator[SandboxServer]:
    server = SandboxServer(port=0).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    client = Sandbox(sandbox_server)
    client.control("POST", "reset", {})
    deadline.start(60_000)  # a fresh invocation budget, whatever an earlier test left in this thread
    monkeypatch.setenv("BULLHORN_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("BULLHORN_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("BULLHORN_ALLOWED_HOSTS", "*.bullhornstaffing.com,127.0.0.1")
    monkeypatch.setenv("APP_SERVER_SECRET_KEY", "test-secret-for-assignee-tokens-0123456789")
    settings.reload()
    yield client
    monkeypatch.undo()
    settings.reload()


@pytest.fixture
def connector() -> BullhornConnector:
    return CONNECTOR()


def _user(sandbox: Sandbox, tokens: dict[str, Any], user_id: int = BAILEY) -> CrmUser:
    return CrmUser(
        id="456-bullhorn",
        platform="bullhorn",
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        timezone_offset="+00:00",
        name="Bailey Recruiter",
        platform_additional_info={
            "id": user_id,
            "tokenUrl": f"{sandbox.base}/oauth/token",
            "loginUrl": f"{sandbox.base}/rest-services",
        },
        session={"bhRestToken": tokens["BhRestToken"], "restUrl": tokens["restUrl"]},
    )


@pytest.fixture
def session(sandbox: Sandbox) -> tuple[CrmUser, str]:
    tokens = sandbox.tokens()
    sandbox.clear_journal()
    return _user(sandbox, tokens), f"Bearer {tokens['access_token']}"


def _log_call(
    connector: BullhornConnector, session: tuple[CrmUser, str], contact: dict[str, Any] = MAYA, **fields: Any
) -> LogId:
    user, auth = session
    request = CallLogWrite(
        **{
            "contact_info": contact,
            "call_log": CALL,
            "additional_submission": {"noteActions": "Call"},
            "composed_log_details": COMPOSED,
            **fields,
        }
    )
    log_id = connector.create_call_log(user=user, auth_header=auth, request=request).log_id
    assert log_id is not None
    return log_id


def _contacts(result: Any) -> list[dict[str, Any]]:
    assert result.contacts is not None
    return list(result.contacts)


# -- facts, OAuth and login ----------------------------------------------------------------------------------


def test_given_bullhorn_when_facts_asked_then_oauth_html_and_session_interfaces(
    connector: BullhornConnector,
) -> None:
    assert connector.get_auth_type() == "oauth"
    assert connector.get_log_format_type() == "text/html"
    assert BullhornConnector.implements("authValidation")
    assert BullhornConnector.implements("getUserList")


def test_given_the_data_centre_token_url_when_oauth_info_asked_then_query_string_client_at_that_url(
    sandbox: Sandbox, connector: BullhornConnector
) -> None:
    info = connector.get_oauth_info(token_url=f"{sandbox.base}/oauth/token")

    assert (info.client_id, info.client_secret) == (CLIENT_ID, CLIENT_SECRET)
    assert info.access_token_uri == f"{sandbox.base}/oauth/token"
    assert info.redirect_uri == REDIRECT_URI
    assert info.client_auth == "query"


@pytest.mark.parametrize(
    "token_url", ["", "https://auth.example.com/oauth/token", "http://127.0.0.1@evil.example.com/oauth/token"]
)
def test_given_no_token_url_or_one_outside_bullhorn_when_oauth_info_asked_then_refused(
    sandbox: Sandbox, connector: BullhornConnector, token_url: str
) -> None:
    with pytest.raises(DisallowedUrl):
        connector.get_oauth_info(token_url=token_url)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (300, "+00:00"),  # the reference's minutes from US Eastern: UTC
        (0, "-05:00"),  # Eastern itself
        (-3, "-08:00"),  # hours, as Bullhorn documents it: Pacific
        (1, "-04:00"),
        (360, "+01:00"),
        (5.5, "+00:30"),
        ("330", "+00:30"),
        (None, ""),
        ("not a number", ""),
    ],
)
def test_given_a_time_zone_offset_from_eastern_when_converted_then_offset_from_utc(
    offset: Any, expected: str
) -> None:
    assert utc_offset_text(offset) == expected


@pytest.mark.parametrize(
    ("user_id", "username", "app_id", "offset"),
    [(BAILEY, "bailey.recruiter", "456-bullhorn", "+00:00"), (1002, "api.service", "457-bullhorn", "-05:00")],
)
def test_given_an_access_token_when_user_info_asked_then_a_session_opened_and_the_corporate_user_read(
    sandbox: Sandbox, connector: BullhornConnector, user_id: int, username: str, app_id: str, offset: str
) -> None:
    tokens = sandbox.tokens(user_id)
    sandbox.clear_journal()

    result = connector.get_user_info(
        auth_header=f"Bearer {tokens['access_token']}",
        request=LoginRequest(
            token_url=f"{sandbox.base}/oauth/token",
            api_url=f"{sandbox.base}/rest-services/",
            username=username,
            access_token=tokens["access_token"],
        ),
    )

    user = result.user
    assert user is not None
    assert (user.id, user.timezone_offset) == (app_id, offset)
    assert user.additional_info == {
        "id": user_id,
        "tokenUrl": f"{sandbox.base}/oauth/token",
        "loginUrl": f"{sandbox.base}/rest-services",
    }
    assert user.session is not None
    assert user.session["restUrl"] == f"{sandbox.base}/rest-services/sbx1/"
    assert "bhRestToken" not in user.additional_info
    assert result.message is not None
    assert result.message["message"] == "Connected to Bullhorn."
    [login, who] = sandbox.journal()
    assert (login["method"], login["path"]) == ("POST", "/rest-services/login")
    assert login["query"]["access_token"] == [tokens["access_token"]]
    assert _header(who, "bhresttoken") == user.session["bhRestToken"]


@pytest.mark.parametrize(
    ("username", "access_token", "api_url"),
    [
        ("nobody.here", None, "rest"),
        ("bailey.recruiter", "not-a-token", "rest"),
        ("bailey.recruiter", None, ""),
        ("", None, "rest"),
    ],
    ids=["unknown-user", "refused-token", "no-api-url", "no-username"],
)
def test_given_a_login_bullhorn_cannot_complete_when_user_info_asked_then_could_not_load_user_information(
    sandbox: Sandbox, connector: BullhornConnector, username: str, access_token: str | None, api_url: str
) -> None:
    tokens = sandbox.tokens()

    result = connector.get_user_info(
        auth_header="Bearer x",
        request=LoginRequest(
            api_url=f"{sandbox.base}/rest-services" if api_url else "",
            username=username,
            access_token=access_token or tokens["access_token"],
        ),
    )

    assert result.user is None
    assert result.message is not None
    assert result.message["message"] == "Could not load user information"


def test_given_a_username_with_a_quote_when_user_info_asked_then_it_does_not_end_the_where_literal(
    sandbox: Sandbox, connector: BullhornConnector
) -> None:
    sandbox.seed(
        CorporateUser=[
            {
                "id": 1090,
                "firstName": "Pat",
                "lastName": "O'Brien",
                "username": "pat.o'brien",
                "masterUserID": 490,
                "timeZoneOffsetEST": 300,
            }
        ]
    )
    tokens = sandbox.tokens(1090)

    result = connector.get_user_info(
        auth_header="Bearer x",
        request=LoginRequest(
            api_url=f"{sandbox.base}/rest-services",
            username="pat.o'brien",
            access_token=tokens["access_token"],
        ),
    )

    assert result.user is not None
    assert (result.user.id, result.user.name) == ("490-bullhorn", "Pat O'Brien")
    [who] = sandbox.journal("GET", "/query/CorporateUser$")
    assert who["query"]["where"] == ["username='pat.o''brien'"]


def test_given_bullhorn_answering_a_rest_url_outside_its_hosts_when_logging_in_then_refused(
    sandbox: Sandbox, connector: BullhornConnector
) -> None:
    tokens = sandbox.tokens()
    sandbox.fault(
        method="POST",
        path="/rest-services/login$",
        status=200,
        body={"BhRestToken": "t", "restUrl": "https://evil.example.com/rest-services/x/"},
    )

    result = connector.get_user_info(
        auth_header="Bearer x",
        request=LoginRequest(
            api_url=f"{sandbox.base}/rest-services",
            username="bailey.recruiter",
            access_token=tokens["access_token"],
        ),
    )

    assert result.user is None  # refused: the session is not used, nor stored
    assert result.message is not None
    assert result.message["message"] == "Could not load user information"
    assert sandbox.journal("GET") == []


def _header(entry: dict[str, Any], name: str) -> str | None:
    return {k.lower(): v for k, v in entry["headers"].items()}.get(name)


# -- sessions ------------------------------------------------------------------------------------------------


def test_given_a_user_when_a_session_started_then_a_new_bhresttoken_from_the_stored_login_url(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    started = connector.start_session(user=user, auth_header=auth)

    assert started["bhRestToken"] != user.session["bhRestToken"]
    assert started["restUrl"] == user.session["restUrl"]
    [login] = sandbox.journal()
    assert login["query"]["access_token"] == [user.access_token]


def test_given_a_rest_login_naming_a_foreign_rest_url_when_a_session_started_then_refused_before_it_is_kept(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    foreign = {"BhRestToken": "t", "restUrl": "https://rest.attacker.example/rest-services/x/"}
    sandbox.fault(method="POST", path="/rest-services/login$", status=200, body=foreign)

    with pytest.raises(DisallowedUrl):
        connector.start_session(user=user, auth_header=auth)


def test_given_a_refused_access_token_when_a_session_started_then_an_auth_error_not_a_session_error(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    sandbox.own("POST", "expire", {"all": True})

    with pytest.raises(CrmAuthError) as raised:
        connector.start_session(user=user, auth_header=auth)
    # the core refreshes the OAuth token on this one, not the session
    assert not isinstance(raised.value, CrmSessionExpired)


def test_given_a_live_session_when_validated_then_successful(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    assert connector.validate_session(user=session[0], auth_header=session[1]).successful is True
    assert [e["path"] for e in sandbox.journal()] == ["/rest-services/sbx1/ping"]


@pytest.mark.parametrize("how", ["expired-at-bullhorn", "ping-says-expired"])
def test_given_a_dead_session_when_validated_then_session_expired_for_the_core_to_renew(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str], how: str
) -> None:
    user, auth = session
    if how == "expired-at-bullhorn":
        sandbox.own("POST", "expire", {"token": user.session["bhRestToken"]})
    else:
        sandbox.fault(method="GET", path="/ping$", status=200, body={"sessionExpires": 1_000})

    with pytest.raises(CrmSessionExpired):
        connector.validate_session(user=user, auth_header=auth)


def test_given_no_stored_session_when_calling_bullhorn_then_session_expired_without_a_call(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    user.session = {}

    with pytest.raises(CrmSessionExpired):
        connector.find_contact(
            user=user, auth_header=auth, request=ContactLookup(phone_number="+14155550142")
        )
    assert sandbox.journal() == []


def test_given_a_stored_rest_url_outside_bullhorn_when_calling_then_refused(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    user, _auth = session
    user.session = {**user.session, "restUrl": "https://evil.example.com/rest-services/sbx1/"}

    with pytest.raises(DisallowedUrl):
        BullhornApi(connector, user)


def test_given_a_user_when_unauthorized_then_the_rest_session_is_ended(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.unauthorize(user=user, auth_header=auth)

    assert result is not None
    assert result["message"] == "Logged out of Bullhorn"
    assert sandbox.state("sessions") == []
    # a logout that Bullhorn refuses is still a logout
    assert connector.unauthorize(user=user, auth_header=auth) is not None


def test_given_a_rest_401_when_any_call_then_session_expired_and_a_403_stays_an_auth_error(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    sandbox.fault(method="PUT", path="/entity/Note$", status=401, body={"errorCode": 401})
    with pytest.raises(CrmSessionExpired) as expired:
        _log_call(connector, session)
    assert expired.value.status == 401

    sandbox.fault(method="PUT", path="/entity/Note$", status=403, body={"errorCode": 403})
    with pytest.raises(CrmAuthError) as refused:
        _log_call(connector, session)
    assert refused.value.status == 403
    assert not isinstance(refused.value, CrmSessionExpired)
    assert sandbox.state("Note") == []


# -- contacts ------------------------------------------------------------------------------------------------


def test_given_an_extension_number_when_contact_searched_then_nothing_and_no_call(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.find_contact(
        user=user, auth_header=auth, request=ContactLookup(phone_number="101", is_extension=True)
    )

    assert (result.contacts, result.successful) == ([], False)
    assert sandbox.journal() == []


@pytest.mark.parametrize("number", ["invalid", "12345", "+1415555", "+999123456789"])
def test_given_an_invalid_number_when_contact_searched_then_invalid_phone_number_warning_and_no_call(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str], number: str
) -> None:
    user, auth = session

    result = connector.find_contact(user=user, auth_header=auth, request=ContactLookup(phone_number=number))

    assert (result.contacts, result.successful) == ([], False)
    assert result.message is not None
    assert (result.message["message"], result.message["messageType"]) == (
        "Invalid phone number format",
        "warning",
    )
    assert sandbox.journal() == []


def test_given_a_number_when_contact_searched_then_the_national_number_in_every_phone_field_of_each_entity(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    cache = DictCache()

    result = connector.find_contact(
        user=user, auth_header=auth, request=ContactLookup(phone_number="+14155550142", cache=cache)
    )

    assert [(c["id"], c["type"]) for c in _contacts(result)] == [
        (701, "Contact"),
        (84631, "Candidate"),
        (901, "Lead"),
    ]
    assert _contacts(result)[1]["mostRecentActivityDate"] == 1783159200000  # Taylor's dateLastModified
    queries = {e["path"].rsplit("/", 1)[-1]: e["json"]["query"] for e in sandbox.journal("POST", "/search/")}
    assert queries["Candidate"] == (
        "(phone:4155550142 OR mobile:4155550142 OR phone2:4155550142 OR phone3:4155550142 OR "
        'workPhone:4155550142) AND isDeleted:false NOT status:"Archived"'
    )
    assert queries["ClientContact"].endswith('NOT status:"Archive"')
    assert queries["Lead"].endswith('NOT status:"Converted"')
    # the picklists are read once, then kept in the account cache
    assert len(cache.values) == 1
    sandbox.clear_journal()
    connector.find_contact(
        user=user, auth_header=auth, request=ContactLookup(phone_number="+14155550142", cache=cache)
    )
    assert sandbox.journal("GET") == []


def test_given_the_picklists_forbidden_when_contact_searched_then_the_contacts_are_still_found(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    sandbox.fault(method="GET", path="/(settings|meta)/", status=403, times=None, body={"errorCode": 403})

    result = connector.find_contact(
        user=user, auth_header=auth, request=ContactLookup(phone_number="+14155550142")
    )

    assert [c["id"] for c in _contacts(result)] == [701, 84631, 901]
    assert all(c["additionalInfo"] is None for c in _contacts(result))


def test_given_a_name_bullhorn_answers_twice_when_searched_by_name_then_each_person_once_per_type(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    maya = {"id": 701, "name": "Maya Patel", "phone": "(415) 555-0142", "dateAdded": 1, "_score": 1.0}
    noah = {"id": 702, "name": "Noah Kim", "phone": "415.555.0175", "dateAdded": 1, "_score": 0.5}
    sandbox.fault(
        method="POST",
        path="/search/ClientContact$",
        status=200,
        body={"total": 3, "start": 0, "count": 3, "data": [maya, maya, noah]},
    )

    result = connector.find_contact_with_name(user=user, auth_header=auth, name="Maya Patel")

    assert [(c["id"], c["type"]) for c in _contacts(result)] == [
        (701, "Contact"),
        (702, "Contact"),
        (903, "Lead"),
    ]
    assert not [c for c in _contacts(result) if c.get("isNewContact")]
    [search] = sandbox.journal("POST", "/search/Lead$")
    assert search["json"]["query"] == (
        '(name:"Maya Patel" AND isDeleted:false) OR (firstName:"Maya" AND isDeleted:false) '
        'OR (lastName:"Patel" AND isDeleted:false)'
    )


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("Mary Ann Smith", "Mary", "Ann Smith"),
        ("Prince", "Prince", ""),
        ("  Ada   Lovelace ", "Ada", "Lovelace"),
    ],
)
def test_given_a_full_name_when_a_candidate_created_then_first_word_first_name_the_rest_last_name(
    sandbox: Sandbox,
    connector: BullhornConnector,
    session: tuple[CrmUser, str],
    name: str,
    first: str,
    last: str,
) -> None:
    user, auth = session

    result = connector.create_contact(
        user=user,
        auth_header=auth,
        request=NewContact(phone_number="+14155556051", name=name, type="Candidate"),
    )

    assert result.contact is not None
    assert result.message is not None
    assert result.message["message"] == "Candidate created."
    [put] = sandbox.journal("PUT", "/entity/Candidate$")
    assert put["json"] == {
        "name": name.strip(),
        "firstName": first,
        "lastName": last,
        "phone": "+14155556051",
    }
    candidate = next(c for c in sandbox.state("Candidate") if c["id"] == result.contact["id"])
    assert (candidate["firstName"], candidate["lastName"]) == (first, last)


def test_given_no_contact_type_when_creating_a_contact_then_nothing_created_and_asked_to_choose(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.create_contact(
        user=user, auth_header=auth, request=NewContact(phone_number="+14155556051", name="Ada Byron")
    )

    assert result.contact is None
    assert result.message is not None
    assert "contact type" in result.message["message"]
    assert sandbox.journal() == []


def test_given_the_placeholder_company_exists_when_a_contact_created_then_it_is_used_not_created_again(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    sandbox.seed(ClientCorporation=[{"id": 350, "name": PLACEHOLDER_COMPANY}])

    result = connector.create_contact(
        user=user,
        auth_header=auth,
        request=NewContact(phone_number="+14155556052", name="Ada Byron", type="Contact"),
    )

    assert result.contact is not None
    assert sandbox.journal("PUT", "/entity/ClientCorporation$") == []
    contact = next(c for c in sandbox.state("ClientContact") if c["id"] == result.contact["id"])
    assert contact["clientCorporation"] == {"id": 350}


# -- call logs -----------------------------------------------------------------------------------------------


def test_given_a_call_when_logged_then_a_note_with_action_external_id_minutes_and_commenting_person(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    log_id = _log_call(connector, session, contact=TAYLOR)

    [put] = sandbox.journal("PUT", "/entity/Note$")
    assert put["json"] == {
        "comments": COMPOSED,
        "personReference": {"id": 84631, "personSubtype": "Candidate"},
        "action": "Call",
        "externalID": "70001",
        "commentingPerson": {"id": BAILEY, "personSubtype": "CorporateUser"},
        "dateAdded": 1784023200000,
        "minutesSpent": 3,
    }
    assert sandbox.note(log_id)["candidates"] == [84631]


def test_given_copy_to_contact_comments_when_a_call_logged_then_the_agent_note_is_in_the_persons_comments(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    _log_call(
        connector,
        session,
        contact=JORDAN,
        note="Wants a callback on Friday.",
        additional_submission={"noteActions": "Call", "copyToContactComments": True},
    )

    jordan = next(lead for lead in sandbox.state("Lead") if lead["id"] == 901)
    assert jordan["comments"] == "Wants a callback on Friday."


@pytest.mark.parametrize(
    ("contact", "body", "subject", "note", "name"),
    [
        (MAYA, COMPOSED, "Night shift call", "Asked about the night shift.", "Maya Patel"),
        (TAYLOR, REFERENCE_BODY, "Test Subject", "Test note", "Taylor Candidate"),
        (JORDAN, COMPOSED, "Night shift call", "Asked about the night shift.", "Jordan Prospect"),
        (JORDAN, "A note written by hand in Bullhorn", None, "", "Jordan Prospect"),
    ],
    ids=["contact", "reference-shape-candidate", "lead", "plain-note"],
)
def test_given_a_logged_note_when_read_back_then_subject_note_contact_name_and_note_action(
    sandbox: Sandbox,
    connector: BullhornConnector,
    session: tuple[CrmUser, str],
    contact: dict[str, Any],
    body: str,
    subject: str | None,
    note: str,
    name: str,
) -> None:
    user, auth = session
    log_id = _log_call(connector, session, contact=contact, composed_log_details=body)

    details = connector.get_call_log(user=user, auth_header=auth, request=LogRef(log_id=log_id))

    assert (details.subject, details.note, details.contact_name) == (subject, note, name)
    assert details.full_body == body
    assert details.dispositions == {"noteActions": "Call"}
    [read] = sandbox.journal("GET", f"/entity/Note/{log_id}$")
    assert read["query"]["fields"] == ["comments,action,candidates,clientContacts,leads"]


def test_given_an_interrupted_log_when_found_again_then_by_its_external_id_and_person(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _log_call(connector, session)

    def find(contact: dict[str, Any], call: dict[str, Any]) -> LogId | None:
        request = CallLogWrite(contact_info=contact, call_log=call)
        return connector.find_call_log(user=user, auth_header=auth, request=request, since=0)

    assert find(MAYA, CALL) == log_id
    assert find(TAYLOR, CALL) is None  # the same call logged against someone else is another log
    assert find(MAYA, {**CALL, "sessionId": "70002"}) is None
    sandbox.clear_journal()
    assert find(MAYA, {**CALL, "sessionId": ""}) is None
    assert sandbox.journal() == []


def test_given_a_logged_call_when_updated_then_comments_start_and_whole_minutes_set(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _log_call(connector, session)

    result = connector.update_call_log(
        user=user,
        auth_header=auth,
        request=CallLogUpdate(
            log_id=log_id,
            composed_log_details="<b>Agent notes</b><br>Updated<br>",
            start_time="2026-07-14T11:00:00.000Z",
            duration=61,
        ),
    )

    assert result.updated_note == "<b>Agent notes</b><br>Updated<br>"
    note = sandbox.note(log_id)
    assert (note["comments"], note["minutesSpent"], note["dateAdded"]) == (
        "<b>Agent notes</b><br>Updated<br>",
        2,
        1784026800000,
    )


def test_given_note_edits_forbidden_when_updating_a_call_or_its_action_then_warnings_and_the_note_kept(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _log_call(connector, session)
    sandbox.config(note_edit_denied=True)

    updated = connector.update_call_log(
        user=user, auth_header=auth, request=CallLogUpdate(log_id=log_id, composed_log_details="changed")
    )
    disposition = connector.upsert_call_disposition(
        user=user,
        auth_header=auth,
        request=DispositionUpdate(log_id=log_id, dispositions={"noteActions": "Meeting"}),
    )

    assert updated.updated_note is None
    assert updated.message is not None
    assert (updated.message["messageType"], updated.message["message"]) == (
        "warning",
        "The call log was not updated: your Bullhorn account may not edit notes",
    )
    assert disposition.log_id == log_id
    assert disposition.message is not None
    assert (
        disposition.message["message"]
        == "The note action was not updated: your Bullhorn account may not edit notes"
    )
    note = sandbox.note(log_id)
    assert (note["comments"], note["action"]) == (COMPOSED, "Call")


@pytest.mark.parametrize(
    ("chosen", "action"), [({"noteActions": "Meeting"}, "Meeting"), ({}, "pending note")]
)
def test_given_a_logged_call_when_a_disposition_set_then_the_note_action(
    sandbox: Sandbox,
    connector: BullhornConnector,
    session: tuple[CrmUser, str],
    chosen: dict[str, Any],
    action: str,
) -> None:
    user, auth = session
    log_id = _log_call(connector, session)

    connector.upsert_call_disposition(
        user=user, auth_header=auth, request=DispositionUpdate(log_id=log_id, dispositions=chosen)
    )

    assert sandbox.note(log_id)["action"] == action


# -- messages ------------------------------------------------------------------------------------------------


def _log_sms(connector: BullhornConnector, session: tuple[CrmUser, str]) -> LogId:
    user, auth = session
    log_id = connector.create_message_log(
        user=user,
        auth_header=auth,
        request=MessageLogWrite(
            contact_info=TAYLOR, message=SMS_IN, additional_submission={"noteActions": "SMS"}
        ),
    ).log_id
    assert log_id is not None
    return log_id


def test_given_a_logged_sms_when_the_next_message_logged_then_appended_to_the_same_note(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _log_sms(connector, session)
    assert "Conversation(1 messages)" in sandbox.note(log_id)["comments"]

    connector.update_message_log(
        user=user,
        auth_header=auth,
        log_id=log_id,
        request=MessageLogWrite(contact_info=TAYLOR, message=SMS_OUT),
    )

    note = sandbox.note(log_id)
    assert "Conversation(2 messages)" in note["comments"]
    assert "Yes, Monday at ten." in note["comments"]
    assert note["dateAdded"] == 1783998300000
    assert len(sandbox.state("Note")) == 1


def test_given_note_edits_forbidden_when_the_next_message_logged_then_it_gets_a_note_of_its_own(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _log_sms(connector, session)
    sandbox.config(note_edit_denied=True)

    result = connector.update_message_log(
        user=user,
        auth_header=auth,
        log_id=log_id,
        request=MessageLogWrite(
            contact_info=TAYLOR, message=SMS_OUT, additional_submission={"noteActions": "SMS"}
        ),
    )

    assert result.message is not None
    assert result.message["messageType"] == "warning"
    assert "note of its own" in result.message["message"]
    first, second = sandbox.state("Note")
    assert first["id"] == log_id
    assert "Yes, Monday at ten." not in first["comments"]
    assert "Yes, Monday at ten." in second["comments"]
    assert (second["action"], second["personReference"]["id"]) == ("SMS", 84631)


# -- users ---------------------------------------------------------------------------------------------------


def test_given_more_users_than_a_page_when_the_user_list_read_then_every_page_and_no_deleted_user(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    extra = PAGE_SIZE - 20  # with the 25 seeded active users: one full page and a second one
    sandbox.seed(
        CorporateUser=[
            {
                "id": 20000 + n,
                "firstName": "Temp",
                "lastName": f"{n:03d}",
                "username": f"temp.{n:03d}",
                "email": f"temp.{n:03d}@sandbox-staffing.example",
                "masterUserID": 30000 + n,
                "isDeleted": False,
            }
            for n in range(extra)
        ]
    )

    listed = connector.get_user_list(user=user, auth_header=auth)

    assert len(listed) == 25 + extra
    assert len({u["id"] for u in listed}) == len(listed)
    assert listed[0] == {
        "id": 1001,
        "name": "Bailey Recruiter",
        "email": "bailey.recruiter@sandbox-staffing.example",
    }
    assert {"id": 20000, "name": "Temp 000", "email": "temp.000@sandbox-staffing.example"} in listed
    assert 1026 not in {u["id"] for u in listed}  # the deleted one
    pages = sandbox.journal("GET", "/query/CorporateUser$")
    assert [(p["query"]["start"], p["query"]["count"]) for p in pages] == [
        (["0"], [str(PAGE_SIZE)]),
        ([str(PAGE_SIZE)], [str(PAGE_SIZE)]),
        ([str(25 + extra)], [str(PAGE_SIZE)]),
    ]
    assert all(p["query"]["where"] == ["isDeleted=false"] for p in pages)


# -- admin assignment (server-side logging) ----------------------------------------------------------------

#: the admin's user mapping: RingCentral extension 62001 is CorporateUser 1002
ASSIGNMENT_MAPPINGS = [{"crmUserId": "1002", "rcExtensionId": ["61000", "62001"]}]
NOT_ASSIGNED = "logged, but not assigned: no Bullhorn user is mapped to this RingCentral user"


def _assigned(rc_id: str | None = None, token: str | None = None, **submission: Any) -> dict[str, Any]:
    """What ``create_call_log`` / ``create_message_log`` are given for a log an admin assigned."""
    submission["isAssignedToUser"] = True
    if rc_id is not None:
        submission["adminAssignedUserRcId"] = rc_id
    if token is not None:
        submission["adminAssignedUserToken"] = token
    return {"additional_submission": submission, "user_mappings": ASSIGNMENT_MAPPINGS}


def _create_call(connector: BullhornConnector, session: tuple[CrmUser, str], **fields: Any) -> LogResult:
    user, auth = session
    request = CallLogWrite(
        **{"contact_info": TAYLOR, "call_log": CALL, "composed_log_details": COMPOSED, **fields}
    )
    return connector.create_call_log(user=user, auth_header=auth, request=request)


def _create_sms(connector: BullhornConnector, session: tuple[CrmUser, str], **fields: Any) -> LogResult:
    user, auth = session
    request = MessageLogWrite(contact_info=TAYLOR, message=SMS_IN, **fields)
    return connector.create_message_log(user=user, auth_header=auth, request=request)


def _written_by(sandbox: Sandbox, result: LogResult) -> Any:
    assert result.log_id is not None, result.message
    return sandbox.note(result.log_id)["commentingPerson"]["id"]


def test_given_admin_mapping_when_sms_logged_for_an_assigned_user_then_the_mapped_user_comments(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    result = _create_sms(connector, session, **_assigned("62001", noteActions="SMS"))

    assert result.message == {"message": "Message logged", "messageType": "success", "ttl": 1000}
    assert _written_by(sandbox, result) == 1002
    assert sandbox.note(result.log_id)["candidates"] == [84631]


def test_given_admin_mapping_when_call_logged_for_an_assigned_user_then_the_mapped_user_comments(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    result = _create_call(connector, session, **_assigned("62001"))

    assert result.message == {"message": "Call logged", "messageType": "success", "ttl": 2000}
    assert _written_by(sandbox, result) == 1002


def test_given_unmapped_assignee_when_call_logged_then_written_by_the_user_with_not_assigned_warning(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    result = _create_call(connector, session, **_assigned("69999"))

    assert _written_by(sandbox, result) == BAILEY
    assert result.message is not None
    assert (result.message["message"], result.message["messageType"]) == (f"Call {NOT_ASSIGNED}", "warning")


def test_given_unmapped_assignee_when_sms_logged_then_written_by_the_user_with_not_assigned_warning(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    result = _create_sms(connector, session, **_assigned("69999"))

    assert _written_by(sandbox, result) == BAILEY
    assert result.message is not None
    assert (result.message["message"], result.message["messageType"]) == (
        f"Message {NOT_ASSIGNED}",
        "warning",
    )


def test_given_only_an_assignee_token_when_sms_logged_then_written_by_the_user_with_not_assigned_warning(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    from appconnect.session import issue

    # a Bullhorn App Connect user id is <masterUserID>-bullhorn: no CorporateUser id, refused as commenter
    result = _create_sms(connector, session, **_assigned(token=issue("457-bullhorn", "bullhorn")))

    assert _written_by(sandbox, result) == BAILEY
    assert result.message is not None
    assert (result.message["message"], result.message["messageType"]) == (
        f"Message {NOT_ASSIGNED}",
        "warning",
    )


def test_given_unmapped_assignee_and_comments_copy_refused_when_call_logged_then_both_said(
    sandbox: Sandbox, connector: BullhornConnector, session: tuple[CrmUser, str]
) -> None:
    sandbox.fault(method="POST", path="/entity/Candidate/84631$", status=400, times=None)

    result = _create_call(
        connector, session, note="Call back Friday.", **_assigned("69999", copyToContactComments=True)
    )

    assert _written_by(sandbox, result) == BAILEY
    assert result.message is not None
    assert result.message["messageType"] == "warning"
    assert result.message["message"] == (
        f"Call {NOT_ASSIGNED}; the note was not copied to the person's comments"
    )
