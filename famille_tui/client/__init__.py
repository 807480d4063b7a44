"""The client layer: everything a face (TUI, plain, commands) needs to talk to a portal.

Faces import from here; see docs/architecture.md for the contract.

The names are re-exported lazily (PEP 562): `from famille_tui.client import PortalClient`
imports `portal_client` (httpx, pydantic) only then. Importing `famille_tui.client.errors`
or `famille_tui.client.config` therefore no longer loads the keyring (its backend probe),
httpx and every API model at once, which the TUI's start-up and `--help` do not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from famille_tui.client.credentials import CredentialStore
    from famille_tui.client.errors import (
        AccountLocked,
        AccountNotActivated,
        ApiError,
        AuthError,
        ConfigError,
        CredentialStoreUnavailable,
        FamilleError,
        InsecurePortalError,
        InvalidCredentials,
        NotFound,
        PaymentHostNotAllowed,
        PaymentRejected,
        PortalProtocolError,
        PortalTimeout,
        PortalUnreachable,
        SessionExpired,
        TransportError,
        ValidationFailed,
    )
    from famille_tui.client.payments import (
        JournalEntry,
        PaymentJournal,
        ResumedPayment,
        WaitEvent,
        check_payment_url,
        checked_short_url,
        new_idempotency_key,
        outcome_message,
        resume_journal,
        start_payment,
        wait_for_payment,
    )
    from famille_tui.client.portal_client import PortalClient, list_communes

#: Each public name and the submodule that defines it.
_EXPORTS: dict[str, str] = {
    "CredentialStore": "credentials",
    **dict.fromkeys(
        (
            "AccountLocked",
            "AccountNotActivated",
            "ApiError",
            "AuthError",
            "ConfigError",
            "CredentialStoreUnavailable",
            "FamilleError",
            "InsecurePortalError",
            "InvalidCredentials",
            "NotFound",
            "PaymentHostNotAllowed",
            "PaymentRejected",
            "PortalProtocolError",
            "PortalTimeout",
            "PortalUnreachable",
            "SessionExpired",
            "TransportError",
            "ValidationFailed",
        ),
        "errors",
    ),
    **dict.fromkeys(
        (
            "JournalEntry",
            "PaymentJournal",
            "ResumedPayment",
            "WaitEvent",
            "check_payment_url",
            "checked_short_url",
            "new_idempotency_key",
            "outcome_message",
            "resume_journal",
            "start_payment",
            "wait_for_payment",
        ),
        "payments",
    ),
    "PortalClient": "portal_client",
    "list_communes": "portal_client",
}

__all__ = [
    "AccountLocked",
    "AccountNotActivated",
    "ApiError",
    "AuthError",
    "ConfigError",
    "CredentialStore",
    "CredentialStoreUnavailable",
    "FamilleError",
    "InsecurePortalError",
    "InvalidCredentials",
    "JournalEntry",
    "NotFound",
    "PaymentHostNotAllowed",
    "PaymentJournal",
    "PaymentRejected",
    "PortalClient",
    "PortalProtocolError",
    "PortalTimeout",
    "PortalUnreachable",
    "ResumedPayment",
    "SessionExpired",
    "TransportError",
    "ValidationFailed",
    "WaitEvent",
    "check_payment_url",
    "checked_short_url",
    "list_communes",
    "new_idempotency_key",
    "outcome_message",
    "resume_journal",
    "start_payment",
    "wait_for_payment",
]


def __getattr__(name: str) -> Any:
    """Import the submodule that defines `name` on first use (PEP 562)."""
    submodule = _EXPORTS.get(name)
    if submodule is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{submodule}"), name)
    globals()[name] = value  # the next access is an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
