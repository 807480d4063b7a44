"""« Mes factures »."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from famille_tui.api.base import Cents, Response
from famille_tui.api.invoice_filter import InvoiceFilter


class InvoiceStatus(StrEnum):
    A_PAYER = "a_payer"
    EN_COURS = "en_cours"  # a payment is pending for it
    REGLEE = "reglee"


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
    #: None when the portal does not say (Noethysweb's list shows neither date): never a
    #: guess, so that no face calls an invoice « en retard » on a date it made up.
    issue_date: date | None = None
    due_date: date | None = None
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


    @property
    def sort_key(self) -> tuple[date, str]:
        """Oldest due date first (the period's end where the portal gives none), then the
        number: the order every face lists invoices in."""
        return (self.due_date or self.period_end, self.number)

    def overdue_on(self, today: date) -> bool:
        """Past a due date the portal gave, with something still to pay."""
        return self.remaining_cents > 0 and self.due_date is not None and self.due_date < today


class InvoiceList(Response):
    invoices: list[Invoice]
    #: Sum of remaining_cents over all the family's invoices, whatever the filter, but
    #: those a direct debit will take (`direct_debit_on`): what the family has to pay.
    total_remaining_cents: Cents

    @classmethod
    def of(cls, every: list[Invoice], status: InvoiceFilter = InvoiceFilter.ALL) -> InvoiceList:
        """The answer to `GET invoices?status=`: `every` invoice of the family, filtered,
        and the total « Reste à payer » of all of them (but what a direct debit takes)."""
        if status is InvoiceFilter.UNPAID:
            shown = [i for i in every if i.status is not InvoiceStatus.REGLEE]
        elif status is InvoiceFilter.PAID:
            shown = [i for i in every if i.status is InvoiceStatus.REGLEE]
        else:
            shown = every
        return cls(invoices=shown, total_remaining_cents=sum(
            i.remaining_cents for i in every if i.direct_debit_on is None))
