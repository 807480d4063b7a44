"""payments.py against the real embedded portal and its PayFiP sandbox: start, wait,
outcomes, the journal across a restart, and network loss while waiting."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path
from typing import Any

import httpx
import pytest

from famille_tui.api import Invoice, InvoiceFilter, InvoiceStatus, PaymentStatus
from famille_tui.client import (
    PaymentHostNotAllowed,
    PaymentJournal,
    PaymentRejected,
    PortalClient,
    WaitEvent,
    new_idempotency_key,
    resume_journal,
    start_payment,
    wait_for_payment,
)
from tests.support import CHAMBON, start_test_portal
from tests.support.sandbox import pay_in_sandbox

EMAIL = "claire.martin@example.fr"
ACCEPTED_CARD = "4111 1111 1111 1111"
REFUSED_CARD = "4000 0000 0000 0002"


async def in_sandbox(payment_url: str, **options: Any) -> None:
    """The parent in the browser: pay_in_sandbox follows the sandbox's forms."""
    if inspect.iscoroutinefunction(pay_in_sandbox):
        await pay_in_sandbox(payment_url, **options)
    else:
        await asyncio.to_thread(pay_in_sandbox, payment_url, **options)


async def martin(url: str, transport: httpx.AsyncBaseTransport | None = None) -> PortalClient:
    client = PortalClient(url, transport=transport)
    await client.login("martin", "demo-martin")
    return client


async def payable(client: PortalClient, count: int = 1) -> list[Invoice]:
    invoices = [
        i for i in (await client.invoices(InvoiceFilter.UNPAID)).invoices
        if i.payable_online and i.status is InvoiceStatus.A_PAYER
    ]
    assert len(invoices) >= count
    return invoices[:count]


async def test_pay_one_invoice(chambon_url: str, tmp_path: Path) -> None:
    journal = PaymentJournal(tmp_path / "journal")
    async with await martin(chambon_url) as client:
        (invoice,) = await payable(client)
        payment = await start_payment(client, [invoice], EMAIL, journal=journal,
                                      idempotency_key=new_idempotency_key(), demo=True)
        # Journaled before start_payment returned, without the e-mail.
        (entry,) = journal.entries()
        assert entry.payment_id == payment.id and entry.invoice_numbers == [invoice.number]
        assert entry.amount_cents == payment.amount_cents == invoice.remaining_cents
        assert entry.login == "martin" and entry.portal_url == chambon_url
        on_disk = b"".join(p.read_bytes() for p in (tmp_path / "journal").iterdir())
        assert EMAIL.encode() not in on_disk and b"%40" not in on_disk

        assert (await client.invoice(invoice.id)).status is InvoiceStatus.EN_COURS
        events: list[WaitEvent] = []
        waiting = asyncio.create_task(
            wait_for_payment(client, payment.id, on_event=events.append, journal=journal)
        )
        await in_sandbox(payment.payment_url, card=ACCEPTED_CARD)
        final = await asyncio.wait_for(waiting, 30)

        assert final.status is PaymentStatus.PAID and final.authorization_number
        assert events[0].kind == "waiting" and events[-1].kind == "outcome"
        assert events[-1].message.startswith("Réglée")
        assert journal.entries() == []
        paid = await client.invoice(invoice.id)
        assert paid.status is InvoiceStatus.REGLEE and paid.remaining_cents == 0


async def test_pay_three_at_once(chambon_url: str, tmp_path: Path) -> None:
    journal = PaymentJournal(tmp_path / "journal")
    async with await martin(chambon_url) as client:
        invoices = await payable(client, 3)
        payment = await start_payment(client, invoices, EMAIL, journal=journal,
                                      idempotency_key=new_idempotency_key(), demo=True)
        assert sorted(payment.invoice_ids) == sorted(i.id for i in invoices)
        assert payment.amount_cents == sum(i.remaining_cents for i in invoices)
        await in_sandbox(payment.payment_url, card=ACCEPTED_CARD)
        final = await wait_for_payment(client, payment.id, journal=journal, max_seconds=20)
        assert final.status is PaymentStatus.PAID
        for invoice in invoices:
            assert (await client.invoice(invoice.id)).status is InvoiceStatus.REGLEE


@pytest.mark.parametrize(
    ("options", "status", "words"),
    [
        ({"card": REFUSED_CARD}, PaymentStatus.REFUSED, "autre carte"),
        ({"outcome": "cancel"}, PaymentStatus.CANCELLED, "Paiement abandonné"),
    ],
)
async def test_refused_and_abandoned(
    chambon_url: str, tmp_path: Path, options: dict[str, str], status: PaymentStatus,
    words: str,
) -> None:
    journal = PaymentJournal(tmp_path / "journal")
    async with await martin(chambon_url) as client:
        (invoice,) = await payable(client)
        payment = await start_payment(client, [invoice], EMAIL, journal=journal,
                                      idempotency_key=new_idempotency_key(), demo=True)
        await in_sandbox(payment.payment_url, **options)
        events: list[WaitEvent] = []
        final = await wait_for_payment(client, payment.id, on_event=events.append,
                                       journal=journal, max_seconds=20)
        assert final.status is status
        assert words in events[-1].message
        assert journal.entries() == []
        # Nothing was paid: the invoice can be paid again.
        again = await client.invoice(invoice.id)
        assert again.status is InvoiceStatus.A_PAYER and again.remaining_cents > 0
        retry = await start_payment(client, [again], EMAIL, journal=journal,
                                    idempotency_key=new_idempotency_key(), demo=True)
        assert retry.id != payment.id


