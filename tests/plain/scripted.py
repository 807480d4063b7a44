"""Scripted answers for running the screen-reader interface in-process.

`ScriptedInput` is the `stdin` of a `Console` whose `stdout` is a StringIO: each time the
interface reads a line, it looks at what was printed (the menu, the prompt) to give the next
answer. `Pick("Famille")` answers with the number last heard for the menu line
« N : Famille… » (a listener remembers a menu heard once; it asks « aide » when it never
heard the entry), so a script does not depend on the order of the entries. With
`sabotage=True`, every prompt first gets wrong answers fit for its kind (empty, letters,
out of range), and the check that each one was answered with one « Saisie refusée » line
and the same prompt is recorded in `problems`.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pick:
    """Answer a menu with the number of its entry starting with `label`."""

    label: str
    #: Answer when no entry matches (e.g. every message already read in an earlier run).
    fallback: str | None = None
    #: Set once « aide » was typed to hear a menu already heard.
    asked: bool = False


@dataclass
class ScriptedInput(io.TextIOBase):
    out: io.StringIO
    answers: list[str | Pick | Callable[[str], str]]
    sabotage: bool = False
    prompts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    refused: int = 0
    _mark: int = 0
    _pending_bad: list[str] = field(default_factory=list)
    _bad_prompt: str | None = None
    _bad_mark: int = 0
    _menu_mark: int = 0

    def readable(self) -> bool:
        return True

    def _current_prompt(self) -> str:
        text = self.out.getvalue()
        return text[text.rfind("\n") + 1 :]

    def _bad_answers(self, prompt: str) -> list[str]:
        if prompt.startswith(("Choix de 1", "Tapez 1")):
            return ["", "abc", "99"]
        if "o pour oui" in prompt or "o ou n" in prompt:
            return ["peut-être"]
        if "ou tout" in prompt:
            return ["", "x", "99"]
        if "rien ne s'affiche" in prompt:
            return [""]
        if "Entrée" not in prompt:
            return [""]  # a required field
        return []

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        prompt = self._current_prompt()
        self.prompts.append(prompt)
        if len(prompt) > 80:
            self.problems.append(f"prompt wider than 80 columns: {prompt!r}")
        if self._bad_prompt is not None:
            said = self.out.getvalue()[self._bad_mark :]
            lines = said.split("\n")
            # "\n" closing the answered prompt, one reason line, then the same prompt.
            if not (len(lines) == 3 and lines[0] == "" and lines[1].startswith(
                    "Saisie refusée : ") and lines[2] == self._bad_prompt):
                self.problems.append(f"after a wrong answer to {self._bad_prompt!r}: {said!r}")
            else:
                self.refused += 1
            self._bad_prompt = None
        if self.sabotage:
            if not self._pending_bad and prompt not in self._sabotaged_once:
                self._pending_bad = self._bad_answers(prompt)
                self._sabotaged_once.add(prompt)
            if self._pending_bad:
                bad = self._pending_bad.pop(0)
                self._bad_prompt = prompt
                self._bad_mark = len(self.out.getvalue())
                return bad + "\n"
        if not self.answers:
            return ""  # end of input
        answer = self.answers.pop(0)
        shown = self.out.getvalue()[self._mark :]
        self._mark = len(self.out.getvalue())
        if isinstance(answer, Pick):
            heard = self.out.getvalue()[self._menu_mark:] if answer.asked else (
                self.out.getvalue())
            found = re.findall(
                rf"^(\d+) : {re.escape(answer.label)}", heard, flags=re.MULTILINE
            )
            if not found and not answer.asked:
                # Never heard (or not since this menu changed): ask for its entries, as a
                # listener would.
                self.answers.insert(0, dataclasses.replace(answer, asked=True))
                self._menu_mark = len(self.out.getvalue())
                return "aide\n"
            if not found and answer.fallback is not None:
                return answer.fallback + "\n"
            if not found:
                raise AssertionError(f"no menu entry {answer.label!r} in:\n{shown}")
            return found[-1] + "\n"
        if callable(answer):
            return answer(shown) + "\n"
        return answer + "\n"

    def __post_init__(self) -> None:
        self._sabotaged_once: set[str] = set()
