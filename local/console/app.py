"""The console's server side: its static page, and read-only views of the sandbox for the page.

Everything lives under ``/__local/console`` of the local API (``local.stack.LocalApi`` hands these requests
here); ``template.yaml`` knows nothing of it, so it is never deployed. The page itself plays the extension:
it calls the public API (``/oauth-callback``, ``/contact``, ``/callLog`` ...) like any client. What it gets
from here:

``GET /__local/console/``
    the page (``static/``), with a content security policy that lets it load nothing from elsewhere;
``GET /__local/console/catalog``
    what the page offers to choose: the RingCentral extensions, each CRM's users and their login values,
    and every phone number the sandbox's people have, read from the sandbox's current state;
``GET /__local/console/records?crm=..&kind=..``
    a CRM record as the sandbox now holds it (``kind``: ``user``, ``contact``, ``log``, ``logs`` or
    ``credentials``), secrets masked;
``GET /__local/console/journal?system=..&after=..``
    the requests the sandbox received since a point (what the server asked the CRM), secrets masked;
``/__local/console/sandbox/<system>/<path>``
    a doorway to the few sign-in endpoints a real client calls on RingCentral and the CRM directly (not on
    this server): RingCentral's OAuth and who-am-I endpoints, Bullhorn's consent page and data-centre
    lookup. A page cannot read them from the sandbox itself (it answers no CORS) nor follow Bullhorn's
    redirect (to RingCentral's hosted redirect page, which the local stack cannot serve), so this forwards
    those requests and answers as the sandbox answered, with a redirect's ``Location`` moved to
    ``X-Sandbox-Location`` so that the page reads it instead of following it. Nothing else passes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import requests

from local.apigw import HttpRequest, HttpResponse, json_response
from local.console import crms
from local.console.masking import mask

PREFIX = "/__local/console"
STATIC = Path(__file__).resolve().parent / "static"
#: the page's files (nothing else is served from the folder)
FILES = {
    "": ("index.html", "text/html; charset=utf-8"),
    "index.html": ("index.html", "text/html; charset=utf-8"),
    "console.js": ("console.js", "text/javascript; charset=utf-8"),
    "console.css": ("console.css", "text/css; charset=utf-8"),
}
PAGE_HEADERS = [
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
]
SANDBOX_TIMEOUT_S = 15
JOURNAL_WINDOW = 500


@dataclass(frozen=True)
class DoorwayRoute:
    method: str
    system: str
    path: re.Pattern[str]


#: the sign-in endpoints a client calls on RingCentral and the CRMs themselves (see the module docstring)
DOORWAY = (
    DoorwayRoute("GET", "ringcentral", re.compile(r"^/restapi/oauth/authorize$")),
    DoorwayRoute("POST", "ringcentral", re.compile(r"^/restapi/oauth/token$")),
    DoorwayRoute("GET", "ringcentral", re.compile(r"^/restapi/v1\.0/account/~(?:/extension/~)?$")),
    DoorwayRoute("GET", "bullhorn", re.compile(r"^/oauth/authorize$")),
    DoorwayRoute("GET", "bullhorn", re.compile(r"^/rest-services/loginInfo$")),
)
#: request headers the doorway passes on (no cookies, no hop-by-hop headers)
FORWARDED_HEADERS = ("authorization", "content-type", "accept")


class SandboxUnavailable(Exception):
    pass


class Console:
    """The ``/__local/console`` endpoints of one local stack (its API and sandbox URLs)."""

    def __init__(self, api_url: str, sandbox_url: str | None) -> None:
        self.api_url = api_url.rstrip("/")
        self.sandbox_url = sandbox_url.rstrip("/") if sandbox_url else None
        self._http = requests.Session()
        self._http.trust_env = False  # loopback only: never a proxy from the environment

    @property
    def url(self) -> str:
        return f"{self.api_url}{PREFIX}/"

    def handle(self, request: HttpRequest) -> HttpResponse:
        rest = request.raw_path[len(PREFIX) :].lstrip("/")
        query = {key: values[-1] for key, values in parse_qs(request.raw_query).items()}
        try:
            if rest.startswith("sandbox/"):
                return self._doorway(request, rest[len("sandbox") :])
            if request.method not in ("GET", "HEAD"):
                return json_response(405, {"message": "Method Not Allowed"})
            if rest in FILES:
                return self._file(*FILES[rest])
            if rest == "catalog":
                return json_response(200, self.catalog(), [("cache-control", "no-store")])
            if rest == "records":
                return json_response(200, self.records(query), [("cache-control", "no-store")])
            if rest == "journal":
                return json_response(200, self.journal(query), [("cache-control", "no-store")])
        except SandboxUnavailable as error:
            return json_response(503, {"message": str(error)})
        except (LookupError, ValueError) as error:
            return json_response(400, {"message": str(error.args[0] if error.args else error)})
        return json_response(404, {"message": "Not Found"})

    # -- the page -------------------------------------------------------------------------------------------

    @staticmethod
    def _file(name: str, content_type: str) -> HttpResponse:
        return HttpResponse(
            200, [("content-type", content_type), *PAGE_HEADERS], (STATIC / name).read_bytes()
        )

    # -- reading the sandbox --------------------------------------------------------------------------------

    def _sandbox(self) -> str:
        if not self.sandbox_url:
            raise SandboxUnavailable(
                "the sandbox CRMs are not running (the stack was started with --no-sandbox)"
            )
        return self.sandbox_url

    def _control(self, path: str, **params: Any) -> Any:
        try:
            response = self._http.get(
                f"{self._sandbox()}/__sandbox/{path}", params=params, timeout=SANDBOX_TIMEOUT_S
            )
        except requests.RequestException as error:
            raise SandboxUnavailable(f"the sandbox CRMs do not answer: {error}") from error
        if response.status_code != 200:
            raise LookupError(f"the sandbox answered {response.status_code} to /__sandbox/{path}")
        return response.json()

    def _state(self, system: str) -> dict[str, Any]:
        state = self._control(f"{system}/state")
        return state if isinstance(state, dict) else {}

    def catalog(self) -> dict[str, Any]:
        """What the page offers: RingCentral extensions, and per CRM its logins and ringing numbers."""
        from local.sandbox import ringcentral

        sandbox = self._sandbox()
        rc_state = self._state("ringcentral")
        accounts = {a["id"]: a for a in rc_state.get("accounts") or []}
        extensions = [
            {
                "id": e["id"],
                "name": e.get("name"),
                "extensionNumber": e.get("extensionNumber"),
                "admin": bool((e.get("permissions") or {}).get("admin", {}).get("enabled")),
                "accountId": (e.get("account") or {}).get("id"),
                "accountName": accounts.get(int((e.get("account") or {}).get("id") or 0), {}).get("name"),
            }
            for e in rc_state.get("extensions") or []
        ]
        catalog_crms = []
        for name, profile in crms.PROFILES.items():
            state = self._state(name)
            catalog_crms.append(
                {
                    "name": name,
                    "login": profile.login,
                    "hostname": profile.hostname(state),
                    "choices": profile.login_choices(state, sandbox),
                    "numbers": crms.numbers(profile, state),
                }
            )
        return {
            "api": self.api_url,
            "sandbox": sandbox,
            "ringcentral": {
                # the sandbox's development OAuth client, the stand-in for the extension's own
                "clientId": ringcentral.CLIENT_ID,
                "clientSecret": ringcentral.CLIENT_SECRET,
                "extensions": extensions,
            },
            "crms": catalog_crms,
        }

    def records(self, query: Mapping[str, str]) -> dict[str, Any]:
        profile = crms.PROFILES.get(query.get("crm", ""))
        if profile is None:
            raise LookupError(f"no console profile for CRM {query.get('crm')!r}")
        kind = query.get("kind", "")
        state = self._state(profile.name)
        found: list[dict[str, Any]] = []
        if kind == "user":
            name = query.get("name", "")
            found = [
                {"collection": profile.users, "id": r.get(profile.user_id_field), "record": r}
                for r in _list(state, profile.users)
                if name and name in profile.user_names(r)
            ]
        elif kind == "contact":
            wanted = query.get("id", "")
            for people in crms.people_of_type(profile, query.get("type", "")):
                record = crms.find(_list(state, people.collection), people.id_field, wanted)
                if record is not None:
                    found.append(
                        {"collection": people.collection, "id": record.get(people.id_field), "record": record}
                    )
        elif kind in ("log", "logs"):
            wanted = query.get("id", "")
            for logs in profile.logs:
                for record in _list(state, logs.collection):
                    key = record.get(logs.parent_field or logs.id_field)
                    if kind == "logs" or crms.same_id(key, wanted):
                        found.append(
                            {"collection": logs.collection, "id": record.get(logs.id_field), "record": record}
                        )
        elif kind == "credentials":
            user_id = query.get("userId", "")
            oauth = state.get("oauth") if profile.uses_oauth_grants else None
            grants = (oauth.get("grants") if isinstance(oauth, dict) else None) or []
            found = [
                {"collection": "oauth grants", "id": g.get("kind"), "record": g}
                for g in grants
                if g.get("kind") in ("access", "refresh") and crms.same_id(g.get("user_id"), user_id)
            ]
            if profile.sessions:
                found += [
                    {"collection": profile.sessions, "id": None, "record": r}
                    for r in _list(state, profile.sessions)
                    if crms.same_id(r.get("user_id"), user_id)
                ]
        else:
            raise LookupError(f"unknown kind {kind!r}: user, contact, log, logs or credentials")
        return {"crm": profile.name, "kind": kind, "records": mask(found)}

    def journal(self, query: Mapping[str, str]) -> dict[str, Any]:
        system = query.get("system", "")
        if system not in (*crms.PROFILES, "ringcentral"):
            raise LookupError(f"unknown system {system!r}")
        entries = self._control(f"{system}/journal", limit=JOURNAL_WINDOW).get("requests") or []
        last = max([0, *(int(e.get("seq") or 0) for e in entries)])
        # without "after": only where the journal is now (the mark a step starts from)
        after = int(query["after"]) if query.get("after") else last
        fresh = [e for e in entries if int(e.get("seq") or 0) > after]
        return {"system": system, "last": last, "requests": mask(fresh)}

    # -- the doorway ----------------------------------------------------------------------------------------

    def _doorway(self, request: HttpRequest, path: str) -> HttpResponse:
        system, _, rest = path.lstrip("/").partition("/")
        rest = "/" + rest
        if not any(
            route.method == request.method and route.system == system and route.path.match(rest)
            for route in DOORWAY
        ):
            return json_response(
                403,
                {"message": f"the console's doorway does not pass {request.method} /{system}{rest}"},
            )
        target = f"{self._sandbox()}/{system}{rest}"
        if request.raw_query:
            target = f"{target}?{request.raw_query}"
        headers = {name: value for name in FORWARDED_HEADERS if (value := request.header(name)) is not None}
        try:
            answer = self._http.request(
                request.method,
                target,
                headers=headers,
                data=request.body or None,
                allow_redirects=False,
                timeout=SANDBOX_TIMEOUT_S,
            )
        except requests.RequestException as error:
            raise SandboxUnavailable(f"the sandbox CRMs do not answer: {error}") from error
        response_headers = [("cache-control", "no-store")]
        for name in ("content-type", "location"):
            value = answer.headers.get(name)
            if value is not None:
                response_headers.append(("x-sandbox-location" if name == "location" else name, value))
        return HttpResponse(answer.status_code, response_headers, answer.content)


def _list(state: Mapping[str, Any], collection: str) -> list[dict[str, Any]]:
    value = state.get(collection)
    if isinstance(value, dict):
        value = list(value.values())
    return [r for r in value or [] if isinstance(r, dict)]
