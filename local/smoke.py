"""``make smoke API_URL=https://...``: a read-only check of a deployed stack, for the deploying engineer.

    python -m local.smoke https://abc123.execute-api.us-east-1.amazonaws.com [--jwt TOKEN]

(``--jwt`` defaults to ``SMOKE_JWT`` from the environment, which keeps a real token off the command line.)

Five checks, each one line ``PASS`` or ``FAIL`` with what was seen, then a summary; exit status 0 when all
pass, 1 when one fails, 2 for a bad command line:

1. ``GET /isAlive`` answers 200 ``OK``;
2. ``GET /crmManifest?platformName=pipedrive`` answers the Pipedrive manifest (JSON naming the platform);
3. a CORS preflight (``OPTIONS /contact`` from an extension's origin, asking for the headers the extension
   sends) is allowed;
4. ``GET /contact`` without a JWT answers 400 with the reference's text, and carries the CORS headers the
   extension needs (the allowed origin, ``x-refreshed-jwt-token`` exposed);
5. a JWT whose signature does not match is refused the same way: a forged one, or ``--jwt``'s (a real JWT
   from the extension) with its payload changed.

It only sends GET and OPTIONS requests, never writes, talks only to ``API_URL`` (redirects are reported, never
followed), never prints a token, and needs nothing but the standard library (no AWS credentials).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlsplit

#: what the reference (and this server) answers a JWT route called without a usable JWT
AUTHORIZE_TEXT = "Please go to Settings and authorize CRM platform"
#: an App Connect extension's origin, as a browser sends it
EXTENSION_ORIGIN = "chrome-extension://smoke-test-origin"
#: the headers the extension sends on its calls; a preflight that refused one would block every request
EXTENSION_HEADERS = ("authorization", "content-type", "x-rc-access-token", "rc-extension-id", "rc-account-id")
#: a JWT route that only reads (and answers before reading anything without a JWT)
JWT_ROUTE = "/contact?phoneNumber=%2B14155550100&overridingFormat="
TIMEOUT_S = 15.0


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: str

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as is: the smoke test talks to API_URL only."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(url: str, method: str = "GET", headers: Mapping[str, str] | None = None) -> Answer:
    """One request; any HTTP status is an answer (only a network failure raises ``OSError``)."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, method=method, headers=dict(headers or {}))
    try:
        with opener.open(request, timeout=TIMEOUT_S) as response:
            status, raw_headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, raw_headers, body = error.code, error.headers, error.read()
    return Answer(
        status=int(status),
        headers={name.lower(): value for name, value in raw_headers.items()},
        body=body.decode("utf-8", errors="replace"),
    )


