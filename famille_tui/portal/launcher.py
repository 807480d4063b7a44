"""Start the embedded portal in its own process, from tests, `famille-tui demo` or a script.

Standard library only, so that the client side can import it without paying for FastAPI:
the portal itself runs in a subprocess (`python -m famille_tui.portal`).

    portal = start_portal(Path("/tmp/x.sqlite3"))     # a free loopback port
    portal.origin                                      # "http://127.0.0.1:43123"
    portal.base_url("le-chambon-feugerolles")          # "http://127.0.0.1:43123/le-chambon-feugerolles/"
    portal.stop()

The process writes its output to a log file next to the data file (never to a pipe nobody
reads, which would block it); its first line, « Portail famille : ORIGIN/ », gives the port.
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
#: The demo portal tries this port first, so its addresses (and the keyring entries and
#: journaled payments keyed by them) stay the same from one run to the next.
DEMO_PORT = 8765
DEMO_COMMUNES = ("le-chambon-feugerolles", "chaponost")

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class PortalStartError(RuntimeError):
    """The portal process did not start; `message` says why, in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _private_file(path: Path) -> BinaryIO:
    """`path` opened for writing from its start, readable by its owner only (0600): the
    portal's log and the demo portal's state are nobody else's business."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older file keeps its mode through O_CREAT
    return os.fdopen(fd, "wb")


def _answers(origin: str, timeout: float = 2.0) -> bool:
    try:
        with _NO_PROXY.open(f"{origin}/communes", timeout=timeout) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


@dataclass
class PortalProcess:
    """A running portal subprocess."""

    process: subprocess.Popen[bytes]
    origin: str
    data_path: Path
    log_path: Path
    payment_ttl: int = 900
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def port(self) -> int:
        return int(urlsplit(self.origin).port or 0)

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
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL, as a crash would (tests of what survives a crash)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5.0)

    def restart(self) -> PortalProcess:
        """Stop and start again on the same data file and the same port (same URLs)."""
        self.stop()
        fresh = start_portal(
            self.data_path, port=self.port, payment_ttl=self.payment_ttl, **self.options
        )
        self.process, self.origin, self.log_path = fresh.process, fresh.origin, fresh.log_path
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
    detached: bool = False,
    timeout: float = 30.0,
    demo: bool = True,
) -> PortalProcess:
    """Run `python -m famille_tui.portal` on `data` and wait until it answers.

    `demo`: the demo's portal (`serve --demo`), what tests and `famille-tui demo` use.
    `detached`: in its own session, so that it outlives the terminal that started it
    (`famille-tui demo`). Raises PortalStartError when it does not start in `timeout`."""
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
    if idle_timeout is not None:
        command += ["--idle-timeout", str(idle_timeout)]
    if lockout_seconds is not None:
        command += ["--lockout-seconds", str(lockout_seconds)]
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    with _private_file(log_path) as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=detached,
        )
    options: dict[str, Any] = {"host": host, "idle_timeout": idle_timeout,
                               "lockout_seconds": lockout_seconds, "demo": demo}
    deadline = time.monotonic() + timeout
    origin: str | None = None
    while time.monotonic() < deadline:
        text = ""
        with contextlib.suppress(OSError):
            text = log_path.read_text(encoding="utf-8", errors="replace")
        if origin is None:
            match = _FIRST_LINE.search(text)
            if match:
                origin = match.group(1).rstrip("/")
                # 0.0.0.0 or :: listen everywhere; this machine reaches them on loopback.
                origin = origin.replace("//0.0.0.0:", "//127.0.0.1:").replace(
                    "//[::]:", "//[::1]:")
        if origin is not None and _answers(origin, timeout=1.0):
            return PortalProcess(process, origin, data, log_path, payment_ttl, options)
        if process.poll() is not None:
            tail = text.strip().splitlines()[-3:]
            raise PortalStartError(
                "Le portail de démonstration n'a pas pu démarrer"
                + (f" : {' '.join(tail)}" if tail else ".")
            )
        time.sleep(0.05)
    process.kill()
    process.wait(5)
    raise PortalStartError("Le portail de démonstration ne répond pas (délai dépassé).")


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
    """The demo portal's origin: the running one, or a new one started in the background."""
    state = _read_demo_state()
    if state and isinstance(state.get("origin"), str) and _answers(state["origin"]):
        return str(state["origin"])
    port = DEMO_PORT if _port_free(DEMO_PORT) else 0
    portal = start_portal(_data_dir() / "portal.sqlite3", port=port, detached=True)
    path = _demo_state_path()
    tmp = path.with_suffix(".tmp")
    with _private_file(tmp) as out:
        out.write(json.dumps({"pid": portal.pid, "origin": portal.origin}).encode())
    os.replace(tmp, path)
    return portal.origin


def _communes(origin: str) -> list[dict[str, str]]:
    with _NO_PROXY.open(f"{origin}/communes", timeout=5) as response:
        data = json.loads(response.read().decode("utf-8"))
    return [c for c in data if isinstance(c, dict)]


S = TypeVar("S")


def ensure_demo_portal(settings: S) -> S:
    """Start (or find) the demo portal and return `settings` with its communes as the
    portals and demo mode on. `settings` is the client's Settings (a pydantic model); it is
    rebuilt through its own class so that this module needs nothing of the client.
    Raises PortalStartError (with a French `message`) when the portal cannot start."""
    try:
        origin = demo_origin()
        communes = _communes(origin)
    except PortalStartError:
        raise
    except (OSError, ValueError) as error:
        raise PortalStartError(f"Le portail de démonstration ne répond pas ({error}).") from error
    dump: dict[str, Any] = settings.model_dump()  # type: ignore[attr-defined]
    demo_urls = {c["base_url"] for c in communes}
    kept = [
        p for p in dump.get("portals", [])
        if p.get("url") not in demo_urls
        and not (urlsplit(p.get("url", "")).hostname in ("127.0.0.1", "localhost")
                 and urlsplit(p.get("url", "")).path.strip("/") in DEMO_COMMUNES)
    ]
    dump["portals"] = [{"name": c["name"], "url": c["base_url"]} for c in communes] + kept
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
