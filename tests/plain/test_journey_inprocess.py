"""The screen-reader interface run in-process against the real embedded portal: the leaflets'
journey with scripted answers, wrong answers at every prompt, and end of input at every
prompt (the program logs out and leaves, never crashes nor loops)."""

from __future__ import annotations

import io
import os
import re
import signal
import threading
import time
from collections.abc import Callable

from famille_tui.client import CredentialStore
from famille_tui.client.config import LaunchOptions, Settings
from famille_tui.plain.app import run_with
from famille_tui.plain.console import Console
from tests.plain.scripted import Pick, ScriptedInput
from tests.portal.helpers import Api
from tests.support import forget_email
from tests.support.keyring import MemoryKeyring
from tests.support.sandbox import pay_in_sandbox

Answer = str | Pick | Callable[[str], str]

LOGIN = [Pick("Se connecter avec"), "martin", "demo-martin"]
FAMILY = [Pick("Famille"), ]
ENTOURAGE_ADD_REMOVE = [
    Pick("Entourage"),
    Pick("Ajouter une personne"),
    "Jeanne", "Testard", "Voisine", "06 11 22 33 44", "", "o", "n",
    Pick("Jeanne Testard"), Pick("Retirer"), "o",
    "0",
]
READ_MESSAGE = [Pick("Tableau de bord"), Pick("Messages"), Pick("Non lu", fallback="1"), "0", "0"]
PROFILE_HELP = [Pick("Mes coordonnées"), "0", Pick("Aide")]
QUIT = ["0"]


def options(url: str, **settings: object) -> LaunchOptions:
    return LaunchOptions(
        settings=Settings.model_validate({"still_waiting_interval": 0, "demo": True, **settings}),
        portal_url=url,
        screen_reader=True,
        demo=True,
    )


def run_script(
    url: str,
    answers: list[Answer],
    *,
    sabotage: bool = False,
    opener: Callable[[str], bool] | None = None,
    keyring: MemoryKeyring | None = None,
    out: io.StringIO | None = None,
    width: int = 80,
    **settings: object,
) -> tuple[int, str, ScriptedInput]:
    """The run's answers and what it said (into `out` if given, for a test that reads it while
    the run goes on); `width`: the console's columns (a wide one keeps each sentence on one
    line, for tests that read sentences, not the lines of a screen)."""
    out = out or io.StringIO()
    stdin = ScriptedInput(out, list(answers), sabotage=sabotage)
    code = run_with(
        options(url, **settings),
        Console(stdin=stdin, stdout=out, width=width),  # type: ignore[arg-type]
        credentials=CredentialStore(backend=keyring or MemoryKeyring()),
        opener=opener or (lambda _url: False),
    )
    return code, out.getvalue(), stdin


def test_family_entourage_dashboard_and_quit(chambon_url: str) -> None:
    answers = [*LOGIN, "n", *FAMILY, *ENTOURAGE_ADD_REMOVE, *READ_MESSAGE, *PROFILE_HELP, *QUIT]
    code, said, stdin = run_script(chambon_url, answers)
    assert code == 0, said
    assert "Connexion réussie : Famille Martin" in said
    assert re.search(r"^Enfant : .+, né ou née le ", said, re.MULTILINE)
    assert "Personne ajoutée à l'entourage : Jeanne Testard." in said
    # The list read again says only what changed: the new person, « Ajouter » moved down.
    assert re.search(r"^3 : Jeanne Testard, voisine, téléphone 06 11 22 33 44, peut venir",
                     said, re.MULTILINE)
    assert "Jeanne Testard a été retiré ou retirée de l'entourage." in said
    assert "Fin du message, marqué comme lu." in said
    assert "Adresse : 9 rue des Halles, 42500" in said
    assert said.rstrip().endswith("Déconnexion faite.\nAu revoir.")
    assert not stdin.answers  # every answer was used: nothing skipped


