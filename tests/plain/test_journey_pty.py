"""`famille-tui --screen-reader` in a real pseudo-terminal, as a person with a screen reader
uses it: the whole journey (login, family, entourage, a message, paying two invoices through
the sandbox with a browser stand-in, « Réglée »), then the transcript checked byte by byte:
no control sequence of any kind, no box drawing, no colour."""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path

import pexpect
import pytest

from tests.support.sandbox import pay_in_sandbox

FAMILLE_TUI = Path(sys.executable).with_name("famille-tui")
CHOICE = re.compile(r"Votre choix \([^)]*\) : ")
TIMEOUT = 30


def browser_stand_in(tmp_path: Path) -> tuple[Path, Path]:
    """A `BROWSER` that only writes down the URL it is given (webbrowser appends it)."""
    record = tmp_path / "opened.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{record}"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, record


class Person:
    """Drives the program by its words: waits for a prompt, answers it."""

    def __init__(self, child: pexpect.spawn) -> None:
        self.child = child

    def pick(self, label: str) -> None:
        """At the next menu, type the number of the entry starting with `label`."""
        self.child.expect(CHOICE)
        shown = self.child.before
        found = re.findall(rf"^(\d+) : {re.escape(label)}", shown, flags=re.MULTILINE)
        if not found:
            # A menu heard before is read as its title only: « ? » reads its entries again.
            self.child.sendline("?")
            self.child.expect(CHOICE)
            shown = self.child.before
            found = re.findall(rf"^(\d+) : {re.escape(label)}", shown, flags=re.MULTILINE)
        assert found, f"no entry {label!r} in:\n{shown}"
        self.child.sendline(found[-1])

    def answer(self, prompt: str, text: str) -> None:
        self.child.expect_exact(prompt)
        self.child.expect_exact(") : ")
        self.child.sendline(text)

    def expect(self, text: str) -> str:
        self.child.expect_exact(text)
        return str(self.child.before)


