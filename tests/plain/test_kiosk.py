"""Kiosk mode in the screen-reader interface, as a front desk meets it (issue 13).

In a real terminal (tmux: its scrollback is what Shift+PgUp shows) with Debian's w3m
installed and no display: a parent pays on their phone (short link, spelt, or QR code) and
walks away; no browser starts, the session ends by itself, nothing of the family is on screen
or in the scrollback, nothing is left on disk. Then each finding: signals (a held ctrl+c,
SIGTERM, SIGHUP), idle before login and typing as activity, a pending payment handed over,
no outbox nor previous login offered, a desk's PDF removed with its session, no staff code.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import shutil
import signal
import sqlite3
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from famille_tui.client import CredentialStore
from famille_tui.client.config import LaunchOptions, Settings
from famille_tui.client.kiosk import hash_staff_code
from famille_tui.plain.app import run_with
from famille_tui.plain.console import CLEAR, Console
from famille_tui.portal.launcher import PortalProcess
from tests.plain.scripted import Pick, ScriptedInput
from tests.support.journey import CHOICE, FAMILLE_TUI
from tests.support.keyring import MemoryKeyring
from tests.support.sandbox import pay_in_sandbox
from tests.support.terminal import Terminal

STAFF_CODE = "accueil-2026"
#: What must never be left on the screen or in the scrollback once a family's session ended
#: (« Réglée : » is the family's result; the hand-over sentence after it names « Réglée »).
FAMILY_TRACES = ("Martin", "claire.martin", "Bienvenue", "20 26 10 00 42", "autorisation",
                 "/p/pay_", "Réglée :")
#: Browsers Python's webbrowser (and Debian's alternatives) would run without a display.
CONSOLE_BROWSERS = ("www-browser", "w3m", "x-www-browser", "sensible-browser", "lynx",
                    "links", "elinks", "xdg-open")


class ForbiddenKeyring(MemoryKeyring):
    """Fails the test on any use: kiosk mode must never touch the keyring."""

    def get_password(self, service: str, username: str) -> str | None:
        raise AssertionError("keyring read in kiosk mode")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("keyring written in kiosk mode")


def write_config(*, idle: int = 5, staff: bool = True, extra: str = "") -> None:
    config = Path(os.environ["FAMILLE_TUI_CONFIG_DIR"])
    code = f'kiosk_staff_code_hash = "{hash_staff_code(STAFF_CODE)}"\n' if staff else ""
    (config / "config.toml").write_text(
        f"kiosk = true\nkiosk_idle_seconds = {idle}\nkiosk_warning_seconds = 20\n"
        f"still_waiting_interval = 0\n{code}{extra}", encoding="utf-8")


@pytest.fixture
def desk(tmp_path: Path) -> dict[str, str]:
    """The desk's environment: no display, no BROWSER, the real w3m installed, and on the
    PATH first a stand-in for every console browser that writes down that it ran."""
    assert shutil.which("w3m", path="/usr/bin"), "w3m est nécessaire (make test l'installe)"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    ran = tmp_path / "browser-ran.txt"
    for name in CONSOLE_BROWSERS:
        script = bin_dir / name
        script.write_text(f'#!/bin/sh\necho "{name} $*" >> "{ran}"\n', encoding="utf-8")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {key: value for key, value in os.environ.items()
           if key not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER", "NO_COLOR")}
    env.update(PATH=f"{bin_dir}:{env['PATH']}", TMPDIR=str(temporary), TERM="xterm-256color",
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    write_config()
    return env


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    assert shutil.which("tmux"), "tmux est nécessaire (make test l'installe en CI)"
    term = Terminal(f"famille-kiosk-{os.getpid()}-{tmp_path.name}", width=80, height=24)
    try:
        yield term
    finally:
        term.kill()


def start(terminal: Terminal, env: dict[str, str], *args: str, after: str = "") -> None:
    exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
    command = f"{shlex.quote(str(FAMILLE_TUI))} {' '.join(map(shlex.quote, args))}"
    if after:  # run in a shell, to see what the terminal is left like
        command = f"sh -c {shlex.quote(command + '; ' + after)}"
    terminal.start(f"env {exports} {command}")


def number_of(screen: str, label: str) -> str:
    found = re.findall(rf"^(\d+) : {re.escape(label)}", screen, flags=re.MULTILINE)
    assert found, f"{label!r} not on screen:\n{screen}"
    return found[-1]


def log_in(terminal: Terminal) -> None:
    screen = terminal.wait_for("Accueil.", "Choix de 1 à")
    terminal.line(number_of(screen, "Se connecter avec"))
    terminal.wait_for("Identifiant :")
    terminal.line("martin")
    terminal.wait_for("Mot de passe de martin")
    terminal.line("demo-martin")
    terminal.wait_for("Connexion réussie : Famille Martin", "Choix de 1 à 7")


def start_payment(terminal: Terminal) -> str:
    """« Mes factures », pay October's crèche invoice; the short link on screen."""
    terminal.line("4")
    screen = terminal.wait_for("Mes factures : ", "Payer une ou plusieurs")
    terminal.line(number_of(screen, "Payer une ou plusieurs"))
    terminal.wait_for("Factures à payer")
    terminal.line(number_of(screen, "Crèche Les Pirouettes, octobre 2026"))
    terminal.wait_for("E-mail du justificatif")
    terminal.key("Enter")
    terminal.wait_for("par carte bancaire ?")
    terminal.line("o")
    screen = terminal.wait_for("Payez sur votre téléphone", "Choix de 1 à 3")
    link = re.search(r"http://\S+/p/pay_\S+", screen)
    assert link, screen
    return link.group(0)


