"""Make `screenshots/*.svg`: every screen of the TUI, drawn by the app itself.

    .venv/bin/python scripts/screenshots.py [--size 80x24] [--out screenshots]

Runs a throwaway embedded portal (demo data, in a temporary directory), drives the app with
keys as a person would, and saves an SVG at each screen (`App.save_screenshot`): logging in,
the family space, paying (« Mes factures », the summary, the waiting screen and its QR code,
« Réglée », « Paiement refusé »), the kiosk (welcome, idle warning, QR code payment), and
Le Chambon-Feugerolles through Espace Citoyens (invoices, the waiting screen with the values
to retype).
Payments are finished in the PayFiP stand-in beside the portal by `tests/support/sandbox.py`'s
`pay_in_sandbox`, the tests' browser stand-in; the app's « system browser » is a script that
only writes the address down, so no real browser ever opens.

What would change from run to run is made steady before each picture, as the snapshot tests
do: « today » is fixed, the kiosk's clock is a fake one, and on the payment screens the page's
address (random port, payment reference and id), the elapsed time and the bank's
authorisation number are replaced by fixed ones. The pictures only change when the app does.
Nothing of the user's configuration, keyring or state directory is touched.

Where the real Noethysweb is found (`../shared/peers/noethysweb/`, as for the tests), it is
started too for its login screen with the captcha drawn (the code's picture one the peer drew
once, so that it stays the same); without it that picture is left as it is, and said.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import re
import sqlite3
import stat
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from famille_tui.client.config import LaunchOptions, PortalProfile, Settings  # noqa: E402
from famille_tui.client.credentials import CredentialStore  # noqa: E402
from famille_tui.client.kiosk import hash_staff_code  # noqa: E402
from famille_tui.client.session import FollowedPayment  # noqa: E402
from famille_tui.portal.launcher import PortalProcess, start_portal  # noqa: E402
from famille_tui.tui.app import FamilleApp  # noqa: E402
from famille_tui.tui.kiosk.app import KioskApp  # noqa: E402
from famille_tui.tui.kiosk.payment import KioskPaymentScreen  # noqa: E402
from famille_tui.tui.screens.invoices import InvoicesScreen  # noqa: E402
from famille_tui.tui.screens.payment_wait import PaymentWaitScreen  # noqa: E402
from famille_tui.tui.widgets.form import FormField  # noqa: E402
from tests.support.keyring import MemoryKeyring  # noqa: E402
from tests.support.sandbox import REFUSED_CARD, pay_in_sandbox  # noqa: E402

TODAY = date(2026, 11, 16)
CHAMBON = ("Le Chambon-Feugerolles", "le-chambon-feugerolles")
CHAPONOST = ("Chaponost", "chaponost")
#: martin's unpaid invoices at Le Chambon-Feugerolles (demo data): 312,40 € overdue,
#: 45,00 € left of the music school's 90,00 €, and November's 296,80 €.
OVERDUE, MUSIC, NOVEMBER = "2026100042", "2026100043", "2026110058"
#: What replaces the random parts of a payment on screen (see `steady_payment`).
STEADY_ORIGIN = "http://127.0.0.1:8765"
STEADY_PAYFIP = "http://127.0.0.1:8766"
STEADY_IDOP = "0f353502-df3e-4593-9a0e-0f28989554fc"
STEADY_REFERENCE = "PF0123456789ABCD"
STEADY_PAYMENT_ID = "pay_0123456789abcdefghijKL"
STEADY_AUTHORIZATION = "123456"
#: The kiosk's staff code (only its hash is in the settings; the pictures never show it).
STAFF_HASH = hash_staff_code("guichet-2026")


class Tour:
    """One run of the app, saving a picture whenever `shot(name)` is called."""

    def __init__(self, app: FamilleApp, pilot: Any, out: Path) -> None:
        self.app = app
        self.pilot = pilot
        self.out = out

    async def until(self, condition: Callable[[], object], timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if condition():
                    return
            except Exception:  # not mounted yet
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app did not reach the expected state ({condition}); "
                                   f"on {type(self.app.screen).__name__}")
            await self.pilot.pause(0.05)

    async def on(self, screen: str) -> None:
        await self.until(lambda: type(self.app.screen).__name__ == screen)
        await self.pilot.pause(0.3)

    async def type(self, field: str, text: str) -> None:
        """Empty the field, then type `text` key by key."""
        target = self.app.screen.query_one(f"#field-{field}", FormField)
        target.input.focus()
        target.value = ""
        await self.pilot.pause()
        await self.pilot.press(*text)

    def footer_is_current(self) -> bool:
        """Whether the footer shows the keys the screen has now (it is rebuilt a refresh or
        two after focus moves or a key is enabled)."""
        screen = self.app.screen
        keys = [k for k in screen.query("FooterKey") if not k.has_class("-command-palette")]
        if not keys:
            return True  # a dialog: the footer is the screen's under it
        palette = self.app.COMMAND_PALETTE_BINDING
        wanted = {(binding.action, enabled)
                  for key, (_, binding, enabled, _) in screen.active_bindings.items()
                  if binding.show and key != palette}
        return {(k.action, not k.disabled) for k in keys} == wanted

    async def shot(self, name: str) -> None:
        """Save the screen as `{name}.svg`, once the footer has caught up with the keys.

        A footer that never catches up is the app's bug, not the script's: it is said on
        stderr and the picture shows it, as a person would see it."""
        await self.pilot.pause(0.3)
        try:
            await self.until(self.footer_is_current, timeout=3.0)
        except RuntimeError:
            screen = self.app.screen
            shown = sorted(k.key for k in screen.query("FooterKey"))
            wanted = sorted(key for key, (_, b, _, _) in screen.active_bindings.items() if b.show)
            print(f"  ! {name}: the footer shows {shown}, the screen has {wanted}",
                  file=sys.stderr)
        self.app.save_screenshot(f"{name}.svg", str(self.out))
        print(f"  {self.out / (name + '.svg')}")

    async def open_invoices(self) -> InvoicesScreen:
        """« 4 »: « Mes factures », once its list has come."""
        await self.pilot.press("4")
        await self.until(lambda: isinstance(self.app.screen, InvoicesScreen)
                         and self.app.screen.invoices)
        screen = self.app.screen
        assert isinstance(screen, InvoicesScreen)
        await self.pilot.pause(0.3)
        return screen

    async def tick(self, screen: InvoicesScreen, *numbers: str) -> None:
        """Move the cursor onto each invoice (arrow keys) and press Space, as a parent does."""
        table = screen.query_one("#invoice-table")
        for number in numbers:
            target = [i.number for i in screen.shown_invoices()].index(number)
            table.move_cursor(row=0)  # type: ignore[attr-defined]
            await self.pilot.press(*(["down"] * target), "space")
        await self.pilot.pause()

    async def summary(self) -> None:
        """« p »: the payment summary, once the account's e-mail is filled in."""
        await self.pilot.press("p")
        await self.on("PaymentSummaryScreen")
        await self.until(lambda: "@" in self.app.screen.query_one(FormField).value)
        await self.pilot.pause(0.2)


