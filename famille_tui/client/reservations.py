"""Reservations as every face says them: the states in words and symbols, the services'
names, the deadlines in French, the dates and weeks a person types, and the pending changes
of a summary (what « Espace » or a numbered choice does to a slot).

The portal decides (`Slot.can_book`, `can_cancel`, `note`); this module only turns its
answers into words and changes, the same for the TUI, the screen-reader face and the
commands. Times are said in Paris time, « today » is the portal's (`now` of its answers).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from famille_tui.api import (
    ChangeAction,
    ChangeLine,
    ChangeOutcome,
    FamilyDeadline,
    ReservationChange,
    Service,
    Slot,
    SlotState,
)
from famille_tui.api.clock import paris
from famille_tui.api.money import format_euros

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
SHORT_WEEKDAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")

#: The services' names on screen (a grid's rows, a list's lines).
SERVICE_NAMES: dict[Service, str] = {
    Service.GARDERIE_MATIN: "Garderie du matin",
    Service.CANTINE: "Cantine",
    Service.GARDERIE_SOIR: "Garderie du soir",
    Service.MERCREDI: "Mercredi (centre)",
    Service.VACANCES: "Vacances (centre)",
}
#: … in a sentence: « la cantine du mardi 8 décembre ».
SERVICE_NOUNS: dict[Service, str] = {
    Service.GARDERIE_MATIN: "garderie du matin",
    Service.CANTINE: "cantine",
    Service.GARDERIE_SOIR: "garderie du soir",
    Service.MERCREDI: "accueil du mercredi",
    Service.VACANCES: "accueil des vacances",
}
#: What a person may type for a service (the commands' SERVICE), besides its value.
SERVICE_ALIASES: dict[str, Service] = {
    "cantine": Service.CANTINE, "repas": Service.CANTINE, "restauration": Service.CANTINE,
    "garderie-matin": Service.GARDERIE_MATIN, "matin": Service.GARDERIE_MATIN,
    "garderie-soir": Service.GARDERIE_SOIR, "soir": Service.GARDERIE_SOIR,
    "mercredi": Service.MERCREDI, "centre-mercredi": Service.MERCREDI,
    "vacances": Service.VACANCES, "centre-vacances": Service.VACANCES,
}


@dataclass(frozen=True, slots=True)
class StateWords:
    symbol: str
    word: str


#: One symbol and one word per state: never colour alone.
STATE_WORDS: dict[SlotState, StateWords] = {
    SlotState.NOT_BOOKED: StateWords("·", "libre"),
    SlotState.BOOKED: StateWords("✓", "réservé"),
    SlotState.WAITING_LIST: StateWords("◷", "en attente"),
    SlotState.FULL: StateWords("⊘", "complet"),
    SlotState.PRESENT: StateWords("●", "présent"),
    SlotState.ABSENT: StateWords("○", "absent"),
    SlotState.CLOSED: StateWords("▒", "fermé"),
    SlotState.PUBLIC_HOLIDAY: StateWords("▒", "férié"),
    SlotState.NOT_OFFERED: StateWords("–", ""),
}


def state_words(slot: Slot, *, past: bool = False) -> str:
    """« réservé », « complet », « en attente (2e) », « non réservé » (a past day)…"""
    if slot.state is SlotState.NOT_BOOKED:
        return "non réservé" if past or not slot.can_book else "libre"
    if slot.state is SlotState.WAITING_LIST and slot.waiting_position:
        return f"liste d'attente ({ordinal(slot.waiting_position)})"
    if slot.state is SlotState.NOT_OFFERED:
        return "non proposé"
    if slot.state is SlotState.PUBLIC_HOLIDAY:
        return "jour férié"
    return STATE_WORDS[slot.state].word


def ordinal(number: int) -> str:
    return "1re" if number == 1 else f"{number}e"


def is_offered(slot: Slot) -> bool:
    """The service runs that day for this child (a cell of the grid, a line to read)."""
    return slot.state not in (SlotState.NOT_OFFERED, SlotState.CLOSED,
                              SlotState.PUBLIC_HOLIDAY)


# -- dates and times --------------------------------------------------------------------


def day_words(day: date, *, year: bool = False) -> str:
    """« mardi 8 décembre » (« … 2026 » with `year`)."""
    first = "1er" if day.day == 1 else str(day.day)
    text = f"{WEEKDAYS[day.weekday()]} {first} {MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def short_day(day: date) -> str:
    """« mar. 8/12 », a grid's column."""
    return f"{SHORT_WEEKDAYS[day.weekday()]} {day.day}/{day.month}"


