"""What the console knows of each sandbox CRM: how its users log in, where its people, phone numbers and logs
are kept in the sandbox's state, and how to name a record.

One :class:`CrmProfile` per CRM, read by the generic code of :mod:`local.console.app` and the page; a new
CRM's console support is one more entry in :data:`PROFILES` (the console falls back to showing only the API
exchange for a CRM it has no profile for). Everything here reads the sandbox's state as the control API
dumps it (``GET /__sandbox/<crm>/state``); nothing here talks to a connector.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import phonenumbers

JsonDict = dict[str, Any]
#: a sandbox's state, collection name -> records (or another JSON value)
State = Mapping[str, Any]

LoginKind = Literal["oauth-popup", "oauth-redirect", "apiKey"]


@dataclass(frozen=True)
class PhoneField:
    """A phone field of a people collection; ``label`` is shown beside a custom field's number."""

    key: str
    label: str = ""


@dataclass(frozen=True)
class People:
    """A collection of people (contacts, leads, candidates) of one App Connect contact type."""

    collection: str
    id_field: str
    #: the App Connect contact type (as the screen pop names it, any case)
    contact_type: str
    phones: Callable[[JsonDict], list[tuple[str, str]]]
    #: a record that is gone for the CRM (deleted) is not offered
    hidden: Callable[[JsonDict], bool] = lambda record: bool(
        record.get("isDeleted") or record.get("is_deleted")
    )
    note: Callable[[JsonDict], str] = lambda record: ""


@dataclass(frozen=True)
class LogCollection:
    """Where the CRM keeps the activities App Connect writes (call and message logs)."""

    collection: str
    id_field: str = "id"
    #: for records attached to a log (Redtail's activity notes): the field naming the log's id
    parent_field: str | None = None


@dataclass(frozen=True)
class CrmProfile:
    name: str
    login: LoginKind
    users: str
    user_id_field: str
    #: every name a user record answers to (the login answers the user's name, Redtail its username)
    user_names: Callable[[JsonDict], set[str]]
    #: who may log in, as the login form offers them: a label and the values it prefills
    login_choices: Callable[[State, str], list[JsonDict]]
    people: tuple[People, ...]
    logs: tuple[LogCollection, ...]
    #: the CRM host the extension would read from the CRM's page (``hostname`` of the login)
    hostname: Callable[[State], str] = lambda state: ""
    #: the collections the login reads (users, keys ...) besides :attr:`users`
    login_collections: tuple[str, ...] = ()
    uses_oauth_grants: bool = False
    #: the collection of the CRM's own sessions, if it has them (Bullhorn's REST sessions), by ``user_id``
    sessions: str | None = None
    extra: JsonDict = field(default_factory=dict)

    def collections(self) -> set[str]:
        return {self.users, *self.login_collections, *(p.collection for p in self.people)}


# -- helpers -----------------------------------------------------------------------------------------------


def _full_name(*keys: str) -> Callable[[JsonDict], str]:
    return lambda record: " ".join(str(record.get(k) or "").strip() for k in keys if record.get(k)).strip()


def _fields(*keys: str) -> Callable[[JsonDict], list[tuple[str, str]]]:
    return lambda record: [(str(record[k]), "") for k in keys if record.get(k)]


def _custom_fields(record: JsonDict) -> list[tuple[str, str]]:
    return [
        (str(c["FIELD_VALUE"]), f"custom field {c.get('FIELD_NAME')}")
        for c in record.get("CUSTOMFIELDS") or []
        if isinstance(c, dict) and isinstance(c.get("FIELD_VALUE"), str) and c["FIELD_VALUE"].strip()
    ]


def _records(state: State, collection: str) -> list[JsonDict]:
    value = state.get(collection)
    if isinstance(value, dict):
        value = list(value.values())
    return [r for r in value or [] if isinstance(r, dict)]


# -- the four sandbox CRMs ---------------------------------------------------------------------------------


def _pipedrive_choices(state: State, sandbox_url: str) -> list[JsonDict]:
    return [
        {"label": f"{u['name']} (user {u['id']})", "oauthUser": u["id"], "values": {}}
        for u in _records(state, "users")
        if not u.get("is_deleted") and u.get("active_flag", True)
    ]


