"""Bad input, missing credentials, an unreachable portal: the right exit code and one
French line on stderr, never a traceback (unless --debug) and never a hang."""

from __future__ import annotations

import subprocess
import time

import pytest

from famille_tui.api import InvoiceList, InvoiceStatus
from famille_tui.cli import build_parser
from famille_tui.commands.parsing import subcommand_names
from famille_tui.portal.launcher import PortalProcess
from tests.cli.conftest import DURAND_PASSWORD, FAMILLE_TUI, Cli, process_env


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("famille-tui")
    return lines[0]


def test_unknown_invoice_number(martin: Cli) -> None:
    result = martin("invoice", "ZZ999999")
    assert result.code == 1
    assert "introuvable" in one_line(result.err) and result.out == ""
    assert martin("pay", "ZZ999999", "--no-browser").code == 1


def test_another_familys_invoice_is_unknown(cli: Cli, martin: Cli, chambon_url: str) -> None:
    durand = InvoiceList.model_validate(
        cli("--portal", chambon_url, "--login", "durand", "invoices", "--json",
            password=DURAND_PASSWORD).json()
    )
    number = next(i.number for i in durand.invoices if i.status is InvoiceStatus.A_PAYER)
    for argv in (("invoice", number), ("invoice", number, "--pdf", "x.pdf"),
                 ("pay", number, "--no-browser")):
        result = martin(*argv)
        assert result.code == 1
        line = one_line(result.err)
        assert number in line and "introuvable" in line


def test_paying_a_paid_invoice(martin: Cli) -> None:
    paid = InvoiceList.model_validate(martin("invoices", "--paid", "--json").json())
    number = paid.invoices[0].number
    result = martin("pay", number, "--no-browser")
    assert result.code == 1
    assert "déjà réglée" in one_line(result.err)


def test_paying_an_invoice_not_payable_online(martin: Cli) -> None:
    listing = InvoiceList.model_validate(martin("invoices", "--unpaid", "--json").json())
    offline = next(i for i in listing.invoices if not i.payable_online)
    result = martin("pay", offline.number, "--no-browser")
    assert result.code == 1
    assert offline.number in one_line(result.err)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("invoices", "--since", "2026-13-01"), "date impossible « 2026-13-01 » (format attendu"),
        (("invoices", "--since", "31/02/2026"), "date impossible « 31/02/2026 »"),
        (("invoices", "--since", "hier"), "date invalide « hier » (format attendu : JJ/MM/AAAA"),
        (("invoices", "--paid", "--unpaid"), "ne vont pas ensemble"),
        (("invoice", "12-34"), "Numéro de facture invalide"),
        (("pay",), "argument obligatoire manquant"),
        (("pay", "2026100042", "--email", "pas-une-adresse"), "--email"),
        (("pay", "2026100042", "--wait", "bientôt"), "durée invalide"),
        (("invoices", "--json", "--plain"), "ne vont pas ensemble"),
        (("--json", "invoices", "--plain"), "ne vont pas ensemble"),
        (("facturez",), "choix invalide"),
    ],
)
def test_usage_errors(martin: Cli, argv: tuple[str, ...], words: str) -> None:
    result = martin(*argv)
    assert result.code == 2
    assert words in one_line(result.err)
    assert result.out == ""


def test_no_password_and_no_terminal_exits_3(cli: Cli, chambon_url: str) -> None:
    result = cli("--portal", chambon_url, "--login", "martin", "invoices", password=None)
    assert result.code == 3
    assert "FAMILLE_TUI_PASSWORD" in one_line(result.err)


