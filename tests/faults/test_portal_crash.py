"""The portal killed (SIGKILL) while it handles a TIPI notification, then restarted on the
same SQLite file: the invoice ends « Réglée » once, never twice, never lost, and never half.

The kill points (`crashable_portal.py`): the notification received but nothing written,
mid-transaction (invoices updated, no COMMIT), and committed but not answered. The payment
service, which got no answer, sends the notification again, as TIPI does; a third copy is a
replay. The database is in WAL mode.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from famille_tui.portal.launcher import PortalProcess, start_portal
from tests.support import CHAMBON

OVERDUE = "2026100042"  # martin's 312,40 € invoice, unpaid
HERE = Path(__file__).resolve().parent
_FIRST_LINE = re.compile(r"^Portail famille : (http://\S+?)/?\s*$", re.MULTILINE)


def start_crashable(data: Path, point: str, marker: Path) -> tuple[subprocess.Popen[bytes], str]:
    log = data.with_name("crashable.log")
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(HERE / "crashable_portal.py"), "--data", str(data),
             "--point", point, "--marker", str(marker)],
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


def start_payment(origin: str) -> tuple[str, int, dict[str, str]]:
    """martin pays the overdue invoice: (payment id, invoice id, the TIPI notification)."""
    token = httpx.post(api(origin) + "session", trust_env=False,
                       json={"login": "martin", "password": "demo-martin"}).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    invoices = httpx.get(api(origin) + "invoices", headers=auth, trust_env=False).json()
    invoice = next(i for i in invoices["invoices"] if i["number"] == OVERDUE)
    payment = httpx.post(api(origin) + "payments", headers={**auth, "Idempotency-Key": "k1"},
                         json={"invoice_ids": [invoice["id"]],
                               "email": "claire.martin@example.fr"},
                         trust_env=False).json()
    params = dict(parse_qsl(urlsplit(payment["payment_url"]).query))
    now = datetime.now()
    notification = {name: params[name] for name in
                    ("numcli", "exer", "refdet", "objet", "montant", "mel", "saisie")}
    notification.update(resultrans="P", numauto="A1B2C3", dattrans=now.strftime("%d%m%Y"),
                        heurtrans=now.strftime("%H%M"), urlcl=params["urlcl"])
    return payment["id"], invoice["id"], notification


def notify(notification: dict[str, str], origin: str) -> httpx.Response:
    """What the payment service does: POST the fields to `urlcl` (on this portal's origin)."""
    path = urlsplit(notification["urlcl"]).path
    fields = {k: v for k, v in notification.items() if k != "urlcl"}
    return httpx.post(origin + path, data=fields, timeout=30, trust_env=False)


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
def test_killed_while_notified_then_restarted(point: str, tmp_path: Path,
                                              demo_database: Path) -> None:
    data = tmp_path / "portal.sqlite3"
    shutil.copyfile(demo_database, data)
    marker = tmp_path / "stopped"
    process, origin = start_crashable(data, point, marker)
    restarted: PortalProcess | None = None
    try:
        payment_id, invoice_id, notification = start_payment(origin)
        _, amount, paid_before, _ = state(data, payment_id, invoice_id)
        lost: list[BaseException] = []

        def first_notification() -> None:
            try:
                notify(notification, origin)
            except httpx.HTTPError as error:  # the portal dies before answering
                lost.append(error)

        sender = threading.Thread(target=first_notification)
        sender.start()
        deadline = time.monotonic() + 20
        while not marker.exists():
            assert time.monotonic() < deadline, "the portal never reached the kill point"
            time.sleep(0.02)
        process.kill()  # SIGKILL: no clean-up of any kind
        process.wait(10)
        sender.join(30)
        assert lost, "the payment service must not have had an answer"

        restarted = start_portal(data, port=int(urlsplit(origin).port or 0))
        with sqlite3.connect(data) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        status, _, paid, _ = state(data, payment_id, invoice_id)
        if point == "after":
            # Committed before the crash: not lost.
            assert (status, paid) == ("paid", amount)
        else:
            # Not committed: nothing of it, not half of it (payment and invoice together).
            assert (status, paid) == ("pending", paid_before)

        # TIPI had no answer, so it sends the notification again: applied exactly once.
        again = notify(notification, restarted.origin)
        assert again.status_code == 200
        assert again.json()["resultat"] == ("replay" if point == "after" else "applied")
        replay = notify(notification, restarted.origin)
        assert replay.json()["resultat"] == "replay"

        status, amount, paid, auth = state(data, payment_id, invoice_id)
        assert (status, paid, auth) == ("paid", amount, "A1B2C3")
        with sqlite3.connect(data) as conn:
            applied = conn.execute(
                "SELECT count(*) FROM notifications WHERE payment_id = ? AND outcome LIKE"
                " 'applied%'", (payment_id,)).fetchone()[0]
            paid_payments = conn.execute(
                "SELECT count(*) FROM payments p JOIN payment_invoices pi ON pi.payment_id ="
                " p.id WHERE pi.invoice_id = ? AND p.status = 'paid'", (invoice_id,)
            ).fetchone()[0]
        # The audit row is written in the same transaction as the change: committed
        # together (after), or neither (before, mid) until the notification comes again.
        assert applied == 1
        assert paid_payments == 1
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
