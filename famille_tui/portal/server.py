"""The portal's FastAPI application and the blocking `serve()` behind `famille-tui serve`.

One server hosts several communes (`/{commune}/api/v1/...`) and a home page for people
(`/`); in demo mode also the PayFiP sandbox (`/tpa/paiement.web`) and the outbox.

Two modes. The demo's (`famille-tui serve --demo`, what `famille-tui demo` starts): accounts
with passwords everyone knows, the e-mails readable by anyone at `/{commune}/outbox`, a
payment sandbox on this server over http. Without `--demo` — the mode for a portal others
reach — none of that: accounts are to be activated from e-mails only the file's owner can
read, payments go to PayFiP over https, and a demo data file is refused. Either way a
host reachable from other machines needs `--public-origin https://…` (a TLS proxy in
front), every file is created 0600, the database is checked before anything listens, and
connections are guarded (`connections.py`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fastapi import FastAPI

from famille_tui import __version__
from famille_tui.api import ErrorResponse
from famille_tui.portal import connections, db, demo, security
from famille_tui.portal.context import PortalConfig, PortalState
from famille_tui.portal.problems import BodyLimitMiddleware, install_handlers
from famille_tui.portal.routers import accounts, dashboard, family, invoices, payments, portal, tipi
from famille_tui.portal.sandbox import router as sandbox_router

if TYPE_CHECKING:
    import uvicorn

API = "/{commune}/api/v1"
DEFAULT_IDLE_TIMEOUT = 30 * 60
DEFAULT_LOCKOUT_SECONDS = 15 * 60
DEFAULT_FAILURE_WINDOW = 15 * 60
#: How long an idle kept-alive connection stays open. uvicorn's default, 5 s, is also httpx's
#: default `keepalive_expiry`: a client reusing a connection at the very moment the server
#: closes it got « Server disconnected » (seen under load). Longer here than any client's,
#: so the client is always the one that closes an idle connection.
KEEP_ALIVE_SECONDS = 75
#: Where payments go without `--demo`: PayFiP itself, over https.
PAYFIP_ORIGIN = "https://www.payfip.gouv.fr"
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
    public_origin: str | None = None,
) -> FastAPI:
    """The portal on the SQLite file `db_path`, seeded if it is empty: with the demo's
    known passwords when `demo`, else with every account to be activated. Without `demo`,
    no outbox over HTTP, no sandbox, and payments sent to PayFiP (https). `idle_timeout`
    and `lockout_seconds` default to the environment variables
    FAMILLE_TUI_PORTAL_IDLE_TIMEOUT / FAMILLE_TUI_PORTAL_LOCKOUT_SECONDS, else 30 and 15
    minutes."""
    path = Path(db_path)
    if db.initialize(path):
        conn = db.connect(path)
        try:
            _seed(conn, public_passwords=demo)
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
        payfip_origin=None if demo else PAYFIP_ORIGIN,
        public_origin=public_origin,
    )
    state = PortalState(config=config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.watch.bind(asyncio.get_running_loop())
        state.attempts.bind(asyncio.get_running_loop())
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
    if demo:
        app.include_router(sandbox_router)
    return app


def _seed(conn: sqlite3.Connection, *, public_passwords: bool) -> None:
    # `demo` the module, not the parameter of create_app that shadows it there.
    demo.seed(conn, public_passwords=public_passwords)


def is_loopback(host: str) -> bool:
    """True for an address only this machine reaches (0.0.0.0 and :: are every address)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def listening_problem(host: str, public_origin: str | None) -> str | None:
    """Why `--host` / `--public-origin` are refused, in French; None when they are fine.

    Another machine may reach a portal listening on a non-loopback address: it then
    needs the https origin by which people reach it (a TLS proxy in front), so that
    nothing — passwords, tokens, payment links — crosses a network in clear."""
    if public_origin is not None:
        parts = urlsplit(public_origin)
        if (
            parts.scheme not in ("http", "https") or not parts.hostname
            or parts.path.strip("/") or parts.query or parts.fragment
            or parts.username is not None
        ):
            return (f"--public-origin {public_origin} n'est pas une adresse d'origine "
                    "(https://nom ou https://nom:port, sans chemin).")
        if parts.scheme != "https" and not is_loopback(parts.hostname):
            return (f"--public-origin {public_origin} passerait les mots de passe en clair "
                    "sur le réseau : donnez l'adresse en https, --public-origin https://…")
    if not is_loopback(host) and (
        public_origin is None or urlsplit(public_origin).scheme != "https"
    ):
        return (f"--host {host} rend le portail joignable depuis d'autres machines : donnez "
                "aussi l'adresse https par laquelle on l'atteint (un proxy TLS devant lui), "
                "--public-origin https://…")
    return None


