"""The Insightly connector's pure helpers: phone candidates, API URL handling, time zones, parse-backs."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appconnect.connector.client import DisallowedUrl
from connectors.insightly.api import api_base
from connectors.insightly.phones import (
    MAX_CANDIDATES,
    MAX_EXTRA_FIELDS,
    apply_template,
    field_names,
    phone_candidates,
)
from connectors.insightly.records import (
    chosen_related,
    dispositions_of,
    parse_agent_note,
    person_kind,
    person_link,
    split_name,
)
from connectors.insightly.timezones import utc_offset_hours

ALLOWED = ["*.insightly.com", "127.0.0.1:8100"]


def test_given_us_number_when_candidates_built_then_common_spellings_most_likely_first() -> None:
    assert phone_candidates("+14155550142") == [
        "4155550142",
        "+14155550142",
        "(415) 555-0142",
        "415-555-0142",
        "415.555.0142",
        "+1 415 555 0142",
        "+1 415-555-0142",
        "415 555 0142",
    ]


def test_given_uk_number_when_candidates_built_then_uk_spellings() -> None:
    assert phone_candidates("+442079460958") == [
        "2079460958",
        "+442079460958",
        "020 7946 0958",
        "020-7946-0958",
        "020.7946.0958",
        "+44 20 7946 0958",
        "442079460958",
    ]


def test_given_user_templates_when_candidates_built_then_they_come_right_after_the_digits() -> None:
    values = phone_candidates("+14155550142", " 1-***-***-****,+# ### ### ####,, (###)###-####")

    assert values[:4] == ["4155550142", "1-415-555-0142", "+1 415 555 0142", "(415)555-0142"]
    assert len(values) == MAX_CANDIDATES


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("(***) ***-****", "(415) 555-0142"),
        ("+* ***.***.****", "+1 415.555.0142"),
        ("***-****", None),  # fewer placeholders than digits: would match the wrong people
        ("(***) ***-******", None),
        ("no placeholders", None),
    ],
)
def test_given_template_when_applied_then_filled_only_when_it_fits_the_number(
    template: str, expected: str | None
) -> None:
    assert apply_template(template, "4155550142", "14155550142") == expected


@pytest.mark.parametrize("number", ["", "101", "12", "+1", "not a number", "+999123"])
def test_given_unreadable_number_when_candidates_built_then_none(number: str) -> None:
    assert phone_candidates(number) == []


def test_given_plus_lost_in_the_query_when_candidates_built_then_number_still_read() -> None:
    assert phone_candidates(" 14155550142")[0] == "4155550142"


@given(st.integers(min_value=2012000000, max_value=9899999999))
def test_given_any_nanp_number_when_candidates_built_then_each_holds_its_digits(number: int) -> None:
    values = phone_candidates(f"+1{number}")
    digits = str(number)

    assert len(values) <= MAX_CANDIDATES
    assert len(set(values)) == len(values)
    for value in values:
        assert re.sub(r"\D", "", value).endswith(digits)


def test_given_extra_field_setting_when_read_then_trimmed_deduplicated_and_bounded() -> None:
    assert field_names(" A__c, B__c ,A__c,, ") == ["A__c", "B__c"]
    assert len(field_names(",".join(f"F{i}" for i in range(10)))) == MAX_EXTRA_FIELDS
    assert field_names(None) == []


@pytest.mark.parametrize(
    ("pasted", "base"),
    [
        ("https://api.na1.insightly.com/v3.1", "https://api.na1.insightly.com"),
        ("https://api.na1.insightly.com/v3.1/", "https://api.na1.insightly.com"),
        ("api.eu1.insightly.com/v3.0/Help", "https://api.eu1.insightly.com"),
        ("https://vapi.insightly.com/v3.1", "https://vapi.insightly.com"),  # the reference cut at "//v"
        ("https://API.NA1.insightly.com", "https://api.na1.insightly.com"),  # stored normalised
        ("http://127.0.0.1:8100/insightly/v3.1", "http://127.0.0.1:8100/insightly"),
    ],
)
def test_given_pasted_api_url_when_stored_then_version_suffix_dropped(pasted: str, base: str) -> None:
    assert api_base(pasted, ALLOWED) == base


@pytest.mark.parametrize(
    "pasted",
    [
        "https://insightly.com.evil.example/v3.1",
        "http://api.na1.insightly.com/v3.1",
        "https://127.0.0.1:9999/v3.1",
        "ftp://api.na1.insightly.com",
        "",
    ],
)
def test_given_api_url_outside_insightly_when_stored_then_refused(pasted: str) -> None:
    with pytest.raises(DisallowedUrl):
        api_base(pasted, ALLOWED)


@pytest.mark.parametrize(
    ("zone", "hours"),
    [
        ("Eastern Standard Time", -4),
        ("Pacific Standard Time", -7),
        ("GMT Standard Time", 1),
        ("India Standard Time", 5.5),
        ("AUS Eastern Standard Time", 10),
        ("UTC", 0),
        ("Europe/Berlin", 2),
        ("Not A Zone", 0),
        ("", 0),
    ],
)
def test_given_insightly_time_zone_when_offset_computed_then_hours_in_summer(zone: str, hours: float) -> None:
    assert utc_offset_hours(zone, now=datetime(2026, 7, 14, 12, tzinfo=UTC)) == hours


def test_given_plain_text_call_log_when_note_parsed_then_agent_note_only() -> None:
    assert parse_agent_note("- Agent notes: Test note\n- Call result: Connected") == "Test note"
    assert parse_agent_note("- Note: line one\nline two\n- Summary: S\n") == "line one\nline two"
    assert parse_agent_note("- Summary: S\n") == ""


@pytest.mark.parametrize(
    ("contact_type", "kind"),
    [
        ("Contact", "Contact"),
        ("contact", "Contact"),
        ("contactExtraPhone", "Contact"),
        ("leadMobile", "Lead"),
        ("", None),
        (None, None),
        ("Organisation", None),
    ],
)
def test_given_contact_type_when_read_then_contact_or_lead(
    contact_type: str | None, kind: str | None
) -> None:
    assert person_kind(contact_type) == kind


def test_given_new_contact_name_when_split_then_first_word_and_the_rest() -> None:
    assert split_name("Nora Van Dyke", "Contact") == {"FIRST_NAME": "Nora", "LAST_NAME": "Van Dyke"}
    assert split_name("Jane", "Contact") == {"FIRST_NAME": "Jane"}
    assert split_name("Jane", "Lead") == {"LAST_NAME": "Jane"}


def test_given_form_submission_when_related_records_read_then_both_organisation_spellings_accepted() -> None:
    assert chosen_related({"organisation": "301", "opportunity": 401, "project": None}) == [
        ("Organisation", 301),
        ("Opportunity", 401),
    ]
    assert chosen_related({"organization": 302, "project": "x"}) == [("Organisation", 302)]
    assert chosen_related(None) == []


def test_given_event_links_in_any_case_when_read_then_person_and_dispositions_found() -> None:
    event = {
        "LINKS": [
            {"LINK_ID": 1, "LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": 301},
            {"LINK_ID": 2, "LINK_OBJECT_NAME": "contact", "LINK_OBJECT_ID": 101},
            {"LINK_ID": 3, "LINK_OBJECT_NAME": "PROJECT", "LINK_OBJECT_ID": 501},
        ]
    }

    assert person_link(event) == ("Contact", 101)
    assert dispositions_of(event) == {"organisation": 301, "project": 501}
    assert person_link({"LINKS": []}) is None
