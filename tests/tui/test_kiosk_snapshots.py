"""Snapshots of the kiosk: the welcome screen, the idle warning and the payment's QR code, at
80×24 and 120×40, made from the kiosk app on the real portal.

What would change from one run to the next is made steady: « today » and the kiosk's clock are
fixed (the countdown shows its full length), and the payment shown is built with a fixed
address (the portal's port and the payment's id are random) and a fixed elapsed time.
Update with `pytest tests/tui/test_kiosk_snapshots.py --snapshot-update` after looking at them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from famille_tui.api import Payment, PaymentStatus
from famille_tui.client.session import FollowedPayment, PaymentPage
from famille_tui.portal.launcher import PortalProcess
from famille_tui.tui.kiosk.payment import KioskPaymentScreen
from tests.support.tui import settled, wait_until
from tests.tui.test_kiosk import FakeClock, at_welcome, idle_out, kiosk_login, make_kiosk

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
STEADY_URL = (
    "http://127.0.0.1:8765/tpa/paiement.web?numcli=042063&exer=2026&refdet=PF0123456789ABCD"
    "&objet=Facture+2026100042&montant=31240&mel=claire.martin%40exemple.fr"
    "&urlcl=http%3A%2F%2F127.0.0.1%3A8765%2Fle-chambon-feugerolles%2Ftipi%2Fnotification"
    "&saisie=T"
)
STEADY_SHORT_URL = "http://127.0.0.1:8765/p/pay_0123456789abcdefghijKL"


@pytest.mark.parametrize("size", SIZES)
def test_welcome_snapshot(snap_compare: Any, portal: PortalProcess,
                          size: tuple[int, int]) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await at_welcome(pilot)
        await settled(pilot)

    assert snap_compare(make_kiosk(portal), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
def test_idle_warning_snapshot(snap_compare: Any, portal: PortalProcess,
                               size: tuple[int, int]) -> None:
    clock = FakeClock()

    async def before(pilot: Pilot[Any]) -> None:
        await kiosk_login(pilot)
        await idle_out(pilot, clock)
        await settled(pilot)

    assert snap_compare(make_kiosk(portal, clock=clock), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
def test_qr_payment_snapshot(snap_compare: Any, portal: PortalProcess,
                             monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]) -> None:
    monkeypatch.setattr(KioskPaymentScreen, "now", lambda: 1083.0)

    async def before(pilot: Pilot[Any]) -> None:
        await kiosk_login(pilot)
        created = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
        payment = Payment(
            id="pay_0123456789abcdefghijKL", status=PaymentStatus.PENDING, amount_cents=31240,
            invoice_ids=[1], reference="PF0123456789ABCD", payment_url=STEADY_URL,
            short_url=STEADY_SHORT_URL, created_at=created,
            expires_at=created + timedelta(minutes=15),
        )
        watched = FollowedPayment(
            payment_id=payment.id,
            login="martin",
            invoice_ids=[1],
            invoice_numbers=["2026100042"],
            amount_cents=31240,
            started=1000.0,
            page=PaymentPage(payment, url=STEADY_URL, short_url=STEADY_SHORT_URL,
                             refusal=None),
        )
        screen = KioskPaymentScreen(watched)
        await pilot.app.push_screen(screen)
        await wait_until(pilot, lambda: screen.query("#kpay-qr"), what="QR code")
        # The screen follows its payment in a worker that keeps running: the picture settles.
        await settled(pilot, workers=False)

    assert snap_compare(make_kiosk(portal), terminal_size=size, run_before=before)
