"""The Noethysweb connector against the real Noethysweb (shared/peers/noethysweb).

What the peer itself shows is read with a plain HTTP client logged in as the family
(`peer.browser()`), so that each test compares the connector's answer with the portal's own
page, not with a number written here. Here the TIPI notification is the peer's own
`/retour_payfip`, posted by the test (held back to observe the pending window); paying in a
real browser through the PayFiP stand-in is `test_paying_in_browser.py`.
"""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import AsyncIterator

import httpx
import pytest

from famille_tui.api import InvoiceFilter, InvoiceStatus, PaymentStatus
from famille_tui.client.errors import (
    ChallengeFailed,
    InvalidCredentials,
    NotFound,
    NotOffered,
    PaymentRejected,
    SessionExpired,
)
from famille_tui.client.portals import Capability, connector_for, probe_dialect
from famille_tui.client.portals.noethysweb.connector import NoethyswebConnector
from tests.support.noethysweb_peer import CAPTCHA, LOGIN, PASSWORD, NoethyswebPeer


def _pdf_text(pdf: bytes) -> str:
    """The text shown by a ReportLab PDF (ASCII85 + Flate streams, `(…) Tj` strings, the
    Latin-1 escapes of its standard fonts), one string per line."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        raw = stream.strip()
        if not raw.endswith(b"~>"):
            continue
        content = zlib.decompress(base64.a85decode(b"<~" + raw.removeprefix(b"<~"),
                                                   adobe=True))
        for literal in re.findall(rb"\(((?:[^()\\]|\\.)*)\) Tj", content):
            unescaped = re.sub(rb"\\([0-7]{3}|.)", lambda m: bytes(
                [int(m.group(1), 8)]) if len(m.group(1)) == 3 else m.group(1), literal)
            shown.append(unescaped.decode("latin-1"))
    lines, line = [], ""
    for piece in shown:  # a label and its value are two strings on one line
        line = f"{line} {piece}".strip() if line.endswith(":") else piece
        if not line.endswith(":"):
            lines.append(line)
            line = ""
    return "\n".join(lines)


async def _logged_in(peer: NoethyswebPeer) -> NoethyswebConnector:
    connector = connector_for(peer.url, dialect="noethysweb")
    assert isinstance(connector, NoethyswebConnector)
    challenge = await connector.login_challenge()
    assert challenge is not None
    await connector.login(LOGIN, PASSWORD, challenge_answer=CAPTCHA)
    return connector


@pytest.fixture
async def family_portal(noethysweb: NoethyswebPeer) -> AsyncIterator[NoethyswebConnector]:
    connector = await _logged_in(noethysweb)
    try:
        yield connector
    finally:
        await connector.logout()
        await connector.aclose()


def _badge_of(page: str, number: str) -> str:
    """The « Reste à régler » cell of one invoice in the peer's own list, as HTML."""
    list_start = page.index('aria-label="Liste des dernières factures"')
    row = re.search(rf"<td>\s*{number}\s*</td>.*?</tr>", page[list_start:], re.S)
    assert row, f"facture {number} absente de la page du portail"
    return row.group(0)


async def test_recognised_from_its_login_page(noethysweb_seeded: NoethyswebPeer,
                                              chambon_url: str) -> None:
    assert await probe_dialect(noethysweb_seeded.url) == "noethysweb"
    assert await probe_dialect(chambon_url) == "famille-api"


async def test_login_wrong_captcha_wrong_password_then_right(
    noethysweb_seeded: NoethyswebPeer,
) -> None:
    async with connector_for(noethysweb_seeded.url, dialect="noethysweb") as portal:
        challenge = await portal.login_challenge()
        assert challenge is not None
        assert challenge.image_png is not None and challenge.image_png.startswith(b"\x89PNG")
        assert challenge.audio_url == (
            f"{noethysweb_seeded.origin}/captcha/audio/{challenge.key}.wav")
        # The peer serves no sound (django-simple-captcha without flite): said in French.
        with pytest.raises(NotOffered, match="audio"):
            await portal.challenge_audio(challenge)
        with pytest.raises(ChallengeFailed):
            await portal.login(LOGIN, PASSWORD, challenge_answer="WRONG")
        # « nouveau code »: the portal's refresh gives another key and image.
        fresh = await portal.login_challenge()
        assert fresh is not None and fresh.key != challenge.key
        with pytest.raises(InvalidCredentials):
            await portal.login(LOGIN, "pas-le-bon", challenge_answer=CAPTCHA)
        assert not portal.logged_in
        await portal.login_challenge()
        with pytest.raises(ChallengeFailed, match="code de sécurité"):
            await portal.login(LOGIN, PASSWORD)  # no answer at all
        await portal.login_challenge()
        account = await portal.login(LOGIN, PASSWORD, challenge_answer="passed")
        assert portal.logged_in
        assert account.login == LOGIN
        assert account.family_name == noethysweb_seeded.seed["famille_nom"]
        await portal.logout()
        assert not portal.logged_in


