"""The table of « Mes factures », with a tick column for the invoices to pay.

The columns a parent needs to decide come first (tick, due date, number, « Reste à payer »,
status), so that they fit in 80 columns; label, amount, children and period follow (the
detail pane under the table shows them all for the invoice under the cursor).

A family may have thousands of invoices (5 000 in the bench), and each filter switch shows
them again. The table is a line-API widget (Textual's `ScrollView` with `render_line`, as
Textual's own `DataTable` is): it keeps the list of invoices it was given and draws only the
lines on screen, each cell built from its invoice when its line is drawn (plain `Text`, never
parsed as markup). A `DataTable` held a row object, a key and nine cells per invoice: 5 000
invoices took ≈ 0.7 s to add and tens of MiB. What a whole list still costs is the width of
each column, measured once per list from the strings the cells show (`_measure`).

It looks and answers like the `DataTable` it replaces (same styles, row cursor, hover,
Entrée, ↑ ↓, Page ↑ ↓, Ctrl+Début/Fin, Début/Fin and ← → scroll sideways, a click moves the
cursor and a click on the cursor's row selects it), so that the screens and their snapshots
did not change; its own messages are `Highlighted`, `Selected` and `ToggleTick`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import ClassVar

from rich.cells import cell_len
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.renderables.styled import Styled
from textual.scroll_view import ScrollView
from textual.strip import Strip

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
#: Spaces on each side of a cell (DataTable's `cell_padding`).
PADDING = 1
#: The heading's line (fixed at the top: the rows scroll under it).
HEADER_HEIGHT = 1


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _plain(text: str) -> Text:
    """A cell of text as DataTable made it of a `str`, without reading it as markup
    (« [x] » or a label with brackets is shown as written)."""
    return Text(plain(text), no_wrap=True, end="")


def _euros_width(cents: Sequence[int]) -> int:
    # « 1 234,56 € » is no narrower for a larger amount, a minus sign adds one: the widest
    # of a list is its largest or its smallest amount.
    return max(cell_len(format_euros(max(cents))), cell_len(format_euros(min(cents))))


def _cells(invoice: Invoice, ticked: bool, today: date) -> list[Text]:
    style = ""
    if is_overdue(invoice, today):
        style = "bold"
    elif invoice.status is InvoiceStatus.REGLEE:
        style = "dim"
    return [
        InvoiceTable.tick_mark(invoice, {invoice.id} if ticked else ()),
        _plain(format_date(invoice.due_date)),
        _plain(invoice.number),
        Text(format_euros(invoice.remaining_cents), justify="right"),
        Text(status_words(invoice, today), style=style),
        _plain(_cut(invoice.label, LABEL_WIDTH)),
        Text(format_euros(invoice.amount_cents), justify="right"),
        _plain(", ".join(invoice.children)),
        _plain(format_period(invoice)),
    ]


class InvoiceTable(ScrollView, can_focus=True):
    """The invoices given to `show`, one line each under the headings; the cursor is a
    whole row."""

    ALLOW_SELECT = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("right", "scroll_sideways(1)", "Scroll right", show=False),
        Binding("left", "scroll_sideways(-1)", "Scroll left", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("ctrl+home", "cursor_top", "Top", show=False),
        Binding("ctrl+end", "cursor_bottom", "Bottom", show=False),
        Binding("home", "scroll_home", "Home", show=False),
        Binding("end", "scroll_end", "End", show=False),
        Binding("space", "toggle_tick", "Cocher", tooltip="Cocher ou décocher la facture"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "invoice-table--cursor",
        "invoice-table--hover",
        "invoice-table--header",
        "invoice-table--header-hover",
    }

    # DataTable's own styles (Textual 8.2.8), for the parts this table has, and the app's
    # rules for tables (app.tcss): the same look, in both themes.
    DEFAULT_CSS = """
    InvoiceTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        border: tall $border-blurred;

        &:focus {
            border: heavy $accent;
            background-tint: $foreground 5%;
            & > .invoice-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .invoice-table--header {
                background-tint: $foreground 5%;
            }
        }
        & > .invoice-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .invoice-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .invoice-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .invoice-table--header-hover {
            background: $accent 30%;
        }
        & > .invoice-table--hover {
            background: $block-hover-background;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tooltip = "Vos factures : Espace pour cocher, p pour payer les factures cochées"
        self._invoices: Sequence[Invoice] = ()
        self._ticked: set[int] = set()
        self._today = date.min
        self._headings = [Text(heading) for _, heading in COLUMNS]
        #: Content width of each column: its heading's, then the widest cell of every list
        #: shown since (never narrower: a filter switch does not make the columns jump).
        self._widths = [cell_len(heading.plain) for heading in self._headings]
        self._cursor = 0
        self._hover = 0
        self._show_hover = False
        #: Bumped whenever what a line shows may have changed (a new list, the styles).
        self._generation = 0
        self._lines: LRUCache[tuple[object, ...], Strip] = LRUCache(256)
        self._pseudo_classes: object = None
        self._base_style: Style | None = None

    # -- what the screen gives and asks ---------------------------------------------------

    def forget(self) -> None:
        """Drop the invoices (kiosk: end of a session)."""
        self._invoices = ()
        self._ticked = set()
        self._changed()
        self._cursor = self._hover = 0
        self.virtual_size = Size(self._row_width, HEADER_HEIGHT)

    def on_unmount(self) -> None:
        # A removed screen may outlive its widgets' removal a while (Textual keeps a watcher
        # of `app.session` with its screen): its invoices need not stay with it.
        self._invoices = ()
        self._ticked = set()
        self._lines.clear()

    def show(self, invoices: Sequence[Invoice], ticked: Collection[int], today: date) -> None:
        """Replace the rows, keeping the cursor on the same invoice when it is still there."""
        current = self.current_id()
        self._invoices = list(invoices)
        self._ticked = set(ticked)
        self._today = today
        self._measure()
        self._changed()
        # As DataTable.clear: back to the top-left, the cursor on the first row…
        self._cursor = self._hover = 0
        self.scroll_x = self.scroll_y = 0
        self.scroll_target_x = self.scroll_target_y = 0
        self.virtual_size = Size(self._row_width, len(self._invoices) + HEADER_HEIGHT)
        if current is not None:
            ids = [invoice.id for invoice in self._invoices]
            if current in ids:
                # …then on the same invoice, scrolled to once the new size is laid out.
                self._cursor = ids.index(current)
                self.call_after_refresh(self._scroll_cursor_into_view)
        if self._invoices:
            self.post_message(self.Highlighted(self, self.current_id()))

    def set_tick(self, invoice: Invoice, ticked: Collection[int]) -> None:
        if invoice.id in ticked:
            self._ticked.add(invoice.id)
        else:
            self._ticked.discard(invoice.id)
        self.refresh()

    @staticmethod
    def tick_mark(invoice: Invoice, ticked: Collection[int]) -> Text:
        # Text, not str: « [x] » would be read as console markup.
        if not is_tickable(invoice):
            return Text(NOT_TICKABLE)
        return Text(TICKED, style="bold") if invoice.id in ticked else Text(UNTICKED)

    def current_id(self) -> int | None:
        """The id of the invoice under the cursor."""
        invoice = self.current_invoice()
        return invoice.id if invoice is not None else None

    def current_invoice(self) -> Invoice | None:
        if not self._invoices:
            return None
        return self._invoices[self._cursor]

    @property
    def row_count(self) -> int:
        return len(self._invoices)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    def get_row_at(self, row: int) -> list[Text]:
        """The cells of the row `row` (0 is the first invoice), as drawn."""
        invoice = self._invoices[row]
        return _cells(invoice, invoice.id in self._ticked, self._today)

    def get_row(self, key: str) -> list[Text]:
        """The cells of the invoice whose id is `key`, as drawn (DataTable's row keys)."""
        for row, invoice in enumerate(self._invoices):
            if str(invoice.id) == key:
                return self.get_row_at(row)
        raise KeyError(key)

    def move_cursor(self, *, row: int | None = None, animate: bool = False,
                    scroll: bool = True) -> None:
        """DataTable's: `scroll` (animated or not) first, then the cursor to `row`, which
        brings its row into view."""
        if row is None:
            return
        if scroll:
            self._scroll_cursor_into_view(animate=animate)
        self._move_to(row)

    # -- messages -------------------------------------------------------------------------

    class Highlighted(Message):
        """The cursor is on the invoice `invoice_id` (a move, or a new list)."""

        def __init__(self, table: InvoiceTable, invoice_id: int | None) -> None:
            super().__init__()
            self.table = table
            self.invoice_id = invoice_id

        @property
        def control(self) -> InvoiceTable:
            return self.table

    class Selected(Message):
        """Entrée on the invoice `invoice_id`, or a click on the cursor's row."""

        def __init__(self, table: InvoiceTable, invoice_id: int) -> None:
            super().__init__()
            self.table = table
            self.invoice_id = invoice_id

        @property
        def control(self) -> InvoiceTable:
            return self.table

    class ToggleTick(Message):
        """Space on a row: tick or untick the invoice `invoice_id`."""

        def __init__(self, invoice_id: int | None) -> None:
            super().__init__()
            self.invoice_id = invoice_id

    # -- the cursor -----------------------------------------------------------------------

    def _move_to(self, row: int) -> None:
        row = max(0, min(row, len(self._invoices) - 1))
        if row == self._cursor:
            return
        self._cursor = row
        self.refresh()
        self.post_message(self.Highlighted(self, self.current_id()))
        self._scroll_cursor_into_view()

    def _scroll_cursor_into_view(self, animate: bool = False) -> None:
        # DataTable's: the cursor's row, under the heading's line.
        region = Region(int(self.scroll_x), self._cursor + HEADER_HEIGHT,
                        max(self.size.width, self._row_width), 1)
        self.scroll_to_region(region, animate=animate, spacing=Spacing(HEADER_HEIGHT, 0, 0, 0),
                              force=True)

    def _set_hover(self, active: bool) -> None:
        if active != self._show_hover:
            self._show_hover = active
            self.refresh()

    def action_cursor_up(self) -> None:
        self._set_hover(False)
        self._move_to(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self._set_hover(False)
        self._move_to(self._cursor + 1)

    def action_cursor_top(self) -> None:
        self._set_hover(False)
        self._move_to(0)

    def action_cursor_bottom(self) -> None:
        self._set_hover(False)
        self._move_to(len(self._invoices) - 1)

    def action_page_down(self) -> None:
        # DataTable's page: as many rows as the lines under the heading, and the view too.
        self._set_hover(False)
        height = self.scrollable_content_region.height - HEADER_HEIGHT
        target = min(self._cursor + height, len(self._invoices) - 1)
        self.scroll_relative(y=height, animate=False, force=True)
        self.move_cursor(row=target, scroll=False)

    def action_page_up(self) -> None:
        self._set_hover(False)
        height = self.scrollable_content_region.height - HEADER_HEIGHT
        target = max(self._cursor - height, 0)
        self.scroll_relative(y=-height, animate=False)
        self.move_cursor(row=target, scroll=False)

    def action_scroll_home(self) -> None:
        """Début: the first column (the cursor stays on its row)."""
        self._set_hover(False)
        self.scroll_x = 0

    def action_scroll_end(self) -> None:
        """Fin: the last column."""
        self._set_hover(False)
        self.scroll_x = self.max_scroll_x

    def action_scroll_sideways(self, direction: int) -> None:
        self._set_hover(False)
        if direction > 0:
            self.action_scroll_right()
        else:
            self.action_scroll_left()

    def action_select_cursor(self) -> None:
        self._set_hover(False)
        invoice_id = self.current_id()
        if invoice_id is not None:
            self.post_message(self.Selected(self, invoice_id))

    def action_toggle_tick(self) -> None:
        """Handled by the screen, which owns the selection."""
        self.post_message(self.ToggleTick(self.current_id()))

    # -- the mouse ------------------------------------------------------------------------

    def on_mouse_move(self, event: events.MouseMove) -> None:
        # Each cell's segments say which row they draw (their style's meta), as DataTable's.
        meta = event.style.meta
        if "row" not in meta:
            self._set_hover(False)
            return
        self._set_hover(True)
        if meta["row"] != self._hover:
            self._hover = meta["row"]
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(False)

    def on_click(self, event: events.Click) -> None:
        self._set_hover(True)
        meta = event.style.meta
        if "row" not in meta or meta["row"] < 0:
            return  # the headings: no sorting, the list is in due-date order
        row = meta["row"]
        again = row == self._cursor
        self._move_to(row)
        if again:
            self.action_select_cursor()
        self._scroll_cursor_into_view(animate=True)
        event.stop()

    # -- drawing --------------------------------------------------------------------------

    @property
    def _row_width(self) -> int:
        return sum(width + 2 * PADDING for width in self._widths)

    def _measure(self) -> None:
        """Widen the columns to the widest cell of the list: what each cell shows, its
        width, computed for every invoice without making its cells."""
        invoices = self._invoices
        if not invoices:
            return
        today = self._today
        measured = [
            cell_len(TICKED),
            # A date's or a period's words depend on its dates only: each is worded once.
            max(cell_len(format_date(day)) for day in {i.due_date for i in invoices}),
            max(cell_len(plain(i.number)) for i in invoices),
            _euros_width([i.remaining_cents for i in invoices]),
            max(cell_len(words) for words in {status_words(i, today) for i in invoices}),
            max(cell_len(plain(_cut(i.label, LABEL_WIDTH))) for i in invoices),
            _euros_width([i.amount_cents for i in invoices]),
            max(cell_len(plain(", ".join(i.children))) for i in invoices),
            max(cell_len(format_period(i)) for i in
                {(i.period_start, i.period_end): i for i in invoices}.values()),
        ]
        self._widths = [max(old, new) for old, new in zip(self._widths, measured, strict=True)]

    def _changed(self) -> None:
        self._generation += 1
        self._lines.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._changed()

    def render_lines(self, crop: Region) -> list[Strip]:
        # Focus and hover change the styles of every line: part of each line's cache key.
        self._pseudo_classes = self.get_pseudo_class_state()
        # The same for every line of this frame (read through every ancestor's background).
        self._base_style = self.rich_style
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        row = y - HEADER_HEIGHT + scroll_y if y >= HEADER_HEIGHT else -1
        base_style = self._base_style or self.rich_style
        if row >= len(self._invoices):
            return Strip.blank(width, base_style)
        ticked = row >= 0 and self._invoices[row].id in self._ticked
        cursor = row == self._cursor
        hover = self._show_hover and row == self._hover
        key = (self._generation, row, ticked, cursor, hover, scroll_x, width, base_style,
               self._pseudo_classes)
        strip = self._lines.get(key)
        if strip is None:
            strip = self._draw(row, cursor=cursor, hover=hover, base_style=base_style)
            strip = strip.crop(scroll_x, scroll_x + width)
            strip = strip.adjust_cell_length(width, base_style).simplify()
            self._lines[key] = strip
        return strip

    def _draw(self, row: int, *, cursor: bool, hover: bool, base_style: Style,
              exact: bool = False) -> Strip:
        """One whole line (the headings at `row` -1), drawn as DataTable draws a row: each
        cell padded and styled, then the rest of the line in the row's style (`exact`: every
        cell through Rich, as DataTable does; tests compare the two)."""
        header = row < 0
        if header:
            cells = self._headings
            row_style = self.get_component_rich_style("invoice-table--header")
        else:
            invoice = self._invoices[row]
            cells = _cells(invoice, invoice.id in self._ticked, self._today)
            row_style = base_style
        component = Style()
        if hover:
            component += self.get_component_rich_style("invoice-table--hover")
            if header:
                component += self.get_component_rich_style("invoice-table--header-hover")
        if cursor:
            component += self.get_component_rich_style("invoice-table--cursor")
        # The cursor's colour wins over a cell's own (DataTable's foreground priority
        # « css »); a cell's own background would win over the cursor's (none has one).
        post_style = Style.from_color(color=component.color)
        segments: list[Segment] = []
        for column, (cell, content_width) in enumerate(zip(cells, self._widths, strict=True)):
            pre_style = row_style + Style.from_meta({"row": row, "column": column}) + component
            drawn = None if exact else self._quick_cell(cell, content_width, pre_style,
                                                         post_style)
            segments += drawn if drawn is not None else self._rich_cell(
                cell, content_width, pre_style, post_style)
        rest = max(0, self.size.width - self._row_width)
        rest_style = row_style + component + Style.from_meta(
            {"row": row, "column": 0, "out_of_bounds": True})
        segments.append(Segment(" " * rest, rest_style))
        return Strip(segments)

    def _rich_cell(self, cell: Text, content_width: int, pre_style: Style,
                   post_style: Style) -> list[Segment]:
        """A cell as DataTable renders it: Rich pads and styles it (≈ 0.1 ms a cell)."""
        options = self.app.console_options.update_dimensions(content_width + 2 * PADDING, 1)
        lines = self.app.console.render_lines(
            Styled(Padding(cell, (0, PADDING)), pre_style=pre_style, post_style=post_style),
            options.update(no_wrap=True),
        )
        return lines[0]

    def _quick_cell(self, cell: Text, content_width: int, pre_style: Style,
                    post_style: Style) -> list[Segment] | None:
        """The segments `_rich_cell` makes of a one-line cell of one style, made directly;
        None for any other cell (a tab, a new line, spans, wider than its column)."""
        text = cell.plain
        width = cell_len(text)
        if cell.spans or width > content_width or "\n" in text or "\t" in text \
                or cell.justify not in (None, "default", "right"):
            return None
        pad_style = pre_style + post_style
        own = self.app.console.get_style(cell.style) if cell.style else None
        text_style = pre_style + own + post_style if own else pad_style
        fill = content_width - width
        edge = Segment(" " * PADDING, pad_style)
        if cell.justify == "right":
            # Rich pads a right-justified Text inside its own style.
            return [edge, Segment(" " * fill + text, text_style), edge]
        segments = [edge, Segment(text, text_style)]
        if fill:
            segments.append(Segment(" " * fill, pad_style))
        segments.append(edge)
        return segments
