"""`POST payments` and the long poll `GET payments/{id}?wait=N`."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status
from fastapi.concurrency import run_in_threadpool

from famille_tui.api import MAX_WAIT_SECONDS, Payment, PaymentCreate
from famille_tui.portal.billing import (
    PaymentRequest,
    create_payment,
    expire_due,
    expires_in,
    family_payment,
    payment_view,
)
from famille_tui.portal.context import PortalState
from famille_tui.portal.deps import CommuneRow, Db, State, User

router = APIRouter(tags=["paiements"])

#: A long poll answers « pending » after `wait` seconds less up to this fraction of them.
WAIT_SPREAD = 0.1


def with_short_url(payment: Payment, state: PortalState) -> Payment:
    """The payment with its short link (`{public origin}/p/{id}`, see routers/portal.py):
    built from the configured origin, never from the request's Host header."""
    return payment.model_copy(
        update={"short_url": f"{state.config.public_origin}/p/{payment.id}"})


@router.post(
    "/payments",
    status_code=status.HTTP_201_CREATED,
    response_model=Payment,
    responses={200: {"model": Payment, "description": "Même Idempotency-Key : même paiement"}},
)
def new_payment(
    body: PaymentCreate,
    response: Response,
    db: Db,
    state: State,
    user: User,
    commune: CommuneRow,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Payment:
    expire_due(db, state.watch)
    payment, created = create_payment(
        db,
        state,
        PaymentRequest(
            commune=commune,
            account_id=user.account_id,
            family_id=user.family_id,
            invoice_ids=body.invoice_ids,
            email=body.email,
            idempotency_key=idempotency_key,
        ),
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return with_short_url(payment, state)


@router.get("/payments/{payment_id}", response_model=Payment)
async def get_payment(
    payment_id: Annotated[str, Path(max_length=64)],
    state: State,
    user: User,
    wait: Annotated[int, Query(ge=0, le=MAX_WAIT_SECONDS)] = 0,
) -> Payment:
    """With `wait`, answers as soon as the payment leaves `pending` (woken by the
    notification, or by its expiry), or after at most `wait` seconds (up to 10 % fewer, at
    random): a real long poll, the request sleeps on an asyncio.Event and costs nothing
    while it waits."""
    # Each wait ends up to WAIT_SPREAD of `wait` early, at random. Long polls that began
    # together (a school's parents paying after the same reminder, or a bench) would
    # otherwise time out together, and come back together, every `wait` seconds: a
    # thundering herd that holds every other request up for a moment. Spread, they come
    # back over a few seconds; the client asks again at once either way, and still makes
    # fewer than 3 requests a minute with wait=25.
    deadline = time.monotonic() + wait * (1 - random.uniform(0, WAIT_SPREAD))

    def read() -> tuple[Payment, float]:
        with state.pool.connection() as conn:
            expire_due(conn, state.watch)
            row = family_payment(conn, user.family_id, payment_id)
            return payment_view(conn, row), expires_in(row)

    while True:
        # Take the event before reading, so that a change in between is not missed.
        with state.watch.watching(payment_id) as event:
            payment, until_expiry = await run_in_threadpool(read)
            left = deadline - time.monotonic()
            if payment.status.is_final or left <= 0 or state.watch.closing:
                return with_short_url(payment, state)
            # Sleep until the change, the deadline, or the expiry (then read it as expired).
            # No thread is held while sleeping: only the reads above use the thread pool.
            timeout = min(left, max(0.0, until_expiry) + 0.05)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout)

