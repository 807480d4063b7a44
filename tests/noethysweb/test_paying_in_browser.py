"""Paying the real Noethysweb in a real browser: the peer's TIPI URL is the PayFiP stand-in
(`famille-tui payfip --regie 123456=<the peer's origin>`), Debian's chromium fills its pages
with the test card (or « Annuler »), and the stand-in posts TIPI's notification to the
peer's `/retour_payfip`, as PayFiP does. Nothing here posts a notification itself.

What the peer records is read from its own pages (`/facturation`, `/reglements`) with a plain
HTTP client logged in as the family, never from the connector's parsing.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
from datetime import date
from pathlib import Path

import pexpect
import pytest

from famille_tui.api import InvoiceStatus, PaymentStatus
from famille_tui.client.errors import PaymentRejected
from famille_tui.client.payments import check_payment_url
from famille_tui.client.portals import connector_for
from famille_tui.client.portals.noethysweb.connector import NoethyswebConnector
from tests.support.e2e import famille_tui, pay_with_chromium, require_chromium, wait_for_value
from tests.support.noethysweb_peer import CAPTCHA, LOGIN, PASSWORD, NoethyswebPeer
from tests.support.tui import opened_urls

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _chromium() -> None:
    require_chromium()


async def _logged_in(peer: NoethyswebPeer) -> NoethyswebConnector:
    connector = connector_for(peer.url, dialect="noethysweb")
    assert isinstance(connector, NoethyswebConnector)
    await connector.login_challenge()
    await connector.login(LOGIN, PASSWORD, challenge_answer=CAPTCHA)
    return connector


def _reglements(page: str) -> list[tuple[str, str, str]]:
    """(date, mode, montant) of each row of the peer's « Liste des règlements effectués »."""
    start = page.find('aria-label="Liste des règlements effectués"')
    if start < 0:
        assert "Aucun règlement" in page, "page des règlements inattendue"
        return []
    body = page[start:page.index("</table>", start)]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [re.sub(r"<[^>]+>|\s+", " ", c).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if len(cells) >= 4:
            rows.append((cells[0], cells[1], cells[3]))
    return rows


def _invoice_cell(page: str, number: str) -> str:
    """The « Reste à régler » badge of one invoice in the peer's own list."""
    start = page.index('aria-label="Liste des dernières factures"')
    row = re.search(rf"<td>\s*{number}\s*</td>.*?</tr>", page[start:], re.S)
    assert row, f"facture {number} absente de la page du portail"
    badge = re.search(r'<span class="badge[^"]*"\s+aria-label="([^"]+)">([^<]+)</span>',
                      row.group(0))
    assert badge, row.group(0)
    return f"{badge.group(1)} | {badge.group(2).strip()}"


def _today() -> str:
    return date.today().strftime("%d/%m/%Y")


async def _pay_in_chromium(peer: NoethyswebPeer, portal: NoethyswebConnector, number: int,
                           key: str, outcome: str = "pay",
                           screenshot: Path | None = None) -> tuple[str, str]:
    """The payment started by the connector, paid (or cancelled) in chromium: the last
    page's text and the payment's id."""
    payment = await portal.create_payment([peer.invoice_pk(number)], "", key)
    # The client opens it: the stand-in's TIPI page, allowed on loopback in demo mode.
    url = check_payment_url(payment.payment_url, portal_url=peer.url, demo=True)
    assert url.startswith(f"{peer.payfip_origin}/tpa/paiement.web?numcli=123456&")
    text = await asyncio.to_thread(
        pay_with_chromium, url, refdet=payment.reference,
        outcome="cancel" if outcome == "cancel" else "pay", screenshot=screenshot)
    return text, payment.id


async def test_one_invoice_paid_in_chromium_is_reglee_with_its_reglement(
    noethysweb: NoethyswebPeer, tmp_path: Path,
) -> None:
    portal = await _logged_in(noethysweb)
    async with portal:
        shot = tmp_path / "payfip-noethysweb.png"
        text, payment_id = await _pay_in_chromium(noethysweb, portal, 1003, "k1",
                                                   screenshot=shot)
        assert "Paiement accepté" in text and "42,00" in text
        assert shot.stat().st_size > 1000
        final = await portal.payment(payment_id, wait=30)
        assert final.status is PaymentStatus.PAID
        invoice = next(i for i in (await portal.invoices()).invoices if i.number == "1003")
        assert invoice.status is InvoiceStatus.REGLEE and invoice.remaining_cents == 0
        await portal.logout()
    with noethysweb.browser() as browser:
        page = browser.get("/facturation").text
        reglements = _reglements(browser.get("/reglements").text)
    assert _invoice_cell(page, "1003") == "Facture soldée | 0.00 €"
    assert "Un paiement est en attente" not in page
    assert reglements == [(_today(), "Carte bancaire (PayFiP)", "42.00 €")]


async def test_two_invoices_are_paid_one_after_the_other_in_chromium(
    noethysweb: NoethyswebPeer,
) -> None:
    portal = await _logged_in(noethysweb)
    async with portal:
        with pytest.raises(PaymentRejected, match="une facture à la fois"):
            await portal.create_payment(
                [noethysweb.invoice_pk(1001), noethysweb.invoice_pk(1002)], "", "k2")
        for number, key in ((1001, "k3"), (1002, "k4")):
            text, payment_id = await _pay_in_chromium(noethysweb, portal, number, key)
            assert "Paiement accepté" in text
            assert (await portal.payment(payment_id, wait=30)).status is PaymentStatus.PAID
        statuses = {i.number: i.status for i in (await portal.invoices()).invoices}
        assert statuses == {"1001": InvoiceStatus.REGLEE, "1002": InvoiceStatus.REGLEE,
                            "1003": InvoiceStatus.A_PAYER}
        await portal.logout()
    with noethysweb.browser() as browser:
        page = browser.get("/facturation").text
        reglements = _reglements(browser.get("/reglements").text)
    assert _invoice_cell(page, "1001") == _invoice_cell(page, "1002") == (
        "Facture soldée | 0.00 €")
    assert _invoice_cell(page, "1003") == "Reste à régler : 42.00 € | 42.00 €"
    assert sorted(r[2] for r in reglements) == ["48.20 €", "55.40 €"]


async def test_a_payment_cancelled_in_chromium_is_back_to_unpaid(
    noethysweb: NoethyswebPeer,
) -> None:
    portal = await _logged_in(noethysweb)
    async with portal:
        payment = await portal.create_payment([noethysweb.invoice_pk(1002)], "", "k5")
        # Another run (the journal, after the terminal was closed) follows it from its id.
        other = await _logged_in(noethysweb)
        async with other:
            assert (await other.payment(payment.id)).status is PaymentStatus.PENDING
            pending = next(i for i in (await other.invoices()).invoices if i.number == "1002")
            assert pending.status is InvoiceStatus.EN_COURS
            await other.logout()
        text, payment_id = await _pay_in_chromium(noethysweb, portal, 1002, "k5",
                                                   outcome="cancel")
        assert payment_id == payment.id  # the same key: the same payment
        assert "aucune somme n'a été débitée" in text
        outcome = await portal.payment(payment_id, wait=30)
        assert outcome.status is PaymentStatus.CANCELLED
        invoice = next(i for i in (await portal.invoices()).invoices if i.number == "1002")
        assert invoice.status is InvoiceStatus.A_PAYER and invoice.payable_online
        assert invoice.remaining_cents == 4820
        await portal.logout()
    with noethysweb.browser() as browser:
        page = browser.get("/facturation").text
        reglements = _reglements(browser.get("/reglements").text)
    assert _invoice_cell(page, "1002") == "Reste à régler : 48.20 € | 48.20 €"
    assert reglements == []


def test_pay_1003_wait_exits_0_once_paid_in_chromium(
    noethysweb: NoethyswebPeer, browser_log: Path,
) -> None:
    """The issue's « done when »: `famille-tui --portal … --login F12340001 pay 1003 --wait`,
    the captcha typed on the terminal, paid in the browser with 4111 1111 1111 1111."""
    env = {**os.environ, "FAMILLE_TUI_PASSWORD": PASSWORD, "NO_COLOR": "1"}
    command = (f"{shlex.quote(famille_tui())} --portal {noethysweb.url} --login {LOGIN} "
               "pay 1003 --wait")
    child = pexpect.spawn("bash", ["-c", command], env=env, encoding="utf-8", timeout=90,
                          dimensions=(40, 100))
    child.expect("Code de sécurité")
    child.sendline(CAPTCHA)
    child.expect("Page de paiement ouverte")
    urls = wait_for_value(lambda: opened_urls(browser_log), "l'adresse donnée au navigateur",
                          timeout=15)
    assert isinstance(urls, list) and len(urls) == 1
    text = pay_with_chromium(urls[0], refdet="001003")
    assert "Paiement accepté" in text
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert "Réglée" in child.before or "réglé" in child.before, child.before
    with noethysweb.browser() as browser:
        page = browser.get("/facturation").text
        reglements = _reglements(browser.get("/reglements").text)
    # The peer's own « Facture soldée » and its new règlement agree with the invoice.
    seeded = next(f for f in noethysweb.seed["factures"] if int(f["numero"]) == 1003)
    assert _invoice_cell(page, "1003") == "Facture soldée | 0.00 €"
    assert reglements == [(_today(), "Carte bancaire (PayFiP)",
                           f"{float(seeded['solde_actuel']):.2f} €")]
