"""`invoices` and `invoice`: « Mes factures », the total « Reste à payer », one invoice, its PDF.

Invoices are named by their number (the refdet printed on the paper invoice), never by the
portal's internal id: the number is what a parent has in hand and what `pay` takes.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from famille_tui.api.money import format_euros
from famille_tui.client.display import shown
from famille_tui.commands.base import CommandContext, CommandError, UsageError
from famille_tui.commands.output import fr_date, yes_no
from famille_tui.commands.parsing import Subparsers, add_command, date_argument

if TYPE_CHECKING:
    from famille_tui.api import Invoice, InvoiceList
    from famille_tui.client.rules import PaymentProof
    from famille_tui.client.session import FamilySession


def register(
    subparsers: Subparsers,
    common: argparse.ArgumentParser,
) -> None:
    invoices = add_command(
        subparsers, common, "invoices",
        summary="les factures et le total « Reste à payer »",
        description="Affiche les factures de la famille, triées par échéance, et le total "
        "« Reste à payer » de toutes ses factures (quel que soit le filtre).",
        examples=[
            "famille-tui --login martin invoices --unpaid",
            "famille-tui --login martin invoices --unpaid --json | jq .total_remaining_cents",
            "famille-tui --login martin invoices --since 01/09/2026 --plain | cut -f1",
        ],
        handler=run_invoices,
    )
    which = invoices.add_mutually_exclusive_group()
    which.add_argument("--unpaid", action="store_true",
                       help="seulement les factures à payer ou en cours de paiement")
    which.add_argument("--paid", action="store_true", help="seulement les factures réglées")
    invoices.add_argument("--since", type=date_argument, metavar="DATE",
                          help="seulement les factures émises depuis cette date "
                               "(JJ/MM/AAAA ou AAAA-MM-JJ)")

    invoice = add_command(
        subparsers, common, "invoice",
        summary="une facture, ou son PDF",
        description="Affiche une facture par son numéro, ou enregistre son PDF avec --pdf "
        "(« --pdf - » l'écrit sur la sortie standard, « --pdf DOSSIER » y crée "
        "facture-NUMÉRO.pdf).",
        examples=[
            "famille-tui --login martin invoice 2026100042",
            "famille-tui --login martin invoice 2026100042 --pdf ~/Documents/",
        ],
        handler=run_invoice,
    )
    invoice.add_argument("number", metavar="NUMÉRO", help="le numéro de la facture")
    invoice.add_argument("--pdf", metavar="CHEMIN", help="enregistre le PDF de la facture")


# -- words ----------------------------------------------------------------------------------

STATUS_WORDS = {"a_payer": "À payer", "en_cours": "Paiement en cours", "reglee": "Réglée"}


def status_words(invoice: Invoice, today: date | None = None) -> str:
    """The status in words (`rules.invoice_state`); an overdue invoice says so in words, not
    only in colour; one that cannot be paid online says « hors ligne »."""
    from famille_tui.client.rules import invoice_state

    state = invoice_state(invoice, today or date.today())
    if state.paid:
        return STATUS_WORDS["reglee"]
    if state.pending:
        return STATUS_WORDS["en_cours"]
    if state.direct_debit_on is not None:
        return f"Prélevée le {fr_date(state.direct_debit_on)}"
    words = STATUS_WORDS["a_payer"]
    if state.offline:
        words += ", non payable en ligne"
    if state.overdue:
        words += ", en retard"
    return words


def normalize_number(text: str) -> str:
    """An invoice number as typed (spaces allowed): 1 to 30 letters or digits. The Famille
    API's are refdets (6 or more); Noethysweb numbers its invoices « 1003 »."""
    compact = "".join(text.split())
    if not re.fullmatch(r"[A-Za-z0-9]{1,30}", compact):
        raise UsageError(
            f"Numéro de facture invalide « {text} » : 1 à 30 lettres ou chiffres."
        )
    return compact


