"""Message-log texts: one CRM activity per conversation and day.

Each reference connector builds these texts itself from the same template; here they live once and a
connector picks the format (``text/html`` for Pipedrive, Bullhorn and Redtail, ``text/plain`` for
Insightly), the agent's name and the UTC offset its reference used for dates and times.

Kind of message: ``Voicemail`` when there is a recording link, else ``Fax`` when there is a fax document
link, else ``SMS``. An SMS activity is created with its first message and later messages of the same
conversation-day are appended to it (:func:`append_message_to_log`); voicemail and fax are one-off.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple

from appconnect.composer.formatting import (
    HTML,
    PLAIN_TEXT,
    UtcOffset,
    escape_html,
    js_str,
)
from appconnect.composer.moment import format_date

__all__ = [
    "CREATED_VIA",
    "MessageKind",
    "MessageLogFormat",
    "MessageLogText",
    "append_message_to_log",
    "compose_message_log",
    "message_kind",
    "message_subject",
]

MessageLogFormat = Literal["text/html", "text/plain"]
MessageKind = Literal["SMS", "Voicemail", "Fax"]

CREATED_VIA = "--- Created via RingCentral App Connect"

_SUBJECTS: Mapping[MessageKind, str] = {
    "SMS": "SMS conversation with {name} - {date}",
    "Voicemail": "Voicemail left by {name} - {date}",
    "Fax": "Fax document sent from {name} - {date}",
}
_HTML_APPEND_ANCHOR = "</ul>------------<br>"
_PLAIN_APPEND_ANCHOR = "------------\nEND"


class MessageLogText(NamedTuple):
    """A message log's subject (a plain CRM field, never escaped) and its body in the chosen format."""

    kind: MessageKind
    subject: str
    body: str


def message_kind(recording_link: str | None, fax_doc_link: str | None) -> MessageKind:
    """``Voicemail`` if there is a recording link, else ``Fax`` if there is a fax document, else ``SMS``."""
    if recording_link:
        return "Voicemail"
    if fax_doc_link:
        return "Fax"
    return "SMS"


def message_subject(kind: MessageKind, contact_name: str, creation_time: Any, utc_offset: UtcOffset) -> str:
    """``SMS conversation with <name> - YY/MM/DD`` (or the voicemail/fax wording) in the given offset."""
    date = format_date(creation_time, "YY/MM/DD", utc_offset)
    return _SUBJECTS[kind].format(name=contact_name, date=date)


def _sender(message: Mapping[str, Any], contact_name: str, contact_phone_number: str, user_name: str) -> str:
    if message.get("direction") == "Inbound":
        return f"{contact_name} ({contact_phone_number})"
    return user_name


def _message_text(message: Mapping[str, Any]) -> str:
    return js_str(message.get("subject"))


def _require_message_format(log_format: str) -> MessageLogFormat:
    if log_format == HTML:
        return HTML
    if log_format == PLAIN_TEXT:
        return PLAIN_TEXT
    raise ValueError(f"message logs are composed as text/html or text/plain, not {log_format!r}")


