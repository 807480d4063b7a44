"""Kiosk mode of the TUI (`famille-tui --kiosk`, or `kiosk = true` in the config file): the
app for a shared machine at the crèche's front desk.

- `app.py` — `KioskApp` (a `FamilleApp`) and `run(options)`; the app's docstring lists every
  difference from the laptop app;
- `welcome.py` — the welcome screen every session starts and ends on;
- `idle.py` — the idle watcher and its warning (WCAG 2.2.1);
- `staff.py` — the staff code (rate-limited) and the staff menu;
- `payment.py` — the payment as a large QR code first, « Ouvrir ici » second.

The screen-reader mode has its own kiosk (`famille_tui.plain.kiosk`); the words on screen are
the same.
"""

from __future__ import annotations

from famille_tui.client.config import LaunchOptions


def run(options: LaunchOptions) -> int:
    """Run the kiosk app until the staff quits it; the process exit code."""
    from famille_tui.tui.kiosk.app import run as run_app

    return run_app(options)