async def invoices_by_number(session: FamilySession, numbers: Sequence[str]) -> list[Invoice]:
    """The family's invoices with these numbers, in the order given; an unknown number (or
    another family's, which the portal never shows) is an error naming it."""
    from famille_tui.api import InvoiceFilter

    wanted = [normalize_number(n) for n in numbers]
    listing = await session.invoices(InvoiceFilter.ALL)
    by_number = {invoice.number.upper(): invoice for invoice in listing.invoices}
    found: list[Invoice] = []
    for number in dict.fromkeys(wanted):  # a number given twice is paid once
        invoice = by_number.get(number.upper())
        if invoice is None:
            raise CommandError(f"Facture introuvable : « {number} » n'est pas une facture "
                               "de votre famille.")
        found.append(invoice)
    return found


# -- invoices -------------------------------------------------------------------------------


async def run_invoices(ctx: CommandContext, args: argparse.Namespace) -> int:
    from famille_tui.api import InvoiceFilter

    which = InvoiceFilter.UNPAID if args.unpaid else InvoiceFilter.PAID if args.paid \
        else InvoiceFilter.ALL
    async with ctx.session() as session:
        listing = await session.invoices(which)
    selected = [i for i in listing.invoices
                if args.since is None or (i.issue_date or i.period_end) >= args.since]
    selected.sort(key=lambda i: i.sort_key)
    shown = listing.model_copy(update={"invoices": selected})
    ctx.out.emit(
        json_document=lambda: shown.model_dump(mode="json"),
        rows=lambda: [invoice_row(i) for i in selected],
        table=lambda: invoices_table(shown),
    )
    return 0


def invoice_row(invoice: Invoice) -> Sequence[object]:
    """`--plain`: number first, so that `cut -f1` gives what `pay` takes."""
    return (invoice.number, invoice.label, invoice.children, invoice.issue_date,
            invoice.due_date, invoice.amount_cents, invoice.remaining_cents, invoice.status,
            invoice.payable_online, invoice.id)


def invoices_table(listing: InvoiceList) -> Sequence[RenderableType]:
    total = Text.assemble(("Reste à payer : ", "bold"),
                          (format_euros(listing.total_remaining_cents), "bold"))
    if not listing.invoices:
        return ["Aucune facture.", total]
    table = Table(title=f"Mes factures ({len(listing.invoices)})", title_justify="left")
    table.add_column("Numéro", no_wrap=True)
    table.add_column("Libellé", ratio=1)
    table.add_column("Échéance", no_wrap=True)
    table.add_column("Montant", justify="right", no_wrap=True)
    table.add_column("Reste à payer", justify="right", no_wrap=True)
    table.add_column("État")
    from famille_tui.client.rules import invoice_state

    offline: list[RenderableType] = []
    today = date.today()
    for invoice in listing.invoices:
        state = invoice_state(invoice, today)
        if state.offline:
            # The reason is a sentence: under the table, not squeezed into a cell.
            offline.append(shown(f"{invoice.number} ne se paie pas en ligne : "
                                 f"{state.offline_reason}"))
        table.add_row(shown(invoice.number), shown(invoice.label), fr_date(invoice.due_date),
                      format_euros(invoice.amount_cents), format_euros(invoice.remaining_cents),
                      status_words(invoice, today))
    return [table, *offline, total]


# -- invoice --------------------------------------------------------------------------------


