"""The table of « Mes factures », with a tick column for the invoices to pay.

The columns a parent needs to decide come first (tick, due date, number, « Reste à payer »,
status), so that they fit in 80 columns; label, amount, children and period follow (the
detail pane under the table shows them all for the invoice under the cursor).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from famille_tui.api import Invoice, InvoiceStatus
from famille_tui.api.money import format_euros
from famille_tui.tui.widgets.invoice_rows import (
    NOT_TICKABLE,
    TICKED,
    UNTICKED,
    format_date,
    format_period,
    is_overdue,
    is_tickable,
    status_words,
)

#: (key, heading) of every column, in order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("tick", "Payer"),
    ("due", "Échéance"),
    ("number", "N°"),
    ("remaining", "Reste à payer"),
    ("status", "État"),
    ("label", "Libellé"),
    ("amount", "Montant"),
    ("children", "Enfants"),
    ("period", "Période"),
)
#: Long labels are cut to keep the other columns in reach (the detail pane has them in full).
LABEL_WIDTH = 30


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class InvoiceTable(DataTable[str | Text]):
    """Rows keyed by the invoice id (as a string); the cursor is a whole row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_tick", "Cocher", tooltip="Cocher ou décocher la facture"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.tooltip = "Vos factures : Espace pour cocher, p pour payer les factures cochées"

    def on_mount(self) -> None:
        for key, heading in COLUMNS:
            self.add_column(heading, key=key)

    def show(self, invoices: Sequence[Invoice], ticked: Collection[int], today: date) -> None:
        """Replace the rows, keeping the cursor on the same invoice when it is still there."""
        current = self.current_id()
        self.clear()
        for invoice in invoices:
            self.add_row(*self._cells(invoice, ticked, today), key=str(invoice.id))
        if current is not None:
            ids = [invoice.id for invoice in invoices]
            if current in ids:
                self.move_cursor(row=ids.index(current), animate=False)

    def _cells(self, invoice: Invoice, ticked: Collection[int], today: date) -> list[str | Text]:
        style = ""
        if is_overdue(invoice, today):
            style = "bold"
        elif invoice.status is InvoiceStatus.REGLEE:
            style = "dim"
        return [
            self.tick_mark(invoice, ticked),
            format_date(invoice.due_date),
            invoice.number,
            Text(format_euros(invoice.remaining_cents), justify="right"),
            Text(status_words(invoice, today), style=style),
            _cut(invoice.label, LABEL_WIDTH),
            Text(format_euros(invoice.amount_cents), justify="right"),
            ", ".join(invoice.children),
            format_period(invoice),
        ]

    @staticmethod
    def tick_mark(invoice: Invoice, ticked: Collection[int]) -> Text:
        # Text, not str: the table would read « [x] » as console markup.
        if not is_tickable(invoice):
            return Text(NOT_TICKABLE)
        return Text(TICKED, style="bold") if invoice.id in ticked else Text(UNTICKED)

    def set_tick(self, invoice: Invoice, ticked: Collection[int]) -> None:
        self.update_cell(str(invoice.id), "tick", self.tick_mark(invoice, ticked))

    def current_id(self) -> int | None:
        """The id of the invoice under the cursor."""
        if self.row_count == 0:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except Exception:
            return None
        return int(row_key.value) if row_key.value is not None else None

    def action_toggle_tick(self) -> None:
        """Handled by the screen, which owns the selection."""
        self.post_message(self.ToggleTick(self.current_id()))

    class ToggleTick(Message):
        """Space on a row: tick or untick the invoice `invoice_id`."""

        def __init__(self, invoice_id: int | None) -> None:
            super().__init__()
            self.invoice_id = invoice_id
