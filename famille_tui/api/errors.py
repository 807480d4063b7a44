"""The error document: `{"error": {"code": ..., "message": ...}}`."""

from __future__ import annotations

from enum import StrEnum

from famille_tui.api.base import Response


class ErrorCode(StrEnum):
    """Every `error.code` the portal may send. The client maps them to typed errors."""

    INVALID_CREDENTIALS = "invalid_credentials"  # 401 at login
    NOT_ACTIVATED = "not_activated"  # 403 at login
    ACCOUNT_LOCKED = "account_locked"  # 429, retry_after_seconds set
    SESSION_EXPIRED = "session_expired"  # 401 on any authenticated call
    UNAUTHENTICATED = "unauthenticated"  # 401, no or unknown token
    ALREADY_ACTIVATED = "already_activated"  # 409 at activation
    INVALID_ACTIVATION = "invalid_activation"  # 400 wrong login or temporary password
    INVALID_CODE = "invalid_code"  # 400 wrong or expired reset code
    WEAK_PASSWORD = "weak_password"  # 422 new password breaks the rules
    NOT_FOUND = "not_found"  # 404, also for another family's ids
    VALIDATION_ERROR = "validation_error"  # 422, field_errors set
    INVALID_REQUEST = "invalid_request"  # 400 malformed JSON, not UTF-8, wrong content type
    PAYLOAD_TOO_LARGE = "payload_too_large"  # 413
    INVOICE_NOT_PAYABLE = "invoice_not_payable"  # 409 paid, not payable online, or out of range
    PAYMENT_IN_PROGRESS = "payment_in_progress"  # 409 an invoice is already in a pending payment
    RATE_LIMITED = "rate_limited"  # 429 too many requests
    INTERNAL_ERROR = "internal_error"  # 500


class ErrorBody(Response):
    code: str
    #: In French, fit to be shown to a parent as it is.
    message: str
    #: Field name → French message, for forms (validation_error).
    field_errors: dict[str, str] | None = None
    #: Seconds before trying again (account_locked, rate_limited).
    retry_after_seconds: int | None = None


class ErrorResponse(Response):
    error: ErrorBody
