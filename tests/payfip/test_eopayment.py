"""eopayment (Entr'ouvert, PyPI), a PayFiP client no one here wrote, against the stand-in:
its `payfip_ws` backend (SOAP through zeep, from the WSDL the stand-in serves) and its `tipi`
backend. eopayment's URLs name www.payfip.gouv.fr: the test sends the payer's browser to the
stand-in instead, as a hosts file would. (eopayment 3.15 stores `PayFiP(service_url=…)` but
never uses it: the service's address comes from the WSDL's `soap:address`.)"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit

import eopayment
import pytest
from eopayment.payfip_ws import PayFiP, PayFiPError

from famille_tui.portal.launcher import PayfipProcess
from tests.payfip.conftest import NUMCLI, Regie
from tests.support.sandbox import pay_in_sandbox, walk_payment_pages

STATE_HOST = "https://www.payfip.gouv.fr"


def _ws(payfip: PayfipProcess, regie: Regie) -> eopayment.Payment:
    payment = eopayment.Payment("payfip_ws", {
        "numcli": NUMCLI, "saisie": "T",
        "automatic_return_url": f"{regie.origin}/notification",
        "normal_return_url": f"{regie.origin}/retour",
    })
    payment.backend.payfip = PayFiP(wsdl_url=f"{payfip.origin}/tpa/services/securite?wsdl")
    return payment


def _here(url: str, payfip: PayfipProcess) -> str:
    assert url.startswith(STATE_HOST + "/tpa/")
    return payfip.origin + url[len(STATE_HOST):]


def test_payfip_ws_pays_and_reads_paid(payfip: PayfipProcess, regie: Regie) -> None:
    payment = _ws(payfip, regie)
    assert payment.backend.payfip.get_info_client(NUMCLI)["libelleN1"] == "Régie de test"
    idop, _kind, url = payment.request("312.40", email="claire.martin@exemple.fr",
                                       refdet="2026100042", subject="Facture 2026100042")
    assert url == f"{STATE_HOST}/tpa/paiementws.web?idop={idop}"
    # Before the payer is done: P5, which eopayment reads as still waiting.
    assert payment.backend.payment_status(idop).result == eopayment.WAITING
    page = pay_in_sandbox(_here(url, payfip))
    assert "Paiement accepté" in page and "312,40 €" in page
    # The notification held the idOp only; eopayment's guess() recognises it.
    ((_method, path, fields),) = regie.wait()
    assert (path, fields) == ("/notification", {"idOp": idop})
    assert eopayment.Payment.guess(body=urlencode(fields).encode()) is not None
    status = payment.backend.payment_status(idop)
    assert status.result == eopayment.PAID
    assert status.bank_data["montant"] == "31240" and status.bank_data["refdet"] == "2026100042"
    assert status.test is True


def test_payfip_ws_response_on_the_payers_return(payfip: PayfipProcess, regie: Regie) -> None:
    payment = _ws(payfip, regie)
    idop, _kind, url = payment.request("10", email="a@exemple.fr", refdet="FACT2026010")
    assert idop in url
    page_html = walk_payment_pages(_here(url, payfip))
    link = re.search(r'<a class="button" href="([^"]+)"', page_html)
    assert link is not None
    back = link.group(1).replace("&amp;", "&")
    assert back.startswith(f"{regie.origin}/retour?idop=")
    # eopayment's own reading of the return URL's query: PAID.
    assert payment.response(urlsplit(back).query).result == eopayment.PAID


def test_payfip_ws_refused(payfip: PayfipProcess, regie: Regie) -> None:
    payment = _ws(payfip, regie)
    idop, _kind, url = payment.request("10", email="a@exemple.fr", refdet="FACT2026011")
    assert "Paiement refusé" in pay_in_sandbox(_here(url, payfip), card="4000 0000 0000 0002")
    assert payment.backend.payment_status(idop).result == eopayment.DENIED


def test_payfip_ws_cancelled(payfip: PayfipProcess, regie: Regie) -> None:
    payment = _ws(payfip, regie)
    idop, _kind, url = payment.request("10", email="a@exemple.fr", refdet="FACT2026012")
    assert "Paiement abandonné" in pay_in_sandbox(_here(url, payfip), outcome="cancel")
    # eopayment reads « A » as waiting for 2 minutes (an idOp may still be paid), then
    # as cancelled.
    assert payment.backend.payment_status(idop).result == eopayment.WAITING
    payment.backend.CANCELLED_WAITING_IN_MINUTES = 0
    assert payment.backend.payment_status(idop).result == eopayment.CANCELLED


def test_payfip_ws_p5_and_p1(payfip: PayfipProcess, regie: Regie) -> None:
    payment = _ws(payfip, regie)
    idop, _kind, _url = payment.request("10", email="a@exemple.fr", refdet="FACT2026013")
    with pytest.raises(PayFiPError) as p5:
        payment.backend.payfip.get_info_paiement(idop)
    assert p5.value.code == "P5"
    # P5 long after the payment began: eopayment gives up (expired).
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    assert payment.backend.payment_status(idop, transaction_date=long_ago).result == (
        eopayment.EXPIRED)
    with pytest.raises(PayFiPError) as p1:
        payment.backend.payfip.get_info_paiement("00000000-0000-0000-0000-000000000000")
    assert p1.value.code == "P1"
    assert payment.backend.payment_status("00000000-0000-0000-0000-000000000000").result == (
        eopayment.EXPIRED)


def test_payfip_ws_faults_reach_eopayment(payfip: PayfipProcess, regie: Regie) -> None:
    payment = _ws(payfip, regie)
    with pytest.raises(PayFiPError) as r3:
        payment.backend.payfip.get_idop(NUMCLI, "T", "2026", "ABCD", "1000", "a@exemple.fr",
                                        f"{regie.origin}/n", f"{regie.origin}/r")
    assert r3.value.code == "R3"
    with pytest.raises(PayFiPError) as a2:
        payment.backend.payfip.get_idop(NUMCLI, "T", "2026", "ABCDEF", "1000", "a" * 90 + "@x",
                                        f"{regie.origin}/n", f"{regie.origin}/r")
    assert a2.value.code == "A2"


def test_tipi_pays_and_eopayment_reads_the_notification(payfip: PayfipProcess,
                                                        regie: Regie) -> None:
    tipi = eopayment.Payment("tipi", {"numcli": NUMCLI, "saisie": "T",
                                      "automatic_return_url": f"{regie.origin}/tipi"})
    refdet, _kind, url = tipi.request("45.00", email="claire.martin@exemple.fr",
                                      refdet="2026100043", objet="Cantine octobre")
    assert url.startswith(f"{STATE_HOST}/tpa/paiement.web?")
    assert "Paiement accepté" in pay_in_sandbox(_here(url, payfip))
    ((method, path, fields),) = regie.wait()
    assert (method, path) == ("POST", "/tipi")
    response = tipi.response(urlencode(fields))
    assert response.result == eopayment.PAID
    assert response.order_id == refdet == "2026100043"
    assert fields["montant"] == "4500"
