"""The machinery every sandbox CRM shares: requests and responses, routing, the clock, the request journal,
fault rules, latency injection and per-credential rate limits.

A sandbox is an in-memory, deterministic emulator of one system. Each one owns a lock; every request it
serves runs its handler under that lock, so state changes are atomic. Sleeping (latency, fault delays)
happens outside the lock so a slow call never blocks the others.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode

JsonDict = dict[str, Any]
Handler = Callable[["Request"], "Response"]


class BadRequestBody(ValueError):
    """The request body is not what the endpoint accepts (malformed JSON, wrong type)."""


# ------------------------------------------------------------------------------------------------ HTTP


@dataclass
class Request:
    """One HTTP request as a sandbox sees it; ``path`` is relative to the system's prefix."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    origin: str
    system_base: str
    path_params: dict[str, str] = field(default_factory=dict)
    raw_query: str = ""

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body as JSON (``None`` when empty); raises :class:`BadRequestBody` when malformed."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequestBody(f"Malformed JSON body: {exc}") from exc

    def json_object(self) -> JsonDict:
        data = self.json()
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise BadRequestBody("The body must be a JSON object")
        return data

    def form(self) -> dict[str, str]:
        """Form fields of an ``application/x-www-form-urlencoded`` body (first value of each)."""
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequestBody("The form body is not UTF-8") from exc
        return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}

    def params(self) -> dict[str, str]:
        """Query parameters merged with form fields (form wins), as OAuth endpoints accept both."""
        merged = {k: v[0] for k, v in self.query.items() if v}
        if self.content_type == "application/x-www-form-urlencoded" or (
            self.body
            and not self.content_type
            and b"=" in self.body
            and not self.body.lstrip().startswith(b"{")
        ):
            merged.update(self.form())
        return merged

    def basic_auth(self) -> tuple[str, str] | None:
        """``(user, password)`` from an ``Authorization: Basic`` header, or None."""
        value = self.header("authorization") or ""
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "basic" or not token.strip():
            return None
        decoded = decode_base64(token.strip())
        if decoded is None:
            return None
        user, _, password = decoded.partition(":")
        return user, password

    def bearer_token(self) -> str | None:
        value = self.header("authorization") or ""
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return token.strip()

    def journal_body(self) -> JsonDict:
        if not self.body:
            return {}
        if self.content_type == "application/json" or self.body.lstrip()[:1] in (b"{", b"["):
            try:
                return {"json": json.loads(self.body.decode("utf-8"))}
            except (UnicodeDecodeError, json.JSONDecodeError):
                pass
        if self.content_type == "application/x-www-form-urlencoded":
            try:
                return {"form": self.form()}
            except BadRequestBody:
                pass
        return {"text": self.body.decode("utf-8", errors="replace")}