@dataclass(frozen=True)
class Result:
    name: str
    passed: bool
    detail: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def forged_jwt() -> str:
    """An HS256 JWT shaped like the server's own (claims, issuer, audience), signed with a random key."""
    now = int(time.time())
    header = {"alg": "HS256", "typ": "JWT"}
    payload = {
        "id": "smoke-test-user",
        "platform": "pipedrive",
        "iat": now,
        "exp": now + 3600,
        "iss": "appconnect",
        "aud": "appconnect-extension",
    }
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = hmac.new(secrets.token_bytes(32), signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def tampered(token: str) -> str:
    """``token`` with its payload changed (the user id), the signature kept: a valid JWT no more."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("--jwt is not a JWT (three dot-separated parts)")
    padded = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        raise ValueError("--jwt's payload is not base64url JSON") from None
    if not isinstance(claims, dict):
        raise ValueError("--jwt's payload is not a JSON object")
    claims["id"] = f"{claims.get('id', '')}-tampered"
    return f"{parts[0]}.{_b64(json.dumps(claims).encode())}.{parts[2]}"


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_is_alive(base: str) -> Result:
    answer = fetch(f"{base}/isAlive")
    ok = answer.status == 200 and answer.body.strip() == "OK"
    return Result("GET /isAlive answers 200 OK", ok, f"{answer.status} {_short(answer.body)!r}")


def check_manifest(base: str) -> Result:
    answer = fetch(f"{base}/crmManifest?platformName=pipedrive")
    name = "GET /crmManifest?platformName=pipedrive answers the Pipedrive manifest"
    try:
        manifest = json.loads(answer.body)
    except ValueError:
        return Result(name, False, f"{answer.status}, not JSON: {_short(answer.body)!r}")
    platforms = manifest.get("platforms") if isinstance(manifest, dict) else None
    ok = answer.status == 200 and isinstance(platforms, dict) and "pipedrive" in platforms
    server = manifest.get("serverUrl", "") if isinstance(manifest, dict) else ""
    return Result(name, ok, f"{answer.status}, platforms {sorted(platforms or {})}, serverUrl {server!r}")


def _listed(value: str) -> set[str]:
    return {item.strip().lower() for item in value.split(",") if item.strip()}


def check_preflight(base: str) -> Result:
    answer = fetch(
        f"{base}/contact",
        method="OPTIONS",
        headers={
            "Origin": EXTENSION_ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": ",".join(EXTENSION_HEADERS),
        },
    )
    origin = answer.header("access-control-allow-origin")
    methods = _listed(answer.header("access-control-allow-methods"))
    allowed = _listed(answer.header("access-control-allow-headers"))
    missing = [h for h in EXTENSION_HEADERS if h not in allowed and "*" not in allowed]
    ok = (
        200 <= answer.status < 300
        and origin in ("*", EXTENSION_ORIGIN)
        and ("get" in methods or "*" in methods)
        and not missing
    )
    detail = f"{answer.status}, allow-origin {origin!r}, allow-methods {sorted(methods)}"
    if missing:
        detail += f", headers not allowed: {missing}"
    return Result("CORS preflight from an extension's origin is allowed", ok, detail)


def _refused(answer: Answer) -> bool:
    return answer.status == 400 and answer.body.strip() == AUTHORIZE_TEXT


def check_no_jwt(base: str) -> Result:
    answer = fetch(f"{base}{JWT_ROUTE}", headers={"Origin": EXTENSION_ORIGIN})
    origin = answer.header("access-control-allow-origin")
    exposed = _listed(answer.header("access-control-expose-headers"))
    ok = _refused(answer) and origin in ("*", EXTENSION_ORIGIN) and "x-refreshed-jwt-token" in exposed
    detail = f"{answer.status} {_short(answer.body)!r}, allow-origin {origin!r}, exposes {sorted(exposed)}"
    return Result("GET /contact without a JWT answers 400 (with CORS headers)", ok, detail)


def check_tampered_jwt(base: str, jwt_token: str | None) -> Result:
    token, kind = (
        (tampered(jwt_token), "your --jwt with its payload changed")
        if jwt_token
        else (
            forged_jwt(),
            "a JWT signed with another key",
        )
    )
    answer = fetch(f"{base}{JWT_ROUTE}", headers={"Authorization": f"Bearer {token}"})
    return Result(
        f"GET /contact with {kind} is refused", _refused(answer), f"{answer.status} {_short(answer.body)!r}"
    )


CHECKS: tuple[Callable[[str], Result], ...] = (check_is_alive, check_manifest, check_preflight, check_no_jwt)


def base_url(text: str) -> str:
    """The API's base URL, without a trailing slash; ``ValueError`` for anything but an http(s) URL."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"API_URL must be an http or https URL, got {text!r}")
    if parts.query or parts.fragment:
        raise ValueError("API_URL takes no query or fragment: give the stack's ApiUrl output")
    return text.strip().rstrip("/")


def run(base: str, jwt_token: str | None = None, out: IO[str] | None = None) -> int:
    """Every check against ``base``; prints one line per check and a summary; the exit status."""
    out = out or sys.stdout
    results = []
    for check in (*CHECKS, lambda url: check_tampered_jwt(url, jwt_token)):
        try:
            result = check(base)
        except OSError as error:  # the network, TLS, a timeout
            result = Result(getattr(check, "__name__", "check"), False, f"no answer: {error}")
        results.append(result)
        print(f"{'PASS' if result.passed else 'FAIL'}  {result.name}: {result.detail}", file=out)
    failed = sum(not r.passed for r in results)
    print(f"smoke {base}: {len(results) - failed} passed, {failed} failed", file=out)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.smoke", description=__doc__.splitlines()[0])
    parser.add_argument(
        "api_url", help="the stack's ApiUrl output, e.g. https://abc123.execute-api.us-east-1.amazonaws.com"
    )
    parser.add_argument(
        "--jwt",
        default=os.environ.get("SMOKE_JWT") or None,
        help="a real JWT from the extension, refused once tampered (default: SMOKE_JWT; never printed)",
    )
    args = parser.parse_args(argv)
    try:
        base = base_url(args.api_url)
        if args.jwt:
            tampered(args.jwt)
    except ValueError as error:
        print(f"smoke: {error}", file=sys.stderr)
        return 2
    return run(base, args.jwt)


if __name__ == "__main__":
    raise SystemExit(main())