def _private_files(path: Path) -> None:
    """Everything this process creates is 0600 (folders 0700), and so are the data file and
    its -wal / -shm if an older version left them readable by others: they hold e-mails
    with reset codes and activation passwords."""
    os.umask(0o077)
    for suffix in ("", "-wal", "-shm"):
        # Absent, or not ours to change: the storage check says what matters of it.
        with suppress(OSError):
            path.with_name(path.name + suffix).chmod(0o600)


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
    demo_mode: bool = False,
    public_origin: str | None = None,
) -> int:
    """Run the portal until Ctrl+C (or SIGTERM); returns the exit status.

    `demo_mode`: the demo's portal (see the module's docstring). The first line printed is
    « Portail famille : ORIGIN/ » (where it listens): the launcher reads the port chosen for
    `--port 0` from it. Every refusal is one French line on stderr and a non-zero status."""
    import uvicorn

    def refuse(message: str, status: int = 1) -> int:
        print(f"famille-tui : {message}", file=sys.stderr)
        return status

    problem = listening_problem(host, public_origin)
    if problem is not None:
        return refuse(problem, 2)
    path = Path(data) if data else default_data_path()
    _private_files(path)
    problem = db.storage_problem(path)
    if problem is not None:
        return refuse(problem)
    if not demo_mode and demo.has_public_passwords(path):
        return refuse(
            f"le fichier de données {path} est celui de la démonstration (des mots de passe "
            "connus de tous) : lancez « famille-tui serve --demo », ou choisissez un autre "
            "fichier avec --data."
        )
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
        return refuse(f"impossible d'écouter sur {host}:{port} ({error.strerror}).")
    try:
        app = create_app(path, payment_ttl, demo_mode, idle_timeout=idle_timeout,
                         lockout_seconds=lockout_seconds, public_origin=public_origin)
    except Exception as error:  # a broken data file: say it in words, not a traceback
        return refuse(f"le fichier de données {path} est inutilisable ({error}).")
    actual = sock.getsockname()[1]
    origin = origin_of(host, actual)
    shown = (public_origin or origin).rstrip("/")
    print(f"Portail famille : {origin}/", flush=True)
    if public_origin:
        print(f"  Adresse publique : {shown}/", flush=True)
    for commune in demo.COMMUNES:
        print(f"  {commune.name} : {shown}/{commune.slug}/", flush=True)
        if demo_mode:
            print(f"    e-mails envoyés : {shown}/{commune.slug}/outbox", flush=True)
    if not demo_mode:
        print("  Comptes à activer : e-mails dans le fichier de données (à son seul "
              "propriétaire).", flush=True)
    print(f"  Données : {path}", flush=True)
    print("  Ctrl+C pour arrêter.", flush=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    server = uvicorn.Server(uvicorn_config(app))
    with suppress(KeyboardInterrupt):
        server.run(sockets=[sock])
    return 0


def uvicorn_config(app: Any) -> uvicorn.Config:
    """How uvicorn runs the portal (`serve()`, and the bench's server): quiet, kept-alive
    connections longer than any client's, and every connection guarded (`connections.py`:
    deadlines on unfinished requests, a cap under the descriptors this process may open,
    raised to its hard limit first)."""
    import uvicorn

    limits = connections.ConnectionLimits.from_environment(
        connections.raise_descriptor_limit()
    )
    return uvicorn.Config(
        app, log_level="warning", access_log=False, timeout_graceful_shutdown=2,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        http=connections.guarded_protocol(limits), backlog=connections.BACKLOG,
    )
