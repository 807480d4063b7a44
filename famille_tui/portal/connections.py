"""The connections the portal accepts: a deadline on every unfinished request and a cap on
how many are open, so that connections held open on purpose (slowloris) cannot exhaust it.

uvicorn times out only an *idle* kept-alive connection (`timeout_keep_alive`): a connection
that sends half a request line, or headers without their end, or a body one byte at a time,
is kept for ever. 1 100 of them took every file descriptor of a portal limited to 1 024, and
`accept()` then failed for everyone. The depth where this is known is uvicorn's HTTP
protocol object, one per connection, which sees every byte arrive and h11's view of the
request: `GuardedProtocol` (a subclass of uvicorn's `H11Protocol`, given to uvicorn as its
`http` class) adds

- a header deadline (`header_timeout`): from the connection's first moment, or from the
  first byte of the next request on a kept-alive one, until its headers are complete;
- a request deadline (`request_timeout`): from the headers until the body's last byte;
- a cap on open connections (`max_connections`, below the descriptors the process may
  open): above it, the connection that has waited longest *without a request being worked
  on* — an unfinished request or an idle kept-alive one — is closed to make room. A request
  the portal is working on (a long poll too) is never closed for this; when every open
  connection is one, the newcomer gets a 503 and is closed.

A request over its deadline gets a 408 when nothing has been answered on the connection
yet, then the connection is closed.
"""

from __future__ import annotations

import asyncio
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

#: Headers must be complete this many seconds after a request starts.
HEADER_TIMEOUT = 10.0
#: The body must be complete this many seconds after the headers.
REQUEST_TIMEOUT = 30.0
#: Open connections at most, whatever the descriptors allow.
MAX_CONNECTIONS = 4096
#: Connections accepted in one go by the event loop before any is looked at (the listening
#: socket's backlog): the cap keeps this many descriptors free for them…
BACKLOG = 256
#: … and these for everything else (SQLite files, logs, the event loop's own).
RESERVED_DESCRIPTORS = 128



def _plain_answer(status: str, text: str, *extra: str) -> bytes:
    """A whole HTTP/1.1 answer, written before (or instead of) any request is handled."""
    body = text.encode("utf-8")
    head = [f"HTTP/1.1 {status}", "Content-Type: text/plain; charset=utf-8", *extra,
            "Connection: close", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


_TIMED_OUT = _plain_answer("408 Request Timeout", "Requête trop lente : la connexion est fermée.\n")
_FULL = _plain_answer("503 Service Unavailable", "Portail saturé : réessayez dans un moment.\n",
                      "Retry-After: 5")


def _env_seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def raise_descriptor_limit() -> int:
    """Raise this process's soft limit of open files to its hard limit (at most 65 536),
    and return the soft limit now in force (0 where there is no such limit)."""
    try:
        import resource
    except ImportError:  # not on this system
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (OSError, ValueError):
            pass
    return 0 if soft == resource.RLIM_INFINITY else int(soft)


@dataclass
class ConnectionLimits:
    """The settings of `GuardedProtocol`; `from_environment()` reads the overrides."""

    header_timeout: float = HEADER_TIMEOUT
    request_timeout: float = REQUEST_TIMEOUT
    max_connections: int = MAX_CONNECTIONS

    @classmethod
    def from_environment(cls, descriptors: int) -> ConnectionLimits:
        """FAMILLE_TUI_PORTAL_HEADER_TIMEOUT / _REQUEST_TIMEOUT (seconds) override the
        deadlines; the cap is MAX_CONNECTIONS, or less when `descriptors` (the soft limit of
        open files, 0: unknown) leaves less room."""
        cap = MAX_CONNECTIONS
        if descriptors:
            cap = min(cap, max(16, descriptors - BACKLOG - RESERVED_DESCRIPTORS))
        return cls(
            header_timeout=_env_seconds("FAMILLE_TUI_PORTAL_HEADER_TIMEOUT", HEADER_TIMEOUT),
            request_timeout=_env_seconds("FAMILLE_TUI_PORTAL_REQUEST_TIMEOUT", REQUEST_TIMEOUT),
            max_connections=cap,
        )


@dataclass
class _Guard:
    """What the connections of one server share: the limits, and the connections with no
    request being worked on, oldest first (the ones closed to make room)."""

    limits: ConnectionLimits
    waiting: OrderedDict[GuardedProtocol, None] = field(default_factory=OrderedDict)
    open: set[GuardedProtocol] = field(default_factory=set)


class GuardedProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with deadlines and a cap (see the module's docstring).

    Build the class for one server with `guarded_protocol(limits)`."""

    guard: _Guard

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._deadline_for: str | None = None  # "headers" or "body"
        self._answered = False  # something was sent on this connection (no 408 then)

    # --- the asyncio.Protocol interface -----------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        guard = self.guard
        guard.open.add(self)
        if len(guard.open) > guard.limits.max_connections and not self._make_room():
            transport.write(_FULL)
            transport.close()
            return
        guard.waiting[self] = None
        self._arm("headers", guard.limits.header_timeout)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self.guard.open.discard(self)
        self.guard.waiting.pop(self, None)
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        self._answered = True
        super().on_response_complete()
        if not self.transport.is_closing():
            self._follow()

    # --- where the request is ---------------------------------------------------------------

    def _follow(self) -> None:
        """After bytes arrived or an answer went: which deadline applies now, and whether
        this connection may be closed to make room."""
        if self.transport.is_closing():
            return
        state = self.conn.their_state
        waiting = self.guard.waiting
        if state is h11.IDLE:
            if self._has_partial_request():
                if self._deadline_for != "headers":
                    self._arm("headers", self.guard.limits.header_timeout)
            else:
                self._disarm()  # an idle kept-alive connection: uvicorn's keep-alive timer
            if self not in waiting:
                waiting[self] = None
        elif state is h11.SEND_BODY:
            if self._deadline_for != "body":
                self._arm("body", self.guard.limits.request_timeout)
            if self not in waiting:
                waiting[self] = None
        else:  # the request is complete: worked on, never closed for room
            self._disarm()
            waiting.pop(self, None)

    def _has_partial_request(self) -> bool:
        """Bytes of a request received, its headers not complete yet."""
        trailing, _closed = self.conn.trailing_data
        return bool(trailing)

    def _arm(self, what: str, seconds: float) -> None:
        self._disarm()
        self._deadline_for = what
        self._deadline = self.loop.call_later(seconds, self._timed_out)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = None
        self._deadline_for = None

    def _timed_out(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self.conn.their_state not in (h11.IDLE, h11.SEND_BODY):
            return
        if not self._answered and self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE) and (
            self.cycle is None or not self.cycle.response_started
        ):
            self.transport.write(_TIMED_OUT)
        self._close()

    def _close(self) -> None:
        self.guard.waiting.pop(self, None)
        self._disarm()
        self.transport.close()

    def _make_room(self) -> bool:
        """Close the connection that has waited longest with no request worked on (this one
        is not among them yet); False when there is none (every open one is answered)."""
        victim = next(iter(self.guard.waiting), None)
        if victim is None:
            return False
        victim._close()
        return True


def guarded_protocol(limits: ConnectionLimits) -> type[GuardedProtocol]:
    """A `GuardedProtocol` class for one server (its connections share one guard)."""
    return type("GuardedProtocol", (GuardedProtocol,), {"guard": _Guard(limits)})
