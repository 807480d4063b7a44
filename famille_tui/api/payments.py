"""Payments through PayFiP/TIPI."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from famille_tui.api.base import Cents, Email, Request, Response

#: `GET payments/{id}?wait=N`: N is at most this many seconds.
MAX_WAIT_SECONDS = 30


class PaymentStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    REFUSED = "refused"
    CANCELLED = "cancelled"  # abandoned on the payment page (« Annuler »)
    EXPIRED = "expired"

    @property
    def is_final(self) -> bool:
        return self is not PaymentStatus.PENDING


class PaymentCreate(Request):
    """`POST payments` (+ `Idempotency-Key` header). The amount is computed by the portal."""

    invoice_ids: list[int] = Field(min_length=1, max_length=50)
    email: Email


class Payment(Response):
    id: str
    status: PaymentStatus
    amount_cents: Cents
    invoice_ids: list[int]
    #: The refdet sent to PayFiP for this payment.
    reference: str
    #: Where the parent pays: the PayFiP page (or the sandbox's).
    payment_url: str
    #: A short address on the portal's own host that leads to `payment_url` while the payment
    #: is pending: small enough for a QR code a phone reads from a terminal.
    short_url: str | None = None
    created_at: datetime
    expires_at: datetime
    #: Set once paid: when, and the bank's authorisation number.
    paid_at: datetime | None = None
    authorization_number: str | None = None
