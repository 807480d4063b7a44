"""Numbered menus and labelled prompts of the screen-reader interface.

Every prompt says what it expects and how to go back (« 0 pour revenir »). A wrong answer gets
exactly one line saying why (« Saisie refusée : … »), then the same prompt again; the menu
itself is not read again, so nothing is heard twice. Typing 0 raises `GoBack`, which the
area's loop catches to return to its menu; end of input raises `EndOfInput` (console.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from famille_tui.plain.console import Console
from famille_tui.plain.speech import capitalized, count_words, sentence

BACK = "0"
_YES = {"o", "oui", "y", "yes"}
_NO = {"n", "non", "no"}
_ALL = {"tout", "toutes", "tous", "t"}


class GoBack(Exception):
    """The person typed 0: leave the current form or menu."""


def refuse(console: Console, why: str) -> None:
    console.say(sentence(f"Saisie refusée : {why}"))


def choose(
    console: Console,
    title: str | None,
    entries: Sequence[str],
    *,
    back: str = "revenir",
) -> int:
    """Read a numbered menu and return the chosen entry, 1 to len(entries).
    0 raises GoBack. `back` says what 0 does (« revenir », « quitter »).

    A menu is read in full the first time; when a menu with the very same entries comes back
    (back from an action), only its title is read, and « ? » reads the entries
    again — a listener does not hear the main menu in full after every action."""
    if title:
        console.say(sentence(title))
    heard_before = console.remember_menu(entries)
    if not heard_before:
        _read_entries(console, entries)
    count = len(entries)
    # From 10 entries on, shorter: « un nombre de 1 à 18 » made the prompt 79 columns
    # long, and an answer reaching the 80th made readline redraw the line (ESC [ A).
    expected = "tapez 1" if count == 1 else f"un nombre de 1 à {count}" if count < 10 \
        else f"de 1 à {count}"
    prompt = f"Votre choix ({expected}, ? pour entendre les choix, 0 pour {back}) : "
    while True:
        answer = console.ask(prompt).strip()
        if answer == BACK:
            raise GoBack
        if answer == "?":
            _read_entries(console, entries)
            continue
        if not answer:
            refuse(console, "réponse vide")
            continue
        if not answer.isdigit():
            refuse(console, f"« {answer} » n'est pas un nombre")
            continue
        number = int(answer)
        if not 1 <= number <= count:
            refuse(console, f"il n'y a pas de choix {number}")
            continue
        return number


def _read_entries(console: Console, entries: Sequence[str]) -> None:
    for number, entry in enumerate(entries, start=1):
        console.say(sentence(f"{number} : {entry}"))


def ask_text(
    console: Console,
    label: str,
    *,
    hint: str | None = None,
    default: str | None = None,
    required: bool = True,
    clearable: bool = False,
    check: Callable[[str], str] | None = None,
) -> str:
    """A line of text. With `default`, Enter keeps it; without and not `required`, Enter
    leaves the field empty (returns ""). With `clearable`, « - » empties it. `check` gives
    the value to keep or raises ValueError with the French reason."""
    parts = [hint] if hint else []
    if default:
        parts.append(f"Entrée pour garder « {default} »")
    elif not required:
        parts.append("Entrée pour laisser vide")
    if clearable and default:
        parts.append("un tiret pour effacer")
    parts.append("0 pour revenir")
    prompt = f"{label} ({', '.join(parts)}) : "
    while True:
        answer = console.ask(prompt).strip()
        if answer == BACK:
            raise GoBack
        if not answer:
            if default:
                return default
            if not required:
                return ""
            refuse(console, "réponse vide")
            continue
        if clearable and answer == "-":
            return ""
        if check is not None:
            try:
                return check(answer)
            except ValueError as error:
                refuse(console, _reason(error))
                continue
        return answer


def _reason(error: ValueError) -> str:
    # pydantic-style validators raise ValueError("numéro de téléphone invalide (…)").
    return str(error.args[0]) if error.args else "valeur invalide"


def ask_yes_no(console: Console, question: str) -> bool:
    prompt = f"{question} (o pour oui, n pour non, 0 pour revenir) : "
    while True:
        answer = console.ask(prompt).strip().lower()
        if answer == BACK:
            raise GoBack
        if answer in _YES:
            return True
        if answer in _NO:
            return False
        if not answer:
            refuse(console, "réponse vide")
        else:
            refuse(console, f"« {answer} » n'est ni oui ni non")


def ask_secret(
    console: Console,
    label: str,
    *,
    check: Callable[[str], str] | None = None,
) -> str:
    """A password, not echoed. Its value is never repeated in a message."""
    prompt = f"{label} (rien ne s'affiche pendant la frappe, 0 pour revenir) : "
    while True:
        answer = console.ask_secret(prompt)
        if answer == BACK:
            raise GoBack
        if not answer:
            refuse(console, "réponse vide")
            continue
        if check is not None:
            try:
                return check(answer)
            except ValueError as error:
                refuse(console, _reason(error))
                continue
        return answer


_SEPARATORS = re.compile(r"[\s,;]+")
_RANGE = re.compile(r"^(\d+)-(\d+)$")


def ask_selection(console: Console, label: str, count: int, noun: str = "facture") -> list[int]:
    """Several numbers at once: « 1 3 », « 1,3 », « 1-3 » or « tout ». Returns sorted numbers
    from 1 to count, each once."""
    everything = "« tout » pour la seule" if count == 1 else f"« tout » pour les {count}"
    prompt = (
        f"{label} (numéros de 1 à {count} séparés par des espaces, {everything}, "
        "0 pour revenir) : "
    )
    while True:
        answer = console.ask(prompt).strip().lower()
        if answer == BACK:
            raise GoBack
        if not answer:
            refuse(console, "réponse vide")
            continue
        if answer in _ALL:
            return list(range(1, count + 1))
        chosen: set[int] = set()
        problem: str | None = None
        for token in _SEPARATORS.split(answer):
            if not token:
                continue
            span = _RANGE.match(token)
            if span:
                low, high = int(span.group(1)), int(span.group(2))
                numbers = list(range(min(low, high), max(low, high) + 1))
            elif token.isdigit():
                numbers = [int(token)]
            else:
                problem = f"« {token} » n'est pas un numéro"
                break
            outside = [n for n in numbers if not 1 <= n <= count]
            if outside:
                problem = f"il n'y a pas de {noun} {outside[0]}"
                break
            chosen.update(numbers)
        if problem is None and not chosen:
            problem = "aucun numéro"
        if problem is not None:
            refuse(console, problem)
            continue
        return sorted(chosen)


def say_list(
    console: Console, lines: Sequence[str], singular: str, plural: str, none: str
) -> None:
    """A list announced with its count, then one sentence per row (« 3 factures. »)."""
    console.say(sentence(capitalized(count_words(len(lines), singular, plural, none=none))))
    for line in lines:
        console.say(sentence(line))
