"""« Mot de passe oublié »: ask for a code by e-mail, then code + new password."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from famille_tui.client.display import shown
from famille_tui.client.errors import FamilleError
from famille_tui.tui.screens.activation import MISMATCH, AccountReady, check_new_password
from famille_tui.tui.screens.base import FamilleScreenMixin, demo_outbox_hint
from famille_tui.tui.screens.password_rules import PasswordRules
from famille_tui.tui.validation import clear_errors, send_form
from famille_tui.tui.widgets.footer import Footer
from famille_tui.tui.widgets.form import FormField, next_empty
from famille_tui.tui.widgets.loading import start_loading, stop_loading
from famille_tui.tui.widgets.notice import Notice


class PasswordResetScreen(FamilleScreenMixin, Screen[AccountReady | None]):
    """Two steps on one page; dismisses with `AccountReady` once the password is changed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour"),
    ]

    def __init__(self, login: str = "") -> None:
        super().__init__()
        self.initial_login = login

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="page"):
            yield Static(f"Mot de passe oublié — {self.famille.commune_name}", classes="title")
            with Vertical(id="step-ask"):
                yield Static("1. Saisissez votre identifiant : un code vous sera envoyé par "
                             "e-mail.", classes="explanation")
                # Filled once the portal's contact is read: the way out for a parent with
                # no e-mail on file (the leaflet's), said to every account alike.
                yield Static("", classes="hint hidden", id="reset-no-email")
                yield FormField("Identifiant", "login", value=self.initial_login)
                with Horizontal(classes="buttons"):
                    yield Button("Recevoir un code par e-mail", id="ask", variant="primary")
                    yield Button("J'ai déjà un code", id="have-code")
                    yield Button("Retour", id="back")
            with Vertical(id="step-confirm", classes="hidden"):
                yield Static("2. Saisissez le code reçu et votre nouveau mot de passe.",
                             classes="explanation")
                if hint := demo_outbox_hint(self):
                    yield Static(hint, classes="hint", id="demo-outbox")
                yield PasswordRules()
                yield FormField("Code reçu par e-mail", "code")
                yield FormField("Nouveau mot de passe", "new_password", password=True)
                yield FormField("Nouveau mot de passe, une seconde fois", "confirm_password",
                                password=True)
                with Horizontal(classes="buttons"):
                    yield Button("Changer le mot de passe", id="confirm", variant="primary")
                    yield Button("Retour", id="back-2")
            yield Notice()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#field-login", FormField).input.focus()
        self._way_out()

    @work(group="reset-way-out")
    async def _way_out(self) -> None:
        from famille_tui.client.rules import reset_code_sentence

        contact = await self.session.structure_contact()
        hint = self.query_one("#reset-no-email", Static)
        hint.update(shown(reset_code_sentence(contact)))  # the portal's words: data
        hint.remove_class("hidden")

    def action_back(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#back, #back-2")
    def _back(self) -> None:
        self.dismiss(None)

    def _login(self) -> str | None:
        field = self.query_one("#field-login", FormField)
        field.set_error(None)
        if not field.require():
            field.input.focus()
            return None
        return field.value.strip()

    def _show_step_two(self) -> None:
        self.query_one("#step-confirm").remove_class("hidden")
        # Focus without Textual's own centring (which runs before or after the new step is
        # laid out, depending on load); then, once laid out, show the end of the page: the
        # code field and, under the buttons, the notice saying the code was sent.
        self.query_one("#field-code", FormField).input.focus(scroll_visible=False)
        self.call_after_refresh(self._reveal_step_two)

    def _reveal_step_two(self) -> None:
        page = self.query_one(".page")
        page.scroll_end(animate=False, immediate=True)
        code = self.query_one("#field-code", FormField)
        if not page.region.contains_region(code.region):
            code.scroll_visible(animate=False, immediate=True, top=True)

    @on(Button.Pressed, "#have-code")
    def _have_code(self) -> None:
        if self._login():
            self._show_step_two()

    @on(Input.Submitted, "#login-input")
    @on(Button.Pressed, "#ask")
    def _ask(self) -> None:
        login = self._login()
        if login:
            self._request(login)

    @on(Input.Changed, "#confirm_password-input")
    def _live_mismatch(self, event: Input.Changed) -> None:
        new = self.query_one("#field-new_password", FormField).value
        confirm = self.query_one("#field-confirm_password", FormField)
        confirm.set_error(MISMATCH if event.value and not new.startswith(event.value) else None)

    @on(Input.Submitted, "#code-input, #new_password-input, #confirm_password-input")
    def _next(self, event: Input.Submitted) -> None:
        fields = [self.query_one(f"#field-{name}", FormField)
                  for name in ("code", "new_password", "confirm_password")]
        here = next(field for field in fields if field.input is event.input)
        empty = next_empty(fields, here)
        if empty is None:
            self._confirm()
        else:
            empty.input.focus()

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        clear_errors(self)
        login = self._login()
        code = self.query_one("#field-code", FormField)
        ok = check_new_password(self, self.query_one(PasswordRules))
        if not code.require():
            ok = False
        if login and ok:
            self._change(login, code.value.strip(),
                         self.query_one("#field-new_password", FormField).value)

    @work(exclusive=True)
    async def _request(self, login: str) -> None:
        notice = self.query_one(Notice)
        page = self.query_one(".page")
        restore = start_loading(page)
        try:
            accepted = await self.session.connector.request_password_reset(login)
        except FamilleError as error:
            notice.show(error.message)
            return
        finally:
            stop_loading(page, restore)
        notice.show(accepted.message, "success")
        self._show_step_two()

    @work(exclusive=True)
    async def _change(self, login: str, code: str, new: str) -> None:
        accepted = await send_form(
            self.query_one(".page"), self.query_one(Notice),
            lambda: self.session.connector.confirm_password_reset(login, code, new),
        )
        if accepted is None:
            return
        self.dismiss(AccountReady(login, new, accepted.message or "Mot de passe changé."))
