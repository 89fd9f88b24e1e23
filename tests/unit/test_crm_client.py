"""The shared CRM client against a scripted HTTP server on loopback: retries, deadlines, errors."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from appconnect import deadline
from appconnect.connector import CrmUser, get_connector
from appconnect.connector.client import (
    CrmClient,
    CrmRedirected,
    DisallowedUrl,
    ensure_allowed,
    take_rate_limit,
    watch_rate_limit,
)
from appconnect.connector.helpers import in_parallel
from appconnect.context import AuthContext
from appconnect.errors import CrmAuthError, CrmBadRequest, CrmNotFound, CrmRateLimited, CrmUnavailable


class Script:
    """Responses to hand out in order: (status, headers, body) or "drop" to close without answering."""

    def __init__(self) -> None:
        self.responses: list[Any] = []
        self.seen: list[tuple[str, str]] = []
        self.cookies: list[str | None] = []


@pytest.fixture
def crm() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            script.seen.append((self.command, self.path))
            script.cookies.append(self.headers.get("Cookie"))
            step = script.responses.pop(0) if script.responses else (200, {}, {"ok": True})
            if step == "drop":
                self.close_connection = True
                self.connection.close()
                return
            status, headers, body = step
            payload = json.dumps(body).encode()
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    deadline.start(20_000)
    yield f"http://127.0.0.1:{server.server_address[1]}", script
    server.shutdown()
    server.server_close()


def test_given_success_when_called_then_json_and_rate_limit_headers_captured(crm: tuple[str, Script]) -> None:
    url, script = crm
    script.responses = [
        (
            200,
            {"x-ratelimit-remaining": "79", "x-ratelimit-limit": "80", "x-ratelimit-reset": "2"},
            {"data": [1]},
        )
    ]
    client = CrmClient(
        "pipedrive", rate_limit_headers=("x-ratelimit-remaining", "x-ratelimit-limit", "x-ratelimit-reset")
    )
    assert client.get(f"{url}/v1/persons").json() == {"data": [1]}
    assert client.tracking == {"ratelimitRemaining": "79", "ratelimitAmount": "80", "ratelimitReset": "2"}


def test_given_calls_in_parallel_threads_when_the_core_takes_the_rate_limit_then_it_has_their_figures(
    crm: tuple[str, Script],
) -> None:
    url, script = crm
    headers = ("x-ratelimit-remaining", "x-ratelimit-limit", "x-ratelimit-reset")
    figures = {"x-ratelimit-remaining": "41", "x-ratelimit-limit": "80"}
    script.responses = [(200, figures, {}), (200, figures, {})]
    client = CrmClient("insightly", rate_limit_headers=headers)
    watch_rate_limit()
    in_parallel([lambda: client.get(f"{url}/v3.1/Contacts/Search")] * 2)  # in worker threads
    assert take_rate_limit() == {"ratelimitRemaining": "41", "ratelimitAmount": "80", "ratelimitReset": None}
    assert take_rate_limit() is None  # taken once


def test_given_a_connector_call_when_the_crm_sends_rate_limit_headers_then_the_core_logs_them(
    crm: tuple[str, Script], caplog: pytest.LogCaptureFixture
) -> None:
    url, script = crm
    script.responses = [(200, {"x-ratelimit-remaining": "7", "x-ratelimit-limit": "80"}, {})]
    client = CrmClient("insightly", rate_limit_headers=("x-ratelimit-remaining", "x-ratelimit-limit", "x"))
    context = AuthContext(
        session=None,  # type: ignore[arg-type]
        model=None,  # type: ignore[arg-type]
        user=CrmUser(id="1-insightly", platform="insightly"),
        connector=get_connector("insightly"),
        auth_header="Basic x",
    )

    def method(*, user: CrmUser, auth_header: str) -> int:
        return client.get(f"{url}/v3.1/Users/Me").status

    assert context.call(method) == 200
    quota = [record for record in caplog.records if record.getMessage() == "crm rate limit"]
    assert len(quota) == 1
    assert quota[0].__dict__["ratelimitRemaining"] == "7"
    assert quota[0].__dict__["platform"] == "insightly"


def test_given_429_with_short_retry_after_when_called_then_retried_and_succeeds(
    crm: tuple[str, Script],
) -> None:
    url, script = crm
    script.responses = [(429, {"Retry-After": "0.1"}, {"error": "slow down"}), (201, {}, {"id": 5})]
    client = CrmClient("pipedrive")
    assert client.post(f"{url}/v1/activities", json_body={}).json() == {"id": 5}
    assert len(script.seen) == 2


def test_given_429_with_retry_after_beyond_deadline_when_called_then_rate_limited_with_wait(
    crm: tuple[str, Script],
) -> None:
    url, script = crm
    script.responses = [(429, {"Retry-After": "60"}, {"error": "slow down"})]
    with pytest.raises(CrmRateLimited) as caught:
        CrmClient("pipedrive").get(f"{url}/v1/persons")
    assert caught.value.retry_after == 60
    assert len(script.seen) == 1


def test_given_503_then_ok_when_get_then_retried(crm: tuple[str, Script]) -> None:
    url, script = crm
    script.responses = [(503, {}, {"error": "down"}), (200, {}, {"ok": 1})]
    assert CrmClient("x").get(f"{url}/a").json() == {"ok": 1}


def test_given_503_when_post_then_not_retried_because_it_may_have_been_applied(
    crm: tuple[str, Script],
) -> None:
    url, script = crm
    script.responses = [(503, {}, {"error": "down"}), (200, {}, {"ok": 1})]
    with pytest.raises(CrmUnavailable):
        CrmClient("x").post(f"{url}/a", json_body={"a": 1})
    assert len(script.seen) == 1


def test_given_dropped_connection_when_post_then_unavailable_without_retry(crm: tuple[str, Script]) -> None:
    url, script = crm
    script.responses = ["drop", (200, {}, {"ok": 1})]
    with pytest.raises(CrmUnavailable, match="did not answer"):
        CrmClient("x").post(f"{url}/a", json_body={})
    assert len(script.seen) == 1


def test_given_dropped_connection_when_get_then_retried(crm: tuple[str, Script]) -> None:
    url, script = crm
    script.responses = ["drop", (200, {}, {"ok": 1})]
    assert CrmClient("x").get(f"{url}/a").json() == {"ok": 1}


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, CrmAuthError),
        (403, CrmAuthError),
        (404, CrmNotFound),
        (400, CrmBadRequest),
        (422, CrmBadRequest),
        (500, CrmUnavailable),
    ],
)
def test_given_crm_status_when_called_then_typed_error(
    crm: tuple[str, Script], status: int, error: type
) -> None:
    url, script = crm
    script.responses = [(status, {}, {"error": "because"})] * 3
    with pytest.raises(error) as caught:
        CrmClient("x").post(f"{url}/a")
    assert caught.value.status == status
    assert str(caught.value) == "because"


def test_given_no_time_left_when_called_then_unavailable_without_calling(crm: tuple[str, Script]) -> None:
    url, script = crm
    deadline.start(500)
    with pytest.raises(CrmUnavailable, match="no time left"):
        CrmClient("x").get(f"{url}/a")
    assert script.seen == []


def test_given_repeated_5xx_when_get_then_gives_up_after_three_attempts(crm: tuple[str, Script]) -> None:
    url, script = crm
    script.responses = [(502, {}, {})] * 5
    started = time.monotonic()
    with pytest.raises(CrmUnavailable):
        CrmClient("x").get(f"{url}/a")
    assert len(script.seen) == 3
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    "url", ["https://acme.pipedrive.com/v1", "https://api.pipedrive.com", "http://127.0.0.1:8100/pipedrive"]
)
def test_given_allowed_host_when_checked_then_accepted(url: str) -> None:
    assert ensure_allowed(url, ["*.pipedrive.com", "127.0.0.1:8100"]) == url


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com",
        "https://pipedrive.com.evil.net",
        "http://acme.pipedrive.com",
        "https://169.254.169.254/latest",
        "file:///etc/passwd",
        "http://127.0.0.1:9999/x",
        "http://[::1",
        "https://acme.pipedrive.com:99999",
    ],
)
def test_given_foreign_host_when_checked_then_refused(url: str) -> None:
    with pytest.raises(DisallowedUrl):
        ensure_allowed(url, ["*.pipedrive.com", "127.0.0.1:8100"], "pipedrive")


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example\\@acme.pipedrive.com",
        "https://evil.example\\\\@acme.pipedrive.com/v1",
        "https://acme.pipedrive.com@evil.example",
        "https://user:pw@acme.pipedrive.com",
        "https://evil.example#@acme.pipedrive.com",
        "https://evil.example?@acme.pipedrive.com",
        "https://evil.example%2f@acme.pipedrive.com",
        "https://acme%2epipedrive.com",
        "https://acme.pipedrive.com /v1",
        "https://acme.pipedrive.com\t/v1",
        "https://acme.pipedrive.com\n",
        "https://acme.pipedrive.com./v1",
        "https://acme。pipedrive.com",
        "https://[::1]/v1",
        "https://acme.pipedrive.com/../v1",
        "https://acme.pipedrive.com/v1?x=1",
        "https://acme.pipedrive.com:8443/v1",
        "https:acme.pipedrive.com",
    ],
)
def test_given_a_disguised_or_unusual_url_when_checked_then_refused(url: str) -> None:
    with pytest.raises(DisallowedUrl):
        ensure_allowed(url, ["*.pipedrive.com"], "pipedrive")


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("HTTPS://ACME.Pipedrive.com/v1", "https://acme.pipedrive.com/v1"),
        ("https://acme.pipedrive.com:443", "https://acme.pipedrive.com"),
        ("http://127.0.0.1:8100/pipedrive", "http://127.0.0.1:8100/pipedrive"),
    ],
)
def test_given_an_allowed_url_when_checked_then_the_normalised_form_is_returned(
    given: str, stored: str
) -> None:
    assert ensure_allowed(given, ["*.pipedrive.com", "127.0.0.1:8100"], "pipedrive") == stored


def test_given_a_request_url_with_a_parser_differential_when_sent_then_refused_before_any_connection(
    crm: tuple[str, Script],
) -> None:
    url, script = crm
    host = url.split("://", 1)[1]
    with pytest.raises(DisallowedUrl):
        CrmClient("x").get(f"http://{host}\\@127.0.0.1:9/a")
    assert script.seen == []


def test_given_the_crm_answers_a_redirect_when_called_then_an_error_and_the_target_is_never_called(
    crm: tuple[str, Script],
) -> None:
    url, script = crm
    script.responses = [(302, {"Location": f"{url}/elsewhere"}, {})]
    with pytest.raises(CrmRedirected, match="does not follow redirects"):
        CrmClient("x").get(f"{url}/a")
    assert len(script.seen) == 1


def test_given_a_crm_setting_a_cookie_when_the_next_call_is_made_then_the_cookie_is_not_sent_back(
    crm: tuple[str, Script],
) -> None:
    url, script = crm
    script.responses = [(200, {"Set-Cookie": "session=user-a-secret; Path=/"}, {}), (200, {}, {})]
    client = CrmClient("pipedrive")

    client.get(f"{url}/v1/persons", headers={"Authorization": "Bearer user-a"})
    client.get(f"{url}/v1/persons", headers={"Authorization": "Bearer user-b"})

    assert script.cookies == [None, None]


def test_given_a_connection_one_thread_opened_when_another_thread_calls_the_crm_then_it_reuses_it() -> None:
    """A warm invocation's calls run on whichever threads of the pool are free: the open connections must be
    shared by every thread's session, or each thread opens its own."""
    accepted: list[int] = []

    class KeepAlive(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            accepted.append(1)
            super().setup()

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            payload = b"{}"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    serving = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    serving.start()
    deadline.start(20_000)
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/persons"
    try:
        for _ in range(3):  # three threads, one after the other, as three invocations' calls may run
            caller = threading.Thread(target=lambda: CrmClient("pipedrive").get(url))
            caller.start()
            caller.join()
    finally:
        server.shutdown()
        server.server_close()
    assert len(accepted) == 1
