"""Sessions, activation, password reset and the password policy."""

from __future__ import annotations

import math
import sqlite3
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
from famille_tui.portal.context import PortalState
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


def _check_not_locked(db: sqlite3.Connection, commune: str, login: str) -> None:
    row = db.execute(
        "SELECT locked_until FROM login_failures WHERE commune = ? AND login = ?",
        (commune, _key(login)),
    ).fetchone()
    if row is not None and row["locked_until"] and row["locked_until"] > now():
        raise _locked_problem(row["locked_until"])


def _record_failure(db: sqlite3.Connection, state: PortalState, commune: str, login: str) -> int:
    """Count one failure; returns the tries left before the lock, or raises the 429."""
    config = state.config
    with transaction(db):
        row = db.execute(
            "SELECT failures FROM login_failures WHERE commune = ? AND login = ?",
            (commune, _key(login)),
        ).fetchone()
        failures = (row["failures"] if row else 0) + 1
        locked_until = None
        if failures >= config.max_failures:
            locked_until = now() + config.lockout_seconds
            failures = 0
        db.execute(
            "INSERT INTO login_failures (commune, login, failures, locked_until)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (commune, login) DO UPDATE SET"
            " failures = excluded.failures, locked_until = excluded.locked_until",
            (commune, _key(login), failures, locked_until),
        )
    if locked_until is not None:
        raise _locked_problem(locked_until)
    return config.max_failures - failures


def clear_failures(db: sqlite3.Connection, commune: str, login: str) -> None:
    """Forget the failed logins of this login (call inside the transaction that opens a
    session)."""
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


def _login_account(db: sqlite3.Connection, commune: str, login: str) -> sqlite3.Row | None:
    """The account of a login attempt, after the lock is checked (raises the 429)."""
    _check_not_locked(db, commune, login)
    return _find_account(db, commune, login)


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


async def authenticate(
    db: sqlite3.Connection, state: PortalState, slug: str, login: str, password: str
) -> tuple[sqlite3.Row, str | None]:
    """Check a login and password: the account row and, when its hash uses older argon2
    settings, its new hash (to store with the session). Raises the ApiProblem to answer
    (401 wrong or unknown alike, 403 not activated, 429 locked). Shared by the Famille API's
    `POST session` and the Espace Citoyens replica's logins, so both lock the same way.

    Async on purpose: the slow part, argon2, is awaited in the password pool
    (`security.verify_password_async`), and the short database steps run in the request
    thread pool, so a burst of logins never holds the threads other requests need."""
    account = await run_in_threadpool(_login_account, db, slug, login)
    if account is not None and not account["activated"]:
        if await security.verify_password_async(account["temporary_password_hash"], password):
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
        left = await run_in_threadpool(_record_failure, db, state, slug, login)
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
    account, new_hash = await authenticate(db, state, slug, body.login, body.password)
    token = security.new_token()
    current = now()
    await run_in_threadpool(
        _open_session, db, slug, body.login, account["id"], security.digest(token), current,
        new_hash,
    )
    idle = state.config.idle_timeout
    return SessionCreated(
        token=token,
        expires_at=to_datetime(current + idle),
        idle_timeout_seconds=idle,
        account=Account(
            login=account["login"],
            display_name=account["display_name"],
            email=account["email"],
            family_name=account["family_name"],
        ),
    )


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT)
def logout(db: Db, user: User) -> Response:
    with transaction(db):
        db.execute("DELETE FROM sessions WHERE token_hash = ?", (user.token_hash,))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/activation", response_model=Accepted)
