"""The whole screen-reader journey in a real pseudo-terminal, as a listener goes through it.

`run_journey(portal_url, env, directory)` starts `famille-tui --screen-reader` in a pty of
80×24, and a `Listener` answers by the program's words: it waits for each prompt, and picks a
menu entry by the number it last heard for it (a listener remembers a menu heard once; when
it never heard the entry, it asks « aide »). The journey: login, « Famille », « Entourage »
(a person added then removed), a message of « Tableau de bord » read, two invoices paid
through the PayFiP stand-in (a browser stand-in records the page, `pay_in_sandbox` pays it,
as the parent's browser would), « Réglée », log out. The same journey is the pty test
(`tests/plain/test_journey_pty.py`) and the row of `make bench` (its length in words and in
espeak-ng seconds).
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import wave
from dataclasses import dataclass
from pathlib import Path

import pexpect

from tests.support.sandbox import pay_in_sandbox

FAMILLE_TUI = Path(sys.executable).with_name("famille-tui")
#: Every menu's prompt: « Choix de 1 à 7 : », « Choix de 1 à 7, 0 pour revenir, ou aide : ».
CHOICE = re.compile(r"(?:Choix de 1 à \d+|Tapez 1)[^\r\n]*? : ")
TIMEOUT = 30
#: espeak-ng's French voice at the rate the issue measured with (words a minute).
ESPEAK = ["espeak-ng", "-v", "fr", "-s", "175"]


def browser_stand_in(directory: Path) -> tuple[Path, Path]:
    """A `BROWSER` that only writes down the URL it is given (webbrowser appends it)."""
    record = directory / "opened.txt"
    script = directory / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{record}"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, record


def pty_env(base: dict[str, str], directory: Path, *, config: str = "") -> dict[str, str]:
    """The environment of a run: a terminal that could do colour and cursor moves (the
    program must not), the browser stand-in, no OS keyring, a config file of its own."""
    env = dict(base)
    browser, _ = browser_stand_in(directory)
    env.update(
        TERM="xterm-256color",
        BROWSER=str(browser),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        COLUMNS="80",
        LINES="24",
    )
    env.pop("NO_COLOR", None)
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    folder = Path(env["FAMILLE_TUI_CONFIG_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(
        "demo = true\nstill_waiting_interval = 0\n" + config, encoding="utf-8")
    return env


class BytesLog:
    """pexpect's logfile_read gets str in encoding mode: keep the bytes exactly."""

    def __init__(self, file: object) -> None:
        self.file = file

    def write(self, text: str) -> None:
        self.file.write(text.encode("utf-8"))  # type: ignore[attr-defined]

    def flush(self) -> None:
        self.file.flush()  # type: ignore[attr-defined]


class Listener:
    """Drives the program by its words, remembering what it heard."""

    def __init__(self, child: pexpect.spawn) -> None:
        self.child = child
        self.heard = ""
        self.helps = 0

    def _read_to(self, pattern: re.Pattern[str] | str) -> str:
        if isinstance(pattern, str):
            self.child.expect_exact(pattern)
        else:
            self.child.expect(pattern)
        text = str(self.child.before) + str(self.child.after)
        self.heard += text.replace("\r\n", "\n")
        return text

    def pick(self, label: str) -> None:
        """At the next menu, the number last heard for the entry starting with `label`."""
        self._read_to(CHOICE)
        found = re.findall(rf"^(\d+) : {re.escape(label)}", self.heard, flags=re.MULTILINE)
        if not found:
            self.helps += 1
            self.child.sendline("aide")
            self._read_to(CHOICE)
            found = re.findall(rf"^(\d+) : {re.escape(label)}", self.heard, flags=re.MULTILINE)
        assert found, f"no entry {label!r} in:\n{self.heard[-2000:]}"
        self.child.sendline(found[-1])

    def back(self) -> None:
        self._read_to(CHOICE)
        self.child.sendline("0")

    def answer(self, prompt: str, text: str) -> None:
        self._read_to(prompt)
        self._read_to(" : ")
        self.child.sendline(text)

    def expect(self, text: str) -> str:
        return self._read_to(text)


@dataclass
class Journey:
    transcript: bytes
    exit_status: int | None
    helps: int
    payment_url: str

    @property
    def text(self) -> str:
        return self.transcript.decode("utf-8").replace("\r\n", "\n")

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @property
    def words(self) -> int:
        return len(self.text.split())


def spawn(env: dict[str, str], *args: str, columns: int = 80) -> pexpect.spawn:
    return pexpect.spawn(str(FAMILLE_TUI), list(args), env=env, encoding="utf-8",
                         timeout=TIMEOUT, dimensions=(24, columns))


def run_journey(portal_url: str, env: dict[str, str], directory: Path, *,
                reader: list[str] | None = None) -> Journey:
    """The journey of the module's docstring; the bytes the terminal received. With
    `reader` (`fenrir_command`), the program runs inside that screen reader's terminal."""
    record = directory / "opened.txt"
    if reader is None:
        child = spawn(env, "--portal", portal_url, "--screen-reader")
    else:
        child = pexpect.spawn(reader[0], reader[1:], env=env, encoding="utf-8",
                              timeout=TIMEOUT, dimensions=(24, 80))
    transcript = directory / "transcript.bin"
    with transcript.open("wb") as log:
        child.logfile_read = BytesLog(log)
        person = Listener(child)
        person.expect("Commune : Le Chambon-Feugerolles")
        person.pick("Se connecter")
        person.answer("Identifiant", "martin")
        person.answer("Mot de passe de martin", "demo-martin")
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
        person.back()

        person.pick("Tableau de bord")
        person.pick("Messages")
        person.pick("Non lu")
        person.expect("Fin du message, marqué comme lu.")
        person.back()
        person.back()

        person.pick("Mes factures")
        person.pick("Payer une ou plusieurs")
        person.answer("Factures à payer", _two_payable(person.heard))
        person.expect("Récapitulatif : 2 factures")
        person.answer("E-mail du justificatif", "")
        person.answer("par carte bancaire ?", "o")
        person.expect("Page de paiement ouverte dans le navigateur")
        person.expect("Attente du résultat.")
        url = record.read_text(encoding="utf-8").strip()
        pay_in_sandbox(url)
        person.expect("Réglée : le paiement de ")
        person.expect("Mes factures : 6 factures, 2 à payer")
        person.back()
        person.back()
        person.expect("Déconnexion faite.")
        person.expect("Au revoir.")
        child.expect(pexpect.EOF)
        child.close()
    return Journey(transcript.read_bytes(), child.exitstatus, person.helps, url)


