"""One journey per face against the real Noethysweb, as a parent goes: the portal recognised
from its login page (no `--dialect`), the captcha answered, two invoices paid one payment
after the other (the portal pays one per payment, said before the first), each in Debian's
chromium on the PayFiP stand-in's page, and the peer's own pages agreeing at the end. The
commands' journey is `test_paying_in_browser.py::test_pay_1003_wait…`.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pexpect
import pytest

from tests.support.e2e import (
    Terminal,
    famille_tui,
    pay_with_chromium,
    require_chromium,
    terminal,
    wait_for_value,
)
from tests.support.journey import CHOICE
from tests.support.noethysweb_peer import CAPTCHA, LOGIN, PASSWORD, NoethyswebPeer
from tests.support.tui import opened_urls

pytestmark = pytest.mark.e2e
__all__ = ["terminal"]  # a fixture

HALF_BLOCKS = set("▀▄█")
#: The two invoices the screen-reader journey pays, as its list names them.
INVOICE_LABELS = ("Facture n°1002", "Facture n°1003")
ONE_AFTER_THE_OTHER = "Ce portail paie une facture par paiement : 2 paiements"


@pytest.fixture(autouse=True)
def _chromium() -> None:
    require_chromium()


def _env() -> dict[str, str]:
    names = ("FAMILLE_TUI_CONFIG_DIR", "FAMILLE_TUI_STATE_DIR", "FAMILLE_TUI_DATA_DIR",
             "FAMILLE_TUI_DOWNLOAD_DIR", "FAMILLE_TUI_PAYFIP_ORIGIN", "BROWSER")
    return {name: os.environ[name] for name in names} | {
        # No keyring is touched: nothing is remembered on the machine running the tests.
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
    }


def _pay_next(browser_log: Path, count: int, refdet: str) -> None:
    """The `count`-th page the program opened, paid in chromium."""
    urls = wait_for_value(lambda: len(opened_urls(browser_log)) >= count and
                          opened_urls(browser_log), f"la page de paiement n° {count}")
    assert isinstance(urls, list) and len(urls) == count, urls
    assert f"refdet={refdet}&" in urls[-1], urls[-1]
    assert "Paiement accepté" in pay_with_chromium(urls[-1], refdet=refdet)


def _peer_agrees(peer: NoethyswebPeer, *numbers: str) -> None:
    """The peer's own list shows these invoices « Facture soldée », and its règlements one
    row of each invoice's amount."""
    with peer.browser() as browser:
        page = browser.get("/facturation").text
        reglements = browser.get("/reglements").text
    start = page.index('aria-label="Liste des dernières factures"')
    for number in numbers:
        row = re.search(rf"<td>\s*{number}\s*</td>.*?</tr>", page[start:], re.S)
        assert row and 'aria-label="Facture soldée"' in row.group(0), number
        seeded = next(f for f in peer.seed["factures"] if str(f["numero"]) == number)
        assert f"{float(seeded['solde_actuel']):.2f} €" in reglements, number


def test_tui_captcha_drawn_two_invoices_paid_one_after_the_other(
    noethysweb: NoethyswebPeer, terminal: Terminal, browser_log: Path,
) -> None:
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in _env().items())
    terminal.start(f"env {exports} {shlex.quote(famille_tui())} --portal {noethysweb.url}")

    # The login page, the portal's captcha drawn in the terminal under the password.
    screen = terminal.wait_for("Espace famille — 127.0.0.1:", "Identifiant", "Mot de passe",
                               "Code de sécurité", timeout=60)
    assert sum(screen.count(c) for c in HALF_BLOCKS) > 30, screen
    terminal.type(LOGIN)
    terminal.key("Tab")
    terminal.type(PASSWORD)
    terminal.key("Enter")  # on to the code
    terminal.wait_for("^g Nouveau code")
    terminal.type("faux")
    terminal.key("Enter")
    # The used code's drawing goes at once; the parent types once the new one is drawn.
    terminal.wait_for("n'est pas le bon", "Version audio du code", timeout=30,
                      gone=("Nouveau code en cours de chargement",))
    terminal.type(CAPTCHA)  # a new code was drawn; the test mode accepts PASSED
    terminal.key("Enter")
    terminal.wait_for("MARTIN Pierre et Sophie", "Reste à payer : 145,60\u00a0€", timeout=60)

    # « Mes factures »: tick 1002 and 1003, pay.
    terminal.press_until("4", "1001", "1002", "1003")
    terminal.key("Down", "Space", "Down", "Space")
    terminal.wait_for("2 factures cochées : 90,20\u00a0€")
    terminal.key("p")
    terminal.wait_for("Règlement par carte bancaire", ONE_AFTER_THE_OTHER,
                      "Le justificatif est envoyé par le portail")
    terminal.key("Enter")
    terminal.wait_for("En attente du paiement")
    _pay_next(browser_log, 1, "001002")
    terminal.wait_for("✓ Réglée", timeout=60)
    terminal.key("Enter")
    terminal.wait_for("Paiement 2 sur 2", "1003")
    terminal.key("Enter")
    terminal.wait_for("En attente du paiement")
    _pay_next(browser_log, 2, "001003")
    terminal.wait_for("✓ Réglée", timeout=60)
    terminal.key("Enter")
    terminal.wait_for("Reste à payer : 55,40\u00a0€", timeout=30)
    _peer_agrees(noethysweb, "1002", "1003")


