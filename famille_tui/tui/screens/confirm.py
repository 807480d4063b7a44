"""A yes/no question before anything that cannot be undone (removing a contact)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from famille_tui.tui.screens.base import FamilleModal


class ConfirmScreen(FamilleModal):
    """Dismisses with True (yes) or False (no, Escape). The safe answer has the focus."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "no", "Non"),
        Binding("o,y", "yes", "Oui"),
    ]

    def __init__(self, title: str, question: str | Text, *, yes: str = "Oui",
                 no: str = "Non, annuler") -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.yes_label = yes
        self.no_label = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog"):
            yield Static(self.title_text, classes="title")
            yield Static(self.question, classes="explanation")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.yes_label} (o)", id="yes", variant="error")
                yield Button(f"{self.no_label} (n)", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed, "#yes")
    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_no(self) -> None:
        self.dismiss(False)
