"""Paying through the PayFiP stand-in's pages, and what the portal believes: only PayFiP's
answer to `recupererDetailPaiementSecurise`. Each attack of issue 11 is a test here: a
hand-made « P » (POST or GET, TIPI-shaped or with the idOp), an « A » from whoever holds the
short link, a card accepted at the expiry, a forged Host header, a flood of anonymous
notifications."""

from __future__ import annotations

import re
import sqlite3
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.portal.helpers import Api, db_rows, error_of
from tests.support.sandbox import REFUSED_CARD, page_text, pay_in_sandbox, standin_outbox

EMAIL = "claire.martin@exemple.fr"
CHAMBON = "le-chambon-feugerolles"


def _new_payment(api: Api, numbers: tuple[str, ...] = ("2026100042",)) -> dict[str, Any]:
    ids = [api.invoice_by_number(n)["id"] for n in numbers]
    response = api.post("payments", json={"invoice_ids": ids, "email": EMAIL})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _status(api: Api, payment: dict[str, Any]) -> str:
    return str(api.get(f"payments/{payment['id']}").json()["status"])


def _idop(payment: dict[str, Any]) -> str:
    return parse_qs(urlsplit(payment["payment_url"]).query)["idop"][0]


def _notify_url(api: Api, path: str = "payfip/notification") -> str:
    return api.portal.base_url(CHAMBON) + path


def test_accepted_card_pays_and_sends_the_confirmation(martin: Api) -> None:
    payment = _new_payment(martin, ("2026100042", "2026100043"))
    text = pay_in_sandbox(payment["payment_url"], email="claire.pro@exemple.fr")
    assert "Paiement accepté" in text
    assert "357,40 €" in text
    assert "claire.pro@exemple.fr" in text
    done = martin.get(f"payments/{payment['id']}").json()
    assert done["status"] == "paid"
    assert re.fullmatch(r"\d{6}", done["authorization_number"])
    assert done["paid_at"] is not None
    for number in ("2026100042", "2026100043"):
        invoice = martin.invoice_by_number(number)
        assert (invoice["status"], invoice["remaining_cents"]) == ("reglee", 0)
        # The invoice's proof is this payment's: its time, its part, its authorisation.
        card = invoice["receipts"][-1]
        assert (card["method"], card["payment_id"], card["authorization_number"],
                card["paid_at"]) == ("card", payment["id"], done["authorization_number"],
                                     done["paid_at"])
    assert [r["amount_cents"] for r in martin.invoice_by_number("2026100043")["receipts"]] == [
        4500, 4500]
    assert martin.get("invoices").json()["total_remaining_cents"] == 29680 + 60
    mail = standin_outbox(payment["payment_url"])[-1]
    assert mail["to"] == "claire.pro@exemple.fr"
    assert mail["subject"] == "PayFiP – confirmation de votre paiement"
    assert "357,40\u00a0€" in mail["body"] and done["authorization_number"] in mail["body"]
    # What decided it is PayFiP's own answer, kept with the payment.
    (detail,) = db_rows(martin.portal, "SELECT resultrans, flag FROM payfip_operations"
                        " WHERE payment_id = ?", payment["id"])
    assert detail == ("P", None)


def test_refused_card_leaves_the_invoice_to_pay(martin: Api) -> None:
    payment = _new_payment(martin)
    before = len(standin_outbox(payment["payment_url"]))
    text = pay_in_sandbox(payment["payment_url"], card=REFUSED_CARD)
    assert "Paiement refusé" in text and "Aucune somme n'a été débitée" in text
    assert _status(martin, payment) == "refused"
    invoice = martin.invoice_by_number("2026100042")
    assert (invoice["status"], invoice["remaining_cents"]) == ("a_payer", 31240)
    assert len(standin_outbox(payment["payment_url"])) == before
    # PayFiP's answer is known (refused): the parent can try again at once.
    assert "Paiement accepté" in pay_in_sandbox(_new_payment(martin)["payment_url"])


@pytest.mark.parametrize("step", [1, 2, 3])
def test_annuler_abandons_at_every_step(martin: Api, step: int) -> None:
    payment = _new_payment(martin)
    text = pay_in_sandbox(payment["payment_url"], outcome="cancel", cancel_at=step)
    assert "Paiement abandonné" in text
    assert _status(martin, payment) == "cancelled"
    assert martin.invoice_by_number("2026100042")["status"] == "a_payer"


