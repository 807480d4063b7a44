"""`KioskApp`: the family app made fit for a shared machine at the front desk.

It is `FamilleApp` with its kiosk hooks filled in, and these differences, each in one place
here:

- nothing remembered: the session's policy is a kiosk's (`SessionPolicy.kiosk`): the keyring
  is never read nor written (`remembers_passwords` is False), the payment journal is
  memory-only, a session ends by handing its payments over; every session starts from a new
  welcome screen (`show_start`) and a new login screen;
- paying: the QR code first (`payment_screen` is `KioskPaymentScreen`, `payment_help` says so);
- idle logout: `IdleWatcher` (see `idle.py`), reset by every key and mouse event;
- « Terminer » (F2, a priority binding: it works on every screen and dialog, and is in the
  footer) ends the session at once; on the login screens the same key says « Accueil »;
- ending a session (`end_session`) is the session's `close(hand_over=True)` (logout on the
  portal, pending payments handed over — the parent is told how to check them from home)
  and `session = None`: each screen drops its copies of the family's data in its watcher;
  then every mode and screen goes (a fresh welcome screen takes their place), with the app's
  workers, the notifications and the clipboard; a new session, logged out, waits for the
  next person;
- no way out: quit, ctrl+c, ctrl+q, ctrl+z (suspend) and the command palette are disabled;
  F12 and the staff code open the staff menu (quit, change the commune);
- SIGTERM and SIGHUP end the session as « Terminer » does (logout, payments handed over,
  the desk's browser closed), then the app exits with 128 + the signal, the terminal
  restored; leaving (that way or the staff's) clears the screen and its scrollback.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable
from datetime import date
from functools import partial
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from famille_tui.client.config import LaunchOptions, PortalProfile, resolve_portals
from famille_tui.client.errors import FamilleError
from famille_tui.client.kiosk import ignore_job_control
from famille_tui.client.rules import handed_over_sentence
from famille_tui.tui.app import LOGIN_MODE, ConnectorFactory, FamilleApp
from famille_tui.tui.kiosk.idle import TICK_SECONDS, IdleWarningScreen, IdleWatcher
from famille_tui.tui.kiosk.staff import StaffCodeScreen, StaffGate, StaffMenuScreen
from famille_tui.tui.kiosk.welcome import WelcomeScreen

#: Actions that would end or leave the program: never available on a kiosk.
BLOCKED_ACTIONS = frozenset({"quit", "help_quit", "suspend_process", "command_palette"})
#: Screens that hold nothing of a person: the idle timer does not run on them alone.
_NEUTRAL_SCREENS = (WelcomeScreen, StaffCodeScreen, StaffMenuScreen, IdleWarningScreen)
WELCOME_MODE = "accueil"

BLOCKED = "Borne d'accueil : pour finir votre session, appuyez sur F2 « Terminer »."
BLOCKED_IDLE = "Borne d'accueil : l'application reste ouverte pour les familles suivantes."
ENDED = "Session terminée : vous êtes déconnecté, rien de votre famille ne reste sur cet écran."
ENDED_IDLE = "Session fermée après inactivité : rien de la famille ne reste sur cet écran."

if TYPE_CHECKING:
    from famille_tui.client.credentials import CredentialStore
    from famille_tui.client.session import FollowedPayment


class KioskApp(FamilleApp):
    """`famille-tui --kiosk`: one family after another on the same machine."""

    CSS_PATH: ClassVar[list[str | PurePath]] = ["../app.tcss"]
    TITLE = "Espace famille — borne d'accueil"
    ENABLE_COMMAND_PALETTE: ClassVar[bool] = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "end_session", "Terminer", priority=True,
                tooltip="Terminer la session : déconnexion, et rien de votre famille ne reste"),
        Binding("f2", "welcome", "Accueil", priority=True,
                tooltip="Revenir à l'accueil ; rien de ce qui a été saisi ne reste"),
        # Shown on the welcome screen only (its own binding); from elsewhere it still works.
        Binding("f12", "staff", "Personnel", show=False),
        Binding("ctrl+q", "blocked", show=False, priority=True),
        Binding("ctrl+z", "blocked", show=False, priority=True),
        Binding("ctrl+backslash", "blocked", show=False, priority=True),
    ]

    def __init__(
        self,
        options: LaunchOptions,
        *,
        connector_factory: ConnectorFactory | None = None,
        credential_store: CredentialStore | None = None,
        today: Callable[[], date] | None = None,
    ) -> None:
        if not options.kiosk:
            options = options.model_copy(update={"kiosk": True})  # the policy reads it
        # A shared machine never uses the keyring, whatever is given (the policy says so).
        del credential_store
        super().__init__(options, connector_factory=connector_factory, today=today)
        #: Monotonic seconds; tests move it forward instead of waiting.
        self.clock: Callable[[], float] = time.monotonic
        self.idle = IdleWatcher(self)
        self.staff_gate = StaffGate(self.policy.staff_code_hash, lambda: self.clock())
        self.portals: list[PortalProfile] = []
        #: A session is being ended (the idle timer waits).
        self.ending = False
        self._welcomes = 0
        self._welcome_modes: list[str] = []
        self._login_mode_removed = False

    # -- the kiosk's hooks ---------------------------------------------------------------------

    async def show_start(self) -> None:
        """The kiosk's welcome screen (not the login screen nor the commune choice)."""
        if not self.is_headless:
            ignore_job_control(keyboard_interrupt=True)
            loop = asyncio.get_running_loop()
            for number in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(number, self.terminate, number)
        self.set_interval(TICK_SECONDS, self.idle.check)
        from famille_tui.tui.screens.start import NoPortalScreen

        try:
            self.portals = resolve_portals(self.options)
            if self.portals:
                self.connect(self.portals[0])
        except FamilleError as error:
            await self.push_screen(NoPortalScreen(error.message))
            return
        if not self.portals:
            await self.push_screen(NoPortalScreen())
            return
        await self._show_welcome(None)

    def payment_screen(self, followed: FollowedPayment, *, open_browser: bool) -> Screen[None]:
        """The QR code first, and no browser opened: the parent pays on their own phone."""
        from famille_tui.tui.kiosk.payment import KioskPaymentScreen

        return KioskPaymentScreen(followed)

    @property
    def payment_help(self) -> str:
        return ("Le paiement se fait sur le site sécurisé de l'État (PayFiP), sur votre "
                "téléphone grâce à un QR code. Échap : annuler.")

    # -- who is here -----------------------------------------------------------------------

    @property
    def session_open(self) -> bool:
        """A family is logged in (or being logged in)."""
        return self.session is not None and self.session.logged_in

    @property
    def person_on_screen(self) -> bool:
        """Something of a person is on screen: a session, or a screen beyond the welcome."""
        if self.session_open or (self.session is not None and self.session.family is not None):
            return True
        return any(not isinstance(s, _NEUTRAL_SCREENS) for s in self.screen_stack)

    async def on_event(self, event: events.Event) -> None:
        # Every key, click, scroll or paste that reaches the app means someone is there.
        if isinstance(event, events.InputEvent | events.Paste) and not event.is_forwarded:
            self.idle.touch()
        await super().on_event(event)

    # -- no way out ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in BLOCKED_ACTIONS:
            return False
        if action == "end_session":
            return self.session_open
        if action == "welcome":
            return not self.session_open and self.person_on_screen
        if action in ("staff", "blocked"):
            return True
        return super().check_action(action, parameters)

    def action_blocked(self) -> None:
        message = BLOCKED if self.person_on_screen else BLOCKED_IDLE
        self.notify(message, title="Borne d'accueil", timeout=6)

    async def action_quit(self) -> None:
        # Every path to quitting (q, ctrl+q, the screens' « Quitter ») ends here: refused.
        self.action_blocked()

    def action_help_quit(self) -> None:
        self.action_blocked()

    def action_suspend_process(self) -> None:
        self.action_blocked()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        # The palette is off; should it be opened anyway, it offers no way out.
        for command in super().get_system_commands(screen):
            if not command.title.startswith("Quitter"):
                yield command

    def action_staff(self) -> None:
        """F12: the staff code, then the staff menu."""
        if isinstance(self.screen, StaffCodeScreen | StaffMenuScreen):
            return

        def opened(ok: bool | None) -> None:
            if ok:
                self.push_screen(StaffMenuScreen(self.portals))

        self.push_screen(StaffCodeScreen(), callback=opened)

    @work(group="kiosk-end", exclusive=True, exit_on_error=False)
    async def staff_quit(self) -> None:
        """The staff menu's « Quitter la borne »: log out, then leave."""
        await FamilleApp.action_quit(self)

    def change_commune(self, portal: PortalProfile) -> None:
        """The staff menu's « Changer de commune »: a new welcome screen for that commune."""
        self._end(idle=False, portal=portal)

    # -- ending the program by a signal ------------------------------------------------------

    def terminate(self, signum: int) -> None:
        """SIGTERM or SIGHUP: the family's session ends (on the portal too), then the app."""
        self._terminate(signum)

    @work(group="kiosk-end", exclusive=True, exit_on_error=False)
    async def _terminate(self, signum: int) -> None:
        session, self.session = self.session, None
        try:
            if session is not None:
                await asyncio.wait_for(session.close(hand_over=True), timeout=10)
        except (TimeoutError, FamilleError):
            pass  # the session expires on the portal by itself
        finally:
            self.exit(return_code=128 + signum)

    # -- ending a session ----------------------------------------------------------------------

    def action_end_session(self) -> None:
        """F2 « Terminer »."""
        self.end_session()

    def action_welcome(self) -> None:
        """F2 on the login screens: back to a fresh welcome, nothing typed kept."""
        self.end_session()

    def end_session(self, *, idle: bool = False) -> None:
        """Log out and discard everything of the family; back to a fresh welcome screen."""
        self._end(idle=idle, portal=None)

    async def back_to_login(self) -> None:
        # The session expired and the parent did not log in again: the kiosk way.
        self.end_session()

    def _end(self, *, idle: bool, portal: PortalProfile | None) -> None:
        if self.ending:
            return
        self.ending = True
        self._end_session(idle=idle, portal=portal)

    @work(group="kiosk-end", exclusive=True, exit_on_error=False)
    async def _end_session(self, *, idle: bool, portal: PortalProfile | None) -> None:
        try:
            session = self.session
            had_session = session is not None and (session.logged_in
                                                   or session.family is not None)
            pending = session.pending_count() if session is not None and had_session else 0
            # 1. Nothing may call the portal with this family's token any more.
            for worker in list(self.workers):
                if worker.node is self and worker.group != "kiosk-end":
                    worker.cancel()
            # 2. The app forgets the family: every screen drops its copies in its watcher
            #    (a discarded screen can outlive its removal for a while); a new session,
            #    logged out, for the next person.
            self.session = None
            if portal is not None:
                self.portal = portal
            if self.portal is not None:
                with contextlib.suppress(FamilleError):
                    self.connect(self.portal)
            # 3. A fresh welcome screen, and every other screen and mode goes.
            notice: str | None = None
            if had_session:
                notice = (ENDED_IDLE if idle else ENDED) + (
                    " " + handed_over_sentence(pending) if pending else "")
            await self._show_welcome(notice)
            # 4. What screens left behind.
            self.clear_notifications()
            self.copy_to_clipboard("")
            self.idle.touch()
            # 5. The session ends on the portal too (not only here), its payments handed
            #    over (its journal was memory-only: nothing of them stays).
            if session is not None:
                await session.close(hand_over=True)
        finally:
            self.ending = False

    async def _show_welcome(self, notice: str | None) -> None:
        self._welcomes += 1
        mode = f"{WELCOME_MODE}-{self._welcomes}"
        self.add_mode(mode, partial(WelcomeScreen, notice))
        await self.switch_mode(mode)
        # The login mode and the old welcome modes too: their screens held what was typed.
        for old in self._welcome_modes:
            await self.remove_mode(old)
        self._welcome_modes = [mode]
        if not self._login_mode_removed:
            await self.remove_mode(LOGIN_MODE)
            self._login_mode_removed = True
        await self._remove_section_modes()


#: Cursor home, erase the screen, erase the scrollback (xterm's E3: VTE, tmux, the Linux
#: console): what the desk's terminal shows once the app has left.
CLEAR = "\x1b[H\x1b[2J\x1b[3J"


def run(options: LaunchOptions) -> int:
    """Run the kiosk until the staff quits (0) or a signal ends it (128 + the signal); the
    process exit code. The terminal is cleared, scrollback included, either way."""
    os.environ.pop("TEXTUAL_ALLOW_SIGNALS", None)  # ctrl+c must stay a key
    app = KioskApp(options)
    try:
        app.run()
    finally:
        if sys.__stdout__ is not None and sys.__stdout__.isatty():
            with contextlib.suppress(OSError):
                sys.__stdout__.write(CLEAR)
                sys.__stdout__.flush()
    return app.return_code or 0
