"""The dialog shown when the session expired mid-use: the password again, then back to work.

It sits on top of whatever screen the user was on; once the password is accepted the call
that failed is retried and the user is exactly where they were. On a portal that asks a
captcha at login, the code is drawn under the password and asked again too.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from famille_tui.client.errors import (
    AccountLocked,
    ChallengeFailed,
    FamilleError,
    InvalidCredentials,
)
from famille_tui.tui.screens.base import FamilleModal
from famille_tui.tui.screens.login import locked_message
from famille_tui.tui.widgets.captcha import CaptchaField
from famille_tui.tui.widgets.form import FormField
from famille_tui.tui.widgets.loading import start_loading, stop_loading
from famille_tui.tui.widgets.notice import Notice


class SessionPasswordScreen(FamilleModal):
    """Dismisses with True once logged in again, False if the user chose to log out."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Se déconnecter"),
    ]

    def __init__(self, login: str) -> None:
        super().__init__()
        self.login = login

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Session expirée", classes="title")
            yield Static(
                "Votre session a expiré après un moment sans activité. Saisissez à nouveau "
                f"le mot de passe de {self.login} pour reprendre là où vous étiez.",
                classes="explanation",
            )
            yield FormField("Mot de passe", "password", password=True)
            yield CaptchaField(id="captcha", classes="hidden")
            yield Notice()
            with Horizontal(classes="buttons"):
                yield Button("Continuer", id="continue", variant="primary")
                yield Button("Se déconnecter", id="logout")

    def on_mount(self) -> None:
        self.query_one("#field-password", FormField).input.focus()
        self._load_challenge()

    def _load_challenge(self, *, focus: bool = False) -> None:
        self.run_worker(self.query_one(CaptchaField).load(self.session, focus=focus),
                        group="captcha", exclusive=True, exit_on_error=False)

    @on(CaptchaField.NewCode)
    def _new_code(self) -> None:
        self._load_challenge(focus=True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#logout")
    def _logout(self) -> None:
        self.dismiss(False)

    @on(Input.Submitted)
    @on(Button.Pressed, "#continue")
    def _submit(self) -> None:
        field = self.query_one("#field-password", FormField)
        if not field.require():
            return
        field.set_error(None)
        captcha = self.query_one(CaptchaField)
        answer = captcha.code_or_focus() if captcha.asks else None
        if captcha.asks and answer is None:
            return
        self._relogin(field.value, answer)

    @work(exclusive=True)
    async def _relogin(self, password: str, answer: str | None = None) -> None:
        notice = self.query_one(Notice)
        dialog = self.query_one(".dialog")
        restore = start_loading(dialog)
        try:
            await self.session.relogin(password, challenge_answer=answer)
        except FamilleError as error:
            stop_loading(dialog, restore)
            if isinstance(error, AccountLocked):
                notice.show(locked_message(error))
            elif isinstance(error, ChallengeFailed):
                self.query_one(CaptchaField).set_error(error.message)
            else:
                notice.show(error.message)
            if isinstance(error, InvalidCredentials):
                self.query_one("#field-password", FormField).value = ""
            if self.query_one(CaptchaField).asks:
                # The code just sent is used up, right or wrong: another one.
                self._load_challenge(focus=isinstance(error, ChallengeFailed))
            return
        stop_loading(dialog, restore)
        self.dismiss(True)
