"""A real terminal for tests: a tmux session on a private server (type keys, read the
screen and its scrollback, the command's exit status once it ended).

    term = Terminal("famille-kiosk-123", width=80, height=24)
    term.start("env A=1 famille-tui --kiosk --screen-reader")
    term.wait_for("Accueil")
    term.type("1"); term.key("Enter")
    term.screen(history=True)      # the scrollback too: what Shift+PgUp would show
    term.exit_status()             # None while it runs
    term.kill()

tmux honours xterm's E3 (erase the scrollback), as VTE and the Linux console do: a program
clearing its scrollback leaves nothing in `screen(history=True)`.
"""

from __future__ import annotations

import subprocess
import time


class Terminal:
    """A tmux session on a private server: type keys, read the screen."""

    def __init__(self, socket: str, *, width: int = 100, height: int = 30) -> None:
        self.socket = socket
        self.width = width
        self.height = height

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        return result.stdout

    def start(self, command: str) -> None:
        # The program starts a moment after the window has its final size: a resize during
        # its start-up could be missed, and the test would read an 80×24 picture.
        delayed = f"sleep 1; exec {command}"
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", "app",
                  "-x", str(self.width), "-y", str(self.height), delayed)
        self.tmux("set-option", "-t", "app", "remain-on-exit", "on")
        self.tmux("set-option", "-t", "app", "history-limit", "5000")
        # Without a client attached, tmux may fall back to 80×24: fix the size explicitly.
        self.tmux("set-option", "-g", "window-size", "manual")
        self.tmux("resize-window", "-t", "app", "-x", str(self.width), "-y", str(self.height))

    def screen(self, *, history: bool = False) -> str:
        """What the terminal shows; with `history`, its scrollback above it too."""
        if history:
            return self.tmux("capture-pane", "-p", "-t", "app", "-S", "-")
        return self.tmux("capture-pane", "-p", "-t", "app")

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "app", "-l", text)
        time.sleep(0.3)

    def key(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", "app", key)
            time.sleep(0.3)

    def line(self, text: str) -> None:
        """Type a line and Entrée."""
        self.type(text)
        self.key("Enter")

    def wait_for(self, *texts: str, timeout: float = 30.0, history: bool = False,
                 gone: tuple[str, ...] = ()) -> str:
        """The screen once every text is on it, and none of `gone` (fails with the screen
        when it never is)."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen(history=history)
            if all(text in screen for text in texts) and not any(g in screen for g in gone):
                return screen
            time.sleep(0.25)
        size = self.tmux("display", "-p", "-t", "app", "#{window_width}x#{window_height}")
        raise AssertionError(
            f"jamais affiché : {texts!r}, sans {gone!r} ({size.strip()})\n"
            f"--- écran ---\n{screen}"
        )

    def press_until(self, key: str, *texts: str, tries: int = 3) -> str:
        """Press `key` until the texts show (the first press may come before the app
        listens, as a person's first press sometimes does)."""
        for _ in range(tries - 1):
            self.key(key)
            try:
                return self.wait_for(*texts, timeout=5)
            except AssertionError:
                continue
        self.key(key)
        return self.wait_for(*texts, timeout=10)

    def pid(self) -> int:
        """The process running in the pane (the program, once `sleep 1` exec'd it)."""
        return int(self.tmux("display", "-p", "-t", "app", "#{pane_pid}").strip())

    def pid_of(self, program: str) -> int:
        """The process of the pane running `program`: the pane's own, or a child of the
        shell it runs."""
        from pathlib import Path

        root = self.pid()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            family = int(entry.name) == root or int(stat[1]) == root
            if family and any(part.decode(errors="replace").endswith(program)
                              for part in command[:2]):
                return int(entry.name)
        raise AssertionError(f"{program} is not running in the pane")

    def exit_status(self) -> int | None:
        """The command's exit status once it ended, None while it runs."""
        dead = self.tmux("display", "-p", "-t", "app", "#{pane_dead} #{pane_dead_status}")
        parts = dead.split()
        if not parts or parts[0] != "1":
            return None
        return int(parts[1]) if len(parts) > 1 else None

    def wait_exit(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.exit_status()
            if status is not None:
                return status
            time.sleep(0.2)
        raise AssertionError(f"still running after {timeout} s:\n{self.screen()}")

    def kill(self) -> None:
        self.tmux("kill-server")
