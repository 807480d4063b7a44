"""payments.py on its own: the payment URL check, the journal on disk, the outcome
messages, and the wait's retries (faults injected at the httpx transport level)."""

from __future__ import annotations

import itertools
import json
import logging
import os
import stat
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from famille_tui.api import Payment, PaymentStatus
from famille_tui.client import (
    JournalEntry,
    NotFound,
    PaymentHostNotAllowed,
    PaymentJournal,
    PortalClient,
    SessionExpired,
    WaitEvent,
    check_payment_url,
    new_idempotency_key,
    outcome_message,
    wait_for_payment,
)
from famille_tui.client.payments import default_journal_dir, redact_payment_url

DEMO_PORTAL = "http://127.0.0.1:8765/le-chambon-feugerolles/"
REAL_PORTAL = "https://www.espace-citoyens.net/lechambonfeugerolles/"

# --- check_payment_url ----------------------------------------------------------------------

ALLOWED = [
    ("https://www.payfip.gouv.fr/tpa/paiement.web?numcli=123456&refdet=2026100042", False),
    ("https://www.payfip.gouv.fr:443/tpa/paiement.web", False),
    ("https://WWW.PAYFIP.GOUV.FR/tpa/paiement.web", False),
    ("https://www.tipi.budget.gouv.fr/tpa/paiement.web?numcli=1", False),
    ("https://www.espace-citoyens.net/sandbox/pay/1", False),
    ("http://127.0.0.1:8765/sandbox/tpa/paiement.web?refdet=X", True),
    ("https://www.payfip.gouv.fr/tpa/paiement.web", True),
]

REFUSED = [
    # other schemes
    ("javascript:alert(1)", True),
    ("JavaScript://www.payfip.gouv.fr/%0aalert(1)", True),
    ("file:///etc/passwd", True),
    ("data:text/html,<script>alert(1)</script>", True),
    ("ftp://www.payfip.gouv.fr/", True),
    ("//www.payfip.gouv.fr/tpa", True),
    ("www.payfip.gouv.fr/tpa", True),
    # plain http off demo, or off the portal's own origin
    ("http://www.payfip.gouv.fr/tpa/paiement.web", False),
    ("http://127.0.0.1:8765/sandbox/pay", False),
    ("http://127.0.0.1:9999/sandbox/pay", True),
    ("http://localhost:8765/sandbox/pay", True),
    # look-alike hosts
    ("https://www.payfip.gouv.fr.evil.com/tpa", True),
    ("https://evil.com/www.payfip.gouv.fr", True),
    ("https://payfip.gouv.fr/tpa", True),
    ("https://www.payfip.gouv.fr./tpa", True),
    ("https://www.payfip.gouv.fr:8443/tpa", True),
    ("https://xn--www-payfp-0ib.gouv.fr/tpa", True),
    ("https://www.payf\u0131p.gouv.fr/tpa", True),
    ("https://www.espace-citoyens.net:444/x", False),
    ("https://espace-citoyens.net/x", False),
    # userinfo and parser confusions
    ("https://www.payfip.gouv.fr@evil.com/tpa", True),
    ("https://www.payfip.gouv.fr:@evil.com/", True),
    ("https://user:pw@www.payfip.gouv.fr/tpa", True),
    ("https://evil.com\\@www.payfip.gouv.fr/", True),
    ("https://evil.com\\.www.payfip.gouv.fr/", True),
    ("https://www.payfip.gouv.fr\t.evil.com/", True),
    (" https://www.payfip.gouv.fr/", True),
    ("https://www.payfip.gouv.fr/\x1b]52;c;x\x07", True),
    ("https://www.payfip.gouv.fr:99999/", True),
    ("https://[::1]:8765/sandbox", True),
    ("", True),
    ("https://www.payfip.gouv.fr/" + "a" * 5000, True),
]


@pytest.mark.parametrize(("url", "demo"), ALLOWED)
def test_allowed_payment_urls(url: str, demo: bool) -> None:
    portal = DEMO_PORTAL if url.startswith("http://") else REAL_PORTAL
    assert check_payment_url(url, portal_url=portal, demo=demo) == url


@pytest.mark.parametrize(("url", "demo"), REFUSED)
def test_refused_payment_urls(url: str, demo: bool) -> None:
    portal = REAL_PORTAL if "espace-citoyens" in url else DEMO_PORTAL
    with pytest.raises(PaymentHostNotAllowed) as caught:
        check_payment_url(url, portal_url=portal, demo=demo)
    message = caught.value.message
    assert "pas été ouverte" in message and "\x1b" not in message


