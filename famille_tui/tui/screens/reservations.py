"""« Réservations » (key 7): a week grid per child — services × days — the state of each day
in a symbol and a word, the focused day's deadline, the changes asked with their cost, and
« Valider » (a summary judged by the portal before anything is sent for good).

Weeks are read from the portal one at a time (every child at once) and kept, with the weeks
either side read ahead, so that ← → and Page précédente / suivante show the next week at once;
a change validated drops what was kept. « Today » is the portal's clock, not this machine's.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Static

from famille_tui.api import ChildReservations, ReservationPeriod, Service, Slot
from famille_tui.api.money import format_euros
from famille_tui.client.display import shown
from famille_tui.client.errors import FamilleError
from famille_tui.client.portals.base import Capability
from famille_tui.client.reservations import (
    SERVICE_NAMES,
    PendingChanges,
    day_words,
    monday_of,
    short_week,
    slot_deadline_words,
    state_words,
    summary_words,
    week_words,
)
from famille_tui.client.rules import after_colon
from famille_tui.client.session import FamilySession
from famille_tui.tui.screens.base import FamilySpaceScreen, not_offered
from famille_tui.tui.widgets.loading import start_loading, stop_loading
from famille_tui.tui.widgets.week_grid import WeekGrid

#: Weeks kept in memory (a school year's worth).
KEPT_WEEKS = 60
#: Seconds before the first week's « Chargement… » shows.
LOADING_AFTER = 0.2


class ReservationsScreen(FamilySpaceScreen):
    """Key 7."""

    SECTION = "Réservations"
    CSS_PATH = "reservations.tcss"
    #: The header says the family's next deadline here.
    HEADER_DEADLINE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the grid's own Page keys would only move its cursor.
        Binding("pageup", "week(-1)", "Sem. préc.", tooltip="La semaine précédente",
                priority=True),
        Binding("pagedown", "week(1)", "Sem. suiv.", tooltip="La semaine suivante",
                priority=True),
        Binding("t", "this_week", "Cette semaine", show=False),
        Binding("e", "next_child", "Enfant", tooltip="L'enfant suivant"),
        Binding("v", "validate", "Valider", tooltip="Voir le récapitulatif et valider"),
        Binding("x", "drop_changes", "Effacer", tooltip="Oublier les changements non validés"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.weeks: dict[date, ReservationPeriod] = {}
        self.monday: date | None = None
        self.child_index = 0
        self.pending = PendingChanges()
        self._version: int | None = None
        self._ahead: set[date] = set()
        self._first_show = True
        #: Set once mounted: the first week may come back before (see `compose_body`).
        self._mounted = asyncio.Event()

    def forget_family_data(self) -> None:
        self.weeks = {}
        self.pending.clear()
        self._version = None
        for grid in self.query(WeekGrid):
            grid.clear(columns=True)

    # -- layout ----------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        # The first week is asked for now: the portal answers while the screen is built,
        # styled and mounted (≈ 15 ms), instead of after.
        self.reload()
        with Vertical(id="reservations-body"):
            with Horizontal(id="reservations-top"):
                yield Static("", id="reservations-child")
                yield Static("", id="reservations-week")
            yield WeekGrid(id="week-grid")
            yield Static("", id="reservations-cell")
            yield Static("", id="reservations-summary")
            yield Static("", id="reservations-invoice")

    def on_mount(self) -> None:
        self._mounted.set()
        self.query_one(WeekGrid).focus()
        if not self.session.offers(Capability.RESERVATIONS):
            self.query_one("#reservations-cell", Static).update(
                not_offered(Capability.RESERVATIONS))

    def session_changed(self, session: FamilySession) -> None:
        if self._version is not None and session.reservations_version != self._version:
            self.reload()

    # -- data ------------------------------------------------------------------------------

    def reload(self) -> None:
        session = self.famille.session
        if session is None or not session.offers(Capability.RESERVATIONS):
            return
        self._version = session.reservations_version
        self.weeks = {}
        self._ahead = set()
        self._load(self.monday)

    @work(group="reservations-load", exclusive=True, exit_on_error=False)
    async def _load(self, monday: date | None, column: int | None = None) -> None:
        # « Chargement… » for the first week only (the others are read ahead, or quick), and
        # only if the portal is slow to answer: a quick answer (≈ 15 ms for a family of three)
        # is drawn without an indicator mounted and removed around it.
        shown: list[Widget | None] = []

        def show_loading() -> None:
            if self._mounted.is_set():
                shown.append(start_loading(self.query_one(WeekGrid)))

        timer = self.set_timer(LOADING_AFTER, show_loading) if not self.weeks else None
        try:
            try:
                period = await self._week(monday)
            finally:
                await self._mounted.wait()
        except FamilleError as error:
            self.famille.report_error(error, title="Réservations")
            self.query_one("#reservations-cell", Static).update(
                f"✗ {error.message} Touche r pour réessayer.")
            return
        finally:
            if timer is not None:
                timer.stop()
            if shown:
                stop_loading(self.query_one(WeekGrid), shown[0])
        self.monday = period.start
        self._show(column=column)
        self._read_ahead(period.start)

    async def _week(self, monday: date | None) -> ReservationPeriod:
        if monday is not None and monday in self.weeks:
            return self.weeks[monday]
        end = monday + timedelta(days=6) if monday is not None else None
        period = await self.session.reservations(monday, end)
        self._keep(period)
        return period

    def _keep(self, period: ReservationPeriod) -> None:
        self.weeks[period.start] = period
        while len(self.weeks) > KEPT_WEEKS:
            far = max(self.weeks, key=lambda m: abs((m - period.start).days))
            del self.weeks[far]

    @work(group="reservations-ahead", exit_on_error=False)
    async def _read_ahead(self, monday: date) -> None:
        """The weeks either side, read while the parent looks at this one."""
        wanted = [monday + timedelta(days=7), monday - timedelta(days=7)]
        for week in wanted:
            if week in self.weeks or week in self._ahead:
                continue
            self._ahead.add(week)
            try:
                self._keep(await self.session.reservations(week, week + timedelta(days=6)))
            except FamilleError:
                pass  # read when asked for, with its error said then
            finally:
                self._ahead.discard(week)
            await asyncio.sleep(0)

    # -- view ------------------------------------------------------------------------------

    @property
    def period(self) -> ReservationPeriod | None:
        return self.weeks.get(self.monday) if self.monday is not None else None

    def enrolled_children(self) -> list[ChildReservations]:
        period = self.period
        return list(period.children) if period is not None else []

    def current_child(self) -> ChildReservations | None:
        children = self.enrolled_children()
        if not children:
            return None
        return children[self.child_index % len(children)]

    def shown_days(self, child: ChildReservations) -> list[date]:
        """Monday to Friday, and a weekend day only when something runs on it."""
        return [d.date for d in child.days
                if d.date.weekday() < 5 or any(s.state.value != "not_offered" for s in d.slots)]

    def _show(self, *, column: int | None = None) -> None:
        period = self.period
        child = self.current_child()
        if period is None or child is None:
            return
        names = [c.first_name for c in self.enrolled_children()]
        line = Text("Enfant (e) : ")
        for index, name in enumerate(names):
            if index:
                line.append(" · ")
            current = index == self.child_index % len(names)
            line.append(f"[{name}]" if current else name, style="bold" if current else "")
        self.query_one("#reservations-child", Static).update(line)
        self.query_one("#reservations-week", Static).update(
            f"◀ PgPréc  {week_words(period.start)}  PgSuiv ▶" if self.size.width >= 110
            else f"◀ {short_week(period.start)} ▶")
        grid = self.query_one(WeekGrid)
        if not child.services:
            grid.clear(columns=True)
            grid.display = False
            self.query_one("#reservations-cell", Static).update(
                shown(f"{child.first_name} n'est inscrit·e à aucune activité à réserver."))
        else:
            grid.display = True
            days = self.shown_days(child)
            row = None
            if self._first_show:
                # The first time: today (or the next day shown), on the canteen if any.
                self._first_show = False
                today = period.now.date()
                later = [i for i, d in enumerate(days) if d >= today]
                column = later[0] + 1 if later else column
                if Service.CANTINE in child.services:
                    row = child.services.index(Service.CANTINE)
            grid.show(child, days, period.now.date(), self.pending, column=column, row=row)
            self._show_cell()
        self._show_summary()
        self.query_one("#reservations-invoice", Static).update(
            "Prochaine facture (à ce jour) : " + format_euros(period.next_invoice_cents))

    def _slot(self, child: ChildReservations, service: object, day: date) -> Slot | None:
        for child_day in child.days:
            if child_day.date == day:
                for slot in child_day.slots:
                    if slot.service == service:
                        return slot
        return None

    def _show_cell(self) -> None:
        period, child = self.period, self.current_child()
        cell = self.query_one(WeekGrid).focused_cell()
        if period is None or child is None or cell is None:
            return
        service, day = cell
        slot = self._slot(child, service, day)
        if slot is None:
            return
        parts = [f"{day_words(day).capitalize()}, {SERVICE_NAMES[service].lower()} : "
                 f"{state_words(slot, past=day < period.now.date())}"]
        if slot.state.value not in ("not_offered", "closed", "public_holiday"):
            parts.append(format_euros(slot.price_cents))
            if slot.places_left is not None and slot.state.value in ("not_booked", "full"):
                left = slot.places_left
                parts.append(f"{left} place{'s' if left > 1 else ''}" if left else "0 place")
        deadline = "Jour passé." if day < period.now.date() and slot.deadline else \
            slot_deadline_words(slot, period.now)
        pending = self.pending.get(child.child_id, service, day)
        text = " · ".join(parts)
        if deadline:
            text += f"\n{deadline[0].upper() + deadline[1:]}"
        if pending is not None:
            text += f"\nChangement demandé : {after_colon(pending.words)}"
        self.query_one("#reservations-cell", Static).update(shown(text))

    def _show_summary(self) -> None:
        words = summary_words(self.pending)
        if self.pending:
            words += " · v Valider · x Effacer"
        self.query_one("#reservations-summary", Static).update(shown(words))

    @on(WeekGrid.CellHighlighted)
    def _highlighted(self) -> None:
        self._show_cell()

    @on(WeekGrid.WeekStep)
    def _week_step(self, event: WeekGrid.WeekStep) -> None:
        self._go(event.step, column=1 if event.step > 0 else 99)

    @on(WeekGrid.Toggled)
    def _toggled(self, event: WeekGrid.Toggled) -> None:
        child = self.current_child()
        if child is None or self.period is None:
            return
        if not self.session.offers(Capability.RESERVATIONS_EDIT):
            self.notify(not_offered(Capability.RESERVATIONS_EDIT), title="Réservations",
                        timeout=8)
            return
        slot = self._slot(child, event.service, event.day)
        if slot is None:
            return
        result = self.pending.toggle(child.child_id, child.first_name, event.day, slot)
        if isinstance(result, str):
            self.notify(result, title="Ce jour ne peut pas être changé", severity="warning",
                        timeout=8)
            return
        self._show()

    # -- actions ---------------------------------------------------------------------------

    def _go(self, step: int, *, column: int | None = None) -> None:
        if self.monday is None:
            return
        self.monday += timedelta(days=7 * step)
        if self.monday in self.weeks:
            self._show(column=column)
            self._read_ahead(self.monday)
        else:
            self._load(self.monday, column)

    def action_week(self, step: int) -> None:
        self._go(step)

    def action_this_week(self) -> None:
        period = self.period
        if period is not None:
            self._go((monday_of(period.now.date()) - period.start).days // 7)

    def action_next_child(self) -> None:
        children = self.enrolled_children()
        if len(children) > 1:
            self.child_index = (self.child_index + 1) % len(children)
            self._show()

    def action_drop_changes(self) -> None:
        if self.pending:
            self.pending.clear()
            self._show()
            self.notify("Changements oubliés : rien n'a été envoyé.", title="Réservations",
                        timeout=6)

    def action_validate(self) -> None:
        if not self.pending:
            self.notify("Aucun changement à valider : Espace sur un jour pour le réserver "
                        "ou l'annuler.", title="Réservations", timeout=8)
            return
        from famille_tui.tui.screens.reservation_summary import ReservationSummaryScreen

        self.app.push_screen(ReservationSummaryScreen(self.pending),
                             callback=self._summary_closed)

    def _summary_closed(self, sent: bool | None) -> None:
        if sent:
            self.reload()
        else:
            self._show()

