"""Small, pure formatting helpers shared by the call-log and message-log composers.

The reference server coerces values the JavaScript way and reads times and offsets with moment.js; the CRM
bodies it wrote are parsed back on update, so these helpers reproduce that output (durations, offsets,
points in time) without pulling a date library into the Lambda layer. Formatting a date with a moment.js
pattern is :mod:`appconnect.composer.moment`'s. Only the standard library is imported here, and nothing
heavier than ``re`` and ``datetime`` at module level.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

LogFormat = Literal["text/plain", "text/html", "text/markdown"]
"""A connector's log body format (``getLogFormatType`` in the reference)."""

PLAIN_TEXT: Final = "text/plain"
HTML: Final = "text/html"
MARKDOWN: Final = "text/markdown"
LOG_FORMATS: Final[tuple[LogFormat, ...]] = (PLAIN_TEXT, HTML, MARKDOWN)

UtcOffset = str | int | float | None
"""A user's UTC offset as stored: ``"-05:00"``, ``"+0530"``, ``-300`` (minutes) or ``5.5`` (hours)."""

DateInput = str | int | float | datetime | None
"""A point in time as clients send it: ISO 8601 text, epoch milliseconds, or a ``datetime``."""

MEDIA_READER_URL: Final = "https://ringcentral.github.io/ringcentral-media-reader/?media="


def require_log_format(log_format: str) -> LogFormat:
    """Return ``log_format`` if it is one of the three composer formats, else raise ``ValueError``."""
    if log_format == PLAIN_TEXT:
        return PLAIN_TEXT
    if log_format == HTML:
        return HTML
    if log_format == MARKDOWN:
        return MARKDOWN
    raise ValueError(f"unsupported log format: {log_format!r}")


def escape_html(value: object) -> str:
    """Escape text for an HTML body (``& < > " '``), with the entities of the reference's shared-SMS composer.

    ``None`` and ``""`` give ``""``; other values are stringified the JavaScript way first.
    """
    text = js_str(value)
    if not text:
        return ""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#039;")
    )


def unescape_html(text: str) -> str:
    """Undo :func:`escape_html` (and any other HTML entity): for connectors parsing a note back out."""
    import html  # lazily: html.entities is a large table not needed on the write path

    return html.unescape(text)


# --- JavaScript coercions -------------------------------------------------------------------------------

_JS_NUMBER_RE: Final = re.compile(
    r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+"
)


def js_number(value: object) -> float:
    """JavaScript ``Number(value)`` for the JSON-ish values clients send (``nan`` when it is not a number).

    Connectors that mirror the reference's ``Number(user.timezoneOffset)`` pass the result as a UTC offset.
    """
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return 0.0
        if not _JS_NUMBER_RE.fullmatch(text):
            return math.nan
        lowered = text.lower()
        if lowered.startswith(("0x", "0o", "0b")):
            return float(int(text, 0))
        return float(text.replace("Infinity", "inf"))
    return math.nan


