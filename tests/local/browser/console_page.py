"""The console as a test drives it: choose, press a step's button, wait for the step's answer, read the side
panels, keep a screenshot. Only what a person sees and does: no call to the page's own JavaScript."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page, Response

#: a whole sandbox credential (token, code, session): never on the page unmasked
SANDBOX_CREDENTIAL = re.compile(r"sbx-[a-z]{2}-[a-z]+-\d{6}-[0-9a-f]{8}")
#: the answers whose bodies carry the secrets the page receives (the JWT, RingCentral's tokens)
SECRET_ANSWERS = ("/oauth-callback", "/apiKeyLogin", "/restapi/oauth/token")


@dataclass(frozen=True)
class ShownRecord:
    """A record of a step's "The sandbox now holds" panel."""

    collection: str
    id: str
    tag: str
    record: Any


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    status: str


class ConsolePage:
    def __init__(self, page: Page, api_url: str, screenshots: Path) -> None:
        self.page = page
        self.api_url = api_url
        self.screenshots = screenshots
        self.shots = 0
        self.errors: list[str] = []
        self.answers: list[Response] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("response", self._keep)

    def _keep(self, response: Response) -> None:
        if any(path in response.url for path in SECRET_ANSWERS):
            self.answers.append(response)

    # -- doing ----------------------------------------------------------------------------------------------

    def open(self) -> None:
        self.page.goto(f"{self.api_url}/__local/console/")
        self.page.wait_for_selector("body[data-ready]")

    def choose(self, selector: str, label_start: str) -> str:
        """Choose the option of ``selector`` whose text starts with ``label_start``; returns its text."""
        labels = self.page.locator(f"{selector} option").all_text_contents()
        label = next((text for text in labels if text.startswith(label_start)), None)
        assert label is not None, f"no option starting with {label_start!r} in {selector}: {labels}"
        self.page.select_option(selector, label=label)
        return label

    def fill(self, selector: str, text: str) -> None:
        self.page.fill(selector, text)

    def act(self, step: str, button: str) -> None:
        """Press a button of a step and wait for the step's answer; a step that failed fails the test."""
        self.page.click(f"#{button}")
        self.page.wait_for_selector(
            f"body:not([data-busy]) #step-{step}:is([data-state=done],[data-state=error])"
        )
        state = self.page.get_attribute(f"#step-{step}", "data-state")
        assert state == "done", f"step {step} ({button}) answered:\n{self.text(f'#step-{step} .answer')}"

    def shot(self, name: str, step: str) -> Path:
        """A screenshot of one step (its answer and its side panels) in this test's folder."""
        self.shots += 1
        path = self.screenshots / f"{self.shots:02d}-{name}.png"
        self.page.locator(f"#step-{step}").screenshot(path=str(path))
        return path

    # -- reading --------------------------------------------------------------------------------------------

    def text(self, selector: str) -> str:
        return self.page.inner_text(selector).strip()

    def visible(self, selector: str) -> bool:
        return self.page.is_visible(selector)

    def contact_names(self) -> list[str]:
        return [
            name.strip()
            for name in self.page.locator("#step-screenpop [data-testid=contact-name]").all_text_contents()
        ]

    def contact_ids(self) -> list[str]:
        cards = self.page.locator("#step-screenpop [data-testid=contact]").all()
        return [card.get_attribute("data-id") or "" for card in cards]

    def records(self, step: str) -> list[ShownRecord]:
        shown = []
        for item in self.page.locator(f"#step-{step} .record-item").all():
            body = item.locator("pre").text_content() or ""
            shown.append(
                ShownRecord(
                    collection=item.get_attribute("data-collection") or "",
                    id=item.get_attribute("data-id") or "",
                    tag=item.get_attribute("data-tag") or "",
                    record=json.loads(body),
                )
            )
        return shown

    def exchanges(self, step: str) -> list[Exchange]:
        entries = self.page.locator(f"#step-{step} .exchange-list .entry").all()
        return [
            Exchange(
                e.get_attribute("data-method") or "",
                e.get_attribute("data-path") or "",
                e.get_attribute("data-status") or "",
            )
            for e in entries
        ]

    def journal_paths(self, step: str) -> list[str]:
        return [
            e.get_attribute("data-path") or ""
            for e in self.page.locator(f"#step-{step} .journal-list .entry").all()
        ]

    def secrets_received(self) -> set[str]:
        """The JWT and tokens the page was handed (read from the network, not from the page)."""
        found: set[str] = set()
        for response in self.answers:
            try:
                body = response.json()
            except Exception:
                continue
            if isinstance(body, dict):
                found |= {str(body[k]) for k in ("jwtToken", "access_token", "refresh_token") if body.get(k)}
        return found

    def assert_no_secret_shown(self, *typed: str) -> None:
        """Nothing on the page (every panel, folded or not) shows a secret: the JWT and tokens the page
        received, the credentials typed into a login form, or any whole sandbox credential."""
        html = self.page.content()
        secrets = self.secrets_received() | {secret for secret in typed if secret}
        assert secrets, "the test saw no secret go by: nothing to look for"
        leaked = sorted(secret[:12] for secret in secrets if secret in html)
        assert not leaked, f"secrets shown unmasked: {leaked}"
        assert not SANDBOX_CREDENTIAL.search(html), SANDBOX_CREDENTIAL.search(html)
        assert "••••••" in html

    def assert_no_page_error(self) -> None:
        assert not self.errors, self.errors
