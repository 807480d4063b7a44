"""`famille-tui serve` as an attacker meets it: its two modes (the demo's, and the one meant
to be reached by others), the address it listens on, the files it leaves, a database it
cannot write, and connections held open to exhaust it (slowloris) — each against the real
process started as a person would start it.

Each test reproduces one finding of the outside attack (issue 12); the README's « Faults
survived » lists what each defends.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from famille_tui.portal.launcher import demo_origin, start_portal, stop_demo_portal
from tests.support import CHAMBON

#: The demo's mode, its PayFiP stand-in on a free port (not 8766, which others may use).
DEMO = ("--demo", "--payfip-port", "0")
FIRST_LINE = re.compile(r"^Portail famille : (http://\S+?)/?$", re.MULTILINE)


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    log: Path
    origin: str | None

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def serve(
    tmp_path: Path,
    *args: str,
    preexec: Callable[[], None] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 30.0,
    reach: str | None = None,
) -> Served:
    """`famille-tui serve ARGS` in a subprocess; returns once it answers (at `reach`, else
    at the origin of its first line) or has exited."""
    log = tmp_path / f"serve-{time.monotonic_ns()}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "famille_tui", "serve", *args],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            preexec_fn=preexec,
        )
    served = Served(process, log, None)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = FIRST_LINE.search(served.text())
        if match or (reach and "Ctrl+C" in served.text()):
            origin = reach or (match.group(1) if match else None)
            assert origin is not None
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{origin}/communes", trust_env=False, timeout=2).status_code == 200:
                    served.origin = origin
                    return served
        if process.poll() is not None:
            return served
        time.sleep(0.05)
    served.stop()
    raise AssertionError(f"serve did not start: {served.text()}")


@pytest.fixture
def stopped() -> Iterator[list[Served]]:
    """The processes a test started, stopped at its end whatever happened."""
    started: list[Served] = []
    try:
        yield started
    finally:
        for served in started:
            served.stop()


def _exits_with_a_french_sentence(served: Served, *words: str) -> str:
    assert served.origin is None, "it started"
    served.process.wait(10)
    assert served.process.returncode not in (0, None)
    text = served.text()
    assert "Traceback" not in text, text
    line = text.strip().splitlines()[-1]
    assert line.startswith("famille-tui : "), text
    for word in words:
        assert word in line, line
    return line


# --- the two modes -------------------------------------------------------------------------


def _outbox_rows(data: Path) -> list[str]:
    conn = sqlite3.connect(data)
    try:
        return [r[0] for r in conn.execute(
            "SELECT body FROM outbox WHERE commune = ? ORDER BY id", (CHAMBON,))]
    finally:
        conn.close()


def test_serve_without_demo_shows_no_secret_and_pays_only_over_https(
    tmp_path: Path, stopped: list[Served]
) -> None:
    data = tmp_path / "portail.sqlite3"
    served = serve(tmp_path, "--port", "0", "--data", str(data))
    stopped.append(served)
    assert served.origin, served.text()
    assert "outbox" not in served.text()
    # No stand-in (its test cards would mark invoices paid): the State's PayFiP, in https.
    assert "PayFiP (service de démonstration)" not in served.text()
    assert "Paiements : service PayFiP https://www.payfip.gouv.fr/" in served.text()
    base = f"{served.origin}/{CHAMBON}/"
    with httpx.Client(trust_env=False, timeout=30) as http:
        home = http.get(f"{served.origin}/")
        assert home.status_code == 200
        for secret in ("demo-martin", "demo-durand", "4111 1111 1111 1111", "outbox"):
            assert secret not in home.text
        assert http.get(f"{base}outbox").status_code == 404
        assert http.get(f"{base}api/v1/demo/outbox").status_code == 404
        # No account has a password everyone knows: each is to be activated from its e-mail.
        assert http.post(f"{base}api/v1/session", json={
            "login": "martin", "password": "demo-martin"}).status_code == 401
        # The operator reads that e-mail in the data file (0600, theirs), not over HTTP.
        mail = next(b for b in _outbox_rows(data) if "Votre identifiant : martin\n" in b)
        temporary = re.search(r"mot de passe provisoire : (\S+)", mail)
        assert temporary, mail
        assert http.post(f"{base}api/v1/activation", json={
            "login": "martin", "temporary_password": temporary.group(1),
            "new_password": "Operateur2026"}).status_code == 200
        assert http.post(f"{base}api/v1/session", json={
            "login": "martin", "password": "Operateur2026"}).status_code == 201


def test_serve_without_demo_refuses_a_plain_http_payment_service(
    tmp_path: Path, stopped: list[Served]
) -> None:
    served = serve(tmp_path, "--port", "0", "--payfip-origin", "http://127.0.0.1:9",
                   "--data", str(tmp_path / "p.sqlite3"))
    stopped.append(served)
    _exits_with_a_french_sentence(served, "--payfip-origin", "https")


def test_serve_without_demo_refuses_the_demo_data_file(
    tmp_path: Path, demo_database: Path, stopped: list[Served]
) -> None:
    data = tmp_path / "demo.sqlite3"
    shutil.copyfile(demo_database, data)
    served = serve(tmp_path, "--port", "0", "--data", str(data))
    stopped.append(served)
    _exits_with_a_french_sentence(served, "--demo")


def test_serve_demo_is_the_demo(tmp_path: Path, stopped: list[Served]) -> None:
    served = serve(tmp_path, *DEMO, "--port", "0", "--data", str(tmp_path / "d.sqlite3"))
    stopped.append(served)
    assert served.origin, served.text()
    assert f"{served.origin}/{CHAMBON}/outbox" in served.text()
    with httpx.Client(trust_env=False, timeout=30) as http:
        assert "demo-martin" in http.get(f"{served.origin}/").text
        assert http.get(f"{served.origin}/{CHAMBON}/outbox").status_code == 200
        assert http.post(f"{served.origin}/{CHAMBON}/api/v1/session", json={
            "login": "martin", "password": "demo-martin"}).status_code == 201


@pytest.mark.parametrize("origin", [None, "http://portail.example.fr"])
def test_a_host_reachable_from_outside_needs_an_https_public_origin(
    tmp_path: Path, stopped: list[Served], origin: str | None
) -> None:
    extra = ["--public-origin", origin] if origin else []
    served = serve(tmp_path, "--host", "0.0.0.0", "--port", "0", *extra,
                   "--data", str(tmp_path / "p.sqlite3"))
    stopped.append(served)
    _exits_with_a_french_sentence(served, "--public-origin https://")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_host_reachable_from_outside_with_an_https_public_origin(
    tmp_path: Path, stopped: list[Served]
) -> None:
    port = _free_port()
    served = serve(tmp_path, "--host", "0.0.0.0", "--port", str(port),
                   "--public-origin", "https://portail.example.fr",
                   "--data", str(tmp_path / "p.sqlite3"), reach=f"http://127.0.0.1:{port}")
    stopped.append(served)
    assert served.origin, served.text()
    assert "https://portail.example.fr/" in served.text()
    communes = httpx.get(f"{served.origin}/communes", trust_env=False).json()
    assert {c["base_url"] for c in communes} == {
        f"https://portail.example.fr/{c['slug']}/" for c in communes}


# --- files ---------------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_file_of_the_portal_is_0600(tmp_path: Path, demo_database: Path) -> None:
    fresh = start_portal(tmp_path / "new" / "portal.sqlite3")
    copied_path = tmp_path / "copied" / "portal.sqlite3"
    copied_path.parent.mkdir()
    shutil.copyfile(demo_database, copied_path)
    copied_path.chmod(0o644)  # as an older version left it
    copied = start_portal(copied_path)
    try:
        for process in (fresh, copied):
            # A write, so that the -wal and -shm files exist.
            httpx.post(f"{process.base_url(CHAMBON)}api/v1/password-reset",
                       json={"login": "martin"}, trust_env=False, timeout=30)
            files = [process.data_path, process.log_path,
                     process.data_path.with_name(process.data_path.stem + ".payfip.sqlite3"),
                     process.data_path.with_name(process.data_path.name + "-wal"),
                     process.data_path.with_name(process.data_path.name + "-shm")]
            for path in files:
                assert path.exists(), path
                assert _mode(path) == 0o600, (path, oct(_mode(path)))
        assert _mode(fresh.data_path.parent) == 0o700
    finally:
        fresh.stop()
        copied.stop()
    demo_origin()
    try:
        state = Path(os.environ["FAMILLE_TUI_DATA_DIR"]) / "demo-portal.json"
        assert _mode(state) == 0o600
    finally:
        stop_demo_portal()


# --- a database it cannot use ----------------------------------------------------------------


def _read_only(paths: list[Path]) -> Callable[[], None]:
    """Make `paths` read-only for the portal; what undoes it."""
    if os.geteuid() != 0:
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)

        def undo() -> None:
            for path in paths:
                path.chmod(0o755 if path.is_dir() else 0o644)

        return undo
    # Root ignores permissions; an immutable file or folder holds even for root.
    names = [str(p) for p in paths]
    subprocess.run(["chattr", "+i", *names], check=True)
    return lambda: subprocess.run(["chattr", "-i", *names], check=True)


@pytest.mark.parametrize("what", ["file", "file and folder"])
def test_a_read_only_database_stops_the_start_with_a_sentence(
    tmp_path: Path, demo_database: Path, stopped: list[Served], what: str
) -> None:
    data = tmp_path / "ro" / "portal.sqlite3"
    data.parent.mkdir()
    shutil.copyfile(demo_database, data)
    undo = _read_only([data, data.parent] if what == "file and folder" else [data])
    try:
        served = serve(tmp_path, *DEMO, "--port", "0", "--data", str(data))
        stopped.append(served)
        _exits_with_a_french_sentence(served, str(data), "modifiable")
    finally:
        undo()


def _no_room() -> None:
    # Any file write past one byte fails (EFBIG), as on a full disk; Python ignores SIGXFSZ.
    resource.setrlimit(resource.RLIMIT_FSIZE, (1, 1))


def test_a_full_disk_stops_the_start_with_a_sentence(
    tmp_path: Path, demo_database: Path
) -> None:
    data = tmp_path / "full" / "portal.sqlite3"
    data.parent.mkdir()
    shutil.copyfile(demo_database, data)
    # Pipes, not a log file: the child could not write a file.
    process = subprocess.run(
        [sys.executable, "-m", "famille_tui", "serve", *DEMO, "--port", "0",
         "--data", str(data)],
        stdin=subprocess.DEVNULL, capture_output=True, preexec_fn=_no_room, timeout=60,
        check=False,
    )
    err = process.stderr.decode("utf-8", "replace")
    assert process.returncode not in (0, None), process.stdout
    assert "Traceback" not in err, err
    line = err.strip().splitlines()[-1]
    assert line.startswith("famille-tui : ") and "place" in line, err


def test_too_little_free_space_stops_the_start_with_a_sentence(
    tmp_path: Path, stopped: list[Served]
) -> None:
    # More free space asked than any disk has: the check itself is what is tested.
    served = serve(tmp_path, *DEMO, "--port", "0", "--data", str(tmp_path / "p.sqlite3"),
                   env={"FAMILLE_TUI_PORTAL_MIN_FREE_BYTES": str(2**62)})
    stopped.append(served)
    _exits_with_a_french_sentence(served, "place")


# --- connections held open (slowloris) -------------------------------------------------------


def _few_descriptors() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))


@pytest.fixture
def many_sockets() -> Iterator[None]:
    """This test process may hold 1 100 connections (its own limit raised to the hard one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, 4096)) if hard != resource.RLIM_INFINITY else max(soft, 4096)
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _hold(origin: str, count: int, request: bytes) -> list[socket.socket]:
    parts = urlsplit(origin)
    held = []
    for _ in range(count):
        sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
        sock.sendall(request)
        held.append(sock)
    return held


