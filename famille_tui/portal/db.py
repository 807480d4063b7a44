"""SQLite storage of the reference portal: the schema, connections and transactions.

One file holds every commune. Each request borrows a connection from a `ConnectionPool` and
every change runs inside `transaction()`, so that a crash never leaves half a change behind.
The database is in WAL mode: readers (long polls, invoice lists) never block the writer.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
-- What the portal notes about itself (the last start-up check's write).
CREATE TABLE IF NOT EXISTS portal_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS communes (
    slug TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    numcli TEXT NOT NULL,
    structure TEXT NOT NULL,
    address TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    city TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT NOT NULL,
    opening_hours TEXT NOT NULL           -- JSON list of lines
);
CREATE TABLE IF NOT EXISTS families (
    id INTEGER PRIMARY KEY,
    commune TEXT NOT NULL REFERENCES communes(slug),
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
    id INTEGER PRIMARY KEY,
    commune TEXT NOT NULL REFERENCES communes(slug),
    login TEXT NOT NULL,
    display_name TEXT NOT NULL,
    family_id INTEGER NOT NULL REFERENCES families(id),
    password_hash TEXT,                    -- NULL until activated
    temporary_password_hash TEXT,          -- set until activated
    activated INTEGER NOT NULL DEFAULT 0,
    UNIQUE (commune, login)
);
-- Failed logins per (commune, login) whether the account exists or not: locking an unknown
-- login too means the lockout tells nothing about which logins exist.
CREATE TABLE IF NOT EXISTS login_failures (
    commune TEXT NOT NULL,
    login TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until REAL,
    updated_at REAL,                       -- last attempt counted: rows are purged by it
    PRIMARY KEY (commune, login)
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,           -- sha256 of the bearer token, never the token
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    created_at REAL NOT NULL,
    last_used_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS reset_codes (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
    code_hash TEXT NOT NULL,
    expires_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS adults (
    id INTEGER PRIMARY KEY,
    family_id INTEGER NOT NULL REFERENCES families(id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    role TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    account_id INTEGER REFERENCES accounts(id)  -- the adult whose « Mes coordonnées » these are
);
CREATE TABLE IF NOT EXISTS children (
    id INTEGER PRIMARY KEY,
    family_id INTEGER NOT NULL REFERENCES families(id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    structure TEXT NOT NULL,
    sex TEXT                               -- F, M or NULL (the Espace Citoyens avatar)
);
CREATE TABLE IF NOT EXISTS contacts (
    id INTEGER PRIMARY KEY,
    family_id INTEGER NOT NULL REFERENCES families(id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    relationship TEXT NOT NULL,
    phones TEXT NOT NULL,                  -- JSON list
    email TEXT,
    can_pick_up INTEGER NOT NULL,
    emergency_contact INTEGER NOT NULL,
    sex TEXT                               -- F, M or NULL (the Espace Citoyens avatar)
);
CREATE TABLE IF NOT EXISTS profiles (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    address TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    city TEXT NOT NULL,
    phone_home TEXT,
    phone_mobile TEXT,
    email TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY,
    family_id INTEGER NOT NULL REFERENCES families(id),
    date TEXT NOT NULL,
    label TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    family_id INTEGER NOT NULL REFERENCES families(id),
    sent_at TEXT NOT NULL,
    sender TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    read INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS message_replies (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),   -- who of the family answered
    sent_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS message_replies_message ON message_replies(message_id);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    commune TEXT NOT NULL REFERENCES communes(slug),
    family_id INTEGER REFERENCES families(id),   -- NULL: for every family of the commune
    date TEXT NOT NULL,
    title TEXT NOT NULL,
    place TEXT
);
CREATE TABLE IF NOT EXISTS news (
    id INTEGER PRIMARY KEY,
    commune TEXT NOT NULL REFERENCES communes(slug),
    published TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS invoices (
    id INTEGER PRIMARY KEY,
    family_id INTEGER NOT NULL REFERENCES families(id),
    commune TEXT NOT NULL REFERENCES communes(slug),
    number TEXT NOT NULL,
    label TEXT NOT NULL,
    service TEXT NOT NULL,
    children TEXT NOT NULL,                -- JSON list of first names
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    paid_cents INTEGER NOT NULL DEFAULT 0,
    -- A reason of the town's own (e.g. paid by direct debit) not to take it online.
    offline_reason TEXT,
    direct_debit_on TEXT,                  -- the day a direct debit takes what is left
    UNIQUE (commune, number)
);
-- What was received for each invoice: the proof a parent is shown (a card payment's date and
-- authorisation number, an amount paid at the desk or by direct debit).
CREATE TABLE IF NOT EXISTS receipts (
    id INTEGER PRIMARY KEY,
    invoice_id INTEGER NOT NULL REFERENCES invoices(id),
    paid_at REAL NOT NULL,
    amount_cents INTEGER NOT NULL,
    method TEXT NOT NULL,                  -- card, direct_debit, counter
    authorization_number TEXT,
    payment_id TEXT REFERENCES payments(id)
);
CREATE TABLE IF NOT EXISTS payments (
    id TEXT PRIMARY KEY,
    commune TEXT NOT NULL REFERENCES communes(slug),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    family_id INTEGER NOT NULL REFERENCES families(id),
    idempotency_key TEXT,
    request_fingerprint TEXT NOT NULL,
    status TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    reference TEXT NOT NULL,               -- the portal's own reference (unique)
    numcli TEXT NOT NULL,
    exer TEXT NOT NULL,
    email TEXT NOT NULL,
    payment_url TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    paid_at REAL,
    authorization_number TEXT,
    UNIQUE (commune, reference),
    UNIQUE (account_id, idempotency_key)
);
CREATE TABLE IF NOT EXISTS payment_invoices (
    payment_id TEXT NOT NULL REFERENCES payments(id),
    invoice_id INTEGER NOT NULL REFERENCES invoices(id),
    amount_cents INTEGER NOT NULL,
    PRIMARY KEY (payment_id, invoice_id)
);
-- What the PayFiP web service knows of each payment: the idOp it gave, and what its
-- `recupererDetailPaiementSecurise` answered (the only proof of a payment). Notifications are
-- not stored: they only make the portal ask (see billing.py), so anonymous ones cost nothing.
CREATE TABLE IF NOT EXISTS payfip_operations (
    payment_id TEXT PRIMARY KEY REFERENCES payments(id),
    refdet TEXT NOT NULL,                  -- the refdet sent: the invoice's own number
    idop TEXT UNIQUE,                      -- NULL while creerPaiementSecurise is asked
    resultrans TEXT,                       -- P, V, R, Z, A from the service; P1 never known
    detail TEXT,                           -- JSON of the answer that decided it
    checked_at REAL,                       -- when the service was last asked
    flag TEXT                              -- money taken late or twice: for the town
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    commune TEXT,
    sent_at TEXT NOT NULL,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL
);
-- The Espace Citoyens replica's own tables (portal/espace_citoyens): its sessions and the
-- payments it sends to TIPI; everything else it shows is the tables above.
CREATE TABLE IF NOT EXISTS ec_sessions (
    id_hash TEXT PRIMARY KEY,              -- sha256 of the ASP.NET_SessionIdEC cookie
    tenant TEXT NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    created_at REAL NOT NULL,
    last_used_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS ec_payments (
    id TEXT PRIMARY KEY,
    commune TEXT NOT NULL REFERENCES communes(slug),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    invoice_id INTEGER NOT NULL REFERENCES invoices(id),
    reference TEXT NOT NULL,               -- the refdet: the invoice number
    numcli TEXT NOT NULL,
    exer TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    urlcl_hash TEXT NOT NULL UNIQUE,       -- sha256 of the secret in this payment's urlcl
    status TEXT NOT NULL,                  -- pending, paid, refused, cancelled
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    paid_at REAL,
    authorization_number TEXT,
    flag TEXT                              -- paid late or twice: money taken, for the town
);
CREATE INDEX IF NOT EXISTS ec_payments_invoice ON ec_payments(invoice_id, status);
-- The TIPI notifications each replica payment received (those for no payment are only
-- counted in the log): TIPI's POST is the replica's only news of a payment.
CREATE TABLE IF NOT EXISTS ec_notifications (
    id INTEGER PRIMARY KEY,
    received_at REAL NOT NULL,
    payment_id TEXT NOT NULL REFERENCES ec_payments(id),
    params TEXT NOT NULL,                  -- JSON of the fields received
    outcome TEXT NOT NULL                  -- applied, replay, rejected: why
);
CREATE INDEX IF NOT EXISTS ec_notifications_payment ON ec_notifications(payment_id);
CREATE INDEX IF NOT EXISTS ec_sessions_last_used ON ec_sessions(last_used_at);
-- Reservations (routers/reservations.py, reservations.py). One row per service a commune
-- offers, with its booking rule; what a child is enrolled in; one row per day booked (or
-- waited for, or cancelled too late and so still billed). A day cancelled in time has no row.
CREATE TABLE IF NOT EXISTS activities (
    id INTEGER PRIMARY KEY,
    commune TEXT NOT NULL REFERENCES communes(slug),
    service TEXT NOT NULL,                 -- cantine, garderie-matin… (api Service)
    label TEXT NOT NULL,
    place TEXT NOT NULL,
    start_time TEXT NOT NULL,              -- HH:MM, Paris time
    end_time TEXT NOT NULL,
    weekdays TEXT NOT NULL,                -- JSON list of ISO weekdays
    in_holidays INTEGER NOT NULL,          -- 1: during school holidays only
    price_cents INTEGER NOT NULL,
    capacity INTEGER NOT NULL,
    taken_elsewhere INTEGER NOT NULL,      -- places of children outside the demo's families
    deadline_kind TEXT NOT NULL,           -- api DeadlineKind
    deadline_days INTEGER NOT NULL,
    deadline_time TEXT NOT NULL,           -- HH:MM, Paris time
    late_cancellation TEXT NOT NULL,       -- billed | refused
    UNIQUE (commune, service)
);
-- Places taken on one day by children outside the demo's families, when not the usual.
CREATE TABLE IF NOT EXISTS activity_days (
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    day TEXT NOT NULL,
    taken_elsewhere INTEGER NOT NULL,
    PRIMARY KEY (activity_id, day)
);
CREATE TABLE IF NOT EXISTS enrolments (
    child_id INTEGER NOT NULL REFERENCES children(id),
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    PRIMARY KEY (child_id, activity_id, first_day)
);
CREATE TABLE IF NOT EXISTS bookings (
    id INTEGER PRIMARY KEY,
    child_id INTEGER NOT NULL REFERENCES children(id),
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    day TEXT NOT NULL,
    status TEXT NOT NULL,                  -- booked | waiting | late_cancelled
    absent INTEGER NOT NULL DEFAULT 0,     -- the structure recorded an absence
    billed_cents INTEGER NOT NULL,         -- what it costs on the invoice (0 while waiting)
    invoice_id INTEGER REFERENCES invoices(id),
    changed_at REAL NOT NULL,
    UNIQUE (child_id, activity_id, day)
);
CREATE INDEX IF NOT EXISTS bookings_day ON bookings(activity_id, day, status);
CREATE INDEX IF NOT EXISTS bookings_unbilled ON bookings(child_id, invoice_id);
-- Answers of `POST reservations/changes` by Idempotency-Key: the same key gives the same
-- answer, whatever happened since.
CREATE TABLE IF NOT EXISTS reservation_batches (
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    answer TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (account_id, idempotency_key)
);
CREATE INDEX IF NOT EXISTS invoices_family ON invoices(family_id);
-- The purge of forgotten login failures (made-up logins leave rows behind).
CREATE INDEX IF NOT EXISTS login_failures_updated ON login_failures(updated_at);
-- `expire_due` runs on every read of invoices or payments: it finds the pending payments
-- past their expiry through this index instead of scanning every pending one.
CREATE INDEX IF NOT EXISTS payments_pending_expiry ON payments(status, expires_at);
-- The purge of old sessions at each login.
CREATE INDEX IF NOT EXISTS sessions_last_used ON sessions(last_used_at);
CREATE INDEX IF NOT EXISTS payment_invoices_invoice ON payment_invoices(invoice_id);
CREATE INDEX IF NOT EXISTS contacts_family ON contacts(family_id);
CREATE INDEX IF NOT EXISTS receipts_invoice ON receipts(invoice_id);
"""


