"""The stand-in's SQLite file: the operations (idOp of the web service, TIPI results), the
outbox of the confirmation e-mails, and the key that signs the pages' state.

A web-service operation is written by `creerPaiementSecurise`; a TIPI request is written
only once its result is known (until then its fields travel signed in the pages: an
anonymous GET stores nothing). Operations are purged as the real service does: an idOp
never paid is forgotten a day later (`P1`), any operation after `KEEP_SECONDS`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS operations (
    id TEXT PRIMARY KEY,                  -- the idOp, or the TIPI request's nonce
    protocol TEXT NOT NULL,               -- 'ws' or 'tipi'
    numcli TEXT NOT NULL,
    exer TEXT NOT NULL,
    refdet TEXT NOT NULL,
    objet TEXT NOT NULL,
    montant TEXT NOT NULL,
    mel TEXT NOT NULL,
    saisie TEXT NOT NULL,
    urlnotif TEXT NOT NULL,               -- TIPI: urlcl
    urlredirect TEXT NOT NULL,            -- TIPI: ''
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    resultrans TEXT,                      -- NULL until the payer is done
    numauto TEXT,
    dattrans TEXT,
    heurtrans TEXT,
    finished_at REAL
);
CREATE INDEX IF NOT EXISTS operations_created ON operations(created_at);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    sent_at TEXT NOT NULL,                -- ISO 8601 with the Paris offset
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL
);
"""

#: An idOp never paid is unknown (P1) this long after its creation.
UNPAID_KEEP_SECONDS = 24 * 3600
#: Any operation is forgotten after this long.
KEEP_SECONDS = 31 * 24 * 3600
#: The outbox keeps this many e-mails.
OUTBOX_KEEP = 500


def now() -> float:
    return datetime.now(UTC).timestamp()


@dataclass(frozen=True)
class Operation:
    id: str
    protocol: str
    numcli: str
    exer: str
    refdet: str
    objet: str
    montant: str
    mel: str
    saisie: str
    urlnotif: str
    urlredirect: str
    created_at: float
    expires_at: float
    resultrans: str | None = None
    numauto: str | None = None
    dattrans: str | None = None
    heurtrans: str | None = None
    finished_at: float | None = None

    @property
    def open(self) -> bool:
        return self.resultrans is None and now() < self.expires_at


class _Closed(Exception):
    """Inside `finish`: the operation cannot take a result (rolls the transaction back)."""


@dataclass(frozen=True)
class Result:
    """The end of a payment: `resultrans` (P paid, R refused, A abandoned), the bank's
    authorisation number (P only), and when, in Paris time (`dattrans` DDMMYYYY,
    `heurtrans` HHMM, `when` the same moment, aware)."""

    resultrans: str
    numauto: str
    dattrans: str
    heurtrans: str
    when: datetime


def _operation(row: sqlite3.Row) -> Operation:
    return Operation(**dict(row))


class Store:
    """One SQLite file, one connection per thread (the routes run in a thread pool)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # The file holds the signing key: readable by its owner only.
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        with contextlib.suppress(OSError):
            os.chmod(path, 0o600)
        self._local = threading.local()
        conn = self._conn()
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(SCHEMA)
        row = conn.execute("SELECT value FROM settings WHERE name = 'key'").fetchone()
        if row is None:
            conn.execute("INSERT OR IGNORE INTO settings VALUES ('key', ?)",
                         (secrets.token_hex(32),))
            row = conn.execute("SELECT value FROM settings WHERE name = 'key'").fetchone()
        self.key = bytes.fromhex(row[0])

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 10000")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def get(self, op_id: str) -> Operation | None:
        if not op_id or len(op_id) > 64:
            return None
        row = self._conn().execute("SELECT * FROM operations WHERE id = ?", (op_id,)).fetchone()
        return _operation(row) if row is not None else None

    def create(self, op: Operation) -> None:
        """A new web-service operation (and the purge of old ones)."""
        current = now()
        with self.transaction() as conn:
            conn.execute(
                "DELETE FROM operations WHERE created_at < ? OR (resultrans IS NULL AND"
                " created_at < ?)",
                (current - KEEP_SECONDS, current - UNPAID_KEEP_SECONDS),
            )
            _insert(conn, op)

    def finish(self, op: Operation, result: Result, mail: tuple[str, str, str] | None) -> bool:
        """Record the result of `op` (and its confirmation e-mail, sent at the same moment)
        at once; False when the operation was already finished, or is past its time, or when
        this TIPI request was already used."""
        try:
            with self.transaction() as conn:
                if op.protocol == "tipi":
                    try:
                        _insert(conn, op)
                    except sqlite3.IntegrityError:
                        raise _Closed from None
                cursor = conn.execute(
                    "UPDATE operations SET resultrans = ?, numauto = ?, dattrans = ?,"
                    " heurtrans = ?, finished_at = ?, mel = ? WHERE id = ? AND resultrans IS"
                    " NULL AND expires_at > ?",
                    (result.resultrans, result.numauto, result.dattrans, result.heurtrans,
                     result.when.timestamp(), op.mel, op.id, result.when.timestamp()),
                )
                if cursor.rowcount != 1:
                    raise _Closed
                if mail is not None:
                    to, subject, body = mail
                    conn.execute(
                        "INSERT INTO outbox (sent_at, to_addr, subject, body)"
                        " VALUES (?, ?, ?, ?)",
                        (result.when.isoformat(), to, subject, body),
                    )
                    conn.execute(
                        "DELETE FROM outbox WHERE id <= (SELECT MAX(id) FROM outbox) - ?",
                        (OUTBOX_KEEP,),
                    )
        except _Closed:
            return False
        return True

    def outbox(self) -> list[sqlite3.Row]:
        return self._conn().execute("SELECT * FROM outbox ORDER BY id").fetchall()


def _insert(conn: sqlite3.Connection, op: Operation) -> None:
    conn.execute(
        "INSERT INTO operations (id, protocol, numcli, exer, refdet, objet, montant, mel,"
        " saisie, urlnotif, urlredirect, created_at, expires_at) VALUES"
        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (op.id, op.protocol, op.numcli, op.exer, op.refdet, op.objet, op.montant, op.mel,
         op.saisie, op.urlnotif, op.urlredirect, op.created_at, op.expires_at),
    )