UNFINISHED = b"GET /communes HTTP/1.1\r\nHost: portail\r\nX-Lent: "


def test_1100_held_connections_do_not_make_the_portal_unreachable(
    tmp_path: Path, demo_database: Path, stopped: list[Served], many_sockets: None
) -> None:
    data = tmp_path / "portal.sqlite3"
    shutil.copyfile(demo_database, data)
    served = serve(tmp_path, *DEMO, "--port", "0", "--data", str(data),
                   preexec=_few_descriptors)
    stopped.append(served)
    assert served.origin, served.text()
    held = _hold(served.origin, 1100, UNFINISHED)
    try:
        start = time.monotonic()
        answer = httpx.get(f"{served.origin}/communes", trust_env=False, timeout=10)
        assert answer.status_code == 200
        assert time.monotonic() - start < 10
        with httpx.Client(base_url=f"{served.origin}/{CHAMBON}/api/v1/", trust_env=False,
                          timeout=10) as api:
            assert api.post("session", json={
                "login": "martin", "password": "demo-martin"}).status_code == 201
    finally:
        for sock in held:
            sock.close()
    assert served.process.poll() is None


def _closed_within(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closes `sock` (reads whatever it sends first)."""
    start = time.monotonic()
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        raise AssertionError(f"still open after {seconds} s") from None
    except ConnectionResetError:
        pass
    return time.monotonic() - start


def test_unfinished_requests_are_timed_out(
    tmp_path: Path, demo_database: Path, stopped: list[Served]
) -> None:
    data = tmp_path / "portal.sqlite3"
    shutil.copyfile(demo_database, data)
    served = serve(tmp_path, *DEMO, "--port", "0", "--data", str(data),
                   env={"FAMILLE_TUI_PORTAL_HEADER_TIMEOUT": "1",
                        "FAMILLE_TUI_PORTAL_REQUEST_TIMEOUT": "2"})
    stopped.append(served)
    assert served.origin, served.text()
    parts = urlsplit(served.origin)
    silent = socket.create_connection((parts.hostname, parts.port))
    headers = _hold(served.origin, 1, UNFINISHED)[0]
    body = _hold(served.origin, 1, (
        f"POST /{CHAMBON}/api/v1/session HTTP/1.1\r\nHost: portail\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"lo").encode())[0]
    try:
        assert _closed_within(silent, 10) < 5
        assert _closed_within(headers, 10) < 5
        assert _closed_within(body, 10) < 6
    finally:
        for sock in (silent, headers, body):
            sock.close()
