"""Reservations: the canteen, the morning and evening after-school care, the Wednesday and
holiday centres — what each child is enrolled in, the booking rules, the state of each day,
and batch changes answered line by line.

Every rule is the portal's, computed in Paris time with its commune's calendar (school
holidays of its zone, public holidays, the structures' closures): the client never decides
whether a day may still be booked, it shows what the portal said (`Slot.can_book`, `reason`)
and sends the change, which the portal judges again when it arrives.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from pydantic import Field

from famille_tui.api.base import Cents, Request, Response

#: `GET reservations?start=&end=`: at most this many days in one answer.
MAX_PERIOD_DAYS = 366
#: `POST reservations/changes`: at most this many lines in one batch.
MAX_CHANGES = 400


class Service(StrEnum):
    """The services as parents name them (and as the commands take them)."""

    CANTINE = "cantine"
    GARDERIE_MATIN = "garderie-matin"
    GARDERIE_SOIR = "garderie-soir"
    MERCREDI = "mercredi"
    VACANCES = "vacances"


class DeadlineKind(StrEnum):
    """How a day's booking deadline is found (`BookingRule`)."""

    #: `days` working days (Monday to Friday, not a public holiday) before the day, at `time`.
    WORKING_DAYS_BEFORE = "working_days_before"
    #: The weekday `days` (1 Monday … 7 Sunday) of the week before the day's week, at `time`.
    WEEKDAY_OF_PREVIOUS_WEEK = "weekday_of_previous_week"
    #: `days` days before the first day of the school holidays the day is in, at `time`.
    DAYS_BEFORE_HOLIDAYS = "days_before_holidays"


class LateCancellation(StrEnum):
    """What a cancellation after the deadline does."""

    BILLED = "billed"  # accepted, and the day stays billed (said before it is confirmed)
    REFUSED = "refused"


class BookingRule(Response):
    kind: DeadlineKind
    days: int
    #: Paris time.
    time: time
    late_cancellation: LateCancellation
    #: « 2 jours ouvrés avant, 12 h » — the rule in the town's words.
    text: str


class Deadline(Response):
    """A concrete deadline: until `at` (Paris time, aware), `days` may be booked or
    cancelled. `days` are the days it closes (one day, or a week of Wednesdays, or a whole
    holiday period)."""

    at: datetime
    days: list[date]


class Activity(Response):
    """One service a child is enrolled in."""

    service: Service
    #: « Restaurant scolaire », « Accueil de loisirs du mercredi »
    label: str
    place: str
    start_time: time
    end_time: time
    #: ISO weekdays it runs (1 Monday … 7 Sunday), in school periods or in holidays.
    weekdays: list[int]
    #: True: during the school holidays (holiday centre); False: in school periods.
    in_holidays: bool
    #: « lundi, mardi, jeudi et vendredi, en période scolaire »
    days_text: str
    price_cents: Cents
    capacity: int
    rule: BookingRule
    #: The first enrolled day and the last.
    enrolled_from: date
    enrolled_to: date
    #: The next deadline still to come, and the places left on the first day it closes.
    next_deadline: Deadline | None = None
    places_left: int | None = None


class ChildActivities(Response):
    child_id: int
    first_name: str
    activities: list[Activity]


class FamilyDeadline(Response):
    """The family's next deadline: « jeudi 12 h, cantine de la semaine du 14 »."""

    at: datetime
    service: Service
    label: str
    first_names: list[str]
    days: list[date]


class ActivityList(Response):
    """`GET activities`: every child of the family, with what they are enrolled in (a child
    enrolled in nothing has an empty list)."""

    #: The portal's own clock, Paris time: faces count « today » from it, not from theirs.
    now: datetime
    children: list[ChildActivities]
    next_deadline: FamilyDeadline | None = None


class SlotState(StrEnum):
    NOT_BOOKED = "not_booked"
    BOOKED = "booked"
    WAITING_LIST = "waiting_list"
    FULL = "full"  # not booked, and no place left
    PRESENT = "present"
    ABSENT = "absent"
    CLOSED = "closed"  # school holidays, the structure's closure
    PUBLIC_HOLIDAY = "public_holiday"
    NOT_OFFERED = "not_offered"  # the service does not run that day (or not enrolled)


