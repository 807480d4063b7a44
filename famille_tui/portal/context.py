"""What one running portal knows: its settings and the waiters of its long polls."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class PortalConfig:
    """Settings of one portal app (see `create_app`)."""

    db_path: Path
    #: Seconds a pending PayFiP payment stays open.
    payment_ttl: int = 900
    #: Seconds of inactivity after which a session token expires.
    idle_timeout: int = 1800
    #: Failed logins (or activations) in a row that lock a login …
    max_failures: int = 5
    #: … for this many seconds.
    lockout_seconds: int = 900
    #: Demo mode: the outbox is readable over HTTP.
    demo: bool = True
    #: Origin of the PayFiP pages; None: this server's own sandbox.
    payfip_origin: str | None = None
    #: `saisie` sent to PayFiP: T test, X activation, W production.
    saisie: str = "T"


class PaymentWatch:
    """Wakes the long polls of `GET payments/{id}?wait=N` when a payment changes.

    One asyncio.Event per watched payment: a waiter takes the event *before* reading the
    status (so a change between the read and the wait is not lost) and sleeps on it; a
    change sets it and drops it. Changes come from sync routes running in worker threads,
    hence `call_soon_threadsafe`.
    """

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def event_for(self, payment_id: str) -> asyncio.Event:
        """Call from the event loop."""
        with self._lock:
            event = self._events.get(payment_id)
            if event is None:
                event = self._events[payment_id] = asyncio.Event()
            return event

    def _wake(self, payment_id: str) -> None:
        with self._lock:
            event = self._events.pop(payment_id, None)
        if event is not None:
            event.set()

    def changed(self, payment_id: str) -> None:
        """Call from anywhere (loop or worker thread) after the change is committed."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake(payment_id)
        else:
            loop.call_soon_threadsafe(self._wake, payment_id)


@dataclass
class PortalState:
    config: PortalConfig
    watch: PaymentWatch = field(default_factory=PaymentWatch)
