"""Passwords, tokens and codes: how the portal keeps secrets it must check but never read.

Passwords are hashed with argon2id (argon2-cffi); bearer tokens and reset codes are random
and stored only as SHA-256 digests, so a copy of the database gives no usable session.

Why these argon2id settings: OWASP's Password Storage Cheat Sheet lists five equivalent
minimum configurations of argon2id (m=47 MiB t=1, m=19 MiB t=2, m=12 MiB t=3, m=9 MiB t=4,
m=7 MiB t=5, all p=1) that trade memory for passes at the same strength against GPU
cracking. We use m=12 MiB t=3 p=1: measured on the 2-core bench machine it costs the same
CPU as m=19 MiB t=2 (≈ 15 ms a check) but holds 12 MiB instead of 19 MiB while it runs, which
matters when a portal checks several logins at once (20 logins a second under load). Hashes
made with other settings (the earlier m=19 MiB t=2) still verify, and are rehashed with the
current settings at the next successful login (`needs_rehash`).

Checking a password is deliberately slow, so the API never does it on the event loop nor in
the shared request thread pool: `verify_password_async` runs it in a small pool of its own
(`HASH_WORKERS` threads, at most the number of CPUs), so that a burst of logins queues there
instead of taking every worker thread from the other requests — and at most that many
12 MiB blocks are ever allocated at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import re
import secrets
import threading
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

#: OWASP's m=12 MiB, t=3, p=1 (see the module's docstring).
MEMORY_COST_KIB = 12_288
TIME_COST = 3
PARALLELISM = 1
_HASHER = PasswordHasher(
    time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM
)
# Compared against when the login is unknown, so that an unknown login costs as much time
# as a known one (no account enumeration through timing).
_DUMMY_HASH = _HASHER.hash("famille-tui: no such account")

#: Threads that check passwords: argon2-cffi releases the GIL while it hashes, so up to one
#: check per core runs in parallel; more threads would only add memory, not speed.
HASH_WORKERS = max(1, min(4, os.cpu_count() or 1))
_hash_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()

MIN_PASSWORD_LENGTH = 8
POLICY_DESCRIPTION = (
    f"Le mot de passe doit comporter au moins {MIN_PASSWORD_LENGTH} caractères, "
    "dont au moins une lettre et un chiffre."
)


def _hash(password: str) -> str:
    return _HASHER.hash(password)


def _verify(stored_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _pool() -> ThreadPoolExecutor:
    # Created on first use (not at import) so that a process that never checks a password
    # starts no thread. The lock makes it one pool, hence one bound, for the whole process.
    global _hash_pool
    with _pool_lock:
        if _hash_pool is None:
            _hash_pool = ThreadPoolExecutor(HASH_WORKERS, thread_name_prefix="argon2")
        return _hash_pool


def start_pool() -> None:
    """Start every thread of the password pool now, each with one check (in the
    background: this returns at once). Each thread keeps its argon2 block (12 MiB) for
    reuse; started with the portal, the pool's memory is all taken at start instead of at
    the first logins that overlap, and stays flat from then on."""
    pool = _pool()
    for _ in range(HASH_WORKERS):
        pool.submit(_verify, None, "famille-tui: warm-up")


def hash_password(password: str) -> str:
    """A new argon2id hash, made in the password pool (blocks the calling thread)."""
    return _pool().submit(_hash, password).result()


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; with no hash, still spends the time of a check.

    Runs in the password pool and blocks the calling thread: for the rare sync routes
    (activation, reset). The login, which comes often, awaits `verify_password_async`."""
    return _pool().submit(_verify, stored_hash, password).result()


async def verify_password_async(stored_hash: str | None, password: str) -> bool:
    """`verify_password` in the password pool, awaited without holding any other thread."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool(), _verify, stored_hash, password)


def needs_rehash(stored_hash: str) -> bool:
    """True when `stored_hash` was made with other settings than the current ones."""
    try:
        return _HASHER.check_needs_rehash(stored_hash)
    except (InvalidHashError, ValueError):
        return True


async def hash_password_async(password: str) -> str:
    """`hash_password` in the password pool, awaited."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool(), _hash, password)


@asynccontextmanager
async def fixed_duration(seconds: float) -> AsyncIterator[None]:
    """What runs inside takes `seconds` as seen from outside, whatever it did (and whether
    it raised): the answer of a call that reveals whether a login exists leaves at the same
    time for every login. The wait is a sleep on the event loop, holding no thread."""
    deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        left = deadline - time.monotonic()
        if left > 0:
            await asyncio.sleep(left)


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
