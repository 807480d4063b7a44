"""Kiosk mode in the screen-reader interface: only the staff code leaves the program.

The rest of kiosk mode lives where it acts: no keyring (app.py gives no CredentialStore),
a memory-only payment journal handed over at the end of each session (paying.hand_over),
no readline history and the idle warning as a line (console.py).
"""

from __future__ import annotations

import signal
import time

from famille_tui.client.kiosk import verify_staff_code
from famille_tui.plain.prompts import GoBack, ask_secret
from famille_tui.plain.session import Session

#: Wrong codes allowed before a pause, and the first pause (doubled at each further failure).
FREE_TRIES = 3
FIRST_PAUSE_SECONDS = 30


class StaffGate:
    """Checks the staff code, with a growing pause after repeated wrong codes."""

    def __init__(self, clock: object = time.monotonic) -> None:
        self._clock = clock
        self.failures = 0
        self.locked_until = 0.0

    def _now(self) -> float:
        return float(self._clock())  # type: ignore[operator]

    def open(self, session: Session) -> bool:
        """True when the right staff code was typed (the program may then quit)."""
        stored = session.options.settings.kiosk_staff_code_hash
        if not stored:
            session.say(
                "Aucun code du personnel n'est configuré : cette borne ne peut pas être "
                "quittée d'ici."
            )
            return False
        wait = self.locked_until - self._now()
        if wait > 0:
            session.say(f"Trop d'essais : réessayez dans {int(wait) + 1} secondes.")
            return False
        try:
            code = ask_secret(session.console, "Code du personnel")
        except GoBack:
            return False
        if verify_staff_code(code, stored):
            self.failures = 0
            return True
        self.failures += 1
        session.say("Code refusé.")
        if self.failures >= FREE_TRIES:
            pause = FIRST_PAUSE_SECONDS * 2 ** (self.failures - FREE_TRIES)
            self.locked_until = self._now() + pause
        return False


def ignore_job_control() -> None:
    """ctrl+z (suspend) and ctrl+\\ (quit with a core) must not leave the program on a desk.
    ctrl+c is handled at each prompt: it ends the family's session, not the program."""
    for name in ("SIGTSTP", "SIGQUIT"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, signal.SIG_IGN)
