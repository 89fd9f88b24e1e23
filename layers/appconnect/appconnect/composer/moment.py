"""moment.js-style date formatting: the English-locale format tokens the reference's texts were written with.

The reference formats every date in a log body with ``moment(value).utcOffset(offset).format(pattern)``; a
user's ``logDateFormat`` setting is such a pattern. :func:`format_date` and :func:`format_instant`
reproduce that output (tokens, ``[literal]`` text, ``\\``-escapes and the ``L``/``LL``/``LT``... locale
formats) with nothing but ``re`` and ``datetime``. Parsing the value and the offset is
:mod:`appconnect.composer.formatting`'s (:func:`parse_instant`, :func:`utc_offset_minutes`).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Final

from appconnect.composer.formatting import DateInput, UtcOffset, parse_instant, utc_offset_minutes

__all__ = ["INVALID_DATE", "format_date", "format_instant"]

INVALID_DATE: Final = "Invalid date"
"""What moment.js prints for a time it cannot parse; kept so a bad input is visible, not a crash."""


def format_instant(instant: datetime | None, pattern: str, offset_minutes: float | None) -> str:
    """Format ``instant`` with a moment.js pattern at ``offset_minutes`` east of UTC (``None``: UTC).

    Returns ``"Invalid date"`` for ``None``, like moment does for an unparseable input.
    """
    if instant is None:
        return INVALID_DATE
    shifted = instant.astimezone(UTC) + timedelta(minutes=offset_minutes or 0)
    return _MomentFormatter(shifted.replace(tzinfo=None), instant, offset_minutes).format(pattern)


def format_date(value: DateInput, pattern: str, offset: UtcOffset) -> str:
    """Parse ``value`` and format it with a moment.js ``pattern`` at the user's ``offset`` (moment rules)."""
    return format_instant(parse_instant(value), pattern, utc_offset_minutes(offset))


# --- moment.js format tokens (English locale) -----------------------------------------------------------

_MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS: Final = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_LOCALE_FORMATS: Final = {
    "LTS": "h:mm:ss A",
    "LT": "h:mm A",
    "L": "MM/DD/YYYY",
    "LL": "MMMM D, YYYY",
    "LLL": "MMMM D, YYYY h:mm A",
    "LLLL": "dddd, MMMM D, YYYY h:mm A",
    "l": "M/D/YYYY",
    "ll": "MMM D, YYYY",
    "lll": "MMM D, YYYY h:mm A",
    "llll": "ddd, MMM D, YYYY h:mm A",
}
_LOCALE_TOKEN_RE: Final = re.compile(r"(\[[^\[]*\])|(\\)?(LTS|LT|LL?L?L?|l{1,4})")
_TOKEN_RE: Final = re.compile(
    r"(\[[^\[]*\])|(\\)?([Hh]mm(?:ss)?|Mo|MM?M?M?|Do|DDDo|DD?D?D?|ddd?d?|do?|w[o|w]?|W[o|W]?|Qo?"
    r"|YYYYYY|YYYYY|YYYY|YY|e|E|a|A|hh?|HH?|kk?|mm?|ss?|S{1,9}|x|X|zz?|ZZ?|.)",
    re.DOTALL,
)


def _ordinal(number: int) -> str:
    tens = (number % 100) // 10
    last = number % 10
    suffix = "th" if tens == 1 else {1: "st", 2: "nd", 3: "rd"}.get(last, "th")
    return f"{number}{suffix}"


def _expand_locale_formats(pattern: str) -> str:
    def expand(match: re.Match[str]) -> str:
        if match.group(1) or match.group(2):
            return match.group(0)
        return _LOCALE_FORMATS[match.group(3)]

    for _ in range(5):  # moment expands at most a few levels; the English formats need one
        expanded = _LOCALE_TOKEN_RE.sub(expand, pattern)
        if expanded == pattern:
            break
        pattern = expanded
    return pattern


def _first_week_offset(year: int, dow: int, doy: int) -> int:
    fwd = 7 + dow - doy
    fwdlw = (7 + (datetime(year, 1, fwd).isoweekday() % 7) - dow) % 7
    return -fwdlw + fwd - 1


def _weeks_in_year(year: int, dow: int, doy: int) -> int:
    days = 366 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 365
    return (days - _first_week_offset(year, dow, doy) + _first_week_offset(year + 1, dow, doy)) // 7


def _week_of_year(moment: datetime, dow: int, doy: int) -> tuple[int, int]:
    year = moment.year
    week = (moment.timetuple().tm_yday - _first_week_offset(year, dow, doy) - 1) // 7 + 1
    if week < 1:
        return week + _weeks_in_year(year - 1, dow, doy), year - 1
    if week > _weeks_in_year(year, dow, doy):
        return week - _weeks_in_year(year, dow, doy), year + 1
    return week, year


