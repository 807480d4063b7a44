"""The scriptable commands against the real Noethysweb, as a parent types them in a terminal:
no `--dialect` (the portal is recognised from its login page), the captcha drawn on the
terminal and typed, the answer on stdout."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pexpect

from tests.support.noethysweb_peer import CAPTCHA, LOGIN, PASSWORD, NoethyswebPeer

FAMILLE_TUI = str(Path(sys.executable).with_name("famille-tui"))
HALF_BLOCKS = set("▀▄█")


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "FAMILLE_TUI_PASSWORD": PASSWORD, "NO_COLOR": "1", **extra}


def test_invoices_json_with_the_captcha_typed_on_the_terminal(
    noethysweb_seeded: NoethyswebPeer, tmp_path: Path
) -> None:
    out = tmp_path / "invoices.json"
    command = (f"{shlex.quote(FAMILLE_TUI)} --portal {noethysweb_seeded.url} --login {LOGIN} "
               f"invoices --json > {shlex.quote(str(out))}")
    child = pexpect.spawn("bash", ["-c", command], env=_env(), encoding="utf-8", timeout=60,
                          dimensions=(40, 100))
    child.expect("Code de sécurité")
    drawing = child.before
    assert sum(line.count(c) for line in drawing.splitlines() for c in HALF_BLOCKS) > 20
    child.sendline("")  # « nouveau code »
    child.expect("Code de sécurité")
    child.sendline("faux")
    child.expect("n'est pas le bon")
    child.expect("Code de sécurité")
    child.sendline(CAPTCHA)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    listing = json.loads(out.read_text(encoding="utf-8"))
    amounts = {i["number"]: i["remaining_cents"] for i in listing["invoices"]}
    assert amounts == {str(f["numero"]): round(float(f["solde_actuel"]) * 100)
                       for f in noethysweb_seeded.seed["factures"]}
    assert all(i["due_date"] is None for i in listing["invoices"])


def test_without_a_terminal_the_captcha_is_exit_3(noethysweb_seeded: NoethyswebPeer) -> None:
    result = subprocess.run(
        [FAMILLE_TUI, "--portal", noethysweb_seeded.url, "--login", LOGIN, "invoices"],
        env=_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert "code de sécurité" in result.stderr and "terminal" in result.stderr
    assert result.stdout == ""


def test_a_wrong_password_is_exit_3(noethysweb_seeded: NoethyswebPeer) -> None:
    child = pexpect.spawn(
        FAMILLE_TUI,
        ["--portal", noethysweb_seeded.url, "--dialect", "noethysweb", "--login", LOGIN,
         "family"],
        env=_env(FAMILLE_TUI_PASSWORD="pas-le-bon"), encoding="utf-8", timeout=60)
    child.expect("Code de sécurité")
    child.sendline(CAPTCHA)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3
    assert "Identifiant ou mot de passe incorrect" in child.before
