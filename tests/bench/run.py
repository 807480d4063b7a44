"""`make bench`: every row of the table of issue 8, measured on this machine.

    .venv/bin/python tests/bench/run.py            # the full bench (several minutes)
    .venv/bin/python tests/bench/run.py --quick    # short runs, to develop the bench
    .venv/bin/python tests/bench/run.py --only startup,load

Prints the table and writes it, with the machine and the raw figures, to
tests/bench/RESULTS.md (only for a full run: a --quick table is printed, not kept).
Each figure is a median (or a 95th/99th percentile) of several runs; the start-up is a ratio
against a bare Textual app measured alternately in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    CHAMBON,
    PYTHON,
    ROOT,
    Row,
    add_invoices,
    fresh_dir,
    machine,
    median,
    percentile,
    rss_kib,
    seed_database,
    start_portal,
)

RESULTS = ROOT / "tests" / "bench" / "RESULTS.md"
ROWS = ("startup", "imports", "login", "reglee", "large", "reservations", "journey", "load",
        "schemathesis")
#: Issue 13: the screen-reader journey took 13 minutes of espeak-ng; the target is half.
JOURNEY_BEFORE_SECONDS = 13 * 60


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


# -- the rows -------------------------------------------------------------------------------


def row_startup(work: Path, quick: bool, raw: dict[str, Any]) -> Row:
    import startup

    portal = start_portal(seed_database(work / "startup.sqlite3"))
    try:
        result = startup.measure(portal.base_url(), work / "startup", 3 if quick else 15)
    finally:
        portal.stop()
    raw["startup"] = result
    ratio, tui, bare = (float(result[k]) for k in ("ratio", "tui", "bare"))  # type: ignore[arg-type]
    return Row("start-up", "process start → « Identifiant » readable in a pty, vs a bare "
               "Textual app (alternating; bytecode cached, as installed)", "≤ 1.5 × the bare app",
               f"{ratio:.2f} × ({ms(tui)} vs {ms(bare)})", ratio <= 1.5)


def row_imports(work: Path, quick: bool, raw: dict[str, Any]) -> Row:
    directories = {f"FAMILLE_TUI_{n}_DIR": str(fresh_dir(work / "imports" / n.lower()))
                   for n in ("CONFIG", "STATE", "DATA", "DOWNLOAD")}
    done = subprocess.run(
        [PYTHON, "-X", "importtime", str(ROOT / "tests" / "bench" / "tui_probe.py"),
         "--portal", "http://127.0.0.1:9/le-chambon-feugerolles/"],
        capture_output=True, text=True, env={**os.environ, **directories}, cwd=ROOT, timeout=120,
    )
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    forbidden = ("fastapi", "uvicorn", "starlette", "famille_tui.portal")
    imported = sorted({
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
        and any(line.rsplit("|", 1)[1].strip() == f
                or line.rsplit("|", 1)[1].strip().startswith(f + ".") for f in forbidden)
    })
    total_us = 0
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if line.startswith("import time:") and len(parts) == 3 and not parts[2].startswith("  "):
            with contextlib.suppress(ValueError):
                total_us += int(parts[1])
    raw["imports"] = {"probe": probe, "importtime_hits": imported,
                      "top_level_cumulative_ms": total_us / 1000}
    ok = probe["screen"] == "LoginScreen" and not imported and not probe["forbidden"]
    shown = ", ".join(imported) if imported else "none of them"
    return Row("what start-up imports", "`python -X importtime`, TUI start up to « Se "
               "connecter » (headless)", "no fastapi, uvicorn, starlette, famille_tui.portal",
               shown, ok)


def row_login(work: Path, quick: bool, raw: dict[str, Any]) -> Row:
    import pilot_runs

    portal = start_portal(seed_database(work / "login.sqlite3"))
    try:
        pilot_runs.isolate(fresh_dir(work / "login"))
        times = asyncio.run(pilot_runs.login_to_invoices(portal, 3 if quick else 15))
    finally:
        portal.stop()
    raw["login"] = times
    value = median(times["drawn"])
    return Row("login → invoices on screen", "pilot: Entrée on « Se connecter », key 4 once the "
               "family space is drawn, the first frame holding the rows of « Mes factures »; "
               "embedded portal on loopback", "≤ 300 ms median",
               f"{ms(value)} median (measured as before issue 18's second round, through "
               f"the pilot's waits: {ms(median(times['pilot']))})", value <= 0.3)


def row_reglee(work: Path, quick: bool, raw: dict[str, Any]) -> list[Row]:
    import pilot_runs

    runs = 3 if quick else 20
    data = seed_database(work / "reglee.sqlite3")
    add_invoices(data, runs + 1, prefix="RG")
    portal = start_portal(data)
    try:
        log = pilot_runs.isolate(fresh_dir(work / "reglee"))
        numbers = [f"RG{n:08d}" for n in range(runs + 1)]
        latencies = asyncio.run(pilot_runs.reglee(portal, log, numbers[:runs]))
        window = 30.0 if quick else 150.0
        per_minute, routes = asyncio.run(
            pilot_runs.requests_while_waiting(portal, log, numbers[runs], window))
    finally:
        portal.stop()
    raw["reglee"] = {"latencies": latencies, "requests_per_minute": per_minute,
                     "routes": routes, "window_s": window}
    p95 = percentile(latencies, 95)
    return [
        Row("« Réglée » detection", f"portal commits the paid notification (`paid_at`) → "
            f"« Réglée » in the waiting screen; {runs} payments through the PayFiP stand-in",
            "≤ 300 ms at the 95th percentile", f"{ms(p95)} p95 ({ms(median(latencies))} "
            "median)", p95 <= 0.3),
        Row("requests while waiting", f"requests reaching the portal during {window:.0f} s "
            "of a pending payment (counting middleware)", "≤ 3 a minute",
            f"{per_minute:.1f} a minute", per_minute <= 3),
    ]


def row_large(work: Path, quick: bool, raw: dict[str, Any]) -> list[Row]:
    data = seed_database(work / "large.sqlite3")
    add_invoices(data, 5000 - 7, paid_every=3)  # martin has 7 invoices already
    portal = start_portal(data)
    try:
        done = subprocess.run(
            [PYTHON, str(ROOT / "tests" / "bench" / "large_family.py"), portal.origin,
             str(fresh_dir(work / "large")), "2" if quick else "5"],
            capture_output=True, text=True, cwd=ROOT, timeout=900,
        )
    finally:
        portal.stop()
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    result = json.loads(done.stdout.strip().splitlines()[-1])
    raw["large"] = result
    opened, switched, ended = (median(result[k]) for k in ("open", "filter", "end"))
    settled, first = median(result["open_settled"]), result["first_open"]
    peak_mib = result["maxrss_kib"] / 1024
    how = "martin with 5 000 invoices (a third paid); pilot, medians"
    return [
        Row("a large family: invoice screen usable", how + "; key 4 on a new screen → the "
            "first frame holding its rows (the list read from the portal)", "≤ 300 ms",
            f"{ms(opened)} (measured as before, through the pilot's last pause: {ms(settled)})",
            opened <= 0.3),
        Row("a large family: first « Mes factures » after login", "key 4 within seconds of "
            "the login: the list read with the family space → the first frame holding its rows",
            "≤ 300 ms", f"{ms(first['drawn'])} (through the pilot's last pause: "
            f"{ms(first['settled'])})", first["drawn"] <= 0.3),
        Row("a large family: filter switch", "« f » → the next filter's rows drawn",
            "≤ 500 ms", ms(switched), switched <= 0.5),
        Row("a large family: scroll to the end", "Ctrl+Fin → last row highlighted and drawn",
            "≤ 500 ms", ms(ended), ended <= 0.5),
        Row("a large family: peak memory", "`ru_maxrss` of the TUI process (pilot, headless)",
            "≤ 100 MiB", f"{peak_mib:.0f} MiB", peak_mib <= 100),
    ]


def row_reservations(work: Path, quick: bool, raw: dict[str, Any]) -> list[Row]:
    import reservations

    data = seed_database(work / "reservations.sqlite3")
    bookings = reservations.school_year_family(data)
    previous = os.environ.get("FAMILLE_TUI_PORTAL_NOW")
    os.environ["FAMILLE_TUI_PORTAL_NOW"] = reservations.PORTAL_NOW
    try:
        portal = start_portal(data)
    finally:
        if previous is None:
            os.environ.pop("FAMILLE_TUI_PORTAL_NOW", None)
        else:
            os.environ["FAMILLE_TUI_PORTAL_NOW"] = previous
    try:
        done = subprocess.run(
            [PYTHON, str(ROOT / "tests" / "bench" / "reservations.py"), portal.origin,
             str(fresh_dir(work / "reservations")), "2" if quick else "7"],
            capture_output=True, text=True, cwd=ROOT, timeout=900,
        )
    finally:
        portal.stop()
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["bookings"] = bookings
    raw["reservations"] = result
    opened, switched = median(result["open"]), median(result["switch"])
    how = (f"three children enrolled in every service for 2026-2027 ({bookings} days booked);"
           " pilot, medians")
    return [
        Row("reservations: screen open", how + "; key 7 → the week's grid drawn",
            "≤ 300 ms", ms(opened), opened <= 0.3),
        Row("reservations: week switch", "Page suivante / précédente → that week's grid drawn",
            "≤ 300 ms", ms(switched), switched <= 0.3),
    ]


def row_journey(work: Path, quick: bool, raw: dict[str, Any]) -> list[Row]:
    """The whole screen-reader journey in a pty (tests/support/journey.py, the same as its
    test): its transcript in words and in seconds of espeak-ng."""
    from tests.support.journey import environment_dirs, pty_env, run_journey, spoken_seconds

    directory = fresh_dir(work / "journey")
    portal = start_portal(seed_database(work / "journey.sqlite3"))
    try:
        env = pty_env(environment_dirs(directory), directory)
        journey = run_journey(f"{portal.origin}/{CHAMBON}/", env, directory)
    finally:
        portal.stop()
    if journey.exit_status != 0:
        raise RuntimeError(f"journey ended with {journey.exit_status}")
    seconds = spoken_seconds(journey.text, directory)
    lines = [line for line in journey.lines if line.strip()]
    raw["journey"] = {"words": journey.words, "lines": len(lines), "espeak_seconds": seconds,
                      "widest": max(len(line) for line in journey.lines)}
    how = ("`--screen-reader` in an 80×24 pty: login, family, entourage add/remove, a message,"
           " two invoices paid, « Réglée », logout; espeak-ng -v fr -s 175")
    limit = JOURNEY_BEFORE_SECONDS / 2
    return [
        Row("screen-reader journey: spoken", how, f"≤ {limit / 60:.1f} min (13 min before)",
            f"{seconds / 60:.1f} min, {journey.words} words, {len(lines)} lines",
            seconds <= limit),
    ]


def row_load(work: Path, quick: bool, raw: dict[str, Any]) -> list[Row]:
    waiters, logins, lists, duration = (30, 5.0, 10.0, 10.0) if quick else (300, 20.0, 50.0,
                                                                              60.0)
    data = seed_database(work / "load.sqlite3")
    add_invoices(data, waiters, prefix="LD")
    import sqlite3

    with sqlite3.connect(data) as conn:
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM invoices WHERE number LIKE 'LD%' ORDER BY number")]
    portal = start_portal(data)
    samples: list[tuple[float, int]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            try:
                samples.append((time.time(), rss_kib(portal.process.pid)))
            except OSError:
                return
            stop.wait(1.0)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        done = subprocess.run(
            [PYTHON, str(ROOT / "tests" / "bench" / "load.py"), portal.origin,
             "--invoice-ids", json.dumps(ids), "--waiters", str(waiters), "--logins",
             str(logins), "--lists", str(lists), "--duration", str(duration)],
            capture_output=True, text=True, cwd=ROOT, timeout=duration + 300,
        )
        stop.set()
        sampler.join()
        server_errors = [line for line in portal.log_path.read_text(errors="replace")
                         .splitlines() if "Traceback" in line or " 500" in line]
    finally:
        stop.set()
        portal.stop()
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    result = json.loads(done.stdout.strip().splitlines()[-1])
    timed = [kib for t, kib in samples if t >= result["begin_wall"]]
    fifth = max(1, len(timed) // 5)
    first, last = median(timed[:fifth]) / 1024, median(timed[-fifth:]) / 1024
    calls = result["login"] + result["list"]
    p99 = percentile(calls, 99)
    raw["load"] = {k: v for k, v in result.items() if k not in ("login", "list")}
    raw["load"].update(
        p99_login=percentile(result["login"], 99), p99_list=percentile(result["list"], 99),
        median_login=median(result["login"]), median_list=median(result["list"]),
        rss_first_mib=first, rss_last_mib=last, rss_samples_kib=timed,
        server_errors=server_errors[:5])
    errors = int(result["errors"]) + len(server_errors)
    grew = last - first
    flat = grew <= max(5.0, first * 0.05)
    how = (f"{waiters} long polls + {logins:g} logins/s + {lists:g} invoice lists/s for "
           f"{duration:g} s, second process on loopback")
    return [
        Row("the portal under load: errors", how, "no error",
            f"{errors} errors in {result['sent']} requests", errors == 0),
        Row("the portal under load: latency", "p99 of the logins and invoice lists",
            "≤ 100 ms p99", f"{ms(p99)} p99 (logins {ms(percentile(result['login'], 99))}, "
            f"lists {ms(percentile(result['list'], 99))})", p99 <= 0.1),
        Row("the portal under load: memory", "portal RSS from /proc, first vs last fifth of "
            "the timed window", "flat", f"{first:.0f} → {last:.0f} MiB", flat),
    ]


def row_schemathesis(work: Path, quick: bool, raw: dict[str, Any]) -> Row:
    examples = 20 if quick else 200
    done = subprocess.run(
        [PYTHON, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
         str(ROOT / "tests" / "faults" / "test_schemathesis.py")],
        capture_output=True, text=True, cwd=ROOT, timeout=1800,
        env={**os.environ, "FAMILLE_TUI_SCHEMATHESIS_EXAMPLES": str(examples)},
    )
    tail = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    raw["schemathesis"] = {"examples": examples, "summary": tail}
    return Row("the API against generated input", f"schemathesis, every operation, "
               f"{examples} examples each, martin's token", "no 5xx, responses conform",
               tail, done.returncode == 0)


# -- the table ------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    lines = ["| what | how it is measured | target | measured | verdict |",
             "|---|---|---|---|---|"]
    lines += [f"| {r.what} | {r.how} | {r.target} | {r.measured} | {r.verdict} |"
              for r in rows]
    return "\n".join(lines)


def write_results(rows: list[Row], info: dict[str, str], raw: dict[str, Any],
                  seconds: float) -> None:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine_lines = "\n".join(f"- {k}: {v}" for k, v in info.items())
    RESULTS.write_text(
        "# Benchmark results\n\n"
        f"Written by `make bench` (`tests/bench/run.py`) on {when}, in {seconds:.0f} s.\n"
        "Targets are those of issue 8; `docs/performance.md` says why a row misses.\n\n"
        f"{table(rows)}\n\n## Machine\n\n{machine_lines}\n\n"
        "## Raw figures (seconds unless named otherwise)\n\n"
        f"```json\n{json.dumps(raw, indent=1, default=str)}\n```\n",
        encoding="utf-8",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short runs (not written)")
    parser.add_argument("--only", default=",".join(ROWS), help="comma-separated rows")
    args = parser.parse_args()
    wanted = [name.strip() for name in args.only.split(",") if name.strip()]
    functions: dict[str, Any] = {"startup": row_startup, "imports": row_imports, "login": row_login,
                 "reglee": row_reglee, "large": row_large, "reservations": row_reservations,
                 "journey": row_journey, "load": row_load,
                 "schemathesis": row_schemathesis}
    info = machine()
    print("Machine : " + ", ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    work = Path(tempfile.mkdtemp(prefix="famille-bench-"))
    rows: list[Row] = []
    raw: dict[str, Any] = {}
    began = time.monotonic()
    try:
        for name in wanted:
            print(f"… {name}", flush=True)
            result = functions[name](work, args.quick, raw)
            for row in result if isinstance(result, list) else [result]:
                print(f"  {row.what}: {row.measured} (cible {row.target}) — {row.verdict}",
                      flush=True)
                rows.append(row)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(table(rows))
    if not args.quick and set(wanted) == set(ROWS):
        write_results(rows, info, raw, time.monotonic() - began)
        print(f"\nÉcrit dans {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
