"""How an invoice is told on screen, and which invoices may be ticked for payment.

Pure functions over the API models (no Textual here), shared by the invoice table, the detail
pane and the payment summary, so that the words are the same everywhere and are tested once;
the truths they put into words (overdue, payable, why not) are `client.rules`'.
Every state is said in words with a symbol, never by colour alone (screen readers, colour
blindness, monochrome terminals).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from famille_tui.api import Invoice, InvoiceStatus
from famille_tui.api.money import format_euros
from famille_tui.client.display import clean_message
from famille_tui.client.rules import (
    NO_OFFLINE_REASON,
    PaymentProof,
    after_colon,
    invoice_state,
    payment_refusal,
    receipt_words,
)

MONTHS = (
    "janv.", "févr.", "mars", "avr.", "mai", "juin",
    "juil.", "août", "sept.", "oct.", "nov.", "déc.",
)  # fmt: skip

SYMBOL_PAID = "✓"
SYMBOL_UNPAID = "●"
SYMBOL_OVERDUE = "⚠"
SYMBOL_PENDING = "◷"
SYMBOL_OFFLINE = "✗"
SYMBOL_DIRECT_DEBIT = "↻"
TICKED = "[x]"
UNTICKED = "[ ]"
NOT_TICKABLE = " - "


def format_date(day: date | None) -> str:
    """« 15/11/2026 »: the way French forms and the leaflets write dates; « — » when the
    portal gives none."""
    return day.strftime("%d/%m/%Y") if day is not None else "—"


def format_period(invoice: Invoice) -> str:
    """« oct. 2026 » for a calendar month or part of one, else « 01/10–15/11/2026 »."""
    start, end = invoice.period_start, invoice.period_end
    if (start.year, start.month) == (end.year, end.month):
        return f"{MONTHS[start.month - 1]} {start.year}"
    return f"{start.strftime('%d/%m')}–{format_date(end)}"


def is_overdue(invoice: Invoice, today: date) -> bool:
    """Unpaid and past its due date (a payment in progress is not « en retard »)."""
    return invoice_state(invoice, today).overdue


def status_words(invoice: Invoice, today: date) -> str:
    """The status column: a symbol and words, e.g. « ⚠ À payer, en retard »."""
    state = invoice_state(invoice, today)
    if state.paid:
        return f"{SYMBOL_PAID} Réglée"
    if state.pending:
        return f"{SYMBOL_PENDING} Paiement en cours"
    if state.direct_debit_on is not None:
        return f"{SYMBOL_DIRECT_DEBIT} Prélevée le {format_date(state.direct_debit_on)}"
    if state.offline:
        # Not « hors ligne », which reads as « offline »: it cannot be paid *online*.
        return f"{SYMBOL_OFFLINE} Non payable en ligne"
    if state.overdue:
        return f"{SYMBOL_OVERDUE} À payer, en retard"
    return f"{SYMBOL_UNPAID} À payer"


def offline_reason(invoice: Invoice) -> str:
    """Why an unpaid invoice cannot be paid here, in the portal's words when it gave them."""
    if invoice.direct_debit_on is not None:
        return (f"prélèvement automatique le {format_date(invoice.direct_debit_on)} : "
                "rien à faire")
    return after_colon(clean_message(invoice.not_payable_reason) or NO_OFFLINE_REASON)


def tick_refusal(invoice: Invoice) -> str | None:
    """Why this invoice cannot be ticked for payment, or None when it can."""
    return payment_refusal(invoice)


def is_tickable(invoice: Invoice) -> bool:
    return tick_refusal(invoice) is None


def sort_by_due_date(invoices: Iterable[Invoice]) -> list[Invoice]:
    """Oldest due date first (what must be paid first comes first), then by number."""
    return sorted(invoices, key=lambda invoice: invoice.sort_key)


def selection_total(invoices: Sequence[Invoice], ticked: Iterable[int]) -> int:
    """The sum, in cents, of « Reste à payer » over the ticked invoices."""
    wanted = set(ticked)
    return sum(invoice.remaining_cents for invoice in invoices if invoice.id in wanted)


def selection_line(count: int, total_cents: int, most: int | None = None) -> str:
    """« 2 factures cochées : 123,40 € » — always shown under the table; on a portal that
    pays one invoice at a time (`most` = 1), it says so before the first."""
    if count == 0 and most == 1:
        return ("Aucune facture cochée : Espace en coche une ; ici, une facture par paiement "
                "(plusieurs cochées : l'une après l'autre).")
    if count == 0:
        return "Aucune facture cochée : Espace coche une facture, « c » toutes celles à payer."
    noun = "facture cochée" if count == 1 else "factures cochées"
    return f"{count} {noun} : {format_euros(total_cents)} — « p » pour payer"


def proof_lines(proof: PaymentProof) -> list[tuple[str, str]]:
    """Every receipt's labelled line (« Payé le », …), or why there is none to show."""
    lines = [("Payé le", receipt_words(r)) for r in proof.receipts]
    return lines or ([("Justificatif", proof.note)] if proof.note else [])


def detail_lines(invoice: Invoice, today: date,
                 proof: PaymentProof | None = None) -> list[tuple[str, str]]:
    """The detail pane: labelled lines, read in order (`proof`: the session's
    `proof_of_payment`, shown as « Payé le »)."""
    lines = [
        ("Facture", invoice.number),
        ("Objet", invoice.label),
        ("Service", invoice.service),
        ("Enfants", ", ".join(invoice.children) or "—"),
        ("Période", f"du {format_date(invoice.period_start)} au {format_date(invoice.period_end)}"),
        ("Émise le", format_date(invoice.issue_date)),
        ("Échéance", format_date(invoice.due_date)),
        ("Montant", format_euros(invoice.amount_cents)),
        ("Déjà payé", format_euros(invoice.paid_cents)),
        ("Reste à payer", format_euros(invoice.remaining_cents)),
        ("État", status_words(invoice, today)),
    ]
    refusal = tick_refusal(invoice)
    if refusal is not None and invoice.status is InvoiceStatus.A_PAYER:
        lines.append(("Paiement en ligne", offline_reason(invoice)))
    elif invoice.status is InvoiceStatus.EN_COURS:
        lines.append(("Paiement en ligne", "en cours : Entrée pour suivre ce paiement"))
    if proof is not None:
        lines += proof_lines(proof)
    return lines
