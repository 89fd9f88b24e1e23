"""Sandbox Pipedrive: OAuth (authorize, token, revoke) and the v1/v2 REST endpoints the connector uses.

Paths mirror the real hosts: ``/oauth/...`` is ``oauth.pipedrive.com``; ``/v1/...`` is the global
``api.pipedrive.com``; ``/api/v1/...`` and ``/api/v2/...`` are the company host (``{company}.pipedrive.com``).
All of them live under one prefix, so one base URL serves every Pipedrive host; ``/c/{host}/api/...`` is
accepted too, so a company URL template such as ``{base}/c/{hostname}`` keeps the user's hostname visible.
"""

from __future__ import annotations

import base64
import re
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

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
    digits,
    iso_utc,
    parse_time,
    with_query,
)
from local.sandbox.oauth import OAuthError, OAuthServer, token_response

CLIENT_ID = "sandbox-pipedrive-client"
CLIENT_SECRET = "sandbox-pipedrive-secret"
ERROR_INFO = "Please check developers.pipedrive.com for more information about Pipedrive API."
SEARCH_FIELDS = {"name", "email", "phone", "notes", "custom_fields"}
T0 = 1782900000.0  # 2026-07-01T10:00:00Z: seed records' add_time


def _t(hours: float) -> float:
    return T0 + hours * 3600


SEED: JsonDict = {
    "company": {"id": 7001, "name": "Sandbox Realty Ltd", "domain": "sandbox"},
    "users": [
        {
            "id": 12345,
            "name": "Jordan Lee",
            "email": "jordan.lee@sandbox.example",
            "timezone_name": "America/New_York",
            "timezone_offset": "-04:00",
            "is_admin": True,
        },
        {
            "id": 12346,
            "name": "Riley Chen",
            "email": "riley.chen@sandbox.example",
            "timezone_name": "Europe/London",
            "timezone_offset": "+01:00",
        },
        {
            "id": 12347,
            "name": "Former Employee",
            "email": "former@sandbox.example",
            "timezone_name": "UTC",
            "timezone_offset": "+00:00",
            "active_flag": False,
            "is_deleted": True,
        },
    ],
    "organizations": [
        {"id": 201, "name": "Acme Logistics", "address": "1 Market St, San Francisco"},
        {"id": 202, "name": "Globex Health", "address": None},
    ],
    "persons": [
        {
            "id": 101,
            "name": "Maya Patel",
            "org_id": 201,
            "add_time": _t(0),
            "update_time": _t(26),
            "phones": [{"value": "(415) 555-0142", "primary": True, "label": "work"}],
            "emails": [{"value": "maya.patel@acme.example", "primary": True, "label": "work"}],
        },
        {
            "id": 102,
            "name": "John Doe",
            "org_id": 201,
            "add_time": _t(1),
            "update_time": _t(2),
            "phones": [{"value": "415.555.1234", "primary": True, "label": "work"}],
        },
        {
            "id": 103,
            "name": "Priya Sharma",
            "org_id": 202,
            "add_time": _t(2),
            "update_time": _t(3),
            "phones": [{"value": "+44 20 7946 0958", "primary": True, "label": "work"}],
        },
        {
            "id": 104,
            "name": "Lucas Martin",
            "org_id": None,
            "add_time": _t(3),
            "update_time": _t(4),
            "phones": [
                {"value": "+1 415 555 0199", "primary": True, "label": "work"},
                {"value": "+33 6 12 34 56 78", "primary": False, "label": "mobile"},
            ],
        },
        {
            "id": 105,
            "name": "Sam Patel",
            "org_id": None,
            "add_time": _t(4),
            "update_time": _t(5),
            "phones": [{"value": "4155550142", "primary": True, "label": "home"}],
        },
        {
            "id": 106,
            "name": "Siobhán O'Connor",
            "org_id": 202,
            "add_time": _t(5),
            "update_time": _t(6),
            "phones": [{"value": "+353 1 555 0101", "primary": True, "label": "work"}],
        },
    ],
    "deals": [
        {"id": 2001, "title": "Acme renewal 2026", "person_id": 101, "org_id": 201, "status": "open"},
        {"id": 2002, "title": "Acme expansion", "person_id": 101, "org_id": 201, "status": "won"},
        {"id": 2003, "title": "John Doe pilot", "person_id": 102, "org_id": 201, "status": "open"},
    ],
    "leads": [
        {
            "id": "6f9d3c1e-0000-4000-8000-000000000301",
            "title": "Maya Patel inbound lead",
            "person_id": 101,
            "organization_id": 201,
        },
        {
            "id": "6f9d3c1e-0000-4000-8000-000000000302",
            "title": "John Doe old lead",
            "person_id": 102,
            "organization_id": None,
            "is_archived": True,
        },
    ],
    "activity_types": [
        {"id": 1, "name": "Call", "key_string": "call", "icon_key": "call", "order_nr": 1},
        {"id": 2, "name": "Meeting", "key_string": "meeting", "icon_key": "meeting", "order_nr": 2},
        {"id": 3, "name": "Task", "key_string": "task", "icon_key": "task", "order_nr": 3},
        {
            "id": 4,
            "name": "SMS",
            "key_string": "sms",
            "icon_key": "sms",
            "order_nr": 4,
            "is_custom_flag": True,
        },
        {"id": 5, "name": "Email", "key_string": "email", "icon_key": "email", "order_nr": 5},
        {
            "id": 6,
            "name": "Old call type",
            "key_string": "old_call",
            "icon_key": "call",
            "order_nr": 6,
            "active_flag": False,
            "is_custom_flag": True,
        },
    ],
    "activities": [
        {
            "id": 5001,
            "subject": "Intro call with Maya",
            "type": "call",
            "owner_id": 12345,
            "deal_id": 2001,
            "participants": [{"person_id": 101, "primary": True}],
            "org_id": 201,
            "due_date": "2026-07-01",
            "due_time": "15:00",
            "duration": "00:10",
            "done": True,
            "note": "<b>Agent notes</b><br>Asked about renewal<br><br><b>Call details</b><br><ul></ul>",
        },
    ],
}