def test_wrong_answer_at_every_prompt_gets_one_line_and_the_same_prompt(chambon_url: str) -> None:
    answers = [*LOGIN, "n", *FAMILY, *ENTOURAGE_ADD_REMOVE, *READ_MESSAGE, *PROFILE_HELP, *QUIT]
    code, said, stdin = run_script(chambon_url, answers, sabotage=True)
    assert code == 0, said
    assert stdin.problems == []
    # Menus, yes/no questions, required fields and passwords were all tried wrongly.
    assert stdin.refused >= 30
    assert "Jeanne Testard a été retiré ou retirée de l'entourage." in said


def test_end_of_input_at_every_prompt_leaves_cleanly(chambon_url: str) -> None:
    answers: list[Answer] = [*LOGIN, "n", *FAMILY, *ENTOURAGE_ADD_REMOVE, *READ_MESSAGE,
                             *PROFILE_HELP]
    for cut in range(len(answers) + 1):
        code, said, _stdin = run_script(chambon_url, answers[:cut])
        assert code == 0, said
        assert said.endswith("Fin de la saisie.\n" + (
            "Déconnexion faite.\n" if cut > len(LOGIN) else "") + "Au revoir.\n"), said
        assert "Traceback" not in said


def test_pay_two_invoices_and_hear_reglee(chambon_url: str) -> None:
    opened: list[str] = []

    def browser(url: str) -> bool:
        opened.append(url)
        pay_in_sandbox(url)
        return True

    # Newest first: 3 and 4 are October's two invoices still to pay.
    answers: list[Answer] = [*LOGIN, "n", Pick("Mes factures"), Pick("Payer une ou plusieurs"),
                             "3 4", "", "o", "0", *QUIT]
    code, said, _ = run_script(chambon_url, answers, opener=browser)
    assert code == 0, said
    assert len(opened) == 1
    assert re.search(r"^Récapitulatif : 2 factures, total 357 euros 40\.$", said, re.MULTILINE)
    assert opened[0] not in said  # the long address (its e-mail inside) is never said
    assert re.search(r"^Réglée : le paiement de 357 euros 40", said, re.MULTILINE)
    # Back in the list, only the two entries that changed are read again.
    assert len(re.findall(r"^[34] : .*, octobre 2026, [^,]+, réglée\.$", said,
                          re.MULTILINE)) == 2
    assert "Mes factures : 6 factures, 2 à payer, reste à payer 297 euros 40." in said


def test_wait_stopped_then_payment_resumed_at_next_login(chambon_url: str) -> None:
    """ctrl+c while waiting keeps the payment journaled; paid meanwhile, the next login says
    « Réglée »."""
    opened: list[str] = []

    def browser(url: str) -> bool:
        opened.append(url)
        # ctrl+c a moment later, while the interface waits for the outcome.
        threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
        return True

    answers: list[Answer] = [*LOGIN, "n", Pick("Mes factures"), Pick("Payer une ou plusieurs"),
                             "1", "", "o", "0", *QUIT]
    code, said, _ = run_script(chambon_url, answers, opener=browser)
    assert code == 0, said
    assert "Attente arrêtée. Le paiement reste suivi" in said
    assert re.search(r"^\d+ : Paiements en cours : 1 paiement à suivre\.$", said, re.MULTILINE)

    pay_in_sandbox(opened[0])
    code, said, _ = run_script(chambon_url, [*LOGIN, "n", *QUIT])
    assert code == 0, said
    assert "1 paiement commencé lors d'une session précédente." in said
    assert re.search(r"^Facture [\d ]+ : Réglée : le paiement de ", said, re.MULTILINE)
    assert "Paiements en cours" not in said  # the journal no longer holds it


