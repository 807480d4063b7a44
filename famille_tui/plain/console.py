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
import sys
from collections.abc import Callable
from typing import TextIO


class EndOfInput(Exception):
    """The person ended the input (ctrl+d, ctrl+c at a prompt, or the stream was closed)."""


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
    """Reads and writes lines. `kiosk` turns off the readline history (a shared machine must
    not offer the previous parent's answers with the up arrow)."""

    def __init__(
        self,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        *,
        secret_reader: Callable[[str], str] | None = None,
        kiosk: bool = False,
    ) -> None:
        self.stdin = stdin if stdin is not None else sys.stdin
        self.stdout = stdout if stdout is not None else sys.stdout
        # `input()` and `getpass` only make sense on the process's own terminal; with injected
        # streams every answer, passwords included, is a line of `stdin`.
        self.terminal = (
            stdin is None and stdout is None and sys.stdin.isatty() and sys.stdout.isatty()
        )
        self.kiosk = kiosk
        self._readline = _quiet_readline() if self.terminal else False
        self._secret_reader = secret_reader

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
        if self.terminal:
            try:
                answer = input(prompt)
            except (EOFError, KeyboardInterrupt):
                # The terminal left the cursor after the prompt: end that line first.
                self.say("")
                raise EndOfInput from None
            if self._readline and self.kiosk:
                self._forget_last_answer()
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

    def _forget_last_answer(self) -> None:
        import readline

        length = readline.get_current_history_length()
        if length:
            readline.remove_history_item(length - 1)

    def forget_history(self) -> None:
        """Drop every answer typed so far from the readline history (end of a kiosk session)."""
        if self._readline:
            import readline

            readline.clear_history()
