"""The stand-in's FastAPI application and `serve()`, behind `famille-tui payfip`.

The first line printed is « PayFiP (service de démonstration) : ORIGIN/ »: a launcher reads
the port chosen for `--port 0` from it.
"""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI

if TYPE_CHECKING:
    import uvicorn

from famille_tui.payfip import pages, webservice
from famille_tui.payfip.rules import Regie
from famille_tui.payfip.service import DEFAULT_TTL, PayfipState
from famille_tui.payfip.store import Store

FIRST_LINE = "PayFiP (service de démonstration) : "


def create_app(data: Path | str, regies: Iterable[Regie], origin: str, *,
               ttl: int = DEFAULT_TTL) -> FastAPI:
    state = PayfipState(origin=origin.rstrip("/"), regies={r.numcli: r for r in regies},
                        store=Store(Path(data)), ttl=ttl)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await state.close()

    app = FastAPI(title="PayFiP (service de démonstration famille-tui)", lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)
    app.state.payfip = state
    app.include_router(webservice.router)
    app.include_router(pages.router)
    return app


def origin_of(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def bind(host: str, port: int) -> socket.socket:
    """A socket bound for listening (portal and stand-in). IPPROTO_TCP, not the default 0:
    asyncio turns Nagle's algorithm off (TCP_NODELAY) only on sockets whose proto says TCP,
    and with Nagle on every answer after the first on a kept-alive connection waited 40 ms
    for the client's delayed ACK."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def server_for(app: FastAPI) -> uvicorn.Server:
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=2, timeout_keep_alive=75)
    return uvicorn.Server(config)


def serve(regies: list[Regie], *, host: str = "127.0.0.1", port: int = 8766,
          data: Path | str | None = None, public_origin: str | None = None,
          ttl: int = DEFAULT_TTL) -> int:
    """Run the stand-in alone until Ctrl+C (or SIGTERM); the exit status."""
    if data is None:
        import platformdirs

        data = Path(platformdirs.user_data_dir("famille-tui")) / "payfip.sqlite3"
    try:
        sock = bind(host, port)
    except OSError as error:
        print(f"famille-tui : impossible d'écouter sur {host}:{port} ({error.strerror}).",
              file=sys.stderr)
        return 1
    origin = (public_origin or origin_of(host, sock.getsockname()[1])).rstrip("/")
    try:
        app = create_app(data, regies, origin, ttl=ttl)
    except Exception as error:  # a broken data file: in words, not a traceback
        print(f"famille-tui : le fichier de données {data} est inutilisable ({error}).",
              file=sys.stderr)
        return 1
    print(f"{FIRST_LINE}{origin}/", flush=True)
    for regie in regies:
        print(f"  Régie {regie.numcli} ({regie.name}) : rappels vers {regie.origin}", flush=True)
    print(f"  Service web : {origin}/tpa/services/securite?wsdl", flush=True)
    print(f"  E-mails envoyés : {origin}/outbox", flush=True)
    print("  Ctrl+C pour arrêter.", flush=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per call: noise
    server = server_for(app)
    with suppress(KeyboardInterrupt):
        server.run(sockets=[sock])
    return 0
