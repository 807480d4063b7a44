"""Passwords, tokens and codes: how the portal keeps secrets it must check but never read.

Passwords are hashed with argon2id (argon2-cffi); bearer tokens and reset codes are random
and stored only as SHA-256 digests, so a copy of the database gives no usable session.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP's minimum argon2id settings: strong enough for a demo portal, and fast enough
# (a few tens of milliseconds) that the test suite can log in often.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
# Compared against when the login is unknown, so that an unknown login costs as much time
# as a known one (no account enumeration through timing).
_DUMMY_HASH = _HASHER.hash("famille-tui: no such account")

MIN_PASSWORD_LENGTH = 8
POLICY_DESCRIPTION = (
    f"Le mot de passe doit comporter au moins {MIN_PASSWORD_LENGTH} caractères, "
    "dont au moins une lettre et un chiffre."
)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; with no hash, still spends the time of a check."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password breaks the rules, in French; None when it follows them."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Le mot de passe doit comporter au moins {MIN_PASSWORD_LENGTH} caractères."
    if not re.search(r"[^\W\d_]", password):
        return "Le mot de passe doit comporter au moins une lettre."
    if not re.search(r"\d", password):
        return "Le mot de passe doit comporter au moins un chiffre."
    return None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The stored form of a token or a code."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


def new_reset_code() -> str:
    """Eight digits, e-mailed to the parent."""
    return f"{secrets.randbelow(10**8):08d}"


def new_temporary_password() -> str:
    """A temporary password for an activation e-mail: easy to type, hard to guess."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
