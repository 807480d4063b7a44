"""`reservations`, `book`, `unbook` against the real portal: JSON is the API's models, the
exit codes are docs/cli.md's (0 done, 8 refused, 9 a late cancellation to accept, 2 bad
input, 1 an unknown child), dates typed both ways, the next deadline for a status bar.

The test portals' reservations clock is Thursday 3 December 2026, 9 h 30 in Paris."""

from __future__ import annotations

from pathlib import Path

import pytest

from famille_tui.api import ChangeResult, ReservationPeriod
from famille_tui.portal.launcher import PortalProcess
from tests.cli.conftest import MARTIN_PASSWORD, Cli, Result
from tests.support import CHAPONOST, start_test_portal


@pytest.fixture
def chaponost(cli: Cli, portal: PortalProcess) -> Cli:
    url = portal.base_url(CHAPONOST)

    def run(*argv: str) -> Result:
        return cli("--portal", url, "--login", "martin", *argv, password=MARTIN_PASSWORD)

    return run


def test_the_current_week_in_json(chaponost: Cli) -> None:
    result = chaponost("reservations", "--json")
    assert result.code == 0, result.err
    period = ReservationPeriod.model_validate(result.json())
    assert (period.start.isoformat(), period.end.isoformat()) == ("2026-11-30", "2026-12-06")
    assert [c.first_name for c in period.children] == ["Léa", "Hugo"]


def test_a_week_a_child_and_a_period(chaponost: Cli) -> None:
    week = chaponost("reservations", "--child", "lea", "--week", "2026-W50", "--json")
    assert week.code == 0, week.err
    period = week.json()
    assert (period["start"], period["end"]) == ("2026-12-07", "2026-12-13")
    assert [c["first_name"] for c in period["children"]] == ["Léa"]
    span = chaponost("reservations", "--from", "07/12/2026", "--to", "2026-12-18", "--plain")
    assert span.code == 0, span.err
    rows = [line.split("\t") for line in span.out.splitlines()]
    assert {r[1] for r in rows} >= {"2026-12-07", "2026-12-18"}
    assert all(len(r) == 10 for r in rows)
    table = chaponost("reservations", "--week", "2026-W50")
    assert "⊘" in table.out and "complet" in table.out and "Prochaine échéance" in table.out


def test_next_deadline_for_a_status_bar(chaponost: Cli) -> None:
    plain = chaponost("reservations", "--next-deadline", "--plain")
    assert plain.code == 0
    assert plain.out.split("\t")[:2] == ["2026-12-03T12:00:00+01:00", "cantine"]
    document = chaponost("reservations", "--next-deadline", "--json").json()
    assert document["text"] == "aujourd'hui à 12 h, cantine du lundi 7 décembre"
    table = chaponost("reservations", "--next-deadline")
    assert table.out.strip() == "Prochaine échéance : aujourd'hui à 12 h, cantine du lundi 7 " \
        "décembre"


def test_book_then_unbook(chaponost: Cli) -> None:
    booked = chaponost("book", "Léa", "cantine", "2026-12-07", "08/12/2026", "2026-12-10",
                       "--json")
    assert booked.code == 0, booked.err
    result = ChangeResult.model_validate(booked.json())
    assert [line.outcome.value for line in result.lines] == ["done"] * 3
    assert result.balance_cents == 3 * 432
    table = chaponost("unbook", "Léa", "cantine", "2026-12-08")
    assert table.code == 0, table.err
    assert "Annulé : cantine du mardi 8 décembre (Léa), 4,32\u00a0€ en moins" in table.out
    assert "− 4,32\u00a0€ sur la prochaine facture" in table.out
    week = chaponost("reservations", "--week", "2026-W50", "--json").json()
    lea = week["children"][0]
    states = {(d["date"], s["service"]): s["state"] for d in lea["days"] for s in d["slots"]}
    assert states[("2026-12-07", "cantine")] == "booked"
    assert states[("2026-12-08", "cantine")] == "not_booked"
    assert states[("2026-12-10", "cantine")] == "booked"