def test_refusal_names_the_host() -> None:
    with pytest.raises(PaymentHostNotAllowed, match=r"\(evil\.example\)"):
        check_payment_url("https://evil.example/pay", portal_url=REAL_PORTAL, demo=False)


def test_idempotency_keys_are_unique() -> None:
    keys = {new_idempotency_key() for _ in range(1000)}
    assert len(keys) == 1000
    assert all(16 <= len(k) <= 64 for k in keys)


# --- the journal ---------------------------------------------------------------------------------


def entry(payment_id: str = "pay-1", *, minutes: int = 0, login: str = "martin",
          portal_url: str = DEMO_PORTAL) -> JournalEntry:
    created = datetime(2026, 10, 1, 10, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    return JournalEntry(
        payment_id=payment_id,
        portal_url=portal_url,
        login=login,
        invoice_ids=[3, 4],
        invoice_numbers=["2026100042", "2026100043"],
        amount_cents=8500,
        payment_url="http://127.0.0.1:8765/sandbox/tpa/paiement.web?refdet=R1",
        created_at=created,
        expires_at=created + timedelta(minutes=15),
    )


def test_journal_round_trip_and_permissions(tmp_path: Path) -> None:
    directory = tmp_path / "state" / "payments"
    journal = PaymentJournal(directory)
    assert journal.record(entry("pay-2", minutes=5))
    assert journal.record(entry("pay-1"))

    # A new journal (the program restarted) reads the same entries, oldest first.
    again = PaymentJournal(directory)
    assert [e.payment_id for e in again.entries()] == ["pay-1", "pay-2"]
    assert again.get("pay-2") == entry("pay-2", minutes=5)
    assert again.get("unknown") is None

    files = sorted(directory.iterdir())
    assert len(files) == 2
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        assert file.suffix == ".json" and "pay" not in file.name  # the id does not name files
    assert stat.S_IMODE(directory.stat().st_mode) & 0o077 == 0

    again.remove("pay-1")
    again.remove("pay-1")  # twice is fine
    assert [e.payment_id for e in PaymentJournal(directory).entries()] == ["pay-2"]


def test_journal_filters_by_portal_and_login(tmp_path: Path) -> None:
    tmp_path = tmp_path / "journal"  # tmp_path also holds conftest's isolated dirs
    journal = PaymentJournal(tmp_path)
    journal.record(entry("a", login="martin"))
    journal.record(entry("b", login="durand"))
    journal.record(entry("c", portal_url="http://127.0.0.1:8765/chaponost/"))
    assert [e.payment_id for e in journal.entries(portal_url=DEMO_PORTAL.rstrip("/"),
                                                  login="martin")] == ["a"]
    assert len(journal.entries()) == 3


def test_journal_writes_are_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tmp_path = tmp_path / "journal"  # tmp_path also holds conftest's isolated dirs
    journal = PaymentJournal(tmp_path)
    journal.record(entry("pay-1"))
    (before,) = list(tmp_path.iterdir())
    content = before.read_bytes()

    def crash(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    changed = entry("pay-1").model_copy(update={"amount_cents": 1})
    assert PaymentJournal(tmp_path).record(changed) is False
    monkeypatch.undo()
    # The old entry is intact, and no temporary file is left behind.
    assert list(tmp_path.iterdir()) == [before]
    assert before.read_bytes() == content
    assert PaymentJournal(tmp_path).get("pay-1") == entry("pay-1")


def test_journal_write_is_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tmp_path = tmp_path / "journal"  # tmp_path also holds conftest's isolated dirs
    synced: list[int] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    PaymentJournal(tmp_path).record(entry())
    assert len(synced) == 2  # the file, then its directory


def test_journal_ignores_damaged_files(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    tmp_path = tmp_path / "journal"  # tmp_path also holds conftest's isolated dirs
    journal = PaymentJournal(tmp_path)
    journal.record(entry("good"))
    (tmp_path / "0000.json").write_text("{half a file")
    (tmp_path / "0001.json").write_text(json.dumps({"payment_id": "x"}))
    (tmp_path / "0002.json").write_bytes(b"\xff\xfe\x00")
    (tmp_path / ".tmp-123.json").write_text("partial")
    (tmp_path / "subdir.json").mkdir()
    with caplog.at_level(logging.WARNING):
        found = PaymentJournal(tmp_path).entries()
    assert [e.payment_id for e in found] == ["good"]
    assert sum("ignored" in r.getMessage() for r in caplog.records) >= 3


def test_journal_in_an_unwritable_place_keeps_going(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    journal = PaymentJournal(blocker / "payments")
    assert journal.record(entry()) is False
    # Kept in memory for this run; no crash.
    assert [e.payment_id for e in journal.entries()] == ["pay-1"]
    assert journal.get("pay-1") is not None
    journal.remove("pay-1")
    assert journal.entries() == []


def test_memory_journal_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tmp_path = tmp_path / "state"
    tmp_path.mkdir()
    monkeypatch.setenv("FAMILLE_TUI_STATE_DIR", str(tmp_path))
    journal = PaymentJournal.for_user(on_disk=False)
    assert journal.directory is None
    assert journal.record(entry())
    assert journal.get("pay-1") == entry()
    assert list(tmp_path.iterdir()) == []
    assert PaymentJournal.for_user().directory == default_journal_dir() == tmp_path / "payments"


def test_the_journal_holds_no_email() -> None:
    url = ("https://www.payfip.gouv.fr/tpa/paiement.web?numcli=123456&exer=2026"
           "&refdet=R1&montant=8500&mel=claire.martin%40example.fr&urlcl=https%3A%2F%2Fx&saisie=T")
    redacted = redact_payment_url(url)
    assert "mel=" not in redacted and "example.fr" not in redacted and "%40" not in redacted
    assert "refdet=R1" in redacted and "montant=8500" in redacted
    assert "@" not in redact_payment_url("https://x.fr/p?contact=a@b.fr&x=1")


# --- outcome messages --------------------------------------------------------------------------


def payment(status: PaymentStatus, invoices: int = 1, **extra: Any) -> Payment:
    return Payment(
        id="pay-1", status=status, amount_cents=123456, invoice_ids=list(range(invoices)),
        reference="R1", payment_url="https://www.payfip.gouv.fr/tpa",
        created_at=datetime(2026, 10, 1, tzinfo=UTC),
        expires_at=datetime(2026, 10, 1, 0, 15, tzinfo=UTC), **extra,
    )


@pytest.mark.parametrize(
    ("status", "start", "next_step"),
    [
        (PaymentStatus.PAID, "Réglée", "rien d'autre à faire"),
        (PaymentStatus.REFUSED, "Paiement refusé", "réessayer avec une autre carte"),
        (PaymentStatus.CANCELLED, "Paiement abandonné", "relancer le paiement"),
        (PaymentStatus.EXPIRED, "Délai dépassé", "relancez le paiement"),
        (PaymentStatus.PENDING, "En attente du paiement", "Terminez-le"),
    ],
)
def test_outcome_messages_say_what_next(status: PaymentStatus, start: str, next_step: str) -> None:
    text = outcome_message(payment(status))
    assert text.startswith(start)
    assert next_step in text


def test_outcome_message_amount_and_plural() -> None:
    paid = outcome_message(payment(PaymentStatus.PAID, 2, authorization_number="A12345"))
    assert "1\u00a0234,56\u00a0€" in paid and "sont réglées" in paid and "A12345" in paid
    assert "restent à payer" in outcome_message(payment(PaymentStatus.CANCELLED, 3))


# --- waiting across failures (transport-level fault injection) ---------------------------------

PAYMENT_JSON = json.loads(payment(PaymentStatus.PENDING).model_dump_json())


class Script:
    """A portal whose payment answers follow a script: an exception to raise, or a status."""

    def __init__(self, steps: Sequence[Exception | str | int]) -> None:
        self.steps = list(steps)
        self.waits: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.waits.append(request.url.params.get("wait", "0"))
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            raise step
        if isinstance(step, int):
            return httpx.Response(step, json={"error": {"code": "x", "message": "Indisponible."}})
        return httpx.Response(200, json={**PAYMENT_JSON, "status": step})


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


async def test_wait_retries_with_backoff_and_recovers(tmp_path: Path) -> None:
    tmp_path = tmp_path / "journal"  # tmp_path also holds conftest's isolated dirs
    script = Script([
        httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.ReadError("reset"),
        503, "pending", httpx.ConnectError("refused"), "paid",
    ])
    events: list[WaitEvent] = []
    sleeps = Sleeps()
    journal = PaymentJournal(tmp_path)
    journal.record(entry("pay-1"))
    async with PortalClient(DEMO_PORTAL, transport=httpx.MockTransport(script)) as client:
        final = await wait_for_payment(client, "pay-1", on_event=events.append,
                                       journal=journal, sleep=sleeps)
    assert final.status is PaymentStatus.PAID
    # The pending answer came at once: a pause up to 5 s after that poll's start follows.
    assert sleeps.delays[:4] == [1.0, 2.0, 4.0, 8.0] and sleeps.delays[5:] == [1.0]
    assert 4 < sleeps.delays[4] <= 5
    assert [e.kind for e in events] == [
        "waiting", "retrying", "retrying", "retrying", "retrying", "recovered", "waiting",
        "retrying", "recovered", "outcome",
    ]
    retries = [e for e in events if e.kind == "retrying"]
    assert [e.attempt for e in retries] == [1, 2, 3, 4, 1]
    assert "Nouvel essai dans 2 s (essai 2)" in retries[1].message
    assert retries[1].error is not None and "trop de temps" in retries[1].error.message
    assert events[-1].message.startswith("Réglée")
    assert set(script.waits) == {"25"}
    assert journal.entries() == []  # final: removed from the journal


async def test_a_portal_answering_at_once_gets_a_few_polls_a_minute() -> None:
    """The pauses after still-pending answers that come at once, added up: 5 polls in the
    first minute, then one every 20 s (3 a minute) for ever."""
    script = Script(["pending"] * 12 + ["paid"])
    sleeps = Sleeps()
    async with PortalClient(DEMO_PORTAL, transport=httpx.MockTransport(script)) as client:
        await wait_for_payment(client, "pay-1", sleep=sleeps)
    starts = [0.0]
    for delay in sleeps.delays:
        starts.append(starts[-1] + delay)
    assert len([t for t in starts if t < 60]) == 5, starts
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(19 < g <= 20 for g in gaps[2:]), gaps


async def test_wait_backoff_is_capped() -> None:
    script = Script([httpx.ConnectError("down")] * 12 + ["refused"])
    sleeps = Sleeps()
    async with PortalClient(DEMO_PORTAL, transport=httpx.MockTransport(script)) as client:
        final = await wait_for_payment(client, "pay-1", sleep=sleeps, backoff_cap=30.0)
    assert final.status is PaymentStatus.REFUSED
    assert sleeps.delays[:7] == [1, 2, 4, 8, 16, 30, 30]
    assert max(sleeps.delays) == 30


async def test_wait_accepts_async_handlers() -> None:
    seen: list[str] = []

    async def on_event(event: WaitEvent) -> None:
        seen.append(event.kind)

    script = Script(["cancelled"])
    async with PortalClient(DEMO_PORTAL, transport=httpx.MockTransport(script)) as client:
        final = await wait_for_payment(client, "pay-1", on_event=on_event)
    assert final.status is PaymentStatus.CANCELLED and seen == ["waiting", "outcome"]


@pytest.mark.parametrize(
    ("answer", "error"),
    [(401, SessionExpired), (404, NotFound)],
)
async def test_wait_raises_what_the_parent_must_act_on(answer: int, error: type) -> None:
    codes = {401: "session_expired", 404: "not_found"}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(answer, json={"error": {"code": codes[answer], "message": "Non."}})

    async with PortalClient(DEMO_PORTAL, transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(error):
            await wait_for_payment(client, "pay-1", sleep=Sleeps())


async def test_wait_gives_up_after_max_seconds_with_the_last_state() -> None:
    script = Script(["pending"])
    async with PortalClient(DEMO_PORTAL, transport=httpx.MockTransport(script)) as client:
        last = await wait_for_payment(client, "pay-1", max_seconds=0)
    assert last.status is PaymentStatus.PENDING
    assert script.waits == ["0"]


async def test_wait_without_any_answer_raises_the_last_error() -> None:
    script = Script([httpx.ConnectError("down")])
    async with PortalClient(DEMO_PORTAL, transport=httpx.MockTransport(script)) as client:
        with pytest.raises(Exception) as caught:
            await wait_for_payment(client, "pay-1", max_seconds=0.05, backoff_base=0.01)
    assert type(caught.value).__name__ == "PortalUnreachable"
