"""Pipedrive persons as contacts, each with its open deals and its leads.

Screen pop is the hot path: one person search, then the deals and leads of every matched person in one
parallel wave, so a lookup reaches Pipedrive at most twice in sequence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appconnect.connector import (
    Connector,
    ContactLookup,
    ContactMatches,
    CreatedContact,
    CrmUser,
    NewContact,
)
from appconnect.connector.helpers import in_parallel, new_contact_entry
from appconnect.errors import CrmBadAnswer, CrmError, return_message
from appconnect.observability import logger
from connectors.pipedrive.api import PipedriveApi, api_for, data_of
from connectors.pipedrive.formatting import PLATFORM

#: the reference's Pipedrive entry exactly: no ``additionalInfo`` key (Insightly's has one, null)
NEW_CONTACT = new_contact_entry()


def _with_deals_and_leads(
    api: PipedriveApi, persons: list[dict[str, Any]], phone: str | None
) -> list[dict[str, Any]]:
    calls = []
    for person in persons:
        person_id = person.get("id")
        calls.append(lambda pid=person_id: _open_deals(api, pid))
        calls.append(lambda pid=person_id: _leads(api, pid))
    results = in_parallel(calls)
    return [_contact(person, phone, results[2 * i], results[2 * i + 1]) for i, person in enumerate(persons)]


def _search_term(number: str) -> str:
    """The national significant number of a valid E.164 number (Pipedrive matches phones by contained
    digits, whatever their formatting), else the number as given."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    if phonenumbers.is_valid_number(parsed):
        return str(phonenumbers.national_significant_number(parsed))
    return number


def _search_items(body: Any) -> list[dict[str, Any]]:
    """The persons of a search answer; :class:`CrmBadAnswer` when it is not one (``null``, not JSON)."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise CrmBadAnswer("Pipedrive answered a person search without its data", platform=PLATFORM)
    items = data.get("items")
    persons = []
    for entry in items or []:
        item = entry.get("item") if isinstance(entry, dict) else None
        if isinstance(item, dict) and item.get("id") is not None:
            persons.append(item)
    return persons


def _open_deals(api: PipedriveApi, person_id: Any) -> list[dict[str, Any]]:
    deals = data_of(api.get(api.company("/api/v2/deals"), params={"person_id": person_id, "status": "open"}))
    return [{"const": d.get("id"), "title": d.get("title")} for d in deals or [] if isinstance(d, dict)]


def _leads(api: PipedriveApi, person_id: Any) -> list[dict[str, Any]]:
    """The person's leads that are not archived; a failure only costs the leads (as in the reference)."""
    try:
        leads = data_of(
            api.get(
                api.company("/api/v1/leads"),
                params={"person_id": person_id, "archived_status": "not_archived"},
            )
        )
    except CrmError as error:
        logger.warning(
            "pipedrive leads lookup failed", extra={"status": error.status, "error": type(error).__name__}
        )
        return []
    return [
        {"const": lead.get("id"), "title": lead.get("title")}
        for lead in leads or []
        if isinstance(lead, dict)
    ]


def _contact(
    person: Mapping[str, Any], phone: str | None, deals: list[dict[str, Any]], leads: list[dict[str, Any]]
) -> dict[str, Any]:
    organization = person.get("organization")
    additional: dict[str, Any] = {}
    if deals:
        additional["deals"] = deals
    if leads:
        additional["leads"] = leads
    contact: dict[str, Any] = {"id": person.get("id"), "name": person.get("name"), "type": "contact"}
    if phone is not None:
        contact["phone"] = phone
    contact["organization"] = (organization.get("name") or "") if isinstance(organization, dict) else ""
    # Not part of the real v2 search item; mapped when present (the reference read them).
    if person.get("add_time"):
        contact["createdDate"] = person["add_time"]
    if person.get("update_time"):
        contact["mostRecentActivityDate"] = person["update_time"]
    contact["additionalInfo"] = additional
    return contact


class Contacts(Connector):
    """Pipedrive's contact interfaces."""

    def find_contact(self, *, user: CrmUser, auth_header: str, request: ContactLookup) -> ContactMatches:
        """Persons whose phone contains the number's national significant number, each with its open deals
        and its leads, then the "Create new contact..." entry."""
        if request.is_extension:
            return ContactMatches(contacts=[], successful=False)
        number = request.phone_number or ""
        if not number.startswith("+"):
            number = number.replace(" ", "+", 1)  # an unencoded "+" arrives as a space
        if "+" not in number:
            # the reference answers this without a "successful" key
            return ContactMatches(
                contacts=None,
                successful=None,
                message=return_message(
                    "Logging against internal extension number is not supported.", "warning", 3000
                ),
            )
        api = api_for(self, auth_header, user.hostname)
        response = api.get(
            api.company("/api/v2/persons/search"), params={"term": _search_term(number), "fields": "phone"}
        )
        persons = _search_items(response.body)
        contacts = _with_deals_and_leads(api, persons, phone=number)
        contacts.append(dict(NEW_CONTACT))
        return ContactMatches(contacts=contacts, successful=True)

    def find_contact_with_name(self, *, user: CrmUser, auth_header: str, name: str) -> ContactMatches:
        """Persons whose name contains ``name``, with deals and leads; no "Create new contact..." entry."""
        api = api_for(self, auth_header, user.hostname)
        response = api.get(api.company("/api/v2/persons/search"), params={"term": name, "fields": "name"})
        contacts = _with_deals_and_leads(api, _search_items(response.body), phone=None)
        return ContactMatches(contacts=contacts, successful=True)

    def create_contact(self, *, user: CrmUser, auth_header: str, request: NewContact) -> CreatedContact:
        """A new person with the caller's number (the contact type is ignored: Pipedrive has persons)."""
        api = api_for(self, auth_header, user.hostname)
        body = {"name": request.name, "phone": request.phone_number}
        data = data_of(api.post(api.company("/api/v1/persons"), body))
        data = data if isinstance(data, dict) else {}
        return CreatedContact(
            contact={"id": data.get("id"), "name": data.get("name", request.name)},
            message=return_message("Contact created.", "success", 2000),
        )