def test_no_password_with_stdin_an_open_pipe_never_hangs(chambon_url: str) -> None:
    """A real process whose stdin is a pipe nobody writes to nor closes: exit 3 at once."""
    started = time.monotonic()
    process = subprocess.Popen(
        [FAMILLE_TUI, "--portal", chambon_url, "--login", "martin", "invoices"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=process_env(),
    )
    try:
        out, err = _wait(process)
    finally:
        if process.stdin:
            process.stdin.close()
    assert process.returncode == 3
    assert time.monotonic() - started < 15
    assert "FAMILLE_TUI_PASSWORD" in one_line(err) and out == ""


def _wait(process: subprocess.Popen[str]) -> tuple[str, str]:
    # Wait without closing stdin: closing it would turn « no terminal » into « end of input ».
    process.wait(timeout=20)
    assert process.stdout is not None and process.stderr is not None
    return process.stdout.read(), process.stderr.read()


def test_no_login_and_no_terminal_exits_3(cli: Cli, chambon_url: str) -> None:
    result = cli("--portal", chambon_url, "family", password="demo-martin")
    assert result.code == 3
    assert "--login" in one_line(result.err)


def test_wrong_password_exits_3(martin: Cli) -> None:
    result = martin("family", password="pas-le-bon")
    assert result.code == 3
    assert "incorrect" in one_line(result.err)


def test_portal_unreachable_exits_4(martin: Cli, portal: PortalProcess) -> None:
    portal.stop()
    result = martin("invoices", "--json")
    assert result.code == 4
    one_line(result.err)
    assert result.out == ""


def test_a_mistyped_portal_address_is_not_a_lost_connection(cli: Cli) -> None:
    """Issue 19: a host that does not exist (`.invalid` never resolves, RFC 6761) said
    « Vérifiez votre connexion à Internet »: the address is what to check."""
    result = cli("--portal", "https://portail-famille.invalid/chaponost/", "--login", "martin",
                 "family", password="x")
    assert result.code == 4
    said = one_line(result.err)
    # This name does not exist (EAI_NONAME); with no resolver at all (EAI_AGAIN) the other
    # sentence names both the connection and the address.
    assert ("Adresse du portail introuvable" in said
            or "Le nom du portail n'a pas pu être trouvé" in said), said


def test_debug_shows_the_traceback(martin: Cli, portal: PortalProcess) -> None:
    portal.stop()
    result = martin("--debug", "invoices")
    assert result.code == 4
    assert "Traceback" in result.err
    assert result.err.rstrip().splitlines()[-1].startswith("famille-tui : ")


def test_insecure_portal_is_a_usage_error(cli: Cli) -> None:
    result = cli("--portal", "http://portail.example.fr/x/", "help")
    assert result.code == 2
    assert "https" in one_line(result.err)


def test_several_configured_communes_need_a_choice(cli: Cli, portal: PortalProcess) -> None:
    from famille_tui.client.config import PortalProfile, Settings, save_settings

    save_settings(Settings(portals=[
        PortalProfile(name="Le Chambon-Feugerolles",
                      url=portal.base_url("le-chambon-feugerolles")),
        PortalProfile(name="Chaponost", url=portal.base_url("chaponost")),
    ]))
    result = cli("help")
    assert result.code == 2
    line = one_line(result.err)
    assert "le-chambon-feugerolles" in line and "chaponost" in line
    assert cli("--commune", "Chaponost", "help", "--json").json()["commune"] == "Chaponost"
    unknown = cli("--commune", "Lyon", "help")
    assert unknown.code == 2 and "Lyon" in one_line(unknown.err)


def test_no_configured_portal(cli: Cli) -> None:
    result = cli("help")
    assert result.code == 2
    assert "--portal" in one_line(result.err)


def test_every_command_has_help_with_an_example(cli: Cli) -> None:
    commands = subcommand_names(build_parser())
    assert {"login", "logout", "family", "entourage", "dashboard", "profile", "help",
            "invoices", "invoice", "pay", "payments", "outbox", "kiosk-code",
            "completion"} <= set(commands)
    for name in commands:
        result = cli(name, "--help")
        assert result.code == 0, name
        assert "Utilisation : famille-tui" in result.out
        assert "Exemple" in result.out, name
        assert "famille-tui " in result.out.split("Exemple", 1)[1], name


def test_a_commune_the_portal_does_not_serve_exits_2_before_the_password(
    cli: Cli, portal: PortalProcess
) -> None:
    wrong = f"{portal.origin}/chambon/"
    # No password anywhere: the address is judged first (exit 3 « no password » before).
    result = cli("--portal", wrong, "--login", "martin", "invoices", password=None)
    assert result.code == 2
    assert result.err_lines == [
        f"famille-tui : Commune inconnue sur ce portail : {wrong} ne mène à aucune commune. "
        f"Communes de ce portail : Chaponost ({portal.origin}/chaponost/), Le "
        f"Chambon-Feugerolles ({portal.origin}/le-chambon-feugerolles/). Corrigez l'adresse "
        "dans la configuration (ou --portal, --commune)."]
