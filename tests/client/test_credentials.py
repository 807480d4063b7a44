"""CredentialStore: passwords in a keyring backend, and nowhere else, ever."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring
import keyring.core
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.errors import KeyringLocked, PasswordDeleteError

from famille_tui.client import CredentialStore, CredentialStoreUnavailable
from famille_tui.client.credentials import REMEMBERED_LOGINS_KEY, service_name


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps everything in a dict (inspectable by the tests)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


def backends() -> list[type[KeyringBackend]]:
    """This file's backend, and the shared one of tests/support when it exists."""
    try:
        from tests.support.keyring import MemoryKeyring as Shared
    except ImportError:
        return [MemoryKeyring]
    return [MemoryKeyring, Shared]


CHAMBON = "http://127.0.0.1:8765/le-chambon-feugerolles/"
CHAPONOST = "http://127.0.0.1:8765/chaponost/"


class LockedKeyring(KeyringBackend):
    """A keyring that exists but refuses every operation (locked, user said no)."""

    priority = 5

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("locked")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("locked")


class HalfBrokenKeyring(MemoryKeyring):
    """Stores the password, then fails on the list entry."""

    def set_password(self, service: str, username: str, password: str) -> None:
        if username == REMEMBERED_LOGINS_KEY:
            raise KeyringLocked("locked")
        super().set_password(service, username, password)


def entries(backend: KeyringBackend) -> dict[tuple[str, str], str]:
    return dict(backend.store)  # type: ignore[attr-defined]


@pytest.mark.parametrize("backend_class", backends())
def test_save_get_and_list(backend_class: type[KeyringBackend]) -> None:
    backend = backend_class()
    store = CredentialStore(backend)
    assert store.available
    store.save(CHAMBON, "martin", "demo-martin")
    store.save(CHAMBON, "durand", "demo-durand")
    store.save(CHAPONOST, "martin", "autre")

    assert store.get(CHAMBON, "martin") == "demo-martin"
    assert store.get(CHAPONOST, "martin") == "autre"
    assert store.get(CHAMBON, "bernard") is None
    # Most recent first, per portal.
    assert store.remembered_logins(CHAMBON) == ["durand", "martin"]
    assert store.remembered_logins(CHAPONOST) == ["martin"]
    # The agreed layout: one entry per portal and login, the list in a reserved entry.
    assert backend.get_password("famille-tui:" + CHAMBON, "martin") == "demo-martin"
    listed = backend.get_password("famille-tui:" + CHAMBON, REMEMBERED_LOGINS_KEY)
    assert listed is not None and json.loads(listed) == ["durand", "martin"]


def test_urls_are_normalised() -> None:
    store = CredentialStore(MemoryKeyring())
    store.save(CHAMBON.rstrip("/"), "martin", "demo-martin")
    assert store.get(CHAMBON, "martin") == "demo-martin"
    assert service_name(CHAMBON.rstrip("/")) == service_name(CHAMBON)


def test_saving_again_replaces_and_moves_first() -> None:
    store = CredentialStore(MemoryKeyring())
    store.save(CHAMBON, "martin", "old")
    store.save(CHAMBON, "durand", "demo-durand")
    store.save(CHAMBON, "martin", "new")
    assert store.get(CHAMBON, "martin") == "new"
    assert store.remembered_logins(CHAMBON) == ["martin", "durand"]


def test_forget() -> None:
    backend = MemoryKeyring()
    store = CredentialStore(backend)
    store.save(CHAMBON, "martin", "demo-martin")
    store.save(CHAMBON, "durand", "demo-durand")
    store.forget(CHAMBON, "martin")
    assert store.get(CHAMBON, "martin") is None
    assert store.remembered_logins(CHAMBON) == ["durand"]
    store.forget(CHAMBON, "durand")
    store.forget(CHAMBON, "never-saved")  # fine
    assert store.remembered_logins(CHAMBON) == []
    assert entries(backend) == {}


def test_the_reserved_name_is_not_a_login() -> None:
    store = CredentialStore(MemoryKeyring())
    with pytest.raises(CredentialStoreUnavailable):
        store.save(CHAMBON, REMEMBERED_LOGINS_KEY, "x")
    store.save(CHAMBON, "martin", "demo-martin")
    assert store.get(CHAMBON, REMEMBERED_LOGINS_KEY) is None


def test_a_damaged_list_entry_is_ignored() -> None:
    backend = MemoryKeyring()
    backend.set_password("famille-tui:" + CHAMBON, REMEMBERED_LOGINS_KEY, "{not json")
    store = CredentialStore(backend)
    assert store.remembered_logins(CHAMBON) == []
    store.save(CHAMBON, "martin", "demo-martin")
    assert store.remembered_logins(CHAMBON) == ["martin"]
    backend.set_password("famille-tui:" + CHAMBON, REMEMBERED_LOGINS_KEY, '{"a": 1}')
    assert store.remembered_logins(CHAMBON) == []


@pytest.mark.parametrize("backend_class", [fail.Keyring, null.Keyring])
def test_no_keyring_means_nothing_is_stored_anywhere(
    backend_class: type[KeyringBackend], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every place a fallback could write to is a fresh, empty directory.
    places = {
        name: tmp_path / name.lower()
        for name in (
            "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME",
            "FAMILLE_TUI_CONFIG_DIR", "FAMILLE_TUI_STATE_DIR", "FAMILLE_TUI_DATA_DIR",
        )
    }
    for name, path in places.items():
        path.mkdir()
        monkeypatch.setenv(name, str(path))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)

    store = CredentialStore(backend_class())
    assert not store.available
    with pytest.raises(CredentialStoreUnavailable) as caught:
        store.save(CHAMBON, "martin", "demo-martin")
    assert "trousseau" in caught.value.message
    assert store.get(CHAMBON, "martin") is None
    assert store.remembered_logins(CHAMBON) == []
    store.forget(CHAMBON, "martin")

    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written == []
    for path in [*places.values(), cwd]:
        assert os.listdir(path) == []


def test_the_default_backend_is_the_os_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())  # type: ignore[no-untyped-call]
    assert not CredentialStore().available
    memory = MemoryKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", memory)
    store = CredentialStore()
    store.save(CHAMBON, "martin", "demo-martin")
    assert entries(memory)[("famille-tui:" + CHAMBON, "martin")] == "demo-martin"


def test_a_failing_keyring_is_caught() -> None:
    store = CredentialStore(LockedKeyring())  # type: ignore[no-untyped-call]
    assert store.available
    with pytest.raises(CredentialStoreUnavailable, match="pas été enregistré"):
        store.save(CHAMBON, "martin", "demo-martin")
    assert store.get(CHAMBON, "martin") is None
    assert store.remembered_logins(CHAMBON) == []
    with pytest.raises(CredentialStoreUnavailable, match="oublié"):
        store.forget(CHAMBON, "martin")


def test_a_half_done_save_is_undone() -> None:
    backend = HalfBrokenKeyring()
    store = CredentialStore(backend)
    with pytest.raises(CredentialStoreUnavailable):
        store.save(CHAMBON, "martin", "demo-martin")
    # The password is not left behind without its list entry.
    assert entries(backend) == {}