def activate(body: ActivationRequest, db: Db, state: State, commune: CommuneRow) -> Accepted:
    slug = commune["slug"]
    _check_not_locked(db, slug, body.login)
    account = _find_account(db, slug, body.login)
    ok = security.verify_password(
        account["temporary_password_hash"] if account else None, body.temporary_password
    )
    if account is not None and account["activated"]:
        raise ApiProblem(
            409,
            ErrorCode.ALREADY_ACTIVATED,
            "Ce compte est déjà activé : connectez-vous avec votre mot de passe, "
            "ou utilisez « Mot de passe oublié ».",
        )
    if not ok or account is None:
        left = _record_failure(db, state, slug, body.login)
        raise ApiProblem(
            400,
            ErrorCode.INVALID_ACTIVATION,
            "Identifiant ou mot de passe provisoire incorrect : recopiez-les depuis l'e-mail "
            f"d'activation. {_tries_left(left)}",
        )
    _check_new_password(body.new_password, body.temporary_password)
    with transaction(db):
        db.execute(
            "UPDATE accounts SET password_hash = ?, temporary_password_hash = NULL,"
            " activated = 1 WHERE id = ?",
            (security.hash_password(body.new_password), account["id"]),
        )
        clear_failures(db, slug, body.login)
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


@router.post("/password-reset", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
def request_reset(body: PasswordResetRequest, db: Db, commune: CommuneRow) -> Accepted:
    # Same answer, same status, whether the login exists or not: no account enumeration.
    account = _find_account(db, commune["slug"], body.login)
    if account is None or not account["email"]:
        return Accepted(message=_RESET_SENT)
    current = now()
    with transaction(db):
        previous = db.execute(
            "SELECT expires_at FROM reset_codes WHERE account_id = ?", (account["id"],)
        ).fetchone()
        sent_at = previous["expires_at"] - RESET_CODE_TTL if previous else None
        if sent_at is not None and current - sent_at < RESET_RESEND_DELAY:
            return Accepted(message=_RESET_SENT)
        code = security.new_reset_code()
        db.execute(
            "INSERT INTO reset_codes (account_id, code_hash, expires_at, attempts)"
            " VALUES (?, ?, ?, 0) ON CONFLICT (account_id) DO UPDATE SET"
            " code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0",
            (account["id"], security.digest(code), current + RESET_CODE_TTL),
        )
        send_mail(
            db,
            commune["slug"],
            account["email"],
            f"Votre code de réinitialisation – {commune['name']}",
            "Bonjour,\n\n"
            "Vous avez demandé à réinitialiser le mot de passe de votre Espace famille.\n\n"
            f"Identifiant : {account['login']}\n"
            f"Code : {code}\n\n"
            "Ce code est valable 15 minutes. Si vous n'êtes pas à l'origine de cette demande, "
            "ignorez ce message : votre mot de passe reste inchangé.\n\n"
            f"{commune['structure']} – {commune['phone']}\n",
        )
    return Accepted(message=_RESET_SENT)


@router.post("/password-reset/confirm", response_model=Accepted)
def confirm_reset(body: PasswordResetConfirm, db: Db, commune: CommuneRow) -> Accepted:
    invalid = ApiProblem(
        400,
        ErrorCode.INVALID_CODE,
        "Code incorrect ou expiré. Vérifiez le code reçu par e-mail, ou demandez-en un nouveau.",
        field_errors={"code": "code incorrect ou expiré"},
    )
    account = _find_account(db, commune["slug"], body.login)
    if account is None:
        raise invalid
    row = db.execute(
        "SELECT * FROM reset_codes WHERE account_id = ?", (account["id"],)
    ).fetchone()
    if row is None or row["expires_at"] < now() or row["attempts"] >= RESET_MAX_ATTEMPTS:
        raise invalid
    if not security.same_digest(row["code_hash"], security.digest(body.code.strip())):
        with transaction(db):
            db.execute(
                "UPDATE reset_codes SET attempts = attempts + 1 WHERE account_id = ?",
                (account["id"],),
            )
        raise invalid
    _check_new_password(body.new_password)
    with transaction(db):
        db.execute(
            "UPDATE accounts SET password_hash = ?, temporary_password_hash = NULL,"
            " activated = 1 WHERE id = ?",
            (security.hash_password(body.new_password), account["id"]),
        )
        db.execute("DELETE FROM reset_codes WHERE account_id = ?", (account["id"],))
        # A new password ends every open session of the account.
        db.execute("DELETE FROM sessions WHERE account_id = ?", (account["id"],))
        clear_failures(db, commune["slug"], body.login)
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