class _MomentFormatter:
    """Formats a wall-clock time with moment's English tokens; unknown letters are printed as they are."""

    def __init__(self, wall: datetime, instant: datetime, offset_minutes: float | None) -> None:
        self.wall = wall
        self.instant = instant
        self.offset = offset_minutes or 0.0
        self.offset_set = offset_minutes is not None

    def format(self, pattern: str) -> str:
        pattern = _expand_locale_formats(pattern or "YYYY-MM-DDTHH:mm:ssZ")
        out: list[str] = []
        for match in _TOKEN_RE.finditer(pattern):
            bracketed, escaped, token = match.group(1), match.group(2), match.group(3)
            if bracketed:
                out.append(bracketed[1:-1])
            elif escaped:
                out.append(token)
            else:
                out.append(self._token(token))
        return "".join(out)

    def _offset_text(self, separator: str) -> str:
        offset = self.offset
        sign = "+"
        if offset < 0:
            offset = -offset
            sign = "-"
        whole = int(offset)
        return f"{sign}{whole // 60:02d}{separator}{whole % 60:02d}"

    def _token(self, token: str) -> str:
        wall = self.wall
        hour12 = wall.hour % 12 or 12
        weekday = wall.isoweekday() % 7
        simple: dict[str, str] = {
            "YYYY": f"{wall.year:04d}" if wall.year <= 9999 else f"+{wall.year}",
            "YY": f"{wall.year % 100:02d}",
            "YYYYY": f"{wall.year:05d}",
            "YYYYYY": f"{'-' if wall.year < 0 else '+'}{abs(wall.year):06d}",
            "Q": str((wall.month - 1) // 3 + 1),
            "Qo": _ordinal((wall.month - 1) // 3 + 1),
            "M": str(wall.month),
            "Mo": _ordinal(wall.month),
            "MM": f"{wall.month:02d}",
            "MMM": _MONTHS[wall.month - 1][:3],
            "MMMM": _MONTHS[wall.month - 1],
            "D": str(wall.day),
            "Do": _ordinal(wall.day),
            "DD": f"{wall.day:02d}",
            "DDD": str(wall.timetuple().tm_yday),
            "DDDo": _ordinal(wall.timetuple().tm_yday),
            "DDDD": f"{wall.timetuple().tm_yday:03d}",
            "d": str(weekday),
            "do": _ordinal(weekday),
            "dd": _WEEKDAYS[weekday][:2],
            "ddd": _WEEKDAYS[weekday][:3],
            "dddd": _WEEKDAYS[weekday],
            "e": str(weekday),
            "E": str(wall.isoweekday()),
            "H": str(wall.hour),
            "HH": f"{wall.hour:02d}",
            "h": str(hour12),
            "hh": f"{hour12:02d}",
            "k": str(wall.hour or 24),
            "kk": f"{wall.hour or 24:02d}",
            "m": str(wall.minute),
            "mm": f"{wall.minute:02d}",
            "s": str(wall.second),
            "ss": f"{wall.second:02d}",
            "a": "pm" if wall.hour > 11 else "am",
            "A": "PM" if wall.hour > 11 else "AM",
            "Z": self._offset_text(":"),
            "ZZ": self._offset_text(""),
            "z": "UTC" if self.offset_set else "",
            "zz": "UTC" if self.offset_set else "",
            "hmm": f"{hour12}{wall.minute:02d}",
            "hmmss": f"{hour12}{wall.minute:02d}{wall.second:02d}",
            "Hmm": f"{wall.hour}{wall.minute:02d}",
            "Hmmss": f"{wall.hour}{wall.minute:02d}{wall.second:02d}",
        }
        if token in simple:
            return simple[token]
        if token in ("w", "wo", "ww"):
            week = _week_of_year(wall, 0, 6)[0]
            return {"w": str(week), "wo": _ordinal(week), "ww": f"{week:02d}"}[token]
        if token in ("W", "Wo", "WW"):
            iso_week = wall.isocalendar().week
            return {"W": str(iso_week), "Wo": _ordinal(iso_week), "WW": f"{iso_week:02d}"}[token]
        if token.startswith("S"):
            milliseconds = wall.microsecond // 1000
            digits = f"{milliseconds:03d}" + "0" * 6
            return digits[: len(token)]
        if token == "X":
            return str(math.floor(self.instant.timestamp()))
        if token == "x":
            return str(round(self.instant.timestamp() * 1000))
        return token
