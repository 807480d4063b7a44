"""Reservations on the reference portal: each slot's state, the batch changes, billing.

`Ledger` reads one family's view of a period (its children's enrolments and bookings, every
family's counts of places taken) and gives each slot its state, its deadline and what may be
done with it; `apply_changes` judges a batch line by line in one write transaction (SQLite's
single writer: two parents racing for the last place are judged one after the other, so a
day is never overbooked); `issue_due_invoices` puts the bookings of every month that is over
on an invoice of their own (« la prochaine facture »).

Times come from `now` (the portal's clock, `PortalConfig.now()`), days in Paris time.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from famille_tui.api import (
    Activity,
    BookingRule,
    ChangeAction,
    ChangeLine,
    ChangeOutcome,
    ChangeResult,
    ChildActivities,
    ChildDay,
    ChildReservations,
    Deadline,
    DeadlineKind,
    FamilyDeadline,
    LateCancellation,
    RefusalCode,
    ReservationChange,
    ReservationPeriod,
    Service,
    Slot,
    SlotState,
)
from famille_tui.api.money import format_euros
from famille_tui.portal import calendar
from famille_tui.portal.calendar import Closure, CommuneCalendar, day_words, moment_words
from famille_tui.portal.db import now as timestamp
from famille_tui.portal.outbox import send_mail

#: The order of the services on every screen: the day as a child lives it.
SERVICE_ORDER: tuple[Service, ...] = (Service.GARDERIE_MATIN, Service.CANTINE,
                                      Service.GARDERIE_SOIR, Service.MERCREDI, Service.VACANCES)
#: How far ahead the next deadline is looked for.
LOOKAHEAD_DAYS = 70

_ALL = frozenset(s.value for s in Service)
_CENTRES = frozenset({Service.MERCREDI.value, Service.VACANCES.value})


def _closures(*years: int) -> tuple[Closure, ...]:
    found: list[Closure] = []
    for year in years:
        found.append(Closure("Fermeture de fin d'année de l'accueil de loisirs",
                             date(year, 12, 24), date(year + 1, 1, 1), _CENTRES))
        found.append(Closure("Fermeture estivale de l'accueil de loisirs",
                             date(year, 8, 1), date(year, 8, 31), _CENTRES))
    return tuple(found)


#: The demo communes' calendars (both in zone A, académie de Lyon).
CALENDARS: dict[str, CommuneCalendar] = {
    "chaponost": CommuneCalendar("A", _closures(2025, 2026, 2027, 2028)),
    "le-chambon-feugerolles": CommuneCalendar("A", _closures(2025, 2026, 2027, 2028)),
}
DEFAULT_CALENDAR = CommuneCalendar("A")


def calendar_of(commune: str) -> CommuneCalendar:
    return CALENDARS.get(commune, DEFAULT_CALENDAR)


# -- the services' words -----------------------------------------------------------------

#: « la cantine du mardi 8 décembre »: (article + noun) of each service in a sentence.
SERVICE_NOUNS: dict[Service, str] = {
    Service.CANTINE: "la cantine",
    Service.GARDERIE_MATIN: "la garderie du matin",
    Service.GARDERIE_SOIR: "la garderie du soir",
    Service.MERCREDI: "l'accueil du mercredi",
    Service.VACANCES: "l'accueil de loisirs des vacances",
}


def _hhmm(value: str) -> time:
    hour, minute = value.split(":")
    return time(int(hour), int(minute))


@dataclass(frozen=True)
class ActivityRow:
    id: int
    service: Service
    label: str
    place: str
    start_time: time
    end_time: time
    weekdays: frozenset[int]
    in_holidays: bool
    price_cents: int
    capacity: int
    taken_elsewhere: int
    kind: DeadlineKind
    days: int
    at: time
    late: LateCancellation

    @classmethod
    def of(cls, row: sqlite3.Row) -> ActivityRow:
        return cls(
            id=row["id"], service=Service(row["service"]), label=row["label"],
            place=row["place"], start_time=_hhmm(row["start_time"]),
            end_time=_hhmm(row["end_time"]), weekdays=frozenset(json.loads(row["weekdays"])),
            in_holidays=bool(row["in_holidays"]), price_cents=row["price_cents"],
            capacity=row["capacity"], taken_elsewhere=row["taken_elsewhere"],
            kind=DeadlineKind(row["deadline_kind"]), days=row["deadline_days"],
            at=_hhmm(row["deadline_time"]), late=LateCancellation(row["late_cancellation"]),
        )

    @property
    def rule(self) -> BookingRule:
        return BookingRule(kind=self.kind, days=self.days, time=self.at,
                           late_cancellation=self.late,
                           text=calendar.rule_text(self.kind, self.days, self.at))

    @property
    def noun(self) -> str:
        return SERVICE_NOUNS[self.service]

    def days_text(self) -> str:
        names = [calendar.WEEKDAYS[d - 1] for d in sorted(self.weekdays)]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]
        when = "pendant les vacances scolaires" if self.in_holidays else "en période scolaire"
        return f"{listed}, {when}"


def commune_activities(conn: sqlite3.Connection, commune: str) -> dict[int, ActivityRow]:
    rows = conn.execute("SELECT * FROM activities WHERE commune = ?", (commune,)).fetchall()
    return {r["id"]: ActivityRow.of(r) for r in rows}


@dataclass(frozen=True)
class Enrolment:
    child_id: int
    activity_id: int
    first_day: date
    last_day: date


class Ledger:
    """One family's reservations over [start, end] (enough days either side for the
    deadlines' groups are not needed: a slot's state depends on its own day only)."""

    def __init__(self, conn: sqlite3.Connection, commune: str, family_id: int,
                 start: date, end: date, now: datetime) -> None:
        self.conn = conn
        self.commune = commune
        self.family_id = family_id
        self.start = start
        self.end = end
        self.now = now
        self.today = calendar.paris_today(now)
        self.calendar = calendar_of(commune)
        self.activities = commune_activities(conn, commune)
        self.children: dict[int, str] = {
            r["id"]: r["first_name"] for r in conn.execute(
                "SELECT id, first_name FROM children WHERE family_id = ? ORDER BY birth_date",
                (family_id,))
        }
        marks = ",".join("?" * len(self.children)) or "NULL"
        self.enrolments: dict[tuple[int, int], list[Enrolment]] = defaultdict(list)
        for r in conn.execute(
            f"SELECT * FROM enrolments WHERE child_id IN ({marks}) AND first_day <= ?"
            " AND last_day >= ?", (*self.children, end.isoformat(), start.isoformat())
        ):
            if r["activity_id"] in self.activities:
                self.enrolments[(r["child_id"], r["activity_id"])].append(Enrolment(
                    r["child_id"], r["activity_id"], date.fromisoformat(r["first_day"]),
                    date.fromisoformat(r["last_day"])))
        self.bookings: dict[tuple[int, int, date], sqlite3.Row] = {}
        for r in conn.execute(
            f"SELECT * FROM bookings WHERE child_id IN ({marks}) AND day BETWEEN ? AND ?",
            (*self.children, start.isoformat(), end.isoformat()),
        ):
            self.bookings[(r["child_id"], r["activity_id"], date.fromisoformat(r["day"]))] = r
        self._load_counts()

    def _load_counts(self) -> None:
        ids = list(self.activities)
        marks = ",".join("?" * len(ids)) or "NULL"
        span = (self.start.isoformat(), self.end.isoformat())
        self.booked: dict[tuple[int, date], int] = {
            (r[0], date.fromisoformat(r[1])): r[2] for r in self.conn.execute(
                f"SELECT activity_id, day, COUNT(*) FROM bookings WHERE activity_id IN ({marks})"
                " AND day BETWEEN ? AND ? AND status = 'booked' GROUP BY activity_id, day",
                (*ids, *span))
        }
        self.elsewhere: dict[tuple[int, date], int] = {
            (r[0], date.fromisoformat(r[1])): r[2] for r in self.conn.execute(
                f"SELECT activity_id, day, taken_elsewhere FROM activity_days WHERE activity_id"
                f" IN ({marks}) AND day BETWEEN ? AND ?", (*ids, *span))
        }

    # -- what a child is enrolled in -----------------------------------------------------

    def enrolled(self, child_id: int, activity: ActivityRow, day: date) -> bool:
        return any(e.first_day <= day <= e.last_day
                   for e in self.enrolments.get((child_id, activity.id), ()))

    def services_of(self, child_id: int) -> list[ActivityRow]:
        """The activities the child is enrolled in at some day of the period, in order."""
        found = {a.service: a for (c, a_id) in self.enrolments if c == child_id
                 for a in (self.activities[a_id],)}
        return [found[s] for s in SERVICE_ORDER if s in found]

    def activity_for(self, service: Service) -> ActivityRow | None:
        for activity in self.activities.values():
            if activity.service is service:
                return activity
        return None

    # -- one slot ------------------------------------------------------------------------

    def places_left(self, activity: ActivityRow, day: date) -> int:
        taken = self.elsewhere.get((activity.id, day), activity.taken_elsewhere)
        return max(0, activity.capacity - taken - self.booked.get((activity.id, day), 0))

    def waiting_position(self, booking: sqlite3.Row) -> int:
        row = self.conn.execute(
            "SELECT COUNT(*) FROM bookings WHERE activity_id = ? AND day = ? AND status ="
            " 'waiting' AND (changed_at < ? OR (changed_at = ? AND id < ?))",
            (booking["activity_id"], booking["day"], booking["changed_at"],
             booking["changed_at"], booking["id"]),
        ).fetchone()
        return int(row[0]) + 1

    def closed_note(self, activity: ActivityRow, day: date) -> tuple[SlotState, str | None] | None:
        """Why the service does not run that day (None: it runs)."""
        cal = self.calendar
        if not cal.known(day):
            return SlotState.NOT_OFFERED, "Calendrier scolaire non publié pour ce jour."
        if day.isoweekday() not in activity.weekdays:
            return SlotState.NOT_OFFERED, None
        holiday = calendar.public_holiday(day)
        if holiday is not None:
            return SlotState.PUBLIC_HOLIDAY, f"Jour férié : {holiday}."
        period = cal.school_holidays(day)
        if activity.in_holidays and period is None:
            return SlotState.NOT_OFFERED, "Seulement pendant les vacances scolaires."
        if not activity.in_holidays and period is not None:
            return SlotState.CLOSED, f"{period.label}."
        closure = cal.closure(activity.service.value, day)
        if closure is not None:
            return SlotState.CLOSED, f"{closure.label}."
        return None

    def deadline(self, activity: ActivityRow, day: date) -> datetime:
        return calendar.deadline_of(activity.kind, activity.days, activity.at, day,
                                    self.calendar)[0]

    def slot(self, child_id: int, activity: ActivityRow, day: date) -> Slot:
        price = activity.price_cents
        closed = self.closed_note(activity, day)
        if closed is not None:
            return Slot(service=activity.service, state=closed[0], price_cents=price,
                        note=closed[1])
        if not self.enrolled(child_id, activity, day):
            return Slot(service=activity.service, state=SlotState.NOT_OFFERED,
                        price_cents=price, note="Pas d'inscription à ce service ce jour-là.")
        deadline = self.deadline(activity, day)
        in_time = self.now < deadline
        past_day = day < self.today
        left = self.places_left(activity, day)
        booking = self.bookings.get((child_id, activity.id, day))
        status = booking["status"] if booking is not None else None
        note: str | None = None
        waiting: int | None = None
        late_fee: int | None = None
        can_book = can_wait = can_cancel = False
        if status == "booked":
            if past_day:
                state = SlotState.ABSENT if booking is not None and booking["absent"] \
                    else SlotState.PRESENT
            else:
                state = SlotState.BOOKED
                if in_time:
                    can_cancel = True
                elif activity.late is LateCancellation.BILLED:
                    can_cancel = True
                    late_fee = price
                    note = (f"Annulation hors délai (après le {moment_words(deadline)}) : "
                            f"la journée reste facturée {format_euros(price)}.")
                else:
                    note = (f"Trop tard pour annuler : {activity.noun} du {day_words(day)} "
                            f"s'annulait jusqu'au {moment_words(deadline)}.")
        elif status == "waiting" and booking is not None:
            state = SlotState.WAITING_LIST
            waiting = self.waiting_position(booking)
            can_cancel = not past_day
        else:
            state = SlotState.FULL if left == 0 and not past_day else SlotState.NOT_BOOKED
            if status == "late_cancelled":
                note = "Annulé hors délai : la journée reste facturée."
            elif past_day:
                note = "Ce jour est passé."
            elif not in_time:
                note = (f"Trop tard : {activity.noun} du {day_words(day)} se réservait "
                        f"jusqu'au {moment_words(deadline)}.")
            elif left == 0:
                note = "Complet : la liste d'attente est proposée."
                can_wait = status is None
            else:
                can_book = status is None
        return Slot(service=activity.service, state=state, price_cents=price,
                    deadline=deadline, can_book=can_book, can_wait=can_wait,
                    can_cancel=can_cancel,
                    late_cancellation_cents=late_fee,
                    places_left=None if past_day else left, waiting_position=waiting,
                    note=note)

    # -- views ---------------------------------------------------------------------------

    def period(self, child_ids: Iterable[int]) -> list[ChildReservations]:
        found: list[ChildReservations] = []
        days = [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]
        for child_id in child_ids:
            activities = self.services_of(child_id)
            found.append(ChildReservations(
                child_id=child_id, first_name=self.children[child_id],
                services=[a.service for a in activities],
                days=[ChildDay(date=day, slots=[self.slot(child_id, a, day) for a in activities])
                      for day in days],
            ))
        return found


def next_invoice_cents(conn: sqlite3.Connection, family_id: int, today: date) -> int:
    row = conn.execute(
        "SELECT COALESCE(SUM(b.billed_cents), 0) FROM bookings b JOIN children c"
        " ON c.id = b.child_id WHERE c.family_id = ? AND b.invoice_id IS NULL"
        " AND b.status IN ('booked', 'late_cancelled') AND b.day <= ?",
        (family_id, today.isoformat())).fetchone()
    return int(row[0])


def _upcoming(conn: sqlite3.Connection, commune: str, family_id: int,
              now: datetime) -> Ledger:
    today = calendar.paris_today(now)
    return Ledger(conn, commune, family_id, today, today + timedelta(days=LOOKAHEAD_DAYS), now)


def _next_deadlines(ledger: Ledger) -> dict[tuple[int, int], tuple[datetime, list[date]]]:
    """Per (child, activity): the first deadline still to come and the days it closes."""
    found: dict[tuple[int, int], tuple[datetime, list[date]]] = {}
    days = [ledger.start + timedelta(days=i)
            for i in range((ledger.end - ledger.start).days + 1)]
    for (child_id, activity_id) in ledger.enrolments:
        activity = ledger.activities[activity_id]
        best: tuple[datetime, list[date]] | None = None
        for day in days:
            if ledger.closed_note(activity, day) is not None \
                    or not ledger.enrolled(child_id, activity, day):
                continue
            at = ledger.deadline(activity, day)
            if at <= ledger.now:
                continue
            if best is None or at < best[0]:
                best = (at, [day])
            elif at == best[0]:
                best[1].append(day)
            elif best is not None and day > best[1][-1] + timedelta(days=31):
                break  # deadlines grow with the days: nothing earlier further on
        if best is not None:
            found[(child_id, activity_id)] = best
    return found


def family_deadline(ledger: Ledger,
                    deadlines: dict[tuple[int, int], tuple[datetime, list[date]]]
                    ) -> FamilyDeadline | None:
    if not deadlines:
        return None
    at = min(value[0] for value in deadlines.values())
    soonest = [(key, value) for key, value in deadlines.items() if value[0] == at]
    # One service: the one whose first day comes first; every child it closes for.
    soonest.sort(key=lambda item: (item[1][1][0], SERVICE_ORDER.index(
        ledger.activities[item[0][1]].service)))
    activity = ledger.activities[soonest[0][0][1]]
    same = [(key, value) for key, value in soonest if key[1] == activity.id]
    names = [ledger.children[key[0]] for key, _ in same]
    days = sorted({d for _, value in same for d in value[1]})
    return FamilyDeadline(at=at, service=activity.service, label=activity.label,
                          first_names=list(dict.fromkeys(names)), days=days)


def next_family_deadline(conn: sqlite3.Connection, commune: str, family_id: int,
                         now: datetime) -> FamilyDeadline | None:
    ledger = _upcoming(conn, commune, family_id, now)
    return family_deadline(ledger, _next_deadlines(ledger))


def activity_list(conn: sqlite3.Connection, commune: str, family_id: int,
                  now: datetime) -> tuple[list[ChildActivities], FamilyDeadline | None]:
    ledger = _upcoming(conn, commune, family_id, now)
    deadlines = _next_deadlines(ledger)
    enrolled = _all_enrolments(conn, family_id, ledger)
    children: list[ChildActivities] = []
    for child_id, first_name in ledger.children.items():
        activities: list[Activity] = []
        for service in SERVICE_ORDER:
            spans = [e for e in enrolled if e.child_id == child_id
                     and ledger.activities[e.activity_id].service is service]
            if not spans:
                continue
            activity = ledger.activities[spans[0].activity_id]
            nxt = deadlines.get((child_id, activity.id))
            activities.append(Activity(
                service=service, label=activity.label, place=activity.place,
                start_time=activity.start_time, end_time=activity.end_time,
                weekdays=sorted(activity.weekdays), in_holidays=activity.in_holidays,
                days_text=activity.days_text(), price_cents=activity.price_cents,
                capacity=activity.capacity, rule=activity.rule,
                enrolled_from=min(e.first_day for e in spans),
                enrolled_to=max(e.last_day for e in spans),
                next_deadline=Deadline(at=nxt[0], days=nxt[1]) if nxt else None,
                places_left=ledger.places_left(activity, nxt[1][0]) if nxt else None,
            ))
        children.append(ChildActivities(child_id=child_id, first_name=first_name,
                                        activities=activities))
    return children, family_deadline(ledger, deadlines)


def _all_enrolments(conn: sqlite3.Connection, family_id: int, ledger: Ledger
                    ) -> list[Enrolment]:
    """Every enrolment still running (the ledger's are only those of its window)."""
    rows = conn.execute(
        "SELECT e.* FROM enrolments e JOIN children c ON c.id = e.child_id"
        " WHERE c.family_id = ? AND e.last_day >= ? ORDER BY e.first_day",
        (family_id, ledger.today.isoformat())).fetchall()
    return [Enrolment(r["child_id"], r["activity_id"], date.fromisoformat(r["first_day"]),
                      date.fromisoformat(r["last_day"]))
            for r in rows if r["activity_id"] in ledger.activities]


def reservation_period(conn: sqlite3.Connection, commune: str, family_id: int,
                       start: date, end: date, now: datetime,
                       child_ids: Sequence[int]) -> ReservationPeriod:
    ledger = Ledger(conn, commune, family_id, start, end, now)
    return ReservationPeriod(
        start=start, end=end, now=now, children=ledger.period(child_ids),
        next_invoice_cents=next_invoice_cents(conn, family_id, ledger.today),
        next_deadline=next_family_deadline(conn, commune, family_id, now),
    )


# -- changes -----------------------------------------------------------------------------


def fingerprint(changes: Sequence[ReservationChange], dry_run: bool) -> str:
    text = json.dumps([c.model_dump(mode="json") for c in changes] + [dry_run],
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


class _Judge:
    """Applies one line to the ledger (inside the caller's transaction)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def line(self, change: ReservationChange) -> ChangeLine:
        ledger = self.ledger
        name = ledger.children[change.child_id]
        activity = ledger.activity_for(change.service)

        def answer(outcome: ChangeOutcome, slot: Slot, *, code: RefusalCode | None = None,
                   reason: str | None = None, cost: int = 0, saving: int = 0,
                   waiting: bool = False) -> ChangeLine:
            return ChangeLine(child_id=change.child_id, first_name=name,
                              service=change.service, date=change.date,
                              action=change.action, outcome=outcome, code=code,
                              reason=reason, waiting_list_offered=waiting, cost_cents=cost,
                              saving_cents=saving, slot=slot)

        if activity is None:
            slot = Slot(service=change.service, state=SlotState.NOT_OFFERED, price_cents=0)
            return answer(ChangeOutcome.REFUSED, slot, code=RefusalCode.NOT_ENROLLED,
                          reason=f"{SERVICE_NOUNS[change.service].capitalize()} n'est pas "
                          "proposée par cette commune.")
        day = change.date
        slot = ledger.slot(change.child_id, activity, day)
        what = f"{activity.noun} du {day_words(day)}"
        closed = ledger.closed_note(activity, day)
        if closed is not None:
            why = (closed[1] or "le service ne fonctionne pas ce jour-là").rstrip(".")
            return answer(ChangeOutcome.REFUSED, slot, code=RefusalCode.CLOSED,
                          reason=f"Fermé : {what} ({why}).")
        if not ledger.enrolled(change.child_id, activity, day):
            return answer(ChangeOutcome.REFUSED, slot, code=RefusalCode.NOT_ENROLLED,
                          reason=f"{name} n'est pas inscrit·e à {what}.")
        if day < ledger.today:
            return answer(ChangeOutcome.REFUSED, slot, code=RefusalCode.PAST_DAY,
                          reason=f"Ce jour est passé : {what}.")
        if change.action is ChangeAction.CANCEL:
            return self._cancel(change, activity, slot, what, answer)
        return self._book(change, activity, slot, what, answer)

    def _book(self, change: ReservationChange, activity: ActivityRow, slot: Slot, what: str,
              answer: _Answer) -> ChangeLine:
        ledger = self.ledger
        day = change.date
        if slot.state is SlotState.BOOKED:
            return answer(ChangeOutcome.UNCHANGED, slot, reason=f"Déjà réservé : {what}.")
        if slot.state is SlotState.WAITING_LIST and change.action is ChangeAction.WAIT:
            return answer(ChangeOutcome.UNCHANGED, slot,
                          reason=f"Déjà sur la liste d'attente : {what}.")
        deadline = ledger.deadline(activity, day)
        if ledger.now >= deadline:
            return answer(ChangeOutcome.REFUSED, slot, code=RefusalCode.PAST_DEADLINE,
                          reason=f"Trop tard : {what} se réservait jusqu'au "
                          f"{moment_words(deadline)}.")
        key = (change.child_id, activity.id, day)
        existing = ledger.bookings.get(key)
        if ledger.places_left(activity, day) == 0:
            if change.action is not ChangeAction.WAIT:
                return answer(ChangeOutcome.REFUSED, slot, code=RefusalCode.FULL,
                              reason=f"Complet : plus de place pour {what}. La liste "
                              "d'attente vous est proposée.", waiting=True)
            self._write(key, "waiting", 0, existing)
            return answer(ChangeOutcome.DONE, ledger.slot(change.child_id, activity, day),
                          reason=f"Sur la liste d'attente : {what}.")
        # A place is free (also for `wait`: then it is simply booked).
        self._write(key, "booked", activity.price_cents, existing)
        ledger.booked[(activity.id, day)] = ledger.booked.get((activity.id, day), 0) + 1
        return answer(ChangeOutcome.DONE, ledger.slot(change.child_id, activity, day),
                      cost=activity.price_cents)

    def _cancel(self, change: ReservationChange, activity: ActivityRow, slot: Slot,
                what: str, answer: _Answer) -> ChangeLine:
        ledger = self.ledger
        day = change.date
        key = (change.child_id, activity.id, day)
        existing = ledger.bookings.get(key)
        if slot.state is SlotState.WAITING_LIST and existing is not None:
            self._delete(key, existing)
            return answer(ChangeOutcome.DONE, ledger.slot(change.child_id, activity, day),
                          reason=f"Retiré de la liste d'attente : {what}.")
        if slot.state is not SlotState.BOOKED or existing is None:
            return answer(ChangeOutcome.UNCHANGED, slot, reason=f"Pas de réservation : {what}.")
        deadline = ledger.deadline(activity, day)
        price = existing["billed_cents"]
        if ledger.now < deadline:
            self._delete(key, existing)
            ledger.booked[(activity.id, day)] -= 1
            self._promote(activity, day)
            return answer(ChangeOutcome.DONE, ledger.slot(change.child_id, activity, day),
                          saving=price)
        if activity.late is LateCancellation.REFUSED:
            return answer(ChangeOutcome.REFUSED, slot, code=RefusalCode.PAST_DEADLINE,
                          reason=f"Trop tard pour annuler : {what} s'annulait jusqu'au "
                          f"{moment_words(deadline)}.")
        late = (f"Annulation hors délai : {what} s'annulait jusqu'au "
                f"{moment_words(deadline)} ; la journée reste facturée {format_euros(price)}.")
        if not change.accept_late_fee:
            return answer(ChangeOutcome.NEEDS_CONFIRMATION, slot, code=RefusalCode.LATE_FEE,
                          reason=late + " Confirmez pour annuler quand même.")
        self._write(key, "late_cancelled", price, existing)
        ledger.booked[(activity.id, day)] -= 1
        self._promote(activity, day)
        return answer(ChangeOutcome.DONE, ledger.slot(change.child_id, activity, day),
                      reason=late)

    # -- writes (the ledger is kept equal to the database) ----------------------------------

    def _write(self, key: tuple[int, int, date], status: str, cents: int,
               existing: sqlite3.Row | None) -> None:
        conn = self.ledger.conn
        at = timestamp()
        if existing is not None:
            conn.execute("UPDATE bookings SET status = ?, billed_cents = ?, changed_at = ?,"
                         " absent = 0 WHERE id = ?", (status, cents, at, existing["id"]))
        else:
            conn.execute(
                "INSERT INTO bookings (child_id, activity_id, day, status, billed_cents,"
                " changed_at) VALUES (?, ?, ?, ?, ?, ?)",
                (key[0], key[1], key[2].isoformat(), status, cents, at))
        self.ledger.bookings[key] = conn.execute(
            "SELECT * FROM bookings WHERE child_id = ? AND activity_id = ? AND day = ?",
            (key[0], key[1], key[2].isoformat())).fetchone()

    def _delete(self, key: tuple[int, int, date], existing: sqlite3.Row) -> None:
        self.ledger.conn.execute("DELETE FROM bookings WHERE id = ?", (existing["id"],))
        self.ledger.bookings.pop(key, None)

    def _promote(self, activity: ActivityRow, day: date) -> None:
        """A place was freed: the first of the waiting list gets it (and an e-mail)."""
        ledger = self.ledger
        conn = ledger.conn
        if ledger.places_left(activity, day) == 0:
            return
        first = conn.execute(
            "SELECT b.*, c.family_id, c.first_name FROM bookings b JOIN children c"
            " ON c.id = b.child_id WHERE b.activity_id = ? AND b.day = ?"
            " AND b.status = 'waiting' ORDER BY b.changed_at, b.id LIMIT 1",
            (activity.id, day.isoformat())).fetchone()
        if first is None:
            return
        conn.execute("UPDATE bookings SET status = 'booked', billed_cents = ?, changed_at = ?"
                     " WHERE id = ?", (activity.price_cents, timestamp(), first["id"]))
        ledger.booked[(activity.id, day)] = ledger.booked.get((activity.id, day), 0) + 1
        key = (first["child_id"], activity.id, day)
        if key in ledger.bookings:
            ledger.bookings[key] = conn.execute("SELECT * FROM bookings WHERE id = ?",
                                                (first["id"],)).fetchone()
        to = conn.execute(
            "SELECT p.email FROM profiles p JOIN accounts a ON a.id = p.account_id"
            " WHERE a.family_id = ? ORDER BY a.id LIMIT 1", (first["family_id"],)).fetchone()
        if to is not None:
            send_mail(conn, ledger.commune, to["email"], "Une place s'est libérée",
                      f"Bonjour,\n\nUne place s'est libérée : {first['first_name']} est "
                      f"inscrit·e à {activity.noun} du {day_words(day)} "
                      f"({format_euros(activity.price_cents)}), qui était sur la liste "
                      "d'attente.\nVous pouvez annuler depuis votre Espace famille dans les "
                      "délais habituels.\n")


class _Answer(Protocol):  # the `answer` closure's type
    def __call__(self, outcome: ChangeOutcome, slot: Slot, *, code: RefusalCode | None = None,
                 reason: str | None = None, cost: int = 0, saving: int = 0,
                 waiting: bool = False) -> ChangeLine: ...


def apply_changes(conn: sqlite3.Connection, commune: str, family_id: int,
                  changes: Sequence[ReservationChange], now: datetime, *,
                  dry_run: bool) -> ChangeResult:
    """Judge and apply every line, in order, inside the caller's write transaction (a dry
    run's caller rolls it back). Lines must name the family's own children."""
    days = [c.date for c in changes]
    start, end = min(days), max(days)
    ledger = Ledger(conn, commune, family_id, start, end, now)
    judge = _Judge(ledger)
    lines = [judge.line(change) for change in changes]
    done = [line for line in lines if line.outcome is ChangeOutcome.DONE]
    balance = sum(line.cost_cents for line in done) - sum(line.saving_cents for line in done)
    unbilled = next_invoice_cents(conn, family_id, ledger.today)
    return ChangeResult(dry_run=dry_run, now=now, lines=lines, balance_cents=balance,
                        next_invoice_cents=unbilled,
                        next_deadline=next_family_deadline(conn, commune, family_id, now))


# -- billing -----------------------------------------------------------------------------

MONTH_NAMES = calendar.MONTHS


def issue_due_invoices(conn: sqlite3.Connection, family_id: int, commune: str,
                       today: date) -> int:
    """Put the bookings of every month before `today`'s on one invoice per month (what the
    town's monthly billing does). Returns the number of invoices issued."""
    month_start = today.replace(day=1).isoformat()
    probe = conn.execute(
        "SELECT 1 FROM bookings b JOIN children c ON c.id = b.child_id WHERE c.family_id = ?"
        " AND b.invoice_id IS NULL AND b.status IN ('booked', 'late_cancelled')"
        " AND b.day < ? LIMIT 1", (family_id, month_start)).fetchone()
    if probe is None:
        return 0
    issued = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        rows = conn.execute(
            "SELECT b.id, b.day, b.billed_cents, c.first_name FROM bookings b JOIN children c"
            " ON c.id = b.child_id WHERE c.family_id = ? AND b.invoice_id IS NULL"
            " AND b.status IN ('booked', 'late_cancelled') AND b.day < ? ORDER BY b.day",
            (family_id, month_start)).fetchall()
        months: dict[str, list[sqlite3.Row]] = defaultdict(list)
        for r in rows:
            months[r["day"][:7]].append(r)
        for month, items in months.items():
            year, number = int(month[:4]), int(month[5:7])
            first = date(year, number, 1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            issue = last + timedelta(days=1)
            names = list(dict.fromkeys(r["first_name"] for r in items))
            cursor = conn.execute(
                "INSERT INTO invoices (family_id, commune, number, label, service, children,"
                " period_start, period_end, issue_date, due_date, amount_cents)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (family_id, commune, f"R{year}{number:02d}{family_id:04d}",
                 f"Réservations – {MONTH_NAMES[number - 1]} {year}",
                 "Restauration scolaire et accueils", json.dumps(names, ensure_ascii=False),
                 first.isoformat(), last.isoformat(), issue.isoformat(),
                 issue.replace(day=20).isoformat(), sum(r["billed_cents"] for r in items)))
            conn.executemany("UPDATE bookings SET invoice_id = ? WHERE id = ?",
                             [(cursor.lastrowid, r["id"]) for r in items])
            issued += 1
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return issued
