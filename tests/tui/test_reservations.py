"""« Réservations » (key 7) on the real portal (Chaponost, martin): the week grid, the cell's
deadline, Espace, ← → across weeks, the summary judged by the portal, « Valider » and its
answer, a refusal past the deadline with its reason, the header's next deadline; snapshots
at 80×24 and 120×40.

The test portals' reservations clock is Thursday 3 December 2026, 9 h 30 in Paris."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from famille_tui.tui.screens.reservations import ReservationsScreen
from famille_tui.tui.widgets.week_grid import WeekGrid
from tests.support import CHAPONOST, start_test_portal
from tests.support.tui import (
    logged_in,
    make_app,
    notifications,
    screen_name,
    settled,
    wait_until,
)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def text(app: Any, selector: str) -> str:
    """What a Static shows (no-break spaces as spaces: « 4,32 € » is written with one)."""
    return str(app.screen.query_one(selector, Static).render()).replace("\u00a0", " ")


def header(app: Any) -> str:
    return str(app.screen.query_one("#header-where", Static).render())


async def at_reservations(pilot: Pilot[Any]) -> ReservationsScreen:
    app: Any = pilot.app
    await logged_in(pilot)
    await pilot.press("7")
    await wait_until(pilot, lambda: screen_name(app) == "ReservationsScreen")
    screen = app.screen
    await wait_until(pilot, lambda: screen.period is not None and "Prochaine échéance : "
                     "aujourd'hui 12 h" in header(app), what="the week and the deadline")
    await wait_until(pilot, lambda: screen.query_one(WeekGrid).row_count, what="the grid")
    assert isinstance(screen, ReservationsScreen)
    return screen


def cell(screen: ReservationsScreen, service: str, day: str) -> str:
    grid = screen.query_one(WeekGrid)
    row = [s.value for s in grid.services].index(service)
    column = grid.days.index(date.fromisoformat(day)) + 1
    return str(grid.get_cell_at((row, column)))  # type: ignore[arg-type]


async def go_to(pilot: Pilot[Any], screen: ReservationsScreen, service: str, day: str) -> None:
    grid = screen.query_one(WeekGrid)
    row = [s.value for s in grid.services].index(service)
    column = grid.days.index(date.fromisoformat(day)) + 1
    grid.move_cursor(row=row, column=column)
    await pilot.pause()


async def week_of(pilot: Pilot[Any], screen: ReservationsScreen, monday: str) -> None:
    await wait_until(pilot, lambda: screen.monday == date.fromisoformat(monday)
                     and screen.query_one(WeekGrid).days[0] == date.fromisoformat(monday),
                     what=f"the week of {monday}")


@pytest.fixture
def chaponost_app(portal: Any) -> Any:
    return make_app(portal, communes=(CHAPONOST,))


async def test_the_week_in_symbols_and_words(chaponost_app: Any) -> None:
    app = chaponost_app
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await at_reservations(pilot)
        assert cell(screen, "cantine", "2026-11-30") == "● présent"
        assert cell(screen, "garderie-soir", "2026-12-01") == "○ absent"
        assert cell(screen, "cantine", "2026-12-03") == "✓ réservé"
        assert cell(screen, "cantine", "2026-12-02") == "–"
        # The cursor starts on today's canteen, and says its deadline in words.
        assert screen.query_one(WeekGrid).focused_cell() is not None
        assert "Jeudi 3 décembre, cantine : réservé" in text(app, "#reservations-cell")
        assert "Annulation hors délai" in text(app, "#reservations-cell")
        assert text(app, "#reservations-invoice") == "Prochaine facture (à ce jour) : 27,94 €"
        # Hugo has no activity: said, not an empty grid.
        await pilot.press("e")
        await wait_until(pilot, lambda: "Hugo n'est inscrit·e à aucune activité"
                         in text(app, "#reservations-cell"))
        await app.action_quit()


async def test_arrows_walk_across_weeks(chaponost_app: Any) -> None:
    app = chaponost_app
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await at_reservations(pilot)
        await go_to(pilot, screen, "cantine", "2026-12-04")
        await pilot.press("right")  # past Friday: next week, on Monday
        await week_of(pilot, screen, "2026-12-07")
        assert screen.query_one(WeekGrid).focused_cell()[1] == date(2026, 12, 7)  # type: ignore[index]
        assert cell(screen, "mercredi", "2026-12-09") == "⊘ complet"
        assert cell(screen, "cantine", "2026-12-11") == "· 1 place"
        await pilot.press("left")  # before Monday: the week before, on Friday
        await week_of(pilot, screen, "2026-11-30")
        assert screen.query_one(WeekGrid).focused_cell()[1] == date(2026, 12, 4)  # type: ignore[index]
        await pilot.press("pagedown", "pagedown")
        await week_of(pilot, screen, "2026-12-14")
        assert cell(screen, "mercredi", "2026-12-16") == "◷ attente"
        await pilot.press("pagedown")
        await week_of(pilot, screen, "2026-12-21")
        assert cell(screen, "cantine", "2026-12-21") == "▒ fermé"
        assert cell(screen, "vacances", "2026-12-25") == "▒ férié"
        await pilot.press("t")
        await week_of(pilot, screen, "2026-11-30")
        await app.action_quit()


class HeldReservations(httpx.AsyncBaseTransport):
    """A slow portal for the reservations only: their answers wait until `release()`."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.released = asyncio.Event()

    def release(self) -> None:
        self.released.set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path.endswith("/reservations"):
            await self.released.wait()
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_slow_portal_shows_chargement_until_the_week_comes(portal: Any) -> None:
    held = HeldReservations()
    app = make_app(portal, communes=(CHAPONOST,), transport=held)
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(pilot)
        await pilot.press("7")
        await wait_until(pilot, lambda: screen_name(app) == "ReservationsScreen")
        grid = app.screen.query_one(WeekGrid)
        # A quick answer is drawn without it; one that does not come gets « Chargement… ».
        await wait_until(pilot, lambda: grid.loading, what="the loading indicator")
        assert not grid.row_count
        held.release()
        await wait_until(pilot, lambda: grid.row_count and not grid.loading, what="the week")
        await wait_until(pilot, lambda: "space" in [k.key for k in footer_keys(app.screen)],
                         what="the grid's key in the footer once loaded")
        await app.action_quit()


