"""Idle logout done right (WCAG 2.2.1, Timing Adjustable): a warning that counts down, then
the end of the session.

`IdleWatcher` is ticked by the kiosk app a few times a second. Any key or mouse event resets
it (`touch`). After `kiosk_idle_seconds` without one, while something of a person is on
screen (a family logged in, or a login screen with an identifiant typed), it shows
`IdleWarningScreen`, which counts down `kiosk_warning_seconds` (at least 20, enforced by
`Settings`) and offers « Continuer » with any key. Without an answer, the app ends the
session (`KioskApp.end_session`). A payment being awaited does not pause it: a parent who
scanned the code and walked away must not leave their account open to the next person until
the payment expires; the session's end hands the payment over, as « Terminer » does (the
outcome is then checked from home), and a parent still paying at the desk answers the
warning with any key.

Time is read from `app.clock` (monotonic seconds), so that tests move it forward instead of
waiting minutes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

if TYPE_CHECKING:
    from famille_tui.tui.kiosk.app import KioskApp

#: How often the watcher and the countdown look at the clock (seconds of real time).
TICK_SECONDS = 0.25
#: The idle warning's answer: continue (True) or end the session (False).
CONTINUE = True
END = False


def warning_text(seconds: int) -> str:
    """The countdown sentence, the same words as the screen-reader mode's warning line."""
    unit = "seconde" if seconds == 1 else "secondes"
    return f"Inactivité : la session sera fermée dans {seconds} {unit}."


class IdleWarningScreen(ModalScreen[bool]):
    """« Êtes-vous toujours là ? »: a countdown; any key continues, F2 ends now."""

    CSS_PATH = "kiosk.tcss"
    #: Every key answers this dialog (see `on_key`); no binding of its own.
    BINDINGS: ClassVar[list[BindingType]] = []
    #: Tab too: the app's priority Tab gives way (`FamilleApp.check_action`).
    TAKES_EVERY_KEY: ClassVar[bool] = True

    def __init__(self, seconds: int, clock: Callable[[], float]) -> None:
        super().__init__(id="idle-warning")
        self.seconds = seconds
        self.clock = clock
        self.deadline = clock() + seconds
        self._answered = False

    def compose(self) -> ComposeResult:
        with Vertical(id="idle-dialog", classes="kiosk-dialog"):
            yield Static("Êtes-vous toujours là ?", classes="kiosk-dialog-title")
            yield Static(warning_text(self.seconds), id="idle-countdown")
            yield Static(
                "Sans réponse, la session est fermée et tout ce qui concerne votre famille "
                "est effacé de cet écran.",
                classes="explanation",
            )
            with Horizontal(classes="kiosk-buttons"):
                yield Button("Continuer (Entrée)", id="idle-continue", variant="primary")
                yield Button("Terminer maintenant (F2)", id="idle-end")
            yield Static("Appuyez sur n'importe quelle touche pour continuer.", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#idle-continue", Button).focus()
        self.set_interval(TICK_SECONDS, self.tick)

    @property
    def remaining(self) -> int:
        return max(0, math.ceil(self.deadline - self.clock()))

    def tick(self) -> None:
        """Redraw the countdown; at zero, the session ends."""
        remaining = self.remaining
        self.query_one("#idle-countdown", Static).update(warning_text(remaining))
        if remaining <= 0:
            self._answer(END)

    def _answer(self, result: bool) -> None:
        if not self._answered:
            self._answered = True
            self.dismiss(result)

    def on_key(self, event: events.Key) -> None:
        # One key, whichever: a person who is there answers by touching the keyboard.
        # F2 never reaches here: it is the app's priority binding « Terminer ».
        event.stop()
        event.prevent_default()
        self._answer(CONTINUE)

    @on(Button.Pressed, "#idle-continue")
    def _continue(self) -> None:
        self._answer(CONTINUE)

    @on(Button.Pressed, "#idle-end")
    def _end(self) -> None:
        self._answer(END)


class IdleWatcher:
    """Counts the seconds without input and shows the warning when they run out."""

    def __init__(self, app: KioskApp) -> None:
        self.app = app
        idle, warning = app.policy.idle_logout or (app.policy.idle_seconds,
                                                   app.policy.warning_seconds)
        self.idle_seconds: float = idle
        self.warning_seconds: int = warning
        self.last_input = app.clock()
        self.warning: IdleWarningScreen | None = None

    def touch(self) -> None:
        """A key or the mouse: someone is there."""
        self.last_input = self.app.clock()

    @property
    def idle_for(self) -> float:
        return self.app.clock() - self.last_input

    def check(self) -> None:
        """Called every TICK_SECONDS by the app."""
        if self.warning is not None or self.app.ending:
            return
        if not self.app.person_on_screen:
            # Nothing of anyone to protect: the idle time starts again from now.
            self.touch()
            return
        if self.idle_for >= self.idle_seconds:
            self.show_warning()

    def show_warning(self) -> None:
        self.warning = IdleWarningScreen(self.warning_seconds, self.app.clock)
        self.app.bell()
        self.app.push_screen(self.warning, callback=self._answered)

    def _answered(self, result: bool | None) -> None:
        self.warning = None
        self.touch()
        if result is END:
            self.app.end_session(idle=True)
