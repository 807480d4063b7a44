"""Invoices and payments: statuses, what can be paid online, creating a payment with the
PayFiP web service, and what the service's answer does to it.

The rules (DESIGN.md, « Payment: PayFiP / TIPI »; docs/architecture.md, « PayFiP »):
- the amount is computed here from the invoices, never taken from the client;
- each payment is created with `creerPaiementSecurise` (server to server): the payer is sent
  to the service's page for that idOp, which holds nothing the payer could change;
- a notification is a trigger, not a proof: whatever it says, whoever sends it, it only makes
  the portal ask `recupererDetailPaiementSecurise`; that answer alone pays, refuses or
  cancels (`verify`). An answer « paid » that comes after the payment's expiry, or for an
  invoice already paid, is recorded as paid and flagged: money taken is never dropped;
- a pending payment expires after `payment_ttl` seconds (checked lazily on every read, and the
  long polls sleep exactly until then); its idOp may still be paid for a while, so a new
  payment of the same invoice waits `retry_after` (eopayment's 20 minutes for 15), and the
  portal keeps asking the service about it (`reconcile`).

The refdet sent is the invoice's own number, the one the parent sees on the invoice and types
on the service's page (the Chambon leaflet: « renseignez le numéro de facture »); a payment of
several invoices sends the first one's number, and its objet lists them all (the stand-in
accepts any of them). A number that is not 6 to 30 letters or digits once its other signs are
dropped is replaced by the portal's own reference.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from famille_tui.api import ErrorCode, Invoice, Payment, PaymentStatus, Receipt
from famille_tui.api.clock import hour_text
from famille_tui.api.money import format_euros
from famille_tui.portal.context import PaymentWatch, PortalConfig, PortalState
from famille_tui.portal.db import now, to_datetime, transaction
from famille_tui.portal.payfip_ws import PayfipFault, PayfipUnavailable
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
            f"Le reste à payer ({format_euros(remaining)}) est inférieur à 1,00\u00a0€, le minimum "
            "du paiement en ligne PayFiP : réglez-le à l'accueil de la structure."
        )
    if remaining > PAYFIP_MAX_CENTS:
        return (
            f"Le reste à payer ({format_euros(remaining)}) dépasse 100\u00a0000,00\u00a0€, "
            "le maximum du paiement en ligne PayFiP : contactez la structure pour le régler."
        )
    return None


def to_receipt(row: sqlite3.Row) -> Receipt:
    return Receipt(
        paid_at=to_datetime(row["paid_at"]),
        amount_cents=row["amount_cents"],
        method=row["method"],
        authorization_number=row["authorization_number"],
        payment_id=row["payment_id"],
    )


def to_invoice(row: sqlite3.Row, receipts: list[Receipt] | None = None) -> Invoice:
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
        receipts=receipts or [],
        direct_debit_on=row["direct_debit_on"] if remaining > 0 else None,
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
    receipts: dict[int, list[Receipt]] = {}
    for r in conn.execute(
        "SELECT r.* FROM receipts r JOIN invoices i ON i.id = r.invoice_id"
        " WHERE i.family_id = ? ORDER BY r.paid_at, r.id", (family_id,)
    ):
        receipts.setdefault(r["invoice_id"], []).append(to_receipt(r))
    return [to_invoice(r, receipts.get(r["id"])) for r in rows]


def family_invoice(conn: sqlite3.Connection, family_id: int, invoice_id: int) -> Invoice:
    row = conn.execute(
        INVOICE_QUERY + " WHERE i.id = ? AND i.family_id = ?", (invoice_id, family_id)
    ).fetchone()
    if row is None:  # another family's invoice is as unknown as a missing one
        raise not_found("Cette facture n'existe pas.")
    receipts = [to_receipt(r) for r in conn.execute(
        "SELECT * FROM receipts WHERE invoice_id = ? ORDER BY paid_at, id", (invoice_id,))]
    return to_invoice(row, receipts)


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

#: eopayment reads P5 as « still waiting » for two hours: the portal asks that long.
P5_WINDOW = 2 * 3600
#: A payment whose creerPaiementSecurise never came back (a crash) is forgotten after this.
STALE_CREATION = 60


def retry_after(config: PortalConfig) -> int:
    """How long after a payment began its invoices wait before a new payment: its idOp may
    still be paid until then (eopayment waits 20 minutes for a 15-minute idOp)."""
    return config.payment_ttl * 4 // 3


def payment_view(conn: sqlite3.Connection, row: sqlite3.Row) -> Payment:
    invoice_ids = [
        r["invoice_id"]
        for r in conn.execute(
            "SELECT invoice_id FROM payment_invoices WHERE payment_id = ? ORDER BY invoice_id",
            (row["id"],),
        )
    ]
    op = conn.execute(
        "SELECT refdet FROM payfip_operations WHERE payment_id = ?", (row["id"],)
    ).fetchone()
    return Payment(
        id=row["id"],
        status=PaymentStatus(row["status"]),
        amount_cents=row["amount_cents"],
        invoice_ids=invoice_ids,
        reference=op["refdet"] if op else row["reference"],
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
    """PayFiP's `objet`: letters, digits and spaces, at most 100."""
    label = "Facture " if len(numbers) == 1 else "Factures "
    text = re.sub(r"[^A-Za-z0-9 ]", "", label + " ".join(numbers))
    return text if len(text) <= 100 else text[:97].rstrip() + " etc"