def test_the_invoice_number_is_the_one_on_the_invoice(martin: Api) -> None:
    """Leaflet, step 4: « renseignez le numéro de facture ». The field holds the number the
    parent sees; typing it (or another invoice of the payment) works; a wrong one is said,
    and what was typed stays in the field."""
    payment = _new_payment(martin, ("2026100042", "2026100043"))
    with httpx.Client(trust_env=False) as browser:
        html = browser.get(payment["payment_url"]).text
    assert 'id="refdet" name="refdet" value="2026100042"' in html
    wrong = pay_in_sandbox(payment["payment_url"], refdet="2026999999")
    # A payment of two invoices names both, in the hint and in the error (issue 19, bug 5).
    assert "l'un de ceux que ce paiement règle : 2026100042 ou 2026100043" in html
    assert ("ce n'est pas celui de cette demande de paiement (factures 2026100042 ou "
            "2026100043)") in wrong
    assert "Référence</dt><dd>2026100042 (transmise par votre collectivité)" in html
    assert _status(martin, payment) == "pending"
    assert "Paiement accepté" in pay_in_sandbox(payment["payment_url"], refdet="2026100043")
    assert _status(martin, payment) == "paid"


def test_a_wrong_invoice_number_keeps_what_was_typed(martin: Api) -> None:
    payment = _new_payment(martin)
    with httpx.Client(trust_env=False) as browser:
        first = browser.get(payment["payment_url"]).text
        fields = dict(re.findall(r'name="(jeton|etat)" value="([^"]+)"', first))
        again = browser.post(urlsplit(payment["payment_url"])._replace(
            path="/tpa/saisie.web", query="").geturl(),
            data={**fields, "etape": "identification", "refdet": "AB12345",
                  "mel": EMAIL, "action": "continuer"})
    assert again.status_code == 422
    assert 'value="AB12345"' in again.text and 'role="alert"' in again.text
    assert "Facture</dt><dd>2026100042" in again.text


def test_the_card_expiry_never_defaults_to_a_past_month(martin: Api) -> None:
    from famille_tui.api.clock import paris_now

    payment = _new_payment(martin)
    with httpx.Client(trust_env=False) as browser:
        html = browser.get(payment["payment_url"]).text
        for _ in range(2):
            fields = dict(re.findall(r'name="(jeton|etat)" value="([^"]+)"', html))
            html = browser.post(urlsplit(payment["payment_url"])._replace(
                path="/tpa/saisie.web", query="").geturl(), data={
                **fields, "etape": "identification" if "refdet" in html else "type_carte",
                "refdet": "2026100042", "mel": EMAIL, "type_carte": "CB",
                "action": "continuer"}).text
    today = paris_now()
    assert f'<option value="{today.month:02d}" selected>' in html
    years = re.findall(r'<option value="(\d{4})"', html)
    assert years[0] == str(today.year)  # the first, hence default, year is this one


def test_the_confirmation_gives_one_time_in_paris(martin: Api) -> None:
    from famille_tui.api.clock import when_text

    payment = _new_payment(martin)
    text = pay_in_sandbox(payment["payment_url"])
    mail = standin_outbox(payment["payment_url"])[-1]
    from datetime import datetime

    sent = when_text(datetime.fromisoformat(mail["sent_at"]))
    assert sent in mail["body"] and sent in text
    with httpx.Client(trust_env=False) as browser:
        page = browser.get(urlsplit(payment["payment_url"])._replace(
            path="/outbox", query="").geturl()).text
    assert f"<dt>Envoyé le</dt><dd>{sent}</dd>" in page.replace("&#x27;", "'")


def test_a_card_number_failing_luhn_is_refused_on_the_form(martin: Api) -> None:
    payment = _new_payment(martin)
    text = pay_in_sandbox(payment["payment_url"], card="4111 1111 1111 1112")
    assert "Numéro de carte invalide" in text
    assert _status(martin, payment) == "pending"


def test_card_numbers_are_never_stored(martin: Api) -> None:
    pay_in_sandbox(_new_payment(martin)["payment_url"])
    pay_in_sandbox(_new_payment(martin, ("2026110058",))["payment_url"], card=REFUSED_CARD)
    portal = martin.portal
    files = [p for p in portal.data_path.parent.iterdir() if p.is_file()]
    assert any("payfip" in p.name for p in files)  # the stand-in's file and log too
    for path in files:
        data = path.read_bytes()
        for needle in (b"4111111111111111", b"4111 1111", b"4000000000000002"):
            assert needle not in data, path


