"""The staff's way out of the kiosk: a code (hashed in the config, never shown), then a menu.

`StaffGate` checks codes with `verify_staff_code` (scrypt, in a thread: it takes tens of
milliseconds) and refuses them for a growing time after repeated wrong codes: three free
tries, then 30 s, 60 s, 120 s… (the same rule as the screen-reader mode's `plain.kiosk`). The
gate belongs to the app, so closing and reopening the dialog does not reset it.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from famille_tui.client.config import PortalProfile
from famille_tui.client.kiosk import verify_staff_code
from famille_tui.tui.widgets.form import FormField
from famille_tui.tui.widgets.notice import Notice

if TYPE_CHECKING:
    from famille_tui.tui.kiosk.app import KioskApp

#: Wrong codes allowed before a pause, and the first pause (doubled at each further failure).
FREE_TRIES = 3
FIRST_PAUSE_SECONDS = 30
NO_CODE = (
    "Aucun code du personnel n'est configuré : cette borne ne peut pas être quittée d'ici."
)
REFUSED = "Code refusé."


def too_many(seconds: int) -> str:
    return f"Trop d'essais : réessayez dans {seconds} secondes."


class StaffGate:
    """Checks the staff code, with a growing pause after repeated wrong codes."""

    def __init__(self, stored_hash: str | None, clock: Callable[[], float]) -> None:
        self._stored = stored_hash
        self._clock = clock
        self.failures = 0
        self.locked_until = 0.0

    @property
    def configured(self) -> bool:
        return bool(self._stored)

    def wait_seconds(self) -> int:
        """Seconds before another code is even looked at (0: now)."""
        return max(0, math.ceil(self.locked_until - self._clock()))

    async def check(self, code: str) -> str | None:
        """None when the code is right; else the French reason it was refused."""
        if not self._stored:
            return NO_CODE
        wait = self.wait_seconds()
        if wait:
            return too_many(wait)
        if await asyncio.to_thread(verify_staff_code, code, self._stored):
            self.failures = 0
            return None
        self.failures += 1
        if self.failures >= FREE_TRIES:
            pause = FIRST_PAUSE_SECONDS * 2 ** (self.failures - FREE_TRIES)
            self.locked_until = self._clock() + pause
            return f"{REFUSED} {too_many(pause)}"
        return REFUSED


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
        gate = self.kiosk.staff_gate
        if not gate.configured:
            self.query_one(Notice).show(NO_CODE)
        elif gate.wait_seconds():
            self.query_one(Notice).show(too_many(gate.wait_seconds()))
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
        refusal = await self.kiosk.staff_gate.check(code)
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
                yield Static(f"Commune servie : {current}", classes="explanation")
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
