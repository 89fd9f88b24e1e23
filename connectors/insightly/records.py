"""Pure helpers of the Insightly connector: records to App Connect contacts, event times, links, the
agent-note parse-back and the admin assignee. No I/O here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from appconnect.connector import LogResult
from appconnect.connector.helpers import assigned_crm_user_id, assignment_message
from appconnect.connector.helpers import duration_seconds as seconds
from appconnect.errors import CrmBadRequest, details

PLATFORM = "insightly"

#: the link names Insightly uses (the API compares them without regard to case)
CONTACT, LEAD = "Contact", "Lead"
ORGANISATION, OPPORTUNITY, PROJECT = "Organisation", "Opportunity", "Project"
#: related record kind -> (collection, id field, name field, additionalInfo / disposition key)
RELATED: dict[str, tuple[str, str, str, str]] = {
    ORGANISATION: ("organisations", "ORGANISATION_ID", "ORGANISATION_NAME", "organisation"),
    OPPORTUNITY: ("opportunities", "OPPORTUNITY_ID", "OPPORTUNITY_NAME", "opportunity"),
    PROJECT: ("projects", "PROJECT_ID", "PROJECT_NAME", "project"),
}
#: what the log forms may call each related record (the message-log form spells it "organization")
SUBMISSION_KEYS: dict[str, tuple[str, ...]] = {
    ORGANISATION: ("organisation", "organization"),
    OPPORTUNITY: ("opportunity",),
    PROJECT: ("project",),
}
PERSON_COLLECTIONS = {CONTACT: "contacts", LEAD: "leads"}
ID_FIELDS = {CONTACT: "CONTACT_ID", LEAD: "LEAD_ID"}

_AGENT_NOTE = re.compile(r"- (?:Note|Agent notes): ([\s\S]*?)(?=\n- [A-Z][a-zA-Z\s/]*:|\n\Z|\Z)")


# -- ids and names -------------------------------------------------------------------------------------------


def numeric_id(value: Any, what: str) -> int:
    """An Insightly integer id from a number or numeric text."""
    if isinstance(value, bool):
        raise CrmBadRequest(f"the {what} {value!r} is not an Insightly id", platform=PLATFORM)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value if value is not None else "").strip()
    if text.isdigit():
        return int(text)
    raise CrmBadRequest(f"the {what} {value!r} is not an Insightly id", platform=PLATFORM)


def optional_id(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return numeric_id(value, "id")
    except CrmBadRequest:
        return None


def full_name(record: Mapping[str, Any]) -> str:
    return f"{record.get('FIRST_NAME') or ''} {record.get('LAST_NAME') or ''}".strip()


def person_kind(contact_type: Any) -> str | None:
    """``Contact`` or ``Lead`` for the type the extension sends back, whatever its case or suffix.

    The reference linked only ``Contact``/``contactPhone``/``contactMobile`` and ``Lead``/``leadPhone``/
    ``leadMobile``, so a contact created from the extension (type ``contact``) got an unlinked event.
    """
    text = str(contact_type or "").strip().lower()
    if text.startswith("contact"):
        return CONTACT
    if text.startswith("lead"):
        return LEAD
    return None


def split_name(name: str, kind: str) -> dict[str, str]:
    """``FIRST_NAME`` / ``LAST_NAME`` for a new person: the first word, then the rest.

    One word is the first name of a contact but the last name of a lead (Insightly requires a lead's
    last name); the reference made it ``<word> Lead`` for both.
    """
    words = name.split()
    if not words:
        return {}
    if len(words) == 1:
        return {"LAST_NAME": words[0]} if kind == LEAD else {"FIRST_NAME": words[0]}
    return {"FIRST_NAME": words[0], "LAST_NAME": " ".join(words[1:])}


# -- contacts ------------------------------------------------------------------------------------------------


def related_refs(record: Mapping[str, Any]) -> list[tuple[str, int]]:
    """``(kind, id)`` of the organisations, opportunities and projects linked to a contact or lead.

    Link names are compared without regard to case; a contact's own ``ORGANISATION_ID`` counts too (API
    v3.1 keeps the primary organisation there, not always as a link).
    """
    refs: list[tuple[str, int]] = []
    org = optional_id(record.get("ORGANISATION_ID"))
    if org is not None:
        refs.append((ORGANISATION, org))
    for link in record.get("LINKS") or []:
        if not isinstance(link, Mapping):
            continue
        kind = canonical_kind(link.get("LINK_OBJECT_NAME"))
        target = optional_id(link.get("LINK_OBJECT_ID"))
        if kind in RELATED and target is not None:
            refs.append((kind, target))
    return list(dict.fromkeys(refs))


def canonical_kind(name: Any) -> str | None:
    text = str(name or "").strip().lower()
    for kind in (CONTACT, LEAD, *RELATED):
        if text == kind.lower():
            return kind
    return None


def related_option(kind: str, record: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``{title, const}`` of a fetched organisation, opportunity or project (``None`` if missing)."""
    if not isinstance(record, Mapping):
        return None
    _, id_field, name_field, _ = RELATED[kind]
    if record.get(id_field) is None:
        return None
    return {"title": record.get(name_field) or "", "const": record.get(id_field)}


