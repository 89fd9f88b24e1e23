"""The README's picture of the console (docs/console.png), taken the way the browser tests take theirs.

    .venv/bin/python -m tests.local.browser.readme_screenshot [--output docs/console.png]

Starts its own ``python -m local`` (on the default ports 3000 and 8100 when they are free, so that the
picture shows the addresses ``make run`` prints), logs in to the Pipedrive sandbox in headless Chromium
(Debian's ``chromium``), pops a call from a seeded number, logs it, and keeps the screen pop step.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import tempfile
from pathlib import Path

from local import config
from local.aws import port_is_free
from local.launch import launch
from tests.local.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.local.browser.console_page import ConsolePage
from tests.stack import ROOT

WIDTH, HEIGHT = 1280, 1000


def _start(folder: Path) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    ports = {
        "PORT": config.DEFAULT_API_PORT,
        "SANDBOX_PORT": config.DEFAULT_SANDBOX_PORT,
        "DYNAMODB_PORT": 0,
    }
    env = {**os.environ, **{name: str(p if p and port_is_free(p) else 0) for name, p in ports.items()}}
    launched = launch(folder, env=env, stdout=None, stderr=folder / "stack.err", timeout_s=60)
    return launched.process, launched.urls


def take(output: Path) -> Path:
    from playwright.sync_api import FloatRect, sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        process, urls = _start(Path(folder))
        try:
            with sync_playwright() as driver:
                browser = driver.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
                )
                page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=1)
                console = ConsolePage(page, urls["api"], Path(folder))
                console.open()
                console.choose("#crm", "Pipedrive")
                page.wait_for_selector("#login:has-text('Pipedrive')")
                console.act("login", "login")
                console.choose("#number-choice", "Maya Patel (Contact) — stored as (415) 555-0142")
                console.act("screenpop", "ring")
                page.evaluate("window.scrollTo(0, 0)")  # bounding boxes in page coordinates from here
                step = page.locator("#step-screenpop").bounding_box()
                assert step is not None
                output.parent.mkdir(parents=True, exist_ok=True)
                clip: FloatRect = {
                    "x": 0,
                    "y": step["y"] - 12,
                    "width": WIDTH,
                    "height": min(HEIGHT, step["height"] + 24),
                }
                page.screenshot(path=str(output), full_page=True, clip=clip)
                browser.close()
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "console.png")
    print(take(parser.parse_args().output))


if __name__ == "__main__":
    main()