# -- steady payments ------------------------------------------------------------------------


def steady_url(url: str, origin: str) -> str:
    """The payment page's address without what changes from run to run: the PayFiP
    stand-in's port and the idOp (and, for an older TIPI address, the portal's port, the
    reference and the financial year)."""
    url = re.sub(r"^http://127\.0\.0\.1:\d+/tpa/", STEADY_PAYFIP + "/tpa/", url)
    url = re.sub(r"(?<=[?&]idop=)[0-9a-f-]+", STEADY_IDOP, url)
    # The origin is in the address twice: as is, and quoted in `urlcl` (the notification).
    url = url.replace(origin, STEADY_ORIGIN)
    url = url.replace(quote(origin, safe=""), quote(STEADY_ORIGIN, safe=""))
    url = re.sub(r"(?<=[?&]refdet=)[^&]+", STEADY_REFERENCE, url)
    # The Espace Citoyens replica's per-payment secret in `urlcl`.
    url = re.sub(r"(?<=Notification%2F)[A-Za-z0-9_-]+", "secret-de-ce-paiement", url)
    return re.sub(r"(?<=[?&]exer=)[^&]+", str(TODAY.year), url)


def steady_payment(watched: FollowedPayment, origin: str) -> None:
    """Make the followed payment's random parts fixed (before its screen is redrawn)."""
    watched.started = 1000.0  # the screens' clock is set to 1083: « 1 min 23 s »
    url = steady_url(watched.payment_url, origin) if watched.payment_url else None
    short = f"{STEADY_ORIGIN}/p/{STEADY_PAYMENT_ID}" if watched.short_url else None
    if watched.page is not None:
        # What the page asks to retype (Espace Citoyens) is kept: it is steady already.
        watched.page = dataclasses.replace(watched.page, url=url, short_url=short)
    if watched.payment is not None:
        update: dict[str, Any] = {"reference": STEADY_REFERENCE}
        if url:
            update["payment_url"] = url
        if short:
            update["short_url"] = short
        if watched.payment.authorization_number:
            update["authorization_number"] = STEADY_AUTHORIZATION
        watched.payment = watched.payment.model_copy(update=update)


