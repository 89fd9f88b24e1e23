"""Insightly for the conformance suite: an API key on the sandbox pod, contacts and leads, events."""

from __future__ import annotations

from typing import Any

from tests.api import insightly_world
from tests.api.extension import Extension
from tests.conformance.kit import CrmWorld
from tests.sandbox_client import SandboxClient


def _login(api_url: str, box: SandboxClient) -> Extension:
    return insightly_world.connected_avery(api_url, insightly_world.Sandbox(box.http, box.url))


def _message_body(
    message_id: int,
    text: str,
    conversation: str,
    message_type: str = "SMS",
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return insightly_world.message_body(
        message_id, text, conversation=conversation, message_type=message_type, attachments=attachments
    )


def _linked_to_organisation_302(record: dict[str, Any]) -> bool:
    return any(
        link["LINK_OBJECT_NAME"] == "Organisation" and link["LINK_OBJECT_ID"] == 302
        for link in record.get("LINKS") or []
    )


WORLD = CrmWorld(
    platform="insightly",
    # an API key does not expire, so there is no session to renew ("oauth" is not declared)
    capabilities=frozenset({"name_search", "dispositions", "voicemail", "fax", "user_list"}),
    login=_login,
    # the standard phone fields as the sandbox stores them: "(415) 555-0142", "415-555-1234",
    # "4155551299" (mobile), "+44 20 7946 0958", a lead's "(415) 555-0177" (mobile) and "+49 30 901820".
    # Custom phone fields are searched only when the user names them in a setting (test_insightly.py).
    seeded_numbers={
        "+14155550142": 101,
        "+14155551234": 102,
        "+14155551299": 102,
        "+442079460958": 103,
        "+14155550177": 201,
        "+4930901820": 202,
    },
    several_matches=("+14155550142", frozenset({101, 201})),  # contact Maya and lead Jordan
    unknown_number="+14155550000",
    name_search=("Maya Patel", 101),
    new_contact_type="contact",
    call_log_body=insightly_world.call_log_body,
    message_body=_message_body,
    records=lambda box: box.state("events"),
    record_id=lambda record: record["EVENT_ID"],
    record_text=lambda record: str(record.get("DETAILS") or ""),
    disposition=({"organisation": 302}, _linked_to_organisation_302),
    search_path="/contacts/search",
)
