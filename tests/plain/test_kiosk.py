"""Kiosk mode in the screen-reader interface: no keyring, nothing of a family left after its
session, the idle warning as a line, only the staff code leaves the program."""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import pexpect

from famille_tui.client import CredentialStore
from famille_tui.client.config import LaunchOptions, Settings
from famille_tui.client.kiosk import hash_staff_code
from famille_tui.plain.app import run_with
from famille_tui.plain.console import Console
from tests.plain.scripted import Pick, ScriptedInput
from tests.support.keyring import MemoryKeyring

FAMILLE_TUI = Path(sys.executable).with_name("famille-tui")
STAFF_CODE = "accueil-2026"
CHOICE = re.compile(r"Votre choix \([^)]*\) : ")


class ForbiddenKeyring(MemoryKeyring):
    """Fails the test on any use: kiosk mode must never touch the keyring."""

    def get_password(self, service: str, username: str) -> str | None:
        raise AssertionError("keyring read in kiosk mode")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("keyring written in kiosk mode")


def test_kiosk_never_touches_the_keyring_and_keeps_no_journal(
    chambon_url: str, tmp_path: Path
) -> None:
    out = io.StringIO()
    answers = [Pick("Se connecter avec"), "martin", "demo-martin", "0"]
    stdin = ScriptedInput(out, answers)
    code = run_with(
        LaunchOptions(settings=Settings(still_waiting_interval=0), portal_url=chambon_url,
                      screen_reader=True, kiosk=True),
        Console(stdin=stdin, stdout=out),  # type: ignore[arg-type]
        credentials=CredentialStore(backend=ForbiddenKeyring()),
    )
    said = out.getvalue()
    assert code == 0, said
    assert "Se souvenir de moi" not in said and "trousseau" not in said
    assert "Connexion réussie : Famille Martin" in said
    # In kiosk mode 0 ends the family's session, not the program: the welcome comes back.
    assert said.index("Déconnexion faite.") < said.rindex("Accueil.")
    state = Path(os.environ["FAMILLE_TUI_STATE_DIR"])
    assert not any(state.rglob("*")), "kiosk mode wrote to the state directory"


def test_idle_warning_line_then_logout_and_only_the_staff_code_quits(
    chambon_url: str, tmp_path: Path
) -> None:
    config = Path(os.environ["FAMILLE_TUI_CONFIG_DIR"])
    (config / "config.toml").write_text(
        "kiosk = true\nkiosk_idle_seconds = 5\nkiosk_warning_seconds = 20\n"
        f'kiosk_staff_code_hash = "{hash_staff_code(STAFF_CODE)}"\n',
        encoding="utf-8",
    )
    env = dict(os.environ, TERM="xterm-256color")
    child = pexpect.spawn(str(FAMILLE_TUI), ["--portal", chambon_url, "--screen-reader"],
                          env=env, encoding="utf-8", timeout=40)
    child.expect(CHOICE)
    found = re.findall(r"^(\d+) : Se connecter avec", child.before, re.MULTILINE)
    child.sendline(found[-1])
    child.expect_exact("Identifiant (")
    child.sendline("martin")
    child.expect_exact("Mot de passe de martin (")
    child.sendline("demo-martin")
    child.expect_exact("Connexion réussie : Famille Martin")
    child.expect(CHOICE)
    # First idle warning: Enter keeps the session.
    child.expect_exact("Inactivité : la session sera fermée dans 20 secondes. "
                       "Appuyez sur Entrée pour continuer.")
    child.sendline("")
    child.expect_exact("Session prolongée.")
    child.expect(CHOICE)
    # Second: no answer, the session is closed and the welcome comes back.
    child.expect_exact("Inactivité : la session sera fermée")
    child.expect_exact("Session fermée après inactivité.")
    child.expect_exact("Déconnexion faite.")
    child.expect_exact("Accueil.")
    child.expect(CHOICE)
    # ctrl+c and ctrl+d at the welcome do not end the program on a desk.
    child.sendintr()
    child.expect(CHOICE)
    child.sendeof()
    child.expect(CHOICE)
    assert child.isalive()
    # 0 asks for the staff code; a wrong one is refused.
    child.sendline("0")
    child.expect_exact("Code du personnel (")
    child.sendline("pas-le-bon")
    child.expect_exact("Code refusé.")
    child.expect(CHOICE)
    assert child.isalive()
    child.sendline("0")
    child.expect_exact("Code du personnel (")
    child.sendline(STAFF_CODE)
    child.expect_exact("Au revoir.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


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