def steady_clocks() -> None:
    """The payment screens' elapsed time is read from a fixed clock (83 s after the start)."""
    PaymentWaitScreen.now = staticmethod(lambda: 1083.0)
    KioskPaymentScreen.now = staticmethod(lambda: 1083.0)


class EspaceCitoyensAddresses:
    """The demo communes at the Espace Citoyens replica (what `make demo` configures for
    Le Chambon-Feugerolles)."""

    def __init__(self, portal: PortalProcess) -> None:
        self.origin = portal.origin

    def base_url(self, commune: str) -> str:
        slug = {"le-chambon-feugerolles": "lechambonfeugerolles"}.get(commune, commune)
        return f"{self.origin}/{slug}/espace-citoyens/"


class FakeClock:
    """The kiosk's monotonic clock: it moves only when the script says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def notebook_browser(directory: Path) -> Path:
    """A « system browser » (`BROWSER`) that writes each address down and opens nothing."""
    log = directory / "browser-opened.txt"
    script = directory / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{log}"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    os.environ["BROWSER"] = str(script)
    return log


def make_app(portal: Any, communes: list[tuple[str, str]], store: CredentialStore,
             theme: str = "default") -> FamilleApp:
    settings = Settings(
        portals=[PortalProfile(name=name, url=portal.base_url(slug)) for name, slug in communes],
        theme=theme,  # type: ignore[arg-type]
        animations=False,
    )
    return FamilleApp(LaunchOptions(settings=settings, demo=True), credential_store=store,
                      today=lambda: TODAY)


def make_kiosk(portal: Any, clock: FakeClock) -> KioskApp:
    """The kiosk app (`--kiosk`) on Le Chambon-Feugerolles, its idle time read from `clock`."""
    settings = Settings(
        portals=[PortalProfile(name=CHAMBON[0], url=portal.base_url(CHAMBON[1]))],
        animations=False,
        kiosk=True,
        kiosk_staff_code_hash=STAFF_HASH,
    )
    app = KioskApp(LaunchOptions(settings=settings, demo=True, kiosk=True),
                   today=lambda: TODAY)
    app.clock = clock
    return app


async def run(app: FamilleApp, size: tuple[int, int], out: Path,
              steps: Callable[[Tour], Awaitable[None]]) -> None:
    async with app.run_test(size=size) as pilot:
        await steps(Tour(app, pilot, out))
        await pilot.press("ctrl+q")


async def tour_start(t: Tour) -> None:
    await t.on("PortalChoiceScreen")
    await t.shot("01-choix-commune")
    await t.pilot.press("enter")
    await t.on("LoginScreen")
    await t.shot("02-connexion")
    await t.type("login", "bernard")
    await t.pilot.press("ctrl+n")
    await t.on("ActivationScreen")
    await t.until(lambda: "chargement" not in str(t.app.screen.query_one("#password-rules")
                                                  .render()))
    await t.type("temporary_password", "provisoire")
    await t.type("new_password", "Mon-secret-2026")
    await t.type("confirm_password", "Mon-secret-2027")
    await t.shot("03-premiere-connexion")
    await t.pilot.press("escape")
    await t.on("LoginScreen")
    await t.type("login", "martin")
    await t.pilot.press("ctrl+r")
    await t.on("PasswordResetScreen")
    await t.pilot.press("enter")
    await t.until(lambda: not t.app.screen.query_one("#step-confirm").has_class("hidden"))
    await t.until(lambda: "chargement" not in str(t.app.screen.query_one("#password-rules")
                                                  .render()))
    # Focusing the code field scrolls the page by an amount that depends on when the new
    # step was laid out: scroll to the end (the code field and the « code envoyé » notice)
    # so that the picture is the same every run.
    await t.pilot.pause(0.2)
    t.app.screen.query_one(".page").scroll_end(animate=False)
    await t.shot("04-mot-de-passe-oublie")
    await t.pilot.press("escape")
    await t.on("LoginScreen")
    await t.type("password", "demo-martin")
    t.app.screen.query_one("#remember").focus()
    await t.pilot.pause()
    await t.pilot.press("space")
    await t.shot("05-connexion-remplie")
    await t.type("password", "demo-martin")
    await t.pilot.press("enter")
    await t.until(lambda: t.app.logged_in and t.app.session is not None
                  and t.app.session.remaining_cents is not None)
    await t.on("FamilyScreen")
    await t.shot("06-famille")
    await t.pilot.press("2")
    await t.on("EntourageScreen")
    await t.shot("07-entourage")
    await t.pilot.press("a")
    await t.on("ContactFormScreen")
    await t.type("first_name", "Lucienne")
    await t.type("phones-0", "12 34")
    await t.pilot.press("ctrl+s")
    await t.shot("08-entourage-ajout-erreurs")
    await t.pilot.press("escape")
    await t.on("EntourageScreen")
    await t.pilot.press("d")
    await t.on("ConfirmScreen")
    await t.shot("09-entourage-retrait")
    await t.pilot.press("n")
    await t.pilot.press("3")
    await t.on("DashboardScreen")
    await t.shot("10-tableau-de-bord")
    t.app.screen.query_one("#messages-table").focus()
    await t.pilot.press("enter")
    await t.on("MessageScreen")
    await t.shot("11-message")
    await t.pilot.press("escape")
    await t.pilot.press("5")
    await t.on("CoordinatesScreen")
    await t.shot("12-coordonnees")
    await t.pilot.press("e")
    await t.on("ProfileFormScreen")
    await t.shot("13-coordonnees-modifier")
    await t.pilot.press("escape")
    await t.pilot.press("6")
    await t.on("HelpScreen")
    await t.until(lambda: "04" in str(t.app.screen.query_one("#help-contact").render()))
    await t.shot("14-aide")


async def tour_expired(t: Tour, portal: PortalProcess) -> None:
    await t.on("LoginScreen")
    await t.shot("15-connexion-retenue")
    await t.pilot.press("enter")
    await t.until(lambda: t.app.logged_in)
    await t.on("FamilyScreen")
    # A day without use. The portal also remembers the last use in memory (it writes it to
    # the database only now and then): restart it, on the same data and port, so that it
    # goes by the row.
    with sqlite3.connect(portal.data_path) as conn:
        conn.execute("UPDATE sessions SET last_used_at = last_used_at - 86400")
    await asyncio.to_thread(portal.restart)
    await t.pilot.press("r")
    await t.on("SessionPasswordScreen")
    await t.shot("16-session-expiree")


async def tour_contrast(t: Tour) -> None:
    await t.on("LoginScreen")
    await t.shot("17-contraste-connexion")
    await t.pilot.press("enter")
    await t.until(lambda: t.app.logged_in)
    await t.on("FamilyScreen")
    await t.pilot.press("2")
    await t.on("EntourageScreen")
    await t.pilot.press("a")
    await t.on("ContactFormScreen")
    await t.type("phones-0", "12")
    await t.pilot.press("ctrl+s")
    await t.shot("18-contraste-formulaire")


async def log_in(t: Tour, login: str = "martin", password: str = "demo-martin") -> None:
    """Identifiant, mot de passe, Entrée; then wait for the family space and its total."""
    await t.on("LoginScreen")
    await t.type("login", login)
    await t.type("password", password)
    await t.pilot.press("enter")
    await t.until(lambda: t.app.logged_in and t.app.session is not None
                  and t.app.session.remaining_cents is not None)
    await t.on("FamilyScreen")


async def wait_for_payment_screen(t: Tour) -> PaymentWaitScreen:
    """« Payer par carte bancaire » on the summary: the waiting screen, the browser asked."""
    await t.pilot.press("enter")
    await t.on("PaymentWaitScreen")
    screen = t.app.screen
    assert isinstance(screen, PaymentWaitScreen)
    await t.until(lambda: screen.browser_opened is not None)
    return screen


async def finish_in_sandbox(t: Tour, screen: PaymentWaitScreen, url: str, title: str,
                            card: str | None = None) -> None:
    """The parent pays in the browser (the sandbox, at the real `url`), then the app shows
    `title`."""
    if card is None:
        await asyncio.to_thread(pay_in_sandbox, url)
    else:
        await asyncio.to_thread(pay_in_sandbox, url, card=card)
    await t.until(lambda: title in str(screen.query_one("#wait-title").render()), timeout=30)


async def tour_pay(t: Tour, portal: PortalProcess) -> None:
    await log_in(t)
    invoices = await t.open_invoices()
    await t.tick(invoices, OVERDUE, MUSIC)
    await t.shot("19-factures")
    await t.summary()
    await t.shot("20-paiement-recapitulatif")
    wait = await wait_for_payment_screen(t)
    url = wait.watched.payment_url  # the real one, before it is made steady for the picture
    assert url is not None
    steady_payment(wait.watched, portal.origin)
    wait.show()
    await t.shot("21-paiement-attente")
    # At 80×24 the QR code is under the text: scroll down to it, as a parent would with ↓.
    wait.query_one("#wait-text").scroll_end(animate=False)
    await t.shot("22-paiement-attente-qr")
    await finish_in_sandbox(t, wait, url, "Réglée")
    steady_payment(wait.watched, portal.origin)
    wait.show()
    await t.shot("23-paiement-reglee")
    await t.pilot.press("enter")
    invoices = await t.open_invoices() if not isinstance(t.app.screen, InvoicesScreen) \
        else t.app.screen
    await t.until(lambda: NOVEMBER in [i.number for i in invoices.shown_invoices()])
    await t.tick(invoices, NOVEMBER)
    await t.summary()
    wait = await wait_for_payment_screen(t)
    url = wait.watched.payment_url
    assert url is not None
    await finish_in_sandbox(t, wait, url, "Paiement refusé", card=REFUSED_CARD)
    steady_payment(wait.watched, portal.origin)
    wait.show()
    await t.shot("24-paiement-refuse")


async def tour_espace_citoyens(t: Tour, portal: PortalProcess) -> None:
    """Le Chambon-Feugerolles through Espace Citoyens (the replica): one invoice per
    payment, and the values the State's page asks to type, each with its copy key."""
    await log_in(t)
    invoices = await t.open_invoices()
    await t.shot("28-espace-citoyens-factures")
    await t.tick(invoices, NOVEMBER)
    await t.summary()
    wait = await wait_for_payment_screen(t)
    await t.until(lambda: wait.watched.page is not None and wait.watched.page.retyped)
    steady_payment(wait.watched, portal.origin)
    wait.show()
    await t.shot("29-espace-citoyens-paiement")


