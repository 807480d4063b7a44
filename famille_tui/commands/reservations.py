"""`reservations`, `book`, `unbook`: the canteen, the after-school care, the Wednesday and
holiday centres — what is booked, the next deadline, and changes judged line by line.

Children are named by their first name, services as parents say them (`cantine`,
`garderie-matin`, `garderie-soir`, `mercredi`, `vacances`), dates as `AAAA-MM-JJ` or
`JJ/MM/AAAA`. A change the portal refuses (past the deadline, full, closed, not enrolled) is
said with its reason and the command exits 8; a late cancellation that would stay billed is
not made without `--accept-late-fee` (exit 9).
"""

from __future__ import annotations

import argparse
import unicodedata
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.table import Table

from famille_tui.client.display import shown
from famille_tui.commands.base import CommandContext, CommandError, ExitCode, UsageError
from famille_tui.commands.parsing import Subparsers, add_command, date_argument

if TYPE_CHECKING:
    from famille_tui.api import ActivityList, ChangeResult, ReservationPeriod, Service
    from famille_tui.client.session import FamilySession


def register(subparsers: Subparsers, common: argparse.ArgumentParser) -> None:
    listing = add_command(
        subparsers, common, "reservations",
        summary="les réservations (cantine, garderie, mercredi, vacances) et la prochaine "
        "échéance",
        description="Affiche, jour par jour, ce qui est réservé pour chaque enfant (réservé, "
        "présent, absent, complet, liste d'attente, fermé, férié) et jusqu'à quand chaque jour "
        "se réserve. Sans période : la semaine en cours. --next-deadline donne seulement la "
        "prochaine échéance de la famille (pour un script ou une barre d'état).",
        examples=[
            "famille-tui --commune chaponost --login martin reservations",
            "famille-tui --login martin reservations --child Léa --week 2026-W50",
            "famille-tui --login martin reservations --from 2026-12-07 --to 18/12/2026 --json",
            "famille-tui --login martin reservations --next-deadline --plain",
        ],
        handler=run_reservations,
    )
    listing.add_argument("--child", metavar="PRÉNOM", help="un seul enfant")
    period = listing.add_mutually_exclusive_group()
    period.add_argument("--week", type=_week, metavar="AAAA-Www",
                        help="une semaine ISO (par exemple 2026-W50)")
    period.add_argument("--from", dest="start", type=date_argument, metavar="DATE",
                        help="premier jour (AAAA-MM-JJ ou JJ/MM/AAAA)")
    listing.add_argument("--to", dest="end", type=date_argument, metavar="DATE",
                         help="dernier jour (avec --from ; 366 jours au plus)")
    period.add_argument("--next-deadline", action="store_true",
                        help="seulement la prochaine échéance de la famille")

    for name, verb, summary in (("book", "Réserve", "réserver des jours"),
                                ("unbook", "Annule", "annuler des jours réservés")):
        parser = add_command(
            subparsers, common, name,
            summary=f"{summary} (cantine, garderie, mercredi, vacances)",
            description=f"{verb} SERVICE pour PRÉNOM, chaque DATE donnée, en une seule demande "
            "au portail, qui répond ligne par ligne (un refus dit pourquoi : délai passé, "
            "complet, jour fermé, pas d'inscription). Services : cantine, garderie-matin, "
            "garderie-soir, mercredi, vacances. Dates : AAAA-MM-JJ ou JJ/MM/AAAA.",
            examples=[
                f"famille-tui --commune chaponost --login martin {name} Léa cantine "
                "2026-12-08 10/12/2026 2026-12-11",
                f"famille-tui --login martin {name} Léa mercredi 2026-12-16 --json",
            ],
            handler=run_book if name == "book" else run_unbook,
        )
        parser.add_argument("child", metavar="PRÉNOM", help="le prénom de l'enfant")
        parser.add_argument("service", type=_service, metavar="SERVICE",
                            help="cantine, garderie-matin, garderie-soir, mercredi, vacances")
        parser.add_argument("days", type=date_argument, nargs="+", metavar="DATE",
                            help="un ou plusieurs jours (AAAA-MM-JJ ou JJ/MM/AAAA)")
        parser.add_argument("--dry-run", action="store_true",
                            help="dit ce que le portail ferait, sans rien changer")
        if name == "book":
            parser.add_argument("--waiting-list", action="store_true",
                                help="un jour complet : s'inscrire sur la liste d'attente")
        else:
            parser.add_argument("--accept-late-fee", action="store_true",
                                help="annuler aussi hors délai, quand le jour reste facturé")


