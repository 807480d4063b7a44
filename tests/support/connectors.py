"""Connectors for the faces' tests of a portal that offers less than the Famille API.

`InvoicesOnly` is the real Famille API connector (over HTTP, to the real embedded portal)
that offers only the login and the invoices, as some portals do: each method of what it does
not offer raises `NotOffered`, as the ABC's own do. `requests` notes every path it asked, so
that a test sees that a face never asked for what the portal does not offer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from famille_tui.api import (
    ActivityList,
    Contact,
    Dashboard,
    Family,
    HelpContact,
    Payment,
    Profile,
    Reply,
    ReservationPeriod,
)
from famille_tui.client.config import PortalProfile
from famille_tui.client.portal_client import PortalClient
from famille_tui.client.portals.base import Capability


class _Recording(httpx.AsyncHTTPTransport):
    def __init__(self, requests: list[str]) -> None:
        super().__init__()
        self.requests = requests

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(f"{request.method} {request.url.path.rsplit('/api/v1/', 1)[-1]}")
        return await super().handle_async_request(request)


class InvoicesOnly(PortalClient):
    """The Famille API, offering only login and invoices (no PDF, no online payment)."""

    OFFERED = frozenset({Capability.INVOICES})

    def __init__(self, base_url: str, timeout: float = 10.0, **options: Any) -> None:
        self.requests: list[str] = []
        super().__init__(base_url, timeout=timeout, transport=_Recording(self.requests))

    @classmethod
    def factory(cls, made: list[InvoicesOnly]) -> Any:
        """`connector_factory` for a face; each connector made is appended to `made`."""
        def make(portal: PortalProfile) -> InvoicesOnly:
            connector = cls(portal.url)
            made.append(connector)
            return connector

        return make

    @property
    def capabilities(self) -> frozenset[Capability]:
        return self.OFFERED

    async def family(self) -> Family:
        self.require(Capability.FAMILY)
        return await super().family()

    async def entourage(self) -> list[Contact]:
        self.require(Capability.ENTOURAGE)
        return await super().entourage()

    async def dashboard(self) -> Dashboard:
        self.require(Capability.DASHBOARD)
        return await super().dashboard()

    async def profile(self) -> Profile:
        self.require(Capability.PROFILE)
        return await super().profile()

    async def help(self) -> HelpContact:
        self.require(Capability.HELP)
        return await super().help()

    async def invoice_pdf(self, invoice_id: int) -> bytes:
        self.require(Capability.INVOICE_PDF)
        return await super().invoice_pdf(invoice_id)

    async def create_payment(self, invoice_ids: Sequence[int], email: str,
                             idempotency_key: str) -> Payment:
        self.require(Capability.PAYMENT)
        return await super().create_payment(invoice_ids, email, idempotency_key)

    async def activities(self) -> ActivityList:
        self.require(Capability.RESERVATIONS)
        return await super().activities()

    async def reservations(self, start: Any = None, end: Any = None,
                           child_id: int | None = None) -> ReservationPeriod:
        self.require(Capability.RESERVATIONS)
        return await super().reservations(start, end, child_id)


class NoReplies(InvoicesOnly):
    """The Famille API with everything but answering messages (as Espace Citoyens and
    Noethysweb, whose sites have no such form): the dashboard and its messages are there."""

    OFFERED = frozenset(Capability) - {Capability.MESSAGE_REPLY}

    async def reply_to_message(self, message_id: int, text: str) -> Reply:
        self.require(Capability.MESSAGE_REPLY)
        return await super().reply_to_message(message_id, text)
