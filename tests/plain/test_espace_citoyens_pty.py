"""`famille-tui --screen-reader` on Le Chambon-Feugerolles through Espace Citoyens (the
replica), in a real pseudo-terminal: log in, the family, « Mes factures », one invoice per
payment said before choosing, the invoice number and e-mail the State's page asks to type
read out, paying on the stand-in's TIPI pages, « Réglée »; the transcript is text only."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pexpect

from famille_tui.portal.launcher import PortalProcess
from tests.support.journey import (
    TIMEOUT,
    BytesLog,
    Listener,
    control_bytes,
    pty_env,
    spawn,
)
from tests.support.sandbox import pay_in_sandbox

EMAIL = "claire.martin@exemple.fr"


def test_a_journey_on_espace_citoyens(portal: PortalProcess, tmp_path: Path) -> None:
    record = tmp_path / "opened.txt"
    env = pty_env(dict(os.environ), tmp_path)
    child = spawn(env, "--portal", f"{portal.origin}/lechambonfeugerolles/espace-citoyens/",
                  "--screen-reader")
    transcript = tmp_path / "transcript.bin"
    with transcript.open("wb") as log:
        child.logfile_read = BytesLog(log)
        person = Listener(child)
        person.pick("Se connecter")
        person.answer("Identifiant", "martin")
        person.answer("Mot de passe de martin", "demo-martin")
        person.expect("Connexion réussie : Famille Martin")

        person.pick("Famille")
        person.expect("Enfant : Léa")

        person.pick("Mes factures")
        person.pick("Payer une ou plusieurs")
        person.expect("Sur ce portail, chaque facture se paie séparément")
        # The invoices are chosen by their numbers in the list just heard.
        number = re.findall(r"^(\d+) : Crèche Les Pirouettes, octobre 2026", person.heard,
                            flags=re.MULTILINE)
        assert number, person.heard[-2000:]
        person.answer("Factures à payer", number[-1])
        person.expect("Récapitulatif : 1 facture")
        person.answer("E-mail du justificatif", "")
        person.answer("par carte bancaire ?", "o")
        person.expect("Page de paiement ouverte dans le navigateur")
        said = " ".join(person.heard.split())  # lines are wrapped at the width
        assert ("La page de paiement de l'État vous demandera de saisir les valeurs suivantes. "
                f"Numéro de facture : 2026100042. Adresse électronique : {EMAIL}.") in said, \
            said[-1500:]
        person.expect("Attente du résultat")
        url = record.read_text(encoding="utf-8").strip()
        assert "refdet=&" in url and "mel=&" in url
        assert "Paiement accepté" in pay_in_sandbox(url, refdet="2026100042", email=EMAIL)
        # The connector learns it by reading the invoice list again (every 15 s).
        child.expect_exact("Réglée : le paiement de ", timeout=TIMEOUT + 30)
        person.back()
        person.back()
        person.expect("Au revoir.")
        child.expect(pexpect.EOF)
        child.close()
    assert child.exitstatus == 0
    raw = transcript.read_bytes()
    assert control_bytes(raw) == []
    assert all(len(line) <= 80 for line in raw.decode("utf-8").split("\r\n"))
