"""The header of every family-space screen: commune, family name, total « Reste à payer »;
in « Réservations », the family's next booking deadline in place of the commune (and, under
110 columns, of the family name and the total, which that screen does not need)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.events import Resize
from textual.widgets import Static

from famille_tui.client.display import shown

if TYPE_CHECKING:
    from rich.text import Text

    from famille_tui.client.session import FamilySession
    from famille_tui.tui.app import FamilleApp


class FamilyHeader(Horizontal):
    """One line, kept up to date from the app's session (its family and « Reste à payer »)."""

    DEFAULT_CSS = """
    FamilyHeader { dock: top; height: 1; background: $primary; color: $text; }
    FamilyHeader > #header-where { width: 1fr; padding: 0 1; text-wrap: nowrap;
                                   text-overflow: ellipsis; }
    FamilyHeader > #header-family { width: auto; padding: 0 1; text-style: bold; }
    FamilyHeader > #header-remaining { width: auto; padding: 0 1; text-style: bold; }
    FamilyHeader.-deadline > #header-where { text-style: bold; }
    FamilyHeader.-deadline.-narrow > #header-family { display: none; }
    FamilyHeader.-deadline.-narrow > #header-remaining { display: none; }
    """

    def __init__(self, section: str = "", *, deadline: bool = False) -> None:
        super().__init__(classes="-deadline" if deadline else "")
        self.section = section
        self.deadline = deadline
        self._shown: tuple[str, int | None, str] | None = None

    def compose(self) -> ComposeResult:
        yield Static(self._where(), id="header-where")
        yield Static("", id="header-family")
        yield Static("", id="header-remaining")

    @property
    def famille(self) -> FamilleApp:
        return cast("FamilleApp", self.app)

    def _where(self) -> Text:
        # The section is marked in the section bar; the header says where and for whom.
        return shown(self.famille.commune_name or "Espace famille")

    def on_mount(self) -> None:
        self.watch(self.famille, "session", self._show)

    def on_resize(self, event: Resize) -> None:
        if self.deadline and self.has_class("-narrow") != (event.size.width < 110):
            self.set_class(event.size.width < 110, "-narrow")

    def _deadline_text(self, session: FamilySession | None) -> str:
        if not self.deadline or session is None:
            return ""
        deadline, now = session.next_deadline, session.portal_now
        if deadline is None or now is None:
            return "Prochaine échéance : …" if now is None else "Aucune échéance à venir"
        from famille_tui.client.reservations import header_deadline_words

        return "Prochaine échéance : " + header_deadline_words(deadline, now)

    def _show(self, session: FamilySession | None) -> None:
        name = session.family_name if session is not None else ""
        cents = session.remaining_cents if session is not None else None
        deadline = self._deadline_text(session)
        if self._shown == (name, cents, deadline):
            return  # most changes of the session are not the header's
        self._shown = (name, cents, deadline)
        if self.deadline:
            self.query_one("#header-where", Static).update(shown(deadline))
        # Imported here: `famille_tui.api` loads pydantic and every model, which the login
        # screen (through `screens.base`) must not wait for.
        from famille_tui.api.money import format_euros

        self.query_one("#header-family", Static).update(shown(name))
        amount = "…" if cents is None else format_euros(cents)
        self.query_one("#header-remaining", Static).update(f"Reste à payer : {amount}")
