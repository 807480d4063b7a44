"""The header of every family-space screen: commune, family name, total « Reste à payer »."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

if TYPE_CHECKING:
    from famille_tui.tui.app import FamilleApp


class FamilyHeader(Horizontal):
    """One line, kept up to date from the app's reactive `family_name` and `remaining_cents`."""

    DEFAULT_CSS = """
    FamilyHeader { dock: top; height: 1; background: $primary; color: $text; }
    FamilyHeader > #header-where { width: 1fr; padding: 0 1; text-wrap: nowrap;
                                   text-overflow: ellipsis; }
    FamilyHeader > #header-family { width: auto; padding: 0 1; text-style: bold; }
    FamilyHeader > #header-remaining { width: auto; padding: 0 1; text-style: bold; }
    """

    def __init__(self, section: str = "") -> None:
        super().__init__()
        self.section = section

    def compose(self) -> ComposeResult:
        yield Static(self._where(), id="header-where")
        yield Static("", id="header-family")
        yield Static("", id="header-remaining")

    @property
    def famille(self) -> FamilleApp:
        return cast("FamilleApp", self.app)

    def _where(self) -> str:
        # The section is marked in the section bar; the header says where and for whom.
        return self.famille.commune_name or "Espace famille"

    def on_mount(self) -> None:
        self.watch(self.famille, "family_name", self._show_family)
        self.watch(self.famille, "remaining_cents", self._show_remaining)

    def _show_family(self, name: str) -> None:
        self.query_one("#header-family", Static).update(name)

    def _show_remaining(self, cents: int | None) -> None:
        # Imported here: `famille_tui.api` loads pydantic and every model, which the login
        # screen (through `screens.base`) must not wait for.
        from famille_tui.api.money import format_euros

        amount = "…" if cents is None else format_euros(cents)
        self.query_one("#header-remaining", Static).update(f"Reste à payer : {amount}")
