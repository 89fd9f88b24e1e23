"""Driving the local stack like the extension does, against the Pipedrive sandbox, over real HTTP."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.api.extension import Extension as BaseExtension
from tests.sandbox_client import SandboxClient

SANDBOX_CLIENT = ("sandbox-pipedrive-client", "sandbox-pipedrive-secret")
HOSTNAME = "sandbox.pipedrive.com"
MAYA = {"id": 101, "name": "Maya Patel", "phone": "+14155550142"}


class Sandbox(SandboxClient):
    """The Pipedrive sandbox of the running stack."""

    def __init__(self, http: requests.Session, url: str) -> None:
        super().__init__(http, url, "pipedrive")

    def activities(self) -> list[dict[str, Any]]:
        return self.state("activities")

    def activity(self, activity_id: str | int) -> dict[str, Any]:
        return next(a for a in self.activities() if str(a["id"]) == str(activity_id))

    def authorize(self, redirect_uri: str, user_id: int = 12345) -> str:
        """The URL the sandbox's consent page redirects the browser to (with code and state)."""
        response = self.http.get(
            f"{self.url}/pipedrive/oauth/authorize",
            params={
                "client_id": SANDBOX_CLIENT[0],
                "redirect_uri": redirect_uri,
                "state": f"platform=pipedrive&hostname={HOSTNAME}",
                "sandbox_user": str(user_id),
            },
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text
        return str(response.headers["Location"])


class Extension(BaseExtension):
    """The extension, logging in to Pipedrive through the sandbox's consent page."""

    def login(self, sandbox: Sandbox, user_id: int = 12345) -> dict[str, Any]:
        callback = sandbox.authorize(f"{self.api}/pipedrive-redirect", user_id)
        state = parse_qs(urlsplit(callback).query)["state"][0]
        response = self.get("/oauth-callback", jwt="", callbackUri=callback, state=state)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        self.jwt = body["jwtToken"]
        return body


def new_session_id() -> str:
    return str(uuid.uuid4().int)[:12]


def call_log_body(session_id: str, contact: dict[str, Any] = MAYA, **extra: Any) -> dict[str, Any]:
    """A POST /callLog body as the extension sends it (a real payload)."""
    body: dict[str, Any] = {
        "logInfo": {
            "id": f"call-{session_id}",
            "sessionId": session_id,
            "telephonySessionId": f"s-{session_id}",
            "direction": "Inbound",
            "from": {"phoneNumber": contact["phone"], "name": contact["name"]},
            "to": {"phoneNumber": "+16505550199", "extensionNumber": "101", "name": "Jordan Lee"},
            "startTime": "2026-07-14T10:00:00.000Z",
            "duration": 125,
            "result": "Accepted",
        },
        "contactId": str(contact["id"]),
        "contactType": "contact",
        "contactName": contact["name"],
        "note": "Discussed renewal options.",
        "additionalSubmission": {"deals": "2001"},
    }
    body.update(extra)
    return body


def message_body(
    message_id: int,
    text: str,
    *,
    direction: str = "Inbound",
    minute: int = 0,
    conversation: str = "555100",
    attachments: list[dict[str, Any]] | None = None,
    message_type: str = "SMS",
) -> dict[str, Any]:
    """A POST /messageLog body (a real payload)."""
    sender = (
        {"phoneNumber": MAYA["phone"], "name": MAYA["name"]}
        if direction == "Inbound"
        else {"phoneNumber": "+16505550199", "name": "Jordan Lee"}
    )
    recipient = {"phoneNumber": "+16505550199"} if direction == "Inbound" else {"phoneNumber": MAYA["phone"]}
    return {
        "logInfo": {
            "conversationId": conversation,
            "conversationLogId": f"{conversation}-2026-07-14",
            "correspondents": [{"phoneNumber": MAYA["phone"], "name": MAYA["name"]}],
            "messages": [
                {
                    "id": message_id,
                    "type": message_type,
                    "direction": direction,
                    "subject": text,
                    "from": sender,
                    "to": [recipient],
                    "creationTime": f"2026-07-14T15:{minute:02d}:00.000Z",
                    "attachments": attachments or [],
                }
            ],
        },
        "contactId": str(MAYA["id"]),
        "contactType": "contact",
        "contactName": MAYA["name"],
        "additionalSubmission": {"deals": "2001"},
    }


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


# -- fixtures ``sandbox`` and ``extension``: a module imports ``pipedrive_sandbox``, ``pipedrive_extension``


@pytest.fixture(name="sandbox")
def pipedrive_sandbox(sandbox_url: str, http: requests.Session) -> Iterator[Sandbox]:
    """The Pipedrive sandbox, back to its seed, with no fault or latency left behind."""
    box = Sandbox(http, sandbox_url)
    box.reset()
    yield box
    box.control("DELETE", "pipedrive/faults")
    box.control("DELETE", "pipedrive/latency")


@pytest.fixture(name="extension")
def pipedrive_extension(api_url: str, sandbox: Sandbox) -> Extension:
    """The extension, logged in to the Pipedrive sandbox."""
    client = Extension(requests.Session(), api_url)
    client.login(sandbox)
    return client
