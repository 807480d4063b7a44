"""What every TUI test uses: the one app factory, a browser that writes down what it opens,
waiting for a condition, the notifications, and the keys of a person logging in.

    app = make_app(portal)                          # FamilleApp on the test portal
    app = make_app(portal, kind="kiosk", clock=c)   # KioskApp
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(pilot)
        await wait_until(pilot, lambda: ..., what="…")
        await settled(pilot)                        # before a snapshot
        assert any(n.title == "Réglée" for n in notifications(app))

Every app has a fixed « today » (ages on screen do not change with the calendar) and never
touches the machine's keyring (the test's `MemoryKeyring`, tests/conftest.py).
"""

from __future__ import annotations

import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, Protocol
from weakref import WeakKeyDictionary

import httpx
from textual.app import App, ScreenStackError
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.pilot import Pilot
from textual.worker import WorkerState

from famille_tui.client.config import LaunchOptions, PortalProfile, Settings
from famille_tui.client.credentials import CredentialStore
from famille_tui.client.portal_client import PortalClient
from famille_tui.tui.app import FamilleApp
from famille_tui.tui.kiosk.app import KioskApp
from famille_tui.tui.widgets.form import FormField
from tests.support import CHAMBON, CHAPONOST

#: The demo data are autumn 2026; ages are computed against this day.
TODAY = date(2026, 11, 16)
NAMES = {CHAMBON: "Le Chambon-Feugerolles", CHAPONOST: "Chaponost"}


class HasBaseUrls(Protocol):
    """A portal process, or anything standing in front of one (tests/faults/hostile.py)."""

    def base_url(self, commune: str) -> str: ...


# --- the app --------------------------------------------------------------------------------


def make_app(
    portal: HasBaseUrls | None = None,
    *,
    kind: Literal["laptop", "kiosk"] = "laptop",
    communes: tuple[str, ...] = (CHAMBON,),
    store: CredentialStore | None = None,
    probe_keyring: bool = False,
    theme: str = "default",
    login: str | None = None,
    demo: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: float | None = None,
    staff_hash: str | None = None,
    clock: Callable[[], float] | None = None,
    today: Callable[[], date] = lambda: TODAY,
    connector_factory: Callable[[PortalProfile], Any] | None = None,
    kiosk_browser: str | None = None,
    portals: list[PortalProfile] | None = None,
) -> FamilleApp:
    """The real app on `portal`. `kind="kiosk"` is the front desk's `KioskApp`;
    `transport`/`timeout` make its connector (faults the portal cannot make); without
    `probe_keyring` the app is handed the test's keyring at once (else it probes it itself,
    as at a real start); without `portal`, no portal is configured; `portals` names them
    (another kind of portal: Noethysweb)."""
    settings = Settings(
        # No portal: the app has none configured.
        portals=portals if portals is not None else
        [PortalProfile(name=NAMES[c], url=portal.base_url(c)) for c in communes]
        if portal is not None else [],
        theme=theme,  # type: ignore[arg-type]
        animations=False,
        kiosk=kind == "kiosk",
        kiosk_staff_code_hash=staff_hash,
        kiosk_browser=kiosk_browser,
    )
    factory: Callable[[PortalProfile], Any] | None = connector_factory
    if transport is not None or timeout is not None:
        def factory(profile: PortalProfile) -> PortalClient:
            return PortalClient(profile.url, timeout=timeout or 10.0, transport=transport)
    options = LaunchOptions(settings=settings, demo=demo, login=login, kiosk=kind == "kiosk")
    app_class = KioskApp if kind == "kiosk" else FamilleApp
    app = app_class(
        options,
        connector_factory=factory,
        credential_store=None if probe_keyring else (store or CredentialStore()),
        today=today,
    )
    if clock is not None and isinstance(app, KioskApp):
        app.clock = clock
    _record_notifications(app)
    return app


# --- notifications --------------------------------------------------------------------------


@dataclass(frozen=True)
class Notified:
    message: str
    title: str
    severity: str


_NOTIFIED: WeakKeyDictionary[App[Any], list[Notified]] = WeakKeyDictionary()


def _record_notifications(app: App[Any]) -> None:
    """Write down every notification the app is asked to show (through its public
    `notify`, which every screen's `notify` calls)."""
    told: list[Notified] = []
    _NOTIFIED[app] = told
    notify = app.notify

    def recording(message: str, *, title: str = "", severity: Any = "information",
                  timeout: float | None = None, markup: bool = True) -> None:
        told.append(Notified(message, title, str(severity)))
        notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    app.notify = recording  # type: ignore[method-assign]


def notifications(app: App[Any]) -> list[Notified]:
    """Every notification the app showed so far, oldest first."""
    return list(_NOTIFIED.get(app, []))


