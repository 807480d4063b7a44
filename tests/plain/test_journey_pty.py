"""`famille-tui --screen-reader` in a real pseudo-terminal, as a person with a screen reader
uses it: the whole journey (`tests/support/journey.py`: login, family, entourage, a message,
paying two invoices through the PayFiP stand-in, « Réglée »), its transcript checked byte by
byte (lines of 80 columns at most, no control byte but CR and LF), the same journey read by a
real console screen reader (fenrir, headless in its pty mode) without a cut word; then each
key a listener uses: aide and « ? » in words, répéter, ctrl+c one level back, ctrl+d
« Quitter ? », arrows and escape sequences, type-ahead during the payment wait."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pexpect
import pytest

from tests.support.journey import (
    CHOICE,
    FAMILLE_TUI,
    Listener,
    control_bytes,
    cut_words,
    fenrir_command,
    pty_env,
    run_journey,
    spawn,
)
from tests.support.sandbox import pay_in_sandbox


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return pty_env(dict(os.environ), tmp_path)


def test_whole_journey_in_a_pty(chambon_url: str, env: dict[str, str], tmp_path: Path) -> None:
    journey = run_journey(chambon_url, env, tmp_path)
    assert journey.exit_status == 0
    raw = journey.transcript
    assert control_bytes(raw) == []  # no ESC of any kind, no BS, no BEL, no lone repaint
    assert re.search(rb"\r(?!\n)", raw) is None
    wide = [line for line in journey.lines if len(line) > 80]
    assert wide == []
    assert not re.search("[\u2500-\u257f\u2580-\u259f\u2800-\u28ff]", journey.text)
    # The long payment address (the e-mail inside it) is never printed nor said.
    assert journey.payment_url not in journey.text and "mel=" not in journey.text
    assert "Réglée : le paiement de 357 euros 40 est accepté" in journey.text
    # A listener who heard each menu once never needed « aide » to find an entry.
    assert journey.helps == 0


def test_a_console_reader_reads_the_journey_without_a_cut_word(
    chambon_url: str, env: dict[str, str], tmp_path: Path
) -> None:
    """Fenrir (Debian's console screen reader, in its pty mode: it runs the program in a
    terminal of its own and speaks each new screen line) reads the journey; every piece it
    speaks is a run of whole words of one line the program wrote (issue 13: « 312 euros 4 …
    0 », « ré … glée » before)."""
    assert shutil.which("fenrir"), "fenrir est nécessaire (make test l'installe en CI)"
    reader, spoken = fenrir_command(
        tmp_path, [str(FAMILLE_TUI), "--portal", chambon_url, "--screen-reader"])
    journey = run_journey(chambon_url, env, tmp_path, reader=reader)
    deadline = time.monotonic() + 10
    while "Au revoir" not in spoken.read_text(encoding="utf-8") and (
            time.monotonic() < deadline):
        time.sleep(0.2)
    # Fenrir's own words: its start and end, and « blank » for the empty line the cursor is
    # on after Entrée while an answer is being sent (the login's call, when it is slow
    # enough for fenrir to look).
    said = [line for line in spoken.read_text(encoding="utf-8").splitlines()
            if line not in ("pychant is not installed", "Start Fenrir", "Quit Fenrir",
                            "blank")]
    lines = journey.lines
    assert cut_words(said, lines) == []
    # It did read the journey: the outcome, the family, the end.
    text = " ".join(said)
    for heard in ("Connexion réussie", "Enfant : Léa Martin", "Réglée", "Au revoir"):
        assert heard in text, heard


def test_aide_and_question_mark_in_words_and_repeter(chambon_url: str, env: dict[str, str]
                                                     ) -> None:
    child = spawn(env, "--portal", chambon_url, "--screen-reader")
    person = Listener(child)
    # The prompt names aide in words (« ? » is silent in espeak-ng and fenrir).
    person.expect("Choix de 1 à 5, 0 pour quitter, ou aide : ")
    for word in ("aide", "?"):
        child.sendline(word)
        child.expect(CHOICE)
        assert "1 : Se connecter avec un identifiant." in child.before
        assert "Tapez le numéro d'un choix puis Entrée ; 0 pour quitter" in child.before
    child.sendline("répéter")
    child.expect(CHOICE)
    assert "Commune : Le Chambon-Feugerolles" in child.before  # the block before the menu
    # aide at a text prompt and at a yes/no question.
    child.sendline("1")
    child.expect_exact("Identifiant : ")
    child.sendline("aide")
    child.expect_exact("Identifiant : tapez la réponse puis Entrée")
    child.expect_exact("Identifiant : ")
    child.sendline("martin")
    child.expect_exact("Mot de passe de martin (rien ne s'affiche pendant la frappe) : ")
    child.sendline("demo-martin")
    child.expect_exact("Connexion réussie")
    child.expect(CHOICE)
    child.sendline("0")  # quitting logs out
    child.expect_exact("Déconnexion faite.")
    child.expect(pexpect.EOF)


def test_ctrl_c_goes_back_one_level_and_ctrl_d_asks(chambon_url: str, env: dict[str, str]
                                                    ) -> None:
    child = spawn(env, "--portal", chambon_url, "--screen-reader")
    person = Listener(child)
    person.pick("Se connecter")
    person.answer("Identifiant", "martin")
    person.answer("Mot de passe de martin", "demo-martin")
    person.expect("Connexion réussie")
    person.pick("Entourage")
    person.pick("Ajouter une personne")
    child.expect_exact("Prénom : ")
    child.sendintr()  # the form is given up: back to the list, not out of the program
    child.expect_exact("Entourage : 2 personnes.")
    child.expect(CHOICE)
    time.sleep(0.5)  # a person's next press
    child.sendintr()  # back to the main menu
    child.expect_exact("Menu principal.")
    child.expect(CHOICE)
    time.sleep(0.5)
    child.sendintr()  # at the top, ctrl+c says how to leave and stays
    child.expect_exact("Contrôle C : rien à annuler ici")
    child.expect(CHOICE)
    # A held ctrl+c (a storm of SIGINT) is one press, never a traceback.
    time.sleep(0.5)
    for _ in range(1500):
        child.kill(2)
    child.expect(CHOICE)
    time.sleep(1)
    assert child.isalive()
    child.sendeof()
    child.expect_exact("Quitter famille-tui en se déconnectant ? (o ou n, Entrée : non) : ")
    child.sendline("")  # no: the same question again
    child.expect(CHOICE)
    child.sendeof()
    child.expect_exact("Quitter famille-tui")
    child.sendline("o")
    child.expect_exact("Fin de la saisie.")
    child.expect_exact("Déconnexion faite.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Traceback" not in (child.before or "")


def test_arrows_edit_and_nothing_typed_is_echoed_raw(chambon_url: str, env: dict[str, str],
                                                     tmp_path: Path) -> None:
    """Readline's line editing: « 2 » then ← and typing before it gives « 12 »: refused as
    out of range, not as garbage; an escape sequence typed (Esc [8m: hide every later line)
    never comes back in a refusal."""
    child = spawn(env, "--portal", chambon_url, "--screen-reader")
    log = tmp_path / "bad.bin"
    with log.open("wb") as file:
        from tests.support.journey import BytesLog

        child.logfile_read = BytesLog(file)
        child.expect(CHOICE)
        child.send("2\x1b[D1\r")  # 2, left arrow, 1: « 12 »
        child.expect_exact("Saisie refusée : il n'y a pas de choix 12.")
        child.expect(CHOICE)
        child.send("\x1b[8mx\r")
        child.expect_exact("Saisie refusée : tapez un nombre de 1 à 5.")
        child.expect(CHOICE)
        child.send("1\x1b[C\x1b[D\r")  # arrows alone change nothing: « 1 » is « 1 »
        child.expect_exact("Identifiant : ")
        child.sendeof()
        child.expect_exact("Quitter famille-tui")
        child.sendline("o")
        child.expect(pexpect.EOF)
    said = log.read_bytes()
    # What the program wrote after each refusal holds no ESC of what was typed.
    assert b"\x1b[8m" not in said
    refusals = [line for line in said.split(b"\r\n") if b"Saisie refus" in line]
    assert refusals and all(b"\x1b" not in line for line in refusals)


def test_typeahead_during_the_payment_wait_is_dropped(
    chambon_url: str, env: dict[str, str], tmp_path: Path
) -> None:
    """« 0 » and Entrée typed while waiting (to check the program is alive) are not the
    answers to the questions after it (issue 13: it logged out and quit when the result
    came)."""
    child = spawn(env, "--portal", chambon_url, "--screen-reader")
    person = Listener(child)
    person.pick("Se connecter")
    person.answer("Identifiant", "martin")
    person.answer("Mot de passe de martin", "demo-martin")
    person.pick("Mes factures")
    person.pick("Payer une ou plusieurs")
    person.answer("Factures à payer", "1")
    person.answer("E-mail du justificatif", "")
    person.answer("par carte bancaire ?", "o")
    person.expect("Attente du résultat.")
    child.sendline("0")
    child.sendline("0")
    time.sleep(0.5)
    url = (tmp_path / "opened.txt").read_text(encoding="utf-8").strip()
    pay_in_sandbox(url)
    person.expect("Réglée : le paiement de ")
    after = person.expect("Saisie ignorée pendant l'attente.")
    assert "\n0" not in after.replace("\r", "")  # what was typed was never echoed
    child.expect(CHOICE)
    time.sleep(0.5)
    assert child.isalive()  # still in the list of invoices, logged in
    child.sendline("0")
    child.expect_exact("Menu principal")
    child.expect(CHOICE)
    child.sendline("0")
    child.expect_exact("Déconnexion faite.")
    child.expect(pexpect.EOF)


@pytest.mark.parametrize("variable", [{"ACCESSIBLE": "1"}, {"TERM": "dumb"}])
def test_accessible_and_term_dumb_start_the_screen_reader_face(
    chambon_url: str, env: dict[str, str], variable: dict[str, str]
) -> None:
    child = pexpect.spawn(str(FAMILLE_TUI), ["--portal", chambon_url],
                          env={**env, **variable}, encoding="utf-8", timeout=30)
    child.expect_exact("Famille-tui, Espace famille, pour lecteur d'écran.")
    child.expect(CHOICE)
    child.sendline("0")
    child.expect_exact("Au revoir.")
    child.expect(pexpect.EOF)
