"""The screen-reader interface (`famille-tui --screen-reader`): the whole journey of the
leaflets as numbered menus and labelled prompts, printed once, read in order.

No cursor movement, no screen clearing, no alternate screen, no box drawing, no colour, no
spinner: only lines, each starting with what it is, amounts and dates in words a speech
synthesiser reads well (speech.py). Modules: console (the streams), prompts (menus and
questions), session (the portal calls), start (commune, login, activation, reset), family,
dashboard, profile, help, invoices, paying, app (the main loop).
"""

from __future__ import annotations

from famille_tui.client.config import LaunchOptions


def run(options: LaunchOptions) -> int:
    """Run the interface on the process's terminal; the exit code."""
    from famille_tui.client.session import SessionPolicy
    from famille_tui.plain.app import run_with
    from famille_tui.plain.console import Console

    policy = SessionPolicy.from_options(options)
    return run_with(options, Console(history=policy.keeps_history))


__all__ = ["run"]
