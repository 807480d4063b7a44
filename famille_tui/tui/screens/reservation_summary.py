"""The summary before « Valider »: each change asked, what the portal says of it (a dry
run: past the deadline, full, a late cancellation that stays billed), the cost on the next
invoice; then the portal's answer, line by line, once validated."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from famille_tui.api import ChangeOutcome, ChangeResult
from famille_tui.client.display import shown
from famille_tui.client.errors import FamilleError
from famille_tui.client.payments import new_idempotency_key
from famille_tui.client.reservations import (
    PendingChanges,
    balance_words,
    line_words,
    refused,
)
from famille_tui.tui.screens.base import FamilleModal

#: The portal's request to confirm a late cancellation: « Valider » here is that confirmation.
CONFIRM = " Confirmez pour annuler quand même."


class ReservationSummaryScreen(FamilleModal):
    """Dismisses with True once the changes were sent (whatever the portal refused), None
    when the parent went back without sending."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "cancel", "Retour"),
        Binding("o", "send", "Valider"),
    ]

    def __init__(self, pending: PendingChanges) -> None:
        super().__init__()
        self.pending = pending
        #: One key for this summary: a retry after a lost answer is not booked twice.
        self.key = new_idempotency_key()
        self.preview: ChangeResult | None = None
        self.sent: ChangeResult | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="summary-dialog"):
            yield Static("Récapitulatif des changements", classes="title", id="summary-title")
            with VerticalScroll(id="summary-lines"):
                yield Static(shown("\n".join(p.words for p in self.pending.ordered())),
                             id="summary-text")
            yield Static("Vérification auprès du portail…", id="summary-total")
            with Horizontal(classes="buttons"):
                yield Button("Valider (o)", id="send", variant="primary", disabled=True)
                yield Button("Retour (n)", id="back")

    def on_mount(self) -> None:
        self.query_one("#back", Button).focus()
        self._preview()

    @work(exclusive=True, group="summary", exit_on_error=False)
    async def _preview(self) -> None:
        try:
            result = await self.session.change_reservations(self.pending.requests(),
                                                            dry_run=True)
        except FamilleError as error:
            self.query_one("#summary-total", Static).update(shown(f"✗ {error.message}"))
            return
        self.preview = result
        lines = []
        for change, line in zip(self.pending.ordered(), result.lines, strict=False):
            if line.outcome is ChangeOutcome.DONE or line.outcome is \
                    ChangeOutcome.NEEDS_CONFIRMATION:
                lines.append(f"• {change.words}")
                if line.outcome is ChangeOutcome.NEEDS_CONFIRMATION and line.reason:
                    lines.append("  " + line.reason.replace(CONFIRM, ""))
            else:
                lines.append(f"✗ {line_words(line)}")
        self.query_one("#summary-text", Static).update(shown("\n".join(lines)))
        doable = [line for line in result.lines if line.outcome is ChangeOutcome.DONE
                  or line.outcome is ChangeOutcome.NEEDS_CONFIRMATION]
        balance = sum(item.cost_cents - item.saving_cents for item in doable)
        total = f"Total : {balance_words(balance)}."
        if refused(result.lines):
            count = sum(1 for item in result.lines if item.outcome is ChangeOutcome.REFUSED)
            if count:
                total += f" {count} changement{'s' if count > 1 else ''} refusé" \
                         f"{'s' if count > 1 else ''} (✗) ne ser{'ont' if count > 1 else 'a'} " \
                         "pas fait."
        self.query_one("#summary-total", Static).update(shown(total))
        send = self.query_one("#send", Button)
        send.disabled = not doable
        if doable:
            send.focus()

    @on(Button.Pressed, "#send")
    def action_send(self) -> None:
        if self.sent is not None:
            self.dismiss(True)
            return
        if self.preview is None or self.query_one("#send", Button).disabled:
            return
        self.query_one("#send", Button).disabled = True
        self._send()

    @work(exclusive=True, group="summary", exit_on_error=False)
    async def _send(self) -> None:
        self.query_one("#summary-total", Static).update("Envoi au portail…")
        try:
            result = await self.session.change_reservations(
                self.pending.requests(), idempotency_key=self.key)
        except FamilleError as error:
            # Nothing lost: the same key is sent again on the next « Valider ».
            self.query_one("#summary-total", Static).update(
                shown(f"✗ {error.message} Valider pour réessayer."))
            self.query_one("#send", Button).disabled = False
            return
        self.sent = result
        self.pending.settle(result.lines)
        self.query_one("#summary-title", Static).update("Réponse du portail")
        self.query_one("#summary-text", Static).update(
            shown("\n".join(line_words(line) for line in result.lines)))
        done = sum(1 for line in result.lines if line.outcome is ChangeOutcome.DONE)
        bad = len(refused(result.lines))
        total = f"{done} fait{'s' if done > 1 else ''}"
        if bad:
            total += f", {bad} refusé{'s' if bad > 1 else ''}"
        self.query_one("#summary-total", Static).update(
            shown(f"{total}. {balance_words(result.balance_cents).capitalize()}."))
        send = self.query_one("#send", Button)
        send.label = "Fermer (o)"
        send.disabled = False
        send.focus()
        self.query_one("#back", Button).display = False
        if bad:
            self.notify("\n".join(line.reason or "" for line in refused(result.lines)),
                        title="Refusé par le portail", severity="warning", timeout=15)

    @on(Button.Pressed, "#back")
    def action_cancel(self) -> None:
        self.dismiss(True if self.sent is not None else None)
