"""The line-by-line terminal of the screen-reader interface: one line out, one line in.

Output is written once, in order, on one stream (errors included), with nothing a screen
reader would read as noise: no cursor movement, no clearing, no colour. Input comes from
`input()` on a real terminal, so that the terminal's line editing and GNU readline (arrows,
history, ctrl+w…) work as in any shell; passwords come from `getpass`, which does not echo.

Both streams can be injected (`Console(stdin=..., stdout=...)`) so that the whole interface
runs in-process in tests, reading scripted answers.
"""

from __future__ import annotations

import getpass
import select
import sys
from collections.abc import Callable, Sequence
from typing import TextIO


class EndOfInput(Exception):
    """The person ended the input (ctrl+d, ctrl+c at a prompt, or the stream was closed)."""


class IdleTimeout(EndOfInput):
    """Kiosk: nobody answered the idle warning; the family's session must end."""


def _quiet_readline() -> bool:
    """Turn GNU readline on for `input()`, without the escape sequences it sends by default.

    Readline 8.1+ switches the terminal into bracketed-paste mode (ESC [ ? 2004 h) at every
    prompt, and older versions send the meta-key sequence (ESC [ ? 1034 h): a screen reader
    may announce them, and the screen-reader mode promises no control sequences at all.
    """
    try:
        import readline
    except ImportError:  # no readline (some builds): the terminal's own line editing remains
        return False
    readline.parse_and_bind("set enable-bracketed-paste off")
    readline.parse_and_bind("set enable-meta-key off")
    # No bell sequence either: a screen reader reads nothing for it, but some terminals flash.
    readline.parse_and_bind("set bell-style none")
    return True


class Console:
    """Reads and writes lines. `history=False` (the policy's `keeps_history`, False on a
    shared machine) turns off the readline history: the previous parent's answers must not
    come back with the up arrow."""

    def __init__(
        self,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        *,
        secret_reader: Callable[[str], str] | None = None,
        history: bool = True,
    ) -> None:
        self.stdin = stdin if stdin is not None else sys.stdin
        self.stdout = stdout if stdout is not None else sys.stdout
        # `input()` and `getpass` only make sense on the process's own terminal; with injected
        # streams every answer, passwords included, is a line of `stdin`.
        self.terminal = (
            stdin is None and stdout is None and sys.stdin.isatty() and sys.stdout.isatty()
        )
        self.history = history
        # No line history: answers are read without readline (the terminal's own line
        # editing remains: backspace, ctrl+u), with the idle watch of a shared machine.
        self._readline = _quiet_readline() if self.terminal and history else False
        self._secret_reader = secret_reader
        #: Kiosk, while a family is logged in: seconds without an answer before the warning
        #: (None: wait for ever, as everywhere outside kiosk mode).
        self.idle_seconds: float | None = None
        #: Seconds the warning gives to press Enter (at least 20: WCAG 2.2.1).
        self.warning_seconds: float = 30
        # Menus already read in full, so that coming back to one reads only its title.
        # (The title is not part of the key: the main menu's title carries the amount due,
        # which changes after a payment while its choices stay the same.)
        self._menus_heard: set[tuple[str, ...]] = set()

    def remember_menu(self, entries: Sequence[str]) -> bool:
        """Whether a menu with these very entries was already read in full; remembers it."""
        key = tuple(entries)
        heard = key in self._menus_heard
        self._menus_heard.add(key)
        return heard

    def forget_menus(self) -> None:
        """A new person (kiosk, after a logout): every menu is read in full again."""
        self._menus_heard.clear()

    # -- output --------------------------------------------------------------------------

    def say(self, *lines: str) -> None:
        """Write each line once, followed by a newline, and flush (a screen reader reads what
        has arrived, so nothing may wait in a buffer)."""
        for line in lines:
            self.stdout.write(line + "\n")
        self.stdout.flush()

    # -- input ---------------------------------------------------------------------------

    def ask(self, prompt: str) -> str:
        """One line typed by the person, without its newline. Raises EndOfInput on ctrl+d or
        ctrl+c, which every caller treats as « leave cleanly »."""
        if self.terminal and not self.history:
            return self._ask_timed(prompt)
        if self.terminal:
            try:
                answer = input(prompt)
            except (EOFError, KeyboardInterrupt):
                # The terminal left the cursor after the prompt: end that line first.
                self.say("")
                raise EndOfInput from None
            return answer
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        # Without a terminal nothing echoes the answer's newline: write it, so that the next
        # line of output starts on a line of its own.
        self.stdout.write("\n")
        self.stdout.flush()
        if line == "":
            raise EndOfInput
        return line.rstrip("\r\n")

    def ask_secret(self, prompt: str) -> str:
        """A password: not echoed on a terminal, never kept in the readline history."""
        if self._secret_reader is not None:
            return self._secret_reader(prompt)
        if self.terminal:
            try:
                return getpass.getpass(prompt)
            except (EOFError, KeyboardInterrupt):
                self.say("")
                raise EndOfInput from None
        return self.ask(prompt)

    def _wait_for_line(self, timeout: float | None) -> bool:
        """Whether a line (or the end of input) arrived within `timeout` seconds."""
        try:
            ready, _, _ = select.select([self.stdin], [], [], timeout)
        except KeyboardInterrupt:
            self.say("")
            raise EndOfInput from None
        return bool(ready)

    def _ask_timed(self, prompt: str) -> str:
        """Kiosk: a prompt with the idle warning as one line, « Entrée » to continue."""
        self.stdout.write(prompt)
        self.stdout.flush()
        while not self._wait_for_line(self.idle_seconds):
            seconds = round(self.warning_seconds)
            self.say(
                "",
                f"Inactivité : la session sera fermée dans {seconds} secondes. "
                "Appuyez sur Entrée pour continuer.",
            )
            if not self._wait_for_line(self.warning_seconds):
                self.say("Session fermée après inactivité.")
                raise IdleTimeout
            if self.stdin.readline() == "":
                raise EndOfInput
            self.say("Session prolongée.")
            self.stdout.write(prompt)
            self.stdout.flush()
        try:
            line = self.stdin.readline()
        except KeyboardInterrupt:
            self.say("")
            raise EndOfInput from None
        if line == "":
            self.say("")
            raise EndOfInput
        return line.rstrip("\r\n")

    def forget_history(self) -> None:
        """Drop every answer typed so far from the readline history (end of a kiosk session)."""
        if self._readline:
            import readline

            readline.clear_history()
