"""Invoices and payments: statuses, what can be paid online, creating a PayFiP payment, and
checking the payment service's notifications before anything is marked « Réglée ».

The rules (DESIGN.md, « Payment: PayFiP / TIPI »):
- the amount is computed here from the invoices, never taken from the client;
- a notification is a trigger, not a proof: it must match a pending payment by reference,
  amount, client number and year; a replay is the same event; anything else is logged and
  changes nothing;
- a pending payment expires after `payment_ttl` seconds (checked lazily on every read, and the
  long polls sleep exactly until then).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from famille_tui.api import ErrorCode, Invoice, Payment, PaymentStatus
from famille_tui.api.money import format_euros
from famille_tui.portal.context import PaymentWatch, PortalConfig
from famille_tui.portal.db import now, to_datetime, transaction
from famille_tui.portal.problems import ApiProblem, not_found

log = logging.getLogger("famille_tui.portal.payments")

#: PayFiP takes payments from 1 € to 100 000 €.
PAYFIP_MIN_CENTS = 100
PAYFIP_MAX_CENTS = 10_000_000

_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")


# --- invoices -------------------------------------------------------------------------------


def not_payable_reason(row: sqlite3.Row) -> str | None:
    """Why this invoice cannot be paid online, in French; None when it can."""
    remaining = row["amount_cents"] - row["paid_cents"]
    if remaining <= 0:
        return "Cette facture est déjà réglée."
    if row["offline_reason"]:
        return str(row["offline_reason"])
    if remaining < PAYFIP_MIN_CENTS:
        return (
            f"Le reste à payer ({format_euros(remaining)}) est inférieur à 1,00 €, le minimum "
            "du paiement en ligne PayFiP : réglez-le à l'accueil de la structure."
        )
    if remaining > PAYFIP_MAX_CENTS:
        return (
            f"Le reste à payer ({format_euros(remaining)}) dépasse 100 000,00 €, le maximum "
            "du paiement en ligne PayFiP : contactez la structure pour le régler."
        )
    return None


def to_invoice(row: sqlite3.Row) -> Invoice:
    """`row` comes from `INVOICE_QUERY` (it carries the pending payment's id, if any)."""
    remaining = max(0, row["amount_cents"] - row["paid_cents"])
    reason = not_payable_reason(row)
    pending = row["pending_payment_id"] if remaining > 0 else None
    if remaining == 0:
        status = "reglee"
    elif pending:
        status = "en_cours"
    else:
        status = "a_payer"
    return Invoice(
        id=row["id"],
        number=row["number"],
        label=row["label"],
        service=row["service"],
        children=json.loads(row["children"]),
        period_start=row["period_start"],
        period_end=row["period_end"],
        issue_date=row["issue_date"],
        due_date=row["due_date"],
        amount_cents=row["amount_cents"],
        paid_cents=min(row["paid_cents"], row["amount_cents"]),
        remaining_cents=remaining,
        status=status,  # type: ignore[arg-type]  # pydantic turns it into InvoiceStatus
        payable_online=reason is None,
        not_payable_reason=reason,
        pending_payment_id=pending,
    )


# CROSS JOIN makes SQLite start from the invoice's few payment_invoices rows (index
# payment_invoices_invoice) and look each payment up by its key; with a plain JOIN the
# planner may instead walk every pending payment for each invoice (status index), which
# made an invoice list cost invoices × pending payments.
INVOICE_QUERY = """
SELECT i.*, (
    SELECT p.id FROM payment_invoices pi CROSS JOIN payments p ON p.id = pi.payment_id
    WHERE pi.invoice_id = i.id AND p.status = 'pending' LIMIT 1
) AS pending_payment_id
FROM invoices i
"""


def family_invoices(conn: sqlite3.Connection, family_id: int) -> list[Invoice]:
    rows = conn.execute(
        INVOICE_QUERY + " WHERE i.family_id = ? ORDER BY i.due_date, i.number", (family_id,)
    ).fetchall()
    return [to_invoice(r) for r in rows]


def family_invoice(conn: sqlite3.Connection, family_id: int, invoice_id: int) -> Invoice:
    row = conn.execute(
        INVOICE_QUERY + " WHERE i.id = ? AND i.family_id = ?", (invoice_id, family_id)
    ).fetchone()
    if row is None:  # another family's invoice is as unknown as a missing one
        raise not_found("Cette facture n'existe pas.")
    return to_invoice(row)


# --- expiry ---------------------------------------------------------------------------------


def expire_due(conn: sqlite3.Connection, watch: PaymentWatch) -> list[str]:
    """Mark pending payments past their expiry as expired, and wake their waiters."""
    current = now()
    due = [
        r["id"]
        for r in conn.execute(
            "SELECT id FROM payments WHERE status = 'pending' AND expires_at <= ?", (current,)
        )
    ]
    if not due:
        return []
    with transaction(conn):
        expired = []
        for payment_id in due:
            cursor = conn.execute(
                "UPDATE payments SET status = 'expired' WHERE id = ? AND status = 'pending'",
                (payment_id,),
            )
            if cursor.rowcount:
                expired.append(payment_id)
    for payment_id in expired:
        log.info("Paiement %s expiré sans notification.", payment_id)
        watch.changed(payment_id)
    return expired


# --- payments -------------------------------------------------------------------------------


def payment_view(conn: sqlite3.Connection, row: sqlite3.Row) -> Payment:
    invoice_ids = [
        r["invoice_id"]
        for r in conn.execute(
            "SELECT invoice_id FROM payment_invoices WHERE payment_id = ? ORDER BY invoice_id",
            (row["id"],),
        )
    ]
    return Payment(
        id=row["id"],
        status=PaymentStatus(row["status"]),
        amount_cents=row["amount_cents"],
        invoice_ids=invoice_ids,
        reference=row["reference"],
        payment_url=row["payment_url"],
        created_at=to_datetime(row["created_at"]),
        expires_at=to_datetime(row["expires_at"]),
        paid_at=to_datetime(row["paid_at"]) if row["paid_at"] else None,
        authorization_number=row["authorization_number"],
    )


def family_payment(conn: sqlite3.Connection, family_id: int, payment_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM payments WHERE id = ? AND family_id = ?", (payment_id, family_id)
    ).fetchone()
    if row is None:
        raise not_found("Ce paiement n'existe pas.")
    return row


def _fingerprint(invoice_ids: list[int], email: str) -> str:
    text = json.dumps([sorted(set(invoice_ids)), email.lower()])
    return hashlib.sha256(text.encode()).hexdigest()


def _objet(numbers: list[str]) -> str:
    """TIPI's `objet`: a short label of letters, digits and spaces."""
    label = "Facture " if len(numbers) == 1 else "Factures "
    text = label + " ".join(numbers)
    return text if len(text) <= 100 else text[:97] + "..."


@dataclass(frozen=True)
class PaymentRequest:
    commune: sqlite3.Row
    account_id: int
    family_id: int
    invoice_ids: list[int]
    email: str
    idempotency_key: str | None
    #: Origin of this server as the browser reaches it, e.g. « http://127.0.0.1:8765 ».
    origin: str


def create_payment(
    conn: sqlite3.Connection, config: PortalConfig, request: PaymentRequest
) -> tuple[Payment, bool]:
    """Create (or, for a repeated Idempotency-Key, find) a payment; True when created."""
    key = request.idempotency_key
    if key is not None and not _IDEMPOTENCY_KEY.fullmatch(key):
        raise ApiProblem(
            400,
            ErrorCode.INVALID_REQUEST,
            "L'en-tête Idempotency-Key est invalide (1 à 128 caractères visibles).",
        )
    fingerprint = _fingerprint(request.invoice_ids, request.email)
    with transaction(conn):
        if key is not None:
            existing = conn.execute(
                "SELECT * FROM payments WHERE account_id = ? AND idempotency_key = ?",
                (request.account_id, key),
            ).fetchone()
            if existing is not None:
                if existing["request_fingerprint"] != fingerprint:
                    raise ApiProblem(
                        422,
                        ErrorCode.INVALID_REQUEST,
                        "Cette clé Idempotency-Key a déjà servi pour un autre paiement.",
                    )
                return payment_view(conn, existing), False
        ids = sorted(set(request.invoice_ids))
        too_big = [i for i in ids if not 0 < i < 2**63]  # not SQLite integers: unknown
        if too_big:
            raise not_found(f"La facture n° {too_big[0]} n'existe pas.")
        rows = []
        for invoice_id in ids:
            row = conn.execute(
                INVOICE_QUERY + " WHERE i.id = ? AND i.family_id = ?",
                (invoice_id, request.family_id),
            ).fetchone()
            if row is None:
                raise not_found(f"La facture n° {invoice_id} n'existe pas.")
            rows.append(row)
        for row in rows:
            if row["pending_payment_id"] and row["amount_cents"] > row["paid_cents"]:
                raise ApiProblem(
                    409,
                    ErrorCode.PAYMENT_IN_PROGRESS,
                    f"Un paiement est déjà en cours pour la facture {row['number']} : "
                    "attendez son résultat (au plus 15 minutes) avant de recommencer.",
                )
            reason = not_payable_reason(row)
            if reason is not None:
                raise ApiProblem(
                    409,
                    ErrorCode.INVOICE_NOT_PAYABLE,
                    f"La facture {row['number']} ne peut pas être payée en ligne. {reason}",
                )
        amount = sum(r["amount_cents"] - r["paid_cents"] for r in rows)
        if amount > PAYFIP_MAX_CENTS:
            raise ApiProblem(
                409,
                ErrorCode.INVOICE_NOT_PAYABLE,
                f"Le total ({format_euros(amount)}) dépasse 100 000,00 €, le maximum d'un "
                "paiement PayFiP : payez ces factures en plusieurs fois.",
            )
        commune = request.commune
        created = now()
        exer = str(datetime.now(UTC).year)
        reference = "PF" + secrets.token_hex(7).upper()  # 16 letters and digits: a refdet
        payment_id = "pay_" + secrets.token_urlsafe(18)
        origin = (config.payfip_origin or request.origin).rstrip("/")
        params = {
            "numcli": commune["numcli"],
            "exer": exer,
            "refdet": reference,
            "objet": _objet([r["number"] for r in rows]),
            "montant": str(amount),
            "mel": request.email,
            "urlcl": f"{request.origin.rstrip('/')}/{commune['slug']}/tipi/notification",
            "saisie": config.saisie,
        }
        payment_url = f"{origin}/tpa/paiement.web?{urlencode(params)}"
        conn.execute(
            "INSERT INTO payments (id, commune, account_id, family_id, idempotency_key,"
            " request_fingerprint, status, amount_cents, reference, numcli, exer, email,"
            " payment_url, created_at, expires_at) VALUES"
            " (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?)",
            (payment_id, commune["slug"], request.account_id, request.family_id, key,
             fingerprint, amount, reference, commune["numcli"], exer, request.email,
             payment_url, created, created + config.payment_ttl),
        )
        for row in rows:
            conn.execute(
                "INSERT INTO payment_invoices (payment_id, invoice_id, amount_cents)"
                " VALUES (?, ?, ?)",
                (payment_id, row["id"], row["amount_cents"] - row["paid_cents"]),
            )
        payment_row = conn.execute("SELECT * FROM payments WHERE id = ?", (payment_id,)).fetchone()
        return payment_view(conn, payment_row), True


# --- notifications --------------------------------------------------------------------------

_RESULTS = {"P": "paid", "R": "refused", "A": "cancelled"}


@dataclass(frozen=True)
class NotificationOutcome:
    """What a notification did: `applied`, `replay`, or `rejected` with the reason."""

    kind: str
    reason: str
    payment_id: str | None = None


def _valid_date_time(dattrans: str, heurtrans: str) -> bool:
    try:
        datetime.strptime(dattrans + heurtrans, "%d%m%Y%H%M")
    except ValueError:
        return False
    return len(dattrans) == 8 and len(heurtrans) == 4


def apply_notification(
    conn: sqlite3.Connection,
    watch: PaymentWatch,
    commune: str,
    params: Mapping[str, str],
) -> NotificationOutcome:
    """Check a TIPI notification against the pending payment, and apply it if it matches.

    Every notification is recorded in `notifications` with what was done and why, in the
    same transaction as what it changed (see `_check_and_apply`).
    """
    fields = {k: str(params.get(k, ""))[:200] for k in (
        "numcli", "exer", "refdet", "objet", "montant", "mel", "saisie",
        "resultrans", "numauto", "dattrans", "heurtrans",
    )}
    outcome = _check_and_apply(conn, commune, fields)
    if outcome.kind == "rejected":
        log.warning("Notification TIPI refusée (%s) : %s", outcome.reason, fields)
    else:
        log.info("Notification TIPI %s pour %s : %s", outcome.kind, outcome.payment_id,
                 outcome.reason)
    if outcome.kind == "applied" and outcome.payment_id:
        watch.changed(outcome.payment_id)
    return outcome


def _check_and_apply(
    conn: sqlite3.Connection, commune: str, f: dict[str, str]
) -> NotificationOutcome:
    """Check and apply the notification, and record it, in one transaction: a crash after
    the COMMIT leaves both the change and its audit row, a crash before it neither."""
    with transaction(conn):
        outcome = _check_and_change(conn, commune, f)
        conn.execute(
            "INSERT INTO notifications (received_at, commune, payment_id, params, outcome)"
            " VALUES (?, ?, ?, ?, ?)",
            (now(), commune, outcome.payment_id, json.dumps(f, ensure_ascii=False),
             f"{outcome.kind}: {outcome.reason}"),
        )
    return outcome


def _check_and_change(
    conn: sqlite3.Connection, commune: str, f: dict[str, str]
) -> NotificationOutcome:
    """Inside the caller's transaction: what the notification does, and the change itself."""
    result = _RESULTS.get(f["resultrans"])
    if result is None:
        return NotificationOutcome("rejected", "resultrans inconnu")
    row = conn.execute(
        "SELECT * FROM payments WHERE commune = ? AND reference = ?", (commune, f["refdet"])
    ).fetchone()
    if row is None:
        return NotificationOutcome("rejected", "référence inconnue")
    pid = row["id"]
    if f["numcli"] != row["numcli"]:
        return NotificationOutcome("rejected", "numcli différent", pid)
    if f["exer"] != row["exer"]:
        return NotificationOutcome("rejected", "exercice différent", pid)
    if f["montant"] != str(row["amount_cents"]):
        return NotificationOutcome("rejected", "montant différent", pid)
    if result == "paid" and (
        not re.fullmatch(r"[A-Za-z0-9]{1,16}", f["numauto"])
        or not _valid_date_time(f["dattrans"], f["heurtrans"])
    ):
        return NotificationOutcome("rejected", "numauto, dattrans ou heurtrans invalide", pid)
    if row["status"] != "pending":
        same = row["status"] == result and (
            result != "paid" or row["authorization_number"] == f["numauto"]
        )
        if same:
            return NotificationOutcome("replay", "déjà pris en compte", pid)
        return NotificationOutcome(
            "rejected", f"paiement déjà {row['status']}, notification {result}", pid
        )
    if result == "paid":
        conn.execute(
            "UPDATE payments SET status = 'paid', paid_at = ?, authorization_number = ?"
            " WHERE id = ?",
            (now(), f["numauto"], pid),
        )
        for item in conn.execute(
            "SELECT invoice_id, amount_cents FROM payment_invoices WHERE payment_id = ?",
            (pid,),
        ).fetchall():
            conn.execute(
                "UPDATE invoices SET paid_cents = MIN(amount_cents, paid_cents + ?)"
                " WHERE id = ?",
                (item["amount_cents"], item["invoice_id"]),
            )
    else:
        conn.execute("UPDATE payments SET status = ? WHERE id = ?", (result, pid))
    return NotificationOutcome("applied", result, pid)


def pending_by_reference(
    conn: sqlite3.Connection, numcli: str, refdet: str
) -> sqlite3.Row | None:
    """The sandbox's view of a transaction it is asked to take (None: unknown)."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM payments WHERE numcli = ? AND reference = ?", (numcli, refdet)
    ).fetchone()
    return row


def expires_in(row: sqlite3.Row) -> float:
    return float(row["expires_at"]) - now()
