"""Driving the local stack like the extension does, against the Insightly sandbox, over real HTTP."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from tests.api.extension import Extension as BaseExtension
from tests.sandbox_client import SandboxClient

AVERY_KEY = "sandbox-insightly-key-avery"
BLAKE_KEY = "sandbox-insightly-key-blake"
#: the Insightly web host the user is on (the App Connect ``hostname``; only used for page links)
HOSTNAME = "crm.na1.insightly.com"
#: seeded contact 101, stored as ``(415) 555-0142``
MAYA = {"id": 101, "name": "Maya Patel", "phone": "+14155550142"}
#: seeded RingCentral extension 62264425008 (Jordan Lee, admin) of account 37439510
RC_EXTENSION = 62264425008
RC_ACCOUNT = "37439510"


class Sandbox(SandboxClient):
    """The Insightly sandbox of the running stack (and its RingCentral, for RC tokens)."""

    def __init__(self, http: requests.Session, url: str) -> None:
        super().__init__(http, url, "insightly")

    @property
    def api_url(self) -> str:
        """What a user pastes as their API URL (``.../insightly/v3.1``)."""
        return f"{self.url}/insightly/v3.1"

    def records(self, collection: str) -> list[dict[str, Any]]:
        return self.state(collection)

    def events(self) -> list[dict[str, Any]]:
        return self.records("events")

    def event(self, event_id: str | int) -> dict[str, Any]:
        return next(e for e in self.events() if str(e["EVENT_ID"]) == str(event_id))

    def rc_token(self, extension_id: int = RC_EXTENSION) -> str:
        """A RingCentral access token of the RingCentral sandbox, as the extension holds one."""
        body = self.control("POST", "ringcentral/tokens", {"extension_id": extension_id})
        return str(body["access_token"])


def links(event: dict[str, Any]) -> list[tuple[str, int]]:
    """``(LINK_OBJECT_NAME, LINK_OBJECT_ID)`` of an event's links, in order."""
    return [(link["LINK_OBJECT_NAME"], link["LINK_OBJECT_ID"]) for link in event["LINKS"]]


class Extension(BaseExtension):
    """The extension, logging in to Insightly with an API key."""

    def api_key_login(self, api_key: str, api_url: str, rc_token: str | None = None) -> requests.Response:
        """``POST /apiKeyLogin`` as the Insightly login form sends it; keeps the JWT when one comes back."""
        body = {
            "platform": "insightly",
            "hostname": HOSTNAME,
            "apiKey": api_key,
            "additionalInfo": {"apiKey": api_key, "apiUrl": api_url},
        }
        headers = {"X-RC-Access-Token": rc_token} if rc_token else {}
        response = self.http.post(f"{self.api}/apiKeyLogin", json=body, headers=headers, timeout=60)
        if response.status_code == 200:
            self.jwt = response.json()["jwtToken"]
        return response


def new_session_id() -> str:
    return str(uuid.uuid4().int)[:12]


def call_log_body(
    session_id: str, contact: dict[str, Any] = MAYA, contact_type: str = "Contact", **extra: Any
) -> dict[str, Any]:
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
        "contactType": contact_type,
        "contactName": contact["name"],
        "note": "Discussed the fleet renewal.",
        "additionalSubmission": {"organisation": 301, "opportunity": 401},
    }
    body.update(extra)
    return body


def message_body(
    message_id: int,
    text: str,
    *,
    conversation: str = "555100",
    message_type: str = "SMS",
    attachments: list[dict[str, Any]] | None = None,
    additional_submission: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An inbound POST /messageLog body from Maya (a real payload)."""
    return {
        "logInfo": {
            "conversationId": conversation,
            "conversationLogId": f"{conversation}-2026-07-14",
            "correspondents": [{"phoneNumber": MAYA["phone"], "name": MAYA["name"]}],
            "messages": [
                {
                    "id": message_id,
                    "type": message_type,
                    "direction": "Inbound",
                    "subject": text,
                    "from": {"phoneNumber": MAYA["phone"], "name": MAYA["name"]},
                    "to": [{"phoneNumber": "+16505550199"}],
                    "creationTime": "2026-07-14T15:00:00.000Z",
                    "attachments": attachments or [],
                }
            ],
        },
        "contactId": str(MAYA["id"]),
        "contactType": "Contact",
        "contactName": MAYA["name"],
        "additionalSubmission": additional_submission or {},
    }


@dataclass
class Trap:
    """A server on a loopback address that answers like Insightly's ``/users/me`` (or with a redirect) and
    records every request: the proof that the API did, or did not, call a URL."""

    host: str
    port: int
    requests: list[str] = field(default_factory=list)
    #: a user of its own, so logins through different traps never meet as the same user
    user_id: int = field(default_factory=lambda: 6_000_000 + uuid.uuid4().int % 1_000_000)
    #: when set, every request is answered 302 to this URL
    redirect_to: str | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@contextmanager
def trap_server(host: str = "127.0.0.1") -> Iterator[Trap]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            trap.requests.append(self.path)
            if trap.redirect_to:
                self.send_response(302)
                self.send_header("Location", trap.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = json.dumps({"USER_ID": trap.user_id, "FIRST_NAME": "Trap", "TIMEZONE_ID": "UTC"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer((host, 0), Handler)
    trap = Trap(host=host, port=int(server.server_address[1]))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield trap
    finally:
        server.shutdown()
        server.server_close()


def logout_avery(api_url: str, sandbox: Sandbox) -> None:
    """Earlier tests may have left Avery connected: start from a logged-out Avery."""
    client = Extension(requests.Session(), api_url)
    if client.api_key_login(AVERY_KEY, sandbox.api_url).status_code == 200:
        client.send("POST", "/unAuthorize", None)


def connected_avery(api_url: str, sandbox: Sandbox) -> Extension:
    """Avery, freshly connected to the Insightly sandbox."""
    logout_avery(api_url, sandbox)
    client = Extension(requests.Session(), api_url)
    assert client.api_key_login(AVERY_KEY, sandbox.api_url).status_code == 200
    return client
