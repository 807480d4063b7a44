"""`{base}tipi/notification`: where PayFiP (or the sandbox) reports a payment's outcome."""

from __future__ import annotations

import sqlite3

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from famille_tui.api import ErrorCode
from famille_tui.portal.billing import NotificationOutcome, apply_notification, expire_due
from famille_tui.portal.context import PortalState
from famille_tui.portal.deps import CommuneRow, Db, State
from famille_tui.portal.problems import error_response

router = APIRouter(include_in_schema=False)


def _apply(
    db: sqlite3.Connection, state: PortalState, commune: str, params: dict[str, str]
) -> NotificationOutcome:
    # In the thread pool: its write transactions may wait for SQLite's writer, which must
    # never happen on the event loop.
    expire_due(db, state.watch)
    return apply_notification(db, state.watch, commune, params)


@router.api_route("/tipi/notification", methods=["GET", "POST"])
async def notification(request: Request, db: Db, state: State, commune: CommuneRow) -> JSONResponse:
    """The fields come in the query string (GET) or as a form (POST), as TIPI sends them.

    Nothing here trusts the sender: `apply_notification` checks the fields against the
    pending payment, and only then marks invoices paid."""
    params: dict[str, str] = {k: v for k, v in request.query_params.items()}
    if request.method == "POST":
        form = await request.form()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    outcome = await run_in_threadpool(_apply, db, state, commune["slug"], params)
    if outcome.kind == "rejected":
        return error_response(
            409, ErrorCode.INVALID_REQUEST, "Notification refusée : elle ne correspond à aucun "
            "paiement en attente."
        )
    return JSONResponse({"resultat": outcome.kind})
