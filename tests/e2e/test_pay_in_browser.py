"""End to end, as a person would: famille-tui in a real terminal, paying in a real browser.

`famille-tui --portal URL` runs in a tmux session (a real terminal, 100×30). The test types
like a parent: logs in as martin, opens « Mes factures », ticks an invoice, pays. The
program's "system browser" is a script in `BROWSER` that writes down the URL it is asked to
open; the test then drives Debian's headless Chromium (through Playwright, never a
downloaded browser) to that URL, fills the PayFiP sandbox pages with the test card
4111 1111 1111 1111 on the PayFiP stand-in's pages (the web service's `paiementws.web?idop=`),
takes a screenshot of the confirmation, and reads « Réglée » on the terminal screen: the
portal learnt it from PayFiP's `recupererDetailPaiementSecurise`, nothing else.

Without chromium or tmux the test is skipped on a developer machine, and fails in CI
(`CI=true`), where `make test` installs both.
"""

from __future__ import annotations

import os
import re
import shlex
import time
from pathlib import Path

import pytest

from famille_tui.portal.launcher import PortalProcess
from tests.support import CHAMBON
from tests.support.e2e import Terminal, famille_tui, pay_with_chromium, require_chromium, terminal
from tests.support.tui import opened_urls

pytestmark = pytest.mark.e2e
__all__ = ["terminal"]  # a fixture


def test_pay_an_invoice_in_a_real_terminal_and_a_real_browser(
    portal: PortalProcess,
    terminal: Terminal,
    browser_log: Path,
    tmp_path: Path,
) -> None:
    require_chromium()

    config_dir = Path(os.environ["FAMILLE_TUI_CONFIG_DIR"])
    # Demo mode: the PayFiP stand-in (http on loopback) is an allowed payment host.
    (config_dir / "config.toml").write_text("demo = true\n", encoding="utf-8")
    env = {
        name: os.environ[name]
        for name in ("FAMILLE_TUI_CONFIG_DIR", "FAMILLE_TUI_STATE_DIR",
                     "FAMILLE_TUI_DATA_DIR", "FAMILLE_TUI_DOWNLOAD_DIR",
                     # The PayFiP stand-in beside the test portal: allowed in demo mode.
                     "FAMILLE_TUI_PAYFIP_ORIGIN")
    }
    env |= {
        "BROWSER": os.environ["BROWSER"],
        # No keyring is touched: nothing is remembered on the machine running the tests.
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
    }
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    portal_url = portal.base_url(CHAMBON)
    terminal.start(f"env {exports} {shlex.quote(famille_tui())} --portal {portal_url}")

    # Log in as martin.
    terminal.wait_for("Identifiant", "Mot de passe")
    terminal.type("martin")
    terminal.key("Tab")
    terminal.type("demo-martin")
    terminal.key("Enter")
    terminal.wait_for("Famille Martin", "Reste à payer : 654,80\u00a0€")

    # « Mes factures »: the overdue invoice is first; tick it and pay.
    screen = terminal.press_until("4", "Afficher (f)", "2026100042", "en retard")
    assert "⚠ À payer, en retard" in screen
    terminal.key("Space")
    terminal.wait_for("1 facture cochée : 312,40\u00a0€")
    terminal.key("p")
    terminal.wait_for("Règlement par carte bancaire", "claire.martin@exemple.fr")
    terminal.key("Enter")
    terminal.wait_for("En attente du paiement")

    deadline = time.monotonic() + 15
    while not opened_urls(browser_log) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(opened_urls(browser_log)) == 1, "the program did not open the browser"
    url = opened_urls(browser_log)[0]
    # The PayFiP web service's page for the idOp the portal asked for: nothing else in it.
    assert re.fullmatch(re.escape(f"{portal.payfip_origin}/tpa/paiementws.web?idop=")
                        + r"[0-9a-f-]{36}", url), url

    screenshot = tmp_path / "paiement-accepte.png"
    page = pay_with_chromium(url, refdet="2026100042", screenshot=screenshot)
    assert "Paiement accepté" in page
    assert screenshot.stat().st_size > 1000

    # Back in the terminal, without touching anything: « Réglée », and the new total.
    screen = terminal.wait_for("✓ Réglée", "Reste à payer : 342,40\u00a0€", timeout=30)
    assert "justificatif" in screen

    terminal.key("Enter")
    terminal.key("f")  # « Réglées »
    screen = terminal.wait_for("[Réglées]", "2026100042")
    assert "✓ Réglée" in screen
    terminal.key("q")
