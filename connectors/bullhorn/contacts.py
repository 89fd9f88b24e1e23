"""Bullhorn people: client contacts, candidates and leads, found by any of their phone fields or by name
(one round of searches, all at once), and created (a contact under the placeholder company).
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
from appconnect.errors import CrmError, return_message
from appconnect.observability import logger
from connectors.bullhorn.account_data import ENTITIES, account_data
from connectors.bullhorn.api import BullhornApi, lucene_phrase

PLACEHOLDER_COMPANY = "RingCentral_CRM_Extension_Placeholder_Company"
#: per App Connect type: phone fields searched, fields read, and the statuses that hide a record
_SEARCHES = {
    "Contact": (
        ("phone", "mobile", "phone2", "phone3"),
        "id,name,email,phone,dateAdded,dateLastModified,dateLastVisit",
        'NOT status:"Archive"',
    ),
    "Candidate": (
        ("phone", "mobile", "phone2", "phone3", "workPhone"),
        "id,name,email,phone,dateAdded,dateLastComment,dateLastModified",
        'NOT status:"Archived"',
    ),
    "Lead": (
        ("phone", "mobile", "phone2", "phone3"),
        "id,name,email,phone,status,dateAdded,dateLastComment,dateLastModified",
        'NOT status:"Converted"',
    ),
}
_DATES = ("dateAdded", "dateLastModified", "dateLastVisit", "dateLastComment")


def _contact(record: dict[str, Any], kind: str, actions: list[dict[str, Any]]) -> dict[str, Any]:
    dates = [record[d] for d in _DATES if isinstance(record.get(d), int | float)]
    return {
        "id": record.get("id"),
        "name": record.get("name") or "",
        "phone": record.get("phone"),
        "type": kind,
        "createdDate": record.get("dateAdded"),
        "mostRecentActivityDate": max(dates) if dates else 0,
        "additionalInfo": {"noteActions": actions} if actions else None,
    }


def _optional_data(api: BullhornApi, cache: Any) -> dict[str, Any]:
    """The lists for the matches' forms; a lookup still answers without them."""
    try:
        return account_data(api, cache)
    except CrmError as error:
        logger.info("bullhorn account data unavailable", extra={"error": type(error).__name__})
        return {}


class Contacts(Connector):
    """Bullhorn's contact interfaces."""

    def find_contact(self, *, user: CrmUser, auth_header: str, request: ContactLookup) -> ContactMatches:
        """Every contact, candidate and lead with the number in any phone field, and the new-contact entry
        when there is none."""
        if request.is_extension:
            return ContactMatches(contacts=[], successful=False)
        try:
            parsed = phonenumbers.parse(request.phone_number, None)
            valid = phonenumbers.is_valid_number(parsed)
        except phonenumbers.NumberParseException:
            valid = False
        if not valid:
            return ContactMatches(
                contacts=[], successful=False, message=return_message("Invalid phone number format")
            )
        number = phonenumbers.national_significant_number(parsed)
        api = BullhornApi(self, user)

        def search(kind: str) -> list[dict[str, Any]]:
            fields, read, hidden = _SEARCHES[kind]
            query = f"({' OR '.join(f'{f}:{number}' for f in fields)}) AND isDeleted:false {hidden}"
            return api.search(ENTITIES[kind], query, read)

        *found, data = in_parallel(
            [*(lambda k=k: search(k) for k in _SEARCHES), lambda: _optional_data(api, request.cache)]
        )
        actions = data.get("commentActionList") or []
        contacts = [
            _contact(r, kind, actions)
            for kind, records in zip(_SEARCHES, found, strict=True)
            for r in records
        ]
        if not contacts:
            extra: dict[str, Any] = {
                "Lead": {"status": data.get("leadStatuses") or []},
                "Candidate": {"status": data.get("candidateStatuses") or []},
                "Contact": {"status": data.get("contactStatuses") or []},
            }
            if actions:
                extra["noteActions"] = actions
            contacts.append(new_contact_entry(defaultContactType="Lead", additionalInfo=extra))
        return ContactMatches(contacts=contacts)

    def find_contact_with_name(self, *, user: CrmUser, auth_header: str, name: str) -> ContactMatches:
        """Contacts, candidates and leads whose full, first or last name matches."""
        words = name.split()
        parts = [f"name:{lucene_phrase(name.strip())}", f"firstName:{lucene_phrase(words[0])}"]
        if len(words) > 1:
            parts.append(f"lastName:{lucene_phrase(words[-1])}")
        combined = " OR ".join(f"({p} AND isDeleted:false)" for p in parts)
        api = BullhornApi(self, user)
        found = in_parallel(
            [
                lambda: api.search(
                    "ClientContact",
                    f'({combined}) NOT status:"Archive"',
                    "id,name,email,phone,status,dateAdded",
                ),
                lambda: api.search(
                    "Candidate", f'({combined}) NOT status:"Archived"', "id,name,email,phone,dateAdded"
                ),
                lambda: api.search("Lead", combined, "id,name,email,phone,status,dateAdded"),
            ]
        )
        contacts: list[dict[str, Any]] = []
        for kind, records in zip(("Contact", "Candidate", "Lead"), found, strict=True):
            seen: set[Any] = set()
            for record in records:
                if record.get("id") not in seen:
                    seen.add(record.get("id"))
                    contacts.append(
                        {
                            "id": record.get("id"),
                            "name": record.get("name") or "",
                            "phone": record.get("phone"),
                            "type": kind,
                            "createdDate": record.get("dateAdded"),
                            "additionalInfo": None,
                        }
                    )
        return ContactMatches(contacts=contacts)

    def create_contact(self, *, user: CrmUser, auth_header: str, request: NewContact) -> CreatedContact:
        """A lead, a candidate, or a contact (under the placeholder company, created once if missing)."""
        kind = request.type if request.type in ENTITIES else ""
        if not kind:
            return CreatedContact(
                contact=None,
                message=return_message("Please choose a contact type: Candidate, Contact or Lead."),
            )
        api = BullhornApi(self, user)
        words = request.name.split()
        record: dict[str, Any] = {
            "name": request.name.strip(),
            "firstName": words[0] if words else "",
            "lastName": " ".join(words[1:]),
            "phone": request.phone_number,
        }
        status = request.additional_submission.get("status")
        if status not in (None, ""):
            record["status"] = status
        if kind == "Contact":
            record["clientCorporation"] = {"id": _placeholder_company(api)}
        created = api.create(ENTITIES[kind], record)
        actions = _optional_data(api, request.cache).get("commentActionList") or []
        return CreatedContact(
            contact={
                "id": created,
                "name": request.name.strip(),
                "additionalInfo": {"noteActions": actions} if actions else None,
            },
            message=return_message(f"{kind} created.", "success", 2000),
        )


def _placeholder_company(api: BullhornApi) -> Any:
    found = api.search("ClientCorporation", f"name:{lucene_phrase(PLACEHOLDER_COMPANY)}", "id,name")
    same = next((c for c in found if c.get("name") == PLACEHOLDER_COMPANY), None)
    if same is not None:
        return same["id"]
    return api.create(
        "ClientCorporation",
        {
            "name": PLACEHOLDER_COMPANY,
            "companyDescription": "<p style='color:red;font-weight:bold'>Created by RingCentral App Connect "
            "to hold contacts created from calls. Move them to their real company.</p>",
        },
    )
