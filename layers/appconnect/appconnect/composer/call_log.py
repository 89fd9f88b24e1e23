"""The call-log body composer (``composeCallLog`` of the reference; docs/compatibility.md, Composer).

A body is built by "upserting" items in a fixed order: each item replaces its existing line or section
in the body (found by a pattern) or is added. On create the body starts empty; on update it starts from
the CRM's current body, so a later PATCH replaces the note, duration, result or recording line in place.

Output is byte-for-byte the reference's, except the fixes listed in docs/compatibility.md ("Composer"):
user text is HTML-escaped in HTML bodies, user text is inserted literally (never as a regex replacement
template), and a few update patterns no longer eat or add blank lines, so updating with the same values
changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from appconnect.composer.formatting import (
    HTML,
    MARKDOWN,
    PLAIN_TEXT,
    DateInput,
    LogFormat,
    UtcOffset,
    call_log_utc_offset_minutes,
    escape_html,
    format_instant,
    js_number,
    js_str,
    js_truthy,
    parse_instant,
    require_log_format,
    seconds_to_hours_minutes_seconds,
)

__all__ = [
    "DEFAULT_LOG_DATE_FORMAT",
    "DEFAULT_SETTINGS",
    "CallLogInputs",
    "compose_call_log",
    "legs_journey",
    "setting_value",
    "upsert_agent_note",
    "upsert_ai_note",
    "upsert_call_date_time",
    "upsert_call_duration",
    "upsert_call_recording",
    "upsert_call_result",
    "upsert_call_session_id",
    "upsert_call_subject",
    "upsert_contact_phone_number",
    "upsert_legs",
    "upsert_ring_central_number_and_extension",
    "upsert_ring_central_user_name",
    "upsert_ring_sense_ai_score",
    "upsert_ring_sense_bulleted_summary",
    "upsert_ring_sense_link",
    "upsert_ring_sense_summary",
    "upsert_ring_sense_transcript",
    "upsert_transcript",
    "upsert_voicemail_recording",
]

DEFAULT_LOG_DATE_FORMAT = "YYYY-MM-DD hh:mm:ss A"

DEFAULT_SETTINGS: Mapping[str, bool] = {
    "addCallLogNote": True,
    "addCallSessionId": False,
    "addRingCentralUserName": False,
    "addRingCentralNumber": False,
    "addCallLogSubject": True,
    "addCallLogContactNumber": False,
    "addCallLogDateTime": True,
    "addCallLogDuration": True,
    "addCallLogResult": True,
    "addCallLogRecording": True,
    "addCallLogAiNote": True,
    "addCallLogTranscript": True,
    "addCallLogRingSenseRecordingTranscript": True,
    "addCallLogRingSenseRecordingSummary": True,
    "addCallLogRingSenseRecordingAIScore": True,
    "addCallLogRingSenseRecordingBulletedSummary": True,
    "addCallLogRingSenseRecordingLink": True,
    "addCallLogLegs": True,
}
"""Each call-log item's user setting id and its value when the user has not set it."""

Party = Mapping[str, Any]
"""A call party as RingCentral reports it: ``{phoneNumber?, extensionNumber?, name?}``."""


