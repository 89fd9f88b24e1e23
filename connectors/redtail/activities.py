"""What call and message logs share: both are Redtail activities of the "Call" activity code, linked to
the contact, filed under a category, created completed, dated in UTC, and found again after an
interrupted attempt.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from appconnect.composer import parse_instant
from appconnect.connector import CrmUser, LogId, ReturnMessage
from appconnect.connector.helpers import numeric_id
from appconnect.errors import CrmBadRequest, details, return_message
from connectors.redtail.api import PLATFORM, RedtailApi

#: Redtail's activity code for calls; message logs use it too, as the reference does
CALL_ACTIVITY_CODE = 3
TIMEZONE_SETTING = "redtailCustomTimezone"
#: the attendee type of a Redtail user (an admin's assignee)
ATTENDEE_USER = "Crm::Activity::Attendee::User"
#: how far back, and how many pages of a contact's activities, recovery looks
RECOVERY_SLACK_S = 120
RECOVERY_PAGES = 3


def custom_utc_offset(user_settings: Mapping[str, Any]) -> float | None:
    """The user's ``redtailCustomTimezone`` in hours (``-8``, ``5.5``), or None when unset or unreadable.
    Redtail gives no time zone of its own for a user."""
    entry = user_settings.get(TIMEZONE_SETTING)
    value = entry.get("value") if isinstance(entry, Mapping) else None
    try:
        hours = float(value) if value not in (None, "") else math.nan
    except (TypeError, ValueError):
        return None
    return hours if math.isfinite(hours) and -12 <= hours <= 14 else None


def iso(moment: datetime) -> str:
    """Redtail's date-time form: UTC with milliseconds and ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def when(value: Any, what: str) -> datetime:
    """A client time (epoch ms or ISO text) that Redtail requires; a clear 400 when it cannot be read."""
    parsed = parse_instant(value)
    if parsed is None:
        raise CrmBadRequest(f"{what} must be a date and time.", platform=PLATFORM)
    return parsed


def span(start: datetime, duration: float | None) -> dict[str, str]:
    end = start + timedelta(seconds=duration or 0)
    return {"start_date": iso(start), "end_date": iso(end)}


def contact_id(contact_info: Mapping[str, Any]) -> int:
    return numeric_id(contact_info.get("id"), "contactId", "Redtail contact", PLATFORM)


def attendees(assignee: str | None) -> dict[str, Any]:
    """The Redtail user an admin assigned the log to, as the activity's attendee (numeric ids only)."""
    if assignee is None or not assignee.isdigit():
        return {}
    return {"attendees": [{"type": ATTENDEE_USER, "user_id": int(assignee)}]}


def create_activity(api: RedtailApi, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """``POST /activities`` created completed; a Redtail that ignored ``completed`` gets the PUT the
    reference always sent. The new activity, and whether it lost its category: one deleted in Redtail
    since the user chose it (their default, or a form left open) is refused, and the log is kept without."""
    uncategorised = False
    try:
        created = api.post("/activities", {**body, "completed": True})
    except CrmBadRequest as error:
        if body.get("category_id") is None or "category" not in json.dumps(error.body or str(error)):
            raise
        created = api.post("/activities", {**body, "category_id": None, "completed": True})
        uncategorised = True
    activity = created.get("activity") or {}
    if activity.get("id") is not None and activity.get("completed") is not True:
        api.put(f"/activities/{activity['id']}", {"completed": True})
    return activity, uncategorised


def category_lost(message: ReturnMessage | None) -> ReturnMessage:
    """The answer for a log kept without the category Redtail refused."""
    done = str((message or {}).get("message") or "Logged")
    return return_message(
        f"{done}, without a category",
        "warning",
        3000,
        details=details(
            "Redtail no longer has the category chosen. Choose another in the log form or settings."
        ),
    )


def read_activity(api: RedtailApi, log_id: LogId) -> dict[str, Any]:
    """``GET /activities/{id}`` with the linked contacts' names."""
    activity = api.get(f"/activities/{log_id}", headers={"include": "linked_contacts"}).get("activity")
    return activity if isinstance(activity, dict) else {}


def find_activity(
    api: RedtailApi, user: CrmUser, contact: int, subject: str, start: datetime, since: float
) -> LogId | None:
    """The activity this user created since ``since`` with this subject and start, linked to the contact
    when the listing says: what an interrupted attempt wrote. ``GET /activities`` lists the activities
    dated within a range; the range is the start's day either side, at most RECOVERY_PAGES pages."""
    creator = (user.platform_additional_info.get("userResponse") or {}).get("id")
    after = datetime.fromtimestamp(since - RECOVERY_SLACK_S, UTC)
    start = start.replace(microsecond=start.microsecond // 1000 * 1000)
    window = {"start_date": iso(start - timedelta(days=1)), "end_date": iso(start + timedelta(days=1))}
    for page in range(1, RECOVERY_PAGES + 1):
        listed = api.get("/activities", params={**window, "page": page})
        for activity in listed.get("activities") or []:
            if isinstance(activity, dict) and _written_by_attempt(
                activity, subject, start, contact, after, creator
            ):
                found = activity.get("id")
                return found if isinstance(found, int | str) else None
        if page >= int((listed.get("meta") or {}).get("total_pages") or 1):
            break
    return None


def _written_by_attempt(
    activity: Mapping[str, Any], subject: str, start: datetime, contact: int, after: datetime, creator: Any
) -> bool:
    created = parse_instant(activity.get("created_at"))
    linked = activity.get("linked_contacts")
    contacts = (
        {c.get("contact_id") for c in linked if isinstance(c, dict)} if isinstance(linked, list) else None
    )
    return (
        activity.get("subject") == subject
        and parse_instant(activity.get("start_date")) == start
        and (created is None or created >= after)
        and (creator is None or activity.get("created_by_id") in (None, creator))
        and (contacts is None or contact in contacts)
    )
