"""What every scriptable command shares: exit codes, the run context, portal and credentials.

A command is `handler(ctx, args) -> int` (or an async one); it talks to the portal only through
`ctx.session()`, which resolves the portal, the login and the password (and, on a portal that
asks one, the captcha: drawn and asked on a terminal) and yields a logged-in `FamilySession`
(the same object the TUI and the screen-reader face are views over). Errors are raised, never
printed by the command: `famille_tui.commands.run_command` turns each into one French line on
stderr and its exit code.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from enum import IntEnum
from typing import TYPE_CHECKING, Literal, TextIO

from famille_tui.client.errors import (
    AuthError,
    ConfigError,
    FamilleError,
    InsecurePortalError,
    InvalidCredentials,
    TransportError,
    UnknownCommune,
)
from famille_tui.commands.output import Output, OutputMode

if TYPE_CHECKING:
    from famille_tui.client.config import LaunchOptions, PortalProfile
    from famille_tui.client.credentials import CredentialStore
    from famille_tui.client.portals import LoginChallenge
    from famille_tui.client.portals.base import PortalConnector
    from famille_tui.client.session import FamilySession, SessionPolicy


class ExitCode(IntEnum):
    """The documented exit codes (docs/cli.md); scripts rely on them, never renumber."""

    OK = 0
    ERROR = 1
    USAGE = 2
    AUTH = 3
    UNREACHABLE = 4
    REFUSED = 5
    ABANDONED = 6
    PENDING = 7
    BOOKING_REFUSED = 8
    LATE_FEE = 9
    INTERRUPTED = 130


class CommandError(FamilleError):
    """An error found by a command itself (bad input, nothing to do), with its exit code."""

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.ERROR) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class UsageError(CommandError):
    def __init__(self, message: str) -> None:
        super().__init__(message, ExitCode.USAGE)


class MissingCredentials(CommandError):
    def __init__(self, message: str) -> None:
        super().__init__(message, ExitCode.AUTH)


def exit_code_for(error: FamilleError) -> ExitCode:
    if isinstance(error, CommandError):
        return error.exit_code
    if isinstance(error, AuthError):
        return ExitCode.AUTH
    if isinstance(error, TransportError):
        return ExitCode.UNREACHABLE
    if isinstance(error, InsecurePortalError | UnknownCommune):
        return ExitCode.USAGE
    return ExitCode.ERROR


PasswordSource = Literal["keyring", "environment", "prompt"]
Handler = Callable[["CommandContext", argparse.Namespace], "int | Awaitable[int]"]

PASSWORD_VARIABLE = "FAMILLE_TUI_PASSWORD"
LOGIN_VARIABLE = "FAMILLE_TUI_LOGIN"


def output_mode(args: argparse.Namespace) -> OutputMode:
    if getattr(args, "json", False):
        return "json"
    if getattr(args, "plain", False):
        return "plain"
    return "table"


class CommandContext:
    """One run of one command: its options, its output, and access to the portal."""

    def __init__(
        self,
        args: argparse.Namespace,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        connector_factory: Callable[[PortalProfile], PortalConnector] | None = None,
    ) -> None:
        self.args = args
        #: Makes the portal's connector (default: `connector_for`, from the portal's dialect).
        self.connector_factory = connector_factory
        self.debug: bool = bool(getattr(args, "debug", False))
        self.stdin = stdin or sys.stdin
        self.out = Output(output_mode(args), stdout, stderr)
        self._options: LaunchOptions | None = None
        self._portal: PortalProfile | None = None
        #: Where the password of the last login came from (login says whether it is kept).
        self.password_source: PasswordSource | None = None
        self.login_used: str | None = None
        self.password_used: str | None = None

    # -- options and portal -------------------------------------------------------------

    @property
    def options(self) -> LaunchOptions:
        """Settings and command-line choices, read only when a command needs them."""
        if self._options is None:
            from famille_tui.client.config import launch_options, load_settings

            settings = load_settings()
            try:
                self._options = launch_options(
                    settings,
                    portal=getattr(self.args, "portal", None),
                    commune=getattr(self.args, "commune", None),
                    login=getattr(self.args, "login", None),
                    dialect=getattr(self.args, "dialect", None),
                    kiosk=bool(getattr(self.args, "kiosk", None)),
                    debug=self.debug,
                )
            except ConfigError as error:
                raise UsageError(f"--portal : {error.message}") from error
        return self._options

    def portal(self) -> PortalProfile:
        """The one portal of this run: `--portal`, `--commune`, or the only configured one."""
        if self._portal is None:
            from famille_tui.client.config import commune_slug, resolve_portals

            try:
                portals = resolve_portals(self.options)
            except ConfigError as error:
                raise UsageError(error.message) from error
            if not portals:
                raise UsageError(
                    "Aucun portail configuré : précisez --portal URL, ou lancez une fois "
                    "« famille-tui demo »."
                )
            if len(portals) > 1:
                names = ", ".join(f"{commune_slug(p.url)} ({p.name})" for p in portals)
                raise UsageError(
                    f"Plusieurs communes configurées, choisissez avec --commune : {names}."
                )
            self._portal = portals[0]
        return self._portal

    # -- terminal -----------------------------------------------------------------------

    def stdin_is_tty(self) -> bool:
        try:
            return bool(self.stdin.isatty())
        except (AttributeError, ValueError):
            return False

    def stdout_is_tty(self) -> bool:
        try:
            return bool(self.out.stdout.isatty())
        except (AttributeError, ValueError):
            return False

    def stderr_is_tty(self) -> bool:
        try:
            return bool(self.out.stderr.isatty())
        except (AttributeError, ValueError):
            return False

    def ask(self, question: str) -> str:
        """A line typed on the terminal (only called when stdin is one)."""
        self.out.stderr.write(question)
        self.out.stderr.flush()
        answer = self.stdin.readline()
        if not answer:
            raise CommandError("Fin de saisie : rien n'a été fait.", ExitCode.USAGE)
        return answer.strip()

    def confirm(self, question: str) -> bool:
        return self.ask(f"{question} [o/N] ").lower() in ("o", "oui", "y", "yes")

    # -- the session --------------------------------------------------------------------

    @property
    def policy(self) -> SessionPolicy:
        """What this run may do (keyring, journal, payment pages), as in every face."""
        from famille_tui.client.session import SessionPolicy

        return SessionPolicy.from_options(self.options)

    def credential_store(self) -> CredentialStore | None:
        """The OS keyring; None when the policy says nothing is remembered (kiosk)."""
        return self.policy.credential_store()

    def resolve_login(self, portal_url: str) -> str:
        """`--login`, else FAMILLE_TUI_LOGIN, else the one login remembered for this portal,
        else a question on the terminal."""
        if self.options.login:
            return self.options.login.strip()
        from_env = os.environ.get(LOGIN_VARIABLE, "").strip()
        if from_env:
            return from_env
        store = self.credential_store()
        if store is not None and store.available:
            remembered = store.remembered_logins(portal_url)
            if len(remembered) == 1:
                return remembered[0]
        if self.stdin_is_tty():
            login = self.ask("Identifiant : ")
            if login:
                return login
        raise MissingCredentials("Identifiant manquant : précisez --login ID.")

    def resolve_password(self, portal_url: str, login: str) -> tuple[str, PasswordSource]:
        """Keyring, else FAMILLE_TUI_PASSWORD, else getpass on a terminal, else exit 3 at once."""
        store = self.credential_store()
        if store is not None and store.available:
            remembered = store.get(portal_url, login)
            if remembered:
                return remembered, "keyring"
        from_env = os.environ.get(PASSWORD_VARIABLE)
        if from_env:
            return from_env, "environment"
        if self.stdin_is_tty():
            try:
                typed = getpass.getpass(f"Mot de passe de {login} : ")
            except EOFError:
                typed = ""
            if typed:
                return typed, "prompt"
            # Here, not at the top: this module is imported by the TUI's start (through
            # `commands.parsing`), which must not load pydantic for `api.base`.
            from famille_tui.api.base import EMPTY_FIELD

            raise MissingCredentials(f"Mot de passe : {EMPTY_FIELD} ; rien n'a été fait.")
        raise MissingCredentials(
            f"Mot de passe introuvable pour {login} : retenez-le avec « famille-tui login "
            f"--remember » ou donnez-le dans {PASSWORD_VARIABLE} "
            "(pas de terminal pour le demander)."
        )

    # -- portal -------------------------------------------------------------------------

    @asynccontextmanager
    async def session(
        self, *, authenticated: bool = True, login: str | None = None
    ) -> AsyncIterator[FamilySession]:
        """The `FamilySession` of this run's portal, logged in (as `login`, else the login
        this run resolves) unless `authenticated` is False; closed at the end (the session
        ends on the portal too), whatever happens."""
        from famille_tui.client.session import FamilySession

        portal = self.portal()
        password = None
        session = FamilySession(portal, self.policy, connector_factory=self.connector_factory)
        try:
            # The portal's kind, read from its page if not given, before anything: a portal
            # address its dialect cannot take is a usage error (exit 2), said before the
            # password is asked.
            try:
                await session.open()
            except ConfigError as error:
                raise UsageError(error.message) from error
            if authenticated:
                login = login or self.resolve_login(portal.url)
                password, self.password_source = self.resolve_password(portal.url, login)
            if authenticated and login is not None and password is not None:
                try:
                    await self._log_in(session, login, password)
                except InvalidCredentials as error:
                    if self.password_source == "keyring":
                        raise InvalidCredentials(
                            f"{error.message} Le mot de passe retenu n'est plus le bon : "
                            "« famille-tui logout » l'oublie."
                        ) from error
                    raise
                self.login_used, self.password_used = login, password
            yield session
        finally:
            await session.close()

    def connector(self) -> PortalConnector:
        """A connector (not logged in) for this run's portal, for `doctor`, which checks
        the portal itself rather than a family's session."""
        portal = self.portal()
        if self.connector_factory is not None:
            return self.connector_factory(portal)
        from famille_tui.client.portals import connector_for

        try:
            return connector_for(portal.url, dialect=portal.dialect)
        except ConfigError as error:
            raise UsageError(error.message) from error
    async def _log_in(self, session: FamilySession, login: str, password: str) -> None:
        """Log in, answering the portal's captcha on the terminal (an empty answer asks for a
        new code); without a terminal, exit 3 at once: a script cannot read an image."""
        from famille_tui.client.errors import ChallengeFailed

        challenge = await session.login_challenge()
        for _ in range(5):
            answer = None
            if challenge is not None:
                answer = self.ask_challenge(challenge)
                if not answer:
                    challenge = await session.login_challenge()
                    continue
            try:
                await session.login(login, password, challenge_answer=answer)
                return
            except ChallengeFailed as error:
                if challenge is None or not self.stdin_is_tty():
                    raise
                self.out.note(error.message)
                challenge = await session.login_challenge()
        raise ChallengeFailed("Trop d'essais du code de sécurité : rien n'a été fait.")

    def ask_challenge(self, challenge: LoginChallenge) -> str:
        """The captcha drawn on stderr and its code asked on the terminal."""
        from famille_tui.client.captcha import CaptchaImageError, captcha_lines

        if not self.stdin_is_tty():
            raise MissingCredentials(
                "Ce portail demande de recopier un code de sécurité (captcha) pour se "
                "connecter : lancez la commande dans un terminal pour le lire et le saisir.")
        try:
            drawing = captcha_lines(challenge.image_png or b"")
        except CaptchaImageError as error:
            self.out.note(error.message)
            drawing = []
        for line in drawing:
            self.out.stderr.write(line + "\n")
        if challenge.audio_url:
            self.out.note(f"Version audio du code : {challenge.audio_url}")
        return self.ask("Code de sécurité (Entrée seule : un nouveau code) : ")