def now() -> float:
    """Current time as a UNIX timestamp (what the tables store)."""
    return datetime.now(UTC).timestamp()


def to_datetime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode: changes happen only inside `transaction()`."""
    conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


class ConnectionPool:
    """Open connections kept for the next request instead of one opened and closed per
    request.

    Opening a connection costs little, but closing the last one open on a WAL database makes
    SQLite checkpoint the WAL and delete it, and the next open creates it again: under load
    that happened many times a second, on the event loop. Connections are lent one request
    (or one long-poll read) at a time; at most `keep` idle ones are kept, the others closed.
    """

    def __init__(self, path: Path, keep: int = 16) -> None:
        self.path = path
        self.keep = keep
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def acquire(self) -> sqlite3.Connection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return connect(self.path)

    def release(self, conn: sqlite3.Connection) -> None:
        try:
            if conn.in_transaction:  # never lend a connection with a half-done change
                conn.execute("ROLLBACK")
        except sqlite3.Error:
            conn.close()
            return
        with self._lock:
            if len(self._idle) < self.keep:
                self._idle.append(conn)
                return
        conn.close()

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        conn = self.acquire()
        try:
            yield conn
        finally:
            self.release(conn)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception: all of a change or nothing."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


#: Columns added since the first release: (table, column, declaration). A data file made
#: before them gets them at the next start (CREATE TABLE IF NOT EXISTS adds none).
_LATER_COLUMNS = (
    ("login_failures", "updated_at", "REAL"),
    ("children", "sex", "TEXT"),
    ("contacts", "sex", "TEXT"),
    ("adults", "account_id", "INTEGER REFERENCES accounts(id)"),
    ("invoices", "direct_debit_on", "TEXT"),
)


def _migrate(conn: sqlite3.Connection) -> None:
    """Columns added since a data file was created (before the schema's indexes use them);
    a table not there yet is made whole by the schema."""
    for table, column, declaration in _LATER_COLUMNS:
        present = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if present and column not in present:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
            if (table, column) == ("adults", "account_id"):
                # An older file: the account holder is the adult of the profile's name.
                conn.execute(
                    "UPDATE adults SET account_id = (SELECT p.account_id FROM profiles p"
                    " JOIN accounts a ON a.id = p.account_id WHERE a.family_id ="
                    " adults.family_id AND p.first_name = adults.first_name AND p.last_name"
                    " = adults.last_name)")


def initialize(path: Path) -> bool:
    """Create the file and the schema if needed; True when the database was empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        _migrate(conn)
        had_receipts = bool(conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'receipts'").fetchone())
        conn.executescript(SCHEMA)
        if not had_receipts:
            # An older file: its card payments already made are its first receipts.
            conn.execute(
                "INSERT INTO receipts (invoice_id, paid_at, amount_cents, method,"
                " authorization_number, payment_id) SELECT pi.invoice_id, p.paid_at,"
                " pi.amount_cents, 'card', p.authorization_number, p.id FROM payments p"
                " JOIN payment_invoices pi ON pi.payment_id = p.id"
                " WHERE p.status = 'paid' AND p.paid_at IS NOT NULL")
        row = conn.execute("SELECT COUNT(*) FROM communes").fetchone()
        return bool(row[0] == 0)
    finally:
        conn.close()


#: Free space the data file's disk must have at start (FAMILLE_TUI_PORTAL_MIN_FREE_BYTES).
MIN_FREE_BYTES = 16 * 1024 * 1024


def storage_problem(path: Path) -> str | None:
    """Why the portal cannot keep its data in `path`, as a French sentence; None when it can.

    Checked before the portal listens: free space on its disk, then a real write (a row of
    `portal_meta`, in a transaction, which also creates the file, its -wal and its -shm).
    Without it a read-only or full database was noticed only at the first change a parent
    made, as a generic 500 on every write."""
    value = os.environ.get("FAMILLE_TUI_PORTAL_MIN_FREE_BYTES", "").strip()
    min_free = int(value) if value.isdigit() else MIN_FREE_BYTES
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        disk = os.statvfs(path.parent)
    except OSError as error:
        return (f"le dossier du fichier de données {path.parent} est inutilisable "
                f"({error.strerror}).")
    free = disk.f_bavail * disk.f_frsize
    if free < min_free:
        return (f"plus assez de place sur le disque du fichier de données {path} "
                f"({free // (1024 * 1024)} Mio libres, au moins {min_free // (1024 * 1024)} "
                "Mio nécessaires) : libérez de la place, ou choisissez un autre fichier avec "
                "--data.")
    try:
        conn = connect(path)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            with transaction(conn):
                conn.execute("CREATE TABLE IF NOT EXISTS portal_meta"
                             " (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                conn.execute("INSERT OR REPLACE INTO portal_meta (key, value)"
                             " VALUES ('checked_at', ?)", (str(now()),))
        finally:
            conn.close()
    except sqlite3.Error as error:
        return _storage_error(path, error)
    return None


def _storage_error(path: Path, error: sqlite3.Error) -> str:
    name = str(getattr(error, "sqlite_errorname", ""))
    text = str(error).lower()
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")) or (
        "readonly" in text or "unable to open" in text
    ):
        return (f"le fichier de données {path} n'est pas modifiable (lecture seule, ou son "
                "dossier l'est) : vérifiez ses droits et ceux de son dossier, ou choisissez "
                "un autre fichier avec --data.")
    if name.startswith(("SQLITE_FULL", "SQLITE_IOERR")) or "full" in text or "i/o" in text:
        return (f"le fichier de données {path} ne peut pas être écrit (plus de place sur le "
                "disque, ou disque en panne) : libérez de la place, ou choisissez un autre "
                "fichier avec --data.")
    if name.startswith("SQLITE_NOTADB") or "not a database" in text:
        return f"le fichier {path} n'est pas une base de données du portail."
    return f"le fichier de données {path} est inutilisable ({error})."
