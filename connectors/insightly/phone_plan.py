"""Which Insightly searches one screen pop sends: few, and the likely ones first. No I/O here.

Insightly's search compares a field's stored text with the value exactly, so a number typed
``(415) 555-0142`` is not found by ``4155550142``. Searching every common spelling in every phone field
(32 to 48 searches) found it, but spent a small plan's daily quota (about 1,000 calls) in a few dozen screen
pops of unknown numbers, and tripped Insightly's 10 requests per second at once.

Instead each company gets a **phone profile**: how its people actually type numbers, learned from a
sample of its records (the first :data:`SAMPLE_SIZE` contacts and leads, one call each, at most once every
:data:`PROFILE_FRESH_S`). A profile entry is ``(kind, field, pattern, count)``: the pattern is a stored
value with its digits replaced by ``#`` (``(###) ###-####``), so it fills in any number of the same length
(:func:`fill`). A lookup then searches:

1. the user's own templates ("Phone number format alternatives"), in contacts' and leads' ``PHONE``;
2. the profile's entries, most common first, until they cover :data:`COVERAGE` of the sample's values;
3. E.164 (``+14155550142``) in ``PHONE``: how this server stores the contacts it creates;
4. one search per extra phone field the user named that the profile does not cover;
5. the most likely automatic spellings (:func:`~connectors.insightly.phones.phone_candidates`) in
   contacts' ``PHONE``, up to :data:`MIN_SEARCHES`, so a uniform sample still gets a second guess;

never more than :data:`MAX_LOOKUP_CALLS` calls, sample included. Without a profile (a new company, or one
older than :data:`PROFILE_FRESH_S`) the sample is fetched in the same parallel wave as the searches, and its
records are matched by their digits too (:func:`sample_matches`): in a company of fewer than
:data:`SAMPLE_SIZE` records that finds the number in any format at once.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.insightly.phones import apply_template, parse_number, phone_candidates
from connectors.insightly.records import CONTACT, LEAD, custom_field_value

#: the most calls one lookup's first wave makes (searches plus sample pages): a not-found number costs this
MAX_LOOKUP_CALLS = 8
#: the fewest searches a lookup with a profile sends (when the budget allows)
MIN_SEARCHES = 3
#: the share of the sample's phone values the profile's searched entries must cover
COVERAGE = 0.95
#: records read per kind to learn the profile (Insightly's largest page)
SAMPLE_SIZE = 500
#: a profile younger than this is used as it is; an older one is relearned in the next lookup
PROFILE_FRESH_S = 24 * 3600
#: how long the account cache keeps a profile (a stale one still orders the searches while relearning)
PROFILE_TTL_S = 7 * 24 * 3600
#: profile entries kept (the rest are rare spellings)
MAX_ENTRIES = 24
#: the phone fields searched per object type, most used first
STANDARD_PHONE_FIELDS = {CONTACT: ("PHONE", "PHONE_MOBILE"), LEAD: ("PHONE", "MOBILE")}
#: the object types a profile samples, one page (one call) each
SAMPLED_KINDS = (CONTACT, LEAD)

_PHONE_TEXT = re.compile(r"^\+?[\d\s().\-/]+$")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Search:
    """One ``GET /{collection}/search``: ``kind`` (Contact/Lead), field, value; ``extra`` for a field the
    user named, which Insightly may not know (a refusal is then skipped)."""

    kind: str
    field: str
    value: str
    extra: bool = False


@dataclass(frozen=True)
class PhoneProfile:
    """How a company stores numbers: ``(kind, field, pattern, count)`` most common first."""

    entries: tuple[tuple[str, str, str, int], ...]
    learned_at: float

    def fresh(self, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) - self.learned_at < PROFILE_FRESH_S

    def to_cache(self) -> dict[str, Any]:
        return {"v": 1, "learnedAt": self.learned_at, "entries": [list(e) for e in self.entries]}

    @classmethod
    def from_cache(cls, value: Any) -> PhoneProfile | None:
        """The profile a cache holds, or None for anything else (an old shape, a damaged item)."""
        if not isinstance(value, Mapping) or value.get("v") != 1:
            return None
        entries: list[tuple[str, str, str, int]] = []
        for raw in value.get("entries") or []:
            if (
                isinstance(raw, list | tuple)
                and len(raw) == 4
                and raw[0] in (CONTACT, LEAD)
                and all(isinstance(part, str) for part in raw[1:3])
                and isinstance(raw[3], int | float)
            ):
                entries.append((str(raw[0]), str(raw[1]), str(raw[2]), int(raw[3])))
        learned = value.get("learnedAt")
        if not isinstance(learned, int | float):
            return None
        return cls(entries=tuple(entries), learned_at=float(learned))


def pattern_of(value: Any) -> str | None:
    """``value`` with its digits replaced by ``#`` when it reads as a phone number (7 to 15 digits and
    only the characters people type in numbers); None otherwise (names, extensions, notes)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _PHONE_TEXT.match(text):
        return None
    digits = len(_DIGIT.findall(text))
    if not 7 <= digits <= 15:
        return None
    return _DIGIT.sub("#", text)


def _phone_values(record: Mapping[str, Any], kind: str, custom: bool) -> Iterable[tuple[str, Any]]:
    for field in STANDARD_PHONE_FIELDS[kind]:
        yield field, record.get(field)
    if custom:
        for entry in record.get("CUSTOMFIELDS") or []:
            if isinstance(entry, Mapping) and isinstance(entry.get("FIELD_NAME"), str):
                yield str(entry["FIELD_NAME"]), entry.get("FIELD_VALUE")


