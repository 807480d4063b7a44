"""`famille-tui --screen-reader` on Le Chambon-Feugerolles through Espace Citoyens (the
replica), in a real pseudo-terminal: log in, the family, « Mes factures », one invoice per
payment said before choosing, the invoice number and e-mail the State's page asks to type
read out, paying on the stand-in's TIPI pages, « Réglée »; the transcript is text only."""

from __future__ import annotations

import re
from pathlib import Path

import pexpect

from famille_tui.portal.launcher import PortalProcess
from tests.plain.test_journey_pty import (
    CHOICE,
    TIMEOUT,
    Person,
    _BytesLog,
    check_transcript,
    log_in_as_martin,
    pty_env,
    screen_reader,
)
from tests.support.sandbox import pay_in_sandbox

__all__ = ["pty_env"]  # the fixture, used by name

EMAIL = "claire.martin@exemple.fr"


def test_a_journey_on_espace_citoyens(portal: PortalProcess, pty_env: dict[str, str],
                                      tmp_path: Path) -> None:
    record = tmp_path / "opened.txt"
    child = screen_reader(f"{portal.origin}/lechambonfeugerolles/espace-citoyens/", pty_env)
    transcript = tmp_path / "transcript.bin"
    with transcript.open("wb") as log:
        child.logfile_read = _BytesLog(log)
        person = Person(child)
        log_in_as_martin(person)
        person.expect("Connexion réussie : Famille Martin")

        person.pick("Famille")
        person.expect("Enfant : Léa")

        person.pick("Mes factures")
        person.pick("Payer une ou plusieurs")
        person.expect("Sur ce portail, chaque facture se paie séparément")
        listing = person.expect("Factures à payer")
        number = re.search(r"(\d+) : Facture 2026100042", listing)
        assert number, listing
        person.child.expect_exact(") : ")
        person.child.sendline(number.group(1))
        person.expect("Récapitulatif : 1 facture")
        person.answer("E-mail pour le justificatif", "")
        person.answer("par carte bancaire ?", "o")
        person.expect("La page de paiement de l'État vous demandera de saisir : "
                      f"Numéro de facture : 2026100042 ; Adresse électronique : {EMAIL}.")
        person.expect("Page de paiement ouverte dans le navigateur")
        person.expect("Attente du résultat du paiement")
        url = record.read_text(encoding="utf-8").strip()
        assert "refdet=&" in url and "mel=&" in url
        assert "Paiement accepté" in pay_in_sandbox(url, refdet="2026100042", email=EMAIL)
        # The connector learns it by reading the invoice list again (every 15 s).
        child.expect_exact("Réglée : le paiement de ", timeout=TIMEOUT + 30)
        person.child.expect(CHOICE)
        person.child.sendline("0")
        person.child.expect(CHOICE)
        person.child.sendline("0")
        person.expect("Au revoir.")
        child.expect(pexpect.EOF)
        child.close()
    assert child.exitstatus == 0
    check_transcript(transcript.read_bytes())
