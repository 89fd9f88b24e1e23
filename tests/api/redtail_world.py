"""Driving the local stack like the extension does, against the Redtail sandbox, over real HTTP.

Redtail's login form asks the advisor for their Redtail username and password; the server adds its own
partner API key (``REDTAIL_API_KEY``, the sandbox's ``sandbox-redtail-partner-key`` in the local stack)
and trades them for a user key.
"""

from __future__ import annotations

import base64
import copy
import uuid
from typing import Any

import requests

from local.sandbox.redtail import SEED
from tests.api.extension import Extension as BaseExtension
from tests.sandbox_client import SandboxClient

USERNAME = "rt.agent"
PASSWORD = "sandbox-password"
#: the seeded Redtail user ``rt.agent`` and the id App Connect gives it
USER_ID = 97501
APP_USER_ID = f"{USERNAME}-redtail"
USER_KEY = "rt-user-key-97501"
PARTNER_KEY = "sandbox-redtail-partner-key"
#: seeded contact 201 "Dana A Client", stored as ``4155550142``
DANA = {"id": 201, "name": "Dana A Client", "phone": "+14155550142"}
#: the active categories of the seed (9 "Old category" is deleted)
ACTIVE_CATEGORIES = [{"id": 1, "name": "Client"}, {"id": 2, "name": "Prospect"}, {"id": 7, "name": "Service"}]


