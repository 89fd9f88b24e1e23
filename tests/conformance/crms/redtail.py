"""Redtail for the conformance suite: a username and password traded for a user key, contacts found by
phone however the number was typed, activities (with notes) filed under a category."""

from __future__ import annotations

from typing import Any

from tests.api import redtail_world
from tests.api.extension import Extension
from tests.conformance.kit import CrmWorld
from tests.sandbox_client import SandboxClient


def _login(api_url: str, box: SandboxClient) -> Extension:
    return redtail_world.connected_agent(api_url)


def _message_body(
    message_id: int,
    text: str,
    conversation: str,
    message_type: str = "SMS",
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return redtail_world.message_body(
        message_id, text, conversation=conversation, message_type=message_type, attachments=attachments
    )


WORLD = CrmWorld(
    platform="redtail",
    # a user key does not expire (Redtail revokes it, it is not renewed), so "oauth" is not declared
    capabilities=frozenset({"name_search", "dispositions", "voicemail", "fax", "user_list"}),
    login=_login,
    # how the sandbox stores them: "4155550142" (201), "(415) 555-0142" (202), "+353 1 555 0101" (203),
    # "415.555.0163" (204) and the business's "+1 415 555 0199" (205)
    seeded_numbers={
        "+14155550142": 201,
        "+35315550101": 203,
        "+14155550163": 204,
        "+14155550199": 205,
    },
    several_matches=("+14155550142", frozenset({201, 202})),  # Dana A Client and Dana Prospect
    unknown_number="+14155550000",
    name_search=("Siobhán O'Connor", 203),
    new_contact_type="contact",
    call_log_body=redtail_world.call_log_body,
    message_body=_message_body,
    records=lambda box: box.state("activities"),
    record_id=lambda record: record["id"],
    record_text=lambda record: str(record.get("description") or ""),
    disposition=({"category": 7}, lambda record: record["category_id"] == 7),
    search_path="/contacts/search_basic",
    # Redtail answers 401 only for a user key it no longer knows: sign in again
    revoked_on_401=True,
    # Redtail publishes no rate limit and sends no rate-limit headers: nothing to pace by
    paced=False,
)
