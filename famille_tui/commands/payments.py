"""`payments`: the journaled payments of this portal, each checked against the portal.

A payment `pay` started is journaled in the user's state directory until it ends. This
command asks the portal where each one stands (`client.payments.resume_journal`): a
payment that has ended is shown once, with its outcome, and leaves the journal; one still
pending stays and is shown again next time.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import RenderableType
from rich.table import Table

from famille_tui.api.money import format_euros
from famille_tui.commands.base import CommandContext, UsageError
from famille_tui.commands.output import fr_date
from famille_tui.commands.parsing import Subparsers, add_command

if TYPE_CHECKING:
    from famille_tui.api import Payment
    from famille_tui.client.payments import ResumedPayment
    from famille_tui.client.session import PaymentPage

STATUS_WORDS = {
    "pending": "En attente",
    "paid": "Réglée",
    "refused": "Refusé",
    "cancelled": "Abandonné",
    "expired": "Expiré",
}


def register(
    subparsers: Subparsers,
    common: argparse.ArgumentParser,
) -> None:
    add_command(
        subparsers, common, "payments",
        summary="les paiements en cours et leur état",
        description="Vérifie auprès du portail chaque paiement commencé sur cette machine "
        "(le journal du répertoire d'état). Un paiement terminé est affiché une fois avec "
        "son résultat, puis retiré du journal.",
        examples=["famille-tui --login martin payments",
                  "famille-tui --login martin payments --json | jq -r '.payments[].status'"],
        handler=run_payments,
    )


async def run_payments(ctx: CommandContext, args: argparse.Namespace) -> int:
    portal = ctx.portal()
    journal = ctx.policy.journal()
    wanted = ctx.options.login.strip() if ctx.options.login else None
    entries = journal.entries(portal_url=portal.url, login=wanted)
    results: list[ResumedPayment] = []
    if entries:
        logins = sorted({entry.login for entry in entries})
        if len(logins) > 1:
            raise UsageError("Des paiements de plusieurs comptes sont en cours, précisez "
                             f"--login : {', '.join(logins)}.")
        # Without --login, the journal says whose payments these are.
        async with ctx.session(login=logins[0]) as session:
            results = await session.resume(follow=False)
    ctx.out.emit(
        json_document=lambda: {"payments": [payment_document(r) for r in results]},
        rows=lambda: [payment_row(r) for r in results],
        table=lambda: payments_table(results, page_of=lambda p: ctx.policy.payment_page(
            p, portal_url=portal.url)),
    )
    return 0


def payment_document(resumed: ResumedPayment) -> dict[str, Any]:
    document = resumed.entry.model_dump(mode="json")
    document["status"] = resumed.payment.status.value if resumed.payment else None
    document["payment"] = resumed.payment.model_dump(mode="json") if resumed.payment else None
    document["message"] = resumed.message
    return document


def payment_row(resumed: ResumedPayment) -> Sequence[object]:
    entry = resumed.entry
    status = resumed.payment.status.value if resumed.payment else "unknown"
    return (entry.payment_id, status, entry.amount_cents, entry.invoice_numbers,
            entry.created_at, entry.expires_at)


def payments_table(
    results: Sequence[ResumedPayment], *, page_of: Callable[[Payment], PaymentPage]
) -> Sequence[RenderableType]:
    """The table, then one sentence per payment: a pending one's page only when it may be
    opened (`page_of` gives the verdict), else why not (issue 19, bug 2)."""
    if not results:
        return ["Aucun paiement en cours."]
    table = Table(title=f"Paiements suivis ({len(results)})", title_justify="left")
    for column in ("Factures", "Montant", "Commencé le", "Expire le", "État"):
        table.add_column(column)
    sentences: list[str] = []
    for resumed in results:
        entry, payment = resumed.entry, resumed.payment
        status = STATUS_WORDS.get(payment.status.value, "") if payment else "Non vérifié"
        table.add_row(", ".join(entry.invoice_numbers), format_euros(entry.amount_cents),
                      fr_date(entry.created_at), fr_date(entry.expires_at), status)
        if payment is not None and not payment.status.is_final:
            page = page_of(payment)
            sentences.append(f"{', '.join(entry.invoice_numbers)} : " + (
                f"page de paiement {page.url}" if page.url else page.refusal or ""))
        else:
            sentences.append(resumed.message)
    return [table, *sentences]
