"""A small, valid one-page PDF of an invoice, written by hand (no PDF library needed).

Text uses the standard Helvetica font with WinAnsiEncoding, which covers French accents
and the euro sign; the cross-reference table is computed from the real byte offsets.
"""

from __future__ import annotations

import sqlite3

from famille_tui.api import Invoice
from famille_tui.api.money import format_euros

_STATUS = {"a_payer": "À payer", "en_cours": "Paiement en cours", "reglee": "Réglée"}


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _date(value: object) -> str:
    text = str(value)
    return f"{text[8:10]}/{text[5:7]}/{text[0:4]}"


def invoice_pdf(invoice: Invoice, *, family_name: str, commune: sqlite3.Row) -> bytes:
    lines: list[tuple[int, str]] = [
        (16, f"{commune['structure']}"),
        (10, f"{commune['address']}, {commune['postal_code']} {commune['city']}"),
        (10, f"Tél. : {commune['phone']} – {commune['email']}"),
        (10, ""),
        (14, f"Facture n° {invoice.number}"),
        (11, invoice.label),
        (10, ""),
        (11, f"Famille : {family_name}"),
        (11, f"Enfant(s) : {', '.join(invoice.children)}"),
        (11, f"Période : du {_date(invoice.period_start)} au {_date(invoice.period_end)}"),
        (11, f"Émise le {_date(invoice.issue_date)}, à régler avant le {_date(invoice.due_date)}"),
        (10, ""),
        (12, f"Montant : {format_euros(invoice.amount_cents)}"),
        (12, f"Déjà réglé : {format_euros(invoice.paid_cents)}"),
        (13, f"Reste à payer : {format_euros(invoice.remaining_cents)}"),
        (11, f"État : {_STATUS.get(str(invoice.status), str(invoice.status))}"),
        (10, ""),
    ]
    if invoice.payable_online:
        lines.append((10, "Payable en ligne par carte bancaire (PayFiP) depuis votre Espace "
                          "famille."))
    elif invoice.not_payable_reason:
        lines.append((10, invoice.not_payable_reason[:110]))
    stream = bytearray(b"BT\n")
    y = 800
    for size, text in lines:
        stream += b"/F1 %d Tf 1 0 0 1 56 %d Tm (" % (size, y) + _escape(text) + b") Tj\n"
        y -= size + 9
    stream += b"ET\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + bytes(stream) + b"endstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)
