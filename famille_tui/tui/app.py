"""The Textual app: `FamilleApp` is a view over one `FamilySession` (client/session.py).

Promises other modules rely on:

- `famille_tui.tui.run(options) -> int` runs the app; the package `__init__` never imports
  the portal (nor Textual).
- `FamilleApp(options, *, connector_factory=None, credential_store=None, today=None)`.
  `connector_factory(portal) -> PortalConnector` (default: `connector_for(url, dialect=…)`);
  `today() -> date` is the clock ages are computed against (fixed in tests).
- `app.session` — the one reactive: the `FamilySession` of the chosen portal (None before a
  portal is chosen). It is set again (`mutate_reactive`) on every change the session
  signals, so a screen follows it with Textual's own `self.watch(self.app, "session", …)`,
  redrawing from it (and clearing what it holds of a family when it is None or another
  session). `app.policy` — the run's `SessionPolicy`; `app.portal` — the chosen profile.
- `await app.session.call(factory)` runs a portal call through the one re-login path: on
  `SessionExpired` a modal asks the password again (once for all the calls that failed
  together), and the call is tried again, so the user stays where they were. Call it from a
  worker (`@work`). If the user gives up, `SessionExpired` is raised and the app returns to
  the login screen: callers may ignore that error (`app.report_error` does).
- `app.report_error(error)` — a `FamilleError` as a notification in French. No notification
  of this app reads markup (`notify` is plain text: portal words are data).
- Section keys, from every screen of the family space (footer + command palette):
  `1` Famille, `2` Entourage, `3` Tableau de bord, `4` Mes factures, `5` Coordonnées,
  `6` Aide, `7` Réservations; `q` / `ctrl+q` quits, logging out. Each section is a
  Textual *mode* whose screen class is registered in `SECTIONS`: switching keeps each
  section's own stack of screens.
- The hooks a kiosk overrides (`kiosk/app.py`), so that no screen asks what kind of machine
  this is: `show_start()` (the first screen), `remembers_passwords`, `payment_screen(…)` and
  `payment_help`.

Accessibility (issue 5): the `theme` setting picks the high-contrast theme; `NO_COLOR` is honoured
by Textual (monochrome filter) and focus never relies on colour alone (heavy borders, reverse
video); `TEXTUAL_ANIMATIONS=none` or `animations = false` turns animations off.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.widget import Widget

from famille_tui.client.config import LaunchOptions, PortalProfile, resolve_portals
from famille_tui.client.errors import FamilleError, SessionExpired
from famille_tui.client.session import Change, FamilySession, SessionChange, SessionPolicy
from famille_tui.tui.internals import mark_styled_like, start_with_theme
from famille_tui.tui.themes import FAMILLE, HIGH_CONTRAST, theme_for_setting
from famille_tui.tui.widgets.loading import Chargement

if TYPE_CHECKING:
    from famille_tui.api import Payment
    from famille_tui.client.credentials import CredentialStore
    from famille_tui.client.payments import ResumedPayment
    from famille_tui.client.portals.base import PortalConnector
    from famille_tui.client.session import FollowedPayment

ConnectorFactory = Callable[[PortalProfile], "PortalConnector"]


def _family_screen() -> type[Screen[Any]]:
    from famille_tui.tui.screens.family import FamilyScreen

    return FamilyScreen


def _entourage_screen() -> type[Screen[Any]]:
    from famille_tui.tui.screens.entourage import EntourageScreen

    return EntourageScreen


def _dashboard_screen() -> type[Screen[Any]]:
    from famille_tui.tui.screens.dashboard import DashboardScreen

    return DashboardScreen


def _invoices_screen() -> type[Screen[Any]]:
    from famille_tui.tui.screens.invoices import InvoicesScreen

    return InvoicesScreen


def _coordinates_screen() -> type[Screen[Any]]:
    from famille_tui.tui.screens.coordinates import CoordinatesScreen

    return CoordinatesScreen


def _reservations_screen() -> type[Screen[Any]]:
    from famille_tui.tui.screens.reservations import ReservationsScreen

    return ReservationsScreen


def _help_screen() -> type[Screen[Any]]:
    from famille_tui.tui.screens.help import HelpScreen

    return HelpScreen


class Section:
    """One place of the family space, reachable by one key from everywhere."""

    def __init__(self, key: str, name: str, title: str, screen: Callable[[], type[Screen[Any]]],
                 help: str, short: str = "") -> None:
        self.key = key
        #: the Textual mode name
        self.name = name
        self.title = title
        #: in the section bar, where 80 columns hold all seven
        self.short = short or title
        #: The screen's class. Its module is imported when the section first opens (the
        #: login screen does not wait for them); an import error is an error, not a gap.
        self.screen = screen
        self.help = help


SECTIONS: tuple[Section, ...] = (
    Section("1", "famille", "Famille", _family_screen,
            "La composition de la famille : adultes, enfants, âges, structures"),
    Section("2", "entourage", "Entourage", _entourage_screen,
            "Les contacts de l'entourage : ajouter, modifier, retirer"),
    Section("3", "tableau", "Tableau de bord", _dashboard_screen,
            "Demandes, échanges à lire, évènements, actualités", short="Tableau"),
    Section("4", "factures", "Mes factures", _invoices_screen,
            "Les factures, le reste à payer, le paiement en ligne", short="Factures"),
    Section("5", "coordonnees", "Coordonnées", _coordinates_screen,
            "Vos coordonnées : adresse, téléphones, e-mail"),
    Section("6", "aide", "Aide", _help_screen,
            "Qui contacter : la structure, ses horaires"),
    Section("7", "reservations", "Réservations", _reservations_screen,
            "Cantine, garderie, mercredi, vacances : réserver, annuler, les échéances",
            short="Résa"),
)
SECTIONS_BY_NAME = {section.name: section for section in SECTIONS}
LOGIN_MODE = "connexion"

#: Titles of the outcome notifications: the words the portal shows on the invoice.
OUTCOME_TITLES: dict[str, str] = {
    "paid": "Réglée",
    "refused": "Paiement refusé",
    "cancelled": "Paiement abandonné",
    "expired": "Délai dépassé",
    "pending": "En attente du paiement…",
}


def _default_credential_store() -> CredentialStore:
    from famille_tui.client.credentials import CredentialStore

    return CredentialStore()


class FamilleApp(App[int]):
    """The « Espace famille » in a terminal: login, then the family space."""

    #: The screens' own stylesheets are read here, with the app's, in the one parse of the
    #: start (≈ 5 ms): a screen's CSS_PATH read when it first opens makes Textual parse every
    #: stylesheet of the app again and restyle every widget (≈ 0.1 s on « Mes factures »).
    CSS_PATH: ClassVar[list[str | PurePath]] = [
        "app.tcss", "screens/invoices.tcss", "screens/payment.tcss",
        "screens/reservations.tcss",
    ]
    TITLE = "Espace famille"
    ENABLE_COMMAND_PALETTE = True
    COMMAND_PALETTE_BINDING = "ctrl+p"
    #: The login screens live in their own mode, so that the family space can go back to
    #: them (a mode must be known to `switch_mode`, which Textual's "_default" is not); added
    #: in `__init__`, its screen marked as styled (`mark_styled_like`: the first mode's screen
    #: otherwise costs a whole reparse and restyle before the first frame).
    DEFAULT_MODE: ClassVar[str] = LOGIN_MODE

    BINDINGS: ClassVar[list[BindingType]] = [
        # Not in the footer: the section bar of every family-space screen shows them.
        *(Binding(s.key, f"section('{s.name}')", s.title, tooltip=s.help, show=False)
          for s in SECTIONS),
        Binding("q", "quit", "Quitter", tooltip="Se déconnecter et quitter"),
        Binding("ctrl+q", "quit", "Quitter", show=False, priority=True),
        # Ours, so that Textual adds none of its own (its tooltip is in English).
        Binding("ctrl+p", "command_palette", "palette", show=False, priority=True,
                tooltip="Ouvrir la palette de commandes"),
        # Textual's Tab is the screen's, reached only once the key has travelled up from
        # the focused input: keys sent in one burst (a password manager's « login Tab
        # password ») were all typed into the first field by then. As the app's priority
        # binding, the focus moves before the next key is handed to anyone.
        Binding("tab", "focus_next", "Champ suivant", show=False, priority=True),
        Binding("shift+tab", "focus_previous", "Champ précédent", show=False, priority=True),
    ]

    #: The session of the chosen portal: the one state the screens watch.
    session: reactive[FamilySession | None] = reactive(None, init=False)

    def __init__(
        self,
        options: LaunchOptions,
        *,
        connector_factory: ConnectorFactory | None = None,
        credential_store: CredentialStore | None = None,
        today: Callable[[], date] | None = None,
    ) -> None:
        super().__init__()
        self.options = options
        self.policy = SessionPolicy.from_options(options)
        self.connector_factory = connector_factory
        self._credential_store = credential_store
        self.today: Callable[[], date] = today or date.today
        self.portal: PortalProfile | None = None
        #: The payment whose screen is on display, if any: that screen tells the outcome
        #: itself, so no toast is shown on top of it (the bell still rings).
        self.payment_on_screen: str | None = None
        #: The section modes added so far (Textual keeps its modes to itself).
        self._section_modes: set[str] = set()
        self._quitting = False
        #: Said in the terminal after quitting (payments still awaited), None: nothing.
        self.farewell: str | None = None
        self.add_mode(LOGIN_MODE, lambda: mark_styled_like(Screen(), self))
        self.register_theme(FAMILLE)
        self.register_theme(HIGH_CONTRAST)
        start_with_theme(self, theme_for_setting(options.settings.theme))
        if not options.settings.animations:
            self.animation_level = "none"

    # -- the hooks of a kind of machine (the kiosk overrides them) ------------------------

    @property
    def remembers_passwords(self) -> bool:
        """Whether the login screens offer « Se souvenir de moi » and remembered accounts."""
        return self.policy.remembers_passwords

    def payment_screen(self, followed: FollowedPayment, *, open_browser: bool) -> Screen[None]:
        """The screen that follows a payment: the waiting screen, the browser opened."""
        from famille_tui.tui.screens.payment_wait import PaymentWaitScreen

        return PaymentWaitScreen(followed, open_browser=open_browser)

    @property
    def payment_help(self) -> str:
        """Under the payment summary: where the parent will pay."""
        return ("Le paiement se fait dans votre navigateur, sur le site sécurisé de l'État "
                "(PayFiP). Échap : annuler.")

    async def show_start(self) -> None:
        """The first screen: the login screen, the choice of the commune, or why not."""
        from famille_tui.tui.screens.start import NoPortalScreen

        try:
            portals = resolve_portals(self.options)
        except FamilleError as error:
            await self.push_screen(NoPortalScreen(error.message))
            return
        if not portals:
            await self.push_screen(NoPortalScreen())
        elif len(portals) == 1:
            self.open_login(portals[0], replace=False)
        else:
            from famille_tui.tui.screens.portal_choice import PortalChoiceScreen

            await self.push_screen(PortalChoiceScreen(portals))

    # -- what the screens use -------------------------------------------------------------

    @property
    def credential_store(self) -> CredentialStore | None:
        """The OS keyring (made on first use: probing it costs ≈ 0.1 s); None when nothing
        may be remembered here."""
        if not self.remembers_passwords:
            return None
        if self._credential_store is None:
            self._credential_store = _default_credential_store()
        return self._credential_store

    @property
    def credential_store_ready(self) -> bool:
        """Whether `credential_store` is already made (given, or probed earlier): the login
        screen then asks it at once; otherwise it probes it after its first frame."""
        return self._credential_store is not None

    @property
    def logged_in(self) -> bool:
        """In the family space of a logged-in session."""
        return self.session is not None and self.session.in_family_space

    @property
    def commune_name(self) -> str:
        return self.portal.name if self.portal else ""

    def connect(self, portal: PortalProfile) -> None:
        """Choose the commune: a new session on its portal (raises `FamilleError` for a bad
        address). Its connector is made by the login screen once it is drawn (through
        `session.login_challenge`: the portal's dialect read first; its imports paid then)."""
        session = FamilySession(
            portal,
            self.policy,
            connector_factory=self.connector_factory,
            reauthenticate=self._reauthenticate,
        )
        old = self.session
        self.portal = portal
        session.subscribe(self._session_changed)
        self.session = session
        if old is not None:
            self._close(old)

    def rename_portal(self, name: str) -> None:
        """The portal's own name for the commune (`--portal URL` gives only its slug)."""
        if self.portal is not None:
            self.portal = self.portal.model_copy(update={"name": name})

    @work(group="session-close", exit_on_error=False)
    async def _close(self, session: FamilySession, *, hand_over: bool = False) -> None:
        await session.close(hand_over=hand_over)

    def _session_changed(self, change: SessionChange) -> None:
        """Every change of the session: the outcome of a payment said, then the one
        reactive set again for the screens' watchers."""
        followed = change.payment
        if change.kind is Change.OUTCOME and followed is not None:
            self.bell()
            if self.payment_on_screen != followed.payment_id and followed.payment is not None:
                self.tell_outcome(followed.payment, followed.invoice_numbers)
        elif change.kind is Change.STOPPED and followed is not None and followed.error:
            if followed.stop_reason == "unknown":
                self.notify(followed.error, title="Paiement", severity="warning", timeout=15)
            elif followed.stop_reason == "error":
                self.notify(followed.error, title="Paiement", severity="error", timeout=20)
        if self.session is not None:
            self.mutate_reactive(FamilleApp.session)

    def tell_outcome(self, payment: Payment, invoice_numbers: list[str]) -> None:
        """A payment's outcome as a notification that stays long enough to be read."""
        from famille_tui.client.payments import outcome_message

        status = payment.status.value
        label = "Facture" if len(invoice_numbers) == 1 else "Factures"
        self.notify(
            f"{label} {', '.join(invoice_numbers)} : {outcome_message(payment)}",
            title=OUTCOME_TITLES[status],
            severity="information" if status == "paid" else "warning",
            timeout=30,
        )

    async def _reauthenticate(self, session: FamilySession) -> bool:
        """The session expired: the password again in a dialog, over the current screen."""
        from famille_tui.tui.screens.session import SessionPasswordScreen

        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def done(result: bool | None) -> None:
            if not answer.done():
                answer.set_result(bool(result))

        await self.push_screen(SessionPasswordScreen(session.login_name), callback=done)
        ok = await answer
        if not ok:
            self.call_later(self.back_to_login)
        return ok

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A notification, always plain text: its words often come from the portal (an
        error's sentence, an invoice number), which are data, never markup."""
        del markup
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def report_error(self, error: FamilleError, *, title: str = "") -> None:
        """A client error as a notification; a session given up on is not news any more."""
        if isinstance(error, SessionExpired) and not self.logged_in:
            return
        self.notify(error.message, title=title or "Erreur", severity="error", timeout=12)

    # -- navigation ------------------------------------------------------------------------

    async def on_mount(self) -> None:
        await self.show_start()
        if self.options.start_notice:
            self.notify(self.options.start_notice, title="Démonstration", timeout=60)

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
        """After login: the family and its total, the Famille section, then any payment
        left from a previous run (checked in the background)."""
        session = self.session
        assert session is not None
        await session.load_family_space()
        for section in SECTIONS:
            self._add_section_mode(section)
        await self.switch_mode("famille")
        self._resume_payments(session)

    def _add_section_mode(self, section: Section) -> None:
        if section.name in self._section_modes:
            return
        screen_class = section.screen()

        def fresh_screen() -> Screen[Any]:
            return mark_styled_like(screen_class(), self)

        self.add_mode(section.name, fresh_screen)
        self._section_modes.add(section.name)

    @work(group="payment-resume", exit_on_error=False)
    async def _resume_payments(self, session: FamilySession) -> None:
        """The payments journaled by a previous run (closed terminal, killed program,
        reboot): the outcome of those that ended, and the others followed again."""
        try:
            resumed = await session.resume(follow=True)
        except FamilleError as error:
            self.report_error(error, title="Paiements en cours")
            return
        for item in resumed:
            self._tell_resumed(item)

    def _tell_resumed(self, item: ResumedPayment) -> None:
        from famille_tui.api.money import format_euros

        numbers = item.entry.invoice_numbers
        if item.final and item.payment is not None:
            self.bell()
            self.tell_outcome(item.payment, numbers)
        elif item.pending:
            self.notify(
                f"Un paiement de {format_euros(item.entry.amount_cents)} commencé plus tôt "
                f"(facture{'s' if len(numbers) > 1 else ''} {', '.join(numbers)}) est "
                "toujours en attente : il est suivi, le résultat s'affichera ici. "
                "Touche 4 pour le voir.",
                title="En attente du paiement…",
                timeout=20,
            )
        else:
            # Unknown to the portal now, or not checked (network: followed in the background).
            self.notify(item.message, title="Paiement", severity="warning", timeout=20)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("focus_next", "focus_previous"):
            # A screen that answers any key (the kiosk's idle warning) takes Tab too.
            return not getattr(self.screen, "TAKES_EVERY_KEY", False)
        if action == "section":
            # Hidden before login; dialogs are answered before going elsewhere.
            if not self.logged_in:
                return False
            if isinstance(self.screen, ModalScreen):
                return None
        return True

    def action_section(self, name: str) -> None:
        """Go to one section of the family space (keys 1 to 7)."""
        section = SECTIONS_BY_NAME.get(name)
        if section is None or not self.logged_in:
            return
        self._add_section_mode(section)
        self.switch_mode(name)

    async def back_to_login(self) -> None:
        """The session is gone and the user did not log in again: back to the login screen,
        on a new session of the same portal (the journal keeps the payments for later)."""
        if self.portal is not None:
            self.connect(self.portal)
        await self.switch_mode(LOGIN_MODE)
        await self._remove_section_modes()
        self.notify("Vous avez été déconnecté. Connectez-vous à nouveau.", title="Session")

    async def _remove_section_modes(self) -> None:
        for name in list(self._section_modes):
            await self.remove_mode(name)
            self._section_modes.discard(name)

    def action_command_palette(self) -> None:
        """Textual's palette, its search field in French (its public `placeholder`)."""
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(CommandPalette(placeholder="Rechercher une commande…",
                                            id="--command-palette"))

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

    async def on_unmount(self) -> None:
        # However the app ends, the payments it follows stop being waited for here (the
        # journal keeps them for the next start) and the session ends on the portal.
        if self.session is not None:
            await self.session.close()

    async def action_quit(self) -> None:
        """Quit cleanly: log out first (the token dies on the portal, not only here)."""
        if self._quitting:
            return
        self._quitting = True
        session = self.session
        if session is not None:
            self.farewell = self._pending_on_quit(session)
            await session.close()  # bounded: quitting never waits long for the portal
        # Printed in the terminal once the screen is gone: the parent reads it after `q`.
        self.exit(0, message=self.farewell)

    @staticmethod
    def _pending_on_quit(session: FamilySession) -> str | None:
        """What becomes of the payments still awaited when the app quits (None: none)."""
        from famille_tui.client.rules import left_pending_sentence

        awaited = session.active_payments()
        if not awaited:
            return None
        ends = [f.payment.expires_at for f in awaited if f.payment is not None]
        return left_pending_sentence([f.amount_cents for f in awaited],
                                     min(ends) if ends else None)
