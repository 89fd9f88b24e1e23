"""Insightly events, which hold call and message logs alike: writing one with its links, reading one back
with its links, and finding the one an interrupted attempt wrote (crash recovery).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from appconnect.connector import LogId, LogResult
from appconnect.connector.helpers import in_parallel
from appconnect.errors import CrmBadRequest, CrmError, return_message
from appconnect.observability import logger
from connectors.insightly.api import InsightlyApi
from connectors.insightly.records import (
    PLATFORM,
    assignee,
    canonical_kind,
    chosen_related,
    links_of,
    numeric_id,
    optional_id,
    parse_time,
    person_kind,
    person_link,
    with_assignment,
)

#: crash recovery: events searched per page, pages at most, and the clock skew allowed with Insightly
RECOVERY_PAGE_SIZE = 100
RECOVERY_PAGES = 3
RECOVERY_SLACK_S = 60


def create_event(
    api: InsightlyApi,
    body: dict[str, Any],
    contact_info: Mapping[str, Any],
    submission: Mapping[str, Any] | None,
    success: str,
    ttl: int,
) -> LogResult:
    """``POST /events`` then its links, all at once. Once the event exists its id is returned even if a
    link fails (with a warning): failing would make the extension log the call a second time."""
    kind = person_kind(contact_info.get("type"))
    person = optional_id(contact_info.get("id"))
    event = api.post("/events", body)
    event_id = event.get("EVENT_ID") if isinstance(event, dict) else None
    if event_id is None:
        raise CrmBadRequest("Insightly did not return the new event's id", platform=PLATFORM)
    links = [(kind, person)] if kind is not None and person is not None else []
    links += chosen_related(submission)
    failed = [
        name
        for name, ok in zip(
            (name for name, _ in links),
            in_parallel([_linker(api, event_id, name, target) for name, target in links]),
            strict=True,
        )
        if not ok
    ]
    message = return_message(success, "success", ttl)
    if kind is None or person is None:
        logger.info("insightly event not linked to a person", extra={"contactType": contact_info.get("type")})
        message = return_message(
            f"{success}, but it could not be linked to the contact: its type is unknown.", "warning", 5000
        )
    elif failed:
        message = return_message(
            f"{success}, but Insightly refused the link to: {', '.join(failed)}.", "warning", 5000
        )
    # Insightly's EVENT_ID, a number: the extension receives it as the reference sends it
    return LogResult(log_id=event_id, message=message)


def read_event(api: InsightlyApi, event_id: int) -> dict[str, Any]:
    """``GET /events/{id}`` with its links (read from ``/links`` when the event does not embed them)."""
    event = api.get(f"/events/{event_id}")
    event = dict(event) if isinstance(event, dict) else {}
    if not isinstance(event.get("LINKS"), list):
        links = api.get(f"/events/{event_id}/links")
        event["LINKS"] = links if isinstance(links, list) else []
    return event


def find_event(
    api: InsightlyApi,
    title: str,
    start: datetime | None,
    owner: int | None,
    contact_info: Mapping[str, Any],
    additional_submission: Mapping[str, Any] | None,
    since: float,
) -> LogId | None:
    """``GET /Events/Search`` for events with this title updated since the attempt began (a minute of
    slack for clock skew), then: the same start time, the same owner, created since then, and linked to the
    contact or lead. An event with no contact or lead link at all also counts (the attempt died between the
    event and its links): its missing links are written now. An older identical event (an earlier call
    logged the same way) was created before ``since`` and is left."""
    earliest = datetime.fromtimestamp(since - RECOVERY_SLACK_S, UTC)
    kind, person = person_kind(contact_info.get("type")), optional_id(contact_info.get("id"))
    wanted = [(kind, person)] if kind is not None and person is not None else []
    wanted += chosen_related(additional_submission)
    params: dict[str, Any] = {
        "field_name": "TITLE",
        "field_value": title,
        "updated_after_utc": earliest.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "brief": "false",
        "top": RECOVERY_PAGE_SIZE,
    }
    unlinked: dict[str, Any] | None = None
    for page in range(RECOVERY_PAGES):
        events = api.get("/events/search", params={**params, "skip": page * RECOVERY_PAGE_SIZE})
        events = [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []
        for event in events:
            if not _same_call(event, title, start, earliest, owner):
                continue
            if not isinstance(event.get("LINKS"), list):
                event = read_event(api, numeric_id(event.get("EVENT_ID"), "event id"))
            linked = person_link(event)
            if linked is not None and linked == (kind, person):
                return event["EVENT_ID"]  # the id as Insightly gives it, as create_call_log does
            if linked is None and unlinked is None:
                unlinked = event
        if len(events) < RECOVERY_PAGE_SIZE:
            break
    if unlinked is None:
        return None
    have = {(canonical_kind(n), optional_id(i)) for n, i in _link_pairs(unlinked)}
    missing = [(name, target) for name, target in wanted if (name, target) not in have]
    in_parallel([_linker(api, unlinked["EVENT_ID"], name, target) for name, target in missing])
    logger.info("insightly recovered an event without its links", extra={"links": len(missing)})
    return str(unlinked["EVENT_ID"])


def _linker(api: InsightlyApi, event_id: Any, name: str, target: int) -> Callable[[], bool]:
    def link() -> bool:
        try:
            api.post(f"/events/{event_id}/links", {"LINK_OBJECT_NAME": name, "LINK_OBJECT_ID": target})
        except CrmError as error:
            logger.warning(
                "insightly event link failed",
                extra={"link": name, "status": error.status, "error": type(error).__name__},
            )
            return False
        return True

    return link


def _same_call(
    event: Mapping[str, Any], title: str, start: datetime | None, earliest: datetime, owner: int | None
) -> bool:
    """Whether ``event`` is what :func:`connectors.insightly.call_logs.create_call_log` writes for this call,
    created since ``earliest`` (Insightly keeps whole seconds, in UTC). Without a start time the attempt used
    its own "now", so any start since ``earliest`` fits."""
    if event.get("EVENT_ID") is None or event.get("TITLE") != title:
        return False
    created = parse_time(event.get("DATE_CREATED_UTC"))
    if created is not None and created < earliest.replace(microsecond=0):
        return False
    if owner is not None and optional_id(event.get("OWNER_USER_ID")) not in (None, owner):
        return False
    began = parse_time(event.get("START_DATE_UTC"))
    if began is None:
        return False
    if start is None:
        return began >= earliest.replace(microsecond=0)
    return abs((began - start).total_seconds()) < 1


def _link_pairs(event: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    return [(link.get("LINK_OBJECT_NAME"), link.get("LINK_OBJECT_ID")) for link in links_of(event)]


def create_assigned_event(
    api: InsightlyApi,
    body: dict[str, Any],
    contact_info: Mapping[str, Any],
    submission: Mapping[str, Any],
    user_mappings: Sequence[Mapping[str, Any]],
    done: str,
    ttl: int,
) -> LogResult:
    """:func:`create_event` owned by the admin's assignee when there is one, saying whether it was."""
    owner = assignee(submission, user_mappings)
    if owner:
        body["OWNER_USER_ID"] = owner
    return with_assignment(
        create_event(api, body, contact_info, submission, done, ttl), submission, owner, done, ttl
    )
