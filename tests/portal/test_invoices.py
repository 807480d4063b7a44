"""« Mes factures » over real HTTP: statuses, filters, totals, non-payable reasons, PDFs."""

from __future__ import annotations

import re

from famille_tui.portal.launcher import PortalProcess
from tests.portal.helpers import Api, error_of

MARTIN_CHAMBON = {
    # number: (amount, paid, status, payable online)
    "2026080017": (19850, 19850, "reglee", False),
    "2026090031": (28720, 28720, "reglee", False),
    "2026100042": (31240, 0, "a_payer", True),
    "2026100043": (9000, 4500, "a_payer", True),
    "2026110058": (29680, 0, "a_payer", True),
    "2026110059": (60, 0, "a_payer", False),
}


def test_martins_invoices(shared_portal: PortalProcess) -> None:
    with Api(shared_portal).login("martin") as api:
        listing = api.get("invoices").json()
    got = {
        i["number"]: (i["amount_cents"], i["paid_cents"], i["status"], i["payable_online"])
        for i in listing["invoices"]
    }
    assert got == MARTIN_CHAMBON
    assert listing["total_remaining_cents"] == 31240 + 4500 + 29680 + 60
    for invoice in listing["invoices"]:
        assert invoice["remaining_cents"] == invoice["amount_cents"] - invoice["paid_cents"]
        assert invoice["pending_payment_id"] is None
        assert (invoice["not_payable_reason"] is None) == invoice["payable_online"]
    due = [i["due_date"] for i in listing["invoices"]]
    assert due == sorted(due)


def test_filters_keep_the_total_of_every_invoice(shared_portal: PortalProcess) -> None:
    with Api(shared_portal).login("martin") as api:
        unpaid = api.get("invoices", params={"status": "unpaid"}).json()
        paid = api.get("invoices", params={"status": "paid"}).json()
        wrong = api.get("invoices", params={"status": "toutes"})
    assert {i["number"] for i in unpaid["invoices"]} == {
        n for n, v in MARTIN_CHAMBON.items() if v[2] != "reglee"}
    assert {i["number"] for i in paid["invoices"]} == {"2026080017", "2026090031"}
    assert unpaid["total_remaining_cents"] == paid["total_remaining_cents"] == 65480
    assert wrong.status_code == 422
    assert "status" in error_of(wrong)["field_errors"]


def test_why_an_invoice_cannot_be_paid_online(shared_portal: PortalProcess) -> None:
    with Api(shared_portal).login("martin") as api:
        small = api.invoice_by_number("2026110059")
        paid = api.invoice_by_number("2026080017")
    assert small["not_payable_reason"] == (
        "Le reste à payer (0,60\u00a0€) est inférieur à 1,00\u00a0€, le minimum du paiement en "
        "ligne PayFiP : réglez-le à l'accueil de la structure."
    )
    assert paid["not_payable_reason"] == "Cette facture est déjà réglée."


def test_direct_debit_invoice_of_chaponost(shared_portal: PortalProcess) -> None:
    with Api(shared_portal, "chaponost").login("martin") as api:
        debit = api.invoice_by_number("CP2026100062")
        listing = api.get("invoices").json()
    assert debit["payable_online"] is False
    assert "prélèvement automatique" in debit["not_payable_reason"]
    # The town takes it on that day: nothing for the family to pay (issue 19).
    assert debit["direct_debit_on"] == "2026-11-25"
    others = sum(i["remaining_cents"] for i in listing["invoices"]
                 if i["number"] != "CP2026100062")
    assert listing["total_remaining_cents"] == others


def test_what_was_paid_before_is_proved(shared_portal: PortalProcess) -> None:
    """A paid invoice carries its proof: when, how much, how, the authorisation number."""
    with Api(shared_portal).login("martin") as api:
        paid = api.invoice_by_number("2026080017")
        half = api.invoice_by_number("2026100043")
        unpaid = api.invoice_by_number("2026100042")
    (card,) = paid["receipts"]
    assert card["method"] == "card" and card["amount_cents"] == 19850
    assert re.fullmatch(r"\d{6}", card["authorization_number"])
    assert card["paid_at"].startswith("2026-09-")
    (desk,) = half["receipts"]
    assert (desk["method"], desk["amount_cents"], desk["authorization_number"]) == (
        "counter", 4500, None)
    assert unpaid["receipts"] == []


def test_one_invoice_and_its_pdf(shared_portal: PortalProcess) -> None:
    with Api(shared_portal).login("martin") as api:
        listed = api.invoice_by_number("2026100042")
        one = api.get(f"invoices/{listed['id']}")
        pdf = api.get(f"invoices/{listed['id']}/pdf")
    assert one.json() == listed
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert 'filename="facture-2026100042.pdf"' in pdf.headers["content-disposition"]
    data = pdf.content
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    # A valid cross-reference table: every offset points at its object.
    startxref = int(re.search(rb"startxref\n(\d+)", data).group(1))  # type: ignore[union-attr]
    assert data[startxref:].startswith(b"xref")
    offsets = [int(m) for m in re.findall(rb"(\d{10}) 00000 n", data)]
    for number, offset in enumerate(offsets, start=1):
        assert data[offset:].startswith(b"%d 0 obj" % number)
    text = data.decode("cp1252")
    assert "Facture n° 2026100042" in text
    assert "Reste à payer : 312,40\xa0€" in text


def test_another_familys_invoice_is_404(shared_portal: PortalProcess) -> None:
    with Api(shared_portal).login("durand") as durand:
        theirs = durand.invoice_by_number("2026100051")
    with Api(shared_portal).login("martin") as martin:
        for path in (f"invoices/{theirs['id']}", f"invoices/{theirs['id']}/pdf",
                     "invoices/99999"):
            response = martin.get(path)
            assert response.status_code == 404
            assert error_of(response) == {"code": "not_found",
                                          "message": "Cette facture n'existe pas."}
        assert theirs["id"] not in {i["id"] for i in martin.get("invoices").json()["invoices"]}