def footer_keys(screen: Any) -> list[Any]:
    return list(screen.query("FooterKey"))


async def test_the_footer_follows_the_grid_keys_and_is_rebuilt_only_on_a_change(
        chaponost_app: Any) -> None:
    app = chaponost_app
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await at_reservations(pilot)
        await settled(pilot)
        # The grid, loaded and focused: its Espace is in the footer with the screen's keys.
        keys = footer_keys(screen)
        assert [k.key for k in keys if k.key in ("pageup", "pagedown", "space", "v")] == \
            ["pageup", "pagedown", "space", "v"]
        assert any(k.key == "space" and k.description == "Réserver/annuler" for k in keys)
        # A « bindings changed » that changes nothing: the same key widgets, not rebuilt.
        screen.refresh_bindings()
        await settled(pilot)
        assert footer_keys(screen) == keys
        # The focus leaves the grid: its Espace leaves the footer; back, it comes back.
        screen.set_focus(None)
        await wait_until(pilot, lambda: "space" not in [k.key for k in footer_keys(screen)],
                         what="the footer without the grid's key")
        grid = screen.query_one(WeekGrid)
        grid.focus()
        await wait_until(pilot, lambda: "space" in [k.key for k in footer_keys(screen)],
                         what="the grid's key back in the footer")
        # Loading, the grid's keys are not active; done loading (which Textual does not
        # signal), they are back.
        grid.loading = True
        screen.refresh_bindings()
        await wait_until(pilot, lambda: "space" not in [k.key for k in footer_keys(screen)],
                         what="the footer of a loading grid")
        grid.loading = False
        await wait_until(pilot, lambda: "space" in [k.key for k in footer_keys(screen)],
                         what="the grid's key back once loaded")
        await app.action_quit()


async def book_three_and_cancel_one(pilot: Pilot[Any], screen: ReservationsScreen) -> None:
    await pilot.press("pagedown")
    await week_of(pilot, screen, "2026-12-07")
    for day in ("2026-12-07", "2026-12-08", "2026-12-10"):
        await go_to(pilot, screen, "cantine", day)
        await pilot.press("space")
    await go_to(pilot, screen, "garderie-soir", "2026-12-08")
    await pilot.press("space")
    await pilot.pause()


