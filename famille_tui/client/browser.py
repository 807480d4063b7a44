"""Opening a payment page in the system browser, the same way from every face.

    opened = open_in_browser(url)     # url already checked (`check_payment_url`)

The rules are `rules.browser_commands`: `BROWSER` honoured as Python's webbrowser reads it,
else the desktop's browser, never a text browser (it would take over the terminal the
program is drawn in). Blocking for up to a few seconds: a face with an event loop calls it
with `asyncio.to_thread`. False when nothing could be opened (the face shows the address
and a QR code anyway).
"""

from __future__ import annotations

import os
import subprocess
import sys
import webbrowser

from famille_tui.client.rules import CONSOLE_BROWSERS, browser_commands, has_graphical_session

__all__ = ["open_in_browser"]

#: Seconds to wait for the browser command to fail before assuming it opened.
BROWSER_GRACE_SECONDS = 3.0
#: Browser processes still running (kept so that they are not reaped as garbage).
_launched: list[subprocess.Popen[bytes]] = []


def _launch(args: list[str]) -> bool:
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
        return False
    try:
        return process.wait(timeout=BROWSER_GRACE_SECONDS) == 0
    except subprocess.TimeoutExpired:
        _launched.append(process)  # still running: a browser that stays in the foreground
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
