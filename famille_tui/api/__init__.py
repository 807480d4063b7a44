"""The Famille API (v1) contract: pydantic models shared by the client and the portal.

This package imports nothing of the project. Base URL of one town:
`{origin}/{commune}/`; the API lives under `{base}api/v1/`.

| method and path (under `{base}api/v1/`)  | request            | answer                        |
|------------------------------------------|--------------------|-------------------------------|
| POST   session                           | LoginRequest       | SessionCreated (201)          |
| DELETE session                           |                    | 204                           |
| POST   activation                        | ActivationRequest  | Accepted                      |
| POST   password-reset                    | PasswordResetRequest | Accepted (202, any login)   |
| POST   password-reset/confirm            | PasswordResetConfirm | Accepted                    |
| GET    password-policy                   |                    | PasswordPolicy                |
| GET    family                            |                    | Family                        |
| GET    entourage                         |                    | list[Contact]                 |
| POST   entourage                         | ContactCreate      | Contact (201)                 |
| PATCH  entourage/{id}                    | ContactUpdate      | Contact                       |
| DELETE entourage/{id}                    |                    | 204                           |
| GET    dashboard                         |                    | Dashboard                     |
| POST   messages/{id}/read                |                    | Message                       |
| POST   messages/{id}/reply               | ReplyCreate        | Reply (201)                   |
| GET    profile                           |                    | Profile                       |
| PUT    profile                           | ProfileUpdate      | Profile                       |
| GET    invoices?status=unpaid|paid|all   |                    | InvoiceList                   |
| GET    invoices/{id}                     |                    | Invoice                       |
| GET    invoices/{id}/pdf                 |                    | application/pdf               |
| POST   payments  (Idempotency-Key)       | PaymentCreate      | Payment (201; 200 on replay)  |
| GET    payments/{id}?wait=N (N ≤ 30)     |                    | Payment (after N s at most)   |
| GET    help                              |                    | HelpContact                   |
| GET    activities                        |                    | ActivityList                  |
| GET    reservations?start&end&child_id   |                    | ReservationPeriod (≤ 366 days)|
| POST   reservations/changes (Idempotency-Key) | ReservationChanges | ChangeResult (200)      |
| GET    demo/outbox (demo portal only)    |                    | list[OutboxMessage]           |

At the origin: `GET /communes` → list[Commune], `GET /openapi.json`.
Every error: an HTTP status and ErrorResponse.
"""

# The names are re-exported lazily (PEP 562): `from famille_tui.api import Invoice` imports
# `famille_tui.api.invoices` (and pydantic) only then, so that a module needing one
# pydantic-free helper (`api.places`, `api.money`, `api.clock`) does not build every model
# of the contract — the TUI's start reaches its first frame without any of them.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from famille_tui.api.accounts import (
        Accepted,
        Account,
        ActivationRequest,
        LoginRequest,
        PasswordPolicy,
        PasswordResetConfirm,
        PasswordResetRequest,
        SessionCreated,
    )
    from famille_tui.api.base import check_email, check_refdet, normalize_phone
    from famille_tui.api.dashboard import (
        MAX_REPLY_CHARS,
        Dashboard,
        Event,
        Message,
        NewsItem,
        Reply,
        ReplyCreate,
        RequestItem,
    )
    from famille_tui.api.errors import ErrorBody, ErrorCode, ErrorResponse
    from famille_tui.api.family import (
        Adult,
        Child,
        Contact,
        ContactCreate,
        ContactUpdate,
        Family,
        HelpContact,
        Profile,
        ProfileUpdate,
    )
    from famille_tui.api.invoice_filter import InvoiceFilter
    from famille_tui.api.invoices import (
        Invoice,
        InvoiceList,
        InvoiceStatus,
        Receipt,
        ReceiptMethod,
    )
    from famille_tui.api.payments import MAX_WAIT_SECONDS, Payment, PaymentCreate, PaymentStatus
    from famille_tui.api.portal import Commune, OutboxMessage
    from famille_tui.api.reservations import (
        MAX_CHANGES,
        MAX_PERIOD_DAYS,
        Activity,
        ActivityList,
        BookingRule,
        ChangeAction,
        ChangeLine,
        ChangeOutcome,
        ChangeResult,
        ChildActivities,
        ChildDay,
        ChildReservations,
        Deadline,
        DeadlineKind,
        FamilyDeadline,
        LateCancellation,
        RefusalCode,
        ReservationChange,
        ReservationChanges,
        ReservationPeriod,
        Service,
        Slot,
        SlotState,
    )