async def test_book_three_days_cancel_one_and_validate(chaponost_app: Any) -> None:
    """Done when: the canteen for Léa on the next school days, one cancelled, the cost and
    the next deadline seen, then the portal's answer."""
    app = chaponost_app
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await at_reservations(pilot)
        await book_three_and_cancel_one(pilot, screen)
        assert cell(screen, "cantine", "2026-12-08") == "+ réserver"
        assert cell(screen, "garderie-soir", "2026-12-08") == "− annuler"
        # The change under the cursor, after a colon in lower case as French writes it.
        assert ("Changement demandé : annuler la garderie du soir du mardi 8 décembre"
                in text(app, "#reservations-cell")), text(app, "#reservations-cell")
        summary = text(app, "#reservations-summary")
        assert summary.startswith("4 changements : 3 réservations, 1 annulation — + 10,56 € "
                                  "sur la prochaine facture")
        # Espace again takes a change back.
        await pilot.press("space")
        assert text(app, "#reservations-summary").startswith("3 changements")
        await pilot.press("space")
        await pilot.press("v")
        await wait_until(pilot, lambda: screen_name(app) == "ReservationSummaryScreen")
        await wait_until(pilot, lambda: "Total : + 10,56 €" in text(app, "#summary-total"),
                         what="the portal's judgement")
        await pilot.press("o")
        await wait_until(pilot, lambda: "Réponse du portail" in text(app, "#summary-title"))
        assert text(app, "#summary-total") == "4 faits. + 10,56 € sur la prochaine facture."
        assert "Réservé : cantine du lundi 7 décembre (Léa), 4,32 €" in text(app, "#summary-text")
        await pilot.press("o")
        await wait_until(pilot, lambda: screen_name(app) == "ReservationsScreen")
        await wait_until(pilot, lambda: screen.period is not None and cell(
            screen, "cantine", "2026-12-07") == "✓ réservé", what="the week read again")
        assert cell(screen, "garderie-soir", "2026-12-08") == "· libre"
        assert text(app, "#reservations-summary") == "Aucun changement en attente."
        assert app.session.reservations_version == 1
        await app.action_quit()


async def test_too_late_is_refused_with_the_reason(tmp_path: Path,
                                                   demo_database: Path) -> None:
    """Done when: past Thursday noon, Monday's canteen cannot be booked, and the TUI says
    why — at Espace (the portal's own words), and in the summary if the deadline passes
    while the changes wait."""
    process = start_test_portal(tmp_path / "noon", demo_database,
                                env={"FAMILLE_TUI_PORTAL_NOW": "2026-12-03T11:59:30+01:00"})
    try:
        app = make_app(process, communes=(CHAPONOST,))
        async with app.run_test(size=(80, 24)) as pilot:
            await logged_in(pilot)
            await pilot.press("7")
            await wait_until(pilot, lambda: screen_name(app) == "ReservationsScreen")
            screen = app.screen
            await wait_until(pilot, lambda: screen.period is not None)
            await pilot.press("pagedown")
            await week_of(pilot, screen, "2026-12-07")
            await go_to(pilot, screen, "cantine", "2026-12-07")
            await pilot.press("space")  # asked before noon …
            await wait_until(pilot, lambda: cell(screen, "cantine", "2026-12-07")
                             == "+ réserver")
            reason = ("Trop tard : la cantine du lundi 7 décembre se réservait jusqu'au jeudi "
                      "3 décembre à 12 h.")
            # … validated after noon: the portal refuses it, and the summary says why.
            await past_noon(pilot, app)
            await pilot.press("v")
            await wait_until(pilot, lambda: screen_name(app) == "ReservationSummaryScreen")
            await wait_until(pilot, lambda: reason in " ".join(
                text(app, "#summary-text").split()), what="the refusal in the summary")
            assert app.screen.query_one("#send").disabled  # nothing left to send
            await pilot.press("n")
            await wait_until(pilot, lambda: screen_name(app) == "ReservationsScreen")
            # Read again, the day says it, and Espace says why rather than asking.
            await pilot.press("x", "r")
            await wait_until(pilot, lambda: cell(screen, "cantine", "2026-12-07")
                             == "· non rés.", what="the week read again")
            await go_to(pilot, screen, "cantine", "2026-12-07")
            await pilot.press("space")
            await wait_until(pilot, lambda: any(n.message == reason
                                                for n in notifications(app)))
            assert reason in " ".join(text(app, "#reservations-cell").split())
            assert not screen.pending
            await app.action_quit()
    finally:
        process.stop()


async def past_noon(pilot: Pilot[Any], app: Any) -> None:
    """Until the portal's own clock has passed Thursday noon (it runs from 11:59:30)."""
    for _ in range(900):
        period = await app.session.reservations(date(2026, 12, 7), date(2026, 12, 7))
        slot = next(s for s in period.children[0].days[0].slots if s.service == "cantine")
        if not slot.can_book:
            return
        await pilot.pause(0.1)
    raise AssertionError("the portal's clock never reached noon")


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_week_with_changes(size: tuple[int, int], chaponost_app: Any,
                                    snap_compare: Any) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        screen = await at_reservations(pilot)
        await book_three_and_cancel_one(pilot, screen)
        await settled(pilot)

    assert snap_compare(chaponost_app, terminal_size=size, run_before=steps)


def test_snapshot_summary(chaponost_app: Any, snap_compare: Any) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        app: Any = pilot.app
        screen = await at_reservations(pilot)
        await book_three_and_cancel_one(pilot, screen)
        await pilot.press("v")
        await wait_until(pilot, lambda: "Total" in text(app, "#summary-total"))
        await settled(pilot)

    assert snap_compare(chaponost_app, terminal_size=(80, 24), run_before=steps)

