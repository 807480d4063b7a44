"""client/reservations.py as tables: what every face says of a deadline, a day, a change,
and what a person may type for a date, a week, a service."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from famille_tui.api import ChangeAction, FamilyDeadline, Service, Slot, SlotState
from famille_tui.client.reservations import (
    PendingChanges,
    deadline_words,
    header_deadline_words,
    moment_words,
    parse_day,
    parse_service,
    parse_week,
    pending_for,
    state_words,
    summary_words,
    week_words,
)

NOW = datetime.fromisoformat("2026-12-03T09:30:00+01:00")


def deadline(at: str, service: Service, *days: str, names: tuple[str, ...] = ("Léa",)
             ) -> FamilyDeadline:
    return FamilyDeadline(at=datetime.fromisoformat(at), service=service, label="",
                          first_names=list(names), days=[date.fromisoformat(d) for d in days])


@pytest.mark.parametrize(("value", "long", "short"), [
    (deadline("2026-12-03T12:00:00+01:00", Service.CANTINE, "2026-12-07"),
     "aujourd'hui à 12 h, cantine du lundi 7 décembre", "aujourd'hui 12 h, cantine du lundi 7"),
    (deadline("2026-12-10T12:00:00+01:00", Service.CANTINE, "2026-12-14", "2026-12-15",
              "2026-12-17"),
     "jeudi 10 décembre à 12 h, cantine de la semaine du 14",
     # A week ahead is said with its date: « jeudi » alone would be today.
     "jeudi 10 décembre 12 h, cantine de la semaine du 14"),
    (deadline("2026-12-08T12:00:00+01:00", Service.CANTINE, "2026-12-10"),
     "mardi 8 décembre à 12 h, cantine du jeudi 10 décembre",
     "mardi 12 h, cantine du jeudi 10"),
    (deadline("2026-12-04T18:00:00+01:00", Service.GARDERIE_MATIN, "2026-12-07",
              names=("Léa", "Tom")),
     "demain à 18 h, garderie du matin du lundi 7 décembre (Léa, Tom)",
     "demain 18 h, garderie du matin du lundi 7"),
    # 0 h opening a day is the midnight that ends the day before.
    (deadline("2026-12-05T00:00:00+01:00", Service.VACANCES, "2026-12-21", "2026-12-31"),
     "demain à minuit, accueil des vacances du lundi 21 décembre au jeudi 31 décembre",
     "demain minuit, accueil des vacances du 21/12 au 31/12"),
    (deadline("2027-01-14T12:00:00+01:00", Service.MERCREDI, "2027-01-20"),
     "jeudi 14 janvier à 12 h, accueil du mercredi du mercredi 20 janvier",
     "jeudi 14 janvier 12 h, accueil du mercredi du mercredi 20"),
])
def test_deadline_words(value: FamilyDeadline, long: str, short: str) -> None:
    assert deadline_words(value, NOW) == long
    assert header_deadline_words(value, NOW) == short


def test_moments_in_paris_time_whatever_the_offset_given() -> None:
    assert moment_words(datetime.fromisoformat("2026-12-03T11:00:00+00:00"), NOW) == \
        "aujourd'hui à 12 h"
    assert moment_words(datetime.fromisoformat("2027-03-30T10:00:00+00:00")) == \
        "mardi 30 mars à 12 h"


@pytest.mark.parametrize(("text", "day"), [
    ("2026-12-08", date(2026, 12, 8)), ("08/12/2026", date(2026, 12, 8)),
    ("8/12/2026", date(2026, 12, 8)), (" 2026-12-08 ", date(2026, 12, 8)),
])
def test_days_typed_both_ways(text: str, day: date) -> None:
    assert parse_day(text) == day


@pytest.mark.parametrize(("text", "error"), [
    ("2026-13-01", "date impossible"), ("31/02/2027", "date impossible"),
    ("12/08", "date invalide"), ("demain", "date invalide"), ("2026/12/08", "date invalide"),
])
def test_bad_days(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_day(text)


def test_weeks_and_services() -> None:
    assert parse_week("2026-W50") == date(2026, 12, 7)
    assert parse_week("2027-w1") == date(2027, 1, 4)
    with pytest.raises(ValueError, match="semaine impossible"):
        parse_week("2026-W60")
    assert week_words(date(2026, 11, 30)) == "semaine du 30 novembre au 6 décembre 2026"
    assert parse_service("Garderie Soir") is Service.GARDERIE_SOIR
    assert parse_service("repas") is Service.CANTINE
    with pytest.raises(ValueError, match="service inconnu « piscine »"):
        parse_service("piscine")


def slot(state: SlotState, **more: object) -> Slot:
    return Slot(service=Service.CANTINE, state=state, price_cents=432, **more)  # type: ignore[arg-type]


def test_what_espace_asks() -> None:
    day = date(2026, 12, 8)
    booked = pending_for(1, "Léa", day, slot(SlotState.NOT_BOOKED, can_book=True))
    assert not isinstance(booked, str) and booked.action is ChangeAction.BOOK
    assert booked.words == "Réserver la cantine du mardi 8 décembre (Léa) : + 4,32\u00a0€"
    waited = pending_for(1, "Léa", day, slot(SlotState.FULL, can_wait=True))
    assert not isinstance(waited, str) and waited.action is ChangeAction.WAIT
    late = pending_for(1, "Léa", day, slot(SlotState.BOOKED, can_cancel=True,
                                            late_cancellation_cents=432))
    assert not isinstance(late, str) and late.request().accept_late_fee
    assert late.words.endswith("hors délai, reste facturé 4,32\u00a0€")
    too_late = pending_for(1, "Léa", day, slot(SlotState.NOT_BOOKED, note="Trop tard : …"))
    assert too_late == "Trop tard : …"
    assert pending_for(1, "Léa", day, slot(SlotState.NOT_OFFERED)) == \
        "Rien à réserver ce jour-là."
    assert state_words(slot(SlotState.WAITING_LIST, waiting_position=2)) == \
        "liste d'attente (2e)"


def test_pending_changes_toggle_and_sum() -> None:
    pending = PendingChanges()
    free = slot(SlotState.NOT_BOOKED, can_book=True)
    pending.toggle(1, "Léa", date(2026, 12, 8), free)
    pending.toggle(1, "Léa", date(2026, 12, 10), free)
    pending.toggle(1, "Léa", date(2026, 12, 11), slot(SlotState.BOOKED, can_cancel=True))
    assert summary_words(pending) == ("3 changements : 2 réservations, 1 annulation — "
                                      "+ 4,32\u00a0€ sur la prochaine facture")
    pending.toggle(1, "Léa", date(2026, 12, 10), free)  # taken back
    assert len(pending) == 2 and pending.balance_cents() == 0
    assert [r.date for r in pending.requests()] == [date(2026, 12, 8), date(2026, 12, 11)]