def refdet_for(numbers: list[str], fallback: str) -> str:
    """The refdet of a payment: the (first) invoice's own number (see the module's doc)."""
    first = re.sub(r"[^A-Za-z0-9]", "", numbers[0]) if numbers else ""
    return first if 6 <= len(first) <= 30 else fallback


@dataclass(frozen=True)
class PaymentRequest:
    commune: sqlite3.Row
    account_id: int
    family_id: int
    invoice_ids: list[int]
    email: str
    idempotency_key: str | None


def create_payment(
    conn: sqlite3.Connection, state: PortalState, request: PaymentRequest
) -> tuple[Payment, bool]:
    """Create (or, for a repeated Idempotency-Key, find) a payment; True when created.

    In three steps, so that no write transaction waits on the network: the payment is
    written (its invoices then read « en cours »), PayFiP is asked for an idOp, and the
    payment gets its page's address — or, if PayFiP refused or did not answer, is removed."""
    deadline = time.monotonic() + 20  # longer than a creerPaiementSecurise may take
    while True:
        try:
            reserved = _reserve(conn, state.config, request)
            break
        except _BeingCreated:
            # The same Idempotency-Key (a double press) while PayFiP is asked for the
            # first: wait for it, then answer the same payment.
            if time.monotonic() > deadline:
                raise ApiProblem(
                    409, ErrorCode.PAYMENT_IN_PROGRESS,
                    "La demande de paiement est en cours auprès de PayFiP : réessayez "
                    "dans un instant.", retry_after_seconds=2,
                ) from None
            time.sleep(0.05)
    if isinstance(reserved, Payment):
        return reserved, False
    payment_id, fields = reserved
    try:
        if state.payfip is None:
            raise PayfipUnavailable("aucun service PayFiP configuré")
        idop = state.payfip.create(fields)
    except (PayfipFault, PayfipUnavailable) as error:
        _release(conn, payment_id)
        log.warning("creerPaiementSecurise a échoué pour %s : %s", payment_id, error)
        raise _not_created(error) from None
    with transaction(conn):
        conn.execute("UPDATE payfip_operations SET idop = ? WHERE payment_id = ?",
                     (idop, payment_id))
        conn.execute("UPDATE payments SET payment_url = ? WHERE id = ?",
                     (state.payfip.payment_page(idop), payment_id))
        row = conn.execute("SELECT * FROM payments WHERE id = ?", (payment_id,)).fetchone()
        return payment_view(conn, row), True


def _not_created(error: Exception) -> ApiProblem:
    if isinstance(error, PayfipFault) and error.code == "A2":
        return ApiProblem(
            422, ErrorCode.VALIDATION_ERROR, "PayFiP refuse cette adresse électronique.",
            field_errors={"email": "PayFiP n'accepte que les adresses de 6 à 80 caractères."},
        )
    if isinstance(error, PayfipFault):
        return ApiProblem(
            502, ErrorCode.INTERNAL_ERROR,
            f"Le service de paiement de l'État (PayFiP) a refusé la demande (erreur "
            f"{error.code[:10]}). Aucun paiement n'a été fait ; contactez la structure si "
            "cela se reproduit.",
        )
    return ApiProblem(
        503, ErrorCode.INTERNAL_ERROR,
        "Le service de paiement de l'État (PayFiP) ne répond pas : aucun paiement n'a été "
        "fait. Réessayez dans quelques minutes.",
        retry_after_seconds=60,
    )


def _release(conn: sqlite3.Connection, payment_id: str) -> None:
    with transaction(conn):
        for table, column in (("payment_invoices", "payment_id"),
                              ("payfip_operations", "payment_id"), ("payments", "id")):
            conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (payment_id,))


