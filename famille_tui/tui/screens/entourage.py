"""« Entourage »: the people around the children — add, edit, remove (after a confirmation)."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from famille_tui.api import Contact
from famille_tui.client.display import shown
from famille_tui.client.errors import FamilleError
from famille_tui.client.portals.base import Capability
from famille_tui.tui.screens.base import FamilySpaceScreen, not_offered
from famille_tui.tui.widgets.loading import start_loading, stop_loading


def yes_no(value: bool) -> str:
    return "Oui" if value else "Non"


class EntourageScreen(FamilySpaceScreen):
    """Key 2."""

    SECTION = "Entourage"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Ajouter"),
        Binding("e", "edit", "Modifier"),
        Binding("d,delete", "remove", "Retirer"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.contacts: list[Contact] = []

    def compose_body(self) -> ComposeResult:
        with Vertical(classes="page", id="entourage-page"):
            yield Static("Les personnes de votre entourage", classes="title",
                         id="entourage-title")
            yield DataTable(id="contacts", cursor_type="row", zebra_stripes=True)
            yield Static("", id="entourage-empty", classes="explanation hidden")
            yield Static("", id="contact-detail")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # Five short columns fit 80 terminal columns; the rest is in the detail below.
        table.add_columns("Nom", "Lien", "Téléphone", "Récupère", "Urgence")
        if not self.session.offers(Capability.ENTOURAGE):
            self.query_one("#entourage-title", Static).update(not_offered(Capability.ENTOURAGE))
            return
        self.reload()

    def reload(self) -> None:
        if self.session.offers(Capability.ENTOURAGE):
            self._load()

    def forget_family_data(self) -> None:
        self.contacts = []
        self.query_one(DataTable).clear()
        self.query_one("#contact-detail", Static).update("")

    def _editable(self) -> bool:
        """Whether the portal lets the entourage be changed; says so when it does not."""
        if self.session.offers(Capability.ENTOURAGE_EDIT):
            return True
        self.notify(not_offered(Capability.ENTOURAGE_EDIT), title="Entourage", timeout=8)
        return False

    @work(exclusive=True, group="entourage")
    async def _load(self, select_id: int | None = None) -> None:
        contacts = await self.fetch(self.query_one(DataTable), self.session.connector.entourage)
        if contacts is None:
            return
        self.show(contacts, select_id)

    def show(self, contacts: list[Contact], select_id: int | None = None) -> None:
        self.contacts = contacts
        table = self.query_one(DataTable)
        previous = table.cursor_row
        table.clear()
        for contact in contacts:
            table.add_row(
                shown(contact.first_name, " ", contact.last_name),
                shown(contact.relationship),
                shown(contact.phones[0] if contact.phones else "—"),
                yes_no(contact.can_pick_up),
                yes_no(contact.emergency_contact),
                key=str(contact.id),
            )
        count = len(contacts)
        self.query_one("#entourage-title", Static).update(
            "Les personnes de votre entourage"
            + (f" ({count})" if count else "")
        )
        empty = self.query_one("#entourage-empty", Static)
        if contacts:
            empty.add_class("hidden")
        else:
            empty.update("Aucun contact dans l'entourage. Appuyez sur « a » pour en ajouter un.")
            empty.remove_class("hidden")
        if select_id is not None:
            ids = [c.id for c in contacts]
            if select_id in ids:
                table.move_cursor(row=ids.index(select_id))
        elif contacts:
            table.move_cursor(row=min(previous, len(contacts) - 1))
        table.focus()

    @on(DataTable.RowHighlighted)
    def _detail(self) -> None:
        contact = self._current()
        detail = self.query_one("#contact-detail", Static)
        if contact is None:
            detail.update("")
            return
        phones = ", ".join(contact.phones) or "—"
        pick_up = ("peut venir chercher les enfants" if contact.can_pick_up
                   else "ne vient pas chercher les enfants")
        urgent = ("à prévenir en cas d'urgence" if contact.emergency_contact
                  else "pas à prévenir en cas d'urgence")
        detail.update(shown(
            (f"{contact.first_name} {contact.last_name}", "bold"), f" ({contact.relationship})\n"
            f"Téléphone : {phones}\nE-mail : {contact.email or '—'}\n"
            f"{pick_up[0].upper() + pick_up[1:]} ; {urgent}."
        ))

    def _current(self) -> Contact | None:
        table = self.query_one(DataTable)
        if not self.contacts or table.cursor_row < 0 or table.cursor_row >= len(self.contacts):
            return None
        return self.contacts[table.cursor_row]

    def action_add(self) -> None:
        from famille_tui.tui.screens.contact_form import ContactFormScreen

        if not self._editable():
            return
        self.app.push_screen(ContactFormScreen(), callback=self._saved("ajouté"))

    @on(DataTable.RowSelected)
    def action_edit(self) -> None:
        from famille_tui.tui.screens.contact_form import ContactFormScreen

        if not self._editable():
            return
        contact = self._current()
        if contact is None:
            self.notify("Aucun contact à modifier : « a » pour en ajouter un.")
            return
        self.app.push_screen(ContactFormScreen(contact), callback=self._saved("modifié"))

    def _saved(self, verb: str):  # type: ignore[no-untyped-def]
        def done(contact: Contact | None) -> None:
            if contact is None:
                return
            self.notify(f"{contact.first_name} {contact.last_name} : contact {verb}.",
                        title="Entourage")
            self._load(contact.id)

        return done

    def action_remove(self) -> None:
        from famille_tui.tui.screens.confirm import ConfirmScreen

        if not self._editable():
            return
        contact = self._current()
        if contact is None:
            self.notify("Aucun contact à retirer.")
            return
        name = f"{contact.first_name} {contact.last_name}"

        def answered(yes: bool | None) -> None:
            if yes:
                self._remove(contact)

        self.app.push_screen(
            ConfirmScreen("Retirer un contact",
                          shown(f"Retirer {name} ({contact.relationship}) de l'entourage ? "
                                "Cette personne ne pourra plus venir chercher les enfants "
                                "ni être prévenue en cas d'urgence."),
                          yes="Oui, retirer"),
            callback=answered,
        )

    @work(exclusive=True, group="entourage")
    async def _remove(self, contact: Contact) -> None:
        table = self.query_one(DataTable)
        restore = start_loading(table)
        session = self.session
        try:
            await session.call(lambda: session.connector.remove_contact(contact.id))
            contacts = await session.call(session.connector.entourage)
        except FamilleError as error:
            self.famille.report_error(error)
            return
        finally:
            stop_loading(table, restore)
        self.notify(f"{contact.first_name} {contact.last_name} a été retiré(e) de l'entourage.",
                    title="Entourage")
        self.show(contacts)
