"""« Mon tableau de bord »: messages to read, requests history, upcoming events, news.

Opening a message shows it whole and marks it read on the portal (`mark_message_read`);
« Répondre » there answers it (`reply_to_message`).
Every status is a word with a symbol, never a colour alone.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from famille_tui.api import Dashboard, Message
from famille_tui.client.display import shown
from famille_tui.client.errors import FamilleError
from famille_tui.client.portals.base import Capability
from famille_tui.tui.screens.base import FamilySpaceScreen, not_offered
from famille_tui.tui.screens.family import french_date

UNREAD = "● Non lu"
READ = "✓ Lu"


def request_status(status: str) -> str:
    """« Acceptée » → « ✓ Acceptée »: a symbol beside the word, for a quick scan."""
    lowered = status.lower()
    if lowered.startswith("accept") or lowered.startswith("valid"):
        return f"✓ {status}"
    if lowered.startswith("refus"):
        return f"✗ {status}"
    return f"… {status}"


def messages_label(unread: int) -> str:
    return f"Échanges à lire ({unread})" if unread else "Échanges à lire"


class DashboardScreen(FamilySpaceScreen):
    """Key 3."""

    SECTION = "Tableau de bord"

    BINDINGS: ClassVar[list[BindingType]] = [
        # Shown in the footer: Tab only moves the focus inside the pane, Shift+Tab reached
        # the tab bar, which no parent finds by guessing.
        Binding("m", "tab('messages')", "Échanges", tooltip="Onglet « Échanges à lire »"),
        Binding("h", "tab('requests')", "Demandes", tooltip="Onglet « Demandes »"),
        Binding("v", "tab('events')", "Évènements", tooltip="Onglet « Évènements »"),
        Binding("n", "tab('news')", "Actualités", tooltip="Onglet « Actualités »"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.dashboard: Dashboard | None = None
        self.messages: list[Message] = []

    def compose_body(self) -> ComposeResult:
        with TabbedContent(id="dashboard-tabs", initial="messages"):
            with TabPane("Échanges à lire", id="messages"):
                yield DataTable(id="messages-table", cursor_type="row", zebra_stripes=True)
                yield Static("Entrée : lire le message (il sera marqué comme lu).",
                             classes="hint")
            with TabPane("Demandes", id="requests"):
                yield DataTable(id="requests-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Évènements", id="events"):
                yield DataTable(id="events-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Actualités", id="news"), VerticalScroll(id="news-list"):
                yield Static("", id="news-body")

    def on_mount(self) -> None:
        # The subject before the sender: at 80 columns the structure's long name (« Service
        # Familles – restauration scolaire et crèche ») left one letter of the subject.
        self.query_one("#messages-table", DataTable).add_columns("État", "Date", "Objet", "De")
        self.query_one("#requests-table", DataTable).add_columns("Date", "Demande", "État")
        self.query_one("#events-table", DataTable).add_columns("Date", "Évènement", "Lieu")
        if not self.session.offers(Capability.DASHBOARD):
            self.query_one("#news-body", Static).update(not_offered(Capability.DASHBOARD))
            self.query_one("#messages-table", DataTable).add_row(
                "", "", not_offered(Capability.DASHBOARD), "")
            return
        self.reload()

    def action_tab(self, pane: str) -> None:
        self.query_one(TabbedContent).active = pane

    def reload(self) -> None:
        if self.session.offers(Capability.DASHBOARD):
            self._load()

    def forget_family_data(self) -> None:
        self.dashboard = None
        self.messages = []
        for table in self.query(DataTable):
            table.clear()
        self.query_one("#news-body", Static).update("")

    @work(exclusive=True, group="dashboard")
    async def _load(self) -> None:
        dashboard = await self.fetch(self.query_one(TabbedContent),
                                     self.session.connector.dashboard)
        if dashboard is None:
            return
        self.show(dashboard)

    def show(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        self.messages = list(dashboard.messages)
        self._show_messages()
        requests = self.query_one("#requests-table", DataTable)
        requests.clear()
        for item in dashboard.requests:
            requests.add_row(french_date(item.date), shown(item.label),
                             shown(request_status(item.status)))
        if not dashboard.requests:
            requests.add_row("", "Aucune demande", "")
        events = self.query_one("#events-table", DataTable)
        events.clear()
        for event in dashboard.events:
            events.add_row(french_date(event.date), shown(event.title), shown(event.place or "—"))
        if not dashboard.events:
            events.add_row("", "Aucun évènement à venir", "")
        news: list[object] = []
        for article in dashboard.news:
            if news:
                news.append("\n\n")
            news += [(article.title, "bold"), f" — {french_date(article.published)}\n",
                     article.body]
        self.query_one("#news-body", Static).update(shown(*news) if news
                                                    else "Aucune actualité.")
        if self.query_one(TabbedContent).active == "messages":
            self.query_one("#messages-table", DataTable).focus()

    def _show_messages(self) -> None:
        table = self.query_one("#messages-table", DataTable)
        row = table.cursor_row
        table.clear()
        for message in self.messages:
            table.add_row(READ if message.read else UNREAD,
                          french_date(message.sent_at.date()), shown(message.subject),
                          shown(message.sender), key=str(message.id))
        if self.messages:
            table.move_cursor(row=max(0, min(row, len(self.messages) - 1)))
        else:
            table.add_row("", "", "Aucun message", "")  # Entrée on it opens nothing
        unread = sum(1 for m in self.messages if not m.read)
        self.query_one(TabbedContent).get_tab("messages").label = messages_label(unread)

    @on(DataTable.RowSelected, "#messages-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        from famille_tui.tui.screens.message import MessageScreen

        index = event.cursor_row
        if not 0 <= index < len(self.messages):
            return
        message = self.messages[index]
        self.app.push_screen(MessageScreen(message), self._message_closed)
        if not message.read:
            self._mark_read(message)

    def _message_closed(self, message: Message | None) -> None:
        """The message as its screen leaves it: the replies sent from it are kept here."""
        if message is None:
            return
        self.messages = [
            m.model_copy(update={"replies": message.replies}) if m.id == message.id else m
            for m in self.messages]

    @work(group="mark-read")
    async def _mark_read(self, message: Message) -> None:
        session = self.session
        if not session.offers(Capability.MESSAGE_READ):
            return  # read here; the portal keeps it unread (it cannot be told)
        try:
            updated = await session.call(lambda: session.connector.mark_message_read(message.id))
        except FamilleError as error:
            self.famille.report_error(error)
            return
        self.messages = [updated if m.id == updated.id else m for m in self.messages]
        self._show_messages()
