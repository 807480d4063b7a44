"""The line-by-line terminal of the screen-reader interface: one line out, one line in.

Output is written once, in order, on one stream (errors included), wrapped at word boundaries
to the terminal's width (a console screen reader reads by screen line: a word cut by the
terminal's own wrap is read as two), with nothing a screen reader would read as noise: no
cursor movement, no colour. The one exception is a shared desk, whose terminal is cleared,
scrollback included, when a family's session ends (`clear`).

Input on a real terminal is GNU readline's (arrows, Home/End, ctrl+w… as in any shell; its
bracketed-paste and meta sequences turned off; its history only where the policy keeps one);
passwords are read key by key with nothing echoed. While the program is not reading, the
terminal does not echo either: what is typed during a wait is dropped and said so
(`discard_typeahead`), never shown in the middle of other lines nor taken as the next answer.

On a terminal, `signals()` makes the keyboard's and the system's signals events of the
program instead of exceptions at random places:

- ctrl+c (SIGINT) at a prompt raises `Interrupted` there (the prompts go back one level);
  during a portal call it cancels the call (`on_interrupt`); anywhere else it is ignored. A
  held ctrl+c is one press: interrupts closer than `INTERRUPT_REPEAT` seconds are dropped.
- SIGTERM and SIGHUP raise `Terminated` once (the run logs out and exits non-zero).
- the idle watch of a shared desk: `idle_seconds` without a key (typing counts, read from
  readline's line buffer every `TICK` seconds) → a warning line and `warning_seconds` to
  press Entrée (WCAG 2.2.1), then `IdleTimeout`; what was typed before it is typed again.

Both streams can be injected (`Console(stdin=..., stdout=...)`) so that the whole interface
runs in-process in tests, reading scripted answers (no terminal: none of the above).
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import select
import shutil
import signal
import sys
import textwrap
import time
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import Any, TextIO

#: Seconds between two ticks of the clock while a prompt waits: the idle watch's look, and
#: when a signal that came while readline wrote is heard (`_restarting`).
TICK = 0.1
#: Two ctrl+c closer than this are one press: a held key repeats every 30–40 ms (after a
#: first delay of 250–660 ms), so a held ctrl+c is at most two presses.
INTERRUPT_REPEAT = 0.25
#: What ends a desk's session on its terminal: cursor home, erase the screen, erase the
#: scrollback (xterm's E3, honoured by VTE, tmux, the Linux console and pyte).
CLEAR = "\x1b[H\x1b[2J\x1b[3J"
IGNORED = "Saisie ignorée pendant l'attente."


class EndOfInput(Exception):
    """The input ended: ctrl+d at a prompt, or the stream was closed."""


class IdleTimeout(EndOfInput):
    """Kiosk: nobody answered the idle warning; the family's session must end."""


class Interrupted(Exception):
    """ctrl+c: the question (or the call) is given up; the prompts go back one level."""


