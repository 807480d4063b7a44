"""Snapshots (pytest-textual-snapshot) of every screen at 80×24 and 120×40, and the
high-contrast theme. Update them with `pytest tests/tui/test_snapshots.py --snapshot-update`
after checking the new pictures by eye (`snapshot_report.html`).

Everything on screen is fixed: the demo data are dated, « today » is fixed for ages, the
portal's URL (a random port) is never shown.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from famille_tui.client.credentials import CredentialStore
from tests.support import expire_sessions
from tests.support.keyring import MemoryKeyring
from tests.support.tui import (
    field,
    log_in,
    logged_in,
    screen_name,
    settled,
    type_into,
    wait_until,
)
from tests.support.tui import make_app as make_app_on

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
Steps = Callable[[Pilot[Any]], Awaitable[None]]


def then_settled(steps: Steps, workers: bool = True) -> Steps:
    """The steps, then a wait until the screen has settled: every picture is taken of a
    screen that says it is done (workers finished unless `workers=False`, the same picture
    twice)."""
    async def run(pilot: Pilot[Any]) -> None:
        await steps(pilot)
        await settled(pilot, workers=workers)

    return run


async def at_login(pilot: Pilot[Any]) -> None:
    await wait_until(pilot, lambda: screen_name(pilot.app) == "LoginScreen")  # type: ignore[arg-type]


async def at_choice(pilot: Pilot[Any]) -> None:
    await wait_until(pilot, lambda: screen_name(pilot.app) == "PortalChoiceScreen")  # type: ignore[arg-type]


def steady_outbox(app: Any) -> None:
    """The demo's outbox line names the portal's random port: the picture shows the
    README's 8765 instead, so that it is fixed (the line itself is tested in test_new_user)."""
    hint = app.screen.query_one("#demo-outbox", Static)
    origin = app._snapshot_portal.origin
    hint.update(str(hint.render()).replace(origin, "http://127.0.0.1:8765"))


