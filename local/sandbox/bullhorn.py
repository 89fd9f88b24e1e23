"""Sandbox Bullhorn: the OAuth server (authorize incl. the password ``action=Login`` flow, token), REST login
with sessions (``BhRestToken``, ``sessionExpires``) and the REST API (ping, settings, meta, search, query,
entity CRUD) over an in-memory entity store.

Paths: ``/oauth/...`` is ``auth-*.bullhornstaffing.com``; ``/rest-services/login`` and
``/rest-services/loginInfo`` are ``rest-*.bullhornstaffing.com``; ``/rest-services/{corpToken}/...`` is the
``restUrl`` the login returns.
"""

from __future__ import annotations

import html
from typing import Any, ClassVar

from local.sandbox.bullhorn_query import (
    FieldSpec,
    QuerySyntaxError,
    lucene_predicate,
    parse_fields,
    where_predicate,
)
from local.sandbox.core import (
    BadRequestBody,
    HttpError,
    Ids,
    JsonDict,
    RateState,
    Request,
    Response,
    Sandbox,
    Tokens,
    as_int,
    copy_json,
    parse_time,
    with_query,
)
from local.sandbox.oauth import OAuthError, OAuthServer, token_response

CLIENT_ID = "sandbox-bullhorn-client"
CLIENT_SECRET = "sandbox-bullhorn-secret"
CORP_TOKEN = "sbx1"
T0_MS = 1782900000000  # 2026-07-01T10:00:00Z
DAY_MS = 86_400_000

PERSON_TYPES = ("CorporateUser", "ClientContact", "Candidate", "Lead")
SUBTYPE_ALIASES = {
    "Contact": "ClientContact",
    "ClientContact": "ClientContact",
    "Candidate": "Candidate",
    "Lead": "Lead",
    "CorporateUser": "CorporateUser",
}

# Entity schema: scalar fields, to-one associations (field -> target entity, "Person" = any person type),
# to-many associations (field -> target entity).
SCALARS: dict[str, set[str]] = {
    "CorporateUser": {
        "id",
        "username",
        "firstName",
        "lastName",
        "name",
        "email",
        "masterUserID",
        "timeZoneOffsetEST",
        "isDeleted",
        "enabled",
        "phone",
        "dateAdded",
    },
    "ClientCorporation": {
        "id",
        "name",
        "companyDescription",
        "phone",
        "status",
        "dateAdded",
        "dateLastModified",
    },
    "ClientContact": {
        "id",
        "firstName",
        "lastName",
        "name",
        "email",
        "phone",
        "mobile",
        "phone2",
        "phone3",
        "status",
        "isDeleted",
        "dateAdded",
        "dateLastModified",
        "dateLastVisit",
        "comments",
        "occupation",
    },
    "Candidate": {
        "id",
        "firstName",
        "lastName",
        "name",
        "email",
        "phone",
        "mobile",
        "phone2",
        "phone3",
        "workPhone",
        "status",
        "isDeleted",
        "dateAdded",
        "dateLastModified",
        "dateLastComment",
        "comments",
        "occupation",
    },
    "Lead": {
        "id",
        "firstName",
        "lastName",
        "name",
        "email",
        "phone",
        "mobile",
        "phone2",
        "phone3",
        "status",
        "isDeleted",
        "dateAdded",
        "dateLastModified",
        "dateLastComment",
        "comments",
        "companyName",
    },
    "Note": {
        "id",
        "comments",
        "action",
        "dateAdded",
        "dateLastModified",
        "externalID",
        "minutesSpent",
        "isDeleted",
    },
    "Appointment": {
        "id",
        "subject",
        "description",
        "dateBegin",
        "dateEnd",
        "isDeleted",
        "isPrivate",
        "location",
        "communicationMethod",
        "type",
        "dateAdded",
        "dateLastModified",
    },
    "AppointmentAttendee": {"id", "acceptanceStatus", "isDeleted"},
}
TO_ONE: dict[str, dict[str, str]] = {
    "ClientContact": {"clientCorporation": "ClientCorporation", "owner": "CorporateUser"},
    "Candidate": {"owner": "CorporateUser"},
    "Lead": {"owner": "CorporateUser", "clientCorporation": "ClientCorporation"},
    "Note": {"personReference": "Person", "commentingPerson": "CorporateUser"},
    "Appointment": {
        "owner": "CorporateUser",
        "candidateReference": "Candidate",
        "clientContactReference": "ClientContact",
        "lead": "Lead",
    },
    "AppointmentAttendee": {"appointment": "Appointment", "attendee": "Person"},
}
TO_MANY: dict[str, dict[str, str]] = {
    "Note": {"candidates": "Candidate", "clientContacts": "ClientContact", "leads": "Lead"},
    "Appointment": {"attendees": "AppointmentAttendee"},
    "ClientCorporation": {"clientContacts": "ClientContact"},
}
DEFAULT_SUBFIELDS = {
    "CorporateUser": ["id", "firstName", "lastName"],
    "ClientContact": ["id", "firstName", "lastName"],
    "Candidate": ["id", "firstName", "lastName"],
    "Lead": ["id", "firstName", "lastName"],
    "ClientCorporation": ["id", "name"],
    "Appointment": ["id"],
    "AppointmentAttendee": ["id"],
    "Note": ["id"],
}
NOTE_UPDATABLE = {
    "comments",
    "action",
    "dateAdded",
    "minutesSpent",
    "commentingPerson",
    "externalID",
    "isDeleted",
    "personReference",
}


