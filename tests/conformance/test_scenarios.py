"""The behaviours every connector must show through the HTTP API, run once per connector.

Each scenario reads only what ``tests/conformance/crms/<crm>.py`` says about the CRM; a scenario that
needs a capability the connector does not declare is skipped, naming it.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import Any

import pytest
import requests

from tests.api.extension import Extension
from tests.conformance.kit import CrmWorld
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.stack


def _session_id() -> str:
    return str(uuid.uuid4().int)[:12]


def _matched_ids(answer: dict[str, Any]) -> list[Any]:
    return [c["id"] for c in answer.get("contact") or [] if not c.get("isNewContact")]


def _record(world: CrmWorld, box: SandboxClient, log_id: Any) -> dict[str, Any]:
    found = [r for r in world.records(box) if str(world.record_id(r)) == str(log_id)]
    assert len(found) == 1, f"no single {world.platform} record {log_id}"
    return found[0]


# -- login and logout --------------------------------------------------------------------------------


def test_login_gives_a_jwt_and_logout_ends_it(world: CrmWorld, box: SandboxClient, api_url: str) -> None:
    client = world.login(api_url, box)
    assert client.jwt
    assert client.get("/hostname").status_code == 200
    assert client.send("POST", "/unAuthorize", None).status_code == 200
    after = client.get("/contact", phoneNumber=next(iter(world.seeded_numbers)))
    assert (after.status_code, after.text) == (400, "Please go to Settings and authorize CRM platform")


# -- contacts ----------------------------------------------------------------------------------------


#: latency injected on every CRM call when counting a screen pop's sequential rounds
ROUND_DELAY_MS = 300


def _sequential_rounds(entries: list[dict[str, Any]]) -> int:
    """The longest chain of CRM calls each made after the one before had answered: how many times in
    sequence the screen pop waited for the CRM (calls made at once overlap and count once)."""
    spans = []
    for entry in entries:
        end = datetime.fromisoformat(str(entry["time"]).replace("Z", "+00:00")).timestamp()
        spans.append((end - float(entry["duration_ms"]) / 1000, end))
    spans.sort()
    tolerance = ROUND_DELAY_MS / 1000 / 3  # a call started within a third of the delay is the same wave
    depth: list[int] = []
    for start, _end in spans:
        before = [
            d
            for (other_start, other_end), d in zip(spans, depth, strict=False)
            if other_end <= start + tolerance
        ]
        depth.append(1 + max(before, default=0))
    return max(depth, default=0)


def test_a_screen_pop_waits_for_the_crm_at_most_twice_in_sequence(
    world: CrmWorld, box: SandboxClient, client: Extension
) -> None:
    number = world.several_matches[0]
    assert client.get("/contact", phoneNumber=number).status_code == 200  # warm: connections, caches
    # past the warm-up's second: a connector pacing its CRM's per-second limit must not delay this pop
    time.sleep(1.1)
    box.own("POST", "latency", {"delay_ms": ROUND_DELAY_MS})
    box.clear_journal()

    response = client.get("/contact", phoneNumber=number)

    assert response.status_code == 200, response.text
    assert response.json()["successful"] is True
    entries = box.journal()
    assert entries, "the screen pop called the CRM"
    assert _sequential_rounds(entries) <= 2, [
        (e["method"], e["path"], e["time"], e["duration_ms"]) for e in entries
    ]


def test_screen_pops_under_a_rate_limit_of_10_per_second_never_show_the_user_a_429(
    world: CrmWorld, box: SandboxClient, client: Extension
) -> None:
    box.own("POST", "ratelimit", {"limit": 10, "window_seconds": 1})
    box.clear_journal()

    answers = [client.get("/contact", phoneNumber=f"+1628555{1000 + n:04d}") for n in range(20)]

    assert [(a.status_code, a.json().get("successful")) for a in answers] == [(200, True)] * 20
    refused = [e for e in box.journal() if e["status"] == 429]
    if world.paced:
        assert refused == [], f"{len(refused)} calls refused by {world.platform}"


def test_every_seeded_number_is_found_however_it_was_typed(world: CrmWorld, client: Extension) -> None:
    missed = {}
    for number, contact_id in world.seeded_numbers.items():
        answer = client.get("/contact", phoneNumber=number).json()
        if answer.get("successful") is not True or contact_id not in _matched_ids(answer):
            missed[number] = answer
    assert not missed, f"{world.platform} did not find: {missed}"


def test_an_unknown_number_is_not_found_and_offers_a_new_contact(world: CrmWorld, client: Extension) -> None:
    answer = client.get("/contact", phoneNumber=world.unknown_number).json()
    assert _matched_ids(answer) == []
    assert answer["contact"][-1]["id"] == "createNewContact"
    assert answer["returnMessage"]["message"] == "Contact not found"


def test_a_number_shared_by_several_contacts_finds_them_all(world: CrmWorld, client: Extension) -> None:
    number, expected = world.several_matches
    matched = _matched_ids(client.get("/contact", phoneNumber=number).json())
    assert expected <= set(matched)
    assert len(matched) == len(set(matched)), "each contact once"


def test_a_name_search_finds_the_contact(world: CrmWorld, client: Extension) -> None:
    world.requires("name_search")
    name, contact_id = world.name_search
    answer = client.get("/custom/contact/search", name=name).json()
    assert answer["successful"] is True
    assert contact_id in _matched_ids(answer)


def test_a_created_contact_is_then_found_by_its_number(world: CrmWorld, client: Extension) -> None:
    number = "+14155550123"
    request = {
        "phoneNumber": number,
        "newContactName": "Ada Lovelace",
        "newContactType": world.new_contact_type,
    }
    created = client.send("POST", "/contact", request).json()
    assert created["successful"] is True, created
    assert created["contact"]["id"] in _matched_ids(client.get("/contact", phoneNumber=number).json())


# -- call logs ---------------------------------------------------------------------------------------


def test_a_call_is_logged_read_back_and_updated_in_place(
    world: CrmWorld, box: SandboxClient, client: Extension
) -> None:
    session_id = _session_id()
    created = client.send("POST", "/callLog", world.call_log_body(session_id)).json()
    assert created["successful"] is True, created
    log_id = created["logId"]
    found = client.get("/callLog", sessionIds=session_id).json()
    assert found["logs"] == [{"sessionId": session_id, "matched": True, "logId": str(log_id)}]
    updated = client.send("PATCH", "/callLog", {"sessionId": session_id, "note": "Conformance note."}).json()
    assert updated["successful"] is True, updated
    assert "Conformance note." in world.record_text(_record(world, box, log_id))


def test_a_disposition_is_written_to_the_logged_call(
    world: CrmWorld, box: SandboxClient, client: Extension
) -> None:
    world.requires("dispositions")
    assert world.disposition is not None
    dispositions, shows = world.disposition
    session_id = _session_id()
    created = client.send("POST", "/callLog", world.call_log_body(session_id)).json()
    answer = client.send("PUT", "/callDisposition", {"sessionId": session_id, "dispositions": dispositions})
    assert answer.json()["successful"] is True, answer.text
    assert shows(_record(world, box, created["logId"]))


def test_a_call_posted_many_times_at_once_is_one_record(
    world: CrmWorld, box: SandboxClient, client: Extension
) -> None:
    before = len(world.records(box))
    answers = [r.json() for r in client.at_once(10, "POST", "/callLog", world.call_log_body(_session_id()))]
    assert len(world.records(box)) == before + 1
    assert len({str(a.get("logId")) for a in answers}) == 1
    assert all(a["successful"] is True for a in answers)


# -- messages ----------------------------------------------------------------------------------------


def test_an_sms_conversation_is_appended_to_one_record_the_same_day(
    world: CrmWorld, box: SandboxClient, client: Extension
) -> None:
    before = len(world.records(box))
    first = uuid.uuid4().int % 10**12  # the server remembers logged messages across tests
    conversation = f"c{first}"
    for message_id, text in ((first, "First conformance text"), (first + 1, "Second conformance text")):
        answer = client.send("POST", "/messageLog", world.message_body(message_id, text, conversation)).json()
        assert answer["successful"] is True, answer
    records = world.records(box)
    assert len(records) == before + 1
    body = world.record_text(records[-1])
    assert "First conformance text" in body
    assert "Second conformance text" in body


@pytest.mark.parametrize(
    ("capability", "message_type", "attachment"),
    [
        ("voicemail", "VoiceMail", {"type": "AudioRecording", "link": "https://app.ringcentral.com/vm/"}),
        ("fax", "Fax", {"type": "RenderedDocument", "link": "https://app.ringcentral.com/fax/"}),
    ],
    ids=["voicemail", "fax"],
)
def test_a_voicemail_or_fax_is_a_record_with_its_link(
    world: CrmWorld,
    box: SandboxClient,
    client: Extension,
    capability: str,
    message_type: str,
    attachment: dict[str, str],
) -> None:
    world.requires(capability)
    message_id = uuid.uuid4().int % 10**12  # the server remembers logged messages across tests
    link = f"{attachment['link']}{message_id}"
    body = world.message_body(
        message_id, message_type, f"c{message_id}", message_type, [{**attachment, "link": link}]
    )
    assert client.send("POST", "/messageLog", body).json()["successful"] is True
    assert any(link in world.record_text(r) for r in world.records(box))


# -- sessions and CRM failures -----------------------------------------------------------------------


def test_a_session_about_to_expire_is_renewed_once_and_the_call_goes_through(
    world: CrmWorld, box: SandboxClient, api_url: str
) -> None:
    world.requires("oauth")
    assert world.short_session_login is not None
    assert world.token_endpoint is not None
    client = world.short_session_login(api_url, box)
    box.clear_journal()
    number = next(iter(world.seeded_numbers))
    answers = client.at_once(5, "GET", "/contact", params={"phoneNumber": number})
    assert all(a.json()["successful"] is True for a in answers)
    method, path = world.token_endpoint
    renewals = [e for e in box.journal(method, path) if _grant(e) == "refresh_token"]
    assert len(renewals) == 1


def _grant(entry: dict[str, Any]) -> str:
    """A token request's grant type, from its form body or (Bullhorn) its query string."""
    for part in ("form", "query"):
        value = (entry.get(part) or {}).get("grant_type")
        value = value[0] if isinstance(value, list) and value else value
        if value:
            return str(value)
    return ""


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ({"status": 401, "body": {"error": "unauthorized"}}, "Authorization error"),
        ({"status": 404, "body": {"error": "not found"}}, "Error finding contact"),
        ({"status": 429, "headers": {"Retry-After": "30"}}, "Rate limit exceeded"),
        ({"status": 503}, "Error finding contact"),
        ({"drop": True}, "Error finding contact"),
        ({"status": 200, "body": "null"}, "Error finding contact"),
        ({"status": 200, "body": "<html>maintenance</html>"}, "Error finding contact"),
    ],
    ids=["401", "404", "429", "5xx", "dropped-connection", "null-answer", "not-json-answer"],
)
def test_a_failing_crm_gets_a_clear_message_never_a_5xx(
    world: CrmWorld, box: SandboxClient, client: Extension, fault: dict[str, Any], message: str
) -> None:
    box.fault(method=world.search_method, path=world.search_path, times=50, **fault)
    response = client.get("/contact", phoneNumber=next(iter(world.seeded_numbers)))
    if fault.get("status") == 401 and world.revoked_on_401:
        assert response.status_code == 401, response.text
        assert response.json()["errorCode"] == "CRM_SESSION_REVOKED"
        message = "User session expired. Please connect again."
    else:
        assert response.status_code == 200, response.text
    assert response.json()["successful"] is False
    assert response.json()["returnMessage"]["message"] == message


