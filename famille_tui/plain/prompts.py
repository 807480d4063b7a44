"""Numbered menus and labelled prompts of the screen-reader interface.

Every question takes, besides its answer:

- « aide » (or « ? », which synthesisers often do not say): what is expected, in words, and
  the menu's choices again;
- « répéter »: what was said just before the question, again;
- 0: go back (`GoBack`), as does ctrl+c; at the top menus ctrl+c only says how to leave;
- ctrl+d: « Quitter ? » (on a desk: nothing, a parent cannot leave).

A prompt says its hint in full the first time it is asked and briefly afterwards, and fits
in 80 columns (what does not fit is said on the lines before it). A wrong answer gets
exactly one line saying what is expected — never the answer itself, which may hold
terminal controls — then the same prompt again; the menu itself is not read again. Menus are
remembered by their key (their title, or what the caller names) and entries: a menu heard
before is read as its title and the entries that changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from famille_tui.api.base import EMPTY_FIELD
from famille_tui.client.display import plain
from famille_tui.plain.console import Console, EndOfInput, IdleTimeout, Interrupted
from famille_tui.plain.speech import capitalized, count_words, sentence

BACK = "0"
HELP = frozenset({"aide", "?", "h", "help", "l'aide"})
REPEAT = frozenset({"répéter", "repeter", "répète", "repete", "r", "redire"})
_YES = frozenset({"o", "oui", "y", "yes"})
_NO = frozenset({"n", "non", "no"})
_ALL = frozenset({"tout", "toutes", "tous", "t"})
#: Columns kept free after a prompt for the answer.
ANSWER_ROOM = 16

HOW = "0 revient en arrière, répéter redit ce qui précède"
DESK_STAYS = "Borne d'accueil : pour partir, terminez votre session par 0 au menu principal."


class GoBack(Exception):
    """The person typed 0 (or ctrl+c): leave the current form or menu."""


def refuse(console: Console, why: str) -> None:
    console.say(sentence(f"Saisie refusée : {why}"))


def _fit(console: Console, prompt: str) -> str:
    """The prompt, or its tail when it does not fit: the question said as a line first, its
    hint in parentheses as the prompt (else the words that fit)."""
    room = console.width - ANSWER_ROOM
    if len(prompt) <= room:
        return prompt
    head, paren, tail = prompt.partition(" (")
    if paren and len(tail) + 1 <= room:
        console.say(head)
        return "(" + tail
    lines = _wrap(prompt.rstrip(), room)
    console.say(*lines[:-1])
    return lines[-1] + " "


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)


def confirm_quit(console: Console) -> bool:
    """ctrl+d: « Quitter ? ». Another ctrl+d is yes (a closed terminal says nothing else)."""
    try:
        answer = console.ask("Quitter famille-tui en se déconnectant ? (o ou n, Entrée : non) : ")
    except EndOfInput:
        return True
    except Interrupted:
        return False
    return answer.strip().lower() in _YES


class _Question:
    """One question: its prompt fitted once, what was heard before it (for « répéter »),
    then `next()` for each answer, with aide, répéter, 0, ctrl+c and ctrl+d handled."""

    def __init__(self, console: Console, prompt: str, *, explain: Callable[[], None],
                 top: bool = False, secret: bool = False) -> None:
        self.console = console
        self.heard = console.take_block()
        self.prompt = _fit(console, prompt)
        self.explain = explain
        self.top = top
        self.secret = secret

    def next(self) -> str:
        console = self.console
        while True:
            try:
                raw = console.ask_secret(self.prompt) if self.secret else console.ask(
                    self.prompt)
            except Interrupted:
                if not self.top:
                    raise GoBack from None
                console.say("Contrôle C : rien à annuler ici ; aide dit comment partir.")
                continue
            except IdleTimeout:
                raise
            except EndOfInput:
                if not console.terminal:
                    raise
                if console.desk:
                    console.say(DESK_STAYS)
                    continue
                if confirm_quit(console):
                    raise
                continue
            if self.secret:
                if raw == BACK:
                    raise GoBack
                return raw
            answer = raw.strip()
            word = answer.lower()
            if word == BACK:
                raise GoBack
            if word in HELP:
                self.explain()
                continue
            if word in REPEAT:
                console.say(*self.heard) if self.heard else console.say("Rien à répéter.")
                continue
            return answer


def choose(
    console: Console,
    title: str | None,
    entries: Sequence[str],
    *,
    back: str | None = "revenir",
    key: object = None,
    top: bool = False,
) -> int:
    """Read a numbered menu and return the chosen entry, 1 to len(entries). 0 raises GoBack;
    `back` says what 0 does (« revenir », « quitter »; None: not said — a desk's welcome,
    where 0 is the staff's). `key` names the menu for the memory of what was heard
    (default: its title); `top`: ctrl+c does not leave it."""
    if title:
        console.say(sentence(title))
    memory = ("menu", key if key is not None else title)
    before = console.heard_menu(memory, entries)
    for number, entry in enumerate(entries, start=1):
        if before is None or number > len(before) or before[number - 1] != entry:
            console.say(sentence(f"{number} : {entry}"))
    count = len(entries)
    span = "Tapez 1" if count == 1 else f"Choix de 1 à {count}"
    zero = f", 0 pour {back}" if back else ""
    prompt = f"{span}{zero}, ou aide : " if console.first_time(memory) else f"{span} : "

    def explain() -> None:
        for number, entry in enumerate(entries, start=1):
            console.say(sentence(f"{number} : {entry}"))
        how = f"0 pour {back} ; répéter redit ce qui précède" if back else (
            "répéter redit ce qui précède")
        console.say(f"Tapez le numéro d'un choix puis Entrée ; {how}.")

    question = _Question(console, prompt, explain=explain, top=top)
    while True:
        answer = question.next()
        if not answer.isdigit():
            refuse(console, "tapez 1" if count == 1 else f"tapez un nombre de 1 à {count}")
            continue
        number = int(answer)
        if not 1 <= number <= count:
            refuse(console, f"il n'y a pas de choix {number}")
            continue
        return number


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
        parts.append(f"Entrée garde {default}")
    elif not required:
        parts.append("Entrée pour laisser vide")
    if clearable and default:
        parts.append("un tiret pour effacer")
    if console.first_time(("text", label)) and parts:
        prompt = f"{label} ({', '.join(parts)}) : "
    elif default:
        prompt = f"{label} (Entrée garde {default}) : "
    else:
        prompt = f"{label} : "

    def explain() -> None:
        what = ", ".join(parts) if parts else "une réponse est nécessaire"
        console.say(sentence(f"{label} : tapez la réponse puis Entrée ; {what}"),
                    sentence(capitalized(HOW)))

    question = _Question(console, prompt, explain=explain)
    while True:
        answer = question.next()
        if not answer:
            if default:
                return default
            if not required:
                return ""
            refuse(console, EMPTY_FIELD)
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
    # pydantic-style validators raise ValueError("numéro de téléphone invalide (…)"); the
    # reason may quote the answer: no terminal control of it reaches the screen.
    return plain(str(error.args[0])) if error.args else "valeur invalide"


def ask_yes_no(console: Console, question: str, *, default: bool = False) -> bool:
    """Oui or non; Entrée gives `default`, which the prompt states."""
    said = "oui" if default else "non"
    if console.first_time("yes-no"):
        prompt = f"{question} (o pour oui, n pour non, Entrée : {said}) : "
    else:
        prompt = f"{question} (o ou n, Entrée : {said}) : "

    def explain() -> None:
        console.say(f"Tapez o pour oui, n pour non, ou Entrée seule pour {said} ; {HOW}.")

    asking = _Question(console, prompt, explain=explain)
    while True:
        answer = asking.next().lower()
        if not answer:
            return default
        if answer in _YES:
            return True
        if answer in _NO:
            return False
        refuse(console, "tapez o pour oui ou n pour non")


def ask_secret(
    console: Console,
    label: str,
    *,
    check: Callable[[str], str] | None = None,
) -> str:
    """A password, not echoed. Its value is never repeated in a message."""
    if console.first_time("secret"):
        prompt = f"{label} (rien ne s'affiche pendant la frappe) : "
    else:
        prompt = f"{label} : "
    question = _Question(console, prompt, explain=lambda: None, secret=True)
    while True:
        answer = question.next()
        if not answer:
            refuse(console, EMPTY_FIELD)
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


def ask_selection(
    console: Console,
    label: str,
    allowed: Sequence[int],
    noun: str = "facture",
    *,
    refusal: Callable[[int], str | None] | None = None,
) -> list[int]:
    """Several numbers at once: « 1 3 », « 1,3 », « 1-3 » or « tout » (every allowed one).
    `allowed`: the numbers that may be chosen; `refusal(n)` says why another one may not.
    Returns sorted numbers, each once."""
    allowed_set = set(allowed)
    listed = _listed(sorted(allowed_set))
    if console.first_time(("selection", label)):
        prompt = f"{label} : {listed}, séparés par des espaces, ou tout : "
    else:
        prompt = f"{label} ({listed}, ou tout) : "

    def explain() -> None:
        console.say(sentence(
            f"{label} : tapez les numéros de la liste, séparés par des espaces ({listed}), "
            f"ou tout pour les {len(allowed_set)} ; {HOW}"))

    question = _Question(console, prompt, explain=explain)
    while True:
        answer = question.next().lower()
        if not answer:
            refuse(console, EMPTY_FIELD)
            continue
        if answer in _ALL:
            return sorted(allowed_set)
        chosen: set[int] = set()
        problem: str | None = None
        for token in _SEPARATORS.split(answer):
            if not token:
                continue
            span = _RANGE.match(token)
            if span:
                low, high = int(span.group(1)), int(span.group(2))
                numbers = [n for n in range(min(low, high), max(low, high) + 1)
                           if n in allowed_set] or [low]
            elif token.isdigit():
                numbers = [int(token)]
            else:
                problem = f"seulement des numéros, {listed}"
                break
            outside = [n for n in numbers if n not in allowed_set]
            if outside:
                why = refusal(outside[0]) if refusal is not None else None
                problem = why or f"il n'y a pas de {noun} {outside[0]} à choisir"
                break
            chosen.update(numbers)
        if problem is None and not chosen:
            problem = "aucun numéro"
        if problem is not None:
            refuse(console, problem)
            continue
        return sorted(chosen)


def _listed(numbers: Sequence[int]) -> str:
    """« 1 », « 1 et 3 », « 1, 2 et 3 », « de 1 à 5 » for a run."""
    if len(numbers) > 2 and numbers[-1] - numbers[0] == len(numbers) - 1:
        return f"de {numbers[0]} à {numbers[-1]}"
    words = [str(n) for n in numbers]
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " et " + words[-1]


def say_list(
    console: Console, lines: Sequence[str], singular: str, plural: str, none: str
) -> None:
    """A list announced with its count, then one sentence per row (« 3 factures. »)."""
    console.say(sentence(capitalized(count_words(len(lines), singular, plural, none=none))))
    for line in lines:
        console.say(sentence(line))
