"""Kiosk mode (`famille-tui --kiosk`) of the TUI, against the real embedded portal.

One family after another on the same app, as at the crèche's front desk: the welcome screen,
the idle warning and its countdown, « Terminer », nothing of a family left once its session
ended (every widget's text, the app's state, the portal's session, the objects in memory),
the keyring never touched, no way out but the staff code, and paying by QR code.

Time is the app's `clock`, a fake one the tests move forward: the idle time and the warning's
20 s and more are the real settings, and no test waits for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import heapq
import os
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, Static

from famille_tui.api import Family, Invoice, InvoiceFilter, InvoiceList
from famille_tui.client.credentials import CredentialStore
from famille_tui.client.errors import FamilleError
from famille_tui.client.kiosk import hash_staff_code
from famille_tui.client.payments import new_idempotency_key
from famille_tui.client.portal_client import PortalClient
from famille_tui.portal.launcher import PortalProcess
from famille_tui.tui.kiosk.app import KioskApp
from famille_tui.tui.kiosk.idle import IdleWarningScreen
from famille_tui.tui.kiosk.payment import KioskPaymentScreen
from famille_tui.tui.kiosk.staff import StaffCodeScreen, StaffMenuScreen
from famille_tui.tui.kiosk.welcome import WelcomeScreen
from famille_tui.tui.screens.login import LoginScreen
from famille_tui.tui.widgets.form import FormField
from famille_tui.tui.widgets.notice import Notice
from famille_tui.tui.widgets.qr import QRCode
from tests.support import CHAMBON
from tests.support.sandbox import pay_in_sandbox
from tests.support.tui import (
    field,
    make_app,
    settled,
    toasts_on_screen,
    type_into,
    wait_until,
)

STAFF_CODE = "guichet-2026"
STAFF_HASH = hash_staff_code(STAFF_CODE)


class FakeClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def checked(self, pilot: Pilot[Any]) -> None:
        """Until the kiosk has read the clock twice more (its idle check, every
        TICK_SECONDS, has run on the time now, and what it would show is shown): a wait on
        the check itself, not on a pause that a loaded machine may outlast."""
        reads = self.reads
        await wait_until(pilot, lambda: self.reads >= reads + 2, what="the idle check")


class ForbiddenKeyring(KeyringBackend):
    """A keyring backend that fails the test if anything calls it."""

    priority = 5.0

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.calls: list[str] = []

    def _touched(self, what: str) -> None:
        self.calls.append(what)
        pytest.fail(f"the keyring was touched in kiosk mode: {what}")

    def get_password(self, service: str, username: str) -> str | None:
        self._touched(f"get {service} {username}")
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self._touched(f"set {service} {username}")

    def delete_password(self, service: str, username: str) -> None:
        self._touched(f"delete {service} {username}")

    def get_credential(self, service: str, username: str | None) -> None:
        self._touched(f"credential {service}")


@pytest.fixture
def forbidden_keyring() -> Iterator[ForbiddenKeyring]:
    backend = ForbiddenKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
    assert backend.calls == []


def make_kiosk(portal: PortalProcess, *, communes: tuple[str, ...] = (CHAMBON,),
               staff_hash: str | None = STAFF_HASH, clock: FakeClock | None = None,
               keyring_backend: KeyringBackend | None = None,
               kiosk_browser: str | None = None) -> KioskApp:
    """The kiosk app (`make_app(kind="kiosk")`); even a store handed in is never used."""
    app = make_app(portal, kind="kiosk", communes=communes, staff_hash=staff_hash, clock=clock,
                   store=CredentialStore(backend=keyring_backend) if keyring_backend else None,
                   kiosk_browser=kiosk_browser)
    assert isinstance(app, KioskApp)
    return app


# -- helpers ----------------------------------------------------------------------------------


def is_welcome(app: KioskApp) -> bool:
    return isinstance(app.screen, WelcomeScreen)


async def at_welcome(pilot: Pilot[Any]) -> WelcomeScreen:
    app: KioskApp = pilot.app  # type: ignore[assignment]
    await wait_until(pilot, lambda: is_welcome(app) and "Tél." in str(
        app.screen.query_one("#welcome-contact", Static).content), what="welcome screen")
    screen = app.screen
    assert isinstance(screen, WelcomeScreen)
    return screen


async def kiosk_login(pilot: Pilot[Any], login: str = "martin",
                      password: str = "demo-martin") -> None:
    """From the welcome screen: « Se connecter », identifiant, mot de passe, Entrée."""
    app: KioskApp = pilot.app  # type: ignore[assignment]
    await at_welcome(pilot)
    assert app.focused is app.screen.query_one("#welcome-login", Button)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen), what="login screen")
    await type_into(pilot, "login", login)
    await type_into(pilot, "password", password)
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.logged_in and type(app.screen).__name__
                     == "FamilyScreen", what="family space")
    await wait_until(pilot, lambda: app.session is not None
                     and app.session.remaining_cents is not None, what="header total")


async def open_invoices(pilot: Pilot[Any]) -> Any:
    app: KioskApp = pilot.app  # type: ignore[assignment]
    await pilot.press("4")
    await wait_until(pilot, lambda: type(app.screen).__name__ == "InvoicesScreen"
                     and app.screen.invoices, what="invoices")  # type: ignore[attr-defined]
    return app.screen


def rendered_texts(app: KioskApp) -> str:
    """The text of every widget of every screen the app still holds, in every mode."""
    texts: list[str] = []
    # Every other mode is gone (`only_one_mode`): the current stack is all there is.
    for screen in app.screen_stack:
        for widget in [screen, *screen.walk_children(Widget, with_self=False)]:
            with contextlib.suppress(Exception):  # one that cannot render outside a layout
                texts.append(str(widget.render()))
            for attribute in ("content", "value", "label", "placeholder", "tooltip",
                              "border_title"):
                value = getattr(widget, attribute, None)
                if value:
                    texts.append(str(value))
    texts += toasts_on_screen(app)
    texts.append(app.clipboard)
    return "\n".join(texts)


def footer_keys_of(screen: Any) -> list[str]:
    return [key.key for key in screen.query("FooterKey")]


def only_one_mode(app: KioskApp) -> bool:
    """No mode is left but the current one (the family space's and the login's are gone)."""
    from textual.app import UnknownModeError

    from famille_tui.tui.app import LOGIN_MODE, SECTIONS

    for mode in [LOGIN_MODE, *(s.name for s in SECTIONS)]:
        try:
            app.switch_mode(mode)
        except UnknownModeError:
            continue
        return False
    return True


def family_models() -> list[Any]:
    return [o for o in gc.get_objects() if isinstance(o, Family | Invoice | InvoiceList)]


async def idle_out(pilot: Pilot[Any], clock: FakeClock) -> IdleWarningScreen:
    """Nobody touches anything for the idle time: the warning."""
    app: KioskApp = pilot.app  # type: ignore[assignment]
    clock.advance(app.policy.idle_seconds + 1)
    await wait_until(pilot, lambda: isinstance(app.screen, IdleWarningScreen),
                     what="idle warning")
    screen = app.screen
    assert isinstance(screen, IdleWarningScreen)
    return screen


# -- the welcome screen -----------------------------------------------------------------------


async def test_welcome_shows_the_structure_contact_and_three_ways_in(
    portal: PortalProcess, forbidden_keyring: ForbiddenKeyring
) -> None:
    async with PortalClient(portal.base_url(CHAMBON)) as client:
        contact = await client.help()
    app = make_kiosk(portal)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await at_welcome(pilot)
        text = rendered_texts(app)
        for expected in (contact.structure, contact.address, contact.phone, contact.email):
            assert expected in text
        labels = [str(b.label) for b in screen.query(Button)]
        assert labels == ["Se connecter", "Première connexion", "Mot de passe oublié"]
        assert app.session is None or not app.session.logged_in
        # « Première connexion » and « Mot de passe oublié » lead to their screens.
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ActivationScreen")
        await pilot.press("escape")
        await wait_until(pilot, lambda: is_welcome(app))
        assert app.focused is screen.query_one("#welcome-activation")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "PasswordResetScreen")


async def test_login_shows_no_remembered_logins_and_never_touches_the_keyring(
    portal: PortalProcess, forbidden_keyring: ForbiddenKeyring
) -> None:
    app = make_kiosk(portal, keyring_backend=forbidden_keyring)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_welcome(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen))
        login = app.screen
        assert not login.query("#remember"), "no « Se souvenir de moi » on a kiosk"
        assert not login.query(".remembered-login")
        assert field(app, "login").value == ""
        await pilot.press("f2")  # « Accueil »: what was typed goes
        await wait_until(pilot, lambda: is_welcome(app))
        await kiosk_login(pilot)
        await pilot.press("f2")
        await at_welcome(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert field(app, "login").value == "", "no previous family's identifiant"
    assert forbidden_keyring.calls == []


# -- idle logout ------------------------------------------------------------------------------


async def test_idle_warning_counts_down_and_continue_keeps_the_session(
    portal: PortalProcess, forbidden_keyring: ForbiddenKeyring
) -> None:
    clock = FakeClock()
    app = make_kiosk(portal, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await kiosk_login(pilot)
        clock.advance(app.policy.idle_seconds - 5)
        await clock.checked(pilot)
        assert not isinstance(app.screen, IdleWarningScreen), "not before the idle time"
        warning = await idle_out(pilot, clock)
        seconds = app.policy.warning_seconds
        assert seconds >= 20
        countdown = warning.query_one("#idle-countdown", Static)
        assert str(countdown.content) == (
            f"Inactivité : la session sera fermée dans {seconds} secondes.")
        clock.advance(seconds - 3)
        await wait_until(pilot, lambda: "dans 3 secondes" in str(countdown.content),
                         what="countdown")
        await pilot.press("enter")  # « Continuer », one key
        await wait_until(pilot, lambda: not isinstance(app.screen, IdleWarningScreen))
        clock.advance(10)
        await clock.checked(pilot)
        assert app.logged_in and type(app.screen).__name__ == "FamilyScreen"
        assert app.session is not None and app.session.family is not None
        assert app.session.family.name == "Famille Martin"
        # Any other key answers too, and the idle time starts again from it.
        await idle_out(pilot, clock)
        await pilot.press("x")
        await wait_until(pilot, lambda: not isinstance(app.screen, IdleWarningScreen))
        assert app.logged_in


async def test_no_answer_logs_out_and_leaves_nothing_of_the_family(
    portal: PortalProcess, forbidden_keyring: ForbiddenKeyring
) -> None:
    clock = FakeClock()
    app = make_kiosk(portal, clock=clock)
    gc.collect()
    before = {id(o) for o in family_models()}  # what earlier tests may have left
    async with app.run_test(size=(100, 30)) as pilot:
        await kiosk_login(pilot)
        screen = await open_invoices(pilot)
        numbers = [i.number for i in screen.invoices]
        del screen
        session = app.session
        assert session is not None
        client: Any = session.connector
        token = client._token
        assert token and numbers
        account = client.account
        assert account is not None
        secrets = ["Martin", "martin", token, account.email or "@", *numbers]
        assert "Famille Martin" in rendered_texts(app)

        await idle_out(pilot, clock)
        clock.advance(app.policy.warning_seconds)
        await at_welcome(pilot)
        await wait_until(pilot, partial(lambda c: not c.logged_in, client), what="logged out")
        notice = str(app.screen.query_one(Notice).content)
        assert "inactivité" in notice

        # Nothing of the family in any widget of any screen, in any mode, nor in the app.
        text = rendered_texts(app)
        for secret in secrets:
            assert secret not in text, secret
        assert session.closed and session.family is None and session.remaining_cents is None
        assert session.active_payments() == []
        assert app.session is not None and app.session is not session
        assert app.session.family is None and app.session.family_name == ""
        assert app.session.remaining_cents is None and app.session.login_name == ""
        assert not app.session.logged_in and app.session.account is None
        assert only_one_mode(app)
        assert len(app.screen_stack) == 1
        # The session is closed on the portal, not only forgotten here.
        async with PortalClient(portal.base_url(CHAMBON)) as raw:
            raw._token = token
            with pytest.raises(FamilleError):
                await raw.family()
        # No model of the family is still alive anywhere in the process. Two things may hold
        # one for a moment after the session ends, and both let go by themselves: asyncio
        # keeps cancelled timer handles in its heap until their time would have come (the
        # network timeouts made inside the family's workers carry those workers' context),
        # and callbacks queued for the next frame go with that frame. So: drop the cancelled
        # handles as asyncio would, let frames pass, and look again for a bounded time.
        del client, account, session
        loop: Any = asyncio.get_running_loop()
        leftovers: list[str] = []
        deadline = time.monotonic() + 10.0
        while True:
            loop._scheduled = [h for h in loop._scheduled if not h.cancelled()]
            heapq.heapify(loop._scheduled)
            loop._timer_cancelled_count = 0
            gc.collect()
            leftovers = [type(o).__name__ for o in family_models() if id(o) not in before]
            if not leftovers or time.monotonic() > deadline:
                break
            await pilot.pause(0.2)
        assert leftovers == []


async def test_terminer_ends_at_once_and_the_next_family_sees_nothing(
    portal: PortalProcess, forbidden_keyring: ForbiddenKeyring
) -> None:
    app = make_kiosk(portal)
    async with app.run_test(size=(80, 24)) as pilot:
        await kiosk_login(pilot, "martin", "demo-martin")
        await open_invoices(pilot)
        footer_keys = footer_keys_of(app.screen)
        assert "f2" in footer_keys, "« Terminer » is in the footer"
        assert app.session is not None
        martin_client = app.session.connector
        await pilot.press("f2")
        await at_welcome(pilot)
        await wait_until(pilot, lambda: not martin_client.logged_in)
        assert "Session terminée" in str(app.screen.query_one(Notice).content)
        assert "Martin" not in rendered_texts(app)

        await kiosk_login(pilot, "durand", "demo-durand")
        await open_invoices(pilot)
        assert app.session is not None and app.session.family is not None
        assert app.session.family.name == "Famille Durand"
        text = rendered_texts(app)
        assert "Martin" not in text and "martin" not in text


# -- no way out -------------------------------------------------------------------------------


async def test_no_key_ends_or_leaves_the_kiosk(
    portal: PortalProcess, forbidden_keyring: ForbiddenKeyring
) -> None:
    app = make_kiosk(portal)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_welcome(pilot)
        for key in ("ctrl+c", "ctrl+q", "ctrl+z", "ctrl+p", "q", "ctrl+backslash"):
            await pilot.press(key)
            await pilot.pause(0.1)
            assert app.is_running, key
            assert not isinstance(app.screen, CommandPalette), key
        await kiosk_login(pilot)
        for key in ("q", "ctrl+q", "ctrl+c", "ctrl+z", "ctrl+p"):
            await pilot.press(key)
            await pilot.pause(0.1)
            assert app.is_running, key
            assert not isinstance(app.screen, CommandPalette), key
        assert app.logged_in
        await app.action_quit()  # every « Quitter » of the screens ends here
        await pilot.pause(0.1)
        assert app.is_running and app.return_code is None
        assert not app.use_command_palette
        assert not any(c.title.startswith("Quitter")
                       for c in app.get_system_commands(app.screen))


async def test_the_staff_code_opens_the_menu_that_quits(
    portal: PortalProcess, forbidden_keyring: ForbiddenKeyring
) -> None:
    app = make_kiosk(portal)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_welcome(pilot)
        await pilot.press("f12")
        await wait_until(pilot, lambda: isinstance(app.screen, StaffCodeScreen))
        await type_into(pilot, "staff_code", STAFF_CODE)
        assert STAFF_CODE not in rendered_texts(app).replace(
            field(app, "staff_code").value, "")  # masked on screen
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StaffMenuScreen))
        await pilot.click("#staff-quit")
        await wait_until(pilot, lambda: not app.is_running, what="quit")
    assert app.return_code == 0


async def test_a_wrong_staff_code_is_refused_and_rate_limited(
    portal: PortalProcess, forbidden_keyring: ForbiddenKeyring
) -> None:
    clock = FakeClock()
    app = make_kiosk(portal, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_welcome(pilot)
        await pilot.press("f12")
        await wait_until(pilot, lambda: isinstance(app.screen, StaffCodeScreen))
        dialog = app.screen

        def said() -> str:
            return str(dialog.query_one(Notice).content)

        async def submit(code: str) -> None:
            before = app.staff_gate.failures, app.staff_gate.locked_until
            await type_into(pilot, "staff_code", code)
            await pilot.press("enter")
            await wait_until(pilot, lambda: (app.staff_gate.failures,
                                             app.staff_gate.locked_until) != before
                             or not isinstance(app.screen, StaffCodeScreen)
                             or "Trop d'essais" in said(), what="answer")
            await pilot.pause(0.05)

        await submit("pas-le-bon")
        assert said() == "✗ Code refusé."
        await submit("toujours-pas")
        await submit("encore-faux")
        assert "Trop d'essais : réessayez dans 30 secondes." in said()
        # Even the right code is refused while the pause lasts.
        await type_into(pilot, "staff_code", STAFF_CODE)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "réessayez dans 30 secondes" in said()
                         and app.staff_gate.failures == 3)
        assert isinstance(app.screen, StaffCodeScreen)
        # The pause grows with each further wrong code.
        clock.advance(31)
        await submit("quatrieme-faux")
        assert "réessayez dans 60 secondes" in said()
        clock.advance(61)
        await type_into(pilot, "staff_code", STAFF_CODE)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StaffMenuScreen))
        assert app.is_running


async def test_the_staff_menu_changes_the_commune(
    portal: PortalProcess, forbidden_keyring: ForbiddenKeyring
) -> None:
    app = make_kiosk(portal, communes=(CHAMBON, "chaponost"))
    async with app.run_test(size=(80, 30)) as pilot:
        await at_welcome(pilot)
        assert app.commune_name == "Le Chambon-Feugerolles"
        await pilot.press("f12")
        await wait_until(pilot, lambda: isinstance(app.screen, StaffCodeScreen))
        await type_into(pilot, "staff_code", STAFF_CODE)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StaffMenuScreen))
        app.screen.query_one("#staff-communes").focus()
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: is_welcome(app) and app.commune_name == "Chaponost")
        await at_welcome(pilot)
        assert "Chaponost" in rendered_texts(app)
        assert app.session is not None
        assert app.session.base_url == portal.base_url("chaponost")


# -- paying by QR code ------------------------------------------------------------------------


async def start_kiosk_payment(app: KioskApp, number: str) -> KioskPaymentScreen:
    """Create a payment of one of martin's invoices and show it as the kiosk does."""
    session = app.session
    assert session is not None
    invoices = (await session.invoices(InvoiceFilter.UNPAID)).invoices
    invoice = next(i for i in invoices if i.number == number)
    page = await session.start_payment([invoice], "claire.martin@exemple.fr",
                                       idempotency_key=new_idempotency_key())
    session.follow_in_background(page.payment.id)
    watched = session.followed(page.payment.id)
    assert watched is not None
    screen = KioskPaymentScreen(watched)
    await app.push_screen(screen)
    return screen


