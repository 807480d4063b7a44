"""The table of « Mes factures », with a tick column for the invoices to pay.

The columns a parent needs to decide come first (tick, due date, number, « Reste à payer »,
status), so that they fit in 80 columns; label, amount, children and period follow (the
detail pane under the table shows them all for the invoice under the cursor).

A family may have thousands of invoices, and each filter switch shows them again: the cells
of each invoice are built once (plain `Text`, never parsed as markup) and kept with their
widths, and the table widens its columns from those widths instead of measuring every cell
of every new row through Rich (≈ 20 µs a cell, 0.5 s for 5 000 invoices).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from famille_tui.api import Invoice, InvoiceStatus
from famille_tui.api.money import format_euros
from famille_tui.client.display import plain
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


def _plain(text: str) -> Text:
    """A cell of text as DataTable would make it of a `str`, without reading it as markup
    (« [x] » or a label with brackets is shown as written)."""
    return Text(plain(text), no_wrap=True, end="")


class _Row:
    """The cells of one invoice, their widths, and what they were built from."""

    __slots__ = ("cells", "invoice", "ticked", "today", "widths")

    def __init__(self, invoice: Invoice, ticked: bool, today: date, cells: list[Text]) -> None:
        self.invoice = invoice
        self.ticked = ticked
        self.today = today
        self.cells = cells
        self.widths = [cell_len(cell.plain) for cell in cells]


class InvoiceTable(DataTable[Text]):
    """Rows keyed by the invoice id (as a string); the cursor is a whole row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_tick", "Cocher", tooltip="Cocher ou décocher la facture"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.tooltip = "Vos factures : Espace pour cocher, p pour payer les factures cochées"
        #: Invoice id → its row as last built (reused while the invoice, its tick and the
        #: day are the same: a filter switch builds nothing).
        self._rows: dict[int, _Row] = {}

    def forget(self) -> None:
        """Drop every row and the invoices they were built from (kiosk: end of a session)."""
        self.clear()
        self._rows.clear()

    def on_mount(self) -> None:
        for key, heading in COLUMNS:
            self.add_column(heading, key=key)

    def show(self, invoices: Sequence[Invoice], ticked: Collection[int], today: date) -> None:
        """Replace the rows, keeping the cursor on the same invoice when it is still there."""
        current = self.current_id()
        # A reload brings new Invoice objects: their rows are built again, in place.
        rows = [self._row(invoice, invoice.id in ticked, today) for invoice in invoices]
        self.clear()
        for row in rows:
            self.add_row(*row.cells, key=str(row.invoice.id))
        if current is not None:
            ids = [invoice.id for invoice in invoices]
            if current in ids:
                self.move_cursor(row=ids.index(current), animate=False)

    def _row(self, invoice: Invoice, ticked: bool, today: date) -> _Row:
        row = self._rows.get(invoice.id)
        if row is None or row.invoice is not invoice or row.ticked != ticked \
                or row.today != today:
            row = _Row(invoice, ticked, today, self._cells(invoice, ticked, today))
            self._rows[invoice.id] = row
        return row

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # DataTable measures every cell of every new row through Rich to size its columns;
        # the widths of these cells are known already (`_Row.widths`). Rows this table did
        # not build (none today) are left to DataTable's own measure.
        others: list[RowKey] = []
        columns = self.ordered_columns
        for row_key in new_rows:
            row = self._rows.get(int(row_key.value)) if row_key.value else None
            if row is None or row_key not in self.rows:
                others.append(row_key)
                continue
            for column, width in zip(columns, row.widths, strict=False):
                if width > column.content_width:
                    column.content_width = width
        super()._update_dimensions(others)

    def _cells(self, invoice: Invoice, ticked: bool, today: date) -> list[Text]:
        style = ""
        if is_overdue(invoice, today):
            style = "bold"
        elif invoice.status is InvoiceStatus.REGLEE:
            style = "dim"
        return [
            self.tick_mark(invoice, {invoice.id} if ticked else ()),
            _plain(format_date(invoice.due_date)),
            _plain(invoice.number),
            Text(format_euros(invoice.remaining_cents), justify="right"),
            Text(status_words(invoice, today), style=style),
            _plain(_cut(invoice.label, LABEL_WIDTH)),
            Text(format_euros(invoice.amount_cents), justify="right"),
            _plain(", ".join(invoice.children)),
            _plain(format_period(invoice)),
        ]

    @staticmethod
    def tick_mark(invoice: Invoice, ticked: Collection[int]) -> Text:
        # Text, not str: the table would read « [x] » as console markup.
        if not is_tickable(invoice):
            return Text(NOT_TICKABLE)
        return Text(TICKED, style="bold") if invoice.id in ticked else Text(UNTICKED)

    def set_tick(self, invoice: Invoice, ticked: Collection[int]) -> None:
        mark = self.tick_mark(invoice, ticked)
        row = self._rows.get(invoice.id)
        if row is not None and row.invoice is invoice:
            row.ticked = invoice.id in ticked
            row.cells[0] = mark
        self.update_cell(str(invoice.id), "tick", mark)

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
