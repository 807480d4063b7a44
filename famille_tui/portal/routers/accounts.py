"""Sessions, activation, password reset and the password policy."""

from __future__ import annotations

import asyncio
import contextlib
import math
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Response, status
from fastapi.concurrency import run_in_threadpool

from famille_tui.api import (
    Accepted,
    Account,
    ActivationRequest,
    ErrorCode,
    LoginRequest,
    PasswordPolicy,
    PasswordResetConfirm,
    PasswordResetRequest,
    SessionCreated,
)
from famille_tui.portal import security
from famille_tui.portal.db import now, to_datetime, transaction
from famille_tui.portal.deps import CommuneRow, Db, State, User
from famille_tui.portal.outbox import send_mail
from famille_tui.portal.problems import ApiProblem

router = APIRouter(tags=["compte"])

RESET_CODE_TTL = 15 * 60
RESET_MAX_ATTEMPTS = 5
#: A second reset e-mail within this many seconds is not sent (the answer is the same).
RESET_RESEND_DELAY = 60
#: Sessions idle for longer than this are purged at the next login.
SESSION_PURGE_AFTER = 24 * 3600

try:
    _PARIS: ZoneInfo | None = ZoneInfo("Europe/Paris")
except ZoneInfoNotFoundError:  # no tz database on this machine: say only « dans N minutes »
    _PARIS = None


def _key(login: str) -> str:
    return login.strip().lower()


def _locked_problem(locked_until: float) -> ApiProblem:
    seconds = max(1, math.ceil(locked_until - now()))
    minutes = max(1, math.ceil(seconds / 60))
    when = f"dans {minutes} minute{'s' if minutes > 1 else ''}"
    if _PARIS is not None:
        at = to_datetime(locked_until).astimezone(_PARIS) + timedelta(seconds=59)
        when = f"à partir de {at.hour} h {at.minute:02d} ({when})"
    return ApiProblem(
        429,
        ErrorCode.ACCOUNT_LOCKED,
        "Trop d'essais infructueux : ce compte est bloqué pour un moment. "
        f"Réessayez {when}, ou utilisez « Mot de passe oublié ».",
        retry_after_seconds=seconds,
    )


def _locked_until(db: sqlite3.Connection, commune: str, login: str, current: float) -> float | None:
    row = db.execute(
        "SELECT locked_until FROM login_failures WHERE commune = ? AND login = ?",
        (commune, _key(login)),
    ).fetchone()
    if row is not None and row["locked_until"] and row["locked_until"] > current:
        return float(row["locked_until"])
    return None


def _claim_attempt(db: sqlite3.Connection, state: State, commune: str, login: str) -> int:
    """Count one attempt at a login's secret *before* the secret is checked, in one write
    transaction with the lock check: its number since the last success (1 to
    `max_failures`); 0 when that many attempts are already counted and some are still being
    checked (the caller waits for them, `claim_attempt`); the 429 when the login is locked.
    Checking first and counting after a failure (as before) let 60 guesses sent at once all
    be checked, and the right one among them log in; counted up front, at most
    `max_failures` ever are checked before the lock.

    A failure stays counted (`_fail_attempt`); a success clears the count
    (`clear_failures`), a right secret refused for another reason takes its attempt back
    (`_release_attempt`). Counts older than the failure window are forgotten, and the rows
    of such logins purged, so that made-up logins leave nothing behind for long."""
    config = state.config
    current = now()
    key = _key(login)
    with transaction(db):
        row = db.execute(
            "SELECT failures, locked_until, updated_at FROM login_failures"
            " WHERE commune = ? AND login = ?",
            (commune, key),
        ).fetchone()
        if row is None:
            # A new row: the moment to purge the forgotten ones (an index on updated_at).
            db.execute(
                "DELETE FROM login_failures WHERE updated_at < ?"
                " AND (locked_until IS NULL OR locked_until < ?)",
                (current - config.failure_window, current),
            )
        locked_until = row["locked_until"] if row is not None else None
        if locked_until is not None and locked_until > current:
            raise _locked_problem(locked_until)
        recent = row is not None and (row["updated_at"] or 0) >= current - config.failure_window
        counted = row["failures"] if recent else 0
        if counted >= config.max_failures:
            return 0
        db.execute(
            "INSERT INTO login_failures (commune, login, failures, locked_until, updated_at)"
            " VALUES (?, ?, ?, NULL, ?) ON CONFLICT (commune, login) DO UPDATE SET"
            " failures = excluded.failures, locked_until = NULL,"
            " updated_at = excluded.updated_at",
            (commune, key, counted + 1, current),
        )
    return int(counted) + 1


