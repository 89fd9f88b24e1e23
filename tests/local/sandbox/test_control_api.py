"""Contract of the shared sandbox machinery: control API, journal, faults, latency, rate limits, clock."""

from __future__ import annotations

import time

import pytest
import requests

from tests.local.sandbox.conftest import Sandbox


def pipedrive_token(sandbox: Sandbox, **spec: object) -> str:
    return sandbox.control("POST", "pipedrive/tokens", dict(spec), expect=201)["access_token"]


def users_me(sandbox: Sandbox, token: str, **kwargs: object) -> requests.Response:
    return sandbox.http.get(
        f"{sandbox.base('pipedrive')}/v1/users/me", headers={"Authorization": f"Bearer {token}"}, **kwargs
    )


def test_given_running_server_when_control_root_requested_then_every_system_url_listed(sandbox: Sandbox):
    body = sandbox.control("GET", "")
    assert set(body["systems"]) == {"pipedrive", "bullhorn", "insightly", "redtail", "ringcentral"}
    assert body["systems"]["pipedrive"] == f"{sandbox.url}/pipedrive"


def test_given_server_when_urls_asked_then_each_system_has_its_prefix(sandbox: Sandbox):
    urls = sandbox.server.urls()
    assert urls["bullhorn"] == f"{sandbox.server.url}/bullhorn"
    assert sandbox.server.url.startswith("http://127.0.0.1:")


def test_given_unknown_system_when_requested_then_404_json(sandbox: Sandbox):
    response = sandbox.http.get(f"{sandbox.url}/salesforce/anything")
    assert response.status_code == 404
    assert "systems" in response.json()
    assert sandbox.control("GET", "salesforce/state", expect=404)["error"].startswith("unknown system")


def test_given_unknown_control_endpoint_when_called_then_404(sandbox: Sandbox):
    assert "error" in sandbox.control("POST", "pipedrive/nonsense", {}, expect=404)


def test_given_malformed_json_when_posted_to_control_then_400(sandbox: Sandbox):
    response = sandbox.http.post(f"{sandbox.url}/__sandbox/pipedrive/faults", data="{not json")
    assert response.status_code == 400


def test_given_seeded_record_when_reset_then_default_seed_is_back(sandbox: Sandbox):
    ids = sandbox.control(
        "POST", "pipedrive/seed", {"persons": [{"name": "Temp Person", "phones": ["+1 212 555 0100"]}]}
    )
    assert len(ids["persons"]) == 1
    names = [p["name"] for p in sandbox.control("GET", "pipedrive/state?collection=persons")["persons"]]
    assert "Temp Person" in names
    sandbox.control("POST", "pipedrive/reset")
    names = [p["name"] for p in sandbox.control("GET", "pipedrive/state?collection=persons")["persons"]]
    assert "Temp Person" not in names
    assert "Maya Patel" in names


def test_given_reset_without_seed_when_state_dumped_then_empty(sandbox: Sandbox):
    sandbox.control("POST", "pipedrive/reset", {"seed": False})
    assert sandbox.control("GET", "pipedrive/state?collection=persons") == {"persons": []}


def test_given_requests_when_journal_read_then_method_path_query_headers_body_and_status_recorded(
    sandbox: Sandbox,
):
    token = pipedrive_token(sandbox)
    sandbox.http.post(
        f"{sandbox.base('pipedrive')}/v1/persons?x=1",
        json={"name": "Journal Person"},
        headers={"Authorization": f"Bearer {token}"},
    )
    entries = sandbox.journal("pipedrive", method="POST", path="/v1/persons")
    assert len(entries) == 1
    entry = entries[0]
    assert entry["query"] == {"x": ["1"]}
    assert entry["json"] == {"name": "Journal Person"}
    assert entry["headers"]["authorization"] == f"Bearer {token}"
    assert entry["status"] == 201
    sandbox.control("DELETE", "pipedrive/journal")
    assert sandbox.journal("pipedrive") == []


