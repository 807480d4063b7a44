"""`GET invoices?status=`: the filter, in a module of its own without pydantic, so that the
connectors' base class (`client/portals/base.py`, imported by the login screen) can use it as a
default without building the invoice models (`api.invoices` re-exports it)."""

from __future__ import annotations

from enum import StrEnum


class InvoiceFilter(StrEnum):
    """`GET invoices?status=`."""

    UNPAID = "unpaid"  # a_payer and en_cours
    PAID = "paid"
    ALL = "all"
