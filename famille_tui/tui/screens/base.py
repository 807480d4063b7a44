"""Base classes of the screens: `FamilySpaceScreen` (header + body + footer) and helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer

from famille_tui.tui.widgets.header import FamilyHeader

if TYPE_CHECKING:
    from famille_tui.tui.app import FamilleApp


class FamilleScreenMixin:
    """`self.famille`: the app, typed."""

    @property
    def famille(self) -> FamilleApp:
        return cast("FamilleApp", cast(Screen[Any], self).app)


class FamilySpaceScreen(FamilleScreenMixin, Screen[None]):
    """A screen of the family space. Subclasses set SECTION and implement `compose_body()`."""

    #: Shown at the left of the header: « Entourage », « Mes factures »…
    SECTION: ClassVar[str] = ""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Actualiser", tooltip="Recharger depuis le portail"),
    ]

    def compose(self) -> ComposeResult:
        yield FamilyHeader(self.SECTION)
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def action_reload(self) -> None:
        """Reload the screen's data; subclasses override `reload()`."""
        self.reload()

    def reload(self) -> None:
        pass


class FamilleModal(FamilleScreenMixin, ModalScreen[Any]):
    """A dialog: Escape closes it without an answer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler"),
    ]

    def action_cancel(self) -> None:
        self.dismiss(None)
