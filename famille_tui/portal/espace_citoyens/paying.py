"""« Payer la facture » in the replica, and what it does with the payment service's answer.

Not public (dialect file): the URL, method and parameters of « Payer la facture », and how
the real portal learns of a payment. The replica's choices:

- « Payer la facture » is a form POST (`MonCompte/PayerFacture`, with the anti-forgery
  token) that answers 302 to TIPI `paiement.web` on the portal's PayFiP service (the
  stand-in `famille_tui.payfip` in the demo) with `numcli, exer, objet, montant, urlcl,
  saisie`, and `refdet` and `mel` left empty: as the leaflet says, the parent types the
  invoice number and the e-mail on the State's page. `objet` (« Facture {number} ») names
  the invoice, so the service knows which number to expect.
- The portal learns of the payment by the TIPI notification: the service POSTs the result to
  `urlcl`, here `{root}PaiementEnLigne/Notification/{secret}`, a random secret made for this
  one payment (its sha256 only is stored). A « P » that matches the payment (secret, numcli,
  exer, refdet = the invoice number, montant = the amount asked, a well-formed numauto, date
  and time) marks the invoice paid: « Réglée », « Reste à payer » 0,00.

What this cannot prove, because TIPI signs nothing: that a card was charged. Whoever has
seen this payment's URL (the payer, their browser's history, someone looking at the screen
or at the kiosk's QR code) knows `urlcl` and every checked field, and can post « P » without
paying. The secret only keeps out those who never saw the URL (no refdet and amount guessed
from an invoice is enough, no notification can be replayed onto another payment), a payment
takes one final answer only, and every notification for a payment is written to the
`ec_notifications` table with what was done. The Famille API pays through the PayFiP web
service, which asks the State for the result: that is the protocol to trust.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from famille_tui.api import Invoice
from famille_tui.portal.billing import QuietLog
from famille_tui.portal.context import PortalConfig
from famille_tui.portal.db import now, transaction
from famille_tui.portal.espace_citoyens.store import Tenant, digest

log = logging.getLogger("famille_tui.portal.espace_citoyens")

NOTIFICATION_PATH = "PaiementEnLigne/Notification/"
FIELDS = ("numcli", "exer", "refdet", "objet", "montant", "mel", "saisie", "resultrans",
          "numauto", "dattrans", "heurtrans")
_RESULTS = {"P": "paid", "R": "refused", "A": "cancelled"}


def start_payment(
    conn: sqlite3.Connection,
    config: PortalConfig,
    tenant: Tenant,
    *,
    account_id: int,
    invoice: Invoice,
    numcli: str,
) -> str | None:
    """Record a pending payment of `invoice`'s « Reste à payer » and return the TIPI URL
    to send the parent to (None: this portal has no payment service). `urlcl` is built
    from the portal's public origin, never from a request's Host. Raises InProgress while
    another payment of the invoice may still be paid (checked in the same transaction)."""
    if config.payfip_origin is None:
        return None
    secret = secrets.token_urlsafe(24)
    created = now()
    exer = str(datetime.now(UTC).year)
    with transaction(conn):
        if in_progress(conn, invoice):
            raise InProgress
        conn.execute(
            "INSERT INTO ec_payments (id, commune, account_id, invoice_id, reference, numcli,"
            " exer, amount_cents, urlcl_hash, status, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
            ("ec_" + secrets.token_urlsafe(12), tenant.commune, account_id, invoice.id,
             invoice.number, numcli, exer, invoice.remaining_cents, digest(secret), created,
             created + config.payment_ttl),
        )
    params = {
        "numcli": numcli,
        "exer": exer,
        "refdet": "",  # typed by the parent on the State's page (the leaflet's step 4)
        # TIPI's objet: letters, digits and spaces; it names the one invoice paid.
        "objet": re.sub(r"[^A-Za-z0-9 ]", "", f"Facture {invoice.number}")[:100],
        "montant": str(invoice.remaining_cents),
        "mel": "",  # typed by the parent as well
        "urlcl": f"{config.public_origin}{tenant.root}{NOTIFICATION_PATH}{secret}",
        "saisie": config.saisie,
    }
    return f"{config.payfip_origin}/tpa/paiement.web?{urlencode(params)}"


class InProgress(Exception):
    """A payment of this invoice may still be paid: no second one is started."""


@dataclass(frozen=True)
class Outcome:
    kind: str  # applied, replay, rejected
    reason: str
    payment_id: str | None = None


def _valid_when(dattrans: str, heurtrans: str) -> bool:
    if not (re.fullmatch(r"\d{8}", dattrans) and re.fullmatch(r"\d{4}", heurtrans)):
        return False
    try:
        datetime.strptime(dattrans + heurtrans, "%d%m%Y%H%M")
    except ValueError:
        return False
    return True


#: Notifications kept per payment: enough for the service's retries and a few replays; the
#: rest (someone who saw the URL posting again and again) is only counted in the log.
KEPT_PER_PAYMENT = 20
_quiet = QuietLog()


def apply_notification(
    conn: sqlite3.Connection, tenant: Tenant, secret: str, params: Mapping[str, str]
) -> Outcome:
    """Check a notification against the payment of `secret` and apply it if it matches.
    One for a known payment is recorded in `ec_notifications` in the same transaction as
    what it changed; one for no payment (a guessed address) only counted in the log, so
    that anonymous requests cost nothing."""
    fields = {k: str(params.get(k, ""))[:200] for k in FIELDS}
    with transaction(conn):
        outcome = _check_and_change(conn, tenant, secret, fields)
        kept = outcome.payment_id is not None and conn.execute(
            "SELECT COUNT(*) FROM ec_notifications WHERE payment_id = ?",
            (outcome.payment_id,)).fetchone()[0] < KEPT_PER_PAYMENT
        if kept:
            conn.execute(
                "INSERT INTO ec_notifications (received_at, payment_id, params, outcome)"
                " VALUES (?, ?, ?, ?)",
                (now(), outcome.payment_id, json.dumps(fields, ensure_ascii=False),
                 f"{outcome.kind}: {outcome.reason}"))
    if outcome.payment_id is None or not kept:
        _quiet.note(f"Espace Citoyens, {outcome.reason}")
    elif outcome.kind == "rejected":
        log.warning("Notification TIPI refusée pour %s : %s", outcome.payment_id,
                    outcome.reason)
    else:
        log.info("Notification TIPI %s pour %s : %s", outcome.kind, outcome.payment_id,
                 outcome.reason)
    return outcome


def _check_and_change(
    conn: sqlite3.Connection, tenant: Tenant, secret: str, f: dict[str, str]
) -> Outcome:
    row = conn.execute("SELECT * FROM ec_payments WHERE urlcl_hash = ? AND commune = ?",
                       (digest(secret), tenant.commune)).fetchone()
    if row is None:
        return Outcome("rejected", "adresse de notification inconnue")
    pid = row["id"]
    result = _RESULTS.get(f["resultrans"])
    if result is None:
        return Outcome("rejected", "resultrans inconnu", pid)
    for name, expected in (("numcli", row["numcli"]), ("exer", row["exer"]),
                           ("refdet", row["reference"]), ("montant", str(row["amount_cents"]))):
        if f[name] != expected:
            return Outcome("rejected", f"{name} différent", pid)
    if result == "paid" and (
        not re.fullmatch(r"[A-Za-z0-9]{1,16}", f["numauto"])
        or not _valid_when(f["dattrans"], f["heurtrans"])
    ):
        return Outcome("rejected", "numauto, dattrans ou heurtrans invalide", pid)
    if row["status"] != "pending":
        if row["status"] == result and (result != "paid"
                                        or row["authorization_number"] == f["numauto"]):
            return Outcome("replay", "déjà pris en compte", pid)
        return Outcome("rejected", f"paiement déjà {row['status']}, notification {result}", pid)
    if result != "paid":
        conn.execute("UPDATE ec_payments SET status = ? WHERE id = ?", (result, pid))
        return Outcome("applied", result, pid)
    # Paid, even after the payment's time or twice: money taken is never dropped, it is
    # flagged for the town (as the Famille API's payments are).
    invoice = conn.execute("SELECT amount_cents, paid_cents FROM invoices WHERE id = ?",
                           (row["invoice_id"],)).fetchone()
    flags = []
    if now() > row["expires_at"]:
        flags.append("payé après l'expiration")
    if invoice is not None and invoice["paid_cents"] >= invoice["amount_cents"]:
        flags.append("facture déjà réglée : payée deux fois")
    flag = "; ".join(flags) or None
    conn.execute(
        "UPDATE ec_payments SET status = 'paid', paid_at = ?, authorization_number = ?,"
        " flag = ? WHERE id = ?",
        (now(), f["numauto"], flag, pid),
    )
    conn.execute(
        "UPDATE invoices SET paid_cents = MIN(amount_cents, paid_cents + ?) WHERE id = ?",
        (row["amount_cents"], row["invoice_id"]),
    )
    if flag:
        log.warning("Paiement %s enregistré comme payé, à examiner : %s", pid, flag)
    return Outcome("applied", f"paid ({flag})" if flag else "paid", pid)


def in_progress(conn: sqlite3.Connection, invoice: Invoice) -> bool:
    """Whether a payment of `invoice` may still be paid: one of the replica's not yet
    answered and not past its time, or one of the Famille API's, on the same invoices."""
    if invoice.pending_payment_id:
        return True
    row = conn.execute("SELECT 1 FROM ec_payments WHERE invoice_id = ? AND status = 'pending'"
                       " AND expires_at > ? LIMIT 1", (invoice.id, now())).fetchone()
    return row is not None
