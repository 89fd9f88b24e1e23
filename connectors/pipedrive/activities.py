"""What call logs and message logs share: both are Pipedrive activities on a person, typed by an
activity type, dated by a due date and time, linked to a deal or lead and the person's organisation, and
found again by the same search after an interrupted attempt, owned by the admin's assignee when there is one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from appconnect.connector import CrmUser, LogId, LogResult
from appconnect.connector.helpers import assigned_crm_user_id, assignment_message
from connectors.pipedrive.activity_types import AccountCache, ActivityTypeResolver, from_response
from connectors.pipedrive.api import PipedriveApi, data_of
from connectors.pipedrive.formatting import (
    PLATFORM,
    company_host,
    deal_and_lead,
    due_date_and_time,
    optional_numeric_id,
)

#: pages of 100 activities searched when recovering an interrupted call log
RECOVERY_PAGES = 3


def activity_types(api: PipedriveApi, user: CrmUser, cache: AccountCache | None) -> ActivityTypeResolver:
    company = user.platform_additional_info.get("companyId") or company_host(user.hostname) or user.id
    return ActivityTypeResolver(
        lambda: from_response(api.get(api.company("/api/v1/activityTypes")).body),
        cache,
        f"pipedrive-activity-types-{company}",
    )


def find_activity(
    api: PipedriveApi, person_id: int, owner: int, subject: str, due: Mapping[str, str], since: float
) -> LogId | None:
    """The id of the contact's activity of this owner, updated since ``since`` (a minute of slack for
    clock skew), with this subject and due date and time; searched over at most RECOVERY_PAGES pages."""
    updated_since = datetime.fromtimestamp(since - 60, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    params: dict[str, Any] = {
        "person_id": person_id,
        "owner_id": owner,
        "updated_since": updated_since,
        "limit": 100,
    }
    for _page in range(RECOVERY_PAGES):
        body = api.get(api.company("/api/v2/activities"), params=params).json()
        for activity in (body or {}).get("data") or []:
            if (
                activity.get("subject") == subject
                and activity.get("due_date") == due.get("due_date")
                and activity.get("due_time") == due.get("due_time")
            ):
                return activity.get("id")  # the id as Pipedrive gives it, as create_call_log does
        cursor = ((body or {}).get("additional_data") or {}).get("next_cursor")
        if not cursor:
            return None
        params["cursor"] = cursor
    return None


def activity_id(data: Mapping[str, Any]) -> Any:
    """A new activity's id as Pipedrive gives it (a number), or ``None``."""
    return data.get("id") if data.get("id") not in (None, "") else None


def org_of(api: PipedriveApi, person_id: int) -> int | None:
    data = data_of(api.get(api.company(f"/api/v2/persons/{person_id}")))
    return optional_numeric_id(data.get("org_id")) if isinstance(data, dict) else None


def due(when: Any) -> dict[str, str]:
    parts = due_date_and_time(when)
    return {"due_date": parts[0], "due_time": parts[1]} if parts else {}


def links(submission: Mapping[str, Any], org_id: int | None) -> dict[str, Any]:
    deal, lead = deal_and_lead(submission)
    linked: dict[str, Any] = {}
    if deal is not None:
        linked["deal_id"] = deal
    elif lead:
        linked["lead_id"] = lead
    if org_id:
        linked["org_id"] = org_id
    return linked


def assignee(submission: Mapping[str, Any], user_mappings: Sequence[Mapping[str, Any]]) -> int | None:
    """The Pipedrive owner an admin assigned the log to (server-side logging), or ``None``."""
    return optional_numeric_id(assigned_crm_user_id(submission, user_mappings, PLATFORM))


def post_activity(
    api: PipedriveApi, body: dict[str, Any], submission: Mapping[str, Any], owner: Any, done: str, ttl: int
) -> LogResult:
    """``POST /api/v2/activities``; the answer names the new activity (Pipedrive's numeric id, as the
    reference answered it) and whether the admin's assignment was made."""
    data = data_of(api.post(api.company("/api/v2/activities"), body)) or {}
    return LogResult(
        log_id=activity_id(data), message=assignment_message(submission, owner, done, "Pipedrive", ttl=ttl)
    )
