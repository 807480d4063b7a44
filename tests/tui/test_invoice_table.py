"""« Mes factures »'s line-API table on its own (issue 18): it draws what DataTable drew, the
lines only, and answers the keys and the mouse as DataTable did. The screen and the portal
are tested through it in test_payment_flow.py and the snapshots."""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult

from famille_tui.api import Invoice, InvoiceStatus
from famille_tui.api.money import format_euros
from famille_tui.tui.widgets.invoice_table import InvoiceTable

TODAY = date(2026, 11, 16)


def invoice(number: int, **changes: Any) -> Invoice:
    data: dict[str, Any] = {
        "id": number,
        "number": f"2026{number:06d}",
        "label": "Crèche Les Pirouettes – octobre 2026",
        "service": "Crèche",
        "children": ["Léa", "Hugo"],
        "period_start": date(2026, 10, 1),
        "period_end": date(2026, 10, 31),
        "issue_date": date(2026, 11, 4),
        "due_date": date(2026, 11, 30),
        "amount_cents": 31240,
        "paid_cents": 0,
        "remaining_cents": 31240,
        "status": InvoiceStatus.A_PAYER,
        "payable_online": True,
    }
    data.update(changes)
    return Invoice(**data)


#: Every kind of line: overdue (bold), paid (dim), not payable, a payment in progress, a
#: label read as markup if it could be, a new line and a tab (drawn through Rich), no child,
#: a period over two months, a wide character, then enough rows to scroll.
INVOICES = [
    invoice(1, due_date=date(2026, 10, 15)),
    invoice(2, status=InvoiceStatus.REGLEE, paid_cents=31240, remaining_cents=0),
    invoice(3, payable_online=False, not_payable_reason="Payable à l'accueil"),
    invoice(4, status=InvoiceStatus.EN_COURS),
    invoice(5, label="[bold]Cantine[/bold] [x] [@click=app.quit]"),
    invoice(6, label="Cantine\nseconde ligne", children=[]),
    invoice(7, label="Garderie\tdu soir", period_end=date(2026, 11, 15)),
    invoice(8, label="Séjour 日本", amount_cents=123456789, remaining_cents=5),
    *(invoice(n, due_date=date(2026, 12, 1)) for n in range(9, 80)),
]


class TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[tuple[str, int | None]] = []

    def compose(self) -> ComposeResult:
        yield InvoiceTable(id="invoice-table")

    def on_mount(self) -> None:
        table = self.query_one(InvoiceTable)
        table.show(INVOICES, {1, 9}, TODAY)
        table.focus()

    def on_invoice_table_highlighted(self, event: InvoiceTable.Highlighted) -> None:
        self.messages.append(("highlighted", event.invoice_id))

    def on_invoice_table_selected(self, event: InvoiceTable.Selected) -> None:
        self.messages.append(("selected", event.invoice_id))

    def on_invoice_table_toggle_tick(self, event: InvoiceTable.ToggleTick) -> None:
        self.messages.append(("toggle", event.invoice_id))


def segments(strip: Any) -> list[Segment]:
    return list(strip.simplify())


async def test_each_line_is_drawn_as_rich_draws_it() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(InvoiceTable)
        await pilot.pause()
        style = table.rich_style
        for row in range(-1, len(INVOICES)):
            for cursor, hover in ((False, False), (True, False), (False, True), (True, True)):
                quick = table._draw(row, cursor=cursor, hover=hover, base_style=style)
                exact = table._draw(row, cursor=cursor, hover=hover, base_style=style,
                                    exact=True)
                assert segments(quick) == segments(exact), (row, cursor, hover)
        # The direct way is the one taken, but for what only Rich draws right.
        quick_cell = table._quick_cell
        assert quick_cell(Text("Léa"), 7, style, Style()) is not None
        assert quick_cell(Text("312,40 €", justify="right"), 9, style, Style()) is not None
        assert quick_cell(Text("a\nb"), 7, style, Style()) is None
        assert quick_cell(Text("a\tb"), 7, style, Style()) is None