class _BeingCreated(Exception):
    """The payment of this Idempotency-Key is being created (PayFiP not answered yet)."""


def _reserve(
    conn: sqlite3.Connection, config: PortalConfig, request: PaymentRequest
) -> Payment | tuple[str, dict[str, str]]:
    """The existing payment of this Idempotency-Key, or a new one written with no page yet
    (its id and the fields of creerPaiementSecurise)."""
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
            if existing is not None and not existing["payment_url"] and (
                existing["created_at"] < now() - STALE_CREATION
            ):
                # Left by a crash while PayFiP was asked: as if it had never been.
                for table, column in (("payment_invoices", "payment_id"),
                                      ("payfip_operations", "payment_id"), ("payments", "id")):
                    conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (existing["id"],))
                existing = None
            if existing is not None:
                if existing["request_fingerprint"] != fingerprint:
                    raise ApiProblem(
                        422,
                        ErrorCode.INVALID_REQUEST,
                        "Cette clé Idempotency-Key a déjà servi pour un autre paiement.",
                    )
                if not existing["payment_url"]:
                    raise _BeingCreated
                return payment_view(conn, existing)
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
        rows.sort(key=lambda r: (r["due_date"], r["number"]))
        for row in rows:
            _check_payable(conn, config, row)
        amount = sum(r["amount_cents"] - r["paid_cents"] for r in rows)
        if amount > PAYFIP_MAX_CENTS:
            raise ApiProblem(
                409,
                ErrorCode.INVOICE_NOT_PAYABLE,
                f"Le total ({format_euros(amount)}) dépasse 100\u00a0000,00\u00a0€, "
                "le maximum d'un paiement PayFiP : payez ces factures en plusieurs fois.",
            )
        commune = request.commune
        created = now()
        exer = str(datetime.now(UTC).year)
        reference = "PF" + secrets.token_hex(7).upper()  # 16 letters and digits
        numbers = [r["number"] for r in rows]
        refdet = refdet_for(numbers, reference)
        payment_id = "pay_" + secrets.token_urlsafe(18)
        base = f"{config.public_origin}/{commune['slug']}/payfip"
        fields = {
            "numcli": commune["numcli"], "exer": exer, "refdet": refdet,
            "objet": _objet(numbers), "montant": str(amount), "mel": request.email,
            "saisie": config.saisie, "urlnotif": f"{base}/notification",
            "urlredirect": f"{base}/retour",
        }
        conn.execute(
            "INSERT INTO payments (id, commune, account_id, family_id, idempotency_key,"
            " request_fingerprint, status, amount_cents, reference, numcli, exer, email,"
            " payment_url, created_at, expires_at) VALUES"
            " (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, '', ?, ?)",
            (payment_id, commune["slug"], request.account_id, request.family_id, key,
             fingerprint, amount, reference, commune["numcli"], exer, request.email,
             created, created + config.payment_ttl),
        )
        conn.execute("INSERT INTO payfip_operations (payment_id, refdet) VALUES (?, ?)",
                     (payment_id, refdet))
        for row in rows:
            conn.execute(
                "INSERT INTO payment_invoices (payment_id, invoice_id, amount_cents)"
                " VALUES (?, ?, ?)",
                (payment_id, row["id"], row["amount_cents"] - row["paid_cents"]),
            )
        return payment_id, fields


def _check_payable(conn: sqlite3.Connection, config: PortalConfig, row: sqlite3.Row) -> None:
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
    wait = retry_after(config)
    recent = conn.execute(
        "SELECT p.created_at FROM payment_invoices pi CROSS JOIN payments p"
        " ON p.id = pi.payment_id JOIN payfip_operations o ON o.payment_id = p.id"
        " WHERE pi.invoice_id = ? AND p.status = 'expired' AND o.idop IS NOT NULL"
        " AND o.resultrans IS NULL AND p.created_at > ? ORDER BY p.created_at DESC LIMIT 1",
        (row["id"], now() - wait),
    ).fetchone()
    if recent is not None:
        started = recent["created_at"]
        raise ApiProblem(
            409,
            ErrorCode.PAYMENT_IN_PROGRESS,
            f"Le paiement de la facture {row['number']} commencé à "
            f"{hour_text(to_datetime(started))} peut encore aboutir auprès de PayFiP : "
            f"s'il n'a pas abouti, vous pourrez en faire un nouveau à partir de "
            f"{hour_text(to_datetime(started + wait))}.",
            retry_after_seconds=max(1, int(started + wait - now()) + 1),
        )


# --- what PayFiP says -----------------------------------------------------------------------


