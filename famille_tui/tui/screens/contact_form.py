"""Add or edit a person of the entourage: a form whose errors sit beside each field.

The form is checked with the API's own `ContactCreate` / `ContactUpdate` models before anything
is sent; what the portal still refuses comes back in `ValidationFailed.field_errors` and is
shown the same way.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import ValidationError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from famille_tui.api import Contact, ContactCreate, ContactUpdate
from famille_tui.client.errors import ApiError, FamilleError
from famille_tui.tui.screens.base import FamilleModal
from famille_tui.tui.validation import apply_errors, clear_errors, french_errors
from famille_tui.tui.widgets.checkbox import Case
from famille_tui.tui.widgets.form import FormField
from famille_tui.tui.widgets.loading import start_loading, stop_loading
from famille_tui.tui.widgets.notice import Notice

PHONE_FIELDS = ("phones.0", "phones.1")


class ContactFormScreen(FamilleModal):
    """Dismisses with the saved `Contact`, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler"),
        Binding("ctrl+s", "save", "Enregistrer", priority=True),
    ]

    def __init__(self, contact: Contact | None = None) -> None:
        super().__init__()
        self.contact = contact

    def compose(self) -> ComposeResult:
        c = self.contact
        phones = list(c.phones) if c else []
        phones += [""] * (2 - len(phones))
        title = f"Modifier {c.first_name} {c.last_name}" if c else "Ajouter un contact"
        with Vertical(classes="dialog form-dialog"):
            yield Static(title, classes="title")
            with VerticalScroll(classes="form"):
                yield FormField("Prénom", "first_name", value=c.first_name if c else "")
                yield FormField("Nom", "last_name", value=c.last_name if c else "")
                yield FormField("Lien avec la famille", "relationship",
                                value=c.relationship if c else "",
                                placeholder="par exemple : grand-mère, voisin, nounou")
                yield FormField("Téléphone", "phones-0", value=phones[0],
                                placeholder="exemple : 06 12 34 56 78")
                yield FormField("Autre téléphone (facultatif)", "phones-1", value=phones[1])
                yield FormField("E-mail (facultatif)", "email",
                                value=(c.email or "") if c else "",
                                placeholder="exemple : prenom.nom@exemple.fr")
                yield Case("Peut venir chercher les enfants", c.can_pick_up if c else False,
                               id="can_pick_up")
                yield Case("À prévenir en cas d'urgence",
                               c.emergency_contact if c else False, id="emergency_contact")
            yield Notice()
            with Horizontal(classes="buttons"):
                yield Button("Enregistrer (Ctrl+S)", id="save", variant="primary")
                yield Button("Annuler (Échap)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#field-first_name", FormField).input.focus()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Case.Submitted)
    def _next(self) -> None:
        self.focus_next()

    def _value(self, field: str) -> str:
        return self.query_one(f"#field-{field}", FormField).value.strip()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        clear_errors(self)
        self.query_one(Notice).clear()
        # Phones are sent without the empty ones; remember which field each index came from.
        filled = [(name, self._value(name.replace(".", "-")))
                  for name in PHONE_FIELDS if self._value(name.replace(".", "-"))]
        data: dict[str, Any] = {
            "first_name": self._value("first_name"),
            "last_name": self._value("last_name"),
            "relationship": self._value("relationship"),
            "phones": [value for _, value in filled],
            "email": self._value("email") or None,
            "can_pick_up": self.query_one("#can_pick_up", Case).value,
            "emergency_contact": self.query_one("#emergency_contact", Case).value,
        }
        model: ContactCreate | ContactUpdate
        try:
            model = ContactUpdate(**data) if self.contact else ContactCreate(**data)
        except ValidationError as error:
            self._show_errors(french_errors(error), [name for name, _ in filled])
            return
        self._save(model, [name for name, _ in filled])

    def _show_errors(self, errors: dict[str, str], phone_fields: list[str]) -> None:
        placed: dict[str, str] = {}
        for key, message in errors.items():
            parts = key.split(".")
            if parts[0] == "phones" and len(parts) > 1 and parts[1].isdigit():
                index = int(parts[1])
                key = phone_fields[index] if index < len(phone_fields) else "phones.0"
            elif parts[0] == "phones":
                key = "phones.0"
            placed.setdefault(key, message)
        rest = apply_errors(self, placed)
        self.query_one(Notice).show(
            " ".join(["Le contact n'est pas enregistré : corrigez les champs signalés.", *rest])
        )

    @work(exclusive=True)
    async def _save(self, model: ContactCreate | ContactUpdate, phone_fields: list[str]) -> None:
        dialog = self.query_one(".form-dialog")
        restore = start_loading(dialog)
        session = self.session
        try:
            if isinstance(model, ContactUpdate) and self.contact is not None:
                contact_id = self.contact.id
                saved = await session.call(
                    lambda: session.connector.update_contact(contact_id, model))
            else:
                assert isinstance(model, ContactCreate)
                saved = await session.call(lambda: session.connector.add_contact(model))
        except ApiError as error:
            if error.field_errors:
                self._show_errors(error.field_errors, phone_fields)
            else:
                self.query_one(Notice).show(error.message)
            return
        except FamilleError as error:
            self.query_one(Notice).show(error.message)
            return
        finally:
            stop_loading(dialog, restore)
        self.dismiss(saved)