async def test_only_the_lines_on_screen_are_drawn_and_text_is_data() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(InvoiceTable)
        await pilot.pause()
        assert table.row_count == len(INVOICES)
        assert table.virtual_size.height == len(INVOICES) + 1  # the headings' line
        shown = app.export_screenshot()
        # Cut at 30 characters, read as written.
        assert "[bold]Cantine[/bold] [x] [@cl…" in " ".join(
            str(cell) for cell in table.get_row(str(5)))
        assert "[bold]Cantine[/bold]" in shown
        assert "Payer" in shown and "Échéance" in shown and "2026000001" in shown
        assert "2026000079" not in shown  # below the fold: not drawn
        assert [str(c) for c in table.get_row_at(0)][:5] == [
            "[x]", "15/10/2026", "2026000001", format_euros(31240), "⚠ À payer, en retard"]
        assert str(table.get_row_at(2)[0]) == " - "  # not payable: no box to tick


async def test_keys_move_the_cursor_as_datatable_did() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(InvoiceTable)
        await pilot.pause()
        page = table.scrollable_content_region.height - 1
        await pilot.press("down", "down")
        assert table.cursor_row == 2 and table.current_id() == 3
        await pilot.press("pagedown")
        assert table.cursor_row == 2 + page
        await pilot.press("pageup")
        assert table.cursor_row == 2
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert table.cursor_row == len(INVOICES) - 1
        assert table.scroll_y == table.max_scroll_y > 0  # the last row is in view
        assert "2026000079" in app.export_screenshot()
        await pilot.press("ctrl+home")
        await pilot.pause()
        assert table.cursor_row == 0 and table.scroll_y == 0
        await pilot.press("end")
        assert table.scroll_x == table.max_scroll_x > 0 and table.cursor_row == 0
        await pilot.press("home")
        assert table.scroll_x == 0
        app.messages.clear()
        await pilot.press("space", "enter")
        await pilot.pause()
        assert app.messages == [("toggle", 1), ("selected", 1)]


async def test_a_click_moves_the_cursor_and_a_second_one_selects() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(InvoiceTable)
        await pilot.pause()
        app.messages.clear()
        # The border's line, the headings' line, then the rows: the fourth row is y = 5.
        await pilot.click(InvoiceTable, offset=(20, 5))
        await pilot.pause()
        assert table.cursor_row == 3
        assert app.messages == [("highlighted", 4)]
        await pilot.click(InvoiceTable, offset=(20, 5))
        await pilot.pause()
        assert app.messages == [("highlighted", 4), ("selected", 4)]
        await pilot.click(InvoiceTable, offset=(20, 1))  # the headings: no sorting
        await pilot.pause()
        assert table.cursor_row == 3


async def test_a_new_list_keeps_the_cursor_on_its_invoice_and_ticks_redraw() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(InvoiceTable)
        await pilot.pause()
        table.move_cursor(row=60)
        await pilot.pause()
        assert table.current_id() == 61
        table.show([i for i in INVOICES if i.id % 2], {1}, TODAY)  # another filter
        await pilot.pause()
        assert table.current_id() == 61 and table.cursor_row == 30
        assert table.region.height > 0 and table.scroll_y > 0  # scrolled to it
        table.show(INVOICES[:5], set(), TODAY)  # 61 is gone: the first row
        await pilot.pause()
        assert table.cursor_row == 0 and table.scroll_y == 0
        assert str(table.get_row_at(0)[0]) == "[ ]"
        table.set_tick(INVOICES[0], {1})
        await pilot.pause()
        assert str(table.get_row_at(0)[0]) == "[x]"
        assert "[x]" in app.export_screenshot()
        table.forget()
        assert table.row_count == 0 and table.current_id() is None