async def test_a_double_press_makes_one_payment(chambon_url: str, tmp_path: Path) -> None:
    journal = PaymentJournal(tmp_path / "journal")
    key = new_idempotency_key()
    async with await martin(chambon_url) as client:
        (invoice,) = await payable(client)
        first, second = await asyncio.gather(
            start_payment(client, [invoice], EMAIL, journal=journal, idempotency_key=key,
                          demo=True),
            start_payment(client, [invoice], EMAIL, journal=journal, idempotency_key=key,
                          demo=True),
        )
        assert first.id == second.id
        assert len(journal.entries()) == 1
        # Another key while it is pending: refused, with the portal's words.
        with pytest.raises(PaymentRejected) as caught:
            await client.create_payment([invoice.id], EMAIL, new_idempotency_key())
        assert caught.value.code == "payment_in_progress"
        # And start_payment refuses it from the invoice's state already.
        with pytest.raises(PaymentRejected, match="déjà en cours"):
            await start_payment(client, [await client.invoice(invoice.id)], EMAIL,
                                journal=journal, idempotency_key=new_idempotency_key(),
                                demo=True)


async def test_paid_invoices_are_refused(chambon_url: str, tmp_path: Path) -> None:
    async with await martin(chambon_url) as client:
        paid = (await client.invoices(InvoiceFilter.PAID)).invoices[0]
        with pytest.raises(PaymentRejected, match="déjà réglée"):
            await start_payment(client, [paid], EMAIL, journal=PaymentJournal(tmp_path / "journal"),
                                idempotency_key=new_idempotency_key(), demo=True)
        with pytest.raises(PaymentRejected) as caught:
            await client.create_payment([paid.id], EMAIL, new_idempotency_key())
        assert caught.value.code == "invoice_not_payable"
    assert not (tmp_path / "journal").exists()


async def test_sandbox_host_refused_outside_demo_but_still_journaled(
    chambon_url: str, tmp_path: Path
) -> None:
    journal = PaymentJournal(tmp_path / "journal")
    async with await martin(chambon_url) as client:
        (invoice,) = await payable(client)
        with pytest.raises(PaymentHostNotAllowed):
            await start_payment(client, [invoice], EMAIL, journal=journal,
                                idempotency_key=new_idempotency_key(), demo=False)
        # The payment exists on the portal: it stays followed until it ends.
        (entry,) = journal.entries()
        assert entry.invoice_ids == [invoice.id]


async def test_resume_after_the_program_was_closed(chambon_url: str, tmp_path: Path) -> None:
    directory = tmp_path / "payments"
    async with await martin(chambon_url) as client:
        (invoice,) = await payable(client)
        payment = await start_payment(client, [invoice], EMAIL,
                                      journal=PaymentJournal(directory),
                                      idempotency_key=new_idempotency_key(), demo=True)
    # The program is gone. Next start, the payment is still pending: hand it back to wait.
    async with await martin(chambon_url) as client:
        journal = PaymentJournal(directory)
        (resumed,) = await resume_journal(client, journal)
        assert resumed.pending and not resumed.final
        assert resumed.payment is not None and resumed.payment.payment_url
        assert len(journal.entries()) == 1
    # Paid in the browser while the program was closed; the start after tells the outcome.
    await in_sandbox(payment.payment_url, card=ACCEPTED_CARD)
    async with await martin(chambon_url) as client:
        journal = PaymentJournal(directory)
        (resumed,) = await resume_journal(client, journal)
        assert resumed.final and resumed.payment is not None
        assert resumed.payment.status is PaymentStatus.PAID
        assert resumed.message.startswith(f"Facture {invoice.number} : Réglée")
        assert journal.entries() == []
        assert await resume_journal(client, journal) == []


async def test_resume_only_looks_at_this_account(chambon_url: str, tmp_path: Path) -> None:
    journal = PaymentJournal(tmp_path / "journal")
    async with await martin(chambon_url) as client:
        (invoice,) = await payable(client)
        await start_payment(client, [invoice], EMAIL, journal=journal,
                            idempotency_key=new_idempotency_key(), demo=True)
    async with PortalClient(chambon_url) as durand:
        await durand.login("durand", "demo-durand")
        assert await resume_journal(durand, journal) == []
    assert len(journal.entries()) == 1


