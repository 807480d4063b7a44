"""A large family, in a process of its own so that its peak memory is the TUI side's only.

`python tests/bench/large_family.py ORIGIN WORKDIR RUNS` logs in as martin (whose account the
bench gave 5 000 invoices), then RUNS times: a new « Mes factures » opened (key 4 → rows
drawn; the first time just after the login, `first_open`, the list read with the family
space, the other times, `open`, the list asked of the portal), the filter switched (« f » → the
next filter's rows listed), the cursor sent to the last row (Ctrl+Fin, the DataTable's
« Bottom » → last row highlighted, drawn). Prints one JSON line: the times (s; an open ends
at the first frame holding the rows, `pilot_runs.FrameClock`, and `settled` as the bench
measured it before issue 18's second round: after one more `pilot.pause()`), the number of
rows, and the process's peak RSS (`ru_maxrss`, KiB).
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from common import BenchPortal  # noqa: F401  (puts the repository on sys.path)
from pilot_runs import (
    SIZE,
    FrameClock,
    invoices_shown,
    isolate,
    make_app,
    submit_login,
    until,
)


class _Origin:
    """Enough of a BenchPortal for `make_app`: the base URL."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def base_url(self, commune: str) -> str:
        return f"{self.origin}/{commune}/"


async def scenario(origin: str, runs: int) -> dict[str, Any]:
    from famille_tui.tui.screens.invoices import InvoicesScreen

    app = make_app(_Origin(origin))  # type: ignore[arg-type]
    opened: list[float] = []
    settled: list[float] = []
    switched: list[float] = []
    scrolled: list[float] = []
    rows = 0
    async with app.run_test(size=SIZE) as pilot:
        clock = FrameClock(app)
        await submit_login(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "FamilyScreen" and app.logged_in,
                    what="family space")
        for _ in range(runs):
            await pilot.press("1")
            await until(pilot, lambda: type(app.screen).__name__ == "FamilyScreen")
            # A fresh « Mes factures » each time: the whole load is measured (the first time,
            # the list read with the family space a moment before; then the portal's).
            if "factures" in app._modes:
                await app.remove_mode("factures")
                app._section_modes.discard("factures")  # added again by key 4
            clock.arm()
            start = time.perf_counter()
            await pilot.press("4")
            await until(pilot, lambda: invoices_shown(app), timeout=120, what="invoices")
            drawn = await clock.wait("rows")
            await pilot.pause()
            settled.append(time.perf_counter() - start)
            opened.append(drawn - start)
            screen = app.screen
            assert isinstance(screen, InvoicesScreen)
            table: Any = screen.query_one("#invoice-table")
            rows = max(rows, table.row_count)
            for _ in range(3):  # À payer → Réglées → Toutes: each one measured
                before = screen.filter
                start = time.perf_counter()
                await pilot.press("f")
                await until(pilot, lambda s=screen, b=before: s.filter is not b,  # type: ignore[misc]
                            what="filter")
                await pilot.pause()
                switched.append(time.perf_counter() - start)
            table.focus()
            await pilot.pause()
            start = time.perf_counter()
            await pilot.press("ctrl+end")
            await until(pilot, lambda t=table: t.cursor_row == t.row_count - 1,  # type: ignore[misc]
                        what="end")
            await pilot.pause()
            scrolled.append(time.perf_counter() - start)
            await pilot.press("ctrl+home")
            rows = max(rows, table.row_count)
        await app.action_quit()
    # The first open is the one right after the login, as a parent opens it (the list read
    # with the family space, since issue 18's second round); each later one builds a new
    # screen that asks the portal.
    return {"first_open": {"drawn": opened[0], "settled": settled[0]}, "open": opened[1:],
            "open_settled": settled[1:], "filter": switched, "end": scrolled, "rows": rows}


def main() -> int:
    origin, work, runs = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    isolate(work)
    result = asyncio.run(scenario(origin, runs))
    result["maxrss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
