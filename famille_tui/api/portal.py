"""Documents that are about the portal itself rather than a family."""

from __future__ import annotations

from datetime import datetime

from famille_tui.api.base import Response


class Commune(Response):
    """`GET {origin}/communes`: the communes one portal serves."""

    slug: str
    name: str
    #: `{origin}/{slug}/`
    base_url: str


class OutboxMessage(Response):
    """An e-mail the portal or the sandbox sent (demo mode: `GET {base}api/v1/demo/outbox`)."""

    id: int
    sent_at: datetime
    to: str
    subject: str
    body: str
