"""Session, activation, password reset and password policy."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from famille_tui.api.base import Login, Password, Request, Response


class LoginRequest(Request):
    login: Login
    password: Password


class Account(Response):
    login: str
    display_name: str
    email: str | None = None
    family_name: str


class SessionCreated(Response):
    token: str
    expires_at: datetime
    #: Seconds of inactivity after which the token expires.
    idle_timeout_seconds: int
    account: Account


class ActivationRequest(Request):
    login: Login
    temporary_password: Password
    new_password: Password


class PasswordResetRequest(Request):
    login: Login


class PasswordResetConfirm(Request):
    login: Login
    code: str = Field(min_length=1, max_length=32)
    new_password: Password


class Accepted(Response):
    """202/200 answers that carry only a sentence for the parent."""

    message: str


class PasswordPolicy(Response):
    """`GET password-policy`: the rules, shown before the parent types (not after failing)."""

    min_length: int
    require_letter: bool
    require_digit: bool
    #: One French sentence describing the rules.
    description: str
