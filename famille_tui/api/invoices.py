"""« Mes factures »."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from famille_tui.api.base import Cents, Response


class InvoiceStatus(StrEnum):
    A_PAYER = "a_payer"
    EN_COURS = "en_cours"  # a payment is pending for it
    REGLEE = "reglee"


class InvoiceFilter(StrEnum):
    """`GET invoices?status=`."""

    UNPAID = "unpaid"  # a_payer and en_cours
    PAID = "paid"
    ALL = "all"


class ReceiptMethod(StrEnum):
    """How an amount of an invoice was received."""

    CARD = "card"  # by card, online through PayFiP
    DIRECT_DEBIT = "direct_debit"  # the town's direct debit
    COUNTER = "counter"  # at the structure's desk (cash, cheque, card there)


class Receipt(Response):
    """The proof of one amount received for an invoice: what the confirmation e-mail says,
    kept by the portal (`Invoice.receipts`)."""

    paid_at: datetime
    amount_cents: Cents
    method: ReceiptMethod
    #: The bank's authorisation number of a card payment.
    authorization_number: str | None = None
    #: The online payment it came from (`payments/{id}`), if any.
    payment_id: str | None = None


class Invoice(Response):
    id: int
    #: The refdet: 6–30 letters and digits, e.g. « 2026100042 ».
    number: str
    #: « Crèche Les Pirouettes – octobre 2026 »
    label: str
    #: « Crèche », « Restauration scolaire »
    service: str
    #: Children's first names.
    children: list[str]
    period_start: date
    period_end: date
    issue_date: date
    due_date: date
    amount_cents: Cents
    paid_cents: Cents
    #: « Reste à payer »
    remaining_cents: Cents
    status: InvoiceStatus
    payable_online: bool
    #: Why it cannot be paid online, in French, when payable_online is false.
    not_payable_reason: str | None = None
    #: The pending payment, when status is en_cours.
    pending_payment_id: str | None = None
    #: What was received for it, oldest first (a portal that keeps no proof sends none).
    receipts: list[Receipt] = Field(default_factory=list)
    #: The day the town's direct debit will take what is left: nothing to do for the
    #: family, and not in its « Reste à payer ».
    direct_debit_on: date | None = None


class InvoiceList(Response):
    invoices: list[Invoice]
    #: Sum of remaining_cents over all the family's invoices, whatever the filter, but
    #: those a direct debit will take (`direct_debit_on`): what the family has to pay.
    total_remaining_cents: Cents