def compose_message_log(
    *,
    log_format: MessageLogFormat,
    message: Mapping[str, Any],
    contact_name: str,
    contact_phone_number: str,
    user_name: str,
    utc_offset: UtcOffset = None,
    recording_link: str | None = None,
    fax_doc_link: str | None = None,
    correspondent_names: Sequence[str | None] = (),
) -> MessageLogText:
    """The subject and body of a new message log.

    Args:
        log_format: ``"text/html"`` or ``"text/plain"``.
        message: the RingCentral message record (``direction``, ``creationTime``, ``subject``: its text).
        contact_name: the matched contact's name.
        contact_phone_number: the contact's number, shown next to inbound messages.
        user_name: the agent's name, shown for outbound messages and in the participants.
        utc_offset: offset for dates and times, read with moment's ``utcOffset`` rules
            (``"-05:00"``, minutes, or hours below 16); ``None`` shows UTC.
        recording_link: the voicemail recording: the log is a voicemail log.
        fax_doc_link: the fax document: the log is a fax log (unless there is a recording).
        correspondent_names: for a group SMS, the name of each other correspondent (``None``: "Unknown").

    Returns:
        ``MessageLogText(kind, subject, body)``; in HTML every name, number, text and link is escaped.
    """
    fmt = _require_message_format(log_format)
    kind = message_kind(recording_link, fax_doc_link)
    creation_time = message.get("creationTime")
    subject = message_subject(kind, contact_name, creation_time, utc_offset)
    if kind != "SMS":
        label = "Voicemail recording link" if kind == "Voicemail" else "Fax document link"
        link = recording_link if kind == "Voicemail" else fax_doc_link
        if fmt == HTML:
            body = f"<br><b>{escape_html(subject)}</b><br>{label}: {escape_html(link)} <br><br>{CREATED_VIA}"
        else:
            body = f"{label}: {link} \n\n{CREATED_VIA}"
        return MessageLogText(kind, subject, body)

    day = format_date(creation_time, "dddd, MMMM DD, YYYY", utc_offset)
    time = format_date(creation_time, "hh:mm A", utc_offset)
    sender = _sender(message, contact_name, contact_phone_number, user_name)
    text = _message_text(message)
    others = [name or "Unknown" for name in correspondent_names]
    if fmt == HTML:
        participants = "".join(f"<li><b>{escape_html(name)}</b></li>" for name in others)
        body = (
            f"<br><b>{escape_html(subject)}</b><br>"
            "<b>Conversation summary</b><br>"
            f"{day}<br>"
            "Participants<br>"
            f"<ul><li><b>{escape_html(user_name)}</b><br></li>"
            f"<li><b>{escape_html(contact_name)}</b></li>"
            f"{participants}</ul><br>"
            "Conversation(1 messages)<br>"
            "BEGIN<br>"
            "------------<br>"
            "<ul>"
            f"<li>{escape_html(sender)} {time}<br>"
            f"<b>{escape_html(text)}</b></li>"
            "</ul>"
            "------------<br>"
            "END<br><br>"
            f"{CREATED_VIA}"
        )
    else:
        participants = "\n".join(f"    {name}" for name in others)
        body = (
            "\nConversation summary\n"
            f"{day}\n"
            "Participants\n"
            f"    {user_name}\n"
            f"    {contact_name}\n"
            f"{participants}"
            "\nConversation(1 messages)\n"
            "BEGIN\n"
            "------------\n"
            f"{sender} {time}\n"
            f"{text}\n\n"
            "------------\n"
            "END\n\n"
            f"{CREATED_VIA}"
        )
    return MessageLogText(kind, subject, body)


def append_message_to_log(
    existing_body: str,
    *,
    log_format: MessageLogFormat,
    message: Mapping[str, Any],
    contact_name: str,
    contact_phone_number: str,
    user_name: str,
    utc_offset: UtcOffset = None,
) -> str:
    """Add a later message of the same conversation-day to an SMS log body and bump its message count.

    The message goes after the last one logged (before the closing ``</ul>------------<br>`` in HTML,
    before ``------------`` ``END`` in plain text) and ``Conversation(N messages)`` becomes ``N+1``.
    A body someone edited so that a marker is missing is left as it is in that respect.
    """
    fmt = _require_message_format(log_format)
    time = format_date(message.get("creationTime"), "hh:mm A", utc_offset)
    sender = _sender(message, contact_name, contact_phone_number, user_name)
    text = _message_text(message)
    body = existing_body or ""
    if fmt == HTML:
        entry = f"<li>{escape_html(sender)} {time}<br><b>{escape_html(text)}</b></li>"
        body = body.replace(_HTML_APPEND_ANCHOR, entry + _HTML_APPEND_ANCHOR, 1)
        counter = r"<br>Conversation\((\d+) messages\)"
        prefix = "<br>"
    else:
        entry = f"{sender} {time}\n{text}\n"
        body = body.replace(_PLAIN_APPEND_ANCHOR, entry + _PLAIN_APPEND_ANCHOR, 1)
        counter = r"Conversation\((\d+) messages\)"
        prefix = ""
    return re.sub(
        counter,
        lambda match: f"{prefix}Conversation({int(match.group(1)) + 1} messages)",
        body,
        count=1,
    )
