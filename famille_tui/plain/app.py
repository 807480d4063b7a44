"""The screen-reader interface from start to end: commune, welcome, the main menu, leaving.

`run_with` takes the console and the browser opener as arguments so that tests run the whole
interface in-process with scripted answers; `famille_tui.plain.run` is the real terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from famille_tui.client import CredentialStore, PaymentJournal
from famille_tui.client.config import LaunchOptions, PortalProfile, resolve_portals
from famille_tui.client.errors import ConfigError
from famille_tui.plain.console import Console, EndOfInput
from famille_tui.plain.dashboard import show_dashboard
from famille_tui.plain.family import show_entourage, show_family
from famille_tui.plain.help import USAGE, show_help
from famille_tui.plain.invoices import is_open, show_invoices
from famille_tui.plain.kiosk import StaffGate, ignore_job_control
from famille_tui.plain.paying import hand_over, pending_count, resume
from famille_tui.plain.profile import show_profile
from famille_tui.plain.prompts import GoBack, choose
from famille_tui.plain.session import Failed, Opener, Session, open_in_browser
from famille_tui.plain.speech import amount_words, count_words, speakable
from famille_tui.plain.start import choose_portal, greet, welcome

EXIT_OK = 0
EXIT_ERROR = 1

NO_PORTAL = (
    "Erreur : aucun portail n'est configuré. Lancez « famille-tui demo --screen-reader » "
    "pour essayer avec le portail de démonstration, ou indiquez l'adresse de votre commune "
    "avec « --portal »."
)


def run_with(
    options: LaunchOptions,
    console: Console,
    *,
    credentials: CredentialStore | None = None,
    opener: Opener = open_in_browser,
) -> int:
    """The whole interface. Returns the exit code; never raises for anything a person does."""
    try:
        portals = resolve_portals(options)
    except ConfigError as error:
        console.say("Erreur : " + speakable(error.message))
        return EXIT_ERROR
    if not portals:
        console.say(NO_PORTAL)
        return EXIT_ERROR
    if options.kiosk:
        credentials = None  # the keyring is never read nor written on a shared machine
        if console.terminal:
            ignore_job_control()
    elif credentials is None:
        credentials = CredentialStore()
    journal = PaymentJournal.for_user(kiosk=options.kiosk)
    console.say("Famille-tui, Espace famille, interface pour lecteur d'écran.", USAGE)
    with asyncio.Runner() as runner:
        session = Session(
            options, console, runner, credentials=credentials, journal=journal, opener=opener
        )
        try:
            _portals_loop(session, portals)
        except EndOfInput:
            console.say("Fin de la saisie.")
        finally:
            _end_session(session)
    console.say("Au revoir.")
    return EXIT_OK


def _portals_loop(session: Session, portals: list[PortalProfile]) -> None:
    gate = StaffGate()
    console = session.console
    while True:
        try:
            portal = choose_portal(session, portals)
        except GoBack:
            if session.kiosk and not gate.open(session):
                continue
            return
        session.open_portal(portal)
        greet(session)
        while True:
            try:
                outcome = welcome(session, several_portals=len(portals) > 1)
            except GoBack:
                if session.kiosk and not gate.open(session):
                    continue
                return
            except EndOfInput:
                # A desk's terminal stays: ctrl+d there is no way out. A closed stream is.
                if session.kiosk and console.terminal:
                    continue
                raise
            if outcome == "change":
                break
            if session.kiosk:
                console.idle_seconds = session.options.settings.kiosk_idle_seconds
                console.warning_seconds = session.options.settings.kiosk_warning_seconds
            try:
                leave = main_menu(session)
            except EndOfInput:
                if not (session.kiosk and console.terminal):
                    raise
                leave = False
            finally:
                console.idle_seconds = None
            _end_session(session, keep_portal=True)
            if leave and not session.kiosk:
                return
        session.close_portal()


def _end_session(session: Session, *, keep_portal: bool = False) -> None:
    """Log out; in kiosk mode also hand pending payments over and forget typed answers."""
    try:
        if session.kiosk and session.client.logged_in:
            hand_over(session)
    except RuntimeError:
        pass
    session.console.forget_menus()
    if session.kiosk:
        session.console.forget_history()
    if keep_portal:
        try:
            client = session.client
        except RuntimeError:
            return
        if client.logged_in:
            with contextlib.suppress(KeyboardInterrupt):
                session.runner.run(client.logout())
            session.say("Déconnexion faite.")
        return
    session.close_portal()


def _summary(session: Session) -> str:
    """The main menu's title: the family and its total « Reste à payer »."""
    account = session.client.account
    family = account.family_name if account else "Espace famille"
    try:
        listing = session.call(lambda: session.client.invoices())
    except Failed:
        return f"Menu principal, {family}"
    to_pay = sum(1 for i in listing.invoices if is_open(i))
    return (
        f"Menu principal, {family}. Reste à payer : "
        f"{amount_words(listing.total_remaining_cents)}, "
        + count_words(to_pay, "facture", "factures", none="aucune facture")
        + " à payer"
    )


def _pending(session: Session) -> None:
    resume(session, at_login=False)


AREAS: dict[str, Callable[[Session], None]] = {
    "family": show_family,
    "entourage": show_entourage,
    "dashboard": show_dashboard,
    "invoices": show_invoices,
    "profile": show_profile,
    "help": show_help,
    "pending": _pending,
}


def main_menu(session: Session) -> bool:
    """The family space. True when the person chose to quit."""
    with contextlib.suppress(Failed):
        resume(session, at_login=True)
    while True:
        entries: list[tuple[str, str]] = [
            ("Famille", "family"),
            ("Entourage", "entourage"),
            ("Tableau de bord : demandes, messages, évènements, actualités", "dashboard"),
            ("Mes factures", "invoices"),
            ("Mes coordonnées", "profile"),
            ("Aide", "help"),
        ]
        pending = pending_count(session)
        if pending:
            entries.append((
                "Paiements en cours : "
                + count_words(pending, "paiement", "paiements") + " à suivre",
                "pending",
            ))
        if not session.kiosk:  # in kiosk mode 0 already ends the session
            entries.append(("Se déconnecter et revenir à l'accueil", "logout"))
        try:
            number = choose(
                session.console, _summary(session), [label for label, _ in entries],
                back="terminer la session" if session.kiosk else "quitter en se déconnectant",
            )
        except GoBack:
            return True
        action = entries[number - 1][1]
        if action == "logout":
            return False
        try:
            AREAS[action](session)
        except (GoBack, Failed):
            continue
