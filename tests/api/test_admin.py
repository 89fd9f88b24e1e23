"""The company admin routes (issue 13) through the local API, RingCentral's admin check against its sandbox
and each CRM's users against theirs: ``/admin/settings``, ``/admin/userMapping``,
``/admin/reinitializeUserMapping``, the settings a user of the company reads, and the server-side logging
assignment that follows the admin's user mapping.

RingCentral's seed: account 37439510 (A) with 62264425008 (Jordan Lee, admin), 62264425009 (Riley Chen) and
62264425010 (Morgan Diaz); account 40960001 (B) with 71100000001 (Sam Ortiz, admin). The admin configs of A
and B are removed before and after each test: the CRM users logged in here carry account A, and other tests
log calls as them.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.api import bullhorn_world, insightly_world, pipedrive_world, redtail_world
from tests.api.stack_tables import stack_table
from tests.sandbox_client import SandboxClient
from tests.stack import StackProcess

pytestmark = pytest.mark.stack

ACCOUNT_A, ACCOUNT_B = "37439510", "40960001"
ADMIN_A, USER_A, OTHER_USER_A = 62264425008, 62264425009, 62264425010
ADMIN_B = 71100000001
FORBIDDEN = (403, "Admin validation failed")
#: what GET /admin/settings may answer: never RingCentral tokens
ANSWERED_FIELDS = {"id", "userSettings", "userMappings", "updatedAt"}
#: what an admin config row may hold after POST /admin/settings
STORED_FIELDS = {"id", "userSettings", "userMappings", "updatedAt", "version"}

#: setting ids no composer reads (the CRM users are shared with other tests)
COMPANY_SETTINGS: dict[str, Any] = {
    "adminProbeLocked": {"value": "company", "customizable": False},
    "adminProbeOpen": {"value": "company", "customizable": True},
    "adminProbeEnforced": {"value": True, "customizable": False},
    "adminProbeRemoved": {"isRemoved": True},
}

#: the RingCentral extensions of account A as the admin page sends them (rcExtensionList)
EXT_JORDAN = {
    "id": ADMIN_A,
    "name": "Jordan Lee",
    "email": "jordan.lee@sandbox.example",
    "extensionNumber": "101",
}
EXT_RILEY = {
    "id": USER_A,
    "name": "Riley Chen",
    "email": "riley.chen@sandbox.example",
    "extensionNumber": "102",
}
EXT_MORGAN = {
    "id": OTHER_USER_A,
    "name": "Morgan Diaz",
    "email": "morgan.diaz@sandbox.example",
    "extensionNumber": "103",
}
#: Pipedrive's seeded users (12347 is deleted, so never listed) and one with neither name nor email
PIPEDRIVE_JORDAN, PIPEDRIVE_RILEY, PIPEDRIVE_BLANK = 12345, 12346, 12360


# -- plumbing ------------------------------------------------------------------------------------------------


class RingCentral(SandboxClient):
    """The RingCentral sandbox: access tokens of its seeded extensions."""

    def __init__(self, http: requests.Session, url: str) -> None:
        super().__init__(http, url, "ringcentral")

    def token(self, extension_id: int) -> str:
        return str(self.control("POST", "ringcentral/tokens", {"extension_id": extension_id})["access_token"])


@dataclass
class Configs:
    """The AdminConfigs table of the stack, read and written as an operator would."""

    dynamodb: Any
    table: str
    stack: StackProcess

    def key(self, account: str) -> str:
        return self.stack.hash_id(account)

    def raw(self, account: str) -> dict[str, Any] | None:
        """The stored row, JSON attributes decoded; None when there is none."""
        item = self.dynamodb.get_item(
            TableName=self.table, Key={"id": {"S": self.key(account)}}, ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        row: dict[str, Any] = {}
        for name, value in item.items():
            if "S" in value:
                text = value["S"]
                try:
                    row[name] = json.loads(text) if name in ("userSettings", "userMappings") else text
                except ValueError:
                    row[name] = text
            else:
                row[name] = next(iter(value.values()))
        return row

    def put(self, account: str, **attributes: Any) -> None:
        item = {"id": {"S": self.key(account)}}
        item.update({k: {"S": v if isinstance(v, str) else json.dumps(v)} for k, v in attributes.items()})
        self.dynamodb.put_item(TableName=self.table, Item=item)

    def delete(self, account: str) -> None:
        self.dynamodb.delete_item(TableName=self.table, Key={"id": {"S": self.key(account)}})


@pytest.fixture
def rc(sandbox_url: str, http: requests.Session) -> RingCentral:
    return RingCentral(http, sandbox_url)


@pytest.fixture(autouse=True)
def configs(local_stack: StackProcess, dynamodb_url: str) -> Iterator[Configs]:
    dynamodb, table = stack_table(dynamodb_url, "AdminConfigsTable")
    store = Configs(dynamodb, table, local_stack)
    for account in (ACCOUNT_A, ACCOUNT_B):
        store.delete(account)
    yield store
    for account in (ACCOUNT_A, ACCOUNT_B):
        store.delete(account)


def call(
    api_url: str,
    method: str,
    path: str,
    *,
    rc_token: str | None = None,
    jwt: str | None = None,
    body: Any = None,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    sent = dict(headers or {})
    if rc_token:
        sent["X-RC-Access-Token"] = rc_token
    if jwt:
        sent["Authorization"] = f"Bearer {jwt}"
    return requests.request(method, f"{api_url}{path}", json=body, params=params, headers=sent, timeout=60)


def save_settings(api_url: str, rc_token: str, settings: Any, **extra: Any) -> requests.Response:
    return call(
        api_url, "POST", "/admin/settings", rc_token=rc_token, body={"adminSettings": settings}, **extra
    )


def saved(response: requests.Response) -> None:
    assert (response.status_code, response.text) == (200, "Admin settings updated")


def admin_settings(api_url: str, rc_token: str, jwt: str) -> dict[str, Any]:
    response = call(api_url, "GET", "/admin/settings", rc_token=rc_token, jwt=jwt)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def by_crm_user(mappings: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {str(m["crmUserId"]): [str(e) for e in m["rcExtensionId"]] for m in mappings}


def shown(items: list[dict[str, Any]]) -> dict[Any, list[Any]]:
    """CRM user id -> the extension ids the admin page shows for it."""
    return {item["crmUser"]["id"]: [rc_user["extensionId"] for rc_user in item["rcUser"]] for item in items}


# -- logins carrying the RingCentral account -----------------------------------------------------------------


@pytest.fixture
def insightly(sandbox_url: str, http: requests.Session) -> Iterator[insightly_world.Sandbox]:
    box = insightly_world.Sandbox(http, sandbox_url)
    box.reset()
    yield box
    box.control("DELETE", "insightly/faults")


@pytest.fixture
def pipedrive(sandbox_url: str, http: requests.Session) -> Iterator[pipedrive_world.Sandbox]:
    box = pipedrive_world.Sandbox(http, sandbox_url)
    box.reset()
    box.seed(users=[{"id": PIPEDRIVE_BLANK, "name": "", "email": ""}])
    yield box
    box.reset()


@pytest.fixture
def redtail(sandbox_url: str, http: requests.Session) -> Iterator[redtail_world.Sandbox]:
    box = redtail_world.Sandbox(http, sandbox_url)
    box.reset()
    yield box
    box.own("DELETE", "faults")


@pytest.fixture
def bullhorn(sandbox_url: str, http: requests.Session) -> Iterator[bullhorn_world.Sandbox]:
    box = bullhorn_world.Sandbox(http, sandbox_url)
    box.reset()
    yield box
    box.own("DELETE", "faults")
    box.reset()


def insightly_user(
    api_url: str, box: insightly_world.Sandbox, rc_token: str, api_key: str = insightly_world.AVERY_KEY
) -> insightly_world.Extension:
    client = insightly_world.Extension(requests.Session(), api_url)
    response = client.api_key_login(api_key, box.api_url, rc_token=rc_token)
    assert response.status_code == 200, response.text
    return client


def pipedrive_user(
    api_url: str, box: pipedrive_world.Sandbox, rc_token: str, user_id: int = PIPEDRIVE_JORDAN
) -> pipedrive_world.Extension:
    client = pipedrive_world.Extension(requests.Session(), api_url)
    callback = box.authorize(f"{api_url}/pipedrive-redirect", user_id)
    state = parse_qs(urlsplit(callback).query)["state"][0]
    response = client.http.get(
        f"{api_url}/oauth-callback",
        params={"callbackUri": callback, "state": state},
        headers={"X-RC-Access-Token": rc_token},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    client.jwt = response.json()["jwtToken"]
    return client


def redtail_agent(api_url: str, rc_token: str) -> redtail_world.Extension:
    client = redtail_world.Extension(requests.Session(), api_url)
    response = client.http.post(
        f"{api_url}/apiKeyLogin",
        json={
            "platform": "redtail",
            "additionalInfo": {"username": redtail_world.USERNAME, "password": redtail_world.PASSWORD},
        },
        headers={"X-RC-Access-Token": rc_token},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    client.jwt = response.json()["jwtToken"]
    return client


def bullhorn_bailey(api_url: str, box: bullhorn_world.Sandbox, rc_token: str) -> bullhorn_world.Extension:
    client = bullhorn_world.Extension(requests.Session(), api_url)
    callback = box.authorize()
    state = parse_qs(urlsplit(callback).query)["state"][0]
    response = client.http.get(
        f"{api_url}/oauth-callback",
        params={
            "callbackUri": callback,
            "state": state,
            "tokenUrl": box.token_url,
            "apiUrl": box.login_base,
            "username": bullhorn_world.USERNAME,
        },
        headers={"X-RC-Access-Token": rc_token},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    client.jwt = response.json()["jwtToken"]
    return client


# -- settings for everyone -----------------------------------------------------------------------------------


def test_given_admin_settings_when_a_user_of_the_account_reads_settings_then_merged_with_their_own(
    api_url: str, rc: RingCentral, insightly: insightly_world.Sandbox
) -> None:
    user_token = rc.token(USER_A)
    # Avery, signed in with Riley's RingCentral token (not an admin); other tests need Blake never saved
    user = insightly_user(api_url, insightly, user_token)
    own = {
        "adminProbeLocked": {"value": "mine"},
        "adminProbeOpen": {"value": "mine"},
        "adminProbeRemoved": {"value": "mine"},
        "adminProbeOwn": {"value": "own"},
    }
    assert user.send("POST", "/user/settings", {"userSettings": own}).status_code == 200
    try:
        saved(save_settings(api_url, rc.token(ADMIN_A), {"userSettings": COMPANY_SETTINGS}))

        with_rc = call(api_url, "GET", "/user/settings", rc_token=user_token, jwt=user.jwt)
        assert with_rc.status_code == 200, with_rc.text
        merged = with_rc.json()
        # a locked (customizable false) setting: the company's value, whatever the user saved
        assert merged["adminProbeLocked"] == COMPANY_SETTINGS["adminProbeLocked"]
        assert merged["adminProbeEnforced"] == COMPANY_SETTINGS["adminProbeEnforced"]
        # a customizable one: the user's own value
        assert merged["adminProbeOpen"] == {"customizable": True, "value": "mine"}
        assert merged["adminProbeOwn"] == {"customizable": True, "value": "own"}
        assert "adminProbeRemoved" not in merged
        # the account the user logged in with says which company's settings apply, RC token or not
        without_rc = user.get("/user/settings")
        assert without_rc.status_code == 200
        assert {k: v for k, v in without_rc.json().items() if k.startswith("adminProbe")} == {
            k: v for k, v in merged.items() if k.startswith("adminProbe")
        }
        # a user's later save of a locked setting changes nothing they are given
        user.send("POST", "/user/settings", {"userSettings": {"adminProbeLocked": {"value": "again"}}})
        again = call(api_url, "GET", "/user/settings", rc_token=user_token, jwt=user.jwt).json()
        assert again["adminProbeLocked"] == COMPANY_SETTINGS["adminProbeLocked"]
    finally:
        user.send("POST", "/user/settings", {"settingKeysToRemove": list(own)})


def test_given_admin_settings_when_a_user_preloads_with_an_rc_token_then_the_companys_settings(
    api_url: str, rc: RingCentral
) -> None:
    saved(save_settings(api_url, rc.token(ADMIN_A), {"userSettings": COMPANY_SETTINGS}))
    response = call(api_url, "GET", "/user/preloadSettings", rc_token=rc.token(OTHER_USER_A))
    assert response.status_code == 200, response.text
    assert response.json() == {"userSettings": COMPANY_SETTINGS}


def test_given_an_admin_when_saving_settings_then_200_text_and_the_row_holds_exactly_them(
    api_url: str, rc: RingCentral, configs: Configs, insightly: insightly_world.Sandbox
) -> None:
    admin_token = rc.token(ADMIN_A)
    mappings = [{"crmUserId": "5002", "rcExtensionId": [str(USER_A)]}]
    saved(save_settings(api_url, admin_token, {"userSettings": COMPANY_SETTINGS, "userMappings": mappings}))
    row = configs.raw(ACCOUNT_A)
    assert row is not None
    assert row["userSettings"] == COMPANY_SETTINGS
    assert row["userMappings"] == mappings
    avery = insightly_user(api_url, insightly, rc.token(ADMIN_A))
    answer = admin_settings(api_url, admin_token, avery.jwt)
    assert answer["id"] == configs.key(ACCOUNT_A)
    assert (answer["userSettings"], answer["userMappings"]) == (COMPANY_SETTINGS, mappings)
    assert set(answer) <= ANSWERED_FIELDS


def test_given_unknown_fields_in_admin_settings_when_saved_then_not_stored(
    api_url: str, rc: RingCentral, configs: Configs
) -> None:
    response = save_settings(
        api_url,
        rc.token(ADMIN_A),
        {
            "userSettings": COMPANY_SETTINGS,
            "adminAccessToken": "rc-access-token-of-someone",
            "adminRefreshToken": "rc-refresh-token-of-someone",
            "adminTokenExpiry": "2099-01-01T00:00:00Z",
            "customAdapter": {"url": "https://evil.example/manifest.json"},
            "id": configs.key(ACCOUNT_B),
            "version": 99,
            "updatedAt": "1999-01-01T00:00:00Z",
        },
    )
    saved(response)
    row = configs.raw(ACCOUNT_A)
    assert row is not None
    assert set(row) <= STORED_FIELDS, row
    assert row["id"] == configs.key(ACCOUNT_A)
    assert row["userSettings"] == COMPANY_SETTINGS
    assert not str(row.get("updatedAt", "")).startswith("1999")
    assert "rc-access-token-of-someone" not in json.dumps(row)
    assert configs.raw(ACCOUNT_B) is None


def test_given_a_row_holding_rc_tokens_when_an_admin_reads_settings_then_no_token_is_answered(
    api_url: str, rc: RingCentral, configs: Configs, insightly: insightly_world.Sandbox
) -> None:
    # a row as the reference stored it (its admin's RingCentral tokens included)
    configs.put(
        ACCOUNT_A,
        userSettings=COMPANY_SETTINGS,
        userMappings=[],
        adminAccessToken="legacy-rc-admin-access-token",
        adminRefreshToken="legacy-rc-admin-refresh-token",
        adminTokenExpiry="2099-01-01T00:00:00.000Z",
    )
    admin_token = rc.token(ADMIN_A)
    avery = insightly_user(api_url, insightly, admin_token)
    response = call(api_url, "GET", "/admin/settings", rc_token=admin_token, jwt=avery.jwt)
    assert response.status_code == 200, response.text
    assert set(response.json()) <= ANSWERED_FIELDS
    assert response.json()["userSettings"] == COMPANY_SETTINGS
    for secret in ("legacy-rc-admin-access-token", "legacy-rc-admin-refresh-token", admin_token, avery.jwt):
        assert secret not in response.text
    assert "adminAccessToken" not in response.text
    assert "adminRefreshToken" not in response.text


def test_given_no_admin_config_when_an_admin_reads_settings_then_the_references_empty_answer(
    api_url: str, rc: RingCentral, insightly: insightly_world.Sandbox
) -> None:
    admin_token = rc.token(ADMIN_A)
    avery = insightly_user(api_url, insightly, admin_token)
    assert admin_settings(api_url, admin_token, avery.jwt) == {"customConnector": None, "userSettings": {}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"adminSettings": "userSettings"}, "adminSettings must be an object"),
        ({"adminSettings": None}, "adminSettings must be an object"),
        ({}, "adminSettings must be an object"),
        ({"adminSettings": {"userSettings": ["autoLogCall"]}}, "userSettings must map each setting id"),
        ({"adminSettings": {"userSettings": {"autoLogCall": True}}}, "userSettings must map each setting id"),
        (
            {
                "adminSettings": {
                    "userSettings": {"adminProbeOpen": {"value": "new"}},
                    "userMappings": [
                        {"crmUserId": "12345", "rcExtensionId": [str(USER_A)]},
                        {"crmUserId": "12346", "rcExtensionId": str(USER_A)},
                    ],
                }
            },
            f"RingCentral extension {USER_A} is mapped to two CRM users (12345 and 12346)",
        ),
        ({"adminSettings": {"userMappings": {"12345": str(USER_A)}}}, "userMappings must be a list"),
        ({"adminSettings": {"userMappings": [{"rcExtensionId": [str(USER_A)]}]}}, "needs a crmUserId"),
    ],
)
def test_given_invalid_admin_settings_when_saved_then_400_clear_message_and_nothing_changed(
    api_url: str, rc: RingCentral, configs: Configs, body: Any, message: str
) -> None:
    admin_token = rc.token(ADMIN_A)
    saved(save_settings(api_url, admin_token, {"userSettings": COMPANY_SETTINGS}))
    before = configs.raw(ACCOUNT_A)
    response = call(api_url, "POST", "/admin/settings", rc_token=admin_token, body=body)
    assert response.status_code == 400
    assert message in response.text
    assert configs.raw(ACCOUNT_A) == before


def test_given_a_body_that_is_not_json_when_an_admin_saves_then_400_and_nothing_stored(
    api_url: str, rc: RingCentral, configs: Configs
) -> None:
    response = requests.post(
        f"{api_url}/admin/settings",
        data="adminSettings=1",
        headers={"X-RC-Access-Token": rc.token(ADMIN_A), "Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code == 400
    assert configs.raw(ACCOUNT_A) is None


# -- who may: an admin of the company, on every route -------------------------------------------------------

ADMIN_ROUTES = [
    ("GET", "/admin/settings", None),
    ("POST", "/admin/settings", {"adminSettings": {"userSettings": {"adminProbeOpen": {"value": "x"}}}}),
    ("POST", "/admin/userMapping", {"rcExtensionList": [EXT_JORDAN, EXT_RILEY]}),
    ("POST", "/admin/reinitializeUserMapping", {"rcExtensionList": [EXT_JORDAN, EXT_RILEY]}),
    ("GET", "/admin/serverLoggingSettings", None),
    (
        "POST",
        "/admin/serverLoggingSettings",
        {"additionalFieldValues": {"apiUsername": "u", "apiPassword": "p"}},
    ),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
@pytest.mark.parametrize("caller", ["not an admin", "no rc token"])
def test_given_a_caller_who_is_no_admin_when_calling_an_admin_route_then_403_and_nothing_changed(
    api_url: str,
    rc: RingCentral,
    configs: Configs,
    insightly: insightly_world.Sandbox,
    caller: str,
    method: str,
    path: str,
    body: Any,
) -> None:
    avery = insightly_user(api_url, insightly, rc.token(ADMIN_A))
    token = rc.token(USER_A) if caller == "not an admin" else None
    response = call(api_url, method, path, rc_token=token, jwt=avery.jwt, body=body)
    assert (response.status_code, response.text) == FORBIDDEN
    assert configs.raw(ACCOUNT_A) is None


def test_given_an_rc_token_ringcentral_refuses_when_saving_admin_settings_then_400_and_nothing_stored(
    api_url: str, configs: Configs
) -> None:
    response = save_settings(api_url, "not-a-ringcentral-token", {"userSettings": COMPANY_SETTINGS})
    assert response.status_code == 400
    assert "error" in response.json()
    assert configs.raw(ACCOUNT_A) is None


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/admin/settings", None),
        ("POST", "/admin/userMapping", {"rcExtensionList": [EXT_JORDAN, EXT_RILEY]}),
        ("POST", "/admin/reinitializeUserMapping", {"rcExtensionList": [EXT_JORDAN, EXT_RILEY]}),
        ("GET", "/admin/serverLoggingSettings", None),
        (
            "POST",
            "/admin/serverLoggingSettings",
            {"additionalFieldValues": {"apiUsername": "", "apiPassword": ""}},
        ),
    ],
)
def test_given_an_admin_of_another_account_with_a_jwt_of_a_user_of_a_when_calling_then_403(
    api_url: str,
    rc: RingCentral,
    configs: Configs,
    insightly: insightly_world.Sandbox,
    method: str,
    path: str,
    body: Any,
) -> None:
    saved(save_settings(api_url, rc.token(ADMIN_A), {"userSettings": COMPANY_SETTINGS}))
    before = configs.raw(ACCOUNT_A)
    avery = insightly_user(api_url, insightly, rc.token(ADMIN_A))  # a user of account A
    response = call(api_url, method, path, rc_token=rc.token(ADMIN_B), jwt=avery.jwt, body=body)
    assert (response.status_code, response.text) == FORBIDDEN
    assert configs.raw(ACCOUNT_A) == before
    assert configs.raw(ACCOUNT_B) is None


def test_given_an_admin_of_another_account_when_setting_a_bullhorn_service_account_then_403_and_unchanged(
    api_url: str, rc: RingCentral, bullhorn: bullhorn_world.Sandbox
) -> None:
    bailey = bullhorn_bailey(api_url, bullhorn, rc.token(ADMIN_A))  # a user of account A
    service = {"apiUsername": "api.service", "apiPassword": "sandbox-password"}
    try:
        response = call(
            api_url,
            "POST",
            "/admin/serverLoggingSettings",
            rc_token=rc.token(ADMIN_B),
            jwt=bailey.jwt,
            body={"additionalFieldValues": service},
        )
        assert (response.status_code, response.text) == FORBIDDEN
        assert 1002 not in {int(s["user_id"]) for s in bullhorn.sessions()}  # api.service never signed in
    finally:
        cleared = {"additionalFieldValues": {"apiUsername": "", "apiPassword": ""}}
        call(
            api_url,
            "POST",
            "/admin/serverLoggingSettings",
            rc_token=rc.token(ADMIN_A),
            jwt=bailey.jwt,
            body=cleared,
        )


def test_given_an_admin_of_b_when_saving_settings_then_only_bs_config_changes(
    api_url: str, rc: RingCentral, configs: Configs
) -> None:
    saved(save_settings(api_url, rc.token(ADMIN_A), {"userSettings": COMPANY_SETTINGS}))
    before = configs.raw(ACCOUNT_A)
    b_settings = {"adminProbeLocked": {"value": "company B", "customizable": False}}
    # naming A's config in every place the reference read an account from changes nothing
    response = save_settings(
        api_url,
        rc.token(ADMIN_B),
        {"userSettings": b_settings, "id": configs.key(ACCOUNT_A)},
        params={"rcAccountId": configs.key(ACCOUNT_A)},
        headers={"rc-account-id": configs.key(ACCOUNT_A)},
    )
    saved(response)
    assert configs.raw(ACCOUNT_A) == before
    row_b = configs.raw(ACCOUNT_B)
    assert row_b is not None
    assert row_b["userSettings"] == b_settings
    preload_a = call(api_url, "GET", "/user/preloadSettings", rc_token=rc.token(USER_A))
    preload_b = call(api_url, "GET", "/user/preloadSettings", rc_token=rc.token(ADMIN_B))
    assert preload_a.json() == {"userSettings": COMPANY_SETTINGS}
    assert preload_b.json() == {"userSettings": b_settings}


# -- user mapping --------------------------------------------------------------------------------------------


@dataclass
class MappingAdmin:
    """Jordan: Pipedrive user 12345 and RingCentral admin of account A."""

    api_url: str
    jwt: str
    rc_token: str

    def map(self, extensions: list[dict[str, Any]], path: str = "/admin/userMapping") -> list[dict[str, Any]]:
        response = call(
            self.api_url,
            "POST",
            path,
            rc_token=self.rc_token,
            jwt=self.jwt,
            body={"rcExtensionList": extensions},
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()
        return items

    def reinitialize(self, extensions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self.map(extensions, "/admin/reinitializeUserMapping")

    def save_mappings(self, mappings: list[dict[str, Any]]) -> None:
        saved(save_settings(self.api_url, self.rc_token, {"userMappings": mappings}))

    def stored(self) -> dict[str, list[str]]:
        return by_crm_user(admin_settings(self.api_url, self.rc_token, self.jwt).get("userMappings") or [])


@pytest.fixture
def jordan(api_url: str, rc: RingCentral, pipedrive: pipedrive_world.Sandbox) -> MappingAdmin:
    token = rc.token(ADMIN_A)
    return MappingAdmin(api_url, pipedrive_user(api_url, pipedrive, token).jwt, token)


def test_given_extensions_when_mapping_users_then_matched_by_email_and_by_first_and_last_name(
    jordan: MappingAdmin,
) -> None:
    by_email = {**EXT_JORDAN, "name": "Front desk", "email": "JORDAN.LEE@SANDBOX.EXAMPLE"}
    by_first_last = {
        "id": USER_A,
        "firstName": "Riley",
        "lastName": "Chen",
        "email": "riley@elsewhere.example",
        "extensionNumber": "102",
    }
    blank = {"id": OTHER_USER_A, "extensionNumber": "103"}  # no name, no email
    items = jordan.map([blank, by_email, by_first_last])
    assert items == [
        {
            "crmUser": {"id": PIPEDRIVE_JORDAN, "name": "Jordan Lee", "email": "jordan.lee@sandbox.example"},
            "rcUser": [
                {
                    "extensionId": ADMIN_A,
                    "name": "Front desk",
                    "extensionNumber": "101",
                    "email": "JORDAN.LEE@SANDBOX.EXAMPLE",
                }
            ],
        },
        {
            "crmUser": {"id": PIPEDRIVE_RILEY, "name": "Riley Chen", "email": "riley.chen@sandbox.example"},
            "rcUser": [
                {
                    "extensionId": USER_A,
                    "name": "Riley Chen",
                    "extensionNumber": "102",
                    "email": "riley@elsewhere.example",
                }
            ],
        },
        # a CRM user with neither name nor email is matched to no extension (the reference matched blanks)
        {"crmUser": {"id": PIPEDRIVE_BLANK, "name": "", "email": ""}, "rcUser": []},
    ]
    assert jordan.stored() == {str(PIPEDRIVE_JORDAN): [str(ADMIN_A)], str(PIPEDRIVE_RILEY): [str(USER_A)]}


def test_given_extensions_with_blank_email_and_name_when_mapping_then_no_crm_user_matches_them(
    jordan: MappingAdmin,
) -> None:
    blanks = [
        {"id": ADMIN_A, "name": "", "email": "", "extensionNumber": "101"},
        {"id": USER_A, "firstName": "", "lastName": "", "extensionNumber": "102"},
        {"id": OTHER_USER_A, "extensionNumber": "103"},
    ]
    items = jordan.map(blanks)
    assert shown(items) == {PIPEDRIVE_JORDAN: [], PIPEDRIVE_RILEY: [], PIPEDRIVE_BLANK: []}
    assert jordan.stored() == {}


def test_given_a_manual_mapping_when_mapping_and_reinitialising_then_it_is_kept(jordan: MappingAdmin) -> None:
    # the admin maps Morgan's extension to Pipedrive's Jordan by hand
    manual = {"crmUserId": str(PIPEDRIVE_JORDAN), "rcExtensionId": [str(OTHER_USER_A)]}
    jordan.save_mappings([manual])
    extensions = [EXT_JORDAN, EXT_RILEY, EXT_MORGAN]
    expected = {PIPEDRIVE_JORDAN: [OTHER_USER_A], PIPEDRIVE_RILEY: [USER_A], PIPEDRIVE_BLANK: []}
    stored = {str(PIPEDRIVE_JORDAN): [str(OTHER_USER_A)], str(PIPEDRIVE_RILEY): [str(USER_A)]}
    assert shown(jordan.map(extensions)) == expected
    assert jordan.stored() == stored
    assert shown(jordan.reinitialize(extensions)) == expected
    assert jordan.stored() == stored
    # re-initialising matches the automatic mappings again: Riley's extension no longer matches, the
    # admin's own mapping stays
    renamed = {**EXT_RILEY, "name": "Reception", "email": "reception@sandbox.example"}
    items = jordan.reinitialize([EXT_JORDAN, renamed, EXT_MORGAN])
    assert shown(items) == {PIPEDRIVE_JORDAN: [OTHER_USER_A], PIPEDRIVE_RILEY: [], PIPEDRIVE_BLANK: []}
    assert jordan.stored() == {str(PIPEDRIVE_JORDAN): [str(OTHER_USER_A)]}


def test_given_an_extension_mapped_by_hand_when_mapping_then_never_mapped_to_a_second_crm_user(
    jordan: MappingAdmin,
) -> None:
    # Jordan's extension is Riley's CRM user by the admin's choice: Jordan's email match must not take it too
    jordan.save_mappings([{"crmUserId": str(PIPEDRIVE_RILEY), "rcExtensionId": [str(ADMIN_A)]}])
    extensions = [EXT_JORDAN, EXT_RILEY, EXT_MORGAN]
    for items in (jordan.map(extensions), jordan.reinitialize(extensions)):
        assert shown(items) == {PIPEDRIVE_JORDAN: [], PIPEDRIVE_RILEY: [ADMIN_A], PIPEDRIVE_BLANK: []}
        listed = [ext for exts in shown(items).values() for ext in exts]
        assert len(listed) == len(set(listed))
    stored = jordan.stored()
    assert stored == {str(PIPEDRIVE_RILEY): [str(ADMIN_A)]}
    # and the admin cannot save it to a second CRM user either
    twice = save_settings(
        jordan.api_url,
        jordan.rc_token,
        {
            "userMappings": [
                {"crmUserId": str(PIPEDRIVE_RILEY), "rcExtensionId": [str(ADMIN_A)]},
                {"crmUserId": str(PIPEDRIVE_JORDAN), "rcExtensionId": [str(ADMIN_A)]},
            ]
        },
    )
    assert twice.status_code == 400
    assert "mapped to two CRM users" in twice.text
    assert jordan.stored() == stored


def test_given_an_auto_mapping_when_mapping_again_then_kept_without_duplicates(jordan: MappingAdmin) -> None:
    extensions = [EXT_JORDAN, EXT_RILEY]
    first = jordan.map(extensions)
    again = jordan.map(extensions)
    assert (
        shown(first)
        == shown(again)
        == {
            PIPEDRIVE_JORDAN: [ADMIN_A],
            PIPEDRIVE_RILEY: [USER_A],
            PIPEDRIVE_BLANK: [],
        }
    )
    mappings = admin_settings(jordan.api_url, jordan.rc_token, jordan.jwt)["userMappings"]
    assert len(mappings) == 2


@pytest.mark.parametrize("body", [{}, {"rcExtensionList": "62264425008"}, {"rcExtensionList": [62264425008]}])
def test_given_no_extension_list_when_mapping_then_400_and_nothing_stored(
    jordan: MappingAdmin, configs: Configs, body: dict[str, Any]
) -> None:
    response = call(
        jordan.api_url, "POST", "/admin/userMapping", rc_token=jordan.rc_token, jwt=jordan.jwt, body=body
    )
    assert response.status_code == 400
    assert "rcExtensionList" in response.text
    assert configs.raw(ACCOUNT_A) is None


# -- server-side logging lands on the mapped CRM user --------------------------------------------------------


def assigned_to(extension_id: int) -> dict[str, Any]:
    return {"isAssignedToUser": True, "adminAssignedUserRcId": str(extension_id)}


def map_for_logging(api_url: str, rc: RingCentral, crm_user_id: int) -> None:
    saved(
        save_settings(
            api_url,
            rc.token(ADMIN_A),
            {"userMappings": [{"crmUserId": str(crm_user_id), "rcExtensionId": [str(USER_A)]}]},
        )
    )


def logged(response: requests.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["successful"] is True, body
    return body


def test_given_a_mapping_when_a_call_is_assigned_in_pipedrive_then_the_activity_owner_is_the_mapped_user(
    api_url: str, rc: RingCentral, pipedrive: pipedrive_world.Sandbox
) -> None:
    agent = pipedrive_user(api_url, pipedrive, rc.token(ADMIN_A))
    map_for_logging(api_url, rc, PIPEDRIVE_RILEY)
    body = pipedrive_world.call_log_body(
        pipedrive_world.new_session_id(), additionalSubmission={"deals": "2001", **assigned_to(USER_A)}
    )
    created = logged(agent.send("POST", "/callLog", body))
    assert created["returnMessage"]["message"] == "Call logged"
    assert _owner(pipedrive.activity(created["logId"])["owner_id"]) == PIPEDRIVE_RILEY
    # an extension nobody mapped: the log is the caller's, and the answer says it was not assigned
    unmapped = pipedrive_world.call_log_body(
        pipedrive_world.new_session_id(), additionalSubmission={"deals": "2001", **assigned_to(OTHER_USER_A)}
    )
    created = logged(agent.send("POST", "/callLog", unmapped))
    assert created["returnMessage"]["messageType"] == "warning"
    assert "not assigned" in created["returnMessage"]["message"]
    assert _owner(pipedrive.activity(created["logId"])["owner_id"]) == PIPEDRIVE_JORDAN


def _owner(value: Any) -> int:
    return int(value["id"] if isinstance(value, dict) else value)


def test_given_a_mapping_when_a_call_is_assigned_in_insightly_then_the_event_owner_is_the_mapped_user(
    api_url: str, rc: RingCentral, insightly: insightly_world.Sandbox
) -> None:
    avery = insightly_user(api_url, insightly, rc.token(ADMIN_A))
    map_for_logging(api_url, rc, 5002)  # Blake Rivera
    body = insightly_world.call_log_body(
        insightly_world.new_session_id(),
        additionalSubmission={"organisation": 301, "opportunity": 401, **assigned_to(USER_A)},
    )
    created = logged(avery.send("POST", "/callLog", body))
    assert created["returnMessage"]["message"] == "Call logged"
    assert int(insightly.event(created["logId"])["OWNER_USER_ID"]) == 5002


def test_given_a_mapping_when_a_call_is_assigned_in_redtail_then_the_mapped_user_attends_the_activity(
    api_url: str, rc: RingCentral, redtail: redtail_world.Sandbox
) -> None:
    agent = redtail_agent(api_url, rc.token(ADMIN_A))
    map_for_logging(api_url, rc, 97502)  # Dana Advisor
    body = redtail_world.call_log_body(
        redtail_world.new_session_id(), additionalSubmission={"category": 1, **assigned_to(USER_A)}
    )
    created = logged(agent.send("POST", "/callLog", body))
    assert created["returnMessage"]["message"] == "Call logged"
    attendees = redtail.activity(created["logId"])["attendees"]
    assert [int(a["user_id"]) for a in attendees if a.get("user_id") is not None] == [97502]


def test_given_a_mapping_when_a_call_is_assigned_in_bullhorn_then_the_note_is_commented_by_the_mapped_user(
    api_url: str, rc: RingCentral, bullhorn: bullhorn_world.Sandbox
) -> None:
    bailey = bullhorn_bailey(api_url, bullhorn, rc.token(ADMIN_A))
    map_for_logging(api_url, rc, 1003)  # Recruiter 03
    body = bullhorn_world.call_log_body(bullhorn_world.new_session_id())
    body["additionalSubmission"].update(assigned_to(USER_A))
    created = logged(bailey.send("POST", "/callLog", body))
    assert created["returnMessage"]["message"] == "Call logged"
    assert int(bullhorn.note(created["logId"])["commentingPerson"]["id"]) == 1003


# -- two admins saving at once -------------------------------------------------------------------------------


def at_once(*requests_to_send: Callable[[], requests.Response]) -> list[requests.Response]:
    """The calls sent at the same moment, each on its own thread."""
    barrier = threading.Barrier(len(requests_to_send))
    results: list[requests.Response | None] = [None] * len(requests_to_send)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = requests_to_send[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests_to_send))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def warm_verdict(api_url: str, rc_token: str) -> None:
    """RingCentral's verdict on the token, cached by a save refused for its body: the saves that follow go
    straight to the table, so that they meet there."""
    assert save_settings(api_url, rc_token, None).status_code == 400


def test_given_two_admins_saving_different_settings_at_once_then_both_saved_and_never_a_mix(
    api_url: str, rc: RingCentral, insightly: insightly_world.Sandbox
) -> None:
    reader_token = rc.token(ADMIN_A)
    avery = insightly_user(api_url, insightly, reader_token)
    for round_ in range(5):
        first_admin, second_admin = rc.token(ADMIN_A), rc.token(ADMIN_A)
        one = {
            "userSettings": {"adminProbeRace": {"value": f"one-{round_}"}, "adminProbeOne": {"value": 1}},
            "userMappings": [{"crmUserId": "5001", "rcExtensionId": [str(USER_A)]}],
        }
        two = {
            "userSettings": {"adminProbeRace": {"value": f"two-{round_}"}},
            "userMappings": [{"crmUserId": "5002", "rcExtensionId": [str(OTHER_USER_A)]}],
        }
        for token in (first_admin, second_admin):
            warm_verdict(api_url, token)
        answers = at_once(
            partial(save_settings, api_url, first_admin, one),
            partial(save_settings, api_url, second_admin, two),
        )
        for answer in answers:
            saved(answer)
        stored = admin_settings(api_url, reader_token, avery.jwt)
        assert {k: stored[k] for k in ("userSettings", "userMappings")} in (one, two), stored


def test_given_two_admins_saving_settings_and_mappings_at_once_then_neither_save_is_lost(
    api_url: str, rc: RingCentral, insightly: insightly_world.Sandbox
) -> None:
    reader_token = rc.token(ADMIN_A)
    avery = insightly_user(api_url, insightly, reader_token)
    for round_ in range(5):
        settings = {"adminProbeRace": {"value": f"round-{round_}"}}
        mappings = [{"crmUserId": str(5000 + round_), "rcExtensionId": [str(USER_A)]}]
        first_admin, second_admin = rc.token(ADMIN_A), rc.token(ADMIN_A)
        for token in (first_admin, second_admin):
            warm_verdict(api_url, token)
        answers = at_once(
            partial(save_settings, api_url, first_admin, {"userSettings": settings}),
            partial(save_settings, api_url, second_admin, {"userMappings": mappings}),
        )
        for answer in answers:
            saved(answer)
        stored = admin_settings(api_url, reader_token, avery.jwt)
        # the later save was applied on top of the earlier one: both are there
        assert (stored["userSettings"], stored["userMappings"]) == (settings, mappings), stored


def test_given_two_saves_one_after_the_other_when_read_then_the_later_one(
    api_url: str, rc: RingCentral, insightly: insightly_world.Sandbox
) -> None:
    admin_token = rc.token(ADMIN_A)
    avery = insightly_user(api_url, insightly, admin_token)
    saved(save_settings(api_url, admin_token, {"userSettings": {"adminProbeRace": {"value": "first"}}}))
    first = admin_settings(api_url, admin_token, avery.jwt)
    saved(
        save_settings(api_url, rc.token(ADMIN_A), {"userSettings": {"adminProbeRace": {"value": "second"}}})
    )
    later = admin_settings(api_url, admin_token, avery.jwt)
    assert later["userSettings"] == {"adminProbeRace": {"value": "second"}}
    assert later["updatedAt"] > first["updatedAt"]


# -- nothing without a RingCentral token ---------------------------------------------------------------------


def test_given_company_settings_when_preloading_without_an_rc_token_then_400_and_no_settings(
    api_url: str, rc: RingCentral, configs: Configs, insightly: insightly_world.Sandbox
) -> None:
    saved(save_settings(api_url, rc.token(ADMIN_A), {"userSettings": COMPANY_SETTINGS}))
    avery = insightly_user(api_url, insightly, rc.token(ADMIN_A))
    attempts = [
        call(api_url, "GET", "/user/preloadSettings"),
        call(api_url, "GET", "/user/preloadSettings", params={"rcAccountId": configs.key(ACCOUNT_A)}),
        call(api_url, "GET", "/user/preloadSettings", params={"rcAccountId": ACCOUNT_A}),
        call(api_url, "GET", "/user/preloadSettings", jwt=avery.jwt),
        call(api_url, "GET", "/user/preloadSettings", headers={"rc-account-id": configs.key(ACCOUNT_A)}),
    ]
    for response in attempts:
        assert (response.status_code, response.text) == (400, "Cannot find rc user login")
        assert "adminProbe" not in response.text


def test_given_no_rc_token_nor_jwt_when_asking_for_user_info_hashes_then_400_and_no_hash(
    api_url: str, configs: Configs
) -> None:
    response = call(
        api_url, "GET", "/userInfoHash", params={"extensionId": str(ADMIN_A), "accountId": ACCOUNT_A}
    )
    assert response.status_code == 400
    assert not re.search(r"[0-9a-f]{64}", response.text)
    assert configs.key(ACCOUNT_A) not in response.text