async def test_pay_from_the_phone_then_reglee_on_the_kiosk(
    portal: PortalProcess, forbidden_keyring: ForbiddenKeyring, browser_log: Path
) -> None:
    clock = FakeClock()
    app = make_kiosk(portal, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await kiosk_login(pilot)
        # « Mes factures », the invoice under the cursor, « p », « Payer par carte bancaire ».
        invoices = await open_invoices(pilot)
        target = next(i for i in invoices.shown_invoices() if i.number == "2026100042")
        invoices.query_one("#invoice-table").move_cursor(
            row=invoices.shown_invoices().index(target))
        await pilot.press("p")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "PaymentSummaryScreen")
        summary = app.screen
        await wait_until(pilot, lambda: summary.query_one(FormField).value, what="e-mail")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, KioskPaymentScreen),
                         what="the QR code screen")
        screen = app.screen
        assert isinstance(screen, KioskPaymentScreen)
        await pilot.pause(0.2)
        url = screen.watched.qr_url
        assert url
        qr = screen.query_one("#kpay-qr", QRCode)
        assert qr.data == url
        assert url in str(screen.query_one("#kpay-url", Static).content)
        # The QR code comes first (on the left), its address under it; no « Ouvrir ici »:
        # the staff named no browser for this desk, and none is opened.
        text, address = screen.query_one("#kpay-text"), screen.query_one("#kpay-url")
        await wait_until(pilot, lambda: qr.region.x < text.region.x
                         and qr.region.bottom <= address.region.y, what="QR code first")
        assert "o" not in footer_keys_of(screen) and "f2" in footer_keys_of(screen)
        assert str(screen.query_one("#kpay-here", Static).content) == ""
        await pilot.press("o")
        await pilot.pause(0.3)
        assert not browser_log.exists()
        # A pending payment does not switch the idle logout off (issue 13): the warning
        # comes, and a parent still there answers it with a key.
        warning = await idle_out(pilot, clock)
        assert isinstance(warning, IdleWarningScreen)
        await pilot.press("x")
        await wait_until(pilot, lambda: app.screen is screen, what="back on the QR code")
        await asyncio.to_thread(pay_in_sandbox, url)  # the phone follows the QR code
        await wait_until(pilot, lambda: "Réglée" in str(
            screen.query_one("#kpay-title", Static).content), timeout=20, what="Réglée")
        # The code goes with the outcome (its removal completes on the next messages).
        await wait_until(pilot, lambda: not screen.query("#kpay-qr"), what="QR code removed")
        # Once paid, the idle time counts again.
        await idle_out(pilot, clock)


