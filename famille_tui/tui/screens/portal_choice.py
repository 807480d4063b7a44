"""First screen when several communes are configured: pick one.

When the keyring remembers a login for exactly one of them, its login screen opens at once
over this one (Échap comes back here): a parent who asked to be remembered connects with one
key press, as on a single-commune machine.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from famille_tui.client.config import PortalProfile
from famille_tui.tui.screens.base import FamilleScreenMixin
from famille_tui.tui.widgets.footer import Footer


class PortalChoiceScreen(FamilleScreenMixin, Screen[None]):
    """A list of the configured communes; Enter opens the chosen one's login screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Choisir", show=True),
        Binding("q", "app.quit", "Quitter"),
    ]

    def __init__(self, portals: list[PortalProfile]) -> None:
        super().__init__()
        self.portals = portals

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Espace famille", classes="title")
            yield Label("Choisissez votre commune :", classes="field-label")
            yield OptionList(
                *(Option(p.name, id=str(i)) for i, p in enumerate(self.portals)),
                id="portals",
            )
            yield Static("↑ ↓ pour choisir, Entrée pour valider.", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()
        # After the first frame: reading the keyring may take a moment.
        self.call_after_refresh(self._open_remembered)

    def _open_remembered(self) -> None:
        famille = self.famille
        store = famille.credential_store
        if store is None or famille.options.login or not store.available:
            return
        remembered = [
            index for index, portal in enumerate(self.portals)
            if store.remembered_logins(portal.url)
        ]
        if len(remembered) == 1:
            self.query_one(OptionList).highlighted = remembered[0]
            self._open(remembered[0])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._open(event.option_index)

    def action_choose(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is not None:
            self._open(index)

    def _open(self, index: int) -> None:
        self.famille.open_login(self.portals[index])
