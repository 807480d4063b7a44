"""Helpers of the TUI tests: an app on the real embedded portal, a fixed clock, waiting.

Every app is built on the `portal` fixture (a real portal process on loopback) with a fixed
« today » (ages on screen do not change with the calendar) and an explicit credential store
(the OS keyring of the machine running the tests is never touched).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from famille_tui.client.config import LaunchOptions, PortalProfile, Settings
from famille_tui.client.credentials import CredentialStore
from famille_tui.tui.app import FamilleApp
from famille_tui.tui.widgets.form import FormField
from tests.support.keyring import MemoryKeyring

#: The demo data are autumn 2026; ages are computed against this day.
TODAY = date(2026, 11, 16)
CHAMBON = "le-chambon-feugerolles"


@pytest.fixture
def keyring_backend(isolated_dirs: MemoryKeyring) -> MemoryKeyring:
    """The in-memory keyring every test runs with (tests/conftest.py)."""
    return isolated_dirs


@pytest.fixture
def make_app(portal: Any, keyring_backend: MemoryKeyring) -> Callable[..., FamilleApp]:
    """`make_app(communes=[...], theme=..., store=...)`: a FamilleApp on the test portal."""

    def make(
        *,
        communes: tuple[str, ...] = (CHAMBON,),
        store: CredentialStore | None = None,
        theme: str = "default",
        login: str | None = None,
    ) -> FamilleApp:
        names = {CHAMBON: "Le Chambon-Feugerolles", "chaponost": "Chaponost"}
        settings = Settings(
            portals=[PortalProfile(name=names[c], url=portal.base_url(c)) for c in communes],
            theme=theme,  # type: ignore[arg-type]
            animations=False,
        )
        options = LaunchOptions(settings=settings, demo=True, login=login)
        return FamilleApp(
            options,
            credential_store=store or CredentialStore(backend=keyring_backend),
            today=lambda: TODAY,
        )

    return make


async def wait_until(pilot: Pilot[Any], condition: Callable[[], object], *,
                     timeout: float = 15.0, what: str = "") -> None:
    """Let the app run until `condition()` holds (network calls run in workers)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except Exception:  # a widget not mounted yet: keep waiting
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.05)


def screen_name(app: FamilleApp) -> str:
    return type(app.screen).__name__


def field(app: FamilleApp, name: str) -> FormField:
    return app.screen.query_one(f"#field-{name}", FormField)


async def type_into(pilot: Pilot[Any], name: str, text: str) -> None:
    """Focus a labelled field and type into it, key by key, as a person would."""
    target = field(pilot.app, name)  # type: ignore[arg-type]
    target.input.focus()
    target.value = ""
    await pilot.pause()
    await pilot.press(*text)


async def log_in(pilot: Pilot[Any], login: str = "martin", password: str = "demo-martin",
                 *, remember: bool = False) -> None:
    app: FamilleApp = pilot.app  # type: ignore[assignment]
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
    await wait_until(pilot, lambda: app.remaining_cents is not None, what="header total")


def expire_sessions(data_path: Path) -> None:
    """Make every session of the portal idle for a day: its next call answers « expirée »."""
    with sqlite3.connect(data_path) as conn:
        conn.execute("UPDATE sessions SET last_used_at = last_used_at - 86400")