#: How long an attempt waits for the ones being checked before it (see `claim_attempt`).
CLAIM_WAIT_SECONDS = 10.0


async def claim_attempt(db: Db, state: State, commune: str, login: str) -> int:
    """`_claim_attempt`, waiting while the attempts counted before this one are checked:
    their outcome decides this one's (a success starts the count again, a fifth failure
    locks). So 60 right passwords sent at once all log in, five at a time, and 59 wrong
    ones and the right one sent at once meet the lock. Raises the 429 when locked, or when
    the attempts before it take more than CLAIM_WAIT_SECONDS."""
    key = _attempt_key(commune, login)
    deadline = time.monotonic() + CLAIM_WAIT_SECONDS
    while True:
        # Taken before the count is read, so that an end between the two is not missed.
        with state.attempts.watching(key) as ended:
            # In the order of arrival: SQLite's writer lock is no queue (a late comer may get
            # it before one that waits), and the guess sent last must be counted last.
            async with state.attempt_locks.hold(key):
                attempt = await run_in_threadpool(_claim_attempt, db, state, commune, login)
            if attempt:
                return attempt
            left = deadline - time.monotonic()
            if left <= 0:
                raise ApiProblem(
                    429,
                    ErrorCode.RATE_LIMITED,
                    "Trop de connexions à la fois pour cet identifiant : réessayez dans un "
                    "instant.",
                    retry_after_seconds=5,
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ended.wait(), min(left, 1.0))


def _attempt_key(commune: str, login: str) -> str:
    return f"{commune}\n{_key(login)}"


def attempt_ended(state: State, commune: str, login: str) -> None:
    """Wake the attempts waiting on this login's (`claim_attempt`): call once it is decided."""
    state.attempts.changed(_attempt_key(commune, login))


def _fail_attempt(
    db: sqlite3.Connection, state: State, commune: str, login: str, attempt: int
) -> int:
    """The claimed attempt `attempt` failed: the tries left, or the 429 if it was the last."""
    config = state.config
    if attempt < config.max_failures:
        return config.max_failures - attempt
    current = now()
    locked_until = current + config.lockout_seconds
    with transaction(db):
        db.execute(
            "UPDATE login_failures SET failures = 0, updated_at = ?,"
            " locked_until = MAX(COALESCE(locked_until, 0), ?) WHERE commune = ? AND login = ?",
            (current, locked_until, commune, _key(login)),
        )
    raise _locked_problem(locked_until)


def _release_attempt(db: sqlite3.Connection, commune: str, login: str) -> None:
    """Take back a claimed attempt whose secret was right (a weak new password, an account
    not activated yet): it was no guess."""
    with transaction(db):
        db.execute(
            "UPDATE login_failures SET failures = MAX(failures - 1, 0)"
            " WHERE commune = ? AND login = ? AND failures > 0",
            (commune, _key(login)),
        )


def clear_failures(db: sqlite3.Connection, commune: str, login: str) -> None:
    """After a success, inside the transaction that opens its session: the count starts
    again — but a lock reached meanwhile (by guesses sent at the same time) holds, and the
    success is refused (the 429)."""
    locked_until = _locked_until(db, commune, login, now())
    if locked_until is not None:
        raise _locked_problem(locked_until)
    db.execute(
        "DELETE FROM login_failures WHERE commune = ? AND login = ?", (commune, _key(login))
    )


def _find_account(db: sqlite3.Connection, commune: str, login: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        "SELECT a.*, f.name AS family_name, p.email AS email FROM accounts a"
        " JOIN families f ON f.id = a.family_id"
        " LEFT JOIN profiles p ON p.account_id = a.id"
        " WHERE a.commune = ? AND a.login = ?",
        (commune, _key(login)),
    ).fetchone()
    return row


def _tries_left(left: int) -> str:
    return f"Il reste {left} essai{'s' if left > 1 else ''} avant le blocage du compte."


