"""The Pipedrive connector against the Pipedrive sandbox, over real HTTP.

Every test talks to ``local.sandbox`` on 127.0.0.1: the sandbox is reset before each test, its journal
shows exactly what the connector sent, and its fault rules produce Pipedrive's failures.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
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
    UpdateResult,
)
from appconnect.connector.client import DisallowedUrl, take_rate_limit
from appconnect.errors import (
    CrmAuthError,
    CrmNotFound,
    CrmRateLimited,
    CrmUnavailable,
    crm_failure,
)
from connectors.pipedrive import CONNECTOR, PipedriveConnector
from local.sandbox import SandboxServer
from tests.connectors.dict_cache import DictCache
from tests.sandbox_client import SandboxClient

CLIENT_ID = "sandbox-pipedrive-client"
CLIENT_SECRET = "sandbox-pipedrive-secret"
MAYA = {"id": 101, "name": "Maya Patel", "phoneNumber": "+14155550142", "type": "contact"}
LUCAS = {"id": 104, "name": "Lucas Martin", "phoneNumber": "+14155550199", "type": "contact"}
MAYA_DEAL = 2001
MAYA_LEAD = "6f9d3c1e-0000-4000-8000-000000000301"
CALL = {"direction": "Outbound", "startTime": "2026-07-14T10:00:00.000Z", "duration": 300}
NOTE_BODY = "<b>Agent notes</b><br>Test note<br><br><b>Call details</b><br><li><b>Summary</b>: S</li>"


class Sandbox(SandboxClient):
    """The running sandbox's Pipedrive and its control API."""

    def __init__(self, server: SandboxServer) -> None:
        super().__init__(requests.Session(), server.url, "pipedrive")
        self.server = server

    def tokens(self, user_id: int = 12345) -> dict[str, Any]:
        return dict(self.own("POST", "tokens", {"user_id": user_id}))

    def activity(self, activity_id: Any) -> dict[str, Any]:
        return next(a for a in self.activities() if str(a["id"]) == str(activity_id))

    def activities(self) -> list[dict[str, Any]]:
        return self.state("activities")


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
    for name in ("API_URL", "OAUTH_URL", "COMPANY_URL"):
        monkeypatch.setenv(f"PIPEDRIVE_{name}", client.base)
    monkeypatch.setenv("PIPEDRIVE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("PIPEDRIVE_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("APP_SERVER_SECRET_KEY", "test-secret-for-assignee-tokens-0123456789")
    settings.reload()
    yield client
    monkeypatch.undo()
    settings.reload()


@pytest.fixture
def connector() -> PipedriveConnector:
    return CONNECTOR()


@pytest.fixture
def session(sandbox: Sandbox) -> tuple[CrmUser, str]:
    tokens = sandbox.tokens()
    user = CrmUser(
        id="12345-pipedrive",
        platform="pipedrive",
        hostname="sandbox.pipedrive.com",
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        timezone_offset="+00:00",
        name="Jordan Lee",
        platform_additional_info={"companyId": 7001},
    )
    sandbox.clear_journal()
    return user, f"Bearer {tokens['access_token']}"


def _create_call(connector: PipedriveConnector, session: tuple[CrmUser, str], **overrides: Any) -> LogResult:
    user, auth = session
    fields: dict[str, Any] = {
        "contact_info": MAYA,
        "call_log": CALL,
        "additional_submission": {"deals": str(MAYA_DEAL)},
        "composed_log_details": NOTE_BODY,
    }
    fields.update(overrides)
    return connector.create_call_log(user=user, auth_header=auth, request=CallLogWrite(**fields))


def _logged_call(connector: PipedriveConnector, session: tuple[CrmUser, str], **overrides: Any) -> LogId:
    """The id of a call log created as :func:`_create_call` creates it."""
    log_id = _create_call(connector, session, **overrides).log_id
    assert log_id is not None
    return log_id


def _logged_sms(connector: PipedriveConnector, session: tuple[CrmUser, str]) -> LogId:
    user, auth = session
    log_id = connector.create_message_log(
        user=user, auth_header=auth, request=MessageLogWrite(contact_info=MAYA, message=SMS_IN)
    ).log_id
    assert log_id is not None
    return log_id


def _lookup(phone_number: str, **fields: Any) -> ContactLookup:
    return ContactLookup(phone_number=phone_number, **fields)


def _found(result: ContactMatches) -> list[dict[str, Any]]:
    """The contacts of a lookup that answered a list."""
    assert result.contacts is not None
    return result.contacts


# -- declarative facts and OAuth -----------------------------------------------------------------------------


def test_given_pipedrive_when_auth_and_log_format_asked_then_oauth_and_html(
    connector: PipedriveConnector,
) -> None:
    assert connector.get_auth_type() == "oauth"
    assert connector.get_log_format_type() == "text/html"


def test_given_settings_when_oauth_info_requested_then_client_token_url_and_server_redirect(
    sandbox: Sandbox, connector: PipedriveConnector
) -> None:
    info = connector.get_oauth_info(server_url="https://connector.example.com")

    assert info.client_id == CLIENT_ID
    assert info.client_secret == CLIENT_SECRET
    assert info.access_token_uri == f"{sandbox.base}/oauth/token"
    assert info.redirect_uri == "https://connector.example.com/pipedrive-redirect"
    assert info.client_auth == "basic"


def test_given_redirect_uri_setting_when_oauth_info_requested_then_it_wins(
    sandbox: Sandbox, connector: PipedriveConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPEDRIVE_REDIRECT_URI", "https://elsewhere.example.com/cb")
    settings.reload()

    assert (
        connector.get_oauth_info(server_url="https://x.example").redirect_uri
        == "https://elsewhere.example.com/cb"
    )


def test_given_valid_token_when_user_info_requested_then_pipedrive_user_with_company(
    sandbox: Sandbox, connector: PipedriveConnector
) -> None:
    tokens = sandbox.tokens()

    result = connector.get_user_info(
        auth_header=f"Bearer {tokens['access_token']}",
        request=LoginRequest(hostname="sandbox.pipedrive.com"),
    )

    info = result.user
    assert info is not None
    assert info.id == "12345-pipedrive"
    assert info.name == "Jordan Lee"
    assert info.timezone_name == "America/New_York"
    assert info.timezone_offset == "-04:00"
    assert info.additional_info == {
        "companyId": 7001,
        "companyName": "Sandbox Realty Ltd",
        "companyDomain": "sandbox",
    }
    assert info.overriding_hostname == "sandbox.pipedrive.com"  # the normalised host is what is stored
    assert result.message is not None
    assert result.message["message"] == "Connected to Pipedrive."
    assert [e["path"] for e in sandbox.journal()] == ["/v1/users/me"]


def test_given_marketplace_install_with_temp_hostname_when_user_info_then_company_domain_becomes_hostname(
    sandbox: Sandbox, connector: PipedriveConnector
) -> None:
    tokens = sandbox.tokens()

    result = connector.get_user_info(
        auth_header=f"Bearer {tokens['access_token']}", request=LoginRequest(hostname="temp")
    )

    assert result.user is not None
    assert result.user.overriding_hostname == "sandbox.pipedrive.com"


@pytest.mark.parametrize("domain", ["evil.example/x", "evil.example#", "a b", "127.0.0.2:8443"])
def test_given_a_marketplace_install_whose_company_domain_is_not_a_pipedrive_host_then_refused_and_not_stored(
    sandbox: Sandbox, connector: PipedriveConnector, domain: str
) -> None:
    # the company host of a "temp" install comes from Pipedrive's answer: the outbound-URL policy checks it
    sandbox.seed(company={"domain": domain})
    tokens = sandbox.tokens()

    result = connector.get_user_info(
        auth_header=f"Bearer {tokens['access_token']}", request=LoginRequest(hostname="temp")
    )

    assert result.user is None  # refused: no platformUserInfo, "successful": false


def test_given_rejected_token_when_user_info_requested_then_unsuccessful_with_warning(
    sandbox: Sandbox, connector: PipedriveConnector
) -> None:
    result = connector.get_user_info(
        auth_header="Bearer not-a-token", request=LoginRequest(hostname="sandbox.pipedrive.com")
    )

    assert result.user is None
    assert result.message is not None
    assert result.message["message"] == "Could not load user information"
    assert result.message["messageType"] == "warning"


def test_given_hostname_outside_pipedrive_when_user_info_requested_then_refused_before_any_call(
    sandbox: Sandbox, connector: PipedriveConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPEDRIVE_COMPANY_URL", "https://{hostname}")
    settings.reload()
    tokens = sandbox.tokens()
    sandbox.clear_journal()

    result = connector.get_user_info(
        auth_header=f"Bearer {tokens['access_token']}", request=LoginRequest(hostname="evil.example.com")
    )

    assert result.user is None
    assert sandbox.journal() == []


def test_given_connected_user_when_unauthorized_then_refresh_then_access_token_revoked_with_client_auth(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.unauthorize(user=user, auth_header=auth)

    assert result == {
        "message": "Logged out of Pipedrive",
        "messageType": "success",
        "ttl": 1000,
    }
    revokes = sandbox.journal(method="POST", path="/oauth/revoke")
    assert [r["form"]["token"] for r in revokes] == [user.refresh_token, user.access_token]
    assert all(r["headers"]["authorization"].startswith("Basic ") for r in revokes)
    assert all(r["status"] == 200 for r in revokes)
    check = requests.get(f"{sandbox.base}/v1/users/me", headers={"Authorization": auth}, timeout=5)
    assert check.status_code == 401


def test_given_revoke_failing_when_unauthorized_then_error_raised(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    sandbox.fault(method="POST", path="^/oauth/revoke$", status=500, times=None)

    with pytest.raises(CrmUnavailable):
        connector.unauthorize(user=session[0], auth_header=session[1])


# -- contacts ------------------------------------------------------------------------------------------------


def test_given_extension_number_when_contact_searched_then_nothing_and_no_crm_call(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.find_contact(user=user, auth_header=auth, request=_lookup("101", is_extension=True))

    assert result == ContactMatches(contacts=[], successful=False)
    assert sandbox.journal() == []


def test_given_number_without_plus_when_contact_searched_then_internal_extension_warning(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.find_contact(user=user, auth_header=auth, request=_lookup("1234", is_extension=False))

    assert result.contacts is None
    assert result.successful is None  # the reference answers this without a "successful" key
    assert result.message is not None
    assert "internal extension" in result.message["message"]
    assert result.message["messageType"] == "warning"
    assert sandbox.journal() == []


def test_given_matching_person_when_contact_searched_then_contact_with_open_deals_and_live_leads(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    take_rate_limit()  # whatever an earlier test left

    result = connector.find_contact(user=user, auth_header=auth, request=_lookup(" 14155551234"))

    assert result.successful is True
    john, new_contact = _found(result)
    assert john["id"] == 102
    assert john["name"] == "John Doe"
    assert john["phone"] == "+14155551234"
    assert john["type"] == "contact"
    assert john["organization"] == "Acme Logistics"
    assert john["additionalInfo"] == {"deals": [{"const": 2003, "title": "John Doe pilot"}]}  # lead archived
    # exactly the reference's Pipedrive entry: no additionalInfo key (Insightly's has one, null)
    assert new_contact == {"id": "createNewContact", "name": "Create new contact...", "isNewContact": True}
    search = sandbox.journal(path="/persons/search")[0]
    assert search["query"] == {"term": ["4155551234"], "fields": ["phone"]}
    rate_limit = take_rate_limit()  # published by the client, logged by the core
    assert rate_limit is not None
    assert rate_limit["ratelimitAmount"] == "1000"


def test_given_number_matching_two_persons_when_contact_searched_then_both_with_their_own_deals_and_leads(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.find_contact(user=user, auth_header=auth, request=_lookup("+14155550142"))

    maya, sam, new_contact = _found(result)
    assert (maya["name"], sam["name"]) == ("Maya Patel", "Sam Patel")
    assert maya["additionalInfo"] == {
        "deals": [{"const": MAYA_DEAL, "title": "Acme renewal 2026"}],  # the won deal is left out
        "leads": [{"const": MAYA_LEAD, "title": "Maya Patel inbound lead"}],
    }
    assert sam["additionalInfo"] == {}
    assert sam["organization"] == ""
    assert new_contact["isNewContact"] is True
    deals = sandbox.journal(path="/api/v2/deals")
    assert sorted(d["query"]["person_id"][0] for d in deals) == ["101", "105"]
    assert all(d["query"]["status"] == ["open"] for d in deals)


def test_given_no_matching_person_when_contact_searched_then_only_create_new_contact_entry(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.find_contact(user=user, auth_header=auth, request=_lookup("+16505550000"))

    assert result.successful is True
    assert [c["id"] for c in _found(result)] == ["createNewContact"]


def test_given_leads_endpoint_failing_when_contact_searched_then_contact_still_found_without_leads(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    sandbox.fault(method="GET", path="/leads$", status=500, times=None)

    result = connector.find_contact(user=user, auth_header=auth, request=_lookup("+14155550142"))

    assert result.successful is True
    maya = _found(result)[0]
    assert maya["additionalInfo"] == {"deals": [{"const": MAYA_DEAL, "title": "Acme renewal 2026"}]}


def test_given_slow_pipedrive_when_three_persons_match_then_enrichment_is_one_parallel_wave(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    sandbox.own("POST", "seed", {"persons": [{"name": "Third Patel", "phones": ["+1 415 555 0142"]}]})
    connector.find_contact(
        user=user, auth_header=auth, request=_lookup("+14155550142")
    )  # warm the connections
    delay = 0.2
    sandbox.own("POST", "latency", {"delay_ms": delay * 1000})

    started = time.perf_counter()
    result = connector.find_contact(user=user, auth_header=auth, request=_lookup("+14155550142"))
    elapsed = time.perf_counter() - started

    assert len(_found(result)) == 4  # three persons and the create-new entry
    # one search, then 6 deals/leads calls at once: about 2 x delay; in sequence it would be 7 x delay
    assert elapsed < 3.5 * delay, f"{elapsed:.3f}s"


def test_given_valid_e164_number_when_searched_then_national_significant_number_used(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    connector.find_contact(user=user, auth_header=auth, request=_lookup("+442079460958"))

    assert sandbox.journal(path="/persons/search")[0]["query"]["term"] == ["2079460958"]


def test_given_name_when_contacts_searched_by_name_then_matches_without_phone_or_create_entry(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.find_contact_with_name(user=user, auth_header=auth, name="John Doe")

    assert result.successful is True
    assert [c["name"] for c in _found(result)] == ["John Doe"]
    assert "phone" not in _found(result)[0]
    assert sandbox.journal(path="/persons/search")[0]["query"] == {"term": ["John Doe"], "fields": ["name"]}


def test_given_unknown_name_when_contacts_searched_by_name_then_empty_list(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.find_contact_with_name(user=user, auth_header=auth, name="Nobody")

    assert result.contacts == []


def test_given_name_and_number_when_contact_created_then_person_exists_with_that_phone(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.create_contact(
        user=user,
        auth_header=auth,
        request=NewContact(phone_number="+16505550123", name="Nina Novak", type=""),
    )

    assert result.contact is not None
    assert result.contact["name"] == "Nina Novak"
    assert result.message == {"message": "Contact created.", "messageType": "success", "ttl": 2000}
    post = sandbox.journal(method="POST", path="/persons$")[0]
    assert post["json"] == {"name": "Nina Novak", "phone": "+16505550123"}
    found = connector.find_contact(user=user, auth_header=auth, request=_lookup("+16505550123"))
    assert _found(found)[0]["id"] == result.contact["id"]


def test_given_deleted_user_in_company_when_user_list_requested_then_only_current_users(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    users = connector.get_user_list(user=user, auth_header=auth)

    assert users == [
        {"id": 12345, "name": "Jordan Lee", "email": "jordan.lee@sandbox.example"},
        {"id": 12346, "name": "Riley Chen", "email": "riley.chen@sandbox.example"},
    ]


def test_given_company_host_outside_allowed_hosts_when_called_then_refused_before_any_call(
    sandbox: Sandbox,
    connector: PipedriveConnector,
    session: tuple[CrmUser, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PIPEDRIVE_COMPANY_URL", "https://{hostname}")
    settings.reload()
    user, auth = session
    user.hostname = "sandbox.pipedrive.com.evil.example"

    with pytest.raises(DisallowedUrl):
        connector.find_contact(user=user, auth_header=auth, request=_lookup("+14155550142"))
    assert sandbox.journal() == []


# -- call logs -----------------------------------------------------------------------------------------------


def test_given_call_with_deal_when_logged_then_done_call_activity_on_contact_org_and_deal(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    take_rate_limit()  # whatever an earlier test left

    result = _create_call(connector, session)

    assert result.message == {"message": "Call logged", "messageType": "success", "ttl": 2000}
    activity = sandbox.activity(result.log_id)
    assert activity["subject"] == "Outbound Call to Maya Patel"
    assert activity["type"] == "call"
    assert activity["owner_id"] == 12345
    assert activity["deal_id"] == MAYA_DEAL
    assert activity["lead_id"] is None
    assert activity["org_id"] == 201
    assert activity["person_id"] == 101
    assert activity["participants"] == [{"person_id": 101, "primary": True}]
    assert (activity["due_date"], activity["due_time"]) == ("2026-07-14", "10:00")
    assert activity["duration"] == "00:05"  # the reference's extra minute is fixed
    assert activity["done"] is True
    assert activity["note"] == NOTE_BODY
    rate_limit = take_rate_limit()  # published by the client, logged by the core
    assert rate_limit is not None
    assert rate_limit["ratelimitRemaining"] is not None


def test_given_lead_only_when_call_logged_then_lead_linked_and_no_deal_sent(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    result = _create_call(connector, session, additional_submission={"leads": MAYA_LEAD})

    body = sandbox.journal(method="POST", path="/api/v2/activities")[0]["json"]
    assert body["lead_id"] == MAYA_LEAD
    assert "deal_id" not in body
    assert sandbox.activity(result.log_id)["lead_id"] == MAYA_LEAD


def test_given_no_submission_and_contact_without_org_when_call_logged_then_no_deal_lead_or_org_sent(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    result = _create_call(
        connector,
        session,
        contact_info=LUCAS,
        additional_submission={},  # the request's default: nothing chosen in the form
        call_log={"direction": "Inbound", "startTime": 1784023200000, "duration": 487},
    )

    body = sandbox.journal(method="POST", path="/api/v2/activities")[0]["json"]
    assert {"deal_id", "lead_id", "org_id"}.isdisjoint(body)
    assert body["subject"] == "Inbound Call from Lucas Martin"
    assert body["duration"] == "00:09"
    assert result.log_id is not None


def test_given_custom_subject_when_call_logged_then_subject_used(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    result = _create_call(connector, session, call_log={**CALL, "customSubject": "Renewal follow-up"})

    assert sandbox.activity(result.log_id)["subject"] == "Renewal follow-up"


def test_given_pending_duration_when_call_logged_then_zero_duration(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    result = _create_call(connector, session, call_log={**CALL, "duration": "pending"})

    assert sandbox.activity(result.log_id)["duration"] == "00:00"


def test_given_admin_configured_activity_type_when_call_logged_then_that_type_used(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    sandbox.own("POST", "seed", {"activity_types": [{"name": "Special", "key_string": "special_call"}]})

    result = _create_call(
        connector, session, admin_settings={"pipedriveCallActivityType": {"value": "special_call"}}
    )

    assert sandbox.activity(result.log_id)["type"] == "special_call"


def test_given_cached_activity_types_when_call_logged_then_types_not_fetched_again(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    cache = DictCache()
    _create_call(connector, session, cache=cache)
    sandbox.clear_journal()

    _create_call(connector, session, cache=cache)

    assert sandbox.journal(path="activityTypes") == []
    assert cache.ttls == {"pipedrive-activity-types-7001": 86400}
    assert {"const": "call", "title": "Call"} in cache.values["pipedrive-activity-types-7001"]


def test_given_configured_type_missing_from_cached_list_when_call_logged_then_list_refreshed_and_type_used(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    cache = DictCache()
    cache.put("pipedrive-activity-types-7001", [{"const": "call", "title": "Call"}], 86400)
    sandbox.own("POST", "seed", {"activity_types": [{"name": "Cold outreach", "key_string": "outreach"}]})

    result = _create_call(
        connector, session, cache=cache, admin_settings={"pipedriveCallActivityType": "outreach"}
    )

    assert sandbox.activity(result.log_id)["type"] == "outreach"
    assert len(sandbox.journal(path="activityTypes")) == 1
    assert {"const": "outreach", "title": "Cold outreach"} in cache.values["pipedrive-activity-types-7001"]


def test_given_no_active_call_type_when_call_logged_then_error_and_nothing_created(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    sandbox.own(
        "POST",
        "seed",
        {"activity_types": [{"id": 1, "name": "Call", "key_string": "call", "active_flag": False}]},
    )
    before = len(sandbox.activities())

    result = _create_call(connector, session)

    assert result.log_id is None
    assert result.message is not None
    assert result.message["messageType"] == "error"
    assert 'containing the word "call"' in result.message["message"]
    assert len(sandbox.activities()) == before
    assert len(sandbox.journal(path="activityTypes")) == 1  # just fetched: no second look


def test_given_assignment_by_user_mapping_when_call_logged_then_mapped_owner(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    submission = {"deals": str(MAYA_DEAL), "isAssignedToUser": True, "adminAssignedUserRcId": "rc-2"}
    mappings = [
        {"crmUserId": "12345", "rcExtensionId": "rc-1"},
        {"crmUserId": "12346", "rcExtensionId": ["rc-9", "rc-2"]},
    ]

    result = _create_call(connector, session, additional_submission=submission, user_mappings=mappings)

    assert sandbox.activity(result.log_id)["owner_id"] == 12346


def test_given_assignment_by_assignee_token_when_call_logged_then_token_users_pipedrive_id_owns_it(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    from appconnect.session import issue

    submission = {"isAssignedToUser": True, "adminAssignedUserToken": issue("12346-pipedrive", "pipedrive")}

    result = _create_call(connector, session, additional_submission=submission)

    assert sandbox.activity(result.log_id)["owner_id"] == 12346


def test_given_logged_call_when_updated_then_note_subject_and_duration_replaced(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged_call(connector, session)
    new_body = NOTE_BODY.replace("Test note", "Updated note") + "<li><b>Duration</b>: 1 hour, 15 minutes</li>"

    result = connector.update_call_log(
        user=user,
        auth_header=auth,
        request=CallLogUpdate(
            log_id=log_id, subject="Renewal call", duration=4500, composed_log_details=new_body
        ),
    )

    assert result.updated_note == new_body
    assert result.message is not None
    assert result.message["message"] == "Call log updated."
    activity = sandbox.activity(log_id)
    assert (activity["subject"], activity["duration"], activity["note"]) == (
        "Renewal call",
        "01:15",
        new_body,
    )


def test_given_update_without_subject_or_duration_when_updated_then_only_note_and_mapped_owner_sent(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged_call(connector, session)
    sandbox.clear_journal()

    connector.update_call_log(
        user=user,
        auth_header=auth,
        request=CallLogUpdate(
            log_id=log_id,
            subject=None,
            duration="pending",
            composed_log_details="x",
            additional_submission={"isAssignedToUser": True, "adminAssignedUserRcId": 77},
            user_mappings=[{"crmUserId": "12346", "rcExtensionId": ["76", "77"]}],
        ),
    )

    patch = sandbox.journal(method="PATCH")[0]
    assert patch["json"] == {"note": "x", "owner_id": 12346}


def test_given_logged_call_when_fetched_then_agent_note_contact_name_and_dispositions(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged_call(connector, session, composed_log_details=NOTE_BODY.replace("Test note", "a &lt; b"))

    log = connector.get_call_log(user=user, auth_header=auth, request=LogRef(log_id=log_id, contact_id="101"))

    assert log.subject == "Outbound Call to Maya Patel"
    assert log.note == "a < b"
    assert log.contact_name == "Maya Patel"  # read from the person: API v2 has no related objects
    assert log.dispositions == {"deals": MAYA_DEAL, "leads": None}
    assert log.full_body is not None
    assert log.full_body.startswith("<b>Agent notes</b>")
    assert log.full_log_response["id"] == int(log_id)


def test_given_activity_without_agent_note_or_person_when_fetched_then_empty_note_and_unknown_contact(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    seeded = sandbox.own(
        "POST",
        "seed",
        {"activities": [{"subject": "Bare", "type": "call", "participants": [], "note": "plain"}]},
    )

    info = connector.get_call_log(user=user, auth_header=auth, request=LogRef(log_id=seeded["activities"][0]))

    assert info.note == ""
    assert info.contact_name == "Unknown"


def test_given_unknown_log_when_fetched_then_not_found_error(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    with pytest.raises(CrmNotFound) as raised:
        connector.get_call_log(user=user, auth_header=auth, request=LogRef(log_id="999999"))
    answer = crm_failure(raised.value, "getCallLog", "Pipedrive")
    assert answer["returnMessage"]["message"] == "Error getting call log"


@pytest.mark.parametrize(
    ("dispositions", "expected"),
    [
        ({"deals": str(MAYA_DEAL)}, {"deal_id": MAYA_DEAL, "lead_id": None}),
        ({"leads": MAYA_LEAD}, {"lead_id": MAYA_LEAD, "deal_id": None}),
    ],
)
def test_given_disposition_when_upserted_then_activity_linked_to_deal_or_lead(
    sandbox: Sandbox,
    connector: PipedriveConnector,
    session: tuple[CrmUser, str],
    dispositions: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    user, auth = session
    log_id = _logged_call(connector, session, additional_submission={"leads": MAYA_LEAD})
    if "leads" in dispositions:
        connector.upsert_call_disposition(
            user=user,
            auth_header=auth,
            request=DispositionUpdate(log_id=log_id, dispositions={"deals": MAYA_DEAL}),
        )
    sandbox.clear_journal()

    result = connector.upsert_call_disposition(
        user=user, auth_header=auth, request=DispositionUpdate(log_id=log_id, dispositions=dispositions)
    )

    assert result.log_id == log_id
    assert sandbox.journal(method="PATCH")[0]["json"] == expected
    activity = sandbox.activity(log_id)
    assert {k: activity[k] for k in expected} == expected


def test_given_empty_disposition_when_upserted_then_nothing_sent_and_no_log_id(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.upsert_call_disposition(
        user=user, auth_header=auth, request=DispositionUpdate(log_id="5001", dispositions={})
    )

    assert result == LogResult(log_id=None)
    assert sandbox.journal() == []


# -- message logs --------------------------------------------------------------------------------------------

SMS_IN = {
    "id": 1,
    "type": "SMS",
    "direction": "Inbound",
    "subject": "Can you send the renewal options?",
    "creationTime": "2026-07-14T03:00:00.000Z",
}
SMS_OUT = {
    **SMS_IN,
    "id": 2,
    "direction": "Outbound",
    "subject": "Sure",
    "creationTime": "2026-07-14T03:05:00.000Z",
}


def test_given_first_sms_of_the_day_when_logged_then_sms_conversation_activity(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.create_message_log(
        user=user,
        auth_header=auth,
        request=MessageLogWrite(
            contact_info=MAYA, message=SMS_IN, additional_submission={"deals": MAYA_DEAL}
        ),
    )

    assert result.message == {"message": "Message logged", "messageType": "success", "ttl": 1000}
    activity = sandbox.activity(result.log_id)
    assert activity["subject"] == "SMS conversation with Maya Patel - 26/07/14"
    assert activity["type"] == "sms"
    assert (activity["due_date"], activity["due_time"]) == ("2026-07-14", "03:00")
    assert (activity["deal_id"], activity["org_id"], activity["owner_id"]) == (MAYA_DEAL, 201, 12345)
    assert activity["note"] == (
        "<br><b>SMS conversation with Maya Patel - 26/07/14</b><br><b>Conversation summary</b><br>"
        "Tuesday, July 14, 2026<br>Participants<br>"
        "<ul><li><b>Jordan Lee</b><br></li><li><b>Maya Patel</b></li></ul><br>"
        "Conversation(1 messages)<br>BEGIN<br>------------<br>"
        "<ul><li>Maya Patel (+14155550142) 03:00 AM<br><b>Can you send the renewal options?</b></li></ul>"
        "------------<br>END<br><br>"
        "--- Created via RingCentral App Connect"
    )


def test_given_user_without_stored_name_when_sms_logged_then_agent_name_read_from_pipedrive(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    user.name = ""

    result = connector.create_message_log(
        user=user, auth_header=auth, request=MessageLogWrite(contact_info=MAYA, message=SMS_OUT)
    )

    assert "<li>Jordan Lee 03:05 AM<br><b>Sure</b></li>" in sandbox.activity(result.log_id)["note"]
    assert [e["path"] for e in sandbox.journal(path="users/me")] == ["/api/v1/users/me"]


def test_given_logged_sms_conversation_when_later_message_logged_then_appended_and_counted(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged_sms(connector, session)
    user.name = ""  # an older stored user without a name: the agent's name is read from Pipedrive
    take_rate_limit()  # the create's figures

    result = connector.update_message_log(
        user=user,
        auth_header=auth,
        log_id=log_id,
        request=MessageLogWrite(
            contact_info=MAYA, message=SMS_OUT, additional_submission={"deals": MAYA_DEAL}
        ),
    )

    assert result == UpdateResult()  # no updated note, no message
    assert take_rate_limit() is not None  # the update's figures, published by the client
    activity = sandbox.activity(log_id)
    assert "Conversation(2 messages)" in activity["note"]
    assert "<li>Jordan Lee 03:05 AM<br><b>Sure</b></li></ul>------------<br>" in activity["note"]
    assert activity["deal_id"] == MAYA_DEAL
    assert sandbox.journal(path="/v1/users/me")


def test_given_voicemail_when_logged_then_activity_with_recording_link(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.create_message_log(
        user=user,
        auth_header=auth,
        request=MessageLogWrite(
            contact_info=MAYA,
            message={**SMS_IN, "type": "VoiceMail"},
            recording_link="https://media.example/vm/1",
        ),
    )

    activity = sandbox.activity(result.log_id)
    assert activity["subject"] == "Voicemail left by Maya Patel - 26/07/14"
    assert "Voicemail recording link: https://media.example/vm/1 " in activity["note"]


def test_given_fax_when_logged_then_activity_with_document_link(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.create_message_log(
        user=user,
        auth_header=auth,
        request=MessageLogWrite(
            contact_info=MAYA, message={**SMS_IN, "type": "Fax"}, fax_doc_link="https://app.example/fax/1"
        ),
    )

    activity = sandbox.activity(result.log_id)
    assert activity["subject"] == "Fax document sent from Maya Patel - 26/07/14"
    assert "Fax document link: https://app.example/fax/1 " in activity["note"]
    assert "access_token" not in activity["note"]


def test_given_lead_only_message_when_logged_then_lead_linked(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.create_message_log(
        user=user,
        auth_header=auth,
        request=MessageLogWrite(
            contact_info=MAYA, message=SMS_IN, additional_submission={"leads": MAYA_LEAD}
        ),
    )

    activity = sandbox.activity(result.log_id)
    assert (activity["lead_id"], activity["deal_id"]) == (MAYA_LEAD, None)


def test_given_shared_sms_when_logged_then_precomposed_subject_and_body_used(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    shared = {
        "subject": "SMS conversation with Lucas Martin",
        "body": "<div>summary</div>",
        "conversationCreatedDate": "2026-07-15T08:30:00Z",
    }

    result = connector.create_message_log(
        user=user,
        auth_header=auth,
        request=MessageLogWrite(
            contact_info=LUCAS,
            message=SMS_IN,
            shared_sms_log_content=shared,
            additional_submission={"leads": MAYA_LEAD},
        ),
    )

    activity = sandbox.activity(result.log_id)
    assert (activity["subject"], activity["note"]) == (
        "SMS conversation with Lucas Martin",
        "<div>summary</div>",
    )
    assert (activity["due_date"], activity["due_time"]) == ("2026-07-15", "08:30")
    assert (activity["lead_id"], activity["org_id"]) == (MAYA_LEAD, None)


def test_given_shared_sms_log_when_updated_then_body_replaced_with_lead_and_no_deal_key(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged_sms(connector, session)
    sandbox.clear_journal()

    connector.update_message_log(
        user=user,
        auth_header=auth,
        log_id=log_id,
        request=MessageLogWrite(
            contact_info=MAYA,
            message=SMS_OUT,
            shared_sms_log_content={"subject": "S", "body": "<div>new</div>"},
            additional_submission={"leads": MAYA_LEAD},
        ),
    )

    assert [e["method"] for e in sandbox.journal()] == ["PATCH"]
    assert sandbox.journal()[0]["json"] == {"note": "<div>new</div>", "lead_id": MAYA_LEAD}


def test_given_no_active_sms_type_when_message_logged_then_error_and_nothing_created(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    sandbox.own(
        "POST",
        "seed",
        {"activity_types": [{"id": 4, "name": "SMS", "key_string": "sms", "active_flag": False}]},
    )

    result = connector.create_message_log(
        user=user, auth_header=auth, request=MessageLogWrite(contact_info=MAYA, message=SMS_IN)
    )

    assert result.log_id is None
    assert result.message is not None
    assert result.message["messageType"] == "error"
    assert 'containing the word "sms"' in result.message["message"]
    assert sandbox.journal(method="POST") == []


# -- Pipedrive failures --------------------------------------------------------------------------------------


def test_given_revoked_token_when_contact_searched_then_auth_error_with_reconnect_message(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    sandbox.own("POST", "expire", {"token": user.access_token, "revoke": True})

    with pytest.raises(CrmAuthError) as raised:
        connector.find_contact(user=user, auth_header=auth, request=_lookup("+14155550142"))
    assert (
        crm_failure(raised.value, "findContact", "Pipedrive")["returnMessage"]["message"]
        == "Authorization error"
    )


def test_given_one_rate_limited_answer_with_retry_after_when_contact_searched_then_retried_and_found(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    sandbox.fault(
        method="GET",
        path="/persons/search",
        status=429,
        headers={"Retry-After": "0"},
        body={"success": False, "error": "Request over limit", "errorCode": 429},
    )

    result = connector.find_contact(user=user, auth_header=auth, request=_lookup("+14155550142"))

    assert _found(result)[0]["name"] == "Maya Patel"
    assert [e["status"] for e in sandbox.journal(path="/persons/search")] == [429, 200]


def test_given_rate_limit_longer_than_the_deadline_when_contact_searched_then_rate_limited_error(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    sandbox.fault(
        method="GET", path="/persons/search", status=429, headers={"Retry-After": "120"}, times=None
    )

    with pytest.raises(CrmRateLimited) as raised:
        connector.find_contact(user=user, auth_header=auth, request=_lookup("+14155550142"))
    assert raised.value.retry_after == 120
    message = crm_failure(raised.value, "findContact", "Pipedrive")["returnMessage"]
    assert message["message"] == "Rate limit exceeded"
    assert "120 seconds" in message["details"][0]["items"][0]["text"]


def test_given_pipedrive_error_on_activity_create_when_call_logged_then_unavailable_and_not_retried(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    sandbox.fault(method="POST", path="/api/v2/activities$", status=500, times=None)

    with pytest.raises(CrmUnavailable):
        _create_call(connector, session)
    assert len(sandbox.journal(method="POST", path="/api/v2/activities")) == 1


def test_given_dropped_connection_on_activity_create_when_call_logged_then_unavailable_and_not_retried(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    sandbox.fault(method="POST", path="/api/v2/activities$", drop=True)

    with pytest.raises(CrmUnavailable):
        _create_call(connector, session)
    assert len(sandbox.journal(method="POST", path="/api/v2/activities")) == 1
    assert sandbox.activities()[-1]["id"] == 5001  # nothing was created


def test_given_one_server_error_on_search_when_contact_searched_then_read_retried(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    sandbox.fault(method="GET", path="/persons/search", status=502)

    result = connector.find_contact(user=user, auth_header=auth, request=_lookup("+14155550142"))

    assert result.successful is True
    assert [e["status"] for e in sandbox.journal(path="/persons/search")] == [502, 200]


def test_given_dropped_connections_on_search_when_contact_searched_then_unavailable(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    sandbox.fault(method="GET", path="/persons/search", drop=True, times=None)

    with pytest.raises(CrmUnavailable) as raised:
        connector.find_contact(user=user, auth_header=auth, request=_lookup("+14155550142"))
    assert (
        crm_failure(raised.value, "findContact", "Pipedrive")["returnMessage"]["message"]
        == "Error finding contact"
    )


def test_given_deleted_activity_when_call_log_updated_then_not_found(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    with pytest.raises(CrmNotFound):
        connector.update_call_log(
            user=user, auth_header=auth, request=CallLogUpdate(log_id="424242", composed_log_details="x")
        )


# -- crash recovery ---------------------------------------------------------------------------------------


def test_given_call_logged_by_an_interrupted_attempt_when_recovering_then_that_activity_is_found(
    connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    started = time.time()
    created = _create_call(connector, session)
    user, auth = session
    found = connector.find_call_log(
        user=user,
        auth_header=auth,
        request=CallLogWrite(
            contact_info=MAYA, call_log=CALL, additional_submission={"deals": str(MAYA_DEAL)}
        ),
        since=started,
    )
    assert found == created.log_id


def test_given_no_activity_for_this_call_when_recovering_then_none(
    connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    _create_call(connector, session, call_log={**CALL, "startTime": "2026-07-14T09:00:00.000Z"})
    user, auth = session
    found = connector.find_call_log(
        user=user,
        auth_header=auth,
        request=CallLogWrite(contact_info=MAYA, call_log=CALL),
        since=time.time() - 5,
    )
    assert found is None


def test_given_same_call_logged_long_before_the_attempt_when_recovering_then_not_taken_for_it(
    connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    _create_call(connector, session)  # an hour before the attempt below began
    user, auth = session
    found = connector.find_call_log(
        user=user,
        auth_header=auth,
        request=CallLogWrite(contact_info=MAYA, call_log=CALL),
        since=time.time() + 3600,
    )
    assert found is None


def test_given_sms_logged_by_an_interrupted_attempt_when_recovering_then_that_activity_is_found(
    connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    started = time.time()
    created = connector.create_message_log(
        user=user, auth_header=auth, request=MessageLogWrite(contact_info=MAYA, message=SMS_IN)
    )
    found = connector.find_message_log(
        user=user, auth_header=auth, request=MessageLogWrite(contact_info=MAYA, message=SMS_IN), since=started
    )
    assert found == created.log_id
    other_day = {**SMS_IN, "creationTime": "2026-07-20T03:00:00.000Z"}
    assert (
        connector.find_message_log(
            user=user,
            auth_header=auth,
            request=MessageLogWrite(contact_info=MAYA, message=other_day),
            since=started,
        )
        is None
    )


# -- admin assignment (server-side logging) ----------------------------------------------------------------

#: the admin's user mapping: RingCentral extension "rc-2" is Pipedrive user 12346
ASSIGNMENT_MAPPINGS = [
    {"crmUserId": "12345", "rcExtensionId": "rc-1"},
    {"crmUserId": "12346", "rcExtensionId": ["rc-9", "rc-2"]},
]
NOT_ASSIGNED = "logged, but not assigned: no Pipedrive user is mapped to this RingCentral user"


def _log_sms_assigned(
    connector: PipedriveConnector, session: tuple[CrmUser, str], rc_id: str, **fields: Any
) -> LogResult:
    user, auth = session
    submission = {"deals": MAYA_DEAL, "isAssignedToUser": True, "adminAssignedUserRcId": rc_id}
    request = MessageLogWrite(
        contact_info=MAYA,
        message=SMS_IN,
        additional_submission=submission,
        user_mappings=ASSIGNMENT_MAPPINGS,
        **fields,
    )
    return connector.create_message_log(user=user, auth_header=auth, request=request)


def test_given_assignment_by_user_mapping_when_sms_logged_then_mapped_owner_and_plain_success(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    result = _log_sms_assigned(connector, session, "rc-2")

    assert result.message == {"message": "Message logged", "messageType": "success", "ttl": 1000}
    assert sandbox.activity(result.log_id)["owner_id"] == 12346


def test_given_assigned_sms_logged_by_an_interrupted_attempt_when_recovering_then_found_under_the_assignee(
    connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    started = time.time()
    created = _log_sms_assigned(connector, session, "rc-2")

    found = connector.find_message_log(
        user=user,
        auth_header=auth,
        request=MessageLogWrite(
            contact_info=MAYA,
            message=SMS_IN,
            additional_submission={"isAssignedToUser": True, "adminAssignedUserRcId": "rc-2"},
            user_mappings=ASSIGNMENT_MAPPINGS,
        ),
        since=started,
    )

    assert found == created.log_id


def test_given_unmapped_assignee_when_call_logged_then_logged_for_the_user_with_not_assigned_warning(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    submission = {"isAssignedToUser": True, "adminAssignedUserRcId": "rc-404"}

    result = _create_call(
        connector, session, additional_submission=submission, user_mappings=ASSIGNMENT_MAPPINGS
    )

    assert sandbox.activity(result.log_id)["owner_id"] == 12345
    assert result.message is not None
    assert (result.message["message"], result.message["messageType"]) == (f"Call {NOT_ASSIGNED}", "warning")


def test_given_unmapped_assignee_when_sms_logged_then_logged_for_the_user_with_not_assigned_warning(
    sandbox: Sandbox, connector: PipedriveConnector, session: tuple[CrmUser, str]
) -> None:
    result = _log_sms_assigned(connector, session, "rc-404")

    assert sandbox.activity(result.log_id)["owner_id"] == 12345
    assert result.message is not None
    assert (result.message["message"], result.message["messageType"]) == (
        f"Message {NOT_ASSIGNED}",
        "warning",
    )
