"""The TUI under faults and a hostile portal, and what a full journey leaves on disk.

- No secret at rest: log in with « Se souvenir de moi » (the keyring is the tests'
  MemoryKeyring), pay an invoice through the sandbox, quit; then every file the program and
  the portal wrote (config, state, data, downloads, the portal's SQLite, WAL and log) is
  searched for the password, the bearer token and the card number: none may be there.
- Session expiring mid-payment: the password is asked again, the same payment is followed
  to « Réglée ».
- A slow portal (a real loopback server that never answers) and escape sequences in an
  invoice label (shown as text in the table and the detail).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from famille_tui.portal.launcher import PortalProcess
from famille_tui.tui.screens.invoices import InvoicesScreen
from famille_tui.tui.screens.payment_wait import PaymentWaitScreen
from famille_tui.tui.widgets.notice import Notice
from tests.faults.hostile import HostileServer, silent
from tests.support import expire_sessions
from tests.support.keyring import MemoryKeyring
from tests.support.sandbox import ACCEPTED_CARD, pay_in_sandbox
from tests.support.tui import (
    field,
    log_in,
    make_app,
    screen_name,
    wait_until,
)

OVERDUE = "2026100042"
SIZE = (130, 45)


@pytest.fixture(autouse=True)
def _browser(browser_log: Path) -> Path:
    """Every test here has the browser that writes down what it opens (tests/conftest.py)."""
    return browser_log


async def family_space(pilot: Any, *, remember: bool = False) -> None:
    await log_in(pilot, remember=remember)
    app = pilot.app
    await wait_until(pilot, lambda: screen_name(app) == "FamilyScreen" and app.logged_in,
                     what="family space")


async def invoices(pilot: Any) -> InvoicesScreen:
    await pilot.press("4")
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, InvoicesScreen)
                     and app.screen.invoices, what="invoices")
    screen = app.screen
    assert isinstance(screen, InvoicesScreen)
    return screen


async def start_paying(pilot: Any, screen: InvoicesScreen, log: Path) -> tuple[Any, str]:
    app = pilot.app
    screen.toggle(next(i.id for i in screen.invoices if i.number == OVERDUE))
    await pilot.press("p")
    await wait_until(pilot, lambda: screen_name(app) == "PaymentSummaryScreen", what="summary")
    summary = app.screen
    await wait_until(pilot, lambda: summary.query_one("#field-email").value, what="e-mail")
    await pilot.press("enter")
    await wait_until(pilot, lambda: screen_name(app) == "PaymentWaitScreen", what="waiting")
    await wait_until(pilot, lambda: log.exists() and log.read_text().split(), what="browser")
    return app.screen, log.read_text().split()[-1]


def title(wait: Any) -> str:
    return str(wait.query_one("#wait-title", Static).content)


def files_under(*roots: Path) -> Iterator[Path]:
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file():
                yield path


async def test_no_secret_at_rest_after_a_full_journey(
    portal: PortalProcess, tmp_path: Path, browser_log: Path, isolated_dirs: MemoryKeyring,
) -> None:
    app = make_app(portal)
    async with app.run_test(size=SIZE) as pilot:
        await family_space(pilot, remember=True)
        assert app.session is not None
        client: Any = app.session.connector
        token = client._token
        assert token
        screen = await invoices(pilot)
        wait, url = await start_paying(pilot, screen, browser_log)
        await asyncio.to_thread(pay_in_sandbox, url)
        await wait_until(pilot, lambda: "Réglée" in title(wait), what="Réglée")
        await app.action_quit()
    # « Se souvenir de moi » did keep the password, in the keyring and only there.
    assert "demo-martin" in isolated_dirs.passwords.values()
    secrets = {
        "password": b"demo-martin",
        "token": token.encode(),
        "card": ACCEPTED_CARD.encode(),
        "card digits": ACCEPTED_CARD.replace(" ", "").encode(),
    }
    written = list(files_under(tmp_path / "dirs", portal.data_path.parent))
    assert any(p.name.endswith(".sqlite3") for p in written)  # the portal's data is searched
    for path in written:
        content = path.read_bytes()
        for name, secret in secrets.items():
            assert secret not in content, f"{name} found in {path}"


async def test_session_expiring_mid_payment_keeps_the_payment(
    portal: PortalProcess, browser_log: Path,
) -> None:
    app = make_app(portal)
    async with app.run_test(size=SIZE) as pilot:
        await family_space(pilot)
        screen = await invoices(pilot)
        wait, url = await start_paying(pilot, screen, browser_log)
        payment_id = wait.watched.payment_id
        expire_sessions(portal.data_path)
        await asyncio.to_thread(pay_in_sandbox, url)  # the long poll wakes up: « expirée »
        await wait_until(pilot, lambda: screen_name(app) == "SessionPasswordScreen",
                         what="password asked again")
        field(app, "password").input.focus()
        await pilot.press(*"demo-martin", "enter")
        await wait_until(pilot, lambda: screen_name(app) == "PaymentWaitScreen",
                         what="back to the same payment")
        wait = app.screen
        assert isinstance(wait, PaymentWaitScreen)
        assert wait.watched.payment_id == payment_id
        await wait_until(pilot, lambda: "Réglée" in title(wait), what="Réglée")
        await app.action_quit()


async def test_slow_portal_says_so_in_french() -> None:
    server = HostileServer()
    server.faults["POST session"] = silent(3.0)
    try:
        app = make_app(server, timeout=0.5)
        async with app.run_test(size=SIZE) as pilot:
            await log_in(pilot)
            await wait_until(pilot, lambda: "met trop de temps à répondre"
                             in str(app.screen.query_one(Notice).content),
                             what="a French sentence")
            assert screen_name(app) == "LoginScreen"
            await app.action_quit()
    finally:
        server.close()


async def test_escape_sequences_in_a_label_are_shown_as_text(portal: PortalProcess) -> None:
    label = "Cantine \x1b]52;c;ZWNobyBwd25lZA==\x07 \x1b[2J fin"
    with sqlite3.connect(portal.data_path) as conn:
        conn.execute("UPDATE invoices SET label = ? WHERE number = ?", (label, OVERDUE))
    app = make_app(portal)
    async with app.run_test(size=SIZE) as pilot:
        await family_space(pilot)
        screen = await invoices(pilot)
        invoice = next(i for i in screen.invoices if i.number == OVERDUE)
        assert "\x1b" not in invoice.label and "\x07" not in invoice.label
        assert invoice.label.startswith("Cantine ␛]52")
        table: Any = screen.query_one("#invoice-table")
        cells = " ".join(str(c) for c in table.get_row(str(invoice.id)))
        assert "\x1b" not in cells and "Cantine" in cells
        picture = app.export_screenshot()
        assert "Cantine" in picture and "\x1b]52" not in picture
        await app.action_quit()
