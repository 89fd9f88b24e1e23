"""Properties of phone spellings: however a valid number is typed, the connectors search the same number.

The extension sends E.164, but numbers also arrive with their ``+`` turned into a space (an unencoded query)
and people store them in every national and international spelling. Numbers are drawn from the regions'
own example numbers with their last digits varied, so every one of them is valid.
"""

from __future__ import annotations

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.insightly.phones import parse_number, phone_candidates
from connectors.redtail.contacts import searched_number

REGIONS = ["US", "CA", "GB", "DE", "FR", "AU", "IN", "BR", "JP", "ZA", "NL", "MX"]
SPELLINGS = [
    phonenumbers.PhoneNumberFormat.E164,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.RFC3966,
]
EXAMPLES = settings(max_examples=200, deadline=None)


@st.composite
def valid_numbers(draw: st.DrawFn) -> phonenumbers.PhoneNumber:
    region = draw(st.sampled_from(REGIONS))
    example = phonenumbers.example_number(region)
    assert example is not None
    national = str(phonenumbers.national_significant_number(example))
    tail = draw(st.integers(min_value=0, max_value=99))
    candidate = phonenumbers.parse(f"+{example.country_code}{national[:-2]}{tail:02d}", None)
    return candidate if phonenumbers.is_valid_number(candidate) else example


@EXAMPLES
@given(number=valid_numbers(), spelling=st.sampled_from(SPELLINGS))
def test_given_a_valid_number_in_any_international_spelling_when_searched_in_redtail_then_its_national_number(
    number: phonenumbers.PhoneNumber, spelling: int
) -> None:
    typed = phonenumbers.format_number(number, spelling).removeprefix("tel:")
    assert searched_number(typed) == phonenumbers.national_significant_number(number)


@EXAMPLES
@given(number=valid_numbers())
def test_given_an_e164_number_whose_plus_arrived_as_a_space_when_parsed_then_the_same_number(
    number: phonenumbers.PhoneNumber,
) -> None:
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    expected = (number.country_code, phonenumbers.national_significant_number(number))
    assert parse_number(e164) == expected
    assert parse_number(" " + e164[1:]) == expected


@EXAMPLES
@given(number=valid_numbers())
def test_given_a_valid_number_when_insightly_spellings_built_then_each_is_the_same_number_and_e164_is_one(
    number: phonenumbers.PhoneNumber,
) -> None:
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    region = phonenumbers.region_code_for_number(number)
    candidates = phone_candidates(e164)
    assert candidates[0] == phonenumbers.national_significant_number(number)
    assert e164 in candidates
    assert len(candidates) == len(set(candidates))
    for spelling in candidates:
        assert phonenumbers.parse(spelling, region) == number, spelling


@EXAMPLES
@given(garbage=st.text(alphabet=st.characters(exclude_categories=["Nd"]), max_size=40))
def test_given_text_without_digits_instead_of_a_number_when_searched_then_no_number_and_no_crash(
    garbage: str,
) -> None:
    assert parse_number(garbage) is None
    assert phone_candidates(garbage) == []
    assert searched_number(garbage) == garbage