def to_contact(
    record: Mapping[str, Any],
    kind: str,
    phone: str | None,
    related: Mapping[tuple[str, int], dict[str, Any] | None],
) -> dict[str, Any]:
    """An App Connect contact (``type`` ``Contact`` or ``Lead``) with its selectable related records."""
    additional: dict[str, list[dict[str, Any]]] = {}
    for ref in related_refs(record):
        option = related.get(ref)
        if option is not None:
            additional.setdefault(RELATED[ref[0]][3], []).append(option)
    contact: dict[str, Any] = {
        "id": record.get(ID_FIELDS[kind]),
        "name": full_name(record),
        "phone": phone,
        "title": record.get("TITLE"),
        "type": kind,
        "createdDate": record.get("DATE_CREATED_UTC"),
        "mostRecentActivityDate": record.get("LAST_ACTIVITY_DATE_UTC") or record.get("DATE_UPDATED_UTC"),
        "additionalInfo": additional,
    }
    return contact


def custom_field_value(record: Mapping[str, Any], field: str) -> Any:
    for entry in record.get("CUSTOMFIELDS") or []:
        if isinstance(entry, Mapping) and entry.get("FIELD_NAME") == field:
            return entry.get("FIELD_VALUE")
    return None


# -- times ---------------------------------------------------------------------------------------------------


def parse_time(value: Any) -> datetime | None:
    """An aware UTC time from epoch milliseconds, ISO-8601 or Insightly's ``yyyy-MM-dd HH:mm:ss``."""
    from appconnect.composer import parse_instant

    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?", value.strip()):
        value = value.strip().replace(" ", "T") + "Z"
    if isinstance(value, datetime | str | int | float):
        return parse_instant(value)
    return None


def iso(moment: datetime) -> str:
    """``2026-03-12T16:05:00.000Z``: the reference's format (Insightly reads it as UTC)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def plus_seconds(start: datetime, duration: Any) -> datetime:
    return start + timedelta(seconds=seconds(duration) or 0)


# -- call logs -----------------------------------------------------------------------------------------------


def call_subject(call_log: Mapping[str, Any], contact_name: str) -> str:
    custom = call_log.get("customSubject")
    if isinstance(custom, str) and custom.strip():
        return custom
    direction = str(call_log.get("direction") or "")
    preposition = "to" if direction == "Outbound" else "from"
    return f"{direction} Call {preposition} {contact_name}"


def parse_agent_note(details: str) -> str:
    """The agent note of a plain-text call-log body (``- Note: ...`` or ``- Agent notes: ...``)."""
    found = _AGENT_NOTE.search(details or "")
    return found.group(1).strip() if found else ""


def chosen_related(submission: Mapping[str, Any] | None) -> list[tuple[str, int]]:
    """``(kind, id)`` of the organisation, opportunity and project chosen on a log form.

    Both spellings of organisation are read: the call-log form says ``organisation``, the message-log form
    ``organization``; the reference read only ``organization`` for call logs (so the call-log choice was
    dropped) and no related record at all for message logs.
    """
    chosen: list[tuple[str, int]] = []
    for kind, keys in SUBMISSION_KEYS.items():
        for key in keys:
            target = optional_id((submission or {}).get(key))
            if target is not None:
                chosen.append((kind, target))
                break
    return chosen


def links_of(event: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [link for link in event.get("LINKS") or [] if isinstance(link, Mapping)]


def person_link(event: Mapping[str, Any]) -> tuple[str, int] | None:
    """The first contact or lead the event is linked to (the reference assumed it was ``LINKS[0]``)."""
    for link in links_of(event):
        kind = canonical_kind(link.get("LINK_OBJECT_NAME"))
        target = optional_id(link.get("LINK_OBJECT_ID"))
        if kind in PERSON_COLLECTIONS and target is not None:
            return kind, target
    return None


def dispositions_of(event: Mapping[str, Any]) -> dict[str, Any]:
    """``{organisation, opportunity, project}`` ids the event is linked to (the last link of each kind)."""
    result: dict[str, Any] = {}
    for link in links_of(event):
        kind = canonical_kind(link.get("LINK_OBJECT_NAME"))
        if kind in RELATED:
            result[RELATED[kind][3]] = link.get("LINK_OBJECT_ID")
    return result


# -- assignment ----------------------------------------------------------------------------------------------


def assignee(
    submission: Mapping[str, Any] | None, user_mappings: Sequence[Mapping[str, Any]] | None
) -> int | None:
    """The Insightly user an admin assigned the log to (server-side logging), or ``None``."""
    return optional_id(assigned_crm_user_id(submission, user_mappings, PLATFORM))


def with_assignment(
    result: LogResult, submission: Mapping[str, Any] | None, owner: int | None, done: str, ttl: int
) -> LogResult:
    """:func:`connectors.insightly.events.create_event`'s answer, saying whether the admin's assignment was
    made (``owner``: the user the event belongs to, ``None`` when it could not be resolved): its success
    becomes the "logged, but not assigned" warning; a link warning is kept and the assignment's goes into
    its details."""
    said = assignment_message(submission, owner, done, "Insightly", ttl=ttl)
    if said["messageType"] == "success":
        return result
    current = result.message
    if current is None or current.get("messageType") == "success":
        return LogResult(log_id=result.log_id, message=said)
    merged = {**current, "details": [*(current.get("details") or []), *details(str(said["message"]))]}
    return LogResult(log_id=result.log_id, message=merged)
