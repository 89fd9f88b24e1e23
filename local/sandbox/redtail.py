"""Sandbox Redtail CRM (public API v1): ``/authentication`` (partner API key + username + password -> user
key), user-key auth on every other call, contact search and creation, lists, activities and their notes.

Paths work with or without the ``/api/public/v1`` prefix, so ``REDTAIL_API_URL`` may point at either form.
"""

from __future__ import annotations

import base64
import binascii
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
    as_int,
    copy_json,
    digits,
    iso_utc,
    parse_time,
)

API_KEY = "sandbox-redtail-partner-key"
PREFIX = "/api/public/v1"
T0 = 1782900000.0  # 2026-07-01T10:00:00Z
CONTACT_TYPES = {
    "Crm::Contact::Individual",
    "Crm::Contact::Business",
    "Crm::Contact::Association",
    "Crm::Contact::Trust",
    "Crm::Contact::Union",
}
ATTENDEE_USER = "Crm::Activity::Attendee::User"
ATTENDEE_CONTACT = "Crm::Activity::Attendee::Contact"
REPEATS = {"never", "daily", "weekly", "monthly", "yearly"}
PAGE_SIZE = 50

SEED: JsonDict = {
    "api_keys": [API_KEY],
    "users": [
        {
            "id": 97501,
            "username": "rt.agent",
            "password": "sandbox-password",
            "user_key": "rt-user-key-97501",
            "first_name": "Casey",
            "last_name": "Morgan",
            "email": "casey.morgan@sandbox-advisors.example",
        },
        {
            "id": 97502,
            "username": "dana.advisor",
            "password": "sandbox-password",
            "user_key": "rt-user-key-97502",
            "first_name": "Dana",
            "last_name": "Advisor",
            "email": "dana.advisor@sandbox-advisors.example",
        },
        {
            "id": 97503,
            "username": None,
            "password": None,
            "user_key": None,
            "first_name": "Pat",
            "last_name": "Assistant",
            "email": "",
        },
    ],
    "categories": [
        {"id": 1, "name": "Client"},
        {"id": 2, "name": "Prospect"},
        {"id": 7, "name": "Service"},
        {"id": 9, "name": "Old category", "deleted": True},
    ],
    "activity_codes": [
        {"id": 1, "name": "Appointment"},
        {"id": 2, "name": "To Do"},
        {"id": 3, "name": "Call"},
        {"id": 4, "name": "Email"},
        {"id": 5, "name": "Old code", "deleted": True},
    ],
    "contacts": [
        {
            "id": 201,
            "first_name": "Dana",
            "middle_name": "A",
            "last_name": "Client",
            "job_title": "Retired",
            "phones": [{"number": "4155550142", "country_code": 1, "phone_type": 1, "is_primary": True}],
        },
        {
            "id": 202,
            "first_name": "Dana",
            "last_name": "Prospect",
            "job_title": "CFO",
            "phones": [{"number": "(415) 555-0142", "country_code": 1, "phone_type": 3, "is_primary": True}],
        },
        {
            "id": 203,
            "first_name": "Siobhán",
            "last_name": "O'Connor",
            "phones": [
                {"number": "+353 1 555 0101", "country_code": 353, "phone_type": 1, "is_primary": True}
            ],
        },
        {
            "id": 204,
            "first_name": "Taylor",
            "last_name": "Morgan",
            "phones": [{"number": "415.555.0163", "country_code": 1, "phone_type": 6, "is_primary": True}],
        },
        {
            "id": 205,
            "type": "Crm::Contact::Business",
            "company_name": "Acme Holdings LLC",
            "phones": [{"number": "+1 415 555 0199", "country_code": 1, "phone_type": 2, "is_primary": True}],
        },
    ],
}


def _error(status: int, message: str) -> Response:
    """Redtail's error body: ``{"message": ...}`` (401 "Authorization header missing", 403 "User Forbidden
    from ...")."""
    return Response.json(status, {"message": message})


def _unprocessable(errors: dict[str, list[str]]) -> HttpError:
    return HttpError(Response.json(422, {"errors": errors}))


def _decode(value: str) -> str | None:
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


