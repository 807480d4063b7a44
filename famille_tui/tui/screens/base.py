"""Base classes of the screens: `FamilySpaceScreen` (header + body + footer) and helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen

from famille_tui.tui.widgets.footer import Footer
from famille_tui.tui.widgets.header import FamilyHeader
from famille_tui.tui.widgets.sections import SectionBar

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
    #: The mode name of the section (`famille_tui.tui.app.SECTIONS`), marked in the bar;
    #: by default the mode the screen was opened in.
    SECTION_MODE: ClassVar[str] = ""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Actualiser", tooltip="Recharger depuis le portail"),
    ]

    def compose(self) -> ComposeResult:
        yield FamilyHeader(self.SECTION)
        # Docked widgets on one edge overlap: the two bottom lines share one container.
        with Vertical(id="bottom-bar"):
            yield SectionBar(self.SECTION_MODE or self.app.current_mode)
            yield Footer(compact=True)
        yield from self.compose_body()

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