class Sandbox(SandboxClient):
    """The Redtail sandbox of the running stack."""

    def __init__(self, http: requests.Session, url: str) -> None:
        super().__init__(http, url, "redtail")

    def activities(self) -> list[dict[str, Any]]:
        return self.state("activities")

    def activity(self, activity_id: str | int) -> dict[str, Any]:
        return next(a for a in self.activities() if str(a["id"]) == str(activity_id))

    def notes(self, activity_id: str | int | None = None) -> list[dict[str, Any]]:
        notes = self.state("notes")
        return [n for n in notes if activity_id is None or str(n["activity_id"]) == str(activity_id)]

    def raw_activity(self, **changes: Any) -> dict[str, Any]:
        """An activity for Dana's call of :func:`call_log_body` written straight to Redtail with the agent's
        user key, not completed and without its note: what an attempt that died right after Redtail created
        the activity leaves behind."""
        body = {
            "subject": "Inbound Call from Dana A Client",
            "description": "<b>Agent notes</b><br>Reviewed the retirement contribution.<br><br>",
            "start_date": "2026-07-14T10:00:00.000Z",
            "end_date": "2026-07-14T10:02:05.000Z",
            "activity_code_id": 3,
            "category_id": 1,
            "repeats": "never",
            "linked_contacts": [{"contact_id": DANA["id"]}],
            **changes,
        }
        credential = base64.b64encode(f"{PARTNER_KEY}:{USER_KEY}".encode()).decode()
        response = self.http.post(
            f"{self.base}/api/public/v1/activities",
            json=body,
            headers={"Authorization": f"Userkeyauth {credential}"},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        activity: dict[str, Any] = response.json()["activity"]
        return activity

    def reset_without_partner_key(self) -> None:
        """The seeded Redtail, except that it does not accept the server's partner API key: the users,
        contacts and lists are there, the key is not."""
        self.own("POST", "reset", {"seed": False})
        seed = copy.deepcopy(SEED)
        seed["api_keys"] = ["some-other-partner-key"]
        self.seed(**seed)

    def revoke_user_key(self, user_key: str = USER_KEY) -> None:
        """Redtail forgets the user key (an administrator reset it, or the user changed their password)."""
        revoked = self.own("POST", "expire", {"user_key": user_key})
        assert revoked["revoked"] == [user_key], revoked


class Extension(BaseExtension):
    """The extension, logging in to Redtail with a username and password."""

    def api_key_login(self, username: str = USERNAME, password: str | None = PASSWORD) -> requests.Response:
        """``POST /apiKeyLogin`` as the Redtail login form sends it; keeps the JWT when one comes back."""
        additional: dict[str, Any] = {"username": username}
        if password is not None:
            additional["password"] = password
        body = {"platform": "redtail", "additionalInfo": additional}
        response = self.http.post(f"{self.api}/apiKeyLogin", json=body, timeout=60)
        if response.status_code == 200:
            self.jwt = response.json()["jwtToken"]
        return response

    def set_timezone(self, hours: str) -> None:
        """The user's ``redtailCustomTimezone`` setting (hours from UTC, as the settings page saves it)."""
        response = self.send(
            "POST", "/user/settings", {"userSettings": {"redtailCustomTimezone": {"value": hours}}}
        )
        assert response.status_code == 200, response.text


def new_session_id() -> str:
    return str(uuid.uuid4().int)[:12]


def call_log_body(session_id: str, contact: dict[str, Any] = DANA, **extra: Any) -> dict[str, Any]:
    """A POST /callLog body as the extension sends it for a call with Dana (a real payload)."""
    body: dict[str, Any] = {
        "logInfo": {
            "id": f"call-{session_id}",
            "sessionId": session_id,
            "telephonySessionId": f"s-{session_id}",
            "startTime": "2026-07-14T10:00:00.000Z",
            "duration": 125,
            "type": "Voice",
            "direction": "Inbound",
            "action": "Phone Call",
            "result": "Accepted",
            "from": {"phoneNumber": contact["phone"], "name": contact["name"], "location": "Austin, TX"},
            "to": {"phoneNumber": "+14155557000", "extensionNumber": "101", "name": "Casey Morgan"},
            "extensionNumber": "101",
        },
        "contactId": str(contact["id"]),
        "contactType": "contact",
        "contactName": contact["name"],
        "note": "Reviewed the retirement contribution.",
        "aiNote": "",
        "transcript": "",
        "additionalSubmission": {"category": 1},
    }
    body.update(extra)
    return body


def message_body(
    message_id: int | str,
    text: str,
    *,
    conversation: str = "9750000000001",
    message_type: str = "SMS",
    direction: str = "Inbound",
    creation_time: str = "2026-07-14T03:00:00.000Z",
    attachments: list[dict[str, Any]] | None = None,
    additional_submission: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A POST /messageLog body for a message with Dana (a real payload: the extension's Redtail SMS)."""
    dana = {"phoneNumber": DANA["phone"], "name": DANA["name"], "location": "Austin, TX"}
    agent = {"phoneNumber": "+14155557000", "name": "Casey Morgan"}
    inbound = direction == "Inbound"
    day = creation_time[:10]
    return {
        "logInfo": {
            "conversationId": conversation,
            "conversationLogId": f"{conversation}-{day}",
            "correspondents": [{"phoneNumber": DANA["phone"], "name": DANA["name"]}],
            "messages": [
                {
                    "uri": f"https://platform.ringcentral.com/restapi/v1.0/account/~/extension/~/message-store/{message_id}",
                    "id": str(message_id),
                    "to": [agent] if inbound else [dana],
                    "from": dana if inbound else agent,
                    "type": message_type,
                    "creationTime": creation_time,
                    "readStatus": "Unread",
                    "priority": "Normal",
                    "attachments": attachments
                    if attachments is not None
                    else [{"id": str(message_id), "type": "Text", "contentType": "text/plain"}],
                    "direction": direction,
                    "availability": "Alive",
                    "subject": text,
                    "messageStatus": "Received" if inbound else "Delivered",
                    "conversationId": conversation,
                    "conversation": {"id": conversation},
                    "lastModifiedTime": creation_time,
                }
            ],
        },
        "contactId": str(DANA["id"]),
        "contactType": "contact",
        "contactName": DANA["name"],
        "additionalSubmission": additional_submission
        if additional_submission is not None
        else {"category": 1},
    }


def connected_agent(api_url: str) -> Extension:
    """``rt.agent``, freshly connected to the Redtail sandbox (whatever an earlier test left behind)."""
    client = Extension(requests.Session(), api_url)
    response = client.api_key_login()
    assert response.status_code == 200, response.text
    return client