async def run_invoice(ctx: CommandContext, args: argparse.Namespace) -> int:
    target: Path | None = None
    if args.pdf is not None and args.pdf != "-":
        target = Path(args.pdf).expanduser()
    elif args.pdf == "-" and ctx.stdout_is_tty():
        raise UsageError("--pdf - écrit le PDF sur la sortie standard : redirigez-la vers "
                         "un fichier (> facture.pdf).")
    async with ctx.session() as session:
        (found,) = await invoices_by_number(session, [args.number])
        invoice = await session.connector.invoice(found.id)
        pdf = await session.connector.invoice_pdf(invoice.id) if args.pdf is not None else None
        proof = session.proof_of_payment(invoice)
    if pdf is None:
        pairs = invoice_pairs(invoice, proof)
        ctx.out.emit(
            json_document=lambda: invoice.model_dump(mode="json"),
            rows=lambda: [(key, value) for key, _, value in pairs],
            table=lambda: [invoice_table(invoice, pairs)],
        )
        return 0
    if target is None:
        sys.stdout.flush()
        out = ctx.out.stdout
        buffer = getattr(out, "buffer", None)
        if buffer is None:
            raise UsageError("--pdf - : la sortie standard n'accepte pas de données binaires.")
        buffer.write(pdf)
        buffer.flush()
        return 0
    path = save_pdf(pdf, target, invoice.number)
    ctx.out.emit(
        json_document=lambda: {"number": invoice.number, "pdf_path": str(path),
                               "size_bytes": len(pdf)},
        rows=lambda: [(invoice.number, path, len(pdf))],
        table=lambda: [f"Facture {invoice.number} enregistrée : {path}"],
    )
    return 0


def save_pdf(pdf: bytes, target: Path, number: str) -> Path:
    """Write the PDF atomically (never half a file); a directory gets facture-NUMBER.pdf."""
    if target.is_dir():
        target = target / f"facture-{number}.pdf"
    if not target.parent.is_dir():
        raise CommandError(f"Dossier introuvable : {target.parent}.")
    try:
        handle, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".facture-", suffix=".pdf")
        with os.fdopen(handle, "wb") as tmp:
            tmp.write(pdf)
        os.replace(tmp_name, target)
    except OSError as error:
        raise CommandError(f"Impossible d'enregistrer {target} : {error.strerror}.") from error
    return target


def invoice_pairs(invoice: Invoice,
                  proof: PaymentProof | None = None) -> list[tuple[str, str, object]]:
    """(json field, French label, value) of one invoice; `proof`: the session's
    `proof_of_payment`, one « Payé le » line per receipt."""
    from famille_tui.client.rules import receipt_words

    pairs: list[tuple[str, str, object]] = [
        ("number", "Numéro", invoice.number),
        ("label", "Libellé", invoice.label),
        ("service", "Service", invoice.service),
        ("children", "Enfants", invoice.children),
        ("period_start", "Début de période", invoice.period_start),
        ("period_end", "Fin de période", invoice.period_end),
        ("issue_date", "Émise le", invoice.issue_date),
        ("due_date", "Échéance", invoice.due_date),
        ("amount_cents", "Montant", invoice.amount_cents),
        ("paid_cents", "Déjà réglé", invoice.paid_cents),
        ("remaining_cents", "Reste à payer", invoice.remaining_cents),
        ("status", "État", invoice.status),
        ("payable_online", "Payable en ligne", invoice.payable_online),
        ("not_payable_reason", "Pourquoi pas en ligne", invoice.not_payable_reason),
        ("pending_payment_id", "Paiement en cours", invoice.pending_payment_id),
        ("direct_debit_on", "Prélèvement automatique le", invoice.direct_debit_on),
        ("id", "Identifiant", invoice.id),
    ]
    if proof is not None:
        pairs += [("receipt", "Payé le", receipt_words(r)) for r in proof.receipts]
        if proof.note:
            pairs.append(("receipt", "Justificatif", proof.note))
    return pairs


def invoice_table(invoice: Invoice, pairs: list[tuple[str, str, object]]) -> Table:
    table = Table(title=f"Facture {invoice.number}", show_header=False, title_justify="left")
    table.add_column("", style="bold")
    table.add_column("")
    for key, label, value in pairs:
        if value is None:
            continue
        if key.endswith("_cents") and isinstance(value, int):
            text = format_euros(value)
        elif key == "status":
            text = status_words(invoice)
        elif isinstance(value, bool):
            text = yes_no(value)
        elif isinstance(value, date):
            text = fr_date(value)
        elif isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        else:
            text = str(value)
        table.add_row(label, text)
    return table
