"""Start-up: process start → the first screen's text readable in a pseudo-terminal.

The TUI (`python -m famille_tui --portal URL`, whose first screen is « Se connecter ») and a
bare Textual app showing one label run alternately, the same number of times, in the same
pty size; each time is from `fork` to the moment the word « Identifiant » can be read in the
output once escape sequences are removed. The ratio of the medians is what counts.

Both run with Python's bytecode cache, as an installed famille-tui has it (pip writes each
module's `.pyc` at install; the warm-up run writes them here): an environment with
`PYTHONDONTWRITEBYTECODE=1` (this project's sessions have it) otherwise makes every measured
start compile famille_tui's ≈ 40 modules from source (≈ 50 ms), while Textual's, installed,
are read compiled — a cost no parent's start pays. `measure(..., bytecode=False)` keeps the
environment's setting (the condition of the runs before issue 18's second round).
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

from common import PYTHON, ROOT, median

_ANSI = re.compile(
    rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|P[^\x1b]*\x1b\\|[@-Z\\-_])"
)
NEEDLE = "Identifiant"


def time_to_text(command: list[str], env: dict[str, str], needle: str = NEEDLE,
                 timeout: float = 30.0) -> float:
    """Seconds from spawning `command` in a fresh 100×30 pty until `needle` is readable."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    start = time.perf_counter()
    process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env,
                               cwd=ROOT, start_new_session=True, close_fds=True)
    os.close(slave)
    seen = b""
    found: float | None = None
    try:
        deadline = start + timeout
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            seen += chunk
            # Cells are written with cursor moves and styles in between: compare text only.
            text = _ANSI.sub(b"", seen).decode("utf-8", "replace")
            if needle in text:
                found = time.perf_counter() - start
                break
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(10)
        os.close(master)
    if found is None:
        tail = _ANSI.sub(b"", seen[-2000:]).decode("utf-8", "replace")
        raise RuntimeError(f"{command} never showed {needle!r}: {tail!r}")
    return found


def measure(portal_url: str, work: Path, runs: int, *, bytecode: bool = True
            ) -> dict[str, object]:
    env = dict(os.environ)
    env.update(TERM="xterm-256color", COLORTERM="truecolor", LANG="C.UTF-8")
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    for name in ("CONFIG", "STATE", "DATA", "DOWNLOAD"):
        directory = work / name.lower()
        directory.mkdir(parents=True, exist_ok=True)
        env[f"FAMILLE_TUI_{name}_DIR"] = str(directory)
    tui = [PYTHON, "-m", "famille_tui", "--portal", portal_url]
    bare = [PYTHON, str(ROOT / "tests" / "bench" / "bare_app.py")]
    # One warm-up of each: the first run pays for the disk cache, not for the program.
    time_to_text(tui, env)
    time_to_text(bare, env)
    tui_times: list[float] = []
    bare_times: list[float] = []
    for n in range(runs):
        # Alternate the order too, so that neither side always runs after the other.
        pair = [(tui, tui_times), (bare, bare_times)]
        for command, times in pair if n % 2 == 0 else reversed(pair):
            times.append(time_to_text(command, env))
    tui_median, bare_median = median(tui_times), median(bare_times)
    return {"tui": tui_median, "bare": bare_median, "ratio": tui_median / bare_median,
            "tui_times": tui_times, "bare_times": bare_times, "bytecode": bytecode}