async def test_open_here_only_with_the_staffs_browser_closed_at_the_end(
    portal: PortalProcess, forbidden_keyring: ForbiddenKeyring, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """« Ouvrir ici » exists only when the staff named a graphical browser (`kiosk_browser`);
    it outlives nothing: « Terminer » closes it (issue 13, findings 1 and 7)."""
    log, pid_file = tmp_path / "opened.txt", tmp_path / "browser.pid"
    browser = tmp_path / "desk-browser.sh"
    # A browser that stays open (in the foreground, as a kiosk's must), as a real one does.
    browser.write_text(f'#!/bin/sh\necho $$ > "{pid_file}"\nprintf "%s\\n" "$1" >> "{log}"\n'
                       "exec sleep 300\n", encoding="utf-8")
    browser.chmod(0o755)
    monkeypatch.setenv("DISPLAY", ":0")  # the desk's own screen (the stand-in draws nothing)
    app = make_kiosk(portal, kiosk_browser=str(browser))
    async with app.run_test(size=(80, 24)) as pilot:
        await kiosk_login(pilot)
        screen = await start_kiosk_payment(app, "2026100042")
        await wait_until(pilot, lambda: "o" in footer_keys_of(screen), what="« Ouvrir ici »")
        await pilot.press("o")
        await wait_until(pilot, lambda: log.exists(), what="browser")
        assert log.read_text(encoding="utf-8").split() == [screen.watched.payment_url]
        await wait_until(pilot, lambda: "ouverte sur cet écran" in str(
            screen.query_one("#kpay-here", Static).content))
        pid = int(pid_file.read_text(encoding="utf-8"))
        assert process_alive(pid)
        await pilot.press("f2")
        await at_welcome(pilot)
        await wait_until(pilot, lambda: not process_alive(pid), what="browser closed")


def process_alive(pid: int) -> bool:
    """Running (not a zombie waiting for its parent)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


async def test_a_text_browser_is_never_the_desks_browser(
    portal: PortalProcess, forbidden_keyring: ForbiddenKeyring, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even named by the staff, a console browser (w3m: its « ! » is a shell) is not run."""
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    log = tmp_path / "w3m-ran"
    fake = tmp_path / "w3m"
    fake.write_text(f'#!/bin/sh\ntouch "{log}"\n', encoding="utf-8")
    fake.chmod(0o755)
    app = make_kiosk(portal, kiosk_browser="w3m")
    async with app.run_test(size=(80, 24)) as pilot:
        await kiosk_login(pilot)
        screen = await start_kiosk_payment(app, "2026100042")
        await pilot.press("o")
        await wait_until(pilot, lambda: "ne s'est pas ouvert" in str(
            screen.query_one("#kpay-here", Static).content), what="refused")
        assert not log.exists()


async def test_idle_with_a_pending_payment_hands_it_over(
    portal: PortalProcess, forbidden_keyring: ForbiddenKeyring
) -> None:
    """The parent scanned the code and walked away: the session ends after the idle time
    and its warning, not when the payment expires 15 minutes later (finding 4)."""
    clock = FakeClock()
    app = make_kiosk(portal, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await kiosk_login(pilot)
        await start_kiosk_payment(app, "2026100042")
        assert app.session is not None
        journal = app.session.journal
        await idle_out(pilot, clock)
        clock.advance(app.policy.warning_seconds)
        await at_welcome(pilot)
        notice = str(app.screen.query_one(Notice).content)
        assert "inactivité" in notice and "encore en attente" in notice
        assert journal.entries() == []
        assert not app.logged_in
        # Esc or ctrl+c now open nothing of the family.
        await pilot.press("escape", "ctrl+c")
        await pilot.pause(0.2)
        assert is_welcome(app) and "2026100042" not in rendered_texts(app)


async def test_a_pending_payment_is_handed_over_at_the_end(
    portal: PortalProcess, forbidden_keyring: ForbiddenKeyring
) -> None:
    app = make_kiosk(portal)
    async with app.run_test(size=(80, 24)) as pilot:
        await kiosk_login(pilot)
        screen = await start_kiosk_payment(app, "2026100042")
        assert app.session is not None
        journal = app.session.journal
        assert journal.entries()
        del screen
        await pilot.press("f2")
        await at_welcome(pilot)
        notice = str(app.screen.query_one(Notice).content)
        assert "encore en attente" in notice and "depuis chez vous" in notice
        assert "2026100042" not in rendered_texts(app)
        assert journal.entries() == []
        assert app.session is not None and journal is not app.session.journal
        assert app.session.journal.entries() == []


async def test_a_long_payment_address_is_folded_whole_at_80_columns(
    portal: PortalProcess, forbidden_keyring: ForbiddenKeyring
) -> None:
    """At a desk serving Le Chambon's Espace Citoyens (no short link: the TIPI address is
    ≈ 300 characters), the address under the QR code is folded onto lines, all of it on
    the screen, not cut at the 80th column."""
    from famille_tui.client.config import PortalProfile

    chambon = PortalProfile(name="Le Chambon-Feugerolles", dialect="espace-citoyens",
                            url=f"{portal.origin}/lechambonfeugerolles/espace-citoyens/")
    app = make_app(portal, kind="kiosk", portals=[chambon], staff_hash=STAFF_HASH)
    async with app.run_test(size=(80, 24)) as pilot:
        # Espace Citoyens gives no contact for the welcome: « Se connecter » at once.
        await wait_until(pilot, lambda: is_welcome(app), what="welcome screen")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen), what="login")
        await type_into(pilot, "login", "martin")
        await type_into(pilot, "password", "demo-martin")
        await pilot.press("enter")
        invoices = await open_invoices(pilot)
        target = next(i for i in invoices.shown_invoices() if i.number == "2026100042")
        invoices.query_one("#invoice-table").move_cursor(
            row=invoices.shown_invoices().index(target))
        await pilot.press("p")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "PaymentSummaryScreen")
        summary = app.screen
        await wait_until(pilot, lambda: summary.query_one(FormField).value, what="e-mail")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, KioskPaymentScreen),
                         what="the QR code screen")
        screen = app.screen
        assert isinstance(screen, KioskPaymentScreen)
        await wait_until(pilot, lambda: screen.watched.qr_url, what="the address")
        url = screen.watched.qr_url
        assert url and len(url) > 160
        address = screen.query_one("#kpay-url", Static)
        await settled(pilot)
        assert address.region.right <= 80
        drawn = "".join("".join(address.render_line(y).text.split())
                        for y in range(address.size.height))
        assert drawn == "Adresse:" + url, drawn
