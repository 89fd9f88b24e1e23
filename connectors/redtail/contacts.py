"""Redtail contacts: found by phone or name with ``/contacts/search_basic``, each offered with the
account's activity categories, and created as individuals with a phone.
"""

from __future__ import annotations

from typing import Any

import phonenumbers

from appconnect.connector import (
    Connector,
    ContactLookup,
    ContactMatches,
    CreatedContact,
    CrmUser,
    NewContact,
)
from appconnect.connector.helpers import in_parallel, new_contact_entry
from appconnect.errors import BadRequest, return_message
from connectors.redtail.api import RedtailApi
from connectors.redtail.categories import active_categories, category_choices

#: Redtail's phone type for a number we add (the reference's; "other")
NEW_PHONE_TYPE = 6


def searched_number(phone_number: str) -> str:
    """What ``search_basic`` is given: the national significant number of a valid number (Redtail stores
    numbers without their country code, typed any way), else the text as it came."""
    try:
        parsed = phonenumbers.parse(phone_number, None)
    except phonenumbers.NumberParseException:
        return phone_number
    if not phonenumbers.is_valid_number(parsed):
        return phone_number
    return phonenumbers.national_significant_number(parsed)


def contact_name(contact: dict[str, Any]) -> str:
    parts = [str(contact.get(k) or "").strip() for k in ("first_name", "middle_name", "last_name")]
    return " ".join(p for p in parts if p) or str(contact.get("full_name") or "").strip()


def _contact(raw: dict[str, Any], choices: list[dict[str, Any]], phone: str | None) -> dict[str, Any]:
    contact: dict[str, Any] = {
        "id": raw.get("id"),
        "name": contact_name(raw),
        "title": raw.get("job_title") or "",
        "type": "contact",
        "createdDate": raw.get("created_at"),
        "mostRecentActivityDate": raw.get("updated_at"),
        "additionalInfo": {"category": choices},
    }
    if phone is not None:
        contact["phone"] = phone
    return contact


def _search(
    self: Connector, user: CrmUser, params: dict[str, str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The matching contacts and the category choices, fetched at once (one round of calls)."""
    api = RedtailApi(self, user.access_token)
    found, categories = in_parallel(
        [lambda: api.get("/contacts/search_basic", params=params), lambda: active_categories(api, user)]
    )
    contacts = [c for c in found.get("contacts") or [] if isinstance(c, dict)]
    return contacts, category_choices(categories)


class Contacts(Connector):
    """Redtail's contact interfaces."""

    def find_contact(self, *, user: CrmUser, auth_header: str, request: ContactLookup) -> ContactMatches:
        """The contacts with this number however it was typed in Redtail, and "Create new contact..."."""
        if request.is_extension:
            return ContactMatches(contacts=[], successful=False)
        contacts, choices = _search(self, user, {"phone_number": searched_number(request.phone_number)})
        matches = [_contact(c, choices, request.phone_number) for c in contacts]
        matches.append(new_contact_entry(additionalInfo={"category": choices}))
        return ContactMatches(contacts=matches)

    def find_contact_with_name(self, *, user: CrmUser, auth_header: str, name: str) -> ContactMatches:
        """Redtail's search matches first, last and full names itself."""
        contacts, choices = _search(self, user, {"name": name})
        return ContactMatches(contacts=[_contact(c, choices, None) for c in contacts])

    def create_contact(self, *, user: CrmUser, auth_header: str, request: NewContact) -> CreatedContact:
        """An individual with the number as an "other" phone. A one-word name is the last name; of more
        words, the first is the first name and the rest the last name (the reference dropped the rest)."""
        try:
            parsed = phonenumbers.parse(request.phone_number, None)
        except phonenumbers.NumberParseException as error:
            raise BadRequest(f"{request.phone_number} is not a phone number Redtail can store.") from error
        words = request.name.split()
        first, last = (words[0], " ".join(words[1:])) if len(words) > 1 else ("", request.name.strip())
        body = {
            "type": "Crm::Contact::Individual",
            "first_name": first,
            "last_name": last,
            "phones": [
                {
                    "phone_type": NEW_PHONE_TYPE,
                    "number": phonenumbers.national_significant_number(parsed),
                    "country_code": parsed.country_code,
                }
            ],
        }
        created = RedtailApi(self, user.access_token).post("/contacts", body).get("contact") or {}
        if created.get("id") is None:
            return CreatedContact(contact=None, message=return_message("Redtail did not create the contact."))
        name = " ".join(p for p in (created.get("first_name"), created.get("last_name")) if p)
        return CreatedContact(
            contact={"id": created["id"], "name": name or request.name.strip()},
            message=return_message("Contact created.", "success", 2000),
        )
