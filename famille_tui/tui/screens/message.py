"""One message of « Échanges à lire », shown whole; opening it marks it read on the portal.

« Répondre » (r) opens a small form (`ReplyScreen`) on a portal that takes answers; on the
others it says « non proposé » (never a key that does nothing). What the family answered is
shown under the message."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from famille_tui.api import Message, Reply
from famille_tui.api.clock import when_text
from famille_tui.client.display import shown
from famille_tui.client.portals.base import Capability
from famille_tui.tui.screens.base import FamilleModal, not_offered
from famille_tui.tui.screens.reply import ReplyOutcome, ReplyScreen


def message_when(message: Message) -> str:
    """« 12/10/2026 à 14 h 30 » in Paris time, as the portal's own texts give it, whatever
    the machine's zone (issue 19, bug 11)."""
    if message.sent_at.tzinfo is None:
        return message.sent_at.strftime("%d/%m/%Y à %H h %M")
    return when_text(message.sent_at)


def reply_heading(reply: Reply) -> str:
    """« Votre réponse du 04/12/2026 à 19 h 05 » in Paris time."""
    if reply.sent_at.tzinfo is None:
        return f"Votre réponse du {reply.sent_at:%d/%m/%Y à %H h %M}"
    return f"Votre réponse du {when_text(reply.sent_at)}"


class MessageScreen(FamilleModal):
    """Escape or Enter closes it; dismisses with the message as it now is (its replies)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Fermer"),
        Binding("r", "reply", "Répondre", tooltip="Répondre à ce message"),
    ]

    def __init__(self, message: Message) -> None:
        super().__init__()
        self.message = message
        #: What was typed in a form closed without sending, given back to the next one.
        self.draft = ""

    def compose(self) -> ComposeResult:
        m = self.message
        with Vertical(classes="dialog", id="message-dialog"):
            yield Static(shown(m.subject), classes="title", id="message-subject")
            yield Static(shown(f"De : {m.sender}\nLe : {message_when(m)}"), id="message-meta",
                         classes="explanation")
            with VerticalScroll(id="message-body-scroll"):
                yield Static(shown(m.body), id="message-body")
                yield Static("", id="message-replies", classes="explanation")
            with Horizontal(classes="buttons"):
                yield Button("Fermer (Échap)", id="close", variant="primary")
                yield Button("Répondre (R)", id="reply")

    def on_mount(self) -> None:
        self._show_replies()
        self.query_one("#close", Button).focus()

    def _show_replies(self) -> None:
        parts: list[object] = []
        for reply in self.message.replies:
            parts += ["\n" if parts else "", (reply_heading(reply), "bold"), "\n", reply.text,
                      "\n"]
        replies = self.query_one("#message-replies", Static)
        replies.update(shown(*parts) if parts else "")
        replies.display = bool(parts)

    def action_cancel(self) -> None:
        self.dismiss(self.message)

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(self.message)

    @on(Button.Pressed, "#reply")
    def action_reply(self) -> None:
        if not self.session.offers(Capability.MESSAGE_REPLY):
            self.notify(not_offered(Capability.MESSAGE_REPLY), title="Répondre", timeout=8)
            return
        self.app.push_screen(ReplyScreen(self.message, self.draft), self._replied)

    def _replied(self, outcome: ReplyOutcome | None) -> None:
        if outcome is None:
            return
        if outcome.reply is None:
            self.draft = outcome.draft
            return
        self.draft = ""
        self.message = self.message.model_copy(
            update={"replies": [*self.message.replies, outcome.reply]})
        self._show_replies()
        self.notify(f"Réponse envoyée à {outcome.reply.to}.", title="Répondre")
