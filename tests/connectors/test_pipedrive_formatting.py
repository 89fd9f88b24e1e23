"""The Pipedrive connector's pure rules: durations, due dates, ids, note parse-back, hosts, activity types."""

from __future__ import annotations

from typing import Any

import pytest

from appconnect.connector.client import DisallowedUrl
from appconnect.errors import CrmBadRequest
from connectors.pipedrive.activity_types import ActivityTypeResolver, from_response
from connectors.pipedrive.api import company_base_url
from connectors.pipedrive.formatting import (
    admin_setting,
    company_host,
    deal_and_lead,
    due_date_and_time,
    numeric_id,
    owner_id_of,
    parse_agent_note,
    pipedrive_duration,
)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "00:00"),
        (1, "00:01"),
        (59, "00:01"),
        (60, "00:01"),
        (300, "00:05"),
        (487, "00:09"),
        (3599, "01:00"),
        (3600, "01:00"),
        (4500, "01:15"),
        ("125", "00:03"),
        (7384.5, "02:04"),
    ],
)
def test_given_call_seconds_when_formatted_then_started_minutes_count_and_no_extra_minute(
    seconds: Any, expected: str
) -> None:
    assert pipedrive_duration(seconds) == expected


@pytest.mark.parametrize("value", ["pending", "", None, -5, "abc", True, float("nan")])
def test_given_unknown_duration_when_formatted_then_none(value: Any) -> None:
    assert pipedrive_duration(value) is None


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2024-01-15T10:00:00Z", ("2024-01-15", "10:00")),
        ("2024-01-15T23:30:00-05:00", ("2024-01-16", "04:30")),
        (1705312800000, ("2024-01-15", "10:00")),
        ("1705312800000", ("2024-01-15", "10:00")),
    ],
)
def test_given_start_time_when_due_computed_then_utc_date_and_time(
    start: Any, expected: tuple[str, str]
) -> None:
    assert due_date_and_time(start) == expected


def test_given_unreadable_start_time_when_due_computed_then_none() -> None:
    assert due_date_and_time("yesterday") is None
    assert due_date_and_time(None) is None


def test_given_ids_when_read_then_numbers_and_numeric_text_accepted_others_refused() -> None:
    assert numeric_id(101, "contact id") == 101
    assert numeric_id(" 101 ", "contact id") == 101
    assert owner_id_of("12345-pipedrive") == 12345
    for bad in ("abc", "", None, True, "1.5"):
        with pytest.raises(CrmBadRequest):
            numeric_id(bad, "contact id")


