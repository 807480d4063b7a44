"""FastAPI dependencies: the database connection, the commune of the path, the session."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Path, Request

from famille_tui.api import ErrorCode
from famille_tui.portal import security
from famille_tui.portal.context import PortalState
from famille_tui.portal.db import connect, now, transaction
from famille_tui.portal.problems import ApiProblem, not_found

#: SQLite integers are 64-bit: a larger id in a path is simply not found (422), never a crash.
MAX_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


def get_state(request: Request) -> PortalState:
    state: PortalState = request.app.state.portal
    return state


State = Annotated[PortalState, Depends(get_state)]


def get_db(state: State) -> Iterator[sqlite3.Connection]:
    """One short-lived connection per request."""
    conn = connect(state.config.db_path)
    try:
        yield conn
    finally:
        conn.close()


Db = Annotated[sqlite3.Connection, Depends(get_db)]


def get_commune(
    db: Db, commune: Annotated[str, Path(max_length=64)]
) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM communes WHERE slug = ?", (commune,)
    ).fetchone()
    if row is None:
        raise not_found("Commune inconnue sur ce portail.")
    return row


CommuneRow = Annotated[sqlite3.Row, Depends(get_commune)]


@dataclass(frozen=True)
class CurrentUser:
    """The logged-in account of a request."""

    account_id: int
    family_id: int
    commune: str
    login: str
    token_hash: str


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def get_user(
    db: Db,
    state: State,
    commune: CommuneRow,
    authorization: Annotated[str | None, Header()] = None,
) -> CurrentUser:
    token = bearer_token(authorization)
    if token is None:
        raise ApiProblem(401, ErrorCode.UNAUTHENTICATED, "Veuillez vous connecter.")
    token_hash = security.digest(token)
    row = db.execute(
        "SELECT s.last_used_at, a.id, a.family_id, a.commune, a.login FROM sessions s"
        " JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = ?",
        (token_hash,),
    ).fetchone()
    # A token of another commune is as unknown here as a made-up one.
    if row is None or row["commune"] != commune["slug"]:
        raise ApiProblem(401, ErrorCode.UNAUTHENTICATED, "Veuillez vous connecter.")
    current = now()
    idle = state.config.idle_timeout
    stored = row["last_used_at"]
    if current - state.sessions.last_used(token_hash, stored) > idle:
        # The row stays (purged at a later login) so that every later call with this
        # token says « expired » rather than « unknown ».
        minutes = max(1, round(idle / 60))
        raise ApiProblem(
            401,
            ErrorCode.SESSION_EXPIRED,
            f"Votre session a expiré après {minutes} minute{'s' if minutes > 1 else ''} "
            "d'inactivité. Reconnectez-vous.",
        )
    if state.sessions.touch(token_hash, stored, current):
        # Rarely (see SessionClock): most requests, long polls included, write nothing.
        with transaction(db):
            db.execute(
                "UPDATE sessions SET last_used_at = MAX(last_used_at, ?) WHERE token_hash = ?",
                (current, token_hash),
            )
    return CurrentUser(row["id"], row["family_id"], row["commune"], row["login"], token_hash)


User = Annotated[CurrentUser, Depends(get_user)]