def test_given_fault_rule_once_when_called_twice_then_first_gets_fault_and_second_succeeds(sandbox: Sandbox):
    token = pipedrive_token(sandbox)
    rule = sandbox.control(
        "POST",
        "pipedrive/faults",
        {
            "method": "GET",
            "path": "^/v1/users/me$",
            "status": 503,
            "body": {"error": "down"},
            "headers": {"Retry-After": "1"},
        },
        expect=201,
    )
    first = users_me(sandbox, token)
    assert first.status_code == 503
    assert first.json() == {"error": "down"}
    assert first.headers["Retry-After"] == "1"
    assert users_me(sandbox, token).status_code == 200
    assert sandbox.control("GET", "pipedrive/faults")["faults"] == []
    assert sandbox.journal("pipedrive", path="users/me")[0]["fault"] == rule["id"]


def test_given_fault_rule_n_times_when_called_then_exactly_n_faults(sandbox: Sandbox):
    token = pipedrive_token(sandbox)
    sandbox.control("POST", "pipedrive/faults", {"path": "users/me", "status": 500, "times": 2}, expect=201)
    statuses = [users_me(sandbox, token).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]


def test_given_fault_rule_unlimited_when_removed_then_calls_succeed(sandbox: Sandbox):
    token = pipedrive_token(sandbox)
    rule = sandbox.control(
        "POST", "pipedrive/faults", {"path": "users/me", "status": 502, "times": None}, expect=201
    )
    assert [users_me(sandbox, token).status_code for _ in range(2)] == [502, 502]
    sandbox.control("DELETE", f"pipedrive/faults/{rule['id']}")
    assert users_me(sandbox, token).status_code == 200


def test_given_fault_rule_for_other_method_when_called_then_not_applied(sandbox: Sandbox):
    token = pipedrive_token(sandbox)
    sandbox.control(
        "POST", "pipedrive/faults", {"method": "POST", "path": "users/me", "status": 500}, expect=201
    )
    assert users_me(sandbox, token).status_code == 200


def test_given_fault_rule_with_query_filter_when_query_differs_then_not_applied(sandbox: Sandbox):
    token = pipedrive_token(sandbox)
    sandbox.control(
        "POST", "pipedrive/faults", {"path": "users/me", "query_contains": "x=2", "status": 500}, expect=201
    )
    assert users_me(sandbox, token, params={"x": "1"}).status_code == 200
    assert users_me(sandbox, token, params={"x": "2"}).status_code == 500


def test_given_drop_rule_when_called_then_connection_closes_without_response(sandbox: Sandbox):
    token = pipedrive_token(sandbox)
    sandbox.control("POST", "pipedrive/faults", {"path": "users/me", "drop": True}, expect=201)
    with pytest.raises(requests.ConnectionError):
        users_me(sandbox, token)
    assert users_me(sandbox, token).status_code == 200
    assert sandbox.journal("pipedrive", path="users/me")[0]["dropped"] is True


def test_given_delay_rule_when_called_then_response_is_late_but_normal(sandbox: Sandbox):
    token = pipedrive_token(sandbox)
    sandbox.control("POST", "pipedrive/faults", {"path": "users/me", "delay_ms": 80}, expect=201)
    started = time.perf_counter()
    response = users_me(sandbox, token)
    assert time.perf_counter() - started >= 0.08
    assert response.status_code == 200


@pytest.mark.parametrize(
    "rule",
    [
        {"path": "x"},
        {"path": "(", "status": 500},
        {"status": 99},
        {"status": 500, "times": 0},
        {"delay_ms": -1},
    ],
)
def test_given_invalid_fault_rule_when_posted_then_400(sandbox: Sandbox, rule: dict[str, object]):
    assert "error" in sandbox.control("POST", "pipedrive/faults", rule, expect=400)


