"""Contract of the sandbox Pipedrive: OAuth, v1/v2 endpoints, validation and error bodies, search semantics,
pagination and rate-limit headers."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.local.sandbox.conftest import Sandbox, query_of

CLIENT = ("sandbox-pipedrive-client", "sandbox-pipedrive-secret")
REDIRECT = "http://localhost:3000/oauth-callback"


class Pipedrive:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.base = sandbox.base("pipedrive")
        self.token = sandbox.control("POST", "pipedrive/tokens", {}, expect=201)["access_token"]

    def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {token or self.token}", **kwargs.pop("headers", {})}
        return self.sandbox.http.request(method, f"{self.base}{path}", headers=headers, **kwargs)

    def authorize(self, **params: str) -> requests.Response:
        query = {
            "client_id": CLIENT[0],
            "redirect_uri": REDIRECT,
            "state": "platform=pipedrive&hostname=temp",
        }
        query.update(params)
        return self.sandbox.http.get(f"{self.base}/oauth/authorize", params=query, allow_redirects=False)

    def token_call(self, data: dict[str, str], auth: tuple[str, str] | None = CLIENT) -> requests.Response:
        return self.sandbox.http.post(f"{self.base}/oauth/token", data=data, auth=auth)

    def code(self) -> str:
        return query_of(self.authorize().headers["Location"])["code"]


@pytest.fixture
def pd(sandbox: Sandbox) -> Pipedrive:
    return Pipedrive(sandbox)


def assert_pd_error(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert body["errorCode"] == status
    assert isinstance(body["error"], str)
    assert body["error"]
    return body


# -- OAuth -------------------------------------------------------------------------------------------------


def test_given_authorize_request_when_opened_then_redirects_with_code_and_state(pd: Pipedrive):
    response = pd.authorize()
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    query = query_of(location)
    assert query["state"] == "platform=pipedrive&hostname=temp"
    assert query["code"]


def test_given_unknown_client_when_authorizing_then_400_page(pd: Pipedrive):
    assert pd.authorize(client_id="nobody").status_code == 400


def test_given_code_when_exchanged_with_basic_client_auth_then_tokens_and_api_domain(pd: Pipedrive):
    response = pd.token_call(
        {"grant_type": "authorization_code", "code": pd.code(), "redirect_uri": REDIRECT}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3599
    assert body["access_token"]
    assert body["refresh_token"]
    assert body["api_domain"] == pd.base
    assert pd.call("GET", "/v1/users/me", token=body["access_token"]).status_code == 200


def test_given_client_credentials_in_form_when_exchanging_then_accepted(pd: Pipedrive):
    data = {
        "grant_type": "authorization_code",
        "code": pd.code(),
        "redirect_uri": REDIRECT,
        "client_id": CLIENT[0],
        "client_secret": CLIENT[1],
    }
    assert pd.token_call(data, auth=None).status_code == 200


def test_given_used_code_when_exchanged_again_then_400_invalid_grant(pd: Pipedrive):
    data = {"grant_type": "authorization_code", "code": pd.code(), "redirect_uri": REDIRECT}
    assert pd.token_call(data).status_code == 200
    again = pd.token_call(data)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert "authorization_code" in again.json()["message"]


def test_given_code_older_than_five_minutes_when_exchanged_then_invalid_grant(pd: Pipedrive):
    code = pd.code()
    pd.sandbox.control("POST", "pipedrive/clock", {"advance_seconds": 301})
    response = pd.token_call({"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT})
    assert response.json()["error"] == "invalid_grant"


def test_given_other_redirect_uri_when_exchanging_then_invalid_grant(pd: Pipedrive):
    response = pd.token_call(
        {"grant_type": "authorization_code", "code": pd.code(), "redirect_uri": "http://evil/cb"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_given_wrong_client_secret_when_exchanging_then_401_invalid_client(pd: Pipedrive):
    response = pd.token_call(
        {"grant_type": "authorization_code", "code": pd.code(), "redirect_uri": REDIRECT},
        auth=(CLIENT[0], "wrong"),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_given_unknown_grant_type_when_posted_then_400_unsupported_grant_type(pd: Pipedrive):
    response = pd.token_call({"grant_type": "password"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_given_json_body_when_token_posted_then_400_invalid_request(pd: Pipedrive):
    response = pd.sandbox.http.post(
        f"{pd.base}/oauth/token", json={"grant_type": "refresh_token"}, auth=CLIENT
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_given_refresh_token_when_used_twice_then_second_is_invalid_grant(pd: Pipedrive):
    tokens = pd.sandbox.control("POST", "pipedrive/tokens", {}, expect=201)
    first = pd.token_call({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert first.status_code == 200
    assert first.json()["refresh_token"] != tokens["refresh_token"]
    second = pd.token_call({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


def test_given_reuse_rotation_when_refreshed_twice_then_same_refresh_token_keeps_working(pd: Pipedrive):
    pd.sandbox.control("POST", "pipedrive/config", {"refresh_token_rotation": "reuse"})
    tokens = pd.sandbox.control("POST", "pipedrive/tokens", {}, expect=201)
    for _ in range(2):
        response = pd.token_call({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
        assert response.status_code == 200
        assert response.json()["refresh_token"] == tokens["refresh_token"]


def test_given_expired_access_token_when_data_requested_then_401_pipedrive_shape(pd: Pipedrive):
    pd.sandbox.control("POST", "pipedrive/expire", {"token": pd.token})
    body = assert_pd_error(pd.call("GET", "/v1/users/me"), 401)
    assert body["error"] == "unauthorized access"


def test_given_revoked_refresh_token_when_access_token_used_then_401(pd: Pipedrive):
    tokens = pd.sandbox.control("POST", "pipedrive/tokens", {}, expect=201)
    revoke = pd.sandbox.http.post(
        f"{pd.base}/oauth/revoke", data={"token": tokens["refresh_token"]}, auth=CLIENT
    )
    assert revoke.status_code == 200
    assert pd.call("GET", "/v1/users/me", token=tokens["access_token"]).status_code == 401


def test_given_revoke_without_client_auth_when_posted_then_401(pd: Pipedrive):
    response = pd.sandbox.http.post(f"{pd.base}/oauth/revoke", data={"token": pd.token})
    assert response.status_code == 401


def test_given_unknown_token_when_revoked_then_200(pd: Pipedrive):
    assert (
        pd.sandbox.http.post(f"{pd.base}/oauth/revoke", data={"token": "nope"}, auth=CLIENT).status_code
        == 200
    )


# -- users and activity types ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/users/me", "/api/v1/users/me"])
def test_given_token_when_users_me_requested_then_user_and_company_fields(pd: Pipedrive, path: str):
    response = pd.call("GET", path)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == 12345
    assert data["name"] == "Jordan Lee"
    assert data["timezone_name"] == "America/New_York"
    assert data["timezone_offset"] == "-04:00"
    assert (data["company_id"], data["company_name"], data["company_domain"]) == (
        7001,
        "Sandbox Realty Ltd",
        "sandbox",
    )
    assert response.headers["x-ratelimit-limit"]
    assert response.headers["x-ratelimit-remaining"]
    assert response.headers["x-ratelimit-reset"]


def test_given_no_token_when_users_me_requested_then_401(pd: Pipedrive):
    response = pd.sandbox.http.get(f"{pd.base}/v1/users/me")
    assert_pd_error(response, 401)


def test_given_users_when_listed_then_deleted_users_are_flagged(pd: Pipedrive):
    users = pd.call("GET", "/api/v1/users").json()["data"]
    assert {u["id"]: u["is_deleted"] for u in users} == {12345: False, 12346: False, 12347: True}


def test_given_activity_types_when_listed_then_inactive_types_included_with_flag(pd: Pipedrive):
    types = pd.call("GET", "/v1/activityTypes").json()["data"]
    by_key = {t["key_string"]: t for t in types}
    assert by_key["call"]["active_flag"] is True
    assert by_key["sms"]["name"] == "SMS"
    assert by_key["old_call"]["active_flag"] is False


# -- persons -----------------------------------------------------------------------------------------------


def search(pd: Pipedrive, **params: str) -> requests.Response:
    return pd.call("GET", "/api/v2/persons/search", params=params)


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("4155550142", [101, 105]),  # stored as "(415) 555-0142" and "4155550142"
        ("4155551234", [102]),  # stored as "415.555.1234"
        ("2079460958", [103]),  # stored as "+44 20 7946 0958"
        ("+33 6 12 34 56 78", [104]),  # the second phone of a person
        ("0000000000", []),
    ],
)
def test_given_phone_term_when_searching_then_digits_contained_in_stored_phones_match(
    pd: Pipedrive, term: str, expected: list[int]
):
    response = search(pd, term=term, fields="phone")
    assert response.status_code == 200
    assert [i["item"]["id"] for i in response.json()["data"]["items"]] == expected


def test_given_phone_match_when_searching_then_item_shape_as_connector_reads_it(pd: Pipedrive):
    body = search(pd, term="4155550142", fields="phone").json()
    item = body["data"]["items"][0]["item"]
    assert item["type"] == "person"
    assert item["name"] == "Maya Patel"
    assert item["phones"] == ["(415) 555-0142"]
    assert item["organization"]["name"] == "Acme Logistics"
    assert "add_time" not in item
    assert body["additional_data"] == {"next_cursor": None}


def test_given_search_item_times_enabled_when_searching_then_add_and_update_time_included(pd: Pipedrive):
    pd.sandbox.control("POST", "pipedrive/config", {"search_item_times": True})
    item = search(pd, term="4155550142", fields="phone").json()["data"]["items"][0]["item"]
    assert item["add_time"] == "2026-07-01T10:00:00Z"
    assert item["update_time"] == "2026-07-02T12:00:00Z"


def test_given_name_term_when_searching_then_case_insensitive_substring(pd: Pipedrive):
    items = search(pd, term="patel", fields="name").json()["data"]["items"]
    assert [i["item"]["name"] for i in items] == ["Maya Patel", "Sam Patel"]


def test_given_exact_match_when_searching_name_then_only_equal_names(pd: Pipedrive):
    items = search(pd, term="maya patel", fields="name", exact_match="true").json()["data"]["items"]
    assert [i["item"]["id"] for i in items] == [101]
    assert search(pd, term="patel", fields="name", exact_match="true").json()["data"]["items"] == []


def test_given_unicode_name_when_searching_then_found(pd: Pipedrive):
    items = search(pd, term="Siobhán", fields="name").json()["data"]["items"]
    assert [i["item"]["id"] for i in items] == [106]


def test_given_name_fields_when_searching_digits_then_phone_not_considered(pd: Pipedrive):
    assert search(pd, term="4155550142", fields="name").json()["data"]["items"] == []


def test_given_limit_when_searching_then_cursor_pages_through_results(pd: Pipedrive):
    first = search(pd, term="patel", fields="name", limit="1").json()
    assert len(first["data"]["items"]) == 1
    cursor = first["additional_data"]["next_cursor"]
    assert cursor
    second = search(pd, term="patel", fields="name", limit="1", cursor=cursor).json()
    assert second["data"]["items"][0]["item"]["name"] == "Sam Patel"
    assert second["additional_data"]["next_cursor"] is None


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"term": "a"},
        {"term": "ab", "fields": "address"},
        {"term": "ab", "limit": "0"},
        {"term": "ab", "cursor": "!!"},
    ],
)
def test_given_invalid_search_when_requested_then_400(pd: Pipedrive, params: dict[str, str]):
    assert_pd_error(search(pd, **params), 400)


def test_given_person_id_when_requested_then_v2_person_with_org_id(pd: Pipedrive):
    data = pd.call("GET", "/api/v2/persons/101").json()["data"]
    assert data["org_id"] == 201
    assert data["phones"] == [{"value": "(415) 555-0142", "primary": True, "label": "work"}]
    assert pd.call("GET", "/api/v2/persons/104").json()["data"]["org_id"] is None


def test_given_unknown_person_when_requested_then_404(pd: Pipedrive):
    assert_pd_error(pd.call("GET", "/api/v2/persons/999"), 404)
    assert_pd_error(pd.call("GET", "/api/v2/persons/abc"), 400)


def test_given_name_and_phone_when_creating_person_then_201_and_searchable(pd: Pipedrive):
    response = pd.call("POST", "/v1/persons", json={"name": "Taylor Morgan", "phone": "+14155557031"})
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["name"] == "Taylor Morgan"
    assert data["phone"] == [{"value": "+14155557031", "primary": True, "label": ""}]
    assert data["owner_id"]["id"] == 12345
    items = search(pd, term="4155557031", fields="phone").json()["data"]["items"]
    assert [i["item"]["id"] for i in items] == [data["id"]]


def test_given_phone_objects_when_creating_person_then_labels_kept(pd: Pipedrive):
    phones = [{"value": "+1 212 555 0100", "primary": True, "label": "mobile"}]
    data = pd.call("POST", "/api/v1/persons", json={"name": "Kim", "phone": phones, "org_id": 202}).json()[
        "data"
    ]
    assert data["phone"] == phones
    assert data["org_id"]["value"] == 202


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "X", "org_id": 9999},
        {"name": "X", "owner_id": 1},
        {"name": "X", "phone": 5},
    ],
)
def test_given_invalid_person_when_creating_then_400(pd: Pipedrive, body: dict[str, Any]):
    assert_pd_error(pd.call("POST", "/v1/persons", json=body), 400)


def test_given_malformed_json_when_creating_person_then_400(pd: Pipedrive):
    response = pd.call("POST", "/v1/persons", data="{oops", headers={"Content-Type": "application/json"})
    assert_pd_error(response, 400)


# -- deals and leads ---------------------------------------------------------------------------------------


def test_given_person_when_open_deals_requested_with_blank_parameter_then_only_open_deals(pd: Pipedrive):
    response = pd.sandbox.http.get(
        f"{pd.base}/api/v2/deals?person_id=101&&status=open", headers={"Authorization": f"Bearer {pd.token}"}
    )
    assert response.status_code == 200
    body = response.json()
    assert [(d["id"], d["title"], d["status"]) for d in body["data"]] == [(2001, "Acme renewal 2026", "open")]
    assert body["additional_data"]["next_cursor"] is None


def test_given_person_without_status_filter_when_deals_requested_then_all_but_deleted(pd: Pipedrive):
    deals = pd.call("GET", "/api/v2/deals", params={"person_id": "101"}).json()["data"]
    assert [d["id"] for d in deals] == [2001, 2002]


def test_given_person_without_deals_when_requested_then_empty_list(pd: Pipedrive):
    assert pd.call("GET", "/api/v2/deals", params={"person_id": "104", "status": "open"}).json()["data"] == []


def test_given_bad_deal_filters_when_requested_then_400(pd: Pipedrive):
    assert_pd_error(pd.call("GET", "/api/v2/deals", params={"person_id": "x"}), 400)
    assert_pd_error(pd.call("GET", "/api/v2/deals", params={"status": "maybe"}), 400)


def test_given_person_when_leads_requested_then_v1_list_with_pagination(pd: Pipedrive):
    body = pd.call("GET", "/v1/leads", params={"person_id": "101"}).json()
    assert [lead["id"] for lead in body["data"]] == ["6f9d3c1e-0000-4000-8000-000000000301"]
    assert body["data"][0]["title"] == "Maya Patel inbound lead"
    assert body["additional_data"]["pagination"] == {
        "start": 0,
        "limit": 100,
        "more_items_in_collection": False,
    }


def test_given_archived_status_filter_when_leads_requested_then_filtered(pd: Pipedrive):
    all_leads = pd.call("GET", "/v1/leads", params={"person_id": "102"}).json()["data"]
    assert [lead["is_archived"] for lead in all_leads] == [True]
    active = pd.call(
        "GET", "/v1/leads", params={"person_id": "102", "archived_status": "not_archived"}
    ).json()
    assert active["data"] == []


# -- activities --------------------------------------------------------------------------------------------


CALL_LOG = {
    "owner_id": 12345,
    "subject": "Outbound Call to Maya Patel",
    "duration": "00:06",
    "deal_id": 2001,
    "note": "<b>Agent notes</b><br>Test note<br><br><b>Call details</b><br>",
    "done": True,
    "due_date": "2026-07-14",
    "due_time": "03:00",
    "participants": [{"person_id": 101, "primary": True}],
    "org_id": 201,
    "type": "call",
}


def test_given_connector_call_log_when_creating_activity_then_stored_with_primary_person(pd: Pipedrive):
    response = pd.call("POST", "/api/v2/activities", json=CALL_LOG)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] >= 9001
    assert data["person_id"] == 101
    assert (data["deal_id"], data["org_id"], data["type"], data["done"]) == (2001, 201, "call", True)
    assert "related_objects" not in response.json()
    stored = pd.sandbox.control("GET", "pipedrive/state?collection=activities")["activities"]
    assert any(a["id"] == data["id"] and a["note"] == CALL_LOG["note"] for a in stored)


def test_given_activities_when_listed_by_person_and_updated_since_then_only_matching_ones(pd: Pipedrive):
    before = pd.call("GET", "/api/v2/activities", params={"person_id": 101}).json()["data"]
    pd.sandbox.control("POST", "pipedrive/clock", {"advance_seconds": 60})
    created = pd.call("POST", "/api/v2/activities", json=CALL_LOG).json()["data"]
    listed = pd.call(
        "GET", "/api/v2/activities", params={"person_id": 101, "updated_since": created["update_time"]}
    ).json()
    assert listed["success"] is True
    assert [a["id"] for a in listed["data"]] == [created["id"]]
    everything = pd.call("GET", "/api/v2/activities", params={"person_id": 101}).json()["data"]
    assert len(everything) == len(before) + 1
    assert pd.call("GET", "/api/v2/activities", params={"person_id": 104}).json()["data"] == []


def test_given_bad_filters_when_listing_activities_then_400(pd: Pipedrive):
    assert_pd_error(pd.call("GET", "/api/v2/activities", params={"person_id": "abc"}), 400)
    assert_pd_error(pd.call("GET", "/api/v2/activities", params={"updated_since": "yesterday"}), 400)


def test_given_many_activities_when_listed_with_limit_then_cursor_pages(pd: Pipedrive):
    for _ in range(3):
        pd.call("POST", "/api/v2/activities", json=CALL_LOG)
    first = pd.call("GET", "/api/v2/activities", params={"person_id": 101, "limit": 2}).json()
    assert len(first["data"]) == 2
    cursor = first["additional_data"]["next_cursor"]
    assert cursor
    second = pd.call(
        "GET", "/api/v2/activities", params={"person_id": 101, "limit": 2, "cursor": cursor}
    ).json()
    assert {a["id"] for a in first["data"]}.isdisjoint({a["id"] for a in second["data"]})


def test_given_empty_deal_id_and_sixty_minutes_when_creating_activity_then_accepted(pd: Pipedrive):
    body = {**CALL_LOG, "deal_id": "", "duration": "00:60"}
    body.pop("org_id")
    data = pd.call("POST", "/api/v2/activities", json=body).json()["data"]
    assert data["deal_id"] is None
    assert data["duration"] == "00:60"


def test_given_lead_only_when_creating_activity_then_lead_linked(pd: Pipedrive):
    body = {**CALL_LOG, "lead_id": "6f9d3c1e-0000-4000-8000-000000000301"}
    body.pop("deal_id")
    assert pd.call("POST", "/api/v2/activities", json=body).json()["data"]["lead_id"] == body["lead_id"]


@pytest.mark.parametrize(
    "change",
    [
        {"type": "old_call"},  # inactive type
        {"type": "nope"},
        {"owner_id": 1},
        {"deal_id": 9999},
        {"lead_id": "not-a-lead"},
        {"org_id": 9999},
        {"participants": [{"person_id": 999, "primary": True}]},
        {"participants": "101"},
        {"due_date": "14/07/2026"},
        {"due_time": "3pm"},
        {"duration": "6"},
        {"done": "yes"},
        {"person_id": 101},  # read-only in v2
        {"unknown_field": 1},
    ],
)
def test_given_invalid_activity_when_creating_then_400(pd: Pipedrive, change: dict[str, Any]):
    assert_pd_error(pd.call("POST", "/api/v2/activities", json={**CALL_LOG, **change}), 400)


def test_given_activity_when_fetched_then_fields_the_connector_reads(pd: Pipedrive):
    created = pd.call("POST", "/api/v2/activities", json=CALL_LOG).json()["data"]
    response = pd.call("GET", f"/api/v2/activities/{created['id']}")
    data = response.json()["data"]
    assert (data["subject"], data["note"], data["deal_id"], data["lead_id"]) == (
        CALL_LOG["subject"],
        CALL_LOG["note"],
        2001,
        None,
    )
    assert "related_objects" not in response.json()


def test_given_related_objects_enabled_when_activity_fetched_then_person_names_included(pd: Pipedrive):
    pd.sandbox.control("POST", "pipedrive/config", {"related_objects": True})
    response = pd.call("GET", "/api/v2/activities/5001")
    assert response.json()["related_objects"] == {"person": {"101": {"id": 101, "name": "Maya Patel"}}}


def test_given_activity_when_patched_then_only_given_fields_change(pd: Pipedrive):
    created = pd.call("POST", "/api/v2/activities", json=CALL_LOG).json()["data"]
    response = pd.call(
        "PATCH",
        f"/api/v2/activities/{created['id']}",
        json={"deal_id": None, "lead_id": "6f9d3c1e-0000-4000-8000-000000000301"},
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["deal_id"], data["lead_id"], data["subject"]) == (
        None,
        "6f9d3c1e-0000-4000-8000-000000000301",
        CALL_LOG["subject"],
    )
    note = pd.call(
        "PATCH", f"/api/v2/activities/{created['id']}", json={"note": "new", "duration": "00:05"}
    ).json()["data"]
    assert (note["note"], note["duration"], note["lead_id"]) == (
        "new",
        "00:05",
        "6f9d3c1e-0000-4000-8000-000000000301",
    )


def test_given_unknown_activity_when_fetched_or_patched_then_404(pd: Pipedrive):
    assert_pd_error(pd.call("GET", "/api/v2/activities/424242"), 404)
    assert_pd_error(pd.call("PATCH", "/api/v2/activities/424242", json={"note": "x"}), 404)


def test_given_invalid_patch_when_sent_then_400_and_activity_unchanged(pd: Pipedrive):
    assert_pd_error(
        pd.call("PATCH", "/api/v2/activities/5001", json={"deal_id": 9999, "note": "changed"}), 400
    )
    assert pd.call("GET", "/api/v2/activities/5001").json()["data"]["note"].startswith("<b>Agent notes</b>")


# -- rate limits and routing -------------------------------------------------------------------------------


def test_given_exhausted_limit_when_searching_then_429_with_pipedrive_body_and_headers(pd: Pipedrive):
    pd.sandbox.control("POST", "pipedrive/ratelimit", {"limit": 1, "window_seconds": 2})
    assert search(pd, term="maya", fields="name").status_code == 200
    response = search(pd, term="maya", fields="name")
    body = assert_pd_error(response, 429)
    assert body["error"] == "Request over limit"
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert response.headers["Retry-After"]


def test_given_unknown_path_when_requested_then_404_pipedrive_shape(pd: Pipedrive):
    assert_pd_error(pd.call("GET", "/api/v2/nothing"), 404)