class Terminated(BaseException):
    """SIGTERM or SIGHUP: the run ends now (logging out first)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _Idle(Exception):
    def __init__(self, typed: str) -> None:
        super().__init__()
        self.typed = typed


def _quiet_readline() -> Any:
    """GNU readline for `input()`, without the escape sequences it sends by default (the
    bracketed-paste switch at every prompt, the meta-key sequence: a screen reader may
    announce them), without a bell, and with Tab a plain key (no file names completed)."""
    try:
        import readline
    except ImportError:  # no readline (some builds): the terminal's own line editing remains
        return None
    for setting in ("set enable-bracketed-paste off", "set enable-meta-key off",
                    "set bell-style none", "set horizontal-scroll-mode off",
                    "tab: tab-insert"):
        readline.parse_and_bind(setting)
    readline.set_completer(None)
    return readline


#: What a line is never cut inside: an amount (« 312 euros 40 »), a date (« 15 novembre
#: 2026 »), an hour, digits read in groups (« 06 12 34 56 78 »).
_GLUED = re.compile(
    r"\d+ (?:euros?|centimes?)(?: \d\d)?\b"
    r"|\b(?:1er|\d{1,2}) (?:janvier|février|mars|avril|mai|juin|juillet|août|septembre"
    r"|octobre|novembre|décembre)(?: \d{4})?"
    r"|\b\d{1,2} heures?(?: \d\d)?\b"
    r"|\b\d\d(?: \d\d)+\b"
)
_GLUE = "\u2060"  # a stand-in for the spaces of a glued group while the line is cut


def _buffer_c_stdout() -> None:
    """Readline writes through C's `stdout`, which PYTHONUNBUFFERED (or `-u`) leaves
    unbuffered: the prompt then goes out one byte at a time, and a console screen reader
    sees its first byte alone, takes it for the echo of a key and does not say it (fenrir
    read « hoix de 1 à 5 »). Buffered, readline's own flush sends each redisplay whole.
    Python itself never writes through C's stdout, so this is allowed before readline's
    first prompt. (glibc keeps an unbuffered stream's one-byte buffer unless it is given
    one: hence a buffer of our own, kept for the whole run.)"""
    global _C_STDOUT_BUFFER
    if _C_STDOUT_BUFFER is not None:
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        stream = ctypes.c_void_p.in_dll(libc, "stdout")
        libc.setvbuf.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                 ctypes.c_size_t]
        buffer = ctypes.create_string_buffer(8192)
        if libc.setvbuf(stream.value, buffer, 0, len(buffer)) == 0:  # 0: _IOFBF
            _C_STDOUT_BUFFER = buffer
    except (OSError, ValueError, AttributeError):
        pass


_C_STDOUT_BUFFER: Any = None


def wrapped(line: str, width: int) -> list[str]:
    """A line cut at spaces into lines of at most `width` columns: never inside a word nor
    at a hyphen (« Chambon-Feugerolles », « e-mail » stay whole), nor inside an amount, a
    date or a number read in groups."""
    if len(line) <= width:
        return [line]
    glued = _GLUED.sub(lambda m: m.group(0).replace(" ", _GLUE), line)
    # French quotes stay with the word they open or close (never « alone at a line's end).
    glued = glued.replace("« ", "«" + _GLUE).replace(" »", _GLUE + "»")
    lines = textwrap.wrap(glued, width, break_long_words=False, break_on_hyphens=False)
    return [part.replace(_GLUE, " ") for part in lines] or [""]


#: The signals restarted while readline runs (`_restarting`).
_READLINE_SIGNALS = (signal.SIGINT, signal.SIGALRM, signal.SIGTERM)


@contextlib.contextmanager
def _restarting(signals: Sequence[int]) -> Iterator[None]:
    """SA_RESTART for `signals` while readline runs. A terminal's write fails with EINTR,
    writing nothing, while a signal is pending (a held ctrl+c), and C's stdio then drops
    its buffer: readline's prompt was lost and the person faced a silent line. Restarted,
    the write goes through. Readline still hears each signal that comes while it waits, as
    select() is never restarted; one that came during a write is heard at the clock's next
    tick (`TICK`), not after the next Entrée. (Only around `input()`: the password
    reader's os.read must be broken by ctrl+c, which a restarted read would hide.)"""
    for number in signals:
        signal.siginterrupt(number, False)
    try:
        yield
    finally:
        for number in signals:
            signal.siginterrupt(number, True)


class Console:
    """Reads and writes lines. `history=False` (the policy's `keeps_history`, False on a
    shared machine) keeps no readline history: the previous parent's answers must not come
    back with the up arrow."""

    def __init__(
        self,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        *,
        secret_reader: Any = None,
        history: bool = True,
        width: int | None = None,
    ) -> None:
        self.stdin = stdin if stdin is not None else sys.stdin
        self.stdout = stdout if stdout is not None else sys.stdout
        # `input()` and the key-by-key secret reader only make sense on the process's own
        # terminal; with injected streams every answer, passwords included, is a line.
        self.terminal = (
            stdin is None and stdout is None and sys.stdin.isatty() and sys.stdout.isatty()
        )
        self.history = history
        if self.terminal:
            _buffer_c_stdout()
        self._readline = _quiet_readline() if self.terminal else None
        if self._readline is not None and not history:
            self._readline.set_auto_history(False)
        self._secret_reader = secret_reader
        if width is None:
            width = shutil.get_terminal_size((80, 24)).columns if self.terminal else 80
        #: Columns of a line (the terminal's, at least 20).
        self.width = max(20, width)
        #: A shared desk: nothing may leave the program but the staff code (set by the app).
        self.desk = False
        #: Seconds without a key before the warning (None: no idle watch).
        self.idle_seconds: float | None = None
        #: Seconds the warning gives to press Enter (at least 20: WCAG 2.2.1).
        self.warning_seconds: float = 30
        #: Called by ctrl+c while a portal call runs (set by the session around each call).
        self.on_interrupt: Any = None
        #: A wait happened since the last answer (a long call, a payment): type-ahead then
        #: is dropped before the next prompt.
        self.waited = False
        self.terminated: int | None = None
        self._gone = False
        self._reading = False
        self._in_handler = False
        #: What a handler raised into the current question (None: nothing yet), and whether
        #: `input()` runs (see `_raised_again`).
        self._delivered: BaseException | None = None
        self._in_input = False
        #: A ctrl+d read together with a ctrl+c: the next question ends at once (see
        #: `_ask_terminal`).
        self._end_pending = False
        self._terminations: dict[int, Terminated] = {number: Terminated(number)
                              for number in (signal.SIGTERM, signal.SIGHUP)}
        self._last_interrupt = -INTERRUPT_REPEAT
        self._limit: float | None = None
        self._activity = 0.0
        self._seen = ""
        self._secret_typed = ""
        self._watching_typing = True
        self._block: list[str] = []
        self._menus: dict[object, tuple[str, ...]] = {}
        self._hints: set[object] = set()
        self._saved_termios: list[Any] | None = None

    # -- what has been heard ------------------------------------------------------------

    def heard_menu(self, key: object, entries: Sequence[str]) -> tuple[str, ...] | None:
        """The entries of the menu `key` when it was last read (None: never), and now
        these."""
        before = self._menus.get(key)
        self._menus[key] = tuple(entries)
        return before

    def first_time(self, key: object) -> bool:
        """Whether the hint of this prompt has not been said in full yet (and now it has)."""
        if key in self._hints:
            return False
        self._hints.add(key)
        return True

    def forget_menus(self) -> None:
        """A new person (kiosk, after a logout): every menu and hint in full again."""
        self._menus.clear()
        self._hints.clear()

    def take_block(self) -> list[str]:
        """The lines said since the last answer (what « répéter » says again)."""
        block, self._block = self._block, []
        return block

    # -- output --------------------------------------------------------------------------

    def say(self, *lines: str) -> None:
        """Write each line once, wrapped to the width, and flush (a screen reader reads what
        has arrived, so nothing may wait in a buffer)."""
        out: list[str] = []
        for line in lines:
            out.extend(wrapped(line, self.width))
        self._block.extend(out)
        self._write("".join(line + "\n" for line in out))

    def _write(self, text: str) -> None:
        if self._gone:
            return
        try:
            self.stdout.write(text)
            self.stdout.flush()
        except OSError:  # the terminal hung up: nothing can be said any more
            self._gone = True

    def clear(self) -> None:
        """Erase the screen and its scrollback (the end of a family's session at a desk)."""
        if self.terminal:
            self._write(CLEAR)

    # -- input ---------------------------------------------------------------------------

    def ask(self, prompt: str) -> str:
        """One line typed by the person, without its newline. Raises EndOfInput on ctrl+d
        or a closed stream, Interrupted on ctrl+c, IdleTimeout after the idle warning."""
        if not self.terminal:
            return self._ask_stream(prompt)
        return self._ask_terminal(prompt, secret=False)

    def ask_secret(self, prompt: str) -> str:
        """A password: nothing echoed, never in the readline history."""
        if self._secret_reader is not None:
            return str(self._secret_reader(prompt))
        if not self.terminal:
            return self._ask_stream(prompt)
        return self._ask_terminal(prompt, secret=True)

    def _ask_stream(self, prompt: str) -> str:
        self._write(prompt)
        line = self.stdin.readline()
        # Without a terminal nothing echoes the answer's newline: write it, so that the next
        # line of output starts on a line of its own.
        self._write("\n")
        self._block = []
        if line == "":
            raise EndOfInput
        return line.rstrip("\r\n")

    def _ask_terminal(self, prompt: str, *, secret: bool) -> str:
        if self.waited:
            self.waited = False
            if self.discard_typeahead():
                self.say(IGNORED)
        typed = ""
        if self._end_pending:
            self._end_pending = False
            self._write(prompt + "\n")
            raise EndOfInput
        while True:
            try:
                answer = self._read(prompt, secret=secret, typed=typed, limit=self.idle_seconds)
            except _Idle as idle:
                typed = "" if secret else idle.typed
                self._write("\n")
                self.idle_warning()
                continue
            except Interrupted as interrupted:
                # A ctrl+c and a ctrl+d that came together: readline read the ctrl+d, then the
                # ctrl+c was heard while its end of input was raised. The ctrl+c goes back one
                # level; the ctrl+d is the next question's answer, not lost.
                self._end_pending = isinstance(interrupted.__context__, EOFError)
                raise
            self._block = []
            return answer

    def idle_warning(self) -> None:
        """The idle warning: Entrée within `warning_seconds` keeps the session, else
        IdleTimeout. (`ask` says it by itself; a wait calls it at the idle time.)"""
        if not self.terminal:
            return
        if self.discard_typeahead():
            self.say(IGNORED)
        seconds = round(self.warning_seconds)
        self.say(f"Inactivité : la session sera fermée dans {seconds} secondes.")
        try:
            self._read("Appuyez sur Entrée pour continuer : ", secret=False, typed="",
                       limit=self.warning_seconds, watch_typing=False)
        except _Idle:
            self._write("\n")
            self.say("Session fermée après inactivité.")
            raise IdleTimeout from None
        self.say("Session prolongée.")

    def _read(self, prompt: str, *, secret: bool, typed: str, limit: float | None,
              watch_typing: bool = True) -> str:
        self._limit = limit
        self._activity = time.monotonic()
        self._seen = typed
        self._secret_typed = ""
        self._watching_typing = watch_typing
        readline = self._readline
        if readline is not None and typed:
            def refill() -> None:
                readline.insert_text(typed)
                readline.redisplay()

            readline.set_pre_input_hook(refill)
        # The clock ticks at every question (not only for the idle watch): see `_restarting`.
        ticking = signal.getsignal(signal.SIGALRM) == self._on_tick
        if ticking:
            signal.setitimer(signal.ITIMER_REAL, TICK, TICK)
        self._delivered = None
        self._reading = True
        try:
            if secret:
                return self._read_secret(prompt)
            if readline is not None:
                # Readline echoes what is typed only if the terminal would (it reads the
                # ECHO flag), and echo is off between questions.
                with self._echo(True), _restarting(_READLINE_SIGNALS):
                    self._in_input = True
                    try:
                        return input(prompt)
                    finally:
                        self._in_input = False
            return self._read_cooked(prompt)
        except EOFError:
            self._reading = False
            self._write("\n")
            raise EndOfInput from None
        except Interrupted:
            self._write("\n")
            raise
        finally:
            self._reading = False
            if ticking:
                signal.setitimer(signal.ITIMER_REAL, 0)
            if readline is not None and typed:
                readline.set_pre_input_hook(None)

    def _read_cooked(self, prompt: str) -> str:
        """No readline: the terminal's own line editing, echo on for the line."""
        self._write(prompt)
        with self._echo(True):
            line = self.stdin.readline()
        if line == "":
            raise EOFError
        return line.rstrip("\r\n")

    def _read_secret(self, prompt: str) -> str:
        """Key by key, nothing echoed: Entrée ends, backspace and ctrl+u erase, ctrl+d on
        an empty answer is the end of input, escape sequences (arrows…) are dropped."""
        import termios

        self._write(prompt)
        fd = self.stdin.fileno()
        old = termios.tcgetattr(fd)
        new = termios.tcgetattr(fd)
        new[3] &= ~(termios.ICANON | termios.ECHO)
        new[6][termios.VMIN] = 1
        new[6][termios.VTIME] = 0
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        chars: list[str] = []
        escape = ""
        termios.tcsetattr(fd, termios.TCSANOW, new)
        try:
            while True:
                data = os.read(fd, 64)
                if not data:
                    raise EOFError
                self._activity = time.monotonic()
                for char in decoder.decode(data):
                    if escape:
                        escape += char
                        # ESC [ … final byte, ESC O x, or ESC x: one key, not text.
                        if (len(escape) == 2 and char not in "[O") or (
                                len(escape) > 2 and "@" <= char <= "~"):
                            escape = ""
                        continue
                    if char == "\x1b":
                        escape = char
                    elif char in "\r\n":
                        self._write("\n")
                        return "".join(chars)
                    elif char in "\x7f\x08":
                        if chars:
                            chars.pop()
                    elif char == "\x15":  # ctrl+u
                        chars.clear()
                    elif char == "\x04":
                        if not chars:
                            raise EOFError
                    elif char >= " ":
                        chars.append(char)
                self._secret_typed = "*" * len(chars)
        finally:
            with contextlib.suppress(termios.error):
                termios.tcsetattr(fd, termios.TCSANOW, old)

    def typed_so_far(self) -> str:
        if self._secret_typed:
            return self._secret_typed
        if self._readline is not None:
            return str(self._readline.get_line_buffer())
        return ""

    def discard_typeahead(self) -> bool:
        """Drop what was typed while nothing was asked; whether there was anything."""
        if not self.terminal:
            return False
        import termios

        try:
            ready, _, _ = select.select([self.stdin], [], [], 0)
            termios.tcflush(self.stdin.fileno(), termios.TCIFLUSH)
        except (OSError, ValueError, termios.error):
            return False
        return bool(ready)

    def forget_history(self) -> None:
        """Drop every answer typed so far from the readline history (end of a kiosk session)."""
        if self._readline is not None:
            self._readline.clear_history()

    # -- the terminal and its signals ----------------------------------------------------

    @contextlib.contextmanager
    def signals(self) -> Iterator[None]:
        """On a terminal: ctrl+c, SIGTERM, SIGHUP and the idle clock as described at the top
        of this module, and no echo while nothing is asked; everything restored on exit."""
        if not self.terminal:
            yield
            return
        import termios

        handlers = {
            signal.SIGINT: self._on_interrupt,
            signal.SIGTERM: self._on_terminate,
            signal.SIGHUP: self._on_terminate,
            signal.SIGALRM: self._on_tick,
        }
        previous = {number: signal.signal(number, handler)
                    for number, handler in handlers.items()}
        fd = self.stdin.fileno()
        try:
            self._saved_termios = termios.tcgetattr(fd)
            quiet = termios.tcgetattr(fd)
            quiet[3] &= ~termios.ECHO
            termios.tcsetattr(fd, termios.TCSANOW, quiet)
        except termios.error:
            self._saved_termios = None
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self.restore_terminal()
            for number, handler in previous.items():
                with contextlib.suppress(ValueError, TypeError):
                    signal.signal(number, handler)

    def restore_terminal(self) -> None:
        """The terminal's settings as they were before `signals()`."""
        if self._saved_termios is None:
            return
        import termios

        with contextlib.suppress(termios.error, OSError):
            termios.tcsetattr(self.stdin.fileno(), termios.TCSANOW, self._saved_termios)

    @contextlib.contextmanager
    def _echo(self, on: bool) -> Iterator[None]:
        import termios

        fd = self.stdin.fileno()
        try:
            old = termios.tcgetattr(fd)
        except termios.error:
            yield
            return
        new = termios.tcgetattr(fd)
        new[3] = new[3] | termios.ECHO if on else new[3] & ~termios.ECHO
        termios.tcsetattr(fd, termios.TCSANOW, new)
        try:
            yield
        finally:
            with contextlib.suppress(termios.error):
                termios.tcsetattr(fd, termios.TCSANOW, old)

    def _raised_again(self) -> None:
        """Once a handler raised inside `input()`, `input()` looks at pending signals once
        more with that exception set: a handler then may neither return (a SystemError)
        nor call anything (not even an exception class): it raises the same exception
        again. Outside `input()` a later signal is only dropped until the next question."""
        if self._delivered is not None and self._in_input:
            raise self._delivered

    def _deliver(self, error: BaseException) -> None:
        self._reading = False  # before raising: a second signal now only records
        self._delivered = error
        raise error

    def _on_interrupt(self, signum: int, frame: FrameType | None) -> None:
        # A held ctrl+c sends signals faster than this runs: one arriving inside it must not
        # raise in the middle of it.
        self._raised_again()
        if self._in_handler or self._delivered is not None:
            return
        self._in_handler = True
        try:
            now = time.monotonic()
            repeat = now - self._last_interrupt < INTERRUPT_REPEAT
            self._last_interrupt = now
            if repeat:
                return
            if self._reading:
                self._deliver(Interrupted())
            cancel, self.on_interrupt = self.on_interrupt, None
            if cancel is not None:
                cancel()
        finally:
            self._in_handler = False

    def _on_terminate(self, signum: int, frame: FrameType | None) -> None:
        self._raised_again()
        if self.terminated is not None:
            return  # already ending: let the logout finish
        # Even after SIGHUP the terminal is written to: a supervisor may send it to a desk
        # whose screen is still there (and must be cleared); a terminal really gone fails
        # the write, which `_write` takes as the end of output.
        self.terminated = signum
        self._deliver(self._terminations[signum])

    def _on_tick(self, signum: int, frame: FrameType | None) -> None:
        self._raised_again()
        if self._delivered is not None or not self._reading or self._limit is None:
            return
        now = time.monotonic()
        typed = self.typed_so_far()
        if self._watching_typing and typed != self._seen:
            self._seen = typed
            self._activity = now
            return
        if now - self._activity >= self._limit:
            self._deliver(_Idle("" if self._secret_typed else typed))
