"""Contacts: the screen pop and contact creation.

The screen pop is the hot path: one DynamoDB read (the user), then the connector, which reaches the CRM
at most twice in sequence. There is no shared contact cache: the reference's cache served one user's
CRM results to every user of the account and never expired (docs/compatibility.md).
"""

from __future__ import annotations

from typing import Any

from appconnect import validation
from appconnect.account_cache import DynamoAccountCache
from appconnect.connector import ContactLookup, ContactMatches, NewContact
from appconnect.context import authenticate
from appconnect.errors import BadRequest, return_message
from appconnect.http import Request
from appconnect.operations import object_field


def _real_matches(contacts: Any) -> bool:
    return isinstance(contacts, list) and any(not (c or {}).get("isNewContact") for c in contacts)


def _lookup_answer(result: ContactMatches) -> dict[str, Any]:
    """``{successful, returnMessage, contact}`` as the reference sends it: a key the connector left out
    (``successful`` for an internal extension number, ``returnMessage`` on a match) is absent, not null."""
    answer: dict[str, Any] = {}
    if result.successful is not None:
        answer["successful"] = result.successful
    if result.message is not None:
        answer["returnMessage"] = result.message
    answer["contact"] = result.contacts
    return answer


def find_contact(request: Request) -> dict[str, Any]:
    """GET /contact?phoneNumber=: who is calling."""
    request.require_session()
    phone_number = request.param("phoneNumber")
    if phone_number is None:
        raise BadRequest("Please provide phoneNumber.")
    if "+" not in phone_number:
        # an unencoded "+" arrives as a space
        phone_number = phone_number.replace(" ", "+", 1)
    phone_number = phone_number.strip()
    context = authenticate(request)
    lookup = ContactLookup(
        phone_number=phone_number,
        overriding_format=request.param("overridingFormat") or "",
        is_extension=request.param("isExtension") == "true",
        cache=DynamoAccountCache(context.platform),
    )
    result = context.call(context.connector.find_contact, request=lookup)
    answer = _lookup_answer(result)
    if not _real_matches(result.contacts) and result.message is None:
        answer["returnMessage"] = return_message(
            "Contact not found",
            ttl=5000,
            details=[
                {
                    "title": "Details",
                    "items": [
                        {
                            "id": "1",
                            "type": "text",
                            "text": f"A contact with the phone number {phone_number} could not be found "
                            f"in your {context.platform} account.",
                        }
                    ],
                }
            ],
        )
    return answer


def create_contact(request: Request) -> dict[str, Any]:
    """POST /contact: create a contact for the number that called."""
    body = request.json_body()
    request.require_session()
    phone_number, name = body.get("phoneNumber"), body.get("newContactName")
    if not isinstance(phone_number, str) or not phone_number.strip():
        raise BadRequest("phoneNumber is required.")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("newContactName is required.")
    validation.phone_number(phone_number.strip())
    validation.names(body, ("newContactName",))
    additional_submission = object_field(body, "additionalSubmission")
    context = authenticate(request)
    new_contact = NewContact(
        phone_number=phone_number.strip(),
        name=name.strip(),
        type=str(body.get("newContactType") or ""),
        additional_submission=additional_submission,
        cache=DynamoAccountCache(context.platform),
    )
    result = context.call(context.connector.create_contact, request=new_contact)
    if result.contact is None:
        return {"successful": False, "returnMessage": result.message}
    return {"successful": True, "returnMessage": result.message, "contact": result.contact}


def find_contact_with_name(request: Request) -> dict[str, Any]:
    """GET /custom/contact/search?name=: contacts by name."""
    request.require_session()
    name = request.param("name")
    if name is None or not name.strip():
        raise BadRequest("Please provide name.")
    context = authenticate(request)
    if not type(context.connector).implements("findContactWithName"):
        raise BadRequest(f"{context.connector.display_name} does not support searching contacts by name.")
    # through context.call: a CRM session token renewed here is saved too (it used to be lost)
    result = context.call(context.connector.find_contact_with_name, name=name.strip())
    answer = _lookup_answer(result)
    if not _real_matches(result.contacts) and result.message is None:
        answer["returnMessage"] = return_message(f"No contact found with name {name} ", ttl=5000)
    return answer
