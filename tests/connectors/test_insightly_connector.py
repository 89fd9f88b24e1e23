"""The Insightly connector against the Insightly sandbox, over real HTTP.

Every test talks to ``local.sandbox`` on 127.0.0.1: the sandbox is reset before each test, its journal
shows exactly what the connector sent, and its fault rules produce Insightly's failures. The sandbox
searches like Insightly: a field's stored text must equal the searched value exactly.
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
    CreatedContact,
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
    CrmRateLimited,
    CrmUnavailable,
    crm_failure,
)
from connectors.insightly import CONNECTOR, InsightlyConnector
from connectors.insightly.phone_plan import MAX_LOOKUP_CALLS, PhoneProfile
from connectors.insightly.records import CONTACT
from connectors.insightly.timezones import utc_offset_hours
from local.sandbox import SandboxServer
from tests.connectors.dict_cache import DictCache
from tests.sandbox_client import SandboxClient

KEY = "sandbox-insightly-key-avery"
AVERY = 5001
BLAKE = 5002
MAYA = {"id": 101, "name": "Maya Patel", "phoneNumber": "+14155550142", "type": "Contact"}
JORDAN_LEAD = {"id": 201, "name": "Jordan Prospect", "phoneNumber": "+14155550142", "type": "Lead"}
CALL = {"direction": "Outbound", "startTime": "2026-07-14T10:00:00.000Z", "duration": 300}
DETAILS = "- Note: Asked about renewal\n- Summary: Renewal\n- Duration: 5 minutes\n- Result: Call connected\n"
NEW_NUMBER = "+16285550123"


class Sandbox(SandboxClient):
    """The running sandbox's Insightly and its control API."""

    def __init__(self, server: SandboxServer) -> None:
        super().__init__(requests.Session(), server.url, "insightly")
        self.server = server
        self.api_url = f"{self.base}/v3.1"

    def events(self) -> list[dict[str, Any]]:
        return self.state("events")

    def event(self, event_id: Any) -> dict[str, Any]:
        return next(e for e in self.events() if str(e["EVENT_ID"]) == str(event_id))


def _links(event: dict[str, Any]) -> list[tuple[str, int]]:
    return [(link["LINK_OBJECT_NAME"], link["LINK_OBJECT_ID"]) for link in event["LINKS"]]


#: the reference's answer to a rejected API key, word for word (no full stop after "information")
REFERENCE_KEY_REFUSED = {
    "message": "Could not load user information Please check your API key and try again.",
    "messageType": "warning",
    "ttl": 3000,
    "details": [
        {
            "title": "Details",
            "items": [
                {
                    "id": "1",
                    "type": "text",
                    "text": "Insightly was unable to fetch information for the currently logged in user. "
                    "Please check your permissions in Insightly and make sure you have permission to access "
                    "and read user information.",
                }
            ],
        }
    ],
}


@pytest.fixture(scope="module")
def sandbox_server() -> Iterator[SandboxServer]:
    server = SandboxServer(port=0).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    client = Sandbox(sandbox_server)
    client.control("POST", "reset", {})
    monkeypatch.setenv("INSIGHTLY_ALLOWED_HOSTS", f"*.insightly.com,127.0.0.1:{sandbox_server.port}")
    monkeypatch.setenv("INSIGHTLY_API_VERSION", "v3.1")
    monkeypatch.setenv("APP_SERVER_SECRET_KEY", "test-secret-for-assignee-tokens-0123456789")
    settings.reload()
    deadline.start(20_000)
    yield client
    monkeypatch.undo()
    settings.reload()


@pytest.fixture
def connector() -> InsightlyConnector:
    return CONNECTOR()


@pytest.fixture
def session(sandbox: Sandbox, connector: InsightlyConnector) -> tuple[CrmUser, str]:
    user = CrmUser(
        id=f"{AVERY}-insightly",
        platform="insightly",
        hostname="crm.na1.insightly.com",
        access_token=KEY,
        timezone_offset="-4",
        name="Avery Quinn",
        platform_additional_info={"apiUrl": sandbox.base},
    )
    sandbox.clear_journal()
    return user, f"Basic {connector.get_basic_auth(api_key=KEY)}"


def _find(
    connector: InsightlyConnector, session: tuple[CrmUser, str], number: str = "+14155550142", **kwargs: Any
) -> list[dict[str, Any]]:
    user, auth = session
    result = connector.find_contact(
        user=user, auth_header=auth, request=ContactLookup(phone_number=number, **kwargs)
    )
    assert result.successful is True
    contacts = _listed(result)
    assert contacts[-1]["id"] == "createNewContact"
    return list(contacts[:-1])


def _listed(result: ContactMatches) -> list[dict[str, Any]]:
    """The contacts of a lookup's answer (a list, never None, when something was searched)."""
    assert result.contacts is not None
    return result.contacts


def _message(result: LogResult | UpdateResult | CreatedContact) -> dict[str, Any]:
    """The ``returnMessage`` of a result that must carry one."""
    assert result.message is not None
    return result.message


def _logged(result: LogResult) -> LogId:
    """The id of a record that must have been written."""
    assert result.log_id is not None
    return result.log_id


#: what :func:`_create_call` logs unless told otherwise
CALL_WRITE = CallLogWrite(
    contact_info=MAYA, call_log=CALL, additional_submission={}, composed_log_details=DETAILS
)


def _create_call(connector: InsightlyConnector, session: tuple[CrmUser, str], **overrides: Any) -> LogResult:
    user, auth = session
    return connector.create_call_log(user=user, auth_header=auth, request=replace(CALL_WRITE, **overrides))


# -- declarative facts and login -----------------------------------------------------------------------------


def test_given_insightly_when_auth_and_log_format_asked_then_api_key_and_plain_text(
    connector: InsightlyConnector,
) -> None:
    assert connector.get_auth_type() == "apiKey"
    assert connector.get_log_format_type() == "text/plain"
    assert base64.b64decode(connector.get_basic_auth(api_key="test-api-key")).decode() == "test-api-key:"