class RedtailSandbox(Sandbox):
    name = "redtail"
    default_rate_limit = (1000, 2.0)
    default_config: ClassVar[JsonDict] = {"always_include_linked_contacts": False}

    def __init__(self) -> None:
        self.ids = Ids(
            {
                "contacts": 1001,
                "activities": 5001,
                "notes": 8001,
                "phones": 3001,
                "users": 97600,
                "attendees": 6001,
            }
        )
        self.api_keys: set[str] = set()
        self.users: dict[int, JsonDict] = {}
        self.categories: dict[int, JsonDict] = {}
        self.activity_codes: dict[int, JsonDict] = {}
        self.contacts: dict[int, JsonDict] = {}
        self.activities: dict[int, JsonDict] = {}
        self.notes: dict[int, JsonDict] = {}
        super().__init__()

    # -- state ---------------------------------------------------------------------------------------------
    def clear_state(self) -> None:
        self.ids.reset()
        self.api_keys = set()
        self.users, self.categories, self.activity_codes = {}, {}, {}
        self.contacts, self.activities, self.notes = {}, {}, {}

    def load_default_state(self) -> None:
        self.seed(copy_json(SEED))

    def _contact(self, raw: JsonDict, cid: int, now: float) -> JsonDict:
        kind = raw.get("type", "Crm::Contact::Individual")
        record: JsonDict = {
            "id": cid,
            "type": kind,
            "salutation": None,
            "first_name": None,
            "middle_name": None,
            "last_name": None,
            "suffix": None,
            "nickname": None,
            "company_name": None,
            "job_title": None,
            "category_id": None,
            "status_id": None,
            "source_id": None,
            "created_at": iso_utc(now, millis=True),
            "updated_at": iso_utc(now, millis=True),
        }
        record.update({k: v for k, v in raw.items() if k not in ("phones", "id")})
        names = [record.get("first_name"), record.get("middle_name"), record.get("last_name")]
        full = " ".join(str(n).strip() for n in names if n and str(n).strip())
        record["full_name"] = full or record.get("company_name") or ""
        record["phones"] = [self._phone(p, cid) for p in raw.get("phones", [])]
        record["emails"] = raw.get("emails", [])
        return record

    def _phone(self, raw: JsonDict, contact_id: int) -> JsonDict:
        return {
            "id": self.ids.next("phones"),
            "contact_id": contact_id,
            "phone_type": raw.get("phone_type", 1),
            "number": str(raw.get("number", "")),
            "country_code": raw.get("country_code", 1),
            "extension": raw.get("extension"),
            "is_primary": bool(raw.get("is_primary", False)),
            "is_preferred": bool(raw.get("is_preferred", False)),
            "speed_dial": None,
        }

    def seed(self, data: JsonDict) -> JsonDict:
        assigned: dict[str, list[Any]] = {}
        self.api_keys.update(str(k) for k in data.get("api_keys", []))
        for user in data.get("users", []):
            uid = as_int(user.get("id")) or self.ids.next("users")
            self.users[uid] = {"database_id": 4321, "email": "", **user, "id": uid}
            assigned.setdefault("users", []).append(uid)
        for category in data.get("categories", []):
            self.categories[int(category["id"])] = {"deleted": False, "company_id": 4321, **category}
        for code in data.get("activity_codes", []):
            self.activity_codes[int(code["id"])] = {"deleted": False, **code}
        for raw in data.get("contacts", []):
            cid = as_int(raw.get("id"))
            if cid is None:
                cid = self.ids.next("contacts")
            else:
                self.ids.bump_past("contacts", cid)
            self.contacts[cid] = self._contact(raw, cid, T0)
            assigned.setdefault("contacts", []).append(cid)
        return assigned

    def dump(self, collection: str | None) -> JsonDict:
        state: JsonDict = {
            "api_keys": sorted(self.api_keys),
            "users": list(self.users.values()),
            "categories": list(self.categories.values()),
            "activity_codes": list(self.activity_codes.values()),
            "contacts": list(self.contacts.values()),
            "activities": list(self.activities.values()),
            "notes": list(self.notes.values()),
        }
        return {collection: state.get(collection)} if collection else state

    def mint(self, spec: JsonDict) -> JsonDict:
        uid = as_int(spec.get("user_id", 97501))
        user = self.users.get(uid) if uid is not None else None
        if user is None:
            raise BadRequestBody("'user_id' must name a seeded user")
        if spec.get("user_key"):
            user["user_key"] = str(spec["user_key"])
        key = user.get("user_key") or f"rt-user-key-{uid}"
        user["user_key"] = key
        header = base64.b64encode(f"{API_KEY}:{key}".encode()).decode()
        return {
            "api_key": API_KEY,
            "user_key": key,
            "authorization": header,
            "user_id": uid,
            "api_url": f"{spec['_origin']}/{self.name}{PREFIX}",
        }

    def expire(self, spec: JsonDict) -> JsonDict:
        key = spec.get("user_key") or spec.get("token")
        revoked = []
        for user in self.users.values():
            if user.get("user_key") and (spec.get("all") or user["user_key"] == key):
                revoked.append(user["user_key"])
                user["user_key"] = None
        return {"revoked": revoked}

    # -- HTTP conventions ----------------------------------------------------------------------------------
    def normalise_path(self, path: str) -> str:
        if path.startswith(PREFIX):
            return path[len(PREFIX) :] or "/"
        return path

    def _user_key_auth(self, request: Request) -> tuple[str, str] | None:
        value = (request.header("authorization") or "").strip()
        scheme, _, rest = value.partition(" ")
        token = rest.strip() if rest and scheme.lower() == "userkeyauth" else value
        decoded = _decode(token) if token and " " not in token else None
        if decoded is None or decoded.count(":") != 1:
            return None
        api_key, user_key = decoded.split(":")
        return api_key, user_key

    def credential(self, request: Request) -> str | None:
        pair = self._user_key_auth(request)
        return pair[1] if pair else None

    def rate_limited(self, state: RateState) -> Response:
        response = _error(429, "Too many requests")
        response.headers["Retry-After"] = str(state.reset_seconds)
        return response

    def not_found(self, request: Request) -> Response:
        return _error(404, "Not found")

    def bad_body(self, message: str) -> Response:
        return _error(400, message)

    # -- routes --------------------------------------------------------------------------------------------
    def register_routes(self) -> None:
        self.route("GET", "/authentication", self.authentication, limited=False)
        self.route("GET", "/contacts/search_basic", self.search_basic)
        self.route("POST", "/contacts", self.create_contact)
        self.route("GET", "/contacts/{id}", self.get_contact)
        self.route("GET", "/lists/categories", self.list_categories)
        self.route("GET", "/lists/activity_codes", self.list_activity_codes)
        self.route("GET", "/lists/database_users", self.list_database_users)
        self.route("GET", "/activities", self.list_activities)
        self.route("POST", "/activities", self.create_activity)
        self.route("GET", "/activities/{id}", self.get_activity)
        self.route("PUT", "/activities/{id}", self.update_activity)
        self.route("PATCH", "/activities/{id}", self.update_activity)
        self.route("GET", "/activities/{id}/notes", self.list_notes)
        self.route("POST", "/activities/{id}/notes", self.create_note)

    # -- auth ----------------------------------------------------------------------------------------------
    def authentication(self, request: Request) -> Response:
        value = request.header("authorization") or ""
        scheme, _, token = value.partition(" ")
        decoded = _decode(token.strip()) if scheme.lower() == "basic" else None
        if decoded is None or decoded.count(":") < 2:
            return _error(401, "Invalid credentials")
        api_key, username, password = decoded.split(":", 2)
        if api_key not in self.api_keys:
            return _error(401, "Invalid credentials")
        for user in self.users.values():
            if user.get("username") and user["username"] == username and user.get("password") == password:
                if not user.get("user_key"):
                    user["user_key"] = f"rt-user-key-{user['id']}"
                return Response.json(
                    200,
                    {
                        "authenticated_user": {
                            "id": user["id"],
                            "user_key": user["user_key"],
                            "first_name": user["first_name"],
                            "last_name": user["last_name"],
                            "email": user["email"],
                            "database_id": user["database_id"],
                        }
                    },
                )
        return _error(401, "Invalid credentials")

    def _user(self, request: Request) -> JsonDict:
        pair = self._user_key_auth(request)
        if pair is not None and pair[0] in self.api_keys:
            for user in self.users.values():
                if user.get("user_key") and user["user_key"] == pair[1]:
                    return user
        raise HttpError(_error(401, "Invalid credentials"))

    # -- contacts ------------------------------------------------------------------------------------------
    @staticmethod
    def _phone_matches(contact: JsonDict, wanted: str) -> bool:
        for phone in contact["phones"]:
            stored = digits(phone["number"])
            with_code = digits(phone.get("country_code")) + stored
            for candidate in (stored, with_code):
                if candidate and candidate.endswith(wanted):
                    return True
        return False

    @staticmethod
    def _name_matches(contact: JsonDict, wanted: str) -> bool:
        needle = " ".join(wanted.lower().split())
        haystacks = [
            contact.get("full_name") or "",
            contact.get("company_name") or "",
            f"{contact.get('first_name') or ''} {contact.get('last_name') or ''}",
        ]
        haystacks += [
            str(contact.get(k) or "") for k in ("first_name", "middle_name", "last_name", "nickname")
        ]
        return any(needle in " ".join(h.lower().split()) for h in haystacks if h)

    def search_basic(self, request: Request) -> Response:
        self._user(request)
        phone, name = request.arg("phone_number"), request.arg("name")
        if not phone and not name:
            return _error(400, "phone_number or name is required")
        page = as_int(request.arg("page") or "1")
        if page is None or page < 1:
            return _error(400, "page must be a positive integer")
        wanted_digits = digits(phone) if phone else ""
        matches = [
            c
            for _, c in sorted(self.contacts.items())
            if (not phone or (wanted_digits and self._phone_matches(c, wanted_digits)))
            and (not name or self._name_matches(c, name))
        ]
        total_pages = max(1, -(-len(matches) // PAGE_SIZE))
        chunk = matches[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        return Response.json(
            200, {"contacts": chunk, "meta": {"total_records": len(matches), "total_pages": total_pages}}
        )

    def get_contact(self, request: Request) -> Response:
        self._user(request)
        contact = self.contacts.get(as_int(request.path_params["id"]) or -1)
        if contact is None:
            return _error(404, "Not found")
        return Response.json(200, {"contact": contact})

    def create_contact(self, request: Request) -> Response:
        self._user(request)
        body = request.json_object()
        errors: dict[str, list[str]] = {}
        kind = body.get("type")
        if kind not in CONTACT_TYPES:
            errors["type"] = ["is not included in the list"]
        if kind == "Crm::Contact::Individual" and not any(
            str(body.get(k) or "").strip() for k in ("first_name", "last_name")
        ):
            errors["last_name"] = ["can't be blank"]
        if kind == "Crm::Contact::Business" and not str(body.get("company_name") or "").strip():
            errors["company_name"] = ["can't be blank"]
        phones = body.get("phones", [])
        if not isinstance(phones, list):
            errors["phones"] = ["must be an array"]
            phones = []
        for index, phone in enumerate(phones):
            if not isinstance(phone, dict) or not digits(phone.get("number")):
                errors[f"phones[{index}].number"] = ["can't be blank"]
            elif phone.get("country_code") is not None and as_int(phone.get("country_code")) is None:
                errors[f"phones[{index}].country_code"] = ["is not a number"]
            elif phone.get("phone_type") is not None and as_int(phone.get("phone_type")) is None:
                errors[f"phones[{index}].phone_type"] = ["is not a number"]
        if errors:
            raise _unprocessable(errors)
        cid = self.ids.next("contacts")
        contact = self._contact(body, cid, self.clock.now())
        self.contacts[cid] = contact
        return Response.json(201, {"contact": contact})

    # -- lists ---------------------------------------------------------------------------------------------
    def list_categories(self, request: Request) -> Response:
        self._user(request)
        return Response.json(200, {"categories": list(self.categories.values())})

    def list_activity_codes(self, request: Request) -> Response:
        self._user(request)
        return Response.json(200, {"activity_codes": list(self.activity_codes.values())})

    def list_database_users(self, request: Request) -> Response:
        self._user(request)
        users = [
            {"id": u["id"], "first_name": u["first_name"], "last_name": u["last_name"], "email": u["email"]}
            for u in self.users.values()
        ]
        return self._page(request, "database_users", users)

    def _page(self, request: Request, key: str, items: list[JsonDict]) -> Response:
        """One page of a list (``?page=``, 1-based, PAGE_SIZE items) with Redtail's ``meta``."""
        page = as_int(request.arg("page") or "1")
        if page is None or page < 1:
            return _error(400, "page must be a positive integer")
        total_pages = max(1, -(-len(items) // PAGE_SIZE))
        chunk = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        return Response.json(
            200, {key: chunk, "meta": {"total_records": len(items), "total_pages": total_pages}}
        )

    # -- activities ----------------------------------------------------------------------------------------
    def _validate_activity(self, body: JsonDict, creating: bool) -> JsonDict:
        errors: dict[str, list[str]] = {}
        clean: JsonDict = {}
        if creating or "subject" in body:
            if not isinstance(body.get("subject"), str) or not body["subject"].strip():
                errors["subject"] = ["can't be blank"]
            else:
                clean["subject"] = body["subject"]
        for key in ("start_date", "end_date"):
            if creating or key in body:
                parsed = parse_time(body.get(key))
                if parsed is None:
                    errors[key] = ["is not a valid date"]
                else:
                    clean[key] = iso_utc(parsed, millis=True)
        if creating or "activity_code_id" in body:
            code = as_int(body.get("activity_code_id"))
            if code not in self.activity_codes or self.activity_codes[code]["deleted"]:
                errors["activity_code_id"] = ["is not a valid activity code"]
            else:
                clean["activity_code_id"] = code
        if "category_id" in body:
            category = body["category_id"]
            if category is None:
                clean["category_id"] = None
            elif as_int(category) not in self.categories or self.categories[as_int(category) or 0]["deleted"]:
                errors["category_id"] = ["is not a valid category"]
            else:
                clean["category_id"] = as_int(category)
        if creating or "linked_contacts" in body:
            linked = body.get("linked_contacts")
            ids = (
                [as_int(item.get("contact_id")) for item in linked if isinstance(item, dict)]
                if isinstance(linked, list)
                else []
            )
            if not ids or any(cid not in self.contacts for cid in ids):
                errors["linked_contacts"] = ["must reference existing contacts"]
            else:
                clean["linked_contacts"] = [{"contact_id": cid} for cid in ids]
        if "attendees" in body:
            attendees = body["attendees"] if isinstance(body["attendees"], list) else None
            if attendees is None:
                errors["attendees"] = ["must be an array"]
            else:
                clean["attendees"] = []
                for item in attendees:
                    kind = item.get("type") if isinstance(item, dict) else None
                    if kind == ATTENDEE_USER and as_int(item.get("user_id")) in self.users:
                        clean["attendees"].append(
                            {
                                "id": self.ids.next("attendees"),
                                "type": kind,
                                "user_id": as_int(item["user_id"]),
                            }
                        )
                    elif kind == ATTENDEE_CONTACT and as_int(item.get("contact_id")) in self.contacts:
                        clean["attendees"].append(
                            {
                                "id": self.ids.next("attendees"),
                                "type": kind,
                                "contact_id": as_int(item["contact_id"]),
                            }
                        )
                    else:
                        errors["attendees"] = ["must reference existing users or contacts"]
        if "repeats" in body or creating:
            repeats = body.get("repeats", "never")
            if repeats not in REPEATS:
                errors["repeats"] = ["is not included in the list"]
            else:
                clean["repeats"] = repeats
        for key in ("completed", "all_day"):
            if key in body:
                if not isinstance(body[key], bool):
                    errors[key] = ["must be true or false"]
                else:
                    clean[key] = body[key]
        for key in ("description", "priority", "location"):
            if key in body:
                clean[key] = body[key]
        start, end = clean.get("start_date"), clean.get("end_date")
        if start and end and (parse_time(end) or 0) < (parse_time(start) or 0):
            errors["end_date"] = ["must be after start_date"]
        if errors:
            raise _unprocessable(errors)
        return clean

    def _render_activity(self, activity: JsonDict, include_linked: bool) -> JsonDict:
        data = {k: v for k, v in activity.items() if k != "linked_contacts"}
        if include_linked:
            linked = []
            for link in activity["linked_contacts"]:
                contact = self.contacts.get(link["contact_id"], {})
                linked.append(
                    {
                        "contact_id": link["contact_id"],
                        "first_name": contact.get("first_name"),
                        "last_name": contact.get("last_name"),
                        "full_name": contact.get("full_name"),
                    }
                )
            data["linked_contacts"] = linked
        return data

    def _wants_linked(self, request: Request) -> bool:
        include = f"{request.header('include') or ''},{request.arg('include') or ''}"
        return "linked_contacts" in include or bool(self.config["always_include_linked_contacts"])

    def create_activity(self, request: Request) -> Response:
        user = self._user(request)
        clean = self._validate_activity(request.json_object(), creating=True)
        now = iso_utc(self.clock.now(), millis=True)
        aid = self.ids.next("activities")
        activity: JsonDict = {
            "id": aid,
            "subject": None,
            "description": None,
            "start_date": None,
            "end_date": None,
            "activity_code_id": None,
            "category_id": None,
            "repeats": "never",
            "completed": False,
            "all_day": False,
            "priority": None,
            "location": None,
            "attendees": [],
            "linked_contacts": [],
            "created_by_id": user["id"],
            "created_at": now,
            "updated_at": now,
        }
        activity.update(clean)
        self.activities[aid] = activity
        return Response.json(201, {"activity": self._render_activity(activity, True)})

    def list_activities(self, request: Request) -> Response:
        """``GET /activities?start_date=&end_date=&page=``: the activities dated within the range (either
        bound optional), oldest first, with their linked contacts."""
        self._user(request)
        bounds = []
        for key in ("start_date", "end_date"):
            raw = request.arg(key)
            parsed = parse_time(raw) if raw else None
            if raw and parsed is None:
                return _error(400, f"{key} is not a valid date")
            bounds.append(parsed)
        low, high = bounds
        listed = [
            self._render_activity(a, True)
            for _, a in sorted(self.activities.items())
            if (low is None or (parse_time(a["end_date"]) or 0) >= low)
            and (high is None or (parse_time(a["start_date"]) or 0) <= high)
        ]
        return self._page(request, "activities", listed)

    def _activity(self, request: Request) -> JsonDict:
        activity = self.activities.get(as_int(request.path_params["id"]) or -1)
        if activity is None:
            raise HttpError(_error(404, "Not found"))
        return activity

    def get_activity(self, request: Request) -> Response:
        self._user(request)
        activity = self._activity(request)
        return Response.json(200, {"activity": self._render_activity(activity, self._wants_linked(request))})

    def update_activity(self, request: Request) -> Response:
        self._user(request)
        activity = self._activity(request)
        clean = self._validate_activity(request.json_object(), creating=False)
        activity.update(clean)
        activity["updated_at"] = iso_utc(self.clock.now(), millis=True)
        return Response.json(200, {"activity": self._render_activity(activity, self._wants_linked(request))})

    def list_notes(self, request: Request) -> Response:
        self._user(request)
        activity = self._activity(request)
        return Response.json(
            200, {"notes": [n for n in self.notes.values() if n["activity_id"] == activity["id"]]}
        )

    def create_note(self, request: Request) -> Response:
        self._user(request)
        activity = self._activity(request)
        body = request.json_object()
        errors: dict[str, list[str]] = {}
        if not isinstance(body.get("body"), str) or not body["body"].strip():
            errors["body"] = ["can't be blank"]
        note_type = as_int(body.get("note_type", 1))
        if note_type is None:
            errors["note_type"] = ["is not a number"]
        category = body.get("category_id")
        if category is not None and (
            as_int(category) not in self.categories or self.categories[as_int(category) or 0]["deleted"]
        ):
            errors["category_id"] = ["is not a valid category"]
        if errors:
            raise _unprocessable(errors)
        now = iso_utc(self.clock.now(), millis=True)
        nid = self.ids.next("notes")
        note = {
            "id": nid,
            "activity_id": activity["id"],
            "category_id": as_int(category) if category is not None else None,
            "note_type": note_type,
            "body": body["body"],
            "created_at": now,
            "updated_at": now,
        }
        self.notes[nid] = note
        return Response.json(201, {"note": note})