def decode_base64(value: str) -> str | None:
    padded = value + "=" * (-len(value) % 4)
    try:
        return base64.b64decode(padded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop_connection: bool = False

    @classmethod
    def json(cls, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
        merged = {"Content-Type": "application/json; charset=utf-8"}
        merged.update(headers or {})
        return cls(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), merged)

    @classmethod
    def text(cls, status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> Response:
        return cls(status, text.encode("utf-8"), {"Content-Type": content_type})

    @classmethod
    def html(cls, status: int, html: str) -> Response:
        return cls.text(status, html, "text/html; charset=utf-8")

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Response:
        return cls(status, b"", {"Location": location})

    @classmethod
    def dropped(cls) -> Response:
        return cls(0, drop_connection=True)

    def payload(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8")) if self.body else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            return self.body.decode("utf-8", errors="replace")


class HttpError(Exception):
    """Raised by handlers to answer with a prepared response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def with_query(url: str, params: Mapping[str, str | None]) -> str:
    clean = {k: v for k, v in params.items() if v is not None}
    if not clean:
        return url
    return url + ("&" if "?" in url else "?") + urlencode(clean)


# ------------------------------------------------------------------------------------------------ routing


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    template: str
    handler: Handler
    limited: bool

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        found = self.pattern.fullmatch(path)
        return found.groupdict() if found else None


def compile_path(template: str) -> re.Pattern[str]:
    """``/v1/persons/{id}`` -> a regex with named groups (``{name:regex}`` sets a group's own regex)."""

    def group(match: re.Match[str]) -> str:
        name, _, regex = match.group(1).partition(":")
        return f"(?P<{name}>{regex or '[^/]+'})"

    parts = re.split(r"(\{[^}]+\})", template)
    out = []
    for part in parts:
        if part.startswith("{") and part.endswith("}"):
            out.append(re.sub(r"\{([^}]+)\}", group, part))
        else:
            out.append(re.escape(part))
    return re.compile("".join(out))


# ------------------------------------------------------------------------------------------------ clock


class Clock:
    """The sandbox's notion of now: real time by default, optionally shifted or frozen (epoch seconds)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen: float | None = None

    def now(self) -> float:
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return time.time() + self._offset

    def now_ms(self) -> int:
        return int(self.now() * 1000)

    def set(self, now: float, freeze: bool) -> None:
        with self._lock:
            if freeze:
                self._frozen = now
            else:
                self._frozen = None
                self._offset = now - time.time()

    def advance(self, seconds: float) -> None:
        with self._lock:
            if self._frozen is not None:
                self._frozen += seconds
            else:
                self._offset += seconds

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0
            self._frozen = None

    def describe(self) -> JsonDict:
        now = self.now()
        with self._lock:
            frozen = self._frozen is not None
            offset = self._offset
        return {
            "now": iso_utc(now),
            "epoch": now,
            "frozen": frozen,
            "offset_seconds": 0.0 if frozen else offset,
        }


def iso_utc(epoch: float, millis: bool = False) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def http_date(epoch: float) -> str:
    return format_datetime(datetime.fromtimestamp(epoch, UTC), usegmt=True)


def parse_time(value: Any) -> float | None:
    """Epoch seconds from an ISO-8601 string, ``yyyy-MM-dd HH:mm:ss`` (UTC) or epoch seconds/millis."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) / 1000.0 if value > 10**11 else float(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return parse_time(float(text))
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    for candidate in (text, text.replace(" ", "T", 1)):
        try:
            moment = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    return None


# ------------------------------------------------------------------------------------------------ ids


class Ids:
    """Deterministic id sequences, one per collection, restarting from their seeds on reset."""

    def __init__(self, starts: Mapping[str, int]) -> None:
        self._starts = dict(starts)
        self._counters: dict[str, itertools.count[int]] = {}
        self.reset()

    def reset(self) -> None:
        self._counters = {name: itertools.count(start) for name, start in self._starts.items()}

    def next(self, collection: str) -> int:
        if collection not in self._counters:
            self._counters[collection] = itertools.count(1)
        return next(self._counters[collection])

    def bump_past(self, collection: str, used: int) -> None:
        """Make sure later ids never collide with an explicitly seeded one."""
        current = self.next(collection)
        self._counters[collection] = itertools.count(max(current, used + 1))


class Tokens:
    """Deterministic opaque credentials: ``<prefix>-<n>-<checksum>`` (readable, unique per reset)."""

    def __init__(self, system: str) -> None:
        self._system = system
        self._counter = itertools.count(1)

    def reset(self) -> None:
        self._counter = itertools.count(1)

    def new(self, kind: str) -> str:
        n = next(self._counter)
        digest = binascii.crc32(f"{self._system}:{kind}:{n}".encode()) & 0xFFFFFFFF
        return f"sbx-{self._system[:2]}-{kind}-{n:06d}-{digest:08x}"


# ------------------------------------------------------------------------------------------------ journal


class Journal:
    """Received CRM requests, oldest first, bounded."""

    def __init__(self, capacity: int = 5000) -> None:
        self._entries: deque[JsonDict] = deque(maxlen=capacity)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def record(self, entry: JsonDict) -> None:
        with self._lock:
            entry["seq"] = next(self._seq)
            self._entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def entries(
        self, method: str | None = None, path: str | None = None, limit: int | None = None
    ) -> list[JsonDict]:
        with self._lock:
            items = list(self._entries)
        if method:
            items = [e for e in items if e["method"] == method.upper()]
        if path:
            pattern = re.compile(path)
            items = [e for e in items if pattern.search(e["path"])]
        if limit is not None and limit >= 0:
            items = items[-limit:] if limit else []
        return items


# ------------------------------------------------------------------------------------------------ faults


@dataclass
class FaultRule:
    id: int
    method: str
    path: re.Pattern[str]
    query_contains: str | None
    remaining: int | None
    status: int | None
    body: Any
    headers: dict[str, str]
    delay_ms: float
    drop: bool
    hits: int = 0

    def matches(self, request: Request) -> bool:
        if self.method not in ("*", request.method):
            return False
        if not self.path.search(request.path):
            return False
        return not (self.query_contains and self.query_contains not in request.raw_query)

    def describe(self) -> JsonDict:
        return {
            "id": self.id,
            "method": self.method,
            "path": self.path.pattern,
            "query_contains": self.query_contains,
            "times": self.remaining,
            "status": self.status,
            "body": self.body,
            "headers": self.headers,
            "delay_ms": self.delay_ms,
            "drop": self.drop,
            "hits": self.hits,
        }


class FaultRules:
    """Rules that replace (or delay) the next N matching CRM calls."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, spec: JsonDict) -> FaultRule:
        method = str(spec.get("method") or "*").upper()
        path = spec.get("path", spec.get("path_regex", ".*"))
        if not isinstance(path, str):
            raise BadRequestBody("'path' must be a regular expression string")
        try:
            pattern = re.compile(path)
        except re.error as exc:
            raise BadRequestBody(f"'path' is not a valid regular expression: {exc}") from exc
        times = spec.get("times", 1)
        if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
            raise BadRequestBody("'times' must be a positive integer, or null for every matching call")
        status = spec.get("status")
        drop = bool(spec.get("drop", False))
        delay_ms = spec.get("delay_ms", 0) or 0
        if not isinstance(delay_ms, int | float) or isinstance(delay_ms, bool) or delay_ms < 0:
            raise BadRequestBody("'delay_ms' must be a non-negative number")
        if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
            raise BadRequestBody("'status' must be an HTTP status code")
        if status is None and not drop and not delay_ms:
            raise BadRequestBody("a fault rule needs 'status', 'drop' or 'delay_ms'")
        headers = spec.get("headers") or {}
        if not isinstance(headers, dict):
            raise BadRequestBody("'headers' must be an object")
        query_contains = spec.get("query_contains")
        with self._lock:
            rule = FaultRule(
                id=next(self._ids),
                method=method,
                path=pattern,
                query_contains=str(query_contains) if query_contains else None,
                remaining=times,
                status=status,
                body=spec.get("body"),
                headers={str(k): str(v) for k, v in headers.items()},
                delay_ms=float(delay_ms),
                drop=drop,
            )
            self._rules.append(rule)
        return rule

    def take(self, request: Request) -> FaultRule | None:
        """The first rule matching the request, consuming one of its uses."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(request):
                    rule.hits += 1
                    if rule.remaining is not None:
                        rule.remaining -= 1
                        if rule.remaining <= 0:
                            self._rules.remove(rule)
                    return rule
        return None

    def list(self) -> list[JsonDict]:
        with self._lock:
            return [rule.describe() for rule in self._rules]

    def remove(self, rule_id: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id]
            return len(self._rules) != before

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()


# ------------------------------------------------------------------------------------------------ latency


class Latency:
    """A fixed delay (plus optional seeded jitter) added to every CRM call, for benchmarks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.delay_ms = 0.0
        self.jitter_ms = 0.0
        self._random = random.Random(0)  # noqa: S311 - jitter, not security

    def set(self, delay_ms: float, jitter_ms: float) -> None:
        with self._lock:
            self.delay_ms = delay_ms
            self.jitter_ms = jitter_ms
            self._random = random.Random(0)  # noqa: S311 - jitter, not security

    def next_delay(self) -> float:
        with self._lock:
            jitter = self._random.uniform(0, self.jitter_ms) if self.jitter_ms else 0.0
            return (self.delay_ms + jitter) / 1000.0

    def describe(self) -> JsonDict:
        with self._lock:
            return {"delay_ms": self.delay_ms, "jitter_ms": self.jitter_ms}


# ------------------------------------------------------------------------------------------------ rate limits


@dataclass
class RateState:
    limit: int
    remaining: int
    reset_seconds: int
    window_seconds: float
    exceeded: bool


class RateLimiter:
    """Fixed-window request counting per credential, on the sandbox clock."""

    def __init__(self, clock: Clock, limit: int, window_seconds: float) -> None:
        self._clock = clock
        self._default = (limit, window_seconds)
        self._lock = threading.Lock()
        self.limit = limit
        self.window_seconds = window_seconds
        self.overrides: dict[str, tuple[int, float]] = {}
        self._windows: dict[str, tuple[float, int]] = {}

    def configure(self, limit: int, window_seconds: float, credential: str | None) -> None:
        with self._lock:
            if credential:
                self.overrides[credential] = (limit, window_seconds)
                self._windows.pop(credential, None)
            else:
                self.limit, self.window_seconds = limit, window_seconds
                self._windows.clear()

    def reset(self) -> None:
        with self._lock:
            self.limit, self.window_seconds = self._default
            self.overrides.clear()
            self._windows.clear()

    def hit(self, credential: str) -> RateState:
        now = self._clock.now()
        with self._lock:
            limit, window = self.overrides.get(credential, (self.limit, self.window_seconds))
            start, count = self._windows.get(credential, (now, 0))
            if now >= start + window or now < start:
                start, count = now, 0
            exceeded = count >= limit
            if not exceeded:
                count += 1
            self._windows[credential] = (start, count)
            reset = max(1, int(-(-(start + window - now) // 1)))
            return RateState(limit, max(0, limit - count), reset, window, exceeded)

    def describe(self) -> JsonDict:
        with self._lock:
            return {
                "limit": self.limit,
                "window_seconds": self.window_seconds,
                "overrides": {
                    k: {"limit": lim, "window_seconds": win} for k, (lim, win) in self.overrides.items()
                },
                "counts": {k: count for k, (_, count) in self._windows.items()},
            }


# ------------------------------------------------------------------------------------------------ sandbox


def _positive_number(spec: JsonDict, key: str, default: float | None = None) -> float:
    value = spec.get(key, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise BadRequestBody(f"'{key}' must be a non-negative number")
    return float(value)


class Sandbox:
    """Base class of one emulated system: routing, the request pipeline and the shared control features.

    A subclass declares its routes in :meth:`register_routes`, its state in :meth:`load_default_state`,
    and the CRM-specific answers (not found, rate limited, rate-limit headers, credential extraction).
    """

    name: ClassVar[str] = ""
    default_rate_limit: ClassVar[tuple[int, float]] = (1000, 2.0)
    default_config: ClassVar[JsonDict] = {}

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.clock = Clock()
        self.journal = Journal()
        self.faults = FaultRules()
        self.latency = Latency()
        self.rate_limiter = RateLimiter(self.clock, *self.default_rate_limit)
        self.config: JsonDict = {}
        self.routes: list[Route] = []
        self.register_routes()
        self.reset()

    # -- to override ---------------------------------------------------------------------------------------
    def register_routes(self) -> None:
        raise NotImplementedError

    def load_default_state(self) -> None:
        raise NotImplementedError

    def clear_state(self) -> None:
        raise NotImplementedError

    def seed(self, data: JsonDict) -> JsonDict:
        raise NotImplementedError

    def dump(self, collection: str | None) -> JsonDict:
        raise NotImplementedError

    def mint(self, spec: JsonDict) -> JsonDict:
        raise NotImplementedError

    def expire(self, spec: JsonDict) -> JsonDict:
        raise NotImplementedError

    def credential(self, request: Request) -> str | None:
        """The credential a data request presents (the rate-limit key)."""
        return request.bearer_token()

    def rate_limit_headers(self, state: RateState) -> dict[str, str]:
        return {}

    def rate_limited(self, state: RateState) -> Response:
        return Response.json(429, {"error": "Too many requests"})

    def not_found(self, request: Request) -> Response:
        return Response.json(404, {"error": f"No route for {request.method} {request.path}"})

    def bad_body(self, message: str) -> Response:
        return Response.json(400, {"error": message})

    def normalise_path(self, path: str) -> str:
        return path

    # -- shared behaviour ----------------------------------------------------------------------------------
    def route(self, method: str, template: str, handler: Handler, limited: bool = True) -> None:
        self.routes.append(Route(method, compile_path(template), template, handler, limited))

    def reset(self, seed: bool = True) -> None:
        with self.lock:
            self.clock.reset()
            self.journal.clear()
            self.faults.clear()
            self.latency.set(0, 0)
            self.rate_limiter.reset()
            self.config = json.loads(json.dumps(self.default_config))
            self.clear_state()
            if seed:
                self.load_default_state()

    def configure(self, updates: JsonDict) -> JsonDict:
        with self.lock:
            unknown = sorted(set(updates) - set(self.default_config))
            if unknown:
                raise BadRequestBody(f"unknown config keys: {', '.join(unknown)}")
            self.config.update(updates)
            return dict(self.config)

    def set_clock(self, spec: JsonDict) -> JsonDict:
        if spec.get("real"):
            self.clock.reset()
        elif "advance_seconds" in spec:
            value = spec["advance_seconds"]
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise BadRequestBody("'advance_seconds' must be a number")
            self.clock.advance(float(value))
        elif "now" in spec:
            now = parse_time(spec["now"])
            if now is None:
                raise BadRequestBody("'now' must be an ISO-8601 time or epoch seconds")
            self.clock.set(now, bool(spec.get("freeze", True)))
        elif "freeze" in spec:
            self.clock.set(self.clock.now(), bool(spec["freeze"]))
        else:
            raise BadRequestBody("give 'now' (+ 'freeze'), 'advance_seconds', 'freeze' or 'real'")
        return self.clock.describe()

    def set_rate_limit(self, spec: JsonDict) -> JsonDict:
        limit = spec.get("limit")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise BadRequestBody("'limit' must be a non-negative integer")
        window = _positive_number(spec, "window_seconds", self.rate_limiter.window_seconds)
        if window <= 0:
            raise BadRequestBody("'window_seconds' must be positive")
        credential = spec.get("credential")
        self.rate_limiter.configure(limit, window, str(credential) if credential else None)
        return self.rate_limiter.describe()

    def set_latency(self, spec: JsonDict) -> JsonDict:
        self.latency.set(_positive_number(spec, "delay_ms", 0), _positive_number(spec, "jitter_ms", 0))
        return self.latency.describe()

    def find_route(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for candidate in self.routes:
            params = candidate.match(method, path)
            if params is not None:
                return candidate, params
        return None

    def handle(self, request: Request) -> Response:
        """The CRM request pipeline: latency, fault rules, routing, rate limit, handler, journal."""
        started = time.perf_counter()
        raw_path = request.path
        delay = self.latency.next_delay()
        if delay:
            time.sleep(delay)
        rule = self.faults.take(request)
        request.path = self.normalise_path(raw_path)
        response: Response | None = None
        if rule is not None:
            if rule.delay_ms:
                time.sleep(rule.delay_ms / 1000.0)
            if rule.drop:
                response = Response.dropped()
            elif rule.status is not None:
                response = self._fault_response(rule)
        if response is None:
            response = self._dispatch(request)
        self.journal.record(
            {
                "time": iso_utc(self.clock.now(), millis=True),
                "method": request.method,
                "path": raw_path,
                "query": request.query,
                "headers": request.headers,
                **request.journal_body(),
                "status": None if response.drop_connection else response.status,
                "fault": rule.id if rule is not None else None,
                "dropped": response.drop_connection,
                "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            }
        )
        return response

    def _fault_response(self, rule: FaultRule) -> Response:
        body = rule.body
        if body is None:
            response = Response(int(rule.status or 500))
        elif isinstance(body, str):
            response = Response.text(int(rule.status or 500), body)
        else:
            response = Response.json(int(rule.status or 500), body)
        response.headers.update(rule.headers)
        return response

    def _dispatch(self, request: Request) -> Response:
        found = self.find_route(request.method, request.path)
        if found is None:
            return self.not_found(request)
        matched, params = found
        request.path_params = params
        state: RateState | None = None
        if matched.limited:
            credential = self.credential(request)
            if credential:
                state = self.rate_limiter.hit(credential)
                if state.exceeded:
                    limited = self.rate_limited(state)
                    limited.headers.update(self.rate_limit_headers(state))
                    return limited
        try:
            with self.lock:
                response = matched.handler(request)
        except HttpError as error:
            response = error.response
        except BadRequestBody as error:
            response = self.bad_body(str(error))
        if state is not None:
            for key, value in self.rate_limit_headers(state).items():
                response.headers.setdefault(key, value)
        return response


# ------------------------------------------------------------------------------------------------ helpers


def project(record: Mapping[str, Any], keys: Iterable[str]) -> JsonDict:
    return {key: record.get(key) for key in keys}


def digits(value: Any) -> str:
    return re.sub(r"\D", "", str(value or ""))


def as_int(value: Any) -> int | None:
    """An integer from an int or a numeric string; None otherwise (booleans excluded)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def copy_json(value: Any) -> Any:
    return json.loads(json.dumps(value))