@pytest.fixture
def pty_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)  # the FAMILLE_TUI_*_DIR of the isolated_dirs fixture
    browser, _ = browser_stand_in(tmp_path)
    env.update(
        TERM="xterm-256color",  # a terminal that could do colour and cursor moves: we must not
        BROWSER=str(browser),
        # No OS keyring in the test: the program must say so, and write nothing anywhere.
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        COLUMNS="80",
        LINES="24",
    )
    env.pop("NO_COLOR", None)
    config = Path(env["FAMILLE_TUI_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text("demo = true\nstill_waiting_interval = 0\n",
                                        encoding="utf-8")
    return env


def screen_reader(portal_url: str, env: dict[str, str]) -> pexpect.spawn:
    """`famille-tui --portal URL --screen-reader` in an 80×24 pseudo-terminal."""
    return pexpect.spawn(
        str(FAMILLE_TUI), ["--portal", portal_url, "--screen-reader"],
        env=env, encoding="utf-8", timeout=TIMEOUT, dimensions=(24, 80),
    )


def log_in_as_martin(person: Person) -> None:
    person.pick("Se connecter avec")
    person.answer("Identifiant", "martin")
    person.answer("Mot de passe de martin", "demo-martin")


def check_transcript(raw: bytes) -> None:
    """Nothing but text: no ESC at all (CSI cursor/erase/SGR, alternate screen, OSC), no
    box-drawing characters, valid UTF-8, no carriage-return repaint tricks."""
    text = raw.decode("utf-8")  # raises on broken UTF-8
    escape = raw.find(b"\x1b")
    assert escape < 0, f"escape sequence: {raw[max(0, escape - 40) : escape + 40]!r}"
    assert b"\x9b" not in raw  # 8-bit CSI
    assert not re.search("[\u2500-\u257f]", text), "box-drawing character"
    assert not re.search("[\u2580-\u259f\u2800-\u28ff]", text), "block or braille spinner"
    # A lone \r (not followed by \n) would rewrite the line in place: a repainting timer.
    # The one exception is readline's own echo of a typed answer reaching the right margin
    # (« \r» after a space forces the wrap; no text is rewritten).
    assert not re.search(r"(?<! )\r(?!\n)", text)
    assert "\x07" not in text and "\x08" not in text


def test_whole_journey_in_a_pty(chambon_url: str, pty_env: dict[str, str], tmp_path: Path) -> None:
    record = tmp_path / "opened.txt"
    child = screen_reader(chambon_url, pty_env)
    transcript = tmp_path / "transcript.bin"
    with transcript.open("wb") as log:
        child.logfile_read = _BytesLog(log)
        person = Person(child)
        person.expect("Commune : Le Chambon-Feugerolles")
        log_in_as_martin(person)
        person.expect("Aucun trousseau de mots de passe")
        person.expect("Connexion réussie : Famille Martin")

        person.pick("Famille")
        person.expect("Enfant : ")

        person.pick("Entourage")
        person.pick("Ajouter une personne")
        person.answer("Prénom", "Jeanne")
        person.answer("Nom", "Testard")
        person.answer("Lien avec la famille", "Voisine")
        person.answer("Téléphone", "06 11 22 33 44")
        person.answer("E-mail", "")
        person.answer("venir chercher les enfants", "o")
        person.answer("prévenir en cas d'urgence", "n")
        person.expect("Personne ajoutée à l'entourage : Jeanne Testard")
        person.pick("Jeanne Testard")
        person.pick("Retirer")
        person.answer("Retirer Jeanne Testard de l'entourage ?", "o")
        person.expect("Jeanne Testard a été retiré ou retirée de l'entourage.")
        person.child.expect(CHOICE)
        person.child.sendline("0")

        person.pick("Tableau de bord")
        person.pick("Messages")
        person.pick("Non lu")
        person.expect("Fin du message, marqué comme lu.")
        person.child.expect(CHOICE)
        person.child.sendline("0")
        person.child.expect(CHOICE)
        person.child.sendline("0")

        person.pick("Mes factures")
        person.pick("Payer une ou plusieurs")
        person.answer("Factures à payer", "1 2")
        person.expect("Récapitulatif : 2 factures")
        person.answer("E-mail pour le justificatif", "")
        person.answer("par carte bancaire ?", "o")
        person.expect("Page de paiement ouverte dans le navigateur")
        person.expect("Attente du résultat du paiement")
        url = record.read_text(encoding="utf-8").strip()
        pay_in_sandbox(url)
        person.expect("Réglée : le paiement de ")
        person.expect("réglée, reste à payer 0 euro.")
        person.expect("réglée, reste à payer 0 euro.")
        person.child.expect(CHOICE)
        person.child.sendline("0")
        person.child.expect(CHOICE)
        person.child.sendline("0")
        person.expect("Déconnexion faite.")
        person.expect("Au revoir.")
        child.expect(pexpect.EOF)
        child.close()
    assert child.exitstatus == 0
    raw = transcript.read_bytes()
    check_transcript(raw)
    # The payment URL is printed as a line of its own, to copy.
    assert f"\r\n{url}\r\n".encode() in raw


def test_ctrl_d_at_a_prompt_logs_out_and_leaves(chambon_url: str, pty_env: dict[str, str]) -> None:
    child = pexpect.spawn(
        str(FAMILLE_TUI), ["--portal", chambon_url, "--screen-reader"],
        env=pty_env, encoding="utf-8", timeout=TIMEOUT,
    )
    person = Person(child)
    person.pick("Se connecter avec")
    person.answer("Identifiant", "martin")
    person.answer("Mot de passe de martin", "demo-martin")
    person.expect("Connexion réussie")
    child.expect(CHOICE)
    child.sendeof()
    person.expect("Fin de la saisie.")
    person.expect("Déconnexion faite.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_bad_input_in_the_pty(chambon_url: str, pty_env: dict[str, str]) -> None:
    """Through the terminal's own line discipline too: empty, letters, out of range."""
    child = pexpect.spawn(
        str(FAMILLE_TUI), ["--portal", chambon_url, "--screen-reader"],
        env=pty_env, encoding="utf-8", timeout=TIMEOUT,
    )
    child.expect(CHOICE)
    for bad, why in (("", "réponse vide"), ("abc", "« abc » n'est pas un nombre"),
                     ("42", "il n'y a pas de choix 42")):
        child.sendline(bad)
        child.expect_exact(f"Saisie refusée : {why}.")
        child.expect(CHOICE)
        assert child.before.strip() == ""  # nothing but the prompt again: no menu re-read
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


class _BytesLog:
    """pexpect's logfile_read gets str in encoding mode: keep the bytes exactly."""

    def __init__(self, file: object) -> None:
        self.file = file

    def write(self, text: str) -> None:
        self.file.write(text.encode("utf-8"))  # type: ignore[attr-defined]

    def flush(self) -> None:
        self.file.flush()  # type: ignore[attr-defined]
