"""The four connectors as the benches drive them: how the extension logs in to each sandbox, the numbers a
screen pop looks up, and a ``POST /callLog`` body (the shapes of ``tests/api/*_world.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench.harness import BenchStack, Client, Sandbox

#: E.164 numbers every sandbox seeds in a different way: several contacts for the first, none for the second
SHARED_NUMBER = "+14155550142"
UNKNOWN_NUMBER = "+14155550000"
#: Insightly: 200 contacts seeded with their PHONE typed one way, the company's usual one ("(415) 555-2000"),
#: beside the sandbox seed's handful typed otherwise (about 97 % of the company's numbers)
INSIGHTLY_USUAL = [f"(415) 555-{n:04d}" for n in range(2000, 2200)]
INSIGHTLY_FIRST = "+14155552011"
INSIGHTLY_LATER = "+14155552114"
#: the RingCentral sandbox's seeded extension (Jordan Lee, admin of account 37439510)
RC_EXTENSION = 62264425008


@dataclass(frozen=True)
class Lookup:
    """One screen pop the bench counts: a label and the number looked up."""

    label: str
    number: str
    #: the connector has contacts with this number (the bench checks the answer)
    found: bool


@dataclass(frozen=True)
class Crm:
    name: str
    #: log ``client`` in as the extension does (sets its JWT)
    login: Callable[[BenchStack, Client], None]
    #: screen pops counted, in this order, right after login (the first sees no learned state)
    lookups: tuple[Lookup, ...]
    #: the found and the not-found number timed over many rounds
    timed_found: str
    timed_unknown: str
    call_log_body: Callable[[str], dict[str, Any]]
    #: what the bench seeds in the sandbox before the login
    prepare: Callable[[Sandbox], None] | None = None
    #: seconds between two requests of the user: a CRM whose documented rate limit the server paces to
    #: (Insightly: 10 calls a second per API key) would otherwise have the bench measure the pacing
    spacing_s: float = 0.0

    def pause(self) -> None:
        """Wait :attr:`spacing_s` (before a request of this user)."""
        if self.spacing_s > 0:
            time.sleep(self.spacing_s)


def _ok(response: Any, what: str) -> dict[str, Any]:
    if response.status_code != 200:
        raise RuntimeError(f"{what}: {response.status_code} {response.text[:300]}")
    body: dict[str, Any] = response.json()
    return body


# -- Pipedrive: OAuth through the sandbox's consent page ----------------------------------------------------


def _pipedrive_login(bench: BenchStack, client: Client) -> None:
    consent = client.http.get(
        f"{bench.sandbox_url}/pipedrive/oauth/authorize",
        params={
            "client_id": "sandbox-pipedrive-client",
            "redirect_uri": f"{bench.api}/pipedrive-redirect",
            "state": "platform=pipedrive&hostname=sandbox.pipedrive.com",
        },
        allow_redirects=False,
        timeout=60,
    )
    callback = consent.headers["Location"]
    state = parse_qs(urlsplit(callback).query)["state"][0]
    body = _ok(client.get("/oauth-callback", callbackUri=callback, state=state), "pipedrive login")
    client.jwt = str(body["jwtToken"])


#: the agent of the Pipedrive and Insightly call logs
JORDAN = {"phoneNumber": "+16505550199", "extensionNumber": "101", "name": "Jordan Lee"}


def _call(session_id: str, caller: dict[str, Any], agent: dict[str, Any]) -> dict[str, Any]:
    """The ``logInfo`` of an inbound call of 125 s from ``caller`` to ``agent``, as the extension sends it."""
    return {
        "id": f"call-{session_id}",
        "sessionId": session_id,
        "telephonySessionId": f"s-{session_id}",
        "startTime": "2026-07-14T10:00:00.000Z",
        "duration": 125,
        "type": "Voice",
        "direction": "Inbound",
        "action": "Phone Call",
        "result": "Accepted",
        "from": caller,
        "to": agent,
        "extensionNumber": "101",
    }


def _pipedrive_log(session_id: str) -> dict[str, Any]:
    return {
        "logInfo": _call(session_id, {"phoneNumber": SHARED_NUMBER, "name": "Maya Patel"}, JORDAN),
        "contactId": "101",
        "contactType": "contact",
        "contactName": "Maya Patel",
        "note": "Discussed renewal options.",
        "additionalSubmission": {"deals": "2001"},
    }


# -- Bullhorn: the password sign-in of the sandbox's authorize page -----------------------------------------


def _bullhorn_login(bench: BenchStack, client: Client) -> None:
    base = f"{bench.sandbox_url}/bullhorn"
    consent = client.http.get(
        f"{base}/oauth/authorize",
        params={
            "client_id": "sandbox-bullhorn-client",
            "response_type": "code",
            "redirect_uri": "https://ringcentral.github.io/ringcentral-embeddable/redirect.html",
            "state": "platform=bullhorn",
            "action": "Login",
            "username": "bailey.recruiter",
            "password": "sandbox-password",
        },
        allow_redirects=False,
        timeout=60,
    )
    callback = consent.headers["Location"]
    state = parse_qs(urlsplit(callback).query)["state"][0]
    body = _ok(
        client.get(
            "/oauth-callback",
            callbackUri=callback,
            state=state,
            tokenUrl=f"{base}/oauth/token",
            apiUrl=f"{base}/rest-services",
            username="bailey.recruiter",
        ),
        "bullhorn login",
    )
    client.jwt = str(body["jwtToken"])


def _bullhorn_log(session_id: str) -> dict[str, Any]:
    person = {"phoneNumber": SHARED_NUMBER, "name": "Maya Patel", "location": "San Francisco, CA"}
    agent = {"phoneNumber": "+14155556000", "name": "Bailey Recruiter", "extensionNumber": "101"}
    return {
        "logInfo": _call(session_id, person, agent),
        "contactId": "701",
        "contactType": "Contact",
        "contactName": "Maya Patel",
        "note": "Discussed the interview schedule.",
        "aiNote": "",
        "transcript": "",
        "additionalSubmission": {"copyToContactComments": False, "noteActions": "Call"},
    }


# -- Insightly: an API key on the sandbox's pod ------------------------------------------------------------


def _insightly_login(bench: BenchStack, client: Client) -> None:
    key = "sandbox-insightly-key-avery"
    body = _ok(
        client.post(
            "/apiKeyLogin",
            {
                "platform": "insightly",
                "hostname": "crm.na1.insightly.com",
                "apiKey": key,
                "additionalInfo": {"apiKey": key, "apiUrl": f"{bench.sandbox_url}/insightly/v3.1"},
            },
        ),
        "insightly login",
    )
    client.jwt = str(body["jwtToken"])


def _insightly_prepare(box: Sandbox) -> None:
    box.seed(
        contacts=[
            {"FIRST_NAME": "Usual", "LAST_NAME": f"Format {i}", "PHONE": phone}
            for i, phone in enumerate(INSIGHTLY_USUAL)
        ]
    )


def _insightly_log(session_id: str) -> dict[str, Any]:
    return {
        "logInfo": _call(session_id, {"phoneNumber": SHARED_NUMBER, "name": "Maya Patel"}, JORDAN),
        "contactId": "101",
        "contactType": "Contact",
        "contactName": "Maya Patel",
        "note": "Discussed the fleet renewal.",
        "additionalSubmission": {"organisation": 301, "opportunity": 401},
    }


# -- Redtail: username and password traded for a user key --------------------------------------------------


def _redtail_login(bench: BenchStack, client: Client) -> None:
    body = _ok(
        client.post(
            "/apiKeyLogin",
            {
                "platform": "redtail",
                "additionalInfo": {"username": "rt.agent", "password": "sandbox-password"},
            },
        ),
        "redtail login",
    )
    client.jwt = str(body["jwtToken"])


def _redtail_log(session_id: str) -> dict[str, Any]:
    return {
        "logInfo": _call(
            session_id,
            {"phoneNumber": SHARED_NUMBER, "name": "Dana A Client", "location": "Austin, TX"},
            {"phoneNumber": "+14155557000", "extensionNumber": "101", "name": "Casey Morgan"},
        ),
        "contactId": "201",
        "contactType": "contact",
        "contactName": "Dana A Client",
        "note": "Reviewed the retirement contribution.",
        "aiNote": "",
        "transcript": "",
        "additionalSubmission": {"category": 1},
    }


_STANDARD_LOOKUPS = (
    Lookup("found, first lookup", SHARED_NUMBER, found=True),
    Lookup("found, later lookup", SHARED_NUMBER, found=True),
    Lookup("not found", UNKNOWN_NUMBER, found=False),
)

CRMS: dict[str, Crm] = {
    "pipedrive": Crm(
        name="pipedrive",
        login=_pipedrive_login,
        lookups=_STANDARD_LOOKUPS,
        timed_found=SHARED_NUMBER,
        timed_unknown=UNKNOWN_NUMBER,
        call_log_body=_pipedrive_log,
    ),
    "insightly": Crm(
        name="insightly",
        login=_insightly_login,
        lookups=(
            Lookup("usual format, first lookup", INSIGHTLY_FIRST, found=True),
            Lookup("usual format, later lookup", INSIGHTLY_LATER, found=True),
            Lookup("not found", UNKNOWN_NUMBER, found=False),
        ),
        timed_found=INSIGHTLY_LATER,
        timed_unknown=UNKNOWN_NUMBER,
        call_log_body=_insightly_log,
        prepare=_insightly_prepare,
        spacing_s=1.1,
    ),
    "bullhorn": Crm(
        name="bullhorn",
        login=_bullhorn_login,
        lookups=_STANDARD_LOOKUPS,
        timed_found=SHARED_NUMBER,
        timed_unknown=UNKNOWN_NUMBER,
        call_log_body=_bullhorn_log,
    ),
    "redtail": Crm(
        name="redtail",
        login=_redtail_login,
        lookups=_STANDARD_LOOKUPS,
        timed_found=SHARED_NUMBER,
        timed_unknown=UNKNOWN_NUMBER,
        call_log_body=_redtail_log,
    ),
}


def chosen(names: str) -> list[Crm]:
    """``"pipedrive,redtail"`` (or ``"all"``) -> those connectors, in the order of :data:`CRMS`."""
    wanted = (
        list(CRMS) if names.strip() in ("", "all") else [n.strip() for n in names.split(",") if n.strip()]
    )
    unknown = sorted(set(wanted) - set(CRMS))
    if unknown:
        raise SystemExit(f"unknown connectors: {', '.join(unknown)} (choose from {', '.join(CRMS)})")
    return [crm for name, crm in CRMS.items() if name in wanted]


def start(bench: BenchStack, crm: Crm) -> tuple[Sandbox, Client]:
    """The connector's sandbox back to its seed (plus what the bench seeds), and the extension logged in."""
    box = bench.sandbox(crm.name)
    box.reset()
    bench.sandbox("ringcentral").reset()
    if crm.prepare is not None:
        crm.prepare(box)
    client = bench.client()
    # the extension hands over the user's RingCentral token at login: the server keeps the RingCentral
    # account RingCentral vouches for, whose admin settings every log then reads
    rc_token = bench.sandbox("ringcentral").control("POST", "tokens", {"extension_id": RC_EXTENSION})
    client.http.headers["X-RC-Access-Token"] = str(rc_token["access_token"])
    try:
        crm.login(bench, client)
    finally:
        del client.http.headers["X-RC-Access-Token"]
    box.clear_journal()
    return box, client