def _user(uid: int, first: str, last: str, username: str, master: int, **extra: Any) -> JsonDict:
    return {
        "id": uid,
        "firstName": first,
        "lastName": last,
        "name": f"{first} {last}",
        "username": username,
        "email": f"{username}@sandbox-staffing.example",
        "masterUserID": master,
        "timeZoneOffsetEST": 300,
        "isDeleted": False,
        "enabled": True,
        "password": "sandbox-password",
        **extra,
    }


SEED: JsonDict = {
    "CorporateUser": [
        _user(1001, "Bailey", "Recruiter", "bailey.recruiter", 456),
        _user(1002, "API", "Service", "api.service", 457, timeZoneOffsetEST=0),
        *[_user(1000 + n, "Recruiter", f"{n:02d}", f"recruiter.{n:02d}", 400 + n) for n in range(3, 26)],
        _user(1026, "Former", "Recruiter", "former.recruiter", 426, isDeleted=True, enabled=False),
    ],
    "ClientCorporation": [
        {"id": 301, "name": "Acme Staffing Client", "status": "Active", "dateAdded": T0_MS}
    ],
    "ClientContact": [
        {
            "id": 701,
            "firstName": "Maya",
            "lastName": "Patel",
            "email": "maya.patel@acme.example",
            "phone": "(415) 555-0142",
            "status": "Active",
            "clientCorporation": {"id": 301},
            "owner": {"id": 1001},
            "dateAdded": T0_MS,
            "dateLastModified": T0_MS + DAY_MS,
            "dateLastVisit": T0_MS + 2 * DAY_MS,
        },
        {
            "id": 702,
            "firstName": "Noah",
            "lastName": "Kim",
            "email": "noah.kim@acme.example",
            "phone": "415.555.0175",
            "mobile": "+1 415 555 0176",
            "status": "Active",
            "clientCorporation": {"id": 301},
            "dateAdded": T0_MS,
        },
        {
            "id": 703,
            "firstName": "Old",
            "lastName": "Contact",
            "phone": "4155550142",
            "status": "Archive",
            "clientCorporation": {"id": 301},
            "dateAdded": T0_MS,
        },
        {
            "id": 704,
            "firstName": "Lena",
            "lastName": "Fischer",
            "phone": "+49 30 901820",
            "status": "Active",
            "clientCorporation": {"id": 301},
            "dateAdded": T0_MS,
        },
    ],
    "Candidate": [
        {
            "id": 84631,
            "firstName": "Taylor",
            "lastName": "Candidate",
            "email": "taylor@candidates.example",
            "phone": "+1 415 555 0188",
            "mobile": "415-555-0142",
            "workPhone": "020 7946 0321",
            "status": "Active",
            "dateAdded": T0_MS,
            "dateLastComment": T0_MS + DAY_MS,
            "dateLastModified": T0_MS + 3 * DAY_MS,
        },
        {
            "id": 84632,
            "firstName": "Archived",
            "lastName": "Candidate",
            "phone": "4155550188",
            "status": "Archived",
            "dateAdded": T0_MS,
        },
    ],
    "Lead": [
        {
            "id": 901,
            "firstName": "Jordan",
            "lastName": "Prospect",
            "email": "jordan@prospects.example",
            "phone": "+1 (415) 555-0142",
            "status": "New",
            "dateAdded": T0_MS,
            "dateLastModified": T0_MS + DAY_MS,
        },
        {
            "id": 902,
            "firstName": "Converted",
            "lastName": "Lead",
            "phone": "4155550142",
            "status": "Converted",
            "dateAdded": T0_MS,
        },
        {
            "id": 903,
            "firstName": "Maya",
            "lastName": "Patel",
            "phone": "+1 650 555 0123",
            "status": "Contacted",
            "dateAdded": T0_MS,
        },
    ],
    "Appointment": [
        {
            "id": 6001,
            "subject": "Intro interview",
            "description": "First call",
            "dateBegin": T0_MS + DAY_MS,
            "dateEnd": T0_MS + DAY_MS + 1_800_000,
            "isDeleted": False,
            "isPrivate": False,
            "owner": {"id": 1001},
            "candidateReference": {"id": 84631},
            "dateAdded": T0_MS,
        },
    ],
    "AppointmentAttendee": [
        {"id": 7001, "appointment": {"id": 6001}, "attendee": {"id": 84631}, "acceptanceStatus": 1},
    ],
    "commentActionList": ["Call", "Email", "SMS", "Meeting", "Interview"],
    "statuses": {
        "Lead": ["New", "Contacted", "Qualified", "Converted"],
        "Candidate": ["New", "Submitted", "Active", "Placed", "Archived"],
        "ClientContact": ["Active", "Passive", "Archive"],
    },
}


