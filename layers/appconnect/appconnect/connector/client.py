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
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from aws_lambda_powertools.metrics import MetricUnit

from appconnect import deadline
from appconnect.errors import (
    CrmAuthError,
    CrmBadRequest,
    CrmError,
    CrmNotFound,
    CrmRateLimited,
    CrmUnavailable,
)
from appconnect.observability import logger, metrics

CONNECT_TIMEOUT_S = 3.05
READ_TIMEOUT_S = 10.0
MAX_ATTEMPTS = 3
BACKOFF_BASE_S = 0.2
#: methods a CRM may see twice without creating a second record
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

_local = threading.local()
_count_lock = threading.Lock()


def _session() -> requests.Session:
    session: requests.Session | None = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.headers["User-Agent"] = "appconnect-serverless"
        _local.session = session
    return session


class DisallowedUrl(CrmBadRequest):
    """A client-supplied URL that does not point at the CRM's own hosts."""


def ensure_allowed(url: str, patterns: Iterable[str], platform: str = "") -> str:
    """``url`` when its host matches one of ``patterns`` (``*.pipedrive.com``, ``127.0.0.1:8100``).

    URLs that come from the client (a company host, a data-centre API URL) are checked before the server
    calls them, so nobody can make the server request an arbitrary address.
    """
    try:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        host = (parts.hostname or "").lower()
        host_port = f"{host}:{parts.port}" if parts.port else host
    except ValueError as exc:  # an unclosed IPv6 bracket, a port out of range
        raise DisallowedUrl(f"{url!r} is not a valid URL", platform=platform) from exc
    if parts.scheme not in ("https", "http") or not host:
        raise DisallowedUrl(f"{url!r} is not a valid URL", platform=platform)
    for pattern in (p.strip().lower() for p in patterns if p.strip()):
        target = host_port if ":" in pattern else host
        if fnmatch.fnmatchcase(target, pattern) and (parts.scheme == "https" or _is_loopback(host)):
            return url
    raise DisallowedUrl(f"{host} is not a {platform or 'CRM'} host this server may call", platform=platform)


def _is_loopback(host: str) -> bool:
    return host in ("127.0.0.1", "localhost", "::1")


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
    """A CRM's HTTP client for one invocation. ``rate_limit_headers``: (remaining, limit, reset) names."""

    platform: str
    rate_limit_headers: tuple[str, str, str] | None = None
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
        allow_redirects: bool = True,
    ) -> CrmResponse:
        """Send the request; the parsed response on 2xx/3xx, a :class:`CrmError` subclass otherwise.

        ``retry``: whether a 5xx or a network failure may be retried; by default only for idempotent
        methods, because a POST the CRM received but did not answer may already have created a record.
        A 429 is always retried while the wait fits the deadline: the CRM refused it without acting.
        """
        method = method.upper()
        may_repeat = method in IDEMPOTENT if retry is None else retry
        parts = urlsplit(url)
        where = f"{parts.hostname}{parts.path}"
        attempt = 0
        while True:
            attempt += 1
            budget = deadline.remaining()
            if budget <= 0.05:
                raise CrmUnavailable(f"no time left to call {self.platform}", platform=self.platform)
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
                    allow_redirects=allow_redirects,
                )
            except requests.RequestException as exc:
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
            if response.status_code < 400:
                return _parse(response)
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
            self.tracking.update(
                {"ratelimitRemaining": remaining, "ratelimitAmount": limit, "ratelimitReset": reset}
            )

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
