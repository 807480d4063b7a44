"""The PayFiP stand-in by itself, as any portal meets it: the SOAP web service (operations,
faults, safe XML), the TIPI request, the pages' own safety (CSRF token, Origin, nothing a
payer edits changes what is paid, call backs only to the régie, never a 500)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from famille_tui.payfip import soap
from famille_tui.portal.launcher import PayfipProcess
from famille_tui.portal.payfip_ws import PayfipFault, PayfipService
from tests.payfip.conftest import NUMCLI, Regie
from tests.support.sandbox import ACCEPTED_CARD, page_text, pay_in_sandbox, standin_outbox


def _fields(regie: Regie, **changes: str) -> dict[str, str]:
    return {"numcli": NUMCLI, "exer": "2026", "refdet": "FACT2026001", "objet": "Facture 1",
            "montant": "1234", "mel": "payeur@exemple.fr", "saisie": "T",
            "urlnotif": f"{regie.origin}/notif", "urlredirect": f"{regie.origin}/retour",
            **changes}


@pytest.fixture
def service(payfip: PayfipProcess) -> Any:
    client = PayfipService(payfip.origin)
    yield client
    client.close()


def test_create_then_pay_then_detail(service: PayfipService, regie: Regie) -> None:
    idop = service.create(_fields(regie))
    assert re.fullmatch(r"[0-9a-f-]{36}", idop)
    with pytest.raises(PayfipFault) as not_yet:
        service.detail(idop)
    assert (not_yet.value.code, not_yet.value.message) == (
        "P5", "Résultat de la transaction non connu.")
    assert "Paiement accepté" in pay_in_sandbox(service.payment_page(idop))
    # At the end: a form POST holding only the idOp, to urlnotif.
    assert regie.wait() == [("POST", "/notif", {"idOp": idop})]
    detail = service.detail(idop)
    assert {k: detail[k] for k in ("idOp", "numcli", "refdet", "montant", "resultrans",
                                   "saisie", "exer", "mel")} == {
        "idOp": idop, "numcli": NUMCLI, "refdet": "FACT2026001", "montant": "1234",
        "resultrans": "P", "saisie": "T", "exer": "2026", "mel": "payeur@exemple.fr"}
    assert re.fullmatch(r"\d{6}", detail["numauto"])
    assert re.fullmatch(r"\d{8}", detail["dattrans"])
    assert re.fullmatch(r"\d{4}", detail["heurtrans"])


@pytest.mark.parametrize(("change", "code"), [
    ({"refdet": "ABCD"}, "R3"),
    ({"mel": "pas-une-adresse"}, "A2"),
    ({"numcli": "999999"}, "C1"),
    ({"montant": "99"}, "M1"),
    ({"saisie": "A"}, "S1"),
    ({"urlnotif": "http://127.0.0.1:1/ailleurs"}, "U1"),
    ({"urlredirect": "https://attacker.example/"}, "U1"),
])
def test_creation_faults(service: PayfipService, regie: Regie, change: dict[str, str],
                         code: str) -> None:
    with pytest.raises(PayfipFault) as fault:
        service.create(_fields(regie, **change))
    assert fault.value.code == code


def test_an_unknown_idop_is_p1(service: PayfipService) -> None:
    with pytest.raises(PayfipFault) as fault:
        service.detail("00000000-0000-0000-0000-000000000000")
    assert (fault.value.code, fault.value.message) == ("P1", "IdOp incorrect.")


def test_the_wsdl_names_this_service(payfip: PayfipProcess) -> None:
    wsdl = httpx.get(f"{payfip.origin}/tpa/services/securite?wsdl").text
    assert f'<soap:address location="{payfip.origin}/tpa/services/securite"/>' in wsdl
    for operation in soap.OPERATIONS:
        assert f'<operation name="{operation}">' in wsdl
    for number in (1, 2, 3):
        assert httpx.get(f"{payfip.origin}/tpa/services/securite?xsd={number}").status_code == 200


@pytest.mark.parametrize("body", [
    # An entity bomb, an external entity, not XML, not SOAP, an unknown operation.
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    b'<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>&b;</S:Body>'
    b'</S:Envelope>',
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>',
    b"pas du XML",
    b"<a/>",
    b'<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>'
    b'<x:supprimerTout xmlns:x="urn:x"/></S:Body></S:Envelope>',
    b"<" * 70000,
])
def test_hostile_xml_is_a_client_fault(payfip: PayfipProcess, body: bytes) -> None:
    answer = httpx.post(f"{payfip.origin}/tpa/services/securite", content=body,
                        headers={"Content-Type": "text/xml"})
    assert answer.status_code == 500
    assert "<faultcode>S:Client</faultcode>" in answer.text
    assert "root:" not in answer.text


# --- TIPI ---------------------------------------------------------------------------------


def _tipi(payfip: PayfipProcess, regie: Regie, **changes: str) -> str:
    fields = {"numcli": NUMCLI, "exer": "2026", "refdet": "FACT2026002", "objet": "Cantine",
              "montant": "500", "mel": "payeur@exemple.fr", "urlcl": f"{regie.origin}/tipi",
              "saisie": "T", **changes}
    return f"{payfip.origin}/tpa/paiement.web?{urlencode(fields)}"


def test_tipi_pays_and_posts_the_result_to_urlcl(payfip: PayfipProcess, regie: Regie) -> None:
    assert "Paiement accepté" in pay_in_sandbox(_tipi(payfip, regie))
    ((method, path, fields),) = regie.wait()
    assert (method, path) == ("POST", "/tipi")
    assert set(fields) == {"numcli", "exer", "refdet", "objet", "montant", "mel", "saisie",
                           "resultrans", "numauto", "dattrans", "heurtrans"}
    assert (fields["resultrans"], fields["montant"], fields["refdet"]) == ("P", "500",
                                                                           "FACT2026002")


def test_tipi_lets_the_payer_type_the_number_and_e_mail(payfip: PayfipProcess,
                                                       regie: Regie) -> None:
    # The Chambon leaflet: the State's page asks the invoice number and the e-mail; the
    # request leaves both empty and its objet names the one invoice.
    url = _tipi(payfip, regie, refdet="", mel="", objet="Facture FACT2026009")
    first = httpx.get(url)
    assert first.status_code == 200
    assert re.search(r'name="refdet" value=""', first.text)
    assert re.search(r'name="mel" value=""', first.text)
    # Another invoice's number is refused: what the payer types never changes what is paid.
    assert "ce n'est pas celui" in pay_in_sandbox(url, refdet="FACT2026002",
                                                  email="payeur@exemple.fr")
    assert "Paiement accepté" in pay_in_sandbox(url, refdet="fact2026009",
                                                email="payeur@exemple.fr")
    ((_method, _path, fields),) = regie.wait()
    assert (fields["refdet"], fields["mel"], fields["montant"], fields["resultrans"]) == (
        "FACT2026009", "payeur@exemple.fr", "500", "P")


@pytest.mark.parametrize("objet", ["Cantine", "Factures FACT2026009 FACT2026010", ""])
def test_a_refdet_left_to_type_needs_one_invoice_in_the_objet(
    payfip: PayfipProcess, regie: Regie, objet: str
) -> None:
    answer = httpx.get(_tipi(payfip, regie, refdet="", objet=objet))
    assert answer.status_code == 400
    assert "refdet" in page_text(answer.text)


@pytest.mark.parametrize("urlcl", [
    "http://127.0.0.1:1/ailleurs",           # another port on loopback
    "https://attacker.example/notify",       # another host
    "http://127.0.0.1:99999/x",              # a bad port
    "http://127.0.0.1:8000/\x00\r\nX: y",    # control characters
    "http://user:pw@127.0.0.1/x",            # userinfo
    "javascript:alert(1)",
])
def test_tipi_never_calls_an_origin_that_is_not_the_regies(
    payfip: PayfipProcess, regie: Regie, urlcl: str
) -> None:
    answer = httpx.get(_tipi(payfip, regie, urlcl=urlcl))
    assert answer.status_code == 400
    assert "urlcl" in page_text(answer.text)
    assert regie.received == []


def test_the_same_port_on_another_host_name_is_another_origin(
    payfip: PayfipProcess, regie: Regie
) -> None:
    elsewhere = regie.origin.replace("127.0.0.1", "localhost") + "/tipi"
    assert httpx.get(_tipi(payfip, regie, urlcl=elsewhere)).status_code == 400


QUERIES = [
    "", "numcli", "numcli=%00", "montant=-1&numcli=123456", "urlcl=%ff%fe", "a=" + "x" * 5000,
    "numcli=123456&exer=2026&refdet=FACT2026002&montant=500&mel=a%40b.fr&saisie=T&urlcl="
    "http%3A%2F%2F127.0.0.1%3A0%2F", "numcli=123456&montant=1e9", "%zz=%zz",
    "numcli=123456&refdet=" + "%C3%A9" * 40, "mel=%0d%0aBcc:x@y&numcli=123456",
    "idop=../../etc/passwd", "idop=%00", "idop=" + "f" * 36,
]


@pytest.mark.parametrize("query", QUERIES)
def test_no_query_string_gives_a_500(payfip: PayfipProcess, query: str) -> None:
    for path in ("/tpa/paiement.web", "/tpa/paiementws.web", "/tpa/services/securite"):
        answer = httpx.get(f"{payfip.origin}{path}?{query}")
        assert answer.status_code < 500, (path, query, answer.text[:300])


# --- the pages' own safety ------------------------------------------------------------------


def _first_form(client: httpx.Client, url: str) -> tuple[str, dict[str, str]]:
    html = client.get(url).text
    return html, dict(re.findall(r'name="(jeton|etat)" value="([^"]+)"', html))


def test_a_form_from_another_site_is_refused(service: PayfipService, regie: Regie) -> None:
    idop = service.create(_fields(regie))
    url = service.payment_page(idop)
    form_url = url.split("/tpa/")[0] + "/tpa/saisie.web"
    with httpx.Client(trust_env=False) as browser:
        _html, fields = _first_form(browser, url)
        cancel = {**fields, "action": "annuler", "etape": "identification"}
        other_site = browser.post(form_url, data=cancel,
                                  headers={"Origin": "https://attacker.example"})
        assert other_site.status_code == 403
        no_token = browser.post(form_url, data={**cancel, "jeton": ""})
        assert no_token.status_code == 400
    # Another browser (no session cookie) replaying the form: refused too.
    with httpx.Client(trust_env=False) as attacker:
        replay = attacker.post(form_url, data=cancel)
        assert replay.status_code == 400
    with pytest.raises(PayfipFault) as still:
        service.detail(idop)
    assert still.value.code == "P5"
    assert regie.received == []


def test_nothing_the_payer_edits_changes_what_is_paid(payfip: PayfipProcess,
                                                      regie: Regie) -> None:
    url = _tipi(payfip, regie)
    form_url = f"{payfip.origin}/tpa/saisie.web"
    with httpx.Client(trust_env=False) as browser:
        html, fields = _first_form(browser, url)
        extra = {"montant": "100", "numcli": "999999", "refdet": "FACT2026002",
                 "mel": "payeur@exemple.fr", "urlcl": "http://127.0.0.1:1/", "objet": "x"}
        for step in ("identification", "type_carte", "carte"):
            sent = {**fields, **extra, "etape": step, "type_carte": "CB",
                    "numero": ACCEPTED_CARD, "mois": "12", "annee": "2099", "cvv": "123",
                    "action": "continuer"}
            html = browser.post(form_url, data=sent).text
            last, fields = sent, dict(re.findall(r'name="(jeton|etat)" value="([^"]+)"', html))
        assert "Paiement accepté" in page_text(html) and "5,00" in page_text(html)
        # The last form posted again (a double click, a replay): the request is used.
        again = browser.post(form_url, data=last)
        assert again.status_code == 409 and "Paiement accepté" not in again.text
    ((_method, _path, notified),) = regie.wait()
    assert (notified["montant"], notified["numcli"]) == ("500", NUMCLI)
    mail = standin_outbox(url)[-1]
    assert "5,00\u00a0€" in mail["body"] and "1,00" not in mail["body"]


def test_a_tampered_state_is_refused(payfip: PayfipProcess, regie: Regie) -> None:
    with httpx.Client(trust_env=False) as browser:
        _html, fields = _first_form(browser, _tipi(payfip, regie))
        payload, mac = fields["etat"].split(".")
        import base64
        import json

        state = json.loads(base64.urlsafe_b64decode(payload + "=="))
        state["f"]["montant"] = "100"
        forged = base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")
        answer = browser.post(f"{payfip.origin}/tpa/saisie.web", data={
            **fields, "etat": f"{forged}.{mac}", "etape": "identification",
            "refdet": "FACT2026002", "mel": "payeur@exemple.fr", "action": "continuer"})
    assert answer.status_code == 409
    assert regie.received == []


def test_a_refused_card_and_a_cancel(service: PayfipService, regie: Regie) -> None:
    refused = service.create(_fields(regie))
    assert "Paiement refusé" in pay_in_sandbox(service.payment_page(refused),
                                               card="4000 0000 0000 0002")
    assert service.detail(refused)["resultrans"] == "R"
    cancelled = service.create(_fields(regie, refdet="FACT2026003"))
    assert "Paiement abandonné" in pay_in_sandbox(service.payment_page(cancelled),
                                                  outcome="cancel")
    assert service.detail(cancelled)["resultrans"] == "A"
    assert [c[2] for c in regie.wait(2)] == [{"idOp": refused}, {"idOp": cancelled}]


@pytest.mark.parametrize(("args", "said"), [
    ([], "au moins une régie est nécessaire"),
    (["--regie", "12=http://127.0.0.1:1"], "6 chiffres"),
    (["--regie", "123456=ftp://x"], "origine attendue"),
    (["--regie", "123456=http://127.0.0.1:1", "--public-origin", "http://x/y"], "sans chemin"),
])
def test_the_payfip_command_says_what_is_wrong(args: list[str], said: str) -> None:
    import subprocess
    import sys
    from pathlib import Path

    command = [str(Path(sys.executable).with_name("famille-tui")), "payfip", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert said in done.stderr and "Traceback" not in done.stderr