def learn(samples: Mapping[str, Sequence[Mapping[str, Any]]], now: float | None = None) -> PhoneProfile:
    """The profile of the sampled records (``kind -> records``): every phone-looking value in the main
    phone fields and the custom fields, counted by ``(kind, field, pattern)``."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for kind, records in samples.items():
        for record in records:
            for field, value in _phone_values(record, kind, custom=True):
                pattern = pattern_of(value)
                if pattern is not None:
                    counts[(kind, field, pattern)] += 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:MAX_ENTRIES]
    return PhoneProfile(
        entries=tuple((kind, field, pattern, count) for (kind, field, pattern), count in ranked),
        learned_at=now if now is not None else time.time(),
    )


@dataclass(frozen=True)
class Number:
    """The digit strings one number can be typed with: the national significant number, with the
    country code in front, and with the national trunk prefix (``020 ...`` in the UK)."""

    national: str
    international: str
    trunk: str

    @classmethod
    def of(cls, phone_number: str) -> Number | None:
        parsed = parse_number(phone_number)
        if parsed is None:
            return None
        country_code, digits = parsed
        import phonenumbers

        national_format = phonenumbers.format_number(
            phonenumbers.parse(f"+{country_code}{digits}", None), phonenumbers.PhoneNumberFormat.NATIONAL
        )
        trunk = "".join(_DIGIT.findall(national_format))
        return cls(national=digits, international=f"{country_code}{digits}", trunk=trunk)

    def digit_forms(self) -> set[str]:
        return {self.national, self.international, self.trunk}


def fill(pattern: str, number: Number) -> str | None:
    """``pattern`` with the number's digits, or None when the pattern is for numbers of another length."""
    count = pattern.count("#")
    # "+..." was typed with the country code; anything else with the national number first
    sources = (number.international,) if pattern.startswith("+") else (number.national, number.trunk)
    for digits in (*sources, number.international):
        if len(digits) == count:
            return apply_template(pattern, digits, digits)
    return None


def plan(
    number: Number,
    phone_number: str,
    *,
    profile: PhoneProfile | None,
    templates: str,
    extra_fields: Mapping[str, Sequence[str]],
    budget: int,
) -> list[Search]:
    """The searches of one lookup, most likely first, at most ``budget``."""
    searches: list[Search] = []

    def add(search: Search) -> None:
        if search not in searches and len(searches) < budget:
            searches.append(search)

    digits = number.national
    e164 = f"+{number.international}"
    for template in (t for t in templates.split(",") if t.strip()):
        value = apply_template(template, digits, number.international)
        if value:
            for kind in (CONTACT, LEAD):
                add(Search(kind, "PHONE", value))
    named = {(kind, field) for kind, fields in extra_fields.items() for field in fields}
    standard = {(kind, field) for kind, fields in STANDARD_PHONE_FIELDS.items() for field in fields}
    if profile is None:
        # no profile yet: the spellings people use most, in the field they fill most, and the number as
        # this server stores it (E.164); the sample fetched beside them finds the rest in a small company
        candidates = phone_candidates(phone_number)
        for value in candidates[:4]:
            add(Search(CONTACT, "PHONE", value))
        add(Search(LEAD, "PHONE", digits))
        add(Search(LEAD, "PHONE", e164))
        for kind, fields in extra_fields.items():
            for field in fields:
                add(Search(kind, field, digits, extra=True))
        for value in candidates[4:]:
            add(Search(CONTACT, "PHONE", value))
        return searches
    usable = [e for e in profile.entries if (e[0], e[1]) in standard or (e[0], e[1]) in named]
    total = sum(e[3] for e in usable)
    covered = 0
    for kind, field, pattern, count in usable:
        if total and covered >= COVERAGE * total:
            break
        value = fill(pattern, number)
        if value is not None:
            add(Search(kind, field, value, extra=(kind, field) in named))
        covered += count
    # a contact created from the extension has the number as this server wrote it, whatever the profile
    for kind in (CONTACT, LEAD):
        if kind == CONTACT or any(entry[0] == LEAD for entry in usable):
            add(Search(kind, "PHONE", e164))
    seen = {(e[0], e[1]) for e in usable}
    for kind, field in sorted(named - seen):
        add(Search(kind, field, digits, extra=True))
    floor = min(MIN_SEARCHES, budget)
    for value in phone_candidates(phone_number):
        if len(searches) < floor:
            add(Search(CONTACT, "PHONE", value))
    return searches


def sample_matches(
    number: Number,
    samples: Mapping[str, Sequence[Mapping[str, Any]]],
    extra_fields: Mapping[str, Sequence[str]],
) -> list[tuple[Mapping[str, Any], str, str]]:
    """``(record, kind, stored value)`` of every sampled record with the number in a searched field, in
    any format: its digits equal the number's with or without the country code or trunk prefix."""
    forms = number.digit_forms()
    found: list[tuple[Mapping[str, Any], str, str]] = []
    for kind, records in samples.items():
        fields = [*STANDARD_PHONE_FIELDS[kind], *extra_fields.get(kind, ())]
        for record in records:
            for field in fields:
                value = record.get(field) if field in STANDARD_PHONE_FIELDS[kind] else None
                if value is None:
                    value = custom_field_value(record, field)
                if pattern_of(value) is not None and "".join(_DIGIT.findall(str(value))) in forms:
                    found.append((record, kind, str(value)))
                    break
    return found
