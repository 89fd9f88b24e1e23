"""The shared-SMS composer (``composeSharedSMSLog`` of the reference).

A RingCentral shared inbox conversation (owner, assignee, messages and internal notes) is rendered as one
summary that replaces the CRM activity's body on every update. Each connector uses the subject and body
verbatim, in its own log format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from appconnect.composer.formatting import (
    HTML,
    MARKDOWN,
    LogFormat,
    UtcOffset,
    escape_html,
    js_str,
    js_truthy,
    parse_instant,
    require_log_format,
    utc_offset_minutes,
)
from appconnect.composer.moment import format_instant

__all__ = ["SharedSmsLogContent", "compose_shared_sms_log"]

_DAY = "dddd, MMMM DD, YYYY"
_TIME = "hh:mm A"
_ENTRY_TIME = "YYYY-MM-DD hh:mm A"


class SharedSmsLogContent(NamedTuple):
    """Subject and body of a shared-SMS activity, plus when the conversation started (``None`` if unknown)."""

    subject: str
    body: str
    conversation_created_date: datetime | None


class _Entry(NamedTuple):
    created: datetime | None
    content: str


def _name(value: object) -> str:
    if isinstance(value, Mapping):
        name = value.get("name")
        return js_str(name) if js_truthy(name) else ""
    return ""


def _entities(conversation: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    entities = conversation.get("entities")
    if not isinstance(entities, list):
        return []
    return [entity for entity in entities if isinstance(entity, Mapping)]


def _participants(entities: Sequence[Mapping[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for entity in entities:
        for role in ("author", "from", "initiator", "assignee"):
            name = _name(entity.get(role))
            if name:
                seen.setdefault(name, None)
    return list(seen)


def _latest_modified(conversation: Mapping[str, Any]) -> datetime | None:
    messages = conversation.get("messages")
    latest: datetime | None = None
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, Mapping):
            continue
        modified = parse_instant(message.get("lastModifiedTime"))
        if modified is not None and (latest is None or modified > latest):
            latest = modified
    return latest


def _entry(
    entity: Mapping[str, Any], contact_name: str, log_format: LogFormat, offset: float | None
) -> _Entry | None:
    record_type = entity.get("recordType")
    created = parse_instant(entity.get("creationTime"))
    time = format_instant(created, _ENTRY_TIME, offset)
    if record_type == "AliveMessage":
        author = _name(entity.get("author")) or _name(entity.get("from"))
        sender = contact_name if entity.get("direction") == "Inbound" else author
        text = js_str(entity.get("text")) or js_str(entity.get("subject"))
        return _Entry(created, _wrote(log_format, sender, f"said on {time}", text))
    if record_type == "ThreadAssignedHint":
        assignee = _name(entity.get("assignee")) or "Unknown"
        if log_format == HTML:
            content = f"<p><i>Conversation assigned to <b>{escape_html(assignee)}</b></i></p>"
        elif log_format == MARKDOWN:
            content = f"*Conversation assigned to **{assignee}***\n"
        else:
            content = f"Conversation assigned to {assignee}\n"
        return _Entry(created, content)
    if record_type == "AliveNote":
        author = _name(entity.get("author")) or _name(entity.get("initiator")) or "Unknown"
        text = js_str(entity.get("text")) or js_str(entity.get("body"))
        return _Entry(created, _wrote(log_format, author, f"left a note on {time}", text))
    return None


def _wrote(log_format: LogFormat, who: str, what: str, text: str) -> str:
    """A message or a note: who, what they did and when, then the text on its own line."""
    if log_format == HTML:
        return f"<p><b>{escape_html(who)}</b> {what}:<br>{escape_html(text)}</p>"
    if log_format == MARKDOWN:
        return f"**{who}** {what}:\n{text}\n"
    return f"{who} {what}:\n{text}\n"


def _newest_first(entries: list[_Entry]) -> list[_Entry]:
    # ISO text and epoch ms alike sort newest first; undated entries keep their order, last.
    dated = [(entry.created, entry) for entry in entries if entry.created is not None]
    dated.sort(key=lambda pair: pair[0], reverse=True)
    return [entry for _, entry in dated] + [entry for entry in entries if entry.created is None]


def _count_line(entities: Sequence[Mapping[str, Any]]) -> str:
    messages = sum(1 for entity in entities if entity.get("recordType") == "AliveMessage")
    notes = sum(1 for entity in entities if entity.get("recordType") == "AliveNote")
    parts = []
    if messages > 0:
        parts.append(f"{messages} message{'s' if messages != 1 else ''}")
    if notes > 0:
        parts.append(f"{notes} note{'s' if notes != 1 else ''}")
    return ", ".join(parts) or "0 messages"


def _duration(started: datetime | None, ended: datetime | None) -> str:
    if started is None or ended is None:
        return "0 d 0 h"
    seconds = (ended - started).total_seconds()
    total_hours = int(seconds / 3600)
    days = int(seconds / 86400)
    return f"{days} d {total_hours - days * 24} h"


def compose_shared_sms_log(
    *,
    log_format: LogFormat,
    conversation: Mapping[str, Any],
    contact_name: str,
    timezone_offset: UtcOffset = None,
    now: datetime | None = None,
) -> SharedSmsLogContent:
    """Compose the subject and body of a shared-SMS conversation log.

    Args:
        log_format: ``"text/plain"``, ``"text/html"`` or ``"text/markdown"``.
        conversation: the request's ``logInfo`` (``creationTime``, ``messages``, ``entities``, ``owner``).
        contact_name: the matched contact's name (the customer).
        timezone_offset: the user's ``timezoneOffset``, read with moment's ``utcOffset`` rules; ``None``: UTC.
        now: the start time used when the conversation has no ``creationTime`` (default: the current time).

    Returns:
        ``SharedSmsLogContent(subject, body, conversation_created_date)``. The subject is
        ``SMS conversation with <contact>`` (bold in Markdown); the body lists the summary, participants,
        owner or receiving call queue, and every message, note and assignment newest first.
    """
    fmt = require_log_format(log_format)
    offset = utc_offset_minutes(timezone_offset) if js_truthy(timezone_offset) else None
    started = parse_instant(conversation.get("creationTime"))
    if started is None and conversation.get("creationTime") is None:
        started = now or datetime.now(UTC)
    ended = _latest_modified(conversation) or started

    title = f"SMS conversation with {contact_name}"
    subject = f"**{title}**" if fmt == MARKDOWN else title

    entities = _entities(conversation)
    agents = _participants(entities)
    entries = _newest_first(
        [entry for entity in entities if (entry := _entry(entity, contact_name, fmt, offset)) is not None]
    )
    owner = conversation.get("owner")
    owner_line: tuple[str, str] | None = None
    if js_truthy(owner) and isinstance(owner, Mapping):
        owner_name = js_str(owner.get("name"))
        is_queue = owner.get("extensionType") == "Department" or "queue" in owner_name.lower()
        owner_line = ("Receiving call queue" if is_queue else "Owner", owner_name)

    started_text = f"{format_instant(started, _DAY, offset)} at {format_instant(started, _TIME, offset)}"
    ended_text = f"{format_instant(ended, _DAY, offset)} at {format_instant(ended, _TIME, offset)}"
    duration = _duration(started, ended)
    count = _count_line(entities)

    if fmt == HTML:
        body = (
            "<div><b>Conversation summary</b><br>"
            f"Started: {started_text}<br>"
            f"Ended: {ended_text}<br>"
            f"Duration: {duration}<br>"
            "</div><br>"
            "<div><b>Participants</b><ul>"
            f"<li>{escape_html(contact_name)} (customer)</li>"
            + "".join(f"<li>{escape_html(agent)}</li>" for agent in agents)
            + "</ul></div>"
        )
        if owner_line:
            body += f"<div>{owner_line[0]}: <b>{escape_html(owner_line[1])}</b></div><br>"
        body += f"<div><b>Conversation ({count})</b></div><div>BEGIN</div><hr>"
        body += "".join(entry.content for entry in entries)
        body += "<hr><div>END</div>"
    else:
        markdown = fmt == MARKDOWN
        body = "## Conversation summary\n" if markdown else "Conversation summary\n"
        body += f"Started: {started_text}\nEnded: {ended_text}\nDuration: {duration} \n\n"
        body += "### Participants\n" if markdown else "Participants\n"
        body += f"* {contact_name} (customer)\n" + "".join(f"* {agent}\n" for agent in agents) + "\n"
        if owner_line:
            name = f"**{owner_line[1]}**" if markdown else owner_line[1]
            body += f"{owner_line[0]}: {name}\n\n"
        body += f"### Conversation ({count})\n" if markdown else f"Conversation ({count})\n"
        separator = "---\n" if markdown else "------------\n"
        body += "BEGIN\n" + separator
        body += "".join(entry.content + "\n" for entry in entries)
        body += separator + "END"
    return SharedSmsLogContent(subject, body, started)
