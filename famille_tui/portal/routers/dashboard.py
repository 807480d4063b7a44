"""« Mon tableau de bord »: requests history, messages to read, events, news."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import UTC, datetime

from fastapi import APIRouter, status

from famille_tui.api import (
    Dashboard,
    ErrorCode,
    Event,
    Message,
    NewsItem,
    Reply,
    ReplyCreate,
    RequestItem,
)
from famille_tui.api.clock import when_text
from famille_tui.portal.db import transaction
from famille_tui.portal.deps import CommuneRow, Db, RowId, User
from famille_tui.portal.outbox import send_mail
from famille_tui.portal.problems import ApiProblem, not_found

router = APIRouter(tags=["tableau de bord"])

#: A conversation is a few answers; a cap keeps a script from filling the structure's mailbox.
MAX_REPLIES_PER_MESSAGE = 20


def _reply(row: sqlite3.Row, to: str) -> Reply:
    return Reply(id=row["id"], message_id=row["message_id"], sent_at=row["sent_at"],
                 text=row["body"], to=to)


def _replies(db: sqlite3.Connection, messages: list[sqlite3.Row]) -> dict[int, list[Reply]]:
    """Each message's replies, oldest first, in one query."""
    by_message: dict[int, list[Reply]] = defaultdict(list)
    if not messages:
        return by_message
    senders = {m["id"]: m["sender"] for m in messages}
    marks = ", ".join("?" * len(senders))
    for row in db.execute(
        f"SELECT * FROM message_replies WHERE message_id IN ({marks}) ORDER BY sent_at, id",
        tuple(senders),
    ):
        by_message[row["message_id"]].append(_reply(row, senders[row["message_id"]]))
    return by_message


def _message(row: sqlite3.Row, replies: list[Reply] | None = None) -> Message:
    return Message(
        id=row["id"],
        sent_at=row["sent_at"],
        sender=row["sender"],
        subject=row["subject"],
        body=row["body"],
        read=bool(row["read"]),
        replies=replies or [],
    )


@router.get("/dashboard", response_model=Dashboard)
def dashboard(db: Db, user: User) -> Dashboard:
    requests = db.execute(
        "SELECT * FROM requests WHERE family_id = ? ORDER BY date DESC, id DESC",
        (user.family_id,),
    ).fetchall()
    messages = db.execute(
        "SELECT * FROM messages WHERE family_id = ? ORDER BY sent_at DESC, id DESC",
        (user.family_id,),
    ).fetchall()
    events = db.execute(
        "SELECT * FROM events WHERE commune = ? AND (family_id IS NULL OR family_id = ?)"
        " ORDER BY date, id",
        (user.commune, user.family_id),
    ).fetchall()
    news = db.execute(
        "SELECT * FROM news WHERE commune = ? ORDER BY published DESC, id DESC", (user.commune,)
    ).fetchall()
    replies = _replies(db, messages)
    return Dashboard(
        requests=[
            RequestItem(id=r["id"], date=r["date"], label=r["label"], status=r["status"])
            for r in requests
        ],
        messages=[_message(m, replies.get(m["id"])) for m in messages],
        unread_messages=sum(1 for m in messages if not m["read"]),
        events=[Event(id=e["id"], date=e["date"], title=e["title"], place=e["place"])
                for e in events],
        news=[NewsItem(id=n["id"], published=n["published"], title=n["title"], body=n["body"])
              for n in news],
    )


@router.post("/messages/{message_id}/read", response_model=Message)
def mark_read(message_id: RowId, db: Db, user: User) -> Message:
    with transaction(db):
        row = db.execute(
            "SELECT id FROM messages WHERE id = ? AND family_id = ?",
            (message_id, user.family_id),
        ).fetchone()
        if row is None:
            raise not_found("Ce message n'existe pas.")
        db.execute("UPDATE messages SET read = 1 WHERE id = ?", (message_id,))
        updated = db.execute("SELECT * FROM messages WHERE id = ?", (message_id,)).fetchone()
        replies = _replies(db, [updated])
    return _message(updated, replies.get(message_id))


@router.post("/messages/{message_id}/reply", response_model=Reply,
             status_code=status.HTTP_201_CREATED)
def reply(message_id: RowId, body: ReplyCreate, db: Db, user: User,
          commune: CommuneRow) -> Reply:
    """The family answers one of its messages: kept with it, and sent to the structure's
    address (the demo's outbox shows it, as the structure would receive it). Another
    family's message is as unknown as a made-up one (404)."""
    with transaction(db):
        message = db.execute(
            "SELECT * FROM messages WHERE id = ? AND family_id = ?",
            (message_id, user.family_id),
        ).fetchone()
        if message is None:
            raise not_found("Ce message n'existe pas.")
        count = db.execute("SELECT COUNT(*) FROM message_replies WHERE message_id = ?",
                           (message_id,)).fetchone()[0]
        if count >= MAX_REPLIES_PER_MESSAGE:
            raise ApiProblem(
                409, ErrorCode.VALIDATION_ERROR,
                f"Vous avez déjà répondu {MAX_REPLIES_PER_MESSAGE} fois à ce message : "
                f"pour la suite, contactez {message['sender']} directement.")
        sent_at = datetime.now(UTC)
        cursor = db.execute(
            "INSERT INTO message_replies (message_id, account_id, sent_at, body)"
            " VALUES (?, ?, ?, ?)",
            (message_id, user.account_id, sent_at.isoformat(), body.text),
        )
        family = db.execute("SELECT name FROM families WHERE id = ?",
                            (user.family_id,)).fetchone()
        # Replying keeps the conversation: the subject as mail programs say it.
        subject = message["subject"]
        if not subject.lower().startswith("re :") and not subject.lower().startswith("re:"):
            subject = f"Re : {subject}"
        send_mail(
            db, user.commune, commune["email"], f"{subject} ({family['name']})",
            f"{family['name']} (identifiant {user.login}) a répondu le {when_text(sent_at)} "
            f"au message « {message['subject']} » du "
            f"{when_text(datetime.fromisoformat(message['sent_at']))} :\n\n{body.text}\n",
        )
        row = db.execute("SELECT * FROM message_replies WHERE id = ?",
                         (cursor.lastrowid,)).fetchone()
    return _reply(row, message["sender"])
