"""What one running portal knows: its settings, the waiters of its long polls and when
each session was last used."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from famille_tui.api.clock import paris
from famille_tui.portal.db import ConnectionPool
from famille_tui.portal.payfip_ws import PayfipService


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
    #: Failures older than this (seconds) are forgotten, and their rows purged.
    failure_window: int = 900
    #: Demo mode: known passwords, the outbox readable over HTTP, the PayFiP stand-in.
    demo: bool = True
    #: Where people and PayFiP reach this portal (`serve --public-origin`): every link and
    #: call-back URL is built from it, never from a request's Host header.
    public_origin: str = "http://127.0.0.1:8765"
    #: Origin of the PayFiP service (the State's, or the stand-in `famille-tui payfip`);
    #: None: no online payment.
    payfip_origin: str | None = None
    #: `saisie` sent to PayFiP: T test, X activation, W production.
    saisie: str = "T"
    #: Seconds between two questions to PayFiP about a payment still without a verdict.
    reconcile_every: float = 30.0
    #: Seconds added to the real time by the reservations' clock (demo mode only:
    #: FAMILLE_TUI_PORTAL_NOW, for tests and screenshots that need a fixed day).
    clock_offset: float = 0.0

    def now(self) -> datetime:
        """The reservations' clock, in Paris time: deadlines, today, the months billed."""
        return paris(datetime.now(UTC) + timedelta(seconds=self.clock_offset))


class PaymentWatch:
    """Wakes the long polls of `GET payments/{id}?wait=N` when a payment changes.

    One asyncio.Event per watched payment, shared by its waiters: a waiter takes the event
    *before* reading the status (so a change between the read and the wait is not lost)
    and sleeps on it; a change sets it and drops it. The event is also dropped when its
    last waiter leaves (`watching`), so the map holds only payments someone is waiting on —
    a long poll that times out, or a read of a payment that is already final, leaves
    nothing behind. Changes come from sync routes running in worker threads, hence
    `call_soon_threadsafe`; everything else runs on the event loop.
    """

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}
        self._waiters: dict[str, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        #: Set when the server stops: every long poll answers at once with what it knows
        #: (instead of being cut by the shutdown's timeout with a bare 500).
        self.closing = False

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    @contextmanager
    def watching(self, payment_id: str) -> Iterator[asyncio.Event]:
        """The event of `payment_id` for one waiter, for the time of the `with`."""
        with self._lock:
            event = self._events.get(payment_id)
            if event is None:
                event = self._events[payment_id] = asyncio.Event()
            self._waiters[payment_id] = self._waiters.get(payment_id, 0) + 1
        try:
            yield event
        finally:
            with self._lock:
                left = self._waiters.pop(payment_id, 1) - 1
                if left > 0:
                    self._waiters[payment_id] = left
                elif self._events.get(payment_id) is event:
                    del self._events[payment_id]

    def watched(self) -> int:
        """How many payments have an event (for tests: it must go back to 0)."""
        with self._lock:
            return len(self._events)

    def _wake(self, payment_id: str) -> None:
        with self._lock:
            event = self._events.pop(payment_id, None)
        if event is not None:
            event.set()

    def close(self) -> None:
        """Wake every waiter for good (the server is stopping); call from anywhere."""
        self.closing = True
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with self._lock:
            ids = list(self._events)
        for payment_id in ids:
            loop.call_soon_threadsafe(self._wake, payment_id)

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


class KeyedLocks:
    """At most one holder per key at a time, without waiting: `hold(key)` yields False when
    someone else holds it (one PayFiP check per idOp at once, however many notifications).
    Keys are dropped when released, so the map holds only what is under way."""

    def __init__(self) -> None:
        self._held: set[str] = set()
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, key: str) -> Iterator[bool]:
        with self._lock:
            mine = key not in self._held
            if mine:
                self._held.add(key)
        try:
            yield mine
        finally:
            if mine:
                with self._lock:
                    self._held.discard(key)


class QueuedLocks:
    """One asyncio.Lock per key, for the time someone holds or waits for it (the map keeps
    only keys in use). asyncio's locks are granted in the order they were asked for, so
    requests on one key are served in the order they arrived (unlike `KeyedLocks`, which
    never waits)."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            _, users = self._locks[key]
            if users > 1:
                self._locks[key] = (lock, users - 1)
            else:
                del self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)


class SessionClock:
    """When to write a session's last use to the database.

    Every authenticated request used to write `sessions.last_used_at` in its own write
    transaction, so all of them (each long poll too) queued on SQLite's single writer. Now
    the row is written only when it is at least `flush_every` seconds behind (at most once
    a minute per session with the default 30-minute idle timeout; a tenth of the timeout
    when it is shorter). The idle expiry is judged on the row, which is the one truth for
    every process and survives a restart: a session may therefore end up to `flush_every`
    seconds before its full idle time — never after it.
    """

    def __init__(self, idle_timeout: float) -> None:
        self.idle_timeout = idle_timeout
        self.flush_every = max(0.0, min(60.0, idle_timeout / 10))

    def expired(self, stored: float, current: float) -> bool:
        return current - stored > self.idle_timeout

    def needs_write(self, stored: float, current: float) -> bool:
        return current - stored >= self.flush_every


@dataclass
class PortalState:
    config: PortalConfig
    watch: PaymentWatch = field(default_factory=PaymentWatch)
    #: The same wake-up, keyed by « commune\nlogin »: an attempt at a login's secret ended
    #: (routers/accounts.py, `claim_attempt`).
    attempts: PaymentWatch = field(default_factory=PaymentWatch)
    #: Attempts at one login's secret (or one reset code) are counted one at a time, in
    #: the order they arrived.
    attempt_locks: QueuedLocks = field(default_factory=QueuedLocks)
    sessions: SessionClock = field(init=False)
    #: Commune rows by slug, filled as they are first asked for (see deps.get_commune).
    communes: dict[str, sqlite3.Row] = field(default_factory=dict)
    pool: ConnectionPool = field(init=False)
    #: The PayFiP web service (None when `config.payfip_origin` is None).
    payfip: PayfipService | None = field(init=False)
    checks: KeyedLocks = field(default_factory=KeyedLocks)

    def __post_init__(self) -> None:
        self.sessions = SessionClock(self.config.idle_timeout)
        self.pool = ConnectionPool(self.config.db_path)
        origin = self.config.payfip_origin
        self.payfip = PayfipService(origin) if origin else None
