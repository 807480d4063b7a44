"""The scriptable commands under faults, as a person or a script meets them: one French line
on stderr, the documented exit code, never a traceback; and a payment started before the
portal went away is found again once it is back (journal + `payments`).

The faults are real ones on loopback (tests/faults/hostile.py stands between the CLI and the
real embedded portal); the transport-level details are in tests/client/test_faults.py.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Iterator

import pytest

from famille_tui.cli import main
from famille_tui.client.payments import PaymentJournal, default_journal_dir
from famille_tui.portal.launcher import PortalProcess
from tests.faults.hostile import (
    HTML_500,
    WRONG_SHAPE,
    HostileServer,
    answer,
    cut,
    huge,
    nested,
    reset,
    rewrite,
)
from tests.support import CHAMBON
from tests.support.sandbox import pay_in_sandbox

UNREACHABLE = 4
OVERDUE = "2026100042"


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAMILLE_TUI_PASSWORD", "demo-martin")
    monkeypatch.setenv("BROWSER", "true")  # a browser that opens nothing


@pytest.fixture
def hostile(portal: PortalProcess) -> Iterator[HostileServer]:
    server = HostileServer(upstream=portal.origin)
    try:
        yield server
    finally:
        server.close()


def run(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, str, str]:
    code = main(["--portal", url, "--login", "martin", *args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_french_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "nothing said"
    last = lines[-1]
    assert last.startswith("famille-tui : ")
    assert "Traceback" not in err and "Error" not in err and "<" not in err
    assert any(word in last.lower() for word in ("portail", "réponse", "délai", "connexion",
                                                 "réseau", "serveur", "adresse", "paiement"))
    return last


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_portal_down_at_start(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}/{CHAMBON}/"
    code, out, err = run(capsys, url, "invoices")
    assert code == UNREACHABLE
    assert out == ""
    assert_one_french_line(err)


@pytest.mark.parametrize(
    ("fault", "expected_code"),
    [
        (reset, UNREACHABLE),
        (cut, UNREACHABLE),
        (answer(500, HTML_500, "text/html"), UNREACHABLE),
        (answer(200, WRONG_SHAPE), UNREACHABLE),
        (answer(200, nested(100_000)), UNREACHABLE),
        (answer(200, huge(10)), UNREACHABLE),
    ],
    ids=["connection-reset", "answer-cut", "500-html", "wrong-shape", "deep-json", "10-MB"],
)
def test_broken_answer_to_the_invoice_list(
    fault: object, expected_code: int, hostile: HostileServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every portal fault is exit 4 (docs: « the portal cannot be used »), one French line."""
    hostile.faults["GET invoices"] = fault  # type: ignore[assignment]
    code, out, err = run(capsys, hostile.base_url(CHAMBON), "invoices", "--json")
    assert code == expected_code
    assert out == ""  # nothing half-printed for a script to misread
    line = assert_one_french_line(err)
    assert "Internal Server Error" not in line


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd",
                                 "https://evil.example/tpa/paiement.web?refdet=X"])
def test_payment_page_that_is_not_allowed(
    url: str, hostile: HostileServer, portal: PortalProcess,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hostile.faults["POST payments"] = rewrite(lambda body: {**body, "payment_url": url})
    code, out, err = run(capsys, hostile.base_url(CHAMBON), "pay", OVERDUE, "--no-browser")
    assert code != 0
    assert url not in out
    line = assert_one_french_line(err)
    assert "paiement" in line.lower()
    # The payment the portal created is not lost: it is in the journal, to be followed.
    entries = PaymentJournal(default_journal_dir()).entries()
    assert [e.invoice_numbers for e in entries] == [[OVERDUE]]


def test_escape_sequences_in_labels_are_shown_as_text(
    portal: PortalProcess, capsys: pytest.CaptureFixture[str],
) -> None:
    hostile_label = "Cantine \x1b]52;c;ZWNobyBwd25lZA==\x07 octobre \x1b[2J\x1b[31mrouge\x9b2J"
    with sqlite3.connect(portal.data_path) as conn:
        conn.execute("UPDATE invoices SET label = ? WHERE number = ?", (hostile_label, OVERDUE))
    for shape in ((), ("--plain",), ("--json",)):
        code, out, err = run(capsys, portal.base_url(CHAMBON), "invoices", *shape)
        assert code == 0, err
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
        assert "Cantine" in out
        if shape == ("--json",):
            # JSON escapes control characters: a script gets the data, a terminal no escape.
            json.loads(out)


def test_payment_started_before_the_portal_died_is_found_again(
    portal: PortalProcess, capsys: pytest.CaptureFixture[str],
) -> None:
    url = portal.base_url(CHAMBON)
    code, out, err = run(capsys, url, "pay", OVERDUE, "--no-browser", "--json")
    assert code == 0, err
    payment_url = json.loads(out)["payment_url"]

    portal.stop()  # the portal dies with the payment pending
    code, out, err = run(capsys, url, "payments")
    assert code == UNREACHABLE
    assert_one_french_line(err)
    assert len(PaymentJournal(default_journal_dir()).entries()) == 1  # still known

    portal.restart()  # back on the same data and address; the parent pays meanwhile
    pay_in_sandbox(payment_url)
    code, out, err = run(capsys, url, "payments", "--json")
    assert code == 0, err
    found = json.loads(out)
    assert [p["status"] for p in found["payments"]] == ["paid"]
    assert PaymentJournal(default_journal_dir()).entries() == []
