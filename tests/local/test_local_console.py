"""The local console's server side (local/console): what it masks, which numbers it offers, and the endpoints
the local stack serves for it. The page itself is walked in a real browser by tests/local/browser/."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from local.console import crms
from local.console.masking import MASK, mask, mask_text
from local.sandbox.server import default_sandboxes
from local.template import cached_template, functions
from tests.stack import StackProcess

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6IjEyMzQ1LXBpcGVkcml2ZSIsInBsYXRmb3JtIjoicGlwZWRyaXZlIn0"
    ".GVK0-BrJtGeEttv08btmboD2-wmOQ31sACqHdnTdnqc"
)


def _seed_state(system: str) -> dict[str, Any]:
    """A sandbox's seeded state, as its control API dumps it."""
    sandbox = default_sandboxes()[system]
    state: dict[str, Any] = json.loads(json.dumps(sandbox.dump(None)))
    return state


# -- masking ------------------------------------------------------------------------------------------------


def test_given_tokens_keys_and_passwords_when_masked_then_none_is_left_and_descriptions_stay() -> None:
    document = {
        "access_token": "sbx-pi-access-000003-be72578b",
        "refresh_token": "sbx-pi-refresh-000002-2e92dff0",
        "jwtToken": JWT,
        "apiKey": "sandbox-insightly-key-avery",
        "password": "sandbox-password",
        "user_key": "rt-user-key-97501",
        "api_keys": {"sandbox-insightly-key-avery": 5001},
        "headers": {"Authorization": "Basic c2FuZGJveA==", "X-RC-Access-Token": "abc123456"},
        "tokenUrl": "http://127.0.0.1:8100/bullhorn/oauth/token",
        "token_type": "bearer",
        "refresh_token_expires_in": 604800,
        "activity_code_id": 3,
    }

    masked = mask(document)
    shown = json.dumps(masked, ensure_ascii=False)

    for secret in (
        "be72578b",
        "2e92dff0",
        JWT,
        "sandbox-insightly-key-avery",
        "sandbox-password",
        "rt-user-key",
    ):
        assert secret not in shown
    assert "c2FuZGJveA==" not in shown
    assert "abc123456" not in shown
    assert masked["access_token"] == f"sbx-pi-access-{MASK}"
    assert masked["headers"]["Authorization"] == f"Basic {MASK}"
    assert masked["tokenUrl"] == document["tokenUrl"]
    assert masked["token_type"] == "bearer"
    assert masked["refresh_token_expires_in"] == 604800
    assert masked["activity_code_id"] == 3
    assert mask(masked) == masked


def test_given_a_code_inside_an_encoded_callback_url_when_masked_then_the_code_goes_and_the_rest_stays() -> (
    None
):
    url = (
        "/oauth-callback?callbackUri=https%3A%2F%2Fringcentral.github.io%2Fredirect.html%3Fcode%3Dsecret-code-1"
        "%26client_id%3Dsandbox-bullhorn-client%26state%3Dplatform%253Dbullhorn&username=bailey.recruiter"
    )

    shown = mask_text(url)

    assert "secret-code-1" not in shown
    assert "client_id%3Dsandbox-bullhorn-client" in shown
    assert "username=bailey.recruiter" in shown
    assert mask_text(f"note with {JWT} inside") == f"note with {MASK} inside"


# -- the numbers the console offers ------------------------------------------------------------------------


def test_given_the_pipedrive_seed_when_numbers_listed_then_each_messy_format_rings_as_e164() -> None:
    offered = crms.numbers(crms.PROFILES["pipedrive"], _seed_state("pipedrive"))

    by_stored = {(n["name"], n["stored"]): n["e164"] for n in offered if n["name"]}
    assert by_stored[("Maya Patel", "(415) 555-0142")] == "+14155550142"
    assert by_stored[("Sam Patel", "4155550142")] == "+14155550142"
    assert by_stored[("John Doe", "415.555.1234")] == "+14155551234"
    assert by_stored[("Priya Sharma", "+44 20 7946 0958")] == "+442079460958"


@pytest.mark.parametrize("crm", sorted(crms.PROFILES))
def test_given_a_seeded_crm_when_numbers_listed_then_the_last_is_one_no_record_has(crm: str) -> None:
    offered = crms.numbers(crms.PROFILES[crm], _seed_state(crm))

    unknown = offered[-1]
    assert unknown["name"] == ""
    assert unknown["note"] == "no record has it"
    national = unknown["e164"][2:]
    assert all(
        not n["stored"] or not "".join(filter(str.isdigit, n["stored"])).endswith(national) for n in offered
    )


