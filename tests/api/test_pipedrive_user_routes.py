"""User, settings, note-cache and Pipedrive app routes through the local API (real HTTP, real sandbox)."""

from __future__ import annotations

import base64
import json
import re

import pytest
import requests

from tests.api.pipedrive_world import Extension, Sandbox, pipedrive_extension, pipedrive_sandbox  # noqa: F401 - fixtures, by name

pytestmark = pytest.mark.stack

CLIENT_BASIC = "Basic " + base64.b64encode(b"sandbox-pipedrive-client:sandbox-pipedrive-secret").decode()


def rc_token(sandbox: Sandbox, extension_id: int = 62264425008) -> str:
    return str(sandbox.control("POST", "ringcentral/tokens", {"extension_id": extension_id})["access_token"])


# -- OAuth callback errors -------------------------------------------------------------------------


def test_given_no_callback_uri_when_oauth_callback_then_400_missing_callback_uri(api_url: str) -> None:
    response = requests.get(f"{api_url}/oauth-callback", timeout=30)
    assert response.status_code == 400
    assert response.text == "Missing callbackUri"


def test_given_callback_without_platform_when_oauth_callback_then_400_missing_platform(api_url: str) -> None:
    response = requests.get(
        f"{api_url}/oauth-callback",
        params={"callbackUri": f"{api_url}/pipedrive-redirect?code=abc"},
        timeout=30,
    )
    assert response.status_code == 400
    assert response.text == "Missing platform name"


def test_given_a_used_code_when_oauth_callback_again_then_400_error_and_no_jwt(
    api_url: str, sandbox: Sandbox
) -> None:
    callback = sandbox.authorize(f"{api_url}/pipedrive-redirect")
    first = requests.get(f"{api_url}/oauth-callback", params={"callbackUri": callback}, timeout=30)
    assert first.status_code == 200
    again = requests.get(f"{api_url}/oauth-callback", params={"callbackUri": callback}, timeout=30)
    assert again.status_code == 400
    assert "jwtToken" not in again.json()
    assert again.json()["error"]


def test_given_a_foreign_company_host_when_oauth_callback_then_refused(
    api_url: str, sandbox: Sandbox
) -> None:
    callback = sandbox.authorize(f"{api_url}/pipedrive-redirect")
    response = requests.get(
        f"{api_url}/oauth-callback",
        params={"callbackUri": callback, "hostname": "169.254.169.254"},
        timeout=30,
    )
    assert "jwtToken" not in response.json()


# -- user info and settings ------------------------------------------------------------------------


def test_given_an_rc_token_of_the_asked_ids_when_hashed_then_stable_64_hex_values(
    api_url: str, sandbox: Sandbox
) -> None:
    own = {"extensionId": "62264425008", "accountId": "37439510"}
    headers = {"X-RC-Access-Token": rc_token(sandbox)}
    first = requests.get(f"{api_url}/userInfoHash", params=own, headers=headers, timeout=30)
    again = requests.get(f"{api_url}/userInfoHash", params=own, headers=headers, timeout=30)
    assert first.status_code == 200, first.text
    assert first.json() == again.json()
    assert all(re.fullmatch(r"[0-9a-f]{64}", value) for value in first.json().values())
    assert first.json()["extensionId"] != first.json()["accountId"]
    missing = requests.get(f"{api_url}/userInfoHash", params={"extensionId": "101"}, timeout=30)
    assert missing.status_code == 400


@pytest.mark.parametrize(
    "asked",
    [{"extensionId": "62264425008", "accountId": "99999999"}, {"extensionId": "1", "accountId": "37439510"}],
)
def test_given_ids_of_someone_else_when_hashed_then_403_and_no_hash(
    api_url: str, sandbox: Sandbox, asked: dict[str, str]
) -> None:
    headers = {"X-RC-Access-Token": rc_token(sandbox)}
    response = requests.get(f"{api_url}/userInfoHash", params=asked, headers=headers, timeout=30)
    assert response.status_code == 403
    assert "own RingCentral account" in response.text


def test_given_no_credential_when_hashed_then_400_and_no_hash(api_url: str) -> None:
    response = requests.get(
        f"{api_url}/userInfoHash", params={"extensionId": "101", "accountId": "37439510"}, timeout=30
    )
    assert response.status_code == 400
    assert response.text == "Please go to Settings and authorize CRM platform"


def test_given_settings_saved_when_read_back_then_same_settings_and_removed_keys_gone(
    extension: Extension,
) -> None:
    saved = extension.send(
        "POST",
        "/user/settings",
        {"userSettings": {"addCallLogNote": {"value": False}, "logDateFormat": {"value": "YYYY-MM-DD"}}},
    ).json()
    assert saved["userSettings"]["addCallLogNote"] == {"value": False}
    assert extension.get("/user/settings").json()["logDateFormat"] == {"value": "YYYY-MM-DD"}
    extension.send("POST", "/user/settings", {"settingKeysToRemove": ["logDateFormat"]})
    assert "logDateFormat" not in extension.get("/user/settings").json()


