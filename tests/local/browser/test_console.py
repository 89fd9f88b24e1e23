"""A user of each CRM tries App Connect in the local console, in a real browser, with no extension and no CRM
account: log in, an incoming call from a seeded number (the screen pop), log the call, update it and read it
back, log an SMS conversation and a reply the same day, a voicemail, a call from a number no record has (and
the contact created for it), and log out.

Every step is checked against what the sandbox holds, read by the test itself over the sandbox's control
API, and against the seed: the answer the console shows (the user's name, the contacts of the screen pop,
the log read back) and the record beside the step must both be right, so a wrong answer from the server, a
sandbox that holds something else, or a console that shows the wrong field fails the test. Nothing on the
page may show a secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from local.console.masking import mask
from tests.local.browser.console_page import ConsolePage, ShownRecord
from tests.sandbox_client import SandboxClient
from tests.stack import StackProcess

#: typed into the Insightly and Redtail login forms (prefilled from the sandbox), never shown
TYPED_SECRETS = ("sandbox-insightly-key-avery", "sandbox-password", "sandbox-rc-secret")


@dataclass(frozen=True)
class Crm:
    name: str
    display: str
    #: the RingCentral extension the user chooses (the start of its option's text)
    ringcentral: str
    #: the CRM user the login answers, and where the sandbox keeps them
    user_name: str
    user: tuple[str, int]
    login_route: tuple[str, str]
    #: the seeded number chosen (the start of its option's text), and who the screen pop must show
    seeded_number: str
    matches: list[str]
    #: how the first match's number is stored (the messy format the screen pop still finds)
    stored: str
    logs: str
    #: the new contact's type, chosen in the create form (None: the CRM has one type), and where it lands
    new_contact: tuple[str | None, str]
    id_fields: dict[str, str] = field(default_factory=dict)
    oauth: bool = False

    def id_field(self, collection: str) -> str:
        return self.id_fields.get(collection, "id")


CRMS = [
    Crm(
        name="pipedrive",
        display="Pipedrive",
        ringcentral="Jordan Lee (ext 101)",
        user_name="Jordan Lee",
        user=("users", 12345),
        login_route=("GET", "/oauth-callback"),
        seeded_number="Maya Patel (Contact) — stored as (415) 555-0142",
        matches=["Maya Patel", "Sam Patel"],
        stored="(415) 555-0142",
        logs="activities",
        new_contact=(None, "persons"),
        oauth=True,
    ),
    Crm(
        name="bullhorn",
        display="Bullhorn",
        ringcentral="Riley Chen (ext 102)",
        user_name="Bailey Recruiter",
        user=("CorporateUser", 1001),
        login_route=("GET", "/oauth-callback"),
        seeded_number="Maya Patel (Contact) — stored as (415) 555-0142",
        matches=["Maya Patel", "Taylor Candidate", "Jordan Prospect"],
        stored="(415) 555-0142",
        logs="Note",
        new_contact=("Candidate", "Candidate"),
        oauth=True,
    ),
    Crm(
        name="insightly",
        display="Insightly",
        ringcentral="Morgan Diaz (ext 103)",
        user_name="Avery Quinn",
        user=("users", 5001),
        login_route=("POST", "/apiKeyLogin"),
        seeded_number="Maya Patel (Contact) — stored as (415) 555-0142",
        matches=["Maya Patel", "Jordan Prospect"],
        stored="(415) 555-0142",
        logs="events",
        new_contact=("contact", "contacts"),
        id_fields={"users": "USER_ID", "contacts": "CONTACT_ID", "leads": "LEAD_ID", "events": "EVENT_ID"},
    ),
    Crm(
        name="redtail",
        display="Redtail",
        ringcentral="Sam Ortiz (ext 101)",
        user_name="rt.agent",
        user=("users", 97501),
        login_route=("POST", "/apiKeyLogin"),
        seeded_number="Dana A Client (Contact) — stored as 4155550142",
        matches=["Dana A Client", "Dana Prospect"],
        stored="4155550142",
        logs="activities",
        new_contact=(None, "contacts"),
    ),
]


class Sandbox(SandboxClient):
    """The test's own view of the sandbox, over the control API (not through the console)."""

    def __init__(self, url: str, crm: Crm) -> None:
        super().__init__(requests.Session(), url, crm.name)
        self.crm = crm

    def record(self, collection: str, record_id: Any) -> dict[str, Any]:
        key = self.crm.id_field(collection)
        found = [r for r in self.state(collection) if str(r.get(key)) == str(record_id)]
        assert len(found) == 1, f"{collection} #{record_id}: {len(found)} records"
        return found[0]

    def credentials_of(self, user_id: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(OAuth tokens issued to the user, CRM sessions still open for the user)."""
        state = self.own("GET", "state")
        grants = [
            g
            for g in (state.get("oauth") or {}).get("grants") or []
            if g["kind"] in ("access", "refresh") and str(g["user_id"]) == str(user_id)
        ]
        sessions = [s for s in state.get("sessions") or [] if str(s.get("user_id")) == str(user_id)]
        return grants, sessions


def _held(shown: ShownRecord, sandbox: Sandbox) -> dict[str, Any]:
    """The record the panel shows must be the sandbox's, as it holds it now (secrets masked)."""
    held = sandbox.record(shown.collection, shown.id)
    assert shown.record == mask(held), f"{shown.collection} #{shown.id} shown differs from the sandbox's"
    return held


def _text(record: Any) -> str:
    return json.dumps(record, ensure_ascii=False)


def _one(records: list[ShownRecord], collection: str) -> ShownRecord:
    found = [r for r in records if r.collection == collection]
    assert len(found) == 1, f"expected one {collection} record beside the step, got {records}"
    return found[0]


@pytest.mark.parametrize("crm", CRMS, ids=[crm.name for crm in CRMS])
def test_a_user_of_each_crm_logs_in_pops_seeded_and_unknown_numbers_logs_the_call_and_sms_and_logs_out(
    crm: Crm, console_stack: StackProcess, page: Any, screenshots: Path
) -> None:
    assert console_stack.sandbox_url is not None
    sandbox = Sandbox(console_stack.sandbox_url, crm)
    sandbox.reset()
    console = ConsolePage(page, console_stack.api_url, screenshots)
    console.open()
    console.choose("#crm", crm.display)
    console.page.wait_for_selector(f"#login:has-text('{crm.display}')")
    console.choose("#rc-extension", crm.ringcentral)

    # 1. log in: the OAuth click-through, or the form prefilled with the sandbox's values
    console.act("login", "login")

    assert console.text("[data-testid=user-name]") == crm.user_name
    assert console.text("[data-testid=rc-user]").startswith(crm.ringcentral)
    assert console.visible("[data-testid=settings]")
    (user,) = console.records("login")
    assert (user.collection, user.id) == (crm.user[0], str(crm.user[1]))
    _held(user, sandbox)
    assert crm.login_route in {(e.method, e.path) for e in console.exchanges("login") if e.status == "200"}
    console.assert_no_secret_shown(*TYPED_SECRETS)
    console.shot("login", "login")

    # 2. a call from a seeded number, stored in a messy format: the screen pop
    console.choose("#number-choice", crm.seeded_number)
    console.act("screenpop", "ring")

    assert console.contact_names() == crm.matches
    shown = console.records("screenpop")
    assert [record.id for record in shown] == console.contact_ids()
    for record in shown:
        _held(record, sandbox)
    assert crm.stored in _text(shown[0].record)
    assert console.journal_paths("screenpop"), "the screen pop reached the CRM: its requests are listed"
    console.shot("screen-pop", "screenpop")

    # 3. log the call, update it, read it back
    subject, note = f"Renewal call ({crm.name})", "Discussed the renewal options."
    console.fill("#call-subject", subject)
    console.fill("#call-note", note)
    console.act("calllog", "log-call")

    log_id = console.text("[data-testid=log-id]")
    logged = _held(_one(console.records("calllog"), crm.logs), sandbox)
    assert str(logged[crm.id_field(crm.logs)]) == log_id
    assert subject in _text(logged)
    assert note in _text(logged)
    console.shot("call-logged", "calllog")

    subject, note = f"Renewal call ({crm.name}), follow-up agreed", "Sending the options by SMS."
    console.fill("#call-subject", subject)
    console.fill("#call-note", note)
    console.act("calllog", "update-call")

    updated = _held(_one(console.records("calllog"), crm.logs), sandbox)
    assert str(updated[crm.id_field(crm.logs)]) == log_id
    assert subject in _text(updated)
    assert note in _text(updated)
    assert {("PATCH", "/callLog", "200"), ("PUT", "/callDisposition", "200")} <= {
        (e.method, e.path, e.status) for e in console.exchanges("calllog")
    }
    console.shot("call-updated", "calllog")

    console.act("calllog", "read-call")

    assert console.text("[data-testid=read-subject]") == subject
    assert console.text("[data-testid=read-note]") == note
    assert console.text("[data-testid=read-matched]") == f"yes, log id {log_id}"
    console.shot("call-read-back", "calllog")

    # 4. an SMS conversation, a reply the same day into the same CRM record, a voicemail
    first, reply = f"Can you send the options? ({crm.name})", "Sent them just now."
    console.fill("#sms-first", first)
    console.act("messages", "log-sms")

    conversation = _one(console.records("messages"), crm.logs)
    assert conversation.tag == "new"
    assert first in _text(_held(conversation, sandbox))
    console.shot("sms-logged", "messages")

    console.fill("#sms-reply", reply)
    console.act("messages", "add-sms")

    same_day = _one(console.records("messages"), crm.logs)
    assert (same_day.tag, same_day.id) == ("changed", conversation.id)
    assert first in _text(_held(same_day, sandbox))
    assert reply in _text(same_day.record)
    console.shot("sms-reply-added", "messages")

    console.act("messages", "log-voicemail")

    voicemail = _one(console.records("messages"), crm.logs)
    assert voicemail.tag == "new"
    assert voicemail.id not in (conversation.id, log_id)
    assert "Voicemail" in _text(_held(voicemail, sandbox))
    console.shot("voicemail-logged", "messages")

    # 2'. a call from a number no record has, typed the way people type: no match, then the contact created
    number = console.choose("#number-choice", "+1").split(" ")[0]
    console.fill("#number", f"({number[2:5]}) {number[5:8]}-{number[8:]}")
    console.act("screenpop", "ring")

    assert console.contact_names() == []
    assert console.text("[data-testid=screenpop-summary]") == f"{number} rings: no match"
    assert console.visible("#new-contact")
    console.shot("unknown-number", "screenpop")

    contact_type, collection = crm.new_contact
    if contact_type:
        console.page.select_option("#new-contact-type", contact_type)
    console.act("screenpop", "create-contact")

    assert console.contact_names() == ["Ada Lovelace"]
    created_shown = _one(console.records("screenpop"), collection)
    assert [created_shown.id] == console.contact_ids()
    created = _held(created_shown, sandbox)
    assert "Lovelace" in _text(created)
    assert number[-10:] in "".join(ch for ch in _text(created) if ch.isdigit())
    console.shot("contact-created", "screenpop")

    # 5. log out: the session ends, the CRM's credentials are revoked where the CRM can revoke them
    console.act("logout", "logout")

    assert console.text("[data-testid=session-after-logout]").startswith(
        "GET /authValidation now answers 400"
    )
    assert ("POST", "/unAuthorize", "200") in {
        (e.method, e.path, e.status) for e in console.exchanges("logout")
    }
    if crm.oauth:
        grants, sessions = sandbox.credentials_of(crm.user[1])
        shown_grants = [r.record for r in console.records("logout") if r.collection == "oauth grants"]
        assert shown_grants == mask(grants)
        assert not sessions, "the CRM session ended at logout"
        if crm.name == "pipedrive":
            assert grants
            assert all(g["revoked"] for g in grants), "Pipedrive's tokens are revoked at logout"
    else:
        _held(_one(console.records("logout"), crm.user[0]), sandbox)
    assert console.page.is_enabled("#login")
    console.assert_no_secret_shown(*TYPED_SECRETS)
    console.assert_no_page_error()
    console.shot("logged-out", "logout")
