"""Kiosk mode in the screen-reader interface: only the staff code leaves the program.

The rest of kiosk mode is the session's policy (`SessionPolicy`, client/session.py): no
keyring, a memory-only payment journal handed over at the end of each session
(`Session.end_family_session(hand_over=True)`), no readline history and the idle warning as a
line (console.py). The staff code's rule (`StaffGate`) is the TUI kiosk's, in client/rules.py.
"""

from __future__ import annotations

from famille_tui.client.rules import FIRST_PAUSE_SECONDS, FREE_TRIES, StaffGate
from famille_tui.plain.prompts import GoBack, ask_secret
from famille_tui.plain.session import Session

__all__ = ["FIRST_PAUSE_SECONDS", "FREE_TRIES", "StaffGate", "staff_code_accepted"]


def staff_code_accepted(session: Session, gate: StaffGate) -> bool:
    """True when the right staff code was typed (the program may then quit)."""
    refusal = gate.refusal_before_asking()
    if refusal is not None:
        session.say(refusal)
        return False
    try:
        code = ask_secret(session.console, "Code du personnel")
    except GoBack:
        return False
    refusal = gate.check(code)
    if refusal is None:
        return True
    session.say(refusal)
    return False
