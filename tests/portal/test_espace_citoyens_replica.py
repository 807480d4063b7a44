"""The Espace Citoyens replica as the dialect file describes the real site, and what it does
with TIPI's unsigned notifications (portal/espace_citoyens/paying.py)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from famille_tui.portal.launcher import PortalProcess

TOKEN = re.compile(r'name="__RequestVerificationToken" (?:type="hidden" )?value="([^"]+)"')


def root(portal: PortalProcess, tenant: str = "lechambonfeugerolles") -> str:
    return f"{portal.origin}/{tenant}/espace-citoyens/"


@pytest.fixture
def browser(portal: PortalProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=root(portal), trust_env=False, timeout=30) as client:
        yield client


def login(client: httpx.Client, password: str = "demo-martin") -> httpx.Response:
    token = TOKEN.search(client.get("").text)
    assert token is not None
    return client.post("Home/Logon", data={"__RequestVerificationToken": token.group(1),
                                           "username": "martin", "password": password})


def test_form_login_302_and_session_cookie(browser: httpx.Client) -> None:
    home = browser.get("")
    assert 'id="idFormConnexion"' in home.text
    assert any(c.startswith("__RequestVerificationToken_") for c in browser.cookies)
    answer = login(browser)
    assert answer.status_code == 302
    assert answer.headers["location"].endswith(
        "/lechambonfeugerolles/espace-citoyens/CompteCitoyen")
    assert "ASP.NET_SessionIdEC" in browser.cookies
    page = browser.get("CompteCitoyen").text
    assert 'FichePersonne/DetailPersonne?idDynamic=1"' in page
    assert 'mere.png" alt="Claire MARTIN"' in page and "fillette.png" in page
    assert re.search(r'class="smarties">\d+ messages non lus<', page)


def test_failed_login_shows_erreur_login_and_the_form_again(browser: httpx.Client) -> None:
    answer = login(browser, "faux")
    assert answer.status_code == 200
    assert 'class="erreurLogin"' in answer.text and 'id="idFormConnexion"' in answer.text
    assert "ASP.NET_SessionIdEC" not in browser.cookies


def test_a_post_without_the_antiforgery_token_is_refused(browser: httpx.Client) -> None:
    answer = browser.post("Home/Logon", data={"username": "martin", "password": "demo-martin"})
    assert answer.status_code == 500
    assert "ASP.NET_SessionIdEC" not in browser.cookies


def test_the_ajax_variant(portal: PortalProcess) -> None:
    with httpx.Client(base_url=root(portal, "chaponost"), trust_env=False) as client:
        assert 'id="idFormConnexion"' not in client.get("").text
        ajax = {"X-Requested-With": "XMLHttpRequest"}
        modal = client.post("Home/RecupererModaleConnexion", headers=ajax)
        assert 'name="username"' in modal.text and 'name="password"' in modal.text
        ko = client.post("Home/LogonAjax", headers=ajax,
                         data={"username": "martin", "password": "x", "returnUrl": ""}).json()
        assert ko["Status"] == "KO"
        ok = client.post("Home/LogonAjax", headers=ajax, data={
            "username": "martin", "password": "demo-martin", "returnUrl": ""}).json()
        assert ok == {"Status": "OK", "locationHref": "/chaponost/espace-citoyens/CompteCitoyen"}
        calendar = client.get("FichePersonne/DetailPersonneGetCalendrier?idDynamic=3",
                              headers=ajax).json()
        assert calendar["EvenementSystemes"][0]["DateEvenement"] == "20261218"


def test_a_dead_session_is_a_redirect_for_pages_and_500_for_ajax(browser: httpx.Client) -> None:
    page = browser.get("MonCompte")
    assert page.status_code == 302 and "/Home/Logon?ReturnUrl=" in page.headers["location"]
    detail = browser.get("MonCompte/DetailFacture?IdFactureUnique=1",
                         headers={"X-Requested-With": "XMLHttpRequest"})
    assert detail.status_code == 500
    login(browser)
    assert browser.get("Home/LogOff").status_code == 302
    assert browser.get("MonCompte").status_code == 302


def test_another_familys_invoice_is_unknown(portal: PortalProcess, browser: httpx.Client) -> None:
    conn = sqlite3.connect(portal.data_path)
    durand = conn.execute("SELECT i.id FROM invoices i JOIN accounts a ON a.family_id ="
                          " i.family_id WHERE a.login = 'durand' LIMIT 1").fetchone()[0]
    conn.close()
    login(browser)
    for path in ("MonCompte/DetailFacture", "MonCompte/TelechargerPdfFacture"):
        assert browser.get(f"{path}?IdFactureUnique={durand}").status_code == 404


def test_portal_text_is_escaped(portal: PortalProcess, browser: httpx.Client) -> None:
    conn = sqlite3.connect(portal.data_path)
    conn.execute("UPDATE invoices SET label = '<script>alert(1)</script>' WHERE number ="
                 " '2026100042' AND commune = 'le-chambon-feugerolles'")
    conn.commit()
    conn.close()
    login(browser)
    page = browser.get("MonCompte").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def _press_pay(browser: httpx.Client) -> httpx.Response:
    rows = browser.get("MonCompte").text
    invoice_id = re.search(r'<tr class="compte" id="(\d+)"><td class="ligneCompte"><a [^>]*>'
                           r"Crèche Les Pirouettes – octobre", rows)
    assert invoice_id is not None
    detail = browser.get(f"MonCompte/DetailFacture?IdFactureUnique={invoice_id.group(1)}",
                         headers={"X-Requested-With": "XMLHttpRequest"}).text
    token = TOKEN.search(detail)
    assert token is not None and "Payer la facture" in detail
    return browser.post("MonCompte/PayerFacture", data={
        "__RequestVerificationToken": token.group(1), "IdFactureUnique": invoice_id.group(1)})


def _start_payment(browser: httpx.Client, *, logged_in: bool = False) -> dict[str, str]:
    if not logged_in:
        login(browser)
    answer = _press_pay(browser)
    assert answer.status_code == 302
    query = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query,
                                          keep_blank_values=True).items()}
    assert urlsplit(answer.headers["location"]).path == "/tpa/paiement.web"
    return query


def _notification(query: dict[str, str], **changes: str) -> dict[str, str]:
    fields = {k: query[k] for k in ("numcli", "exer", "objet", "montant", "saisie")}
    fields.update(refdet="2026100042", mel="claire.martin@exemple.fr", resultrans="P",
                  numauto="123456", dattrans="03122026", heurtrans="1012")
    fields.update(changes)
    return fields


def _remaining(browser: httpx.Client) -> str:
    rows = browser.get("MonCompte").text
    row = re.search(r"2026100042</td>.*?</tr>", rows)
    assert row is not None
    return row.group(0)


def test_payer_la_facture_leaves_refdet_and_mel_to_type(browser: httpx.Client) -> None:
    query = _start_payment(browser)
    assert query["refdet"] == "" and query["mel"] == ""
    assert query["montant"] == "31240" and query["numcli"] == "042063"
    assert "/PaiementEnLigne/Notification/" in query["urlcl"]


def test_notifications_are_checked_against_the_payment_of_their_secret(
    portal: PortalProcess, browser: httpx.Client
) -> None:
    query = _start_payment(browser)
    with httpx.Client(trust_env=False) as service:
        forged_url = query["urlcl"].rsplit("/", 1)[0] + "/devine"
        assert service.post(forged_url, data=_notification(query)).status_code == 409
        assert service.post(query["urlcl"], data=_notification(query, montant="100")
                            ).status_code == 409
        assert service.post(query["urlcl"], data=_notification(query, refdet="2026110058")
                            ).status_code == 409
        assert service.get(query["urlcl"]).status_code == 405
        assert "À régler" in _remaining(browser)
        assert service.post(query["urlcl"], data=_notification(query)).json() == {
            "resultat": "applied"}
        assert service.post(query["urlcl"], data=_notification(query)).json() == {
            "resultat": "replay"}
        assert service.post(query["urlcl"], data=_notification(query, resultrans="A")
                            ).status_code == 409
    assert "Réglée" in _remaining(browser) and "0,00 €" in _remaining(browser)
    conn = sqlite3.connect(portal.data_path)
    outcomes = [r[0] for r in conn.execute(
        "SELECT outcome FROM ec_notifications ORDER BY id")]
    conn.close()
    # The guessed address is not stored (anonymous requests cost nothing); the 5 others are.
    assert [o.split(":")[0] for o in outcomes] == [
        "rejected", "rejected", "applied", "replay", "rejected"]


def test_no_second_payment_while_one_may_be_paid(portal: PortalProcess,
                                                 browser: httpx.Client) -> None:
    first = _start_payment(browser)
    again = _press_pay(browser)
    assert again.status_code == 409 and "déjà en cours" in again.text
    # Past its time, a new payment may start; if both are paid, the money taken twice is
    # recorded and flagged, never dropped.
    conn = sqlite3.connect(portal.data_path)
    conn.execute("UPDATE ec_payments SET expires_at = 0")
    conn.commit()
    second = _start_payment(browser, logged_in=True)
    with httpx.Client(trust_env=False) as service:
        for query in (second, first):
            answer = service.post(query["urlcl"], data=_notification(query))
            assert answer.json() == {"resultat": "applied"}
    flags = [r[0] for r in conn.execute("SELECT flag FROM ec_payments ORDER BY created_at")]
    paid = conn.execute("SELECT paid_cents, amount_cents FROM invoices WHERE number ="
                        " '2026100042' AND commune = 'le-chambon-feugerolles'").fetchone()
    conn.close()
    assert flags == ["payé après l'expiration; facture déjà réglée : payée deux fois", None]
    assert paid == (31240, 31240)