#: an admin extension of the RingCentral sandbox
RC_ADMIN_EXTENSION = 62264425008


def test_the_user_list_is_served(world: CrmWorld, box: SandboxClient, client: Extension) -> None:
    world.requires("user_list")
    rc_token = box.control("POST", "ringcentral/tokens", {"extension_id": RC_ADMIN_EXTENSION})["access_token"]
    response = client.http.post(
        f"{client.api}/admin/userMapping",
        json={"rcExtensionList": []},
        headers={**client.headers(None), "X-RC-Access-Token": rc_token},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    users = [item["crmUser"] for item in response.json()]
    assert users, "the CRM's users"
    assert all(str(user["id"]) and isinstance(user["name"], str) for user in users)


def test_a_world_declares_only_known_capabilities(world: CrmWorld) -> None:
    """A typo in a fixture module must not silently skip scenarios."""
    from tests.conformance.kit import CAPABILITIES

    assert world.capabilities <= CAPABILITIES


def test_every_built_connector_has_a_conformance_fixture(api_url: str) -> None:
    """A connector that reports its interfaces as implemented must be proven here too."""
    from tests.conformance.conftest import CRMS

    built = []
    for platform in ("pipedrive", "insightly", "bullhorn", "redtail"):
        interfaces = requests.get(
            f"{api_url}/implementedInterfaces", params={"platform": platform}, timeout=30
        )
        if interfaces.json().get("getUserInfo"):
            built.append(platform)
    assert sorted(built) == sorted(CRMS)
