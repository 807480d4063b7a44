"""Menus and prompts: every wrong answer gets one line saying why, then the same prompt;
0 goes back; end of input ends cleanly."""

from __future__ import annotations

import io

import pytest

from famille_tui.api import check_email
from famille_tui.plain.console import Console, EndOfInput
from famille_tui.plain.prompts import (
    GoBack,
    ask_secret,
    ask_selection,
    ask_text,
    ask_yes_no,
    choose,
)


def console_with(*answers: str) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    text = "".join(a + "\n" for a in answers)
    return Console(stdin=io.StringIO(text), stdout=out), out


def lines(out: io.StringIO) -> list[str]:
    return out.getvalue().splitlines()


#: The first time: the span, what 0 does, « aide » in words (« ? » is silent in espeak-ng).
PROMPT = "Choix de 1 à 3, 0 pour revenir, ou aide : "
#: Afterwards, short.
SHORT = "Choix de 1 à 3 : "


def test_choose_reads_the_menu_once_and_refuses_bad_answers_one_line_each() -> None:
    console, out = console_with("", "abc", "9", "2")
    assert choose(console, "Menu principal", ["Famille", "Entourage", "Aide"]) == 2
    assert lines(out) == [
        "Menu principal.",
        "1 : Famille.",
        "2 : Entourage.",
        "3 : Aide.",
        PROMPT,
        "Saisie refusée : tapez un nombre de 1 à 3.",
        PROMPT,
        "Saisie refusée : tapez un nombre de 1 à 3.",  # never the raw answer echoed
        PROMPT,
        "Saisie refusée : il n'y a pas de choix 9.",
        PROMPT,
    ]


def test_a_menu_heard_before_reads_what_changed_and_aide_reads_it_again() -> None:
    console, out = console_with("1", "aide", "3", "2")
    entries = ["Famille", "Entourage", "Aide"]
    assert choose(console, "Menu principal", entries) == 1
    first = len(lines(out))
    assert choose(console, "Menu principal", entries) == 3
    assert lines(out)[first:] == [
        "Menu principal.",
        SHORT,
        "1 : Famille.",
        "2 : Entourage.",
        "3 : Aide.",
        "Tapez le numéro d'un choix puis Entrée ; 0 pour revenir ; répéter redit ce qui",
        "précède.",
        SHORT,
    ]
    # The same title with one entry changed: only that entry is read.
    mark = len(lines(out))
    assert choose(console, "Menu principal", ["Famille", "Entourage", "Aide, contact"]) == 2
    assert lines(out)[mark:] == ["Menu principal.", "3 : Aide, contact.", SHORT]
    console.forget_menus()  # a new person: read in full again
    mark = len(lines(out))
    with pytest.raises(EndOfInput):
        choose(console, "Menu principal", entries)
    assert lines(out)[mark : mark + 2] == ["Menu principal.", "1 : Famille."]


def test_menus_are_remembered_by_title_and_entries() -> None:
    """Finding 10: the action menu of a second invoice is read, though its entries are the
    same as the first one's."""
    console, out = console_with("1", "1")
    actions = ["Payer cette facture", "Enregistrer le PDF"]
    choose(console, None, actions, key=("invoice", 1))
    mark = len(lines(out))
    choose(console, None, actions, key=("invoice", 2))
    assert lines(out)[mark:mark + 2] == ["1 : Payer cette facture.", "2 : Enregistrer le PDF."]


def test_choose_zero_goes_back_and_eof_ends() -> None:
    console, _ = console_with("0")
    with pytest.raises(GoBack):
        choose(console, "Menu", ["A", "B", "C"])
    console, _ = console_with()
    with pytest.raises(EndOfInput):
        choose(console, "Menu", ["A", "B", "C"])


def test_ask_text_default_hint_and_check() -> None:
    console, out = console_with("pas-un-mail", "", )
    value = ask_text(console, "E-mail", default="julie@exemple.fr", check=check_email)
    assert value == "julie@exemple.fr"
    prompt = "E-mail (Entrée garde julie@exemple.fr) : "
    assert lines(out) == [
        prompt,
        "Saisie refusée : adresse électronique invalide (exemple :",
        "prenom.nom@exemple.fr).",
        prompt,
    ]


def test_ask_text_required_refuses_empty() -> None:
    console, out = console_with("", "  Jeanne ")
    assert ask_text(console, "Prénom") == "Jeanne"
    assert lines(out)[1] == "Saisie refusée : ce champ est obligatoire."


def test_ask_text_optional_and_clearable() -> None:
    console, _ = console_with("")
    assert ask_text(console, "E-mail", required=False) == ""
    console, _ = console_with("-")
    assert ask_text(console, "Fixe", default="04 77 06 20 10", required=False,
                    clearable=True) == ""


def test_ask_yes_no_states_its_default() -> None:
    console, out = console_with("peut-être", "OUI")
    assert ask_yes_no(console, "Retirer Jeanne ?") is True
    assert lines(out)[0] == "Retirer Jeanne ? (o pour oui, n pour non, Entrée : non) : "
    assert "peut-être" not in out.getvalue()  # no raw echo in the refusal
    console, _ = console_with("")
    assert ask_yes_no(console, "Retirer Jeanne ?") is False  # the default said
    console, _ = console_with("n")
    assert ask_yes_no(console, "Retirer Jeanne ?") is False
    console, _ = console_with("0")
    with pytest.raises(GoBack):
        ask_yes_no(console, "Retirer Jeanne ?")


def test_ask_selection_numbers_ranges_and_all() -> None:
    console, out = console_with("", "1 x", "1 7", "3,1")
    assert ask_selection(console, "Factures à payer", [1, 2, 3]) == [1, 3]
    said = lines(out)
    assert said[1] == "Saisie refusée : ce champ est obligatoire."
    assert said[3] == "Saisie refusée : seulement des numéros, de 1 à 3."
    assert said[5] == "Saisie refusée : il n'y a pas de facture 7 à choisir."
    console, _ = console_with("tout")
    assert ask_selection(console, "Factures", [1, 2, 3]) == [1, 2, 3]
    console, _ = console_with("1-2")
    assert ask_selection(console, "Factures", [1, 2, 3]) == [1, 2]


def test_secret_never_echoed_in_messages() -> None:
    console, out = console_with("", "s3cret-value")
    assert ask_secret(console, "Mot de passe") == "s3cret-value"
    assert "s3cret-value" not in out.getvalue()
