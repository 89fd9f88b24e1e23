"""The one HTTP client every CRM call goes through.

It gives every connector the same behaviour: timeouts bounded by the invocation's deadline; bounded
retries with backoff on 429 (honouring ``Retry-After`` when it fits) and on 5xx or network failures
for requests that are safe to repeat; the CRM's rate-limit headers captured for ``extraDataTracking``;
typed errors; and logs that carry method, host, path, status and timing, never a header, query or body.
"""

from __future__ import annotations

import fnmatch
import json
import random
import re
import threading
import time
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests
import requests.adapters
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from appconnect import deadline
from appconnect.connector import pacing
from appconnect.errors import (
    CrmAuthError,
    CrmBadRequest,
    CrmError,
    CrmNotFound,
    CrmRateLimited,
    CrmUnavailable,
)
from appconnect.observability import MetricUnit, logger, metrics

CONNECT_TIMEOUT_S = 3.05
READ_TIMEOUT_S = 10.0
MAX_ATTEMPTS = 3
BACKOFF_BASE_S = 0.2
#: methods a CRM may see twice without creating a second record
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

#: The CRM's rate-limit headers of the latest answer (the reference's ``extraDataTracking``): captured by
#: every client, read by the core after each connector call. A dict shared by reference, so the calls a
#: connector runs in parallel threads (``helpers.in_parallel`` copies the context) fill in the same one.
_RATE_LIMIT: ContextVar[dict[str, Any] | None] = ContextVar("crm_rate_limit", default=None)


def watch_rate_limit() -> None:
    """Start collecting the rate-limit figures of the CRM calls that follow in this context."""
    _RATE_LIMIT.set({})


def take_rate_limit() -> dict[str, Any] | None:
    """The rate-limit figures the CRM sent since :func:`watch_rate_limit` (or the last take), or None."""
    figures = _RATE_LIMIT.get()
    _RATE_LIMIT.set(None)
    return dict(figures) if figures else None


_local = threading.local()
_count_lock = threading.Lock()


#: the connection pools of every thread (urllib3's pool manager is thread-safe): a warm invocation reuses an
#: open connection to the CRM whichever thread of the parallel wave makes the call
_ADAPTER = requests.adapters.HTTPAdapter(pool_connections=16, pool_maxsize=64, max_retries=0)
#: a CRM's cookies are never kept: the next call may be another user's
_NO_COOKIES = DefaultCookiePolicy(allowed_domains=[])


def _session() -> requests.Session:
    """This thread's session (a requests.Session is not safe to share between threads) on the shared pools."""
    session: requests.Session | None = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.headers["User-Agent"] = "appconnect-serverless"
        session.cookies.set_policy(_NO_COOKIES)
        session.mount("https://", _ADAPTER)
        session.mount("http://", _ADAPTER)
        _local.session = session
    return session


class DisallowedUrl(CrmBadRequest):
    """A URL the outbound policy refuses: malformed, disguised, or not on the CRM's own hosts."""


class CrmRedirected(CrmBadRequest):
    """The CRM answered with a redirect: never followed, since it could point anywhere. ``location`` is
    where it pointed (for a flow whose answer is the redirect itself, such as an OAuth code)."""

    location: str = ""


#: never anywhere in a URL this server calls: whitespace, control characters and backslashes (which
#: urllib3 reads as the end of the authority and ``urlsplit`` does not)
_FORBIDDEN_CHARACTER = re.compile(r"[\s\x00-\x1f\x7f\\]")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
#: a plain host name (letters, digits, dots, hyphens) and an optional port: no userinfo, no brackets
_AUTHORITY = re.compile(rf"^(?P<host>{_LABEL}(?:\.{_LABEL})*)(?::(?P<port>[0-9]{{1,5}}))?$")
_DEFAULT_PORT = {"https": 443, "http": 80}


@dataclass(frozen=True)
class OutboundUrl:
    """A URL as the HTTP client will read it: scheme, host, port (``None``: the default) and path."""

    scheme: str
    host: str
    port: int | None
    path: str

    def __str__(self) -> str:
        netloc = self.host if self.port is None else f"{self.host}:{self.port}"
        return f"{self.scheme}://{netloc}{self.path}"


