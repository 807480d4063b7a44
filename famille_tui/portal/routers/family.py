"""The family, its entourage, the account holder's coordinates and the structure's contact."""

from __future__ import annotations

import json
import sqlite3

from fastapi import APIRouter, Response, status

from famille_tui.api import (
    Adult,
    Child,
    Contact,
    ContactCreate,
    ContactUpdate,
    ErrorCode,
    Family,
    HelpContact,
    Profile,
    ProfileUpdate,
)
from famille_tui.portal.db import transaction
from famille_tui.portal.deps import CommuneRow, Db, RowId, User
from famille_tui.portal.problems import ApiProblem, not_found

router = APIRouter(tags=["famille"])

#: An entourage is a handful of people; a cap keeps a script from filling the database.
MAX_CONTACTS = 30


@router.get("/family", response_model=Family)
def family(db: Db, user: User) -> Family:
    row = db.execute("SELECT * FROM families WHERE id = ?", (user.family_id,)).fetchone()
    adults = db.execute(
        "SELECT * FROM adults WHERE family_id = ? ORDER BY id", (user.family_id,)
    ).fetchall()
    children = db.execute(
        "SELECT * FROM children WHERE family_id = ? ORDER BY birth_date", (user.family_id,)
    ).fetchall()
    return Family(
        id=row["id"],
        name=row["name"],
        adults=[
            Adult(first_name=a["first_name"], last_name=a["last_name"], role=a["role"],
                  email=a["email"], phone=a["phone"])
            for a in adults
        ],
        children=[
            Child(id=c["id"], first_name=c["first_name"], last_name=c["last_name"],
                  birth_date=c["birth_date"], structure=c["structure"])
            for c in children
        ],
    )


def _contact(row: sqlite3.Row) -> Contact:
    return Contact(
        id=row["id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        relationship=row["relationship"],
        phones=json.loads(row["phones"]),
        email=row["email"],
        can_pick_up=bool(row["can_pick_up"]),
        emergency_contact=bool(row["emergency_contact"]),
    )


def _own_contact(db: sqlite3.Connection, user: User, contact_id: int) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM contacts WHERE id = ? AND family_id = ?", (contact_id, user.family_id)
    ).fetchone()
    if row is None:  # another family's contact is as unknown as a missing one
        raise not_found("Ce contact n'existe pas dans votre entourage.")
    return row


@router.get("/entourage", response_model=list[Contact])
def entourage(db: Db, user: User) -> list[Contact]:
    rows = db.execute(
        "SELECT * FROM contacts WHERE family_id = ? ORDER BY last_name, first_name, id",
        (user.family_id,),
    ).fetchall()
    return [_contact(r) for r in rows]


@router.post("/entourage", status_code=status.HTTP_201_CREATED, response_model=Contact)
def add_contact(body: ContactCreate, db: Db, user: User) -> Contact:
    with transaction(db):
        count = db.execute(
            "SELECT COUNT(*) FROM contacts WHERE family_id = ?", (user.family_id,)
        ).fetchone()[0]
        if count >= MAX_CONTACTS:
            raise ApiProblem(
                409,
                ErrorCode.VALIDATION_ERROR,
                f"L'entourage compte déjà {MAX_CONTACTS} personnes : retirez-en une d'abord.",
            )
        cursor = db.execute(
            "INSERT INTO contacts (family_id, first_name, last_name, relationship, phones,"
            " email, can_pick_up, emergency_contact) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (user.family_id, body.first_name, body.last_name, body.relationship,
             json.dumps(body.phones), body.email, int(body.can_pick_up),
             int(body.emergency_contact)),
        )
        row = db.execute("SELECT * FROM contacts WHERE id = ?", (cursor.lastrowid,)).fetchone()
    return _contact(row)


@router.patch("/entourage/{contact_id}", response_model=Contact)
def update_contact(contact_id: RowId, body: ContactUpdate, db: Db, user: User) -> Contact:
    changes = body.model_dump(exclude_unset=True)
    columns: dict[str, object] = {}
    for name, value in changes.items():
        if value is None and name != "email":
            continue  # null for a required field means « unchanged »
        if name == "phones":
            value = json.dumps(value)
        elif name in ("can_pick_up", "emergency_contact"):
            value = int(value)
        columns[name] = value
    with transaction(db):
        _own_contact(db, user, contact_id)
        if columns:
            assignments = ", ".join(f"{name} = ?" for name in columns)  # names from the model
            db.execute(
                f"UPDATE contacts SET {assignments} WHERE id = ?",
                (*columns.values(), contact_id),
            )
        row = _own_contact(db, user, contact_id)
    return _contact(row)


@router.delete("/entourage/{contact_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_contact(contact_id: RowId, db: Db, user: User) -> Response:
    with transaction(db):
        _own_contact(db, user, contact_id)
        db.execute("DELETE FROM contacts WHERE id = ?", (contact_id,))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _profile(row: sqlite3.Row) -> Profile:
    return Profile(
        first_name=row["first_name"],
        last_name=row["last_name"],
        address=row["address"],
        postal_code=row["postal_code"],
        city=row["city"],
        phone_home=row["phone_home"],
        phone_mobile=row["phone_mobile"],
        # An empty column: the parent never gave one (said as none, not as "").
        email=row["email"] or None,
    )


@router.get("/profile", response_model=Profile)
def profile(db: Db, user: User) -> Profile:
    row = db.execute(
        "SELECT * FROM profiles WHERE account_id = ?", (user.account_id,)
    ).fetchone()
    return _profile(row)


@router.put("/profile", response_model=Profile)
def update_profile(body: ProfileUpdate, db: Db, user: User) -> Profile:
    with transaction(db):
        db.execute(
            "UPDATE profiles SET first_name = ?, last_name = ?, address = ?, postal_code = ?,"
            " city = ?, phone_home = ?, phone_mobile = ?, email = ? WHERE account_id = ?",
            (body.first_name, body.last_name, body.address, body.postal_code, body.city,
             body.phone_home, body.phone_mobile, body.email, user.account_id),
        )
        # The account holder is one of the family's adults: the family shows what they
        # just saved (their name, the phone a crèche calls first, the e-mail).
        db.execute(
            "UPDATE adults SET first_name = ?, last_name = ?, email = ?, phone = ?"
            " WHERE account_id = ? AND family_id = ?",
            (body.first_name, body.last_name, body.email,
             body.phone_mobile or body.phone_home, user.account_id, user.family_id),
        )
        row = db.execute(
            "SELECT * FROM profiles WHERE account_id = ?", (user.account_id,)
        ).fetchone()
    return _profile(row)


@router.get("/help", response_model=HelpContact)
def help_contact(commune: CommuneRow) -> HelpContact:
    """Public: the leaflet's « Besoin d'aide ? » box, also before logging in."""
    return HelpContact(
        commune=commune["name"],
        structure=commune["structure"],
        address=commune["address"],
        postal_code=commune["postal_code"],
        city=commune["city"],
        phone=commune["phone"],
        email=commune["email"],
        opening_hours=json.loads(commune["opening_hours"]),
    )
