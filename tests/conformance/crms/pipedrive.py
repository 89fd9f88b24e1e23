"""Pipedrive for the conformance suite: OAuth through the sandbox's consent page, persons and activities."""

from __future__ import annotations

from typing import Any

import requests

from tests.api import pipedrive_world
from tests.api.extension import Extension
from tests.conformance.kit import CrmWorld
from tests.sandbox_client import SandboxClient


def _login(api_url: str, box: SandboxClient) -> Extension:
    client = pipedrive_world.Extension(requests.Session(), api_url)
    client.login(pipedrive_world.Sandbox(box.http, box.url))
    return client


def _short_session_login(api_url: str, box: SandboxClient) -> Extension:
    box.config(access_ttl=60)  # inside the server's 2-minute renewal margin
    try:
        return _login(api_url, box)
    finally:
        box.config(access_ttl=3599)


def _message_body(
    message_id: int,
    text: str,
    conversation: str,
    message_type: str = "SMS",
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return pipedrive_world.message_body(
        message_id, text, conversation=conversation, message_type=message_type, attachments=attachments
    )


WORLD = CrmWorld(
    platform="pipedrive",
    capabilities=frozenset({"oauth", "name_search", "dispositions", "voicemail", "fax", "user_list"}),
    login=_login,
    # how the sandbox stores them: "(415) 555-0142", "415.555.1234", "+44 20 7946 0958", "+1 415 555 0199",
    # "+33 6 12 34 56 78" (a second number of the same person), "+353 1 555 0101"
    seeded_numbers={
        "+14155550142": 101,
        "+14155551234": 102,
        "+442079460958": 103,
        "+14155550199": 104,
        "+33612345678": 104,
        "+35315550101": 106,
    },
    several_matches=("+14155550142", frozenset({101, 105})),  # Maya at work, Sam at home ("4155550142")
    unknown_number="+14155550000",
    name_search=("Priya", 103),
    new_contact_type="",
    call_log_body=pipedrive_world.call_log_body,
    message_body=_message_body,
    records=lambda box: box.state("activities"),
    record_id=lambda record: record["id"],
    record_text=lambda record: str(record.get("note") or ""),
    disposition=({"deals": 2003}, lambda record: record.get("deal_id") == 2003),
    search_path="/persons/search",
    short_session_login=_short_session_login,
    token_endpoint=("POST", "/oauth/token"),
)
