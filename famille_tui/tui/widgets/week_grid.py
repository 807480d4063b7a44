"""One child's week: services × days, each cell's state as a symbol and a word.

A `DataTable` with a cell cursor, small enough (5 services × 5 to 7 days) to be rebuilt for
each week in a few milliseconds. ← and → walk the days and, past Monday or Friday, go to the
week before or after (`WeekGrid.WeekStep`); the screen owns the data and the pending changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from famille_tui.api import ChangeAction, ChildReservations, Service, Slot, SlotState
from famille_tui.client.reservations import (
    STATE_WORDS,
    PendingChanges,
    short_day,
    state_words,
)

#: The rows' names: short, so that the service and five days fit 80 columns (a wider table
#: would scroll sideways to follow the cursor, hiding the names).
GRID_NAMES: dict[Service, str] = {
    Service.GARDERIE_MATIN: "Garderie matin",
    Service.CANTINE: "Cantine",
    Service.GARDERIE_SOIR: "Garderie soir",
    Service.MERCREDI: "Mercredi",
    Service.VACANCES: "Vacances",
}
#: A pending change shows what it will do, marked, until « Valider ».
PENDING_WORDS = {ChangeAction.BOOK: "+ réserver", ChangeAction.CANCEL: "− annuler",
                 ChangeAction.WAIT: "+ attente"}
#: Colour adds to the symbol and the word, never replaces them.
STATE_STYLES = {SlotState.BOOKED: "bold", SlotState.PRESENT: "", SlotState.FULL: "italic",
                SlotState.WAITING_LIST: "italic", SlotState.CLOSED: "dim",
                SlotState.PUBLIC_HOLIDAY: "dim", SlotState.NOT_OFFERED: "dim"}


def cell_text(slot: Slot, *, past: bool, pending: ChangeAction | None) -> Text:
    if pending is not None:
        return Text(PENDING_WORDS[pending], style="bold reverse")
    if slot.state is SlotState.NOT_OFFERED:
        return Text("–", style="dim")
    words = STATE_WORDS[slot.state]
    word = state_words(slot, past=past)
    if slot.state is SlotState.WAITING_LIST:
        word = "attente"  # its place in the list: in the line under the grid
    elif slot.state is SlotState.PUBLIC_HOLIDAY:
        word = words.word  # « férié »: the column stays narrow
    elif slot.state is SlotState.NOT_BOOKED and word == "non réservé":
        word = "non rés."
    elif slot.can_book and slot.places_left is not None and slot.places_left <= 3:
        word = f"{slot.places_left} place{'s' if slot.places_left > 1 else ''}"
    return Text(f"{words.symbol} {word}", style=STATE_STYLES.get(slot.state, ""))


class WeekGrid(DataTable[Text]):
    """The grid of one child and one week (`show`)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_day", "Réserver/annuler", tooltip="Ajouter ou retirer ce jour "
                "des changements à valider"),
    ]

    class WeekStep(Message):
        """← on the first day or → on the last: the week before (-1) or after (+1)."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    class Toggled(Message):
        """Espace on a cell."""

        def __init__(self, service: Service, day: date) -> None:
            super().__init__()
            self.service = service
            self.day = day

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="cell", zebra_stripes=False, show_cursor=True)
        self.services: list[Service] = []
        self.days: list[date] = []

    def show(self, child: ChildReservations, days: Sequence[date], today: date,
             pending: PendingChanges, *, column: int | None = None,
             row: int | None = None) -> None:
        """Rebuild the grid; the cursor stays on the same cell unless told where."""
        keep_row, keep_column = self.cursor_coordinate
        self.clear(columns=True)
        self.services = list(child.services)
        self.days = list(days)
        by_day = {d.date: d for d in child.days}
        self.add_column("", key="service")
        for day in self.days:
            self.add_column(short_day(day), key=day.isoformat())
        for index, service in enumerate(self.services):
            cells: list[Text] = [Text(GRID_NAMES[service], style="bold")]
            for day in self.days:
                slots = by_day[day].slots if day in by_day else []
                slot = slots[index] if index < len(slots) else None
                if slot is None:
                    cells.append(Text("–", style="dim"))
                    continue
                change = pending.get(child.child_id, service, day)
                cells.append(cell_text(slot, past=day < today,
                                       pending=change.action if change else None))
            self.add_row(*cells, key=service.value)
        # A grid rebuilt narrower than the last one must not stay scrolled sideways.
        self.scroll_to(x=0, animate=False)
        target_row = row if row is not None else keep_row
        target_column = column if column is not None else max(1, keep_column)
        if self.row_count:
            self.move_cursor(row=min(target_row, self.row_count - 1),
                             column=min(max(1, target_column), len(self.days)),
                             animate=False)

    def focused_cell(self) -> tuple[Service, date] | None:
        row, column = self.cursor_coordinate
        if not self.services or column < 1 or column > len(self.days):
            return None
        return self.services[min(row, len(self.services) - 1)], self.days[column - 1]

    # The first column holds the services' names: the cursor never stops on it.
    def action_cursor_left(self) -> None:
        if self.cursor_coordinate.column <= 1:
            self.post_message(self.WeekStep(-1))
            return
        super().action_cursor_left()

    def action_cursor_right(self) -> None:
        if self.cursor_coordinate.column >= len(self.days):
            self.post_message(self.WeekStep(1))
            return
        super().action_cursor_right()

    def action_toggle_day(self) -> None:
        cell = self.focused_cell()
        if cell is not None:
            self.post_message(self.Toggled(*cell))
