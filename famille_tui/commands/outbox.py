"""`outbox`: the e-mails the demo portal sent (activation, reset codes, payment receipts).

Only the embedded demo portal has an outbox; a real town's portal answers 404, which is said
in words.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from famille_tui.client.errors import AuthError, NotFound
from famille_tui.commands.base import CommandContext, CommandError
from famille_tui.commands.output import fr_date
from famille_tui.commands.parsing import Subparsers, add_command

if TYPE_CHECKING:
    from famille_tui.api import OutboxMessage


def register(
    subparsers: Subparsers,
    common: argparse.ArgumentParser,
) -> None:
    outbox = add_command(
        subparsers, common, "outbox",
        summary="(portail de démonstration) les e-mails envoyés",
        description="Affiche les e-mails envoyés par le portail de démonstration : "
        "activation, code de réinitialisation, justificatifs de paiement.",
        examples=["famille-tui --commune le-chambon-feugerolles outbox",
                  "famille-tui outbox --json | jq -r '.messages[-1].body'"],
        handler=run_outbox,
    )
    outbox.add_argument("--to", metavar="ADRESSE",
                        help="seulement les e-mails envoyés à cette adresse")


async def run_outbox(ctx: CommandContext, args: argparse.Namespace) -> int:
    try:
        try:
            # The demo outbox is open to all (a parent reads the activation e-mail in it
            # before having a password); a portal that wants a session gets one.
            async with ctx.session(authenticated=False) as session:
                messages = await session.connector.outbox()
        except AuthError:
            async with ctx.session() as session:
                messages = await session.connector.outbox()
    except NotFound:
        raise CommandError("Ce portail n'a pas de boîte d'envoi : elle n'existe que sur le "
                           "portail de démonstration.") from None
    if args.to:
        messages = [m for m in messages if m.to.lower() == args.to.strip().lower()]
    ctx.out.emit(
        json_document=lambda: {"messages": [m.model_dump(mode="json") for m in messages]},
        rows=lambda: [(m.id, m.sent_at, m.to, m.subject, m.body) for m in messages],
        table=lambda: outbox_panels(messages),
    )
    return 0


def outbox_panels(messages: Sequence[OutboxMessage]) -> Sequence[RenderableType]:
    if not messages:
        return ["Aucun e-mail envoyé."]
    return [
        Panel(
            Group(Text(f"À : {m.to}\nLe : {fr_date(m.sent_at)}\n"), Text(m.body)),
            title=m.subject,
            title_align="left",
        )
        for m in messages
    ]
