"""Payments over real HTTP: creation, refusals, idempotency, the long poll, expiry."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from famille_tui.portal.launcher import PortalProcess
from tests.portal.helpers import Api, count_rows, error_of
from tests.support import start_test_portal
from tests.support.sandbox import pay_in_sandbox

EMAIL = "claire.martin@exemple.fr"


def _pay(api: Api, numbers: list[str], key: str | None = None, email: str = EMAIL):  # type: ignore[no-untyped-def]
    ids = [api.invoice_by_number(n)["id"] for n in numbers]
    headers = {"Idempotency-Key": key} if key else {}
    return api.post("payments", json={"invoice_ids": ids, "email": email}, headers=headers)


def test_a_payment_for_two_invoices(martin: Api) -> None:
    response = _pay(martin, ["2026100042", "2026100043"], key="k-1")
    assert response.status_code == 201, response.text
    payment = response.json()
    assert payment["status"] == "pending"
    # The portal computes the amount: what remains on each invoice.
    assert payment["amount_cents"] == 31240 + 4500
    assert payment["id"].startswith("pay_")
    created = datetime.fromisoformat(payment["created_at"])
    expires = datetime.fromisoformat(payment["expires_at"])
    assert (expires - created).total_seconds() == 900
    # The payer goes to the PayFiP service's page of an idOp, on its own origin: the URL
    # holds nothing else (no amount, no reference, no call-back a payer could change).
    url = urlsplit(payment["payment_url"])
    assert url.path == "/tpa/paiementws.web"
    assert f"{url.scheme}://{url.netloc}" == martin.portal.payfip_origin != martin.portal.origin
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert list(params) == ["idop"] and len(params["idop"]) == 36
    # The refdet is the first invoice's own number, as the parent sees it on the invoice.
    assert payment["reference"] == "2026100042"
    for number in ("2026100042", "2026100043"):
        invoice = martin.invoice_by_number(number)
        assert invoice["status"] == "en_cours"
        assert invoice["pending_payment_id"] == payment["id"]
    assert martin.get(f"payments/{payment['id']}").json() == payment


def test_refusals_are_clear_and_write_nothing(martin: Api, durand: Api) -> None:
    first = _pay(martin, ["2026100042"])
    assert first.status_code == 201
    before = count_rows(martin.portal, "payments")
    in_progress = _pay(martin, ["2026110058", "2026100042"])
    assert in_progress.status_code == 409
    assert error_of(in_progress)["code"] == "payment_in_progress"
    assert "2026100042" in error_of(in_progress)["message"]
    paid = _pay(martin, ["2026080017"])
    assert paid.status_code == 409
    assert error_of(paid)["code"] == "invoice_not_payable"
    assert "déjà réglée" in error_of(paid)["message"]
    small = _pay(martin, ["2026110059"])
    assert error_of(small)["code"] == "invoice_not_payable"
    assert "inférieur à 1,00\u00a0€" in error_of(small)["message"]
    theirs = durand.invoice_by_number("2026100051")["id"]
    other = martin.post("payments", json={"invoice_ids": [theirs], "email": EMAIL})
    assert other.status_code == 404
    assert error_of(other)["code"] == "not_found"
    unknown = martin.post("payments", json={"invoice_ids": [424242], "email": EMAIL})
    assert unknown.status_code == 404
    amount = martin.post("payments", json={
        "invoice_ids": [martin.invoice_by_number("2026110058")["id"]], "email": EMAIL,
        "amount_cents": 1})
    assert amount.status_code == 422
    assert error_of(amount)["field_errors"] == {"amount_cents": "champ inconnu"}
    assert count_rows(martin.portal, "payments") == before
    assert durand.invoice_by_number("2026100051")["status"] == "a_payer"


def test_same_idempotency_key_gives_the_same_payment(martin: Api, durand: Api) -> None:
    first = _pay(martin, ["2026110058"], key="double-clic")
    second = _pay(martin, ["2026110058"], key="double-clic")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert count_rows(martin.portal, "payments") == 1
    other_body = _pay(martin, ["2026100042"], key="double-clic")
    assert other_body.status_code == 422
    assert "Idempotency-Key" in error_of(other_body)["message"]
    # The key is per account: durand's identical key is another payment.
    theirs = _pay(durand, ["2026100051"], key="double-clic", email="sophie.durand@exemple.fr")
    assert theirs.status_code == 201
    assert theirs.json()["id"] != first.json()["id"]
    bad_key = _pay(martin, ["2026100042"], key="x" * 200)
    assert bad_key.status_code == 400


def test_martin_cannot_see_or_wait_on_durands_payment(martin: Api, durand: Api) -> None:
    theirs = _pay(durand, ["2026100051"], email="sophie.durand@exemple.fr").json()
    for wait in (0, 1):
        response = martin.get(f"payments/{theirs['id']}", params={"wait": wait})
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
    assert martin.get("payments/pay_nothing").status_code == 404


@pytest.mark.parametrize("wait", ["31", "-1", "beaucoup"])
def test_wait_is_at_most_30_seconds(martin: Api, wait: str) -> None:
    payment = _pay(martin, ["2026110058"]).json()
    response = martin.get(f"payments/{payment['id']}", params={"wait": wait})
    assert response.status_code == 422
    assert "wait" in error_of(response)["field_errors"]


def test_long_poll_waits_then_answers_pending(martin: Api) -> None:
    payment = _pay(martin, ["2026110058"]).json()
    started = time.monotonic()
    assert martin.get(f"payments/{payment['id']}").json()["status"] == "pending"
    assert time.monotonic() - started < 0.5
    started = time.monotonic()
    assert martin.get(f"payments/{payment['id']}", params={"wait": 1}).json()["status"] == (
        "pending")
    assert 0.9 <= time.monotonic() - started < 2.0


def test_long_poll_returns_as_soon_as_the_payment_is_paid(martin: Api) -> None:
    payment = _pay(martin, ["2026100042"]).json()
    answer: dict[str, object] = {}

    def wait() -> None:
        with Api(martin.portal) as waiter:
            waiter.headers["Authorization"] = martin.headers["Authorization"]
            started = time.monotonic()
            answer["payment"] = waiter.get(
                f"payments/{payment['id']}", params={"wait": 25}).json()
            answer["at"] = time.monotonic()
            answer["waited"] = answer["at"] - started  # type: ignore[operator]

    thread = threading.Thread(target=wait)
    thread.start()
    # The waiter is asleep on the portal by then. (No outside sign of a long poll asleep:
    # were it late, it would read « paid » at once and the test would still pass.)
    time.sleep(0.5)
    assert "Paiement accepté" in pay_in_sandbox(payment["payment_url"])
    paid_at = time.monotonic()
    thread.join(10)
    assert not thread.is_alive()
    assert answer["payment"]["status"] == "paid"  # type: ignore[index]
    assert answer["at"] - paid_at < 1.0  # type: ignore[operator]
    assert answer["waited"] < 10  # type: ignore[operator]
    invoice = martin.invoice_by_number("2026100042")
    assert (invoice["status"], invoice["remaining_cents"]) == ("reglee", 0)


def test_several_waiters_are_all_woken(martin: Api) -> None:
    payment = _pay(martin, ["2026100042"]).json()
    results: list[str] = []

    def wait() -> None:
        with Api(martin.portal) as waiter:
            waiter.headers["Authorization"] = martin.headers["Authorization"]
            results.append(waiter.get(
                f"payments/{payment['id']}", params={"wait": 20}).json()["status"])

    threads = [threading.Thread(target=wait) for _ in range(5)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # the waiters are asleep by then (late ones read « cancelled » at once)
    pay_in_sandbox(payment["payment_url"], outcome="cancel")
    for thread in threads:
        thread.join(10)
    assert results == ["cancelled"] * 5


@pytest.fixture
def short_portal(tmp_path: Path, demo_database: Path) -> Iterator[PortalProcess]:
    """Pending payments expire after 3 seconds (a new one waits 4 s, as 20 min for 15)."""
    process = start_test_portal(tmp_path / "short", demo_database, payment_ttl=3)
    try:
        yield process
    finally:
        process.stop()


def test_a_pending_payment_expires_and_its_invoice_waits_before_a_new_one(
    short_portal: PortalProcess,
) -> None:
    with Api(short_portal).login("martin") as api:
        payment = _pay(api, ["2026100042"]).json()
        assert api.invoice_by_number("2026100042")["status"] == "en_cours"
        started = time.monotonic()
        # The long poll is woken by the expiry itself, not by the end of its wait.
        expired = api.get(f"payments/{payment['id']}", params={"wait": 20}).json()
        assert expired["status"] == "expired"
        assert time.monotonic() - started < 5
        invoice = api.invoice_by_number("2026100042")
        assert (invoice["status"], invoice["pending_payment_id"]) == ("a_payer", None)
        # Its idOp may still be paid: a new payment of the invoice waits, and says so.
        early = _pay(api, ["2026100042"])
        assert early.status_code == 409, early.text
        error = error_of(early)
        assert error["code"] == "payment_in_progress"
        assert "peut encore aboutir auprès de PayFiP" in error["message"]
        assert "vous pourrez en faire un nouveau à partir de" in error["message"]
        assert 1 <= error["retry_after_seconds"] <= 4
        deadline = time.monotonic() + 10
        while (again := _pay(api, ["2026100042"])).status_code == 409:
            assert time.monotonic() < deadline, again.text
            time.sleep(0.2)
        assert again.status_code == 201


def test_the_short_link_leads_to_the_payment_page_while_pending(martin: Api) -> None:
    import httpx

    payment = _pay(martin, ["2026100042"], key="short-1").json()
    short = payment["short_url"]
    assert short.endswith("/p/" + payment["id"])
    assert len(short) < len(payment["payment_url"])  # smaller for a QR code
    # It only redirects: asked again and again (a phone reading the code), nothing changes.
    for _ in range(3):
        hop = httpx.get(short, follow_redirects=False)
        assert hop.status_code == 303
        assert hop.headers["location"] == payment["payment_url"]
    assert martin.get(f"payments/{payment['id']}").json()["status"] == "pending"
    # Once paid, the link no longer leads anywhere to pay: it says so.
    pay_in_sandbox(payment["payment_url"])
    after = httpx.get(short, follow_redirects=False)
    assert after.status_code == 200
    assert "déjà réglé" in after.text
    unknown = httpx.get(short[: -len(payment["id"])] + "pay_inconnu", follow_redirects=False)
    assert unknown.status_code == 404
    assert "inconnu" in unknown.text