def test_given_malformed_settings_when_saved_then_400_and_settings_unchanged(extension: Extension) -> None:
    extension.send("POST", "/user/settings", {"userSettings": {"keep": {"value": 1}}})
    response = extension.send("POST", "/user/settings", {"userSettings": ["not", "an", "object"]})
    assert response.status_code == 400
    assert extension.get("/user/settings").json()["keep"] == {"value": 1}


def test_given_no_rc_token_when_preloading_settings_then_400_cannot_find_rc_user(
    extension: Extension,
) -> None:
    response = extension.get("/user/preloadSettings", rcAccountId="any-hash")
    assert response.status_code == 400
    assert response.text == "Cannot find rc user login"


def test_given_rc_token_when_preloading_settings_then_the_companys_settings(
    extension: Extension, sandbox: Sandbox
) -> None:
    response = extension.http.get(
        f"{extension.api}/user/preloadSettings",
        headers={**extension.headers(), "X-RC-Access-Token": rc_token(sandbox)},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.json() == {}


def test_given_bad_rc_token_when_preloading_settings_then_400_sign_in_again(extension: Extension) -> None:
    response = extension.http.get(
        f"{extension.api}/user/preloadSettings", headers={"X-RC-Access-Token": "not-a-token"}, timeout=30
    )
    assert response.status_code == 400
    assert "RingCentral" in response.text


def test_given_connected_user_when_validating_auth_then_successful(extension: Extension) -> None:
    assert extension.get("/authValidation").json() == {"successful": True}


def test_given_connector_without_refresh_when_refreshing_user_info_then_successful(
    extension: Extension,
) -> None:
    assert extension.send("POST", "/user/refreshInfo", None).json() == {"successful": True}


def test_given_a_note_when_cached_then_saved_and_missing_fields_refused(extension: Extension) -> None:
    saved = extension.send("POST", "/callLog/cacheNote", {"sessionId": "123", "note": "Call back Tuesday"})
    assert saved.json() == {"successful": True, "returnMessage": "Note cache saved"}
    again = extension.send("POST", "/callLog/cacheNote", {"sessionId": "123", "note": "Call back Wednesday"})
    assert again.json()["successful"] is True
    assert extension.send("POST", "/callLog/cacheNote", {"sessionId": "123"}).status_code == 400
    no_jwt = requests.post(
        f"{extension.api}/callLog/cacheNote", json={"sessionId": "1", "note": "x"}, timeout=30
    )
    assert no_jwt.status_code == 400
    assert no_jwt.text == "Please go to Settings and authorize CRM platform"


# -- the Pipedrive app's routes --------------------------------------------------------------------


def test_given_pipedrive_redirect_when_opened_then_page_hands_the_code_only_to_app_connect_origins(
    api_url: str,
) -> None:
    response = requests.get(f"{api_url}/pipedrive-redirect", params={"code": "abc", "state": "x"}, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert 'id="rc-stepper"' in page  # the real extension's content script writes its progress there
    assert "www.pipedrive.com/en/marketplace" in page
    assert '"*"' not in page
    assert "'*'" not in page
    origins = json.loads(re.search(r"var origins = (\[.*?\]);", page).group(1))  # type: ignore[union-attr]
    assert "chrome-extension://kkhkjhafgdlihndcbnebljipgkandkhh" in origins
    assert "https://apps.ringcentral.com" in origins
    assert all(o.startswith(("https://", "chrome-extension://")) for o in origins)
    assert '<meta name="referrer" content="no-referrer">' in page  # the code never leaves in a Referer


@pytest.mark.parametrize("authorization", [None, "Basic " + base64.b64encode(b"someone:guessing").decode()])
def test_given_uninstall_without_the_apps_credentials_when_called_then_401(
    api_url: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = requests.delete(
        f"{api_url}/pipedrive-redirect", json={"user_id": 12345}, headers=headers, timeout=30
    )
    assert response.status_code == 401
    assert response.text == "Unauthorized"


def test_given_uninstall_without_user_id_when_called_then_400_missing_user_id(api_url: str) -> None:
    response = requests.delete(
        f"{api_url}/pipedrive-redirect", json={}, headers={"Authorization": CLIENT_BASIC}, timeout=30
    )
    assert response.status_code == 400
    assert response.text == "Missing user_id"


def test_given_company_uninstalls_the_app_when_webhook_called_then_tokens_revoked_and_user_forgotten(
    extension: Extension, sandbox: Sandbox
) -> None:
    sandbox.clear_journal()
    response = requests.delete(
        f"{extension.api}/pipedrive-redirect",
        json={"user_id": 12345},
        headers={"Authorization": CLIENT_BASIC},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.text == "User deleted"
    assert len(sandbox.journal("POST", "/oauth/revoke")) == 2
    after = extension.get("/contact", phoneNumber="+14155550142")
    assert after.json() == {  # the reference's answer to a JWT whose user is gone
        "successful": False,
        "returnMessage": {"message": "Contact not found", "messageType": "warning", "ttl": 5000},
    }
    unknown = requests.delete(
        f"{extension.api}/pipedrive-redirect",
        json={"user_id": 99999},
        headers={"Authorization": CLIENT_BASIC},
        timeout=30,
    )
    assert (unknown.status_code, unknown.text) == (200, "User deleted")
