"""`pay` and `payments` against the real portal and its PayFiP sandbox, completed by the
browser stand-in of tests/support/sandbox.py: paid → 0, refused → 5, abandoned or expired
→ 6, still pending when the wait ends → 7."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from famille_tui.api import InvoiceList, InvoiceStatus, Payment, PaymentStatus
from famille_tui.portal.launcher import PortalProcess
from tests.cli.conftest import FAMILLE_TUI, MARTIN_PASSWORD, Cli, famille_tui_process, process_env
from tests.support import CHAMBON, forget_email, start_test_portal
from tests.support.sandbox import pay_in_sandbox

REFUSED_CARD = "4000 0000 0000 0002"


def payable_numbers(martin: Cli) -> list[str]:
    listing = InvoiceList.model_validate(martin("invoices", "--unpaid", "--json").json())
    return [i.number for i in listing.invoices
            if i.payable_online and i.status is InvoiceStatus.A_PAYER]


def pay_process(portal_url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [FAMILLE_TUI, "--portal", portal_url, "--login", "martin", "pay", *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=process_env(FAMILLE_TUI_PASSWORD=MARTIN_PASSWORD),
    )


def printed_url(process: subprocess.Popen[str]) -> str:
    """The payment page's address, as the command printed it on stdout."""
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("http"):
            return line.strip()
    process.wait(10)
    raise AssertionError(f"no URL printed; stderr: {process.communicate()[1]}")


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def test_pay_no_browser_wait_paid_exits_0(martin: Cli, chambon_url: str) -> None:
    number = payable_numbers(martin)[0]
    process = pay_process(chambon_url, number, "--no-browser", "--wait")
    url = printed_url(process)
    worker = threading.Thread(target=pay_in_sandbox, args=(url,))
    worker.start()
    code, out, err = finish(process)
    worker.join(30)
    assert code == 0, err
    assert out.startswith("Réglée")
    assert "En attente du paiement" in err and "Traceback" not in err
    invoice = martin("invoice", number, "--json").json()
    assert invoice["status"] == "reglee" and invoice["remaining_cents"] == 0
    # Ended: nothing left in the journal.
    assert martin("payments", "--json").json() == {"payments": []}


def test_pay_refused_card_exits_5(martin: Cli, chambon_url: str) -> None:
    number = payable_numbers(martin)[0]
    process = pay_process(chambon_url, number, "--no-browser", "--wait", "60", "--plain")
    url = printed_url(process)
    threading.Thread(target=pay_in_sandbox, args=(url,), kwargs={"card": REFUSED_CARD}).start()
    code, out, err = finish(process)
    assert code == 5, err
    fields = out.strip().split("\t")
    assert fields[1] == "refused"
    assert martin("invoice", number, "--json").json()["status"] == "a_payer"


def test_pay_cancelled_exits_6(martin: Cli, chambon_url: str) -> None:
    number = payable_numbers(martin)[0]
    process = pay_process(chambon_url, number, "--no-browser", "--wait", "60")
    url = printed_url(process)
    threading.Thread(target=pay_in_sandbox, args=(url,), kwargs={"outcome": "cancel"}).start()
    code, out, err = finish(process)
    assert code == 6, err
    assert out.startswith("Paiement abandonné")


