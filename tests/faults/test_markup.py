"""Portal text is data, never markup, in every face (issue 12): a family name holding `[/b]`
must not crash the TUI nor make `family` / `invoices` fail, `[@click=…]` must not become an
action, an invoice label must not become an OSC 8 link or blinking text in the CLI.

The hostile words are written into the real portal's database, as a portal (or whoever
writes its labels) would send them; every face then reads them through its connector.
"""

from __future__ import annotations

import io
import sqlite3
from typing import Any

import pytest

from famille_tui.cli import main
from famille_tui.client.config import LaunchOptions, PortalProfile, Settings
from famille_tui.plain.app import run_with
from famille_tui.plain.console import Console
from famille_tui.portal.launcher import PortalProcess
from famille_tui.tui.screens.invoices import InvoicesScreen
from tests.plain.scripted import Pick, ScriptedInput
from tests.support import CHAMBON
from tests.support.tui import logged_in, make_app, wait_until

OVERDUE = "2026100042"
FAMILY = "Famille [/b]Martin [@click=app.quit]x[/]"
LINK = "[link=https://evil.example/]Cantine[/link]"
BLINK = "[blink]Urgent[/blink] octobre"


def write_hostile_words(portal: PortalProcess) -> None:
    with sqlite3.connect(portal.data_path) as conn:
        conn.execute("UPDATE families SET name = ? WHERE name = 'Famille Martin'", (FAMILY,))
        conn.execute("UPDATE invoices SET label = ? WHERE number = ?", (LINK, OVERDUE))
        conn.execute("UPDATE invoices SET label = ? WHERE number = '2026100043'", (BLINK,))


# --- the TUI ---------------------------------------------------------------------------------


async def test_the_tui_shows_markup_as_written_and_runs_none_of_it(
    portal: PortalProcess,
) -> None:
    write_hostile_words(portal)
    app = make_app(portal)
    async with app.run_test(size=(140, 40)) as pilot:
        await logged_in(pilot)  # the header and « Famille » show the name: no crash
        assert app.session is not None and app.session.family_name == FAMILY
        title = app.screen.query_one("#family-title")
        assert FAMILY in str(title.render())
        header = app.screen.query_one("#header-family")
        assert FAMILY in str(header.render())
        # A click on the name is a click on text: no action of the portal's choosing.
        await pilot.click("#family-title")
        await pilot.click("#header-family")
        await pilot.pause(0.3)
        assert app.is_running
        await pilot.press("4")
        await wait_until(pilot, lambda: isinstance(app.screen, InvoicesScreen)
                         and app.screen.invoices, what="invoices")
        table: Any = app.screen.query_one("#invoice-table")
        cells = " ".join(str(c) for row in range(table.row_count)
                         for c in table.get_row_at(row))
        assert "[link=https://evil.example/]" in cells and "[blink]" in cells
        screenshot = app.export_screenshot()
        assert "evil.example" in screenshot
        await app.action_quit()


# --- the CLI ---------------------------------------------------------------------------------


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAMILLE_TUI_PASSWORD", "demo-martin")


@pytest.mark.usefixtures("password")
@pytest.mark.parametrize("command", ["family", "invoices"])
def test_the_cli_prints_markup_as_written(
    portal: PortalProcess, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, command: str,
) -> None:
    write_hostile_words(portal)
    # A terminal that shows links and blinking: what Rich would send it, were it markup.
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    code = main(["--portal", portal.base_url(CHAMBON), "--login", "martin", command])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "MarkupError" not in err and "erreur inattendue" not in err
    assert "\x1b]8;" not in out  # no OSC 8 hyperlink
    assert "\x1b[5m" not in out  # no blinking
    if command == "family":
        assert "[/b]Martin" in out and "[@click=app.quit]" in out
    else:
        assert LINK in out and "[blink]Urgent[/blink]" in out


# --- the screen-reader face ------------------------------------------------------------------


def test_the_screen_reader_reads_markup_as_written(portal: PortalProcess) -> None:
    write_hostile_words(portal)
    out = io.StringIO()
    answers: list[Any] = [Pick("Se connecter avec"), "martin", "demo-martin", "n",
                          Pick("Famille"), Pick("Mes factures"), "0", "0"]
    console = Console(stdin=ScriptedInput(out, answers), stdout=out)  # type: ignore[arg-type]
    options = LaunchOptions(settings=Settings(portals=[
        PortalProfile(name="Le Chambon-Feugerolles", url=portal.base_url(CHAMBON))]))
    assert run_with(options, console, opener=lambda url: False) == 0
    said = out.getvalue()
    assert "Famille [/b]Martin" in said
    assert "[link=https://evil.example/]Cantine[/link]" in said
