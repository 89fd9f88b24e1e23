"""The holes a security review found, each tried through the local stack as an attacker would.

Every URL trick is aimed at a listener on 127.0.0.2: a loopback address no allow-list names, so the only
thing between the trick and the listener is the outbound-URL policy. The listener answers like
Insightly's ``/users/me`` and records every request it gets: an empty record is the proof.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.api import insightly_world, pipedrive_world
from tests.api.insightly_world import (
    AVERY_KEY,
    MAYA,
    Trap,
    connected_avery,
    logout_avery,
    message_body,
    trap_server,
)
from tests.api.pipedrive_world import MAYA as PIPEDRIVE_MAYA
from tests.api.pipedrive_world import Sandbox as PipedriveSandbox
from tests.api.stack_tables import raw_user, stack_table
from tests.stack import StackProcess

pytestmark = pytest.mark.stack

#: the seeded Insightly user behind AVERY_KEY
AVERY_ID = 5001


def listener(host: str = "127.0.0.2") -> AbstractContextManager[Trap]:
    """A trap on ``host``: 127.0.0.2 is a loopback address that no allow-list names."""
    return trap_server(host)


@pytest.fixture
def insightly(sandbox_url: str, http: requests.Session) -> Iterator[insightly_world.Sandbox]:
    box = insightly_world.Sandbox(http, sandbox_url)
    box.reset()
    yield box
    box.control("DELETE", "insightly/faults")


@pytest.fixture
def pipedrive(sandbox_url: str, http: requests.Session) -> Iterator[PipedriveSandbox]:
    box = PipedriveSandbox(http, sandbox_url)
    box.reset()
    yield box
    box.control("DELETE", "pipedrive/faults")
    box.config(access_ttl=3599)


# -- 1. one outbound-URL policy ----------------------------------------------------------------------

#: ``{trap}`` is the listener on 127.0.0.2; ``{allowed}`` the sandbox's own, allowed, address
URL_TRICKS = [
    pytest.param("http://{trap}\\@{allowed}/insightly/v3.1", id="backslash-before-userinfo"),
    pytest.param("http://{trap}\\\\@{allowed}/insightly/v3.1", id="two-backslashes"),
    pytest.param("http://{allowed}@{trap}/v3.1", id="userinfo-names-the-allowed-host"),
    pytest.param("http://{trap}#@{allowed}/insightly/v3.1", id="fragment-before-userinfo"),
    pytest.param("http://{trap}?@{allowed}/insightly/v3.1", id="query-before-userinfo"),
    pytest.param("http://{trap}%2F@{allowed}/insightly/v3.1", id="escaped-slash"),
    pytest.param("http://{trap}%5C@{allowed}/insightly/v3.1", id="escaped-backslash"),
    pytest.param("http://{trap} @{allowed}/insightly/v3.1", id="space"),
    pytest.param("http://{trap}\t@{allowed}/insightly/v3.1", id="tab"),
    pytest.param("http://{allowed}\n.{trap}/v3.1", id="newline"),
    pytest.param(" http://{trap}/v3.1", id="leading-space-then-foreign-host"),
    pytest.param("HTTP://{trap}/v3.1", id="foreign-host-upper-case-scheme"),
    pytest.param("http://127。0。0。2:{port}/v3.1", id="ideographic-full-stops"),
    pytest.param("http://[::ffff:127.0.0.2]:{port}/v3.1", id="ipv6-mapped"),
    pytest.param("http://{trap}/v3.1", id="plain-foreign-host"),
]


@pytest.mark.parametrize("template", URL_TRICKS)
def test_given_a_disguised_api_url_when_logging_in_then_refused_nothing_reaches_it_and_no_jwt(
    api_url: str, sandbox_url: str, insightly: insightly_world.Sandbox, template: str
) -> None:
    client = insightly_world.Extension(requests.Session(), api_url)
    with listener() as trap:
        url = template.format(trap=trap.address, port=trap.port, allowed=urlsplit(sandbox_url).netloc)
        response = client.api_key_login(AVERY_KEY, url)
        assert trap.requests == []
    assert response.status_code == 400, response.text
    assert "jwtToken" not in response.json()
    assert client.jwt == ""


def test_given_an_allowed_host_that_redirects_elsewhere_when_logging_in_then_the_redirect_is_not_followed(
    api_url: str, insightly: insightly_world.Sandbox
) -> None:
    client = insightly_world.Extension(requests.Session(), api_url)
    with listener() as trap, listener("127.0.0.1") as bouncer:
        bouncer.redirect_to = f"http://{trap.address}/v3.1/users/me"
        response = client.api_key_login(AVERY_KEY, f"http://{bouncer.address}/v3.1")
        assert bouncer.requests == ["/v3.1/users/me"]
        assert trap.requests == []
    assert response.status_code == 400
    assert "jwtToken" not in response.json()


def test_given_a_login_through_an_allowed_url_when_stored_then_the_normalised_url_is_kept(
    api_url: str, sandbox_url: str, insightly: insightly_world.Sandbox, dynamodb_url: str
) -> None:
    logout_avery(api_url, insightly)
    client = insightly_world.Extension(requests.Session(), api_url)
    netloc = urlsplit(sandbox_url).netloc
    response = client.api_key_login(AVERY_KEY, f"  HTTP://{netloc.upper()}/insightly/v3.1/  ")
    assert response.status_code == 200, response.text
    stored = raw_user(dynamodb_url, f"{AVERY_ID}-insightly")["platformAdditionalInfo"]
    assert json.loads(stored["S"])["apiUrl"] == f"http://{netloc}/insightly"


@pytest.mark.parametrize(
    "hostname",
    [
        "evil.example\\@sandbox.pipedrive.com",
        "127.0.0.2",
        "sandbox.pipedrive.com.evil.example",
        "a b.pipedrive.com",
    ],
)
def test_given_a_foreign_pipedrive_hostname_when_logging_in_then_no_jwt_and_nothing_stored(
    api_url: str, pipedrive: PipedriveSandbox, hostname: str
) -> None:
    callback = pipedrive.authorize(f"{api_url}/pipedrive-redirect", user_id=12346)
    response = requests.get(
        f"{api_url}/oauth-callback", params={"callbackUri": callback, "hostname": hostname}, timeout=30
    )
    assert response.status_code == 200
    assert "jwtToken" not in response.json()
    assert response.json()["returnMessage"]["message"] == "Could not load user information"


# -- 2. a login cannot re-home a user ---------------------------------------------------------------


def test_given_a_connected_user_when_someone_logs_in_as_them_through_another_address_then_refused(
    api_url: str, insightly: insightly_world.Sandbox, dynamodb_url: str
) -> None:
    victim = connected_avery(api_url, insightly)
    before = raw_user(dynamodb_url, f"{AVERY_ID}-insightly")
    attacker = insightly_world.Extension(requests.Session(), api_url)
    with listener("127.0.0.1") as impostor:  # an allowed address answering with the victim's user id
        impostor.user_id = AVERY_ID
        refused = attacker.api_key_login("attackers-own-key", f"http://{impostor.address}/v3.1")
        assert refused.status_code == 400
        assert refused.json()["returnMessage"]["message"] == "Already connected from another address"
        assert "jwtToken" not in refused.json()
        after = raw_user(dynamodb_url, f"{AVERY_ID}-insightly")
        assert after["platformAdditionalInfo"] == before["platformAdditionalInfo"]
        assert after["encryptedAccessToken"] == before["encryptedAccessToken"]
        # the victim's screen pops still go to their own Insightly, never to the impostor
        lookup = victim.get("/contact", phoneNumber=MAYA["phone"])
        assert lookup.json()["successful"] is True
        assert impostor.requests == ["/v3.1/users/me"]


def test_given_a_logged_out_user_when_they_log_in_through_another_address_then_accepted(
    api_url: str, insightly: insightly_world.Sandbox
) -> None:
    logout_avery(api_url, insightly)
    with listener("127.0.0.1") as other_pod:
        other_pod.user_id = AVERY_ID
        moved = insightly_world.Extension(requests.Session(), api_url)
        assert moved.api_key_login(AVERY_KEY, f"http://{other_pod.address}/v3.1").status_code == 200
        moved.send("POST", "/unAuthorize", None)


# -- 3. the OAuth code -------------------------------------------------------------------------------


def test_given_callback_and_query_states_that_differ_when_oauth_callback_then_400_and_no_exchange(
    api_url: str, pipedrive: PipedriveSandbox
) -> None:
    callback = pipedrive.authorize(f"{api_url}/pipedrive-redirect", user_id=12346)
    pipedrive.clear_journal()
    response = requests.get(
        f"{api_url}/oauth-callback",
        params={"callbackUri": callback, "state": "platform=pipedrive&hostname=other.pipedrive.com"},
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json() == {"error": "The OAuth state does not match the callback. Please connect again."}
    assert pipedrive.journal("POST", "/oauth/token") == []


# -- 4. no 5xx from a CRM failure --------------------------------------------------------------------


def _expiring_pipedrive_login(api_url: str, pipedrive: PipedriveSandbox) -> pipedrive_world.Extension:
    pipedrive.config(access_ttl=60)  # inside the 2-minute refresh margin: the next call refreshes
    client = pipedrive_world.Extension(requests.Session(), api_url)
    client.login(pipedrive)
    pipedrive.config(access_ttl=3599)
    return client


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ({"status": 503, "body": {"error": "unavailable"}}, "did not answer"),
        ({"drop": True}, "did not answer"),
        ({"status": 401, "body": {"error": "invalid_client"}}, "refused: invalid_client"),
        ({"status": 302, "headers": {"Location": "http://127.0.0.2:1/"}}, "refused"),
    ],
    ids=["5xx", "dropped-connection", "invalid-client", "redirect"],
)
def test_given_the_token_endpoint_fails_when_a_refresh_is_due_then_200_with_a_clear_message(
    api_url: str, pipedrive: PipedriveSandbox, fault: dict[str, Any], reason: str
) -> None:
    client = _expiring_pipedrive_login(api_url, pipedrive)
    pipedrive.control(
        "POST", "pipedrive/faults", {"method": "POST", "path": "/oauth/token", "times": 9, **fault}
    )
    response = client.get("/contact", phoneNumber=PIPEDRIVE_MAYA["phone"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["successful"] is False
    assert body["returnMessage"]["message"] == "Could not renew your pipedrive session"
    assert reason in body["returnMessage"]["details"][0]["items"][0]["text"]


# -- 5. logout always works --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failing", [{"path": "/oauth/revoke", "status": 503}, {"path": "/oauth/token", "status": 503}]
)
def test_given_the_crm_fails_during_logout_when_logging_out_then_every_jwt_of_the_user_stops_working(
    api_url: str, pipedrive: PipedriveSandbox, failing: dict[str, Any]
) -> None:
    client = _expiring_pipedrive_login(api_url, pipedrive)
    other_device = pipedrive_world.Extension(requests.Session(), api_url, jwt=client.jwt)
    pipedrive.control("POST", "pipedrive/faults", {"method": "POST", "times": 9, **failing})
    response = client.send("POST", "/unAuthorize", None)
    assert response.status_code == 200, response.text
    assert response.json()["message"] == "Logged out of Pipedrive"
    assert response.json()["messageType"] == "warning"
    for device in (client, other_device):
        refused = device.get("/contact", phoneNumber=PIPEDRIVE_MAYA["phone"])
        assert refused.status_code == 400
        assert refused.text == "Please go to Settings and authorize CRM platform"


def test_given_a_logout_then_a_new_login_when_the_old_jwt_is_used_then_refused_and_the_new_one_works(
    api_url: str, pipedrive: PipedriveSandbox
) -> None:
    first = pipedrive_world.Extension(requests.Session(), api_url)
    first.login(pipedrive)
    old_jwt = first.jwt
    assert first.send("POST", "/unAuthorize", None).status_code == 200
    first.login(pipedrive)  # the same user connects again: credentials exist once more
    assert first.get("/contact", phoneNumber=PIPEDRIVE_MAYA["phone"]).json()["successful"] is True
    stale = first.get("/contact", jwt=old_jwt, phoneNumber=PIPEDRIVE_MAYA["phone"])
    assert stale.status_code == 400
    assert stale.text == "Please go to Settings and authorize CRM platform"


# -- 6. message logs lose nothing --------------------------------------------------------------------


def test_given_two_messages_of_one_conversation_at_once_when_logged_then_both_in_the_note_once_each(
    api_url: str, insightly: insightly_world.Sandbox
) -> None:
    client = connected_avery(api_url, insightly)
    first = client.send("POST", "/messageLog", message_body(8101, "first", conversation="777001"))
    assert first.json()["successful"] is True, first.text
    insightly.control(
        "POST", "insightly/latency", {"delay_ms": 150}
    )  # both appends read before either writes
    try:
        bodies = [message_body(8102 + i, f"later-{i}", conversation="777001") for i in range(2)]
        with requests.Session() as one, requests.Session() as two:
            threads = [
                threading.Thread(
                    target=lambda s=s, b=b: s.post(
                        f"{api_url}/messageLog", json=b, headers=client.headers(), timeout=60
                    )
                )
                for s, b in ((one, bodies[0]), (two, bodies[1]))
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        insightly.control("POST", "insightly/latency", {"delay_ms": 0})
    events = [e for e in insightly.events() if "first" in str(e.get("DETAILS"))]
    assert len(events) == 1
    details = str(events[0]["DETAILS"])
    assert details.count("later-0") == 1
    assert details.count("later-1") == 1


def test_given_a_message_without_an_id_when_logged_then_400_and_nothing_claimed(
    api_url: str, insightly: insightly_world.Sandbox
) -> None:
    client = connected_avery(api_url, insightly)
    body = message_body(1, "no id", conversation="777002")
    del body["logInfo"]["messages"][0]["id"]
    response = client.send("POST", "/messageLog", body)
    assert response.status_code == 400
    assert response.text == "logInfo.messages[0].id is required."
    assert not [e for e in insightly.events() if "no id" in str(e.get("DETAILS"))]


# -- 7. identity from what the server verified -------------------------------------------------------


@pytest.mark.parametrize("spoof", ["header", "body"])
def test_given_another_companys_account_in_the_request_when_logging_a_call_then_its_admin_settings_are_unused(
    api_url: str, pipedrive: PipedriveSandbox, dynamodb_url: str, local_stack: StackProcess, spoof: str
) -> None:
    other_account = "99887766"
    other_hash = local_stack.hash_id(other_account)
    dynamodb, table = stack_table(dynamodb_url, "AdminConfigsTable")
    settings = {"pipedriveCallActivityType": {"value": "meeting"}}
    dynamodb.put_item(
        TableName=table, Item={"id": {"S": other_hash}, "userSettings": {"S": json.dumps(settings)}}
    )
    client = pipedrive_world.Extension(requests.Session(), api_url)
    client.login(pipedrive)  # no RingCentral token: no company is vouched for
    body = pipedrive_world.call_log_body(pipedrive_world.new_session_id())
    headers = client.headers()
    if spoof == "header":
        headers["rc-account-id"] = other_hash
    else:
        body["logInfo"]["accountId"] = other_account
    response = client.http.post(f"{api_url}/callLog", json=body, headers=headers, timeout=60)
    assert response.json()["successful"] is True, response.text
    assert pipedrive.activity(response.json()["logId"])["type"] == "call"


@pytest.mark.parametrize(
    "hostname", ["evil.example\\@crm.na1.insightly.com", "crm.evil.example", "a b.insightly.com"]
)
def test_given_a_web_hostname_outside_the_crms_hosts_when_logging_in_then_refused_and_nothing_stored(
    api_url: str, insightly: insightly_world.Sandbox, dynamodb_url: str, hostname: str
) -> None:
    logout_avery(api_url, insightly)
    before = raw_user(dynamodb_url, f"{AVERY_ID}-insightly").get("hostname")
    client = insightly_world.Extension(requests.Session(), api_url)
    body = {
        "platform": "insightly",
        "hostname": hostname,
        "apiKey": AVERY_KEY,
        "additionalInfo": {"apiKey": AVERY_KEY, "apiUrl": insightly.api_url},
    }
    response = client.http.post(f"{api_url}/apiKeyLogin", json=body, timeout=60)
    assert response.status_code == 400, response.text
    assert "jwtToken" not in response.json()
    assert raw_user(dynamodb_url, f"{AVERY_ID}-insightly").get("hostname") == before


def test_given_a_pasted_web_address_as_hostname_when_logging_in_then_the_normalised_host_is_stored(
    api_url: str, insightly: insightly_world.Sandbox
) -> None:
    logout_avery(api_url, insightly)
    client = insightly_world.Extension(requests.Session(), api_url)
    body = {
        "platform": "insightly",
        "hostname": "HTTPS://CRM.NA1.Insightly.com/list/Contact",
        "apiKey": AVERY_KEY,
        "additionalInfo": {"apiKey": AVERY_KEY, "apiUrl": insightly.api_url},
    }
    response = client.http.post(f"{api_url}/apiKeyLogin", json=body, timeout=60)
    assert response.status_code == 200, response.text
    client.jwt = response.json()["jwtToken"]
    assert client.get("/hostname").text == "crm.na1.insightly.com"
