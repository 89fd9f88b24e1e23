"""Insightly contacts and leads: found by phone or name, each with its organisations, opportunities and
projects, and created from the extension.

Phone lookup (the screen pop): Insightly's search matches a field's stored text exactly, so one lookup
searches the spellings the company's phone profile says its people type, in the fields they fill
(:mod:`connectors.insightly.phone_plan`: at most 8 calls, all in one parallel wave); the organisations,
opportunities and projects of the matches are then fetched in a second wave. A lookup reaches Insightly at
most twice in sequence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from appconnect.connector import (
    Connector,
    ContactLookup,
    ContactMatches,
    CreatedContact,
    CrmUser,
    NewContact,
)
from appconnect.connector.helpers import MAX_PARALLEL, in_parallel, new_contact_entry
from appconnect.errors import (
    CrmAuthError,
    CrmBadRequest,
    CrmError,
    CrmNotFound,
    return_message,
)
from appconnect.observability import logger
from connectors.insightly.api import InsightlyApi, user_api
from connectors.insightly.phone_plan import (
    MAX_LOOKUP_CALLS,
    PROFILE_TTL_S,
    SAMPLE_SIZE,
    SAMPLED_KINDS,
    STANDARD_PHONE_FIELDS,
    Number,
    PhoneProfile,
    learn,
    plan,
    sample_matches,
)
from connectors.insightly.phones import field_names
from connectors.insightly.records import (
    CONTACT,
    ID_FIELDS,
    LEAD,
    PERSON_COLLECTIONS,
    RELATED,
    custom_field_value,
    full_name,
    person_kind,
    related_option,
    related_refs,
    split_name,
    to_contact,
)

NEW_CONTACT = new_contact_entry(additionalInfo=None)
EXTRA_FIELD_SETTINGS = {
    CONTACT: "insightlyExtraPhoneFieldNameForContact",
    LEAD: "insightlyExtraPhoneFieldNameForLead",
}
#: most organisations, opportunities and projects fetched for one lookup's matches (one parallel wave)
MAX_RELATED = MAX_PARALLEL


def _related(
    api: InsightlyApi, records: Sequence[Mapping[str, Any]]
) -> dict[tuple[str, int], dict[str, Any] | None]:
    """``{title, const}`` of every organisation, opportunity and project linked to ``records``, fetched
    in one parallel wave (at most MAX_RELATED). A deleted or forbidden record is left out."""
    refs = list(dict.fromkeys(ref for record in records for ref in related_refs(record)))[:MAX_RELATED]
    fetched = in_parallel([_related_fetcher(api, kind, target) for kind, target in refs])
    return dict(zip(refs, fetched, strict=True))


def _searcher(
    api: InsightlyApi, kind: str, field: str, value: str, extra: bool
) -> Callable[[], list[dict[str, Any]]]:
    def search() -> list[dict[str, Any]]:
        try:
            return api.search(PERSON_COLLECTIONS[kind], field, value)
        except CrmBadRequest as error:
            if not extra:
                raise
            # an extra field the instance does not have: skipped silently, as the reference does
            logger.debug("insightly extra phone field refused", extra={"status": error.status})
            return []

    return search


def _sampler(api: InsightlyApi, kind: str) -> Callable[[], list[dict[str, Any]] | None]:
    """The first SAMPLE_SIZE records of ``kind``, to learn the phone profile from; None when Insightly
    could not answer (the lookup goes on with its searches; the profile is learned next time)."""

    def sample() -> list[dict[str, Any]] | None:
        try:
            body = api.get(f"/{PERSON_COLLECTIONS[kind]}", params={"top": SAMPLE_SIZE, "brief": "false"})
        except CrmAuthError:
            raise
        except CrmError as error:
            logger.info("insightly phone sample skipped", extra={"status": error.status})
            return None
        return [r for r in body if isinstance(r, dict)] if isinstance(body, list) else None

    return sample


def _profile_key(user: CrmUser) -> str:
    """The account-cache key of the user's company's phone profile: the Insightly instance on its pod (the
    user alone for a login stored before the instance id was)."""
    pod = str(user.platform_additional_info.get("apiUrl") or "").split("://", 1)[-1]
    instance = user.platform_additional_info.get("instanceId")
    owner = f"instance-{instance}" if instance not in (None, "") else f"user-{user.id}"
    return f"phone-profile#{pod}#{owner}"


def _related_fetcher(api: InsightlyApi, kind: str, target: int) -> Callable[[], dict[str, Any] | None]:
    def fetch() -> dict[str, Any] | None:
        try:
            return related_option(kind, api.get(f"/{RELATED[kind][0]}/{target}"))
        except CrmNotFound:
            return None
        except CrmAuthError as error:
            if error.status == 403:  # visible contact, hidden organisation: not offered
                return None
            raise

    return fetch


def _first_phone(record: Mapping[str, Any], kind: str) -> str | None:
    for field in STANDARD_PHONE_FIELDS[kind]:
        if record.get(field):
            return str(record[field])
    return None


class Contacts(Connector):
    """Insightly's contact interfaces."""

    def find_contact(self, *, user: CrmUser, auth_header: str, request: ContactLookup) -> ContactMatches:
        """Contacts and leads with the number in a phone field, whatever format it was stored in, each with
        its organisations, opportunities and projects; then the "Create new contact..." entry.

        At most :data:`~connectors.insightly.phone_plan.MAX_LOOKUP_CALLS` searches and sample pages at
        once (the company's phone profile decides which), then one wave for the related records.
        """
        if request.is_extension:
            return ContactMatches(contacts=[], successful=False)
        number = Number.of(request.phone_number)
        if number is None:
            return ContactMatches(contacts=[dict(NEW_CONTACT)])
        extra = {
            kind: [f for f in field_names(user.setting_value(EXTRA_FIELD_SETTINGS[kind])) if f not in fields]
            for kind, fields in STANDARD_PHONE_FIELDS.items()
        }
        key = _profile_key(user)
        profile = PhoneProfile.from_cache(request.cache.get(key)) if request.cache is not None else None
        relearn = profile is None or not profile.fresh()
        searches = plan(
            number,
            request.phone_number,
            profile=profile,
            templates=request.overriding_format or "",
            extra_fields=extra,
            budget=MAX_LOOKUP_CALLS - (len(SAMPLED_KINDS) if relearn else 0),
        )
        api = user_api(self, user, auth_header)
        calls: list[Callable[[], Any]] = [_searcher(api, s.kind, s.field, s.value, s.extra) for s in searches]
        if relearn:
            calls.extend(_sampler(api, kind) for kind in SAMPLED_KINDS)
        results = in_parallel(calls)
        found: list[tuple[Mapping[str, Any], str, str]] = []
        for search, records in zip(searches, results, strict=False):
            for record in records:
                stored = record.get(search.field) or custom_field_value(record, search.field)
                found.append((record, search.kind, str(stored) if stored else search.value))
        if relearn:
            samples = dict(zip(SAMPLED_KINDS, results[len(searches) :], strict=True))
            if all(sample is not None for sample in samples.values()):
                complete = {kind: sample or [] for kind, sample in samples.items()}
                if request.cache is not None:
                    request.cache.put(key, learn(complete).to_cache(), PROFILE_TTL_S)
                found.extend(sample_matches(number, complete, extra))
        matches: dict[tuple[str, Any], tuple[Mapping[str, Any], str, str]] = {}
        # contacts before leads, then the most likely spelling first
        for record, kind, phone in sorted(found, key=lambda match: match[1] != CONTACT):
            match_key = (kind, record.get(ID_FIELDS[kind]))
            if match_key[1] is not None and match_key not in matches:
                matches[match_key] = (record, kind, phone)
        related = _related(api, [record for record, _, _ in matches.values()])
        contacts = [to_contact(record, kind, phone, related) for record, kind, phone in matches.values()]
        contacts.append(dict(NEW_CONTACT))
        return ContactMatches(contacts=contacts)

    def find_contact_with_name(self, *, user: CrmUser, auth_header: str, name: str) -> ContactMatches:
        """Contacts and leads whose "first last" name contains ``name``; no "Create new contact..." entry.

        Four searches at once: first names equal to the first word and last names equal to the rest (or,
        for one word, to that word too, so a last name alone finds people).
        """
        words = (name or "").split()
        if not words:
            return ContactMatches(contacts=[])
        first, rest = words[0], " ".join(words[1:]) or words[0]
        wanted = " ".join(words).lower()
        api = user_api(self, user, auth_header)
        plan = [(CONTACT, "FIRST_NAME", first), (CONTACT, "LAST_NAME", rest)]
        plan += [(LEAD, "FIRST_NAME", first), (LEAD, "LAST_NAME", rest)]
        results = in_parallel([_searcher(api, kind, field, value, False) for kind, field, value in plan])
        matches: dict[tuple[str, Any], tuple[Mapping[str, Any], str]] = {}
        for (kind, _field, _value), records in zip(plan, results, strict=True):
            for record in records:
                key = (kind, record.get(ID_FIELDS[kind]))
                if key[1] is not None and key not in matches and wanted in full_name(record).lower():
                    matches[key] = (record, kind)
        related = _related(api, [record for record, _ in matches.values()])
        contacts = [
            to_contact(record, kind, _first_phone(record, kind), related) for record, kind in matches.values()
        ]
        return ContactMatches(contacts=contacts)

    def create_contact(self, *, user: CrmUser, auth_header: str, request: NewContact) -> CreatedContact:
        """A new contact or lead (``newContactType`` ``contact`` / ``lead``) with the caller's number."""
        kind = person_kind(request.type)
        if kind is None:
            return CreatedContact(
                contact=None,
                message=return_message(
                    "Please choose whether to create a contact or a lead.", "warning", 3000
                ),
            )
        api = user_api(self, user, auth_header)
        phone = request.phone_number.strip()
        if "+" not in phone:
            phone = phone.replace(" ", "+", 1)
        body = {"PHONE": phone, **split_name(request.name, kind)}
        created = api.post(f"/{PERSON_COLLECTIONS[kind]}", body)
        created = created if isinstance(created, dict) else {}
        return CreatedContact(
            contact={
                "id": created.get(ID_FIELDS[kind]),
                "name": full_name(created) or request.name.strip(),
            },
            message=return_message("Contact created.", "success", 2000),
        )
