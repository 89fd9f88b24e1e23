"""Contract of the sandbox Redtail: /authentication, user-key auth, contact search and creation, lists,
activities and activity notes."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

from tests.local.sandbox.conftest import Sandbox

API_KEY = "sandbox-redtail-partner-key"
USER_KEY = "rt-user-key-97501"
ACTIVITY = {
    "subject": "Redtail call subject",
    "description": "<b>Agent notes</b><br>Test note content<br><br>More",
    "start_date": "2026-01-02T03:04:05.000Z",
    "end_date": "2026-01-02T03:09:05.000Z",
    "activity_code_id": 3,
    "category_id": 1,
    "repeats": "never",
    "linked_contacts": [{"contact_id": 201}],
    "attendees": [{"type": "Crm::Activity::Attendee::User", "user_id": 97502}],
}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class Redtail:
    def __init__(self, sandbox: Sandbox, prefix: str = "/api/public/v1") -> None:
        self.sandbox = sandbox
        self.base = f"{sandbox.base('redtail')}{prefix}"
        self.auth = b64(f"{API_KEY}:{USER_KEY}")

    def call(self, method: str, path: str, auth: str | None = "default", **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if auth is not None:
            headers["Authorization"] = self.auth if auth == "default" else auth
        return self.sandbox.http.request(method, f"{self.base}{path}", headers=headers, **kwargs)

    def activity(self, **changes: Any) -> dict[str, Any]:
        response = self.call("POST", "/activities", json={**ACTIVITY, **changes})
        assert response.status_code == 201, response.text
        return response.json()["activity"]


@pytest.fixture
def rt(sandbox: Sandbox) -> Redtail:
    return Redtail(sandbox)


def assert_error(response: requests.Response, status: int) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    assert body.get("message") or body.get("errors")
    return body


# -- authentication ----------------------------------------------------------------------------------------


def test_given_api_key_username_password_when_authenticating_then_user_key(rt: Redtail):
    response = rt.call("GET", "/authentication", auth=f"Basic {b64(f'{API_KEY}:rt.agent:sandbox-password')}")
    assert response.status_code == 200
    user = response.json()["authenticated_user"]
    assert (user["id"], user["user_key"], user["first_name"], user["database_id"]) == (
        97501,
        USER_KEY,
        "Casey",
        4321,
    )


@pytest.mark.parametrize(
    "credentials",
    [
        f"{API_KEY}:rt.agent:wrong",
        "bad-key:rt.agent:sandbox-password",
        f"{API_KEY}:nobody:sandbox-password",
        "x",
    ],
)
def test_given_bad_credentials_when_authenticating_then_401_invalid_credentials(
    rt: Redtail, credentials: str
):
    body = assert_error(rt.call("GET", "/authentication", auth=f"Basic {b64(credentials)}"), 401)
    assert body == {"message": "Invalid credentials"}


def test_given_bare_base64_user_key_header_when_calling_then_accepted(rt: Redtail):
    assert rt.call("GET", "/lists/categories").status_code == 200


def test_given_userkeyauth_scheme_when_calling_then_accepted(rt: Redtail):
    assert rt.call("GET", "/lists/categories", auth=f"userkeyauth {rt.auth}").status_code == 200


def test_given_path_without_public_prefix_when_calling_then_same_api(sandbox: Sandbox):
    assert Redtail(sandbox, prefix="").call("GET", "/lists/categories").status_code == 200


@pytest.mark.parametrize("auth", [None, b64(f"{API_KEY}:unknown"), b64(f"other:{USER_KEY}"), "Basic abc"])
def test_given_bad_user_key_auth_when_calling_then_401(rt: Redtail, auth: str | None):
    assert_error(rt.call("GET", "/lists/categories", auth=auth), 401)


def test_given_revoked_user_key_when_calling_then_401(rt: Redtail):
    rt.sandbox.control("POST", "redtail/expire", {"user_key": USER_KEY})
    assert rt.call("GET", "/lists/categories").status_code == 401


def test_given_minted_credentials_when_used_then_authorization_header_works(rt: Redtail):
    minted = rt.sandbox.control("POST", "redtail/tokens", {"user_id": 97502}, expect=201)
    assert minted["api_url"].endswith("/redtail/api/public/v1")
    assert rt.call("GET", "/lists/categories", auth=minted["authorization"]).status_code == 200


# -- contacts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("4155550142", [201, 202]),
        ("14155550142", [201, 202]),
        ("+1 415 555 0163", [204]),
        ("15550101", [203]),
        ("9999999999", []),
    ],
)
def test_given_phone_number_when_searching_then_digits_suffix_match(
    rt: Redtail, number: str, expected: list[int]
):
    body = rt.call("GET", "/contacts/search_basic", params={"phone_number": number}).json()
    assert [c["id"] for c in body["contacts"]] == expected
    assert body["meta"] == {"total_records": len(expected), "total_pages": 1}


def test_given_match_when_searching_then_contact_fields_the_connector_reads(rt: Redtail):
    contact = rt.call("GET", "/contacts/search_basic", params={"phone_number": "4155550142"}).json()[
        "contacts"
    ][0]
    assert (contact["first_name"], contact["middle_name"], contact["last_name"]) == ("Dana", "A", "Client")
    assert contact["full_name"] == "Dana A Client"
    assert contact["job_title"] == "Retired"
    assert contact["created_at"] == "2026-07-01T10:00:00.000Z"
    assert contact["updated_at"]
    assert contact["phones"][0]["number"] == "4155550142"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Dana", [201, 202]), ("dana client", [201]), ("O'Connor", [203]), ("Acme", [205]), ("Nobody", [])],
)
def test_given_name_when_searching_then_case_insensitive_substring(
    rt: Redtail, name: str, expected: list[int]
):
    body = rt.call("GET", "/contacts/search_basic", params={"name": name}).json()
    assert [c["id"] for c in body["contacts"]] == expected


def test_given_neither_parameter_when_searching_then_400(rt: Redtail):
    assert_error(rt.call("GET", "/contacts/search_basic"), 400)


def test_given_connector_body_when_creating_contact_then_201_and_searchable(rt: Redtail):
    body = {
        "type": "Crm::Contact::Individual",
        "first_name": "Taylor",
        "last_name": "Nguyen",
        "phones": [{"phone_type": 6, "number": "4155557031", "country_code": 1}],
    }
    response = rt.call("POST", "/contacts", json=body)
    assert response.status_code == 201
    contact = response.json()["contact"]
    assert (contact["first_name"], contact["last_name"]) == ("Taylor", "Nguyen")
    found = rt.call("GET", "/contacts/search_basic", params={"phone_number": "4155557031"}).json()["contacts"]
    assert [c["id"] for c in found] == [contact["id"]]


def test_given_single_word_name_when_creating_contact_then_last_name_only_accepted(rt: Redtail):
    body = {"type": "Crm::Contact::Individual", "first_name": "", "last_name": "Prince", "phones": []}
    assert rt.call("POST", "/contacts", json=body).json()["contact"]["full_name"] == "Prince"


@pytest.mark.parametrize(
    "body",
    [
        {"type": "Crm::Contact::Alien", "last_name": "X"},
        {"type": "Crm::Contact::Individual"},
        {"type": "Crm::Contact::Individual", "last_name": "X", "phones": [{"number": "abc"}]},
        {
            "type": "Crm::Contact::Individual",
            "last_name": "X",
            "phones": [{"number": "415", "country_code": "one"}],
        },
    ],
)
def test_given_invalid_contact_when_creating_then_422_errors(rt: Redtail, body: dict[str, Any]):
    assert_error(rt.call("POST", "/contacts", json=body), 422)


# -- lists -------------------------------------------------------------------------------------------------


def test_given_categories_when_listed_then_deleted_ones_included_with_flag(rt: Redtail):
    categories = rt.call("GET", "/lists/categories").json()["categories"]
    assert [(c["id"], c["name"], c["deleted"]) for c in categories] == [
        (1, "Client", False),
        (2, "Prospect", False),
        (7, "Service", False),
        (9, "Old category", True),
    ]


def test_given_database_users_when_listed_then_id_and_names(rt: Redtail):
    users = rt.call("GET", "/lists/database_users").json()["database_users"]
    assert [(u["id"], u["first_name"], u["last_name"]) for u in users] == [
        (97501, "Casey", "Morgan"),
        (97502, "Dana", "Advisor"),
        (97503, "Pat", "Assistant"),
    ]


def test_given_activity_codes_when_listed_then_call_code_three_present(rt: Redtail):
    codes = rt.call("GET", "/lists/activity_codes").json()["activity_codes"]
    assert {"id": 3, "name": "Call", "deleted": False} in codes


# -- activities --------------------------------------------------------------------------------------------


def test_given_connector_activity_when_created_then_201_with_id(rt: Redtail):
    activity = rt.activity()
    assert activity["id"] >= 5001
    assert (activity["activity_code_id"], activity["category_id"], activity["repeats"]) == (3, 1, "never")
    assert activity["attendees"][0]["user_id"] == 97502


def test_given_include_header_when_activity_fetched_then_linked_contact_names(rt: Redtail):
    aid = rt.activity()["id"]
    body = rt.call("GET", f"/activities/{aid}", headers={"include": "linked_contacts"}).json()["activity"]
    assert body["linked_contacts"] == [
        {"contact_id": 201, "first_name": "Dana", "last_name": "Client", "full_name": "Dana A Client"}
    ]
    assert (body["subject"], body["description"], body["category_id"]) == (
        ACTIVITY["subject"],
        ACTIVITY["description"],
        1,
    )


def test_given_no_include_when_activity_fetched_then_linked_contacts_absent(rt: Redtail):
    aid = rt.activity()["id"]
    assert "linked_contacts" not in rt.call("GET", f"/activities/{aid}").json()["activity"]
    query = rt.call("GET", f"/activities/{aid}", params={"include": "linked_contacts"}).json()["activity"]
    assert query["linked_contacts"][0]["contact_id"] == 201


@pytest.mark.parametrize(
    "change",
    [
        {"subject": ""},
        {"start_date": "soon"},
        {"activity_code_id": 99},
        {"activity_code_id": 5},
        {"category_id": 9},
        {"linked_contacts": []},
        {"linked_contacts": [{"contact_id": 999}]},
        {"repeats": "hourly"},
        {"attendees": [{"type": "Crm::Activity::Attendee::User", "user_id": 1}]},
        {"end_date": "2026-01-01T00:00:00Z"},
        {"completed": "yes"},
    ],
)
def test_given_invalid_activity_when_created_then_422(rt: Redtail, change: dict[str, Any]):
    assert_error(rt.call("POST", "/activities", json={**ACTIVITY, **change}), 422)


def test_given_message_activity_without_category_when_created_then_category_null(rt: Redtail):
    body = {k: v for k, v in ACTIVITY.items() if k not in ("category_id", "attendees")}
    response = rt.call("POST", "/activities", json=body)
    assert response.json()["activity"]["category_id"] is None


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_given_partial_update_when_sent_then_merged_and_absent_category_unchanged(rt: Redtail, method: str):
    aid = rt.activity()["id"]
    response = rt.call(method, f"/activities/{aid}", json={"completed": True})
    assert response.status_code == 200
    assert (response.json()["activity"]["completed"], response.json()["activity"]["category_id"]) == (True, 1)
    changed = rt.call(
        method,
        f"/activities/{aid}",
        json={"category_id": 7, "description": "new", "end_date": "2026-01-02T03:19:05.000Z"},
    ).json()["activity"]
    assert (changed["category_id"], changed["description"], changed["end_date"]) == (
        7,
        "new",
        "2026-01-02T03:19:05.000Z",
    )


def test_given_unknown_activity_when_read_or_updated_then_404(rt: Redtail):
    assert_error(rt.call("GET", "/activities/424242"), 404)
    assert_error(rt.call("PUT", "/activities/424242", json={"completed": True}), 404)


def test_given_invalid_update_when_sent_then_422_and_unchanged(rt: Redtail):
    aid = rt.activity()["id"]
    assert_error(rt.call("PUT", f"/activities/{aid}", json={"category_id": 9}), 422)
    assert rt.call("GET", f"/activities/{aid}").json()["activity"]["category_id"] == 1


def test_given_activity_note_when_created_then_201_note(rt: Redtail):
    aid = rt.activity()["id"]
    response = rt.call(
        "POST", f"/activities/{aid}/notes", json={"category_id": 1, "note_type": 1, "body": "Test note"}
    )
    assert response.status_code == 201
    note = response.json()["note"]
    assert (note["activity_id"], note["category_id"], note["note_type"], note["body"]) == (
        aid,
        1,
        1,
        "Test note",
    )
    assert rt.call("GET", f"/activities/{aid}/notes").json()["notes"] == [note]


@pytest.mark.parametrize(
    "body",
    [{"category_id": 1, "note_type": 1}, {"body": "x", "category_id": 9}, {"body": "x", "note_type": "one"}],
)
def test_given_invalid_note_when_created_then_422(rt: Redtail, body: dict[str, Any]):
    assert_error(rt.call("POST", f"/activities/{rt.activity()['id']}/notes", json=body), 422)


def test_given_note_for_unknown_activity_then_404(rt: Redtail):
    assert_error(rt.call("POST", "/activities/424242/notes", json={"body": "x"}), 404)


def test_given_rate_limit_when_exhausted_then_429(rt: Redtail):
    rt.sandbox.control("POST", "redtail/ratelimit", {"limit": 0})
    assert_error(rt.call("GET", "/lists/categories"), 429)


def test_given_activities_on_several_days_when_listed_by_date_range_then_only_those_dated_within(rt: Redtail):
    inside = rt.activity(start_date="2026-01-02T03:04:05.000Z", end_date="2026-01-02T03:09:05.000Z")
    rt.activity(start_date="2026-03-01T10:00:00.000Z", end_date="2026-03-01T10:05:00.000Z")

    response = rt.call(
        "GET",
        "/activities",
        params={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-01-03T00:00:00Z"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert [a["id"] for a in body["activities"]] == [inside["id"]]
    assert body["activities"][0]["linked_contacts"][0]["contact_id"] == 201
    assert body["meta"] == {"total_records": 1, "total_pages": 1}


def test_given_more_users_than_a_page_when_database_users_listed_then_paged_with_meta(
    rt: Redtail, sandbox: Sandbox
) -> None:
    sandbox.control(
        "POST", "redtail/seed", {"users": [{"first_name": f"U{i}", "last_name": "Paged"} for i in range(60)]}
    )

    first = rt.call("GET", "/lists/database_users").json()
    second = rt.call("GET", "/lists/database_users", params={"page": 2}).json()

    assert first["meta"]["total_pages"] == 2
    assert len(first["database_users"]) == 50
    assert {u["id"] for u in first["database_users"]}.isdisjoint({u["id"] for u in second["database_users"]})
    assert first["meta"]["total_records"] == len(first["database_users"]) + len(second["database_users"])
