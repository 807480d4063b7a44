"""« Se souvenir de moi »: the OS keyring (an in-memory backend here), and nothing elsewhere."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from keyring.backends import fail
from textual.widgets import Button, Checkbox

from famille_tui.client.credentials import CredentialStore
from tests.support.keyring import MemoryKeyring
from tests.support.tui import log_in, screen_name, type_into, wait_until


async def test_remember_me_then_one_key_on_the_next_start(
    make_app: Any, keyring_backend: MemoryKeyring, portal: Any
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, remember=True)
        await wait_until(pilot, lambda: app.logged_in and screen_name(app) == "FamilyScreen",
                         what="logged in")
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, what="quit")
    assert "demo-martin" in keyring_backend.passwords.values()

    restarted = make_app()  # same keyring, a new process as far as the app knows
    async with restarted.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: screen_name(restarted) == "LoginScreen")
        button = restarted.screen.query_one("#as-martin", Button)
        assert str(button.label) == "Se connecter en tant que martin"
        assert restarted.focused is button
        await pilot.press("enter")  # the one key
        await wait_until(pilot, lambda: restarted.logged_in
                         and screen_name(restarted) == "FamilyScreen",
                         what="logged in with one key")


async def test_space_ticks_remember_me_and_enter_on_the_box_logs_in(
    make_app: Any, keyring_backend: MemoryKeyring, portal: Any
) -> None:
    # Textual's own checkbox toggles on Enter: ticked with Space, then Enter to log in, it
    # was silently unticked. Here Enter on the box sends the form, the box still ticked.
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen", what="login screen")
        await type_into(pilot, "login", "martin")
        await type_into(pilot, "password", "demo-martin")
        box = app.screen.query_one("#remember", Checkbox)
        box.focus()
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
        assert box.value
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.logged_in and screen_name(app) == "FamilyScreen",
                         what="logged in by Enter on the box")
    assert "demo-martin" in keyring_backend.passwords.values()


async def test_forget_this_account_removes_the_keyring_entry(
    make_app: Any, keyring_backend: MemoryKeyring, portal: Any
) -> None:
    store = CredentialStore(backend=keyring_backend)
    store.save(portal.base_url("le-chambon-feugerolles"), "martin", "demo-martin")
    app = make_app(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen")
        await pilot.click("#forget")
        await wait_until(pilot, lambda: not app.screen.query_one("#login-form")
                         .has_class("hidden"), what="form shown")
    assert "demo-martin" not in keyring_backend.passwords.values()
    assert store.remembered_logins(portal.base_url("le-chambon-feugerolles")) == []


async def test_a_stale_remembered_password_asks_for_the_new_one(
    make_app: Any, keyring_backend: MemoryKeyring, portal: Any
) -> None:
    store = CredentialStore(backend=keyring_backend)
    store.save(portal.base_url("le-chambon-feugerolles"), "martin", "ancien-mot-de-passe")
    app = make_app(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "n'est plus le bon" in str(
            app.screen.query_one("#notice").render()), what="stale password message")
        assert app.screen.query_one("#field-login").value == "martin"  # type: ignore[attr-defined]
    assert "ancien-mot-de-passe" not in keyring_backend.passwords.values()


def _files_containing(root: Path, secret: bytes) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            try:
                if secret in path.read_bytes():
                    found.append(path)
            except OSError:
                continue
    return found


async def test_without_a_keyring_the_box_says_so_and_nothing_is_written(
    make_app: Any, portal: Any, tmp_path: Path
) -> None:
    store = CredentialStore(backend=fail.Keyring())  # type: ignore[no-untyped-call]
    assert not store.available
    before = {p for p in tmp_path.rglob("*")}
    app = make_app(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen")
        box = app.screen.query_one("#remember", Checkbox)
        assert box.disabled
        assert "aucun trousseau" in str(box.label)
        await log_in(pilot)
        await wait_until(pilot, lambda: app.logged_in and screen_name(app) == "FamilyScreen")
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running)
    assert not box.value
    new_files = {p for p in tmp_path.rglob("*")} - before
    # The portal writes its own database (and journal) in tmp_path; nothing else appears.
    leaked = _files_containing(tmp_path, b"demo-martin")
    assert leaked == [], leaked
    for variable in ("FAMILLE_TUI_CONFIG_DIR", "FAMILLE_TUI_STATE_DIR", "FAMILLE_TUI_DATA_DIR"):
        directory = os.environ.get(variable)
        if directory and Path(directory).exists():
            assert _files_containing(Path(directory), b"demo-martin") == []
    assert all("sqlite" in p.name or p.is_dir() or "portal" in str(p) for p in new_files), \
        new_files


async def test_with_several_communes_the_remembered_one_opens_at_once(
    make_app: Any, keyring_backend: MemoryKeyring, portal: Any
) -> None:
    store = CredentialStore(backend=keyring_backend)
    store.save(portal.base_url("chaponost"), "martin", "demo-martin")
    app = make_app(communes=("le-chambon-feugerolles", "chaponost"), store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        # The commune picker is skipped: one key press (Enter) logs in.
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen", what="login")
        assert app.session.connector.commune == "chaponost"
        await wait_until(pilot, lambda: app.focused is app.screen.query_one("#as-martin"),
                         what="the remembered login focused")
        # Échap goes back to the list of communes, to pick another one.
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen_name(app) == "PortalChoiceScreen",
                         what="back to the communes")
        await pilot.press("up", "enter")  # Le Chambon-Feugerolles, above the remembered one
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen", what="other login")
        assert app.session.connector.commune == "le-chambon-feugerolles"
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen_name(app) == "PortalChoiceScreen",
                         what="back again")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen", what="login")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.logged_in and screen_name(app) == "FamilyScreen",
                         what="logged in at Chaponost with one key")
        assert app.session.connector.commune == "chaponost"


async def test_the_os_keyring_is_probed_after_the_first_frame(
    keyring_backend: MemoryKeyring, portal: Any
) -> None:
    # No store given: the app makes its own (the OS keyring, here the test's in-memory one)
    # once the login screen is drawn; the remembered login then takes the focus.
    from tests.support.tui import make_app

    url = portal.base_url("le-chambon-feugerolles")
    CredentialStore(backend=keyring_backend).save(url, "martin", "demo-martin")
    app = make_app(portal, probe_keyring=True)
    assert not app.credential_store_ready
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen", what="login")
        await wait_until(pilot, lambda: app.focused is app.screen.query_one("#as-martin"),
                         what="the remembered login, once the keyring answered")
        assert app.credential_store_ready
        assert app.screen.query_one("#login-form").has_class("hidden")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.logged_in and screen_name(app) == "FamilyScreen",
                         what="logged in with one key")


async def test_a_late_keyring_answer_leaves_a_form_being_filled_alone(
    make_app: Any, portal: Any
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen", what="login")
        await type_into(pilot, "login", "mar")
        # What the probe reports when the keyring answers after the parent started typing.
        await app.screen._show_keyring_state(True, ["martin"])
        await pilot.pause()
        assert not app.screen.query_one("#login-form").has_class("hidden")
        assert app.screen.query_one("#remembered").has_class("hidden")
        assert app.focused is app.screen.query_one("#login-input")
        # A keyring found missing late disables the box, unticked.
        box = app.screen.query_one("#remember", Checkbox)
        box.value = True
        await app.screen._show_keyring_state(False, [])
        assert box.disabled and not box.value
        assert "aucun trousseau" in str(box.label)
