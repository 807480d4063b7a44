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
    more keyword arguments of `start_portal`, e.g. `payfip_origin=`, `env=`)."""
    directory.mkdir(parents=True, exist_ok=True)
    data = directory / "portal.sqlite3"
    shutil.copyfile(demo_database, data)
    return start_portal(
        data, payment_ttl=payment_ttl, idle_timeout=idle_timeout,
        lockout_seconds=lockout_seconds, **options,
    )


def expire_sessions(data_path: Path) -> None:
    """Make every session of the portal idle for a day: its next call answers « expirée »."""
    with sqlite3.connect(data_path) as conn:
        conn.execute("UPDATE sessions SET last_used_at = last_used_at - 86400")
