"""The booking rules as tables: deadlines across weekends, school holidays, public holidays,
midnight and noon in Paris time, daylight-saving changes; the calendar's data."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time

import pytest

from famille_tui.api import DeadlineKind
from famille_tui.portal import calendar
from famille_tui.portal.calendar import CommuneCalendar, deadline_of, moment_words, rule_text
from famille_tui.portal.reservations import CALENDARS

WORKING = DeadlineKind.WORKING_DAYS_BEFORE
WEEKLY = DeadlineKind.WEEKDAY_OF_PREVIOUS_WEEK
HOLIDAYS = DeadlineKind.DAYS_BEFORE_HOLIDAYS
ZONE_A = CommuneCalendar("A")
NOON = time(12, 0)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (rule, days, time, the day booked) → the deadline, in UTC (what a clock compares).
DEADLINES = [
    # « 2 jours ouvrés avant, 12 h »: Tuesday → Friday before, across the weekend.
    (WORKING, 2, NOON, date(2026, 12, 8), "2026-12-04T11:00"),
    # Monday → Thursday before.
    (WORKING, 2, NOON, date(2026, 12, 7), "2026-12-03T11:00"),
    # Thursday → Tuesday (Wednesday counts: a working day even without school).
    (WORKING, 2, NOON, date(2026, 12, 10), "2026-12-08T11:00"),
    # Thursday 12 November 2026: Wednesday 11 is a public holiday → Monday 9 and Tuesday 10.
    (WORKING, 2, NOON, date(2026, 11, 12), "2026-11-09T11:00"),
    # Tuesday 30 March 2027, after Easter Monday 29 March (a public holiday) and the change
    # to summer time on Sunday 28: Friday 26 and Thursday 25 → Thursday noon in winter time.
    (WORKING, 2, NOON, date(2027, 3, 30), "2027-03-25T11:00"),
    # Wednesday 31 March 2027: Tuesday 30, Friday 26 → Friday noon, still winter time.
    (WORKING, 2, NOON, date(2027, 3, 31), "2027-03-26T11:00"),
    # Thursday 1 April 2027: Wednesday 31 and Tuesday 30 → summer time, noon is 10:00 UTC.
    (WORKING, 2, NOON, date(2027, 4, 1), "2027-03-30T10:00"),
    # Back to winter time on Sunday 25 October 2026 (holidays): noon is 11:00 UTC again.
    (WORKING, 2, NOON, date(2026, 11, 3), "2026-10-30T11:00"),
    (WORKING, 2, NOON, date(2026, 10, 28), "2026-10-26T11:00"),
    (WORKING, 2, NOON, date(2026, 10, 27), "2026-10-23T10:00"),
    # The day after New Year: Monday 4 January 2027 → Wednesday 30 December (1 January off).
    (WORKING, 2, NOON, date(2027, 1, 4), "2026-12-30T11:00"),
    # « la veille (jour ouvré) avant 18 h »: Monday → Friday 18 h.
    (WORKING, 1, time(18, 0), date(2026, 12, 7), "2026-12-04T17:00"),
    # « le jour même avant 9 h »
    (WORKING, 0, time(9, 0), date(2026, 12, 7), "2026-12-07T08:00"),
    # « le jeudi de la semaine précédente, 12 h »: every day of the week of the 14th.
    (WEEKLY, 4, NOON, date(2026, 12, 14), "2026-12-10T11:00"),
    (WEEKLY, 4, NOON, date(2026, 12, 16), "2026-12-10T11:00"),
    (WEEKLY, 4, NOON, date(2026, 12, 18), "2026-12-10T11:00"),
    # Across the change to summer time: the week of 29 March 2027 → Thursday 25 in winter.
    (WEEKLY, 4, NOON, date(2027, 3, 31), "2027-03-25T11:00"),
    (WEEKLY, 4, NOON, date(2027, 4, 7), "2027-04-01T10:00"),
    # The holiday centre: 14 days before the first day of the holidays, at midnight
    # (0 h opening the day): Christmas 2026 starts Saturday 19 December → 5 December 0 h.
    (HOLIDAYS, 14, time(0, 0), date(2026, 12, 21), "2026-12-04T23:00"),
    (HOLIDAYS, 14, time(0, 0), date(2026, 12, 31), "2026-12-04T23:00"),
    # Spring 2027 starts Saturday 10 April → Saturday 27 March 0 h: winter time still.
    (HOLIDAYS, 14, time(0, 0), date(2027, 4, 12), "2027-03-26T23:00"),
    # 21 days before, at noon: summer 2027 starts Saturday 3 July → Saturday 12 June noon.
    (HOLIDAYS, 21, NOON, date(2027, 7, 5), "2027-06-12T10:00"),
]


@pytest.mark.parametrize(("kind", "days", "at", "day", "expected"), DEADLINES)
def test_deadline(kind: DeadlineKind, days: int, at: time, day: date, expected: str) -> None:
    moment, _ = deadline_of(kind, days, at, day, ZONE_A)
    assert moment.astimezone(UTC) == utc(expected)
    # Always the rule's wall-clock time in Paris, whatever the season.
    assert moment.astimezone(calendar.PARIS).time() == at


def test_days_of_one_group_share_the_deadline() -> None:
    week = [deadline_of(WEEKLY, 4, NOON, date(2026, 12, d), ZONE_A) for d in (14, 15, 17)]
    assert len({moment for moment, _ in week}) == 1
    assert {group for _, group in week} == {date(2026, 12, 14)}
    holidays = [deadline_of(HOLIDAYS, 14, NOON, date(2026, 12, d), ZONE_A) for d in (21, 28)]
    assert {group for _, group in holidays} == {date(2026, 12, 19)}


# (a moment in UTC) → how it is said, in Paris time.
MOMENTS = [
    ("2026-12-03T11:00", "jeudi 3 décembre à 12 h"),
    ("2026-12-04T23:00", "vendredi 4 décembre à minuit"),  # 0 h of the 5th
    ("2027-03-30T10:00", "mardi 30 mars à 12 h"),
    ("2027-03-28T00:59", "dimanche 28 mars à 1 h 59"),  # the last minute of winter time
    ("2027-03-28T01:00", "dimanche 28 mars à 3 h"),  # 2 h does not exist that night
    ("2026-12-31T23:00", "jeudi 31 décembre à minuit"),
    ("2027-01-01T11:00", "vendredi 1er janvier à 12 h"),
]


@pytest.mark.parametrize(("moment", "words"), MOMENTS)
def test_moment_words(moment: str, words: str) -> None:
    assert moment_words(utc(moment)) == words


@pytest.mark.parametrize(("kind", "days", "at", "words"), [
    (WORKING, 2, NOON, "2 jours ouvrés avant, 12 h"),
    (WORKING, 1, time(18, 0), "la veille (jour ouvré) avant 18 h"),
    (WORKING, 0, time(8, 30), "le jour même avant 8 h 30"),
    (WEEKLY, 4, NOON, "le jeudi de la semaine précédente, 12 h"),
    (HOLIDAYS, 14, time(0, 0), "14 jours avant le début des vacances, 0 h"),
])
def test_rule_text(kind: DeadlineKind, days: int, at: time, words: str) -> None:
    assert rule_text(kind, days, at) == words


@pytest.mark.parametrize(("year", "sunday"), [
    (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)),
    (2028, date(2028, 4, 16)), (2038, date(2038, 4, 25)), (2008, date(2008, 3, 23)),
])
def test_easter(year: int, sunday: date) -> None:
    assert calendar.easter(year) == sunday


@pytest.mark.parametrize(("day", "name"), [
    (date(2026, 11, 11), "Armistice 1918"),
    (date(2027, 3, 29), "Lundi de Pâques"),
    (date(2027, 5, 6), "Ascension"),
    (date(2027, 5, 17), "Lundi de Pentecôte"),
    (date(2026, 5, 14), "Ascension"),
    (date(2026, 12, 25), "Noël"),
    (date(2026, 12, 24), None),
    (date(2027, 5, 7), None),  # the « pont »: no school, but a working day
])
def test_public_holidays(day: date, name: str | None) -> None:
    assert calendar.public_holiday(day) == name
    assert calendar.is_working_day(day) is (name is None and day.isoweekday() <= 5)


@pytest.mark.parametrize(("day", "label"), [
    (date(2026, 12, 18), None),  # last day of school before Christmas (a Friday)
    (date(2026, 12, 19), "Vacances de Noël"),
    (date(2027, 1, 3), "Vacances de Noël"),
    (date(2027, 1, 4), None),
    (date(2027, 2, 15), "Vacances d'hiver"),  # zone A: 13 to 28 February 2027
    (date(2027, 3, 1), None),
    (date(2027, 4, 12), "Vacances de printemps"),
    (date(2027, 5, 7), "Pont de l'Ascension"),
    (date(2026, 5, 15), "Pont de l'Ascension"),
    (date(2026, 9, 1), None),  # rentrée 2026
    (date(2026, 8, 31), "Vacances d'été"),
    (date(2027, 7, 3), "Vacances d'été"),
])
def test_school_holidays_of_zone_a(day: date, label: str | None) -> None:
    period = CALENDARS["chaponost"].school_holidays(day)
    assert (period.label if period else None) == label


def test_the_calendar_says_what_it_does_not_know() -> None:
    assert CALENDARS["chaponost"].known(date(2027, 6, 1))
    assert not CALENDARS["chaponost"].known(date(2030, 1, 7))
    # Holidays follow each other and never overlap.
    periods = calendar.ZONE_A
    assert all(a.last < b.first for a, b in itertools.pairwise(periods))
