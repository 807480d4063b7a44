"""The embedded portal as `famille-tui serve` runs it, plus a request counter (bench only).

`python tests/bench/portal_server.py --data FILE` serves `create_app(FILE)` with uvicorn on a
free loopback port, exactly as `famille_tui.portal.server.serve` does, wrapped in an ASGI
middleware that counts requests by method and route. `GET /__bench/counts` returns the counts
as JSON; nothing of the portal itself is changed. The first line printed is the same as the
real portal's (« Portail famille : ORIGIN/ », then the PayFiP stand-in's, started beside it as
`serve` does), so the bench finds the ports the same way.
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import uvicorn

from famille_tui.portal.server import create_app, start_standin, uvicorn_config

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_PAYMENT = re.compile(r"/payments/[^/]+$")
_INVOICE = re.compile(r"/invoices/\d+")


def route_of(method: str, path: str) -> str:
    """`GET /x/api/v1/payments/pay_abc` → `GET payments/{id}`: the counting key."""
    path = _PAYMENT.sub("/payments/{id}", path)
    path = _INVOICE.sub("/invoices/{id}", path)
    _, _, tail = path.partition("/api/v1/")
    return f"{method} {tail or path}"


class CountingMiddleware:
    """Counts every HTTP request that reaches the portal, by route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.counts: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/__bench/counts":
            body = json.dumps(dict(self.counts)).encode()
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        if scope["type"] == "http":
            self.counts[route_of(scope["method"], scope["path"])] += 1
        await self.app(scope, receive, send)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--payment-ttl", type=int, default=900)
    args = parser.parse_args()
    # IPPROTO_TCP as in `serve()`: asyncio sets TCP_NODELAY only on sockets whose proto is TCP.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
    payfip_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    payfip_sock.bind(("127.0.0.1", 0))
    payfip_origin = f"http://127.0.0.1:{payfip_sock.getsockname()[1]}"
    app = CountingMiddleware(create_app(Path(args.data), args.payment_ttl, public_origin=origin,
                                        payfip_origin=payfip_origin))
    start_standin(Path(args.data), origin, payfip_sock)
    print(f"Portail famille : {origin}/", flush=True)
    print(f"PayFiP (service de démonstration) : {payfip_origin}/", flush=True)
    uvicorn.Server(uvicorn_config(app)).run(sockets=[sock])  # the settings of `serve()`
    return 0


if __name__ == "__main__":
    sys.exit(main())
