"""Contract of the sandbox Insightly: API-key Basic auth, exact-value search, records, events and links."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.local.sandbox.conftest import Sandbox

KEY = "sandbox-insightly-key-avery"
EVENT = {
    "TITLE": "Outbound Call to Maya Patel",
    "DETAILS": "- Note: Test note\n- Duration: 0 seconds\n",
    "START_DATE_UTC": "2026-03-12T16:05:00.000Z",
    "END_DATE_UTC": "2026-03-12T16:10:00.000Z",
}


class Insightly:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.base = f"{sandbox.base('insightly')}/v3.1"

    def call(self, method: str, path: str, key: str | None = KEY, **kwargs: Any) -> requests.Response:
        auth = (key, "") if key is not None else None
        return self.sandbox.http.request(method, f"{self.base}{path}", auth=auth, **kwargs)

    def search(self, collection: str, field: str, value: str, **params: str) -> requests.Response:
        return self.call(
            "GET",
            f"/{collection}/search",
            params={"field_name": field, "field_value": value, "brief": "false", **params},
        )

    def event(self, **changes: Any) -> dict[str, Any]:
        response = self.call("POST", "/events", json={**EVENT, **changes})
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def ins(sandbox: Sandbox) -> Insightly:
    return Insightly(sandbox)


def assert_message(response: requests.Response, status: int) -> str:
    assert response.status_code == status, response.text
    message = response.json()["Message"]
    assert message
    return message


# -- auth and users ----------------------------------------------------------------------------------------


def test_given_api_key_as_basic_username_when_users_me_then_user_with_windows_timezone(ins: Insightly):
    body = ins.call("GET", "/users/me").json()
    assert (body["USER_ID"], body["FIRST_NAME"], body["LAST_NAME"]) == (5001, "Avery", "Quinn")
    assert body["TIMEZONE_ID"] == "Eastern Standard Time"


def test_given_password_when_basic_auth_then_password_ignored(ins: Insightly):
    response = ins.sandbox.http.get(f"{ins.base}/users/me", auth=(KEY, "anything"))
    assert response.status_code == 200


@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_given_missing_or_unknown_key_when_called_then_401_denied(ins: Insightly, key: str | None):
    message = assert_message(ins.call("GET", "/users/me", key=key), 401)
    assert message == "Authorization has been denied for this request."


def test_given_revoked_key_when_called_then_401(ins: Insightly):
    ins.sandbox.control("POST", "insightly/expire", {"api_key": KEY})
    assert ins.call("GET", "/users/me").status_code == 401


def test_given_minted_key_when_used_then_authenticates_as_that_user(ins: Insightly):
    minted = ins.sandbox.control("POST", "insightly/tokens", {"user_id": 5002}, expect=201)
    assert minted["api_url"].endswith("/insightly/v3.1")
    assert ins.call("GET", "/users/me", key=minted["api_key"]).json()["USER_ID"] == 5002


def test_given_users_when_listed_then_array_of_users(ins: Insightly):
    users = ins.call("GET", "/users").json()
    assert [(u["USER_ID"], u["EMAIL_ADDRESS"]) for u in users] == [
        (5001, "avery.quinn@sandbox.example"),
        (5002, "blake.rivera@sandbox.example"),
    ]


@pytest.mark.parametrize("version", ["v3.1", "v3.0", "V3.1"])
def test_given_any_version_and_case_when_called_then_same_endpoint(ins: Insightly, version: str):
    url = f"{ins.sandbox.base('insightly')}/{version}/Users/Me"
    assert ins.sandbox.http.get(url, auth=(KEY, "")).status_code == 200


# -- search ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("collection", "field", "value", "expected"),
    [
        ("contacts", "PHONE", "(415) 555-0142", [101]),
        ("contacts", "PHONE", "4155550142", []),  # exact match: the stored format differs
        ("contacts", "PHONE_MOBILE", "4155551299", [102]),
        ("contacts", "phone", "415-555-1234", [102]),
        ("contacts", "Direct_Line__c", "415.555.0190", [104]),
        ("contacts", "FIRST_NAME", "maya", [101]),
        ("leads", "PHONE", "4155550142", [201]),
        ("leads", "MOBILE", "(415) 555-0177", [201]),
        ("leads", "Lead_Alt_Phone__c", "415-555-0150", [202]),
        ("leads", "FIRST_NAME", "Jordan Prospect", []),
    ],
)
def test_given_field_and_value_when_searching_then_exact_trimmed_match(
    ins: Insightly, collection: str, field: str, value: str, expected: list[int]
):
    response = ins.search(collection, field, value)
    assert response.status_code == 200
    key = "CONTACT_ID" if collection == "contacts" else "LEAD_ID"
    assert [r[key] for r in response.json()] == expected


def test_given_full_search_when_matched_then_links_and_customfields_included(ins: Insightly):
    record = ins.search("contacts", "PHONE", "(415) 555-0142").json()[0]
    assert [(link["LINK_OBJECT_NAME"], link["LINK_OBJECT_ID"]) for link in record["LINKS"]] == [
        ("Organisation", 301),
        ("Opportunity", 401),
    ]
    assert record["CUSTOMFIELDS"] == []
    assert record["DATE_CREATED_UTC"] == "2026-07-01 10:00:00"
    assert record["LAST_ACTIVITY_DATE_UTC"] == "2026-07-03 09:00:00"


def test_given_brief_when_searching_then_links_omitted(ins: Insightly):
    record = ins.search("contacts", "PHONE", "(415) 555-0142", brief="true").json()[0]
    assert "LINKS" not in record
    assert "CUSTOMFIELDS" not in record


def test_given_digits_mode_when_searching_phone_then_formats_ignored(ins: Insightly):
    ins.sandbox.control("POST", "insightly/config", {"phone_search": "digits"})
    assert [r["CONTACT_ID"] for r in ins.search("contacts", "PHONE", "4155550142").json()] == [101]


def test_given_top_skip_and_count_total_when_searching_then_paged_with_total_header(ins: Insightly):
    ins.sandbox.control("POST", "insightly/seed", {"contacts": [{"FIRST_NAME": "Maya", "LAST_NAME": "Two"}]})
    response = ins.search("contacts", "FIRST_NAME", "Maya", top="1", skip="1", count_total="true")
    assert [r["LAST_NAME"] for r in response.json()] == ["Two"]
    assert response.headers["X-Total-Count"] == "2"


@pytest.mark.parametrize(
    "params",
    [
        {"field_name": "NOT_A_FIELD", "field_value": "x"},
        {"field_value": "x"},
        {"field_name": "PHONE"},
        {"field_name": "PHONE", "field_value": "x", "top": "-1"},
    ],
)
def test_given_bad_search_when_requested_then_400_message(ins: Insightly, params: dict[str, str]):
    assert_message(ins.call("GET", "/contacts/search", params=params), 400)


def test_given_unknown_field_when_searching_then_message_is_invalid_field_name(ins: Insightly):
    assert assert_message(ins.search("leads", "PHONE_MOBILE", "1"), 400) == "Invalid field_name"


# -- records -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "key", "name_field", "name"),
    [
        ("/organisations/301", "ORGANISATION_ID", "ORGANISATION_NAME", "Acme Logistics"),
        ("/opportunities/401", "OPPORTUNITY_ID", "OPPORTUNITY_NAME", "Fleet renewal"),
        ("/projects/501", "PROJECT_ID", "PROJECT_NAME", "Onboarding project"),
        ("/contacts/101", "CONTACT_ID", "FIRST_NAME", "Maya"),
        ("/leads/201", "LEAD_ID", "FIRST_NAME", "Jordan"),
    ],
)
def test_given_record_id_when_requested_then_object(
    ins: Insightly, path: str, key: str, name_field: str, name: str
):
    body = ins.call("GET", path).json()
    assert body[name_field] == name
    assert str(body[key]) == path.rsplit("/", 1)[1]


@pytest.mark.parametrize("path", ["/contacts/999", "/organisations/1", "/events/1", "/contacts/abc"])
def test_given_unknown_record_when_requested_then_404(ins: Insightly, path: str):
    assert_message(ins.call("GET", path), 404)


def test_given_contact_body_when_created_then_200_object_and_searchable(ins: Insightly):
    response = ins.call(
        "POST", "/contacts", json={"PHONE": "+14155551234", "FIRST_NAME": "John", "LAST_NAME": "Doe"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["CONTACT_ID"] >= 1001
    assert (body["FIRST_NAME"], body["LAST_NAME"], body["LINKS"], body["CUSTOMFIELDS"]) == (
        "John",
        "Doe",
        [],
        [],
    )
    assert [r["CONTACT_ID"] for r in ins.search("contacts", "PHONE", "+14155551234").json()] == [
        body["CONTACT_ID"]
    ]


def test_given_lead_body_when_created_then_lead_id(ins: Insightly):
    body = ins.call(
        "POST", "/leads", json={"PHONE": "+14155551234", "FIRST_NAME": "Jane", "LAST_NAME": "Lead"}
    ).json()
    assert body["LEAD_ID"] >= 2001


@pytest.mark.parametrize(
    "body", [{"PHONE": "1"}, {"FIRST_NAME": " ", "LAST_NAME": ""}, {"FIRST_NAME": "A", "NOPE": 1}]
)
def test_given_invalid_contact_when_created_then_400(ins: Insightly, body: dict[str, Any]):
    assert_message(ins.call("POST", "/contacts", json=body), 400)


def test_given_malformed_json_when_created_then_400(ins: Insightly):
    response = ins.call("POST", "/contacts", data="{", headers={"Content-Type": "application/json"})
    assert_message(response, 400)


# -- events and links --------------------------------------------------------------------------------------


def test_given_event_when_created_then_event_id_dates_and_empty_links(ins: Insightly):
    event = ins.event(OWNER_USER_ID=5002)
    assert event["EVENT_ID"] >= 9001
    assert (event["START_DATE_UTC"], event["END_DATE_UTC"]) == ("2026-03-12 16:05:00", "2026-03-12 16:10:00")
    assert (event["LINKS"], event["ALL_DAY"], event["OWNER_USER_ID"]) == ([], False, 5002)
    assert ins.call("GET", f"/events/{event['EVENT_ID']}").json()["DETAILS"] == EVENT["DETAILS"]


def test_given_plain_datetime_format_when_creating_event_then_accepted(ins: Insightly):
    event = ins.event(START_DATE_UTC="2026-03-12 16:05:00", END_DATE_UTC="2026-03-12 16:05:00")
    assert event["END_DATE_UTC"] == "2026-03-12 16:05:00"


@pytest.mark.parametrize(
    "change",
    [
        {"TITLE": ""},
        {"START_DATE_UTC": None},
        {"END_DATE_UTC": "soon"},
        {"END_DATE_UTC": "2026-03-12T16:00:00.000Z"},
        {"OWNER_USER_ID": 1},
        {"DETAILS": 5},
    ],
)
def test_given_invalid_event_when_created_then_400(ins: Insightly, change: dict[str, Any]):
    assert_message(ins.call("POST", "/events", json={**EVENT, **change}), 400)


def test_given_event_id_as_string_when_put_then_partial_update(ins: Insightly):
    event = ins.event()
    response = ins.call(
        "PUT",
        "/events",
        json={"EVENT_ID": str(event["EVENT_ID"]), "DETAILS": "updated", "TITLE": "New title"},
    )
    assert response.status_code == 200
    stored = ins.call("GET", f"/events/{event['EVENT_ID']}").json()
    assert (stored["DETAILS"], stored["TITLE"], stored["START_DATE_UTC"]) == (
        "updated",
        "New title",
        "2026-03-12 16:05:00",
    )


def test_given_null_end_date_when_put_then_old_value_kept_or_rejected_by_config(ins: Insightly):
    event = ins.event()
    ok = ins.call(
        "PUT", "/events", json={"EVENT_ID": event["EVENT_ID"], "DETAILS": "x", "END_DATE_UTC": None}
    )
    assert ok.json()["END_DATE_UTC"] == "2026-03-12 16:10:00"
    ins.sandbox.control("POST", "insightly/config", {"null_end_date": "reject"})
    rejected = ins.call("PUT", "/events", json={"EVENT_ID": event["EVENT_ID"], "END_DATE_UTC": None})
    assert_message(rejected, 400)


@pytest.mark.parametrize(("event_id", "status"), [(424242, 404), (None, 400), ("abc", 400)])
def test_given_bad_event_id_when_put_then_error(ins: Insightly, event_id: Any, status: int):
    assert_message(ins.call("PUT", "/events", json={"EVENT_ID": event_id, "DETAILS": "x"}), status)


def test_given_links_when_added_then_name_kept_as_sent_in_creation_order(ins: Insightly):
    event = ins.event()
    eid = event["EVENT_ID"]
    first = ins.call(
        "POST", f"/events/{eid}/links", json={"LINK_OBJECT_NAME": "contact", "LINK_OBJECT_ID": 101}
    )
    assert first.status_code == 201
    link = first.json()
    assert (link["OBJECT_NAME"], link["OBJECT_ID"], link["LINK_OBJECT_NAME"], link["LINK_OBJECT_ID"]) == (
        "Event",
        eid,
        "contact",
        101,
    )
    ins.call("POST", f"/events/{eid}/links", json={"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": 301})
    ins.call("POST", f"/events/{eid}/links", json={"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": 301})
    links = ins.call("GET", f"/events/{eid}").json()["LINKS"]
    assert [(x["LINK_OBJECT_NAME"], x["LINK_OBJECT_ID"]) for x in links] == [
        ("contact", 101),
        ("Organisation", 301),
        ("Organisation", 301),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"LINK_OBJECT_NAME": "Widget", "LINK_OBJECT_ID": 1},
        {"LINK_OBJECT_NAME": "lead", "LINK_OBJECT_ID": 999},
        {},
    ],
)
def test_given_invalid_link_when_added_then_400(ins: Insightly, body: dict[str, Any]):
    assert_message(ins.call("POST", f"/events/{ins.event()['EVENT_ID']}/links", json=body), 400)


def test_given_link_when_deleted_then_202_and_gone(ins: Insightly):
    eid = ins.event()["EVENT_ID"]
    link = ins.call(
        "POST", f"/events/{eid}/links", json={"LINK_OBJECT_NAME": "Project", "LINK_OBJECT_ID": 501}
    ).json()
    assert ins.call("DELETE", f"/events/{eid}/links/{link['LINK_ID']}").status_code == 202
    assert ins.call("GET", f"/events/{eid}/links").json() == []
    assert_message(ins.call("DELETE", f"/events/{eid}/links/{link['LINK_ID']}"), 404)


def test_given_unknown_event_when_linking_then_404(ins: Insightly):
    assert_message(
        ins.call("POST", "/events/424242/links", json={"LINK_OBJECT_NAME": "lead", "LINK_OBJECT_ID": 201}),
        404,
    )


# -- event search ------------------------------------------------------------------------------------------


def _search_events(ins: Insightly, **params: str) -> requests.Response:
    return ins.call("GET", "/Events/Search", params=params)


def test_given_title_and_updated_after_when_searching_events_then_recent_events_with_that_title_in_order(
    ins: Insightly,
):
    clock = "insightly/clock"
    ins.sandbox.control("POST", clock, {"now": "2026-07-14T10:00:00Z", "freeze": True})
    old = ins.event()
    ins.sandbox.control("POST", clock, {"now": "2026-07-14T12:00:00Z", "freeze": True})
    first, second = ins.event(), ins.event()
    ins.event(TITLE="Another call")
    ins.call(
        "POST",
        f"/events/{first['EVENT_ID']}/links",
        json={"LINK_OBJECT_NAME": "Contact", "LINK_OBJECT_ID": 101},
    )
    response = _search_events(
        ins,
        field_name="title",
        field_value=" outbound call to maya patel ",
        updated_after_utc="2026-07-14T11:59:00Z",
    )
    assert response.status_code == 200
    found = response.json()
    assert [e["EVENT_ID"] for e in found] == [first["EVENT_ID"], second["EVENT_ID"]]
    assert [(x["LINK_OBJECT_NAME"], x["LINK_OBJECT_ID"]) for x in found[0]["LINKS"]] == [("Contact", 101)]
    everything = _search_events(ins, field_name="TITLE", field_value=EVENT["TITLE"]).json()
    assert [e["EVENT_ID"] for e in everything] == [old["EVENT_ID"], first["EVENT_ID"], second["EVENT_ID"]]


def test_given_updated_after_only_and_paging_when_searching_events_then_brief_page_and_total(ins: Insightly):
    ins.sandbox.control("POST", "insightly/clock", {"now": "2026-07-14T12:00:00Z", "freeze": True})
    ids = [ins.event()["EVENT_ID"] for _ in range(3)]
    response = _search_events(
        ins, updated_after_utc="2026-07-14T12:00:00Z", brief="true", skip="1", top="1", count_total="true"
    )
    assert response.headers["X-Total-Count"] == "3"
    [event] = response.json()
    assert event["EVENT_ID"] == ids[1]
    assert "LINKS" not in event


def test_given_event_updated_later_when_searching_updated_after_then_found(ins: Insightly):
    ins.sandbox.control("POST", "insightly/clock", {"now": "2026-07-14T10:00:00Z", "freeze": True})
    event = ins.event()
    assert _search_events(ins, updated_after_utc="2026-07-14T11:00:00Z").json() == []
    ins.sandbox.control("POST", "insightly/clock", {"now": "2026-07-14T12:00:00Z", "freeze": True})
    ins.call("PUT", "/events", json={"EVENT_ID": event["EVENT_ID"], "DETAILS": "later"})
    [found] = _search_events(ins, updated_after_utc="2026-07-14T11:00:00Z").json()
    assert (found["EVENT_ID"], found["DATE_UPDATED_UTC"]) == (event["EVENT_ID"], "2026-07-14 12:00:00")


@pytest.mark.parametrize(
    "params",
    [
        {"field_name": "TITLE"},
        {"field_value": "x"},
        {"field_name": "COLOUR", "field_value": "x"},
        {"updated_after_utc": "yesterday"},
        {"top": "-1"},
    ],
)
def test_given_bad_event_search_when_requested_then_400_message(ins: Insightly, params: dict[str, str]):
    assert_message(_search_events(ins, **params), 400)


def test_given_no_key_when_searching_events_then_401(ins: Insightly):
    assert_message(ins.call("GET", "/events/search", key=None), 401)


# -- rate limits -------------------------------------------------------------------------------------------


def test_given_rate_limit_when_exhausted_then_429_message_and_headers(ins: Insightly):
    ins.sandbox.control("POST", "insightly/ratelimit", {"limit": 1, "window_seconds": 60})
    first = ins.call("GET", "/users/me")
    assert first.headers["X-RateLimit-Limit"] == "1"
    assert first.headers["X-RateLimit-Remaining"] == "0"
    assert_message(ins.call("GET", "/users/me"), 429)
