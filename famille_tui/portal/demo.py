"""The demo data of DESIGN.md, written into an empty database on first start.

Two communes, each with three families: `martin` (activated, password `demo-martin`),
`durand` (activated, `demo-durand`), `bernard` (not activated: a temporary password is in
the activation e-mail of the outbox). People, addresses and numbers are fictitious, except
the structures' public contact details, which are those of the leaflets.
Dates are fixed (autumn 2026) so that screenshots and snapshots stay the same.

Reservations (services, rules, enrolments, booked days): `demo_reservations.py`.

Outside demo mode (`serve` without `--demo`) the same data is written with no known
password: every account is to be activated from its e-mail, which only the data file's
owner can read (`seed(conn, public_passwords=False)`); and a data file where a demo
password works is refused (`has_public_passwords`).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from famille_tui.api.clock import PARIS
from famille_tui.api.money import format_euros
from famille_tui.api.places import of_place
from famille_tui.portal import security
from famille_tui.portal.db import connect, transaction
from famille_tui.portal.demo_reservations import seed_reservations, seed_reservations_if_missing
from famille_tui.portal.outbox import send_mail


@dataclass(frozen=True)
class CommuneSeed:
    slug: str
    name: str
    numcli: str
    structure: str
    address: str
    postal_code: str
    city: str
    phone: str
    email: str
    opening_hours: list[str]
    #: Structure name used in invoices and children's records.
    creche: str
    canteen: str | None = None
    news: list[tuple[str, str, str]] = field(default_factory=list)
    events: list[tuple[str, str, str | None]] = field(default_factory=list)


CHAMBON = CommuneSeed(
    slug="le-chambon-feugerolles",
    name="Le Chambon-Feugerolles",
    numcli="042063",
    structure="Crèche Les Pirouettes",
    address="9 rue des Halles",
    postal_code="42500",
    city="Le Chambon-Feugerolles",
    phone="04 77 06 20 10",
    email="creche.lespirouettes@lechambon.fr",
    opening_hours=[
        "Du lundi au vendredi, de 7 h 30 à 18 h 30",
        "Accueil des familles par la direction sur rendez-vous",
    ],
    creche="Crèche Les Pirouettes",
    news=[
        (
            "2026-11-02",
            "Paiement en ligne des factures",
            "Vous pouvez désormais régler vos factures de crèche en ligne par carte bancaire, "
            "sur le site sécurisé de l'État (PayFiP), 24 h/24 et 7 j/7.",
        ),
        (
            "2026-10-12",
            "Fermeture pour les fêtes",
            "La crèche Les Pirouettes sera fermée du 24 décembre 2026 au 1er janvier 2027 inclus.",
        ),
    ],
    events=[
        ("2026-12-11", "Fête de Noël de la crèche", "Crèche Les Pirouettes, salle de motricité"),
        ("2026-12-24", "Fermeture de la crèche (jusqu'au 1er janvier)", None),
        ("2027-01-15", "Réunion des parents", "Salle des fêtes, 9 rue des Halles"),
    ],
)

CHAPONOST = CommuneSeed(
    slug="chaponost",
    name="Chaponost",
    numcli="069044",
    structure="Service Familles – restauration scolaire et crèche",
    address="Mairie de Chaponost, place de la Mairie",
    postal_code="69630",
    city="Chaponost",
    phone="04 78 00 00 00",
    email="infos.familles@mairie-chaponost.fr",
    opening_hours=[
        "Du lundi au vendredi, de 8 h 30 à 12 h et de 13 h 30 à 17 h",
        "Restauration scolaire : restauration@mairie-chaponost.fr",
    ],
    creche="Crèche municipale de Chaponost",
    canteen="Restaurant scolaire de Chaponost",
    news=[
        (
            "2026-11-05",
            "Menus de décembre",
            "Les menus du restaurant scolaire pour décembre sont en ligne sur le portail famille.",
        ),
        (
            "2026-09-01",
            "Rentrée 2026",
            "Pensez à vérifier vos coordonnées et votre entourage dans le portail famille.",
        ),
    ],
    events=[
        ("2026-12-18", "Repas de Noël au restaurant scolaire", "Restaurant scolaire"),
        ("2027-01-08", "Date limite des inscriptions au centre de loisirs d'hiver", None),
    ],
)

COMMUNES = (CHAMBON, CHAPONOST)

#: (login, password or None when not activated). Passwords are the demo's, printed in
#: the README; real accounts never have a password in code.
DEMO_LOGINS = {"martin": "demo-martin", "durand": "demo-durand", "bernard": None}


def _invoice(
    number: str,
    label: str,
    service: str,
    children: list[str],
    period: tuple[str, str],
    issued: str,
    due: str,
    amount: int,
    paid: int = 0,
    offline_reason: str | None = None,
    paid_by: str = "card",
    direct_debit_on: str | None = None,
) -> dict[str, Any]:
    return {
        "paid_by": paid_by,
        "direct_debit_on": direct_debit_on,
        "number": number,
        "label": label,
        "service": service,
        "children": children,
        "period_start": period[0],
        "period_end": period[1],
        "issue_date": issued,
        "due_date": due,
        "amount_cents": amount,
        "paid_cents": paid,
        "offline_reason": offline_reason,
    }


def _families(c: CommuneSeed) -> list[dict[str, Any]]:
    """The three demo families of one commune. Invoice numbers differ per commune by prefix."""
    p = "" if c is CHAMBON else "CP"  # keeps the two communes' numbers apart
    crèche = "Crèche"
    canteen_service = "Restauration scolaire"
    martin_invoices = [
        _invoice(f"{p}2026080017", f"{c.creche} – août 2026", crèche, ["Léa", "Hugo"],
                 ("2026-08-01", "2026-08-31"), "2026-09-03", "2026-09-30", 19850, paid=19850),
        _invoice(f"{p}2026090031", f"{c.creche} – septembre 2026", crèche, ["Léa", "Hugo"],
                 ("2026-09-01", "2026-09-30"), "2026-10-05", "2026-10-31", 28720, paid=28720),
        _invoice(f"{p}2026100042", f"{c.creche} – octobre 2026", crèche, ["Léa", "Hugo"],
                 ("2026-10-01", "2026-10-31"), "2026-11-04", "2026-11-15", 31240),
        _invoice(f"{p}2026100043", "Atelier d'éveil musical – octobre 2026", "Activités",
                 ["Léa"], ("2026-10-01", "2026-10-31"), "2026-11-04", "2026-11-30", 9000,
                 paid=4500, paid_by="counter"),
        _invoice(f"{p}2026110058", f"{c.creche} – novembre 2026", crèche, ["Léa", "Hugo"],
                 ("2026-11-01", "2026-11-30"), "2026-12-03", "2026-12-15", 29680),
        # Below PayFiP's minimum of 1 €: not payable online, and says why.
        _invoice(f"{p}2026110059", "Régularisation goûters – octobre 2026", crèche, ["Hugo"],
                 ("2026-10-01", "2026-10-31"), "2026-11-04", "2026-12-15", 60),
    ]
    if c.canteen:
        martin_invoices.append(
            _invoice(f"{p}2026110061", "Restaurant scolaire – novembre 2026", canteen_service,
                     ["Léa"], ("2026-11-01", "2026-11-30"), "2026-12-01", "2026-12-20", 6480)
        )
        martin_invoices.append(
            # Paid by direct debit: the town's own reason not to take it online.
            _invoice(f"{p}2026100062", "Restaurant scolaire – octobre 2026", canteen_service,
                     ["Léa"], ("2026-10-01", "2026-10-31"), "2026-11-02", "2026-11-25", 7020,
                     offline_reason="Cette facture est réglée par prélèvement automatique "
                     "le 25 novembre 2026 : rien à faire.", direct_debit_on="2026-11-25"),
        )
    return [
        {
            "login": "martin",
            "name": "Famille Martin",
            "display_name": "Claire Martin",
            "adults": [
                ("Claire", "Martin", "Mère", "claire.martin@exemple.fr", "06 12 34 56 78"),
                ("Julien", "Martin", "Père", "julien.martin@exemple.fr", "06 98 76 54 32"),
            ],
            "children": [
                ("Léa", "Martin", "2023-03-14", c.canteen or c.creche, "F"),
                ("Hugo", "Martin", "2024-09-02", c.creche, "M"),
            ],
            "profile": ("Claire", "Martin", "12 rue de la République", c.postal_code, c.city,
                        "04 77 00 11 22", "06 12 34 56 78", "claire.martin@exemple.fr"),
            "contacts": [
                ("Monique", "Martin", "Grand-mère", ["04 77 00 33 44", "06 11 22 33 44"],
                 "monique.martin@exemple.fr", True, True, "F"),
                ("Karim", "Benali", "Voisin", ["06 55 44 33 22"], None, True, False, "M"),
            ],
            "requests": [
                ("2026-06-10", f"Inscription de Hugo – {c.creche}", "Acceptée"),
                ("2026-09-15", "Modification des jours d'accueil de Léa", "Acceptée"),
                ("2026-11-08", "Demande d'accueil supplémentaire le mercredi",
                 "En cours de traitement"),
            ],
            "messages": [
                ("2026-11-04T09:15:00+01:00", c.structure, "Nouvelle facture disponible",
                 "Votre facture d'octobre 2026 est disponible dans « Mes factures ». "
                 "Vous pouvez la régler en ligne.", False),
                ("2026-11-12T16:40:00+01:00", c.structure, "Photos de l'atelier peinture",
                 "Les photos de l'atelier peinture sont affichées dans le hall. "
                 "Vous pouvez demander un tirage à l'accueil.", False),
                ("2026-10-01T08:30:00+02:00", c.structure, "Bienvenue",
                 "Bienvenue dans votre Espace famille.", True),
            ],
            "invoices": martin_invoices,
        },
        {
            "login": "durand",
            "name": "Famille Durand",
            "display_name": "Sophie Durand",
            "adults": [("Sophie", "Durand", "Mère", "sophie.durand@exemple.fr",
                        "06 21 43 65 87")],
            "children": [("Emma", "Durand", "2023-06-21", c.creche, "F")],
            "profile": ("Sophie", "Durand", "3 avenue des Tilleuls", c.postal_code, c.city,
                        None, "06 21 43 65 87", "sophie.durand@exemple.fr"),
            "contacts": [("Paul", "Durand", "Grand-père", ["06 70 80 90 10"], None, True,
                          True, "M")],
            "requests": [("2026-08-28", f"Inscription d'Emma – {c.creche}", "Acceptée")],
            "messages": [("2026-11-04T09:15:00+01:00", c.structure,
                          "Nouvelle facture disponible",
                          "Votre facture d'octobre 2026 est disponible.", False)],
            "invoices": [
                _invoice(f"{p}2026090044", f"{c.creche} – septembre 2026", crèche, ["Emma"],
                         ("2026-09-01", "2026-09-30"), "2026-10-05", "2026-10-31", 24000,
                         paid=24000),
                _invoice(f"{p}2026100051", f"{c.creche} – octobre 2026", crèche, ["Emma"],
                         ("2026-10-01", "2026-10-31"), "2026-11-04", "2026-11-15", 25400),
            ],
        },
        {
            "login": "bernard",
            "name": "Famille Bernard",
            "display_name": "Nicolas Bernard",
            "adults": [("Nicolas", "Bernard", "Père", "nicolas.bernard@exemple.fr",
                        "07 81 92 03 14")],
            "children": [("Jules", "Bernard", "2025-01-09", c.creche, "M")],
            "profile": ("Nicolas", "Bernard", "27 chemin des Prés", c.postal_code, c.city,
                        None, "07 81 92 03 14", "nicolas.bernard@exemple.fr"),
            "contacts": [],
            "requests": [("2026-11-10", f"Inscription de Jules – {c.creche}", "Acceptée")],
            "messages": [],
            "invoices": [
                _invoice(f"{p}2026110071", f"{c.creche} – novembre 2026", crèche, ["Jules"],
                         ("2026-11-11", "2026-11-30"), "2026-12-03", "2026-12-15", 18000),
            ],
        },
    ]


def activation_mail(commune: CommuneSeed, login: str, temporary_password: str) -> str:
    return (
        "Bonjour,\n\n"
        f"À la suite de votre inscription auprès de « {commune.structure} », un Espace famille "
        f"a été ouvert pour vous sur le portail {of_place(commune.name)}.\n\n"
        f"Votre identifiant : {login}\n"
        f"Votre mot de passe provisoire : {temporary_password}\n\n"
        "Pour activer votre compte, choisissez « Première connexion », saisissez cet "
        "identifiant et ce mot de passe provisoire, puis choisissez votre mot de passe.\n\n"
        f"{commune.structure}\n{commune.address}, {commune.postal_code} {commune.city}\n"
        f"Tél. : {commune.phone} – {commune.email}\n"
    )


def seed(conn: sqlite3.Connection, *, public_passwords: bool = True) -> None:
    """Write the demo data; call once, on an empty database. Without `public_passwords`,
    no account has a known password: each gets an activation e-mail instead."""
    with transaction(conn):
        for c in COMMUNES:
            _seed_commune(conn, c, public_passwords)
        seed_reservations(conn)


def has_public_passwords(path: Path) -> bool:
    """True when a demo account of the data file at `path` still has its known password."""
    known = {login: password for login, password in DEMO_LOGINS.items() if password}
    try:
        conn = connect(path)
        try:
            rows = conn.execute(
                "SELECT login, password_hash FROM accounts WHERE activated = 1 AND login IN"
                f" ({', '.join('?' * len(known))})",
                list(known),
            ).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:  # no accounts table yet: nothing known
        return False
    return any(security.verify_password(r["password_hash"], known[r["login"]]) for r in rows)


def _seed_receipt(conn: sqlite3.Connection, invoice_id: int | None, inv: dict[str, Any]) -> None:
    """What was paid before the demo begins: by card a week after the invoice came (with
    the bank's authorisation number, made up but steady), or at the crèche's desk."""
    issued = datetime.fromisoformat(inv["issue_date"]).replace(tzinfo=PARIS or UTC)
    paid_at = issued + timedelta(days=7, hours=20, minutes=14)
    card = inv["paid_by"] == "card"
    digest = hashlib.sha256(inv["number"].encode()).hexdigest()
    conn.execute(
        "INSERT INTO receipts (invoice_id, paid_at, amount_cents, method,"
        " authorization_number) VALUES (?, ?, ?, ?, ?)",
        (invoice_id, paid_at.timestamp(), inv["paid_cents"], inv["paid_by"],
         f"{int(digest, 16) % 900_000 + 100_000}" if card else None))


def _seed_commune(conn: sqlite3.Connection, c: CommuneSeed, public_passwords: bool) -> None:
    conn.execute(
        "INSERT INTO communes (slug, name, numcli, structure, address, postal_code, city, phone,"
        " email, opening_hours) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (c.slug, c.name, c.numcli, c.structure, c.address, c.postal_code, c.city, c.phone,
         c.email, json.dumps(c.opening_hours, ensure_ascii=False)),
    )
    for published, title, body in c.news:
        conn.execute("INSERT INTO news (commune, published, title, body) VALUES (?, ?, ?, ?)",
                     (c.slug, published, title, body))
    for day, title, place in c.events:
        conn.execute("INSERT INTO events (commune, date, title, place) VALUES (?, ?, ?, ?)",
                     (c.slug, day, title, place))
    for fam in _families(c):
        family_id = conn.execute(
            "INSERT INTO families (commune, name) VALUES (?, ?)", (c.slug, fam["name"])
        ).lastrowid
        password = DEMO_LOGINS[fam["login"]] if public_passwords else None
        temporary = None if password else security.new_temporary_password()
        account_id = conn.execute(
            "INSERT INTO accounts (commune, login, display_name, family_id, password_hash,"
            " temporary_password_hash, activated) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (c.slug, fam["login"], fam["display_name"], family_id,
             security.hash_password(password) if password else None,
             security.hash_password(temporary) if temporary else None,
             1 if password else 0),
        ).lastrowid
        for first, last, role, email, phone in fam["adults"]:
            # The account holder is the adult of the profile: « Mes coordonnées » are theirs.
            holder = (first, last) == fam["profile"][:2]
            conn.execute(
                "INSERT INTO adults (family_id, first_name, last_name, role, email, phone,"
                " account_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (family_id, first, last, role, email, phone, account_id if holder else None))
        for first, last, birth, structure, sex in fam["children"]:
            conn.execute(
                "INSERT INTO children (family_id, first_name, last_name, birth_date, structure,"
                " sex) VALUES (?, ?, ?, ?, ?, ?)", (family_id, first, last, birth, structure, sex))
        conn.execute(
            "INSERT INTO profiles (account_id, first_name, last_name, address, postal_code,"
            " city, phone_home, phone_mobile, email) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (account_id, *fam["profile"]))
        for first, last, relation, phones, email, pick_up, emergency, sex in fam["contacts"]:
            conn.execute(
                "INSERT INTO contacts (family_id, first_name, last_name, relationship, phones,"
                " email, can_pick_up, emergency_contact, sex) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (family_id, first, last, relation, json.dumps(phones), email, int(pick_up),
                 int(emergency), sex))
        for day, label, status in fam["requests"]:
            conn.execute("INSERT INTO requests (family_id, date, label, status) VALUES (?,?,?,?)",
                         (family_id, day, label, status))
        for sent_at, sender, subject, body, read in fam["messages"]:
            conn.execute(
                "INSERT INTO messages (family_id, sent_at, sender, subject, body, read)"
                " VALUES (?, ?, ?, ?, ?, ?)", (family_id, sent_at, sender, subject, body,
                                               int(read)))
        for inv in fam["invoices"]:
            invoice_id = conn.execute(
                "INSERT INTO invoices (family_id, commune, number, label, service, children,"
                " period_start, period_end, issue_date, due_date, amount_cents, paid_cents,"
                " offline_reason, direct_debit_on)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (family_id, c.slug, inv["number"], inv["label"], inv["service"],
                 json.dumps(inv["children"], ensure_ascii=False), inv["period_start"],
                 inv["period_end"], inv["issue_date"], inv["due_date"], inv["amount_cents"],
                 inv["paid_cents"], inv["offline_reason"], inv["direct_debit_on"])).lastrowid
            if inv["paid_cents"]:
                _seed_receipt(conn, invoice_id, inv)
        email = fam["profile"][7]
        if temporary:
            send_mail(conn, c.slug, email, f"Activation de votre Espace famille – {c.name}",
                      activation_mail(c, fam["login"], temporary))
        unpaid = sum(i["amount_cents"] - i["paid_cents"] for i in fam["invoices"]
                     if not i["direct_debit_on"])
        if fam["login"] == "martin" and unpaid:
            send_mail(conn, c.slug, email, "Vos factures sont disponibles",
                      f"Bonjour,\n\nDe nouvelles factures sont disponibles dans votre Espace "
                      f"famille. Reste à payer : {format_euros(unpaid)}.\n")


__all__ = ["COMMUNES", "DEMO_LOGINS", "has_public_passwords", "seed",
           "seed_reservations_if_missing"]
