"""The Espace Citoyens connector against the replica in the real embedded portal, over
loopback HTTP: every capability, both login variants, wrong and unknown logins, dead sessions
(500 and redirect) in the middle of a payment, a payment to « Réglée » through the TIPI
pages, and pages whose layout drifted."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from famille_tui.client.errors import (
    InvalidCredentials,
    NotOffered,
    PaymentRejected,
    PortalProtocolError,
    SessionExpired,
)
from famille_tui.client.portal_client import PortalClient
from famille_tui.client.portals import connector_for, detect_dialect
from famille_tui.client.portals.base import Capability
from famille_tui.client.portals.espace_citoyens.connector import EspaceCitoyensConnector
from famille_tui.client.portals.espace_citoyens.french import parse_cents, parse_date
from famille_tui.client.portals.espace_citoyens.urls import tenant_root
from famille_tui.portal.launcher import PortalProcess
from tests.support import CHAMBON, CHAPONOST, start_test_portal
from tests.support.drift import DriftProxy
from tests.support.sandbox import pay_in_sandbox

TENANTS = {CHAMBON: "lechambonfeugerolles", CHAPONOST: "chaponost"}
EMAIL = "claire.martin@exemple.fr"


def ec_url(portal: PortalProcess, commune: str = CHAMBON) -> str:
    return f"{portal.origin}/{TENANTS[commune]}/espace-citoyens/"


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, demo_database: Path
           ) -> Iterator[PortalProcess]:
    """One portal for the tests that only read."""
    process = start_test_portal(tmp_path_factory.mktemp("ec"), demo_database)
    try:
        yield process
    finally:
        process.stop()


async def _famille_api(portal: PortalProcess, commune: str) -> PortalClient:
    client = PortalClient(portal.base_url(commune))
    await client.login("martin", "demo-martin")
    return client


@pytest.fixture
async def chambon(portal: PortalProcess) -> AsyncIterator[EspaceCitoyensConnector]:
    connector = EspaceCitoyensConnector(ec_url(portal), poll_interval=1.0)
    await connector.login("martin", "demo-martin")
    try:
        yield connector
    finally:
        await connector.logout()
        await connector.aclose()


def _kill_sessions(portal: PortalProcess) -> None:
    """What an application-pool recycle does on the real site: every session forgotten."""
    conn = sqlite3.connect(portal.data_path, timeout=10)
    try:
        conn.execute("DELETE FROM ec_sessions")
        conn.commit()
    finally:
        conn.close()


# --- addresses and formats ---------------------------------------------------------------


def test_addresses_of_this_dialect_are_recognised() -> None:
    assert detect_dialect("https://www.espace-citoyens.net/lechambonfeugerolles/espace-citoyens"
                          ) == "espace-citoyens"
    assert detect_dialect("https://www.espace-citoyens.net/ville-coueron/") == "espace-citoyens"
    assert detect_dialect("http://127.0.0.1:8765/chaponost/espace-citoyens/") == "espace-citoyens"
    assert detect_dialect("http://127.0.0.1:8765/le-chambon-feugerolles/") == "famille-api"
    root, tenant = tenant_root(
        "https://www.espace-citoyens.net/lechambonfeugerolles/espace-citoyens/Home/AccueilPublic")
    assert (root, tenant) == (
        "https://www.espace-citoyens.net/lechambonfeugerolles/espace-citoyens/",
        "lechambonfeugerolles")
    assert tenant_root("https://www.espace-citoyens.net/bordeaux/")[0].endswith(
        "/bordeaux/espace-citoyens/")


def test_french_dates_and_decimal_commas() -> None:
    assert str(parse_date("15 janvier 2026")) == "2026-01-15"
    assert str(parse_date("1er octobre 2026")) == "2026-10-01"
    assert str(parse_date("jeudi 3 décembre 2026")) == "2026-12-03"
    assert parse_date("31 février 2026") is None
    assert parse_date("bientôt") is None
    assert parse_cents("312,40") == 31240
    assert parse_cents("1\u00a0234,56 €") == 123456
    assert parse_cents("0,6") == 60
    assert parse_cents("12 abc") is None
    assert parse_cents("-3,00") is None


# --- reading: the same family and invoices as the Famille API ----------------------------


@pytest.mark.parametrize("commune", [CHAMBON, CHAPONOST])  # form login, AJAX login
async def test_invoices_are_the_famille_api_ones(shared: PortalProcess, commune: str) -> None:
    reference = await _famille_api(shared, commune)
    async with connector_for(ec_url(shared, commune)) as portal:
        account = await portal.login("martin", "demo-martin")
        assert account.display_name == "Claire MARTIN"
        assert account.email == EMAIL
        mine = await portal.invoices()
    theirs = await reference.invoices()
    await reference.logout()
    await reference.aclose()

    def key(invoices: object) -> list[tuple[object, ...]]:
        return [(i.number, i.label, i.amount_cents, i.paid_cents, i.remaining_cents,
                 i.status, i.payable_online, i.issue_date, i.due_date, i.period_start,
                 i.period_end, i.children, i.service, i.not_payable_reason)
                for i in invoices]  # type: ignore[attr-defined]

    assert key(mine.invoices) == key(theirs.invoices)
    # No public fact says how Espace Citoyens shows a direct debit: the replica shows none, so
    # « Reste à payer » there counts what the Famille API leaves to the bank's direct debit.
    assert all(i.direct_debit_on is None for i in mine.invoices)
    debited = sum(i.remaining_cents for i in theirs.invoices if i.direct_debit_on is not None)
    assert mine.total_remaining_cents == theirs.total_remaining_cents + debited
    by_number = {i.number: i for i in mine.invoices}
    assert by_number[("" if commune == CHAMBON else "CP") + "2026110059"].not_payable_reason


async def test_family_and_entourage_are_read_from_the_person_pages(shared: PortalProcess) -> None:
    async with EspaceCitoyensConnector(ec_url(shared)) as portal:
        await portal.login("martin", "demo-martin")
        family = await portal.family()
        contacts = await portal.entourage()
        pdf = await portal.invoice_pdf((await portal.invoices()).invoices[0].id)
        await portal.logout()
    assert [(a.first_name, a.last_name, a.role) for a in family.adults] == [
        ("Claire", "MARTIN", "Mère"), ("Julien", "MARTIN", "Père")]
    assert [(c.id, c.first_name, str(c.birth_date), c.structure) for c in family.children] == [
        (3, "Léa", "2023-03-14", "Crèche Les Pirouettes"),
        (4, "Hugo", "2024-09-02", "Crèche Les Pirouettes")]
    assert family.name == "Famille Martin"
    assert [(c.first_name, c.relationship, c.phones, c.can_pick_up, c.emergency_contact)
            for c in contacts] == [
        ("Monique", "Grand-mère", ["04 77 00 33 44", "06 11 22 33 44"], True, True),
        ("Karim", "Voisin", ["06 55 44 33 22"], True, False)]
    assert pdf.startswith(b"%PDF-")


async def test_what_the_portal_lacks_is_not_offered(shared: PortalProcess) -> None:
    async with EspaceCitoyensConnector(ec_url(shared)) as portal:
        await portal.login("martin", "demo-martin")
        with pytest.raises(NotOffered, match="Les coordonnées : non proposé par ce portail"):
            await portal.profile()
        with pytest.raises(NotOffered, match="Le tableau de bord"):
            await portal.dashboard()
        # Its site has no form to answer a message: never an answer faked as sent.
        assert not portal.offers(Capability.MESSAGE_REPLY)
        with pytest.raises(NotOffered,
                           match="La réponse aux messages : non proposé par ce portail"):
            await portal.reply_to_message(1, "Bonjour")
        await portal.logout()


@pytest.mark.parametrize("commune", [CHAMBON, CHAPONOST])
async def test_wrong_password_and_unknown_login_say_the_same(shared: PortalProcess,
                                                            commune: str) -> None:
    async with EspaceCitoyensConnector(ec_url(shared, commune)) as portal:
        with pytest.raises(InvalidCredentials) as wrong:
            await portal.login("durand", "pas-le-bon")
        with pytest.raises(InvalidCredentials) as unknown:
            await portal.login("personne", "pas-le-bon")
        assert not portal.logged_in
    assert wrong.value.message.startswith("Identifiant ou mot de passe incorrect.")
    assert unknown.value.message.startswith("Identifiant ou mot de passe incorrect.")


async def test_logout_ends_the_session_on_the_portal(portal: PortalProcess) -> None:
    connector = EspaceCitoyensConnector(ec_url(portal))
    await connector.login("martin", "demo-martin")
    cookie = next(c.value for c in connector._http.cookies.jar
                  if c.name == "ASP.NET_SessionIdEC")
    await connector.logout()
    await connector.aclose()
    import httpx

    async with httpx.AsyncClient(trust_env=False,
                                 cookies={"ASP.NET_SessionIdEC": cookie}) as raw:
        answer = await raw.get(ec_url(portal) + "MonCompte")
    assert answer.status_code == 302
    assert "/Home/Logon" in answer.headers["location"]


# --- paying ------------------------------------------------------------------------------


async def _unpaid(portal: EspaceCitoyensConnector, number: str = "2026100042") -> int:
    invoices = (await portal.invoices()).invoices
    return next(i.id for i in invoices if i.number == number)


async def test_a_payment_becomes_reglee_through_the_tipi_pages(
    portal: PortalProcess, chambon: EspaceCitoyensConnector
) -> None:
    invoice_id = await _unpaid(chambon)
    payment = await chambon.create_payment([invoice_id], EMAIL, "cle-1")
    assert payment.amount_cents == 31240
    assert "refdet=&" in payment.payment_url and "mel=&" in payment.payment_url
    assert [(v.label, v.value) for v in chambon.retyped_values(payment)] == [
        ("Numéro de facture", "2026100042"), ("Adresse électronique", EMAIL)]
    again = await chambon.create_payment([invoice_id], EMAIL, "cle-1")
    assert again.id == payment.id  # the same summary pressed twice: one payment
    assert (await chambon.invoice(invoice_id)).status.value == "en_cours"
    # Another press while the first may still be paid: the portal refuses, and says why.
    with pytest.raises(PaymentRejected, match="déjà en cours pour la facture 2026100042"):
        await chambon.create_payment([invoice_id], EMAIL, "cle-2")

    text = await asyncio.to_thread(pay_in_sandbox, payment.payment_url, refdet="2026100042",
                                   email=EMAIL)
    assert "Paiement accepté" in text
    done = await chambon.payment(payment.id, wait=10)
    assert done.status.value == "paid"
    invoice = await chambon.invoice(invoice_id)
    assert (invoice.status.value, invoice.remaining_cents) == ("reglee", 0)
    famille_api = await _famille_api(portal, CHAMBON)
    same = [i for i in (await famille_api.invoices()).invoices if i.number == "2026100042"]
    await famille_api.aclose()
    assert same[0].status.value == "reglee"


async def test_payment_refuses_several_invoices_and_unpayable_ones(
    chambon: EspaceCitoyensConnector
) -> None:
    first, second = await _unpaid(chambon), await _unpaid(chambon, "2026110058")
    with pytest.raises(PaymentRejected, match="chaque facture se paie séparément"):
        await chambon.create_payment([first, second], EMAIL, "k")
    with pytest.raises(PaymentRejected, match="ne peut pas être payée en ligne"):
        await chambon.create_payment([await _unpaid(chambon, "2026110059")], EMAIL, "k2")
    with pytest.raises(PaymentRejected, match="déjà réglée"):
        await chambon.create_payment([await _unpaid(chambon, "2026080017")], EMAIL, "k3")


async def test_a_dead_session_mid_payment_redirect_then_500(
    portal: PortalProcess, chambon: EspaceCitoyensConnector
) -> None:
    invoice_id = await _unpaid(chambon)
    payment = await chambon.create_payment([invoice_id], EMAIL, "cle")
    _kill_sessions(portal)
    # Watching reads MonCompte, a page: the dead session redirects to Logon.
    with pytest.raises(SessionExpired):
        await chambon.payment(payment.id)
    assert not chambon.logged_in
    await chambon.relogin("demo-martin")
    assert (await chambon.payment(payment.id)).status.value == "pending"
    _kill_sessions(portal)
    # Starting another payment reads DetailFacture by AJAX: the dead session is a 500.
    with pytest.raises(SessionExpired):
        await chambon.create_payment([invoice_id], EMAIL, "autre")
    await chambon.relogin("demo-martin")
    await asyncio.to_thread(pay_in_sandbox, payment.payment_url, refdet="2026100042",
                            email=EMAIL)
    assert (await chambon.payment(payment.id, wait=10)).status.value == "paid"


async def test_the_watch_goes_on_after_a_restart_of_the_client(
    portal: PortalProcess, chambon: EspaceCitoyensConnector
) -> None:
    """The payment id holds what payment() needs: a new connector (the journal's resume)
    follows it to « Réglée »."""
    payment = await chambon.create_payment([await _unpaid(chambon)], EMAIL, "k")
    await asyncio.to_thread(pay_in_sandbox, payment.payment_url, refdet="2026100042",
                            email=EMAIL)
    async with EspaceCitoyensConnector(ec_url(portal)) as fresh:
        await fresh.login("martin", "demo-martin")
        seen = await fresh.payment(payment.id)
        await fresh.logout()
    assert (seen.status.value, seen.amount_cents, seen.reference) == ("paid", 31240,
                                                                      "2026100042")


# --- drifted pages -----------------------------------------------------------------------


@pytest.mark.parametrize(("rules", "call", "named"), [
    ({'id="hMonEspaceIdentite"': 'id="hIdentite"'}, "family", "#hMonEspaceIdentite"),
    ({'class="numero_facture"': 'class="numeroFacture"'}, "invoices", ".numero_facture"),
    ({r'<tr class="compte".*?</tr>': ""}, "invoices", "tr.compte"),
    ({'id="spanDetailFacture_MntTotalFacture"': 'id="spanMontant"'}, "invoices",
     "#spanDetailFacture_MntTotalFacture"),
    ({r'src="[^"]*/pere\.png"': 'src="/x/papa.png"'}, "family", "avatar"),
])
async def test_a_drifted_page_is_a_clear_error_naming_what_is_missing(
    shared: PortalProcess, rules: dict[str, str], call: str, named: str
) -> None:
    with DriftProxy(shared.origin, rules) as proxy:
        async with EspaceCitoyensConnector(
                f"{proxy.origin}/lechambonfeugerolles/espace-citoyens/") as portal:
            await portal.login("martin", "demo-martin")
            with pytest.raises(PortalProtocolError) as caught:
                await getattr(portal, call)()
            await portal.logout()
    assert named in caught.value.message
    assert "famille-tui doctor" in caught.value.message


async def test_a_login_form_without_its_token_is_named(shared: PortalProcess) -> None:
    with DriftProxy(shared.origin, {"__RequestVerificationToken": "__Jeton"}) as proxy:
        async with EspaceCitoyensConnector(
                f"{proxy.origin}/lechambonfeugerolles/espace-citoyens/") as portal:
            with pytest.raises(PortalProtocolError, match="__RequestVerificationToken"):
                await portal.login("martin", "demo-martin")
