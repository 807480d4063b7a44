"""The embedded portal, with a pause where a crash test wants to kill it (tests only).

    python tests/faults/crashable_portal.py --data FILE --point before|mid|after --marker FILE

Serves exactly `famille_tui.portal.server.serve(...)` on a free loopback port, except that
the first TIPI notification stops at `--point`, writes `--marker` and sleeps, so that the
test kills the process (SIGKILL) right there:
- `before`: the notification is received, nothing of it written yet;
- `mid`: inside the transaction, after the invoices are updated, before COMMIT;
- `after`: the change is committed, the answer not sent yet.
The portal's code is not changed: its notification check is wrapped from outside.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from famille_tui.portal import billing
from famille_tui.portal.server import serve


def _stop_here(marker: Path) -> None:
    marker.write_text("stopped", encoding="utf-8")
    time.sleep(3600)  # until SIGKILL


class _PausingConnection:
    """A connection that pauses right after `UPDATE invoices`, inside the open transaction."""

    def __init__(self, conn: sqlite3.Connection, marker: Path) -> None:
        self._conn = conn
        self._marker = marker

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        cursor = self._conn.execute(sql, *args)
        if sql.lstrip().upper().startswith("UPDATE INVOICES"):
            _stop_here(self._marker)
        return cursor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--point", choices=("before", "mid", "after"), required=True)
    parser.add_argument("--marker", required=True)
    args = parser.parse_args()
    marker = Path(args.marker)
    original = billing._check_and_apply

    def check_and_apply(conn: sqlite3.Connection, commune: str,
                        fields: dict[str, str]) -> billing.NotificationOutcome:
        if args.point == "before":
            _stop_here(marker)
        if args.point == "mid":
            return original(_PausingConnection(conn, marker), commune, fields)  # type: ignore[arg-type]
        outcome = original(conn, commune, fields)
        _stop_here(marker)
        return outcome

    billing._check_and_apply = check_and_apply  # type: ignore[assignment]
    return serve("127.0.0.1", 0, args.data, demo_mode=True)


if __name__ == "__main__":
    sys.exit(main())
