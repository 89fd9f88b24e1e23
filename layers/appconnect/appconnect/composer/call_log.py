"""The call-log body composer (``composeCallLog`` of the reference; docs/compatibility.md, Composer).

A body is built by "upserting" items in a fixed order: each item replaces its existing line or section
in the body (found by a pattern) or is added. On create the body starts empty; on update it starts from
the CRM's current body, so a later PATCH replaces the note, duration, result or recording line in place.
:data:`ITEMS` is the table of items (setting, value, writer); how an item looks in each format, and how it
is found again, is the format's renderer's (:mod:`appconnect.composer.renderers`).

Output is byte-for-byte the reference's, except the fixes listed in docs/compatibility.md ("Composer"):
user text is HTML-escaped in HTML bodies, user text is inserted literally (never as a regex replacement
template), and a few update patterns no longer eat or add blank lines, so updating with the same values
changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from appconnect.composer.call_log_inputs import CallLogInputs, Party
from appconnect.composer.formatting import (
    LogFormat,
    UtcOffset,
    call_log_utc_offset_minutes,
    js_number,
    js_str,
    js_truthy,
    parse_instant,
    require_log_format,
    seconds_to_hours_minutes_seconds,
)
from appconnect.composer.moment import format_instant
from appconnect.composer.renderers import is_web_link, renderer_for, trim_trailing_newlines

__all__ = [
    "DEFAULT_LOG_DATE_FORMAT",
    "DEFAULT_SETTINGS",
    "CallLogInputs",
    "compose_call_log",
    "is_web_link",
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


# --- Items, in the order compose_call_log applies them: each asks the format's renderer ------------------


def upsert_agent_note(body: str, note: str | None, log_format: LogFormat) -> str:
    """Put the agent's note at the top of the body, or replace the existing note (item 1)."""
    return renderer_for(log_format).agent_note(body, note) if note else body


def upsert_call_session_id(body: str, session_id: str | None, log_format: LogFormat) -> str:
    """``Session Id`` line (item 2)."""
    return renderer_for(log_format).session_id(body, session_id) if session_id else body


def upsert_ring_central_user_name(body: str, user_name: str | None, log_format: LogFormat) -> str:
    """``RingCentral user name`` line (item 3).

    Added once; an existing value is replaced only while it is ``(pending...)``.
    """
    return renderer_for(log_format).user_name(body, user_name) if user_name else body


def upsert_ring_central_number_and_extension(
    body: str, number: str | None, extension: str | None, log_format: LogFormat
) -> str:
    """``RingCentral number and extension`` line (item 4): ``"<number> <extension>"``."""
    if not number and not extension:
        return body
    return renderer_for(log_format).number_and_extension(body, f"{number or ''} {extension or ''}")


def upsert_call_subject(body: str, subject: str | None, log_format: LogFormat) -> str:
    """``Summary`` line: the call's subject (item 5)."""
    return renderer_for(log_format).subject(body, subject) if subject else body


def upsert_contact_phone_number(
    body: str, phone_number: str | None, direction: str | None, log_format: LogFormat
) -> str:
    """The contact's number (item 6).

    ``Caller``/``Recipient phone number`` in HTML (by direction), ``Contact Number`` otherwise.
    """
    if not phone_number:
        return body
    return renderer_for(log_format).contact_number(body, phone_number, direction)


def upsert_call_date_time(body: str, formatted_date_time: str | None, log_format: LogFormat) -> str:
    """The call's start (item 7), already formatted in the user's zone and date format."""
    return renderer_for(log_format).date_time(body, formatted_date_time) if formatted_date_time else body


def upsert_call_duration(body: str, duration: int | float | str | None, log_format: LogFormat) -> str:
    """``Duration`` line (item 8): ``125`` -> ``2 minutes, 5 seconds``; ``"pending"`` as it is."""
    if duration is None:
        return body
    return renderer_for(log_format).duration(body, seconds_to_hours_minutes_seconds(duration))


def upsert_call_result(body: str, result: str | None, log_format: LogFormat) -> str:
    """``Result`` line (item 9)."""
    return renderer_for(log_format).result(body, result) if result else body


def upsert_call_recording(body: str, recording_link: str | None, log_format: LogFormat) -> str:
    """``Call recording link`` (item 10); in HTML an "open" link, or ``(pending...)`` until it is a URL."""
    if not recording_link:
        return body
    return renderer_for(log_format).recording(body, "Call recording link", recording_link)


def upsert_voicemail_recording(body: str, voicemail_link: str | None, log_format: LogFormat) -> str:
    """``Voicemail recording link`` (item 11), same rules as the call recording."""
    if not voicemail_link:
        return body
    return renderer_for(log_format).recording(body, "Voicemail recording link", voicemail_link)


def upsert_ai_note(body: str, ai_note: str | None, log_format: LogFormat) -> str:
    """``AI Note`` section (item 12); trailing newlines are dropped."""
    return renderer_for(log_format).ai_note(body, trim_trailing_newlines(ai_note)) if ai_note else body


def upsert_transcript(body: str, transcript: str | None, log_format: LogFormat) -> str:
    """``Transcript`` section (item 13)."""
    return renderer_for(log_format).transcript(body, transcript) if transcript else body


def upsert_ring_sense_transcript(body: str, transcript: str | None, log_format: LogFormat) -> str:
    """``ACE transcript`` section (item 14); trailing newlines are dropped."""
    if not transcript:
        return body
    return renderer_for(log_format).ring_sense_transcript(body, trim_trailing_newlines(transcript))


def upsert_ring_sense_summary(body: str, summary: str | None, log_format: LogFormat) -> str:
    """``ACE summary`` section (item 15); trailing newlines are dropped in HTML only, as in the reference."""
    return renderer_for(log_format).ring_sense_summary(body, summary) if summary else body


def upsert_ring_sense_ai_score(body: str, score: str | int | float | None, log_format: LogFormat) -> str:
    """``Call score`` line (item 16)."""
    return renderer_for(log_format).score(body, js_str(score)) if js_truthy(score) else body


def upsert_ring_sense_bulleted_summary(body: str, summary: str | None, log_format: LogFormat) -> str:
    """``ACE bulleted summary`` section (item 17); trailing newlines are dropped in HTML only."""
    return renderer_for(log_format).ring_sense_bulleted_summary(body, summary) if summary else body


def upsert_ring_sense_link(body: str, link: str | None, log_format: LogFormat) -> str:
    """``ACE recording link`` line (item 18); always an "open" link in HTML."""
    return renderer_for(log_format).ring_sense_link(body, link) if link else body


def _party(value: object) -> Party | None:
    return value if isinstance(value, Mapping) else None


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
    from_party, to_party = _party(leg.get("from")), _party(leg.get("to"))
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
    return renderer_for(log_format).journey(body, legs_journey(legs)) if legs else body


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