def hour_words(moment: datetime) -> str:
    local = paris(moment)
    if local.hour == 0 and local.minute == 0:
        return "minuit"
    return f"{local.hour} h" if local.minute == 0 else f"{local.hour} h {local.minute:02d}"


def moment_words(moment: datetime, now: datetime | None = None) -> str:
    """« jeudi 3 décembre à 12 h »; relative to `now`: « aujourd'hui à 12 h », « demain à
    18 h ». Midnight opening a day is said as the end of the day before (« à minuit »)."""
    local = paris(moment)
    day = local.date()
    if local.hour == 0 and local.minute == 0:
        day -= timedelta(days=1)
    when = day_words(day)
    if now is not None:
        today = paris(now).date()
        if day == today:
            when = "aujourd'hui"
        elif day == today + timedelta(days=1):
            when = "demain"
    return f"{when} à {hour_words(local)}"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_words(monday: date) -> str:
    """« semaine du 7 au 13 décembre 2026 »."""
    sunday = monday + timedelta(days=6)
    start = "1er" if monday.day == 1 else str(monday.day)
    if monday.month == sunday.month:
        return f"semaine du {start} au {sunday.day} {MONTHS[sunday.month - 1]} {sunday.year}"
    return (f"semaine du {start} {MONTHS[monday.month - 1]} au {sunday.day} "
            f"{MONTHS[sunday.month - 1]} {sunday.year}")


def short_week(monday: date) -> str:
    """« semaine du 7/12 au 13/12/2026 » (80 columns)."""
    sunday = monday + timedelta(days=6)
    return f"semaine du {monday.day}/{monday.month} au {sunday.day}/{sunday.month}/{sunday.year}"


def deadline_words(deadline: FamilyDeadline, now: datetime) -> str:
    """The family's next deadline: « aujourd'hui à 12 h, cantine du lundi 7 décembre »,
    « jeudi 10 décembre à 12 h, cantine de la semaine du 14 » (a deadline closing several
    days of one week), « … accueil des vacances du 21 décembre au 31 décembre ».
    With several children, their names follow."""
    noun = SERVICE_NOUNS[deadline.service]
    days = deadline.days
    if len(days) == 1:
        what = f"{noun} du {day_words(days[0])}"
    elif monday_of(days[0]) == monday_of(days[-1]):
        what = f"{noun} de la semaine du {monday_of(days[0]).day}"
    else:
        what = f"{noun} du {day_words(days[0])} au {day_words(days[-1])}"
    names = deadline.first_names
    who = f" ({', '.join(names)})" if len(names) > 1 else ""
    return f"{moment_words(deadline.at, now)}, {what}{who}"


def header_deadline_words(deadline: FamilyDeadline, now: datetime) -> str:
    """The header's short form: « aujourd'hui 12 h, cantine du lundi 7 », « jeudi 12 h,
    cantine de la semaine du 14 » (the date in full beyond a week)."""
    local = paris(deadline.at)
    day = local.date()
    if local.hour == 0 and local.minute == 0:
        day -= timedelta(days=1)
    today = paris(now).date()
    if day == today:
        when = "aujourd'hui"
    elif day == today + timedelta(days=1):
        when = "demain"
    elif today < day < today + timedelta(days=7):
        when = WEEKDAYS[day.weekday()]
    else:
        when = day_words(day)
    noun = SERVICE_NOUNS[deadline.service]
    days = deadline.days
    if len(days) == 1:
        what = f"{noun} du {WEEKDAYS[days[0].weekday()]} {days[0].day}"
    elif monday_of(days[0]) == monday_of(days[-1]):
        what = f"{noun} de la semaine du {monday_of(days[0]).day}"
    else:
        what = f"{noun} du {days[0].day}/{days[0].month} au {days[-1].day}/{days[-1].month}"
    return f"{when} {hour_words(local)}, {what}"


def slot_deadline_words(slot: Slot, now: datetime) -> str | None:
    """What a cell says of its deadline: « réservable jusqu'à aujourd'hui à 12 h »,
    « annulable jusqu'au … », the portal's note when it is too late."""
    if slot.deadline is None:
        return slot.note
    until = moment_words(slot.deadline, now)
    if slot.deadline <= now:
        return slot.note or f"délai passé depuis le {moment_words(slot.deadline)}"
    if slot.state is SlotState.BOOKED:
        return f"annulable sans frais jusqu'à {until}" if until.startswith(("aujourd", "demain")) \
            else f"annulable sans frais jusqu'au {until}"
    prefix = "jusqu'à " if until.startswith(("aujourd", "demain")) else "jusqu'au "
    if slot.state is SlotState.FULL:
        return f"complet : liste d'attente possible {prefix}{until}"
    if slot.state is SlotState.WAITING_LIST:
        return f"sur la liste d'attente ; délai {prefix}{until}"
    return f"réservable {prefix}{until}"


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_FRENCH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_WEEK = re.compile(r"^(\d{4})-[Ww](\d{1,2})$")