async def test_csrf_token_rotates_at_login_and_logout_ends_the_session(
    noethysweb_seeded: NoethyswebPeer,
) -> None:
    portal = connector_for(noethysweb_seeded.url, dialect="noethysweb")
    assert isinstance(portal, NoethyswebConnector)
    async with portal:
        await portal.login_challenge()
        before = portal._http.cookies.get("csrftoken")
        await portal.login(LOGIN, PASSWORD, challenge_answer=CAPTCHA)
        after = portal._http.cookies.get("csrftoken")
        session = portal._http.cookies.get("sessionid")
        assert before and after and before != after
        await portal.logout()
    # The old session cookie no longer opens the family's pages on the portal.
    with httpx.Client(base_url=noethysweb_seeded.origin,
                      cookies={"sessionid": session or ""}) as browser:
        answer = browser.get("/facturation")
    assert answer.status_code == 302
    assert answer.headers["location"].endswith("/connexion")


async def test_a_session_ended_elsewhere_is_session_expired(
    noethysweb_seeded: NoethyswebPeer,
) -> None:
    portal = await _logged_in(noethysweb_seeded)
    async with portal:
        cookies = {"sessionid": portal._http.cookies["sessionid"],
                   "csrftoken": portal._http.cookies["csrftoken"]}
        with httpx.Client(base_url=noethysweb_seeded.origin, cookies=cookies) as other:
            other.post("/deconnexion", data={"csrfmiddlewaretoken": cookies["csrftoken"]})
        with pytest.raises(SessionExpired):
            await portal.invoices()
        assert not portal.logged_in
        assert portal.account is not None  # kept, for relogin


async def test_family_and_entourage(noethysweb_seeded: NoethyswebPeer) -> None:
    portal = await _logged_in(noethysweb_seeded)
    async with portal:
        assert portal.offers(Capability.FAMILY) and portal.offers(Capability.ENTOURAGE)
        family = await portal.family()
        assert family.name == "MARTIN Pierre et Sophie"
        assert [(a.first_name, a.last_name) for a in family.adults] == [
            ("Pierre", "MARTIN"), ("Sophie", "MARTIN")]
        children = {c.first_name: c for c in family.children}
        assert set(children) == {"Lucas", "Emma"}
        assert children["Lucas"].birth_date.isoformat() == "2015-05-20"
        assert children["Emma"].birth_date.isoformat() == "2018-09-08"
        # The seeded family has no emergency contact: the portal says « Aucun contact
        # enregistré » on each child's page.
        assert await portal.entourage() == []
        await portal.logout()


async def test_invoices_are_those_the_portal_shows(noethysweb_seeded: NoethyswebPeer) -> None:
    portal = await _logged_in(noethysweb_seeded)
    async with portal:
        listing = await portal.invoices()
        with noethysweb_seeded.browser() as browser:
            page = browser.get("/facturation").text
        shown = {}
        for invoice in listing.invoices:
            cell = _badge_of(page, invoice.number)
            amount = re.search(r'aria-label="Reste à régler : ([\d.]+) €"', cell)
            assert amount, cell
            shown[invoice.number] = round(float(amount.group(1)) * 100)
        assert {i.number: i.remaining_cents for i in listing.invoices} == shown
        seeded = {str(f["numero"]): round(float(f["solde_actuel"]) * 100)
                  for f in noethysweb_seeded.seed["factures"]}
        assert shown == seeded
        assert listing.total_remaining_cents == sum(seeded.values())
        assert all(i.status is InvoiceStatus.A_PAYER and i.payable_online
                   for i in listing.invoices)
        assert (await portal.invoices(InvoiceFilter.PAID)).invoices == []
        detail = await portal.invoice(noethysweb_seeded.invoice_pk(1003))
        assert detail.service == "Accueil périscolaire"
        assert detail.children == ["MARTIN Lucas"]
        assert detail.period_start.isoformat().endswith("-03-01")
        await portal.logout()


async def test_pdf_where_the_portal_offers_none(noethysweb_seeded: NoethyswebPeer) -> None:
    portal = await _logged_in(noethysweb_seeded)
    async with portal:
        await portal.invoices()
        assert not portal.offers(Capability.INVOICE_PDF)
        with pytest.raises(NotOffered, match="non proposé par ce portail"):
            await portal.invoice_pdf(noethysweb_seeded.invoice_pk(1001))
        await portal.logout()