class QuietLog:
    """At most one line a minute about notifications that led nowhere, with their count:
    anonymous requests must not grow the log without bound either."""

    def __init__(self, every: float = 60.0) -> None:
        self.every = every
        self._count = 0
        self._last = 0.0
        self._lock = threading.Lock()

    def note(self, why: str) -> None:
        with self._lock:
            self._count += 1
            current = time.monotonic()
            if current - self._last < self.every:
                return
            count, self._count, self._last = self._count, 0, current
        log.warning("%d notification(s) sans paiement à vérifier (dernière : %s)", count, why)


quiet = QuietLog()


def verify(state: PortalState, idop: str, *, commune: str | None = None) -> str:
    """Ask PayFiP about `idop` and apply its answer; what happened, in a word:
    `unknown` (no payment here has that idOp), `final` (already paid: nothing asked),
    `busy` (another check of it is under way), `waiting` (P5), or the payment's new state.
    Raises PayfipUnavailable when the service cannot be reached (the caller says so, and the
    service or `reconcile` tries again)."""
    with state.pool.connection() as conn:
        row = conn.execute(
            "SELECT p.*, o.idop, o.refdet FROM payfip_operations o JOIN payments p"
            " ON p.id = o.payment_id WHERE o.idop = ?", (idop[:64],)
        ).fetchone()
        if row is None or (commune is not None and row["commune"] != commune):
            return "unknown"
        if row["status"] == "paid":
            return "final"
        with state.checks.hold(idop) as mine:
            if not mine:
                return "busy"
            if state.payfip is None:
                raise PayfipUnavailable("aucun service PayFiP configuré")
            try:
                detail = state.payfip.detail(idop)
            except PayfipFault as fault:
                return _no_result(conn, state.watch, row, fault)
            return apply_detail(conn, state.watch, row, detail)


def _no_result(conn: sqlite3.Connection, watch: PaymentWatch, row: sqlite3.Row,
               fault: PayfipFault) -> str:
    if fault.code == "P1":
        # Unknown to PayFiP: never paid (purged, or never reached its page).
        with transaction(conn):
            conn.execute("UPDATE payments SET status = 'expired' WHERE id = ? AND status ="
                         " 'pending'", (row["id"],))
            conn.execute("UPDATE payfip_operations SET resultrans = 'P1', checked_at = ?"
                         " WHERE payment_id = ?", (now(), row["id"]))
        watch.changed(row["id"])
        return "expired"
    with transaction(conn):
        conn.execute("UPDATE payfip_operations SET checked_at = ? WHERE payment_id = ?",
                     (now(), row["id"]))
    if fault.code != "P5":
        log.warning("recupererDetailPaiementSecurise(%s) : erreur %s %s", row["idop"],
                    fault.code, fault.message)
        return "error"
    return "waiting"