def test_leaving_with_a_payment_pending_says_how_its_outcome_will_come(chambon_url: str) -> None:
    """Quitting with a payment still awaited is said as the TUI says it on `q`: where it
    stands, until when its page holds, how its outcome will be told; nothing once it ended."""
    opened: list[str] = []

    def browser(url: str) -> bool:
        opened.append(url)
        threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
        return True

    answers: list[Answer] = [*LOGIN, "n", Pick("Mes factures"), Pick("Payer une ou plusieurs"),
                             "1", "", "o", "0", *QUIT]
    code, said, _ = run_script(chambon_url, answers, opener=browser, width=400)
    assert code == 0, said
    assert "Attente arrêtée. Le paiement reste suivi" in said
    farewell = re.search(r"^Le paiement de [^\n]* est toujours en attente : terminez-le dans le "
                         r"navigateur \(sa page est valable jusqu'à \d+ heures? \d{2}[^)]*\)\. "
                         r"Il est noté sur cette machine : le résultat sera affiché au prochain "
                         r"lancement de famille-tui sur ce compte, et « famille-tui payments » le "
                         r"donne dès maintenant\.$", said, re.MULTILINE)
    assert farewell, said[-1500:]
    assert "€" not in farewell.group(0)  # the amount in words, as every amount here
    assert said.index("Déconnexion faite.") < farewell.start() < said.index("Au revoir.")

    pay_in_sandbox(opened[0])
    code, said, _ = run_script(chambon_url, [*LOGIN, "n", *QUIT], width=400)
    assert code == 0, said
    assert "Réglée : le paiement de " in said
    assert "toujours en attente" not in said


def test_wait_lines_still_waiting_and_network_loss(portal: object, chambon_url: str) -> None:
    """While waiting: « toujours en attente » at the configured interval, one line when the
    portal is lost, one when it is back, then the outcome; nothing else."""

    out = io.StringIO()

    def said_at_last(text: str) -> None:
        """Until the face has said `text` (what each step of the portal waits for)."""
        deadline = time.monotonic() + 30
        while text not in out.getvalue():
            assert time.monotonic() < deadline, f"never said: {text}"
            time.sleep(0.05)

    def browser(url: str) -> bool:
        def later() -> None:
            said_at_last("Toujours en attente")
            portal.stop()  # type: ignore[attr-defined]
            said_at_last("Portail injoignable")
            portal.restart()  # type: ignore[attr-defined]
            pay_in_sandbox(url)

        threading.Thread(target=later, daemon=True).start()
        return True

    answers: list[Answer] = [*LOGIN, "n", Pick("Mes factures"), Pick("Payer une ou plusieurs"),
                             "1", "", "o", "0", *QUIT]
    code, said, _ = run_script(chambon_url, answers, opener=browser, out=out,
                               still_waiting_interval=2)
    assert code == 0, said
    start = said.index("Attente du résultat.")
    wait = said[start : said.index("\nMes factures", start)]
    lines = wait.splitlines()[1:]
    assert lines[0] == "Toujours en attente du paiement, depuis 2 secondes."
    assert "Portail injoignable : nouvel essai dans 1 seconde ; le paiement reste suivi." \
        in lines
    assert "Connexion au portail rétablie : l'attente continue." in lines
    # The outcome comes last (its sentences wrapped to 80 columns).
    outcome = next(i for i, line in enumerate(lines) if line.startswith("Réglée : "))
    assert all(len(line) <= 80 for line in lines)
    assert " ".join(lines[outcome:]).endswith("vous n'avez rien d'autre à faire.")
    lines = lines[:outcome + 1]
    allowed = re.compile(r"^(Toujours en attente|Portail injoignable|Connexion au portail|"
                         r"Essai \d+ sans réponse|Réglée : )")
    assert all(allowed.match(line) for line in lines), lines


