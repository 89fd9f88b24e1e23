"""The control API under ``/__sandbox``: reset, seed, state, journal, faults, rate limits, latency, tokens,
clock and per-system configuration. JSON in, JSON out.
"""

from __future__ import annotations

from collections.abc import Mapping

from local.sandbox.core import BadRequestBody, HttpError, JsonDict, Request, Response, Sandbox

CONTROL_PREFIX = "__sandbox"


def _body(request: Request) -> JsonDict:
    try:
        return request.json_object()
    except BadRequestBody as error:
        raise HttpError(Response.json(400, {"error": str(error)})) from error


def _int_arg(request: Request, name: str) -> int | None:
    value = request.arg(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError as error:
        raise HttpError(Response.json(400, {"error": f"'{name}' must be an integer"})) from error


def handle_control(sandboxes: Mapping[str, Sandbox], urls: Mapping[str, str], request: Request) -> Response:
    """Serve ``/__sandbox/...``; ``request.path`` is the part after ``/__sandbox``."""
    try:
        return _route(sandboxes, urls, request)
    except HttpError as error:
        return error.response
    except BadRequestBody as error:
        return Response.json(400, {"error": str(error)})


def _route(sandboxes: Mapping[str, Sandbox], urls: Mapping[str, str], request: Request) -> Response:
    parts = [p for p in request.path.split("/") if p]
    method = request.method
    if not parts:
        if method == "GET":
            return Response.json(
                200, {"systems": dict(urls), "control": f"{request.origin}/{CONTROL_PREFIX}"}
            )
        return _method_not_allowed()
    if parts == ["reset"]:
        if method != "POST":
            return _method_not_allowed()
        seed = bool(_body(request).get("seed", True))
        for each in sandboxes.values():
            each.reset(seed=seed)
        return Response.json(200, {"reset": sorted(sandboxes), "seeded": seed})
    sandbox = sandboxes.get(parts[0])
    if sandbox is None:
        return Response.json(404, {"error": f"unknown system '{parts[0]}'", "systems": sorted(sandboxes)})
    feature = parts[1] if len(parts) > 1 else ""
    rest = parts[2:]
    return _feature(sandbox, feature, rest, request)


def _method_not_allowed() -> Response:
    return Response.json(405, {"error": "method not allowed"})


def _feature(sandbox: Sandbox, feature: str, rest: list[str], request: Request) -> Response:
    method = request.method
    if feature == "" and method == "GET":
        return Response.json(
            200,
            {
                "system": sandbox.name,
                "config": sandbox.config,
                "clock": sandbox.clock.describe(),
                "latency": sandbox.latency.describe(),
                "ratelimit": sandbox.rate_limiter.describe(),
                "faults": sandbox.faults.list(),
            },
        )
    if feature == "reset" and method == "POST":
        seed = bool(_body(request).get("seed", True))
        sandbox.reset(seed=seed)
        return Response.json(200, {"reset": sandbox.name, "seeded": seed})
    if feature == "seed" and method == "POST":
        body = _body(request)
        with sandbox.lock:
            return Response.json(200, sandbox.seed(body))
    if feature == "state" and method == "GET":
        with sandbox.lock:
            return Response.json(200, sandbox.dump(request.arg("collection") or None))
    if feature == "journal":
        if method == "GET":
            entries = sandbox.journal.entries(
                method=request.arg("method"), path=request.arg("path"), limit=_int_arg(request, "limit")
            )
            return Response.json(200, {"count": len(entries), "requests": entries})
        if method == "DELETE":
            sandbox.journal.clear()
            return Response.json(200, {"cleared": True})
    if feature == "faults":
        if method == "POST" and not rest:
            return Response.json(201, sandbox.faults.add(_body(request)).describe())
        if method == "GET" and not rest:
            return Response.json(200, {"faults": sandbox.faults.list()})
        if method == "DELETE" and not rest:
            sandbox.faults.clear()
            return Response.json(200, {"cleared": True})
        if method == "DELETE" and len(rest) == 1 and rest[0].isdigit():
            if sandbox.faults.remove(int(rest[0])):
                return Response.json(200, {"removed": int(rest[0])})
            return Response.json(404, {"error": f"no fault rule {rest[0]}"})
    if feature == "ratelimit":
        if method == "POST":
            return Response.json(200, sandbox.set_rate_limit(_body(request)))
        if method == "GET":
            return Response.json(200, sandbox.rate_limiter.describe())
        if method == "DELETE":
            sandbox.rate_limiter.reset()
            return Response.json(200, sandbox.rate_limiter.describe())
    if feature == "latency":
        if method == "POST":
            return Response.json(200, sandbox.set_latency(_body(request)))
        if method == "GET":
            return Response.json(200, sandbox.latency.describe())
        if method == "DELETE":
            return Response.json(200, sandbox.set_latency({}))
    if feature == "clock":
        if method == "POST":
            return Response.json(200, sandbox.set_clock(_body(request)))
        if method == "GET":
            return Response.json(200, sandbox.clock.describe())
    if feature == "config":
        if method == "POST":
            return Response.json(200, sandbox.configure(_body(request)))
        if method == "GET":
            return Response.json(200, sandbox.config)
    if feature == "tokens" and method == "POST":
        body = _body(request)
        with sandbox.lock:
            return Response.json(201, sandbox.mint({**body, "_origin": request.origin}))
    if feature == "expire" and method == "POST":
        body = _body(request)
        with sandbox.lock:
            return Response.json(200, sandbox.expire(body))
    return Response.json(
        404, {"error": f"no control endpoint {method} /{CONTROL_PREFIX}/{sandbox.name}/{feature}"}
    )
