"""Fixtures of the portal's own tests: a portal shared by a module, logged-in clients."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from famille_tui.portal.launcher import PortalProcess
from tests.portal.helpers import Api
from tests.support import start_test_portal


@pytest.fixture(scope="module")
def shared_portal(
    tmp_path_factory: pytest.TempPathFactory, demo_database: Path
) -> Iterator[PortalProcess]:
    """One portal for a whole module, for tests that only read or that do not interfere."""
    process = start_test_portal(tmp_path_factory.mktemp("shared"), demo_database)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def martin(portal: PortalProcess) -> Iterator[Api]:
    with Api(portal).login("martin") as api:
        yield api


@pytest.fixture
def durand(portal: PortalProcess) -> Iterator[Api]:
    with Api(portal).login("durand") as api:
        yield api


@pytest.fixture(scope="module")
def module_portal(
    tmp_path_factory: pytest.TempPathFactory, demo_database: Path
) -> Iterator[PortalProcess]:
    process = start_test_portal(tmp_path_factory.mktemp("module"), demo_database)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def portal(module_portal: PortalProcess, demo_database: Path) -> PortalProcess:
    """Overrides the global `portal` for speed: one process per module, and the demo data
    put back before each test with SQLite's online backup (safe while the server runs), so
    each test still starts from fresh demo data."""
    assert module_portal.running(), module_portal.log_text()
    source = sqlite3.connect(demo_database)
    target = sqlite3.connect(module_portal.data_path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return module_portal
