"""Driving the local stack like the extension does, against the Bullhorn sandbox, over real HTTP.

The extension finds the Bullhorn data centre itself and signs in with the sandbox's password flow
(``GET /oauth/authorize?action=Login&username=..&password=..`` answers 302 with a code), then calls
``GET /oauth-callback`` with the redirect it got, the ``state``, the data centre's ``tokenUrl`` and ``apiUrl``
(the REST login base) and the Bullhorn ``username``. Bullhorn hands out an access token (10 minutes) and,
for it, a REST session (``BhRestToken`` and ``restUrl``) that the server renews when it dies.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.api.extension import Extension as BaseExtension
from tests.sandbox_client import SandboxClient

CLIENT_ID = "sandbox-bullhorn-client"
CLIENT_SECRET = "sandbox-bullhorn-secret"
REDIRECT_URI = "https://ringcentral.github.io/ringcentral-embeddable/redirect.html"
USERNAME = "bailey.recruiter"
PASSWORD = "sandbox-password"
#: Bailey's CorporateUser id (the commenting person of the notes) and the App Connect id (masterUserID 456)
CORPORATE_USER_ID = 1001
APP_USER_ID = "456-bullhorn"
AGENT_PHONE = "+14155556000"
#: the three people of the seed who have +1 415 555 0142 in a phone field, one of each entity
MAYA = {"id": 701, "name": "Maya Patel", "phone": "+14155550142", "type": "Contact"}
TAYLOR = {"id": 84631, "name": "Taylor Candidate", "phone": "+14155550142", "type": "Candidate"}
JORDAN = {"id": 901, "name": "Jordan Prospect", "phone": "+14155550142", "type": "Lead"}
NOTE_ACTIONS = ["Call", "Email", "SMS", "Meeting", "Interview"]


def grant_type(entry: dict[str, Any]) -> str:
    """The grant of a token request in the sandbox's journal: Bullhorn's client sends every parameter in
    the query string (a form body is read too, in case)."""
    for part in ("form", "query"):
        value = (entry.get(part) or {}).get("grant_type")
        if isinstance(value, list):
            value = value[0] if value else None
        if value:
            return str(value)
    return ""


class Sandbox(SandboxClient):
    """The Bullhorn sandbox of the running stack."""

    def __init__(self, http: requests.Session, url: str) -> None:
        super().__init__(http, url, "bullhorn")

    @property
    def token_url(self) -> str:
        """The data centre's token endpoint, as the extension sends it (``tokenUrl``)."""
        return f"{self.base}/oauth/token"

    @property
    def login_base(self) -> str:
        """The data centre's REST login base, as the extension sends it (``apiUrl``)."""
        return f"{self.base}/rest-services"

    def notes(self) -> list[dict[str, Any]]:
        return self.state("Note")

    def note(self, note_id: Any) -> dict[str, Any]:
        return next(n for n in self.notes() if str(n["id"]) == str(note_id))

    def records(self, entity: str) -> list[dict[str, Any]]:
        return self.state(entity)

    def sessions(self) -> list[dict[str, Any]]:
        """The REST sessions Bullhorn opened: ``{BhRestToken, user_id, sessionExpires}``."""
        return self.state("sessions")

    def authorize(self, username: str = USERNAME, password: str = PASSWORD, state: str = "") -> str:
        """What the extension's password sign-in gets: the redirect (with the code) Bullhorn answers."""
        response = self.http.get(
            f"{self.base}/oauth/authorize",
            params={
                "client_id": CLIENT_ID,
                "response_type": "code",
                "redirect_uri": REDIRECT_URI,
                "state": state or "platform=bullhorn",
                "action": "Login",
                "username": username,
                "password": password,
            },
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 302, response.text
        return str(response.headers["Location"])

    def expire_everything(self) -> None:
        """Every access token and every REST session Bullhorn issued is dead from now on."""
        self.own("POST", "expire", {"all": True})

    def expire_sessions(self) -> list[str]:
        """Every REST session is dead; the access tokens still work."""
        tokens = [str(s["BhRestToken"]) for s in self.sessions()]
        for token in tokens:
            self.own("POST", "expire", {"token": token})
        return tokens

    def token_grants(self, kind: str = "refresh_token") -> list[dict[str, Any]]:
        return [e for e in self.journal("POST", "/oauth/token") if grant_type(e) == kind]

    def rest_logins(self, status: int | None = 200) -> list[dict[str, Any]]:
        """The REST logins Bullhorn received (those that answered ``status``; None: all)."""
        return [
            e
            for e in self.journal("POST", "/rest-services/login$")
            if status is None or e["status"] == status
        ]


class Extension(BaseExtension):
    """The extension, signed in to Bullhorn through the sandbox's password flow."""

    def oauth_login(
        self,
        sandbox: Sandbox,
        *,
        username: str = USERNAME,
        token_url: str | None = None,
        api_url: str | None = None,
    ) -> requests.Response:
        """The sign-in: a code from Bullhorn's authorize page, then ``GET /oauth-callback`` with the
        redirect, the state and the data centre the extension found. Keeps the JWT when one comes back."""
        callback = sandbox.authorize(username)
        state = parse_qs(urlsplit(callback).query)["state"][0]
        response = self.get(
            "/oauth-callback",
            jwt="",
            callbackUri=callback,
            state=state,
            tokenUrl=token_url if token_url is not None else sandbox.token_url,
            apiUrl=api_url if api_url is not None else sandbox.login_base,
            username=username,
        )
        if response.status_code == 200 and "jwtToken" in response.json():
            self.jwt = response.json()["jwtToken"]
        return response

    def login(self, sandbox: Sandbox) -> dict[str, Any]:
        response = self.oauth_login(sandbox)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "jwtToken" in body, body
        return body


def connected_bailey(api_url: str, sandbox: Sandbox) -> Extension:
    """Bailey, freshly signed in to the Bullhorn sandbox."""
    client = Extension(requests.Session(), api_url)
    client.login(sandbox)
    return client


def new_session_id() -> str:
    return str(uuid.uuid4().int)[:12]


def new_message_id() -> int:
    """A message id no earlier test has logged (the server remembers logged messages)."""
    return uuid.uuid4().int % 10**12


def call_log_body(
    session_id: str,
    contact: dict[str, Any] = MAYA,
    *,
    note_action: str | None = "Call",
    direction: str = "Inbound",
    **extra: Any,
) -> dict[str, Any]:
    """A POST /callLog body as the extension sends it for a call with a Bullhorn person (a real payload):
    ``contactType`` is the App Connect type (``Contact``, ``Candidate`` or ``Lead``), the note action the
    user picked is ``additionalSubmission.noteActions``."""
    person = {"phoneNumber": contact["phone"], "name": contact["name"], "location": "San Francisco, CA"}
    agent = {"phoneNumber": AGENT_PHONE, "name": "Bailey Recruiter", "extensionNumber": "101"}
    inbound = direction == "Inbound"
    submission: dict[str, Any] = {"copyToContactComments": False}
    if note_action is not None:
        submission["noteActions"] = note_action
    body: dict[str, Any] = {
        "logInfo": {
            "uri": f"https://platform.ringcentral.com/restapi/v1.0/account/400100000001/call-log/call-{session_id}",
            "id": f"call-{session_id}",
            "sessionId": session_id,
            "telephonySessionId": f"s-{session_id}",
            "startTime": "2026-07-14T10:00:00.000Z",
            "duration": 125,
            "type": "Voice",
            "direction": direction,
            "action": "Phone Call",
            "result": "Accepted" if inbound else "Call connected",
            "from": person if inbound else agent,
            "to": agent if inbound else person,
            "extensionNumber": "101",
        },
        "contactId": str(contact["id"]),
        "contactType": contact["type"],
        "contactName": contact["name"],
        "note": "Discussed the interview schedule.",
        "aiNote": "",
        "transcript": "",
        "additionalSubmission": submission,
    }
    body.update(extra)
    return body


def message_body(
    message_id: int | str,
    text: str,
    *,
    contact: dict[str, Any] = TAYLOR,
    conversation: str = "8462001000001",
    message_type: str = "SMS",
    direction: str = "Inbound",
    creation_time: str = "2026-07-14T03:00:00.000Z",
    attachments: list[dict[str, Any]] | None = None,
    note_action: str | None = "SMS",
) -> dict[str, Any]:
    """A POST /messageLog body for a message with a Bullhorn person (a real payload: the extension's
    Bullhorn SMS, with the note action in ``additionalSubmission.noteActions``)."""
    person = {"phoneNumber": contact["phone"], "name": contact["name"], "location": "Denver, CO"}
    agent = {"phoneNumber": AGENT_PHONE, "name": "Bailey Recruiter"}
    inbound = direction == "Inbound"
    day = creation_time[:10]
    return {
        "logInfo": {
            "conversationId": conversation,
            "conversationLogId": f"{conversation}-{day}",
            "correspondents": [{"phoneNumber": contact["phone"], "name": contact["name"]}],
            "messages": [
                {
                    "uri": f"https://platform.ringcentral.com/restapi/v1.0/account/~/extension/~/message-store/{message_id}",
                    "id": str(message_id),
                    "to": [agent] if inbound else [person],
                    "from": person if inbound else agent,
                    "type": message_type,
                    "creationTime": creation_time,
                    "readStatus": "Unread" if inbound else "Read",
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
        "contactId": str(contact["id"]),
        "contactType": contact["type"],
        "contactName": contact["name"],
        "additionalSubmission": {"noteActions": note_action} if note_action is not None else {},
    }


# -- fixtures ``sandbox`` and ``extension``: a module imports ``bullhorn_sandbox``, ``bullhorn_extension``


@pytest.fixture(name="sandbox")
def bullhorn_sandbox(sandbox_url: str, http: requests.Session) -> Iterator[Sandbox]:
    """The Bullhorn sandbox, back to its seed (and default config), with no fault or latency left behind."""
    box = Sandbox(http, sandbox_url)
    box.reset()
    yield box
    box.own("DELETE", "faults")
    box.own("DELETE", "latency")
    box.own("DELETE", "ratelimit")
    box.reset()  # a test's config (note_edit_denied, access_ttl ...) does not outlive it


@pytest.fixture(name="extension")
def bullhorn_extension(api_url: str, sandbox: Sandbox) -> Extension:
    """Bailey, signed in to the Bullhorn sandbox, with an empty journal."""
    client = connected_bailey(api_url, sandbox)
    sandbox.clear_journal()
    return client
