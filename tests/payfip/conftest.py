"""The PayFiP stand-in alone (`famille-tui payfip`, a real process), and a régie's server:
a real HTTP server on loopback that records every request the stand-in makes to it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from famille_tui.portal.launcher import PayfipProcess, start_payfip

NUMCLI = "123456"


@dataclass
class Regie:
    """A collectivité's server: what the stand-in called back, in order."""

    origin: str
    received: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    event: threading.Event = field(default_factory=threading.Event)

    def wait(self, count: int = 1, timeout: float = 10.0) -> list[tuple[str, str, dict[str, str]]]:
        while len(self.received) < count:
            self.event.clear()
            if not self.event.wait(timeout):
                raise AssertionError(f"{len(self.received)} call back(s), {count} expected")
        return self.received


@pytest.fixture
def regie() -> Iterator[Regie]:
    record: list[tuple[str, str, dict[str, str]]] = []
    event = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            record.append(("POST", self.path, dict(parse_qsl(body, keep_blank_values=True))))
            event.set()
            self.send_response(200)
            self.end_headers()

        def do_GET(self) -> None:
            record.append(("GET", self.path, {}))
            event.set()
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        found = Regie(f"http://127.0.0.1:{server.server_address[1]}", record, event)
        yield found
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def payfip(tmp_path: Path, regie: Regie) -> Iterator[PayfipProcess]:
    process = start_payfip(tmp_path / "payfip" / "payfip.sqlite3",
                           [f"{NUMCLI}={regie.origin}=Régie de test"])
    try:
        yield process
    finally:
        process.stop()
