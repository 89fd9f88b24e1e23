"""Sandbox Insightly (API v3.x): API-key Basic auth, users, contact and lead search by exact field value,
records, events and their links.

Routes live under ``/{version}/`` (``v3.1`` or any ``vN[.M]``) and collection names are case-insensitive,
as in the real API (``/v3.1/Contacts/Search`` and ``/v3.1/contacts/search`` are the same endpoint).
"""

from __future__ import annotations

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
    as_int,
    copy_json,
    digits,
    parse_time,
)

T0 = 1782900000.0  # 2026-07-01T10:00:00Z
VERSION = r"{version:v\d+(?:\.\d+)?}"
DENIED = "Authorization has been denied for this request."

CONTACT_FIELDS = (
    "FIRST_NAME",
    "LAST_NAME",
    "SALUTATION",
    "TITLE",
    "EMAIL_ADDRESS",
    "PHONE",
    "PHONE_HOME",
    "PHONE_MOBILE",
    "PHONE_OTHER",
    "PHONE_ASSISTANT",
    "PHONE_FAX",
    "BACKGROUND",
    "ORGANISATION_ID",
    "OWNER_USER_ID",
)
LEAD_FIELDS = (
    "FIRST_NAME",
    "LAST_NAME",
    "SALUTATION",
    "TITLE",
    "EMAIL",
    "PHONE",
    "MOBILE",
    "FAX",
    "ORGANISATION_NAME",
    "LEAD_DESCRIPTION",
    "OWNER_USER_ID",
)
PHONE_FIELDS = {
    "PHONE",
    "PHONE_HOME",
    "PHONE_MOBILE",
    "PHONE_OTHER",
    "PHONE_ASSISTANT",
    "PHONE_FAX",
    "MOBILE",
    "FAX",
}
LINK_TARGETS = {
    "contact": "contacts",
    "lead": "leads",
    "organisation": "organisations",
    "opportunity": "opportunities",
    "project": "projects",
}
OBJECTS = {
    "contacts": ("CONTACT_ID", CONTACT_FIELDS),
    "leads": ("LEAD_ID", LEAD_FIELDS),
}
#: the event fields ``GET /events/search`` filters on
EVENT_FIELDS = (
    "EVENT_ID",
    "TITLE",
    "LOCATION",
    "START_DATE_UTC",
    "END_DATE_UTC",
    "ALL_DAY",
    "DETAILS",
    "OWNER_USER_ID",
    "DATE_CREATED_UTC",
    "DATE_UPDATED_UTC",
)


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _link(link_id: int, name: str, target_id: int) -> JsonDict:
    return {
        "LINK_ID": link_id,
        "OBJECT_NAME": "Contact",
        "OBJECT_ID": 0,
        "LINK_OBJECT_NAME": name,
        "LINK_OBJECT_ID": target_id,
        "ROLE": None,
        "DETAILS": None,
        "RELATIONSHIP_ID": None,
        "IS_FORWARD": None,
    }


