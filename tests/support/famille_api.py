"""A Famille API in memory, behind `httpx.MockTransport`: what the session's unit tests talk
to, so that only flows need a portal process.

    api = FamilleApi()                          # one family (Martin), three invoices
    session = FamilySession(api.profile, policy, connector_factory=api.connector)
    api.expire_sessions()                       # the next authenticated call: 401 expired
    api.settle(payment_id, "paid")              # the bank's answer arrives

It follows the contract of `famille_tui.api` (the models are the real ones, the answers are
their JSON), nothing more: the real portal's behaviour is tested against the real portal.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from famille_tui.api import (
    Account,
    Adult,
    Child,
    Family,
    Invoice,
    InvoiceList,
    InvoiceStatus,
    Payment,
    PaymentStatus,
    Profile,
    SessionCreated,
)
from famille_tui.client.config import PortalProfile
from famille_tui.client.portal_client import PortalClient

BASE_URL = "http://127.0.0.1:9/le-chambon-feugerolles/"
PAYFIP = "https://www.payfip.gouv.fr/tpa/paiement.web?numcli=1&refdet="
TODAY = date(2026, 11, 16)
PASSWORD = "demo-martin"


def _invoice(id: int, number: str, label: str, due: date, cents: int, *,
             status: InvoiceStatus = InvoiceStatus.A_PAYER, online: bool = True,
             reason: str | None = None) -> Invoice:
    return Invoice(
        id=id, number=number, label=label, service="Crèche", children=["Léa"],
        period_start=date(2026, 10, 1), period_end=date(2026, 10, 31),
        issue_date=date(2026, 11, 1), due_date=due, amount_cents=cents,
        paid_cents=cents if status is InvoiceStatus.REGLEE else 0,
        remaining_cents=0 if status is InvoiceStatus.REGLEE else cents,
        status=status, payable_online=online, not_payable_reason=reason,
    )


class FamilleApi:
    """The portal's state and its HTTP answers."""

    def __init__(self, *, payment_host: str = PAYFIP) -> None:
        self.payment_host = payment_host
        self.account = Account(login="martin", display_name="Claire Martin",
                               email="claire.martin@exemple.fr", family_name="Famille Martin")
        self.family = Family(
            id=1, name="Famille Martin",
            adults=[Adult(first_name="Claire", last_name="Martin", role="Mère",
                          email="claire.martin@exemple.fr", phone="0612345678")],
            children=[Child(id=1, first_name="Léa", last_name="Martin",
                            birth_date=date(2025, 5, 10), structure="Crèche Les Pirouettes")],
        )
        self.invoices: dict[int, Invoice] = {
            1: _invoice(1, "2026100042", "Crèche – octobre 2026", date(2026, 11, 30), 31240),
            2: _invoice(2, "2026090017", "Cantine – septembre 2026", date(2026, 10, 15), 4520),
            3: _invoice(3, "2026080003", "Crèche – août 2026", date(2026, 9, 15), 1000,
                        status=InvoiceStatus.REGLEE),
        }
        self.payments: dict[str, Payment] = {}
        self.tokens: set[str] = set()
        #: Every request, « METHOD path » (for what a test expects to have been asked).
        self.requests: list[str] = []
        self.logouts = 0

    # -- what tests do --------------------------------------------------------------------

    @property
    def profile(self) -> PortalProfile:
        return PortalProfile(name="Le Chambon-Feugerolles", url=BASE_URL)

    def connector(self, portal: PortalProfile) -> PortalClient:
        return PortalClient(portal.url, transport=httpx.MockTransport(self.handle))

    def expire_sessions(self) -> None:
        self.tokens.clear()

    def settle(self, payment_id: str, status: str) -> None:
        payment = self.payments[payment_id]
        final = PaymentStatus(status)
        self.payments[payment_id] = payment.model_copy(update={"status": final})
        for invoice_id in payment.invoice_ids:
            invoice = self.invoices[invoice_id]
            if final is PaymentStatus.PAID:
                invoice = invoice.model_copy(update={
                    "status": InvoiceStatus.REGLEE, "paid_cents": invoice.amount_cents,
                    "remaining_cents": 0, "pending_payment_id": None})
            else:
                invoice = invoice.model_copy(update={"status": InvoiceStatus.A_PAYER,
                                                     "pending_payment_id": None})
            self.invoices[invoice_id] = invoice

    # -- HTTP -----------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.split("/api/v1/", 1)[1]
        self.requests.append(f"{request.method} {path}")
        if request.method == "POST" and path == "session":
            body = json.loads(request.content)
            if body.get("password") != PASSWORD or body.get("login") != self.account.login:
                return self._error(401, "invalid_credentials", "Identifiant ou mot de passe "
                                   "incorrect.")
            token = f"t{len(self.tokens) + len(self.requests)}"
            self.tokens.add(token)
            created = SessionCreated(token=token, expires_at=datetime.now(UTC) + timedelta(1),
                                     idle_timeout_seconds=1800, account=self.account)
            return self._json(created, 201)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return self._error(401, "session_expired", "Votre session a expiré.")
        if request.method == "DELETE" and path == "session":
            self.tokens.discard(token)
            self.logouts += 1
            return httpx.Response(204)
        if path == "family":
            return self._json(self.family)
        if path == "profile":
            return self._json(Profile(first_name="Claire", last_name="Martin",
                                      email="claire@exemple.fr", address="1 rue de la Paix",
                                      postal_code="42500", city="Le Chambon-Feugerolles",
                                      phone_mobile="0612345678"))
        if path == "invoices":
            wanted = request.url.params.get("status", "all")
            listed = [i for i in self.invoices.values()
                      if wanted == "all"
                      or (wanted == "paid") == (i.status is InvoiceStatus.REGLEE)]
            total = sum(i.remaining_cents for i in self.invoices.values())
            return self._json(InvoiceList(invoices=listed, total_remaining_cents=total))
        if request.method == "POST" and path == "payments":
            return self._create_payment(request)
        if path.startswith("payments/"):
            payment = self.payments.get(path.split("/", 1)[1])
            if payment is None:
                return self._error(404, "not_found", "Paiement introuvable.")
            return self._json(payment)
        return self._error(404, "not_found", "Introuvable.")

    def _create_payment(self, request: httpx.Request) -> httpx.Response:
        key = request.headers["Idempotency-Key"]
        if key in self.payments:
            return self._json(self.payments[key])
        body = json.loads(request.content)
        ids = body["invoice_ids"]
        now = datetime.now(UTC)
        payment = Payment(
            id=key, status=PaymentStatus.PENDING,
            amount_cents=sum(self.invoices[i].remaining_cents for i in ids),
            invoice_ids=ids, reference="PF" + key[:8].upper(),
            payment_url=self.payment_host + key[:8], created_at=now,
            expires_at=now + timedelta(minutes=15),
        )
        self.payments[key] = payment
        for i in ids:
            self.invoices[i] = self.invoices[i].model_copy(
                update={"status": InvoiceStatus.EN_COURS, "pending_payment_id": key})
        return self._json(payment, 201)

    @staticmethod
    def _json(model: Any, status: int = 200) -> httpx.Response:
        return httpx.Response(status, content=model.model_dump_json(),
                              headers={"Content-Type": "application/json"})

    @staticmethod
    def _error(status: int, code: str, message: str) -> httpx.Response:
        return httpx.Response(status, json={"error": {"code": code, "message": message}})