def test_answering_the_message_just_read(portal: object, chambon_url: str) -> None:
    """Read a message, then the menu's last entry answers it, a line at a time; the portal
    lost at sending: the reason said, the text kept and sent again on « o »."""

    def lose_the_portal(prompt: str) -> str:
        portal.stop()  # type: ignore[attr-defined]
        return "o"

    def bring_it_back(prompt: str) -> str:
        assert prompt.rstrip().endswith("Réponse non envoyée. Réessayer ? (o ou n, Entrée : oui) :")
        portal.restart()  # type: ignore[attr-defined]
        return "o"

    answers: list[Answer] = [
        *LOGIN, "n", Pick("Tableau de bord"), Pick("Messages"),
        Pick("Non lu, de Crèche Les Pirouettes, le 12 novembre"),
        Pick("Répondre au message"),
        "Bonjour,", "un tirage de la photo 3, merci.", "", lose_the_portal, bring_it_back,
        "0", "0", *QUIT]
    code, said, stdin = run_script(chambon_url, answers, width=200)
    assert code == 0, said
    assert not stdin.answers
    assert ("Réponse à « Photos de l'atelier peinture », envoyée à Crèche Les Pirouettes. "
            "Tapez-la ligne par ligne ; une ligne vide la termine ; 2000 caractères au plus."
            ) in said
    assert "Votre réponse :\nBonjour,\nun tirage de la photo 3, merci.\n" in said
    assert re.search(r"^Erreur : .*portail", said, re.MULTILINE), said
    assert "Réponse envoyée à Crèche Les Pirouettes." in said
    with Api(portal).login("martin") as api:  # type: ignore[arg-type]
        message = next(m for m in api.get("dashboard").json()["messages"]
                       if m["subject"] == "Photos de l'atelier peinture")
    assert [r["text"] for r in message["replies"]] == [
        "Bonjour,\nun tirage de la photo 3, merci."]


def test_a_reply_line_too_long_is_refused_and_the_others_kept(chambon_url: str) -> None:
    answers: list[Answer] = [
        *LOGIN, "n", Pick("Tableau de bord"), Pick("Messages"), Pick("Non lu", fallback="1"),
        Pick("Répondre au message"), "Bonjour,", "x" * 1995, "Merci.", "", "o",
        "0", "0", *QUIT]
    code, said, _stdin = run_script(chambon_url, answers, width=200)
    assert code == 0, said
    assert ("Saisie refusée : 2000 caractères au plus, cette ligne les dépasse de 4 : "
            "tapez-la plus courte.") in said
    assert "Votre réponse :\nBonjour,\nMerci.\n" in said
    assert "Réponse envoyée à Crèche Les Pirouettes." in said


def test_no_reply_entry_where_the_portal_takes_none(portal: object) -> None:
    """Espace Citoyens has no dashboard at all; a portal with messages but no answers (the
    Famille API connector offering less) lists the messages and never offers to answer."""
    from famille_tui.plain.app import run_with as run
    from tests.support.connectors import NoReplies

    made: list[NoReplies] = []
    out = io.StringIO()
    stdin = ScriptedInput(out, [*LOGIN, "n", Pick("Tableau de bord"), Pick("Messages"),
                                Pick("Non lu", fallback="1"), "0", "0", *QUIT])
    url = portal.base_url("le-chambon-feugerolles")  # type: ignore[attr-defined]
    code = run(options(url), Console(stdin=stdin, stdout=out, width=200),  # type: ignore[arg-type]
               credentials=CredentialStore(backend=MemoryKeyring()),
               opener=lambda _url: False, connector_factory=NoReplies.factory(made))
    said = out.getvalue()
    assert code == 0, said
    assert "Fin du message, marqué comme lu." in said
    assert "Répondre" not in said
    assert not [r for r in made[0].requests if r.endswith("/reply")]


def test_no_email_on_file_is_told_the_leaflets_way_out(portal: object,
                                                        chambon_url: str) -> None:
    """Paying: the receipt's e-mail asked with what to type and where to have one recorded;
    « Mot de passe oublié »: the same way out, said to every login before the code."""
    forget_email(portal.data_path)  # type: ignore[attr-defined]
    way_out = ("Si vous n'avez jamais donné d'adresse électronique à l'inscription de votre "
               "enfant, demandez-en l'enregistrement à Crèche Les Pirouettes : "
               "creche.lespirouettes@lechambon.fr ou 04 77 06 20 10.")
    answers: list[Answer] = [
        Pick("Mot de passe oublié"), "0",
        *LOGIN, "n", Pick("Mes factures"), Pick("Payer une ou plusieurs"), "3", "0", "0",
        *QUIT]
    code, said, stdin = run_script(chambon_url, answers, width=400)
    assert code == 0, said
    assert not stdin.answers
    assert ("Mot de passe oublié : un code vous sera envoyé par e-mail.\n"
            "Le code est envoyé à l'adresse électronique enregistrée pour ce compte ; sans "
            f"adresse enregistrée, aucun code n'arrive. {way_out}\n") in said
    assert ("Aucune adresse électronique n'est enregistrée pour votre compte : tapez celle où "
            "recevoir le justificatif (la page de paiement de l'État en demande une).\n"
            f"{way_out}\n") in said
    assert "E-mail du justificatif (exemple : prenom.nom@exemple.fr) : " in stdin.prompts