def test_pages_work_without_javascript_and_label_every_field(martin: Api) -> None:
    payment = _new_payment(martin)
    with httpx.Client(trust_env=False) as browser:
        html = browser.get(payment["payment_url"]).text
    assert "<script" not in html.lower()
    assert '<html lang="fr">' in html and 'name="viewport"' in html
    # Readable at 200 % zoom: text sizes and widths are relative, never fixed in pixels.
    style = html.split("<style>")[1].split("</style>")[0]
    assert not re.search(r"(?:font-size|width|height)\s*:\s*[\d.]+px", style)
    visible = re.findall(r'<input type="(?:text|email)" id="([^"]+)"', html)
    assert visible == ["refdet", "mel"]
    for field in visible:
        assert f'<label for="{field}">' in html
    assert f'value="{EMAIL}"' in html
    assert "Annuler" in page_text(html) and "312,40" in page_text(html)
    # Every form carries the anti-CSRF token.
    assert html.count("<form") == html.count('name="jeton"') == 1


def test_a_finished_payment_cannot_be_paid_again(martin: Api) -> None:
    payment = _new_payment(martin)
    pay_in_sandbox(payment["payment_url"])
    with httpx.Client(trust_env=False) as browser:
        again = browser.get(payment["payment_url"])
    assert again.status_code == 409
    assert "Cette facture a déjà été réglée" in page_text(again.text)


# --- the attacks ------------------------------------------------------------------------


def _tipi_p(payment: dict[str, Any], **changes: str) -> dict[str, str]:
    """A hand-made TIPI « P » with everything the payer's own page shows."""
    return {"numcli": "042063", "exer": payment["created_at"][:4],
            "refdet": payment["reference"], "objet": "Facture 2026100042",
            "montant": str(payment["amount_cents"]), "mel": EMAIL, "saisie": "T",
            "resultrans": "P", "numauto": "123456", "dattrans": "22112026",
            "heurtrans": "1405", **changes}


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize("path", ["tipi/notification", "payfip/notification"])
def test_a_hand_made_paid_notification_changes_nothing(
    martin: Api, method: str, path: str
) -> None:
    payment = _new_payment(martin)
    fields = {**_tipi_p(payment), "idOp": _idop(payment)}
    with httpx.Client(trust_env=False) as attacker:
        if method == "POST":
            answer = attacker.post(_notify_url(martin, path), data=fields)
        else:  # an image on any web page does this
            answer = attacker.get(_notify_url(martin, path), params=fields)
    assert answer.status_code == 200
    assert "pending" not in answer.text and "paid" not in answer.text  # tells nothing
    assert _status(martin, payment) == "pending"
    assert martin.invoice_by_number("2026100042")["status"] == "en_cours"
    # Then the parent really pays: it is paid, once.
    assert "Paiement accepté" in pay_in_sandbox(payment["payment_url"])
    invoice = martin.invoice_by_number("2026100042")
    assert (invoice["status"], invoice["paid_cents"]) == ("reglee", 31240)


def test_whoever_holds_the_short_link_cannot_cancel_the_payment(martin: Api) -> None:
    payment = _new_payment(martin)
    hop = httpx.get(payment["short_url"], follow_redirects=False)
    assert hop.status_code == 303
    learnt = hop.headers["location"]  # the payment page's address, idOp and all
    idop = parse_qs(urlsplit(learnt).query)["idop"][0]
    with httpx.Client(trust_env=False) as attacker:
        for path in ("tipi/notification", "payfip/notification"):
            attacker.post(_notify_url(martin, path),
                          data={**_tipi_p(payment, resultrans="A"), "idOp": idop})
    assert _status(martin, payment) == "pending"
    # The parent pays: « Réglée ».
    assert "Paiement accepté" in pay_in_sandbox(payment["payment_url"])
    assert _status(martin, payment) == "paid"


