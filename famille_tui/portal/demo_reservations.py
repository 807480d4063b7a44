"""The demo's reservations: each commune's services and rules, martin's and durand's
enrolments, and the days already booked.

Fixed dates, like the rest of the demo data: the school year 2026-2027 (and the next one,
enrolments renewed), Léa's canteen of November 2026 being the 15 meals of the invoice
« Restaurant scolaire – novembre 2026 » of Chaponost (15 × 4,32 € = 64,80 €), already billed.
From December on nothing is billed yet: each month that ends goes on an invoice of its own.
The canteen is not booked ahead (parents book it week by week): a new user finds days to
book, a day whose deadline has passed, a full Wednesday and a waiting list.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta

from famille_tui.api import DeadlineKind, LateCancellation, Service
from famille_tui.portal import calendar
from famille_tui.portal.db import now

SCHOOL_DAYS = (1, 2, 4, 5)  # Chaponost and Le Chambon: four school days a week
#: The two school years enrolled (with their summer for the holiday centre).
YEARS = ((date(2026, 9, 1), date(2027, 8, 31)), (date(2027, 9, 1), date(2028, 8, 31)))


@dataclass(frozen=True)
class ActivitySeed:
    service: Service
    label: str
    place: str
    hours: tuple[str, str]
    weekdays: tuple[int, ...]
    in_holidays: bool
    price_cents: int
    capacity: int
    taken_elsewhere: int
    rule: tuple[DeadlineKind, int, str]
    late: LateCancellation = LateCancellation.BILLED


WORKING = DeadlineKind.WORKING_DAYS_BEFORE
WEEKLY = DeadlineKind.WEEKDAY_OF_PREVIOUS_WEEK
HOLIDAYS = DeadlineKind.DAYS_BEFORE_HOLIDAYS

ACTIVITIES: dict[str, tuple[ActivitySeed, ...]] = {
    "chaponost": (
        ActivitySeed(Service.GARDERIE_MATIN, "Accueil périscolaire du matin",
                     "Groupe scolaire du Centre", ("07:30", "08:30"), SCHOOL_DAYS, False,
                     160, 40, 22, (WORKING, 1, "18:00")),
        ActivitySeed(Service.CANTINE, "Restaurant scolaire", "Restaurant scolaire de Chaponost",
                     ("11:45", "13:30"), SCHOOL_DAYS, False, 432, 150, 118,
                     (WORKING, 2, "12:00")),
        ActivitySeed(Service.GARDERIE_SOIR, "Accueil périscolaire du soir",
                     "Groupe scolaire du Centre", ("16:30", "18:30"), SCHOOL_DAYS, False,
                     240, 40, 30, (WORKING, 1, "18:00")),
        ActivitySeed(Service.MERCREDI, "Accueil de loisirs du mercredi",
                     "Centre de loisirs Les Pins", ("08:00", "18:00"), (3,), False, 1450, 24,
                     20, (WEEKLY, 4, "12:00")),
        ActivitySeed(Service.VACANCES, "Accueil de loisirs des vacances",
                     "Centre de loisirs Les Pins", ("08:00", "18:00"), (1, 2, 3, 4, 5), True,
                     1680, 32, 25, (HOLIDAYS, 14, "00:00"), LateCancellation.REFUSED),
    ),
    "le-chambon-feugerolles": (
        ActivitySeed(Service.CANTINE, "Restaurant scolaire", "Restaurant scolaire du Centre",
                     ("11:30", "13:30"), SCHOOL_DAYS, False, 395, 120, 85, (WEEKLY, 4, "12:00")),
        ActivitySeed(Service.MERCREDI, "Accueil de loisirs du mercredi",
                     "Centre de loisirs La Vaure", ("08:00", "18:00"), (3,), False, 1320, 24,
                     18, (WEEKLY, 4, "12:00")),
        ActivitySeed(Service.VACANCES, "Accueil de loisirs des vacances",
                     "Centre de loisirs La Vaure", ("08:00", "18:00"), (1, 2, 3, 4, 5), True,
                     1540, 30, 22, (HOLIDAYS, 21, "12:00"), LateCancellation.REFUSED),
    ),
}

#: (commune, family name, first name) → the services enrolled for both school years.
ENROLMENTS: dict[tuple[str, str, str], tuple[Service, ...]] = {
    ("chaponost", "Famille Martin", "Léa"): tuple(Service),
    ("chaponost", "Famille Durand", "Emma"): (Service.CANTINE, Service.MERCREDI),
    ("le-chambon-feugerolles", "Famille Martin", "Léa"): (Service.CANTINE, Service.MERCREDI,
                                                          Service.VACANCES),
}

#: Places taken by other children on given days: a full Wednesday, a last place.
BUSY_DAYS: dict[tuple[str, Service, date], int] = {
    ("chaponost", Service.MERCREDI, date(2026, 12, 9)): 24,
    ("chaponost", Service.MERCREDI, date(2026, 12, 16)): 24,
    ("chaponost", Service.CANTINE, date(2026, 12, 11)): 148,  # Emma has one: 1 left
    ("le-chambon-feugerolles", Service.MERCREDI, date(2026, 12, 16)): 24,
}


def _days(first: date, last: date, weekdays: tuple[int, ...]) -> list[date]:
    found = []
    day = first
    while day <= last:
        if day.isoweekday() in weekdays and calendar.public_holiday(day) is None \
                and not any(day in h for h in calendar.ZONE_A):
            found.append(day)
        day += timedelta(days=1)
    return found


def seed_reservations(conn: sqlite3.Connection) -> None:
    """Write the services, enrolments and bookings; inside the seed's transaction."""
    ids: dict[tuple[str, Service], int] = {}
    communes = {r[0] for r in conn.execute("SELECT slug FROM communes")}
    for commune, seeds in ACTIVITIES.items():
        if commune not in communes:
            continue
        for a in seeds:
            kind, days, at = a.rule
            ids[(commune, a.service)] = int(conn.execute(
                "INSERT INTO activities (commune, service, label, place, start_time, end_time,"
                " weekdays, in_holidays, price_cents, capacity, taken_elsewhere, deadline_kind,"
                " deadline_days, deadline_time, late_cancellation)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (commune, a.service.value, a.label, a.place, a.hours[0], a.hours[1],
                 json.dumps(list(a.weekdays)), int(a.in_holidays), a.price_cents, a.capacity,
                 a.taken_elsewhere, kind.value, days, at, a.late.value),
            ).lastrowid or 0)
    for (commune, service, day), taken in BUSY_DAYS.items():
        if (commune, service) in ids:
            conn.execute("INSERT INTO activity_days (activity_id, day, taken_elsewhere)"
                         " VALUES (?, ?, ?)", (ids[(commune, service)], day.isoformat(), taken))
    children = {
        (r["commune"], r["name"], r["first_name"]): r["id"] for r in conn.execute(
            "SELECT c.id, c.first_name, f.name, f.commune FROM children c"
            " JOIN families f ON f.id = c.family_id")
    }
    for key, services in ENROLMENTS.items():
        child = children.get(key)
        if child is None:
            continue
        for service in services:
            for first, last in YEARS:
                conn.execute("INSERT INTO enrolments (child_id, activity_id, first_day,"
                             " last_day) VALUES (?, ?, ?, ?)",
                             (child, ids[(key[0], service)], first.isoformat(),
                              last.isoformat()))
    _bookings(conn, ids, children)


