"""The portal's FastAPI application and the blocking `serve()` behind `famille-tui serve`.

One server hosts several communes (`/{commune}/api/v1/...`), the PayFiP sandbox
(`/tpa/paiement.web`), the demo outbox and a home page for people (`/`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from fastapi import FastAPI

from famille_tui import __version__
from famille_tui.api import ErrorResponse
from famille_tui.portal import db, demo, security
from famille_tui.portal.context import PortalConfig, PortalState
from famille_tui.portal.problems import BodyLimitMiddleware, install_handlers
from famille_tui.portal.routers import accounts, dashboard, family, invoices, payments, portal, tipi
from famille_tui.portal.sandbox import router as sandbox_router

API = "/{commune}/api/v1"
DEFAULT_IDLE_TIMEOUT = 30 * 60
DEFAULT_LOCKOUT_SECONDS = 15 * 60
DEFAULT_FAILURE_WINDOW = 15 * 60
#: How long an idle kept-alive connection stays open. uvicorn's default, 5 s, is also httpx's
#: default `keepalive_expiry`: a client reusing a connection at the very moment the server
#: closes it got « Server disconnected » (seen under load). Longer here than any client's,
#: so the client is always the one that closes an idle connection.
KEEP_ALIVE_SECONDS = 75
#: Every API operation may answer one of these errors as an `ErrorResponse`: documented in
#: /openapi.json so that a client (and the schemathesis test) can check them against it.
API_ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in (
        (400, "Requête invalide"),
        (401, "Non connecté, session expirée ou identifiants incorrects"),
        (403, "Compte non activé"),
        (404, "Inconnu de ce portail"),
        (409, "Conflit (paiement en cours, facture non payable…)"),
        (413, "Requête trop volumineuse"),
        (422, "Données refusées (champ par champ)"),
        (429, "Trop d'essais : compte bloqué pour un temps"),
    )
}


def default_data_path() -> Path:
    """The SQLite file in the user's data directory (FAMILLE_TUI_DATA_DIR overrides it)."""
    directory = os.environ.get("FAMILLE_TUI_DATA_DIR")
    if not directory:
        import platformdirs

        directory = platformdirs.user_data_dir("famille-tui")
    return Path(directory) / "portal.sqlite3"


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else default


def create_app(
    db_path: Path | str,
    payment_ttl: int = 900,
    demo: bool = True,
    *,
    idle_timeout: int | None = None,
    lockout_seconds: int | None = None,
    max_failures: int = 5,
) -> FastAPI:
    """The portal on the SQLite file `db_path`, created (with the demo data when `demo`)
    if it is empty. `idle_timeout` and `lockout_seconds` default to the environment
    variables FAMILLE_TUI_PORTAL_IDLE_TIMEOUT / FAMILLE_TUI_PORTAL_LOCKOUT_SECONDS, else
    30 and 15 minutes."""
    path = Path(db_path)
    if db.initialize(path) and demo:
        conn = db.connect(path)
        try:
            _seed(conn)
        finally:
            conn.close()
    config = PortalConfig(
        db_path=path,
        payment_ttl=payment_ttl,
        idle_timeout=idle_timeout
        if idle_timeout is not None
        else _env_int("FAMILLE_TUI_PORTAL_IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT),
        lockout_seconds=lockout_seconds
        if lockout_seconds is not None
        else _env_int("FAMILLE_TUI_PORTAL_LOCKOUT_SECONDS", DEFAULT_LOCKOUT_SECONDS),
        max_failures=max_failures,
        failure_window=_env_int("FAMILLE_TUI_PORTAL_FAILURE_WINDOW", DEFAULT_FAILURE_WINDOW),
        demo=demo,
    )
    state = PortalState(config=config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.watch.bind(asyncio.get_running_loop())
        security.start_pool()
        yield
        state.pool.close()

    app = FastAPI(
        title="Famille API (portail de référence famille-tui)",
        version=__version__,
        description="API Famille v1 et bac à sable PayFiP/TIPI. Messages d'erreur en français.",
        lifespan=lifespan,
    )
    app.state.portal = state
    install_handlers(app)
    app.add_middleware(BodyLimitMiddleware)
    for module in (accounts, family, dashboard, invoices, payments):
        app.include_router(module.router, prefix=API, responses=API_ERRORS)
    app.include_router(portal.api_router, prefix=API, responses=API_ERRORS)
    app.include_router(tipi.router, prefix="/{commune}")
    app.include_router(portal.origin_router)
    app.include_router(portal.pages_router)
    app.include_router(sandbox_router)
    return app


def _seed(conn: sqlite3.Connection) -> None:
    # `demo` the module, not the parameter of create_app that shadows it there.
    demo.seed(conn)


def origin_of(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    data: Path | str | None = None,
    payment_ttl: int = 900,
    *,
    idle_timeout: int | None = None,
    lockout_seconds: int | None = None,
) -> int:
    """Run the portal until Ctrl+C (or SIGTERM); returns the exit status.

    The first line printed is « Portail famille : ORIGIN/ »: the launcher reads the port
    chosen for `--port 0` from it."""
    import uvicorn

    path = Path(data) if data else default_data_path()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not the default 0: asyncio turns Nagle's algorithm off (TCP_NODELAY) only
    # on sockets whose proto says TCP, and connections accepted from a proto-0 socket kept
    # Nagle on. Every answer after the first on a kept-alive connection then waited for
    # the client's delayed ACK: 40 ms added to each request.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        print(f"famille-tui : impossible d'écouter sur {host}:{port} ({error.strerror}).",
              file=sys.stderr)
        return 1
    try:
        app = create_app(path, payment_ttl, idle_timeout=idle_timeout,
                         lockout_seconds=lockout_seconds)
    except Exception as error:  # a broken data file: say it in words, not a traceback
        print(f"famille-tui : le fichier de données {path} est inutilisable ({error}).",
              file=sys.stderr)
        return 1
    actual = sock.getsockname()[1]
    origin = origin_of(host, actual)
    print(f"Portail famille : {origin}/", flush=True)
    for commune in demo.COMMUNES:
        print(f"  {commune.name} : {origin}/{commune.slug}/", flush=True)
        print(f"    e-mails envoyés : {origin}/{commune.slug}/outbox", flush=True)
    print(f"  Données : {path}", flush=True)
    print("  Ctrl+C pour arrêter.", flush=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, timeout_graceful_shutdown=2,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    server = uvicorn.Server(config)
    with suppress(KeyboardInterrupt):
        server.run(sockets=[sock])
    return 0
