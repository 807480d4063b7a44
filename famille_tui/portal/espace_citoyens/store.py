"""The replica's own state: tenants, sessions (`ec_sessions`, in db.SCHEMA with the
replica's payments), anti-forgery tokens, the people of an account numbered by
`idDynamic`, and French formats.

Everything else (accounts, families, invoices) is the Famille API's own tables: the replica
is another face of the same database, as Espace Citoyens is of the town's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Literal

from famille_tui.portal.db import now, transaction

#: Sessions idle for longer than this are purged at the next login.
SESSION_PURGE_AFTER = 24 * 3600
SESSION_COOKIE = "ASP.NET_SessionIdEC"
TOKEN_FIELD = "__RequestVerificationToken"

LoginVariant = Literal["form", "ajax"]


@dataclass(frozen=True)
class Tenant:
    """One town on the shared host: its slug in the URL and the commune of the database."""

    slug: str
    commune: str
    #: « form »: the classic page with form#idFormConnexion; « ajax »: the newer interface,
    #: whose home has no form and logs in through the modal and `LogonAjax`.
    login_variant: LoginVariant

    @property
    def root(self) -> str:
        return f"/{self.slug}/espace-citoyens/"

    @property
    def antiforgery_cookie(self) -> str:
        # ASP.NET MVC names it after the application path; the real name is not public.
        return TOKEN_FIELD + "_" + hashlib.sha256(self.root.encode()).hexdigest()[:12]


#: The demo communes as tenants. Le Chambon-Feugerolles has the classic form, Chaponost the
#: newer AJAX interface, so that both variants are served (a choice of the replica).
TENANTS = {
    "lechambonfeugerolles": Tenant("lechambonfeugerolles", "le-chambon-feugerolles", "form"),
    "chaponost": Tenant("chaponost", "chaponost", "ajax"),
}


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- anti-forgery -----------------------------------------------------------------------


class AntiForgery:
    """ASP.NET's pair: a random cookie and a form token derived from it with the server's
    key, so that a page of another site cannot post a form (it can read neither)."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    @staticmethod
    def new_cookie() -> str:
        return secrets.token_urlsafe(24)

    def form_token(self, cookie: str) -> str:
        return hmac.new(self._key, cookie.encode(), hashlib.sha256).hexdigest()

    def valid(self, cookie: str | None, token: str | None) -> bool:
        if not cookie or not token:
            return False
        return hmac.compare_digest(self.form_token(cookie), token)


# --- sessions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EcSession:
    account_id: int
    family_id: int
    login: str
    display_name: str
    commune: str


def open_session(conn: sqlite3.Connection, tenant: Tenant, account_id: int) -> str:
    """A new session id (never the one the browser had: no session fixation)."""
    session_id = secrets.token_urlsafe(18)
    current = now()
    conn.execute("DELETE FROM ec_sessions WHERE last_used_at < ?",
                 (current - SESSION_PURGE_AFTER,))
    conn.execute(
        "INSERT INTO ec_sessions (id_hash, tenant, account_id, created_at, last_used_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (digest(session_id), tenant.slug, account_id, current, current),
    )
    return session_id


def find_session(
    conn: sqlite3.Connection, tenant: Tenant, session_id: str | None, idle_timeout: float
) -> EcSession | None:
    """The live session of this cookie, its last use written; None when dead or unknown."""
    if not session_id:
        return None
    row = conn.execute(
        "SELECT s.last_used_at, s.tenant, a.id, a.family_id, a.login, a.display_name,"
        " a.commune FROM ec_sessions s JOIN accounts a ON a.id = s.account_id"
        " WHERE s.id_hash = ?",
        (digest(session_id),),
    ).fetchone()
    current = now()
    if row is None or row["tenant"] != tenant.slug or current - row["last_used_at"] > idle_timeout:
        return None
    if current - row["last_used_at"] >= min(60.0, idle_timeout / 10):
        with transaction(conn):
            conn.execute("UPDATE ec_sessions SET last_used_at = MAX(last_used_at, ?)"
                         " WHERE id_hash = ?", (current, digest(session_id)))
    return EcSession(row["id"], row["family_id"], row["login"], row["display_name"],
                     row["commune"])


def close_session(conn: sqlite3.Connection, session_id: str | None) -> None:
    if session_id:
        with transaction(conn):
            conn.execute("DELETE FROM ec_sessions WHERE id_hash = ?", (digest(session_id),))


# --- people of an account ---------------------------------------------------------------

PersonKind = Literal["adult", "child", "contact"]


@dataclass(frozen=True)
class Person:
    kind: PersonKind
    id_dynamic: int
    first_name: str
    last_name: str
    avatar: str
    row: sqlite3.Row

    @property
    def display_name(self) -> str:
        # « Claire MARTIN »: the replica's choice of how a name is written (not public).
        return f"{self.first_name} {self.last_name.upper()}"


def _adult_avatar(role: str) -> str:
    return "mere.png" if "mère" in role.lower() else "pere.png"


def people(conn: sqlite3.Connection, session: EcSession) -> list[Person]:
    """Everyone of the account, numbered as Espace Citoyens does: 1 the account holder
    (the payer), then the other adults, the children, and the entourage."""
    profile = conn.execute("SELECT first_name, last_name FROM profiles WHERE account_id = ?",
                           (session.account_id,)).fetchone()
    adults = conn.execute("SELECT * FROM adults WHERE family_id = ? ORDER BY id",
                          (session.family_id,)).fetchall()

    def is_holder(row: sqlite3.Row) -> bool:
        return profile is not None and (row["first_name"], row["last_name"]) == (
            profile["first_name"], profile["last_name"])

    adults.sort(key=lambda r: 0 if is_holder(r) else 1)
    children = conn.execute("SELECT * FROM children WHERE family_id = ? ORDER BY id",
                            (session.family_id,)).fetchall()
    contacts = conn.execute("SELECT * FROM contacts WHERE family_id = ? ORDER BY id",
                            (session.family_id,)).fetchall()
    result: list[Person] = []
    for row in adults:
        result.append(Person("adult", len(result) + 1, row["first_name"], row["last_name"],
                             _adult_avatar(row["role"]), row))
    # Children start at 3 at the latest (public files: 1 the holder, children 3 and 4).
    number = max(len(result) + 1, 3)
    for row in children:
        avatar = "fillette.png" if row["sex"] == "F" else "garcon.png"
        result.append(Person("child", number, row["first_name"], row["last_name"], avatar, row))
        number += 1
    for row in contacts:
        avatar = "agent_fille.png" if row["sex"] == "F" else "agent_homme.png"
        result.append(Person("contact", number, row["first_name"], row["last_name"], avatar,
                             row))
        number += 1
    return result


def phones_of(person: Person) -> list[str]:
    if person.kind == "contact":
        return [str(p) for p in json.loads(person.row["phones"])]
    phone = person.row["phone"] if person.kind == "adult" else None
    return [phone] if phone else []


# --- French formats ---------------------------------------------------------------------

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def long_date(value: date | str | None) -> str:
    """« 15 janvier 2026 », « 1er octobre 2026 » (empty for no date: the Famille API's
    invoice model allows none, the replica's own invoices always have both)."""
    if value is None:
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(value)
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"


def decimal_comma(cents: int) -> str:
    """« 312,40 », « 1 234,56 » (no-break space between thousands, as .NET's fr-FR)."""
    euros, rest = divmod(cents, 100)
    return f"{euros:,}".replace(",", "\u00a0") + f",{rest:02d}"
