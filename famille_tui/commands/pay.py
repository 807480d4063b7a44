"""`pay NUMBER... [--email E] [--no-browser] [--wait [SECONDS]]`: one payment for those invoices.

The payment itself (checks, Idempotency-Key, journal, allowed hosts, long poll with retries)
is `famille_tui.client.payments`; this module only presents it: the system browser, or the
URL and a QR code, progress lines on stderr, and the outcome as the exit code
(0 paid, 5 refused, 6 abandoned or expired, 7 still pending when the wait ended).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from rich.console import RenderableType

from famille_tui.api.money import format_euros
from famille_tui.commands.base import CommandContext, ExitCode, UsageError
from famille_tui.commands.invoices import invoices_by_number
from famille_tui.commands.parsing import Subparsers, add_command, positive_seconds

if TYPE_CHECKING:
    from famille_tui.api import Invoice, Payment
    from famille_tui.client.payments import WaitEvent
    from famille_tui.client.session import FamilySession

#: `--wait` without a number: until the payment ends (the portal expires it in the end).
_UNTIL_THE_END = -1.0


def register(
    subparsers: Subparsers,
    common: argparse.ArgumentParser,
) -> None:
    pay = add_command(
        subparsers, common, "pay",
        summary="paie une ou plusieurs factures par carte (PayFiP/TIPI)",
        description="Crée un paiement pour ces factures et ouvre la page de paiement dans le "
        "navigateur du système ($BROWSER est respecté). Avec --no-browser, affiche l'adresse "
        "et un QR code à scanner avec un téléphone. Avec --wait, attend le résultat : code "
        "de sortie 0 réglée, 5 refusée, 6 abandonnée ou expirée, 7 toujours en attente.",
        examples=[
            "famille-tui --login martin pay 2026100042",
            "famille-tui --login martin pay 2026100042 2026110007 --no-browser --wait 600",
        ],
        handler=run_pay,
    )
    pay.add_argument("numbers", nargs="+", metavar="NUMÉRO", help="numéros des factures")
    pay.add_argument("--email", metavar="E",
                     help="adresse du justificatif (défaut : celle du compte)")
    pay.add_argument("--no-browser", action="store_true",
                     help="n'ouvre pas le navigateur : affiche l'adresse et un QR code")
    pay.add_argument("--wait", nargs="?", type=positive_seconds, const=_UNTIL_THE_END,
                     metavar="SECONDES",
                     help="attend le résultat (au plus SECONDES, sinon jusqu'à la fin)")


EXIT_FOR_STATUS = {
    "paid": ExitCode.OK,
    "refused": ExitCode.REFUSED,
    "cancelled": ExitCode.ABANDONED,
    "expired": ExitCode.ABANDONED,
    "pending": ExitCode.PENDING,
}


async def run_pay(ctx: CommandContext, args: argparse.Namespace) -> int:
    from famille_tui.api import check_email

    email: str | None = None
    if args.email is not None:
        try:
            email = check_email(args.email)
        except ValueError as error:
            raise UsageError(f"--email : {error}") from None
    async with ctx.session() as session:
        from famille_tui.client.rules import batches_sentence, payment_batches

        invoices = await invoices_by_number(session, args.numbers)
        terms = session.connector.payment_terms
        email = email or await session.receipt_email()
        if email is None and not terms.receipt_to_family_address:
            if session.no_email_on_file:
                # None on file: the leaflet's way to have one recorded, the portal's contact.
                from famille_tui.client.rules import no_email_way_out

                contact = await session.structure_contact()
                raise UsageError("Aucune adresse électronique n'est enregistrée pour votre "
                                 "compte : précisez celle du justificatif avec --email. "
                                 + no_email_way_out(contact))
            raise UsageError("Aucune adresse e-mail connue pour le justificatif : "
                             "précisez --email.")
        limit = terms.max_invoices_per_payment
        batches = payment_batches(invoices, limit)
        several = batches_sentence(limit, len(batches))
        if several is not None:
            if args.wait is None:
                raise UsageError(f"{several} Ajoutez --wait pour les payer l'un après "
                                 "l'autre, ou payez les factures une par une.")
            ctx.out.note(several)
        finals: list[Payment] = []
        for batch in batches:
            final = await _pay_one(ctx, session, batch, email or "", args)
            if final is None:
                return int(ExitCode.OK)
            finals.append(final)
            if final.status.value != "paid":
                break
            if len(batches) > 1:
                from famille_tui.client.payments import outcome_message

                ctx.out.note(outcome_message(final))
    if len(finals) == 1:
        _show(ctx, finals[0], waited=True, wait=args.wait)
    else:
        _show_several(ctx, finals, args.wait)
    code = EXIT_FOR_STATUS[finals[-1].status.value]
    if code is not ExitCode.OK and ctx.out.mode != "table":
        # stdout is data for a script; the person watching still hears why it is not 0.
        ctx.out.note(ending_sentence(finals[-1], args.wait))
    return int(code)


def ending_sentence(payment: Payment, wait: float) -> str:
    """What happened once `pay --wait` is over and what to do next, in French."""
    from famille_tui.api import PaymentStatus
    from famille_tui.api.clock import hour_text
    from famille_tui.client.payments import outcome_message

    if payment.status is not PaymentStatus.PENDING:
        return outcome_message(payment)
    waited = "" if wait == _UNTIL_THE_END else f" au bout de {wait:g} s"
    return (f"Toujours en attente{waited} : le paiement de {format_euros(payment.amount_cents)} "
            f"reste ouvert jusqu'à {hour_text(payment.expires_at)}. Terminez-le sur sa page ; "
            "« famille-tui payments » dira son résultat (ou relancez avec --wait).")


async def _pay_one(ctx: CommandContext, session: FamilySession, invoices: Sequence[Invoice],
                   email: str, args: argparse.Namespace) -> Payment | None:
    """One payment: created, its page opened, its outcome awaited with --wait (None
    without: the payment goes on at the portal)."""
    from famille_tui.client.errors import PaymentHostNotAllowed
    from famille_tui.client.payments import new_idempotency_key
    from famille_tui.client.rules import retyped_sentence

    page = await session.start_payment(invoices, email, idempotency_key=new_idempotency_key())
    payment = page.payment
    numbers = ", ".join(i.number for i in invoices)
    ctx.out.note(f"Paiement de {format_euros(payment.amount_cents)} créé pour "
                 f"{'la facture' if len(invoices) == 1 else 'les factures'} {numbers} "
                 f"(référence {payment.reference}).")
    retyped = retyped_sentence(page.retyped)
    if retyped:
        ctx.out.note(retyped)
    if page.url is None:
        # The payment exists (journaled: `payments` follows it), its page is not opened.
        raise PaymentHostNotAllowed(page.refusal)
    present_payment_page(ctx, page.url, no_browser=args.no_browser)
    if args.wait is None:
        _show(ctx, payment, waited=False)
        return None
    max_seconds = None if args.wait == _UNTIL_THE_END else float(args.wait)
    try:
        return await session.wait(payment.id, on_event=_reporter(ctx), max_seconds=max_seconds)
    except asyncio.CancelledError:
        ctx.out.note("Attente interrompue : le paiement reste valable jusqu'à son "
                     "expiration ; « famille-tui payments » dira son résultat.")
        raise


def _show_several(ctx: CommandContext, payments: Sequence[Payment], wait: float) -> None:
    ctx.out.emit(
        json_document=lambda: {"payments": [p.model_dump(mode="json") for p in payments]},
        rows=lambda: [(p.id, p.status, p.amount_cents, p.reference, p.invoice_ids,
                       p.payment_url) for p in payments],
        table=lambda: [ending_sentence(p, wait) for p in payments],
    )


def _reporter(ctx: CommandContext) -> Callable[[WaitEvent], None]:
    """Progress on stderr: the first « en attente », each retry, each recovery. Not every long
    poll (one every 25 s would bury the lines that matter)."""
    said_waiting = False

    def report(event: WaitEvent) -> None:
        nonlocal said_waiting
        if event.kind == "waiting":
            if said_waiting:
                return
            said_waiting = True
            ctx.out.note(event.message + " (Ctrl+C arrête d'attendre, pas le paiement.)")
        elif event.kind in ("retrying", "recovered"):
            ctx.out.note(event.message)

    return report


def present_payment_page(ctx: CommandContext, url: str, *, no_browser: bool) -> None:
    """Open the payment page (`url`, allowed by the session's policy), or show its address
    and a QR code."""
    from famille_tui.client.browser import open_in_browser

    if not no_browser:
        if open_in_browser(url):
            ctx.out.note(f"Page de paiement ouverte dans le navigateur : {url}")
            return
        ctx.out.note("Aucun navigateur n'a pu être ouvert : ouvrez cette adresse, ou "
                     "scannez le QR code avec votre téléphone.")
    if ctx.out.mode == "json":
        # stdout carries one JSON document only; the address is in it too (payment_url).
        ctx.out.note(f"Page de paiement : {url}")
    else:
        ctx.out.line(url)
    stream = _qr_stream(ctx)
    if stream is not None:
        import segno

        ctx.out.stdout.flush()
        segno.make(url, error="m").terminal(out=stream, compact=True)
        stream.flush()


def _qr_stream(ctx: CommandContext) -> TextIO | None:
    """A QR code only on a terminal: stdout when it is one (and not JSON), else stderr."""
    if ctx.out.mode != "json" and ctx.stdout_is_tty():
        return ctx.out.stdout
    if ctx.stderr_is_tty():
        return ctx.out.stderr
    return None


def _show(ctx: CommandContext, payment: Payment, *, waited: bool,
          wait: float = _UNTIL_THE_END) -> None:
    def table() -> Sequence[RenderableType]:
        if waited:
            return [ending_sentence(payment, wait)]
        return ["Terminez le paiement sur la page ouverte ; « famille-tui payments » "
                     "dira son résultat (ou relancez avec --wait)."]

    ctx.out.emit(
        json_document=lambda: payment.model_dump(mode="json"),
        rows=lambda: [(payment.id, payment.status, payment.amount_cents, payment.reference,
                       payment.invoice_ids, payment.payment_url)],
        table=table,
    )
