"""The staff's way out of the kiosk: a code (hashed in the config, never shown), then a menu.

`StaffGate` (client/rules.py, the same as the screen-reader kiosk's) checks codes — in a
thread here: scrypt takes tens of milliseconds — and refuses them for a growing time after
repeated wrong codes. The gate belongs to the app, so closing and reopening the dialog does
not reset it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from famille_tui.client.config import PortalProfile
from famille_tui.client.display import shown
from famille_tui.client.rules import StaffGate
from famille_tui.tui.widgets.form import FormField
from famille_tui.tui.widgets.notice import Notice

if TYPE_CHECKING:
    from famille_tui.tui.kiosk.app import KioskApp

__all__ = ["StaffCodeScreen", "StaffGate", "StaffMenuScreen"]


class _KioskModal(ModalScreen[bool]):
    CSS_PATH = "kiosk.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Retour")]

    @property
    def kiosk(self) -> KioskApp:
        return cast("KioskApp", self.app)

    def action_cancel(self) -> None:
        self.dismiss(False)


class StaffCodeScreen(_KioskModal):
    """« Code du personnel »: dismissed with True once the right code was typed."""

    def compose(self) -> ComposeResult:
        with Vertical(id="staff-code-dialog", classes="kiosk-dialog"):
            yield Static("Réservé au personnel", classes="kiosk-dialog-title")
            yield FormField("Code du personnel", "staff_code", password=True)
            yield Notice(id="staff-notice")
            with Horizontal(classes="kiosk-buttons"):
                yield Button("Valider", id="staff-ok", variant="primary")
                yield Button("Retour (Échap)", id="staff-cancel")

    def on_mount(self) -> None:
        refusal = self.kiosk.staff_gate.refusal_before_asking()
        if refusal is not None:
            self.query_one(Notice).show(refusal)
        self.query_one("#field-staff_code", FormField).input.focus()

    @on(Button.Pressed, "#staff-cancel")
    def _cancel(self) -> None:
        self.dismiss(False)

    @on(Input.Submitted)
    @on(Button.Pressed, "#staff-ok")
    def _submit(self) -> None:
        field = self.query_one("#field-staff_code", FormField)
        code = field.value
        field.value = ""  # never left on screen, even masked
        self._check(code)

    @work(exclusive=True, group="staff-code")
    async def _check(self, code: str) -> None:
        refusal = await asyncio.to_thread(self.kiosk.staff_gate.check, code)
        if refusal is None:
            self.dismiss(True)
            return
        self.query_one(Notice).show(refusal)
        self.query_one("#field-staff_code", FormField).input.focus()


class StaffMenuScreen(_KioskModal):
    """Quit the kiosk, or change the commune it serves."""

    def __init__(self, portals: list[PortalProfile]) -> None:
        super().__init__()
        self.portals = portals

    def compose(self) -> ComposeResult:
        current = self.kiosk.portal.name if self.kiosk.portal else ""
        with Vertical(id="staff-menu-dialog", classes="kiosk-dialog"):
            yield Static("Menu du personnel", classes="kiosk-dialog-title")
            if current:
                yield Static(shown(f"Commune servie : {current}"), classes="explanation")
            with Vertical(classes="kiosk-menu"):
                yield Button("Quitter la borne", id="staff-quit", variant="error")
                if len(self.portals) > 1:
                    yield Static("Changer de commune :", classes="field-label")
                    yield OptionList(
                        *(Option(p.name, id=str(i)) for i, p in enumerate(self.portals)),
                        id="staff-communes",
                    )
                yield Button("Retour (Échap)", id="staff-back")

    def on_mount(self) -> None:
        self.query_one("#staff-back", Button).focus()

    @on(Button.Pressed, "#staff-back")
    def _back(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#staff-quit")
    def _quit(self) -> None:
        self.dismiss(True)
        self.kiosk.staff_quit()

    @on(OptionList.OptionSelected, "#staff-communes")
    def _commune(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(True)
        self.kiosk.change_commune(self.portals[event.option_index])