def test_a_wrong_commune_is_said_before_the_login(portal: object) -> None:
    wrong = f"{portal.origin}/chambon/"  # type: ignore[attr-defined]
    code, said, _stdin = run_script(wrong, [Pick("Se connecter avec"), "martin",
                                            "demo-martin", "n", *QUIT], width=400)
    assert code == 0, said
    sentence = f"Erreur : Commune inconnue sur ce portail : {wrong} ne mène à aucune commune."
    first = said.index(sentence)
    # Said at once, before the first menu; the login tried says it again.
    assert first < said.index("Accueil")
    assert said.count(sentence) == 2
    assert "Erreur : Commune inconnue sur ce portail.\n" not in said  # said once, whole
    assert "Connexion réussie" not in said


def test_the_password_rules_are_read_before_a_new_password(chambon_url: str) -> None:
    """« Première connexion » reads the portal's rules first, the sentence after the colon in
    lower case as French writes it (« Règles du mot de passe : le mot de passe doit… »)."""
    answers: list[Answer] = [Pick("Première connexion"), "bernard", "pas-le-bon", "0", "0", "0",
                             *QUIT]
    code, said, _ = run_script(chambon_url, answers, width=400)
    assert code == 0, said
    assert re.search(r"^Règles du mot de passe : le mot de passe doit comporter au moins 8 "
                     r"caractères, dont au moins une lettre et un chiffre\.$", said,
                     re.MULTILINE), said


def test_a_direct_debit_is_nothing_to_pay(portal: object) -> None:
    """Chaponost's canteen invoice taken by direct debit is « rien à faire »: not « à payer
    avant le … » beside it, and not counted among the invoices to pay (nor in the total)."""
    from tests.support import CHAPONOST

    url = portal.base_url(CHAPONOST)  # type: ignore[attr-defined]
    code, said, _ = run_script(url, [*LOGIN, "n", Pick("Mes factures"), "0", *QUIT],
                               width=400)
    assert code == 0, said
    line = next(line for line in said.splitlines() if "prélevée automatiquement" in line)
    assert line.endswith(", 70 euros 20, prélevée automatiquement le 25 novembre 2026, "
                         "rien à faire."), line
    assert "à payer avant" not in line
    # Five to pay, 719,60 € (the 70,20 € of the direct debit in neither).
    assert "Mes factures : 8 factures, 5 à payer, reste à payer 719 euros 60." in said
    assert "Menu principal, Famille Martin : 5 factures à payer, 719 euros 60." in said


def test_what_espace_citoyens_lacks_is_said_before_anything_is_asked(portal: object) -> None:
    """At Le Chambon's Espace Citoyens (README tour, step 8), « Première connexion » and
    « Mot de passe oublié » say « non proposé par ce portail » at once: no identifiant and
    temporary password asked, then a password rule « non proposé » as an error."""
    url = f"{portal.origin}/lechambonfeugerolles/espace-citoyens/"  # type: ignore[attr-defined]
    answers: list[Answer] = [Pick("Première connexion"), Pick("Mot de passe oublié"), "0"]
    code, said, stdin = run_script(url, answers, width=400)
    assert code == 0, said
    assert "La première connexion : non proposé par ce portail." in said
    assert "La réinitialisation du mot de passe : non proposé par ce portail." in said
    assert not any(p.startswith(("Identifiant", "Mot de passe provisoire"))
                   for p in stdin.prompts), stdin.prompts
    assert "Erreur" not in said
