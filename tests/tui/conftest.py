"""Fixtures of the TUI tests; the helpers themselves are in tests/support/tui.py (imported
from there, never from a conftest)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from famille_tui.tui.app import FamilleApp
from tests.support.keyring import MemoryKeyring
from tests.support.tui import make_app as make_app_on


@pytest.fixture
def keyring_backend(isolated_dirs: MemoryKeyring) -> MemoryKeyring:
    """The in-memory keyring every test runs with (tests/conftest.py)."""
    return isolated_dirs


@pytest.fixture
def make_app(portal: Any, keyring_backend: MemoryKeyring) -> Callable[..., FamilleApp]:
    """`make_app(**options)`: `tests.support.tui.make_app` on the test portal."""

    def make(**options: Any) -> FamilleApp:
        return make_app_on(portal, **options)

    return make
