"""Base classes of the screens: `FamilySpaceScreen` (header + body + footer) and helpers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widget import Widget

from famille_tui.client.errors import FamilleError
from famille_tui.tui.widgets.footer import Footer
from famille_tui.tui.widgets.header import FamilyHeader
from famille_tui.tui.widgets.loading import start_loading, stop_loading
from famille_tui.tui.widgets.sections import SectionBar

if TYPE_CHECKING:
    from famille_tui.client.portals.base import Capability
    from famille_tui.client.session import FamilySession
    from famille_tui.tui.app import FamilleApp

T = TypeVar("T")


def not_offered(capability: Capability) -> str:
    """« L'entourage : non proposé par ce portail. », for a section the portal lacks."""
    return capability.not_offered


class FamilleScreenMixin:
    """`self.famille`: the app, typed; `self.session`: its session."""

    @property
    def famille(self) -> FamilleApp:
        return cast("FamilleApp", cast(Screen[Any], self).app)

    @property
    def session(self) -> FamilySession:
        """The app's session (every screen but the first ones has one)."""
        session = self.famille.session
        if session is None:
            raise RuntimeError("no portal chosen yet")
        return session


def demo_outbox_hint(screen: FamilleScreenMixin) -> str:
    """On the demo portal, where « the e-mail » of a screen's explanation is: its outbox
    (the README's address is wrong when the demo had to take another port). Empty for a
    real portal."""
    session = screen.famille.session
    if session is None or not screen.famille.policy.demo_portal(session.base_url):
        return ""
    return (f"Démonstration : les e-mails du portail sont dans sa boîte d'envoi, "
            f"{session.base_url.rstrip('/')}/outbox")


class FamilySpaceScreen(FamilleScreenMixin, Screen[None]):
    """A screen of the family space. Subclasses set SECTION and implement `compose_body()`."""

    #: Shown at the left of the header: « Entourage », « Mes factures »…
    SECTION: ClassVar[str] = ""
    #: The mode name of the section (`famille_tui.tui.app.SECTIONS`), marked in the bar;
    #: by default the mode the screen was opened in.
    SECTION_MODE: ClassVar[str] = ""
    #: The header shows the family's next booking deadline (« Réservations »).
    HEADER_DEADLINE: ClassVar[bool] = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Actualiser", tooltip="Recharger depuis le portail"),
    ]

    def __init__(self) -> None:
        super().__init__()
        #: The session this screen shows (its family's data belong to it).
        self._session: FamilySession | None = None

    def compose(self) -> ComposeResult:
        yield FamilyHeader(self.SECTION, deadline=self.HEADER_DEADLINE)
        # Docked widgets on one edge overlap: the two bottom lines share one container.
        with Vertical(id="bottom-bar"):
            yield SectionBar(self.SECTION_MODE or self.app.current_mode)
            yield Footer(compact=True)
        yield from self.compose_body()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.watch(self.app, "session", self._session_watcher)

    def _session_watcher(self, session: FamilySession | None) -> None:
        if session is not self._session:
            if self._session is not None:
                # Another family, or none (kiosk: end of a session): nothing of the last
                # one stays in this screen, even if Textual keeps it alive a while.
                self.forget_family_data()
            self._session = session
        # A session not (or no longer) in the family space has nothing for these screens:
        # they are on their way out (a kiosk's next person, a session given up on).
        if session is not None and session.in_family_space:
            self.session_changed(session)

    def session_changed(self, session: FamilySession) -> None:
        """The session changed (any change): redraw what depends on it. Cheap by default."""

    def forget_family_data(self) -> None:
        """Drop every copy of the family's data this screen holds."""

    def action_reload(self) -> None:
        """Reload the screen's data; subclasses override `reload()`."""
        self.reload()

    def reload(self) -> None:
        pass

    async def fetch(self, loading: Widget, call: Callable[[], Awaitable[T]]) -> T | None:
        """A client call with `loading` showing its loading state; an error is reported
        (a French notification) and gives None."""
        restore = start_loading(loading)
        try:
            return await self.session.call(call)
        except FamilleError as error:
            self.famille.report_error(error)
            return None
        finally:
            stop_loading(loading, restore)


class FamilleModal(FamilleScreenMixin, ModalScreen[Any]):
    """A dialog: Escape closes it without an answer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler"),
    ]

    def action_cancel(self) -> None:
        self.dismiss(None)