ACTIVITY_FIELDS = (
    "subject",
    "type",
    "owner_id",
    "deal_id",
    "lead_id",
    "org_id",
    "participants",
    "due_date",
    "due_time",
    "duration",
    "done",
    "note",
    "busy",
    "location",
    "public_description",
    "priority",
)


def _pd_error(status: int, message: str) -> Response:
    return Response.json(
        status,
        {
            "success": False,
            "error": message,
            "errorCode": status,
            "error_info": ERROR_INFO,
            "data": None,
            "additional_data": None,
        },
    )


def _v1_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise HttpError(_pd_error(400, "Invalid cursor")) from exc
    match = re.fullmatch(r"offset:(\d+)", text)
    if not match:
        raise HttpError(_pd_error(400, "Invalid cursor"))
    return int(match.group(1))


def _limit(request: Request, default: int = 100) -> int:
    raw = request.arg("limit")
    if raw in (None, ""):
        return default
    value = as_int(raw)
    if value is None or not 1 <= value <= 500:
        raise HttpError(_pd_error(400, "limit must be an integer between 1 and 500"))
    return value


class PipedriveSandbox(Sandbox):
    name = "pipedrive"
    default_rate_limit = (1000, 2.0)
    default_config: ClassVar[JsonDict] = {
        "access_ttl": 3599,
        "refresh_token_rotation": "rotate",
        "related_objects": False,
        "search_item_times": False,
        "default_user_id": 12345,
    }

    def __init__(self) -> None:
        self.ids = Ids(
            {
                "persons": 1001,
                "activities": 9001,
                "organizations": 301,
                "deals": 2101,
                "users": 12400,
                "activity_types": 20,
            }
        )
        self.tokens = Tokens(self.name)
        self.company: JsonDict = {}
        self.users: dict[int, JsonDict] = {}
        self.organizations: dict[int, JsonDict] = {}
        self.persons: dict[int, JsonDict] = {}
        self.deals: dict[int, JsonDict] = {}
        self.leads: dict[str, JsonDict] = {}
        self.activity_types: dict[int, JsonDict] = {}
        self.activities: dict[int, JsonDict] = {}
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
        self.company = {}
        self.users, self.organizations, self.persons, self.deals = {}, {}, {}, {}
        self.leads, self.activity_types, self.activities = {}, {}, {}
        self.oauth = OAuthServer(
            self.tokens, self.clock, access_ttl=int(self.config["access_ttl"]), scope="base"
        )

    def load_default_state(self) -> None:
        self.seed(copy_json(SEED))
        self.auth.add_client(CLIENT_ID, CLIENT_SECRET)

    def configure(self, updates: JsonDict) -> JsonDict:
        result = super().configure(updates)
        self.auth.access_ttl = int(self.config["access_ttl"])
        self.auth.rotation = str(self.config["refresh_token_rotation"])
        return result

    def _id(self, collection: str, record: JsonDict) -> int:
        value = as_int(record.get("id"))
        if value is None:
            return self.ids.next(collection)
        self.ids.bump_past(collection, value)
        return value

    def seed(self, data: JsonDict) -> JsonDict:
        now = self.clock.now()
        assigned: dict[str, list[Any]] = {}
        if "company" in data:
            self.company = {"id": 7001, "name": "Sandbox Company", "domain": "sandbox", **data["company"]}
        for user in data.get("users", []):
            uid = self._id("users", user)
            self.users[uid] = {
                "name": f"User {uid}",
                "email": f"user{uid}@sandbox.example",
                "timezone_name": "UTC",
                "timezone_offset": "+00:00",
                "active_flag": True,
                "is_deleted": False,
                "is_admin": False,
                **user,
                "id": uid,
            }
            assigned.setdefault("users", []).append(uid)
        for org in data.get("organizations", []):
            oid = self._id("organizations", org)
            self.organizations[oid] = {"name": f"Organization {oid}", "address": None, **org, "id": oid}
            assigned.setdefault("organizations", []).append(oid)
        for person in data.get("persons", []):
            pid = self._id("persons", person)
            record = {
                "org_id": None,
                "owner_id": self.config["default_user_id"],
                "emails": [],
                "notes": "",
                "add_time": now,
                "update_time": now,
                **person,
                "id": pid,
            }
            record["phones"] = self._phones(person.get("phones", person.get("phone", [])))
            record["add_time"] = parse_time(record["add_time"]) or now
            record["update_time"] = parse_time(record["update_time"]) or record["add_time"]
            self.persons[pid] = record
            assigned.setdefault("persons", []).append(pid)
        for deal in data.get("deals", []):
            did = self._id("deals", deal)
            self.deals[did] = {
                "title": f"Deal {did}",
                "person_id": None,
                "org_id": None,
                "status": "open",
                "value": 0,
                "currency": "USD",
                "owner_id": self.config["default_user_id"],
                "add_time": T0,
                "update_time": T0,
                **deal,
                "id": did,
            }
            assigned.setdefault("deals", []).append(did)
        for lead in data.get("leads", []):
            lid = str(
                lead.get("id")
                or uuid.UUID(int=0x6F9D3C1E_0000_4000_8000_000000000000 + self.ids.next("leads"))
            )
            self.leads[lid] = {
                "title": "Lead",
                "person_id": None,
                "organization_id": None,
                "is_archived": False,
                "owner_id": self.config["default_user_id"],
                "add_time": T0,
                "update_time": T0,
                **lead,
                "id": lid,
            }
            assigned.setdefault("leads", []).append(lid)
        for activity_type in data.get("activity_types", []):
            tid = self._id("activity_types", activity_type)
            self.activity_types[tid] = {
                "active_flag": True,
                "is_custom_flag": False,
                "order_nr": tid,
                "icon_key": "task",
                "color": None,
                **activity_type,
                "id": tid,
            }
            assigned.setdefault("activity_types", []).append(tid)
        for activity in data.get("activities", []):
            aid = self._id("activities", activity)
            record = self._new_activity(aid, self.config["default_user_id"], now)
            record.update({k: v for k, v in activity.items() if k != "id"})
            record["person_id"] = self._primary_person(record.get("participants") or [])
            self.activities[aid] = record
            assigned.setdefault("activities", []).append(aid)
        for client in data.get("clients", []):
            self.auth.add_client(client["client_id"], client["client_secret"], client.get("redirect_uris"))
            assigned.setdefault("clients", []).append(client["client_id"])
        return assigned

    def dump(self, collection: str | None) -> JsonDict:
        state: JsonDict = {
            "company": self.company,
            "users": list(self.users.values()),
            "organizations": list(self.organizations.values()),
            "persons": [self._person_v2(p) for p in self.persons.values()],
            "deals": [self._deal(d) for d in self.deals.values()],
            "leads": [self._lead(lead) for lead in self.leads.values()],
            "activity_types": list(self.activity_types.values()),
            "activities": [self._activity(a) for a in self.activities.values()],
            "oauth": self.auth.describe(),
        }
        return {collection: state.get(collection)} if collection else state

    def mint(self, spec: JsonDict) -> JsonDict:
        user_id = as_int(spec.get("user_id", self.config["default_user_id"]))
        if user_id not in self.users:
            raise BadRequestBody("'user_id' must name a seeded user")
        tokens = self.auth.mint(user_id, spec.get("client_id", CLIENT_ID), as_int(spec.get("expires_in")))
        return token_response(tokens, scope="base", api_domain=f"{spec['_origin']}/{self.name}")

    def expire(self, spec: JsonDict) -> JsonDict:
        token = spec.get("token")
        if spec.get("revoke") and token:
            return {"revoked": self.auth.revoke(str(token))}
        return {"expired": self.auth.expire(str(token) if token else None, every=bool(spec.get("all")))}

    # -- HTTP conventions ----------------------------------------------------------------------------------
    def rate_limit_headers(self, state: RateState) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(state.limit),
            "x-ratelimit-remaining": str(state.remaining),
            "x-ratelimit-reset": str(state.reset_seconds),
        }

    def rate_limited(self, state: RateState) -> Response:
        response = _pd_error(429, "Request over limit")
        response.headers["Retry-After"] = str(state.reset_seconds)
        return response

    def normalise_path(self, path: str) -> str:
        # `/c/{company host}/api/...` is the company host, so PIPEDRIVE_COMPANY_URL may keep `{hostname}`.
        return re.sub(r"^/c/[^/]+(?=/)", "", path)

    def not_found(self, request: Request) -> Response:
        return _pd_error(404, f"Unknown method {request.method} {request.path}")

    def bad_body(self, message: str) -> Response:
        return _pd_error(400, message)

    # -- routes --------------------------------------------------------------------------------------------
    def register_routes(self) -> None:
        self.route("GET", "/oauth/authorize", self.authorize, limited=False)
        self.route("POST", "/oauth/token", self.token, limited=False)
        self.route("POST", "/oauth/revoke", self.revoke, limited=False)
        for prefix in ("/v1", "/api/v1"):
            self.route("GET", f"{prefix}/users/me", self.users_me)
            self.route("GET", f"{prefix}/users", self.users_list)
            self.route("GET", f"{prefix}/activityTypes", self.activity_types_list)
            self.route("POST", f"{prefix}/persons", self.create_person)
            self.route("GET", f"{prefix}/leads", self.leads_list)
        self.route("GET", "/api/v2/persons/search", self.search_persons)
        self.route("GET", "/api/v2/persons/{id}", self.get_person)
        self.route("GET", "/api/v2/deals", self.deals_list)
        self.route("GET", "/api/v2/activities", self.activities_list)
        self.route("POST", "/api/v2/activities", self.create_activity)
        self.route("GET", "/api/v2/activities/{id}", self.get_activity)
        self.route("PATCH", "/api/v2/activities/{id}", self.update_activity)

    # -- auth ----------------------------------------------------------------------------------------------
    def _user(self, request: Request) -> JsonDict:
        user_id, _reason = self.auth.access_user(request.bearer_token())
        if user_id is None or user_id not in self.users:
            raise HttpError(_pd_error(401, "unauthorized access"))
        return self.users[user_id]

    def _client(self, request: Request, params: dict[str, str]) -> Any:
        basic = request.basic_auth()
        client_id, secret = basic if basic else (params.get("client_id"), params.get("client_secret"))
        return self.auth.authenticate_client(client_id, secret)

    @staticmethod
    def _oauth_error(error: OAuthError) -> Response:
        labels = {
            "invalid_grant": "Invalid grant",
            "invalid_client": "Invalid client",
            "invalid_request": "Invalid request",
            "unsupported_grant_type": "Unsupported grant type",
        }
        message = f"{labels.get(error.error, error.error)}: {error.description}"
        return Response.json(error.status, {"success": False, "error": error.error, "message": message})

    def authorize(self, request: Request) -> Response:
        client = self.auth.client(request.arg("client_id"))
        redirect_uri = request.arg("redirect_uri")
        if client is None:
            return Response.html(400, "<h1>Invalid client: client is invalid</h1>")
        try:
            self.auth.check_redirect(client, redirect_uri)
        except OAuthError as error:
            return Response.html(400, f"<h1>{error.description}</h1>")
        assert redirect_uri is not None
        user_id = as_int(request.arg("sandbox_user"))
        if user_id not in self.users:
            user_id = int(self.config["default_user_id"])
        code = self.auth.issue_code(client.client_id, redirect_uri, user_id)
        return Response.redirect(with_query(redirect_uri, {"code": code, "state": request.arg("state")}))

    def token(self, request: Request) -> Response:
        try:
            if request.content_type != "application/x-www-form-urlencoded":
                raise OAuthError("invalid_request", "content must be application/x-www-form-urlencoded")
            params = request.form()
            client = self._client(request, params)
            grant_type = params.get("grant_type")
            if not grant_type:
                raise OAuthError("invalid_request", "Missing parameter: grant_type")
            if grant_type == "authorization_code":
                self.auth.check_redirect(client, params.get("redirect_uri"))
                tokens = self.auth.exchange_code(client, params.get("code"), params.get("redirect_uri"))
            elif grant_type == "refresh_token":
                tokens = self.auth.refresh(client, params.get("refresh_token"))
            else:
                raise OAuthError("unsupported_grant_type", "grant_type is invalid")
        except OAuthError as error:
            return self._oauth_error(error)
        return Response.json(200, token_response(tokens, scope="base", api_domain=request.system_base))

    def revoke(self, request: Request) -> Response:
        try:
            if request.content_type != "application/x-www-form-urlencoded":
                raise OAuthError("invalid_request", "content must be application/x-www-form-urlencoded")
            params = request.form()
            self._client(request, params)
            if not params.get("token"):
                raise OAuthError("invalid_request", "Missing parameter: token")
        except OAuthError as error:
            return self._oauth_error(error)
        self.auth.revoke(params["token"])
        return Response.json(200, {})

    # -- users and types -----------------------------------------------------------------------------------
    def users_me(self, request: Request) -> Response:
        user = self._user(request)
        company = self.company
        return Response.json(
            200,
            {
                "success": True,
                "data": {
                    "id": user["id"],
                    "name": user["name"],
                    "email": user["email"],
                    "lang": 1,
                    "locale": "en_US",
                    "timezone_name": user["timezone_name"],
                    "timezone_offset": user["timezone_offset"],
                    "default_currency": "USD",
                    "icon_url": None,
                    "active_flag": user["active_flag"],
                    "is_admin": 1 if user.get("is_admin") else 0,
                    "role_id": 1,
                    "is_you": True,
                    "phone": None,
                    "company_id": company["id"],
                    "company_name": company["name"],
                    "company_domain": company["domain"],
                    "company_country": "US",
                    "language": {"language_code": "en", "country_code": "US"},
                },
            },
        )

    def users_list(self, request: Request) -> Response:
        self._user(request)
        data = [
            {
                "id": u["id"],
                "name": u["name"],
                "email": u["email"],
                "active_flag": u["active_flag"],
                "is_deleted": u["is_deleted"],
                "is_admin": 1 if u.get("is_admin") else 0,
                "timezone_name": u["timezone_name"],
                "timezone_offset": u["timezone_offset"],
            }
            for u in self.users.values()
        ]
        return Response.json(200, {"success": True, "data": data})

    def activity_types_list(self, request: Request) -> Response:
        self._user(request)
        data = sorted(self.activity_types.values(), key=lambda t: (t["order_nr"], t["id"]))
        return Response.json(200, {"success": True, "data": data})

    # -- persons -------------------------------------------------------------------------------------------
    @staticmethod
    def _phones(value: Any) -> list[JsonDict]:
        if value is None or value == "":
            return []
        items = value if isinstance(value, list) else [value]
        phones: list[JsonDict] = []
        for item in items:
            if isinstance(item, str):
                phones.append({"value": item, "primary": not phones, "label": ""})
            elif isinstance(item, dict) and isinstance(item.get("value"), str):
                primary = item.get("primary")
                phones.append(
                    {
                        "value": item["value"],
                        "primary": (primary in (True, "true")) if primary is not None else not phones,
                        "label": str(item.get("label") or ""),
                    }
                )
            else:
                raise HttpError(
                    _pd_error(400, "phone must be a string, a list of strings or of {value, primary, label}")
                )
        return phones

    def _org_ref(self, org_id: Any) -> JsonDict | None:
        org = self.organizations.get(org_id) if org_id is not None else None
        if org is None:
            return None
        return {"id": org["id"], "name": org["name"], "address": org.get("address")}

    def _person_v2(self, person: JsonDict) -> JsonDict:
        first, _, last = person["name"].partition(" ")
        return {
            "id": person["id"],
            "name": person["name"],
            "first_name": first,
            "last_name": last,
            "owner_id": person["owner_id"],
            "org_id": person["org_id"],
            "add_time": iso_utc(person["add_time"]),
            "update_time": iso_utc(person["update_time"]),
            "emails": person["emails"],
            "phones": person["phones"],
            "is_deleted": False,
            "visible_to": 3,
            "label_ids": [],
            "picture_id": None,
            "custom_fields": {},
        }

    def create_person(self, request: Request) -> Response:
        user = self._user(request)
        body = request.json_object()
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            return _pd_error(400, "Name must be given.")
        org_id = body.get("org_id")
        if org_id is not None and as_int(org_id) not in self.organizations:
            return _pd_error(400, "Organization not found.")
        owner_id = as_int(body.get("owner_id")) if body.get("owner_id") is not None else user["id"]
        if owner_id not in self.users:
            return _pd_error(400, "Owner not found.")
        now = self.clock.now()
        pid = self.ids.next("persons")
        emails = self._phones(body.get("email", []))
        person: JsonDict = {
            "id": pid,
            "name": name.strip(),
            "org_id": as_int(org_id) if org_id is not None else None,
            "owner_id": owner_id,
            "phones": self._phones(body.get("phone", [])),
            "emails": emails,
            "notes": "",
            "add_time": now,
            "update_time": now,
        }
        self.persons[pid] = person
        first, _, last = person["name"].partition(" ")
        owner = self.users[owner_id]
        org = self.organizations.get(person["org_id"]) if person["org_id"] is not None else None
        data = {
            "id": pid,
            "company_id": self.company["id"],
            "active_flag": True,
            "name": person["name"],
            "first_name": first,
            "last_name": last,
            "owner_id": {"id": owner_id, "name": owner["name"], "email": owner["email"], "value": owner_id},
            "org_id": {"name": org["name"], "value": org["id"]} if org else None,
            "phone": person["phones"] or [{"value": "", "primary": True}],
            "email": emails or [{"value": "", "primary": True}],
            "add_time": _v1_time(now),
            "update_time": _v1_time(now),
            "visible_to": "3",
        }
        return Response.json(201, {"success": True, "data": data, "related_objects": {}})

    def get_person(self, request: Request) -> Response:
        self._user(request)
        pid = as_int(request.path_params["id"])
        if pid is None:
            return _pd_error(400, "id must be an integer")
        person = self.persons.get(pid)
        if person is None:
            return _pd_error(404, "Person not found")
        return Response.json(200, {"success": True, "data": self._person_v2(person)})

    def search_persons(self, request: Request) -> Response:
        self._user(request)
        term = (request.arg("term") or "").strip()
        exact = (request.arg("exact_match") or "").lower() in ("true", "1")
        if not term:
            return _pd_error(400, "Missing required parameter: term")
        if len(term) < (1 if exact else 2):
            return _pd_error(400, "Search term must be at least 2 characters long")
        fields_arg = request.arg("fields")
        fields = {f.strip() for f in fields_arg.split(",") if f.strip()} if fields_arg else set(SEARCH_FIELDS)
        if not fields <= SEARCH_FIELDS:
            return _pd_error(400, f"Invalid fields: {', '.join(sorted(fields - SEARCH_FIELDS))}")
        org_filter = as_int(request.arg("organization_id")) if request.arg("organization_id") else None
        limit = _limit(request)
        offset = _decode_cursor(request.arg("cursor"))
        hits = []
        for person in sorted(self.persons.values(), key=lambda p: p["id"]):
            if org_filter is not None and person["org_id"] != org_filter:
                continue
            score = self._person_score(person, term, fields, exact)
            if score:
                hits.append((score, person))
        page = hits[offset : offset + limit]
        items = [{"result_score": score, "item": self._search_item(person)} for score, person in page]
        next_cursor = _encode_cursor(offset + limit) if offset + limit < len(hits) else None
        return Response.json(
            200, {"success": True, "data": {"items": items}, "additional_data": {"next_cursor": next_cursor}}
        )

    @staticmethod
    def _person_score(person: JsonDict, term: str, fields: set[str], exact: bool) -> float:
        lowered = term.lower()
        if "name" in fields:
            name = person["name"].lower()
            if name == lowered:
                return 1.0
            if not exact and lowered in name:
                return 0.5
        if "phone" in fields:
            wanted = digits(term)
            for phone in person["phones"]:
                stored = digits(phone["value"])
                if wanted and (stored == wanted or (not exact and wanted in stored)):
                    return 1.0 if stored == wanted else 0.8
        if "email" in fields:
            for email in person["emails"]:
                value = str(email.get("value", "")).lower()
                if value == lowered or (not exact and lowered in value):
                    return 0.9
        if "notes" in fields and lowered in str(person.get("notes") or "").lower() and not exact:
            return 0.3
        return 0.0

    def _search_item(self, person: JsonDict) -> JsonDict:
        item: JsonDict = {
            "id": person["id"],
            "type": "person",
            "name": person["name"],
            "phones": [p["value"] for p in person["phones"]],
            "emails": [e["value"] for e in person["emails"]],
            "visible_to": 3,
            "owner": {"id": person["owner_id"]},
            "organization": self._org_ref(person["org_id"]),
            "custom_fields": [],
            "notes": [],
        }
        if self.config["search_item_times"]:
            # Not in the real v2 search item; the reference connector's mocks have them (docs/sandbox.md).
            item["add_time"] = iso_utc(person["add_time"])
            item["update_time"] = iso_utc(person["update_time"])
        return item

    # -- deals and leads -----------------------------------------------------------------------------------
    def _deal(self, deal: JsonDict) -> JsonDict:
        return {
            "id": deal["id"],
            "title": deal["title"],
            "owner_id": deal["owner_id"],
            "person_id": deal["person_id"],
            "org_id": deal["org_id"],
            "status": deal["status"],
            "value": deal["value"],
            "currency": deal["currency"],
            "is_deleted": deal["status"] == "deleted",
            "add_time": iso_utc(deal["add_time"]),
            "update_time": iso_utc(deal["update_time"]),
        }

    def deals_list(self, request: Request) -> Response:
        self._user(request)
        person_arg = request.arg("person_id")
        person_id = as_int(person_arg) if person_arg else None
        if person_arg and person_id is None:
            return _pd_error(400, "person_id must be an integer")
        status_arg = request.arg("status") or ""
        statuses = {s.strip() for s in status_arg.split(",") if s.strip()}
        if statuses - {"open", "won", "lost", "deleted"}:
            return _pd_error(400, "status must be one of open, won, lost, deleted")
        limit = _limit(request)
        offset = _decode_cursor(request.arg("cursor"))
        matching = [
            d
            for d in sorted(self.deals.values(), key=lambda d: d["id"])
            if (person_id is None or d["person_id"] == person_id)
            and (d["status"] in statuses if statuses else d["status"] != "deleted")
        ]
        page = matching[offset : offset + limit]
        next_cursor = _encode_cursor(offset + limit) if offset + limit < len(matching) else None
        return Response.json(
            200,
            {
                "success": True,
                "data": [self._deal(d) for d in page],
                "additional_data": {"next_cursor": next_cursor},
            },
        )

    def _lead(self, lead: JsonDict) -> JsonDict:
        return {
            "id": lead["id"],
            "title": lead["title"],
            "owner_id": lead["owner_id"],
            "creator_id": lead["owner_id"],
            "label_ids": [],
            "person_id": lead["person_id"],
            "organization_id": lead["organization_id"],
            "source_name": "API",
            "origin": "API",
            "is_archived": lead["is_archived"],
            "was_seen": True,
            "value": None,
            "expected_close_date": None,
            "next_activity_id": None,
            "add_time": iso_utc(lead["add_time"], millis=True),
            "update_time": iso_utc(lead["update_time"], millis=True),
            "visible_to": "3",
            "cc_email": None,
        }

    def leads_list(self, request: Request) -> Response:
        self._user(request)
        person_arg = request.arg("person_id")
        person_id = as_int(person_arg) if person_arg else None
        if person_arg and person_id is None:
            return _pd_error(400, "person_id must be an integer")
        archived = request.arg("archived_status") or "all"
        if archived not in ("archived", "not_archived", "all"):
            return _pd_error(400, "archived_status must be archived, not_archived or all")
        start = as_int(request.arg("start") or "0")
        if start is None or start < 0:
            return _pd_error(400, "start must be a non-negative integer")
        limit = _limit(request)
        matching = [
            lead
            for lead in self.leads.values()
            if (person_id is None or lead["person_id"] == person_id)
            and (archived == "all" or lead["is_archived"] == (archived == "archived"))
        ]
        page = matching[start : start + limit]
        return Response.json(
            200,
            {
                "success": True,
                "data": [self._lead(lead) for lead in page],
                "additional_data": {
                    "pagination": {
                        "start": start,
                        "limit": limit,
                        "more_items_in_collection": start + limit < len(matching),
                    }
                },
            },
        )

    # -- activities ----------------------------------------------------------------------------------------
    def _new_activity(self, aid: int, owner_id: int, now: float) -> JsonDict:
        return {
            "id": aid,
            "subject": "Call",
            "type": "call",
            "owner_id": owner_id,
            "creator_user_id": owner_id,
            "is_deleted": False,
            "add_time": now,
            "update_time": now,
            "deal_id": None,
            "lead_id": None,
            "person_id": None,
            "org_id": None,
            "project_id": None,
            "due_date": None,
            "due_time": None,
            "duration": None,
            "busy": False,
            "done": False,
            "marked_as_done_time": None,
            "location": None,
            "participants": [],
            "attendees": [],
            "public_description": None,
            "priority": None,
            "note": None,
        }

    def _activity(self, activity: JsonDict) -> JsonDict:
        data = dict(activity)
        data["add_time"] = iso_utc(activity["add_time"])
        data["update_time"] = iso_utc(activity["update_time"])
        if activity.get("marked_as_done_time"):
            data["marked_as_done_time"] = iso_utc(activity["marked_as_done_time"])
        return data

    @staticmethod
    def _primary_person(participants: list[JsonDict]) -> int | None:
        for participant in participants:
            if participant.get("primary"):
                return as_int(participant.get("person_id"))
        return as_int(participants[0].get("person_id")) if participants else None

    def _validate_activity(self, body: JsonDict, creating: bool) -> JsonDict:
        if "person_id" in body:
            raise HttpError(
                _pd_error(
                    400,
                    "'person_id' is a read-only field. Add a primary participant to set 'person_id' instead.",
                )
            )
        unknown = set(body) - set(ACTIVITY_FIELDS)
        if unknown:
            raise HttpError(_pd_error(400, f"Unknown fields: {', '.join(sorted(unknown))}"))
        clean: JsonDict = {}
        if "subject" in body:
            if not isinstance(body["subject"], str):
                raise HttpError(_pd_error(400, "subject must be a string"))
            clean["subject"] = body["subject"]
        if "type" in body or creating:
            key = body.get("type", "call")
            active = {t["key_string"] for t in self.activity_types.values() if t["active_flag"]}
            if key not in active:
                raise HttpError(_pd_error(400, f"Activity type '{key}' is not an active activity type"))
            clean["type"] = key
        if "owner_id" in body:
            owner = as_int(body["owner_id"])
            if owner not in self.users:
                raise HttpError(_pd_error(400, "owner_id does not refer to an existing user"))
            clean["owner_id"] = owner
        if "deal_id" in body:
            deal = body["deal_id"]
            if deal in (None, ""):
                clean["deal_id"] = None
            elif as_int(deal) in self.deals:
                clean["deal_id"] = as_int(deal)
            else:
                raise HttpError(_pd_error(400, "deal_id does not refer to an existing deal"))
        if "lead_id" in body:
            lead = body["lead_id"]
            if lead in (None, ""):
                clean["lead_id"] = None
            elif isinstance(lead, str) and lead in self.leads:
                clean["lead_id"] = lead
            else:
                raise HttpError(_pd_error(400, "lead_id does not refer to an existing lead"))
        if "org_id" in body:
            org = body["org_id"]
            if org in (None, ""):
                clean["org_id"] = None
            elif as_int(org) in self.organizations:
                clean["org_id"] = as_int(org)
            else:
                raise HttpError(_pd_error(400, "org_id does not refer to an existing organization"))
        if "participants" in body:
            participants = body["participants"]
            if not isinstance(participants, list):
                raise HttpError(_pd_error(400, "participants must be an array"))
            normalised = []
            for participant in participants:
                pid = as_int(participant.get("person_id")) if isinstance(participant, dict) else None
                if pid not in self.persons:
                    raise HttpError(
                        _pd_error(400, "participants[].person_id does not refer to an existing person")
                    )
                normalised.append({"person_id": pid, "primary": bool(participant.get("primary", False))})
            clean["participants"] = normalised
        for key, pattern, label in (
            ("due_date", r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD"),
            ("due_time", r"([01]\d|2[0-3]):[0-5]\d", "HH:MM"),
            ("duration", r"\d{2}:([0-5]\d|60)", "HH:MM"),
        ):
            if key in body:
                value = body[key]
                if value in (None, ""):
                    clean[key] = None
                elif not isinstance(value, str) or not re.fullmatch(pattern, value):
                    raise HttpError(_pd_error(400, f"{key} must be in {label} format"))
                else:
                    clean[key] = value
        if "done" in body:
            done = body["done"]
            if done not in (True, False, 0, 1):
                raise HttpError(_pd_error(400, "done must be a boolean"))
            clean["done"] = bool(done)
        if "note" in body:
            if body["note"] is not None and not isinstance(body["note"], str):
                raise HttpError(_pd_error(400, "note must be a string"))
            clean["note"] = body["note"]
        for key in ("busy", "location", "public_description", "priority"):
            if key in body:
                clean[key] = body[key]
        return clean

    def _activity_response(self, activity: JsonDict, status: int = 200) -> Response:
        payload: JsonDict = {"success": True, "data": self._activity(activity)}
        if self.config["related_objects"]:
            persons = {}
            for participant in activity["participants"]:
                person = self.persons.get(participant["person_id"])
                if person:
                    persons[str(person["id"])] = {"id": person["id"], "name": person["name"]}
            payload["related_objects"] = {"person": persons}
        return Response.json(status, payload)

    def create_activity(self, request: Request) -> Response:
        user = self._user(request)
        clean = self._validate_activity(request.json_object(), creating=True)
        now = self.clock.now()
        aid = self.ids.next("activities")
        activity = self._new_activity(aid, user["id"], now)
        activity.update(clean)
        if "subject" not in clean:
            activity["subject"] = next(
                (t["name"] for t in self.activity_types.values() if t["key_string"] == activity["type"]),
                "Call",
            )
        activity["person_id"] = self._primary_person(activity["participants"])
        if activity["done"]:
            activity["marked_as_done_time"] = now
        self.activities[aid] = activity
        return self._activity_response(activity)

    def activities_list(self, request: Request) -> Response:
        """``GET /api/v2/activities``: filtered by owner, person, deal, done and ``updated_since``
        (RFC 3339, inclusive), ordered by id, cursor-paginated."""
        self._user(request)
        filters: dict[str, int] = {}
        for name in ("owner_id", "person_id", "deal_id", "org_id"):
            raw = request.arg(name)
            if raw:
                value = as_int(raw)
                if value is None:
                    return _pd_error(400, f"{name} must be an integer")
                filters[name] = value
        since_arg = request.arg("updated_since")
        since = parse_time(since_arg) if since_arg else None
        if since_arg and since is None:
            return _pd_error(400, "updated_since must be an RFC 3339 date-time")
        done_arg = request.arg("done")
        if done_arg not in (None, "", "true", "false", "1", "0"):
            return _pd_error(400, "done must be a boolean")
        limit = _limit(request)
        offset = _decode_cursor(request.arg("cursor"))
        matching = [
            a
            for a in sorted(self.activities.values(), key=lambda a: a["id"])
            if not a["is_deleted"]
            and all(a.get(name) == value for name, value in filters.items())
            and (since is None or a["update_time"] >= since)
            and (done_arg in (None, "") or bool(a["done"]) == (done_arg in ("true", "1")))
        ]
        page = matching[offset : offset + limit]
        next_cursor = _encode_cursor(offset + limit) if offset + limit < len(matching) else None
        return Response.json(
            200,
            {
                "success": True,
                "data": [self._activity(a) for a in page],
                "additional_data": {"next_cursor": next_cursor},
            },
        )

    def _find_activity(self, request: Request) -> JsonDict:
        aid = as_int(request.path_params["id"])
        if aid is None:
            raise HttpError(_pd_error(400, "id must be an integer"))
        activity = self.activities.get(aid)
        if activity is None or activity["is_deleted"]:
            raise HttpError(_pd_error(404, "Activity not found"))
        return activity

    def get_activity(self, request: Request) -> Response:
        self._user(request)
        return self._activity_response(self._find_activity(request))

    def update_activity(self, request: Request) -> Response:
        self._user(request)
        activity = self._find_activity(request)
        clean = self._validate_activity(request.json_object(), creating=False)
        now = self.clock.now()
        if clean.get("done") and not activity["done"]:
            activity["marked_as_done_time"] = now
        activity.update(clean)
        activity["person_id"] = self._primary_person(activity["participants"])
        activity["update_time"] = now
        return self._activity_response(activity)
