"""« Mes coordonnées »: the account holder's address, phones and e-mail; view, then edit.

Edits are checked with the API's `ProfileUpdate` before sending, and saved to the portal
(`update_profile`); the portal's own refusals land beside the field concerned.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import ValidationError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from famille_tui.api import Profile, ProfileUpdate
from famille_tui.client.display import shown
from famille_tui.client.errors import ApiError, FamilleError
from famille_tui.client.portals.base import Capability
from famille_tui.tui.screens.base import FamilleModal, FamilySpaceScreen, not_offered
from famille_tui.tui.validation import apply_errors, clear_errors, french_errors
from famille_tui.tui.widgets.form import FormField
from famille_tui.tui.widgets.loading import start_loading, stop_loading
from famille_tui.tui.widgets.notice import Notice

#: (field, label, placeholder) in the order of the form.
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("first_name", "Prénom", ""),
    ("last_name", "Nom", ""),
    ("address", "Adresse", "numéro et rue"),
    ("postal_code", "Code postal", "5 chiffres"),
    ("city", "Ville", ""),
    ("phone_home", "Téléphone fixe (facultatif)", "exemple : 04 77 00 00 00"),
    ("phone_mobile", "Téléphone portable (facultatif)", "exemple : 06 12 34 56 78"),
    ("email", "E-mail", "exemple : prenom.nom@exemple.fr"),
)


def profile_lines(profile: Profile) -> list[tuple[str, str]]:
    return [
        ("Nom", f"{profile.first_name} {profile.last_name}"),
        ("Adresse", f"{profile.address}\n{profile.postal_code} {profile.city}"),
        ("Téléphone fixe", profile.phone_home or "—"),
        ("Téléphone portable", profile.phone_mobile or "—"),
        ("E-mail", profile.email or "aucune adresse enregistrée"),
    ]


class CoordinatesScreen(FamilySpaceScreen):
    """Key 5."""

    SECTION = "Coordonnées"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Modifier"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.profile: Profile | None = None

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(classes="page", id="coordinates-page"):
            yield Static("Mes coordonnées", classes="title")
            yield Static("", id="coordinates")
            yield Static("Elles sont transmises directement à l'Espace famille.",
                         classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Modifier mes coordonnées (e)", id="edit", variant="primary")

    def on_mount(self) -> None:
        if not self.session.offers(Capability.PROFILE):
            self.query_one("#coordinates", Static).update(not_offered(Capability.PROFILE))
            # Nothing is sent from here, and « e » says why when pressed.
            self.query_one("#coordinates-page .hint", Static).display = False
            self.query_one("#edit", Button).display = False
            return
        self.reload()

    def reload(self) -> None:
        if self.session.offers(Capability.PROFILE):
            self._load()

    def forget_family_data(self) -> None:
        self.profile = None
        self.query_one("#coordinates", Static).update("")

    @work(exclusive=True)
    async def _load(self) -> None:
        profile = await self.fetch(self.query_one("#coordinates-page"),
                                   self.session.connector.profile)
        if profile is None:
            return
        self.show(profile)

    def show(self, profile: Profile) -> None:
        self.profile = profile
        width = max(len(label) for label, _ in profile_lines(profile)) + 2
        parts: list[object] = []
        for label, value in profile_lines(profile):
            pad = " " * width
            value = value.replace("\n", "\n" + pad)
            if parts:
                parts.append("\n")
            parts += [(label, "bold"), " " * (width - len(label)), value]
        self.query_one("#coordinates", Static).update(shown(*parts))
        self.query_one("#edit", Button).focus()

    @on(Button.Pressed, "#edit")
    def action_edit(self) -> None:
        if not self.session.offers(Capability.PROFILE_EDIT):
            self.notify(not_offered(Capability.PROFILE_EDIT), title="Coordonnées", timeout=8)
            return
        if self.profile is None:
            self.notify("Les coordonnées ne sont pas encore chargées : « r » pour réessayer.")
            return

        def saved(profile: Profile | None) -> None:
            if profile is not None:
                self.show(profile)
                self.notify("Vos coordonnées sont enregistrées.", title="Coordonnées")

        self.app.push_screen(ProfileFormScreen(self.profile), callback=saved)


class ProfileFormScreen(FamilleModal):
    """The edit form; dismisses with the saved `Profile`, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler"),
        Binding("ctrl+s", "save", "Enregistrer", priority=True),
    ]

    def __init__(self, profile: Profile) -> None:
        super().__init__()
        self.profile = profile

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form-dialog"):
            yield Static("Modifier mes coordonnées", classes="title")
            with VerticalScroll(classes="form"):
                for field, label, placeholder in FIELDS:
                    value = getattr(self.profile, field) or ""
                    yield FormField(label, field, value=value, placeholder=placeholder)
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
    def _next(self) -> None:
        self.focus_next()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        clear_errors(self)
        self.query_one(Notice).clear()
        data: dict[str, Any] = {
            field: self.query_one(f"#field-{field}", FormField).value.strip() or None
            for field, _, _ in FIELDS
        }
        try:
            update = ProfileUpdate(**data)
        except ValidationError as error:
            rest = apply_errors(self, french_errors(error))
            self.query_one(Notice).show(" ".join(
                ["Rien n'est enregistré : corrigez les champs signalés.", *rest]))
            return
        self._save(update)

    @work(exclusive=True)
    async def _save(self, update: ProfileUpdate) -> None:
        dialog = self.query_one(".form-dialog")
        restore = start_loading(dialog)
        session = self.session
        try:
            profile = await session.update_profile(update)
        except ApiError as error:
            rest = apply_errors(self, error.field_errors)
            self.query_one(Notice).show(" ".join([error.message, *rest]))
            return
        except FamilleError as error:
            self.query_one(Notice).show(error.message)
            return
        finally:
            stop_loading(dialog, restore)
        self.dismiss(profile)