def parse_outbound_url(url: str, platform: str = "", *, base: bool = True) -> OutboundUrl:
    """``url`` split as urllib3 (the parser ``requests`` sends with) splits it, or :class:`DisallowedUrl`.

    Accepted: ``http``/``https``, a host of letters, digits, dots and hyphens, an optional port, and no
    userinfo, backslash, whitespace, control character or ``%``-escape. A ``base`` URL (one that is
    stored and has paths appended) has no query or fragment either. Our own reading of the authority
    must agree with urllib3's, so a parser differential (``https://evil\\@good.com``) cannot pass.
    """
    invalid = DisallowedUrl(f"{_shown(url)} is not a valid {platform or 'CRM'} URL", platform=platform)
    if not isinstance(url, str) or not url.isascii() or _FORBIDDEN_CHARACTER.search(url):
        raise invalid
    scheme, separator, rest = url.partition("://")
    scheme = scheme.lower()
    if not separator or scheme not in _DEFAULT_PORT:
        raise invalid
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, remainder = rest[:cut], rest[cut:]
    if base and ("?" in remainder or "#" in remainder or "%" in remainder):
        raise invalid
    match = _AUTHORITY.match(authority.lower())
    if match is None:
        raise invalid
    host = match["host"]
    port = int(match["port"]) if match["port"] else None
    if port is not None and not 0 < port < 65536:
        raise invalid
    try:
        seen = parse_url(url)
    except LocationParseError as error:
        raise invalid from error
    if seen.auth is not None or (seen.host or "").lower() != host or seen.port != port:
        raise invalid
    if port == _DEFAULT_PORT[scheme]:
        port = None
    path = remainder.split("?", 1)[0].split("#", 1)[0]
    if any(segment in (".", "..") for segment in path.split("/")):
        raise invalid
    return OutboundUrl(scheme=scheme, host=host, port=port, path=path if base else remainder)


def allowed_url(url: str, patterns: Iterable[str], platform: str = "") -> OutboundUrl:
    """``url`` parsed and normalised when its host matches one of ``patterns``; :class:`DisallowedUrl`
    otherwise.

    This is the outbound-URL policy for every base URL a user or a CRM hands the server (an Insightly
    pod, a Pipedrive company host, Bullhorn's data-centre URLs): parsed by :func:`parse_outbound_url`,
    then matched against the CRM's host patterns (``*.pipedrive.com``; ``127.0.0.1:8100`` names a port).
    A pattern without a port allows only the scheme's default port, except on loopback hosts (the local
    stack's sandboxes listen on any port); ``http`` is accepted only on loopback hosts. Store what this
    returns, never the raw input.
    """
    parsed = parse_outbound_url(url, platform)
    loopback = _is_loopback(parsed.host)
    if parsed.scheme == "https" or loopback:
        for pattern in (p.strip().lower() for p in patterns if p.strip()):
            host_pattern, _, port_pattern = pattern.partition(":")
            if not fnmatch.fnmatchcase(parsed.host, host_pattern):
                continue
            if port_pattern:
                if str(parsed.port or _DEFAULT_PORT[parsed.scheme]) == port_pattern:
                    return parsed
            elif parsed.port is None or loopback:
                return parsed
    raise DisallowedUrl(
        f"{parsed.host} is not a {platform or 'CRM'} host this server may call", platform=platform
    )


def ensure_allowed(url: str, patterns: Iterable[str], platform: str = "") -> str:
    """:func:`allowed_url` as text: the normalised URL to call and store."""
    return str(allowed_url(url, patterns, platform))


def host_of(text: str) -> str:
    """The host part of what a user typed as a host (a pasted URL is reduced to its host), unchecked."""
    text = (text or "").strip()
    if "://" in text:
        text = text.split("://", 1)[1]
    return text.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rstrip(".")


def allowed_host(hostname: str, patterns: Iterable[str], platform: str = "") -> str:
    """A host the user typed or a CRM answered (``acme.pipedrive.com``, or a URL reduced to its host),
    normalised (``host`` or ``host:port``) when :func:`allowed_url` allows it at ``https``."""
    host = host_of(hostname)
    if not host:
        raise DisallowedUrl(f"no {platform or 'CRM'} host was given", platform=platform)
    allowed = allowed_url(f"https://{host}", patterns, platform)
    return allowed.host if allowed.port is None else f"{allowed.host}:{allowed.port}"


def _shown(url: object) -> str:
    """A refused URL as it may appear in a message: printable, short."""
    return repr(str(url)[:120])


def _is_loopback(host: str) -> bool:
    return host == "localhost" or (host.startswith("127.") and host.replace(".", "").isdigit())


