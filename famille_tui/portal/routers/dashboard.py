"""« Mon tableau de bord »: requests history, messages to read, events, news."""

from __future__ import annotations

import sqlite3

from fastapi import APIRouter

from famille_tui.api import Dashboard, Event, Message, NewsItem, RequestItem
from famille_tui.portal.db import transaction
from famille_tui.portal.deps import Db, RowId, User
from famille_tui.portal.problems import not_found

router = APIRouter(tags=["tableau de bord"])


def _message(row: sqlite3.Row) -> Message:
    return Message(
        id=row["id"],
        sent_at=row["sent_at"],
        sender=row["sender"],
        subject=row["subject"],
        body=row["body"],
        read=bool(row["read"]),
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
    return Dashboard(
        requests=[
            RequestItem(id=r["id"], date=r["date"], label=r["label"], status=r["status"])
            for r in requests
        ],
        messages=[_message(m) for m in messages],
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
    return _message(updated)
