"""The outbox: every e-mail the portal or the sandbox « sends » is kept here instead.

In demo mode a person reads it at `{base}outbox` (HTML) or `{base}api/v1/demo/outbox`.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime


def send_mail(
    conn: sqlite3.Connection, commune: str | None, to: str, subject: str, body: str
) -> int:
    """Store one e-mail; call inside the transaction of the change it reports."""
    cursor = conn.execute(
        "INSERT INTO outbox (commune, sent_at, to_addr, subject, body) VALUES (?, ?, ?, ?, ?)",
        (commune, datetime.now(UTC).isoformat(), to, subject, body),
    )
    return int(cursor.lastrowid or 0)