def test_given_good_key_and_versioned_api_url_when_user_info_requested_then_insightly_user_with_pod_url(
    sandbox: Sandbox, connector: InsightlyConnector
) -> None:
    sandbox.clear_journal()

    result = connector.get_user_info(
        auth_header=f"Basic {connector.get_basic_auth(api_key=KEY)}",
        request=LoginRequest(
            hostname="crm.na1.insightly.com",
            additional_info={"apiKey": KEY, "apiUrl": f"{sandbox.api_url}/"},
            api_key=KEY,
        ),
    )

    info = result.user
    assert info is not None
    assert info.id == f"{AVERY}-insightly"
    assert info.name == "Avery Quinn"
    assert info.timezone_name == "Eastern Standard Time"
    # the offset in hours, as it is stored (text)
    assert info.timezone_offset in ("-4", "-5")
    assert info.timezone_offset == str(utc_offset_hours("Eastern Standard Time"))
    # the instance names the company, whose users share one phone profile
    assert info.additional_info == {"apiUrl": sandbox.base, "instanceId": 900100}
    assert (info.overriding_hostname, info.overriding_api_key) == ("", "")
    assert result.message == {
        "message": "Connected to Insightly.",
        "messageType": "success",
        "ttl": 1000,
    }
    assert [e["path"] for e in sandbox.journal()] == ["/v3.1/users/me"]


def test_given_bad_key_when_user_info_requested_then_unsuccessful_with_check_your_api_key_warning(
    sandbox: Sandbox, connector: InsightlyConnector
) -> None:
    result = connector.get_user_info(
        auth_header=f"Basic {connector.get_basic_auth(api_key='not-a-key')}",
        request=LoginRequest(additional_info={"apiKey": "not-a-key", "apiUrl": sandbox.api_url}),
    )

    assert result.user is None
    assert result.message == REFERENCE_KEY_REFUSED


@pytest.mark.parametrize(
    "api_url",
    [
        "https://evil.example.com/v3.1",
        "http://api.na1.insightly.com/v3.1",  # plain http to a real host
        "https://api.na1.insightly.com.evil.example/v3.1",
        "",
    ],
)
def test_given_api_url_outside_insightly_when_user_info_requested_then_refused_before_any_call(
    sandbox: Sandbox, connector: InsightlyConnector, api_url: str
) -> None:
    sandbox.clear_journal()

    result = connector.get_user_info(
        auth_header=f"Basic {connector.get_basic_auth(api_key=KEY)}",
        request=LoginRequest(additional_info={"apiKey": KEY, "apiUrl": api_url}),
    )

    assert result.user is None
    assert result.message is not None
    assert result.message["message"] == "Could not load user information"
    assert "API URL" in result.message["details"][0]["items"][0]["text"]
    assert sandbox.journal() == []