class Slot(Response):
    """One service on one day for one child."""

    service: Service
    state: SlotState
    price_cents: Cents
    #: Until when it may be booked or cancelled (None: nothing to book that day).
    deadline: datetime | None = None
    can_book: bool = False
    #: Full, and still in time: the waiting list may be asked for (`wait`).
    can_wait: bool = False
    can_cancel: bool = False
    #: A cancellation now would still be billed this much (after the deadline).
    late_cancellation_cents: Cents | None = None
    places_left: int | None = None
    #: 1 for the first in line.
    waiting_position: int | None = None
    #: French: why it cannot be booked or cancelled now, or what the day is
    #: (« Vacances de Noël », « Jour férié : Noël »).
    note: str | None = None


class ChildDay(Response):
    date: date
    slots: list[Slot]


class ChildReservations(Response):
    child_id: int
    first_name: str
    #: The services the child is enrolled in during the period, in a fixed order.
    services: list[Service]
    days: list[ChildDay]


class ReservationPeriod(Response):
    """`GET reservations?start=&end=&child_id=` (without dates: the current week)."""

    start: date
    end: date
    now: datetime
    children: list[ChildReservations]
    #: What the family's next invoice holds so far: the days booked up to today (and the
    #: late cancellations) not yet on an invoice.
    next_invoice_cents: Cents
    next_deadline: FamilyDeadline | None = None


class ChangeAction(StrEnum):
    BOOK = "book"
    CANCEL = "cancel"  # a booking, or a place on the waiting list
    WAIT = "wait"  # join the waiting list of a full day


class ReservationChange(Request):
    child_id: int = Field(ge=1, le=2**63 - 1)
    service: Service
    date: date
    action: ChangeAction
    #: The parent accepts that a cancellation after the deadline stays billed.
    accept_late_fee: bool = False


class ReservationChanges(Request):
    """`POST reservations/changes` (+ `Idempotency-Key`). With `dry_run`, each line is judged
    and answered but nothing changes: the summary a face shows before « Valider »."""

    changes: list[ReservationChange] = Field(min_length=1, max_length=MAX_CHANGES)
    dry_run: bool = False


class ChangeOutcome(StrEnum):
    DONE = "done"
    UNCHANGED = "unchanged"  # it already was so
    REFUSED = "refused"
    NEEDS_CONFIRMATION = "needs_confirmation"  # a late cancellation that stays billed


class RefusalCode(StrEnum):
    PAST_DEADLINE = "past_deadline"
    FULL = "full"
    CLOSED = "closed"  # holidays, public holiday, closure, not run that day
    NOT_ENROLLED = "not_enrolled"
    PAST_DAY = "past_day"
    LATE_FEE = "late_fee"  # with NEEDS_CONFIRMATION
    NOT_ON_WAITING_LIST = "not_on_waiting_list"


class ChangeLine(Response):
    child_id: int
    first_name: str
    service: Service
    date: date
    action: ChangeAction
    outcome: ChangeOutcome
    code: RefusalCode | None = None
    #: French, for a refusal or a confirmation to ask: fit to show as it is.
    reason: str | None = None
    #: The day is full: the same line with `wait` puts the child on its waiting list.
    waiting_list_offered: bool = False
    #: What this line adds to the next invoice (a booking, a late cancellation) …
    cost_cents: Cents = 0
    #: … and what it takes off it (a cancellation in time).
    saving_cents: Cents = 0
    #: The slot after the change (or as it would be, for a dry run).
    slot: Slot


class ChangeResult(Response):
    dry_run: bool
    #: The portal's clock when the lines were judged (Paris time).
    now: datetime
    lines: list[ChangeLine]
    #: Sum of cost_cents minus sum of saving_cents of the lines done (or that would be).
    balance_cents: int
    next_invoice_cents: Cents
    next_deadline: FamilyDeadline | None = None
