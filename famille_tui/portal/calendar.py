"""The demo communes' calendars and the booking deadlines: pure functions, table-tested.

Embedded data, no network: the school holidays of zone A (académie de Lyon: Chaponost and
Le Chambon-Feugerolles), from the national calendar (arrêtés of the ministry of Education,
checked against the ministry's open data as shipped by the `vacances-scolaires-france`
package, plus the Friday after Ascension 2026, which the official calendar gives and that
data lacks), and the French public holidays, computed (Easter by the Gregorian computus).
Days outside the embedded school years have no known calendar: nothing can be booked on
them, and the portal says so (« calendrier scolaire non publié »).

Every time is Paris time: a deadline is a Paris wall-clock time made aware with
Europe/Paris, so that « 12 h » stays noon on both sides of a daylight-saving change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from famille_tui.api import DeadlineKind

try:
    PARIS: ZoneInfo | None = ZoneInfo("Europe/Paris")
except ZoneInfoNotFoundError:  # pragma: no cover - tzdata is a dependency of the portal
    PARIS = None


@dataclass(frozen=True, slots=True)
class Holidays:
    """School holidays: `first` and `last` are the first and last days without school
    (the Saturday they start on, the Sunday before school starts again)."""

    label: str
    first: date
    last: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last


#: Zone A. Summer holidays end the day before the first school day of September.
ZONE_A: tuple[Holidays, ...] = (
    Holidays("Vacances d'été", date(2025, 7, 5), date(2025, 8, 31)),
    Holidays("Vacances de la Toussaint", date(2025, 10, 18), date(2025, 11, 2)),
    Holidays("Vacances de Noël", date(2025, 12, 20), date(2026, 1, 4)),
    Holidays("Vacances d'hiver", date(2026, 2, 7), date(2026, 2, 22)),
    Holidays("Vacances de printemps", date(2026, 4, 4), date(2026, 4, 19)),
    Holidays("Pont de l'Ascension", date(2026, 5, 14), date(2026, 5, 17)),
    Holidays("Vacances d'été", date(2026, 7, 4), date(2026, 8, 31)),
    Holidays("Vacances de la Toussaint", date(2026, 10, 17), date(2026, 11, 1)),
    Holidays("Vacances de Noël", date(2026, 12, 19), date(2027, 1, 3)),
    Holidays("Vacances d'hiver", date(2027, 2, 13), date(2027, 2, 28)),
    Holidays("Vacances de printemps", date(2027, 4, 10), date(2027, 4, 25)),
    Holidays("Pont de l'Ascension", date(2027, 5, 6), date(2027, 5, 9)),
    Holidays("Vacances d'été", date(2027, 7, 3), date(2027, 8, 31)),
    Holidays("Vacances de la Toussaint", date(2027, 10, 23), date(2027, 11, 7)),
    Holidays("Vacances de Noël", date(2027, 12, 18), date(2028, 1, 2)),
    Holidays("Vacances d'hiver", date(2028, 2, 19), date(2028, 3, 5)),
    Holidays("Vacances de printemps", date(2028, 4, 22), date(2028, 5, 8)),
    Holidays("Pont de l'Ascension", date(2028, 5, 25), date(2028, 5, 28)),
    Holidays("Vacances d'été", date(2028, 7, 4), date(2028, 8, 31)),
)
ZONES: dict[str, tuple[Holidays, ...]] = {"A": ZONE_A}
#: The days the embedded calendar covers (the summer of 2025 to the summer of 2028).
KNOWN_FROM = date(2025, 7, 5)
KNOWN_TO = date(2028, 8, 31)


def easter(year: int) -> date:
    """Easter Sunday (Gregorian, the anonymous « Meeus/Jones/Butcher » computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> dict[date, str]:
    """The eleven public holidays of metropolitan France (Whit Monday included: a day off
    for the schools and the towns' services)."""
    sunday = easter(year)
    return {
        date(year, 1, 1): "Jour de l'an",
        sunday + timedelta(days=1): "Lundi de Pâques",
        date(year, 5, 1): "Fête du Travail",
        date(year, 5, 8): "Victoire 1945",
        sunday + timedelta(days=39): "Ascension",
        sunday + timedelta(days=50): "Lundi de Pentecôte",
        date(year, 7, 14): "Fête nationale",
        date(year, 8, 15): "Assomption",
        date(year, 11, 1): "Toussaint",
        date(year, 11, 11): "Armistice 1918",
        date(year, 12, 25): "Noël",
    }


def public_holiday(day: date) -> str | None:
    return public_holidays(day.year).get(day)


def is_working_day(day: date) -> bool:
    """« Jour ouvré »: Monday to Friday, not a public holiday."""
    return day.isoweekday() <= 5 and public_holiday(day) is None


@dataclass(frozen=True, slots=True)
class Closure:
    """Days a structure is closed (its own closures, besides the calendar)."""

    label: str
    first: date
    last: date
    services: frozenset[str]

    def closes(self, service: str, day: date) -> bool:
        return service in self.services and self.first <= day <= self.last


@dataclass(frozen=True)
class CommuneCalendar:
    zone: str
    closures: tuple[Closure, ...] = ()

    @property
    def holidays(self) -> tuple[Holidays, ...]:
        return ZONES[self.zone]

    def known(self, day: date) -> bool:
        return KNOWN_FROM <= day <= KNOWN_TO

    def school_holidays(self, day: date) -> Holidays | None:
        """The holidays `day` is in (None: a school period, or outside the known years)."""
        for period in self.holidays:
            if day in period:
                return period
        return None

    def closure(self, service: str, day: date) -> Closure | None:
        for closure in self.closures:
            if closure.closes(service, day):
                return closure
        return None


def paris_time(day: date, at: time) -> datetime:
    """`at` on `day`, Paris wall-clock time, aware."""
    return datetime.combine(day, at, tzinfo=PARIS or UTC)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.isoweekday() - 1)