def toasts_on_screen(app: App[Any]) -> list[str]:
    """The text of the notifications on screen now."""
    return [str(toast.render()) for toast in app.screen.query("Toast")]


# --- waiting --------------------------------------------------------------------------------

#: What a condition may raise while the screen it looks at is not there yet.
NOT_THERE_YET: tuple[type[Exception], ...] = (NoMatches, ScreenStackError)


async def wait_until(pilot: Pilot[Any], condition: Callable[[], object], *,
                     timeout: float = 15.0, what: str = "") -> None:
    """Let the app run until `condition()` holds (network calls run in workers). A widget
    not mounted yet is « not there yet »; any other exception is a bug, raised at once."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except NOT_THERE_YET:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}\n"
                                 f"{_words_on_screen(pilot.app)}")
        await pilot.pause(0.05)


def _words_on_screen(app: App[Any]) -> str:
    """What the screen says (its name, every Static's words): why a wait timed out."""
    from textual.widgets import Static

    try:
        screen = app.screen
    except ScreenStackError:
        return "(no screen)"
    words = [str(w.render()).strip() for w in screen.query(Static) if w.display]
    return f"--- {type(screen).__name__} ---\n" + "\n".join(w for w in words if w)[:3000]


def busy_workers(app: App[Any], of: DOMNode | None = None) -> list[str]:
    """The names of the app's workers (of the node `of` only, when given) still pending or
    running: network calls under way."""
    return [w.name for w in app.workers
            if w.state in (WorkerState.PENDING, WorkerState.RUNNING)
            and (of is None or w.node is of)]


async def settled(pilot: Pilot[Any], *, workers: bool = True, timeout: float = 15.0,
                  what: str = "the screen settled") -> None:
    """Let the app run until its screen has settled, before a snapshot: no worker left
    running (unless `workers=False`: a screen that keeps one, a payment followed), nothing
    animating, and the same picture two frames in a row (a layout, a scroll to the focused
    field, a redraw asked after a refresh would still change it). A fixed pause is not
    enough on a loaded machine."""
    app = pilot.app
    if workers:
        await wait_until(pilot, lambda: not busy_workers(app), timeout=timeout,
                         what=f"{what} (workers done: {busy_workers(app)})")
    deadline = time.monotonic() + timeout
    previous = ""
    while True:
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        picture = app.export_screenshot()
        if picture == previous and not (workers and busy_workers(app)):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        previous = picture


# --- a browser ------------------------------------------------------------------------------


def browser_writing_to(tmp_path: Path) -> tuple[Path, Path]:
    """A `BROWSER` script that writes each URL it is asked to open into a file: (script,
    file). The `browser_log` fixture (tests/conftest.py) sets it."""
    log = tmp_path / "browser-opened.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{log}"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, log


def opened_urls(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").split() if log.exists() else []


# --- a person at the keyboard ---------------------------------------------------------------


def screen_name(app: App[Any]) -> str:
    return type(app.screen).__name__


def field(app: App[Any], name: str) -> FormField:
    return app.screen.query_one(f"#field-{name}", FormField)


async def type_into(pilot: Pilot[Any], name: str, text: str) -> None:
    """Focus a labelled field and type into it, key by key, as a person would."""
    target = field(pilot.app, name)
    target.input.focus()
    target.value = ""
    await pilot.pause()
    await pilot.press(*text)


async def log_in(pilot: Pilot[Any], login: str = "martin", password: str = "demo-martin",
                 *, remember: bool = False) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: screen_name(app) == "LoginScreen", what="login screen")
    await type_into(pilot, "login", login)
    await type_into(pilot, "password", password)
    if remember:
        app.screen.query_one("#remember").focus()
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
    field(app, "password").input.focus()
    await pilot.pause()
    await pilot.press("enter")


async def logged_in(pilot: Pilot[Any], login: str = "martin",
                    password: str = "demo-martin") -> None:
    await log_in(pilot, login, password)
    app: FamilleApp = pilot.app  # type: ignore[assignment]
    await wait_until(pilot, lambda: screen_name(app) == "FamilyScreen" and app.logged_in,
                     what="family space")
    await wait_until(pilot, lambda: app.session is not None
                     and app.session.remaining_cents is not None, what="header total")


def send_burst(app: App[Any], text: str) -> None:
    """Every key of `text` handed to the app at once, with no pause between them — what a
    password manager's auto-type or a paste into a terminal does (`\\t` is Tab, `\\n`
    Entrée). The pilot's `press` waits for the app between keys; this does not."""
    from textual import events
    from textual.keys import _character_to_key

    driver = app._driver
    assert driver is not None
    for char in text:
        key = {"\t": "tab", "\n": "enter"}.get(char) or (
            char if char.isalnum() else _character_to_key(char))
        event = events.Key(key, None if char in "\t\n" else char)
        event.set_sender(app)
        driver.send_message(event)