def test_given_latency_when_set_then_every_call_is_slower_until_cleared(sandbox: Sandbox):
    token = pipedrive_token(sandbox)
    assert sandbox.control("POST", "pipedrive/latency", {"delay_ms": 60}) == {
        "delay_ms": 60.0,
        "jitter_ms": 0.0,
    }
    for _ in range(2):
        started = time.perf_counter()
        assert users_me(sandbox, token).status_code == 200
        assert time.perf_counter() - started >= 0.06
    sandbox.control("DELETE", "pipedrive/latency")
    started = time.perf_counter()
    users_me(sandbox, token)
    assert time.perf_counter() - started < 0.06


def test_given_latency_on_one_system_when_other_called_then_not_delayed(sandbox: Sandbox):
    sandbox.control("POST", "ringcentral/latency", {"delay_ms": 200})
    token = pipedrive_token(sandbox)
    started = time.perf_counter()
    users_me(sandbox, token)
    assert time.perf_counter() - started < 0.2


def test_given_rate_limit_when_exhausted_then_429_until_window_passes(sandbox: Sandbox):
    token = pipedrive_token(sandbox)
    sandbox.control("POST", "pipedrive/clock", {"now": "2026-07-01T10:00:00Z", "freeze": True})
    sandbox.control("POST", "pipedrive/ratelimit", {"limit": 2, "window_seconds": 10})
    first, second, third = (users_me(sandbox, token) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 429)
    assert first.headers["x-ratelimit-remaining"] == "1"
    assert second.headers["x-ratelimit-remaining"] == "0"
    assert third.headers["x-ratelimit-remaining"] == "0"
    sandbox.control("POST", "pipedrive/clock", {"advance_seconds": 10})
    assert users_me(sandbox, token).status_code == 200


def test_given_rate_limit_for_one_credential_when_other_credential_calls_then_not_limited(sandbox: Sandbox):
    limited, other = pipedrive_token(sandbox), pipedrive_token(sandbox)
    sandbox.control("POST", "pipedrive/ratelimit", {"limit": 0, "credential": limited})
    assert users_me(sandbox, limited).status_code == 429
    assert users_me(sandbox, other).status_code == 200


def test_given_invalid_rate_limit_when_posted_then_400(sandbox: Sandbox):
    sandbox.control("POST", "pipedrive/ratelimit", {"limit": -1}, expect=400)
    sandbox.control("POST", "pipedrive/ratelimit", {"limit": 5, "window_seconds": 0}, expect=400)


def test_given_frozen_clock_when_read_then_time_stands_still_and_advances_on_request(sandbox: Sandbox):
    clock = sandbox.control("POST", "pipedrive/clock", {"now": "2026-07-01T10:00:00Z", "freeze": True})
    assert clock["now"] == "2026-07-01T10:00:00Z"
    assert clock["frozen"] is True
    assert (
        sandbox.control("POST", "pipedrive/clock", {"advance_seconds": 90})["now"] == "2026-07-01T10:01:30Z"
    )
    real = sandbox.control("POST", "pipedrive/clock", {"real": True})
    assert real["frozen"] is False
    assert abs(real["epoch"] - time.time()) < 5


def test_given_bad_clock_request_when_posted_then_400(sandbox: Sandbox):
    sandbox.control("POST", "pipedrive/clock", {"now": "yesterday"}, expect=400)
    sandbox.control("POST", "pipedrive/clock", {}, expect=400)


def test_given_unknown_config_key_when_posted_then_400(sandbox: Sandbox):
    sandbox.control("POST", "pipedrive/config", {"no_such_option": True}, expect=400)


def test_given_system_overview_when_requested_then_config_clock_and_faults_shown(sandbox: Sandbox):
    overview = sandbox.control("GET", "pipedrive")
    assert overview["system"] == "pipedrive"
    assert {"config", "clock", "latency", "ratelimit", "faults"} <= set(overview)


def test_given_keep_alive_session_when_many_calls_then_each_is_fast(sandbox: Sandbox):
    token = pipedrive_token(sandbox)
    users_me(sandbox, token)
    started = time.perf_counter()
    for _ in range(20):
        users_me(sandbox, token)
    assert (time.perf_counter() - started) / 20 < 0.03
