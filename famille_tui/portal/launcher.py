"""Start the embedded portal in its own process, from tests, `famille-tui demo` or a script.

Standard library only, so that the client side can import it without paying for FastAPI:
the portal itself runs in a subprocess (`python -m famille_tui.portal`).

    portal = start_portal(Path("/tmp/x.sqlite3"))     # a free loopback port
    portal.origin                                      # "http://127.0.0.1:43123"
    portal.base_url("le-chambon-feugerolles")          # "http://127.0.0.1:43123/le-chambon-feugerolles/"
    portal.payfip_origin                               # the PayFiP stand-in beside it
    portal.stop()

    payfip = start_payfip(Path("/tmp/p.sqlite3"), ["123456=http://127.0.0.1:8000"])
    payfip.origin                                      # the stand-in alone, for any portal

A process writes its output to a log file next to its data file (never to a pipe nobody
reads, which would block it); its first lines, « Portail famille : ORIGIN/ » and
« PayFiP (service de démonstration) : ORIGIN/ », give the ports.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeVar
from urllib.parse import urlsplit

_FIRST_LINE = re.compile(r"^Portail famille : (http://\S+?)/?\s*$", re.MULTILINE)
_PAYFIP_LINE = re.compile(r"^PayFiP \(service de démonstration\) : (http://\S+?)/?\s*$",
                          re.MULTILINE)
#: The demo portal tries these ports first (the portal's, the PayFiP stand-in's), so its
#: addresses (and the keyring entries and journaled payments keyed by them) stay the same
#: from one run to the next.
DEMO_PORT = 8765
DEMO_PAYFIP_PORT = 8766
DEMO_COMMUNES = ("le-chambon-feugerolles", "chaponost")
#: The commune whose outbox the README's tour reads (Chaponost: the Famille API, where the
#: activation and reset e-mails of the tour are sent).
TOUR_COMMUNE = "chaponost"
#: The demo communes shown through another dialect than the Famille API: Le Chambon-
#: Feugerolles through its real one, Arpège « Espace Citoyens » (the replica's tenant, see
#: portal/espace_citoyens/store.py TENANTS), so that the demo exercises both connectors.
DEMO_DIALECTS = {
    "le-chambon-feugerolles": ("lechambonfeugerolles/espace-citoyens", "espace-citoyens"),
}

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class PortalStartError(RuntimeError):
    """The portal process did not start; `message` says why, in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _answers(origin: str, timeout: float = 2.0, path: str = "/communes") -> bool:
    try:
        with _NO_PROXY.open(f"{origin}{path}", timeout=timeout) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _stop(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


def _port_of(origin: str | None) -> int:
    return int(urlsplit(origin).port or 0) if origin else 0


def _loopback(origin: str) -> str:
    # 0.0.0.0 or :: listen everywhere; this machine reaches them on loopback.
    return origin.rstrip("/").replace("//0.0.0.0:", "//127.0.0.1:").replace("//[::]:", "//[::1]:")


def _read_log(path: Path) -> str:
    with contextlib.suppress(OSError):
        return path.read_text(encoding="utf-8", errors="replace")
    return ""


def _wait_for(process: subprocess.Popen[bytes], log_path: Path, lines: list[re.Pattern[str]],
              paths: list[str], timeout: float, what: str) -> list[str]:
    """The origins announced by `lines` in the log, once each answers 200 at its path."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = _read_log(log_path)
        found = [m.group(1) for m in (pattern.search(text) for pattern in lines) if m]
        if len(found) == len(lines):
            origins = [_loopback(o) for o in found]
            if all(_answers(o, timeout=1.0, path=p) for o, p in zip(origins, paths, strict=True)):
                return origins
        if process.poll() is not None:
            tail = text.strip().splitlines()[-3:]
            raise PortalStartError(
                f"{what} n'a pas pu démarrer" + (f" : {' '.join(tail)}" if tail else ".")
            )
        time.sleep(0.05)
    process.kill()
    process.wait(5)
    raise PortalStartError(f"{what} ne répond pas (délai dépassé).")


@dataclass
class PortalProcess:
    """A running portal subprocess."""

    process: subprocess.Popen[bytes]
    origin: str
    data_path: Path
    log_path: Path
    payment_ttl: int = 900
    options: dict[str, Any] = field(default_factory=dict)
    #: The PayFiP service its payments go through (the stand-in beside it, unless another
    #: was given).
    payfip_origin: str | None = None

    @property
    def port(self) -> int:
        return _port_of(self.origin)

    @property
    def pid(self) -> int:
        return self.process.pid

    def base_url(self, commune: str) -> str:
        """`{origin}/{commune}/`: the base URL a client is given."""
        return f"{self.origin}/{commune}/"

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM (uvicorn closes cleanly), then SIGKILL if it lingers."""
        _stop(self.process, timeout)

    def kill(self) -> None:
        """SIGKILL, as a crash would (tests of what survives a crash)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5.0)

    def restart(self) -> PortalProcess:
        """Stop and start again on the same data file and the same ports (same URLs)."""
        self.stop()
        options = dict(self.options)
        if options.get("payfip_origin") is None:
            options["payfip_port"] = _port_of(self.payfip_origin)
        fresh = start_portal(self.data_path, port=self.port, payment_ttl=self.payment_ttl,
                             **options)
        self.process, self.origin, self.log_path = fresh.process, fresh.origin, fresh.log_path
        self.payfip_origin = fresh.payfip_origin
        return self

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


def start_portal(
    data: Path,
    port: int = 0,
    payment_ttl: int = 900,
    *,
    host: str = "127.0.0.1",
    idle_timeout: int | None = None,
    lockout_seconds: int | None = None,
    payfip_origin: str | None = None,
    payfip_port: int = 0,
    detached: bool = False,
    timeout: float = 30.0,
    env: dict[str, str] | None = None,
    demo: bool = True,
) -> PortalProcess:
    """Run `python -m famille_tui.portal` on `data` and wait until it (and the PayFiP
    stand-in beside it, on `payfip_port`) answers. With `payfip_origin`, payments go through
    that service instead and no stand-in is started.

    `demo`: the demo's portal (`serve --demo`), what tests and `famille-tui demo` use.
    `detached`: in its own session, so that it outlives the terminal that started it
    (`famille-tui demo`). `env`: variables added to the process's environment. Raises
    PortalStartError when it does not start in `timeout`."""
    data = Path(data)
    data.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    log_path = data.with_name(data.name + ".log")
    command = [
        sys.executable, "-m", "famille_tui.portal",
        "--host", host, "--port", str(port), "--data", str(data),
        "--payment-ttl", str(payment_ttl),
    ]
    if demo:
        command.append("--demo")
    if payfip_origin is not None:
        command += ["--payfip-origin", payfip_origin]
    else:
        command += ["--payfip-port", str(payfip_port)]
    if idle_timeout is not None:
        command += ["--idle-timeout", str(idle_timeout)]
    if lockout_seconds is not None:
        command += ["--lockout-seconds", str(lockout_seconds)]
    process = _spawn(command, log_path, detached=detached, env=env)
    options: dict[str, Any] = {"host": host, "idle_timeout": idle_timeout,
                               "lockout_seconds": lockout_seconds,
                               "payfip_origin": payfip_origin, "env": env, "demo": demo}
    lines, paths = [_FIRST_LINE], ["/communes"]
    if payfip_origin is None:
        lines, paths = [_FIRST_LINE, _PAYFIP_LINE], ["/communes", "/"]
    origins = _wait_for(process, log_path, lines, paths, timeout, "Le portail de démonstration")
    return PortalProcess(process, origins[0], data, log_path, payment_ttl, options,
                         payfip_origin=origins[1] if len(origins) > 1 else payfip_origin)


def _private_file(path: Path) -> BinaryIO:
    """`path` opened for writing from its start, readable by its owner only (0600): the
    portal's log and the demo portal's state are nobody else's business."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older file keeps its mode through O_CREAT
    return os.fdopen(fd, "wb")


def _spawn(command: list[str], log_path: Path, *, detached: bool = False,
           env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    environment = dict(os.environ) | (env or {})
    environment["PYTHONUNBUFFERED"] = "1"
    with _private_file(log_path) as log:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
            start_new_session=detached,
        )


@dataclass
class PayfipProcess:
    """A running PayFiP stand-in subprocess (`python -m famille_tui.payfip`)."""

    process: subprocess.Popen[bytes]
    origin: str
    data_path: Path
    log_path: Path
    regies: list[str]
    ttl: int

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        _stop(self.process, timeout)

    def log_text(self) -> str:
        return _read_log(self.log_path)


def start_payfip(data: Path, regies: list[str], port: int = 0, *, ttl: int = 900,
                 timeout: float = 30.0) -> PayfipProcess:
    """Run the PayFiP stand-in alone, for régies given as `NUMCLI=ORIGIN[=NAME]`."""
    data = Path(data)
    data.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    log_path = data.with_name(data.name + ".log")
    command = [sys.executable, "-m", "famille_tui.payfip", "--port", str(port),
               "--data", str(data), "--ttl", str(ttl)]
    for regie in regies:
        command += ["--regie", regie]
    process = _spawn(command, log_path)
    (origin,) = _wait_for(process, log_path, [_PAYFIP_LINE], ["/"], timeout,
                          "Le service PayFiP de démonstration")
    return PayfipProcess(process, origin, data, log_path, list(regies), ttl)


# --- `famille-tui demo` --------------------------------------------------------------------


def _data_dir() -> Path:
    directory = os.environ.get("FAMILLE_TUI_DATA_DIR")
    if not directory:
        import platformdirs  # light, and only on this path

        directory = platformdirs.user_data_dir("famille-tui")
    return Path(directory)


def _demo_state_path() -> Path:
    return _data_dir() / "demo-portal.json"


def _read_demo_state() -> dict[str, Any] | None:
    try:
        state = json.loads(_demo_state_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def _port_free(port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def demo_origin() -> str:
    """The demo portal's origin: the running one, or a new one started in the background
    (with the PayFiP stand-in beside it, whose origin the state file records too)."""
    state = _read_demo_state()
    if (state and isinstance(state.get("origin"), str) and _answers(state["origin"])
            and isinstance(state.get("payfip_origin"), str)):
        return str(state["origin"])
    if state and isinstance(state.get("pid"), int) and _answers(str(state.get("origin", ""))):
        # A demo portal of an older version, without the PayFiP stand-in: replaced.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(state["pid"], signal.SIGTERM)
        deadline = time.monotonic() + 5
        while not _port_free(DEMO_PORT) and time.monotonic() < deadline:
            time.sleep(0.1)
    port = DEMO_PORT if _port_free(DEMO_PORT) else 0
    payfip_port = DEMO_PAYFIP_PORT if _port_free(DEMO_PAYFIP_PORT) else 0
    portal = start_portal(_data_dir() / "portal.sqlite3", port=port, payfip_port=payfip_port,
                          detached=True)
    path = _demo_state_path()
    tmp = path.with_suffix(".tmp")
    with _private_file(tmp) as out:
        out.write(json.dumps({"pid": portal.pid, "origin": portal.origin,
                              "payfip_origin": portal.payfip_origin}).encode())
    os.replace(tmp, path)
    return portal.origin


def demo_payfip_origin() -> str | None:
    """The PayFiP stand-in's origin of the demo portal, from its state file (None when no
    demo was started here). The client allows it as a payment page in demo mode."""
    state = _read_demo_state()
    origin = state.get("payfip_origin") if state else None
    return origin if isinstance(origin, str) and origin.startswith("http://") else None


def demo_moved_notice() -> str | None:
    """When the demo portal is not on the ports the README names (8765 taken by another
    program: another portal, whose outbox holds other e-mails), where it is, in French;
    None when it is where the README says."""
    state = _read_demo_state()
    origin = state.get("origin") if state else None
    if not isinstance(origin, str) or not state:
        return None
    payfip = state.get("payfip_origin")
    if urlsplit(origin).port == DEMO_PORT and (
            not isinstance(payfip, str) or urlsplit(payfip).port == DEMO_PAYFIP_PORT):
        return None
    sentence = (
        f"Les ports {DEMO_PORT} et {DEMO_PAYFIP_PORT} du README sont pris par un autre "
        f"programme : le portail de démonstration est sur {origin}/, ses e-mails "
        f"(mots de passe provisoires, codes) sur {origin}/{TOUR_COMMUNE}/outbox"
    )
    if isinstance(payfip, str):
        sentence += f", et PayFiP sur {payfip}/ (ses e-mails sur {payfip}/outbox)"
    return sentence + "."


def _communes(origin: str) -> list[dict[str, str]]:
    with _NO_PROXY.open(f"{origin}/communes", timeout=5) as response:
        data = json.loads(response.read().decode("utf-8"))
    return [c for c in data if isinstance(c, dict)]


S = TypeVar("S")


def _demo_portal(origin: str, commune: dict[str, str]) -> dict[str, str | None]:
    """A demo commune as a portal of the config: its Famille API, or its other dialect."""
    other = DEMO_DIALECTS.get(commune.get("slug", ""))
    if other is None:
        return {"name": commune["name"], "url": commune["base_url"], "dialect": None}
    path, dialect = other
    return {"name": commune["name"], "url": f"{origin}/{path}/", "dialect": dialect}


def ensure_demo_portal(settings: S) -> S:
    """Start (or find) the demo portal and return `settings` with its communes as the
    portals and demo mode on. `settings` is the client's Settings (its `model_dump` and
    `model_validate`, as a pydantic model's); it is rebuilt through its own class so that
    this module needs nothing of the client.
    Raises PortalStartError (with a French `message`) when the portal cannot start."""
    try:
        origin = demo_origin()
        communes = _communes(origin)
    except PortalStartError:
        raise
    except (OSError, ValueError) as error:
        raise PortalStartError(f"Le portail de démonstration ne répond pas ({error}).") from error
    dump: dict[str, Any] = settings.model_dump()  # type: ignore[attr-defined]
    demo = [_demo_portal(origin, c) for c in communes]
    demo_urls = {p["url"] for p in demo}
    demo_paths = set(DEMO_COMMUNES) | {path for path, _dialect in DEMO_DIALECTS.values()}
    kept = [
        p for p in dump.get("portals", [])
        if p.get("url") not in demo_urls
        and not (urlsplit(p.get("url", "")).hostname in ("127.0.0.1", "localhost")
                 and urlsplit(p.get("url", "")).path.strip("/") in demo_paths)
    ]
    dump["portals"] = demo + kept
    dump["demo"] = True
    return type(settings).model_validate(dump)  # type: ignore[attr-defined,no-any-return]


def stop_demo_portal() -> int:
    """`famille-tui demo --stop`: stop the background demo portal; the exit status."""
    state = _read_demo_state()
    if not state or not isinstance(state.get("pid"), int):
        print("Aucun portail de démonstration n'est lancé.")
        return 0
    origin = str(state.get("origin", ""))
    # Only signal the pid if the portal it names still answers: a stale file must not
    # make us kill an unrelated process that reused the pid.
    if _answers(origin):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(state["pid"], signal.SIGTERM)
        print(f"Portail de démonstration arrêté ({origin}).")
    else:
        print("Le portail de démonstration n'était plus lancé.")
    with contextlib.suppress(OSError):
        _demo_state_path().unlink()
    return 0