def _pipedrive_hostname(state: State) -> str:
    company = state.get("company")
    domain = company.get("domain") if isinstance(company, dict) else None
    return f"{domain or 'sandbox'}.pipedrive.com"


def _bullhorn_choices(state: State, sandbox_url: str) -> list[JsonDict]:
    return [
        {
            "label": f"{u['name']} ({u['username']})",
            "oauthUser": u["id"],
            "values": {"username": u["username"]},
        }
        for u in _records(state, "CorporateUser")
        if u.get("username") and not u.get("isDeleted") and u.get("enabled", True)
    ]


def _insightly_choices(state: State, sandbox_url: str) -> list[JsonDict]:
    users = {u["USER_ID"]: u for u in _records(state, "users")}
    keys = state.get("api_keys")
    choices = []
    for api_key, user_id in keys.items() if isinstance(keys, dict) else []:
        user = users.get(user_id)
        if user is None:
            continue
        name = _full_name("FIRST_NAME", "LAST_NAME")(user)
        values = {"apiKey": api_key, "apiUrl": f"{sandbox_url}/insightly/v3.1"}
        choices.append({"label": f"{name} (API key of user {user_id})", "values": values})
    return choices


def _redtail_choices(state: State, sandbox_url: str) -> list[JsonDict]:
    return [
        {
            "label": f"{u['username']} ({_full_name('first_name', 'last_name')(u)})",
            "values": {"username": u["username"], "password": u.get("password") or ""},
        }
        for u in _records(state, "users")
        if u.get("username")
    ]


def _redtail_phones(record: JsonDict) -> list[tuple[str, str]]:
    return [
        (str(phone["number"]), "")
        for phone in record.get("phones") or []
        if isinstance(phone, dict) and phone.get("number")
    ]


def _redtail_country(record: JsonDict, stored: str) -> str | None:
    """Redtail keeps the country code apart from the number."""
    for phone in record.get("phones") or []:
        if isinstance(phone, dict) and str(phone.get("number")) == stored and phone.get("country_code"):
            return f"+{phone['country_code']}"
    return None


def _status_note(record: JsonDict) -> str:
    status = record.get("status")
    return f"status {status}" if status else ""


PROFILES: dict[str, CrmProfile] = {
    "pipedrive": CrmProfile(
        name="pipedrive",
        login="oauth-popup",
        users="users",
        user_id_field="id",
        user_names=lambda u: {str(u.get("name") or "")},
        login_choices=_pipedrive_choices,
        hostname=_pipedrive_hostname,
        login_collections=("company",),
        people=(
            People(
                "persons",
                "id",
                "contact",
                lambda r: [(str(p.get("value")), "") for p in r.get("phones") or [] if p.get("value")],
            ),
        ),
        logs=(LogCollection("activities"),),
        uses_oauth_grants=True,
    ),
    "bullhorn": CrmProfile(
        name="bullhorn",
        login="oauth-redirect",
        users="CorporateUser",
        user_id_field="id",
        user_names=lambda u: {str(u.get("name") or ""), str(u.get("username") or "")},
        login_choices=_bullhorn_choices,
        people=(
            People(
                "ClientContact",
                "id",
                "Contact",
                _fields("phone", "mobile", "phone2", "phone3"),
                note=_status_note,
            ),
            People(
                "Candidate",
                "id",
                "Candidate",
                _fields("phone", "mobile", "phone2", "phone3", "workPhone"),
                note=_status_note,
            ),
            People("Lead", "id", "Lead", _fields("phone", "mobile", "phone2", "phone3"), note=_status_note),
        ),
        logs=(LogCollection("Note"),),
        uses_oauth_grants=True,
        sessions="sessions",
    ),
    "insightly": CrmProfile(
        name="insightly",
        login="apiKey",
        users="users",
        user_id_field="USER_ID",
        user_names=lambda u: {_full_name("FIRST_NAME", "LAST_NAME")(u)},
        login_choices=_insightly_choices,
        # the Insightly web host the user works on (links to records); the API URL is typed in the form
        hostname=lambda state: "crm.na1.insightly.com",
        login_collections=("api_keys",),
        people=(
            People(
                "contacts",
                "CONTACT_ID",
                "Contact",
                lambda r: (
                    _fields("PHONE", "PHONE_MOBILE", "PHONE_HOME", "PHONE_OTHER", "PHONE_ASSISTANT")(r)
                    + _custom_fields(r)
                ),
            ),
            People("leads", "LEAD_ID", "Lead", lambda r: _fields("PHONE", "MOBILE")(r) + _custom_fields(r)),
        ),
        logs=(LogCollection("events", "EVENT_ID"),),
    ),
    "redtail": CrmProfile(
        name="redtail",
        login="apiKey",
        users="users",
        user_id_field="id",
        user_names=lambda u: {str(u.get("username") or ""), _full_name("first_name", "last_name")(u)},
        login_choices=_redtail_choices,
        people=(People("contacts", "id", "contact", _redtail_phones),),
        logs=(LogCollection("activities"), LogCollection("notes", parent_field="activity_id")),
    ),
}


