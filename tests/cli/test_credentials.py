"""`login`, `logout` and where the password comes from: the keyring, FAMILLE_TUI_PASSWORD,
a prompt on a terminal (pexpect in a real pty), or exit 3."""

from __future__ import annotations

import pexpect

from famille_tui.client.credentials import service_name
from tests.cli.conftest import FAMILLE_TUI, MARTIN_PASSWORD, Cli, process_env
from tests.support.keyring import MemoryKeyring


def test_login_remember_then_commands_need_no_password(
    cli: Cli, martin: Cli, chambon_url: str, isolated_dirs: MemoryKeyring
) -> None:
    result = martin("login", "--remember", "--json")
    assert result.code == 0, result.err
    document = result.json()
    assert document["account"]["login"] == "martin"
    assert document["password_remembered"] is True
    assert isolated_dirs.passwords[(service_name(chambon_url), "martin")] == MARTIN_PASSWORD

    # No --login, no FAMILLE_TUI_PASSWORD: the one remembered login and its password.
    family = cli("--portal", chambon_url, "family", "--json", password=None)
    assert family.code == 0, family.err
    assert family.json()["name"] == "Famille Martin"
    again = cli("--portal", chambon_url, "login", password=None)
    assert again.code == 0 and "Mot de passe retenu" in again.out

    out = cli("--portal", chambon_url, "logout", "--json", password=None)
    assert out.code == 0
    assert out.json() == {"portal_url": chambon_url, "forgotten_logins": ["martin"]}
    assert (service_name(chambon_url), "martin") not in isolated_dirs.passwords
    after = cli("--portal", chambon_url, "--login", "martin", "family", password=None)
    assert after.code == 3
    nothing = cli("--portal", chambon_url, "logout", password=None)
    assert nothing.code == 0 and "rien à oublier" in nothing.out


def test_login_without_remember_and_no_terminal_stores_nothing(
    martin: Cli, isolated_dirs: MemoryKeyring
) -> None:
    result = martin("login", "--plain")
    assert result.code == 0
    assert result.out.split("\t")[0] == "martin"
    assert result.out.rstrip().split("\t")[-1] == "false"
    assert isolated_dirs.passwords == {}


def test_a_remembered_password_that_changed_says_how_to_forget_it(
    cli: Cli, chambon_url: str, isolated_dirs: MemoryKeyring
) -> None:
    isolated_dirs.set_password(service_name(chambon_url), "martin", "ancien-mot-de-passe")
    result = cli("--portal", chambon_url, "--login", "martin", "family", password=None)
    assert result.code == 3
    assert "famille-tui logout" in result.err


def test_kiosk_never_reads_the_keyring(
    cli: Cli, chambon_url: str, isolated_dirs: MemoryKeyring
) -> None:
    isolated_dirs.set_password(service_name(chambon_url), "martin", MARTIN_PASSWORD)
    isolated_dirs.calls.clear()
    result = cli("--kiosk", "--portal", chambon_url, "--login", "martin", "family",
                 password=None)
    assert result.code == 3
    assert isolated_dirs.calls == []
    remember = cli("--kiosk", "--portal", chambon_url, "--login", "martin", "login",
                   "--remember", password=MARTIN_PASSWORD)
    assert remember.code == 1 and "Mode borne" in remember.err
    assert isolated_dirs.calls == []


def test_password_prompt_on_a_terminal(chambon_url: str) -> None:
    """In a real pty: getpass asks, nothing is echoed, and the answer is used."""
    child = pexpect.spawn(
        FAMILLE_TUI, ["--portal", chambon_url, "--login", "martin", "login"],
        env=process_env(), encoding="utf-8", timeout=30, dimensions=(24, 100),
    )
    try:
        child.expect("Mot de passe de martin : ")
        child.sendline(MARTIN_PASSWORD)
        child.expect("Connecté : ")
        child.expect(pexpect.EOF)
        assert MARTIN_PASSWORD not in (child.before or "")
    finally:
        child.close()
    assert child.exitstatus == 0


def test_pay_on_a_terminal_shows_a_qr_code(chambon_url: str, martin: Cli) -> None:
    listing = martin("invoices", "--unpaid", "--json").json()
    number = next(i["number"] for i in listing["invoices"] if i["payable_online"])
    child = pexpect.spawn(
        FAMILLE_TUI, ["--portal", chambon_url, "--login", "martin", "pay", number,
                      "--no-browser"],
        env=process_env(FAMILLE_TUI_PASSWORD=MARTIN_PASSWORD), encoding="utf-8", timeout=30,
        dimensions=(60, 200),
    )
    try:
        child.expect(pexpect.EOF)
        screen = child.before or ""
    finally:
        child.close()
    assert child.exitstatus == 0, screen
    assert "/tpa/paiementws.web?idop=" in screen
    assert "█" in screen or "▀" in screen or "▄" in screen