async def tour_kiosk(t: Tour, portal: PortalProcess, clock: FakeClock) -> None:
    app = t.app
    assert isinstance(app, KioskApp)
    await t.on("WelcomeScreen")
    await t.until(lambda: "Tél." in str(app.screen.query_one("#welcome-contact").render()))
    await t.shot("25-borne-accueil")
    await t.pilot.press("enter")  # « Se connecter », the first button
    await log_in(t)
    # Nobody touches the kiosk for its idle time: the warning, its countdown still full.
    clock.advance(app.options.settings.kiosk_idle_seconds + 1)
    await t.on("IdleWarningScreen")
    await t.shot("26-borne-inactivite")
    await t.pilot.press("enter")  # « Continuer »
    await t.on("FamilyScreen")
    invoices = await t.open_invoices()
    await t.tick(invoices, OVERDUE, MUSIC)
    await t.summary()
    await t.pilot.press("enter")
    await t.on("KioskPaymentScreen")
    screen = app.screen
    assert isinstance(screen, KioskPaymentScreen)
    await t.until(lambda: screen.query("#kpay-qr"))
    url = screen.watched.payment_url  # the real one, before it is made steady for the picture
    assert url is not None
    steady_payment(screen.watched, portal.origin)
    screen.show()
    await t.shot("27-borne-paiement-qr")
    # « Annuler » on the phone: the invoices are free again for the laptop's tour.
    await asyncio.to_thread(pay_in_sandbox, url, outcome="cancel")
    await t.until(lambda: "abandonné" in str(screen.query_one("#kpay-title").render()),
                  timeout=30)