def _week(text: str) -> date:
    from famille_tui.client.reservations import parse_week

    try:
        return parse_week(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _service(text: str) -> Service:
    from famille_tui.client.reservations import parse_service

    try:
        return parse_service(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _folded(name: str) -> str:
    decomposed = unicodedata.normalize("NFD", name.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def child_named(listing: ActivityList, name: str) -> int:
    """The child of that first name (accents and case ignored); an error naming the
    family's children otherwise."""
    for child in listing.children:
        if _folded(child.first_name) == _folded(name):
            return child.child_id
    names = ", ".join(c.first_name for c in listing.children) or "aucun enfant"
    raise CommandError(f"Aucun enfant « {name} » dans votre famille ({names}).")


async def _reservations_session(session: FamilySession, edit: bool = False) -> ActivityList:
    from famille_tui.client.portals.base import Capability

    session.connector.require(Capability.RESERVATIONS)
    if edit:
        session.connector.require(Capability.RESERVATIONS_EDIT)
    return await session.activities()


# -- reservations --------------------------------------------------------------------------


async def run_reservations(ctx: CommandContext, args: argparse.Namespace) -> int:
    from famille_tui.client.reservations import deadline_words

    if args.end is not None and args.start is None:
        raise UsageError("--to va avec --from (la période du premier au dernier jour).")
    start, end = args.start, args.end
    if args.week is not None:
        start, end = args.week, args.week + timedelta(days=6)
    elif start is not None and end is None:
        end = start + timedelta(days=6)
    if start is not None and end is not None and end < start:
        raise UsageError("--to est avant --from.")
    async with ctx.session() as session:
        listing = await _reservations_session(session)
        if args.next_deadline:
            deadline = listing.next_deadline
            text = deadline_words(deadline, listing.now) if deadline else None
            ctx.out.emit(
                json_document=lambda: {
                    "now": listing.now.isoformat(),
                    "next_deadline": deadline.model_dump(mode="json") if deadline else None,
                    "text": text},
                rows=lambda: [(deadline.at, deadline.service, deadline.days,
                               deadline.first_names, text)] if deadline else [],
                table=lambda: [f"Prochaine échéance : {text}" if text
                               else "Aucune échéance à venir."],
            )
            return 0
        child = child_named(listing, args.child) if args.child else None
        period = await session.reservations(start, end, child)
    ctx.out.emit(
        json_document=lambda: period.model_dump(mode="json"),
        rows=lambda: period_rows(period),
        table=lambda: period_tables(period),
    )
    return 0


def period_rows(period: ReservationPeriod) -> list[Sequence[object]]:
    """`--plain`: first_name, date, service, state, price_cents, deadline, can_book,
    can_cancel, places_left, note — one line per offered slot."""
    from famille_tui.client.reservations import is_offered

    rows: list[Sequence[object]] = []
    for child in period.children:
        for day in child.days:
            for slot in day.slots:
                if not is_offered(slot) and slot.state.value == "not_offered":
                    continue
                rows.append((child.first_name, day.date, slot.service, slot.state,
                             slot.price_cents, slot.deadline, slot.can_book, slot.can_cancel,
                             slot.places_left, slot.note))
    return rows


def period_tables(period: ReservationPeriod) -> list[RenderableType]:
    from famille_tui.api.money import format_euros
    from famille_tui.client.reservations import (
        SERVICE_NAMES,
        STATE_WORDS,
        day_words,
        deadline_words,
        state_words,
    )

    found: list[RenderableType] = []
    today = period.now.date()
    for child in period.children:
        if not child.services:
            found.append(shown(f"{child.first_name} : aucune activité à réserver."))
            continue
        table = Table(title=f"{child.first_name} — du {day_words(period.start)} au "
                      f"{day_words(period.end, year=True)}", title_justify="left")
        table.add_column("Jour", no_wrap=True)
        for service in child.services:
            table.add_column(SERVICE_NAMES[service])
        for day in child.days:
            if all(s.state.value == "not_offered" for s in day.slots):
                continue  # weekends and days without any service
            cells = []
            for slot in day.slots:
                if slot.state.value == "not_offered":
                    cells.append("–")
                    continue
                words = state_words(slot, past=day.date < today)
                cells.append(f"{STATE_WORDS[slot.state].symbol} {words}")
            table.add_row(day_words(day.date), *cells)
        found.append(table)
    found.append(f"Prochaine facture (à ce jour) : {format_euros(period.next_invoice_cents)}")
    if period.next_deadline is not None:
        found.append(f"Prochaine échéance : {deadline_words(period.next_deadline, period.now)}")
    return found


# -- book, unbook --------------------------------------------------------------------------


async def run_book(ctx: CommandContext, args: argparse.Namespace) -> int:
    from famille_tui.api import ChangeAction

    action = ChangeAction.WAIT if args.waiting_list else ChangeAction.BOOK
    return await _change(ctx, args, action, accept_late_fee=False)


async def run_unbook(ctx: CommandContext, args: argparse.Namespace) -> int:
    from famille_tui.api import ChangeAction

    return await _change(ctx, args, ChangeAction.CANCEL, accept_late_fee=args.accept_late_fee)


async def _change(ctx: CommandContext, args: argparse.Namespace, action: object, *,
                  accept_late_fee: bool) -> int:
    from famille_tui.api import ChangeAction, ReservationChange
    from famille_tui.client.payments import new_idempotency_key

    assert isinstance(action, ChangeAction)
    async with ctx.session() as session:
        listing = await _reservations_session(session, edit=True)
        child = child_named(listing, args.child)
        changes = [ReservationChange(child_id=child, service=args.service, date=day,
                                     action=action, accept_late_fee=accept_late_fee)
                   for day in dict.fromkeys(args.days)]
        result = await session.change_reservations(
            changes, idempotency_key=None if args.dry_run else new_idempotency_key(),
            dry_run=args.dry_run)
    ctx.out.emit(
        json_document=lambda: result.model_dump(mode="json"),
        rows=lambda: [(line.date, line.service, line.action, line.outcome, line.code or "",
                       line.cost_cents, line.saving_cents, line.reason or "")
                      for line in result.lines],
        table=lambda: change_lines(result),
    )
    code = change_exit_code(result)
    if code is not ExitCode.OK and ctx.out.mode != "table":
        # stdout is data for a script; the person watching still hears why it is not 0.
        ctx.out.note(CHANGE_ENDINGS[code])
    return int(code)


#: Why `book` / `cancel` did not exit 0, and what to do (the table says it line by line).
CHANGE_ENDINGS = {
    ExitCode.BOOKING_REFUSED: "Le portail a refusé au moins un jour (le motif est sur sa "
    "ligne) : rien n'a changé pour ce jour ; « famille-tui reservations » montre la semaine.",
    ExitCode.LATE_FEE: "Annulation hors délai : ce jour resterait facturé, il n'a pas été "
    "annulé. Relancez avec --accept-late-fee pour l'annuler quand même.",
}


def change_lines(result: ChangeResult) -> list[RenderableType]:
    from famille_tui.client.reservations import balance_words, deadline_words, line_words

    found: list[RenderableType] = [shown(line_words(line)) for line in result.lines]
    verb = "Coût si validé" if result.dry_run else "Coût"
    found.append(f"{verb} : {balance_words(result.balance_cents)}")
    if result.next_deadline is not None:
        found.append("Prochaine échéance : "
                     + deadline_words(result.next_deadline, result.now))
    return found


def change_exit_code(result: ChangeResult) -> ExitCode:
    from famille_tui.api import ChangeOutcome

    outcomes = {line.outcome for line in result.lines}
    if ChangeOutcome.REFUSED in outcomes:
        return ExitCode.BOOKING_REFUSED
    if ChangeOutcome.NEEDS_CONFIRMATION in outcomes:
        return ExitCode.LATE_FEE
    return ExitCode.OK
