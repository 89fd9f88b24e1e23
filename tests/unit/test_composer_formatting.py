"""Composer helpers: durations, UTC offsets, moment.js date formats, HTML escaping, JS coercions."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appconnect.composer import (
    escape_html,
    format_date,
    js_number,
    media_reader_link,
    parse_instant,
    seconds_to_hours_minutes_seconds,
    unescape_html,
    utc_offset_minutes,
)
from appconnect.composer.formatting import call_log_utc_offset_minutes, require_log_format


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (125, "2 minutes, 5 seconds"),
        (3601, "1 hour, 1 second"),
        (3725, "1 hour, 2 minutes, 5 seconds"),
        (0, "0 seconds"),
        (1, "1 second"),
        (60, "1 minute"),
        (120, "2 minutes"),
        (3600, "1 hour"),
        (7322, "2 hours, 2 minutes, 2 seconds"),
        (86400, "24 hours"),
        ("125", "2 minutes, 5 seconds"),
        (5.5, "5.5 seconds"),
        (-5, "0 seconds"),
        ("", "0 seconds"),
        ("pending", "pending"),
        ("Pending...", "Pending..."),
    ],
)
def test_given_a_duration_when_formatted_then_reference_wording(
    seconds: int | float | str, expected: str
) -> None:
    assert seconds_to_hours_minutes_seconds(seconds) == expected


@given(st.integers(min_value=1, max_value=10**7))
def test_given_any_positive_duration_when_formatted_then_parts_add_up(seconds: int) -> None:
    total = 0
    for part in seconds_to_hours_minutes_seconds(seconds).split(", "):
        amount, unit = part.split(" ")
        total += int(amount) * {"hour": 3600, "minute": 60, "second": 1}[unit.rstrip("s")]
        assert unit.endswith("s") == (int(amount) > 1)
    assert total == seconds


@pytest.mark.parametrize(
    ("offset", "minutes"),
    [
        ("-05:00", -300),
        ("+05:30", 330),
        ("+0530", 330),
        ("-08", -480),
        ("Z", 0),
        ("+00:00", 0),
        ("UTC-05:00", -300),
        ("America/New_York", None),
        ("+15:00", None),
        ("-13:00", None),
        (5.5, 330),
        (-7, -420),
        (-420, -420),
        (15, 900),
        (16, 16),
        (None, None),
        (float("nan"), None),
    ],
)
def test_given_a_user_offset_when_read_then_moment_utc_offset_rules(
    offset: str | float | None, minutes: float | None
) -> None:
    assert utc_offset_minutes(offset) == minutes


@pytest.mark.parametrize(
    ("offset", "minutes"),
    [
        ("-07:00", -420),
        ("-420", -420),
        ("5.5", 330),
        (-7, -420),
        ("0", 0),
        (0, None),
        ("", None),
        (None, None),
    ],
)
def test_given_a_user_offset_when_read_for_call_logs_then_number_text_is_a_number(
    offset: str | float | None, minutes: float | None
) -> None:
    assert call_log_utc_offset_minutes(offset) == minutes


@pytest.mark.parametrize(
    ("value", "pattern", "offset", "expected"),
    [
        ("2024-01-15T10:30:00Z", "YYYY-MM-DD hh:mm:ss A", "+00:00", "2024-01-15 10:30:00 AM"),
        ("2024-01-15T10:30:00Z", "YYYY-MM-DD hh:mm:ss A", "-08:00", "2024-01-15 02:30:00 AM"),
        ("2026-07-14T02:30:00.000Z", "YYYY-MM-DD hh:mm:ss A", None, "2026-07-14 02:30:00 AM"),
        (1705314600000, "YYYY-MM-DD HH:mm", None, "2024-01-15 10:30"),
        ("1705314600000", "YYYY-MM-DD HH:mm", None, "2024-01-15 10:30"),
        ("2026-07-14T03:00:00.000Z", "YY/MM/DD", "-05:00", "26/07/13"),
        ("2026-07-14T03:00:00.000Z", "dddd, MMMM DD, YYYY", None, "Tuesday, July 14, 2026"),
        ("2026-07-14T15:05:00.000Z", "hh:mm A", None, "03:05 PM"),
        ("2026-07-14T00:05:00.000Z", "h:mm a", None, "12:05 am"),
        (
            "2024-12-31T23:59:59.987Z",
            "Do MMM YYYY [at] k:mm:ss.SSS Z ZZ",
            5.5,
            "1st Jan 2025 at 5:29:59.987 +05:30 +0530",
        ),
        ("2024-01-15T10:30:00Z", "LLLL", None, "Monday, January 15, 2024 10:30 AM"),
        ("2021-01-03T12:00:00Z", "w W E d", None, "2 53 7 0"),
        ("2024-01-15T10:30:00", "YYYY-MM-DD HH:mm", None, "2024-01-15 10:30"),
        ("Mon, 15 Jan 2024 10:30:00 GMT", "YYYY-MM-DD HH:mm", None, "2024-01-15 10:30"),
        ("not a date", "YYYY-MM-DD", None, "Invalid date"),
    ],
)
def test_given_a_time_when_formatted_then_moment_output(
    value: str | int, pattern: str, offset: str | float | None, expected: str
) -> None:
    assert format_date(value, pattern, offset) == expected


def test_given_a_datetime_when_parsed_then_utc_aware() -> None:
    naive = datetime(2024, 1, 15, 10, 30)
    assert parse_instant(naive) == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    assert parse_instant("2026-07-14T03:00:00+05:30") == datetime(2026, 7, 13, 21, 30, tzinfo=UTC)
    assert parse_instant(None) is None
    assert parse_instant("") is None


def test_given_markup_when_escaped_then_entities_of_the_reference() -> None:
    assert escape_html("<script>alert('x') & \"y\"</script>") == (
        "&lt;script&gt;alert(&#039;x&#039;) &amp; &quot;y&quot;&lt;/script&gt;"
    )
    assert escape_html(None) == ""
    assert escape_html(91) == "91"


@given(st.text())
def test_given_any_text_when_escaped_then_unescape_restores_it_and_no_markup_remains(text: str) -> None:
    escaped = escape_html(text)
    assert not set("<>\"'") & set(escaped)
    assert unescape_html(escaped) == text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12.0),
        (" 7 ", 7.0),
        ("", 0.0),
        (None, 0.0),
        (True, 1.0),
        ("0x1A", 26.0),
        ("-5.5", -5.5),
        ("1e3", 1000.0),
    ],
)
def test_given_json_values_when_coerced_then_javascript_number(value: object, expected: float) -> None:
    assert js_number(value) == expected


@pytest.mark.parametrize("value", ["abc", "12abc", "inf", "1_000", [1]])
def test_given_non_numbers_when_coerced_then_nan(value: object) -> None:
    assert js_number(value) != js_number(value)


def test_given_an_mms_attachment_uri_when_linked_then_media_reader_url_from_client_payloads() -> None:
    uri = (
        "https://media.ringcentral.com/restapi/v1.0/account/178009004/extension/178009004/"
        "message-store/6424569008/content/675981076016"
    )
    assert media_reader_link(uri) == (
        "https://ringcentral.github.io/ringcentral-media-reader/?media=https%3A%2F%2Fmedia.ringcentral.com"
        "%2Frestapi%2Fv1.0%2Faccount%2F178009004%2Fextension%2F178009004%2Fmessage-store%2F6424569008"
        "%2Fcontent%2F675981076016"
    )
    assert media_reader_link(None) is None
    assert media_reader_link("") is None


def test_given_an_unknown_log_format_when_required_then_value_error() -> None:
    assert require_log_format("text/html") == "text/html"
    with pytest.raises(ValueError, match="unsupported log format"):
        require_log_format("application/json")


def test_given_a_cold_lambda_when_the_composer_is_imported_then_only_light_standard_modules_load() -> None:
    layer = Path(__file__).resolve().parents[2] / "layers" / "appconnect"
    probe = (
        "import sys; before = set(sys.modules); import appconnect.composer; "
        "print(' '.join(sorted(set(sys.modules) - before)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONPATH": str(layer)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    heavy = {"boto3", "botocore", "requests", "pynamodb", "aws_lambda_powertools", "jwt", "phonenumbers"}
    heavy |= {"cryptography", "html", "email", "urllib", "inspect", "dataclasses", "json"}
    assert not {name.split(".")[0] for name in loaded} & heavy
    assert "appconnect.composer.call_log" in loaded
