"""`make bench`'s reservations row: a family with three children enrolled in every service
for a whole school year (martin at Chaponost, with a third child, each child's canteen and
evening care booked four days a week from September to July), « Réservations » opened
(key 7 → the week's grid drawn) and the week switched (Page suivante → the next week's grid
drawn, then Page précédente back), medians over several runs.

    python tests/bench/reservations.py ORIGIN WORKDIR RUNS   (prints one JSON line)
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from common import BenchPortal  # noqa: F401  (puts the repository on sys.path)
from pilot_runs import SIZE, isolate, submit_login, until

#: The portal's reservations clock for this row: a school week in the middle of the year.
PORTAL_NOW = "2027-01-14T09:30:00+01:00"


def school_year_family(path: Path) -> int:
    """A third child for martin at Chaponost, the three enrolled everywhere for 2026-2027,
    canteen and evening care booked Monday, Tuesday, Thursday and Friday all year; returns
    the number of bookings written."""
    conn = sqlite3.connect(path)
    try:
        family = conn.execute(
            "SELECT a.family_id FROM accounts a WHERE a.commune = 'chaponost' AND a.login ="
            " 'martin'").fetchone()[0]
        conn.execute("INSERT INTO children (family_id, first_name, last_name, birth_date,"
                     " structure) VALUES (?, 'Tom', 'Martin', '2019-05-02',"
                     " 'Restaurant scolaire de Chaponost')", (family,))
        children = [r[0] for r in conn.execute(
            "SELECT id FROM children WHERE family_id = ?", (family,))]
        activities = dict(conn.execute(
            "SELECT service, id FROM activities WHERE commune = 'chaponost'").fetchall())
        for child in children:
            for activity in activities.values():
                conn.execute("INSERT OR IGNORE INTO enrolments VALUES (?, ?, '2026-09-01',"
                             " '2027-08-31')", (child, activity))
        rows = []
        day = date(2026, 9, 1)
        while day <= date(2027, 7, 2):
            if day.isoweekday() in (1, 2, 4, 5):
                for child in children:
                    for service in ("cantine", "garderie-soir"):
                        rows.append((child, activities[service], day.isoformat(), 432))
            day += timedelta(days=1)
        conn.executemany(
            "INSERT OR IGNORE INTO bookings (child_id, activity_id, day, status, billed_cents,"
            " invoice_id, changed_at) VALUES (?, ?, ?, 'booked', ?, NULL, 0)", rows)
        # Billed already (the bench measures the screen, not the monthly invoices).
        conn.execute("UPDATE bookings SET invoice_id = (SELECT MIN(id) FROM invoices)"
                     " WHERE day < '2027-01-01'")
        conn.commit()
        return len(rows)
    finally:
        conn.close()


class _Origin:
    def __init__(self, origin: str) -> None:
        self.origin = origin

    def base_url(self, commune: str) -> str:
        return f"{self.origin}/{commune}/"


def grid_week(app: Any) -> date | None:
    from famille_tui.tui.screens.reservations import ReservationsScreen
    from famille_tui.tui.widgets.week_grid import WeekGrid

    screen = app.screen
    if not isinstance(screen, ReservationsScreen):
        return None
    grid = screen.query_one(WeekGrid)
    return grid.days[0] if grid.row_count and grid.days else None


async def scenario(origin: str, runs: int) -> dict[str, Any]:
    from famille_tui.client.credentials import CredentialStore
    from tests.support.keyring import MemoryKeyring
    from tests.support.tui import make_app

    app = make_app(_Origin(origin), communes=("chaponost",),  # type: ignore[arg-type]
                   store=CredentialStore(backend=MemoryKeyring()))
    opened: list[float] = []
    switched: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        await submit_login(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "FamilyScreen" and app.logged_in,
                    what="family space")
        for _ in range(runs):
            await pilot.press("1")
            await until(pilot, lambda: type(app.screen).__name__ == "FamilyScreen")
            if "reservations" in app._modes:
                await app.remove_mode("reservations")  # a fresh screen: the whole load
                app._section_modes.discard("reservations")  # added again by key 7
            start = time.perf_counter()
            await pilot.press("7")
            await until(pilot, lambda: grid_week(app) is not None, what="the grid")
            await pilot.pause()
            opened.append(time.perf_counter() - start)
            for key in ("pagedown", "pageup") * 3:
                before = grid_week(app)
                start = time.perf_counter()
                await pilot.press(key)
                await until(pilot, lambda b=before: grid_week(app) not in (None, b),  # type: ignore[misc]
                            what="the other week")
                await pilot.pause()
                switched.append(time.perf_counter() - start)
        await app.action_quit()
    return {"open": opened, "switch": switched}


def main() -> int:
    origin, work, runs = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    isolate(work)
    print(json.dumps(asyncio.run(scenario(origin, runs))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
