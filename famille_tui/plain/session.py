"""The state of one run of the screen-reader interface, and the one way it calls the portal.

The interface is synchronous (it waits for a line typed by the person), the client layer is
async: every call goes through `Session.call`, which runs it on one `asyncio.Runner` kept for
the whole run (the client's connections belong to that loop). `call` also answers every
error the same way: the client's French message on its own line, then `Failed` for the area
to return to its menu; an expired session asks the password again and retries once.
"""

from __future__ import annotations

import asyncio
import contextlib
import webbrowser
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from famille_tui.client import (
    CredentialStore,
    FamilleError,
    InvalidCredentials,
    PaymentJournal,
    PortalClient,
    SessionExpired,
)
from famille_tui.client.config import LaunchOptions, PortalProfile
from famille_tui.plain.console import Console
from famille_tui.plain.prompts import GoBack, ask_secret
from famille_tui.plain.speech import speakable

T = TypeVar("T")

#: Opens a URL in the system browser; True when a browser was started.
Opener = Callable[[str], bool]


class Failed(Exception):
    """An action could not be done; the reason has already been said."""

    def __init__(self, error: FamilleError | None = None) -> None:
        super().__init__(error.message if error else "")
        self.error = error


def open_in_browser(url: str) -> bool:
    """The system browser (`BROWSER` is honoured by `webbrowser`); False when none started."""
    try:
        return webbrowser.open(url, new=2)
    except Exception:  # webbrowser raises for broken BROWSER commands: say it, do not crash
        return False


class Session:
    """One run: the console, the event loop, the current portal and its client."""

    def __init__(
        self,
        options: LaunchOptions,
        console: Console,
        runner: asyncio.Runner,
        *,
        credentials: CredentialStore | None,
        journal: PaymentJournal,
        opener: Opener = open_in_browser,
        client_factory: Callable[[str], PortalClient] = PortalClient,
    ) -> None:
        self.options = options
        self.console = console
        self.runner = runner
        #: None in kiosk mode: the keyring is never read nor written there.
        self.credentials = credentials
        self.journal = journal
        self.opener = opener
        self._client_factory = client_factory
        self.portal: PortalProfile | None = None
        self._client: PortalClient | None = None

    @property
    def kiosk(self) -> bool:
        return self.options.kiosk

    @property
    def client(self) -> PortalClient:
        if self._client is None:
            raise RuntimeError("no portal chosen")
        return self._client

    @property
    def login(self) -> str:
        account = self.client.account
        return account.login if account else ""

    def say(self, *lines: str) -> None:
        self.console.say(*lines)

    def error(self, error: FamilleError) -> None:
        """An error of the client layer, on the same stream as everything else, in words."""
        self.console.say("Erreur : " + speakable(error.message))

    # -- portal ---------------------------------------------------------------------------

    def open_portal(self, portal: PortalProfile) -> None:
        self.close_portal()
        self.portal = portal
        self._client = self._client_factory(portal.url)

    def close_portal(self) -> None:
        """Log out (if logged in) and close the connections."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if client.logged_in:
                self.runner.run(client.logout())
                self.say("Déconnexion faite.")
        except (FamilleError, KeyboardInterrupt):
            pass  # logout never matters more than leaving: the token expires by itself
        finally:
            with contextlib.suppress(FamilleError, KeyboardInterrupt, RuntimeError):
                self.runner.run(client.aclose())

    # -- calls ----------------------------------------------------------------------------

    def run(self, make: Callable[[], Awaitable[T]]) -> T:
        """Run a call of the client layer; errors are raised as they are."""
        async def call() -> T:
            return await make()

        return self.runner.run(call())

    def call(
        self, make: Callable[[], Awaitable[T]], *, interrupted: str = "Opération interrompue."
    ) -> T:
        """Run a call; say any error and raise Failed. ctrl+c stops the call (saying
        `interrupted`), not the run."""
        try:
            try:
                return self.run(make)
            except SessionExpired as error:
                self.console.say(speakable(error.message))
                self.reauthenticate()
                return self.run(make)
        except FamilleError as error:
            self.error(error)
            raise Failed(error) from None
        except KeyboardInterrupt:
            self.console.say(interrupted)
            raise Failed() from None

    def reauthenticate(self) -> None:
        """After SessionExpired: the same account's password again, until it is right or the
        person goes back (then Failed)."""
        while True:
            try:
                password = ask_secret(self.console, f"Mot de passe de {self.login}")
            except GoBack:
                raise Failed() from None
            try:
                self.run(partial(self.client.relogin, password))
            except InvalidCredentials as error:
                self.error(error)
                continue
            except FamilleError as error:
                self.error(error)
                raise Failed(error) from None
            self.console.say("Session rétablie.")
            return
