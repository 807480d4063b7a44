"""FastAPI dependencies: the database connection, the commune of the path, the session."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from fastapi.concurrency import run_in_threadpool

from famille_tui.api import ErrorCode
from famille_tui.portal import security
from famille_tui.portal.context import PortalState
from famille_tui.portal.db import now, transaction
from famille_tui.portal.problems import ApiProblem, not_found

#: SQLite integers are 64-bit: a larger id in a path is simply not found (422), never a crash.
MAX_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


# Why the dependencies below are `async def`: FastAPI runs every plain `def` dependency in
# the request thread pool, one trip each (a future, a queue, a wake-up of the event loop and
# a fight for the GIL). An authenticated request used to make six such trips before its own
# code ran; under load (300 long polls, 70 calls a second) those trips were most of the
# work. What is quick and never waits on a lock now runs on the event loop — taking a pooled
# connection, the commune, the session check (one indexed read; reads never wait in WAL
# mode) — and only writes and the routes' own queries use the thread pool.


async def get_state(request: Request) -> PortalState:
    state: PortalState = request.app.state.portal
    return state


State = Annotated[PortalState, Depends(get_state)]


async def get_db(state: State) -> AsyncIterator[sqlite3.Connection]:
    """A connection of the pool for the time of the request. Taking and giving it back on
    the event loop is safe: it waits on no lock (only a write transaction can, and those
    run in the thread pool)."""
    with state.pool.connection() as conn:
        yield conn


Db = Annotated[sqlite3.Connection, Depends(get_db)]


async def get_commune(
    state: State, commune: Annotated[str, Path(max_length=64)]
) -> sqlite3.Row:
    """The commune of the path, from memory once seen (communes do not change while the
    portal runs); an unknown one is looked up each time, a quick indexed read."""
    row = state.communes.get(commune)
    if row is None:
        with state.pool.connection() as db:
            row = db.execute("SELECT * FROM communes WHERE slug = ?", (commune,)).fetchone()
        if row is None:
            raise not_found("Commune inconnue sur ce portail.")
        state.communes[commune] = row
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


def _write_last_use(state: PortalState, token_hash: str, current: float) -> None:
    with state.pool.connection() as db, transaction(db):
        db.execute(
            "UPDATE sessions SET last_used_at = MAX(last_used_at, ?) WHERE token_hash = ?",
            (current, token_hash),
        )


async def get_user(
    state: State,
    commune: CommuneRow,
    authorization: Annotated[str | None, Header()] = None,
) -> CurrentUser:
    token = bearer_token(authorization)
    if token is None:
        raise ApiProblem(401, ErrorCode.UNAUTHENTICATED, "Veuillez vous connecter.")
    token_hash = security.digest(token)
    # A connection of its own, given back at once rather than the request's `Db`: a long
    # poll, which has no `Db`, then holds no connection while it sleeps.
    with state.pool.connection() as db:
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
    if state.sessions.expired(stored, current):
        # The row stays (purged at a later login) so that every later call with this
        # token says « expired » rather than « unknown ».
        minutes = max(1, round(idle / 60))
        raise ApiProblem(
            401,
            ErrorCode.SESSION_EXPIRED,
            f"Votre session a expiré après {minutes} minute{'s' if minutes > 1 else ''} "
            "d'inactivité. Reconnectez-vous.",
        )
    if state.sessions.needs_write(stored, current):
        # Rarely (see SessionClock): most requests, long polls included, write nothing. A
        # write may wait for SQLite's writer, so it goes to the thread pool.
        await run_in_threadpool(_write_last_use, state, token_hash, current)
    return CurrentUser(row["id"], row["family_id"], row["commune"], row["login"], token_hash)


User = Annotated[CurrentUser, Depends(get_user)]