async def test_pdf_once_the_administrator_offers_it(noethysweb: NoethyswebPeer) -> None:
    # A print model and « télécharger la facture » set as the town's administrator would;
    # the server itself serves /media/ only with DEBUG (in production its web server does).
    noethysweb.enable_invoice_pdf()
    noethysweb.restart(debug=True)
    with noethysweb.browser() as browser:
        page = browser.get("/facturation").text
    assert 'aria-label="Télécharger la facture 1002"' in page
    portal = await _logged_in(noethysweb)
    async with portal:
        await portal.invoices()
        assert portal.offers(Capability.INVOICE_PDF)
        pdf = await portal.invoice_pdf(noethysweb.invoice_pk(1002))
        assert pdf.startswith(b"%PDF-") and len(pdf) > 1000
        # The portal's own document (ReportLab): the invoice's number, period and amount.
        text = _pdf_text(pdf)
        assert "Numéro de facture : 001002" in text
        assert "Période du 01/02/2026 au 28/02/2026" in text
        assert "Total période : 48.20" in text
        with pytest.raises(NotFound):
            await portal.invoice_pdf(999_999)
        await portal.logout()


async def test_pending_window_is_en_attente_until_the_reglement_is_recorded(
    noethysweb: NoethyswebPeer, family_portal: NoethyswebConnector,
) -> None:
    pk = noethysweb.invoice_pk(1003)
    assert family_portal.payment_terms.max_invoices_per_payment == 1
    payment = await family_portal.create_payment([pk], "", "clé-1")
    assert payment.status is PaymentStatus.PENDING and payment.amount_cents == 4200
    assert payment.reference == "001003"
    assert "refdet=001003" in payment.payment_url and "montant=4200" in payment.payment_url
    # Same key, same payment (a double press makes no second Paiement on the portal).
    assert await family_portal.create_payment([pk], "", "clé-1") == payment

    # The notification is held back. The portal's own list shows the invoice like a paid
    # one; only the alert (and no règlement) says otherwise.
    with noethysweb.browser() as browser:
        page = browser.get("/facturation").text
        assert 'aria-label="Facture soldée"' in _badge_of(page, "1003")
        assert "Un paiement est en attente" in page
        assert "Aucun règlement" in browser.get("/reglements").text
    listing = await family_portal.invoices()
    pending = next(i for i in listing.invoices if i.number == "1003")
    assert pending.status is InvoiceStatus.EN_COURS
    assert pending.remaining_cents == 4200
    assert pending.pending_payment_id == payment.id
    assert (await family_portal.payment(payment.id)).status is PaymentStatus.PENDING
    assert all(i.status is not InvoiceStatus.REGLEE
               for i in (await family_portal.invoices()).invoices)

    # PayFiP's notification reaches the portal: the règlement is recorded.
    answer = noethysweb.notify(payment.reference, "P")
    assert answer.status_code == 200
    settled = await family_portal.payment(payment.id)
    assert settled.status is PaymentStatus.PAID
    paid = next(i for i in (await family_portal.invoices()).invoices if i.number == "1003")
    assert paid.status is InvoiceStatus.REGLEE and paid.remaining_cents == 0
    with noethysweb.browser() as browser:
        page = browser.get("/facturation").text
        reglements = browser.get("/reglements").text
    assert "Un paiement est en attente" not in page
    assert 'aria-label="Facture soldée"' in _badge_of(page, "1003")
    assert "42.00 €" in reglements and 'aria-label="Liste des règlements effectués"' in reglements

    # A replayed notification is a 500 on the peer (an upstream bug); nothing changes.
    assert noethysweb.notify(payment.reference, "P").status_code == 500
    assert (await family_portal.payment(payment.id)).status is PaymentStatus.PAID
    with noethysweb.browser() as browser:
        assert browser.get("/reglements").text.count("42.00 €") == 1


async def test_an_amount_under_the_portal_minimum_is_a_french_sentence(
    noethysweb: NoethyswebPeer,
) -> None:
    # The town sets its minimum above the invoice: the peer answers 500 (an upstream bug).
    noethysweb.set_parameter("paiement_ligne_montant_minimal", "50.00")
    portal = await _logged_in(noethysweb)
    async with portal:
        with pytest.raises(PaymentRejected) as refused:
            await portal.create_payment([noethysweb.invoice_pk(1003)], "", "clé-6")
        assert "aucun paiement n'a été fait" in refused.value.message
        assert refused.value.status == 500
        await portal.logout()