def _book(conn: sqlite3.Connection, child: int, activity: int, days: list[date], price: int,
          *, status: str = "booked", invoice: int | None = None,
          absent: tuple[date, ...] = ()) -> None:
    at = now()
    conn.executemany(
        "INSERT INTO bookings (child_id, activity_id, day, status, absent, billed_cents,"
        " invoice_id, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(child, activity, d.isoformat(), status, int(d in absent),
          price if status != "waiting" else 0, invoice, at) for d in days])


def _bookings(conn: sqlite3.Connection, ids: dict[tuple[str, Service], int],
              children: dict[tuple[str, str, str], int]) -> None:
    price = {key: conn.execute("SELECT price_cents FROM activities WHERE id = ?",
                               (value,)).fetchone()[0] for key, value in ids.items()}
    lea = children.get(("chaponost", "Famille Martin", "Léa"))
    if lea is not None and ("chaponost", Service.CANTINE) in ids:
        canteen = ids[("chaponost", Service.CANTINE)]
        invoice = conn.execute("SELECT id FROM invoices WHERE commune = 'chaponost' AND"
                               " number = 'CP2026110061'").fetchone()
        november = [d for d in _days(date(2026, 11, 2), date(2026, 11, 30), SCHOOL_DAYS)
                    if d not in (date(2026, 11, 19), date(2026, 11, 20))]
        _book(conn, lea, canteen, november, price[("chaponost", Service.CANTINE)],
              invoice=invoice[0] if invoice else None, absent=(date(2026, 11, 17),))
        _book(conn, lea, canteen, _days(date(2026, 12, 1), date(2026, 12, 4), SCHOOL_DAYS),
              price[("chaponost", Service.CANTINE)])
        evening = ids[("chaponost", Service.GARDERIE_SOIR)]
        _book(conn, lea, evening, _days(date(2026, 12, 1), date(2027, 7, 2), (2, 4)),
              price[("chaponost", Service.GARDERIE_SOIR)], absent=(date(2026, 12, 1),))
        wednesday = ids[("chaponost", Service.MERCREDI)]
        _book(conn, lea, wednesday, [date(2026, 12, 16)], 0, status="waiting")
        _book(conn, lea, wednesday, [date(2026, 12, 2)],
              price[("chaponost", Service.MERCREDI)])
    emma = children.get(("chaponost", "Famille Durand", "Emma"))
    if emma is not None and ("chaponost", Service.CANTINE) in ids:
        _book(conn, emma, ids[("chaponost", Service.CANTINE)],
              _days(date(2026, 12, 1), date(2027, 7, 2), SCHOOL_DAYS),
              price[("chaponost", Service.CANTINE)])
    chambon = children.get(("le-chambon-feugerolles", "Famille Martin", "Léa"))
    if chambon is not None and ("le-chambon-feugerolles", Service.MERCREDI) in ids:
        _book(conn, chambon, ids[("le-chambon-feugerolles", Service.MERCREDI)],
              [date(2026, 12, 2), date(2026, 12, 9)],
              price[("le-chambon-feugerolles", Service.MERCREDI)])


def seed_reservations_if_missing(conn: sqlite3.Connection) -> None:
    """A data file made before reservations existed gets the demo's (once)."""
    from famille_tui.portal.db import transaction

    if conn.execute("SELECT 1 FROM activities LIMIT 1").fetchone() is not None:
        return
    if conn.execute("SELECT 1 FROM communes LIMIT 1").fetchone() is None:
        return
    with transaction(conn):
        if conn.execute("SELECT 1 FROM activities LIMIT 1").fetchone() is None:
            seed_reservations(conn)