def test_pay_expired_exits_6(cli: Cli, tmp_path: Path, demo_database: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    short = start_test_portal(tmp_path / "short", demo_database, payment_ttl=2)
    monkeypatch.setenv("FAMILLE_TUI_PAYFIP_ORIGIN", short.payfip_origin or "")
    try:
        url = short.base_url(CHAMBON)
        listing = InvoiceList.model_validate(
            cli("--portal", url, "--login", "martin", "invoices", "--unpaid", "--json",
                password=MARTIN_PASSWORD).json())
        number = next(i.number for i in listing.invoices if i.payable_online)
        result = cli("--portal", url, "--login", "martin", "pay", number, "--no-browser",
                     "--wait", "40", "--json", password=MARTIN_PASSWORD)
        assert result.code == 6, result.err
        assert Payment.model_validate(result.json()).status is PaymentStatus.EXPIRED
    finally:
        short.stop()


def test_still_pending_exits_7_then_payments_follows_it(martin: Cli) -> None:
    numbers = payable_numbers(martin)[:2]
    assert len(numbers) == 2
    result = martin("pay", *numbers, "--no-browser", "--wait", "1", "--json")
    assert result.code == 7, result.err
    # The person watching hears why it is not 0, and what to do (stdout stays one document).
    assert "Toujours en attente au bout de 1 s : le paiement de" in result.err
    assert "« famille-tui payments » dira son résultat" in result.err
    payment = Payment.model_validate(result.json())
    assert payment.status is PaymentStatus.PENDING
    # stdout is one JSON document: the address went to stderr.
    assert payment.payment_url in result.err
    listing = InvoiceList.model_validate(martin("invoices", "--json").json())
    chosen = [i for i in listing.invoices if i.number in numbers]
    assert payment.amount_cents == sum(i.remaining_cents for i in chosen)
    assert all(i.status is InvoiceStatus.EN_COURS for i in chosen)

    pending = martin("payments", "--json").json()["payments"]
    assert [p["payment_id"] for p in pending] == [payment.id]
    assert pending[0]["status"] == "pending"
    assert pending[0]["invoice_numbers"] == numbers
    assert Payment.model_validate(pending[0]["payment"]).id == payment.id
    # Paying it again is refused while it is in progress.
    again = martin("pay", numbers[0], "--no-browser")
    assert again.code == 1 and "en cours" in again.err

    pay_in_sandbox(payment.payment_url)
    ended = martin("payments", "--json").json()["payments"]
    assert ended[0]["status"] == "paid" and ended[0]["message"].startswith("Factures")
    # Shown once with its outcome, then forgotten.
    assert martin("payments", "--json").json() == {"payments": []}
    assert "Aucun paiement en cours." in martin("payments").out


def test_payments_without_login_uses_the_journals(cli: Cli, martin: Cli,
                                                  chambon_url: str) -> None:
    number = payable_numbers(martin)[0]
    waited = martin("pay", number, "--no-browser", "--wait", "1")
    assert waited.code == 7
    # Not « le résultat s'affichera ici »: the command is over, it says who will tell.
    assert "Toujours en attente au bout de 1 s" in waited.out
    assert "s'affichera ici" not in waited.out
    result = cli("--portal", chambon_url, "payments", "--plain", password=MARTIN_PASSWORD)
    assert result.code == 0, result.err
    (line,) = result.out.splitlines()
    assert line.split("\t")[1] == "pending" and line.split("\t")[3] == number


def test_pay_opens_the_system_browser(martin: Cli, chambon_url: str, tmp_path: Path) -> None:
    """$BROWSER is a program that writes down the address it is given, then the stand-in
    pays on that address."""
    seen = tmp_path / "browser-url.txt"
    browser = tmp_path / "browser.py"
    browser.write_text(
        f"import sys, pathlib\npathlib.Path({str(seen)!r}).write_text(sys.argv[1])\n"
    )
    number = payable_numbers(martin)[0]
    process = subprocess.Popen(
        [FAMILLE_TUI, "--portal", chambon_url, "--login", "martin", "pay", number, "--wait"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=process_env(FAMILLE_TUI_PASSWORD=MARTIN_PASSWORD,
                        BROWSER=f"{sys.executable} {browser} %s"),
    )
    deadline = time.monotonic() + 30
    while not seen.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert seen.exists(), process.communicate(timeout=5)
    pay_in_sandbox(seen.read_text())
    code, out, err = finish(process)
    assert code == 0, err
    assert "ouverte dans le navigateur" in err
    assert out.startswith("Réglée")


def test_pay_without_wait_returns_at_once(martin: Cli, portal: PortalProcess) -> None:
    number = payable_numbers(martin)[0]
    result = famille_tui_process(
        ["--portal", portal.base_url(CHAMBON), "--login", "martin", "pay", number,
         "--no-browser", "--plain"],
        FAMILLE_TUI_PASSWORD=MARTIN_PASSWORD,
    )
    assert result.returncode == 0, result.stderr
    url_line, record = result.stdout.splitlines()
    fields = record.split("\t")
    assert fields[1] == "pending" and fields[5] == url_line
    # No terminal: no QR code anywhere.
    assert "█" not in result.stdout + result.stderr and "▀" not in result.stdout


def test_a_refused_page_says_the_payment_exists_and_is_never_offered(
    martin: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19, bug 2: the stand-in's origin not allowed (as when the program is not told
    where the demo's PayFiP is), `pay` says a payment was prepared, nothing was taken, and
    until when its invoice stays « Paiement en cours »; `payments` follows it and never
    prints the refused page's address."""
    monkeypatch.delenv("FAMILLE_TUI_PAYFIP_ORIGIN", raising=False)
    number = payable_numbers(martin)[0]
    result = martin("pay", number, "--no-browser")
    assert result.code != 0
    assert "n'a pas été ouverte" in result.err and "rien n'a été débité" in result.err
    assert "a pourtant été préparé par le portail" in result.err
    assert "restent « Paiement en cours » jusqu'à son expiration, à " in result.err
    assert "Aucun paiement" not in result.out + result.err
    assert "paiementws.web" not in result.out + result.err
    listing = martin("payments")
    assert listing.code == 0, listing.err
    assert "a pourtant été préparé par le portail" in listing.out
    assert "paiementws.web" not in listing.out  # the refused page is never offered


def test_no_email_on_file_says_the_leaflets_way_out(martin: Cli, portal: PortalProcess) -> None:
    forget_email(portal.data_path)
    number = payable_numbers(martin)[0]
    result = martin("pay", number, "--no-browser")
    assert result.code == 2
    assert result.err_lines == [
        "famille-tui : Aucune adresse électronique n'est enregistrée pour votre compte : "
        "précisez celle du justificatif avec --email. Si vous n'avez jamais donné d'adresse "
        "électronique à l'inscription de votre enfant, demandez-en l'enregistrement à Crèche "
        "Les Pirouettes : creche.lespirouettes@lechambon.fr ou 04 77 06 20 10."]
    assert martin("payments", "--json").json() == {"payments": []}  # nothing was started
    # With --email the payment goes ahead as usual.
    assert martin("pay", number, "--no-browser", "--email", "claire@exemple.fr").code == 0
