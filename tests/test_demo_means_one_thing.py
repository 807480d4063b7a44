"""« Demo » means one thing (issue 19, bug 1): the embedded portal's payment stand-in pays
from `famille-tui`, `--screen-reader` and `--kiosk` as it does from `famille-tui demo` and
`pay` — here every face is started without demo mode, on the embedded portal over loopback,
as after the README tour's « quit and start again ». No face says « site inconnu », and
nothing in English reaches the person."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest

from famille_tui.client.config import LaunchOptions, PortalProfile, Settings
from famille_tui.plain.app import run_with
from famille_tui.plain.console import Console
from famille_tui.portal.launcher import PortalProcess
from famille_tui.tui.kiosk.payment import KioskPaymentScreen
from famille_tui.tui.screens.invoices import InvoicesScreen
from famille_tui.tui.screens.payment_summary import PaymentSummaryScreen
from famille_tui.tui.screens.payment_wait import PaymentWaitScreen
from famille_tui.tui.widgets.form import FormField
from tests.plain.scripted import Pick, ScriptedInput
from tests.support import CHAMBON
from tests.support.sandbox import pay_in_sandbox
from tests.support.tui import logged_in, make_app, opened_urls, type_into, wait_until

MUSIC = "2026100043"


async def pay_music(pilot: Any) -> None:
    """« Mes factures », the music invoice ticked, « p », « Payer par carte bancaire »."""
    app = pilot.app
    await pilot.press("4")
    await wait_until(pilot, lambda: isinstance(app.screen, InvoicesScreen)
                     and app.screen.invoices, what="invoices")
    screen = app.screen
    screen.toggle(next(i.id for i in screen.invoices if i.number == MUSIC))
    await pilot.press("p")
    await wait_until(pilot, lambda: isinstance(app.screen, PaymentSummaryScreen), what="summary")
    summary = app.screen
    await wait_until(pilot, lambda: summary.query_one(FormField).value, what="e-mail")
    await pilot.press("enter")


@pytest.mark.parametrize("kind", ["laptop", "kiosk"])
async def test_the_tui_pays_on_the_embedded_portal_without_demo_mode(
    portal: PortalProcess, browser_log: Path, kind: str
) -> None:
    app = make_app(portal, demo=False, kind=kind)  # type: ignore[arg-type]
    assert not app.policy.demo
    async with app.run_test(size=(120, 40)) as pilot:
        if kind == "kiosk":
            await wait_until(pilot, lambda: app.screen.query("#welcome-login"), what="welcome")
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.screen.query("#field-login"), what="login")
            await type_into(pilot, "login", "martin")
            await type_into(pilot, "password", "demo-martin")
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.logged_in, what="family space")
        else:
            await logged_in(pilot)
        await pay_music(pilot)
        if kind == "kiosk":
            await wait_until(pilot, lambda: isinstance(app.screen, KioskPaymentScreen),
                             what="QR code")
            screen = app.screen
            assert isinstance(screen, KioskPaymentScreen)
            assert screen.watched.qr_url and not screen.watched.refused
            await wait_until(pilot, lambda: screen.query("#kpay-qr"), what="the code drawn")
        else:
            await wait_until(pilot, lambda: isinstance(app.screen, PaymentWaitScreen),
                             what="waiting screen")
            await wait_until(pilot, lambda: opened_urls(browser_log), what="browser opened")
            assert opened_urls(browser_log) == [app.screen.watched.payment_url]
        assert "site inconnu" not in app.export_screenshot()
        await app.action_quit()


def test_the_screen_reader_pays_on_the_embedded_portal_without_demo_mode(
    portal: PortalProcess, capfd: pytest.CaptureFixture[str]
) -> None:
    opened: list[str] = []

    def browser(url: str) -> bool:
        opened.append(url)
        pay_in_sandbox(url)  # the parent pays in the browser
        return True

    out = io.StringIO()
    answers: list[Any] = [Pick("Se connecter avec"), "martin", "demo-martin", "n",
                          Pick("Mes factures"), Pick("Payer une ou plusieurs"), "1", "", "o"]
    console = Console(stdin=ScriptedInput(out, answers), stdout=out)  # type: ignore[arg-type]
    options = LaunchOptions(settings=Settings(
        portals=[PortalProfile(name="Le Chambon-Feugerolles", url=portal.base_url(CHAMBON))],
        still_waiting_interval=0))
    assert run_with(options, console, opener=browser) == 0
    said = out.getvalue()
    # Opened once; the face says so (issue 13: the short link, not the long address).
    assert len(opened) == 1 and "Page de paiement ouverte" in said
    assert "site inconnu" not in said and "Aucun paiement" not in said
    assert re.search(r"^Réglée : le paiement de .* euros", said, re.MULTILINE)
    _, err = capfd.readouterr()
    assert not re.search(r"payment|refused|URL", err), err