async def tour_noethysweb(t: Tour) -> None:
    from famille_tui.tui.widgets.captcha import CaptchaPicture

    await t.on("LoginScreen")
    await t.until(lambda: t.app.screen.query_one(CaptchaPicture).rows, timeout=30)
    await t.shot("30-noethysweb-connexion-code")


async def noethysweb_pictures(tmp: Path, size: tuple[int, int], out: Path) -> None:
    """The login screen on the real Noethysweb, its captcha drawn."""
    from tests.support.noethysweb_peer import NoethyswebPeer, SampleDrawing, shared_dir

    shared, why = shared_dir()
    if shared is None:
        print(f"  ! Noethysweb : {why} ; 30-noethysweb-connexion-code.svg inchangé",
              file=sys.stderr)
        return
    peer = await asyncio.to_thread(NoethyswebPeer.start_with_payfip, shared, tmp / "noethysweb")
    try:
        settings = Settings(portals=[PortalProfile(name="Testville", url=peer.url,
                                                   dialect="noethysweb")], animations=False)
        app = FamilleApp(LaunchOptions(settings=settings, demo=True),
                         connector_factory=lambda profile: SampleDrawing(profile.url),
                         credential_store=CredentialStore(backend=MemoryKeyring()),
                         today=lambda: TODAY)
        await run(app, size, out, tour_noethysweb)
    finally:
        peer.stop()


