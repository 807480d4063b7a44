"""« Première connexion »: activate the account with the temporary password from the e-mail.

The portal's password rules are on screen before the parent types; a confirmation that does
not match is said as soon as it is typed, beside the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from famille_tui.tui.screens.base import FamilleScreenMixin, demo_outbox_hint
from famille_tui.tui.screens.password_rules import PasswordRules
from famille_tui.tui.validation import clear_errors, send_form
from famille_tui.tui.widgets.footer import Footer
from famille_tui.tui.widgets.form import EMPTY_FIELD, FormField, next_empty
from famille_tui.tui.widgets.notice import Notice

MISMATCH = "Les deux mots de passe ne sont pas identiques."


@dataclass(frozen=True)
class AccountReady:
    """What activation and password reset end with: the parent is logged in with the new
    password at once (never asked to type it a third time)."""

    login: str
    password: str
    #: The portal's words (« Votre compte est activé. »).
    message: str


def check_new_password(root: DOMNode, rules: PasswordRules) -> bool:
    """Check the « nouveau mot de passe » pair; errors beside the fields. True when fine."""
    new = root.query_one("#field-new_password", FormField)
    confirm = root.query_one("#field-confirm_password", FormField)
    ok = True
    problem = rules.problem(new.value) if new.value else EMPTY_FIELD
    new.set_error(problem)
    if problem:
        ok = False
    if confirm.value != new.value:
        confirm.set_error(MISMATCH)
        ok = False
    else:
        confirm.set_error(None)
    return ok


class ActivationScreen(FamilleScreenMixin, Screen[AccountReady | None]):
    """Dismisses with `AccountReady` once the account is activated."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour"),
    ]

    def __init__(self, login: str = "", temporary_password: str = "") -> None:
        super().__init__()
        self.initial_login = login
        self.initial_temporary = temporary_password

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="page"):
            yield Static(f"Première connexion — {self.famille.commune_name}", classes="title")
            yield Static("Saisissez l'identifiant et le mot de passe provisoire reçus par "
                         "e-mail, puis choisissez votre mot de passe.", classes="explanation")
            if hint := demo_outbox_hint(self):
                yield Static(hint, classes="hint", id="demo-outbox")
            yield PasswordRules()
            yield FormField("Identifiant", "login", value=self.initial_login)
            yield FormField("Mot de passe provisoire (reçu par e-mail)", "temporary_password",
                            password=True, value=self.initial_temporary)
            yield FormField("Nouveau mot de passe", "new_password", password=True)
            yield FormField("Nouveau mot de passe, une seconde fois", "confirm_password",
                            password=True)
            yield Notice()
            with Horizontal(classes="buttons"):
                yield Button("Activer mon compte", id="submit", variant="primary")
                yield Button("Retour", id="back")
        yield Footer()

    def on_mount(self) -> None:
        if not self.initial_login:
            target = "#field-login"
        elif not self.initial_temporary:
            target = "#field-temporary_password"
        else:
            target = "#field-new_password"
        self.query_one(target, FormField).input.focus()

    def action_back(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.dismiss(None)

    @on(Input.Changed, "#confirm_password-input")
    def _live_mismatch(self, event: Input.Changed) -> None:
        new = self.query_one("#field-new_password", FormField).value
        confirm = self.query_one("#field-confirm_password", FormField)
        if event.value and not new.startswith(event.value):
            confirm.set_error(MISMATCH)
        else:
            confirm.set_error(None)

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        fields = list(self.query(FormField))
        here = next(field for field in fields if field.input is event.input)
        empty = next_empty(fields, here)
        if empty is None:
            self._submit()
        else:
            empty.input.focus()

    @on(Button.Pressed, "#submit")
    def _submit(self) -> None:
        clear_errors(self)
        login = self.query_one("#field-login", FormField)
        temporary = self.query_one("#field-temporary_password", FormField)
        ok = check_new_password(self, self.query_one(PasswordRules))
        if not temporary.require():
            ok = False
        if not login.require():
            ok = False
        if not ok:
            first = next((f for f in self.query(FormField) if f.has_class("-invalid")), None)
            if first is not None:
                first.input.focus()
            return
        self._activate(login.value.strip(), temporary.value,
                       self.query_one("#field-new_password", FormField).value)

    @work(exclusive=True)
    async def _activate(self, login: str, temporary: str, new: str) -> None:
        accepted = await send_form(
            self.query_one(".page"), self.query_one(Notice),
            lambda: self.session.connector.activate(login, temporary, new),
        )
        if accepted is None:
            return
        self.dismiss(AccountReady(login, new, accepted.message or "Votre compte est activé."))
