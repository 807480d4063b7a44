"""Reservations: `GET activities`, `GET reservations`, `POST reservations/changes`."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query

from famille_tui.api import (
    MAX_PERIOD_DAYS,
    ActivityList,
    ChangeResult,
    ErrorCode,
    ReservationChanges,
    ReservationPeriod,
)
from famille_tui.portal import reservations
from famille_tui.portal.calendar import monday_of, paris_today
from famille_tui.portal.db import now as timestamp
from famille_tui.portal.deps import MAX_ID, Db, State, User
from famille_tui.portal.problems import ApiProblem, not_found

router = APIRouter(tags=["réservations"])

#: Days a question may name: outside, a date is refused (never a date overflow).
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")
#: Answers of `POST reservations/changes` kept for their Idempotency-Key this long.
BATCH_KEPT_SECONDS = 7 * 24 * 3600


def family_children(db: sqlite3.Connection, user: User) -> list[int]:
    return [r[0] for r in db.execute(
        "SELECT id FROM children WHERE family_id = ? ORDER BY birth_date", (user.family_id,))]


def own_children(db: Db, user: User,
                 child_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> list[int]:
    """The family's children, or the one asked for (another family's is unknown: 404)."""
    children = family_children(db, user)
    if child_id is None:
        return children
    if child_id not in children:
        raise not_found("Cet enfant n'existe pas dans votre famille.")
    return [child_id]


Children = Annotated[list[int], Depends(own_children)]


def _refused_date(field: str, message: str) -> ApiProblem:
    return ApiProblem(422, ErrorCode.VALIDATION_ERROR, message, field_errors={field: message})


@router.get("/activities", response_model=ActivityList)
def activities(db: Db, state: State, user: User) -> ActivityList:
    now = state.config.now()
    children, deadline = reservations.activity_list(db, user.commune, user.family_id, now)
    return ActivityList(now=now, children=children, next_deadline=deadline)


@router.get("/reservations", response_model=ReservationPeriod)
def reservation_period(
    db: Db,
    state: State,
    user: User,
    children: Children,
    start: Annotated[date | None, Query(ge=EARLIEST, le=LATEST)] = None,
    end: Annotated[date | None, Query(ge=EARLIEST, le=LATEST)] = None,
) -> ReservationPeriod:
    """Without dates: the current week (Monday to Sunday, Paris time)."""
    now = state.config.now()
    if start is None:
        start = monday_of(paris_today(now)) if end is None else end - timedelta(days=6)
    if end is None:
        end = start + timedelta(days=6)
    if end < start:
        raise _refused_date("end", "La fin de la période est avant son début.")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise _refused_date("end", f"Une période de {MAX_PERIOD_DAYS} jours au plus.")
    return reservations.reservation_period(db, user.commune, user.family_id, start, end,
                                           now, children)


@router.post("/reservations/changes", response_model=ChangeResult)
def reservation_changes(
    body: ReservationChanges,
    db: Db,
    state: State,
    user: User,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> ChangeResult:
    """Every line judged in order, in one write transaction: all the lines' outcomes are
    those of one moment. With the same Idempotency-Key and the same body, the first answer
    again (nothing done twice); with another body, 422. A dry run changes nothing."""
    if idempotency_key is not None and not _IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise ApiProblem(400, ErrorCode.INVALID_REQUEST,
                         "L'en-tête Idempotency-Key est invalide (1 à 128 caractères visibles).")
    children = set(family_children(db, user))
    for change in body.changes:
        if change.child_id not in children:
            raise not_found("Cet enfant n'existe pas dans votre famille.")
        if not EARLIEST <= change.date <= LATEST:
            raise _refused_date("date", "Date hors des années du calendrier (2000 à 2100).")
    key = None if body.dry_run else idempotency_key
    fingerprint = reservations.fingerprint(body.changes, body.dry_run)
    db.execute("BEGIN IMMEDIATE")
    try:
        if key is not None:
            stored = db.execute(
                "SELECT fingerprint, answer FROM reservation_batches WHERE account_id = ?"
                " AND idempotency_key = ?", (user.account_id, key)).fetchone()
            if stored is not None:
                if stored["fingerprint"] != fingerprint:
                    raise ApiProblem(422, ErrorCode.INVALID_REQUEST,
                                     "Cette clé Idempotency-Key a déjà servi pour d'autres "
                                     "changements.")
                db.execute("ROLLBACK")
                return ChangeResult.model_validate_json(stored["answer"])
        result = reservations.apply_changes(db, user.commune, user.family_id, body.changes,
                                            state.config.now(), dry_run=body.dry_run)
        if body.dry_run:
            db.execute("ROLLBACK")
            return result
        if key is not None:
            current = timestamp()
            db.execute("DELETE FROM reservation_batches WHERE created_at < ?",
                       (current - BATCH_KEPT_SECONDS,))
            db.execute(
                "INSERT INTO reservation_batches (account_id, idempotency_key, fingerprint,"
                " answer, created_at) VALUES (?, ?, ?, ?, ?)",
                (user.account_id, key, fingerprint, result.model_dump_json(), current))
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return result


def issue_due_invoices(db: sqlite3.Connection, state: State, family_id: int,
                       commune: str) -> None:
    """Called before invoices are read: the months that are over get their invoice."""
    reservations.issue_due_invoices(db, family_id, commune, paris_today(state.config.now()))

