"""« Répondre » to a message of « Échanges à lire »: one text, its error beside it.

The text is checked with the API's own `ReplyCreate` before anything is sent (empty, too
long, control characters); what the portal still refuses comes back in
`ValidationFailed.field_errors` and lands in the same place. Nothing typed is lost: an error
keeps the text, and Échap hands the draft back to the message screen, which gives it to the
form when « Répondre » is pressed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pydantic import ValidationError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static, TextArea

from famille_tui.api import MAX_REPLY_CHARS, Message, Reply, ReplyCreate
from famille_tui.client.display import shown
from famille_tui.client.errors import ApiError, FamilleError
from famille_tui.tui.screens.base import FamilleModal
from famille_tui.tui.validation import french_errors
from famille_tui.tui.widgets.loading import start_loading, stop_loading
from famille_tui.tui.widgets.notice import Notice


@dataclass(frozen=True, slots=True)
class ReplyOutcome:
    """What the form hands back: the reply sent, or None and what was typed (kept)."""

    reply: Reply | None
    draft: str = ""


def limit_words(count: int) -> str:
    """« 2000 caractères au plus (12 saisis) »: the limit as the refusal says it (the API's
    words, heard by the screen-reader face too), and where the parent is."""
    return f"{MAX_REPLY_CHARS} caractères au plus ({count} saisi{'s' if count > 1 else ''})"


class ReplyScreen(FamilleModal):
    """Dismisses with a `ReplyOutcome`."""

    DEFAULT_CSS = """
    ReplyScreen #reply-text { height: 8; }
    ReplyScreen #field-text > .field-label { padding: 0 1; text-style: bold; }
    ReplyScreen #field-text > .field-hint { padding: 0 1; color: $text-muted; }
    ReplyScreen #field-text > .field-error {
        display: none; padding: 0 1; color: $text-error; text-style: bold;
    }
    ReplyScreen #field-text.-invalid > .field-error { display: block; }
    ReplyScreen #field-text.-invalid > TextArea { border: tall $error; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler"),
        Binding("ctrl+s", "send", "Envoyer", priority=True),
    ]

    def __init__(self, message: Message, draft: str = "") -> None:
        super().__init__()
        self.message = message
        self.draft = draft

    def compose(self) -> ComposeResult:
        m = self.message
        with Vertical(classes="dialog form-dialog", id="reply-dialog"):
            yield Static(shown("Répondre à « ", m.subject, " »"), classes="title",
                         id="reply-title")
            with Vertical(id="field-text"):
                yield Label("Votre réponse", classes="field-label")
                yield Static(shown("À : ", m.sender, ". Entrée va à la ligne ; Ctrl+S envoie."),
                             classes="field-hint", id="reply-to")
                yield TextArea(self.draft, id="reply-text", soft_wrap=True,
                               tooltip="Votre réponse")
                yield Static(limit_words(len(self.draft.strip())), classes="field-hint",
                             id="reply-count")
                yield Static("", classes="field-error", id="reply-error")
            yield Notice()
            with Horizontal(classes="buttons"):
                yield Button("Envoyer (Ctrl+S)", id="send", variant="primary")
                yield Button("Annuler (Échap)", id="cancel")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.cursor_blink = self.app.animation_level != "none"
        area.move_cursor(area.document.end)
        area.focus()

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def set_error(self, message: str | None) -> None:
        field = self.query_one("#field-text")
        error = self.query_one("#reply-error", Static)
        if message:
            error.update(shown("✗ ", message))  # often the portal's words
            field.add_class("-invalid")
        else:
            error.update("")
            field.remove_class("-invalid")

    @on(TextArea.Changed)
    def _changed(self) -> None:
        # An error is about the text that was sent; an edit makes it untrue.
        self.query_one("#reply-count", Static).update(limit_words(len(self.text.strip())))
        if self.query_one("#field-text").has_class("-invalid"):
            self.set_error(None)
        self.query_one(Notice).field_changed()

    def action_cancel(self) -> None:
        self.dismiss(ReplyOutcome(None, self.text))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, "#send")
    def action_send(self) -> None:
        self.set_error(None)
        self.query_one(Notice).clear()
        try:
            request = ReplyCreate(text=self.text)
        except ValidationError as error:
            self._refused(french_errors(error))
            return
        self._send(request.text)

    def _refused(self, errors: dict[str, str]) -> None:
        message = errors.get("text") or next(iter(errors.values()), "valeur invalide")
        self.set_error(message)
        self.query_one(Notice).show("La réponse n'est pas envoyée : corrigez le texte signalé.")
        self.query_one(TextArea).focus()

    @work(exclusive=True, group="reply")
    async def _send(self, text: str) -> None:
        dialog = self.query_one("#reply-dialog")
        restore = start_loading(dialog)
        session = self.session
        message_id = self.message.id
        try:
            reply = await session.call(
                lambda: session.connector.reply_to_message(message_id, text))
        except ApiError as error:
            if error.field_errors:
                self._refused({k: v[:1].upper() + v[1:] for k, v in error.field_errors.items()})
            else:
                self.query_one(Notice).show(error.message)
            return
        except FamilleError as error:
            # Not sent (the network, the session…): the text stays for another try.
            self.query_one(Notice).show(error.message)
            return
        finally:
            stop_loading(dialog, restore)
        self.dismiss(ReplyOutcome(reply))