#: Each public name and the submodule that defines it.
_EXPORTS: dict[str, str] = {
    "InvoiceFilter": "invoice_filter",
    **dict.fromkeys((
        "Accepted",
        "Account",
        "ActivationRequest",
        "LoginRequest",
        "PasswordPolicy",
        "PasswordResetConfirm",
        "PasswordResetRequest",
        "SessionCreated",
    ), "accounts"),
    **dict.fromkeys((
        "check_email",
        "check_refdet",
        "normalize_phone",
    ), "base"),
    **dict.fromkeys((
        "MAX_REPLY_CHARS",
        "Dashboard",
        "Event",
        "Message",
        "NewsItem",
        "Reply",
        "ReplyCreate",
        "RequestItem",
    ), "dashboard"),
    **dict.fromkeys((
        "ErrorBody",
        "ErrorCode",
        "ErrorResponse",
    ), "errors"),
    **dict.fromkeys((
        "Adult",
        "Child",
        "Contact",
        "ContactCreate",
        "ContactUpdate",
        "Family",
        "HelpContact",
        "Profile",
        "ProfileUpdate",
    ), "family"),
    **dict.fromkeys((
        "Invoice",
        "InvoiceList",
        "InvoiceStatus",
        "Receipt",
        "ReceiptMethod",
    ), "invoices"),
    **dict.fromkeys((
        "MAX_WAIT_SECONDS",
        "Payment",
        "PaymentCreate",
        "PaymentStatus",
    ), "payments"),
    **dict.fromkeys((
        "Commune",
        "OutboxMessage",
    ), "portal"),
    **dict.fromkeys((
        "MAX_CHANGES",
        "MAX_PERIOD_DAYS",
        "Activity",
        "ActivityList",
        "BookingRule",
        "ChangeAction",
        "ChangeLine",
        "ChangeOutcome",
        "ChangeResult",
        "ChildActivities",
        "ChildDay",
        "ChildReservations",
        "Deadline",
        "DeadlineKind",
        "FamilyDeadline",
        "LateCancellation",
        "RefusalCode",
        "ReservationChange",
        "ReservationChanges",
        "ReservationPeriod",
        "Service",
        "Slot",
        "SlotState",
    ), "reservations"),
}

API_PREFIX = "api/v1/"

__all__ = [
    "API_PREFIX",
    "MAX_CHANGES",
    "MAX_PERIOD_DAYS",
    "MAX_REPLY_CHARS",
    "MAX_WAIT_SECONDS",
    "Accepted",
    "Account",
    "ActivationRequest",
    "Activity",
    "ActivityList",
    "Adult",
    "BookingRule",
    "ChangeAction",
    "ChangeLine",
    "ChangeOutcome",
    "ChangeResult",
    "Child",
    "ChildActivities",
    "ChildDay",
    "ChildReservations",
    "Commune",
    "Contact",
    "ContactCreate",
    "ContactUpdate",
    "Dashboard",
    "Deadline",
    "DeadlineKind",
    "ErrorBody",
    "ErrorCode",
    "ErrorResponse",
    "Event",
    "Family",
    "FamilyDeadline",
    "HelpContact",
    "Invoice",
    "InvoiceFilter",
    "InvoiceList",
    "InvoiceStatus",
    "LateCancellation",
    "LoginRequest",
    "Message",
    "NewsItem",
    "OutboxMessage",
    "PasswordPolicy",
    "PasswordResetConfirm",
    "PasswordResetRequest",
    "Payment",
    "PaymentCreate",
    "PaymentStatus",
    "Profile",
    "ProfileUpdate",
    "Receipt",
    "ReceiptMethod",
    "RefusalCode",
    "Reply",
    "ReplyCreate",
    "RequestItem",
    "ReservationChange",
    "ReservationChanges",
    "ReservationPeriod",
    "Service",
    "SessionCreated",
    "Slot",
    "SlotState",
    "check_email",
    "check_refdet",
    "normalize_phone",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
