"""Fixtures for every test (see docs/architecture.md, « Tests »).

- `isolated_dirs` (autouse): the config, state, data and download directories in `tmp_path`,
  and a fresh `MemoryKeyring` as the keyring, so that no test touches the user's files or
  the machine's real keyring.
- `portal`: a real portal process on a free loopback port with a throwaway SQLite file
  (a copy of a demo database seeded once per session, which keeps start-up short), and the
  PayFiP stand-in beside it on its own port (`portal.payfip_origin`).
- `chambon_url`: the base URL of le-chambon-feugerolles on that portal.
- the reservations' clock of every portal a test starts is FAMILLE_TUI_PORTAL_NOW =
  `tests.support.PORTAL_NOW` (Thursday 3 December 2026, 9 h 30, Paris): deadlines, « today »
  and the months billed are the same whatever day the tests run (a test may set another).
- `browser_log`: `BROWSER` is a script writing each URL it is asked to open into the file it
  yields (`tests.support.tui.opened_urls(log)` reads it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from famille_tui.portal.launcher import PortalProcess
from tests.support import CHAMBON, PORTAL_NOW, start_test_portal
from tests.support.keyring import MemoryKeyring


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """Every directory the program writes to lives in tmp_path; the keyring is in memory.

    Yields the MemoryKeyring, for tests that look at what was stored."""
    for name in ("CONFIG", "STATE", "DATA", "DOWNLOAD"):
        directory = tmp_path / "dirs" / name.lower()
        directory.mkdir(parents=True)
        monkeypatch.setenv(f"FAMILLE_TUI_{name}_DIR", str(directory))
    monkeypatch.setenv("FAMILLE_TUI_PORTAL_NOW", PORTAL_NOW)
    memory = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(memory)
    try:
        yield memory
    finally:
        keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database seeded once; each portal starts on its own copy."""
    from famille_tui.portal import db, demo

    path = tmp_path_factory.mktemp("template") / "demo.sqlite3"
    db.initialize(path)
    conn = db.connect(path)
    try:
        demo.seed(conn)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return path


@pytest.fixture
def portal(
    tmp_path: Path, demo_database: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PortalProcess]:
    """A real portal process (and the PayFiP stand-in beside it) for this test only. The
    stand-in's origin is named in FAMILLE_TUI_PAYFIP_ORIGIN, as tests of other portals do,
    so that the client allows its pages in demo mode."""
    process = start_test_portal(tmp_path / "portal", demo_database)
    monkeypatch.setenv("FAMILLE_TUI_PAYFIP_ORIGIN", process.payfip_origin or "")
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def chambon_url(portal: PortalProcess) -> str:
    return portal.base_url(CHAMBON)


@pytest.fixture
def browser_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The browser every face opens pages with writes them down, and opens nothing."""
    from tests.support.tui import browser_writing_to

    script, log = browser_writing_to(tmp_path)
    monkeypatch.setenv("BROWSER", str(script))
    return log
