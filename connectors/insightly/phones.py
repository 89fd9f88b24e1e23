"""The values an Insightly phone search tries for one E.164 number.

Insightly's ``/Contacts/Search`` and ``/Leads/Search`` compare ``field_value`` with the stored text
exactly, so a contact typed as ``(415) 555-0142`` is not found by ``4155550142``. The connector therefore
searches every way people commonly type the number, built with ``phonenumbers`` from the E.164 number:

1. the national significant number (``4155550142``, what the reference searched),
2. the user's own templates (setting "Phone number format alternatives", sent as ``overridingFormat``:
   comma-separated, each ``*`` or ``#`` replaced by the next digit),
3. E.164 (``+14155550142``), the national format (``(415) 555-0142``), its digit groups joined by ``-``
   (``415-555-0142``) and by ``.`` (``415.555.0142``), ``+<cc>`` and the groups joined by spaces
   (``+1 415 555 0142``), the international format (``+1 415-555-0142``), the groups joined by spaces
   (``415 555 0142``) and country code plus digits (``14155550142``), in that order; for other regions the
   same rules give e.g. ``020 7946 0958``, ``020-7946-0958``, ``+44 20 7946 0958``.

Duplicates are dropped and the list is cut at :data:`MAX_CANDIDATES` values (so a user with templates
loses the least common automatic forms first). Which of them a lookup searches, and in which fields, is
decided by the company's phone profile (:mod:`connectors.insightly.phone_plan`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: most values searched for one number (automatic forms and the user's templates together)
MAX_CANDIDATES = 8
#: most extra phone fields honoured per object type (contacts, leads)
MAX_EXTRA_FIELDS = 4

_PLACEHOLDER = re.compile(r"[*#]")
_DIGIT_GROUP = re.compile(r"\d+")


def parse_number(phone_number: str) -> tuple[int, str] | None:
    """``(country code, national significant number)`` of a possible E.164 number; ``None`` otherwise.

    An unencoded ``+`` arrives as a space: the first space becomes ``+`` when the number has none.
    Numbers that are possible but not valid for their region (new ranges, test numbers) are kept:
    searching them costs nothing when nobody stored them.
    """
    import phonenumbers

    number = phone_number or ""
    if "+" not in number:
        number = number.replace(" ", "+", 1)
    number = number.strip()
    if not number.startswith("+"):
        return None
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return int(parsed.country_code or 0), str(phonenumbers.national_significant_number(parsed))


def apply_template(template: str, digits: str, full_digits: str) -> str | None:
    """``template`` with its placeholders filled, or ``None`` when it does not fit the number.

    A template fits when it has exactly as many placeholders as the national significant number has
    digits (``(***) ***-****``) or as the country code plus that number (``+* *** *** ****``). The
    reference filled any template, leaving extra placeholders or dropping digits, which searched for
    values such as ``415-5550`` that could only match the wrong person.
    """
    template = template.strip()
    count = len(_PLACEHOLDER.findall(template))
    if count == 0:
        return None
    source = digits if count == len(digits) else full_digits if count == len(full_digits) else None
    if source is None:
        return None
    feed = iter(source)
    return _PLACEHOLDER.sub(lambda _: next(feed), template)


def _automatic(country_code: int, digits: str) -> list[str]:
    import phonenumbers

    parsed = phonenumbers.parse(f"+{country_code}{digits}", None)
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national_groups = _DIGIT_GROUP.findall(national)
    # the international format's groups after the country code (no trunk prefix)
    international_groups = _DIGIT_GROUP.findall(international)[1:]
    forms = [f"+{country_code}{digits}", national]
    if len(national_groups) > 1:
        forms.append("-".join(national_groups))
        forms.append(".".join(national_groups))
    if international_groups:
        forms.append(f"+{country_code} " + " ".join(international_groups))
    forms.append(international)
    if len(national_groups) > 1:
        forms.append(" ".join(national_groups))
    forms.append(f"{country_code}{digits}")
    return forms


def phone_candidates(phone_number: str, overriding_format: str | None = "") -> list[str]:
    """The values to search for ``phone_number`` (E.164), most likely first, at most MAX_CANDIDATES.

    Empty when the number cannot be read (an extension, a short code): nothing is searched then.
    """
    parsed = parse_number(phone_number)
    if parsed is None:
        return []
    country_code, digits = parsed
    full_digits = f"{country_code}{digits}"
    templates = [t for t in (overriding_format or "").split(",") if t.strip()]
    values: list[str] = [digits]
    values.extend(v for v in (apply_template(t, digits, full_digits) for t in templates) if v)
    values.extend(_automatic(country_code, digits))
    return _unique(values)[:MAX_CANDIDATES]


def field_names(setting: object) -> list[str]:
    """The extra phone field names of a user setting (comma-separated; blanks and repeats dropped)."""
    if not isinstance(setting, str):
        return []
    return _unique(name.strip() for name in setting.split(","))[:MAX_EXTRA_FIELDS]


def _unique(values: Iterable[str]) -> list[str]:
    return [v for v in dict.fromkeys(v for v in values if v)]