def test_given_stored_api_url_no_longer_allowed_when_contact_searched_then_refused_before_any_call(
    sandbox: Sandbox,
    connector: InsightlyConnector,
    session: tuple[CrmUser, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INSIGHTLY_ALLOWED_HOSTS", "*.insightly.com")
    settings.reload()
    user, auth = session

    with pytest.raises(DisallowedUrl):
        connector.find_contact(
            user=user, auth_header=auth, request=ContactLookup(phone_number="+14155550142")
        )
    assert sandbox.journal() == []


def test_given_connected_user_when_unauthorized_then_logged_out_without_calling_insightly(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.unauthorize(user=user, auth_header=auth)

    assert result == {
        "message": "Logged out of Insightly",
        "messageType": "success",
        "ttl": 1000,
    }
    assert sandbox.journal() == []


def test_given_instance_users_when_user_list_requested_then_ids_names_and_emails(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    sandbox.seed(users=[{"USER_ID": 5003, "FIRST_NAME": "Gone", "LAST_NAME": "User", "ACTIVE": False}])

    users = connector.get_user_list(user=user, auth_header=auth)

    assert users == [
        {"id": AVERY, "name": "Avery Quinn", "email": "avery.quinn@sandbox.example"},
        {"id": BLAKE, "name": "Blake Rivera", "email": "blake.rivera@sandbox.example"},
    ]


def test_given_insightly_quota_headers_when_called_then_rate_limit_figures_published_for_the_core(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    take_rate_limit()  # nothing left over from earlier calls

    connector.get_user_list(user=user, auth_header=auth)

    figures = take_rate_limit()
    assert figures is not None
    assert set(figures) == {"ratelimitRemaining", "ratelimitAmount", "ratelimitReset"}
    assert 0 <= int(figures["ratelimitRemaining"]) < int(figures["ratelimitAmount"])
    assert figures["ratelimitReset"] is None  # Insightly sends no reset header
    assert take_rate_limit() is None


# -- phone matching ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stored", ["(628) 555-0123", "628-555-0123", "+1 628 555 0123", "6285550123"])
def test_given_contact_phone_typed_in_a_common_format_when_number_looked_up_then_contact_found(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str], stored: str
) -> None:
    [contact_id] = sandbox.seed(contacts=[{"FIRST_NAME": "Sam", "LAST_NAME": "Format", "PHONE": stored}])[
        "contacts"
    ]

    contacts = _find(connector, session, NEW_NUMBER)

    assert [(c["id"], c["name"], c["phone"], c["type"]) for c in contacts] == [
        (contact_id, "Sam Format", stored, "Contact")
    ]


def test_given_one_number_stored_four_ways_when_looked_up_then_all_four_found_once_each(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    formats = ["(628) 555-0123", "628-555-0123", "+1 628 555 0123", "6285550123"]
    ids = sandbox.seed(
        contacts=[
            {"FIRST_NAME": f"Person{i}", "LAST_NAME": "Same", "PHONE": f} for i, f in enumerate(formats)
        ]
        + [
            {
                "FIRST_NAME": "Both",
                "LAST_NAME": "Fields",
                "PHONE": "628.555.0123",
                "PHONE_MOBILE": "6285550123",
            }
        ]
    )["contacts"]

    contacts = _find(connector, session, NEW_NUMBER)

    assert sorted(c["id"] for c in contacts) == sorted(ids)
    assert len(contacts) == len(ids)  # the contact matching PHONE and PHONE_MOBILE appears once


def test_given_contact_and_lead_with_the_number_when_looked_up_then_both_with_types_and_related_records(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    contacts = _find(connector, session, "+14155550142")

    assert [(c["type"], c["id"]) for c in contacts] == [("Contact", 101), ("Lead", 201)]
    by_id = {(c["type"], c["id"]): c for c in contacts}
    maya = by_id[("Contact", 101)]
    assert maya["name"] == "Maya Patel"
    assert maya["phone"] == "(415) 555-0142"
    assert maya["title"] == "Operations Manager"
    assert maya["mostRecentActivityDate"] == "2026-07-03 09:00:00"
    assert maya["additionalInfo"] == {
        "organisation": [{"title": "Acme Logistics", "const": 301}],
        "opportunity": [{"title": "Fleet renewal", "const": 401}],
    }
    lead = by_id[("Lead", 201)]
    assert (lead["name"], lead["phone"], lead["additionalInfo"]) == ("Jordan Prospect", "4155550142", {})
    # one organisation fetch for the org Maya has both as ORGANISATION_ID and as a link
    assert len(sandbox.journal(path="/organisations/301")) == 1


def test_given_mobile_numbers_when_looked_up_then_contact_mobile_and_lead_mobile_found(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    contacts = _find(connector, session, "+14155551299")
    leads = _find(connector, session, "+14155550177")

    assert [(c["id"], c["phone"], c["additionalInfo"]) for c in contacts] == [
        (102, "4155551299", {"project": [{"title": "Onboarding project", "const": 501}]})
    ]
    assert [(c["id"], c["type"], c["phone"]) for c in leads] == [(201, "Lead", "(415) 555-0177")]


def test_given_unknown_number_when_looked_up_then_only_create_new_contact(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.find_contact(
        user=user, auth_header=auth, request=ContactLookup(phone_number="+14155559999")
    )

    assert result.contacts == [
        {
            "id": "createNewContact",
            "name": "Create new contact...",
            "additionalInfo": None,
            "isNewContact": True,
        }
    ]


def test_given_extension_lookup_when_contact_searched_then_unsuccessful_and_no_call(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.find_contact(
        user=user, auth_header=auth, request=ContactLookup(phone_number="101", is_extension=True)
    )

    assert result == ContactMatches(contacts=[], successful=False, message=None)
    assert sandbox.journal() == []


def test_given_unreadable_number_when_contact_searched_then_only_create_new_contact_and_no_call(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    assert _find(connector, session, "12") == []
    assert sandbox.journal() == []


def test_given_user_format_template_when_looked_up_then_number_in_that_format_found(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    cache = DictCache()
    _find(connector, session, "+14155559999", cache=cache)  # the company's profile, learned from the seed
    [contact_id] = sandbox.seed(
        contacts=[{"FIRST_NAME": "Tpl", "LAST_NAME": "User", "PHONE": "1-628-555-0123"}]
    )["contacts"]

    assert _find(connector, session, NEW_NUMBER, cache=cache) == []
    found = _find(
        connector, session, NEW_NUMBER, cache=cache, overriding_format=" 1-***-***-****, (###) ###-####"
    )

    assert [(c["id"], c["phone"]) for c in found] == [(contact_id, "1-628-555-0123")]
    values = {e["query"]["field_value"][0] for e in sandbox.journal(path="/contacts/search")}
    assert "1-628-555-0123" in values


def test_given_extra_phone_fields_set_when_looked_up_then_custom_field_values_found(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    assert _find(connector, session, "+14155550190") == []

    user.user_settings = {
        "insightlyExtraPhoneFieldNameForContact": {"value": " Direct_Line__c , "},
        "insightlyExtraPhoneFieldNameForLead": {"value": "Lead_Alt_Phone__c"},
    }
    contacts = _find(connector, (user, auth), "+14155550190")
    leads = _find(connector, (user, auth), "+14155550150")

    assert [(c["id"], c["type"], c["phone"]) for c in contacts] == [(104, "Contact", "415.555.0190")]
    assert [(c["id"], c["type"], c["phone"]) for c in leads] == [(202, "Lead", "415-555-0150")]


def test_given_extra_phone_field_insightly_does_not_know_when_looked_up_then_skipped_silently(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    user.user_settings = {
        "insightlyExtraPhoneFieldNameForContact": {"value": "Not_A_Field__c"},
        "insightlyExtraPhoneFieldNameForLead": {"value": "Nor_This__c"},
    }

    cache = DictCache()
    # a company whose contacts' numbers all look like (415) 555-0142
    profile = PhoneProfile(entries=((CONTACT, "PHONE", "(###) ###-####", 40),), learned_at=time.time())
    cache.put(f"phone-profile#{sandbox.base.split('://')[1]}#user-{user.id}", profile.to_cache(), 60)

    contacts = _find(connector, (user, auth), "+14155550142", cache=cache)

    assert {c["id"] for c in contacts} == {101}
    refused = [e for e in sandbox.journal(path="/search") if e["status"] == 400]
    assert refused
    assert {e["query"]["field_name"][0] for e in refused} == {"Not_A_Field__c", "Nor_This__c"}


def test_given_many_extra_phone_fields_when_looked_up_then_calls_stay_within_the_bound(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    many = ",".join(f"Field_{i}__c" for i in range(10))
    user.user_settings = {
        "insightlyExtraPhoneFieldNameForContact": {"value": many},
        "insightlyExtraPhoneFieldNameForLead": {"value": many},
    }

    assert {c["id"] for c in _find(connector, (user, auth), "+14155550142")} == {101, 201}

    related = tuple(f"/v3.1/{kind}/" for kind in ("organisations", "opportunities", "projects"))
    first_wave = [e for e in sandbox.journal() if not e["path"].startswith(related)]
    assert len(first_wave) <= MAX_LOOKUP_CALLS


def test_given_e164_value_when_searched_then_plus_sign_url_encoded(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    cache = DictCache()
    _find(connector, session, "+14155559999", cache=cache)  # the company's profile, learned from the seed
    [contact_id] = sandbox.seed(contacts=[{"FIRST_NAME": "Plus", "LAST_NAME": "Sign", "PHONE": NEW_NUMBER}])[
        "contacts"
    ]
    sandbox.clear_journal()

    assert [c["id"] for c in _find(connector, session, NEW_NUMBER, cache=cache)] == [contact_id]
    values = {e["query"]["field_value"][0] for e in sandbox.journal(path="/contacts/search")}
    assert NEW_NUMBER in values


def test_given_a_new_company_when_an_unknown_number_looked_up_then_eight_calls_sample_included(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    _find(connector, session, "+14155559999")

    journal = sandbox.journal()
    searches = [e for e in journal if e["path"].endswith("/search")]
    samples = [e for e in journal if e["path"] in ("/v3.1/contacts", "/v3.1/leads")]
    assert len(journal) == len(searches) + len(samples) <= MAX_LOOKUP_CALLS
    assert sorted(e["path"] for e in samples) == ["/v3.1/contacts", "/v3.1/leads"]
    assert {e["query"]["top"][0] for e in samples} == {"500"}
    assert {(e["path"].split("/")[2], e["query"]["field_name"][0]) for e in searches} == {
        ("contacts", "PHONE"),
        ("leads", "PHONE"),
    }
    assert all(e["query"]["brief"] == ["false"] for e in searches)


def test_given_slow_insightly_when_looked_up_then_searches_run_in_parallel_not_in_sequence(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    sandbox.own("POST", "latency", {"delay_ms": 300})
    _find(connector, session, "+14155550199")  # warm the thread pool and its connections

    started = time.perf_counter()
    contacts = _find(connector, session, "+14155550142")
    elapsed = time.perf_counter() - started

    assert {c["id"] for c in contacts} == {101, 201}
    # 8 searches and sample pages, then 2 related-record reads: in sequence this would take 3 s
    assert elapsed < 1.5, elapsed


# -- name search and contact creation ------------------------------------------------------------------------


def test_given_full_name_when_searched_by_name_then_matching_contact_once(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.find_contact_with_name(user=user, auth_header=auth, name="maya patel")

    assert [(c["id"], c["type"], c["phone"]) for c in _listed(result)] == [(101, "Contact", "(415) 555-0142")]
    assert _listed(result)[0]["additionalInfo"]["organisation"] == [{"title": "Acme Logistics", "const": 301}]
    lead_searches = sandbox.journal(path="/leads/search")
    assert {(e["query"]["field_name"][0], e["query"]["field_value"][0]) for e in lead_searches} == {
        ("FIRST_NAME", "maya"),
        ("LAST_NAME", "patel"),
    }


def test_given_last_name_only_when_searched_by_name_then_contacts_and_leads_with_that_last_name(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    patel = connector.find_contact_with_name(user=user, auth_header=auth, name="Patel")
    prospect = connector.find_contact_with_name(user=user, auth_header=auth, name="Prospect")

    assert [c["id"] for c in _listed(patel)] == [101]
    assert [(c["id"], c["type"]) for c in _listed(prospect)] == [(201, "Lead")]
    assert all(c["id"] != "createNewContact" for c in _listed(patel))


def test_given_contact_type_when_contact_created_then_insightly_contact_found_by_its_number(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.create_contact(
        user=user,
        auth_header=auth,
        request=NewContact(phone_number=NEW_NUMBER, name="Nora Van Dyke", type="contact"),
    )

    assert result.message == {"message": "Contact created.", "messageType": "success", "ttl": 2000}
    created = result.contact
    assert created is not None
    assert created["name"] == "Nora Van Dyke"
    [post] = sandbox.journal(method="POST", path="/contacts")
    assert post["json"] == {"PHONE": NEW_NUMBER, "FIRST_NAME": "Nora", "LAST_NAME": "Van Dyke"}
    assert [c["id"] for c in _find(connector, session, NEW_NUMBER)] == [created["id"]]


def test_given_lead_type_and_one_word_name_when_contact_created_then_lead_with_that_last_name(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.create_contact(
        user=user, auth_header=auth, request=NewContact(phone_number=NEW_NUMBER, name="Jane", type="lead")
    )

    [post] = sandbox.journal(method="POST", path="/leads")
    assert post["json"] == {"PHONE": NEW_NUMBER, "LAST_NAME": "Jane"}
    assert result.contact is not None
    assert result.contact["name"] == "Jane"
    assert [(c["id"], c["type"]) for c in _find(connector, session, NEW_NUMBER)] == [
        (result.contact["id"], "Lead")
    ]


def test_given_no_contact_type_when_contact_created_then_nothing_created_and_warning(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    result = connector.create_contact(
        user=user, auth_header=auth, request=NewContact(phone_number=NEW_NUMBER, name="Jane Roe", type="")
    )

    assert result.contact is None
    assert _message(result)["messageType"] == "warning"
    assert sandbox.journal() == []


# -- call logs -----------------------------------------------------------------------------------------------


def test_given_contact_and_chosen_records_when_call_logged_then_event_linked_to_all_of_them(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    result = _create_call(
        connector,
        session,
        additional_submission={"organisation": 301, "opportunity": "401", "project": 501},
    )

    assert result.message == {"message": "Call logged", "messageType": "success", "ttl": 2000}
    event = sandbox.event(result.log_id)
    assert event["TITLE"] == "Outbound Call to Maya Patel"
    assert event["DETAILS"] == DETAILS
    assert (event["START_DATE_UTC"], event["END_DATE_UTC"]) == ("2026-07-14 10:00:00", "2026-07-14 10:05:00")
    assert event["OWNER_USER_ID"] == AVERY
    assert sorted(_links(event)) == [
        ("Contact", 101),
        ("Opportunity", 401),
        ("Organisation", 301),
        ("Project", 501),
    ]
    [post] = sandbox.journal(method="POST", path="/events$")
    assert post["json"]["START_DATE_UTC"] == "2026-07-14T10:00:00.000Z"
    assert "OWNER_USER_ID" not in post["json"]


def test_given_message_form_spelling_organization_when_call_logged_then_organisation_linked(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    result = _create_call(connector, session, additional_submission={"organization": 302})

    assert sorted(_links(sandbox.event(result.log_id))) == [("Contact", 101), ("Organisation", 302)]


@pytest.mark.parametrize(
    ("contact_type", "contact_id", "link"),
    [
        ("contact", 101, "Contact"),
        ("contactMobile", 101, "Contact"),
        ("Lead", 201, "Lead"),
        ("leadPhone", 201, "Lead"),
    ],
)
def test_given_any_spelling_of_the_contact_type_when_call_logged_then_person_linked(
    sandbox: Sandbox,
    connector: InsightlyConnector,
    session: tuple[CrmUser, str],
    contact_type: str,
    contact_id: int,
    link: str,
) -> None:
    result = _create_call(
        connector,
        session,
        contact_info={
            "id": str(contact_id),
            "name": "X",
            "phoneNumber": "+14155550142",
            "type": contact_type,
        },
    )

    assert _links(sandbox.event(result.log_id)) == [(link, contact_id)]


def test_given_custom_subject_and_no_duration_when_call_logged_then_subject_kept_and_zero_length(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    call = {"direction": "Inbound", "startTime": "2026-07-14T10:00:00.000Z", "customSubject": "Renewal call"}

    result = _create_call(connector, session, call_log=call, contact_info=JORDAN_LEAD)

    event = sandbox.event(result.log_id)
    assert event["TITLE"] == "Renewal call"
    assert event["START_DATE_UTC"] == event["END_DATE_UTC"] == "2026-07-14 10:00:00"
    [link_post] = sandbox.journal(method="POST", path="/links")
    assert link_post["json"] == {"LINK_OBJECT_NAME": "Lead", "LINK_OBJECT_ID": 201}


def test_given_admin_mapping_when_call_logged_for_assigned_user_then_event_owned_by_mapped_user(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    result = _create_call(
        connector,
        session,
        additional_submission={"isAssignedToUser": True, "adminAssignedUserRcId": "62001"},
        user_mappings=[{"crmUserId": str(BLAKE), "rcExtensionId": ["61000", "62001"]}],
    )

    assert sandbox.event(result.log_id)["OWNER_USER_ID"] == BLAKE


def test_given_assignee_token_when_call_logged_then_event_owned_by_the_token_user(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    from appconnect.session import issue

    token = issue(f"{BLAKE}-insightly", "insightly")

    result = _create_call(
        connector, session, additional_submission={"isAssignedToUser": True, "adminAssignedUserToken": token}
    )

    assert sandbox.event(result.log_id)["OWNER_USER_ID"] == BLAKE


def test_given_logged_call_when_call_log_read_then_note_contact_name_and_dispositions(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged(
        _create_call(connector, session, additional_submission={"organisation": 301, "project": 501})
    )

    info = connector.get_call_log(
        user=user, auth_header=auth, request=LogRef(log_id=log_id, contact_id="101")
    )

    assert info.subject == "Outbound Call to Maya Patel"
    assert info.note == "Asked about renewal"
    assert info.contact_name == "Maya Patel"
    assert info.full_body == DETAILS
    assert info.full_log_response["EVENT_ID"] == int(log_id)
    assert info.dispositions == {"organisation": 301, "project": 501}
    assert info.message is None


def test_given_event_without_person_link_when_call_log_read_then_unknown_contact_instead_of_a_crash(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    logged = _create_call(
        connector,
        session,
        contact_info={**MAYA, "type": "somethingElse"},
        additional_submission={"opportunity": 401},
    )
    assert _message(_create_call(connector, session, contact_info={**MAYA, "type": ""}))["messageType"] == (
        "warning"
    )

    info = connector.get_call_log(user=user, auth_header=auth, request=LogRef(log_id=_logged(logged)))

    assert info.contact_name == "Unknown"
    assert info.dispositions == {"opportunity": 401}


def test_given_logged_call_when_updated_then_details_subject_and_times_replaced(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged(_create_call(connector, session))
    new_details = DETAILS.replace("Asked about renewal", "Sent the quote")

    result = connector.update_call_log(
        user=user,
        auth_header=auth,
        request=CallLogUpdate(
            log_id=log_id,
            subject="Quote call",
            start_time="2026-07-14T11:00:00.000Z",
            duration=90,
            composed_log_details=new_details,
        ),
    )

    assert result.updated_note == new_details
    assert _message(result)["message"] == "Call log updated."
    event = sandbox.event(log_id)
    assert (event["TITLE"], event["DETAILS"]) == ("Quote call", new_details)
    assert (event["START_DATE_UTC"], event["END_DATE_UTC"]) == ("2026-07-14 11:00:00", "2026-07-14 11:01:30")
    [put] = sandbox.journal(method="PUT", path="/events")
    assert put["json"]["EVENT_ID"] == int(log_id)


def test_given_only_a_duration_when_call_log_updated_then_start_kept_and_end_moved(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged(_create_call(connector, session))

    connector.update_call_log(
        user=user,
        auth_header=auth,
        request=CallLogUpdate(log_id=log_id, duration=600, composed_log_details=DETAILS),
    )

    event = sandbox.event(log_id)
    assert (event["START_DATE_UTC"], event["END_DATE_UTC"]) == ("2026-07-14 10:00:00", "2026-07-14 10:10:00")
    assert event["TITLE"] == "Outbound Call to Maya Patel"


def test_given_only_a_note_when_call_log_updated_then_times_untouched_and_no_read(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged(_create_call(connector, session))
    sandbox.clear_journal()

    connector.update_call_log(
        user=user, auth_header=auth, request=CallLogUpdate(log_id=log_id, composed_log_details="- Note: x\n")
    )

    assert [(e["method"], e["path"]) for e in sandbox.journal()] == [("PUT", "/v3.1/events")]
    event = sandbox.event(log_id)
    assert (event["START_DATE_UTC"], event["END_DATE_UTC"]) == ("2026-07-14 10:00:00", "2026-07-14 10:05:00")


# -- dispositions --------------------------------------------------------------------------------------------


def test_given_logged_call_when_disposition_set_then_links_added(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged(_create_call(connector, session))

    result = connector.upsert_call_disposition(
        user=user,
        auth_header=auth,
        request=DispositionUpdate(
            log_id=log_id, dispositions={"organisation": 301, "opportunity": 401, "project": 501}
        ),
    )

    assert result.log_id == log_id
    assert sorted(_links(sandbox.event(log_id))) == [
        ("Contact", 101),
        ("Opportunity", 401),
        ("Organisation", 301),
        ("Project", 501),
    ]


def test_given_linked_organisation_when_another_disposition_chosen_then_link_replaced(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged(
        _create_call(connector, session, additional_submission={"organisation": 301, "project": 501})
    )
    sandbox.clear_journal()

    connector.upsert_call_disposition(
        user=user,
        auth_header=auth,
        request=DispositionUpdate(log_id=log_id, dispositions={"organisation": "302", "project": 501}),
    )

    assert sorted(_links(sandbox.event(log_id))) == [
        ("Contact", 101),
        ("Organisation", 302),
        ("Project", 501),
    ]
    calls = [(e["method"], e["path"].split("/")[-1]) for e in sandbox.journal() if e["method"] != "GET"]
    assert [c[0] for c in calls] == ["DELETE", "POST"]  # the unchanged project link is left alone


def test_given_same_disposition_again_when_set_then_no_duplicate_link(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged(_create_call(connector, session, additional_submission={"opportunity": 401}))
    sandbox.clear_journal()

    connector.upsert_call_disposition(
        user=user,
        auth_header=auth,
        request=DispositionUpdate(log_id=log_id, dispositions={"opportunity": 401}),
    )

    assert sorted(_links(sandbox.event(log_id))) == [("Contact", 101), ("Opportunity", 401)]
    assert [e["method"] for e in sandbox.journal()] == ["GET"]


def test_given_no_disposition_when_set_then_no_log_id_and_no_call(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session

    assert connector.upsert_call_disposition(
        user=user, auth_header=auth, request=DispositionUpdate(log_id="9001", dispositions={})
    ) == LogResult(log_id=None, message=None)
    assert sandbox.journal() == []


# -- message logs --------------------------------------------------------------------------------------------


SMS = {
    "id": 8464001,
    "direction": "Inbound",
    "subject": "Can we review the proposal tomorrow?",
    "creationTime": "2026-07-14T09:00:00.000Z",
}


#: what :func:`_log_message` logs unless told otherwise
MESSAGE_WRITE = MessageLogWrite(contact_info=MAYA, message=SMS, additional_submission={})


def _log_message(connector: InsightlyConnector, session: tuple[CrmUser, str], **overrides: Any) -> LogResult:
    user, auth = session
    return connector.create_message_log(
        user=user, auth_header=auth, request=replace(MESSAGE_WRITE, **overrides)
    )


def test_given_inbound_sms_when_message_logged_then_plain_text_conversation_event_linked_to_contact(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    result = _log_message(connector, session, additional_submission={"organization": 301, "project": 501})

    assert result.message == {"message": "Message logged", "messageType": "success", "ttl": 1000}
    event = sandbox.event(result.log_id)
    assert event["TITLE"] == "SMS conversation with Maya Patel - 26/07/14"
    assert event["DETAILS"] == (
        "\nConversation summary\nTuesday, July 14, 2026\nParticipants\n    Avery Quinn\n    Maya Patel\n"
        "\nConversation(1 messages)\nBEGIN\n------------\n"
        "Maya Patel (+14155550142) 09:00 AM\nCan we review the proposal tomorrow?\n\n"
        "------------\nEND\n\n--- Created via RingCentral App Connect"
    )
    assert event["START_DATE_UTC"] == event["END_DATE_UTC"] == "2026-07-14 09:00:00"
    assert sorted(_links(event)) == [("Contact", 101), ("Organisation", 301), ("Project", 501)]
    assert sandbox.journal(path="/users/me") == []  # the stored user name is the agent's


def test_given_logged_sms_when_next_message_arrives_then_appended_and_end_moved(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged(_log_message(connector, session))
    reply = {
        "id": 8464002,
        "direction": "Outbound",
        "subject": "Sure, 10am?",
        "creationTime": "2026-07-14T09:05:00Z",
    }
    user.name = ""  # no stored name: the agent is read from Insightly

    result = connector.update_message_log(
        user=user, auth_header=auth, log_id=log_id, request=MessageLogWrite(contact_info=MAYA, message=reply)
    )

    assert result.message is None
    assert result.updated_note is None
    event = sandbox.event(log_id)
    assert "Conversation(2 messages)" in event["DETAILS"]
    assert event["DETAILS"].endswith(
        "Can we review the proposal tomorrow?\n\nAvery Quinn 09:05 AM\nSure, 10am?\n"
        "------------\nEND\n\n--- Created via RingCentral App Connect"
    )
    assert event["END_DATE_UTC"] == "2026-07-14 09:05:00"
    assert len(sandbox.journal(path="/users/me")) == 1


def test_given_voicemail_when_message_logged_then_recording_link_event(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    link = "https://media.ringcentral.com/voicemail/1"

    result = _log_message(connector, session, contact_info=JORDAN_LEAD, recording_link=link)

    event = sandbox.event(result.log_id)
    assert event["TITLE"] == "Voicemail left by Jordan Prospect - 26/07/14"
    assert event["DETAILS"] == f"Voicemail recording link: {link} \n\n--- Created via RingCentral App Connect"
    assert _links(event) == [("Lead", 201)]


def test_given_fax_when_message_logged_then_fax_link_event(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    result = _log_message(connector, session, fax_doc_link="https://media.ringcentral.com/fax/1")

    event = sandbox.event(result.log_id)
    assert event["TITLE"] == "Fax document sent from Maya Patel - 26/07/14"
    assert event["DETAILS"].startswith("Fax document link: https://media.ringcentral.com/fax/1 ")


def test_given_group_sms_with_unknown_correspondent_when_logged_then_unknown_participant_listed(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    result = _log_message(connector, session, correspondents=[{"phoneNumber": "+14155550100"}])

    assert "    Maya Patel\n    Unknown\nConversation(1 messages)" in sandbox.event(result.log_id)["DETAILS"]


def test_given_shared_sms_when_logged_and_updated_then_body_used_verbatim_and_replaced(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    shared = {
        "subject": "Shared thread",
        "body": "first body",
        "conversationCreatedDate": "2026-07-14T08:00:00Z",
    }

    log_id = _logged(_log_message(connector, session, shared_sms_log_content=shared))
    connector.update_message_log(
        user=user,
        auth_header=auth,
        log_id=log_id,
        request=MessageLogWrite(contact_info=MAYA, shared_sms_log_content={**shared, "body": "second"}),
    )

    event = sandbox.event(log_id)
    assert (event["TITLE"], event["DETAILS"], event["START_DATE_UTC"]) == (
        "Shared thread",
        "second",
        "2026-07-14 08:00:00",
    )


# -- errors --------------------------------------------------------------------------------------------------


def test_given_revoked_key_when_contact_searched_then_auth_error_asking_to_reconnect(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    sandbox.own("POST", "expire", {"api_key": KEY})
    user, auth = session

    with pytest.raises(CrmAuthError) as raised:
        connector.find_contact(
            user=user, auth_header=auth, request=ContactLookup(phone_number="+14155550142")
        )
    message = crm_failure(raised.value, "findContact", "Insightly")["returnMessage"]
    assert message["message"] == "Authorization error"
    assert "Please Logout and then Connect" in message["details"][0]["items"][0]["text"]


def test_given_short_rate_limit_when_contact_searched_then_retried_and_found(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    sandbox.fault(
        method="GET",
        path="/contacts/search",
        query_contains="field_name=PHONE&",
        status=429,
        headers={"Retry-After": "0"},
        body={"Message": "Too many requests"},
    )

    assert 101 in {c["id"] for c in _find(connector, session)}
    assert [e["status"] for e in sandbox.journal(path="/contacts/search") if e["fault"]] == [429]


def test_given_rate_limit_longer_than_the_deadline_when_contact_searched_then_rate_limit_exceeded(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    sandbox.fault(method="GET", path="/search", status=429, headers={"Retry-After": "3600"}, times=None)

    with pytest.raises(CrmRateLimited) as raised:
        connector.find_contact(
            user=user, auth_header=auth, request=ContactLookup(phone_number="+14155550142")
        )
    message = crm_failure(raised.value, "findContact", "Insightly")["returnMessage"]
    assert message["message"] == "Rate limit exceeded"


def test_given_passing_server_error_when_call_log_read_then_retried(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    log_id = _logged(_create_call(connector, session))
    sandbox.fault(method="GET", path=f"/events/{log_id}$", status=503, times=1)

    info = connector.get_call_log(user=user, auth_header=auth, request=LogRef(log_id=log_id))

    assert info.contact_name == "Maya Patel"
    assert [e["status"] for e in sandbox.journal(path=f"/events/{log_id}$")] == [503, 200]


def test_given_server_error_on_event_create_when_call_logged_then_unavailable_and_not_retried(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    sandbox.fault(method="POST", path="/events$", status=500, times=None)

    with pytest.raises(CrmUnavailable) as raised:
        _create_call(connector, session)
    assert len(sandbox.journal(method="POST", path="/events$")) == 1
    message = crm_failure(raised.value, "createCallLog", "Insightly")["returnMessage"]
    assert message["message"] == "Error creating call log"


def test_given_dropped_connection_on_event_create_when_call_logged_then_unavailable(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    sandbox.fault(method="POST", path="/events$", drop=True)

    with pytest.raises(CrmUnavailable):
        _create_call(connector, session)
    assert sandbox.events() == []


def test_given_link_refused_after_event_created_when_call_logged_then_log_id_kept_with_warning(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    sandbox.fault(method="POST", path="/links$", status=500, times=None)

    result = _create_call(connector, session, additional_submission={"project": 501})

    assert result.log_id == sandbox.events()[0]["EVENT_ID"]  # a number, as Insightly gives it
    assert isinstance(result.log_id, int)
    assert _message(result)["messageType"] == "warning"
    assert "Contact" in _message(result)["message"]


# -- crash recovery ---------------------------------------------------------------------------------------


def _recover(
    connector: InsightlyConnector, session: tuple[CrmUser, str], since: float, **overrides: Any
) -> LogId | None:
    """``find_call_log`` with the request :func:`_create_call` passes to ``create_call_log``."""
    user, auth = session
    return connector.find_call_log(
        user=user, auth_header=auth, request=replace(CALL_WRITE, **overrides), since=since
    )


def _raw_event(sandbox: Sandbox, key: str = KEY, **changes: Any) -> dict[str, Any]:
    """An event written straight to Insightly, as an attempt that died before its links would leave it."""
    body = {
        "TITLE": "Outbound Call to Maya Patel",
        "DETAILS": DETAILS,
        "START_DATE_UTC": "2026-07-14T10:00:00.000Z",
        "END_DATE_UTC": "2026-07-14T10:05:00.000Z",
        **changes,
    }
    response = sandbox.http.post(f"{sandbox.api_url}/events", json=body, auth=(key, ""), timeout=10)
    assert response.status_code == 200, response.text
    event: dict[str, Any] = response.json()
    return event


def test_given_insightly_when_interfaces_listed_then_crash_recovery_offered() -> None:
    assert InsightlyConnector.implements("findCallLog") is True


def test_given_call_logged_by_an_interrupted_attempt_when_recovering_then_that_event_is_found(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    since = time.time()
    submission = {"organisation": 301, "opportunity": 401}
    log_id = _logged(_create_call(connector, session, additional_submission=submission))
    sandbox.clear_journal()

    found = _recover(connector, session, since, additional_submission=submission)

    assert found == log_id
    [search] = sandbox.journal(method="GET")
    assert search["path"].lower() == "/v3.1/events/search"
    query = {name: values[0] for name, values in search["query"].items()}
    assert (query["field_name"], query["field_value"]) == ("TITLE", "Outbound Call to Maya Patel")
    assert query["updated_after_utc"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(since - 60))
    assert len(sandbox.events()) == 1


def test_given_nothing_logged_when_recovering_then_none(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    _create_call(connector, session, call_log={**CALL, "startTime": "2026-07-14T11:00:00.000Z"})
    _create_call(connector, session, contact_info=JORDAN_LEAD)

    assert _recover(connector, session, time.time() - 5) is None


def test_given_an_older_identical_event_when_recovering_then_not_taken_for_this_call(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    older = _logged(_create_call(connector, session))
    sandbox.own("POST", "clock", {"advance_seconds": 7200})
    since = time.time() + 7200

    assert _recover(connector, session, since) is None

    newer = _logged(_create_call(connector, session))
    assert _recover(connector, session, since) == newer != older


def test_given_identical_event_of_another_contact_or_owner_when_recovering_then_not_taken(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    since = time.time()
    same_name_lead = {**JORDAN_LEAD, "name": "Maya Patel"}
    _create_call(connector, session, contact_info=same_name_lead)
    blakes = _raw_event(sandbox, key="sandbox-insightly-key-blake")
    sandbox.http.post(
        f"{sandbox.api_url}/events/{blakes['EVENT_ID']}/links",
        json={"LINK_OBJECT_NAME": "Contact", "LINK_OBJECT_ID": 101},
        auth=("sandbox-insightly-key-blake", ""),
        timeout=10,
    )

    assert _recover(connector, session, since) is None


def test_given_event_written_but_not_linked_when_recovering_then_found_and_its_links_completed(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    since = time.time()
    event = _raw_event(sandbox)
    sandbox.clear_journal()

    found = _recover(connector, session, since, additional_submission={"project": 501})

    assert found == str(event["EVENT_ID"])
    assert sorted(_links(sandbox.event(found))) == [("Contact", 101), ("Project", 501)]
    assert len(sandbox.events()) == 1


def test_given_more_events_with_the_title_than_a_page_when_recovering_then_the_next_page_searched(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    since = time.time()
    for n in range(100):  # earlier calls with Maya the same day, logged since the attempt began
        start = f"2026-07-14T08:{n % 60:02d}:{n // 60:02d}Z"
        _raw_event(sandbox, START_DATE_UTC=start, END_DATE_UTC=start)
    log_id = _logged(_create_call(connector, session))
    sandbox.clear_journal()

    assert _recover(connector, session, since) == log_id
    searches = sandbox.journal(method="GET", path="/events/search")
    assert [(entry["query"]["skip"], entry["query"]["top"]) for entry in searches] == [
        (["0"], ["100"]),
        (["100"], ["100"]),
    ]


def test_given_insightly_failing_when_recovering_then_error_raised_for_the_core(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    sandbox.fault(method="GET", path="/events/search", status=503, times=None)

    with pytest.raises(CrmUnavailable):
        _recover(connector, session, time.time())


def test_given_sms_logged_by_an_interrupted_attempt_when_recovering_then_that_event_is_found(
    connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    started = time.time()
    created = _log_message(connector, session)
    found = connector.find_message_log(
        user=user, auth_header=auth, request=MessageLogWrite(contact_info=MAYA, message=SMS), since=started
    )
    assert found == created.log_id
    voicemail_found = connector.find_message_log(
        user=user,
        auth_header=auth,
        request=MessageLogWrite(
            contact_info=MAYA, message=SMS, recording_link="https://media.example.com/vm"
        ),
        since=started,
    )
    assert voicemail_found is None


# -- admin assignment (server-side logging) ----------------------------------------------------------------

#: the admin's user mapping: RingCentral extension 62001 is Blake
ASSIGNMENT_MAPPINGS = [{"crmUserId": str(BLAKE), "rcExtensionId": ["61000", "62001"]}]
NOT_ASSIGNED = "logged, but not assigned: no Insightly user is mapped to this RingCentral user"


def _assigned_to(rc_id: str) -> dict[str, Any]:
    """What ``create_call_log`` / ``create_message_log`` are given for a log assigned to ``rc_id``."""
    return {
        "additional_submission": {"isAssignedToUser": True, "adminAssignedUserRcId": rc_id},
        "user_mappings": ASSIGNMENT_MAPPINGS,
    }


def test_given_admin_mapping_when_message_logged_for_assigned_user_then_event_owned_by_mapped_user(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    result = _log_message(connector, session, **_assigned_to("62001"))

    assert _message(result) == {"message": "Message logged", "messageType": "success", "ttl": 1000}
    event = sandbox.event(_logged(result))
    assert event["OWNER_USER_ID"] == BLAKE
    assert _links(event) == [("Contact", 101)]


def test_given_assigned_sms_logged_by_an_interrupted_attempt_when_recovering_then_found_under_the_assignee(
    connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    user, auth = session
    started = time.time()
    created = _log_message(connector, session, **_assigned_to("62001"))

    found = connector.find_message_log(
        user=user, auth_header=auth, request=replace(MESSAGE_WRITE, **_assigned_to("62001")), since=started
    )

    assert found == created.log_id


def test_given_unmapped_assignee_when_call_logged_then_event_owned_by_the_user_with_not_assigned_warning(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    result = _create_call(connector, session, **_assigned_to("69999"))

    assert sandbox.event(_logged(result))["OWNER_USER_ID"] == AVERY
    assert (_message(result)["message"], _message(result)["messageType"]) == (
        f"Call {NOT_ASSIGNED}",
        "warning",
    )


def test_given_unmapped_assignee_when_message_logged_then_event_owned_by_the_user_with_not_assigned_warning(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    result = _log_message(connector, session, **_assigned_to("69999"))

    assert sandbox.event(_logged(result))["OWNER_USER_ID"] == AVERY
    assert (_message(result)["message"], _message(result)["messageType"]) == (
        f"Message {NOT_ASSIGNED}",
        "warning",
    )


def test_given_unmapped_assignee_and_a_refused_link_when_call_logged_then_both_said(
    sandbox: Sandbox, connector: InsightlyConnector, session: tuple[CrmUser, str]
) -> None:
    sandbox.fault(method="POST", path="/links$", status=500, times=None)

    result = _create_call(connector, session, **_assigned_to("69999"))

    _logged(result)
    message = _message(result)
    assert message["messageType"] == "warning"
    assert message["message"] == "Call logged, but Insightly refused the link to: Contact."
    assert [item["text"] for item in message["details"][0]["items"]] == [f"Call {NOT_ASSIGNED}"]
