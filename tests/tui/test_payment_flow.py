"""Paying from « Mes factures », as a parent does it, against the real embedded portal.

Each test logs in as martin, ticks invoices, pays, and finishes the payment in the sandbox
through `pay_in_sandbox` (the browser stand-in; the real browser is in tests/e2e). The system
browser the app opens is a small script set in `BROWSER` that writes down the URL it was
given, so the tests see exactly what a browser would have opened. Faults that cannot be
caused otherwise (a portal proposing a foreign payment host, the network dropping) are made
at the httpx transport level, under the real client.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from famille_tui.api import InvoiceStatus
from famille_tui.client.config import state_dir
from famille_tui.client.payments import PaymentJournal, default_journal_dir
from famille_tui.portal.launcher import PortalProcess
from famille_tui.tui.app import FamilleApp
from famille_tui.tui.screens.invoices import InvoicesScreen
from famille_tui.tui.screens.payment_summary import PaymentSummaryScreen
from famille_tui.tui.screens.payment_wait import PaymentWaitScreen
from famille_tui.tui.widgets.form import FormField
from famille_tui.tui.widgets.qr import QRCode
from tests.support import forget_email, start_test_portal
from tests.support.sandbox import REFUSED_CARD, pay_in_sandbox
from tests.support.tui import (
    busy_workers,
    logged_in,
    make_app,
    notifications,
    opened_urls,
    wait_until,
)

TODAY = date(2026, 11, 16)
#: martin's unpaid invoices at Le Chambon-Feugerolles (demo data): 312,40 €, 45,00 € left of
#: 90,00 €, 296,80 €, and 0,60 € that cannot be paid online (under PayFiP's 1 €).
OVERDUE, MUSIC, NOVEMBER, SNACKS = "2026100042", "2026100043", "2026110058", "2026110059"
TOTAL_UNPAID = 31240 + 4500 + 29680 + 60


# -- the app and its browser --------------------------------------------------------------


def build_app(portal: PortalProcess, *, transport: httpx.AsyncBaseTransport | None = None,
              demo: bool = True) -> FamilleApp:
    """The real app on the test portal, optionally with a fault-making transport."""
    return make_app(portal, transport=transport, demo=demo)


async def open_invoices(pilot: Pilot[Any]) -> InvoicesScreen:
    """Log in as martin and press 4: « Mes factures », loaded."""
    await logged_in(pilot)
    await pilot.press("4")
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, InvoicesScreen)
                     and app.screen.invoices, what="invoices loaded")
    screen = app.screen
    assert isinstance(screen, InvoicesScreen)
    return screen


def invoice_by_number(screen: InvoicesScreen, number: str) -> Any:
    return next(i for i in screen.invoices if i.number == number)


async def tick(pilot: Pilot[Any], screen: InvoicesScreen, *numbers: str) -> None:
    """Move the cursor onto each invoice (arrow keys) and press Space."""
    table = screen.query_one("#invoice-table")
    for number in numbers:
        rows = [i.number for i in screen.shown_invoices()]
        target = rows.index(number)
        await pilot.press("home")
        table.move_cursor(row=0)  # type: ignore[attr-defined]
        await pilot.press(*(["down"] * target), "space")
    await pilot.pause()


async def start_paying(pilot: Pilot[Any]) -> PaymentWaitScreen:
    """« p », the summary with the e-mail prefilled, « Payer par carte bancaire »."""
    app = pilot.app
    await pilot.press("p")
    await wait_until(pilot, lambda: isinstance(app.screen, PaymentSummaryScreen),
                     what="summary")
    summary = app.screen
    await wait_until(pilot, lambda: summary.query_one(FormField).value, what="e-mail prefilled")
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, PaymentWaitScreen), what="waiting")
    screen = app.screen
    assert isinstance(screen, PaymentWaitScreen)
    return screen


def text_of(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


async def browser_url(pilot: Pilot[Any], log: Path) -> str:
    await wait_until(pilot, lambda: opened_urls(log), what="the browser opened")
    return opened_urls(log)[-1]


def payments_in_portal(portal: PortalProcess) -> int:
    with sqlite3.connect(portal.data_path) as conn:
        (count,) = conn.execute("SELECT count(*) FROM payments").fetchone()
    return int(count)


def journal() -> PaymentJournal:
    return PaymentJournal(default_journal_dir())


# -- transport-level faults ---------------------------------------------------------------


class EvilPaymentHost(httpx.AsyncBaseTransport):
    """A portal that answers `POST payments` with a payment page on evil.example."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and request.url.path.endswith("/payments"):
            await response.aread()
            body = response.json()
            body["payment_url"] = f"https://evil.example/tpa/paiement.web?refdet={body['reference']}"
            return httpx.Response(response.status_code, json=body)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class FlakyNetwork(httpx.AsyncBaseTransport):
    """The network between the app and the portal: `down()` drops every connection, the ones
    in flight included (a long poll waiting on the portal), until `up()`."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self._up = asyncio.Event()
        self._up.set()
        self._down = asyncio.Event()
        self.refused = 0
        #: Lose the answer of the next POST payments (the portal got it; the app never hears).
        self.lose_next_payment_answer = False

    def down(self) -> None:
        self._up.clear()
        self._down.set()

    def up(self) -> None:
        self._down.clear()
        self._up.set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self._up.is_set():
            self.refused += 1
            raise httpx.ConnectError("network unreachable", request=request)
        call = asyncio.ensure_future(self.inner.handle_async_request(request))
        cut = asyncio.ensure_future(self._down.wait())
        done, _ = await asyncio.wait({call, cut}, return_when=asyncio.FIRST_COMPLETED)
        if call not in done:
            call.cancel()
            self.refused += 1
            raise httpx.ReadError("connection lost", request=request)
        cut.cancel()
        response = call.result()
        if (self.lose_next_payment_answer and request.method == "POST"
                and request.url.path.endswith("/payments")):
            self.lose_next_payment_answer = False
            await response.aread()
            raise httpx.ReadError("connection lost before the answer", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


# -- the tests ----------------------------------------------------------------------------


async def test_pay_one_invoice(portal: PortalProcess, browser_log: Path) -> None:
    app = build_app(portal)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_invoices(pilot)
        assert screen.total_remaining_cents == TOTAL_UNPAID
        await tick(pilot, screen, MUSIC)
        assert screen.ticked == {invoice_by_number(screen, MUSIC).id}
        assert "1 facture cochée : 45,00" in text_of(screen, "#invoices-selection")

        wait = await start_paying(pilot)
        url = await browser_url(pilot, browser_log)
        # The page the browser got is the one shown and copied; the QR code holds the
        # portal's short link, which leads to that same page.
        assert wait.watched.payment_url == url
        short = wait.query_one(QRCode).data
        assert short == wait.watched.short_url
        assert short.endswith("/p/" + wait.watched.payment_id)
        async with httpx.AsyncClient(trust_env=False) as phone:
            hop = await phone.get(short)
        assert hop.status_code == 303 and hop.headers["location"] == url
        assert url in text_of(wait, "#wait-url")
        assert "En attente du paiement" in text_of(wait, "#wait-title")
        assert len(journal().entries()) == 1  # journaled before the browser opened

        await pilot.press("c")
        assert app.clipboard == url
        # OSC 52 never says whether it worked (tmux drops it): no « copiée » claimed, and
        # the address stays on screen to copy by hand.
        told = notifications(app)[-1].message
        assert "envoi au presse-papiers du terminal (si votre terminal l'accepte)" in told
        assert "recopiez à la main ce qu'affiche l'écran" in told and "copiée" not in told

        page = await asyncio.to_thread(pay_in_sandbox, url)
        assert "accepté" in page
        await wait_until(pilot, lambda: "Réglée" in text_of(wait, "#wait-title"), what="Réglée")
        assert "Réglée" in text_of(wait, "#wait-outcome")
        await wait_until(pilot, lambda: app.session.remaining_cents == TOTAL_UNPAID - 4500,
                         what="header total")
        assert journal().entries() == []

        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, InvoicesScreen), what="back")
        await wait_until(pilot, lambda: invoice_by_number(screen, MUSIC).status
                         is InvoiceStatus.REGLEE, what="invoice réglée")
        assert screen.total_remaining_cents == TOTAL_UNPAID - 4500
        assert "Reste à payer : 609,80" in text_of(screen, "#invoices-total")


async def test_pay_three_at_once(portal: PortalProcess, browser_log: Path) -> None:
    app = build_app(portal)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_invoices(pilot)
        await pilot.press("c")  # every invoice that can be paid online
        ticked = {invoice_by_number(screen, n).id for n in (OVERDUE, MUSIC, NOVEMBER)}
        assert screen.ticked == ticked  # not the 0,60 € one
        assert "3 factures cochées : 654,20" in text_of(screen, "#invoices-selection")

        wait = await start_paying(pilot)
        assert wait.watched.amount_cents == 65420
        assert sorted(wait.watched.invoice_numbers) == sorted([OVERDUE, MUSIC, NOVEMBER])
        url = await browser_url(pilot, browser_log)
        await asyncio.to_thread(pay_in_sandbox, url)
        await wait_until(pilot, lambda: "Réglée" in text_of(wait, "#wait-title"), what="Réglée")
        await wait_until(pilot, lambda: app.session.remaining_cents == 60,
                         what="header total 0,60 €")

        await pilot.press("escape")
        await wait_until(pilot, lambda: all(
            invoice_by_number(screen, n).status is InvoiceStatus.REGLEE
            for n in (OVERDUE, MUSIC, NOVEMBER)), what="three invoices réglées")
        assert payments_in_portal(portal) == 1


async def test_quitting_with_a_payment_pending_says_how_its_outcome_will_come(
    portal: PortalProcess, browser_log: Path
) -> None:
    app = build_app(portal)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_invoices(pilot)
        await tick(pilot, screen, MUSIC)
        await start_paying(pilot)
        await browser_url(pilot, browser_log)
        await pilot.press("escape", "q")
        await wait_until(pilot, lambda: app.farewell is not None, what="farewell")
    said = app.farewell or ""
    assert said.startswith("Le paiement de 45,00\u00a0€ est toujours en attente : terminez-le")
    assert "sa page est valable jusqu'à" in said
    assert "affiché au prochain lancement de famille-tui sur ce compte" in said
    assert "« famille-tui payments »" in said


async def test_quitting_with_nothing_pending_says_nothing(portal: PortalProcess) -> None:
    app = build_app(portal)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_invoices(pilot)
        await pilot.press("q")
    assert app.farewell is None


@pytest.mark.parametrize(
    ("card", "outcome", "title"),
    [(REFUSED_CARD, "pay", "Paiement refusé"), (None, "cancel", "Paiement abandonné")],
)
async def test_refused_and_abandoned_say_what_to_do(
    portal: PortalProcess, browser_log: Path, card: str | None, outcome: str, title: str
) -> None:
    app = build_app(portal)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_invoices(pilot)
        await tick(pilot, screen, OVERDUE)
        wait = await start_paying(pilot)
        url = await browser_url(pilot, browser_log)
        kwargs = {"card": card} if card else {}
        await asyncio.to_thread(pay_in_sandbox, url, outcome=outcome, **kwargs)
        await wait_until(pilot, lambda: title in text_of(wait, "#wait-title"), what=title)
        said = text_of(wait, "#wait-outcome")
        assert "rien n'a été débité" in said or "n'ont pas été débités" in said
        assert "réessayer" in said or "relancer" in said
        assert journal().entries() == []
        # The invoice is payable again, still ticked: the parent's choice is not lost.
        await pilot.press("enter")
        await wait_until(pilot, lambda: invoice_by_number(screen, OVERDUE).status
                         is InvoiceStatus.A_PAYER, what="à payer again")
        await wait_until(pilot, lambda: invoice_by_number(screen, OVERDUE).id in screen.ticked,
                         what="still ticked")
        assert "1 facture cochée : 312,40" in text_of(screen, "#invoices-selection")


@pytest.fixture
def short_ttl_portal(
    tmp_path: Path, demo_database: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PortalProcess]:
    """A portal whose payments expire after 3 seconds (its PayFiP stand-in allowed)."""
    process = start_test_portal(tmp_path / "short", demo_database, payment_ttl=3)
    monkeypatch.setenv("FAMILLE_TUI_PAYFIP_ORIGIN", process.payfip_origin or "")
    try:
        yield process
    finally:
        process.stop()


async def test_expired_payment(short_ttl_portal: PortalProcess, browser_log: Path) -> None:
    app = build_app(short_ttl_portal)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_invoices(pilot)
        await tick(pilot, screen, NOVEMBER)
        wait = await start_paying(pilot)
        await wait_until(pilot, lambda: "Délai dépassé" in text_of(wait, "#wait-title"),
                         timeout=20, what="Délai dépassé")
        assert "relancez le paiement" in text_of(wait, "#wait-outcome")
        assert journal().entries() == []


async def test_double_press_and_retry_make_one_payment(
    portal: PortalProcess, browser_log: Path
) -> None:
    network = FlakyNetwork()
    app = build_app(portal, transport=network)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_invoices(pilot)
        await tick(pilot, screen, OVERDUE)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentSummaryScreen))
        summary = app.screen
        assert isinstance(summary, PaymentSummaryScreen)
        await wait_until(pilot, lambda: summary.query_one(FormField).value)

        # The portal makes the payment but its answer is lost on the way back.
        network.lose_next_payment_answer = True
        await pilot.press("enter")
        await wait_until(pilot, lambda: "sans risque de payer deux fois"
                         in str(summary.query_one("#summary-notice", Static).content),
                         what="network error in the summary")
        assert payments_in_portal(portal) == 1

        # The parent presses again, twice in a row: the same key finds the same payment.
        pay = summary.query_one("#summary-pay")
        pay.focus()
        await wait_until(pilot, lambda: app.focused is pay and not pay.disabled,
                         what="« Payer par carte bancaire » focused and enabled")
        await pilot.press("enter", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentWaitScreen),
                         what="the waiting screen after the double press")
        # Both presses' work is done: the summary has no worker left (a second payment
        # would have been asked by then), and the waiting screen has opened the page.
        await wait_until(pilot, lambda: not busy_workers(app, of=summary),
                         what="the summary's workers done")
        await browser_url(pilot, browser_log)
        assert payments_in_portal(portal) == 1
        assert len(journal().entries()) == 1
        assert len(opened_urls(browser_log)) == 1


async def test_no_email_on_file_says_what_to_type_and_the_leaflets_way_out(
    portal: PortalProcess, browser_log: Path
) -> None:
    forget_email(portal.data_path)
    app = build_app(portal)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_invoices(pilot)
        await tick(pilot, screen, OVERDUE)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentSummaryScreen))
        summary = app.screen
        note = summary.query_one("#summary-no-email", Static)
        await wait_until(pilot, lambda: note.display, what="the note")
        assert text_of(summary, "#summary-no-email") == (
            "Aucune adresse électronique n'est enregistrée pour votre compte : tapez celle où "
            "recevoir le justificatif (la page de paiement de l'État en demande une). Si vous "
            "n'avez jamais donné d'adresse électronique à l'inscription de votre enfant, "
            "demandez-en l'enregistrement à Crèche Les Pirouettes : "
            "creche.lespirouettes@lechambon.fr ou 04 77 06 20 10.")
        field = summary.query_one(FormField)
        assert field.value == "" and app.focused is field.input
        # One typed here is the receipt's: the payment goes on as usual.
        await pilot.press(*"claire@exemple.fr", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentWaitScreen))
        await browser_url(pilot, browser_log)


async def test_an_email_on_file_needs_no_note(portal: PortalProcess) -> None:
    app = build_app(portal)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_invoices(pilot)
        await tick(pilot, screen, OVERDUE)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentSummaryScreen))
        summary = app.screen
        await wait_until(pilot, lambda: summary.query_one(FormField).value)
        await wait_until(pilot, lambda: not busy_workers(app, of=summary))
        assert not summary.query_one("#summary-no-email", Static).display


async def test_disallowed_payment_host_is_refused(portal: PortalProcess,
                                                  browser_log: Path) -> None:
    app = build_app(portal, transport=EvilPaymentHost())
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_invoices(pilot)
        await tick(pilot, screen, OVERDUE)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentSummaryScreen))
        summary = app.screen
        await wait_until(pilot, lambda: summary.query_one(FormField).value)
        await pilot.press("enter")
        notice = summary.query_one("#summary-notice", Static)
        await wait_until(pilot, lambda: "evil.example" in str(notice.content), what="refusal")
        assert "n'a pas été ouverte" in str(notice.content)
        # « Payer » cannot be pressed again (the same key would give the same page).
        assert summary.query_one("#summary-pay").disabled
        summary.action_pay()
        # A press would start a worker at once: none is there, so nothing was asked.
        await wait_until(pilot, lambda: not busy_workers(app, of=summary),
                         what="nothing asked")
        assert isinstance(app.screen, PaymentSummaryScreen)
        assert opened_urls(browser_log) == []  # nothing was opened, ever
        assert payments_in_portal(portal) == 1
        # The payment the portal made is handed back, followed to its end, and never said
        # not to exist (issue 19, bug 2).
        assert "Aucun paiement" not in str(notice.content)
        assert "Paiement en cours" in str(notice.content)
        assert "a pourtant été préparé par le portail" in str(notice.content)
        assert "rien n'a été débité" in str(notice.content)
        assert "vous pourrez les payer de nouveau ensuite" in str(notice.content)
        followed = app.session.active_payments()
        assert len(followed) == 1 and followed[0].refused
        await pilot.press("enter")  # « Fermer » has the focus
        await wait_until(pilot, lambda: isinstance(app.screen, InvoicesScreen))
        assert opened_urls(browser_log) == []
        await wait_until(pilot, lambda: invoice_by_number(screen, OVERDUE).status
                         is InvoiceStatus.EN_COURS, what="« Paiement en cours »")
        # Enter on it: its waiting screen, which neither opens nor promises a page.
        rows = [i.number for i in screen.shown_invoices()]
        screen.query_one("#invoice-table").move_cursor(row=rows.index(OVERDUE))  # type: ignore
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentWaitScreen))
        wait = app.screen
        assert isinstance(wait, PaymentWaitScreen)
        assert wait.has_class("-no-qr") and not list(wait.query(QRCode))
        assert not wait.query_one("#wait-qr-narrow").display
        assert not wait.query_one("#wait-qr-wide").display
        # Nor tells the parent to finish a payment in a browser that was never opened.
        said = " ".join(str(w.content) for w in wait.query(Static))
        assert "Terminez le paiement dans le navigateur" not in said
        assert "n'a pas été ouverte" in said and "a pourtant été préparé" in said
        assert "Page de paiement non ouverte" in said
        assert opened_urls(browser_log) == []


async def test_network_loss_while_waiting_is_retried(portal: PortalProcess,
                                                     browser_log: Path) -> None:
    network = FlakyNetwork()
    app = build_app(portal, transport=network)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_invoices(pilot)
        await tick(pilot, screen, MUSIC)
        wait = await start_paying(pilot)
        url = await browser_url(pilot, browser_log)
        await wait_until(pilot, lambda: wait.watched.event is not None)

        network.down()
        await wait_until(pilot, lambda: "Nouvel essai" in text_of(wait, "#wait-network"),
                         what="retrying shown")
        assert wait.query_one("#wait-network").display
        await wait_until(pilot, lambda: network.refused >= 2, what="a second try")
        assert "En attente du paiement" in text_of(wait, "#wait-title")

        # The parent pays meanwhile (the browser has its own connection).
        await asyncio.to_thread(pay_in_sandbox, url)
        network.up()
        await wait_until(pilot, lambda: "Réglée" in text_of(wait, "#wait-title"), timeout=40,
                         what="Réglée after recovery")
        assert not wait.query_one("#wait-network").display


async def test_escape_keeps_watching_in_background(portal: PortalProcess,
                                                   browser_log: Path) -> None:
    app = build_app(portal)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_invoices(pilot)
        await tick(pilot, screen, MUSIC)
        await start_paying(pilot)
        url = await browser_url(pilot, browser_log)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, InvoicesScreen))
        await wait_until(pilot, lambda: invoice_by_number(screen, MUSIC).status
                         is InvoiceStatus.EN_COURS, what="Paiement en cours")
        # An invoice being paid cannot be ticked again.
        await tick(pilot, screen, MUSIC)
        assert screen.ticked == set()
        assert "Paiement en cours" in str(screen.query_one("#invoice-table")
                                           .get_row(str(invoice_by_number(screen, MUSIC).id)))

        await pilot.press("1")  # somewhere else entirely
        await asyncio.to_thread(pay_in_sandbox, url)
        await wait_until(pilot, lambda: any("Réglée" in n.message
                                            for n in notifications(app)),
                         what="outcome notified")
        await wait_until(pilot, lambda: app.session.remaining_cents == TOTAL_UNPAID - 4500)
        await pilot.press("4")
        await wait_until(pilot, lambda: invoice_by_number(screen, MUSIC).status
                         is InvoiceStatus.REGLEE)


async def test_enter_on_a_payment_in_progress_shows_its_waiting_screen(
    portal: PortalProcess, browser_log: Path
) -> None:
    app = build_app(portal)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_invoices(pilot)
        await tick(pilot, screen, MUSIC)
        wait = await start_paying(pilot)
        payment_id = wait.watched.payment_id
        await pilot.press("escape")
        await wait_until(pilot, lambda: invoice_by_number(screen, MUSIC).status
                         is InvoiceStatus.EN_COURS)
        rows = [i.number for i in screen.shown_invoices()]
        screen.query_one("#invoice-table").move_cursor(row=rows.index(MUSIC))  # type: ignore
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentWaitScreen))
        assert app.screen.watched.payment_id == payment_id  # type: ignore[attr-defined]


async def test_killed_mid_payment_then_restarted(portal: PortalProcess,
                                                 browser_log: Path) -> None:
    # First run: the payment starts, then the program dies before the outcome.
    first = build_app(portal)
    async with first.run_test(size=(100, 40)) as pilot:
        screen = await open_invoices(pilot)
        await tick(pilot, screen, MUSIC)
        wait = await start_paying(pilot)
        url = await browser_url(pilot, browser_log)
        payment_id = wait.watched.payment_id
    entries = journal().entries()
    assert [e.payment_id for e in entries] == [payment_id]
    assert all(p.stat().st_mode & 0o077 == 0 for p in default_journal_dir().iterdir())
    assert "claire.martin" not in "".join(p.read_text() for p in default_journal_dir().iterdir())

    # Second run, still pending: the wait resumes by itself, and its outcome is told.
    second = build_app(portal)
    async with second.run_test(size=(100, 40)) as pilot:
        await logged_in(pilot)
        await wait_until(pilot, lambda: second.session.followed(payment_id) is not None,
                         what="resumed")
        assert any("toujours en attente" in n.message for n in notifications(second))
        await asyncio.to_thread(pay_in_sandbox, url)
        await wait_until(pilot, lambda: any(n.title == "Réglée" for n in notifications(second)),
                         what="outcome told")
        await wait_until(pilot, lambda: second.session.remaining_cents == TOTAL_UNPAID - 4500)
    assert journal().entries() == []
    assert state_dir().exists()


async def test_paid_while_closed_is_told_at_next_start(portal: PortalProcess,
                                                       browser_log: Path) -> None:
    first = build_app(portal)
    async with first.run_test(size=(100, 40)) as pilot:
        screen = await open_invoices(pilot)
        await tick(pilot, screen, OVERDUE)
        await start_paying(pilot)
        url = await browser_url(pilot, browser_log)
    # Paid in the browser while the program was closed.
    await asyncio.to_thread(pay_in_sandbox, url)

    second = build_app(portal)
    async with second.run_test(size=(100, 40)) as pilot:
        await logged_in(pilot)
        await wait_until(pilot, lambda: any(n.title == "Réglée" for n in notifications(second)),
                         what="Réglée told at start")
        told = next(n.message for n in notifications(second) if n.title == "Réglée")
        assert OVERDUE in told
        assert journal().entries() == []
        await pilot.press("4")
        await wait_until(pilot, lambda: isinstance(second.screen, InvoicesScreen)
                         and second.screen.invoices)
        invoices = second.screen
        assert isinstance(invoices, InvoicesScreen)
        assert invoice_by_number(invoices, OVERDUE).status is InvoiceStatus.REGLEE

