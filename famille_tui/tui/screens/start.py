"""What the app shows when it has no portal to talk to: what to do about it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from famille_tui.tui.widgets.footer import Footer

NO_PORTAL = (
    "Aucun portail n'est configuré.\n\n"
    "Pour essayer l'application : famille-tui demo\n"
    "Pour le portail de votre commune : famille-tui --portal https://adresse-du-portail/"
)


class NoPortalScreen(Screen[None]):
    """A message and the way out."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "app.quit", "Quitter")]

    def __init__(self, message: str | None = None) -> None:
        super().__init__()
        self.message = message or NO_PORTAL

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Espace famille", classes="title")
            yield Static("✗ " + self.message, id="no-portal-message")
        yield Footer()
