"""The words of « Mes factures »: statuses, overdue, why an invoice cannot be ticked, totals."""

from __future__ import annotations

from datetime import date
from typing import Any

import segno

from famille_tui.api import Invoice, InvoiceFilter, InvoiceStatus
from famille_tui.client.session import save_pdf
from famille_tui.tui.screens.invoices import matches
from famille_tui.tui.widgets.invoice_rows import (
    detail_lines,
    format_period,
    is_overdue,
    selection_line,
    selection_total,
    sort_by_due_date,
    status_words,
    tick_refusal,
)
from famille_tui.tui.widgets.qr import qr_rows

TODAY = date(2026, 11, 16)


def invoice(**changes: Any) -> Invoice:
    data: dict[str, Any] = {
        "id": 1,
        "number": "2026100042",
        "label": "Crèche Les Pirouettes – octobre 2026",
        "service": "Crèche",
        "children": ["Léa", "Hugo"],
        "period_start": date(2026, 10, 1),
        "period_end": date(2026, 10, 31),
        "issue_date": date(2026, 11, 4),
        "due_date": date(2026, 11, 30),
        "amount_cents": 31240,
        "paid_cents": 0,
        "remaining_cents": 31240,
        "status": InvoiceStatus.A_PAYER,
        "payable_online": True,
    }
    data.update(changes)
    return Invoice(**data)


def test_status_is_said_in_words_with_a_symbol() -> None:
    assert status_words(invoice(), TODAY) == "● À payer"
    assert status_words(invoice(due_date=date(2026, 11, 15)), TODAY) == "⚠ À payer, en retard"
    assert status_words(invoice(status=InvoiceStatus.EN_COURS), TODAY) == "◷ Paiement en cours"
    paid = invoice(status=InvoiceStatus.REGLEE, paid_cents=31240, remaining_cents=0)
    assert status_words(paid, TODAY) == "✓ Réglée"
    offline = invoice(payable_online=False, not_payable_reason="Montant inférieur à 1 €.")
    # Not « hors ligne », which reads as « offline » (issue 19).
    assert status_words(offline, TODAY) == "✗ Non payable en ligne"
    debit = invoice(payable_online=False, not_payable_reason="Prélevée le 25.",
                    direct_debit_on=date(2026, 11, 25), due_date=date(2026, 11, 1))
    # A direct debit: nothing to do, neither ✗ nor « en retard ».
    assert status_words(debit, TODAY) == "↻ Prélevée le 25/11/2026"


def test_overdue_only_when_unpaid_and_past_due() -> None:
    assert is_overdue(invoice(due_date=date(2026, 11, 15)), TODAY)
    assert not is_overdue(invoice(due_date=TODAY), TODAY)
    assert not is_overdue(
        invoice(due_date=date(2026, 1, 1), status=InvoiceStatus.EN_COURS), TODAY
    )


def test_paid_pending_and_offline_invoices_cannot_be_ticked_and_say_why() -> None:
    assert tick_refusal(invoice()) is None
    paid = invoice(status=InvoiceStatus.REGLEE, paid_cents=31240, remaining_cents=0)
    assert tick_refusal(paid) == "La facture 2026100042 est déjà réglée."
    pending = tick_refusal(invoice(status=InvoiceStatus.EN_COURS))
    assert pending is not None and "déjà en cours" in pending
    offline = invoice(payable_online=False, not_payable_reason="Réglée par prélèvement.")
    # After « : », French goes on in lower case.
    assert tick_refusal(offline) == "Facture 2026100042 : réglée par prélèvement."
    silent = invoice(payable_online=False)
    assert "ne peut pas être payée en ligne" in (tick_refusal(silent) or "")
    reason = dict(detail_lines(offline, TODAY))
    assert reason["Paiement en ligne"] == "réglée par prélèvement."


def test_selection_total_and_line() -> None:
    invoices = [invoice(id=1, remaining_cents=31240), invoice(id=2, remaining_cents=4500)]
    assert selection_total(invoices, {1, 2}) == 35740
    assert selection_total(invoices, set()) == 0
    assert selection_line(2, 35740) == "2 factures cochées : 357,40\u00a0€ — « p » pour payer"
    assert selection_line(1, 4500).startswith("1 facture cochée : 45,00")
    assert selection_line(0, 0).startswith("Aucune facture cochée")


def test_sorted_by_due_date_then_number() -> None:
    a = invoice(id=1, number="B00002", due_date=date(2026, 12, 15))
    b = invoice(id=2, number="A00001", due_date=date(2026, 11, 15))
    c = invoice(id=3, number="A00003", due_date=date(2026, 12, 15))
    assert [i.id for i in sort_by_due_date([a, b, c])] == [2, 3, 1]


def test_period_and_filters() -> None:
    assert format_period(invoice()) == "oct. 2026"
    spread = invoice(period_start=date(2026, 10, 15), period_end=date(2026, 11, 14))
    assert format_period(spread) == "15/10–14/11/2026"
    paid = invoice(status=InvoiceStatus.REGLEE, remaining_cents=0, paid_cents=31240)
    pending = invoice(status=InvoiceStatus.EN_COURS)
    assert matches(pending, InvoiceFilter.UNPAID) and not matches(pending, InvoiceFilter.PAID)
    assert matches(paid, InvoiceFilter.PAID) and not matches(paid, InvoiceFilter.UNPAID)
    assert all(matches(i, InvoiceFilter.ALL) for i in (paid, pending, invoice()))


def test_pdf_is_saved_atomically_under_a_safe_name(tmp_path: Any) -> None:
    path = save_pdf(tmp_path / "Téléchargements", "../2026/100042", b"%PDF-1.4 test")
    assert path == tmp_path / "Téléchargements" / "facture-2026100042.pdf"
    assert path.read_bytes() == b"%PDF-1.4 test"
    assert [p.name for p in path.parent.iterdir()] == ["facture-2026100042.pdf"]


def test_qr_half_blocks_encode_the_same_matrix_as_segno() -> None:
    url = "http://127.0.0.1:8765/tpa/paiement.web?numcli=012345&refdet=PF0123456789ABCD"
    rows = qr_rows(url, border=2)
    expected = [[bool(m) for m in row] for row in segno.make(url, error="l", boost_error=False)
                .matrix_iter(scale=1, border=2)]
    decoded: list[list[bool]] = []
    for row in rows:
        decoded.append([c in "▀█" for c in row])
        decoded.append([c in "▄█" for c in row])
    assert decoded[: len(expected)] == expected
    assert all(not any(r) for r in decoded[len(expected):])  # padding row is light
    assert len(rows) == (len(expected) + 1) // 2
