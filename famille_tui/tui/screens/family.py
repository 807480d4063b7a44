"""« Ma famille »: the responsible adults and the children, with their age and structure."""

from __future__ import annotations

from datetime import date

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from famille_tui.api import Family
from famille_tui.tui.screens.base import FamilySpaceScreen


def age_in_words(birth: date, today: date) -> str:
    """« 3 ans », « 1 an », « 8 mois », « 2 semaines »: a crèche counts months."""
    months = (today.year - birth.year) * 12 + today.month - birth.month
    if today.day < birth.day:
        months -= 1
    if months < 0:
        return "à naître"
    if months < 1:
        weeks = (today - birth).days // 7
        if weeks < 1:
            return "moins d'une semaine"
        return f"{weeks} semaine" + ("s" if weeks > 1 else "")
    if months < 24:
        return f"{months} mois"
    years, rest = divmod(months, 12)
    if years < 6 and rest:
        # Crèche and nursery count in months as well.
        return f"{years} ans et {rest} mois"
    return f"{years} ans"


def french_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


class FamilyScreen(FamilySpaceScreen):
    """Key 1."""

    SECTION = "Famille"

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
        if self.famille.family is not None:
            self.show(self.famille.family)
        else:
            self.reload()

    def reload(self) -> None:
        self._load()

    @work(exclusive=True)
    async def _load(self) -> None:
        family = await self.fetch(self.query_one("#family-page"), self.famille.client.family)
        if family is None:
            return
        self.famille.family = family
        self.famille.family_name = family.name
        self.show(family)

    def show(self, family: Family) -> None:
        today = self.famille.today()
        count = len(family.children)
        kids = "1 enfant" if count == 1 else f"{count} enfants"
        self.query_one("#family-title", Static).update(f"{family.name} — {kids}")
        adults = self.query_one("#adults", DataTable)
        adults.clear()
        for adult in family.adults:
            adults.add_row(f"{adult.first_name} {adult.last_name}", adult.role,
                           adult.phone or "—", adult.email or "—")
        children = self.query_one("#children", DataTable)
        children.clear()
        for child in family.children:
            children.add_row(f"{child.first_name} {child.last_name}",
                             french_date(child.birth_date),
                             age_in_words(child.birth_date, today), child.structure)
        children.focus()
