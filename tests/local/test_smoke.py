"""``make smoke API_URL=...`` (local/smoke.py): passes against a healthy stack (the local one, as a deployed
one answers), fails on a stack that answers wrongly, talks only to the URL given, never writes."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest

from local import smoke
from tests.stack import ROOT, StackProcess


def _run(url: str, token: str | None = None) -> tuple[int, str]:
    out = io.StringIO()
    return smoke.run(url, token, out=out), out.getvalue()


def _valid_jwt(stack: StackProcess) -> str:
    """A JWT the stack accepts (signed with its JWT key, which the functions read from Secrets Manager)."""
    now = int(time.time())
    claims = {
        "id": "smoke-user-that-does-not-exist",
        "platform": "pipedrive",
        "iat": now,
        "exp": now + 3600,
        "iss": "appconnect",
        "aud": "appconnect-extension",
        "gen": 0,
    }
    return jwt.encode(claims, stack.dev_secret("APP_SERVER_SECRET_KEY"), algorithm="HS256")


def test_given_the_local_stack_when_smoke_tested_then_every_check_passes(api_url: str) -> None:
    status, output = _run(api_url)
    lines = output.splitlines()
    assert status == 0, output
    assert [line.split()[0] for line in lines[:-1]] == ["PASS"] * 5
    assert lines[-1] == f"smoke {api_url}: 5 passed, 0 failed"


def test_given_a_real_jwt_when_smoke_tested_then_it_is_refused_once_tampered_and_never_printed(
    api_url: str, local_stack: StackProcess
) -> None:
    token = _valid_jwt(local_stack)
    status, output = _run(api_url, token)
    assert status == 0, output
    assert "with your --jwt with its payload changed is refused" in output
    assert token not in output
    assert token.split(".")[2] not in output


def test_given_a_jwt_the_stack_accepts_when_not_tampered_then_the_check_fails(
    api_url: str, local_stack: StackProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the tamper check can fail: the stack answers an intact JWT (of an unknown user) with 200, not 400
    monkeypatch.setattr(smoke, "tampered", lambda token: token)
    status, output = _run(api_url, _valid_jwt(local_stack))
    assert status == 1
    assert "FAIL  GET /contact with your --jwt" in output


class _Wrong(BaseHTTPRequestHandler):
    """A server that answers everything 200 ``OK``, and redirects the manifest elsewhere."""

    seen: list[str] = []

    def _answer(self) -> None:
        type(self).seen.append(f"{self.command} {self.path}")
        if self.path.startswith("/crmManifest"):
            self.send_response(302)
            self.send_header("Location", "/elsewhere")  # followed, it would show up in ``seen``
            self.end_headers()
            return
        body = b"OK"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_OPTIONS = do_POST = _answer

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def wrong_server() -> Iterator[str]:
    _Wrong.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Wrong)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_given_a_stack_answering_wrongly_when_smoke_tested_then_the_failing_checks_say_so_and_exit_1(
    wrong_server: str,
) -> None:
    status, output = _run(wrong_server)
    assert status == 1
    verdicts = {line.split("  ", 1)[1].split(":")[0]: line.split()[0] for line in output.splitlines()[:-1]}
    assert verdicts == {
        "GET /isAlive answers 200 OK": "PASS",
        "GET /crmManifest?platformName=pipedrive answers the Pipedrive manifest": "FAIL",
        "CORS preflight from an extension's origin is allowed": "FAIL",
        "GET /contact without a JWT answers 400 (with CORS headers)": "FAIL",
        "GET /contact with a JWT signed with another key is refused": "FAIL",
    }
    assert output.splitlines()[-1].endswith("1 passed, 4 failed")


def test_given_any_stack_when_smoke_tested_then_it_only_reads_and_never_follows_a_redirect(
    wrong_server: str,
) -> None:
    _run(wrong_server)
    assert {request.split()[0] for request in _Wrong.seen} <= {"GET", "OPTIONS"}
    assert not [r for r in _Wrong.seen if "elsewhere" in r]


@pytest.mark.parametrize(
    "argv",
    [
        ["ftp://example.com"],
        ["example.com"],
        ["https://x.example.com/?a=1"],
        ["http://127.0.0.1:1", "--jwt", "nope"],
    ],
)
def test_given_a_bad_command_line_when_run_then_it_exits_2_without_a_request(argv: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "local.smoke", *argv], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert done.stdout == ""


def test_given_make_smoke_without_api_url_when_run_then_it_says_how_to_call_it() -> None:
    done = subprocess.run(["make", "-s", "smoke"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "make smoke API_URL=" in done.stdout + done.stderr


def test_given_make_smoke_with_a_jwt_when_run_against_the_stack_then_it_passes_and_never_shows_the_token(
    api_url: str, local_stack: StackProcess
) -> None:
    token = _valid_jwt(local_stack)
    done = subprocess.run(
        ["make", "-s", "smoke", f"API_URL={api_url}", f"JWT={token}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed, 0 failed" in done.stdout
    assert "your --jwt with its payload changed is refused" in done.stdout
    assert token.split(".")[2] not in done.stdout + done.stderr
