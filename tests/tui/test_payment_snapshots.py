# ruff: noqa: F811 - pytest fixtures imported from test_payment_flow are used by name
"""Snapshots of « Mes factures », the summary, the waiting screen (with its QR code) and each
outcome, at 80×24 and 120×40, made from the app on the real portal.

What would change from one run to the next is made steady before the picture: « today » is
fixed (overdue invoices), the payment page's address (random port, random reference) is
replaced by a fixed one, the elapsed time is read from a fixed clock, and the bank's
authorisation number is fixed.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from famille_tui.portal.launcher import PortalProcess
from famille_tui.tui.screens.payment_summary import PaymentSummaryScreen
from famille_tui.tui.screens.payment_wait import PaymentWaitScreen
from tests.support.sandbox import REFUSED_CARD, pay_in_sandbox
from tests.support.tui import wait_until
from tests.tui.test_payment_flow import (  # noqa: F401 - fixtures used by name
    MUSIC,
    OVERDUE,
    browser_url,
    build_app,
    open_invoices,
    short_ttl_portal,
    start_paying,
    tick,
)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
STEADY_URL = (
    "http://127.0.0.1:8765/tpa/paiement.web?numcli=042063&exer=2026&refdet=PF0123456789ABCD"
    "&objet=Facture+2026100042&montant=31240&mel=claire.martin%40exemple.fr"
    "&urlcl=http%3A%2F%2F127.0.0.1%3A8765%2Fle-chambon-feugerolles%2Ftipi%2Fnotification"
    "&saisie=T"
)

STEADY_SHORT_URL = "http://127.0.0.1:8765/p/pay_0123456789abcdefghijklmn"

Before = Callable[[Pilot[Any]], Any]


def steady(screen: PaymentWaitScreen, monkeypatch: pytest.MonkeyPatch,
           url: str = STEADY_URL, short_url: str | None = STEADY_SHORT_URL) -> None:
    """Fixed address, clock and authorisation number; then redraw (what the page asks to
    retype, on Espace Citoyens, is kept: it is steady already)."""
    watched = screen.watched
    watched.started = 1000.0
    monkeypatch.setattr(PaymentWaitScreen, "now", lambda: 1083.0)
    if watched.page is not None:
        watched.page = dataclasses.replace(watched.page, url=url, short_url=short_url,
                                           refusal=None)
    if watched.payment is not None:
        update: dict[str, Any] = {
            "payment_url": url,
            "short_url": short_url,
            "reference": "PF0123456789ABCD",
        }
        if watched.payment.authorization_number:
            update["authorization_number"] = "123456"
        watched.payment = watched.payment.model_copy(update=update)
    screen.browser_opened = True
    screen.show()


@pytest.mark.parametrize("size", SIZES)
def test_invoices_snapshot(snap_compare: Any, portal: PortalProcess, browser_log: Path,
                           size: tuple[int, int]) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        screen = await open_invoices(pilot)
        await tick(pilot, screen, MUSIC)
        await pilot.pause(0.3)

    assert snap_compare(build_app(portal), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
def test_summary_snapshot(snap_compare: Any, portal: PortalProcess, browser_log: Path,
                          size: tuple[int, int]) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        screen = await open_invoices(pilot)
        await pilot.press("c")
        await pilot.press("p")
        app = pilot.app
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentSummaryScreen))
        await wait_until(pilot, lambda: "@" in app.screen.query_one("#email-input").value)
        await pilot.pause(0.3)
        del screen

    assert snap_compare(build_app(portal), terminal_size=size, run_before=before)


def _waiting(monkeypatch: pytest.MonkeyPatch, log: Path,
             finish: Callable[[str], Any] | None, outcome_title: str | None) -> Before:
    async def before(pilot: Pilot[Any]) -> None:
        screen = await open_invoices(pilot)
        await tick(pilot, screen, OVERDUE)
        wait = await start_paying(pilot)
        url = await browser_url(pilot, log)
        await wait_until(pilot, lambda: wait.browser_opened is not None)
        if finish is not None:
            await asyncio.to_thread(finish, url)
        if outcome_title is not None:
            await wait_until(pilot, lambda: outcome_title in str(
                wait.query_one("#wait-title").content), timeout=20)  # type: ignore[attr-defined]
        steady(wait, monkeypatch)
        await pilot.pause(0.3)

    return before


@pytest.mark.parametrize("size", SIZES)
def test_waiting_snapshot(snap_compare: Any, portal: PortalProcess, browser_log: Path,
                          monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]) -> None:
    before = _waiting(monkeypatch, browser_log, None, None)
    assert snap_compare(build_app(portal), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    ("outcome", "title"),
    [
        pytest.param("paid", "Réglée", id="reglee"),
        pytest.param("refused", "Paiement refusé", id="refuse"),
        pytest.param("cancelled", "Paiement abandonné", id="abandonne"),
    ],
)
def test_outcome_snapshot(snap_compare: Any, portal: PortalProcess, browser_log: Path,
                          monkeypatch: pytest.MonkeyPatch, size: tuple[int, int],
                          outcome: str, title: str) -> None:
    finish: dict[str, Callable[[str], Any]] = {
        "paid": lambda url: pay_in_sandbox(url),
        "refused": lambda url: pay_in_sandbox(url, card=REFUSED_CARD),
        "cancelled": lambda url: pay_in_sandbox(url, outcome="cancel"),
    }
    before = _waiting(monkeypatch, browser_log, finish[outcome], title)
    assert snap_compare(build_app(portal), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
def test_expired_snapshot(snap_compare: Any, short_ttl_portal: PortalProcess,
                          browser_log: Path, monkeypatch: pytest.MonkeyPatch,
                          size: tuple[int, int]) -> None:
    before = _waiting(monkeypatch, browser_log, None, "Délai dépassé")
    assert snap_compare(build_app(short_ttl_portal), terminal_size=size, run_before=before)