def _bh_error(status: int, message: str, key: str | None = None, **extra: Any) -> Response:
    body: JsonDict = {"errorMessage": message}
    if key:
        body["errorMessageKey"] = key
    body["errorCode"] = status
    body.update(extra)
    return Response.json(status, body)


def _persist_error(
    entity: str, prop: str, kind: str = "INVALID_VALUE", detail: str | None = None
) -> HttpError:
    error = {"propertyName": prop, "severity": "ERROR", "type": kind}
    if detail:
        error["detailMessage"] = detail
    return HttpError(
        _bh_error(
            400,
            f"error persisting an entity of type: {entity}",
            "errors.cannotPersistEntity",
            errors=[error],
            entityName=entity,
        )
    )


def _invalid_token() -> HttpError:
    return HttpError(
        _bh_error(401, "Bad 'BhRestToken' or timed-out.", "errors.authentication.invalidRestToken")
    )


class BullhornSandbox(Sandbox):
    name = "bullhorn"
    default_rate_limit = (1000, 2.0)
    default_config: ClassVar[JsonDict] = {
        "access_ttl": 600,
        "session_minutes": 10,
        "refresh_token_rotation": "rotate",
        "default_user_id": 1001,
        "query_page_size": 20,
        "note_edit_denied": False,
    }

    def __init__(self) -> None:
        self.ids = Ids(
            {
                "person": 85001,
                "ClientCorporation": 401,
                "Note": 5001,
                "Appointment": 6101,
                "AppointmentAttendee": 7101,
            }
        )
        self.tokens = Tokens(self.name)
        self.entities: dict[str, dict[int, JsonDict]] = {}
        self.sessions: dict[str, JsonDict] = {}
        self.comment_actions: list[str] = []
        self.statuses: dict[str, list[str]] = {}
        self.oauth: OAuthServer | None = None
        super().__init__()

    @property
    def auth(self) -> OAuthServer:
        assert self.oauth is not None
        return self.oauth

    # -- state ---------------------------------------------------------------------------------------------
    def clear_state(self) -> None:
        self.ids.reset()
        self.tokens.reset()
        self.entities = {entity: {} for entity in SCALARS}
        self.sessions = {}
        self.comment_actions = []
        self.statuses = {}
        self.oauth = OAuthServer(self.tokens, self.clock, access_ttl=int(self.config["access_ttl"]))

    def load_default_state(self) -> None:
        self.seed(copy_json(SEED))
        self.auth.add_client(CLIENT_ID, CLIENT_SECRET)

    def configure(self, updates: JsonDict) -> JsonDict:
        result = super().configure(updates)
        self.auth.access_ttl = int(self.config["access_ttl"])
        self.auth.rotation = str(self.config["refresh_token_rotation"])
        return result

    def _sequence(self, entity: str) -> str:
        return "person" if entity in PERSON_TYPES else entity

    def seed(self, data: JsonDict) -> JsonDict:
        assigned: dict[str, list[Any]] = {}
        for entity in (
            "CorporateUser",
            "ClientCorporation",
            "ClientContact",
            "Candidate",
            "Lead",
            "Note",
            "Appointment",
            "AppointmentAttendee",
        ):
            for raw in data.get(entity, []):
                record = dict(raw)
                rid = as_int(record.get("id"))
                if rid is None:
                    rid = self.ids.next(self._sequence(entity))
                else:
                    self.ids.bump_past(self._sequence(entity), rid)
                record["id"] = rid
                if entity in PERSON_TYPES:
                    record.setdefault(
                        "name", f"{record.get('firstName', '')} {record.get('lastName', '')}".strip()
                    )
                    record.setdefault("isDeleted", False)
                record.setdefault("dateAdded", T0_MS)
                self.entities[entity][rid] = record
                assigned.setdefault(entity, []).append(rid)
        if "commentActionList" in data:
            self.comment_actions = [str(a) for a in data["commentActionList"]]
        for entity, options in (data.get("statuses") or {}).items():
            self.statuses[entity] = [str(o) for o in options]
        for client in data.get("clients", []):
            self.auth.add_client(client["client_id"], client["client_secret"], client.get("redirect_uris"))
            assigned.setdefault("clients", []).append(client["client_id"])
        return assigned

    def dump(self, collection: str | None) -> JsonDict:
        state: JsonDict = {entity: list(records.values()) for entity, records in self.entities.items()}
        state["sessions"] = [{"BhRestToken": t, **s} for t, s in self.sessions.items()]
        state["commentActionList"] = self.comment_actions
        state["statuses"] = self.statuses
        state["oauth"] = self.auth.describe()
        return {collection: state.get(collection)} if collection else state

    def _new_session(self, user_id: int, origin: str, minutes: float | None = None) -> JsonDict:
        token = self.tokens.new("session")
        minutes = float(self.config["session_minutes"]) if minutes is None else minutes
        expires_ms = int((self.clock.now() + minutes * 60) * 1000)
        self.sessions[token] = {"user_id": user_id, "sessionExpires": expires_ms}
        return {
            "BhRestToken": token,
            "restUrl": f"{origin}/{self.name}/rest-services/{CORP_TOKEN}/",
            "sessionExpires": expires_ms,
        }

    def mint(self, spec: JsonDict) -> JsonDict:
        user_id = as_int(spec.get("user_id", self.config["default_user_id"]))
        if user_id not in self.entities["CorporateUser"]:
            raise BadRequestBody("'user_id' must name a seeded CorporateUser")
        tokens = self.auth.mint(user_id, spec.get("client_id", CLIENT_ID), as_int(spec.get("expires_in")))
        minutes = None
        if spec.get("session_expires_in") is not None:
            minutes = float(spec["session_expires_in"]) / 60.0
        session = self._new_session(user_id, spec["_origin"], minutes)
        return {**token_response(tokens), **session}

    def expire(self, spec: JsonDict) -> JsonDict:
        token = spec.get("token")
        now_ms = self.clock.now_ms()
        if token and token in self.sessions:
            seconds = spec.get("session_expires_in")
            self.sessions[token]["sessionExpires"] = (
                now_ms - 1 if seconds is None else now_ms + int(float(seconds) * 1000)
            )
            return {"sessions": [token], "sessionExpires": self.sessions[token]["sessionExpires"]}
        if spec.get("revoke") and token:
            return {"revoked": self.auth.revoke(str(token))}
        expired = self.auth.expire(str(token) if token else None, every=bool(spec.get("all")))
        if spec.get("all"):
            for session in self.sessions.values():
                session["sessionExpires"] = now_ms - 1
        return {"expired": expired, "sessions": list(self.sessions) if spec.get("all") else []}

    # -- HTTP conventions ----------------------------------------------------------------------------------
    def credential(self, request: Request) -> str | None:
        return request.header("bhresttoken") or request.arg("BhRestToken")

    def rate_limit_headers(self, state: RateState) -> dict[str, str]:
        return {
            "ratelimit-limit": str(state.limit),
            "ratelimit-remaining": str(state.remaining),
            "ratelimit-reset": str(state.reset_seconds),
        }

    def rate_limited(self, state: RateState) -> Response:
        response = _bh_error(429, "Too many requests. Please retry later.", "errors.rateLimit.exceeded")
        response.headers["Retry-After"] = str(state.reset_seconds)
        return response

    def not_found(self, request: Request) -> Response:
        return _bh_error(404, f"No resource at {request.method} {request.path}", "errors.notFound")

    def bad_body(self, message: str) -> Response:
        return _bh_error(400, message, "errors.badRequest")

    # -- routes --------------------------------------------------------------------------------------------
    def register_routes(self) -> None:
        self.route("GET", "/oauth/authorize", self.authorize, limited=False)
        self.route("POST", "/oauth/token", self.token, limited=False)
        self.route("GET", "/rest-services/loginInfo", self.login_info, limited=False)
        self.route("POST", "/rest-services/login", self.login, limited=False)
        self.route("GET", "/rest-services/login", self.login, limited=False)
        rest = "/rest-services/{corp}"
        self.route("GET", f"{rest}/ping", self.ping)
        self.route("GET", f"{rest}/logout", self.logout)
        self.route("GET", f"{rest}/settings/{{names}}", self.settings)
        self.route("GET", f"{rest}/meta/{{entity}}", self.meta)
        self.route("GET", f"{rest}/search/{{entity}}", self.search)
        self.route("POST", f"{rest}/search/{{entity}}", self.search)
        self.route("GET", f"{rest}/query/{{entity}}", self.query)
        self.route("POST", f"{rest}/query/{{entity}}", self.query)
        self.route("PUT", f"{rest}/entity/{{entity}}", self.create_entity)
        self.route("GET", f"{rest}/entity/{{entity}}/{{id}}", self.get_entity)
        self.route("POST", f"{rest}/entity/{{entity}}/{{id}}", self.update_entity)
        self.route("DELETE", f"{rest}/entity/{{entity}}/{{id}}", self.delete_entity)

    # -- OAuth ---------------------------------------------------------------------------------------------
    def _login_page(self, message: str = "") -> Response:
        warning = f"<p class='error'>{html.escape(message)}</p>" if message else ""
        return Response.html(
            200,
            "<!doctype html><title>Bullhorn sandbox login</title><h1>Bullhorn sandbox</h1>"
            f"{warning}<form method='get'><input name='username'><input name='password' type='password'>"
            "<input type='hidden' name='action' value='Login'><button>Login</button></form>",
        )

    def authorize(self, request: Request) -> Response:
        client = self.auth.client(request.arg("client_id"))
        if client is None:
            return Response.json(400, {"error": "invalid_client", "error_description": "Invalid client id"})
        if (request.arg("response_type") or "code") != "code":
            return Response.json(
                400, {"error": "unsupported_response_type", "error_description": "code only"}
            )
        redirect_uri = request.arg("redirect_uri")
        if not redirect_uri:
            return Response.json(
                400, {"error": "invalid_request", "error_description": "redirect_uri is required"}
            )
        if client.redirect_uris and redirect_uri not in client.redirect_uris:
            return Response.json(
                400, {"error": "invalid_request", "error_description": "redirect_uri mismatch"}
            )
        if request.arg("action") == "Login":
            user = self._user_by_credentials(request.arg("username"), request.arg("password"))
            if user is None:
                return self._login_page("Invalid username or password")
            user_id = user["id"]
        else:
            user_id = as_int(request.arg("sandbox_user"))
            if user_id not in self.entities["CorporateUser"]:
                user_id = int(self.config["default_user_id"])
        code = self.auth.issue_code(client.client_id, redirect_uri, user_id)
        return Response.redirect(
            with_query(
                redirect_uri, {"code": code, "client_id": client.client_id, "state": request.arg("state")}
            )
        )

    def _user_by_credentials(self, username: str | None, password: str | None) -> JsonDict | None:
        for user in self.entities["CorporateUser"].values():
            if (
                user.get("username") == username
                and user.get("password") == password
                and not user.get("isDeleted")
            ):
                return user
        return None

    def token(self, request: Request) -> Response:
        params = request.params()
        try:
            client = self.auth.authenticate_client(params.get("client_id"), params.get("client_secret"))
            grant_type = params.get("grant_type")
            if grant_type == "authorization_code":
                tokens = self.auth.exchange_code(client, params.get("code"), params.get("redirect_uri"))
            elif grant_type == "refresh_token":
                tokens = self.auth.refresh(client, params.get("refresh_token"))
            else:
                raise OAuthError("unsupported_grant_type", f"Unsupported grant type: {grant_type}")
        except OAuthError as error:
            return Response.json(error.status, {"error": error.error, "error_description": error.description})
        return Response.json(200, token_response(tokens))

    def login_info(self, request: Request) -> Response:
        if not request.arg("username"):
            return _bh_error(400, "username is required")
        base = request.system_base
        return Response.json(
            200,
            {
                "identity": {"username": request.arg("username"), "swimlane": "sandbox"},
                "oauthUrl": f"{base}/oauth",
                "restUrl": f"{base}/rest-services",
                "atsUrl": base,
                "billingSyncUrl": base,
                "novoUrl": base,
            },
        )

    def login(self, request: Request) -> Response:
        if not request.arg("version"):
            return _bh_error(400, "Missing required parameter 'version'", "errors.missingParameter")
        user_id, _reason = self.auth.access_user(request.arg("access_token"))
        if user_id is None:
            return _bh_error(
                401, "Invalid or expired OAuth access token.", "errors.authentication.invalidAccessToken"
            )
        ttl = request.arg("ttl")
        minutes = float(ttl) if ttl and ttl.replace(".", "", 1).isdigit() else None
        session = self._new_session(user_id, request.origin, minutes)
        return Response.json(200, {"BhRestToken": session["BhRestToken"], "restUrl": session["restUrl"]})

    # -- REST helpers --------------------------------------------------------------------------------------
    def _session(self, request: Request) -> JsonDict:
        if request.path_params.get("corp") != CORP_TOKEN:
            raise _invalid_token()
        token = request.header("bhresttoken") or request.arg("BhRestToken")
        session = self.sessions.get(token or "")
        if session is None or session["sessionExpires"] <= self.clock.now_ms():
            raise _invalid_token()
        return session

    def _entity_type(self, request: Request, allowed: tuple[str, ...] | None = None) -> str:
        entity = request.path_params["entity"]
        if entity not in SCALARS:
            raise HttpError(_bh_error(404, f"Invalid entity type '{entity}'", "errors.invalidEntityType"))
        if allowed is not None and entity not in allowed:
            message = f"{request.method} is not supported for entity '{entity}' by the sandbox"
            raise HttpError(_bh_error(400, message, "errors.unsupportedOperation"))
        return entity

    def _find(self, entity: str, rid: Any) -> JsonDict | None:
        key = as_int(rid)
        if key is None:
            return None
        if entity == "Person":
            for person_type in PERSON_TYPES:
                if key in self.entities[person_type]:
                    return self.entities[person_type][key]
            return None
        return self.entities[entity].get(key)

    def _person_type(self, rid: int) -> str | None:
        for person_type in PERSON_TYPES:
            if rid in self.entities[person_type]:
                return person_type
        return None

    def _check_fields(self, entity: str, specs: list[FieldSpec]) -> None:
        known = SCALARS[entity] | set(TO_ONE.get(entity, {})) | set(TO_MANY.get(entity, {}))
        for spec in specs:
            if spec.name != "*" and spec.name not in known:
                raise HttpError(
                    _bh_error(
                        404, f"Invalid field '{spec.name}' for entity '{entity}'", "errors.invalidField"
                    )
                )

    def _render(self, entity: str, record: JsonDict, specs: list[FieldSpec]) -> JsonDict:
        if not specs:
            specs = [FieldSpec("id")]
        if any(s.name == "*" for s in specs):
            specs = [FieldSpec(name) for name in sorted(SCALARS[entity])] + [
                FieldSpec(name) for name in TO_ONE.get(entity, {})
            ]
        out: JsonDict = {"id": record["id"]}
        for spec in specs:
            name = spec.name
            if name in TO_ONE.get(entity, {}):
                out[name] = self._render_ref(TO_ONE[entity][name], record.get(name), spec.sub)
            elif name in TO_MANY.get(entity, {}):
                target = TO_MANY[entity][name]
                items = [
                    self._render_ref(target, {"id": rid}, spec.sub)
                    for rid in self._to_many(entity, record, name)
                ]
                out[name] = {"total": len(items), "data": [item for item in items if item is not None]}
            else:
                out[name] = record.get(name)
        return out

    def _render_ref(self, target: str, ref: Any, sub: list[FieldSpec] | None) -> JsonDict | None:
        if not isinstance(ref, dict) or ref.get("id") is None:
            return None
        rid = as_int(ref["id"])
        concrete = self._person_type(rid) if target == "Person" and rid is not None else target
        record = self._find(concrete, rid) if concrete else None
        if record is None or concrete is None:
            return {"id": rid}
        wanted = sub if sub else [FieldSpec(f) for f in DEFAULT_SUBFIELDS.get(concrete, ["id"])]
        self._check_fields(concrete, wanted)
        rendered = self._render(concrete, record, wanted)
        if target == "Person" and not sub:
            rendered["_subtype"] = concrete
        return rendered

    def _to_many(self, entity: str, record: JsonDict, name: str) -> list[int]:
        if entity == "Appointment" and name == "attendees":
            return [
                a["id"]
                for a in self.entities["AppointmentAttendee"].values()
                if (a.get("appointment") or {}).get("id") == record["id"] and not a.get("isDeleted")
            ]
        if entity == "ClientCorporation" and name == "clientContacts":
            return [
                c["id"]
                for c in self.entities["ClientContact"].values()
                if (c.get("clientCorporation") or {}).get("id") == record["id"]
            ]
        return [int(x) for x in record.get(name, [])]

    def _fields(self, request: Request, entity: str) -> list[FieldSpec] | None:
        body_fields = None
        if request.method == "POST" and request.content_type == "application/json":
            body = request.json()
            if isinstance(body, dict):
                body_fields = body.get("fields")
        text = request.arg("fields") or body_fields
        if not text:
            return None
        try:
            specs = parse_fields(str(text))
        except QuerySyntaxError as error:
            raise HttpError(_bh_error(400, str(error), "errors.invalidField")) from error
        self._check_fields(entity, specs)
        return specs

    def _paging(self, request: Request, default: int) -> tuple[int, int]:
        start = as_int(request.arg("start") or "0")
        count = as_int(request.arg("count") or str(default))
        if start is None or start < 0 or count is None or count < 0:
            raise HttpError(
                _bh_error(400, "start and count must be non-negative integers", "errors.badRequest")
            )
        return start, min(count, 500)

    @staticmethod
    def _order(records: list[JsonDict], order_by: str | None) -> list[JsonDict]:
        if not order_by:
            return sorted(records, key=lambda r: r["id"])
        for key in reversed([k.strip() for k in order_by.split(",") if k.strip()]):
            descending = key.startswith("-")
            name = key.lstrip("-+")

            def sort_key(record: JsonDict, field: str = name) -> tuple[bool, Any]:
                return record.get(field) is None, record.get(field) or 0

            records = sorted(records, key=sort_key, reverse=descending)
        return records

    # -- REST endpoints ------------------------------------------------------------------------------------
    def ping(self, request: Request) -> Response:
        session = self._session(request)
        return Response.json(200, {"sessionExpires": session["sessionExpires"]})

    def logout(self, request: Request) -> Response:
        self._session(request)
        token = request.header("bhresttoken") or request.arg("BhRestToken") or ""
        self.sessions.pop(token, None)
        return Response.json(200, {"logout": "OK"})

    def settings(self, request: Request) -> Response:
        self._session(request)
        values: JsonDict = {}
        for name in request.path_params["names"].split(","):
            if name == "commentActionList":
                values[name] = list(self.comment_actions)
            elif name == "corporationId":
                values[name] = 1
            elif name == "userId":
                values[name] = self._session(request)["user_id"]
            else:
                return _bh_error(400, f"Invalid setting '{name}'", "errors.invalidSetting")
        return Response.json(200, values)

    def meta(self, request: Request) -> Response:
        self._session(request)
        entity = self._entity_type(request)
        specs = self._fields(request, entity) or [FieldSpec(n) for n in sorted(SCALARS[entity])]
        fields = []
        for spec in specs:
            field: JsonDict = {
                "name": spec.name,
                "type": "SCALAR",
                "dataType": "String",
                "optional": True,
                "label": spec.name[:1].upper() + spec.name[1:],
            }
            if spec.name == "id":
                field["dataType"] = "Integer"
            if spec.name == "status" and entity in self.statuses:
                field["options"] = [{"value": v, "label": v} for v in self.statuses[entity]]
            if spec.name in TO_ONE.get(entity, {}):
                field.update({"type": "TO_ONE", "associatedEntity": {"entity": TO_ONE[entity][spec.name]}})
                field.pop("dataType")
            fields.append(field)
        return Response.json(
            200,
            {
                "entity": entity,
                "entityMetaUrl": f"{request.system_base}/rest-services/{CORP_TOKEN}/meta/{entity}",
                "label": entity,
                "fields": fields,
            },
        )

    def search(self, request: Request) -> Response:
        self._session(request)
        entity = self._entity_type(
            request, ("ClientContact", "Candidate", "Lead", "ClientCorporation", "Note", "CorporateUser")
        )
        query = request.arg("query")
        if query is None and request.method == "POST":
            body = request.json()
            if isinstance(body, dict):
                query = body.get("query")
        if not query or not str(query).strip():
            return _bh_error(400, "Missing required parameter 'query'", "errors.missingParameter")
        try:
            predicate = lucene_predicate(str(query))
        except QuerySyntaxError as error:
            return _bh_error(400, f"Invalid query: {error}", "errors.invalidQuery")
        specs = self._fields(request, entity)
        start, count = self._paging(request, 20)
        matches = self._order(
            [r for r in self.entities[entity].values() if predicate(r)], request.arg("sort")
        )
        page = matches[start : start + count]
        if specs is None:
            data: list[Any] = [r["id"] for r in page]
        else:
            data = [{**self._render(entity, r, specs), "_score": 1.0} for r in page]
        return Response.json(200, {"total": len(matches), "start": start, "count": len(page), "data": data})

    def query(self, request: Request) -> Response:
        self._session(request)
        entity = self._entity_type(request)
        where = request.arg("where")
        if where is None and request.method == "POST":
            body = request.json()
            if isinstance(body, dict):
                where = body.get("where")
        if not where:
            return _bh_error(400, "Missing required parameter 'where'", "errors.missingParameter")
        try:
            predicate = where_predicate(str(where))
        except QuerySyntaxError as error:
            return _bh_error(400, f"Invalid where clause: {error}", "errors.invalidQuery")
        specs = self._fields(request, entity)
        if specs is None:
            return _bh_error(
                400, "Missing required parameter 'fields' or 'layout'", "errors.missingParameter"
            )
        start, count = self._paging(request, int(self.config["query_page_size"]))
        matches = self._order(
            [r for r in self.entities[entity].values() if predicate(r)], request.arg("orderBy")
        )
        page = matches[start : start + count]
        return Response.json(
            200, {"start": start, "count": len(page), "data": [self._render(entity, r, specs) for r in page]}
        )

    def get_entity(self, request: Request) -> Response:
        self._session(request)
        entity = self._entity_type(request)
        record = self._find(entity, request.path_params["id"])
        if record is None:
            return self._entity_not_found(entity, request.path_params["id"])
        specs = self._fields(request, entity) or [FieldSpec("id")]
        return Response.json(200, {"data": self._render(entity, record, specs)})

    @staticmethod
    def _entity_not_found(entity: str, rid: str) -> Response:
        return _bh_error(404, f"Cannot find entity of type '{entity}' with id {rid}", "errors.entityNotFound")

    # -- writes --------------------------------------------------------------------------------------------
    def _ref(
        self, entity: str, body: JsonDict, name: str, target: str, required: bool = False
    ) -> JsonDict | None:
        value = body.get(name)
        if value is None:
            if required:
                raise _persist_error(entity, name, "MISSING_VALUE")
            return None
        rid = as_int(value.get("id")) if isinstance(value, dict) else None
        if rid is None:
            raise _persist_error(entity, name, "INVALID_VALUE", f"{name}.id must be a number")
        if target == "Person":
            subtype = value.get("personSubtype") or value.get("_subtype")
            concrete = SUBTYPE_ALIASES.get(str(subtype)) if subtype else self._person_type(rid)
            if subtype and concrete is None:
                raise _persist_error(entity, name, "INVALID_VALUE", f"unknown personSubtype {subtype}")
            if concrete is None or rid not in self.entities[concrete]:
                raise _persist_error(entity, name, "INVALID_VALUE", f"no person with id {rid}")
            return {"id": rid, "_subtype": concrete}
        if rid not in self.entities[target]:
            raise _persist_error(entity, name, "INVALID_VALUE", f"no {target} with id {rid}")
        return {"id": rid}

    def _apply(self, entity: str, record: JsonDict, body: JsonDict, creating: bool) -> None:
        known = SCALARS[entity] | set(TO_ONE.get(entity, {}))
        for key, value in body.items():
            if key == "id":
                continue
            if key not in known:
                raise _persist_error(entity, key, "INVALID_FIELD", f"'{key}' is not a field of {entity}")
            if key in TO_ONE.get(entity, {}):
                record[key] = self._ref(entity, body, key, TO_ONE[entity][key])
            elif key in (
                "dateAdded",
                "dateBegin",
                "dateEnd",
                "dateLastVisit",
                "dateLastComment",
                "dateLastModified",
            ):
                parsed = parse_time(value) if value is not None else None
                if value is not None and parsed is None:
                    raise _persist_error(
                        entity, key, "INVALID_VALUE", "expected epoch milliseconds or ISO-8601"
                    )
                record[key] = None if parsed is None else round(parsed * 1000)
            elif key == "minutesSpent":
                if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                    raise _persist_error(entity, key, "INVALID_VALUE", "minutesSpent must be numeric")
                record[key] = value
            elif key in ("isDeleted", "isPrivate", "enabled"):
                if not isinstance(value, bool):
                    raise _persist_error(entity, key, "INVALID_VALUE", f"{key} must be a boolean")
                record[key] = value
            else:
                record[key] = value
        if entity in PERSON_TYPES and ("firstName" in body or "lastName" in body) and "name" not in body:
            record["name"] = f"{record.get('firstName') or ''} {record.get('lastName') or ''}".strip()
        record["dateLastModified"] = self.clock.now_ms()

    def create_entity(self, request: Request) -> Response:
        session = self._session(request)
        entity = self._entity_type(
            request,
            (
                "Lead",
                "Candidate",
                "ClientContact",
                "ClientCorporation",
                "Note",
                "Appointment",
                "AppointmentAttendee",
            ),
        )
        body = request.json_object()
        now_ms = self.clock.now_ms()
        record: JsonDict = {"isDeleted": False, "dateAdded": now_ms}
        if entity == "ClientCorporation" and not str(body.get("name") or "").strip():
            raise _persist_error(entity, "name", "MISSING_VALUE")
        if entity == "ClientContact":
            self._ref(entity, body, "clientCorporation", "ClientCorporation", required=True)
        if entity == "Note":
            self._ref(entity, body, "personReference", "Person", required=True)
            record["commentingPerson"] = {"id": session["user_id"]}
        if entity == "AppointmentAttendee":
            self._ref(entity, body, "appointment", "Appointment", required=True)
            self._ref(entity, body, "attendee", "Person", required=True)
            record["acceptanceStatus"] = 0
        if entity == "Appointment":
            record.update(
                {
                    "owner": {"id": session["user_id"]},
                    "isPrivate": False,
                    "subject": None,
                    "dateBegin": now_ms,
                    "dateEnd": now_ms + 900_000,
                }
            )
        if entity in PERSON_TYPES:
            record.update(
                {
                    "firstName": None,
                    "lastName": None,
                    "phone": None,
                    "status": None,
                    "owner": {"id": session["user_id"]},
                }
            )
        self._apply(entity, record, body, creating=True)
        if entity == "Note":
            person = record["personReference"]
            association = {"ClientContact": "clientContacts", "Candidate": "candidates", "Lead": "leads"}
            record.setdefault("candidates", [])
            record.setdefault("clientContacts", [])
            record.setdefault("leads", [])
            if person["_subtype"] in association:
                record[association[person["_subtype"]]].append(person["id"])
            record.setdefault("minutesSpent", None)
        if entity == "Appointment" and (record.get("dateEnd") or 0) < (record.get("dateBegin") or 0):
            raise _persist_error(entity, "dateEnd", "INVALID_VALUE", "dateEnd is before dateBegin")
        rid = self.ids.next(self._sequence(entity))
        record["id"] = rid
        self.entities[entity][rid] = record
        return Response.json(
            200,
            {
                "changedEntityType": entity,
                "changedEntityId": rid,
                "changeType": "INSERT",
                "data": self._render(entity, record, [FieldSpec(n) for n in sorted(body) if n != "id"]),
            },
        )

    def _note_edit_denied(self, user_id: int) -> bool:
        denied = self.config["note_edit_denied"]
        if isinstance(denied, list):
            return user_id in [as_int(x) for x in denied]
        return bool(denied)

    def update_entity(self, request: Request) -> Response:
        session = self._session(request)
        entity = self._entity_type(request)
        record = self._find(entity, request.path_params["id"])
        if record is None:
            return self._entity_not_found(entity, request.path_params["id"])
        body = request.json_object()
        if entity == "Note" and self._note_edit_denied(session["user_id"]):
            user = self.entities["CorporateUser"].get(session["user_id"], {})
            return _bh_error(
                403,
                f"User '{user.get('username', session['user_id'])}' does not have permission to edit Note",
                "errors.permissions",
            )
        if entity == "Note":
            unknown = set(body) - NOTE_UPDATABLE
            if unknown:
                raise _persist_error(entity, sorted(unknown)[0], "INVALID_FIELD", "not updatable")
        updated = dict(record)
        self._apply(entity, updated, body, creating=False)
        record.clear()
        record.update(updated)
        return Response.json(
            200,
            {
                "changedEntityType": entity,
                "changedEntityId": record["id"],
                "changeType": "UPDATE",
                "data": self._render(entity, record, [FieldSpec(n) for n in sorted(body) if n != "id"]),
            },
        )

    def delete_entity(self, request: Request) -> Response:
        self._session(request)
        entity = self._entity_type(request)
        rid = as_int(request.path_params["id"])
        record = self._find(entity, rid)
        if record is None or rid is None:
            return self._entity_not_found(entity, request.path_params["id"])
        if entity == "AppointmentAttendee":
            del self.entities[entity][rid]
        else:
            record["isDeleted"] = True
        return Response.json(
            200, {"changedEntityType": entity, "changedEntityId": rid, "changeType": "DELETE"}
        )