def _open_session(
    db: sqlite3.Connection, commune: str, login: str, account_id: int, token_hash: str,
    current: float, new_hash: str | None,
) -> None:
    with transaction(db):
        clear_failures(db, commune, login)
        db.execute(
            "DELETE FROM sessions WHERE last_used_at < ?", (current - SESSION_PURGE_AFTER,)
        )
        db.execute(
            "INSERT INTO sessions (token_hash, account_id, created_at, last_used_at)"
            " VALUES (?, ?, ?, ?)",
            (token_hash, account_id, current, current),
        )
        if new_hash is not None:
            # The hash was made with older argon2 settings: replaced now that the password
            # is known to be right, so stored hashes follow the settings without a reset.
            db.execute(
                "UPDATE accounts SET password_hash = ? WHERE id = ?", (new_hash, account_id)
            )


@asynccontextmanager
async def authenticated(
    db: sqlite3.Connection, state: State, slug: str, login: str, password: str
) -> AsyncIterator[tuple[sqlite3.Row, str | None]]:
    """Check a login and password, as one claimed attempt (`claim_attempt`): gives the
    account row and, when its hash uses older argon2 settings, its new hash (to store with
    the session). Raises the ApiProblem to answer (401 wrong or unknown alike, 403 not
    activated, 429 locked). The caller opens its session inside the block, calling
    `clear_failures` in that transaction; the attempt ends when the block does. Shared by
    the Famille API's `POST session` and the Espace Citoyens replica's logins, so both count
    and lock the same way.

    Async on purpose: the slow part, argon2, is awaited in the password pool
    (`security.verify_password_async`), and the short database steps run in the request
    thread pool, so a burst of logins never holds the threads other requests need."""
    attempt = await claim_attempt(db, state, slug, login)
    try:
        yield await _authenticate(db, state, slug, login, password, attempt)
    finally:
        attempt_ended(state, slug, login)


async def _authenticate(
    db: sqlite3.Connection, state: State, slug: str, login: str, password: str, attempt: int
) -> tuple[sqlite3.Row, str | None]:
    account = await run_in_threadpool(_find_account, db, slug, login)
    if account is not None and not account["activated"]:
        if await security.verify_password_async(account["temporary_password_hash"], password):
            await run_in_threadpool(_release_attempt, db, slug, login)
            raise ApiProblem(
                403,
                ErrorCode.NOT_ACTIVATED,
                "Ce compte n'est pas encore activé : choisissez « Première connexion » et "
                "saisissez le mot de passe provisoire reçu par e-mail.",
            )
        ok = False
    else:
        ok = await security.verify_password_async(
            account["password_hash"] if account else None, password
        )
    if not ok or account is None:
        left = await run_in_threadpool(_fail_attempt, db, state, slug, login, attempt)
        raise ApiProblem(
            401,
            ErrorCode.INVALID_CREDENTIALS,
            f"Identifiant ou mot de passe incorrect. {_tries_left(left)}",
        )
    new_hash = None
    if security.needs_rehash(account["password_hash"]):
        new_hash = await security.hash_password_async(password)
    return account, new_hash


@router.post("/session", status_code=status.HTTP_201_CREATED, response_model=SessionCreated)
async def login(body: LoginRequest, db: Db, state: State, commune: CommuneRow) -> SessionCreated:
    slug = commune["slug"]
    token = security.new_token()
    async with authenticated(db, state, slug, body.login, body.password) as (account, new_hash):
        current = now()
        await run_in_threadpool(
            _open_session, db, slug, body.login, account["id"], security.digest(token),
            current, new_hash,
        )
    idle = state.config.idle_timeout
    return SessionCreated(
        token=token,
        expires_at=to_datetime(current + idle),
        idle_timeout_seconds=idle,
        account=Account(
            login=account["login"],
            display_name=account["display_name"],
            email=account["email"] or None,
            family_name=account["family_name"],
        ),
    )


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT)
def logout(db: Db, user: User) -> Response:
    with transaction(db):
        db.execute("DELETE FROM sessions WHERE token_hash = ?", (user.token_hash,))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


#: Activation and password reset answer after this many seconds whatever they did, so that
#: the time of an answer tells nothing about the login (a real account's reset writes a
#: code and an e-mail, a made-up one nothing: ≈ 1.5 × slower, separable in a few tries).
#: Far above the work itself (a few milliseconds); a sleep on the event loop, no thread.
ANSWER_SECONDS = 0.3