def test_anonymous_notifications_do_not_grow_storage(martin: Api) -> None:
    payment = _new_payment(martin)

    def sizes() -> dict[str, int]:
        conn = sqlite3.connect(martin.portal.data_path)
        try:
            tables = [r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
        finally:
            conn.close()

    before = sizes()
    log_before = len(martin.portal.log_text())
    with httpx.Client(trust_env=False) as attacker:
        for n in range(150):
            attacker.post(_notify_url(martin), data={"idOp": f"{n:036d}", "resultrans": "P",
                                                     "refdet": f"X{n:09d}"})
            attacker.get(_notify_url(martin, "tipi/notification"), params=_tipi_p(payment))
    assert sizes() == before
    # The log says it in a few lines, not 300.
    assert len(martin.portal.log_text()) - log_before < 2000
    assert _status(martin, payment) == "pending"


def test_a_payment_accepted_after_its_expiry_is_recorded_and_flagged(
    tmp_path: Any, demo_database: Any
) -> None:
    from tests.support import start_test_portal

    short = start_test_portal(tmp_path / "short", demo_database, payment_ttl=2)
    try:
        with Api(short).login("martin") as api:
            payment = _new_payment(api)
            expired = api.get(f"payments/{payment['id']}", params={"wait": 10}).json()
            assert expired["status"] == "expired"
            # The payer was on the card page: PayFiP still takes the card.
            assert "Paiement accepté" in pay_in_sandbox(payment["payment_url"])
            done = api.get(f"payments/{payment['id']}").json()
            assert done["status"] == "paid"  # money taken is never dropped
            invoice = api.invoice_by_number("2026100042")
            assert (invoice["status"], invoice["remaining_cents"]) == ("reglee", 0)
            ((flag,),) = db_rows(short, "SELECT flag FROM payfip_operations")
            assert "payé après l'expiration" in flag
            assert "à examiner" in short.log_text()
    finally:
        short.stop()


def test_links_never_come_from_the_host_header(martin: Api) -> None:
    forged = {"Host": "attacker.example:666"}
    ids = [martin.invoice_by_number("2026100042")["id"]]
    answer = martin.post("payments", json={"invoice_ids": ids, "email": EMAIL}, headers=forged)
    assert answer.status_code == 201, answer.text
    payment = answer.json()
    for url in (payment["payment_url"], payment["short_url"]):
        assert "attacker" not in url
    assert payment["short_url"].startswith(martin.portal.origin + "/p/")
    hop = httpx.get(payment["short_url"], headers=forged, follow_redirects=False)
    assert hop.headers["location"] == payment["payment_url"]
    communes = httpx.get(martin.portal.origin + "/communes", headers=forged).json()
    assert all(c["base_url"].startswith(martin.portal.origin) for c in communes)
    # The stand-in was given the portal's public origin as call-back, not the Host's.
    assert "Paiement accepté" in pay_in_sandbox(payment["payment_url"])
    assert _status(martin, payment) == "paid"


def test_the_payers_return_page_shows_what_payfip_confirms(martin: Api) -> None:
    payment = _new_payment(martin)
    back = martin.portal.base_url(CHAMBON) + f"payfip/retour?idop={_idop(payment)}"
    assert "pas encore connu" in httpx.get(back).text
    text = pay_in_sandbox(payment["payment_url"])
    assert "Retourner sur le site de la collectivité" in text
    assert "la facture est « Réglée »" in httpx.get(back).text
    assert httpx.get(back.replace(_idop(payment), "inconnu")).status_code == 404


def test_a_notification_lost_is_caught_up_by_asking_payfip(
    tmp_path: Any, demo_database: Any
) -> None:
    """The stand-in's call back cannot reach the portal (stopped while the parent pays):
    at its restart, the portal asks PayFiP about its undecided payments."""
    from tests.support import start_test_portal

    portal = start_test_portal(tmp_path / "lost", demo_database)
    try:
        with Api(portal).login("martin") as api:
            payment = _new_payment(api)
        portal.stop()
        # The stand-in stopped with it: run one on the same data, without the portal.
        from famille_tui.portal.launcher import start_payfip

        payfip_port = urlsplit(payment["payment_url"]).port
        alone = start_payfip(portal.data_path.with_name("portal.payfip.sqlite3"),
                             [f"042063={portal.origin}"], port=payfip_port or 0)
        try:
            assert "Paiement accepté" in pay_in_sandbox(payment["payment_url"])
        finally:
            alone.stop()
        portal.restart()
        with Api(portal).login("martin") as api:
            deadline = time.monotonic() + 15
            while _status(api, payment) != "paid":
                assert time.monotonic() < deadline, portal.log_text()[-2000:]
                time.sleep(0.2)
            invoice = api.invoice_by_number("2026100042")
            assert (invoice["status"], invoice["paid_cents"]) == ("reglee", 31240)
    finally:
        portal.stop()


def test_payfip_unreachable_is_said_and_nothing_is_left(
    tmp_path: Any, demo_database: Any
) -> None:
    from tests.support import start_test_portal

    portal = start_test_portal(tmp_path / "down", demo_database,
                               payfip_origin="http://127.0.0.1:9")
    try:
        with Api(portal).login("martin") as api:
            ids = [api.invoice_by_number("2026100042")["id"]]
            answer = api.post("payments", json={"invoice_ids": ids, "email": EMAIL})
            assert answer.status_code == 503
            assert "PayFiP) ne répond pas : aucun paiement n'a été fait" in (
                error_of(answer)["message"])
            assert api.invoice_by_number("2026100042")["status"] == "a_payer"
            assert db_rows(portal, "SELECT COUNT(*) FROM payments") == [(0,)]
    finally:
        portal.stop()
