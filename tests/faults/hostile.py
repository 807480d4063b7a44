"""A hostile or broken portal on loopback: a real HTTP server in a thread, in front of the
real embedded portal, that breaks the answers of chosen routes.

    server = HostileServer(upstream=portal.origin)        # or None: nothing behind it
    server.faults["GET invoices"] = reset                  # route: METHOD + end of the path
    server.base_url(CHAMBON)                               # what the client is given

Everything else is passed to the real portal unchanged. The faults are made on the wire
(a TCP reset, an answer cut short, an HTML error page…), so the client and the faces above it
meet them exactly as they would with a real portal.
"""

from __future__ import annotations

import http.client
import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

Fault = Callable[["_Handler", bytes], None]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        for route, fault in self.server.owner.faults.items():
            method, _, suffix = route.partition(" ")
            if method == self.command and path.endswith(suffix):
                fault(self, body)
                return
        status, headers, content = self.server.owner.forward(self.command, self.path,
                                                             dict(self.headers), body)
        self.send(status, content, headers.get("content-type", "application/json"))

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _any

    def send(self, status: int, content: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: HostileServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up on a 10 MB answer is the point of the test, not news.
        pass


class HostileServer:
    def __init__(self, upstream: str | None = None) -> None:
        self.upstream = upstream
        self.faults: dict[str, Fault] = {}
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def base_url(self, commune: str) -> str:
        return f"{self.origin}/{commune}/"

    def forward(self, method: str, path: str, headers: dict[str, str],
                body: bytes) -> tuple[int, dict[str, str], bytes]:
        if self.upstream is None:
            return 404, {}, b'{"error": {"code": "not_found", "message": "Inconnu."}}'
        target = urlsplit(self.upstream)
        conn = http.client.HTTPConnection(target.hostname or "", target.port, timeout=30)
        try:
            kept = {k: v for k, v in headers.items()
                    if k.lower() not in ("host", "connection", "accept-encoding")}
            conn.request(method, path, body=body or None, headers=kept)
            answer = conn.getresponse()
            return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
        finally:
            conn.close()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# -- faults --------------------------------------------------------------------------------


def reset(handler: _Handler, body: bytes) -> None:
    """The connection is reset (RST) before any answer."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True
    handler.connection.close()


def cut(handler: _Handler, body: bytes) -> None:
    """An answer that announces 5 000 bytes and stops after a few dozen."""
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        b"Content-Length: 5000\r\n\r\n" + b'{"invoices": [{"id": 1, "numb')
    handler.wfile.flush()
    handler.close_connection = True
    handler.connection.shutdown(socket.SHUT_RDWR)


def answer(status: int, content: bytes, content_type: str = "application/json") -> Fault:
    def fault(handler: _Handler, body: bytes) -> None:
        handler.send(status, content, content_type)
    return fault


def silent(seconds: float) -> Fault:
    """A portal that takes the request and says nothing for `seconds`."""
    def fault(handler: _Handler, body: bytes) -> None:
        time.sleep(seconds)
        handler.close_connection = True
    return fault


def rewrite(change: Callable[[Any], Any]) -> Fault:
    """The real portal's answer, its JSON changed by `change`."""
    def fault(handler: _Handler, body: bytes) -> None:
        owner = handler.server.owner
        status, _, content = owner.forward(handler.command, handler.path,
                                           dict(handler.headers), body)
        handler.send(status, json.dumps(change(json.loads(content))).encode())
    return fault


HTML_500 = (b"<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head>"
            b"<body><h1>Internal Server Error</h1><p>Traceback (most recent call last): "
            b"...</p></body></html>")
WRONG_SHAPE = b'{"invoices": "plenty", "total_remaining_cents": "a lot"}'


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def huge(megabytes: int) -> bytes:
    filler = b" " * (megabytes * 1024 * 1024)
    return b'{"invoices": [], "total_remaining_cents": 0, "pad": "' + filler + b'"}'
