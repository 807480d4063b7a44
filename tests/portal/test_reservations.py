"""Reservations over real loopback HTTP: what each child is enrolled in, a period's slots,
batch changes line by line (refusals with their reasons), idempotent batches, races for the
last place between real concurrent requests, the waiting list, late cancellations, billing.

Test portals' reservations clock is Thursday 3 December 2026, 9 h 30 in Paris (PORTAL_NOW):
the canteen of Monday 7 closes today at noon (« 2 jours ouvrés avant, 12 h » at Chaponost).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from famille_tui.portal.launcher import PortalProcess
from tests.portal.helpers import Api, db_rows, error_of
from tests.support import CHAPONOST, start_test_portal


@pytest.fixture
def martin(portal: PortalProcess) -> Iterator[Api]:
    with Api(portal, CHAPONOST).login("martin") as api:
        yield api


@pytest.fixture
def durand(portal: PortalProcess) -> Iterator[Api]:
    with Api(portal, CHAPONOST).login("durand") as api:
        yield api


def child_id(api: Api, first_name: str) -> int:
    family = api.get("family").json()
    return int(next(c["id"] for c in family["children"] if c["first_name"] == first_name))


def slots(api: Api, start: str, end: str | None = None, **params: Any) -> dict[Any, Any]:
    """{(first_name, date, service): slot} of a period."""
    response = api.get("reservations", params={"start": start, "end": end or start, **params})
    assert response.status_code == 200, response.text
    return {(c["first_name"], d["date"], s["service"]): s
            for c in response.json()["children"] for d in c["days"] for s in d["slots"]}


def change(api: Api, *lines: dict[str, Any], key: str | None = None,
           dry_run: bool = False) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return api.post("reservations/changes", json={"changes": list(lines), "dry_run": dry_run},
                    headers=headers)


def line(child: int, service: str, day: str, action: str = "book", **more: Any
         ) -> dict[str, Any]:
    return {"child_id": child, "service": service, "date": day, "action": action, **more}


def set_taken(portal: PortalProcess, service: str, day: str, taken: int) -> None:
    with sqlite3.connect(portal.data_path) as conn:
        (activity,) = conn.execute("SELECT id FROM activities WHERE commune = ? AND service = ?",
                                   (CHAPONOST, service)).fetchone()
        conn.execute("INSERT OR REPLACE INTO activity_days VALUES (?, ?, ?)",
                     (activity, day, taken))


def booked_count(portal: PortalProcess, service: str, day: str) -> int:
    ((count,),) = db_rows(
        portal, "SELECT COUNT(*) FROM bookings b JOIN activities a ON a.id = b.activity_id"
        " WHERE a.commune = ? AND a.service = ? AND b.day = ? AND b.status = 'booked'",
        CHAPONOST, service, day)
    return int(count)


# -- reading ------------------------------------------------------------------------------


def test_activities_say_each_rule_and_its_next_deadline(martin: Api) -> None:
    body = martin.get("activities").json()
    assert body["now"].startswith("2026-12-03T09:30")
    by_name = {c["first_name"]: c for c in body["children"]}
    assert by_name["Hugo"]["activities"] == []  # enrolled in nothing: said, not hidden
    lea = {a["service"]: a for a in by_name["Léa"]["activities"]}
    assert list(lea) == ["garderie-matin", "cantine", "garderie-soir", "mercredi", "vacances"]
    canteen = lea["cantine"]
    assert canteen["rule"]["text"] == "2 jours ouvrés avant, 12 h"
    assert canteen["price_cents"] == 432
    assert canteen["next_deadline"] == {"at": "2026-12-03T12:00:00+01:00",
                                        "days": ["2026-12-07"]}
    assert lea["mercredi"]["rule"]["text"] == "le jeudi de la semaine précédente, 12 h"
    assert lea["mercredi"]["places_left"] == 0  # Wednesday 9 is full
    # The holiday centre: every day of the Christmas holidays closes at once.
    assert lea["vacances"]["next_deadline"]["days"][:3] == ["2026-12-21", "2026-12-22",
                                                            "2026-12-23"]
    assert body["next_deadline"] == {
        "at": "2026-12-03T12:00:00+01:00", "service": "cantine", "label": "Restaurant scolaire",
        "first_names": ["Léa"], "days": ["2026-12-07"]}


def test_a_week_in_every_state(martin: Api) -> None:
    week = slots(martin, "2026-11-30", "2026-12-06")
    assert week[("Léa", "2026-11-30", "cantine")]["state"] == "present"
    assert week[("Léa", "2026-12-01", "garderie-soir")]["state"] == "absent"
    assert week[("Léa", "2026-12-02", "mercredi")]["state"] == "present"
    today = week[("Léa", "2026-12-03", "cantine")]
    # Its deadline has passed: it may still be cancelled, and stays billed.
    assert today["state"] == "booked" and today["late_cancellation_cents"] == 432
    assert week[("Léa", "2026-12-02", "cantine")]["state"] == "not_offered"  # no school
    assert week[("Léa", "2026-12-05", "cantine")]["state"] == "not_offered"  # Saturday
    later = slots(martin, "2026-12-07", "2026-12-25")
    monday = later[("Léa", "2026-12-07", "cantine")]
    assert monday["state"] == "not_booked" and monday["can_book"]
    assert monday["deadline"] == "2026-12-03T12:00:00+01:00"
    assert later[("Léa", "2026-12-09", "mercredi")]["state"] == "full"
    assert later[("Léa", "2026-12-16", "mercredi")]["state"] == "waiting_list"
    assert later[("Léa", "2026-12-16", "mercredi")]["waiting_position"] == 1
    assert later[("Léa", "2026-12-11", "cantine")]["places_left"] == 1
    christmas = later[("Léa", "2026-12-25", "vacances")]
    assert christmas["state"] == "public_holiday" and christmas["note"] == "Jour férié : Noël."
    holidays = later[("Léa", "2026-12-21", "cantine")]
    assert holidays["state"] == "closed" and holidays["note"] == "Vacances de Noël."
    # The holiday centre closes for the end of the year.
    assert later[("Léa", "2026-12-24", "vacances")]["state"] == "closed"
    assert later[("Léa", "2026-12-21", "vacances")]["can_book"]


def test_without_dates_the_current_week(martin: Api) -> None:
    body = martin.get("reservations").json()
    assert (body["start"], body["end"]) == ("2026-11-30", "2026-12-06")


def test_bad_questions_are_refused_in_french(martin: Api, durand: Api) -> None:
    emma = child_id(durand, "Emma")
    cases = [
        ({"start": "2026-12-10", "end": "2026-12-01"}, 422),
        ({"start": "2026-01-01", "end": "2027-06-01"}, 422),  # more than 366 days
        ({"start": "0001-01-01"}, 422),
        ({"start": "9999-12-31"}, 422),
        ({"start": "hier"}, 422),
        ({"child_id": emma}, 404),  # another family's child is unknown here
        ({"child_id": 2**63}, 422),
    ]
    for params, status in cases:
        response = martin.get("reservations", params=params)
        assert response.status_code == status, (params, response.text)
        assert error_of(response)["message"]


def test_bad_changes_are_refused_and_change_nothing(portal: PortalProcess, martin: Api,
                                                    durand: Api) -> None:
    lea = child_id(martin, "Léa")
    emma = child_id(durand, "Emma")
    before = db_rows(portal, "SELECT * FROM bookings ORDER BY id")
    bodies = [
        {"changes": []},
        {"changes": [line(lea, "piscine", "2026-12-08")]},
        {"changes": [line(lea, "cantine", "2026-12-08", "eat")]},
        {"changes": [line(lea, "cantine", "08/12/2026")]},
        {"changes": [line(lea, "cantine", "0001-01-01")]},
        {"changes": [line(lea, "cantine", "2026-12-08", extra=1)]},
        {"changes": [line(lea, "cantine", "2026-12-08")] * 401},
        {"changes": [line(0, "cantine", "2026-12-08")]},
    ]
    for body in bodies:
        response = martin.post("reservations/changes", json=body)
        assert response.status_code == 422, (body, response.text)
        assert error_of(response)["message"]
    # A line for another family's child: 404 for the whole batch, Léa's line not done.
    response = change(martin, line(lea, "cantine", "2026-12-08"), line(emma, "cantine",
                                                                     "2026-12-08", "cancel"))
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    response = change(martin, line(lea, "cantine", "2026-12-08"), key="a b")
    assert response.status_code == 400
    assert db_rows(portal, "SELECT * FROM bookings ORDER BY id") == before


def test_a_batch_is_answered_line_by_line(martin: Api) -> None:
    lea = child_id(martin, "Léa")
    hugo = child_id(martin, "Hugo")
    response = change(
        martin,
        line(lea, "cantine", "2026-12-07"),
        line(lea, "cantine", "2026-12-08"),
        line(lea, "cantine", "2026-12-09"),  # Wednesday: no canteen
        line(lea, "cantine", "2026-12-01"),  # past
        line(hugo, "cantine", "2026-12-08"),  # not enrolled
        line(lea, "mercredi", "2026-12-09"),  # full
        line(lea, "vacances", "2026-12-25"),  # public holiday
        line(lea, "cantine", "2026-12-21"),  # school holidays
        line(lea, "cantine", "2026-12-08"),  # again: already done
        key="batch-1",
    )
    assert response.status_code == 200, response.text
    body = response.json()
    got = [(item["outcome"], item["code"]) for item in body["lines"]]
    assert got == [
        ("done", None), ("done", None), ("refused", "closed"), ("refused", "past_day"),
        ("refused", "not_enrolled"), ("refused", "full"), ("refused", "closed"),
        ("refused", "closed"), ("unchanged", None),
    ]
    reasons = [item["reason"] for item in body["lines"]]
    assert reasons[4] == "Hugo n'est pas inscrit·e à la cantine du mardi 8 décembre."
    assert reasons[5].startswith("Complet : plus de place pour l'accueil du mercredi du "
                                 "mercredi 9 décembre.")
    assert body["lines"][5]["waiting_list_offered"] is True
    assert "Jour férié : Noël" in reasons[6]
    assert "Vacances de Noël" in reasons[7]
    assert body["balance_cents"] == 2 * 432
    assert body["lines"][0]["slot"]["state"] == "booked"
    # The full day: the same line with « wait » puts Léa on the waiting list.
    waited = change(martin, line(lea, "mercredi", "2026-12-09", "wait")).json()["lines"][0]
    assert (waited["outcome"], waited["slot"]["state"]) == ("done", "waiting_list")
    assert waited["slot"]["waiting_position"] == 1 and waited["cost_cents"] == 0


def test_a_dry_run_judges_and_changes_nothing(portal: PortalProcess, martin: Api) -> None:
    lea = child_id(martin, "Léa")
    body = change(martin, line(lea, "cantine", "2026-12-08"), line(lea, "garderie-soir",
                  "2026-12-08", "cancel"), dry_run=True, key="dry").json()
    assert body["dry_run"] is True
    assert [(i["outcome"], i["cost_cents"], i["saving_cents"]) for i in body["lines"]] == [
        ("done", 432, 0), ("done", 0, 240)]
    assert body["balance_cents"] == 432 - 240
    week = slots(martin, "2026-12-08")
    assert week[("Léa", "2026-12-08", "cantine")]["state"] == "not_booked"
    assert week[("Léa", "2026-12-08", "garderie-soir")]["state"] == "booked"
    # A dry run's key is not kept: the real batch with it is done.
    real = change(martin, line(lea, "cantine", "2026-12-08"), key="dry").json()
    assert real["lines"][0]["outcome"] == "done"


def test_the_same_key_gives_the_same_answer_once(portal: PortalProcess, martin: Api) -> None:
    lea = child_id(martin, "Léa")
    lines = [line(lea, "cantine", day) for day in ("2026-12-08", "2026-12-10")]
    answers: list[httpx.Response] = []

    def send() -> None:
        with Api(portal, CHAPONOST) as api:
            api.headers["Authorization"] = martin.headers["Authorization"]
            answers.append(change(api, *lines, key="same-key"))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {a.status_code for a in answers} == {200}
    first = answers[0].json()
    assert all(a.json() == first for a in answers)
    assert [i["outcome"] for i in first["lines"]] == ["done", "done"]
    rows = db_rows(portal, "SELECT COUNT(*) FROM bookings WHERE child_id = ? AND day IN"
                   " ('2026-12-08', '2026-12-10') AND status = 'booked'"
                   " AND activity_id = (SELECT id FROM activities WHERE commune = ? AND"
                   " service = 'cantine')", lea, CHAPONOST)
    assert rows == [(2,)]
    # Later, with the same key, still the first answer (not « unchanged »).
    assert change(martin, *lines, key="same-key").json() == first
    other = change(martin, line(lea, "cantine", "2026-12-14"), key="same-key")
    assert other.status_code == 422
    assert "déjà servi" in error_of(other)["message"]


def test_the_last_place_goes_to_one_family_only(portal: PortalProcess, martin: Api,
                                                durand: Api) -> None:
    """Martin and Durand ask for the last place of the same days at the same moment, each
    from a connection of its own: one gets it, the other is told it is full, and no day is
    ever booked beyond its capacity."""
    lea, emma = child_id(martin, "Léa"), child_id(durand, "Emma")
    days = ["2026-12-14", "2026-12-15", "2026-12-17", "2026-12-18"]
    # Emma's own bookings of those days are cancelled (in time), then one place is left.
    cancelled = change(durand, *[line(emma, "cantine", d, "cancel") for d in days]).json()
    assert {i["outcome"] for i in cancelled["lines"]} == {"done"}
    for day in days:
        set_taken(portal, "cantine", day, 149)
    tokens = {lea: martin.headers["Authorization"], emma: durand.headers["Authorization"]}
    outcomes: dict[tuple[int, str], str] = {}
    barrier = threading.Barrier(2 * len(days))

    def ask(child: int, day: str) -> None:
        with Api(portal, CHAPONOST) as api:
            api.headers["Authorization"] = tokens[child]
            barrier.wait()
            response = change(api, line(child, "cantine", day), key=f"race-{child}-{day}")
            assert response.status_code == 200, response.text
            answer = response.json()["lines"][0]
            outcomes[(child, day)] = answer["outcome"]
            if answer["outcome"] == "refused":
                assert answer["code"] == "full" and answer["waiting_list_offered"]

    threads = [threading.Thread(target=ask, args=(child, day))
               for day in days for child in (lea, emma)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for day in days:
        assert sorted(outcomes[(child, day)] for child in (lea, emma)) == ["done", "refused"]
        assert booked_count(portal, "cantine", day) == 1  # 150 places, 149 taken elsewhere


def test_a_freed_place_goes_to_the_waiting_list(portal: PortalProcess, martin: Api,
                                                durand: Api) -> None:
    emma = child_id(durand, "Emma")
    # Wednesday 16: Léa is first on the waiting list; Emma holds the last place.
    set_taken(portal, "mercredi", "2026-12-16", 23)
    with sqlite3.connect(portal.data_path) as conn:
        (activity,) = conn.execute("SELECT id FROM activities WHERE commune = ? AND service ="
                                   " 'mercredi'", (CHAPONOST,)).fetchone()
        conn.execute("INSERT INTO bookings (child_id, activity_id, day, status, billed_cents,"
                     " changed_at) VALUES (?, ?, '2026-12-16', 'booked', 1450, 0)",
                     (emma, activity))
    assert slots(martin, "2026-12-16")[("Léa", "2026-12-16", "mercredi")]["state"] == \
        "waiting_list"
    done = change(durand, line(emma, "mercredi", "2026-12-16", "cancel")).json()["lines"][0]
    assert (done["outcome"], done["saving_cents"]) == ("done", 1450)
    promoted = slots(martin, "2026-12-16")[("Léa", "2026-12-16", "mercredi")]
    assert promoted["state"] == "booked"
    mails = [m for m in martin.outbox() if m["subject"] == "Une place s'est libérée"]
    assert mails and "Léa" in mails[-1]["body"] and "mercredi 16 décembre" in mails[-1]["body"]


def test_a_late_cancellation_is_said_before_it_is_done(martin: Api) -> None:
    lea = child_id(martin, "Léa")
    before = martin.get("reservations").json()["next_invoice_cents"]
    asked = change(martin, line(lea, "garderie-soir", "2026-12-03", "cancel")).json()["lines"][0]
    assert (asked["outcome"], asked["code"]) == ("needs_confirmation", "late_fee")
    assert asked["reason"] == (
        "Annulation hors délai : la garderie du soir du jeudi 3 décembre s'annulait "
        "jusqu'au mercredi 2 décembre à 18 h ; la journée reste facturée 2,40\u00a0€. "
        "Confirmez pour annuler quand même.")
    assert slots(martin, "2026-12-03")[("Léa", "2026-12-03", "garderie-soir")]["state"] == \
        "booked"
    done = change(martin, line(lea, "garderie-soir", "2026-12-03", "cancel",
                               accept_late_fee=True)).json()["lines"][0]
    assert done["outcome"] == "done" and done["saving_cents"] == 0
    assert done["slot"]["state"] == "not_booked"
    assert martin.get("reservations").json()["next_invoice_cents"] == before  # still billed
    # The holiday centre refuses late cancellations outright.
    lea_day = slots(martin, "2026-12-03")[("Léa", "2026-12-03", "cantine")]
    assert lea_day["late_cancellation_cents"] == 432


# -- the clock: noon, midnight, billing ---------------------------------------------------


def at_portal(tmp_path: Path, demo_database: Path, moment: str) -> PortalProcess:
    return start_test_portal(tmp_path, demo_database,
                             env={"FAMILLE_TUI_PORTAL_NOW": moment})


def wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never met"
        time.sleep(0.1)


@pytest.mark.parametrize(("moment", "service", "day", "closes"), [
    # Noon: the canteen of Monday 7 closes on Thursday 3 at 12 h.
    ("2026-12-03T11:59:57+01:00", "cantine", "2026-12-07", "jeudi 3 décembre à 12 h"),
    # Midnight: the Christmas holiday centre closes at 0 h on Saturday 5 December.
    ("2026-12-04T23:59:57+01:00", "vacances", "2026-12-21", "vendredi 4 décembre à minuit"),
])
def test_a_deadline_passes_while_the_portal_runs(tmp_path: Path, demo_database: Path,
                                                 moment: str, service: str, day: str,
                                                 closes: str) -> None:
    process = at_portal(tmp_path, demo_database, moment)
    try:
        with Api(process, CHAPONOST).login("martin") as api:
            lea = child_id(api, "Léa")
            assert slots(api, day)[("Léa", day, service)]["can_book"]
            wait_for(lambda: not slots(api, day)[("Léa", day, service)]["can_book"])
            refused = change(api, line(lea, service, day)).json()["lines"][0]
            assert (refused["outcome"], refused["code"]) == ("refused", "past_deadline")
            assert refused["reason"].startswith("Trop tard : ")
            assert refused["reason"].endswith(f"se réservait jusqu'au {closes}.")
    finally:
        process.stop()


def test_a_month_that_ends_goes_on_the_next_invoice(tmp_path: Path,
                                                    demo_database: Path) -> None:
    process = at_portal(tmp_path, demo_database, "2027-01-04T08:00:00+01:00")
    try:
        with Api(process, CHAPONOST).login("martin") as api:
            invoices = api.get("invoices").json()["invoices"]
            december = [i for i in invoices if i["label"] == "Réservations – décembre 2026"]
            assert len(december) == 1
            # Canteen 1, 3, 4 December; evening care every Tuesday and Thursday of school
            # (1, 3, 8, 10, 15, 17; the absence of the 1st is billed); Wednesday 2.
            assert december[0]["amount_cents"] == 3 * 432 + 6 * 240 + 1450
            assert december[0]["children"] == ["Léa"]
            assert december[0]["status"] == "a_payer"
            # November was already on « Restaurant scolaire – novembre 2026 »: not again.
            assert not [i for i in invoices if i["label"] == "Réservations – novembre 2026"]
            again = api.get("invoices").json()["invoices"]
            assert len(again) == len(invoices)
            assert api.get("reservations").json()["next_invoice_cents"] == 0
    finally:
        process.stop()