async def tour_reservations(t: Tour) -> None:
    """Chaponost: Léa's canteen booked on three days of next week, one evening cancelled."""
    from datetime import date

    from famille_tui.tui.screens.reservations import ReservationsScreen
    from famille_tui.tui.widgets.week_grid import WeekGrid

    await log_in(t)
    await t.pilot.press("7")
    await t.on("ReservationsScreen")
    screen = t.app.screen
    assert isinstance(screen, ReservationsScreen)
    await t.until(lambda: screen.period is not None)
    await t.pilot.press("pagedown")
    await t.until(lambda: screen.monday == date(2026, 12, 7))
    grid = screen.query_one(WeekGrid)
    for row, column in ((1, 1), (1, 2), (1, 4), (2, 2)):
        grid.move_cursor(row=row, column=column)
        await t.pilot.pause()
        await t.pilot.press("space")
    await t.shot("31-reservations")
    await t.pilot.press("v")
    await t.on("ReservationSummaryScreen")
    await t.until(lambda: "Total" in str(t.app.screen.query_one("#summary-total").render()))
    await t.shot("32-reservations-recapitulatif")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="80x24", help="columns x rows (default 80x24)")
    parser.add_argument("--out", default=str(ROOT / "screenshots"), help="output directory")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.lower().split("x"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="famille-tui-shots-") as tmp:
        # The app must not read or write the user's own directories.
        for name in ("CONFIG", "STATE", "DATA", "DOWNLOAD"):
            os.environ[f"FAMILLE_TUI_{name}_DIR"] = str(Path(tmp) / name.lower())
        # The portal's process runs this checkout's code too, whatever the current directory.
        os.environ["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
        notebook_browser(Path(tmp))
        steady_clocks()
        # The reservations' clock: Thursday 3 December 2026, 9 h 30 (the tests' day).
        portal = start_portal(Path(tmp) / "portal.sqlite3",
                              env={"FAMILLE_TUI_PORTAL_NOW": "2026-12-03T09:30:00+01:00"})
        # Its PayFiP stand-in's pages: allowed in the app's demo mode.
        os.environ["FAMILLE_TUI_PAYFIP_ORIGIN"] = portal.payfip_origin or ""
        try:
            store = CredentialStore(backend=MemoryKeyring())
            size = (width, height)
            await run(make_app(portal, [CHAMBON, CHAPONOST], store), size, out, tour_start)
            await run(make_app(portal, [CHAMBON], store), size, out,
                      lambda t: tour_expired(t, portal))
            await run(make_app(portal, [CHAMBON], store, theme="high-contrast"), size, out,
                      tour_contrast)
            # The kiosk first: its payment is then cancelled, so that the same invoices can
            # be paid on the laptop next.
            clock = FakeClock()
            await run(make_kiosk(portal, clock), size, out,
                      lambda t: tour_kiosk(t, portal, clock))
            await run(make_app(portal, [CHAPONOST], store), size, out, tour_reservations)
            # A keyring of its own: no remembered login, the login screen as a newcomer sees it.
            fresh = CredentialStore(backend=MemoryKeyring())
            await run(make_app(portal, [CHAMBON], fresh), size, out,
                      lambda t: tour_pay(t, portal))
            # Last: its payment is left pending, the portal is thrown away.
            await run(make_app(EspaceCitoyensAddresses(portal), [CHAMBON], fresh), size, out,
                      lambda t: tour_espace_citoyens(t, portal))
        finally:
            portal.stop()
        await noethysweb_pictures(Path(tmp), (width, height), out)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
