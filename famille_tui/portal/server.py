"""The portal's FastAPI application and the blocking `serve()` behind `famille-tui serve`.

One server hosts several communes (`/{commune}/api/v1/...`), their PayFiP notification and
return addresses (`/{commune}/payfip/…`), the Espace Citoyens replica
(`/{tenant}/espace-citoyens/...`), the demo outbox and a home page for people (`/`).
`serve()` also runs the PayFiP stand-in (`famille_tui.payfip`) beside it, on its own port
(a separate origin, as the State's service is), with the communes' régies — unless told to
use another PayFiP service (`payfip_origin`).

Two modes. The demo's (`famille-tui serve --demo`, what `famille-tui demo` starts): accounts
with passwords everyone knows, the e-mails readable by anyone at `/{commune}/outbox`, the
PayFiP stand-in (test cards) over http. Without `--demo` — the mode for a portal others
reach — none of that: accounts are to be activated from e-mails only the file's owner can
read, payments go to a PayFiP service over https (the State's by default; no stand-in), and
a demo data file is refused. Either way a host reachable from other machines needs
`--public-origin https://…` (a TLS proxy in front), every file is created 0600, the database
is checked before anything listens, and connections are guarded (`connections.py`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import socket
import sqlite3
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from famille_tui import __version__
from famille_tui.api import ErrorResponse
from famille_tui.payfip.app import bind
from famille_tui.portal import billing, connections, db, demo, espace_citoyens, security
from famille_tui.portal.context import PaymentWatch, PortalConfig, PortalState
from famille_tui.portal.problems import BodyLimitMiddleware, install_handlers
from famille_tui.portal.routers import (
    accounts,
    dashboard,
    family,
    invoices,
    payfip,
    payments,
    portal,
    reservations,
)

if TYPE_CHECKING:
    import uvicorn

API = "/{commune}/api/v1"
DEFAULT_IDLE_TIMEOUT = 30 * 60
DEFAULT_LOCKOUT_SECONDS = 15 * 60
DEFAULT_FAILURE_WINDOW = 15 * 60
#: The PayFiP service payments go to without `--demo`: the State's, over https.
PAYFIP_ORIGIN = "https://www.payfip.gouv.fr"
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


def clock_offset(demo: bool) -> float:
    """FAMILLE_TUI_PORTAL_NOW (an ISO 8601 time with its offset): the reservations' clock
    starts there and runs on, so that tests and screenshots see a fixed day. Demo mode only:
    a real portal's deadlines are the real time's."""
    value = os.environ.get("FAMILLE_TUI_PORTAL_NOW", "").strip()
    if not value or not demo:
        return 0.0
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise SystemExit(f"FAMILLE_TUI_PORTAL_NOW invalide : {value!r} "
                         "(exemple : 2026-12-03T09:30:00+01:00)") from None
    if moment.tzinfo is None:
        raise SystemExit("FAMILLE_TUI_PORTAL_NOW doit donner son décalage horaire "
                         "(exemple : 2026-12-03T09:30:00+01:00)")
    return (moment - datetime.now(UTC)).total_seconds()


def create_app(
    db_path: Path | str,
    payment_ttl: int = 900,
    demo: bool = True,
    *,
    idle_timeout: int | None = None,
    lockout_seconds: int | None = None,
    max_failures: int = 5,
    public_origin: str = "http://127.0.0.1:8765",
    payfip_origin: str | None = None,
    reconcile_every: float | None = None,
) -> FastAPI:
    """The portal on the SQLite file `db_path`, seeded if it is empty: with the demo's
    known passwords when `demo`, else with every account to be activated (and, without
    `demo`, no outbox over HTTP). `idle_timeout` and `lockout_seconds` default to the environment
    variables FAMILLE_TUI_PORTAL_IDLE_TIMEOUT / FAMILLE_TUI_PORTAL_LOCKOUT_SECONDS, else
    30 and 15 minutes. Links and call-back URLs are built from `public_origin`; payments go
    through the PayFiP service at `payfip_origin` (None: no online payment), which is asked
    about undecided payments at start and every `reconcile_every` seconds
    (FAMILLE_TUI_PORTAL_RECONCILE_SECONDS, else 30)."""
    path = Path(db_path)
    if db.initialize(path):
        conn = db.connect(path)
        try:
            _seed(conn, public_passwords=demo)
        finally:
            conn.close()
    else:
        # A data file from before reservations: its families get theirs.
        conn = db.connect(path)
        try:
            _seed_missing(conn)
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
        public_origin=public_origin.rstrip("/"),
        payfip_origin=payfip_origin.rstrip("/") if payfip_origin else None,
        reconcile_every=reconcile_every
        if reconcile_every is not None
        else _env_int("FAMILLE_TUI_PORTAL_RECONCILE_SECONDS", 30),
        clock_offset=clock_offset(demo),
    )
    state = PortalState(config=config)

    async def reconcile_forever() -> None:
        # What a lost notification would leave undecided (the portal down, a crash between
        # a notification and PayFiP's answer) is asked again: at start (every payment),
        # then regularly (leaving the newest to their own notification).
        older_than = 0.0
        while True:
            try:
                await run_in_threadpool(billing.reconcile, state, older_than=older_than)
                older_than = 5.0
            except Exception:  # never let the loop die: the next round tries again
                logging.getLogger("famille_tui.portal.payments").exception(
                    "Vérification des paiements en attente impossible")
            await asyncio.sleep(config.reconcile_every)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.watch.bind(asyncio.get_running_loop())
        state.attempts.bind(asyncio.get_running_loop())
        security.start_pool()
        task = asyncio.create_task(reconcile_forever()) if state.payfip else None
        yield
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        if state.payfip is not None:
            state.payfip.close()
        state.pool.close()

    app = FastAPI(
        title="Famille API (portail de référence famille-tui)",
        version=__version__,
        description="API Famille v1 (paiements par le service web PayFiP). Messages d'erreur "
        "en français.",
        lifespan=lifespan,
    )
    app.state.portal = state
    install_handlers(app)
    app.add_middleware(BodyLimitMiddleware)
    for module in (accounts, family, dashboard, invoices, payments, reservations):
        app.include_router(module.router, prefix=API, responses=API_ERRORS)
    app.include_router(portal.api_router, prefix=API, responses=API_ERRORS)
    app.include_router(payfip.router, prefix="/{commune}")
    app.include_router(portal.origin_router)
    app.include_router(portal.pages_router)
    espace_citoyens.install(app)
    return app


def _seed_missing(conn: sqlite3.Connection) -> None:
    demo.seed_reservations_if_missing(conn)


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


def listening_problem(
    host: str, public_origin: str | None, payfip_origin: str | None, *, demo_mode: bool
) -> str | None:
    """Why `--host` / `--public-origin` / `--payfip-origin` are refused, in French; None
    when they are fine (their shape is checked by `check_origin` first).

    Another machine may reach a portal listening on a non-loopback address: it then needs
    the https origin by which people reach it (a TLS proxy in front), so that nothing —
    passwords, tokens, payment links — crosses a network in clear. Without `--demo`,
    payments go only to a PayFiP service over https."""
    public = urlsplit(public_origin) if public_origin else None
    if public is not None and public.scheme != "https" and not is_loopback(public.hostname or ""):
        return (f"--public-origin {public_origin} passerait les mots de passe en clair sur le "
                "réseau : donnez l'adresse en https, --public-origin https://…")
    if not is_loopback(host) and (public is None or public.scheme != "https"):
        return (f"--host {host} rend le portail joignable depuis d'autres machines : donnez "
                "aussi l'adresse https par laquelle on l'atteint (un proxy TLS devant lui), "
                "--public-origin https://…")
    if not demo_mode and payfip_origin is not None and urlsplit(payfip_origin).scheme != "https":
        return (f"--payfip-origin {payfip_origin} : hors démonstration, les paiements ne "
                "passent que par un service PayFiP en https.")
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


def check_origin(origin: str) -> str | None:
    """`origin` as `scheme://host[:port]` (no path, no trailing slash), or None if it is not
    an http(s) origin."""
    try:
        parts = urlsplit(origin.strip())
        parts.port  # noqa: B018  # a bad port raises here
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment or "@" in parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _standin_origin(public_origin: str, sock: socket.socket | None) -> str | None:
    """The stand-in is reached on the portal's public host, on its own port."""
    if sock is None:
        return None
    parts = urlsplit(public_origin)
    shown = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    return f"{parts.scheme}://{shown}:{sock.getsockname()[1]}"


