"""The portal killed (SIGKILL) between PayFiP's notification and the end of its check, then
restarted on the same SQLite file: the invoice ends « Réglée » once, never twice, never lost,
and never half.

The PayFiP stand-in runs in its own process (the State's service does not die with a town's
portal). The kill points (`crashable_portal.py`): the notification received but PayFiP not
asked yet, mid-transaction (invoices updated, no COMMIT), and committed but not answered.
After the restart, the portal asks PayFiP about its undecided payments, and the stand-in,
which got no answer, sends its notification again; a later notification changes nothing.
The database is in WAL mode.
"""

from __future__ import annotations

import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from famille_tui.portal.launcher import PortalProcess, start_payfip, start_portal
from tests.support import CHAMBON
from tests.support.sandbox import pay_in_sandbox

OVERDUE = "2026100042"  # martin's 312,40 € invoice, unpaid
HERE = Path(__file__).resolve().parent
_FIRST_LINE = re.compile(r"^Portail famille : (http://\S+?)/?\s*$", re.MULTILINE)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_crashable(data: Path, port: int, payfip: str, point: str,
                    marker: Path) -> tuple[subprocess.Popen[bytes], str]:
    log = data.with_name("crashable.log")
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(HERE / "crashable_portal.py"), "--data", str(data),
             "--port", str(port), "--payfip-origin", payfip, "--point", point,
             "--marker", str(marker)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=HERE.parents[1],
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        match = _FIRST_LINE.search(log.read_text(errors="replace"))
        if match:
            origin = match.group(1).rstrip("/")
            try:
                if httpx.get(origin + "/communes", trust_env=False).status_code == 200:
                    return process, origin
            except httpx.HTTPError:
                pass
        assert process.poll() is None, log.read_text(errors="replace")
        time.sleep(0.05)
    process.kill()
    raise AssertionError("the crashable portal did not start")


def api(origin: str) -> str:
    return f"{origin}/{CHAMBON}/api/v1/"


def start_payment(origin: str) -> tuple[str, int, str]:
    """martin pays the overdue invoice: (payment id, invoice id, payment page)."""
    token = httpx.post(api(origin) + "session", trust_env=False,
                       json={"login": "martin", "password": "demo-martin"}).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    invoices = httpx.get(api(origin) + "invoices", headers=auth, trust_env=False).json()
    invoice = next(i for i in invoices["invoices"] if i["number"] == OVERDUE)
    payment = httpx.post(api(origin) + "payments", headers={**auth, "Idempotency-Key": "k1"},
                         json={"invoice_ids": [invoice["id"]],
                               "email": "claire.martin@example.fr"},
                         trust_env=False).json()
    return payment["id"], invoice["id"], payment["payment_url"]


def state(data: Path, payment_id: str, invoice_id: int) -> tuple[str, int, int, str | None]:
    with sqlite3.connect(data) as conn:
        status, auth = conn.execute(
            "SELECT status, authorization_number FROM payments WHERE id = ?", (payment_id,)
        ).fetchone()
        amount, paid = conn.execute(
            "SELECT amount_cents, paid_cents FROM invoices WHERE id = ?", (invoice_id,)
        ).fetchone()
    return status, amount, paid, auth


@pytest.mark.parametrize("point", ["before", "mid", "after"])
def test_killed_while_checking_a_payment_then_restarted(point: str, tmp_path: Path,
                                                        demo_database: Path) -> None:
    data = tmp_path / "portal.sqlite3"
    shutil.copyfile(demo_database, data)
    marker = tmp_path / "stopped"
    port = free_port()
    payfip = start_payfip(tmp_path / "payfip.sqlite3", [f"042063=http://127.0.0.1:{port}"])
    process, origin = start_crashable(data, port, payfip.origin, point, marker)
    restarted: PortalProcess | None = None
    try:
        payment_id, invoice_id, page = start_payment(origin)
        _, amount, paid_before, _ = state(data, payment_id, invoice_id)
        shown: list[str] = []
        payer = threading.Thread(target=lambda: shown.append(pay_in_sandbox(page)))
        payer.start()
        deadline = time.monotonic() + 20
        while not marker.exists():
            assert time.monotonic() < deadline, "the portal never reached the kill point"
            time.sleep(0.02)
        process.kill()  # SIGKILL: no clean-up of any kind
        process.wait(10)
        payer.join(30)
        # The payer's bank page said it: the money is taken.
        assert shown and "Paiement accepté" in shown[0]

        with sqlite3.connect(data) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        status, _, paid, _ = state(data, payment_id, invoice_id)
        if point == "after":
            assert (status, paid) == ("paid", amount)  # committed before the crash: kept
        else:
            # Not committed: nothing of it, not half of it (payment and invoice together).
            assert (status, paid) == ("pending", paid_before)

        restarted = start_portal(data, port=port, payfip_origin=payfip.origin)
        deadline = time.monotonic() + 30
        while state(data, payment_id, invoice_id)[0] != "paid":
            assert time.monotonic() < deadline, restarted.log_text()[-2000:]
            time.sleep(0.1)
        # Late notifications (the stand-in's retries, a replay) change nothing more.
        idop = page.rsplit("=", 1)[1]
        for _ in range(3):
            again = httpx.post(f"{restarted.origin}/{CHAMBON}/payfip/notification",
                               data={"idOp": idop}, trust_env=False)
            assert again.status_code == 200
        time.sleep(2.5)  # the stand-in's first retry comes 2 s after its failure
        status, amount, paid, auth = state(data, payment_id, invoice_id)
        assert (status, paid) == ("paid", amount)  # once: not twice the amount
        assert auth is not None and re.fullmatch(r"\d{6}", auth)
        with sqlite3.connect(data) as conn:
            paid_payments = conn.execute(
                "SELECT count(*) FROM payments p JOIN payment_invoices pi ON pi.payment_id ="
                " p.id WHERE pi.invoice_id = ? AND p.status = 'paid'", (invoice_id,)
            ).fetchone()[0]
            verdict = conn.execute("SELECT resultrans FROM payfip_operations WHERE"
                                   " payment_id = ?", (payment_id,)).fetchone()[0]
        assert (paid_payments, verdict) == (1, "P")
        # The parent sees it « Réglée » through the API after the restart.
        token = httpx.post(api(restarted.origin) + "session", trust_env=False,
                           json={"login": "martin", "password": "demo-martin"}).json()["token"]
        seen = httpx.get(api(restarted.origin) + f"invoices/{invoice_id}", trust_env=False,
                         headers={"Authorization": f"Bearer {token}"}).json()
        assert (seen["status"], seen["remaining_cents"]) == ("reglee", 0)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        if restarted is not None:
            restarted.stop()
        payfip.stop()
