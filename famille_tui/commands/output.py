"""The three ways a command prints its answer: a rich table, JSON, or tab-separated lines.

- default: rich tables and sentences for people, amounts as « 1 234,56 € »;
- `--json`: exactly one JSON document on stdout, with the field names of `famille_tui.api`;
- `--plain`: one record per line, fields separated by tabs, no header, no colour, amounts in
  cents; a tab, a newline or a backslash inside a field is written `\\t`, `\\n`, `\\\\`
  (PostgreSQL's text format) so that `cut` and `awk` always see one record per line.

Messages about what is going on (progress, notes) go to stderr, so stdout stays the answer.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any, Literal, TextIO

from rich.console import Console, RenderableType

from famille_tui.api.clock import paris

OutputMode = Literal["table", "json", "plain"]


def plain_cell(value: object) -> str:
    """One field of a `--plain` line."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, Enum):
        text = str(value.value)
    elif isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, list | tuple):
        text = ",".join(plain_cell(item) for item in value)
    else:
        text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")


class Output:
    """Where and how one command run prints."""

    def __init__(
        self, mode: OutputMode, stdout: TextIO | None = None, stderr: TextIO | None = None
    ) -> None:
        self.mode: OutputMode = mode
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self._console: Console | None = None
        self._err_console: Console | None = None

    @property
    def console(self) -> Console:
        """Rich console on stdout (colour only on a terminal, and never with NO_COLOR).

        It reads no markup and no emoji codes in a `str`: what it prints is mostly the
        portal's words (a label `[link=…]` must not become a link, `[/b]` an error); the
        tables' own styles are `Text` made with `client.display.shown`."""
        if self._console is None:
            self._console = Console(file=self.stdout, highlight=False, soft_wrap=False,
                                    markup=False, emoji=False)
        return self._console

    @property
    def err_console(self) -> Console:
        if self._err_console is None:
            self._err_console = Console(file=self.stderr, highlight=False, soft_wrap=True,
                                        markup=False, emoji=False)
        return self._err_console

    def json(self, document: Any) -> None:
        json.dump(document, self.stdout, ensure_ascii=False, indent=2)
        self.stdout.write("\n")
        self.stdout.flush()

    def rows(self, rows: Iterable[Sequence[object]]) -> None:
        for row in rows:
            self.stdout.write("\t".join(plain_cell(cell) for cell in row) + "\n")
        self.stdout.flush()

    def show(self, *renderables: RenderableType) -> None:
        """Tables through rich; a str is a sentence, printed as it is (never wrapped at 80
        columns when stdout is a pipe, so that grep finds it whole)."""
        for renderable in renderables:
            if isinstance(renderable, str):
                print(renderable, file=self.stdout, flush=True)
            else:
                self.console.print(renderable)

    def emit(
        self,
        *,
        json_document: Callable[[], Any],
        rows: Callable[[], Iterable[Sequence[object]]],
        table: Callable[[], Sequence[RenderableType]],
    ) -> None:
        """Print the answer in the chosen mode; only the chosen rendering is built."""
        if self.mode == "json":
            self.json(json_document())
        elif self.mode == "plain":
            self.rows(rows())
        else:
            self.show(*table())

    def note(self, text: str) -> None:
        """A line for the person watching, on stderr (never part of the answer)."""
        print(text, file=self.stderr, flush=True)

    def line(self, text: str) -> None:
        """A plain line of answer on stdout."""
        print(text, file=self.stdout, flush=True)


def fr_date(value: date | None) -> str:
    """« 15/11/2026 » for tables (JSON and --plain keep ISO 8601)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        # Paris time, as the portal's and PayFiP's own texts (issue 19, bug 11).
        return (paris(value) if value.tzinfo else value).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def yes_no(value: bool) -> str:
    return "oui" if value else "non"
