"""The quickest check that the portal fixture, the API and the sandbox work together."""

from __future__ import annotations

import httpx

from famille_tui.portal.launcher import PortalProcess
from tests.support.sandbox import pay_in_sandbox


def test_martin_pays_an_invoice_through_the_sandbox(
    portal: PortalProcess, chambon_url: str
) -> None:
    api = chambon_url + "api/v1/"
    with httpx.Client(base_url=api, trust_env=False, timeout=10) as client:
        session = client.post("session", json={"login": "martin", "password": "demo-martin"})
        assert session.status_code == 201
        client.headers["Authorization"] = f"Bearer {session.json()['token']}"
        unpaid = client.get("invoices", params={"status": "unpaid"}).json()["invoices"]
        target = next(i for i in unpaid if i["number"] == "2026100042")
        created = client.post(
            "payments",
            json={"invoice_ids": [target["id"]], "email": "claire.martin@exemple.fr"},
            headers={"Idempotency-Key": "smoke-1"},
        )
        assert created.status_code == 201, created.text
        payment = created.json()
        text = pay_in_sandbox(payment["payment_url"])
        assert "Paiement accepté" in text
        done = client.get(f"payments/{payment['id']}", params={"wait": 5}).json()
        assert done["status"] == "paid"
        invoice = client.get(f"invoices/{target['id']}").json()
        assert invoice["status"] == "reglee"
        assert invoice["remaining_cents"] == 0
