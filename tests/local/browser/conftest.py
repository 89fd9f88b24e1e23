"""Browser tests of the local console: a real headless Chromium (Debian's ``chromium`` package, never a
browser that Playwright downloads) walks the console of a real ``python -m local``.

Without ``/usr/bin/chromium`` (``BROWSER_TEST_CHROMIUM`` names another) every test here is skipped, with the
reason printed in the summary; ``.ci/run`` installs Chromium first, so CI always runs them. Screenshots, one
per step, go to ``test-output/browser/<module>/<case>/`` (``BROWSER_TEST_OUTPUT`` moves it; git ignores it).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.stack import ROOT, StackProcess, start_stack

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

CHROMIUM = Path(os.environ.get("BROWSER_TEST_CHROMIUM", "/usr/bin/chromium"))
OUTPUT = Path(os.environ.get("BROWSER_TEST_OUTPUT", ROOT / "test-output" / "browser"))
#: the flags that run Chromium here: headless, as root, offline, and with nothing in the background
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return (
            f"Chromium not found at {CHROMIUM}: the console's browser tests are skipped "
            "(apt-get install -y chromium chromium-driver, as .ci/run does)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (make venv installs requirements/dev.txt)"
    return None


@pytest.fixture(scope="session", autouse=True)
def _chromium_is_there() -> None:
    """First of all (an autouse session fixture): without Chromium, skip with the reason."""
    reason = _skip_reason()
    if reason is not None:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """Headless Chromium from the system package; Playwright starts it with a fresh profile of its own."""
    chromium = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=60_000
    )
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def console_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    """A local stack of the browser tests' own (each test starts from its CRM's seed)."""
    stack = start_stack(tmp_path_factory.mktemp("console-stack"))
    yield stack
    stack.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, service_workers="block")
    context.set_default_timeout(30_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Path:
    """This test's screenshot folder (``<module>/<case>``, e.g. ``console/pipedrive``), emptied first."""
    module = request.node.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    callspec = getattr(request.node, "callspec", None)
    case = callspec.id if callspec is not None else request.node.name
    folder = OUTPUT / module / re.sub(r"[^\w.-]+", "-", case).strip("-")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