_INVALID_ACTIVATION = (
    "Identifiant ou mot de passe provisoire incorrect, ou compte déjà activé : recopiez-les "
    "depuis l'e-mail d'activation. Si votre compte est déjà activé, connectez-vous avec votre "
    "mot de passe, ou utilisez « Mot de passe oublié »."
)


def _activate(
    db: sqlite3.Connection, state: State, slug: str, body: ActivationRequest, attempt: int
) -> None:
    account = _find_account(db, slug, body.login)
    # One hash checked whatever the login: an unknown login is checked against a dummy one.
    # An activated account keeps its temporary password's hash, so that only someone who
    # holds that password learns « déjà activé »; anyone else gets the answer of an
    # unknown login, counted as a failure like it.
    ok = security.verify_password(
        account["temporary_password_hash"] if account else None, body.temporary_password
    )
    if account is None or not ok:
        left = _fail_attempt(db, state, slug, body.login, attempt)
        raise ApiProblem(
            400, ErrorCode.INVALID_ACTIVATION, f"{_INVALID_ACTIVATION} {_tries_left(left)}"
        )
    if account["activated"]:
        _release_attempt(db, slug, body.login)
        raise ApiProblem(
            409,
            ErrorCode.ALREADY_ACTIVATED,
            "Ce compte est déjà activé : connectez-vous avec votre mot de passe, "
            "ou utilisez « Mot de passe oublié ».",
        )
    if body.new_password == body.temporary_password:
        _release_attempt(db, slug, body.login)
        _check_new_password(body.new_password, body.temporary_password)
    new_hash = security.hash_password(body.new_password)
    with transaction(db):
        db.execute(
            "UPDATE accounts SET password_hash = ?, activated = 1 WHERE id = ? AND activated = 0",
            (new_hash, account["id"]),
        )
        clear_failures(db, slug, body.login)


@router.post("/activation", response_model=Accepted)
async def activate(
    body: ActivationRequest, db: Db, state: State, commune: CommuneRow
) -> Accepted:
    slug = commune["slug"]
    async with security.fixed_duration(ANSWER_SECONDS):
        # The policy first: it is public, so refusing a weak new password reveals nothing.
        _check_new_password(body.new_password)
        attempt = await claim_attempt(db, state, slug, body.login)
        try:
            await run_in_threadpool(_activate, db, state, slug, body, attempt)
        finally:
            attempt_ended(state, slug, body.login)
    return Accepted(
        message="Votre compte est activé. Connectez-vous avec votre nouveau mot de passe."
    )


def _check_new_password(new_password: str, old: str | None = None) -> None:
    problem = security.password_problem(new_password)
    if problem is None and old is not None and new_password == old:
        problem = "Le nouveau mot de passe doit être différent du mot de passe provisoire."
    if problem is not None:
        raise ApiProblem(
            422,
            ErrorCode.WEAK_PASSWORD,
            problem,
            field_errors={"new_password": problem},
        )


_RESET_SENT = (
    "Si un compte correspond à cet identifiant, un code de réinitialisation vient d'être "
    "envoyé à son adresse électronique. Il est valable 15 minutes."
)


def _reset_subject(commune: sqlite3.Row) -> str:
    return f"Votre code de réinitialisation – {commune['name']}"


def _send_reset_code(db: sqlite3.Connection, commune: sqlite3.Row, login: str) -> None:
    account = _find_account(db, commune["slug"], login)
    if account is None or not account["email"]:
        return
    current = now()
    with transaction(db):
        previous = db.execute(
            "SELECT expires_at FROM reset_codes WHERE account_id = ?", (account["id"],)
        ).fetchone()
        sent_at = previous["expires_at"] - RESET_CODE_TTL if previous else None
        if sent_at is not None and current - sent_at < RESET_RESEND_DELAY:
            return
        code = security.new_reset_code()
        db.execute(
            "INSERT INTO reset_codes (account_id, code_hash, expires_at, attempts)"
            " VALUES (?, ?, ?, 0) ON CONFLICT (account_id) DO UPDATE SET"
            " code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0",
            (account["id"], security.digest(code), current + RESET_CODE_TTL),
        )
        # The previous codes are dead now: their e-mails go, so that anonymous requests
        # keep at most one reset e-mail per account.
        db.execute(
            "DELETE FROM outbox WHERE commune = ? AND to_addr = ? AND subject = ?",
            (commune["slug"], account["email"], _reset_subject(commune)),
        )
        send_mail(
            db,
            commune["slug"],
            account["email"],
            _reset_subject(commune),
            "Bonjour,\n\n"
            "Vous avez demandé à réinitialiser le mot de passe de votre Espace famille.\n\n"
            f"Identifiant : {account['login']}\n"
            f"Code : {code}\n\n"
            "Ce code est valable 15 minutes. Si vous n'êtes pas à l'origine de cette demande, "
            "ignorez ce message : votre mot de passe reste inchangé.\n\n"
            f"{commune['structure']} – {commune['phone']}\n",
        )