class CallLogInputs(NamedTuple):
    """What a call-log body is composed from; every field is optional (``None``: not given).

    Build one from a request with :meth:`from_create_request` / :meth:`from_update_request`, or directly.
    """

    session_id: str | None = None
    direction: str | None = None
    from_party: Party | None = None
    to_party: Party | None = None
    legs: Sequence[Mapping[str, Any]] | None = None
    contact_phone_number: str | None = None
    note: str | None = None
    subject: str | None = None
    start_time: DateInput = None
    duration: int | float | str | None = None
    result: str | None = None
    recording_link: str | None = None
    voicemail_link: str | None = None
    ai_note: str | None = None
    transcript: str | None = None
    ring_sense_transcript: str | None = None
    ring_sense_summary: str | None = None
    ring_sense_ai_score: str | int | float | None = None
    ring_sense_bulleted_summary: str | None = None
    ring_sense_link: str | None = None

    @classmethod
    def from_create_request(cls, body: Mapping[str, Any]) -> CallLogInputs:
        """Inputs of ``POST /callLog`` as the reference takes them from the request body.

        The subject is ``logInfo.customSubject``; the contact number is ``logInfo.from`` for an inbound
        call and ``logInfo.to`` otherwise; the recording is ``logInfo.recording.link``; the voicemail is
        ``voicemailLink`` or ``logInfo.voicemail.link``.
        """
        log_info = _mapping(body.get("logInfo"))
        direction = _opt_str(log_info.get("direction"))
        from_party = _opt_mapping(log_info.get("from"))
        to_party = _opt_mapping(log_info.get("to"))
        contact_party = from_party if direction == "Inbound" else to_party
        voicemail_link = body.get("voicemailLink")
        if voicemail_link is None:
            voicemail_link = _mapping(log_info.get("voicemail")).get("link")
        return cls(
            session_id=_opt_str(log_info.get("sessionId")),
            direction=direction,
            from_party=from_party,
            to_party=to_party,
            legs=_opt_legs(log_info.get("legs")),
            contact_phone_number=_opt_str((contact_party or {}).get("phoneNumber")),
            note=_opt_str(body.get("note")),
            subject=_opt_str(log_info.get("customSubject")),
            start_time=log_info.get("startTime"),
            duration=log_info.get("duration"),
            result=_opt_str(log_info.get("result")),
            recording_link=_opt_str(_mapping(log_info.get("recording")).get("link")),
            voicemail_link=_opt_str(voicemail_link),
            ai_note=_opt_str(body.get("aiNote")),
            transcript=_opt_str(body.get("transcript")),
            **_ring_sense(body),
        )

    @classmethod
    def from_update_request(cls, body: Mapping[str, Any], *, session_id: str | None) -> CallLogInputs:
        """Inputs of ``PATCH /callLog``: the stored log's session id plus the fields of the request body.

        There is no contact number on update (the reference adds it on create only).
        """
        legs = _opt_legs(body.get("legs"))
        return cls(
            session_id=session_id,
            direction=_opt_str(body.get("direction")),
            from_party=_opt_mapping(body.get("from")),
            to_party=_opt_mapping(body.get("to")),
            legs=legs if legs is not None else [],
            note=_opt_str(body.get("note")),
            subject=_opt_str(body.get("subject")),
            start_time=body.get("startTime"),
            duration=body.get("duration"),
            result=_opt_str(body.get("result")),
            recording_link=_opt_str(body.get("recordingLink")),
            voicemail_link=_opt_str(body.get("voicemailLink")),
            ai_note=_opt_str(body.get("aiNote")),
            transcript=_opt_str(body.get("transcript")),
            **_ring_sense(body),
        )


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _opt_mapping(value: object) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def _opt_str(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else js_str(value)


def _opt_legs(value: object) -> list[Mapping[str, Any]] | None:
    if not isinstance(value, list):
        return None
    return [leg for leg in value if isinstance(leg, Mapping)]


def _ring_sense(body: Mapping[str, Any]) -> dict[str, Any]:
    score = body.get("ringSenseAIScore")
    return {
        "ring_sense_transcript": _opt_str(body.get("ringSenseTranscript")),
        "ring_sense_summary": _opt_str(body.get("ringSenseSummary")),
        "ring_sense_ai_score": score if isinstance(score, str | int | float) else None,
        "ring_sense_bulleted_summary": _opt_str(body.get("ringSenseBulletedSummary")),
        "ring_sense_link": _opt_str(body.get("ringSenseLink")),
    }


def setting_value(user_settings: Mapping[str, Any] | None, setting_id: str) -> Any:
    """``userSettings[setting_id].value`` from the user's settings mapping, ``None`` when absent."""
    entry = (user_settings or {}).get(setting_id)
    return entry.get("value") if isinstance(entry, Mapping) else None


def _enabled(user_settings: Mapping[str, Any] | None, setting_id: str) -> bool:
    value = setting_value(user_settings, setting_id)
    return js_truthy(DEFAULT_SETTINGS[setting_id] if value is None else value)


def compose_call_log(
    inputs: CallLogInputs,
    *,
    log_format: LogFormat,
    user_settings: Mapping[str, Any] | None = None,
    timezone_offset: UtcOffset = None,
    existing_body: str = "",
) -> str:
    """Compose (or update) a call-log body in ``log_format`` from ``inputs`` and the user's settings.

    Args:
        inputs: the call's fields; ``None`` fields are left out (or left as they are on update).
        log_format: ``"text/plain"``, ``"text/html"`` or ``"text/markdown"``.
        user_settings: the user's ``userSettings`` mapping ``{settingId: {"value": ...}}``; absent settings
            take the defaults in :data:`DEFAULT_SETTINGS`; ``logDateFormat`` (a moment.js pattern)
            sets the date format.
        timezone_offset: the user's ``timezoneOffset`` (``"-05:00"``, ``-300`` minutes or ``5.5`` hours);
            ``None`` shows times in UTC.
        existing_body: the CRM's current body on update; ``""`` on create.

    Returns:
        The body; on update every given item replaces its existing line in place.

    Raises:
        ValueError: for a log format other than the three above.
    """
    fmt = require_log_format(log_format)
    body = existing_body or ""
    for item in ITEMS:
        if _enabled(user_settings, item.setting):
            value = item.value(inputs, user_settings, timezone_offset)
            if value is not None:
                body = item.write(body, value, fmt)
    return body


# --- Pattern helpers ------------------------------------------------------------------------------------


def _replace_first(body: str, pattern: str, replacement: str, flags: int = 0) -> str | None:
    """Replace the first match of ``pattern`` with ``replacement`` taken literally; ``None`` if no match."""
    regex = re.compile(pattern, flags)
    if regex.search(body) is None:
        return None
    return regex.sub(lambda _match: replacement, body, count=1)


def _upsert(body: str, pattern: str, replacement: str, flags: int = 0, *, addition: str | None = None) -> str:
    replaced = _replace_first(body, pattern, replacement, flags)
    if replaced is not None:
        return replaced
    return body + (replacement if addition is None else addition)


def _html_item_pattern(label: str, value_pattern: str = r"[^<\n]+") -> str:
    # An item written by us or by older versions, with or without <li>, up to </li> or the next tag.
    return rf"(?:<li>)?<b>{re.escape(label)}</b>:\s*(?:{value_pattern})(?:</li>|(?=<|\Z))"


def _html_item(label: str, value_html: str) -> str:
    return f"<li><b>{label}</b>: {value_html}</li>"


def _simple_item(
    body: str,
    label: str,
    value: str,
    log_format: LogFormat,
    *,
    markdown_label: str | None = None,
    plain_label: str | None = None,
    markdown_flags: int = 0,
) -> str:
    """A one-line item whose plain and Markdown lines are replaced whole (with one trailing newline)."""
    if log_format == HTML:
        return _upsert(body, _html_item_pattern(label), _html_item(label, escape_html(value)), re.IGNORECASE)
    if log_format == MARKDOWN:
        md_label = markdown_label or label
        line = f"**{md_label}**: {value}\n"
        return _upsert(body, rf"\*\*{re.escape(md_label)}\*\*: [^\n]*\n?", line, markdown_flags)
    plain = plain_label or label
    return _upsert(body, rf"- {re.escape(plain)}: [^\n]*\n?", f"- {plain}: {value}\n")


_WEB_LINK = re.compile(r"https?://[^\s/?#\\]+", re.IGNORECASE)


def is_web_link(link: str) -> bool:
    """True for an absolute ``http``/``https`` URL: the only kind written as a clickable link.

    Anything else (``javascript:``, ``data:``, a relative path) would run or resolve in the CRM's page."""
    return _WEB_LINK.match(link.strip()) is not None


def _anchor(link: str) -> str:
    """An "open" link for a web URL; any other text is written escaped, as text."""
    if not is_web_link(link):
        return escape_html(link)
    return f'<a target="_blank" href="{escape_html(link)}">open</a>'


_HTML_LINK_VALUE = r"<a[^>]*>[^<]*</a>|[^<]+"
# A Markdown section ends at the next section or at one of the two items the composer writes after a section.
_MARKDOWN_NEXT = r"### |\*\*Call score\*\*: |\*\*ACE recording link\*\*: "


def _section(
    body: str,
    title: str,
    text: str,
    log_format: LogFormat,
    *,
    html_text: str,
    html_suffix: str = "",
    plain_end: str = "--- END",
    plain_leading_newline: bool = True,
) -> str:
    """A multi-line section (AI note, transcripts, summaries, call journey)."""
    if log_format == HTML:
        block = f"<div><b>{title}</b><br>{html_text}</div>"
        return _upsert(
            body, rf"<div><b>{re.escape(title)}</b><br>[\s\S]*?</div>", block, addition=block + html_suffix
        )
    if log_format == MARKDOWN:
        block = f"### {title}\n{text}\n"
        return _upsert(body, rf"### {re.escape(title)}\n[\s\S]*?(?:\n(?={_MARKDOWN_NEXT})|\n\Z|\Z)", block)
    block = f"- {title}:\n{text}\n{plain_end}"
    lead = "\n" if plain_leading_newline else ""
    return _upsert(
        body, rf"- {re.escape(title)}:[\s\S]*?{re.escape(plain_end)}", block, addition=f"{lead}{block}\n"
    )


def _trim_trailing_newlines(text: str) -> str:
    return text.rstrip("\n")


def _html_lines(text: str) -> str:
    return re.sub(r"\r\n|\r|\n", "<br>", escape_html(text))


# --- Items, in the order compose_call_log applies them --------------------------------------------------


def upsert_agent_note(body: str, note: str | None, log_format: LogFormat) -> str:
    """Put the agent's note at the top of the body, or replace the existing note (item 1)."""
    if not note:
        return body
    if log_format == HTML:
        safe = escape_html(note)
        replaced = _replace_first(
            body,
            r"<b>Agent notes</b>[\s\S]+?Call details</b>",
            f"<b>Agent notes</b><br>{safe}<br><br><b>Call details</b>",
        )
        return (
            replaced
            if replaced is not None
            else f"<b>Agent notes</b><br>{safe}<br><br><b>Call details</b><br>{body}"
        )
    if log_format == MARKDOWN:
        replaced = _replace_first(
            body, r"## Agent notes\n[\s\S]*?\n## Call details", f"## Agent notes\n{note}\n\n## Call details"
        )
        if replaced is not None:
            return replaced
        if body.startswith("## Call details"):
            return f"## Agent notes\n{note}\n\n{body}"
        return f"## Agent notes\n{note}\n\n## Call details\n{body}"
    replaced = _replace_first(
        # the note ends where the next item begins, blank lines before it kept (the ACE section starts
        # with one), so updating with the same note leaves the body as it was
        body,
        r"- (?:Note|Agent notes): [\s\S]*?(?=\n+- [A-Z][a-zA-Z\s/]*:|\n*\Z)",
        f"- Note: {note}",
    )
    return replaced if replaced is not None else f"- Note: {note}\n{body}"


def upsert_call_session_id(body: str, session_id: str | None, log_format: LogFormat) -> str:
    """``Session Id`` line (item 2)."""
    if not session_id:
        return body
    return _simple_item(body, "Session Id", session_id, log_format)


def upsert_ring_central_user_name(body: str, user_name: str | None, log_format: LogFormat) -> str:
    """``RingCentral user name`` line (item 3).

    Added once; an existing value is replaced only while it is ``(pending...)``.
    """
    if not user_name:
        return body
    label = "RingCentral user name"
    flags: int
    if log_format == HTML:
        pattern = rf"(?:<li>)?<b>{label}</b>:\s*([^<\n]+)(?:</li>|(?=<|\Z))"
        line, flags = _html_item(label, escape_html(user_name)), re.IGNORECASE
    elif log_format == MARKDOWN:
        pattern, line, flags = rf"\*\*{label}\*\*: ([^\n]*)\n?", f"**{label}**: {user_name}\n", re.IGNORECASE
    else:
        pattern, line, flags = rf"- {label}: ([^\n]*)\n?", f"- {label}: {user_name}\n", 0
    match = re.search(pattern, body, flags)
    if match is None:
        return body + line
    if match.group(1).strip() != "(pending...)":
        return body
    return body[: match.start()] + line + body[match.end() :]


def upsert_ring_central_number_and_extension(
    body: str, number: str | None, extension: str | None, log_format: LogFormat
) -> str:
    """``RingCentral number and extension`` line (item 4): ``"<number> <extension>"``."""
    if not number and not extension:
        return body
    value = f"{number or ''} {extension or ''}"
    return _simple_item(
        body, "RingCentral number and extension", value, log_format, markdown_flags=re.IGNORECASE
    )


def upsert_call_subject(body: str, subject: str | None, log_format: LogFormat) -> str:
    """``Summary`` line: the call's subject (item 5)."""
    if not subject:
        return body
    return _simple_item(body, "Summary", subject, log_format)


def upsert_contact_phone_number(
    body: str, phone_number: str | None, direction: str | None, log_format: LogFormat
) -> str:
    """The contact's number (item 6).

    ``Caller``/``Recipient phone number`` in HTML (by direction), ``Contact Number`` otherwise.
    """
    if not phone_number:
        return body
    if log_format == HTML:
        label = "Recipient phone number" if direction == "Outbound" else "Caller phone number"
        return _upsert(
            body, _html_item_pattern(label), _html_item(label, escape_html(phone_number)), re.IGNORECASE
        )
    if log_format == MARKDOWN:
        return _simple_item(body, "Contact Number", phone_number, log_format)
    line = f"- Contact Number: {phone_number}\n"
    return _upsert(body, r"- Contact Number: [^\n-]+(?=\n-|\n|\Z)\n?", line)


def upsert_call_date_time(body: str, formatted_date_time: str | None, log_format: LogFormat) -> str:
    """The call's start (item 7), already formatted in the user's zone and date format."""
    if not formatted_date_time:
        return body
    if log_format == PLAIN_TEXT:
        # One whole line, whatever it held; line ends as JavaScript's multiline mode sees them.
        return _upsert(
            body,
            r"(?:\A|(?<=[\n\r\u2028\u2029]))- Date/Time:[^\n\r\u2028\u2029]*",
            f"- Date/Time: {formatted_date_time}",
            addition=f"- Date/Time: {formatted_date_time}\n",
        )
    return _simple_item(body, "Date/time", formatted_date_time, log_format, markdown_label="Date/Time")


def _line_up_to_next_item(body: str, label: str, value: str) -> str:
    return _upsert(
        body,
        rf"- {re.escape(label)}: [^\n-]+(?=\n-|\n|\Z)",
        f"- {label}: {value}",
        addition=f"- {label}: {value}\n",
    )


def upsert_call_duration(body: str, duration: int | float | str | None, log_format: LogFormat) -> str:
    """``Duration`` line (item 8): ``125`` -> ``2 minutes, 5 seconds``; ``"pending"`` as it is."""
    if duration is None:
        return body
    formatted = seconds_to_hours_minutes_seconds(duration)
    if log_format == PLAIN_TEXT:
        return _line_up_to_next_item(body, "Duration", formatted)
    return _simple_item(body, "Duration", formatted, log_format)


def upsert_call_result(body: str, result: str | None, log_format: LogFormat) -> str:
    """``Result`` line (item 9)."""
    if not result:
        return body
    if log_format == PLAIN_TEXT:
        return _line_up_to_next_item(body, "Result", result)
    return _simple_item(body, "Result", result, log_format)


def _recording_like(body: str, label: str, link: str, log_format: LogFormat) -> str:
    if log_format == HTML:
        value = _anchor(link) if is_web_link(link) else "(pending...)"
        line = _html_item(label, value)
        replaced = _replace_first(body, _html_item_pattern(label, _HTML_LINK_VALUE), line, re.IGNORECASE)
        if replaced is not None:
            return replaced
        if "</ul>" in body:
            return body.replace("</ul>", f"{line}</ul>", 1)
        return body + line
    if log_format == MARKDOWN:
        return _simple_item(body, label, link, log_format)
    line = f"- {label}: {link}\n"
    replaced = _replace_first(body, rf"- {re.escape(label)}: [^\n]*\n?", line)
    if replaced is not None:
        return replaced
    if body and not body.endswith("\n"):
        body += "\n"
    return body + line


def upsert_call_recording(body: str, recording_link: str | None, log_format: LogFormat) -> str:
    """``Call recording link`` (item 10); in HTML an "open" link, or ``(pending...)`` until it is a URL."""
    if not recording_link:
        return body
    return _recording_like(body, "Call recording link", recording_link, log_format)


def upsert_voicemail_recording(body: str, voicemail_link: str | None, log_format: LogFormat) -> str:
    """``Voicemail recording link`` (item 11), same rules as the call recording."""
    if not voicemail_link:
        return body
    return _recording_like(body, "Voicemail recording link", voicemail_link, log_format)


def upsert_ai_note(body: str, ai_note: str | None, log_format: LogFormat) -> str:
    """``AI Note`` section (item 12); trailing newlines are dropped."""
    if not ai_note:
        return body
    text = _trim_trailing_newlines(ai_note)
    return _section(body, "AI Note", text, log_format, html_text=_html_lines(text), html_suffix="<br>")


def upsert_transcript(body: str, transcript: str | None, log_format: LogFormat) -> str:
    """``Transcript`` section (item 13)."""
    if not transcript:
        return body
    return _section(
        body, "Transcript", transcript, log_format, html_text=_html_lines(transcript), html_suffix="<br>"
    )


def upsert_ring_sense_transcript(body: str, transcript: str | None, log_format: LogFormat) -> str:
    """``ACE transcript`` section (item 14); trailing newlines are dropped."""
    if not transcript:
        return body
    text = _trim_trailing_newlines(transcript)
    return _section(body, "ACE transcript", text, log_format, html_text=_html_lines(text))


def upsert_ring_sense_summary(body: str, summary: str | None, log_format: LogFormat) -> str:
    """``ACE summary`` section (item 15); trailing newlines are dropped in HTML only, as in the reference."""
    if not summary:
        return body
    html_text = _html_lines(_trim_trailing_newlines(summary))
    return _section(body, "ACE summary", summary, log_format, html_text=html_text)


def upsert_ring_sense_ai_score(body: str, score: str | int | float | None, log_format: LogFormat) -> str:
    """``Call score`` line (item 16)."""
    if not js_truthy(score):
        return body
    value = js_str(score)
    if log_format == PLAIN_TEXT:
        return _upsert(
            body,
            r"- Call score:\s*[^<\n]+(?=\n|\Z)",
            f"- Call score: {value}",
            re.IGNORECASE,
            addition=f"- Call score: {value}\n",
        )
    return _simple_item(body, "Call score", value, log_format)


def upsert_ring_sense_bulleted_summary(body: str, summary: str | None, log_format: LogFormat) -> str:
    """``ACE bulleted summary`` section (item 17); trailing newlines are dropped in HTML only."""
    if not summary:
        return body
    html_text = _html_lines(_trim_trailing_newlines(summary))
    return _section(body, "ACE bulleted summary", summary, log_format, html_text=html_text)


def upsert_ring_sense_link(body: str, link: str | None, log_format: LogFormat) -> str:
    """``ACE recording link`` line (item 18); always an "open" link in HTML."""
    if not link:
        return body
    label = "ACE recording link"
    if log_format == HTML:
        return _upsert(
            body, _html_item_pattern(label, _HTML_LINK_VALUE), _html_item(label, _anchor(link)), re.IGNORECASE
        )
    if log_format == MARKDOWN:
        return _upsert(
            body, rf"\*\*{label}\*\*:\s*[^<\n]+(?=\n|\Z)\n?", f"**{label}**: {link}\n", re.IGNORECASE
        )
    return _upsert(
        body,
        rf"- {label}:\s*[^<\n]+(?=\n|\Z)",
        f"- {label}: {link}",
        re.IGNORECASE,
        addition=f"- {label}: {link}\n",
    )


def _party_text(party: Party | None) -> str:
    party = party or {}
    phone, extension, name = party.get("phoneNumber"), party.get("extensionNumber"), party.get("name")
    if not js_truthy(phone) and not js_truthy(extension):
        return ""
    if js_truthy(phone) and js_truthy(extension):
        number = f"{js_str(phone)}, ext {js_str(extension)}"
    elif js_truthy(phone):
        number = js_str(phone)
    else:
        number = f"ext {js_str(extension)}"
    return f"{js_str(name)}, {number}" if js_truthy(name) else number


def _leg_line(index: int, leg: Mapping[str, Any]) -> str:
    from_party, to_party = _opt_mapping(leg.get("from")), _opt_mapping(leg.get("to"))
    outbound = leg.get("direction") == "Outbound"
    if index == 0:
        return (
            f"Made call from {_party_text(from_party)}"
            if outbound
            else f"Received call at {_party_text(to_party)}"
        )
    party = (to_party if leg.get("legType") == "PstnToSip" else from_party) if outbound else to_party
    duration = leg.get("duration")
    plural = "s" if js_number(duration) > 1 else ""
    return f"Transferred to {_party_text(party)}, duration: {js_str(duration)} second{plural}"


def legs_journey(legs: Sequence[Mapping[str, Any]]) -> list[str]:
    """The call journey, one line per leg.

    ``Received call at …`` or ``Made call from …`` for the first leg, then ``Transferred to …``.
    """
    return [_leg_line(index, leg) for index, leg in enumerate(legs)]


def upsert_legs(body: str, legs: Sequence[Mapping[str, Any]] | None, log_format: LogFormat) -> str:
    """``Call journey`` section (item 19); nothing for no legs."""
    if not legs:
        return body
    lines = legs_journey(legs)
    html_text = "<br>".join(_html_lines(line) for line in lines)
    return _section(
        body,
        "Call journey",
        "\n".join(lines),
        log_format,
        html_text=html_text,
        plain_end="--- JOURNEY END",
        plain_leading_newline=False,
    )


# --- The items, in the reference's order: one row each ------------------------------------------------

#: (inputs, user settings, timezone offset) -> the item's value, ``None`` when the item is left out
Extract = Callable[[CallLogInputs, Mapping[str, Any] | None, UtcOffset], Any]


class Item(NamedTuple):
    """One call-log item: the user setting that turns it on, where its value comes from, how it is written."""

    setting: str
    value: Extract
    write: Callable[[str, Any, LogFormat], str]


def _given(field: str) -> Extract:
    """The input ``field`` when it is truthy (as the reference's JavaScript tests it)."""

    def value(inputs: CallLogInputs, _settings: Mapping[str, Any] | None, _offset: UtcOffset) -> Any:
        found = getattr(inputs, field)
        return found if js_truthy(found) else None

    return value


def _not_none(field: str) -> Extract:
    """The input ``field`` whenever it was given (a duration of 0 and an empty journey are written)."""
    return lambda inputs, _settings, _offset: getattr(inputs, field)


def _own_party(inputs: CallLogInputs) -> Party:
    return (inputs.to_party if inputs.direction == "Inbound" else inputs.from_party) or {}


def _user_name(inputs: CallLogInputs, _settings: Mapping[str, Any] | None, _offset: UtcOffset) -> Any:
    name = _own_party(inputs).get("name")
    return js_str(name) if js_truthy(name) else None


def _number_and_extension(
    inputs: CallLogInputs, _settings: Mapping[str, Any] | None, _offset: UtcOffset
) -> tuple[str, str] | None:
    number = _own_party(inputs).get("phoneNumber")
    if not js_truthy(number):
        return None
    # The reference pairs the RingCentral number with the *other* party's extension (kept).
    other_party = (inputs.from_party if inputs.direction == "Inbound" else inputs.to_party) or {}
    return js_str(number), js_str(other_party.get("extensionNumber"))


def _contact_number(
    inputs: CallLogInputs, _settings: Mapping[str, Any] | None, _offset: UtcOffset
) -> tuple[str, str | None] | None:
    number = inputs.contact_phone_number
    return (number, inputs.direction) if number is not None and js_truthy(number) else None


def _date_time(inputs: CallLogInputs, settings: Mapping[str, Any] | None, offset: UtcOffset) -> str | None:
    if not js_truthy(inputs.start_time):
        return None
    date_format = js_str(setting_value(settings, "logDateFormat")) or DEFAULT_LOG_DATE_FORMAT
    return format_instant(parse_instant(inputs.start_time), date_format, call_log_utc_offset_minutes(offset))


ITEMS: tuple[Item, ...] = (
    Item("addCallLogNote", _given("note"), upsert_agent_note),
    Item("addCallSessionId", _given("session_id"), upsert_call_session_id),
    Item("addRingCentralUserName", _user_name, upsert_ring_central_user_name),
    Item(
        "addRingCentralNumber",
        _number_and_extension,
        lambda body, pair, fmt: upsert_ring_central_number_and_extension(body, pair[0], pair[1], fmt),
    ),
    Item("addCallLogSubject", _given("subject"), upsert_call_subject),
    Item(
        "addCallLogContactNumber",
        _contact_number,
        lambda body, pair, fmt: upsert_contact_phone_number(body, pair[0], pair[1], fmt),
    ),
    Item("addCallLogDateTime", _date_time, upsert_call_date_time),
    Item("addCallLogDuration", _not_none("duration"), upsert_call_duration),
    Item("addCallLogResult", _given("result"), upsert_call_result),
    Item("addCallLogRecording", _given("recording_link"), upsert_call_recording),
    Item("addCallLogRecording", _given("voicemail_link"), upsert_voicemail_recording),
    Item("addCallLogAiNote", _given("ai_note"), upsert_ai_note),
    Item("addCallLogTranscript", _given("transcript"), upsert_transcript),
    Item(
        "addCallLogRingSenseRecordingTranscript",
        _given("ring_sense_transcript"),
        upsert_ring_sense_transcript,
    ),
    Item("addCallLogRingSenseRecordingSummary", _given("ring_sense_summary"), upsert_ring_sense_summary),
    Item("addCallLogRingSenseRecordingAIScore", _given("ring_sense_ai_score"), upsert_ring_sense_ai_score),
    Item(
        "addCallLogRingSenseRecordingBulletedSummary",
        _given("ring_sense_bulleted_summary"),
        upsert_ring_sense_bulleted_summary,
    ),
    Item("addCallLogRingSenseRecordingLink", _given("ring_sense_link"), upsert_ring_sense_link),
    Item("addCallLogLegs", _not_none("legs"), upsert_legs),
)
"""Every item, in the order the reference composes them (its upserts depend on what came before)."""