async def at_activation(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await at_login(pilot)
    await type_into(pilot, "login", "bernard")
    await pilot.press("ctrl+n")
    await wait_until(pilot, lambda: "chargement" not in str(
        app.screen.query_one("#password-rules").render()))
    await type_into(pilot, "temporary_password", "abc")
    await type_into(pilot, "new_password", "Secret-2026")
    await type_into(pilot, "confirm_password", "Secret-20")
    await pilot.press("x")  # a mismatch, shown inline
    await wait_until(pilot, lambda: field(app, "confirm_password").has_class("-invalid"),
                     what="the mismatch shown")
    steady_outbox(app)


async def at_reset(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await at_login(pilot)
    await type_into(pilot, "login", "martin")
    await pilot.press("ctrl+r")
    await wait_until(pilot, lambda: screen_name(app) == "PasswordResetScreen")
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.focused is field(app, "code").input)
    # The page scrolls to the focused field after a refresh: wait until it is in view
    # (a fixed pause was not enough on a loaded machine).
    await wait_until(
        pilot, lambda: all(app.screen.region.contains_region(w.region) for w in (
            field(app, "code").input, app.screen.query_one("Notice"))),
        what="the code field and the notice « code envoyé » in view",
    )
    steady_outbox(app)


async def at_login_error(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await log_in(pilot, "martin", "faux")
    await wait_until(pilot, lambda: "incorrect" in str(app.screen.query_one("#notice").render()))


async def at_family(pilot: Pilot[Any]) -> None:
    await logged_in(pilot)


def section(key: str, name: str, ready: Callable[[Any], object]) -> Steps:
    async def steps(pilot: Pilot[Any]) -> None:
        app: Any = pilot.app
        await logged_in(pilot)
        await pilot.press(key)
        await wait_until(pilot, lambda: screen_name(app) == name)
        await wait_until(pilot, lambda: ready(app.screen), what=name)

    return steps


at_entourage = section("2", "EntourageScreen", lambda s: s.query_one(DataTable).row_count)
at_dashboard = section("3", "DashboardScreen",
                       lambda s: s.query_one("#messages-table", DataTable).row_count)
at_coordinates = section("5", "CoordinatesScreen",
                         lambda s: "Martin" in str(s.query_one("#coordinates", Static).render()))
at_help = section("6", "HelpScreen",
                  lambda s: "04" in str(s.query_one("#help-contact", Static).render()))


async def at_contact_form(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await at_entourage(pilot)
    await pilot.press("a")
    await wait_until(pilot, lambda: screen_name(app) == "ContactFormScreen")
    await type_into(pilot, "first_name", "Lucienne")
    await type_into(pilot, "phones-0", "12 34")
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: app.screen.query(".-invalid"), what="the errors shown")


async def at_confirm(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await at_entourage(pilot)
    await pilot.press("d")
    await wait_until(pilot, lambda: screen_name(app) == "ConfirmScreen")


async def at_message(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await at_dashboard(pilot)
    app.screen.query_one("#messages-table").focus()
    await pilot.press("enter")
    await wait_until(pilot, lambda: screen_name(app) == "MessageScreen")


async def at_profile_form(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await at_coordinates(pilot)
    await pilot.press("e")
    await wait_until(pilot, lambda: screen_name(app) == "ProfileFormScreen")


async def at_session_expired(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await at_family(pilot)
    expire_sessions(app._snapshot_portal.data_path)
    await pilot.press("r")
    await wait_until(pilot, lambda: screen_name(app) == "SessionPasswordScreen")


#: Screens in front of a call that waits for the person (the password, after the session
#: expired): its worker is not done, by design.
WAITING_FOR_A_PERSON = {"session_expired"}

SCREENS: dict[str, Steps] = {
    "login": at_login,
    "login_error": at_login_error,
    "activation": at_activation,
    "password_reset": at_reset,
    "family": at_family,
    "entourage": at_entourage,
    "contact_form_errors": at_contact_form,
    "confirm_remove": at_confirm,
    "dashboard": at_dashboard,
    "message": at_message,
    "coordinates": at_coordinates,
    "profile_form": at_profile_form,
    "help": at_help,
    "session_expired": at_session_expired,
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen(name: str, size: tuple[int, int], make_app: Any, portal: Any,
                snap_compare: Any) -> None:
    app = make_app()
    app._snapshot_portal = portal
    assert snap_compare(app, terminal_size=size, run_before=then_settled(
        SCREENS[name], workers=name not in WAITING_FOR_A_PERSON))


@pytest.mark.parametrize("size", SIZES)
def test_portal_choice(size: tuple[int, int], make_app: Any, snap_compare: Any) -> None:
    app = make_app(communes=("le-chambon-feugerolles", "chaponost"))
    assert snap_compare(app, terminal_size=size, run_before=then_settled(at_choice))


@pytest.mark.parametrize("size", SIZES)
def test_login_remembered(size: tuple[int, int], make_app: Any, portal: Any,
                          snap_compare: Any) -> None:
    backend = MemoryKeyring()
    store = CredentialStore(backend=backend)
    store.save(portal.base_url("le-chambon-feugerolles"), "martin", "demo-martin")
    assert snap_compare(make_app(store=store), terminal_size=size,
                        run_before=then_settled(at_login))


@pytest.mark.parametrize("size", SIZES)
def test_no_portal(size: tuple[int, int], snap_compare: Any) -> None:
    assert snap_compare(make_app_on(None), terminal_size=size, run_before=settled)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", ["login", "family", "contact_form_errors", "dashboard"])
def test_high_contrast(name: str, size: tuple[int, int], make_app: Any, portal: Any,
                       snap_compare: Any) -> None:
    app = make_app(theme="high-contrast")
    app._snapshot_portal = portal
    assert snap_compare(app, terminal_size=size, run_before=then_settled(
        SCREENS[name], workers=name not in WAITING_FOR_A_PERSON))
