"""One message of « Échanges à lire », shown whole; opening it marks it read on the portal."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, Static

from famille_tui.api import Message
from famille_tui.api.clock import when_text
from famille_tui.client.display import shown
from famille_tui.tui.screens.base import FamilleModal


def message_when(message: Message) -> str:
    """« 12/10/2026 à 14 h 30 » in Paris time, as the portal's own texts give it, whatever
    the machine's zone (issue 19, bug 11)."""
    if message.sent_at.tzinfo is None:
        return message.sent_at.strftime("%d/%m/%Y à %H h %M")
    return when_text(message.sent_at)


class MessageScreen(FamilleModal):
    """Escape or Enter closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Fermer"),
    ]

    def __init__(self, message: Message) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        m = self.message
        with Vertical(classes="dialog", id="message-dialog"):
            yield Static(shown(m.subject), classes="title", id="message-subject")
            yield Static(shown(f"De : {m.sender}\nLe : {message_when(m)}"), id="message-meta",
                         classes="explanation")
            with VerticalScroll(id="message-body-scroll"):
                yield Static(shown(m.body), id="message-body")
            yield Button("Fermer (Échap)", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def on_button_pressed(self) -> None:
        self.dismiss(None)