def js_str(value: object) -> str:
    """Stringify a value for a log body the way a JavaScript template literal would.

    Deliberate difference: a missing value (``None``) renders as empty text, not ``undefined``/``null``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _js_float_str(value)
    return str(value)


def _js_float_str(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        text = f"{mantissa}e{sign}{int(exponent.lstrip('+-'))}"
    return text


def js_truthy(value: object) -> bool:
    """JavaScript truthiness: ``None``, ``False``, ``0``, ``NaN`` and ``""`` are false; all else is true."""
    if value is None or value is False:
        return False
    if isinstance(value, int | float):
        return value != 0 and not (isinstance(value, float) and math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return True


# --- Durations ------------------------------------------------------------------------------------------


def seconds_to_hours_minutes_seconds(seconds: int | float | str) -> str:
    """Render a call duration as the reference does: ``125`` -> ``"2 minutes, 5 seconds"``.

    Non-zero parts are joined with ``", "`` (``"1 hour, 1 second"``); all zero gives ``"0 seconds"``;
    a value that is not a number (``"pending"``) is returned unchanged. Numeric strings count as numbers.
    """
    number = js_number(seconds)
    if math.isnan(number):
        return js_str(seconds)
    if math.isinf(number):
        return js_str(seconds)
    hours = math.floor(number / 3600)
    minutes = math.floor(math.fmod(number, 3600) / 60)
    remaining = math.fmod(number, 60)
    parts = [
        _plural(hours, "hour"),
        _plural(minutes, "minute"),
        _plural(remaining, "second"),
    ]
    joined = ", ".join(part for part in parts if part)
    return joined or "0 seconds"


def _plural(amount: float, unit: str) -> str:
    if amount <= 0:
        return ""
    return f"{_js_float_str(float(amount))} {unit}{'s' if amount > 1 else ''}"


# --- UTC offsets (moment's utcOffset) -------------------------------------------------------------------

_OFFSET_IN_TEXT_RE: Final = re.compile(r"Z|[+-]\d\d(?::?\d\d)?", re.IGNORECASE)
_OFFSET_CHUNK_RE: Final = re.compile(r"[+-]|\d\d")


def utc_offset_minutes(offset: UtcOffset) -> float | None:
    """Minutes east of UTC for ``offset``, read with moment's ``utcOffset(value)`` rules; ``None``: none.

    Text is searched for its last ``Z``/``±HH``/``±HH:MM``/``±HHMM`` (``"-05:00"`` -> -300; text without one,
    or one outside -12:00..+14:00, means no offset); a number with magnitude under 16 counts hours
    (``5.5`` -> 330), otherwise minutes.
    ``None``, ``NaN`` and infinities mean no offset: times are then shown in UTC, the Lambda's local zone.
    """
    if offset is None or isinstance(offset, bool):
        return None
    if isinstance(offset, str):
        found = _OFFSET_IN_TEXT_RE.findall(offset)
        if not found:
            return None
        parts = _OFFSET_CHUNK_RE.findall(found[-1])
        if len(parts) < 2:
            return 0.0
        extra = int(parts[2]) if len(parts) > 2 else 0
        minutes = int(parts[1]) * 60 + extra
        if extra > 59 or minutes > (14 * 60 if parts[0] == "+" else 12 * 60):
            return None  # moment ignores an offset outside -12:00..+14:00
        if minutes == 0:
            return 0.0
        return float(minutes) if parts[0] == "+" else float(-minutes)
    number = float(offset)
    if math.isnan(number) or math.isinf(number):
        return None
    return number * 60 if abs(number) < 16 else number


def call_log_utc_offset_minutes(timezone_offset: UtcOffset) -> float | None:
    """The user's offset as the call-log composer reads it: ``±HH:MM`` text as is, else via ``Number()``.

    A falsy offset (``None``, ``""``, ``0``) means no offset (UTC).
    """
    if not js_truthy(timezone_offset):
        return None
    if isinstance(timezone_offset, str) and ":" in timezone_offset:
        return utc_offset_minutes(timezone_offset)
    return utc_offset_minutes(js_number(timezone_offset))


# --- Points in time -------------------------------------------------------------------------------------


def parse_instant(value: DateInput) -> datetime | None:
    """Parse a client time into an aware UTC ``datetime``; ``None`` when it cannot be read.

    Numbers (and strings of digits) are epoch milliseconds; text is ISO 8601 (a time without an offset
    is UTC, the Lambda's local zone) or, failing that, an RFC 2822 date.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return _from_epoch_ms(float(value))
    if not isinstance(value, str):
        return None  # an object or a list where a time belongs: unreadable, like moment's "Invalid date"
    text = value.strip()
    if not text:
        return None
    if text.isdigit() or (text[0] == "-" and text[1:].isdigit()):
        return _from_epoch_ms(float(text))
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = _parse_rfc2822(text)
    if parsed is None:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _from_epoch_ms(milliseconds: float) -> datetime | None:
    if math.isnan(milliseconds) or math.isinf(milliseconds):
        return None
    try:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=milliseconds)
    except OverflowError:
        return None


def _parse_rfc2822(text: str) -> datetime | None:
    from email.utils import parsedate_to_datetime  # lazily: only for unusual inputs

    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def media_reader_link(platform_media_link: str | None) -> str | None:
    """The RingCentral media-reader page for a media URI (``getMediaReaderLinkByPlatformMediaLink``)."""
    if not platform_media_link:
        return None
    from urllib.parse import quote  # lazily: only message logging with MMS needs it

    return MEDIA_READER_URL + quote(platform_media_link, safe="-_.!~*'()")
