"""What the benchmarks share: statistics, the machine, a seeded portal, and a row of results."""

from __future__ import annotations

import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


CHAMBON = "le-chambon-feugerolles"
PYTHON = sys.executable
_FIRST_LINE = re.compile(r"^Portail famille : (http://\S+?)/?\s*$", re.MULTILINE)
_PAYFIP_LINE = re.compile(r"^PayFiP \(service de démonstration\) : (http://\S+?)/?\s*$",
                          re.MULTILINE)
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# -- statistics ----------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100): a value that was really measured."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
    return float(ordered[rank - 1])


@dataclass
class Row:
    """One line of the results table."""

    what: str
    how: str
    target: str
    measured: str
    ok: bool
    note: str = ""

    @property
    def verdict(self) -> str:
        return "atteint" if self.ok else "manqué"


def machine() -> dict[str, str]:
    """The machine the figures were measured on."""
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) // 1024} MiB"
    except OSError:
        pass
    import textual

    return {
        "cpus": str(os.cpu_count()),
        "nproc": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
        "cpu": model,
        "memory": mem,
        "python": platform.python_version(),
        "textual": textual.__version__,
        "system": f"{platform.system()} {platform.release()}",
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


# -- a portal of the bench's own ------------------------------------------------------------


def seed_database(path: Path) -> Path:
    """A fresh demo database at `path`, through the portal's own data layer."""
    from famille_tui.portal import db, demo

    if path.exists():
        path.unlink()
    db.initialize(path)
    conn = db.connect(path)
    try:
        demo.seed(conn)
    finally:
        conn.close()
    return path


def martin_family_id(path: Path, commune: str = CHAMBON) -> int:
    from famille_tui.portal import db

    conn = db.connect(path)
    try:
        row = conn.execute(
            "SELECT family_id FROM accounts WHERE commune = ? AND login = 'martin'", (commune,)
        ).fetchone()
        return int(row[0])
    finally:
        conn.close()


def add_invoices(path: Path, count: int, *, prefix: str = "BENCH", paid_every: int = 0,
                 commune: str = CHAMBON) -> None:
    """Give martin `count` more invoices (payable online); every `paid_every`-th one paid."""
    from famille_tui.portal import db

    family_id = martin_family_id(path, commune)
    conn = db.connect(path)
    try:
        with db.transaction(conn):
            for n in range(count):
                amount = 1000 + (n * 37) % 40000
                paid = amount if paid_every and n % paid_every == 0 else 0
                month = 1 + n % 12
                year = 2020 + (n // 12) % 7
                conn.execute(
                    "INSERT INTO invoices (family_id, commune, number, label, service, children,"
                    " period_start, period_end, issue_date, due_date, amount_cents, paid_cents,"
                    " offline_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                    (family_id, commune, f"{prefix}{n:08d}",
                     f"Accueil de loisirs, mois {month:02d}/{year}", "Accueil de loisirs",
                     json.dumps(["Léa"]), f"{year}-{month:02d}-01", f"{year}-{month:02d}-28",
                     f"{year}-{month:02d}-28", f"{year + (month == 12)}-{month % 12 + 1:02d}-15",
                     amount, paid),
                )
    finally:
        conn.close()


@dataclass
class BenchPortal:
    """A portal subprocess (tests/bench/portal_server.py) on a loopback port."""

    process: subprocess.Popen[bytes]
    origin: str
    data_path: Path
    log_path: Path

    def base_url(self, commune: str = CHAMBON) -> str:
        return f"{self.origin}/{commune}/"

    def counts(self) -> dict[str, int]:
        with _NO_PROXY.open(f"{self.origin}/__bench/counts", timeout=5) as answer:
            data: dict[str, int] = json.loads(answer.read())
        return data

    def rss_kib(self) -> int:
        return rss_kib(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def rss_kib(pid: int) -> int:
    """Resident memory of a process from /proc (KiB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def start_portal(data: Path, *, payment_ttl: int = 900) -> BenchPortal:
    log_path = data.with_name(data.name + ".log")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [PYTHON, str(ROOT / "tests" / "bench" / "portal_server.py"), "--data", str(data),
             "--payment-ttl", str(payment_ttl)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"}, cwd=ROOT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        match = _FIRST_LINE.search(log_path.read_text(errors="replace"))
        if match:
            origin = match.group(1).rstrip("/")
            try:
                with _NO_PROXY.open(f"{origin}/communes", timeout=1) as answer:
                    if answer.status == 200:
                        # Its PayFiP stand-in's pages: allowed in the app's demo mode.
                        payfip = _PAYFIP_LINE.search(log_path.read_text(errors="replace"))
                        if payfip:
                            os.environ["FAMILLE_TUI_PAYFIP_ORIGIN"] = payfip.group(1)
                        return BenchPortal(process, origin, data, log_path)
            except OSError:
                pass
        if process.poll() is not None:
            raise RuntimeError("bench portal died: " + log_path.read_text(errors="replace"))
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("bench portal did not answer")


def fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path
