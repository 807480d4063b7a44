"""« Mon tableau de bord »: requests history, messages, events, news."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from famille_tui.api.base import EMPTY_FIELD, Request, Response

#: A reply is a few paragraphs for the structure; the cap keeps one from filling its mailbox
#: (and a screen, a form, a spoken prompt can say it before it is reached).
MAX_REPLY_CHARS = 2000


def check_reply_text(value: str) -> str:
    """A reply's text: not empty, lines and tabs kept, no other control character (what a
    terminal or an e-mail would act on) and no lone surrogate (not storable as UTF-8)."""
    value = value.strip()
    if not value:
        raise ValueError(EMPTY_FIELD)
    for c in value:
        code = ord(c)
        if (code < 32 and c not in "\n\t\r") or 0x7F <= code < 0xA0 or 0xD800 <= code < 0xE000:
            raise ValueError("caractères de contrôle interdits")
    return value


def check_reply_length(value: object) -> object:
    """Before the schema's own `max_length` (which stays for /openapi.json): the same limit,
    said in French with the count, by the portal, the client and every face alike."""
    if isinstance(value, str) and len(value.strip()) > MAX_REPLY_CHARS:
        raise ValueError(f"{MAX_REPLY_CHARS} caractères au plus "
                         f"(votre texte en compte {len(value.strip())})")
    return value


ReplyText = Annotated[str, Field(max_length=MAX_REPLY_CHARS), AfterValidator(check_reply_text),
                      BeforeValidator(check_reply_length)]


class ReplyCreate(Request):
    """`POST messages/{id}/reply`: the parent's answer to a message of « Échanges à lire »."""

    #: (Not `body`: FastAPI's errors name the request's body « body ».)
    text: ReplyText


class Reply(Response):
    """An answer the family sent to one of its messages (the structure receives it)."""

    id: int
    message_id: int
    sent_at: datetime
    text: str
    #: Who it went to: the message's sender, « Crèche Les Pirouettes ».
    to: str


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
    #: What the family answered, oldest first (empty on a portal that takes no answers).
    replies: list[Reply] = Field(default_factory=list)


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
