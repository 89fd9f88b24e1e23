"""What the conformance suite needs to know about one CRM: a small module per connector.

Every scenario in ``test_scenarios.py`` runs through the local HTTP API against the connector's sandbox,
once per connector. A connector's fixture module (``tests/conformance/crms/<crm>.py``) exposes ``WORLD``,
a :class:`CrmWorld`: how to log in, the numbers its sandbox seeds, where to read what a log wrote. A
scenario that needs a capability the connector does not declare is skipped with that capability named.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.api.extension import Extension
from tests.sandbox_client import SandboxClient

#: capabilities a connector may declare; each skips the scenarios that need it when it is not declared
CAPABILITIES = frozenset(
    {
        "oauth",  # sessions that expire and are renewed (an API key never expires)
        "name_search",
        "dispositions",
        "voicemail",
        "fax",
        "user_list",
    }
)


@dataclass(frozen=True)
class CrmWorld:
    """One connector's facts for the conformance suite."""

    platform: str
    capabilities: frozenset[str]
    #: log in like the extension does; answers the logged-in client
    login: Callable[[str, SandboxClient], Extension]
    #: every seeded number (E.164) -> the contact id it must find, however the sandbox stored it
    seeded_numbers: dict[str, Any]
    #: a number that matches two or more contacts, and their ids
    several_matches: tuple[str, frozenset[Any]]
    unknown_number: str
    #: (name to search, an id it must find)
    name_search: tuple[str, Any]
    #: the ``newContactType`` the extension sends when it creates a contact (its manifest's first type)
    new_contact_type: str
    #: ``POST /callLog`` body for a call with the seeded contact
    call_log_body: Callable[..., dict[str, Any]]
    #: ``POST /messageLog`` body: (message id, text, conversation id, type, attachments)
    message_body: Callable[..., dict[str, Any]]
    #: the CRM records logs are written as (activities, events ...), each with its id
    records: Callable[[SandboxClient], list[dict[str, Any]]]
    record_id: Callable[[dict[str, Any]], Any]
    record_text: Callable[[dict[str, Any]], str]
    #: a disposition for the seeded call, and whether a record shows it
    disposition: tuple[dict[str, Any], Callable[[dict[str, Any]], bool]] | None
    #: the path (regex) of the CRM call a screen pop starts with, to inject faults into
    search_path: str
    #: log in with a CRM session about to expire (oauth connectors), so the next call must renew it
    short_session_login: Callable[[str, SandboxClient], Extension] | None = None
    #: (method, path regex) of the CRM's token endpoint, to count renewals
    token_endpoint: tuple[str, str] | None = None
    #: the CRM answers 401 only for a stored credential that is dead (a revoked Redtail user key): the
    #: user is asked to connect again (401 ``CRM_SESSION_REVOKED``) instead of "Authorization error"
    revoked_on_401: bool = False
    #: the method of that first call (Bullhorn's search is a POST)
    search_method: str = "GET"
    #: the connector knows the CRM's rate limit (from its headers or its documentation) and keeps under it,
    #: so the CRM never answers 429; otherwise a 429 is retried and never reaches the user
    paced: bool = True

    def __post_init__(self) -> None:
        unknown = self.capabilities - CAPABILITIES
        if unknown:
            raise ValueError(f"{self.platform}: unknown capabilities {sorted(unknown)}")

    def requires(self, capability: str) -> None:
        """Skip the calling scenario, naming the capability, when this connector does not declare it."""
        if capability not in self.capabilities:
            pytest.skip(f"{self.platform} does not declare the capability {capability!r}")


def sandbox_for(world: CrmWorld, http: requests.Session, sandbox_url: str) -> SandboxClient:
    return SandboxClient(http, sandbox_url, world.platform)