def apply_detail(conn: sqlite3.Connection, watch: PaymentWatch, row: sqlite3.Row,
                 detail: dict[str, str]) -> str:
    """What `recupererDetailPaiementSecurise` answered, applied to the payment of `row` in
    one transaction (a crash leaves all of it or nothing; asked again, it is the same)."""
    pid = row["id"]
    mismatch = [
        name for name, mine in (("idOp", row["idop"]), ("numcli", row["numcli"]),
                                ("refdet", row["refdet"]), ("montant", str(row["amount_cents"])))
        if detail.get(name) != mine
    ]
    result = detail.get("resultrans", "")
    record = json.dumps(detail, ensure_ascii=False)[:4000]
    if mismatch or result not in ("P", "V", "R", "Z", "A"):
        why = f"réponse PayFiP incohérente ({', '.join(mismatch) or 'resultrans ' + result})"
        log.error("Paiement %s : %s, rien n'est changé", pid, why)
        with transaction(conn):
            conn.execute("UPDATE payfip_operations SET checked_at = ?, flag = ?, detail = ?"
                         " WHERE payment_id = ?", (now(), why, record, pid))
        return "error"
    outcome = "final"
    flag = None
    with transaction(conn):
        current = conn.execute("SELECT status, expires_at FROM payments WHERE id = ?",
                               (pid,)).fetchone()
        status = current["status"]
        if result in ("P", "V") and status != "paid":
            flags = []
            if status != "pending" or now() > current["expires_at"]:
                flags.append(f"payé après l'expiration (état {status})")
            items = conn.execute(
                "SELECT pi.invoice_id, pi.amount_cents, i.amount_cents - i.paid_cents AS left,"
                " i.number FROM payment_invoices pi JOIN invoices i ON i.id = pi.invoice_id"
                " WHERE pi.payment_id = ?", (pid,)).fetchall()
            short = [i["number"] for i in items if i["left"] < i["amount_cents"]]
            if short:
                flags.append("déjà réglé par un autre paiement : " + ", ".join(short)
                             + " (à rembourser)")
            numauto = detail.get("numauto", "")
            authorization = numauto if re.fullmatch(r"[A-Za-z0-9]{1,16}", numauto) else None
            paid_at = now()
            conn.execute(
                "UPDATE payments SET status = 'paid', paid_at = ?, authorization_number = ?"
                " WHERE id = ?", (paid_at, authorization, pid),
            )
            for item in items:
                conn.execute(
                    "UPDATE invoices SET paid_cents = MIN(amount_cents, paid_cents + ?)"
                    " WHERE id = ?", (item["amount_cents"], item["invoice_id"]))
                # The proof the parent is shown: the e-mail's date, amount, and number.
                conn.execute(
                    "INSERT INTO receipts (invoice_id, paid_at, amount_cents, method,"
                    " authorization_number, payment_id) VALUES (?, ?, ?, 'card', ?, ?)",
                    (item["invoice_id"], paid_at, item["amount_cents"], authorization, pid))
            flag = "; ".join(flags) or None
            outcome = "paid"
        elif result in ("R", "Z", "A") and status in ("pending", "expired"):
            outcome = "refused" if result in ("R", "Z") else "cancelled"
            conn.execute("UPDATE payments SET status = ? WHERE id = ?", (outcome, pid))
        conn.execute(
            "UPDATE payfip_operations SET resultrans = ?, detail = ?, checked_at = ?,"
            " flag = COALESCE(?, flag) WHERE payment_id = ?",
            (result, record, now(), flag, pid))
    if flag:
        log.warning("Paiement %s enregistré comme payé, à examiner : %s", pid, flag)
    if outcome != "final":
        log.info("Paiement %s : %s (PayFiP resultrans %s)", pid, outcome, result)
        watch.changed(pid)
    return outcome


def notified(state: PortalState, commune: str, params: dict[str, str]) -> list[str]:
    """A notification (any shape) → what `verify` did for each payment it may be about:
    its `idOp`, or for a TIPI-shaped one, the recent unfinished payments of its refdet."""
    idop = (params.get("idOp") or params.get("idop") or "").strip()[:64]
    idops = [idop] if idop else []
    refdet = params.get("refdet", "").strip()[:30]
    if not idops and refdet:
        with state.pool.connection() as conn:
            idops = [r["idop"] for r in conn.execute(
                "SELECT o.idop FROM payfip_operations o JOIN payments p ON p.id = o.payment_id"
                " WHERE o.refdet = ? AND p.commune = ? AND o.idop IS NOT NULL AND"
                " p.status IN ('pending', 'expired') AND p.created_at > ?"
                " ORDER BY p.created_at DESC LIMIT 3",
                (refdet, commune, now() - P5_WINDOW))]
    outcomes = [verify(state, i, commune=commune) for i in idops]
    if not outcomes or all(o == "unknown" for o in outcomes):
        quiet.note(f"idOp {idop[:40]!r}, refdet {refdet!r}" if idops or refdet else "vide")
    return outcomes


def reconcile(state: PortalState, *, older_than: float = 5.0) -> int:
    """Ask PayFiP about every payment still without a verdict (pending, or expired less than
    `P5_WINDOW` after it began), not asked for `state.config.reconcile_every` seconds: what
    a lost notification (a crash, the portal down) would otherwise leave undecided. Runs at
    start and then regularly; returns how many were asked."""
    current = now()
    with state.pool.connection() as conn:
        idops = [r["idop"] for r in conn.execute(
            "SELECT o.idop FROM payfip_operations o JOIN payments p ON p.id = o.payment_id"
            " WHERE o.idop IS NOT NULL AND o.resultrans IS NULL"
            " AND p.status IN ('pending', 'expired') AND p.created_at BETWEEN ? AND ?"
            " AND (o.checked_at IS NULL OR o.checked_at <= ?) ORDER BY p.created_at LIMIT 100",
            (current - P5_WINDOW, current - older_than,
             current - state.config.reconcile_every))]
    asked = 0
    for idop in idops:
        try:
            verify(state, idop)
        except PayfipUnavailable as error:
            log.warning("PayFiP injoignable pendant la vérification des paiements : %s", error)
            break
        asked += 1
    return asked


def expires_in(row: sqlite3.Row) -> float:
    return float(row["expires_at"]) - now()