@pytest.mark.parametrize(
    ("submission", "expected"),
    [
        (None, (None, None)),
        ({}, (None, None)),
        ({"deals": "201"}, (201, None)),
        ({"deals": 201, "leads": "lead-1"}, (201, None)),
        ({"leads": "lead-1"}, (None, "lead-1")),
        ({"deals": "", "leads": "lead-1"}, (None, "lead-1")),
    ],
)
def test_given_log_form_choice_when_read_then_deal_wins_over_lead(
    submission: dict[str, Any] | None, expected: tuple[int | None, str | None]
) -> None:
    assert deal_and_lead(submission) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<b>Agent notes</b>Test note<b>Call details</b>", "Test note"),
        (
            "<b>Agent notes</b><br>line one<br>line two<br><br><b>Call details</b><br><li>x</li>",
            "line oneline two",
        ),
        ("<b>Agent notes</b><br>5 &lt; 6 &amp; &quot;ok&quot;<br><br><b>Call details</b>", '5 < 6 & "ok"'),
        ("<li><b>Summary</b>: no note</li>", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_given_activity_note_when_parsed_then_agent_note_text(body: str | None, expected: str) -> None:
    assert parse_agent_note(body) == expected


def test_given_admin_settings_when_read_then_value_of_stored_or_bare_setting() -> None:
    assert (
        admin_setting({"pipedriveCallActivityType": {"value": "call_out"}}, "pipedriveCallActivityType")
        == "call_out"
    )
    assert admin_setting({"pipedriveCallActivityType": "call_out"}, "pipedriveCallActivityType") == "call_out"
    assert admin_setting({"pipedriveCallActivityType": {"value": ""}}, "pipedriveCallActivityType") == ""
    assert admin_setting(None, "pipedriveCallActivityType") == ""


@pytest.mark.parametrize(
    ("given", "host"),
    [
        ("acme.pipedrive.com", "acme.pipedrive.com"),
        ("https://Acme.pipedrive.com/deals/list?x=1", "acme.pipedrive.com"),
        ("acme.pipedrive.com/", "acme.pipedrive.com"),
    ],
)
def test_given_user_supplied_address_when_reduced_then_bare_host(given: str, host: str) -> None:
    assert company_host(given) == host


def test_given_company_url_template_when_host_allowed_then_url_built() -> None:
    assert company_base_url("https://{hostname}", "acme.pipedrive.com", ["*.pipedrive.com"]) == (
        "https://acme.pipedrive.com"
    )


@pytest.mark.parametrize(
    "hostname",
    [
        "evil.example.com",
        "acme.pipedrive.com.evil.example",
        "acme.pipedrive.com@evil.example",
        "",
        "127.0.0.1",
    ],
)
def test_given_company_url_template_when_host_not_allowed_then_refused(hostname: str) -> None:
    with pytest.raises(DisallowedUrl):
        company_base_url("https://{hostname}", hostname, ["*.pipedrive.com"])


def test_given_company_url_without_placeholder_when_built_then_operator_url_used_as_is() -> None:
    assert company_base_url(
        "http://127.0.0.1:8100/pipedrive/", "acme.pipedrive.com", ["*.pipedrive.com"]
    ) == ("http://127.0.0.1:8100/pipedrive")


def test_given_company_url_without_placeholder_when_hostname_is_foreign_then_refused() -> None:
    with pytest.raises(DisallowedUrl):
        company_base_url("http://127.0.0.1:8100/pipedrive/", "169.254.169.254", ["*.pipedrive.com"])


def test_given_activity_types_answer_when_read_then_active_types_as_options() -> None:
    body = {
        "data": [
            {"key_string": "call", "name": "Call", "active_flag": True},
            {"key_string": "old", "name": "Old call", "active_flag": False},
            {"key_string": "sms", "name": "SMS", "active_flag": True},
        ]
    }

    assert from_response(body) == [{"const": "call", "title": "Call"}, {"const": "sms", "title": "SMS"}]
    assert from_response({"data": None}) == []


class _Fetches:
    def __init__(self, *answers: list[dict[str, str]]) -> None:
        self.answers = list(answers)
        self.count = 0

    def __call__(self) -> list[dict[str, str]]:
        self.count += 1
        return self.answers.pop(0)


def test_given_no_cache_when_type_resolved_then_fetched_once_and_keyword_match_used() -> None:
    fetch = _Fetches([{"const": "meeting", "title": "Meeting"}, {"const": "cold_call", "title": "Cold Call"}])

    assert ActivityTypeResolver(fetch, None, "k").resolve("", "call") == "cold_call"
    assert fetch.count == 1


def test_given_stale_cached_list_without_a_call_type_when_resolved_then_refreshed_once() -> None:
    class Cache:
        def __init__(self) -> None:
            self.store: dict[str, Any] = {"k": [{"const": "meeting", "title": "Meeting"}]}

        def get(self, key: str) -> Any | None:
            return self.store.get(key)

        def put(self, key: str, value: Any, ttl_seconds: int) -> None:
            self.store[key] = value

    cache = Cache()
    fetch = _Fetches([{"const": "call", "title": "Call"}])

    assert ActivityTypeResolver(fetch, cache, "k").resolve("", "call") == "call"
    assert fetch.count == 1
    assert cache.store["k"] == [{"const": "call", "title": "Call"}]


def test_given_configured_type_gone_when_resolved_then_keyword_fallback_after_one_refresh() -> None:
    fetch = _Fetches([{"const": "call", "title": "Call"}])

    assert ActivityTypeResolver(fetch, None, "k").resolve("retired_type", "call") == "call"
    assert fetch.count == 1


def test_given_nothing_matching_when_resolved_then_none() -> None:
    fetch = _Fetches([{"const": "meeting", "title": "Meeting"}])

    assert ActivityTypeResolver(fetch, None, "k").resolve("", "sms") is None
