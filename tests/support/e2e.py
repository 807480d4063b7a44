"""End-to-end helpers: a real terminal (tmux) and Debian's chromium (through Playwright,
never a downloaded browser) filling the PayFiP stand-in's pages as a parent would. The
`BROWSER` that writes down the URLs the program opens is the `browser_log` fixture.

Without chromium or tmux the tests that need them are skipped on a developer machine and
fail in CI (`CI=true`), where `make test` installs both.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ACCEPTED_CARD = "4111 1111 1111 1111"
WIDTH, HEIGHT = 100, 30


def require(what: str, present: bool) -> None:
    """Skip (outside CI) or fail (CI) when `what` is missing."""
    if present:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} est nécessaire au test de bout en bout en CI")
    pytest.skip(f"{what} absent : test de bout en bout sauté (hors CI)")


def require_chromium() -> None:
    require("chromium", Path(CHROMIUM).exists())
    try:
        import playwright  # noqa: F401
    except ImportError:
        require("playwright (paquet Python)", False)


def famille_tui() -> str:
    """The installed entry point next to the running Python (the venv's)."""
    return str(Path(sys.executable).with_name("famille-tui"))


def wait_for_value(read: Callable[[], object], what: str, timeout: float = 30.0) -> object:
    """`read()` once it is truthy (an AssertionError naming `what` when it never is)."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"jamais arrivé : {what}")
        time.sleep(0.2)


class Terminal:
    """A tmux session on a private server: type keys, read the screen."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        return result.stdout

    def start(self, command: str) -> None:
        # The program starts a moment after the window has its final size: a resize during
        # its start-up could be missed, and the test would read an 80×24 picture.
        delayed = f"sleep 1; exec {command}"
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", "app",
                  "-x", str(WIDTH), "-y", str(HEIGHT), delayed)
        self.tmux("set-option", "-t", "app", "remain-on-exit", "on")
        # Without a client attached, tmux may fall back to 80×24: fix the size explicitly.
        self.tmux("set-option", "-g", "window-size", "manual")
        self.tmux("resize-window", "-t", "app", "-x", str(WIDTH), "-y", str(HEIGHT))

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "app")

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "app", "-l", text)
        time.sleep(0.3)

    def key(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", "app", key)
            time.sleep(0.3)

    def wait_for(self, *texts: str, timeout: float = 30.0) -> str:
        """The screen once every text is on it (fails with the screen when it never is)."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(text in screen for text in texts):
                return screen
            time.sleep(0.25)
        size = self.tmux("display", "-p", "-t", "app", "#{window_width}x#{window_height}")
        raise AssertionError(
            f"jamais affiché : {texts!r} ({size.strip()})\n--- écran ---\n{screen}"
        )

    def press_until(self, key: str, *texts: str, tries: int = 3) -> str:
        """Press `key` until the texts show (the first press may come before the app
        listens, as a person's first press sometimes does)."""
        for _ in range(tries - 1):
            self.key(key)
            try:
                return self.wait_for(*texts, timeout=5)
            except AssertionError:
                continue
        self.key(key)
        return self.wait_for(*texts, timeout=10)

    def kill(self) -> None:
        self.tmux("kill-server")


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    require("tmux", shutil.which("tmux") is not None)
    term = Terminal(f"famille-e2e-{os.getpid()}")
    try:
        yield term
    finally:
        term.kill()


def pay_with_chromium(url: str, *, refdet: str, outcome: Literal["pay", "cancel"] = "pay",
                      screenshot: Path | None = None) -> str:
    """Chromium on the PayFiP stand-in's pages as a parent would (the invoice number
    `refdet` and the e-mail prefilled; « Valider », the card type, the test card; or
    « Annuler » on the first page); returns the last page's text. Synchronous: from an
    async test, run it in a thread."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(url)
            assert page.input_value("#refdet") == refdet
            if outcome == "cancel":
                page.get_by_role("button", name="Annuler").click()
                page.get_by_text("Paiement abandonné").wait_for(timeout=15000)
            else:
                page.get_by_role("button", name="Valider").click()
                page.locator("input[name=type_carte]").first.check()
                page.get_by_role("button", name="Continuer").click()
                page.fill("#numero", ACCEPTED_CARD)
                years = page.eval_on_selector_all("#annee option",
                                                  "els => els.map(e => e.value)")
                page.select_option("#annee", years[-1])
                page.fill("#cvv", "123")
                page.locator("button.primary").click()
                page.get_by_text("Paiement accepté").wait_for(timeout=15000)
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=True)
            return page.inner_text("body")
        finally:
            browser.close()
