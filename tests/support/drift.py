"""`DriftProxy`: a real HTTP server on loopback in front of a portal that changes its pages
the way a real site drifts (an id removed, a class renamed, a table emptied), so that a
connector and `famille-tui doctor` meet a changed site over real HTTP.

    with DriftProxy(portal.origin, {"numero_facture": "numeroFacture"}) as proxy:
        url = proxy.origin + "/lechambonfeugerolles/espace-citoyens/"

Each rule is a regular expression replaced in every HTML answer; everything else (status,
headers, cookies, redirects, JSON, PDF) passes through unchanged.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

import httpx

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length",
               "content-encoding", "host"}


class DriftProxy:
    def __init__(self, upstream: str, rules: dict[str, str]) -> None:
        self.upstream = upstream.rstrip("/")
        self.rules = [(re.compile(k), v) for k, v in rules.items()]
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def _forward(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in _HOP_BY_HOP}
                with httpx.Client(trust_env=False, timeout=30.0) as client:
                    answer = client.request(self.command, proxy.upstream + self.path,
                                            content=body, headers=headers)
                content = answer.content
                if answer.headers.get("content-type", "").startswith("text/html"):
                    text = answer.text
                    for pattern, replacement in proxy.rules:
                        text = pattern.sub(replacement, text)
                    content = text.encode("utf-8")
                self.send_response(answer.status_code)
                for key, value in answer.headers.multi_items():
                    if key.lower() not in _HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = _forward
            do_POST = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> DriftProxy:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
