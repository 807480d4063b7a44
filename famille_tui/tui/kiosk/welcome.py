"""The kiosk's welcome screen: who runs this desk, and three large ways in.

The structure's name and contact come from the portal's `GET help` (a call made logged out).
Nothing of any family is ever on it: it is what every session ends on, a new one each time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Static

from famille_tui.api import HelpContact
from famille_tui.client.display import shown
from famille_tui.client.errors import FamilleError
from famille_tui.tui.widgets.footer import Footer
from famille_tui.tui.widgets.notice import Kind, Notice

if TYPE_CHECKING:
    from famille_tui.tui.kiosk.app import KioskApp
    from famille_tui.tui.screens.activation import AccountReady

#: Seconds the message about the previous session stays (« Session terminée… »).
NOTICE_SECONDS = 30

SHARED_POST = (
    "Poste partagé : rien n'est retenu après votre passage. Pour payer, un QR code vous "
    "permet de régler sur votre propre téléphone. En partant : F2 « Terminer »."
)


def contact_lines(contact: HelpContact) -> str:
    lines = [
        contact.address,
        f"{contact.postal_code} {contact.city}",
        f"Tél. : {contact.phone}",
        f"E-mail : {contact.email}",
    ]
    if contact.opening_hours:
        lines.append("Horaires : " + " · ".join(contact.opening_hours))
    return "\n".join(line for line in lines if line.strip())


class WelcomeScreen(Screen[None]):
    """« Bienvenue »: Se connecter, Première connexion, Mot de passe oublié."""

    CSS_PATH = "kiosk.tcss"
    #: Enter at once is « Se connecter », also when the screen comes back after a dialog.
    AUTO_FOCUS = "#welcome-login"
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the scrolling container would take the arrows for itself.
        Binding("down", "app.focus_next", "Suivant", show=False, priority=True),
        Binding("up", "app.focus_previous", "Précédent", show=False, priority=True),
        Binding("f12", "app.staff", "Personnel"),
    ]

    def __init__(self, notice: str | None = None, notice_kind: Kind = "info") -> None:
        super().__init__()
        self._notice = notice
        self._notice_kind: Kind = notice_kind

    @property
    def kiosk(self) -> KioskApp:
        return cast("KioskApp", self.app)

    def compose(self) -> ComposeResult:
        commune = self.kiosk.commune_name
        # Not focusable: the arrows move between the buttons, not the scrolling.
        with VerticalScroll(id="welcome", can_focus=False), Vertical(id="welcome-box"):
            yield Static("Bienvenue à l'Espace famille", id="welcome-title")
            yield Static(commune, id="welcome-structure")
            yield Notice(id="welcome-notice")
            with Vertical(id="welcome-buttons"):
                yield Button("Se connecter", id="welcome-login", variant="primary")
                yield Button("Première connexion", id="welcome-activation")
                yield Button("Mot de passe oublié", id="welcome-reset")
            yield Static("", id="welcome-contact")
            yield Static(SHARED_POST, id="welcome-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#welcome-login", Button).focus()
        if self._notice:
            self.query_one(Notice).show(self._notice, self._notice_kind)
            self.set_timer(NOTICE_SECONDS, self.query_one(Notice).clear)
        self._load_contact()

    @work(exclusive=True, group="welcome-help")
    async def _load_contact(self) -> None:
        session = self.kiosk.session
        if session is None:
            return
        try:
            contact = await session.connector.help()
        except FamilleError:
            # The buttons still work; the contact is a comfort, not a condition.
            self.query_one("#welcome-contact", Static).update(
                "Coordonnées de la structure indisponibles pour le moment."
            )
            return
        self.query_one("#welcome-structure", Static).update(
            shown(f"{contact.structure} — {contact.commune}")
        )
        self.query_one("#welcome-contact", Static).update(shown(contact_lines(contact)))

    # -- the three ways in ---------------------------------------------------------------------

    @on(Button.Pressed, "#welcome-login")
    def open_login(self) -> None:
        from famille_tui.tui.screens.login import LoginScreen

        # A new login screen for each person: nothing typed by the previous one.
        self.app.push_screen(LoginScreen())

    @on(Button.Pressed, "#welcome-activation")
    def open_activation(self) -> None:
        from famille_tui.tui.screens.activation import ActivationScreen

        self.app.push_screen(ActivationScreen(), callback=self._account_changed)

    @on(Button.Pressed, "#welcome-reset")
    def open_reset(self) -> None:
        from famille_tui.tui.screens.password_reset import PasswordResetScreen

        self.app.push_screen(PasswordResetScreen(), callback=self._account_changed)

    def _account_changed(self, result: AccountReady | None) -> None:
        """After an activation or a reset: that person logged in with the new password."""
        if not result:
            return
        from famille_tui.tui.screens.login import LoginScreen

        screen = LoginScreen(login=result.login)
        self.app.push_screen(screen)
        screen.call_after_refresh(screen.log_in_as, result)