def test_given_redtail_keeps_the_country_code_apart_when_numbers_listed_then_it_rings_with_it() -> None:
    offered = crms.numbers(crms.PROFILES["redtail"], _seed_state("redtail"))

    dana = next(n for n in offered if n["name"] == "Dana A Client")
    assert (dana["stored"], dana["e164"]) == ("4155550142", "+14155550142")


@pytest.mark.parametrize("crm", sorted(crms.PROFILES))
def test_given_a_seeded_crm_when_login_choices_listed_then_each_prefills_what_its_login_form_asks(
    crm: str,
) -> None:
    choices = crms.PROFILES[crm].login_choices(_seed_state(crm), "http://127.0.0.1:8100")

    assert choices
    first = choices[0]
    if crms.PROFILES[crm].login == "apiKey":
        assert first["values"]
        assert all(first["values"].values())
    else:
        assert first["oauthUser"]


# -- the endpoints of a running stack ---------------------------------------------------------------------


def test_given_the_template_when_read_then_no_function_serves_the_console() -> None:
    paths = [route.path for spec in functions(cached_template()) for route in spec.routes]

    assert paths
    assert not [p for p in paths if p.startswith("/__local")]


@pytest.mark.stack
def test_given_the_local_stack_when_started_then_it_prints_the_console_url_and_serves_the_page(
    local_stack: StackProcess, http: requests.Session
) -> None:
    url = f"{local_stack.api_url}/__local/console/"

    page = http.get(url, timeout=10)

    assert f"Console: open {url}" in local_stack.stdout()
    assert page.status_code == 200
    assert "App Connect local console" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    for asset in ("console.js", "console.css"):
        assert http.get(f"{url}{asset}", timeout=10).status_code == 200
    assert http.get(f"{url}../stack.py", timeout=10).status_code == 404


@pytest.mark.stack
def test_given_the_local_stack_when_the_catalog_read_then_it_offers_every_crm_and_ringcentral_extension(
    local_stack: StackProcess, http: requests.Session
) -> None:
    catalog = http.get(f"{local_stack.api_url}/__local/console/catalog", timeout=30).json()

    assert [crm["name"] for crm in catalog["crms"]] == list(crms.PROFILES)
    assert "Jordan Lee" in [e["name"] for e in catalog["ringcentral"]["extensions"]]
    assert catalog["sandbox"] == local_stack.sandbox_url


@pytest.mark.stack
def test_given_the_doorway_when_asked_for_anything_but_a_sign_in_endpoint_then_it_refuses(
    local_stack: StackProcess, http: requests.Session
) -> None:
    door = f"{local_stack.api_url}/__local/console/sandbox"

    for method, path in [
        ("POST", "/__sandbox/reset"),
        ("POST", "/__sandbox/pipedrive/seed"),
        ("GET", "/pipedrive/api/v2/persons/search?term=x"),
        ("POST", "/bullhorn/oauth/token"),
        ("DELETE", "/ringcentral/restapi/oauth/authorize"),
    ]:
        assert http.request(method, f"{door}{path}", timeout=10).status_code == 403, (method, path)


@pytest.mark.stack
def test_given_the_doorway_when_ringcentral_consent_requested_then_the_redirect_is_handed_back_not_followed(
    local_stack: StackProcess, http: requests.Session
) -> None:
    response = http.get(
        f"{local_stack.api_url}/__local/console/sandbox/ringcentral/restapi/oauth/authorize",
        params={"client_id": "sandbox-rc-client", "redirect_uri": "http://127.0.0.1:1/back", "state": "s"},
        allow_redirects=False,
        timeout=10,
    )

    assert response.status_code == 302
    assert "location" not in response.headers
    assert response.headers["x-sandbox-location"].startswith("http://127.0.0.1:1/back?code=")


@pytest.mark.stack
def test_given_a_user_record_with_a_password_when_read_through_the_console_then_it_is_masked(
    local_stack: StackProcess, http: requests.Session
) -> None:
    answer = http.get(
        f"{local_stack.api_url}/__local/console/records",
        params={"crm": "redtail", "kind": "user", "name": "rt.agent"},
        timeout=10,
    ).json()

    (user,) = answer["records"]
    assert user["record"]["username"] == "rt.agent"
    assert user["record"]["password"] == MASK
    assert user["record"]["user_key"] == MASK