class Standin:
    """The PayFiP stand-in running beside the portal: its own app and event loop in a
    thread of this process (a separate origin; it stops with the portal)."""

    def __init__(self, origin: str, server: Any, thread: threading.Thread) -> None:
        self.origin = origin
        self._server = server
        self._thread = thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(5)


def start_standin(path: Path, public_origin: str, sock: socket.socket) -> Standin:
    """Start the stand-in on `sock` with a régie for each commune of the portal's file at
    `path` (the origin it calls back: `public_origin`); its data beside the portal's."""
    from famille_tui.payfip import app as payfip_app
    from famille_tui.payfip.rules import Regie

    origin = _standin_origin(public_origin, sock)
    assert origin is not None
    conn = db.connect(path)
    try:
        regies = [Regie(r["numcli"], r["name"], public_origin) for r in
                  conn.execute("SELECT numcli, name FROM communes ORDER BY name")]
    finally:
        conn.close()
    server = payfip_app.server_for(payfip_app.create_app(
        path.with_name(path.stem + ".payfip.sqlite3"), regies, origin))
    # uvicorn leaves signals to the main thread's server.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="payfip",
                              daemon=True)
    thread.start()
    return Standin(origin, server, thread)


def _loopback_name(host: str) -> str:
    # 0.0.0.0 or :: listen everywhere; this machine reaches them on loopback.
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    data: Path | str | None = None,
    payment_ttl: int = 900,
    *,
    idle_timeout: int | None = None,
    lockout_seconds: int | None = None,
    public_origin: str | None = None,
    payfip_origin: str | None = None,
    payfip_port: int = 8766,
    demo_mode: bool = False,
) -> int:
    """Run the portal (and, in demo mode unless `payfip_origin` names another service, the
    PayFiP stand-in on `payfip_port`) until Ctrl+C (or SIGTERM); returns the exit status.
    `demo_mode`: the demo's portal (see the module's docstring); without it, payments go to
    `payfip_origin` (https), by default the State's PayFiP. Every refusal is one French
    line on stderr and a non-zero status.

    The first line printed is « Portail famille : ORIGIN/ », then « PayFiP (service de
    démonstration) : ORIGIN/ » for the stand-in: the launcher reads the ports chosen for
    `--port 0` from them."""
    import uvicorn

    from famille_tui.payfip.app import FIRST_LINE

    path = Path(data) if data else default_data_path()
    for name, value in (("--public-origin", public_origin), ("--payfip-origin", payfip_origin)):
        if value is not None and check_origin(value) is None:
            print(f"famille-tui : {name} attend une origine http(s)://hôte[:port], sans "
                  f"chemin ({value!r}).", file=sys.stderr)
            return 2
    if not demo_mode and payfip_origin is None:
        payfip_origin = PAYFIP_ORIGIN
    problem = listening_problem(host, public_origin, payfip_origin, demo_mode=demo_mode)
    if problem is None:
        _private_files(path)
        problem = db.storage_problem(path)
        if problem is None and not demo_mode and demo.has_public_passwords(path):
            problem = (f"le fichier de données {path} est celui de la démonstration (des mots "
                       "de passe connus de tous) : lancez « famille-tui serve --demo », ou "
                       "choisissez un autre fichier avec --data.")
    if problem is not None:
        print(f"famille-tui : {problem}", file=sys.stderr)
        return 2 if problem.startswith("--") else 1
    try:
        sock = bind(host, port)
        payfip_sock = bind(host, payfip_port) if payfip_origin is None else None
    except OSError as error:
        print(f"famille-tui : impossible d'écouter sur {host} ({error.strerror}).",
              file=sys.stderr)
        return 1
    actual = sock.getsockname()[1]
    origin = check_origin(public_origin) if public_origin else None
    origin = origin or origin_of(_loopback_name(host), actual)
    try:
        app = create_app(path, payment_ttl, demo_mode, idle_timeout=idle_timeout,
                         lockout_seconds=lockout_seconds, public_origin=origin,
                         payfip_origin=payfip_origin or _standin_origin(origin, payfip_sock))
        standin = start_standin(path, origin, payfip_sock) if payfip_sock else None
    except Exception as error:  # a broken data file: say it in words, not a traceback
        print(f"famille-tui : le fichier de données {path} est inutilisable ({error}).",
              file=sys.stderr)
        return 1
    payfip_origin = payfip_origin or (standin.origin if standin else None)
    print(f"Portail famille : {origin}/", flush=True)
    if standin is not None:
        print(f"{FIRST_LINE}{payfip_origin}/", flush=True)
    for commune in demo.COMMUNES:
        print(f"  {commune.name} : {origin}/{commune.slug}/", flush=True)
        if demo_mode:
            print(f"    e-mails envoyés : {origin}/{commune.slug}/outbox", flush=True)
    names = {commune.slug: commune.name for commune in demo.COMMUNES}
    for tenant in espace_citoyens.TENANTS.values():
        name = names.get(tenant.commune, tenant.commune)
        print(f"  {name}, Espace Citoyens : {origin}{tenant.root}", flush=True)
    if standin is not None:
        print(f"  Paiements PayFiP (démonstration) : {payfip_origin}/ · e-mails de "
              f"confirmation : {payfip_origin}/outbox", flush=True)
    else:
        print(f"  Paiements : service PayFiP {payfip_origin}/", flush=True)
    if not demo_mode:
        print("  Comptes à activer : e-mails dans le fichier de données (à son seul "
              "propriétaire).", flush=True)
    print(f"  Données : {path}", flush=True)
    print("  Ctrl+C pour arrêter.", flush=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per call: noise
    config = uvicorn_config(app)
    watch: PaymentWatch = app.state.portal.watch

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            super().handle_exit(sig, frame)
            watch.close()  # long polls answer now, before the connections are drained

    server = Server(config)
    with suppress(KeyboardInterrupt):
        server.run(sockets=[sock])
    if standin is not None:
        standin.stop()
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
