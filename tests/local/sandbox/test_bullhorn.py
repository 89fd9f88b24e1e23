"""Contract of the sandbox Bullhorn: OAuth (browser and password flows), REST login and sessions, search
(Lucene subset), query (where subset), entity CRUD with validation, error bodies and rate-limit headers."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.local.sandbox.conftest import Sandbox, query_of

CLIENT_ID, CLIENT_SECRET = "sandbox-bullhorn-client", "sandbox-bullhorn-secret"
REDIRECT = "https://ringcentral.github.io/ringcentral-embeddable/redirect.html"
PHONE_QUERY = '(phone:{n} OR mobile:{n} OR phone2:{n} OR phone3:{n}) AND isDeleted:false NOT status:"{s}"'


class Bullhorn:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.base = sandbox.base("bullhorn")
        minted = sandbox.control("POST", "bullhorn/tokens", {}, expect=201)
        self.rest_url: str = minted["restUrl"]
        self.session: str = minted["BhRestToken"]
        self.tokens = minted

    def rest(self, method: str, path: str, session: str | None = None, **kwargs: Any) -> requests.Response:
        headers = {"BhRestToken": session or self.session, **kwargs.pop("headers", {})}
        return self.sandbox.http.request(method, f"{self.rest_url}{path}", headers=headers, **kwargs)

    def authorize(self, **params: str) -> requests.Response:
        query = {"client_id": CLIENT_ID, "response_type": "code", "redirect_uri": REDIRECT, "state": "st-1"}
        query.update(params)
        return self.sandbox.http.get(f"{self.base}/oauth/authorize", params=query, allow_redirects=False)

    def token(self, **params: str) -> requests.Response:
        query = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **params}
        return self.sandbox.http.post(f"{self.base}/oauth/token", params=query, headers={"Authorization": ""})

    def search(
        self, entity: str, query: str, fields: str = "id,name,phone", **params: str
    ) -> requests.Response:
        return self.rest(
            "POST", f"search/{entity}", params={"fields": fields, **params}, json={"query": query}
        )

    def query(self, entity: str, where: str, fields: str = "id", **params: Any) -> requests.Response:
        return self.rest("GET", f"query/{entity}", params={"fields": fields, "where": where, **params})


@pytest.fixture
def bh(sandbox: Sandbox) -> Bullhorn:
    return Bullhorn(sandbox)


def assert_bh_error(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["errorCode"] == status
    assert body["errorMessage"]
    return body


# -- OAuth and login ---------------------------------------------------------------------------------------


def test_given_browser_authorize_when_opened_then_302_with_code_client_id_and_state(bh: Bullhorn):
    response = bh.authorize()
    assert response.status_code == 302
    query = query_of(response.headers["Location"])
    assert query["client_id"] == CLIENT_ID
    assert query["state"] == "st-1"
    assert query["code"]


def test_given_password_authorize_with_valid_credentials_then_302_with_code(bh: Bullhorn):
    response = bh.authorize(action="Login", username="api.service", password="sandbox-password")
    assert response.status_code == 302
    code = query_of(response.headers["Location"])["code"]
    tokens = bh.token(grant_type="authorization_code", code=code, redirect_uri=REDIRECT).json()
    login = bh.sandbox.http.post(
        f"{bh.base}/rest-services/login", params={"version": "2.0", "access_token": tokens["access_token"]}
    )
    rest, session = login.json()["restUrl"], login.json()["BhRestToken"]
    who = bh.sandbox.http.get(f"{rest}settings/userId", headers={"BhRestToken": session}).json()
    assert who == {"userId": 1002}


def test_given_password_authorize_with_wrong_password_then_200_login_page_not_302(bh: Bullhorn):
    response = bh.authorize(action="Login", username="api.service", password="wrong")
    assert response.status_code == 200
    assert "text/html" in response.headers["Content-Type"]


def test_given_unknown_client_when_authorizing_then_400(bh: Bullhorn):
    assert bh.authorize(client_id="nobody").status_code == 400


def test_given_code_in_query_string_when_exchanged_then_tokens_with_600s_expiry(bh: Bullhorn):
    code = query_of(bh.authorize().headers["Location"])["code"]
    response = bh.token(grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert response.status_code == 200
    body = response.json()
    assert body["expires_in"] == 600
    assert body["access_token"]
    assert body["refresh_token"]
    assert body["token_type"] == "Bearer"


def test_given_used_code_when_exchanged_again_then_invalid_grant(bh: Bullhorn):
    code = query_of(bh.authorize().headers["Location"])["code"]
    assert bh.token(grant_type="authorization_code", code=code, redirect_uri=REDIRECT).status_code == 200
    again = bh.token(grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert again.json()["error_description"]


def test_given_refresh_token_when_reused_then_single_use_invalid_grant(bh: Bullhorn):
    first = bh.token(grant_type="refresh_token", refresh_token=bh.tokens["refresh_token"])
    assert first.status_code == 200
    assert first.json()["refresh_token"] != bh.tokens["refresh_token"]
    second = bh.token(grant_type="refresh_token", refresh_token=bh.tokens["refresh_token"])
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


def test_given_wrong_client_secret_when_token_requested_then_401_invalid_client(bh: Bullhorn):
    response = bh.sandbox.http.post(
        f"{bh.base}/oauth/token",
        params={
            "grant_type": "refresh_token",
            "refresh_token": "x",
            "client_id": CLIENT_ID,
            "client_secret": "no",
        },
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_given_login_info_when_requested_then_oauth_and_rest_urls(bh: Bullhorn):
    body = bh.sandbox.http.get(
        f"{bh.base}/rest-services/loginInfo", params={"username": "bailey.recruiter"}
    ).json()
    assert body["oauthUrl"] == f"{bh.base}/oauth"
    assert body["restUrl"] == f"{bh.base}/rest-services"


def test_given_access_token_when_logging_in_then_rest_url_ends_with_slash_and_session_works(bh: Bullhorn):
    response = bh.sandbox.http.post(
        f"{bh.base}/rest-services/login", params={"version": "2.0", "access_token": bh.tokens["access_token"]}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["restUrl"] == f"{bh.base}/rest-services/sbx1/"
    assert bh.rest("GET", "ping", session=body["BhRestToken"]).status_code == 200


def test_given_invalid_access_token_when_logging_in_then_401(bh: Bullhorn):
    response = bh.sandbox.http.post(
        f"{bh.base}/rest-services/login", params={"version": "2.0", "access_token": "bad"}
    )
    assert_bh_error(response, 401)


def test_given_login_without_version_then_400(bh: Bullhorn):
    response = bh.sandbox.http.post(
        f"{bh.base}/rest-services/login", params={"access_token": bh.tokens["access_token"]}
    )
    assert_bh_error(response, 400)


def test_given_ttl_when_logging_in_then_session_expires_after_ttl_minutes(bh: Bullhorn):
    bh.sandbox.control("POST", "bullhorn/clock", {"now": "2026-07-01T10:00:00Z"})
    access = bh.sandbox.control("POST", "bullhorn/tokens", {}, expect=201)["access_token"]
    login = bh.sandbox.http.post(
        f"{bh.base}/rest-services/login", params={"version": "2.0", "access_token": access, "ttl": "5"}
    )
    ping = bh.rest("GET", "ping", session=login.json()["BhRestToken"]).json()
    assert ping["sessionExpires"] == 1782900000000 + 5 * 60 * 1000


# -- sessions ----------------------------------------------------------------------------------------------


def test_given_session_when_pinged_then_session_expires_is_epoch_ms_number(bh: Bullhorn):
    response = bh.rest("GET", "ping")
    assert response.status_code == 200
    assert isinstance(response.json()["sessionExpires"], int)
    assert response.headers["ratelimit-limit"]
    assert response.headers["ratelimit-remaining"]
    assert response.headers["ratelimit-reset"]


def test_given_session_token_in_query_when_called_then_accepted(bh: Bullhorn):
    response = bh.sandbox.http.get(f"{bh.rest_url}ping", params={"BhRestToken": bh.session})
    assert response.status_code == 200


def test_given_session_near_expiry_when_pinged_then_expiry_within_two_minutes(bh: Bullhorn):
    bh.sandbox.control("POST", "bullhorn/clock", {"now": "2026-07-01T10:00:00Z"})
    minted = bh.sandbox.control("POST", "bullhorn/tokens", {"session_expires_in": 60}, expect=201)
    ping = bh.rest("GET", "ping", session=minted["BhRestToken"]).json()
    assert ping["sessionExpires"] == 1782900000000 + 60_000


def test_given_expired_session_when_called_then_401_invalid_rest_token(bh: Bullhorn):
    bh.sandbox.control("POST", "bullhorn/expire", {"token": bh.session})
    body = assert_bh_error(bh.rest("GET", "ping"), 401)
    assert body["errorMessage"] == "Bad 'BhRestToken' or timed-out."
    assert body["errorMessageKey"] == "errors.authentication.invalidRestToken"


def test_given_session_when_clock_passes_expiry_then_401(bh: Bullhorn):
    bh.sandbox.control("POST", "bullhorn/clock", {"advance_seconds": 601})
    assert_bh_error(bh.rest("GET", "ping"), 401)


def test_given_missing_or_unknown_session_when_called_then_401(bh: Bullhorn):
    assert_bh_error(bh.sandbox.http.get(f"{bh.rest_url}ping"), 401)
    assert_bh_error(bh.rest("GET", "ping", session="nope"), 401)


def test_given_other_corp_token_when_called_then_401(bh: Bullhorn):
    response = bh.sandbox.http.get(f"{bh.base}/rest-services/other/ping", headers={"BhRestToken": bh.session})
    assert_bh_error(response, 401)


# -- settings and meta -------------------------------------------------------------------------------------


def test_given_session_when_comment_actions_requested_then_array_of_strings(bh: Bullhorn):
    body = bh.rest("GET", "settings/commentActionList").json()
    assert body == {"commentActionList": ["Call", "Email", "SMS", "Meeting", "Interview"]}


def test_given_unknown_setting_when_requested_then_400(bh: Bullhorn):
    assert_bh_error(bh.rest("GET", "settings/nothing"), 400)


@pytest.mark.parametrize(
    ("entity", "first"), [("Lead", "New"), ("Candidate", "New"), ("ClientContact", "Active")]
)
def test_given_entity_meta_with_status_when_requested_then_status_options(
    bh: Bullhorn, entity: str, first: str
):
    body = bh.rest("GET", f"meta/{entity}", params={"fields": "status"}).json()
    assert body["entity"] == entity
    status = next(f for f in body["fields"] if f["name"] == "status")
    assert status["options"][0] == {"value": first, "label": first}


def test_given_unknown_entity_when_meta_requested_then_404(bh: Bullhorn):
    assert_bh_error(bh.rest("GET", "meta/Widget", params={"fields": "status"}), 404)


# -- search ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entity", "excluded_status", "expected"),
    [("ClientContact", "Archive", [701]), ("Candidate", "Archived", [84631]), ("Lead", "Converted", [901])],
)
def test_given_national_number_when_searching_phones_then_digit_suffix_matches_minus_excluded_status(
    bh: Bullhorn, entity: str, excluded_status: str, expected: list[int]
):
    response = bh.search(
        entity,
        PHONE_QUERY.format(n="4155550142", s=excluded_status),
        fields="id,name,email,phone,dateAdded,dateLastModified",
    )
    assert response.status_code == 200
    body = response.json()
    assert [r["id"] for r in body["data"]] == expected
    assert body["total"] == len(expected)
    assert body["data"][0]["_score"] == 1.0
    assert set(body["data"][0]) == {"id", "name", "email", "phone", "dateAdded", "dateLastModified", "_score"}


def test_given_candidate_work_phone_when_searching_then_found(bh: Bullhorn):
    body = bh.search("Candidate", "workPhone:2079460321 AND isDeleted:false").json()
    assert [r["id"] for r in body["data"]] == [84631]


def test_given_unknown_number_when_searching_then_empty_result(bh: Bullhorn):
    body = bh.search("ClientContact", PHONE_QUERY.format(n="2125550000", s="Archive")).json()
    assert body == {"total": 0, "start": 0, "count": 0, "data": []}


def test_given_name_search_queries_when_searching_then_phrase_first_and_last_name_match(bh: Bullhorn):
    query = (
        '((name:"Maya Patel" AND isDeleted:false) OR (firstName:Maya AND isDeleted:false)'
        ' OR (lastName:Patel AND isDeleted:false)) NOT status:"Archive"'
    )
    assert [r["id"] for r in bh.search("ClientContact", query).json()["data"]] == [701]
    assert [r["id"] for r in bh.search("Lead", 'name:"maya patel"').json()["data"]] == [903]
    assert bh.search("Lead", 'name:"Patel Maya"').json()["data"] == []
    assert [r["id"] for r in bh.search("ClientContact", "lastName:kim").json()["data"]] == [702]


def test_given_placeholder_company_name_when_searching_then_exact_name_found_once_created(bh: Bullhorn):
    name = "RingCentral_CRM_Extension_Placeholder_Company"
    assert bh.search("ClientCorporation", f"name:{name}", fields="id,name").json()["total"] == 0
    created = bh.rest(
        "PUT", "entity/ClientCorporation", json={"name": name, "companyDescription": "<b>auto</b>"}
    )
    assert created.status_code == 200
    found = bh.search("ClientCorporation", f"name:{name}", fields="id,name").json()
    assert found["total"] == 1
    assert found["data"][0] == {"id": created.json()["changedEntityId"], "name": name, "_score": 1.0}


def test_given_query_as_url_parameter_when_searching_with_get_then_accepted(bh: Bullhorn):
    response = bh.rest(
        "GET", "search/Lead", params={"query": "phone:4155550142 AND isDeleted:false", "fields": "id"}
    )
    assert [r["id"] for r in response.json()["data"]] == [901, 902]


def test_given_no_fields_when_searching_then_ids_only(bh: Bullhorn):
    response = bh.rest("POST", "search/Lead", json={"query": "phone:4155550142"})
    assert response.json()["data"] == [901, 902]


def test_given_start_and_count_when_searching_then_paged_with_total(bh: Bullhorn):
    body = bh.search("ClientContact", "isDeleted:false", fields="id", start="1", count="2").json()
    assert (body["total"], body["start"], body["count"]) == (4, 1, 2)
    assert [r["id"] for r in body["data"]] == [702, 703]


@pytest.mark.parametrize("query", ["", "phone:(", "4155550142", 'name:"unterminated', "dateAdded:[1 TO 2]"])
def test_given_invalid_search_query_then_400(bh: Bullhorn, query: str):
    assert_bh_error(bh.search("ClientContact", query), 400)


def test_given_unknown_field_when_searching_then_404_as_documented(bh: Bullhorn):
    assert_bh_error(bh.search("ClientContact", "isDeleted:false", fields="id,favouriteColour"), 404)
    assert_bh_error(bh.query("CorporateUser", "id=1001", fields="id,shoeSize"), 404)


# -- query -------------------------------------------------------------------------------------------------


def test_given_username_where_with_token_in_query_then_corporate_user_found(bh: Bullhorn):
    response = bh.sandbox.http.get(
        f"{bh.rest_url}query/CorporateUser",
        params={
            "fields": "id,name,timeZoneOffsetEST,masterUserID",
            "BhRestToken": bh.session,
            "where": "username='bailey.recruiter'",
        },
    )
    assert response.json() == {
        "start": 0,
        "count": 1,
        "data": [{"id": 1001, "name": "Bailey Recruiter", "timeZoneOffsetEST": 300, "masterUserID": 456}],
    }


def test_given_active_users_query_when_paging_by_count_then_two_pages_then_empty(bh: Bullhorn):
    seen, start, pages = [], 0, 0
    while True:
        body = bh.query(
            "CorporateUser", "isDeleted=false", fields="id,firstName,lastName,email", start=start
        ).json()
        if not body["data"]:
            break
        assert body["count"] == len(body["data"])
        seen.extend(row["id"] for row in body["data"])
        start = body["start"] + body["count"]
        pages += 1
    assert pages == 2
    assert len(seen) == 25
    assert 1026 not in seen


def test_given_appointment_attendee_query_with_in_and_nested_fields_then_ids_rendered(bh: Bullhorn):
    body = bh.query(
        "AppointmentAttendee",
        "appointment.id IN (6001,6002)",
        fields="id,appointment(id),attendee(id),acceptanceStatus",
        start=0,
        count=2000,
    ).json()
    assert body["data"] == [
        {"id": 7001, "appointment": {"id": 6001}, "attendee": {"id": 84631}, "acceptanceStatus": 1}
    ]


def test_given_appointment_range_query_when_ordered_then_matching_rows(bh: Bullhorn):
    where = "isDeleted=false AND owner.id=1001 AND dateBegin>=1782900000000 AND dateBegin<=1785542399999"
    body = bh.query(
        "Appointment",
        where,
        fields="id,subject,dateBegin,candidateReference",
        orderBy="dateBegin",
        start=0,
        count=20,
    ).json()
    assert [a["id"] for a in body["data"]] == [6001]
    assert body["data"][0]["candidateReference"] == {
        "id": 84631,
        "firstName": "Taylor",
        "lastName": "Candidate",
    }


def test_given_master_user_id_where_when_querying_then_agent_name(bh: Bullhorn):
    assert bh.query("CorporateUser", "masterUserID=456", fields="id,name").json()["data"] == [
        {"id": 1001, "name": "Bailey Recruiter"}
    ]


@pytest.mark.parametrize("where", ["", "id = ", "username='x' AND", "id >> 3", "(id=1"])
def test_given_invalid_where_then_400(bh: Bullhorn, where: str):
    assert_bh_error(bh.query("CorporateUser", where), 400)


def test_given_query_without_fields_then_400(bh: Bullhorn):
    assert_bh_error(bh.rest("GET", "query/CorporateUser", params={"where": "id=1001"}), 400)


# -- entities ----------------------------------------------------------------------------------------------


NOTE = {
    "comments": "<b>Agent notes</b>Test note<b>Call details</b>",
    "personReference": {"id": 701, "personSubtype": "Contact"},
    "action": "Call",
    "dateAdded": 1767323045000,
    "externalID": "rc-session-1",
    "minutesSpent": 3,
}


def test_given_connector_note_when_put_then_insert_and_person_linked_into_association(bh: Bullhorn):
    response = bh.rest("PUT", "entity/Note", json=NOTE)
    assert response.status_code == 200
    body = response.json()
    assert (body["changedEntityType"], body["changeType"]) == ("Note", "INSERT")
    note = bh.rest(
        "GET",
        f"entity/Note/{body['changedEntityId']}",
        params={"fields": "comments,candidates,clientContacts,action,minutesSpent,commentingPerson"},
    ).json()["data"]
    assert note["comments"] == NOTE["comments"]
    assert note["clientContacts"] == {
        "total": 1,
        "data": [{"id": 701, "firstName": "Maya", "lastName": "Patel"}],
    }
    assert note["candidates"] == {"total": 0, "data": []}
    assert note["commentingPerson"]["id"] == 1001
    assert note["minutesSpent"] == 3


def test_given_candidate_note_with_iso_date_and_fraction_minutes_then_stored_as_ms(bh: Bullhorn):
    body = {
        **NOTE,
        "personReference": {"id": 84631, "personSubtype": "Candidate"},
        "dateAdded": "2026-07-14T03:00:00.000Z",
        "minutesSpent": 0.5,
        "commentingPerson": {"id": 1002, "personSubtype": "CorporateUser"},
    }
    note_id = bh.rest("PUT", "entity/Note", json=body).json()["changedEntityId"]
    note = bh.rest(
        "GET",
        f"entity/Note/{note_id}",
        params={"fields": "dateAdded,minutesSpent,candidates,commentingPerson(id)"},
    ).json()["data"]
    assert note["dateAdded"] == 1783998000000
    assert note["minutesSpent"] == 0.5
    assert note["candidates"]["total"] == 1
    assert note["commentingPerson"] == {"id": 1002}


@pytest.mark.parametrize(
    "change",
    [
        {"personReference": None},
        {"personReference": {"id": 999999}},
        {"personReference": {"id": 701, "personSubtype": "Alien"}},
        {"commentingPerson": {"id": 701}},
        {"minutesSpent": "three"},
        {"dateAdded": "not a date"},
        {"favouriteColour": "blue"},
    ],
)
def test_given_invalid_note_when_put_then_400_persist_error(bh: Bullhorn, change: dict[str, Any]):
    body = {**NOTE, **change}
    if change.get("personReference", "") is None:
        body.pop("personReference")
    result = assert_bh_error(bh.rest("PUT", "entity/Note", json=body), 400)
    assert result["errors"][0]["propertyName"]


@pytest.mark.parametrize(("entity", "status"), [("Lead", "New"), ("Candidate", "Submitted")])
def test_given_lead_or_candidate_body_when_put_then_created_and_searchable_by_phone(
    bh: Bullhorn, entity: str, status: str
):
    body = {
        "name": "Taylor Lead",
        "firstName": "Taylor",
        "lastName": "Lead",
        "phone": "+14155556051",
        "status": status,
    }
    created = bh.rest("PUT", f"entity/{entity}", json=body).json()
    assert created["changeType"] == "INSERT"
    found = bh.search(entity, "phone:4155556051 AND isDeleted:false").json()["data"]
    assert [r["id"] for r in found] == [created["changedEntityId"]]


def test_given_client_contact_without_company_when_put_then_400(bh: Bullhorn):
    body = bh.rest("PUT", "entity/ClientContact", json={"firstName": "No", "lastName": "Company"})
    assert assert_bh_error(body, 400)["errors"][0]["propertyName"] == "clientCorporation"


def test_given_client_contact_with_company_when_put_then_created(bh: Bullhorn):
    response = bh.rest(
        "PUT",
        "entity/ClientContact",
        json={
            "name": "Ann Lee",
            "firstName": "Ann",
            "lastName": "Lee",
            "phone": "+14155550000",
            "clientCorporation": {"id": 301},
            "status": "Active",
        },
    )
    assert response.status_code == 200


def test_given_company_without_name_when_put_then_400(bh: Bullhorn):
    assert_bh_error(bh.rest("PUT", "entity/ClientCorporation", json={"companyDescription": "x"}), 400)


def test_given_unknown_entity_when_put_then_404(bh: Bullhorn):
    assert_bh_error(bh.rest("PUT", "entity/Widget", json={}), 404)


def test_given_entity_the_sandbox_cannot_create_when_put_then_400(bh: Bullhorn):
    assert_bh_error(bh.rest("PUT", "entity/CorporateUser", json={"firstName": "X"}), 400)


def test_given_note_when_posted_partial_update_then_update_and_fields_changed(bh: Bullhorn):
    note_id = bh.rest("PUT", "entity/Note", json=NOTE).json()["changedEntityId"]
    response = bh.rest("POST", f"entity/Note/{note_id}", json={"action": "Meeting", "minutesSpent": 4})
    assert response.status_code == 200
    assert response.json()["changeType"] == "UPDATE"
    note = bh.rest("GET", f"entity/Note/{note_id}", params={"fields": "action,minutesSpent,comments"}).json()[
        "data"
    ]
    assert (note["action"], note["minutesSpent"], note["comments"]) == ("Meeting", 4, NOTE["comments"])


def test_given_unknown_note_when_updated_or_read_then_404(bh: Bullhorn):
    assert assert_bh_error(bh.rest("POST", "entity/Note/424242", json={"action": "x"}), 404)[
        "errorMessageKey"
    ]
    assert_bh_error(bh.rest("GET", "entity/Note/424242", params={"fields": "id"}), 404)


def test_given_note_edit_denied_when_updating_note_then_403_permission_error(bh: Bullhorn):
    note_id = bh.rest("PUT", "entity/Note", json=NOTE).json()["changedEntityId"]
    bh.sandbox.control("POST", "bullhorn/config", {"note_edit_denied": [1001]})
    body = assert_bh_error(bh.rest("POST", f"entity/Note/{note_id}", json={"action": "Meeting"}), 403)
    assert "does not have permission" in body["errorMessage"]


def test_given_contact_comments_when_posted_then_stored(bh: Bullhorn):
    assert bh.rest("POST", "entity/ClientContact/701", json={"comments": "Agent note"}).status_code == 200
    data = bh.rest("GET", "entity/ClientContact/701", params={"fields": "comments"}).json()["data"]
    assert data == {"id": 701, "comments": "Agent note"}


def test_given_appointment_and_attendee_when_created_then_attendee_listed_and_deletable(bh: Bullhorn):
    appointment = bh.rest(
        "PUT",
        "entity/Appointment",
        json={
            "dateBegin": 1783000000000,
            "dateEnd": 1783001800000,
            "description": "d",
            "isPrivate": False,
            "subject": "Call back",
            "isDeleted": False,
            "lead": {"id": 901},
        },
    ).json()["changedEntityId"]
    attendee = bh.rest(
        "PUT",
        "entity/AppointmentAttendee",
        json={"appointment": {"id": appointment}, "attendee": {"id": 901}},
    ).json()["changedEntityId"]
    data = bh.rest(
        "GET",
        f"entity/Appointment/{appointment}",
        params={"fields": "id,subject,lead,attendees,owner,isDeleted"},
    ).json()["data"]
    assert data["attendees"] == {"total": 1, "data": [{"id": attendee}]}
    assert data["lead"] == {"id": 901, "firstName": "Jordan", "lastName": "Prospect"}
    assert data["owner"]["id"] == 1001
    deleted = bh.rest("DELETE", f"entity/AppointmentAttendee/{attendee}").json()
    assert deleted == {
        "changedEntityType": "AppointmentAttendee",
        "changedEntityId": attendee,
        "changeType": "DELETE",
    }
    cancelled = bh.rest("POST", f"entity/Appointment/{appointment}", json={"isDeleted": True})
    assert cancelled.status_code == 200


def test_given_attendee_for_unknown_appointment_when_put_then_400(bh: Bullhorn):
    assert_bh_error(
        bh.rest(
            "PUT", "entity/AppointmentAttendee", json={"appointment": {"id": 1}, "attendee": {"id": 901}}
        ),
        400,
    )


# -- rate limits -------------------------------------------------------------------------------------------


def test_given_exhausted_limit_when_called_then_429_with_bullhorn_body(bh: Bullhorn):
    bh.sandbox.control("POST", "bullhorn/ratelimit", {"limit": 1, "window_seconds": 60})
    assert bh.rest("GET", "ping").status_code == 200
    response = bh.rest("GET", "ping")
    assert_bh_error(response, 429)
    assert response.headers["ratelimit-remaining"] == "0"
