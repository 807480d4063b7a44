"""The Textual app: `FamilleApp` composes the screens; it holds the session and little else.

Promises other modules rely on (the payment screens in `tui/screens/invoices.py`,
`tui/screens/payment*.py` and `tui/payment_watch.py` build on them):

- `famille_tui.tui.run(options) -> int` runs the app; the package `__init__` never imports
  the portal (nor Textual).
- `FamilleApp(options, *, client_factory=None, credential_store=None, today=None)`.
  `client_factory(base_url) -> PortalClient` (default: `PortalClient(base_url)`);
  `today() -> date` is the clock ages are computed against (fixed in tests).
- `app.client` — the logged-in `PortalClient` (raises `RuntimeError` before login);
  `app.options` — the `LaunchOptions`; `app.portal` — the chosen `PortalProfile`;
  `app.family` — the `Family` model (None before login); `app.demo` — demo mode.
- `app.remaining_cents` — reactive `int | None`, the family's total « Reste à payer », shown in
  the header of every family-space screen; `await app.refresh_remaining()` reloads it.
- `await app.profile_email()` — the e-mail for the payment receipt (account, else profile).
- `await app.run_with_session(lambda: app.client.some_call(...))` — runs a client call; on
  `SessionExpired` it asks for the password again in a modal, logs in again and retries, so
  the user stays where they were. Call it from a worker (`@work` or `run_worker`). If the user
  gives up, it re-raises `SessionExpired` and the app returns to the login screen: callers may
  ignore that error (`app.report_error` does).
- `app.report_error(error)` — shows a `FamilleError` as a notification in French.
- Section keys, from every screen of the family space (footer + command palette):
  `1` Famille, `2` Entourage, `3` Tableau de bord, `4` Mes factures
  (`famille_tui.tui.screens.invoices.InvoicesScreen()`, imported lazily), `5` Coordonnées,
  `6` Aide; `q` / `ctrl+q` quits, logging out. Each section is a Textual *mode*: switching keeps
  each section's own stack of screens (a payment screen pushed in « Mes factures » is still
  there when the user comes back).
- Screens of the family space subclass `famille_tui.tui.screens.base.FamilySpaceScreen`
  (header + body + footer) and implement `compose_body()`.
- After login the app calls `famille_tui.tui.payment_watch.resume_pending(app)` when that module
  exists (awaited if it returns an awaitable).

Accessibility (issue 5): the `theme` setting picks the high-contrast theme; `NO_COLOR` is honoured
by Textual (monochrome filter) and focus never relies on colour alone (heavy borders, reverse
video); `TEXTUAL_ANIMATIONS=none` or `animations = false` turns animations off.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual._path import CSSPathType
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.widget import Widget

from famille_tui.client.config import (
    LaunchOptions,
    PortalProfile,
    normalize_portal_url,
    resolve_portals,
)
from famille_tui.client.errors import FamilleError, SessionExpired
from famille_tui.tui.themes import FAMILLE, HIGH_CONTRAST, theme_for_setting
from famille_tui.tui.widgets.loading import Chargement

if TYPE_CHECKING:
    from famille_tui.api import Family
    from famille_tui.client.credentials import CredentialStore
    from famille_tui.client.portal_client import PortalClient

T = TypeVar("T")

ClientFactory = Callable[[str], "PortalClient"]


class Section:
    """One place of the family space, reachable by one key from everywhere."""

    def __init__(self, key: str, name: str, title: str, target: str, help: str,
                 short: str = "") -> None:
        self.key = key
        #: the Textual mode name
        self.name = name
        self.title = title
        #: in the section bar, where 80 columns hold all six
        self.short = short or title
        #: "module:Class" of the screen, imported when first opened
        self.target = target
        self.help = help


SECTIONS: tuple[Section, ...] = (
    Section("1", "famille", "Famille", "famille_tui.tui.screens.family:FamilyScreen",
            "La composition de la famille : adultes, enfants, âges, structures"),
    Section("2", "entourage", "Entourage", "famille_tui.tui.screens.entourage:EntourageScreen",
            "Les contacts de l'entourage : ajouter, modifier, retirer"),
    Section("3", "tableau", "Tableau de bord", "famille_tui.tui.screens.dashboard:DashboardScreen",
            "Demandes, échanges à lire, évènements, actualités", short="Tableau de bord"),
    Section("4", "factures", "Mes factures", "famille_tui.tui.screens.invoices:InvoicesScreen",
            "Les factures, le reste à payer, le paiement en ligne", short="Factures"),
    Section("5", "coordonnees", "Coordonnées",
            "famille_tui.tui.screens.coordinates:CoordinatesScreen",
            "Vos coordonnées : adresse, téléphones, e-mail"),
    Section("6", "aide", "Aide", "famille_tui.tui.screens.help:HelpScreen",
            "Qui contacter : la structure, ses horaires"),
)
SECTIONS_BY_NAME = {section.name: section for section in SECTIONS}
LOGIN_MODE = "connexion"


def _default_client_factory(base_url: str) -> PortalClient:
    from famille_tui.client.portal_client import PortalClient

    return PortalClient(base_url)


def _default_credential_store() -> CredentialStore:
    from famille_tui.client.credentials import CredentialStore

    return CredentialStore()


class FamilleApp(App[int]):
    """The « Espace famille » in a terminal: login, then the family space."""

    #: The screens' own stylesheets are read here, with the app's, in the one parse of the
    #: start (≈ 5 ms): a screen's CSS_PATH read when it first opens makes Textual parse every
    #: stylesheet of the app again and restyle every widget (≈ 0.1 s on « Mes factures »).
    CSS_PATH: ClassVar[CSSPathType | None] = [
        "app.tcss", "screens/invoices.tcss", "screens/payment.tcss"
    ]
    TITLE = "Espace famille"
    ENABLE_COMMAND_PALETTE = True
    COMMAND_PALETTE_BINDING = "ctrl+p"
    #: The login screens live in their own mode, so that the family space can go back to
    #: them (a mode must be known to `switch_mode`, which Textual's "_default" is not).
    DEFAULT_MODE: ClassVar[str] = LOGIN_MODE
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {LOGIN_MODE: Screen}

    BINDINGS: ClassVar[list[BindingType]] = [
        # Not in the footer: the section bar of every family-space screen shows them.
        *(Binding(s.key, f"section('{s.name}')", s.title, tooltip=s.help, show=False)
          for s in SECTIONS),
        Binding("q", "quit", "Quitter", tooltip="Se déconnecter et quitter"),
        Binding("ctrl+q", "quit", "Quitter", show=False, priority=True),
    ]

    #: The family's total « Reste à payer » in cents; None while unknown.
    remaining_cents: reactive[int | None] = reactive(None)
    #: « Famille Martin », shown in the header.
    family_name: reactive[str] = reactive("")

    def __init__(
        self,
        options: LaunchOptions,
        *,
        client_factory: ClientFactory | None = None,
        credential_store: CredentialStore | None = None,
        today: Callable[[], date] | None = None,
    ) -> None:
        super().__init__()
        self.options = options
        self.client_factory: ClientFactory = client_factory or _default_client_factory
        self._credential_store = credential_store
        self.today: Callable[[], date] = today or date.today
        self.portal: PortalProfile | None = None
        self.family: Family | None = None
        self._client: PortalClient | None = None
        #: The chosen portal's URL, whose client is built on first use (see `connect`).
        self._client_url: str | None = None
        self._login: str | None = None
        self._session_generation = 0
        self._reauth_lock = asyncio.Lock()
        self._quitting = False
        self.register_theme(FAMILLE)
        self.register_theme(HIGH_CONTRAST)
        self.theme = theme_for_setting(options.settings.theme)
        if not options.settings.animations:
            self.animation_level = "none"

    # -- what the screens use -------------------------------------------------------------

    @property
    def demo(self) -> bool:
        return self.options.demo

    @property
    def kiosk(self) -> bool:
        return self.options.kiosk

    @property
    def credential_store(self) -> CredentialStore:
        """The OS keyring (created on first use: probing the keyring costs ≈ 0.1 s)."""
        if self._credential_store is None:
            self._credential_store = _default_credential_store()
        return self._credential_store

    @property
    def credential_store_ready(self) -> bool:
        """Whether `credential_store` is already made (given, or probed earlier): the login
        screen then asks it at once; otherwise it probes it after its first frame."""
        return self._credential_store is not None

    @property
    def client(self) -> PortalClient:
        """The chosen portal's client, built on first use: httpx, pydantic and the API
        models are imported then, not before the first screen is drawn."""
        if self._client is None:
            if self._client_url is None:
                raise RuntimeError("no portal chosen yet")
            self._client = self.client_factory(self._client_url)
        return self._client

    @property
    def has_client(self) -> bool:
        return self._client is not None or self._client_url is not None

    @property
    def logged_in(self) -> bool:
        return self._client is not None and self._client.logged_in and self.family is not None

    @property
    def login_name(self) -> str | None:
        return self._login

    @property
    def commune_name(self) -> str:
        return self.portal.name if self.portal else ""

    def connect(self, portal: PortalProfile) -> None:
        """Choose the commune: a new client on its base URL (raises `FamilleError`).

        The URL is checked here, as `PortalClient` would (https unless loopback); the client
        itself is built when first used (`client`), or by `warm_up_client` once the first
        screen is drawn."""
        url = normalize_portal_url(portal.url)
        self.portal = portal
        self._client = None
        self._client_url = url

    def warm_up_client(self) -> None:
        """Build the client now (imports included), so that the first « Se connecter »
        does not pay for them; called once the login screen is on screen."""
        with contextlib.suppress(FamilleError):
            if self.has_client:
                self.client  # noqa: B018  (the property builds it)

    async def login(self, login: str, password: str) -> None:
        """Log in and load what the header needs; raises the client's errors."""
        client = self.client
        await client.login(login, password)
        self._login = login
        self._session_generation += 1
        family = await client.family()
        self.family = family
        self.family_name = family.name
        try:
            await self.refresh_remaining()
        except FamilleError:
            # The header says « … » until the next refresh; the family space still opens.
            self.remaining_cents = None

    async def refresh_remaining(self) -> None:
        """Reload the family's total « Reste à payer » shown in the header."""
        from famille_tui.api import InvoiceFilter

        invoices = await self.run_with_session(lambda: self.client.invoices(InvoiceFilter.UNPAID))
        self.remaining_cents = invoices.total_remaining_cents

    async def profile_email(self) -> str | None:
        """The e-mail a payment receipt goes to: the account's, else the profile's."""
        account = self.client.account
        if account is not None and account.email:
            return account.email
        profile = await self.run_with_session(self.client.profile)
        return profile.email

    async def run_with_session(self, factory: Callable[[], Awaitable[T]]) -> T:
        """Run a client call; when the session has expired, ask for the password and retry."""
        while True:
            generation = self._session_generation
            try:
                return await factory()
            except SessionExpired:
                if not await self._reauthenticate(generation):
                    raise

    async def _reauthenticate(self, generation: int) -> bool:
        # One dialog for all the calls that failed together: the others wait on the lock and
        # find a new session when they get it.
        async with self._reauth_lock:
            if self._session_generation != generation and self._client and self._client.logged_in:
                return True
            from famille_tui.tui.screens.session import SessionPasswordScreen

            answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

            def done(result: bool | None) -> None:
                if not answer.done():
                    answer.set_result(bool(result))

            await self.push_screen(SessionPasswordScreen(self._login or ""), callback=done)
            ok = await answer
            if ok:
                self._session_generation += 1
                return True
            self.call_later(self.back_to_login)
            return False

    def report_error(self, error: FamilleError, *, title: str = "") -> None:
        """A client error as a notification; a session given up on is not news any more."""
        if isinstance(error, SessionExpired) and not self.logged_in:
            return
        self.notify(error.message, title=title or "Erreur", severity="error", timeout=12)

    # -- navigation ------------------------------------------------------------------------

    def on_mount(self) -> None:
        from famille_tui.tui.screens.start import NoPortalScreen

        try:
            portals = resolve_portals(self.options)
        except FamilleError as error:
            self.push_screen(NoPortalScreen(error.message))
            return
        if not portals:
            self.push_screen(NoPortalScreen())
        elif len(portals) == 1:
            self.open_login(portals[0], replace=False)
        else:
            from famille_tui.tui.screens.portal_choice import PortalChoiceScreen

            self.push_screen(PortalChoiceScreen(portals))

    def open_login(self, portal: PortalProfile, *, replace: bool = False) -> None:
        """Connect to a commune's portal and show its login screen."""
        from famille_tui.tui.screens.login import LoginScreen
        from famille_tui.tui.screens.start import NoPortalScreen

        try:
            self.connect(portal)
        except FamilleError as error:
            self.push_screen(NoPortalScreen(error.message))
            return
        screen = LoginScreen(login=self.options.login)
        if replace:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    async def enter_family_space(self) -> None:
        """After login: the Famille section, then any payment left from a previous run."""
        for section in SECTIONS:
            if section.name not in self._modes:
                factory = self._screen_factory(section)
                if factory is not None:
                    self.add_mode(section.name, factory)
        await self.switch_mode("famille")
        await self._resume_pending_payments()

    async def _resume_pending_payments(self) -> None:
        try:
            module = importlib.import_module("famille_tui.tui.payment_watch")
        except ImportError:
            return
        resume = getattr(module, "resume_pending", None)
        if resume is None:
            return
        result = resume(self)
        if inspect.isawaitable(result):
            await result

    def _screen_factory(self, section: Section) -> Callable[[], Screen[Any]] | None:
        module_name, _, class_name = section.target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            return None
        screen_class: Callable[[], Screen[Any]] | None = getattr(module, class_name, None)
        if screen_class is None:
            return None
        make_screen = screen_class

        def fresh_screen() -> Screen[Any]:
            screen = make_screen()
            # A new mode's screen counts as « styled before the last CSS change » (-1), so
            # Textual's `_init_mode` and `switch_mode` each parse every stylesheet of the app
            # again and restyle every widget (2 × ≈ 50 ms per section opened). Nothing has
            # changed since the last refresh (every stylesheet is read at start, CSS_PATH) and
            # a new screen is styled when it mounts: it is up to date. (Textual is pinned;
            # the snapshot tests would show a screen left unstyled.)
            screen._css_update_count = self._css_update_count
            return screen

        return fresh_screen

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "section":
            # Hidden before login; dialogs are answered before going elsewhere.
            if not self.logged_in:
                return False
            if isinstance(self.screen, ModalScreen):
                return None
        return True

    def action_section(self, name: str) -> None:
        """Go to one section of the family space (keys 1 to 6)."""
        section = SECTIONS_BY_NAME.get(name)
        if section is None or not self.logged_in:
            return
        if name not in self._modes:
            factory = self._screen_factory(section)
            if factory is None:
                self.notify(f"« {section.title} » : bientôt disponible.", title=section.title)
                return
            self.add_mode(name, factory)
        self.switch_mode(name)

    async def back_to_login(self) -> None:
        """The session is gone and the user did not log in again: back to the login screen."""
        self.family = None
        self.remaining_cents = None
        self.family_name = ""
        await self.switch_mode(LOGIN_MODE)
        for section in SECTIONS:
            if section.name in self._modes:
                await self.remove_mode(section.name)
        self.notify("Vous avez été déconnecté. Connectez-vous à nouveau.", title="Session")

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        if self.logged_in:
            for section in SECTIONS:
                yield SystemCommand(
                    f"{section.title} (touche {section.key})",
                    section.help,
                    lambda name=section.name: self.action_section(name),
                )
        yield SystemCommand("Thème contrasté", "Noir et blanc, focus en jaune",
                            lambda: setattr(self, "theme", HIGH_CONTRAST.name))
        yield SystemCommand("Thème normal", "Le thème par défaut",
                            lambda: setattr(self, "theme", FAMILLE.name))
        yield SystemCommand("Quitter (touche q)", "Se déconnecter et quitter", self.action_quit)

    def get_loading_widget(self) -> Widget:
        return Chargement()

    async def action_quit(self) -> None:
        """Quit cleanly: log out first (the token dies on the portal, not only here)."""
        if self._quitting:
            return
        self._quitting = True
        client = self._client
        if client is not None:
            try:
                if client.logged_in:
                    await asyncio.wait_for(client.logout(), timeout=3)
            except (FamilleError, TimeoutError):
                pass  # quitting must never fail; the token expires on its own
            with contextlib.suppress(FamilleError):
                await client.aclose()
        self.exit(0)
