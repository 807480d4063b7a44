"""Helpers shared by the tests: a browser stand-in for the PayFiP stand-in's pages (`sandbox`), a
memory keyring (`keyring`), and `start_test_portal` behind the `portal` fixture."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

from famille_tui.portal.launcher import PortalProcess, start_portal

CHAMBON = "le-chambon-feugerolles"
CHAPONOST = "chaponost"
#: The reservations' clock of test portals (conftest): Thursday 3 December 2026, 9 h 30 in
#: Paris — the canteen of Monday 7 still open until noon.
PORTAL_NOW = "2026-12-03T09:30:00+01:00"


def start_test_portal(
    directory: Path,
    demo_database: Path,
    *,
    payment_ttl: int = 900,
    idle_timeout: int | None = None,
    lockout_seconds: int | None = None,
    **options: Any,
) -> PortalProcess:
    """A portal process on a private copy of the demo database, in `directory` (`options`:
    more keyword arguments of `start_portal`, e.g. `payfip_origin=`, `env=`). Its
    reservations' clock starts at PORTAL_NOW unless `env` names FAMILLE_TUI_PORTAL_NOW."""
    directory.mkdir(parents=True, exist_ok=True)
    # The reservations' clock is fixed (PORTAL_NOW) unless the test names another.
    options["env"] = {"FAMILLE_TUI_PORTAL_NOW": PORTAL_NOW, **(options.get("env") or {})}
    data = directory / "portal.sqlite3"
    shutil.copyfile(demo_database, data)
    return start_portal(
        data, payment_ttl=payment_ttl, idle_timeout=idle_timeout,
        lockout_seconds=lockout_seconds, **options,
    )


def forget_email(data_path: Path, login: str = "martin", commune: str = CHAMBON) -> None:
    """The account's coordinates without an e-mail, as for a parent who never gave one at
    the child's enrolment (the column is kept empty: the portal says none)."""
    with sqlite3.connect(data_path) as conn:
        changed = conn.execute(
            "UPDATE profiles SET email = '' WHERE account_id = (SELECT id FROM accounts"
            " WHERE login = ? AND commune = ?)", (login, commune)).rowcount
    conn.close()
    assert changed == 1, (login, commune)


def expire_sessions(data_path: Path) -> None:
    """Make every session of the portal idle for a day: its next call answers « expirée »."""
    with sqlite3.connect(data_path) as conn:
        conn.execute("UPDATE sessions SET last_used_at = last_used_at - 86400")
