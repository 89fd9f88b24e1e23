"""Pure helpers of the Pipedrive connector: the values Pipedrive's API wants, and parsing what it returns.

No I/O here, so every rule (durations, due dates, ids, the agent-note parse-back) is testable alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from appconnect.connector import helpers
from appconnect.connector.client import host_of
from appconnect.connector.helpers import duration_seconds as seconds

PLATFORM = "pipedrive"

_AGENT_NOTE = re.compile(r"<b>Agent notes</b>([\s\S]*?)<b>Call details</b>")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def pipedrive_duration(value: Any) -> str | None:
    """Pipedrive's ``HH:MM`` activity duration, a started minute counting as a whole one.

    ``300`` s gives ``00:05``, ``487`` s ``00:09``, ``3599`` s ``01:00``, ``4500`` s ``01:15``. The reference
    added one minute to every duration (``00:06`` for exactly five minutes, even ``00:60``); that is fixed
    (docs/compatibility.md, Pipedrive). ``None`` when the duration is not a number of seconds.
    """
    total = seconds(value)
    if total is None:
        return None
    minutes = math.ceil(total / 60 - 1e-9)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def due_date_and_time(value: Any) -> tuple[str, str] | None:
    """``(YYYY-MM-DD, HH:MM)`` in UTC for an ISO time or epoch milliseconds; ``None`` if unreadable."""
    from appconnect.composer import parse_instant

    instant = parse_instant(value) if isinstance(value, str | int | float) else None
    if instant is None:
        return None
    return instant.strftime("%Y-%m-%d"), instant.strftime("%H:%M")


def numeric_id(value: Any, what: str) -> int:
    """A Pipedrive integer id from a number or numeric text (API v2 does not coerce strings)."""
    return helpers.numeric_id(value, what, "Pipedrive", PLATFORM)


def optional_numeric_id(value: Any) -> int | None:
    """The integer id, or ``None`` when the value is empty or not numeric."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isdigit() else None


def owner_id_of(user_id: str) -> int:
    """The Pipedrive user id inside an App Connect user id (``12345-pipedrive`` -> ``12345``)."""
    return numeric_id(str(user_id).split("-", 1)[0], "user id")


def deal_and_lead(submission: Mapping[str, Any] | None) -> tuple[int | None, str | None]:
    """The deal and lead chosen in the log form (``additionalSubmission.deals`` / ``.leads``).

    A deal wins over a lead (the form warns about it). Unlike the reference, no empty ``deal_id: ""`` is
    sent when nothing was chosen: API v2 rejects a string where it expects an integer.
    """
    if not submission:
        return None, None
    deal = optional_numeric_id(submission.get("deals"))
    lead_value = submission.get("leads")
    lead = str(lead_value) if lead_value not in (None, "") and deal is None else None
    return deal, lead


def parse_agent_note(body: str | None) -> str:
    """The agent's note between ``<b>Agent notes</b>`` and ``<b>Call details</b>``, ``<br>`` removed.

    The composer escapes HTML, so entities are turned back into text. ``""`` when there is no note block.
    """
    if not body:
        return ""
    match = _AGENT_NOTE.search(body)
    if match is None:
        return ""
    from appconnect.composer import unescape_html

    return unescape_html(_BR.sub("", match.group(1)))


def admin_setting(admin_settings: Mapping[str, Any] | None, setting_id: str) -> str:
    """An admin setting's value (``{settingId: {value}}`` as AdminConfig stores it, or a bare value)."""
    entry = (admin_settings or {}).get(setting_id)
    if isinstance(entry, Mapping):
        entry = entry.get("value")
    return str(entry) if entry not in (None, "") else ""


def company_host(hostname: str) -> str:
    """The bare host of what the user gave as their Pipedrive address (a URL is reduced to its host)."""
    return host_of(hostname).lower()
