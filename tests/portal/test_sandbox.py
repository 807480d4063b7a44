"""The PayFiP/TIPI sandbox through its HTML forms, and the notifications the portal checks."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from tests.portal.helpers import Api, db_rows, error_of
from tests.support.sandbox import REFUSED_CARD, page_text, pay_in_sandbox

EMAIL = "claire.martin@exemple.fr"


def _new_payment(api: Api, numbers: tuple[str, ...] = ("2026100042",)) -> dict[str, Any]:
    ids = [api.invoice_by_number(n)["id"] for n in numbers]
    response = api.post("payments", json={"invoice_ids": ids, "email": EMAIL})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _status(api: Api, payment: dict[str, Any]) -> str:
    return str(api.get(f"payments/{payment['id']}").json()["status"])


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
    assert martin.get("invoices").json()["total_remaining_cents"] == 29680 + 60
    mail = martin.outbox()[-1]
    assert mail["to"] == "claire.pro@exemple.fr"
    assert mail["subject"] == "PayFiP – confirmation de votre paiement"
    assert "357,40\u00a0€" in mail["body"] and done["authorization_number"] in mail["body"]


def test_refused_card_leaves_the_invoice_to_pay(martin: Api) -> None:
    payment = _new_payment(martin)
    before = len(martin.outbox())
    text = pay_in_sandbox(payment["payment_url"], card=REFUSED_CARD)
    assert "Paiement refusé" in text and "Aucune somme n'a été débitée" in text
    assert _status(martin, payment) == "refused"
    invoice = martin.invoice_by_number("2026100042")
    assert (invoice["status"], invoice["remaining_cents"]) == ("a_payer", 31240)
    assert len(martin.outbox()) == before
    # The parent can try again at once.
    assert "Paiement accepté" in pay_in_sandbox(_new_payment(martin)["payment_url"])


@pytest.mark.parametrize("step", [1, 2, 3])
def test_annuler_abandons_at_every_step(martin: Api, step: int) -> None:
    payment = _new_payment(martin)
    text = pay_in_sandbox(payment["payment_url"], outcome="cancel", cancel_at=step)
    assert "Paiement abandonné" in text
    assert _status(martin, payment) == "cancelled"
    assert martin.invoice_by_number("2026100042")["status"] == "a_payer"


def test_a_card_number_failing_luhn_is_refused_on_the_form(martin: Api) -> None:
    payment = _new_payment(martin)
    text = pay_in_sandbox(payment["payment_url"], card="4111 1111 1111 1112")
    assert "Numéro de carte invalide" in text
    assert _status(martin, payment) == "pending"


def test_an_edited_invoice_number_must_match_a_payment(martin: Api) -> None:
    payment = _new_payment(martin)
    text = pay_in_sandbox(payment["payment_url"], refdet="AUTRE123456")
    assert "ne correspond à aucun paiement en cours" in text
    assert _status(martin, payment) == "pending"


def test_card_numbers_are_never_stored(martin: Api) -> None:
    pay_in_sandbox(_new_payment(martin)["payment_url"])
    pay_in_sandbox(_new_payment(martin, ("2026110058",))["payment_url"], card=REFUSED_CARD)
    portal = martin.portal
    files = [p for p in portal.data_path.parent.iterdir() if p.is_file()]
    assert files
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
    assert 'value="2026100042"' not in html  # the refdet is the payment's reference …
    assert f'value="{payment["reference"]}"' in html  # … prefilled, editable
    assert f'value="{EMAIL}"' in html
    assert "Annuler" in page_text(html) and "312,40" in page_text(html)


def test_a_finished_payment_cannot_be_paid_again_in_the_sandbox(martin: Api) -> None:
    payment = _new_payment(martin)
    pay_in_sandbox(payment["payment_url"])
    with httpx.Client(trust_env=False) as browser:
        again = browser.get(payment["payment_url"])
    assert again.status_code == 409
    assert "Cette facture a déjà été réglée." in page_text(again.text)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"montant": "50"}, "montant"),
        ({"numcli": "12"}, "numcli"),
        ({"urlcl": "http://example.org/notify"}, "urlcl"),
        ({"saisie": "Z"}, "saisie"),
    ],
)
def test_invalid_payment_requests_are_explained(
    martin: Api, change: dict[str, str], why: str
) -> None:
    payment = _new_payment(martin)
    url = httpx.URL(payment["payment_url"])
    with httpx.Client(trust_env=False) as browser:
        response = browser.get(url.copy_merge_params(change))
    assert response.status_code == 400
    assert why in page_text(response.text)


# --- notifications -------------------------------------------------------------------------


def _notification(payment: dict[str, Any], **changes: str) -> dict[str, str]:
    params = {k: v[0] for k, v in httpx.URL(payment["payment_url"]).params.multi_items()
              for v in [[v]]}
    params.pop("urlcl")
    return {**params, "resultrans": "P", "numauto": "123456", "dattrans": "22112026",
            "heurtrans": "1405", **changes}


def _urlcl(payment: dict[str, Any]) -> str:
    return str(httpx.URL(payment["payment_url"]).params["urlcl"])


@pytest.mark.parametrize(
    "tampered",
    [
        {"montant": "100"},
        {"refdet": "PF0000000000000000"},
        {"numcli": "999999"},
        {"exer": "2019"},
        {"resultrans": "X"},
        {"numauto": ""},
        {"dattrans": "31022026"},
    ],
)
def test_forged_notifications_change_nothing_and_are_logged(
    martin: Api, tampered: dict[str, str]
) -> None:
    payment = _new_payment(martin)
    with httpx.Client(trust_env=False) as attacker:
        answer = attacker.post(_urlcl(payment), data=_notification(payment, **tampered))
    assert answer.status_code == 409
    assert error_of(answer)["code"] == "invalid_request"
    assert _status(martin, payment) == "pending"
    assert martin.invoice_by_number("2026100042")["status"] == "en_cours"
    logged = db_rows(martin.portal, "SELECT outcome, params FROM notifications")
    assert len(logged) == 1 and logged[0][0].startswith("rejected")
    assert json.loads(logged[0][1])["resultrans"] == tampered.get("resultrans", "P")


def test_a_replayed_notification_is_the_same_event(martin: Api) -> None:
    payment = _new_payment(martin, ("2026100043",))  # half paid already: 45,00 € left
    pay_in_sandbox(payment["payment_url"])
    (params,) = [json.loads(r[0]) for r in db_rows(
        martin.portal, "SELECT params FROM notifications WHERE outcome LIKE 'applied%'")]
    with httpx.Client(trust_env=False) as replayer:
        again = replayer.post(_urlcl(payment), data=params)
        by_get = replayer.get(_urlcl(payment), params=params)
        cancel_after = replayer.post(_urlcl(payment), data={**params, "resultrans": "A"})
    assert again.json() == by_get.json() == {"resultat": "replay"}
    assert cancel_after.status_code == 409
    invoice = martin.invoice_by_number("2026100043")
    assert (invoice["paid_cents"], invoice["remaining_cents"]) == (9000, 0)
    assert _status(martin, payment) == "paid"
    outcomes = [r[0].split(":")[0] for r in db_rows(
        martin.portal, "SELECT outcome FROM notifications ORDER BY id")]
    assert outcomes == ["applied", "replay", "replay", "rejected"]


def test_a_genuine_notification_by_get_is_accepted(martin: Api) -> None:
    payment = _new_payment(martin)
    with httpx.Client(trust_env=False) as tipi:
        answer = tipi.get(_urlcl(payment), params=_notification(payment))
    assert answer.json() == {"resultat": "applied"}
    assert _status(martin, payment) == "paid"


def test_nothing_a_browser_sends_marks_paid_without_a_pending_payment(
    martin: Api, durand: Api
) -> None:
    # Durand's payment reference, notified on martin's commune URL with martin's amount.
    theirs = durand.post("payments", json={
        "invoice_ids": [durand.invoice_by_number("2026100051")["id"]],
        "email": "sophie.durand@exemple.fr"}).json()
    mine = _new_payment(martin)
    with httpx.Client(trust_env=False) as attacker:
        answer = attacker.post(_urlcl(mine), data=_notification(
            mine, refdet=theirs["reference"]))
    assert answer.status_code == 409
    assert _status(martin, mine) == "pending"
    assert durand.get(f"payments/{theirs['id']}").json()["status"] == "pending"