def parse_day(text: str) -> date:
    """`AAAA-MM-JJ` or `JJ/MM/AAAA`; ValueError with a French message otherwise."""
    value = text.strip()
    match = _ISO.fullmatch(value)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _FRENCH.fullmatch(value)
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        raise ValueError(f"date impossible « {text} »") from None
    raise ValueError(f"date invalide « {text} » (AAAA-MM-JJ ou JJ/MM/AAAA)")


def parse_week(text: str) -> date:
    """`AAAA-Www` (ISO week) → its Monday."""
    match = _WEEK.fullmatch(text.strip())
    if not match:
        raise ValueError(f"semaine invalide « {text} » (AAAA-Www, par exemple 2026-W50)")
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValueError(f"semaine impossible « {text} »") from None


def parse_service(text: str) -> Service:
    key = text.strip().lower().replace("_", "-").replace(" ", "-")
    key = key.replace("é", "e").replace("è", "e")
    service = SERVICE_ALIASES.get(key)
    if service is None:
        names = ", ".join(s.value for s in Service)
        raise ValueError(f"service inconnu « {text} » (un de : {names})")
    return service


# -- changes ----------------------------------------------------------------------------


def toggle_action(slot: Slot) -> ChangeAction | str:
    """What « Espace » (or choosing it) asks for this slot: an action, or the French
    sentence of why nothing can be asked (the portal's note when it gave one)."""
    if slot.state is SlotState.NOT_BOOKED and slot.can_book:
        return ChangeAction.BOOK
    if slot.state is SlotState.FULL and slot.can_wait:
        return ChangeAction.WAIT
    if slot.state in (SlotState.BOOKED, SlotState.WAITING_LIST) and slot.can_cancel:
        return ChangeAction.CANCEL
    if slot.note:
        return slot.note
    if slot.state in (SlotState.PRESENT, SlotState.ABSENT):
        return "Ce jour est passé."
    if not is_offered(slot):
        return "Rien à réserver ce jour-là."
    return "Ce jour ne peut pas être changé."


@dataclass(frozen=True, slots=True)
class Pending:
    """One change of a summary, before « Valider »."""

    child_id: int
    first_name: str
    service: Service
    day: date
    action: ChangeAction
    #: What it would add to the next invoice, or take off it (from the slot).
    cost_cents: int = 0
    saving_cents: int = 0
    #: A cancellation after the deadline that stays billed (said, then accepted).
    late_fee_cents: int | None = None

    def request(self) -> ReservationChange:
        return ReservationChange(child_id=self.child_id, service=self.service, date=self.day,
                                 action=self.action,
                                 accept_late_fee=self.late_fee_cents is not None)

    @property
    def words(self) -> str:
        """« Réserver la cantine du mardi 8 décembre (Léa) : + 4,32 € »."""
        verb = {ChangeAction.BOOK: "Réserver", ChangeAction.CANCEL: "Annuler",
                ChangeAction.WAIT: "Liste d'attente pour"}[self.action]
        noun = SERVICE_NOUNS[self.service]
        article = "l'" if noun[0] in "aeiou" else "la "
        text = f"{verb} {article}{noun} du {day_words(self.day)} ({self.first_name})"
        if self.late_fee_cents is not None:
            return f"{text} : hors délai, reste facturé {format_euros(self.late_fee_cents)}"
        if self.cost_cents:
            return f"{text} : + {format_euros(self.cost_cents)}"
        if self.saving_cents:
            return f"{text} : − {format_euros(self.saving_cents)}"
        return text


def pending_for(child_id: int, first_name: str, day: date, slot: Slot) -> Pending | str:
    """The change « Espace » makes, or why none can be made."""
    action = toggle_action(slot)
    if not isinstance(action, ChangeAction):
        return action
    if action is ChangeAction.BOOK:
        return Pending(child_id, first_name, slot.service, day, action,
                       cost_cents=slot.price_cents)
    if action is ChangeAction.CANCEL and slot.state is SlotState.BOOKED:
        if slot.late_cancellation_cents is not None:
            return Pending(child_id, first_name, slot.service, day, action,
                           late_fee_cents=slot.late_cancellation_cents)
        return Pending(child_id, first_name, slot.service, day, action,
                       saving_cents=slot.price_cents)
    return Pending(child_id, first_name, slot.service, day, action)