async def test_resume_when_the_portal_is_down_keeps_the_entry(
    portal: Any, chambon_url: str, tmp_path: Path
) -> None:
    journal = PaymentJournal(tmp_path / "journal")
    async with await martin(chambon_url) as client:
        (invoice,) = await payable(client)
        await start_payment(client, [invoice], EMAIL, journal=journal,
                            idempotency_key=new_idempotency_key(), demo=True)
        portal.stop()
        (resumed,) = await resume_journal(client, journal)
    assert resumed.error is not None and not resumed.final and not resumed.pending
    assert "vérifié à nouveau" in resumed.message
    assert len(journal.entries()) == 1


class FlakyTransport(httpx.AsyncBaseTransport):
    """The real network, except that the next `failures` payment polls fail as if the
    Wi-Fi dropped (connection refused, then reset mid-answer)."""

    def __init__(self, failures: int) -> None:
        self.real = httpx.AsyncHTTPTransport()
        self.failures = failures
        self.polls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if "/payments/" in request.url.path:
            self.polls += 1
            if self.failures > 0:
                self.failures -= 1
                if self.failures % 2:
                    raise httpx.ConnectError("[Errno 101] Network is unreachable")
                raise httpx.ReadError("[Errno 104] Connection reset by peer")
        return await self.real.handle_async_request(request)

    async def aclose(self) -> None:
        await self.real.aclose()


async def test_wait_survives_network_loss(chambon_url: str, tmp_path: Path) -> None:
    journal = PaymentJournal(tmp_path / "journal")
    transport = FlakyTransport(failures=0)
    async with await martin(chambon_url, transport) as client:
        (invoice,) = await payable(client)
        payment = await start_payment(client, [invoice], EMAIL, journal=journal,
                                      idempotency_key=new_idempotency_key(), demo=True)
        transport.failures = 4
        events: list[WaitEvent] = []
        waiting = asyncio.create_task(wait_for_payment(
            client, payment.id, on_event=events.append, journal=journal, backoff_base=0.05,
        ))
        await in_sandbox(payment.payment_url, card=ACCEPTED_CARD)
        final = await asyncio.wait_for(waiting, 30)
    assert final.status is PaymentStatus.PAID
    kinds = [e.kind for e in events]
    assert kinds.count("retrying") == 4 and "recovered" in kinds
    assert [e.attempt for e in events if e.kind == "retrying"] == [1, 2, 3, 4]
    assert kinds[-1] == "outcome"
    assert journal.entries() == []


async def test_wait_survives_a_portal_restart(portal: Any, chambon_url: str,
                                              tmp_path: Path) -> None:
    """A real outage: the portal process stops while the parent pays, then comes back."""
    journal = PaymentJournal(tmp_path / "journal")
    async with await martin(chambon_url) as client:
        (invoice,) = await payable(client)
        payment = await start_payment(client, [invoice], EMAIL, journal=journal,
                                      idempotency_key=new_idempotency_key(), demo=True)
        retrying, polling = asyncio.Event(), asyncio.Event()
        events: list[WaitEvent] = []

        def on_event(event: WaitEvent) -> None:
            events.append(event)
            if event.kind == "retrying":
                retrying.set()
            if event.kind == "waiting":  # the long poll is sent right after
                polling.set()

        waiting = asyncio.create_task(wait_for_payment(
            client, payment.id, on_event=on_event, journal=journal, backoff_base=0.1,
            backoff_cap=0.5,
        ))
        await asyncio.wait_for(polling.wait(), 15)  # a long poll is in flight
        await asyncio.to_thread(portal.stop)
        await asyncio.wait_for(retrying.wait(), 15)
        await asyncio.to_thread(portal.restart)
        await in_sandbox(payment.payment_url, card=ACCEPTED_CARD)
        final = await asyncio.wait_for(waiting, 40)
    assert final.status is PaymentStatus.PAID
    kinds = [e.kind for e in events]
    assert "recovered" in kinds and kinds[-1] == "outcome"
    first_retry = next(e for e in events if e.kind == "retrying")
    assert first_retry.error is not None and "ne répond pas" in first_retry.error.message
    assert journal.entries() == []


async def test_expired_payment(tmp_path: Path, demo_database: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The parent never pays: the portal expires the payment and the wait says so."""
    portal = start_test_portal(tmp_path / "ttl", demo_database, payment_ttl=2)
    monkeypatch.setenv("FAMILLE_TUI_PAYFIP_ORIGIN", portal.payfip_origin or "")
    journal = PaymentJournal(tmp_path / "journal")
    try:
        async with await martin(portal.base_url(CHAMBON)) as client:
            (invoice,) = await payable(client)
            payment = await start_payment(client, [invoice], EMAIL, journal=journal,
                                          idempotency_key=new_idempotency_key(), demo=True)
            events: list[WaitEvent] = []
            final = await wait_for_payment(client, payment.id, on_event=events.append,
                                           journal=journal, max_seconds=20)
            assert final.status is PaymentStatus.EXPIRED
            assert events[-1].message.startswith("Délai dépassé")
            assert journal.entries() == []
            assert (await client.invoice(invoice.id)).status is InvoiceStatus.A_PAYER
    finally:
        portal.stop()