SEED: JsonDict = {
    "users": [
        {
            "USER_ID": 5001,
            "FIRST_NAME": "Avery",
            "LAST_NAME": "Quinn",
            "EMAIL_ADDRESS": "avery.quinn@sandbox.example",
            "TIMEZONE_ID": "Eastern Standard Time",
            "API_KEY": "sandbox-insightly-key-avery",
            "INSTANCE_ID": 900100,
            "ADMINISTRATOR": True,
        },
        {
            "USER_ID": 5002,
            "FIRST_NAME": "Blake",
            "LAST_NAME": "Rivera",
            "EMAIL_ADDRESS": "blake.rivera@sandbox.example",
            "TIMEZONE_ID": "Pacific Standard Time",
            "API_KEY": "sandbox-insightly-key-blake",
            "INSTANCE_ID": 900100,
        },
    ],
    "organisations": [
        {"ORGANISATION_ID": 301, "ORGANISATION_NAME": "Acme Logistics"},
        {"ORGANISATION_ID": 302, "ORGANISATION_NAME": "Globex Health"},
    ],
    "opportunities": [{"OPPORTUNITY_ID": 401, "OPPORTUNITY_NAME": "Fleet renewal"}],
    "projects": [{"PROJECT_ID": 501, "PROJECT_NAME": "Onboarding project"}],
    "custom_fields": {"contacts": ["Direct_Line__c"], "leads": ["Lead_Alt_Phone__c"]},
    "contacts": [
        {
            "CONTACT_ID": 101,
            "FIRST_NAME": "Maya",
            "LAST_NAME": "Patel",
            "PHONE": "(415) 555-0142",
            "TITLE": "Operations Manager",
            "EMAIL_ADDRESS": "maya.patel@acme.example",
            "ORGANISATION_ID": 301,
            "LINKS": [
                {"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": 301},
                {"LINK_OBJECT_NAME": "Opportunity", "LINK_OBJECT_ID": 401},
            ],
            "LAST_ACTIVITY_DATE_UTC": "2026-07-03 09:00:00",
        },
        {
            "CONTACT_ID": 102,
            "FIRST_NAME": "John",
            "LAST_NAME": "Doe",
            "PHONE": "415-555-1234",
            "PHONE_MOBILE": "4155551299",
            "LINKS": [{"LINK_OBJECT_NAME": "Project", "LINK_OBJECT_ID": 501}],
        },
        {"CONTACT_ID": 103, "FIRST_NAME": "Priya", "LAST_NAME": "Sharma", "PHONE": "+44 20 7946 0958"},
        {
            "CONTACT_ID": 104,
            "FIRST_NAME": "Lucas",
            "LAST_NAME": "Martin",
            "CUSTOMFIELDS": [{"FIELD_NAME": "Direct_Line__c", "FIELD_VALUE": "415.555.0190"}],
        },
    ],
    "leads": [
        {
            "LEAD_ID": 201,
            "FIRST_NAME": "Jordan",
            "LAST_NAME": "Prospect",
            "PHONE": "4155550142",
            "MOBILE": "(415) 555-0177",
            "TITLE": "Buyer",
        },
        {
            "LEAD_ID": 202,
            "FIRST_NAME": "Lena",
            "LAST_NAME": "Fischer",
            "PHONE": "+49 30 901820",
            "CUSTOMFIELDS": [{"FIELD_NAME": "Lead_Alt_Phone__c", "FIELD_VALUE": "415-555-0150"}],
        },
    ],
}


def _message(status: int, message: str) -> Response:
    return Response.json(status, {"Message": message})