@dataclass
class CrmResponse:
    status: int
    headers: Mapping[str, str]
    body: Any
    text: str

    def json(self) -> Any:
        return self.body


@dataclass
class CrmClient:
    """A CRM's HTTP client for one invocation.

    ``rate_limit_headers``: the names of the CRM's (remaining, limit, reset) headers; ``credential_header``:
    the request header that names the caller's credential, which calls are paced under
    (:mod:`appconnect.connector.pacing`); ``requests_per_second``: the CRM's documented per-credential
    limit, for a CRM whose headers do not give one.
    """

    platform: str
    rate_limit_headers: tuple[str, str, str] | None = None
    credential_header: str = "Authorization"
    requests_per_second: int | None = None
    tracking: dict[str, Any] = field(default_factory=dict)
    calls: int = 0

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        data: Any = None,
        retry: bool | None = None,
    ) -> CrmResponse:
        """Send the request; the parsed response on 2xx, a :class:`CrmError` subclass otherwise.

        Every URL passes :func:`parse_outbound_url` first (its host is the one urllib3 will connect to),
        and redirects are never followed: a 3xx is :class:`CrmRedirected`, since its target could be any
        address, including one the allow-list refuses.

        ``retry``: whether a 5xx or a network failure may be retried; by default only for idempotent
        methods, because a POST the CRM received but did not answer may already have created a record.
        A 429 is always retried while the wait fits the deadline: the CRM refused it without acting.
        """
        method = method.upper()
        may_repeat = method in IDEMPOTENT if retry is None else retry
        target = parse_outbound_url(url, self.platform, base=False)
        where = f"{target.host}{target.path.split('?', 1)[0]}"
        secret = (headers or {}).get(self.credential_header)
        paced = pacing.credential_key(self.platform, secret) if secret else None
        attempt = 0
        while True:
            attempt += 1
            if deadline.remaining() <= 0.05:
                raise CrmUnavailable(f"no time left to call {self.platform}", platform=self.platform)
            if paced is not None:
                self._wait_for_pace(paced, where)  # never past the deadline, less a margin
            budget = deadline.remaining()
            timeout = (min(CONNECT_TIMEOUT_S, budget), min(READ_TIMEOUT_S, budget))
            started = time.perf_counter()
            with _count_lock:
                self.calls += 1
            metrics.add_metric(name="CrmCalls", unit=MetricUnit.Count, value=1)
            try:
                response = _session().request(
                    method,
                    url,
                    headers=dict(headers or {}),
                    params=params,
                    json=json_body,
                    data=data,
                    timeout=timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                if paced is not None:
                    pacing.after_answer(paced, None, None)
                elapsed = (time.perf_counter() - started) * 1000
                logger.warning(
                    "crm call failed",
                    extra={
                        "crm": self.platform,
                        "method": method,
                        "where": where,
                        "error": type(exc).__name__,
                        "ms": round(elapsed, 1),
                    },
                )
                metrics.add_metric(name="CrmNetworkErrors", unit=MetricUnit.Count, value=1)
                refused_before_sending = isinstance(
                    exc, requests.ConnectTimeout | requests.ConnectionError
                ) and ("NewConnectionError" in repr(exc) or isinstance(exc, requests.ConnectTimeout))
                if (
                    attempt < MAX_ATTEMPTS
                    and (may_repeat or refused_before_sending)
                    and self._pause(attempt, None)
                ):
                    continue
                raise CrmUnavailable(
                    f"{self.platform} did not answer ({type(exc).__name__})", platform=self.platform
                ) from exc
            elapsed = (time.perf_counter() - started) * 1000
            self._capture_rate_limit(response.headers)
            if paced is not None:
                pacing.after_answer(paced, *self._window(response))
            logger.debug(
                "crm call",
                extra={
                    "crm": self.platform,
                    "method": method,
                    "where": where,
                    "status": response.status_code,
                    "ms": round(elapsed, 1),
                },
            )
            if response.status_code < 300:
                return _parse(response)
            if response.status_code < 400:
                metrics.add_metric(name="CrmRedirects", unit=MetricUnit.Count, value=1)
                logger.warning(
                    "crm redirect refused",
                    extra={
                        "crm": self.platform,
                        "method": method,
                        "where": where,
                        "status": response.status_code,
                    },
                )
                redirected = CrmRedirected(
                    f"{self.platform} answered with a redirect (HTTP {response.status_code}) instead of an "
                    "answer; this server does not follow redirects. Check the address configured for it.",
                    status=response.status_code,
                    platform=self.platform,
                )
                redirected.location = response.headers.get("Location") or ""
                raise redirected
            metrics.add_metric(name=f"CrmErrors{response.status_code}", unit=MetricUnit.Count, value=1)
            logger.info(
                "crm error",
                extra={
                    "crm": self.platform,
                    "method": method,
                    "where": where,
                    "status": response.status_code,
                    "ms": round(elapsed, 1),
                },
            )
            retry_after = _retry_after(response.headers.get("Retry-After"))
            if response.status_code == 429:
                if attempt < MAX_ATTEMPTS and self._pause(attempt, retry_after):
                    continue
            elif (
                response.status_code >= 500
                and may_repeat
                and attempt < MAX_ATTEMPTS
                and self._pause(attempt, retry_after)
            ):
                continue
            raise self._error(response, retry_after)

    def get(self, url: str, **kwargs: Any) -> CrmResponse:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> CrmResponse:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> CrmResponse:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> CrmResponse:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> CrmResponse:
        return self.request("DELETE", url, **kwargs)

    def _wait_for_pace(self, paced: str, where: str) -> None:
        waited = pacing.before_send(paced, self.requests_per_second, deadline.remaining())
        if waited >= 0.01:
            metrics.add_metric(name="CrmPacedMs", unit=MetricUnit.Milliseconds, value=round(waited * 1000))
            logger.debug(
                "crm call paced", extra={"crm": self.platform, "where": where, "ms": round(waited * 1000)}
            )

    def _window(self, response: requests.Response) -> tuple[int | None, float | None]:
        """(remaining, seconds to reset) of a rate-limit window the CRM's headers describe, or (None, None)
        when they do not give both (Insightly's count a daily quota and give no reset)."""
        if not self.rate_limit_headers:
            return None, None
        remaining, _limit, reset = (response.headers.get(name) for name in self.rate_limit_headers)
        try:
            return int(str(remaining)), float(str(reset))
        except ValueError:
            return None, None

    def _pause(self, attempt: int, retry_after: float | None) -> bool:
        """Sleep before the next attempt if the wait fits the deadline; False when it does not."""
        wait = retry_after if retry_after is not None else BACKOFF_BASE_S * (2 ** (attempt - 1))
        wait *= 1 if retry_after is not None else random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not crypto
        if wait + 0.5 > deadline.remaining():
            return False
        time.sleep(wait)
        return True

    def _capture_rate_limit(self, headers: Mapping[str, str]) -> None:
        if not self.rate_limit_headers:
            return
        remaining, limit, reset = (headers.get(name) for name in self.rate_limit_headers)
        if remaining is not None or limit is not None or reset is not None:
            figures = {"ratelimitRemaining": remaining, "ratelimitAmount": limit, "ratelimitReset": reset}
            self.tracking.update(figures)
            watched = _RATE_LIMIT.get()
            if watched is None:
                _RATE_LIMIT.set(figures)
            else:
                watched.update(figures)

    def _error(self, response: requests.Response, retry_after: float | None) -> CrmError:
        error = self._typed_error(response, retry_after)
        try:
            error.body = response.json()
        except ValueError:
            error.body = None
        return error

    def _typed_error(self, response: requests.Response, retry_after: float | None) -> CrmError:
        status = response.status_code
        detail = _error_text(response)
        if status == 429:
            return CrmRateLimited(
                detail or "rate limited", status=status, platform=self.platform, retry_after=retry_after
            )
        if status in (401, 403):
            return CrmAuthError(detail or "unauthorized", status=status, platform=self.platform)
        if status == 404:
            return CrmNotFound(detail or "not found", status=status, platform=self.platform)
        if status < 500:
            return CrmBadRequest(detail or f"rejected with {status}", status=status, platform=self.platform)
        return CrmUnavailable(detail or f"failed with {status}", status=status, platform=self.platform)


def _parse(response: requests.Response) -> CrmResponse:
    text = response.text
    body: Any = None
    if text:
        try:
            body = json.loads(text)
        except ValueError:
            body = None
    return CrmResponse(status=response.status_code, headers=response.headers, body=body, text=text)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _error_text(response: requests.Response) -> str:
    """A short human message from a CRM error body (its ``error``/``message`` field), never the whole body."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        for key in ("error_info", "errorMessage", "message", "error", "Message"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:300]
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return str(value["message"])[:300]
    return ""
