"""The rows measured through Textual's pilot: the real `FamilleApp` on a bench portal.

- `login_to_invoices`: Entrée on « Se connecter » → « Mes factures » listed (key 4 pressed
  as soon as the family space is up, as a parent does).
- `reglee`: the portal commits the paid notification (the payment's `paid_at`, written in
  the committing transaction) → « Réglée » in the waiting screen's title (`time.time()` on
  both sides, same machine); the payment itself goes through the sandbox's pages with the
  tests' browser stand-in.
- `requests_while_waiting`: requests the app sends the portal per minute while a payment
  stays pending (counted by the bench portal's middleware).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import CHAMBON, ROOT, BenchPortal  # noqa: F401  (ROOT puts the repo on sys.path)
from textual.pilot import Pilot
from textual.widgets import Static

from famille_tui.client.credentials import CredentialStore
from famille_tui.tui.app import FamilleApp
from famille_tui.tui.widgets.form import FormField
from tests.support.keyring import MemoryKeyring
from tests.support.sandbox import pay_in_sandbox
from tests.support.tui import NOT_THERE_YET
from tests.support.tui import make_app as make_tui_app

SIZE = (120, 40)


def isolate(work: Path) -> Path:
    """FAMILLE_TUI_* directories under `work`, and a `BROWSER` that writes URLs down."""
    for name in ("CONFIG", "STATE", "DATA", "DOWNLOAD"):
        directory = work / name.lower()
        directory.mkdir(parents=True, exist_ok=True)
        os.environ[f"FAMILLE_TUI_{name}_DIR"] = str(directory)
    log = work / "browser.txt"
    script = work / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{log}"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    os.environ["BROWSER"] = str(script)
    return log


def make_app(portal: BenchPortal) -> FamilleApp:
    """The tests' app (tests/support/tui.py), on the bench's portal and its own keyring."""
    return make_tui_app(portal, store=CredentialStore(backend=MemoryKeyring()))


async def until(pilot: Pilot[Any], condition: Callable[[], object], *, timeout: float = 60.0,
                step: float = 0.002, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except NOT_THERE_YET:  # not mounted yet; anything else is a bug
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await pilot.pause(step)


def screen_name(app: FamilleApp) -> str:
    return type(app.screen).__name__


async def submit_login(pilot: Pilot[Any]) -> None:
    """Fill « Se connecter » (not timed) and press Entrée (the start of the measure)."""
    app: FamilleApp = pilot.app
    await until(pilot, lambda: screen_name(app) == "LoginScreen", what="login screen")
    app.screen.query_one("#field-login", FormField).value = "martin"
    password = app.screen.query_one("#field-password", FormField)
    password.value = "demo-martin"
    password.input.focus()
    await pilot.pause()


def invoices_shown(app: FamilleApp) -> bool:
    from famille_tui.tui.screens.invoices import InvoicesScreen

    screen = app.screen
    return (isinstance(screen, InvoicesScreen) and bool(screen.invoices)
            and screen.query_one("#invoice-table").row_count > 0)


class FrameClock:
    """When a frame was first drawn in some state: the first one holding the rows of « Mes
    factures » (`drawn`), or any other condition given to `expect`.

    Textual renders each update of the screen (`Compositor.render_update`: every line of
    every widget changed since the last frame) and hands it to `App._display`, which the
    pilot's headless driver then does not write. The first such frame after the table got
    its rows is the one a parent would see them in. Until issue 18's second round the rows
    counted as drawn at the end of one more `pilot.pause()`: every widget's messages
    handled, then Textual's `wait_for_idle` (at least one 20 ms sleep, and another for each
    20 ms window with 1 ms of CPU or more, whatever the app does meanwhile: the detail pane,
    the footer, a garbage collection) — the pilot's wait, not the rows' (≈ 110 ms in the
    large family's profile).
    """

    def __init__(self, app: FamilleApp) -> None:
        self._app = app
        self._waiting: dict[str, Callable[[], object]] = {}
        self.seen: dict[str, float] = {}
        display = app._display

        def recording(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is None or app._batch_count or screen is not app.screen:
                return
            for name, condition in list(self._waiting.items()):
                try:
                    held = condition()
                except NOT_THERE_YET:
                    held = False
                if held:
                    self.seen[name] = time.perf_counter()
                    del self._waiting[name]

        app._display = recording  # type: ignore[method-assign]

    def expect(self, name: str, condition: Callable[[], object]) -> None:
        """Note the time of the next frame drawn while `condition()` holds."""
        self.seen.pop(name, None)
        self._waiting[name] = condition

    def arm(self) -> None:
        """Note the next frame holding the rows of « Mes factures » (`drawn`)."""
        self.expect("rows", lambda: invoices_shown(self._app))

    @property
    def drawn(self) -> float | None:
        return self.seen.get("rows")

    async def wait(self, name: str, *, timeout: float = 60.0) -> float:
        """The time of the frame `expect(name, …)` waits for, once drawn. Polled with bare
        1 ms sleeps: `until`'s `pilot.pause` also waits for every widget's messages, ≈ 20 ms
        late after a screen was built."""
        deadline = time.monotonic() + timeout
        while name not in self.seen:
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for a frame: {name}")
            await asyncio.sleep(0.001)
        return self.seen[name]


async def open_invoices(pilot: Pilot[Any]) -> None:
    app: FamilleApp = pilot.app
    await until(pilot, lambda: screen_name(app) == "FamilyScreen" and app.logged_in,
                what="family space")
    await pilot.press("4")
    await until(pilot, lambda: invoices_shown(app), what="invoices")


def family_space_up(app: FamilleApp) -> bool:
    return screen_name(app) == "FamilyScreen" and app.logged_in


async def login_to_invoices(portal: BenchPortal, runs: int) -> dict[str, list[float]]:
    """Seconds from Entrée to the rows of « Mes factures », measured two ways, one run of
    each in turn:

    - `drawn`: Entrée and 4 sent as a parent types them — Entrée, then 4 as soon as a frame
      of the family space is drawn —, the keys' own pilot waits left to run beside the
      measure; it ends at the first frame holding the rows (`FrameClock`);
    - `pilot`: as the bench measured it before issue 18's second round: `pilot.press`
      (which returns only after the app has been idle for two 20 ms windows), 4 once the
      family space is up, then the rows listed and one more `pilot.pause()`.
    """
    drawn: list[float] = []
    piloted: list[float] = []
    for run in range(2 * runs + 2):  # the first two runs warm up imports and connections
        app = make_app(portal)
        async with app.run_test(size=SIZE) as pilot:
            clock = FrameClock(app)
            await submit_login(pilot)
            if run % 2 == 0:
                clock.arm()
                clock.expect("family", lambda a=app: family_space_up(a))  # type: ignore[misc]
                start = time.perf_counter()
                enter = asyncio.ensure_future(pilot.press("enter"))
                await clock.wait("family")
                four = asyncio.ensure_future(pilot.press("4"))
                rows = await clock.wait("rows")
                if run >= 2:
                    drawn.append(rows - start)
                await enter
                await four
            else:
                start = time.perf_counter()
                await pilot.press("enter")
                await open_invoices(pilot)
                await pilot.pause()
                if run >= 2:
                    piloted.append(time.perf_counter() - start)
            await app.action_quit()
    return {"drawn": drawn, "pilot": piloted}


# -- « Réglée » ------------------------------------------------------------------------------


def browser_urls(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").split() if log.exists() else []


def paid_at(portal: BenchPortal, payment_id: str) -> float | None:
    with sqlite3.connect(portal.data_path) as conn:
        row = conn.execute("SELECT paid_at FROM payments WHERE id = ?", (payment_id,)).fetchone()
    return float(row[0]) if row and row[0] is not None else None


async def start_one_payment(pilot: Pilot[Any], log: Path, invoice_number: str) -> Any:
    """Tick one invoice, « p », Entrée: the waiting screen; returns it and the browser URL."""
    from famille_tui.tui.screens.invoices import InvoicesScreen
    from famille_tui.tui.screens.payment_summary import PaymentSummaryScreen
    from famille_tui.tui.screens.payment_wait import PaymentWaitScreen

    app: FamilleApp = pilot.app
    await until(pilot, lambda: invoices_shown(app), what="invoices")
    screen = app.screen
    assert isinstance(screen, InvoicesScreen)
    invoice = next(i for i in screen.invoices if i.number == invoice_number)
    screen.toggle(invoice.id)
    opened = len(browser_urls(log))
    await pilot.press("p")
    await until(pilot, lambda: isinstance(app.screen, PaymentSummaryScreen), what="summary")
    summary = app.screen
    await until(pilot, lambda: summary.query_one(FormField).value, what="e-mail")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, PaymentWaitScreen), what="wait screen")
    wait = app.screen
    await until(pilot, lambda: len(browser_urls(log)) > opened, what="browser")
    return wait, browser_urls(log)[-1]


async def reglee(portal: BenchPortal, log: Path, numbers: list[str]) -> list[float]:
    """One payment per invoice number; the latency of each « Réglée » in seconds."""
    latencies: list[float] = []
    app = make_app(portal)
    async with app.run_test(size=SIZE) as pilot:
        await submit_login(pilot)
        await pilot.press("enter")
        await open_invoices(pilot)
        for number in numbers:
            wait, url = await start_one_payment(pilot, log, number)
            title = wait.query_one("#wait-title", Static)
            paying = asyncio.ensure_future(asyncio.to_thread(pay_in_sandbox, url))
            seen: float | None = None
            deadline = time.monotonic() + 60
            while seen is None and time.monotonic() < deadline:
                if "Réglée" in str(title.content):
                    seen = time.time()
                    break
                await pilot.pause(0.001)
            await paying
            if seen is None:
                raise TimeoutError("« Réglée » never shown")
            committed = paid_at(portal, wait.watched.payment_id)
            assert committed is not None
            latencies.append(seen - committed)
            await pilot.press("enter")  # « Terminé »: back to the invoices
        await app.action_quit()
    return latencies


async def requests_while_waiting(portal: BenchPortal, log: Path, number: str,
                                 seconds: float) -> tuple[float, dict[str, int]]:
    """Requests per minute the app sends while one payment stays pending for `seconds`."""
    app = make_app(portal)
    async with app.run_test(size=SIZE) as pilot:
        await submit_login(pilot)
        await pilot.press("enter")
        await open_invoices(pilot)
        await start_one_payment(pilot, log, number)
        await pilot.pause(1.0)  # the screen's first calls are done: count from here
        before = portal.counts()
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            await pilot.pause(0.5)
        after = portal.counts()
        elapsed = time.monotonic() - start
        await app.action_quit()
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after
             if after.get(k, 0) != before.get(k, 0)}
    return sum(delta.values()) / (elapsed / 60), delta
