"""« Réservations » in the screen-reader face, against the real portal (Chaponost, martin):
by child and week, each day in words with its deadline, a past-deadline day refused with
its reason, several days changed in one answer, the portal's judgement before validating and
its answer line by line; wrong answers at every prompt; the same journey in a real pty,
whose transcript holds nothing but text.

The test portals' reservations clock is Thursday 3 December 2026, 9 h 30 in Paris."""

from __future__ import annotations

import re
from collections.abc import Callable

import pexpect

from tests.plain.scripted import Pick
from tests.plain.test_journey_inprocess import LOGIN, run_script
from tests.plain.test_journey_pty import (  # noqa: F401  (pty_env: a fixture)
    CHOICE,
    FAMILLE_TUI,
    TIMEOUT,
    Person,
    check_transcript,
    pty_env,
)

#: Next week's lines to change: the canteen on three days, one evening cancelled.
CHANGED = ("lundi 7 décembre, cantine", "mardi 8 décembre, cantine",
           "jeudi 10 décembre, cantine", "mardi 8 décembre, garderie du soir")


class Menu:
    """Remembers the last week heard, to answer with several of its numbers at once."""

    def __init__(self) -> None:
        self.heard = ""

    def pick(self, label: str) -> Callable[[str], str]:
        def answer(shown: str) -> str:
            self.heard = shown
            return re.findall(rf"^(\d+) : {re.escape(label)}", shown, re.MULTILINE)[-1]
        return answer

    def numbers(self, *labels: str) -> Callable[[str], str]:
        def answer(_shown: str) -> str:
            return " ".join(re.findall(rf"^(\d+) : {re.escape(label)}", self.heard,
                                       re.MULTILINE)[-1] for label in labels)
        return answer


def journey() -> list[object]:
    menu = Menu()
    return [
        *LOGIN, "n", Pick("Réservations"),
        # This week: Thursday's morning care is past its deadline.
        Pick("jeudi 3 décembre, garderie du matin"),
        Pick("Semaine suivante"),
        menu.pick("Changer plusieurs jours"), menu.numbers(*CHANGED), "o",
        "0", "0",
    ]


def test_a_week_in_words_and_several_days_in_one_answer(portal: object) -> None:
    code, said, stdin = run_script(portal.base_url("chaponost"), journey())  # type: ignore[attr-defined]
    assert code == 0, said
    assert not stdin.answers
    assert ("Prochaine échéance : aujourd'hui à 12 heures, cantine du lundi 7 décembre."
            in said)
    assert ("Léa, semaine du 30 novembre au 6 décembre 2026. Prochaine échéance : aujourd'hui "
            "à 12 heures, cantine du lundi 7 décembre. Prochaine facture à ce jour : 27 euros "
            "94.") in said
    assert re.search(r"^\d+ : lundi 30 novembre, cantine : présent\.$", said, re.MULTILINE)
    assert re.search(r"^\d+ : mardi 1er décembre, garderie du soir : absent\.$", said,
                     re.MULTILINE)
    # The deadline is said with each day.
    assert re.search(r"^\d+ : lundi 7 décembre, cantine : libre, 4 euros 32, réservable "
                     r"jusqu'à aujourd'hui à 12 heures\.$", said, re.MULTILINE)
    assert re.search(r"^\d+ : mercredi 9 décembre, accueil du mercredi : complet, 14 euros "
                     r"50, complet : liste d'attente possible jusqu'à aujourd'hui à 12 "
                     r"heures\.$", said, re.MULTILINE)
    assert ("Impossible : Trop tard : la garderie du matin du jeudi 3 décembre se réservait "
            "jusqu'au mercredi 2 décembre à 18 heures.") in said
    # What the portal would do, asked, then done.
    assert "Réserver la cantine du lundi 7 décembre (Léa) : + 4 euros 32." in said
    assert "Annuler la garderie du soir du mardi 8 décembre (Léa) : − 2 euros 40." in said
    assert "Total : + 10 euros 56 sur la prochaine facture." in said
    assert "Réservé : cantine du jeudi 10 décembre (Léa), 4 euros 32." in said
    assert "Annulé : garderie du soir du mardi 8 décembre (Léa), 2 euros 40 en moins." in said
    assert "+ 10 euros 56 sur la prochaine facture." in said
    # No symbol a synthesiser would spell out.
    assert not re.search("[✓●○⊘◷▒]", said)


def test_wrong_answers_in_reservations(portal: object) -> None:
    code, said, stdin = run_script(portal.base_url("chaponost"), journey(),  # type: ignore[attr-defined]
                                   sabotage=True)
    assert code == 0, said
    assert stdin.problems == []
    assert "Réservé : cantine du lundi 7 décembre (Léa), 4 euros 32." in said


def test_reservations_in_a_pty(portal: object, pty_env: dict[str, str],  # noqa: F811
                               tmp_path: object
                               ) -> None:
    child = pexpect.spawn(
        str(FAMILLE_TUI), ["--portal", portal.base_url("chaponost"), "--screen-reader"],  # type: ignore[attr-defined]
        env=pty_env, encoding="utf-8", timeout=TIMEOUT, dimensions=(24, 80))
    raw: list[bytes] = []

    class Log:
        def write(self, text: str) -> None:
            raw.append(text.encode("utf-8"))

        def flush(self) -> None:
            pass

    child.logfile_read = Log()
    person = Person(child)
    person.pick("Se connecter avec")
    person.answer("Identifiant", "martin")
    person.answer("Mot de passe de martin", "demo-martin")
    person.expect("Connexion réussie : Famille Martin")
    person.pick("Réservations")
    person.expect("Léa, semaine du 30 novembre au 6 décembre 2026")
    person.pick("Semaine suivante")
    person.expect("Léa, semaine du 7 au 13 décembre 2026")
    menu = person.expect("Semaine précédente")
    numbers = [re.findall(rf"(\d+) : {re.escape(label)}", menu)[-1] for label in CHANGED]
    # The number heard in the menu (typing « ? » to hear it again makes readline redraw
    # the line when the prompt and the answer reach the 80th column).
    person.child.expect(CHOICE)
    person.child.sendline(re.findall(r"(\d+) : Changer plusieurs jours", menu)[-1])
    person.answer("Numéros des jours à réserver ou annuler", " ".join(numbers))
    person.expect("Total : + 10 euros 56 sur la prochaine facture.")
    person.answer("Valider ces 4 changements ?", "o")
    person.expect("Réservé : cantine du lundi 7 décembre (Léa), 4 euros 32.")
    person.expect("Annulé : garderie du soir du mardi 8 décembre (Léa), 2 euros 40 en moins.")
    person.child.expect(CHOICE)
    person.child.sendline("0")
    person.child.expect(CHOICE)
    person.child.sendline("0")
    person.expect("Au revoir.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    check_transcript(b"".join(raw))