def test_a_refusal_is_exit_8_with_its_reason(chaponost: Cli) -> None:
    result = chaponost("book", "Léa", "garderie-matin", "2026-12-03", "2026-12-04")
    assert result.code == 8
    assert ("Refusé : Trop tard : la garderie du matin du jeudi 3 décembre se réservait "
            "jusqu'au mercredi 2 décembre à 18 h.") in " ".join(result.out.split())
    assert "Réservé : garderie du matin du vendredi 4 décembre (Léa)" in result.out
    full = chaponost("book", "Léa", "mercredi", "2026-12-09", "--json")
    assert full.code == 8
    line = full.json()["lines"][0]
    assert line["code"] == "full" and line["waiting_list_offered"] is True
    assert "Le portail a refusé au moins un jour" in full.err
    waited = chaponost("book", "Léa", "mercredi", "2026-12-09", "--waiting-list", "--json")
    assert waited.code == 0
    assert waited.json()["lines"][0]["slot"]["state"] == "waiting_list"


def test_a_late_cancellation_is_exit_9_until_accepted(chaponost: Cli) -> None:
    asked = chaponost("unbook", "Léa", "garderie-soir", "2026-12-03", "--json")
    assert asked.code == 9
    assert asked.json()["lines"][0]["outcome"] == "needs_confirmation"
    assert "Relancez avec --accept-late-fee" in asked.err
    done = chaponost("unbook", "Léa", "garderie-soir", "2026-12-03", "--accept-late-fee")
    assert done.code == 0, done.out
    assert "hors délai, reste facturé" in done.out


def test_a_dry_run_changes_nothing(chaponost: Cli) -> None:
    dry = chaponost("book", "Léa", "cantine", "2026-12-14", "--dry-run", "--json")
    assert dry.code == 0 and dry.json()["dry_run"] is True
    week = chaponost("reservations", "--from", "2026-12-14", "--to", "2026-12-14",
                     "--json").json()
    slots = week["children"][0]["days"][0]["slots"]
    assert {s["service"]: s["state"] for s in slots}["cantine"] == "not_booked"


@pytest.mark.parametrize(("argv", "words"), [
    (("book", "Léa", "piscine", "2026-12-08"), "service inconnu « piscine »"),
    (("book", "Léa", "cantine", "2026-13-01"), "date impossible « 2026-13-01 »"),
    (("book", "Léa", "cantine", "demain"), "date invalide « demain »"),
    (("reservations", "--week", "2026-50"), "semaine invalide « 2026-50 »"),
    (("reservations", "--to", "2026-12-18"), "--to va avec --from"),
    (("reservations", "--from", "2026-12-18", "--to", "2026-12-01"), "--to est avant --from"),
    (("book", "Léa", "cantine"), ""),
])
def test_bad_input_is_exit_2(chaponost: Cli, argv: tuple[str, ...], words: str) -> None:
    result = chaponost(*argv)
    assert result.code == 2
    assert words in result.err


def test_an_unknown_child_is_exit_1(chaponost: Cli) -> None:
    result = chaponost("book", "Emma", "cantine", "2026-12-08")
    assert result.code == 1
    assert result.err.strip() == ("famille-tui : Aucun enfant « Emma » dans votre famille "
                                  "(Léa, Hugo).")


def test_past_the_deadline_the_portal_refuses(cli: Cli, tmp_path: Path,
                                              demo_database: Path) -> None:
    """Done when: after Thursday noon, Monday's canteen is refused, with the reason."""
    process = start_test_portal(tmp_path / "noon", demo_database,
                                env={"FAMILLE_TUI_PORTAL_NOW": "2026-12-03T12:00:01+01:00"})
    try:
        result = cli("--portal", process.base_url(CHAPONOST), "--login", "martin", "book",
                     "Léa", "cantine", "2026-12-07", password=MARTIN_PASSWORD)
    finally:
        process.stop()
    assert result.code == 8
    assert " ".join(result.out.split()).startswith(
        "Refusé : Trop tard : la cantine du lundi 7 décembre se réservait jusqu'au jeudi 3 "
        "décembre à 12 h.")
