"""The embedded portal, with a pause where a crash test wants to kill it (tests only).

    python tests/faults/crashable_portal.py --data FILE --port N --payfip-origin URL
        --point before|mid|after --marker FILE

Serves exactly `famille_tui.portal.server.serve(...)`, paying through the PayFiP service at
`--payfip-origin` (a stand-in in its own process, which the kill does not touch), except that
the first check of a payment with PayFiP stops at `--point`, writes `--marker` and sleeps, so
that the test kills the process (SIGKILL) right there:
- `before`: the notification is received, `recupererDetailPaiementSecurise` not asked yet;
- `mid`: PayFiP answered « paid »; inside the transaction, after the invoices are updated,
  before COMMIT;
- `after`: the change is committed, the answer to the notification not sent yet.
The portal's code is not changed: its functions are wrapped from outside.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from famille_tui.portal import billing
from famille_tui.portal.payfip_ws import PayfipService
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
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--payfip-origin", required=True)
    parser.add_argument("--point", choices=("before", "mid", "after"), required=True)
    parser.add_argument("--marker", required=True)
    args = parser.parse_args()
    marker = Path(args.marker)
    detail = PayfipService.detail
    apply_detail = billing.apply_detail

    def detail_then_maybe_stop(self: PayfipService, idop: str) -> dict[str, str]:
        if args.point == "before":
            _stop_here(marker)
        return detail(self, idop)

    def apply_then_maybe_stop(conn: sqlite3.Connection, *rest: Any) -> str:
        if args.point == "mid":
            return apply_detail(_PausingConnection(conn, marker), *rest)  # type: ignore[arg-type]
        outcome = apply_detail(conn, *rest)
        _stop_here(marker)
        return outcome

    PayfipService.detail = detail_then_maybe_stop  # type: ignore[method-assign]
    billing.apply_detail = apply_then_maybe_stop  # type: ignore[assignment]
    return serve("127.0.0.1", args.port, args.data, payfip_origin=args.payfip_origin,
                 demo_mode=True)


if __name__ == "__main__":
    sys.exit(main())
