"""« Aide »: who to call, as the leaflets give it (structure, address, phone, e-mail, hours)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from famille_tui.api import HelpContact
from famille_tui.client.display import shown
from famille_tui.client.portals.base import Capability
from famille_tui.tui.screens.base import FamilySpaceScreen, not_offered

KEYS_HELP = (
    "Touches : 1 Famille · 2 Entourage · 3 Tableau de bord · 4 Mes factures · "
    "5 Coordonnées · 6 Aide · 7 Réservations · q Quitter · Ctrl+P palette de commandes · "
    "Tab / Maj+Tab pour passer d'un champ à l'autre."
)


class HelpScreen(FamilySpaceScreen):
    """Key 6."""

    SECTION = "Aide"

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(classes="page", id="help-page"):
            yield Static("Besoin d'aide ?", classes="title")
            yield Static("", id="help-contact")
            yield Static("Horaires d'ouverture", classes="section-title")
            yield Static("", id="help-hours")
            yield Static(KEYS_HELP, id="help-keys", classes="explanation")

    def on_mount(self) -> None:
        if not self.session.offers(Capability.HELP):
            self.query_one("#help-contact", Static).update(not_offered(Capability.HELP))
            # No contact, no hours: only the keys are left to say.
            self.query_one("#help-page .section-title", Static).display = False
            return
        self.reload()

    def reload(self) -> None:
        if self.session.offers(Capability.HELP):
            self._load()

    @work(exclusive=True)
    async def _load(self) -> None:
        contact = await self.fetch(self.query_one("#help-page"), self.session.connector.help)
        if contact is None:
            return
        self.show(contact)

    def show(self, contact: HelpContact) -> None:
        lines = [
            "La direction de la structure reste à votre disposition pour tout renseignement.",
            "",
            contact.structure,
            contact.address,
            f"{contact.postal_code} {contact.city}",
            f"Tél. : {contact.phone}",
            f"E-mail : {contact.email}",
        ]
        self.query_one("#help-contact", Static).update(shown("\n".join(lines)))
        hours = "\n".join(f"• {line}" for line in contact.opening_hours) or "—"
        self.query_one("#help-hours", Static).update(shown(hours))
