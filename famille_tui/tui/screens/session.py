"""The dialog shown when the session expired mid-use: the password again, then back to work.

It sits on top of whatever screen the user was on; once the password is accepted the call
that failed is retried and the user is exactly where they were.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from famille_tui.client.errors import AccountLocked, FamilleError, InvalidCredentials
from famille_tui.tui.screens.base import FamilleModal
from famille_tui.tui.screens.login import locked_message
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
            yield Notice()
            with Horizontal(classes="buttons"):
                yield Button("Continuer", id="continue", variant="primary")
                yield Button("Se déconnecter", id="logout")

    def on_mount(self) -> None:
        self.query_one("#field-password", FormField).input.focus()

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
        self._relogin(field.value)

    @work(exclusive=True)
    async def _relogin(self, password: str) -> None:
        notice = self.query_one(Notice)
        dialog = self.query_one(".dialog")
        restore = start_loading(dialog)
        try:
            await self.session.relogin(password)
        except AccountLocked as error:
            notice.show(locked_message(error))
            return
        except InvalidCredentials as error:
            notice.show(error.message)
            self.query_one("#field-password", FormField).value = ""
            return
        except FamilleError as error:
            notice.show(error.message)
            return
        finally:
            stop_loading(dialog, restore)
        self.dismiss(True)
