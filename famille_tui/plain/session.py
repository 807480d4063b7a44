"""The state of one run of the screen-reader interface: its console and its wording, over the
same `FamilySession` the TUI and the commands are views of (client/session.py).

The interface is synchronous (it waits for a line typed by the person), the client layer is
async: every call goes through `Session.call`, which runs it on one `asyncio.Runner` kept for
the whole run (the connector's connections belong to that loop), through the family
session's one re-login path (an expired session asks the password again, then the call is
tried again). `call` also answers every error the same way: the client's French message on
its own line, then `Failed` for the area to return to its menu.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from famille_tui.client.config import LaunchOptions, PortalProfile
from famille_tui.client.errors import (
    ChallengeFailed,
    FamilleError,
    InvalidCredentials,
    SessionExpired,
    UnknownCommune,
)
from famille_tui.client.session import FamilySession, SessionPolicy
from famille_tui.plain.captcha import answer_challenge
from famille_tui.plain.console import Console, Interrupted
from famille_tui.plain.prompts import GoBack, ask_secret
from famille_tui.plain.speech import speakable

if TYPE_CHECKING:
    from famille_tui.client.credentials import CredentialStore
    from famille_tui.client.payments import PaymentJournal
    from famille_tui.client.portals.base import PortalConnector

T = TypeVar("T")

#: Opens a URL in the system browser; True when a browser was started.
Opener = Callable[[str], bool]
#: A call longer than this is a wait: what is typed meanwhile is dropped, and said so.
WAIT_SECONDS = 1.0

__all__ = ["Failed", "Opener", "Session"]


class Failed(Exception):
    """An action could not be done; the reason has already been said."""

    def __init__(self, error: FamilleError | None = None) -> None:
        super().__init__(error.message if error else "")
        self.error = error


class Session:
    """One run: the console, the event loop, and the family session of the current portal."""

    def __init__(
        self,
        options: LaunchOptions,
        console: Console,
        runner: asyncio.Runner,
        *,
        credentials: CredentialStore | None = None,
        opener: Opener | None = None,
        connector_factory: Callable[[PortalProfile], PortalConnector] | None = None,
    ) -> None:
        self.options = options
        self.policy = SessionPolicy.from_options(options)
        self.console = console
        self.runner = runner
        #: None when nothing may be remembered (kiosk): the keyring is never read nor written.
        self.credentials = self.policy.credential_store(credentials)
        self._opener = opener
        self._connector_factory = connector_factory
        self.portal: PortalProfile | None = None
        self._family_session: FamilySession | None = None
        #: The portal serves no commune at this address (said when it was opened).
        self.unknown_commune = False

    @property
    def family_session(self) -> FamilySession:
        if self._family_session is None:
            raise RuntimeError("no portal chosen")
        return self._family_session

    @property
    def client(self) -> PortalConnector:
        """The portal's connector, for the calls this face makes (through `call`)."""
        return self.family_session.connector

    @property
    def journal(self) -> PaymentJournal:
        return self.family_session.journal

    @property
    def login(self) -> str:
        return self.family_session.login_name

    def say(self, *lines: str) -> None:
        self.console.say(*lines)

    def open_page(self, url: str) -> bool:
        """Open a payment page in a browser if the policy allows one here (never on a desk
        unless its staff named a graphical browser: closed when the session ends)."""
        if not self.policy.opens_browser:
            return False
        if self._opener is not None:  # tests: a browser stand-in
            return self._opener(url)
        return self.family_session.open_payment_page(url)

    def error(self, error: FamilleError) -> None:
        """An error of the client layer, on the same stream as everything else, in words."""
        self.console.say("Erreur : " + speakable(error.message))

    # -- portal ---------------------------------------------------------------------------

    def open_portal(self, portal: PortalProfile) -> None:
        self.close_portal()
        self.portal = portal
        self._family_session = self._new_family_session(portal)

    def _new_family_session(self, portal: PortalProfile) -> FamilySession:
        """A session on `portal`, its connector made at once: the portal's kind read first
        from its page when the config does not say (what every menu offers depends on it)."""
        self.unknown_commune = False
        session = FamilySession(
            portal, self.policy, connector_factory=self._connector_factory,
            reauthenticate=self._reauthenticate,
        )
        with contextlib.suppress(KeyboardInterrupt):
            try:
                self.runner.run(session.open())
            except UnknownCommune as error:
                # Said before any login is asked (each login tried says it again).
                self.error(error)
                self.unknown_commune = True
        # The next session on this portal need not read its page again.
        self.portal = session.portal
        return session

    def end_family_session(self, *, hand_over: bool = False) -> int:
        """Log out and forget the family (the portal stays chosen, for the next login);
        the number of payments handed over (see `FamilySession.close`)."""
        session = self._family_session
        if session is None:
            return 0
        was_logged_in = session.logged_in
        try:
            handed_over = self.runner.run(session.close(hand_over=hand_over))
        except (KeyboardInterrupt, asyncio.CancelledError):
            handed_over = 0  # logout never matters more than leaving: it expires by itself
        if was_logged_in:
            self.say("Déconnexion faite.")
        if self.portal is not None:
            self._family_session = self._new_family_session(self.portal)
        return handed_over

    def close_portal(self) -> None:
        """Log out (if logged in) and close the connections."""
        session, self._family_session = self._family_session, None
        if session is None:
            return
        was_logged_in = session.logged_in
        with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError, RuntimeError):
            self.runner.run(session.close())
        if was_logged_in:
            self.say("Déconnexion faite.")

    # -- calls ----------------------------------------------------------------------------

    def run(self, make: Callable[[], Awaitable[T]]) -> T:
        """Run a call of the client layer through the session's re-login path; errors are
        raised as they are, ctrl+c as Interrupted (the call is cancelled)."""
        session = self.family_session
        console = self.console

        async def call() -> T:
            task = asyncio.current_task()
            loop = asyncio.get_running_loop()
            if task is not None:
                console.on_interrupt = lambda: loop.call_soon_threadsafe(task.cancel)
            try:
                return await session.call(make)
            finally:
                console.on_interrupt = None

        began = time.monotonic()
        try:
            return self.runner.run(call())
        except (KeyboardInterrupt, asyncio.CancelledError):
            raise Interrupted from None
        finally:
            if time.monotonic() - began >= WAIT_SECONDS:
                console.waited = True

    def call(
        self, make: Callable[[], Awaitable[T]], *, interrupted: str = "Opération interrompue."
    ) -> T:
        """Run a call; say any error and raise Failed. ctrl+c stops the call (saying
        `interrupted`), not the run."""
        try:
            return self.run(make)
        except FamilleError as error:
            self.error(error)
            raise Failed(error) from None
        except Interrupted:
            self.console.say(interrupted)
            raise Failed() from None

    async def _reauthenticate(self, session: FamilySession) -> bool:
        """After SessionExpired: the same account's password again, until it is right or
        the person goes back (Failed: nothing more to say)."""
        self.console.say(speakable(SessionExpired().message))
        while True:
            try:
                password = ask_secret(self.console, f"Mot de passe de {session.login_name}")
            except GoBack:
                raise Failed() from None
            try:
                answer = await answer_challenge(self.console, session)
                await session.relogin(password, challenge_answer=answer)
            except GoBack:
                raise Failed() from None
            except (InvalidCredentials, ChallengeFailed) as error:
                self.error(error)
                continue
            except FamilleError as error:
                self.error(error)
                raise Failed(error) from None
            self.console.say("Session rétablie.")
            return True