def test_pay_on_the_phone_walk_away_nothing_left(
    desk: dict[str, str], terminal: Terminal, chambon_url: str, portal: PortalProcess,
    tmp_path: Path
) -> None:
    """The issue's « Done when »: `famille-tui --kiosk --screen-reader` with w3m installed
    and no display — pay, walk away."""
    start(terminal, desk, "--kiosk", "--screen-reader", "--portal", chambon_url)
    log_in(terminal)
    link = start_payment(terminal)
    terminal.line("2")  # the link spelt, for a phone's keyboard
    terminal.wait_for("Adresse : h, t, t, p, deux-points")
    terminal.line("3")  # the QR code, for the phone's camera
    terminal.wait_for("QR code de l'adresse", "Fin du QR code.")
    terminal.line("1")
    terminal.wait_for("Attente du résultat.")
    pay_in_sandbox(link)  # the phone follows the short link
    terminal.wait_for("Réglée : le paiement de 312 euros 40 est accepté")
    # The parent walks away: the warning, then the end of the session, by itself.
    terminal.wait_for("Inactivité : la session sera fermée dans 20 secondes.", timeout=20)
    terminal.wait_for("Accueil.", "Choix de 1 à 4", timeout=40)
    history = terminal.screen(history=True)
    for trace in FAMILY_TRACES:
        assert trace not in history, f"{trace!r} left on screen or in the scrollback"
    # No browser of any kind was started on the desk.
    assert not (tmp_path / "browser-ran.txt").exists()
    # The staff leaves; nothing of the session is left on disk.
    terminal.line("0")
    terminal.wait_for("Code du personnel")
    terminal.line(STAFF_CODE)
    assert terminal.wait_exit() == 0
    for name in ("STATE", "DATA", "DOWNLOAD"):
        folder = Path(desk[f"FAMILLE_TUI_{name}_DIR"])
        assert not any(folder.rglob("*")), f"{name.lower()} directory written"
    assert [p.name for p in Path(desk["FAMILLE_TUI_CONFIG_DIR"]).iterdir()] == ["config.toml"]
    assert not any(Path(desk["TMPDIR"]).iterdir()), "temporary files left"


def test_idle_during_a_pending_payment_hands_it_over(
    desk: dict[str, str], terminal: Terminal, chambon_url: str
) -> None:
    """The parent scanned the code and walked away before paying: the session ends after
    the idle time and its warning, the payment handed over (finding 4)."""
    start(terminal, desk, "--kiosk", "--screen-reader", "--portal", chambon_url)
    log_in(terminal)
    start_payment(terminal)
    terminal.line("1")
    terminal.wait_for("Attente du résultat.")
    terminal.wait_for("Inactivité : la session sera fermée dans 20 secondes.", timeout=40)
    screen = terminal.wait_for("Un paiement était", "Accueil.", timeout=40, history=True)
    assert "depuis chez vous" in screen
    for trace in FAMILY_TRACES:
        assert trace not in screen, trace