# -- numbers that ring -------------------------------------------------------------------------------------

#: numbers tried, in order, for "a caller no record has"
_UNKNOWN_CANDIDATES = ("+14155550123", "+14155550111", "+14155550987", "+13125550144")


def e164(stored: str, country: str | None = None) -> str | None:
    """The E.164 form RingCentral reports a call from ``stored`` in (US numbers unless it says otherwise)."""
    text = stored.strip()
    if country and not text.startswith("+"):
        text = f"{country}{text}"
    try:
        parsed = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _type_name(contact_type: str) -> str:
    return contact_type[:1].upper() + contact_type[1:]


def numbers(profile: CrmProfile, state: State) -> list[JsonDict]:
    """Every phone number a person of the sandbox has, as stored (the messy ways people type them) and as
    it would ring (E.164), then one number nobody has."""
    offered: list[JsonDict] = []
    digits_stored: list[str] = []
    for people in profile.people:
        for record in _records(state, people.collection):
            if people.hidden(record):
                continue
            name = record.get("name") or record.get("full_name") or _person_name(record)
            for stored, label in people.phones(record):
                country = _redtail_country(record, stored) if profile.name == "redtail" else None
                ringing = e164(stored, country)
                digits_stored.append("".join(ch for ch in stored if ch.isdigit()))
                if ringing is None:
                    continue
                notes = [n for n in (label, people.note(record)) if n]
                offered.append(
                    {
                        "name": str(name),
                        "type": _type_name(people.contact_type),
                        "id": record.get(people.id_field),
                        "stored": stored,
                        "e164": ringing,
                        "note": ", ".join(notes),
                    }
                )
    unknown = next(
        (
            number
            for number in _UNKNOWN_CANDIDATES
            if not any(d and (d.endswith(number[2:]) or number[2:].endswith(d)) for d in digits_stored)
        ),
        _UNKNOWN_CANDIDATES[0],
    )
    offered.append(
        {"name": "", "type": "", "id": None, "stored": "", "e164": unknown, "note": "no record has it"}
    )
    return offered


def _person_name(record: JsonDict) -> str:
    for keys in (("firstName", "lastName"), ("FIRST_NAME", "LAST_NAME"), ("first_name", "last_name")):
        name = _full_name(*keys)(record)
        if name:
            return name
    return str(record.get("full_name") or record.get("company_name") or "")


# -- finding records ---------------------------------------------------------------------------------------


def people_of_type(profile: CrmProfile, contact_type: str) -> list[People]:
    """The people collections a contact type of the screen pop may name (all of them when none matches)."""
    wanted = contact_type.strip().lower()
    matching = [p for p in profile.people if p.contact_type.lower() == wanted]
    return matching or list(profile.people)


def same_id(value: Any, wanted: str) -> bool:
    return value is not None and str(value) == wanted


def find(records: Iterable[JsonDict], id_field: str, wanted: str) -> JsonDict | None:
    return next((r for r in records if same_id(r.get(id_field), wanted)), None)


__all__ = ["PROFILES", "CrmProfile", "LogCollection", "People", "e164", "numbers", "people_of_type"]
