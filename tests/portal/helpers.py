"""Helpers for the portal's own tests: an API client over real HTTP, database peeks."""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any

import httpx

from famille_tui.portal.launcher import PortalProcess
from tests.support import CHAMBON

PASSWORDS = {"martin": "demo-martin", "durand": "demo-durand"}


class Api(httpx.Client):
    """An httpx client on one commune's `api/v1/`, optionally logged in."""

    def __init__(self, portal: PortalProcess, commune: str = CHAMBON) -> None:
        super().__init__(
            base_url=portal.base_url(commune) + "api/v1/", timeout=40.0, trust_env=False
        )
        self.portal = portal
        self.commune = commune

    def __enter__(self) -> Api:
        # `Api(portal).login("martin")` has already sent a request (which opens an httpx
        # client); entering the `with` block afterwards is still fine.
        with contextlib.suppress(RuntimeError):
            super().__enter__()
        return self

    def login(self, login: str, password: str | None = None) -> Api:
        response = self.post(
            "session", json={"login": login, "password": password or PASSWORDS[login]}
        )
        assert response.status_code == 201, response.text
        self.headers["Authorization"] = f"Bearer {response.json()['token']}"
        return self

    def invoice_by_number(self, number: str) -> dict[str, Any]:
        invoices = self.get("invoices").json()["invoices"]
        return next(i for i in invoices if i["number"] == number)

    def outbox(self) -> list[dict[str, Any]]:
        response = self.get("demo/outbox")
        assert response.status_code == 200
        return list(response.json())


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The error document's `error`, checking it is one (and French, not a 500)."""
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["code"] and error["message"], body
    return dict(error)


def count_rows(portal: PortalProcess, table: str) -> int:
    conn = sqlite3.connect(portal.data_path)
    try:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def db_rows(portal: PortalProcess, query: str, *args: object) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(portal.data_path)
    try:
        return [tuple(r) for r in conn.execute(query, args).fetchall()]
    finally:
        conn.close()