def portal_sessions(portal: PortalProcess) -> int:
    with sqlite3.connect(portal.data_path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0])


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_log_out_restore_the_terminal_and_exit_non_zero(
    desk: dict[str, str], terminal: Terminal, chambon_url: str, portal: PortalProcess,
    signum: int
) -> None:
    start(terminal, desk, "--kiosk", "--screen-reader", "--portal", chambon_url,
          after='echo "EXIT=$?"; stty -a; sleep 60')
    log_in(terminal)
    assert portal_sessions(portal) == 1
    os.kill(terminal.pid_of(str(FAMILLE_TUI)), signum)
    screen = terminal.wait_for("EXIT=", "speed", timeout=20, history=True)
    assert f"EXIT={128 + signum}" in screen
    assert portal_sessions(portal) == 0  # logged out on the portal, not left to expire
    settings = screen[screen.index("speed"):]
    assert re.search(r"(?<![-\w])icanon\b", settings) and re.search(r"(?<![-\w])echo\b",
                                                                    settings), settings
    for trace in FAMILY_TRACES:
        assert trace not in screen, trace


def test_held_ctrl_c_and_job_control_never_end_the_desk(
    desk: dict[str, str], chambon_url: str
) -> None:
    child = pexpect.spawn(str(FAMILLE_TUI), ["--kiosk", "--screen-reader", "--portal",
                                             chambon_url], env=desk, encoding="utf-8",
                          timeout=30)
    child.expect(CHOICE)
    for _ in range(1500):  # a held ctrl+c: about 40 s of key repeat
        child.kill(signal.SIGINT)
    for sig in (signal.SIGQUIT, signal.SIGTSTP):
        child.kill(sig)
    child.sendeof()
    child.expect_exact("Borne d'accueil : pour partir")
    time.sleep(1)
    assert child.isalive()
    child.sendline("1")
    child.expect_exact("Identifiant : ")
    child.sendintr()  # one level back: the welcome again
    child.expect(CHOICE)
    child.sendline("0")
    child.expect_exact("Code du personnel")
    child.sendline(STAFF_CODE)
    child.expect_exact("Au revoir.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Traceback" not in child.before


def test_idle_before_login_typing_counts_and_what_was_typed_stays(
    desk: dict[str, str], chambon_url: str
) -> None:
    """Finding 8: a login form left open is watched too; typing is activity; the warning
    keeps what was typed (its Entrée only answers the warning)."""
    child = pexpect.spawn(str(FAMILLE_TUI), ["--kiosk", "--screen-reader", "--portal",
                                             chambon_url], env=desk, encoding="utf-8",
                          timeout=40)
    child.expect(CHOICE)
    child.sendline("1")
    child.expect_exact("Identifiant : ")
    for letter in "mar":  # slower than the idle time in all, faster key to key
        time.sleep(2.5)
        child.send(letter)
    with pytest.raises(pexpect.TIMEOUT):  # 7.5 s, never 5 s without a key: no warning
        child.expect_exact("Inactivité", timeout=1)
    child.expect_exact("Inactivité : la session sera fermée dans 20 secondes.", timeout=20)
    child.expect_exact("Appuyez sur Entrée pour continuer : ")
    child.sendline("")
    child.expect_exact("Session prolongée.")
    child.expect_exact("Identifiant : mar")
    child.sendline("tin")
    child.expect_exact("Mot de passe de martin")
    child.sendline("demo-martin")
    child.expect_exact("Connexion réussie : Famille Martin")
    child.expect(CHOICE)
    child.sendline("0")  # « terminer votre session »
    child.expect_exact("Déconnexion faite.")
    child.expect_exact(CLEAR)
    child.expect(CHOICE)
    child.sendline("1")
    child.expect_exact("Identifiant : ")  # nothing offered: no « Entrée garde martin »
    child.sendline("0")
    child.expect(CHOICE)
    child.sendline("0")
    child.expect_exact("Code du personnel")
    child.sendline(STAFF_CODE)
    child.expect(pexpect.EOF)


def scripted_kiosk(url: str, answers: list[str | Pick], **settings: object
                   ) -> tuple[int, str]:
    out = io.StringIO()
    stdin = ScriptedInput(out, list(answers))
    code = run_with(
        LaunchOptions(settings=Settings.model_validate({"still_waiting_interval": 0,
                                                        "demo": True, **settings}),
                      portal_url=url, screen_reader=True, kiosk=True, demo=True,
                      login="martin"),
        Console(stdin=stdin, stdout=out),  # type: ignore[arg-type]
        credentials=CredentialStore(backend=ForbiddenKeyring()),
    )
    return code, out.getvalue()


def test_nothing_demo_only_nor_untrue_at_a_desk(chambon_url: str) -> None:
    """Demo mode, `--login martin`: no outbox (every family's reset codes), no login offered
    to the next person, no words false at a desk (findings 5 and 8)."""
    answers: list[str | Pick] = [Pick("Se connecter avec"), "", "martin", "demo-martin", "0",
                                 Pick("Se connecter avec"), "0"]
    code, said = scripted_kiosk(chambon_url, answers)
    assert code == 0, said
    assert "Démonstration" not in said and "e-mails envoyés" not in said
    assert "Entrée garde martin" not in said
    assert "Saisie refusée : ce champ est obligatoire." in said  # the login was not filled in
    for untrue in ("Contrôle D quitte", "Contrôle\u00a0D quitte", "prochaine connexion",
                   "0 pour le personnel", "trousseau", "Se souvenir de moi"):
        assert untrue not in said, untrue
    welcome = said[said.index("Accueil."):]
    assert re.search(r"^Choix de 1 à 4, ou aide : ", welcome, re.MULTILINE), welcome
    assert "Au menu principal, 0 termine votre session." in said.replace("\n", " ")
    state = Path(os.environ["FAMILLE_TUI_STATE_DIR"])
    assert not any(state.rglob("*")), "kiosk mode wrote to the state directory"


def test_a_desks_pdf_goes_with_its_session(chambon_url: str) -> None:
    """Finding 7: a PDF saved at the desk lives in a directory of the session, removed when
    it ends; the user's downloads are never written."""
    answers: list[str | Pick] = [
        Pick("Se connecter avec"), "martin", "demo-martin", Pick("Mes factures"),
        Pick("Crèche Les Pirouettes, octobre 2026"), Pick("Enregistrer le PDF"), "0", "0",
    ]
    code, said = scripted_kiosk(chambon_url, answers)
    assert code == 0, said
    assert "Enregistrer le PDF pour cette session seulement" in said
    assert "téléchargements" not in said
    heard = said.replace("\n", " ")  # lines are wrapped at the width
    saved = re.search(r"PDF enregistré pour cette session seulement : (\S+\.pdf)\.", heard)
    assert saved, said
    assert "Il sera effacé à la fin de votre session." in heard
    path = Path(saved.group(1))
    assert not path.exists() and not path.parent.exists()
    downloads = Path(os.environ["FAMILLE_TUI_DOWNLOAD_DIR"])
    assert not any(downloads.rglob("*"))


def test_wrong_staff_codes_are_rate_limited() -> None:
    """The rule is the TUI kiosk's (`rules.StaffGate`, tested on its own in
    tests/client/test_rules.py); here, how this face says it."""
    import asyncio

    from famille_tui.plain.kiosk import (
        FIRST_PAUSE_SECONDS,
        FREE_TRIES,
        StaffGate,
        staff_code_accepted,
    )
    from famille_tui.plain.session import Session

    now = [1000.0]
    out = io.StringIO()
    answers = ["faux-1", "faux-2", "faux-3", STAFF_CODE]
    console = Console(stdin=io.StringIO("".join(a + "\n" for a in answers)), stdout=out)
    options = LaunchOptions(settings=Settings(kiosk_staff_code_hash=hash_staff_code(STAFF_CODE)),
                            kiosk=True)
    with asyncio.Runner() as runner:
        session = Session(options, console, runner)
        assert session.credentials is None  # a kiosk never touches the keyring
        gate = StaffGate(session.policy.staff_code_hash, clock=lambda: now[0])
        for _ in range(FREE_TRIES):
            assert staff_code_accepted(session, gate) is False
        # Locked: even the right code is not read until the pause is over.
        assert staff_code_accepted(session, gate) is False
        assert out.getvalue().count(
            f"Trop d'essais : réessayez dans {FIRST_PAUSE_SECONDS} secondes.") == 2
        now[0] += FIRST_PAUSE_SECONDS
        assert staff_code_accepted(session, gate) is True
    assert out.getvalue().count("Code refusé.") == FREE_TRIES


@pytest.mark.parametrize("face", [["--screen-reader"], []])
def test_a_desk_without_a_staff_code_does_not_start(
    desk: dict[str, str], chambon_url: str, face: list[str]
) -> None:
    """Issue 19, bug 6: it could not be left; now it says what to run first, before taking
    the terminal."""
    write_config(staff=False)
    child = pexpect.spawn(str(FAMILLE_TUI), ["--kiosk", *face, "--portal", chambon_url],
                          env=desk, encoding="utf-8", timeout=30)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    said = child.before.replace("\r\n", " ")
    assert "aucun code du personnel" in said and "famille-tui kiosk-code" in said
    assert "\x1b" not in child.before  # the terminal was not taken (no alternate screen)
