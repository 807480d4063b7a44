"""`KioskApp`: the family app made fit for a shared machine at the front desk.

It is `FamilleApp` with these differences, each in one place here:

- nothing remembered: the keyring is never read nor written (a store on keyring's `fail`
  backend, whatever was passed in), the payment journal is memory-only (`PaymentWatch` reads
  `options.kiosk`), every session starts from a new welcome screen and a new login screen;
- idle logout: `IdleWatcher` (see `idle.py`), reset by every key and mouse event;
- « Terminer » (F2, a priority binding: it works on every screen and dialog, and is in the
  footer) ends the session at once; on the login screens the same key says « Accueil »;
- ending a session (`end_session`) logs out on the portal, hands a pending payment over to
  the portal (the parent is told how to check it from home), then discards everything that
  held the family's data: every mode and screen (a fresh welcome screen takes their place),
  the app's workers, the payment watch, `family`, `family_name`, `remaining_cents`, the login,
  the client (a new one, logged out), the notifications and the clipboard;
- no way out: quit, ctrl+c, ctrl+q, ctrl+z (suspend) and the command palette are disabled;
  F12 and the staff code open the staff menu (quit, change the commune).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterable
from datetime import date
from functools import partial
from typing import Any, ClassVar

from keyring.backends import fail
from textual import events
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from famille_tui.client.config import LaunchOptions, PortalProfile, resolve_portals
from famille_tui.client.credentials import CredentialStore
from famille_tui.client.errors import FamilleError
from famille_tui.tui.app import ClientFactory, FamilleApp
from famille_tui.tui.kiosk.idle import TICK_SECONDS, IdleWarningScreen, IdleWatcher
from famille_tui.tui.kiosk.staff import StaffCodeScreen, StaffGate, StaffMenuScreen
from famille_tui.tui.kiosk.welcome import WelcomeScreen

#: Actions that would end or leave the program: never available on a kiosk.
BLOCKED_ACTIONS = frozenset({"quit", "help_quit", "suspend_process", "command_palette"})
#: Screens that hold nothing of a person: the idle timer does not run on them alone.
_NEUTRAL_SCREENS = (WelcomeScreen, StaffCodeScreen, StaffMenuScreen, IdleWarningScreen)
WELCOME_MODE = "accueil"
#: Seconds the portal has to answer the logout before the session is left to expire there.
LOGOUT_TIMEOUT = 3.0

BLOCKED = "Borne d'accueil : pour finir votre session, appuyez sur F2 « Terminer »."
BLOCKED_IDLE = "Borne d'accueil : l'application reste ouverte pour les familles suivantes."
ENDED = "Session terminée : vous êtes déconnecté, rien de votre famille ne reste sur cet écran."
ENDED_IDLE = "Session fermée après inactivité : rien de la famille ne reste sur cet écran."
HANDED_OVER = (
    " Un paiement était encore en attente : s'il est terminé, les factures seront « Réglée » "
    "dans « Mes factures » de votre Espace famille, que vous pouvez consulter depuis chez vous."
)


class KioskApp(FamilleApp):
    """`famille-tui --kiosk`: one family after another on the same machine."""

    CSS_PATH = "../app.tcss"
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
        client_factory: ClientFactory | None = None,
        credential_store: CredentialStore | None = None,
        today: Callable[[], date] | None = None,
    ) -> None:
        if not options.kiosk:
            options = options.model_copy(update={"kiosk": True})  # the journal reads it
        del credential_store  # a shared machine never uses the keyring, whatever is given
        super().__init__(
            options,
            client_factory=client_factory,
            # keyring's `fail` backend: unavailable, and never touches the OS keyring.
            credential_store=CredentialStore(backend=fail.Keyring()),  # type: ignore[no-untyped-call]
            today=today,
        )
        #: Monotonic seconds; tests move it forward instead of waiting.
        self.clock: Callable[[], float] = time.monotonic
        self.idle = IdleWatcher(self)
        self.staff_gate = StaffGate(options.settings.kiosk_staff_code_hash, lambda: self.clock())
        self.portals: list[PortalProfile] = []
        #: A session is being ended (the idle timer waits).
        self.ending = False
        self._welcomes = 0

    # -- start ---------------------------------------------------------------------------------

    async def _on_mount(self, event: events.Mount) -> None:
        # Not FamilleApp's start (login screen or commune choice): the kiosk's welcome screen.
        # (`_on_mount`, not `on_mount`: Textual calls each class's handler along the MRO, and
        # prevent_default() stops it before FamilleApp's.)
        event.prevent_default()
        if not self.is_headless:
            _ignore_job_control()
        self.set_interval(TICK_SECONDS, self.idle.check)
        from famille_tui.tui.screens.start import NoPortalScreen

        try:
            self.portals = resolve_portals(self.options)
            if self.portals:
                self.connect(self.portals[0])
        except FamilleError as error:
            self.push_screen(NoPortalScreen(error.message))
            return
        if not self.portals:
            self.push_screen(NoPortalScreen())
            return
        await self._show_welcome(None)

    # -- who is here -----------------------------------------------------------------------

    @property
    def session_open(self) -> bool:
        """A family is logged in (or being logged in)."""
        return self.has_client and self.client.logged_in

    @property
    def person_on_screen(self) -> bool:
        """Something of a person is on screen: a session, or a screen beyond the welcome."""
        if self.session_open or self.family is not None:
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

    def staff_quit(self) -> None:
        """The staff menu's « Quitter la borne »: log out, then leave."""
        self._in_worker(self._staff_quit)

    async def _staff_quit(self) -> None:
        await FamilleApp.action_quit(self)

    def change_commune(self, portal: PortalProfile) -> None:
        """The staff menu's « Changer de commune »: a new welcome screen for that commune."""
        self._end(idle=False, portal=portal)

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
        self._in_worker(partial(self._end_session, idle=idle, portal=portal))

    def _in_worker(self, factory: Callable[[], Any]) -> None:
        from famille_tui.tui.payment_watch import run_in_background

        run_in_background(self, factory, group="kiosk-end", exclusive=True, exit_on_error=False)

    async def _end_session(self, *, idle: bool, portal: PortalProfile | None) -> None:
        try:
            had_session = self.session_open or self.family is not None
            pending = self._pending_payments()
            # 1. Nothing may call the portal with this family's token any more.
            for worker in list(self.workers):
                if worker.node is self and worker.group != "kiosk-end":
                    worker.cancel()
            # 2. The app forgets the family; a new client, logged out, for the next person.
            old_client = self._client
            self._client = None
            self._login = None
            self.family = None
            self.family_name = ""
            self.remaining_cents = None
            if portal is not None:
                self.portal = portal
            if self.portal is not None:
                try:
                    self.connect(self.portal)
                except FamilleError:
                    self._client = None
            # 3. The screens drop what they hold of the family (a discarded screen can outlive
            #    its removal for a while), then a fresh welcome screen, and every other screen
            #    and mode goes.
            for stack in list(self._screen_stacks.values()):
                for screen in stack:
                    forget = getattr(screen, "forget_family_data", None)
                    if callable(forget):
                        forget()
            notice: str | None = None
            if had_session:
                notice = (ENDED_IDLE if idle else ENDED) + (HANDED_OVER if pending else "")
            await self._show_welcome(notice)
            # 4. What screens left behind.
            from famille_tui.tui import payment_watch

            payment_watch._watches.pop(self, None)  # its journal is memory-only: gone with it
            self.clear_notifications()
            self._clipboard = ""
            self.idle.touch()
            # 5. The session ends on the portal too (not only here).
            if old_client is not None:
                with contextlib.suppress(FamilleError, TimeoutError):
                    if old_client.logged_in:
                        await asyncio.wait_for(old_client.logout(), timeout=LOGOUT_TIMEOUT)
                with contextlib.suppress(FamilleError):
                    await old_client.aclose()
        finally:
            self.ending = False

    def _pending_payments(self) -> int:
        """Payments of this session still awaited: handed over to the portal at the end."""
        from famille_tui.tui import payment_watch

        watch = payment_watch._watches.get(self)
        return len(watch.active()) if watch is not None else 0

    async def _show_welcome(self, notice: str | None) -> None:
        self._welcomes += 1
        mode = f"{WELCOME_MODE}-{self._welcomes}"
        self.add_mode(mode, partial(WelcomeScreen, notice))
        await self.switch_mode(mode)
        for old in [name for name in self._modes if name != mode]:
            await self.remove_mode(old)  # the login mode too: its screens held what was typed


def _ignore_job_control() -> None:
    """A desk's terminal: no signal from the keyboard ends or stops the program. (Textual's
    raw mode already turns ctrl+c and ctrl+z into keys; this covers TEXTUAL_ALLOW_SIGNALS.)"""
    for name in ("SIGINT", "SIGQUIT", "SIGTSTP"):
        number = getattr(signal, name, None)
        if number is not None:
            with contextlib.suppress(ValueError, OSError):  # not the main thread
                signal.signal(number, signal.SIG_IGN)


def run(options: LaunchOptions) -> int:
    """Run the kiosk until the staff quits; the process exit code."""
    os.environ.pop("TEXTUAL_ALLOW_SIGNALS", None)  # ctrl+c must stay a key
    app = KioskApp(options)
    app.run()
    return app.return_code or 0
