"""« Ma famille »: the responsible adults and the children, with their age and structure."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from famille_tui.api import Family
from famille_tui.client.display import shown
from famille_tui.client.portals.base import Capability
from famille_tui.client.rules import child_age
from famille_tui.tui.screens.base import FamilySpaceScreen, not_offered

if TYPE_CHECKING:
    from famille_tui.client.session import FamilySession


def age_in_words(birth: date, today: date) -> str:
    """« 3 ans », « 18 mois », « 2 semaines », « à naître »: `rules.child_age`'s words."""
    return child_age(birth, today).words


def french_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


class FamilyScreen(FamilySpaceScreen):
    """Key 1."""

    SECTION = "Famille"

    def __init__(self) -> None:
        super().__init__()
        #: The family on screen (the session's, when it last changed).
        self._shown_family: Family | None = None

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(classes="page", id="family-page"):
            yield Static("", id="family-title", classes="title")
            yield Static("Responsables", classes="section-title")
            yield DataTable(id="adults", cursor_type="row", zebra_stripes=True)
            yield Static("Enfants", classes="section-title")
            yield DataTable(id="children", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        adults = self.query_one("#adults", DataTable)
        adults.add_columns("Nom", "Rôle", "Téléphone", "E-mail")
        children = self.query_one("#children", DataTable)
        children.add_columns("Enfant", "Né(e) le", "Âge", "Structure")
        if not self.session.offers(Capability.FAMILY):
            self.query_one("#family-title", Static).update(not_offered(Capability.FAMILY))
        elif self.session.family is not None:
            self.show(self.session.family)
        else:
            self.reload()

    def reload(self) -> None:
        if self.session.offers(Capability.FAMILY):
            self._load()

    @work(exclusive=True)
    async def _load(self) -> None:
        family = await self.fetch(self.query_one("#family-page"), self.session.refresh_family)
        if family is not None:
            self.show(family)

    def forget_family_data(self) -> None:
        self._shown_family = None
        for table in self.query(DataTable):
            table.clear()

    def session_changed(self, session: FamilySession) -> None:
        # The family read again elsewhere (« Mes coordonnées » saved): shown here too.
        if session.family is not None and session.family is not self._shown_family:
            self.show(session.family)

    def show(self, family: Family) -> None:
        first_time = self._shown_family is None
        self._shown_family = family
        today = self.famille.today()
        count = len(family.children)
        kids = "1 enfant" if count == 1 else f"{count} enfants"
        self.query_one("#family-title", Static).update(shown(family.name, f" — {kids}"))
        adults = self.query_one("#adults", DataTable)
        adults.clear()
        for adult in family.adults:
            adults.add_row(shown(adult.first_name, " ", adult.last_name), shown(adult.role),
                           shown(adult.phone or "—"), shown(adult.email or "—"))
        children = self.query_one("#children", DataTable)
        children.clear()
        for child in family.children:
            children.add_row(shown(child.first_name, " ", child.last_name),
                             french_date(child.birth_date),
                             age_in_words(child.birth_date, today), shown(child.structure))
        if first_time:
            children.focus()