@dataclass
class PendingChanges:
    """The changes asked and not yet validated, by (child, service, day)."""

    items: dict[tuple[int, Service, date], Pending] = field(default_factory=dict)

    def toggle(self, child_id: int, first_name: str, day: date, slot: Slot) -> Pending | str:
        """Add the slot's change, or take it back if it was asked; the sentence of why not
        otherwise. Returns what is now pending for it (or the refusal)."""
        key = (child_id, slot.service, day)
        if key in self.items:
            return self.items.pop(key)
        change = pending_for(child_id, first_name, day, slot)
        if isinstance(change, Pending):
            self.items[key] = change
        return change

    def get(self, child_id: int, service: Service, day: date) -> Pending | None:
        return self.items.get((child_id, service, day))

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def ordered(self) -> list[Pending]:
        return sorted(self.items.values(), key=lambda p: (p.day, p.first_name,
                                                          list(Service).index(p.service)))

    def requests(self) -> list[ReservationChange]:
        return [p.request() for p in self.ordered()]

    def balance_cents(self) -> int:
        return sum(p.cost_cents - p.saving_cents for p in self.items.values())

    def clear(self) -> None:
        self.items.clear()

    def settle(self, lines: Iterable[ChangeLine]) -> None:
        """After « Valider »: what was done, unchanged or refused leaves the summary."""
        for line in lines:
            self.items.pop((line.child_id, line.service, line.date), None)


def summary_words(pending: PendingChanges) -> str:
    """« 3 changements : 2 réservations, 1 annulation — + 4,32 € » (the line under a grid)."""
    if not pending:
        return "Aucun changement en attente."
    books = sum(1 for p in pending.items.values() if p.action is ChangeAction.BOOK)
    cancels = sum(1 for p in pending.items.values() if p.action is ChangeAction.CANCEL)
    waits = sum(1 for p in pending.items.values() if p.action is ChangeAction.WAIT)
    parts = []
    if books:
        parts.append(f"{books} réservation{'s' if books > 1 else ''}")
    if cancels:
        parts.append(f"{cancels} annulation{'s' if cancels > 1 else ''}")
    if waits:
        parts.append(f"{waits} liste{'s' if waits > 1 else ''} d'attente")
    count = len(pending)
    return (f"{count} changement{'s' if count > 1 else ''} : {', '.join(parts)} — "
            f"{balance_words(pending.balance_cents())}")


def balance_words(cents: int) -> str:
    """« + 8,64 € sur la prochaine facture », « − 2,40 € », « sans changement de coût »."""
    if cents > 0:
        return f"+ {format_euros(cents)} sur la prochaine facture"
    if cents < 0:
        return f"− {format_euros(-cents)} sur la prochaine facture"
    return "sans changement de coût"


def line_words(line: ChangeLine) -> str:
    """One line of a portal's answer, in French: « Réservé : cantine du mardi 8 décembre
    (Léa), 4,32 € » or the portal's reason."""
    noun = SERVICE_NOUNS[line.service]
    what = f"{noun} du {day_words(line.date)} ({line.first_name})"
    if line.outcome is ChangeOutcome.DONE:
        if line.slot.state is SlotState.WAITING_LIST:
            return f"Liste d'attente : {what}"
        if line.action is ChangeAction.CANCEL:
            extra = f", {format_euros(line.saving_cents)} en moins" if line.saving_cents else ""
            late = " (hors délai, reste facturé)" if line.reason and "hors délai" in \
                line.reason else ""
            return f"Annulé : {what}{extra}{late}"
        return f"Réservé : {what}, {format_euros(line.cost_cents)}"
    if line.outcome is ChangeOutcome.UNCHANGED:
        return f"Sans changement : {line.reason or what}"
    prefix = "À confirmer" if line.outcome is ChangeOutcome.NEEDS_CONFIRMATION else "Refusé"
    return f"{prefix} : {line.reason or what}"


def refused(lines: Sequence[ChangeLine]) -> list[ChangeLine]:
    return [line for line in lines
            if line.outcome in (ChangeOutcome.REFUSED, ChangeOutcome.NEEDS_CONFIRMATION)]