@router.post("/password-reset", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
async def request_reset(body: PasswordResetRequest, db: Db, commune: CommuneRow) -> Accepted:
    # Same answer, same status and same time whether the login exists or not.
    async with security.fixed_duration(ANSWER_SECONDS):
        await run_in_threadpool(_send_reset_code, db, commune, body.login)
    return Accepted(message=_RESET_SENT)


def _claim_code_attempt(db: sqlite3.Connection, account_id: int) -> sqlite3.Row | None:
    """Count one try of the account's reset code before comparing it, in one write
    transaction: the code's row, or None when there is none to try (no code, expired, or
    its tries used up). As for logins, counting after the comparison let 24 codes sent at
    once all be compared; counted first, at most RESET_MAX_ATTEMPTS ever are."""
    with transaction(db):
        row: sqlite3.Row | None = db.execute(
            "SELECT * FROM reset_codes WHERE account_id = ?", (account_id,)
        ).fetchone()
        if row is None or row["expires_at"] < now() or row["attempts"] >= RESET_MAX_ATTEMPTS:
            return None
        db.execute(
            "UPDATE reset_codes SET attempts = attempts + 1 WHERE account_id = ?",
            (account_id,),
        )
    return row


def _set_new_password(
    db: sqlite3.Connection, commune: sqlite3.Row, body: PasswordResetConfirm,
    account: sqlite3.Row, code_hash: str,
) -> None:
    _check_new_password(body.new_password)
    new_hash = security.hash_password(body.new_password)
    with transaction(db):
        # Used once: only the transaction that deletes this very code goes on.
        used = db.execute(
            "DELETE FROM reset_codes WHERE account_id = ? AND code_hash = ?",
            (account["id"], code_hash),
        )
        if used.rowcount != 1:
            raise _invalid_code()
        db.execute(
            "UPDATE accounts SET password_hash = ?, temporary_password_hash = NULL,"
            " activated = 1 WHERE id = ?",
            (new_hash, account["id"]),
        )
        # A new password ends every open session of the account.
        db.execute("DELETE FROM sessions WHERE account_id = ?", (account["id"],))
        db.execute(
            "DELETE FROM login_failures WHERE commune = ? AND login = ?",
            (commune["slug"], _key(body.login)),
        )


def _invalid_code() -> ApiProblem:
    return ApiProblem(
        400,
        ErrorCode.INVALID_CODE,
        "Code incorrect ou expiré. Vérifiez le code reçu par e-mail, ou demandez-en un nouveau.",
        field_errors={"code": "code incorrect ou expiré"},
    )


@router.post("/password-reset/confirm", response_model=Accepted)
async def confirm_reset(
    body: PasswordResetConfirm, db: Db, state: State, commune: CommuneRow
) -> Accepted:
    async with security.fixed_duration(ANSWER_SECONDS):
        account = await run_in_threadpool(_find_account, db, commune["slug"], body.login)
        if account is None:
            raise _invalid_code()
        # Tries of one code counted one at a time, in the order they arrived.
        async with state.attempt_locks.hold(f"code\n{account['id']}"):
            row = await run_in_threadpool(_claim_code_attempt, db, account["id"])
        if row is None or not security.same_digest(
            row["code_hash"], security.digest(body.code.strip())
        ):
            raise _invalid_code()
        await run_in_threadpool(_set_new_password, db, commune, body, account, row["code_hash"])
    return Accepted(
        message="Votre mot de passe est changé. Connectez-vous avec le nouveau mot de passe."
    )


@router.get("/password-policy", response_model=PasswordPolicy)
def password_policy(commune: CommuneRow) -> PasswordPolicy:
    return PasswordPolicy(
        min_length=security.MIN_PASSWORD_LENGTH,
        require_letter=True,
        require_digit=True,
        description=security.POLICY_DESCRIPTION,
    )