def deadline_of(kind: DeadlineKind, days: int, at: time, day: date,
                calendar: CommuneCalendar) -> tuple[datetime, date]:
    """The deadline of `day` under a rule, and the day that identifies its group (the day
    itself, the Monday of its week, the first day of its holidays): days sharing a group
    share the deadline."""
    if kind is DeadlineKind.WORKING_DAYS_BEFORE:
        moment = day
        counted = 0
        while counted < days:
            moment -= timedelta(days=1)
            if is_working_day(moment):
                counted += 1
        return paris_time(moment, at), day
    if kind is DeadlineKind.WEEKDAY_OF_PREVIOUS_WEEK:
        monday = monday_of(day)
        return paris_time(monday - timedelta(days=7) + timedelta(days=days - 1), at), monday
    # DAYS_BEFORE_HOLIDAYS: outside holidays, the day itself starts the count.
    period = calendar.school_holidays(day)
    first = period.first if period is not None else day
    return paris_time(first - timedelta(days=days), at), first


def rule_text(kind: DeadlineKind, days: int, at: time) -> str:
    """The rule in the town's words: « 2 jours ouvrés avant, 12 h »."""
    hour = "minuit" if at == time(0, 0) else hour_words(at)
    if kind is DeadlineKind.WORKING_DAYS_BEFORE:
        if days == 0:
            return f"le jour même avant {hour}"
        if days == 1:
            return f"la veille (jour ouvré) avant {hour}"
        return f"{days} jours ouvrés avant, {hour}"
    if kind is DeadlineKind.WEEKDAY_OF_PREVIOUS_WEEK:
        return f"le {WEEKDAYS[days - 1]} de la semaine précédente, {hour}"
    return f"{days} jours avant le début des vacances, {hour_words(at)}"


WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def hour_words(at: time) -> str:
    return f"{at.hour} h" if at.minute == 0 else f"{at.hour} h {at.minute:02d}"


def day_words(day: date) -> str:
    """« mardi 8 décembre »."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{WEEKDAYS[day.isoweekday() - 1]} {first} {MONTHS[day.month - 1]}"


def moment_words(moment: datetime) -> str:
    """« jeudi 3 décembre à 12 h » in Paris time (« à minuit » for 0 h)."""
    local = moment.astimezone(PARIS or UTC)
    at = local.timetz().replace(tzinfo=None)
    if at == time(0, 0):
        # Midnight opening a day is the end of the day before, as people say it.
        before = local.date() - timedelta(days=1)
        return f"{day_words(before)} à minuit"
    return f"{day_words(local.date())} à {hour_words(at)}"


def paris_today(now: datetime) -> date:
    return now.astimezone(PARIS or UTC).date()