def _two_payable(heard: str) -> str:
    """The numbers of « Crèche Les Pirouettes, octobre 2026 » and « Atelier d'éveil
    musical » in the list just heard (the two invoices the journey pays)."""
    numbers = []
    for label in ("Crèche Les Pirouettes, octobre 2026", "Atelier d'éveil musical"):
        found = re.findall(rf"^(\d+) : {re.escape(label)}", heard, flags=re.MULTILINE)
        assert found, label
        numbers.append(found[-1])
    return " ".join(numbers)


def control_bytes(raw: bytes) -> list[tuple[int, bytes]]:
    """Every byte below 0x20 (or DEL, or a C1 control) but CR and LF, with where it is."""
    text = raw.decode("utf-8")
    found = []
    for index, char in enumerate(text):
        code = ord(char)
        if (code < 0x20 and char not in "\r\n") or code == 0x7F or 0x80 <= code < 0xA0:
            found.append((index, raw[max(0, index - 30):index + 30]))
    return found


def spoken_seconds(text: str, directory: Path) -> float:
    """How long espeak-ng (French, 175 words a minute) takes to say `text`: the length of
    the WAV file it writes."""
    source = directory / "spoken.txt"
    source.write_text(text, encoding="utf-8")
    out = directory / "spoken.wav"
    subprocess.run([*ESPEAK, "-w", str(out), "-f", str(source)], check=True, timeout=300,
                   capture_output=True)
    with wave.open(str(out)) as audio:
        return audio.getnframes() / audio.getframerate()


def environment_dirs(directory: Path) -> dict[str, str]:
    """Private FAMILLE_TUI_*_DIR for a run outside pytest's fixtures (the bench)."""
    dirs = {}
    for name in ("CONFIG", "STATE", "DATA", "DOWNLOAD"):
        path = directory / "dirs" / name.lower()
        path.mkdir(parents=True, exist_ok=True)
        dirs[f"FAMILLE_TUI_{name}_DIR"] = str(path)
    return {**os.environ, **dirs}


def fenrir_command(directory: Path, program: list[str]) -> tuple[list[str], Path]:
    """Fenrir in its pty mode (`fenrir -e`: it runs `program` in a terminal of its own,
    reads its screen as on a console, and speaks through a command), headless: its speech
    command writes each utterance as a line of the file returned, punctuation not spoken
    (its « none » level), no sound. Debian's settings-pty.conf with those changes."""
    import shlex

    spoken = directory / "fenrir-spoken.txt"
    say = directory / "fenrir-say.sh"
    say.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{spoken}"\n', encoding="utf-8")
    say.chmod(0o755)
    base = Path("/etc/fenrirscreenreader/settings/settings-pty.conf").read_text(
        encoding="utf-8")
    changes = {
        "genericSpeechCommand": f'{say} "fenrirText"',
        "punctuationLevel": "none",
        "emoticons": "False",
        "autoSpellCheck": "False",
        "shell": shlex.join(program),
        "debugFile": str(directory / "fenrir.log"),
    }
    section = ""
    lines = []
    for line in base.splitlines():
        if line.startswith("["):
            section = line
        key = line.split("=", 1)[0]
        if key in changes:
            line = f"{key}={changes[key]}"
        elif key == "enabled" and section == "[sound]":
            line = "enabled=False"
        elif key == "enable" and section == "[remote]":
            line = "enable=False"
        lines.append(line)
    settings = directory / "fenrir.conf"
    settings.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ["fenrir", "-e", "-s", str(settings)], spoken


_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """Words and numbers, as a synthesiser gets them once punctuation is dropped."""
    return [t.lower() for t in _TOKEN.findall(text)]


def cut_words(spoken: list[str], transcript: list[str]) -> list[str]:
    """The pieces fenrir spoke (each screen line it read: it joins lines with « , ») whose
    words are not a run of whole words of one line of the transcript: a word the terminal
    cut at its margin (« 312 euros 4 » then « 0 ») is one."""
    lines = [tokens(line) for line in transcript]

    def whole(words: list[str]) -> bool:
        return not words or any(_run_in(words, line) for line in lines)

    bad: list[str] = []
    carried = ""  # the end of an utterance: the next may go on with the same screen line
    for utterance in spoken:
        pieces = utterance.split(" , ")
        if carried and not whole(tokens(pieces[0])) and whole(tokens(carried + pieces[0])):
            # Fenrir spoke one line in two pieces as its text arrived in two reads: the
            # same line of the screen, no cut by the terminal.
            bad.remove(carried.strip())
            pieces = pieces[1:]
        for piece in pieces:
            if not whole(tokens(piece)):
                bad.append(piece.strip())
        carried = pieces[-1] if pieces and not whole(tokens(pieces[-1])) else ""
    return bad


def _run_in(words: list[str], line: list[str]) -> bool:
    size = len(words)
    return any(line[i:i + size] == words for i in range(len(line) - size + 1))
