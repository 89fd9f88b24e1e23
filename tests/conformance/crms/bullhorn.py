"""Bullhorn for the conformance suite: OAuth through the sandbox's password sign-in, a REST session per
access token, client contacts, candidates and leads found by any phone field, logs as notes.
"""

from __future__ import annotations

from typing import Any

from tests.api import bullhorn_world
from tests.api.extension import Extension
from tests.conformance.kit import CrmWorld
from tests.sandbox_client import SandboxClient

SEARCH_PATH = "/search/ClientContact"


def _login(api_url: str, box: SandboxClient) -> Extension:
    return bullhorn_world.connected_bailey(api_url, bullhorn_world.Sandbox(box.http, box.url))


def _short_session_login(api_url: str, box: SandboxClient) -> Extension:
    box.config(access_ttl=60)  # inside the server's 2-minute renewal margin
    try:
        return _login(api_url, box)
    finally:
        box.config(access_ttl=600)


def _call_log_body(session_id: str, **extra: Any) -> dict[str, Any]:
    return bullhorn_world.call_log_body(session_id, bullhorn_world.MAYA, **extra)


def _message_body(
    message_id: int,
    text: str,
    conversation: str,
    message_type: str = "SMS",
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return bullhorn_world.message_body(
        message_id, text, conversation=conversation, message_type=message_type, attachments=attachments
    )


WORLD = CrmWorld(
    platform="bullhorn",
    capabilities=frozenset({"oauth", "name_search", "dispositions", "voicemail", "fax", "user_list"}),
    login=_login,
    # how the sandbox stores them: Maya's "(415) 555-0142" (a contact), Noah's "415.555.0175" and mobile
    # "+1 415 555 0176", Lena's "+49 30 901820", Taylor's "+1 415 555 0188" (a candidate, who also has
    # "415-555-0142" as mobile and "020 7946 0321" as work phone) and Jordan's "+1 (415) 555-0142" (a lead)
    seeded_numbers={
        "+14155550142": 701,
        "+14155550175": 702,
        "+14155550176": 702,
        "+4930901820": 704,
        "+14155550188": 84631,
        "+442079460321": 84631,
    },
    # Maya (contact), Taylor (candidate, mobile) and Jordan (lead); the archived and converted ones are not
    several_matches=("+14155550142", frozenset({701, 84631, 901})),
    unknown_number="+14155550000",
    name_search=("Maya Patel", 701),
    new_contact_type="Lead",  # the extension's default type for Bullhorn (defaultContactType)
    call_log_body=_call_log_body,
    message_body=_message_body,
    records=lambda box: box.state("Note"),
    record_id=lambda record: record["id"],
    record_text=lambda record: str(record.get("comments") or ""),
    disposition=({"noteActions": "Meeting"}, lambda record: record["action"] == "Meeting"),
    search_path=SEARCH_PATH,
    # the screen pop's first search is a POST (the Lucene query is in the body)
    search_method="POST",
    short_session_login=_short_session_login,
    token_endpoint=("POST", "/oauth/token"),
)