def _choose(child: pexpect.spawn, entry: str) -> None:
    """Answer a menu with the number said before `entry`."""
    child.expect(re.escape(entry))
    menu = child.before + child.after
    child.expect(CHOICE)
    number = re.search(rf"(\d+)\W+{re.escape(entry)}", menu)
    assert number, menu
    child.sendline(number.group(1))


def test_screen_reader_captcha_audio_said_two_invoices_paid(
    noethysweb: NoethyswebPeer, browser_log: Path,
) -> None:
    child = pexpect.spawn(famille_tui(), ["--screen-reader", "--portal", noethysweb.url],
                          env={**os.environ, **_env(), "NO_COLOR": "1"}, encoding="utf-8",
                          timeout=60, dimensions=(40, 120))
    try:
        _choose(child, "Se connecter avec un identifiant")
        child.expect("Identifiant")
        child.sendline(LOGIN)
        child.expect("Mot de passe")
        child.sendline(PASSWORD)
        child.expect("recopier un code de sécurité")
        child.expect("Code de sécurité")
        child.sendline("a")  # its spoken version: the peer serves none, and says so
        child.expect("version audio du code de sécurité n'est pas disponible")
        child.expect("Code de sécurité")
        child.sendline("i")  # the image, for a parent who can read it
        child.expect("Code de sécurité")
        assert sum(child.before.count(c) for c in HALF_BLOCKS) > 30, child.before
        child.sendline("n")
        child.expect("Nouveau code de sécurité prêt")
        child.expect("Code de sécurité")
        child.sendline(CAPTCHA)
        child.expect("Connexion réussie")
        _choose(child, "Mes factures")
        child.expect("Payer une ou plusieurs factures")
        listing = child.before + child.after
        child.expect(CHOICE)
        listing += child.before
        # Invoices are ticked by their numbers in the list just heard (an entry names the
        # invoice by its label, period and amount; its detail has its number).
        picks = [re.search(rf"^(\d+) : [^\r\n]*{re.escape(label)}", listing, re.MULTILINE)
                 for label in INVOICE_LABELS]
        assert all(picks), listing
        child.sendline(re.findall(r"(\d+) : Payer une ou plusieurs", listing)[-1])
        child.expect("Factures à payer")
        child.expect(" : ")
        child.sendline(" ".join(p.group(1) for p in picks if p))
        child.expect(ONE_AFTER_THE_OTHER)
        child.expect("adresse e-mail qu'il a pour votre famille")
        child.expect("Paiement 1 sur 2")
        child.sendline("o")
        child.expect("Page de paiement ouverte")
        _pay_next(browser_log, 1, "001002")
        child.expect("Réglée", timeout=90)
        child.expect("Paiement 2 sur 2")
        child.sendline("o")
        child.expect("Page de paiement ouverte")
        _pay_next(browser_log, 2, "001003")
        child.expect("Réglée", timeout=90)
    finally:
        child.terminate(force=True)
    _peer_agrees(noethysweb, "1002", "1003")
