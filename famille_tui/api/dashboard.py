"""« Mon tableau de bord »: requests history, messages, events, news."""

from __future__ import annotations

from datetime import date, datetime

from famille_tui.api.base import Response


class RequestItem(Response):
    """One entry of « Historique des demandes »."""

    id: int
    date: date
    label: str
    #: « Acceptée », « En cours de traitement », « Refusée »
    status: str


class Message(Response):
    """« Échanges à lire »."""

    id: int
    sent_at: datetime
    sender: str
    subject: str
    body: str
    read: bool


class Event(Response):
    id: int
    date: date
    title: str
    place: str | None = None


class NewsItem(Response):
    """« Mes actualités »."""

    id: int
    published: date
    title: str
    body: str


class Dashboard(Response):
    requests: list[RequestItem]
    messages: list[Message]
    unread_messages: int
    events: list[Event]
    news: list[NewsItem]