class InsightlySandbox(Sandbox):
    name = "insightly"
    default_rate_limit = (1000, 2.0)
    default_config: ClassVar[JsonDict] = {
        "phone_search": "exact",
        "null_end_date": "keep",
        "default_top": 100,
    }

    def __init__(self) -> None:
        self.ids = Ids(
            {
                "contacts": 1001,
                "leads": 2001,
                "events": 9001,
                "links": 1,
                "organisations": 3001,
                "opportunities": 4001,
                "projects": 5001,
                "users": 5101,
            }
        )
        self.users: dict[int, JsonDict] = {}
        self.api_keys: dict[str, int] = {}
        self.records: dict[str, dict[int, JsonDict]] = {}
        self.custom_fields: dict[str, list[str]] = {}
        super().__init__()

    # -- state ---------------------------------------------------------------------------------------------
    def clear_state(self) -> None:
        self.ids.reset()
        self.users, self.api_keys, self.custom_fields = {}, {}, {"contacts": [], "leads": []}
        self.records = {
            name: {} for name in ("contacts", "leads", "organisations", "opportunities", "projects", "events")
        }

    def load_default_state(self) -> None:
        self.seed(copy_json(SEED))

    def _new_person(self, collection: str, rid: int, owner: int, now: float) -> JsonDict:
        key, fields = OBJECTS[collection]
        record: JsonDict = {key: rid, **{f: None for f in fields}}
        record.update(
            {
                "OWNER_USER_ID": owner,
                "CREATED_USER_ID": owner,
                "DATE_CREATED_UTC": _when(now),
                "DATE_UPDATED_UTC": _when(now),
                "LAST_ACTIVITY_DATE_UTC": None,
                "NEXT_ACTIVITY_DATE_UTC": None,
                "CUSTOMFIELDS": [],
                "TAGS": [],
                "LINKS": [],
            }
        )
        return record

    def _fix_links(self, links: list[JsonDict], object_name: str, object_id: int) -> list[JsonDict]:
        fixed = []
        for link in links:
            entry = _link(self.ids.next("links"), link["LINK_OBJECT_NAME"], int(link["LINK_OBJECT_ID"]))
            entry.update({"OBJECT_NAME": object_name, "OBJECT_ID": object_id})
            fixed.append(entry)
        return fixed

    def seed(self, data: JsonDict) -> JsonDict:
        assigned: dict[str, list[Any]] = {}
        default_owner = 5001
        for user in data.get("users", []):
            uid = as_int(user.get("USER_ID")) or self.ids.next("users")
            record = {
                "USER_ID": uid,
                "CONTACT_ID": None,
                "FIRST_NAME": "",
                "LAST_NAME": "",
                "TIMEZONE_ID": "UTC",
                "EMAIL_ADDRESS": f"user{uid}@sandbox.example",
                "EMAIL_DROPBOX_IDENTIFIER": None,
                "ADMINISTRATOR": False,
                "ACCOUNT_OWNER": False,
                "ACTIVE": True,
                "DATE_CREATED_UTC": _when(T0),
                "DATE_UPDATED_UTC": _when(T0),
                "USER_CURRENCY": "USD",
                **user,
            }
            record["USER_ID"] = uid
            key = record.pop("API_KEY", None)
            if key:
                self.api_keys[str(key)] = uid
            self.users[uid] = record
            assigned.setdefault("users", []).append(uid)
        for collection, definitions in (data.get("custom_fields") or {}).items():
            self.custom_fields.setdefault(collection, []).extend(str(d) for d in definitions)
        for collection, key, name_field in (
            ("organisations", "ORGANISATION_ID", "ORGANISATION_NAME"),
            ("opportunities", "OPPORTUNITY_ID", "OPPORTUNITY_NAME"),
            ("projects", "PROJECT_ID", "PROJECT_NAME"),
        ):
            for raw in data.get(collection, []):
                rid = as_int(raw.get(key))
                rid = self.ids.next(collection) if rid is None else rid
                self.records[collection][rid] = {
                    key: rid,
                    name_field: raw.get(name_field, f"{collection} {rid}"),
                    **raw,
                    "DATE_CREATED_UTC": _when(T0),
                    "DATE_UPDATED_UTC": _when(T0),
                    "CUSTOMFIELDS": [],
                    "TAGS": [],
                    "LINKS": [],
                }
                self.records[collection][rid][key] = rid
                assigned.setdefault(collection, []).append(rid)
        for collection in ("contacts", "leads"):
            key = OBJECTS[collection][0]
            for raw in data.get(collection, []):
                rid = as_int(raw.get(key))
                if rid is None:
                    rid = self.ids.next(collection)
                else:
                    self.ids.bump_past(collection, rid)
                record = self._new_person(collection, rid, default_owner, T0)
                record.update({k: v for k, v in raw.items() if k != "LINKS"})
                record[key] = rid
                record["LINKS"] = self._fix_links(raw.get("LINKS", []), collection[:-1].capitalize(), rid)
                self.records[collection][rid] = record
                assigned.setdefault(collection, []).append(rid)
        return assigned

    def dump(self, collection: str | None) -> JsonDict:
        state: JsonDict = {
            "users": list(self.users.values()),
            "api_keys": self.api_keys,
            "custom_fields": self.custom_fields,
        }
        state.update({name: list(records.values()) for name, records in self.records.items()})
        return {collection: state.get(collection)} if collection else state

    def mint(self, spec: JsonDict) -> JsonDict:
        uid = as_int(spec.get("user_id", 5001))
        if uid not in self.users:
            raise BadRequestBody("'user_id' must name a seeded user")
        key = str(spec.get("api_key") or f"sandbox-insightly-key-{len(self.api_keys) + 1:04d}")
        self.api_keys[key] = uid
        return {"api_key": key, "user_id": uid, "api_url": f"{spec['_origin']}/{self.name}/v3.1"}

    def expire(self, spec: JsonDict) -> JsonDict:
        key = spec.get("api_key") or spec.get("token")
        if spec.get("all"):
            removed = list(self.api_keys)
            self.api_keys.clear()
            return {"revoked": removed}
        return {"revoked": [key] if self.api_keys.pop(str(key), None) is not None else []}

    # -- HTTP conventions ----------------------------------------------------------------------------------
    def normalise_path(self, path: str) -> str:
        return path.lower()

    def credential(self, request: Request) -> str | None:
        basic = request.basic_auth()
        return basic[0] if basic else None

    def rate_limit_headers(self, state: RateState) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(state.limit), "X-RateLimit-Remaining": str(state.remaining)}

    def rate_limited(self, state: RateState) -> Response:
        response = _message(429, "Too many requests")
        response.headers["Retry-After"] = str(state.reset_seconds)
        return response

    def not_found(self, request: Request) -> Response:
        return _message(404, f"No HTTP resource was found that matches the request URI '{request.path}'.")

    def bad_body(self, message: str) -> Response:
        return _message(400, message)

    # -- routes --------------------------------------------------------------------------------------------
    def register_routes(self) -> None:
        v = VERSION
        self.route("GET", f"/{v}/users/me", self.users_me)
        self.route("GET", f"/{v}/users", self.users_list)
        self.route("GET", f"/{v}/{{collection:contacts|leads}}/search", self.search)
        self.route("GET", f"/{v}/{{collection:contacts|leads}}", self.list_records)
        self.route("POST", f"/{v}/{{collection:contacts|leads}}", self.create_person)
        # before /events/{id}, which would take "search" for an id
        self.route("GET", f"/{v}/events/search", self.search_events)
        self.route(
            "GET",
            f"/{v}/{{collection:contacts|leads|organisations|opportunities|projects|events}}/{{id}}",
            self.get_record,
        )
        self.route("POST", f"/{v}/events", self.create_event)
        self.route("PUT", f"/{v}/events", self.update_event)
        self.route("GET", f"/{v}/events/{{id}}/links", self.list_links)
        self.route("POST", f"/{v}/events/{{id}}/links", self.add_link)
        self.route("DELETE", f"/{v}/events/{{id}}/links/{{link}}", self.delete_link)

    def _user(self, request: Request) -> JsonDict:
        basic = request.basic_auth()
        uid = self.api_keys.get(basic[0]) if basic else None
        if uid is None or uid not in self.users:
            raise HttpError(_message(401, DENIED))
        return self.users[uid]

    # -- users ---------------------------------------------------------------------------------------------
    def users_me(self, request: Request) -> Response:
        return Response.json(200, self._user(request))

    def users_list(self, request: Request) -> Response:
        self._user(request)
        return Response.json(200, list(self.users.values()))

    # -- contacts and leads --------------------------------------------------------------------------------
    @staticmethod
    def _int_arg(request: Request, name: str, default: int) -> int:
        raw = request.arg(name)
        if raw in (None, ""):
            return default
        value = as_int(raw)
        if value is None or value < 0:
            raise HttpError(_message(400, f"The value '{raw}' is not valid for {name}."))
        return value

    def _matches(self, record: JsonDict, field: str, value: str, custom: bool) -> bool:
        if custom:
            stored = next(
                (
                    c.get("FIELD_VALUE")
                    for c in record.get("CUSTOMFIELDS", [])
                    if c.get("FIELD_NAME") == field
                ),
                None,
            )
        else:
            stored = record.get(field)
        if stored is None:
            return False
        if self.config["phone_search"] == "digits" and (field in PHONE_FIELDS or custom):
            return bool(digits(value)) and digits(stored) == digits(value)
        return str(stored).strip().lower() == value.strip().lower()

    def search(self, request: Request) -> Response:
        self._user(request)
        collection = request.path_params["collection"]
        field_name = request.arg("field_name")
        field_value = request.arg("field_value")
        if not field_name or field_value is None:
            return _message(400, "field_name and field_value are required")
        standard = {f.upper() for f in OBJECTS[collection][1]}
        custom = field_name in self.custom_fields.get(collection, [])
        if field_name.upper() not in standard and not custom:
            return _message(400, "Invalid field_name")
        field = field_name if custom else field_name.upper()
        matches = [
            r
            for _, r in sorted(self.records[collection].items())
            if self._matches(r, field, field_value, custom)
        ]
        return self._page(request, matches)

    def list_records(self, request: Request) -> Response:
        """``GET /contacts`` and ``GET /leads``: every record in id order, paged like a search."""
        self._user(request)
        collection = request.path_params["collection"]
        return self._page(request, [r for _, r in sorted(self.records[collection].items())])

    def _page(self, request: Request, matches: list[JsonDict]) -> Response:
        """``skip``/``top`` (at most 500), ``brief`` and ``count_total`` of a list answer."""
        brief = (request.arg("brief") or "false").lower() == "true"
        skip = self._int_arg(request, "skip", 0)
        top = self._int_arg(request, "top", int(self.config["default_top"]))
        page = matches[skip : skip + min(top, 500)]
        body = [self._brief(r) if brief else r for r in page]
        response = Response.json(200, body)
        if (request.arg("count_total") or "").lower() == "true":
            response.headers["X-Total-Count"] = str(len(matches))
        return response

    @staticmethod
    def _brief(record: JsonDict) -> JsonDict:
        return {k: v for k, v in record.items() if k not in ("CUSTOMFIELDS", "TAGS", "LINKS", "DATES")}

    def create_person(self, request: Request) -> Response:
        user = self._user(request)
        collection = request.path_params["collection"]
        body = request.json_object()
        fields = set(OBJECTS[collection][1]) | {"CUSTOMFIELDS", "TAGS", "LINKS", OBJECTS[collection][0]}
        unknown = sorted(set(body) - fields)
        if unknown:
            return _message(400, f"Unknown field(s): {', '.join(unknown)}")
        if not any(str(body.get(f) or "").strip() for f in ("FIRST_NAME", "LAST_NAME")):
            return _message(400, "At least one of FIRST_NAME or LAST_NAME is required")
        for custom in body.get("CUSTOMFIELDS") or []:
            if not isinstance(custom, dict) or custom.get("FIELD_NAME") not in self.custom_fields.get(
                collection, []
            ):
                return _message(400, "Invalid custom field")
        rid = self.ids.next(collection)
        record = self._new_person(collection, rid, user["USER_ID"], self.clock.now())
        record.update({k: v for k, v in body.items() if k in OBJECTS[collection][1] or k == "CUSTOMFIELDS"})
        self.records[collection][rid] = record
        return Response.json(200, record)

    def get_record(self, request: Request) -> Response:
        self._user(request)
        collection = request.path_params["collection"]
        rid = as_int(request.path_params["id"])
        record = self.records[collection].get(rid) if rid is not None else None
        if record is None:
            return _message(404, f"{collection[:-1].capitalize()} not found")
        return Response.json(200, record)

    # -- events --------------------------------------------------------------------------------------------
    @staticmethod
    def _event_time(body: JsonDict, key: str) -> float:
        value = parse_time(body.get(key))
        if value is None:
            raise HttpError(
                _message(400, f"{key} is required and must be a date (ISO-8601 or yyyy-MM-dd HH:mm:ss)")
            )
        return value

    def _owner(self, body: JsonDict, default: int | None) -> int | None:
        if body.get("OWNER_USER_ID") is None:
            return default
        owner = as_int(body["OWNER_USER_ID"])
        if owner not in self.users:
            raise HttpError(_message(400, "OWNER_USER_ID does not refer to a user"))
        return owner

    def create_event(self, request: Request) -> Response:
        user = self._user(request)
        body = request.json_object()
        title = body.get("TITLE")
        if not isinstance(title, str) or not title.strip():
            return _message(400, "TITLE is required")
        start, end = self._event_time(body, "START_DATE_UTC"), self._event_time(body, "END_DATE_UTC")
        if end < start:
            return _message(400, "END_DATE_UTC must not be before START_DATE_UTC")
        details = body.get("DETAILS")
        if details is not None and not isinstance(details, str):
            return _message(400, "DETAILS must be a string")
        now = self.clock.now()
        eid = self.ids.next("events")
        event: JsonDict = {
            "EVENT_ID": eid,
            "TITLE": title,
            "LOCATION": body.get("LOCATION"),
            "START_DATE_UTC": _when(start),
            "END_DATE_UTC": _when(end),
            "ALL_DAY": bool(body.get("ALL_DAY", False)),
            "DETAILS": details,
            "DATE_CREATED_UTC": _when(now),
            "DATE_UPDATED_UTC": _when(now),
            "REMINDER_DATE_UTC": None,
            "REMINDER_SENT": False,
            "OWNER_USER_ID": self._owner(body, user["USER_ID"]),
            "CUSTOMFIELDS": [],
            "LINKS": [],
        }
        self.records["events"][eid] = event
        return Response.json(200, event)

    def search_events(self, request: Request) -> Response:
        """``GET /events/search``: events whose ``field_name`` equals ``field_value`` (exact, trimmed,
        case-insensitive; both or neither) and/or last updated at or after ``updated_after_utc``; in id
        order, paged like the other searches. ``brief=true`` drops ``LINKS``."""
        self._user(request)
        field_name, field_value = request.arg("field_name"), request.arg("field_value")
        if (field_name is None) != (field_value is None):
            return _message(400, "field_name and field_value must be given together")
        if field_name is not None and field_name.upper() not in EVENT_FIELDS:
            return _message(400, "Invalid field_name")
        raw_after = request.arg("updated_after_utc")
        after = parse_time(raw_after) if raw_after not in (None, "") else None
        if raw_after not in (None, "") and after is None:
            return _message(400, f"The value '{raw_after}' is not valid for updated_after_utc.")
        matches = []
        for _, event in sorted(self.records["events"].items()):
            if field_name is not None and field_value is not None:
                stored = event.get(field_name.upper())
                if stored is None or str(stored).strip().lower() != field_value.strip().lower():
                    continue
            if after is not None and (parse_time(event["DATE_UPDATED_UTC"]) or 0.0) < after:
                continue
            matches.append(event)
        return self._page(request, matches)

    def _event(self, raw_id: Any) -> JsonDict:
        eid = as_int(raw_id)
        event = self.records["events"].get(eid) if eid is not None else None
        if event is None:
            raise HttpError(_message(404, "Event not found"))
        return event

    def update_event(self, request: Request) -> Response:
        self._user(request)
        body = request.json_object()
        if body.get("EVENT_ID") in (None, ""):
            return _message(400, "EVENT_ID is required")
        if as_int(body["EVENT_ID"]) is None:
            return _message(400, "EVENT_ID must be a number")
        event = self._event(body["EVENT_ID"])
        updated = dict(event)
        if "TITLE" in body:
            if not isinstance(body["TITLE"], str) or not body["TITLE"].strip():
                return _message(400, "TITLE must be a non-empty string")
            updated["TITLE"] = body["TITLE"]
        if "DETAILS" in body:
            updated["DETAILS"] = body["DETAILS"]
        for key in ("START_DATE_UTC", "END_DATE_UTC"):
            if key in body:
                if body[key] is None:
                    if self.config["null_end_date"] == "reject":
                        return _message(400, f"{key} must not be null")
                    continue
                updated[key] = _when(self._event_time(body, key))
        if parse_time(updated["END_DATE_UTC"]) < parse_time(updated["START_DATE_UTC"]):  # type: ignore[operator]
            return _message(400, "END_DATE_UTC must not be before START_DATE_UTC")
        if "OWNER_USER_ID" in body:
            updated["OWNER_USER_ID"] = self._owner(body, None)
        updated["DATE_UPDATED_UTC"] = _when(self.clock.now())
        event.update(updated)
        return Response.json(200, event)

    def list_links(self, request: Request) -> Response:
        self._user(request)
        return Response.json(200, self._event(request.path_params["id"])["LINKS"])

    def add_link(self, request: Request) -> Response:
        self._user(request)
        event = self._event(request.path_params["id"])
        body = request.json_object()
        name = body.get("LINK_OBJECT_NAME")
        target_id = as_int(body.get("LINK_OBJECT_ID"))
        if not isinstance(name, str) or name.lower() not in LINK_TARGETS:
            return _message(
                400, "LINK_OBJECT_NAME must be Contact, Lead, Organisation, Opportunity or Project"
            )
        if target_id is None or target_id not in self.records[LINK_TARGETS[name.lower()]]:
            return _message(400, f"LINK_OBJECT_ID does not refer to an existing {name}")
        link = _link(self.ids.next("links"), name, target_id)
        link.update({"OBJECT_NAME": "Event", "OBJECT_ID": event["EVENT_ID"]})
        event["LINKS"].append(link)
        return Response.json(201, link)

    def delete_link(self, request: Request) -> Response:
        self._user(request)
        event = self._event(request.path_params["id"])
        link_id = as_int(request.path_params["link"])
        remaining = [link for link in event["LINKS"] if link["LINK_ID"] != link_id]
        if len(remaining) == len(event["LINKS"]):
            return _message(404, "Link not found")
        event["LINKS"] = remaining
        return Response(202)
