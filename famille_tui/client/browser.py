"""Opening a payment page in the system browser, the same way from every face.

    opened = open_in_browser(url)     # url already checked (`check_payment_url`)

The rules are `rules.browser_commands`: `BROWSER` honoured as Python's webbrowser reads it,
else the desktop's browser, never a text browser (it would take over the terminal the
program is drawn in). Blocking for up to a few seconds: a face with an event loop calls it
with `asyncio.to_thread`. False when nothing could be opened (the face shows the address
and a QR code anyway).

A desk (kiosk) opens no browser at all unless its staff named one (`kiosk_browser`):

    process = open_kiosk_browser(command, url)   # None: not opened (no display, a text browser)
    close_browser(process)                       # at the end of the family's session

Faces do not call these: `FamilySession.open_payment_page` does, as its policy says.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import webbrowser

from famille_tui.client.rules import CONSOLE_BROWSERS, browser_commands, has_graphical_session

__all__ = ["close_browser", "open_in_browser", "open_kiosk_browser"]

#: Seconds to wait for the browser command to fail before assuming it opened.
BROWSER_GRACE_SECONDS = 3.0
#: Browser processes still running (kept so that they are not reaped as garbage).
_launched: list[subprocess.Popen[bytes]] = []


def _start(args: list[str]) -> subprocess.Popen[bytes] | None:
    try:
        process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            # The browser's messages would be drawn over the program's screen.
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,
        )
    except OSError:
        return None
    try:
        if process.wait(timeout=BROWSER_GRACE_SECONDS) != 0:
            return None
    except subprocess.TimeoutExpired:
        pass  # still running: a browser that stays in the foreground
    return process


def _launch(args: list[str]) -> bool:
    process = _start(args)
    if process is None:
        return False
    if process.poll() is None:
        _launched.append(process)
    return True


def open_in_browser(url: str) -> bool:
    """Open `url` in the system browser; True when a browser was started."""
    commands = browser_commands(url, os.environ.get("BROWSER"))
    if commands is not None:
        return any(_launch(args) for args in commands)
    if not has_graphical_session(sys.platform, os.environ):
        return False
    try:
        controller = webbrowser.get()
    except webbrowser.Error:
        return False
    if isinstance(controller, webbrowser.GenericBrowser):
        if controller.basename in CONSOLE_BROWSERS:
            return False
        return _launch([controller.name, *[a.replace("%s", url) for a in controller.args]])
    try:
        return bool(controller.open(url))
    except OSError:
        return False


def open_kiosk_browser(command: str, url: str) -> subprocess.Popen[bytes] | None:
    """The desk's own browser (`kiosk_browser`, read as `BROWSER` is), in a process group of
    its own so that `close_browser` ends it and everything it started. Never a text browser
    (it would run in the desk's terminal, with its shell escapes), never without a display."""
    if not has_graphical_session(sys.platform, os.environ):
        return None
    for args in browser_commands(url, command) or []:
        process = _start(args)
        if process is not None:
            return process
    return None


def close_browser(process: subprocess.Popen[bytes], *, grace: float = 3.0) -> None:
    """End the browser's whole process group (a browser forks helpers, and a launcher may
    have exited already, leaving them), SIGTERM then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        if sig is signal.SIGTERM:
            # The group may outlive its leader: make sure of the rest.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        return
