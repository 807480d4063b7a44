"""The screen-reader interface from start to end: commune, welcome, the main menu, leaving.

`run_with` takes the console and the browser opener as arguments so that tests run the whole
interface in-process with scripted answers; `famille_tui.plain.run` is the real terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from famille_tui.client.config import LaunchOptions, PortalProfile, resolve_portals
from famille_tui.client.credentials import CredentialStore
from famille_tui.client.errors import ConfigError
from famille_tui.client.kiosk import ignore_job_control
from famille_tui.client.portals.base import Capability, PortalConnector
from famille_tui.client.rules import StaffGate, handed_over_sentence, left_pending_sentence
from famille_tui.plain.console import Console, EndOfInput, Terminated
from famille_tui.plain.dashboard import show_dashboard
from famille_tui.plain.family import show_entourage, show_family
from famille_tui.plain.help import show_help, usage
from famille_tui.plain.invoices import is_open, show_invoices
from famille_tui.plain.kiosk import staff_code_accepted
from famille_tui.plain.paying import pending_count, resume
from famille_tui.plain.profile import show_profile
from famille_tui.plain.prompts import GoBack, choose
from famille_tui.plain.reservations import show_reservations
from famille_tui.plain.session import Failed, Opener, Session
from famille_tui.plain.speech import amount_words, count_words, speakable, spoken_text
from famille_tui.plain.start import choose_portal, greet, welcome

EXIT_OK = 0
EXIT_ERROR = 1
#: Ended by SIGTERM or SIGHUP: 128 + the signal's number, as a shell says it.
EXIT_SIGNAL_BASE = 128

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
    opener: Opener | None = None,
    connector_factory: Callable[[PortalProfile], PortalConnector] | None = None,
) -> int:
    """The whole interface. Returns the exit code; never raises for anything a person does.
    `opener` stands in for the browser (tests; default: the policy's, see
    `FamilySession.open_payment_page`); `connector_factory` makes the portal's connector
    (default: `connector_for`). SIGTERM or SIGHUP: logged out, terminal restored, exit
    128 + the signal."""
    try:
        portals = resolve_portals(options)
    except ConfigError as error:
        console.say("Erreur : " + speakable(error.message))
        return EXIT_ERROR
    if not portals:
        console.say(NO_PORTAL)
        return EXIT_ERROR
    code = EXIT_OK
    with console.signals(), asyncio.Runner() as runner:
        session = Session(options, console, runner, credentials=credentials, opener=opener,
                          connector_factory=connector_factory)
        console.desk = not session.policy.may_quit
        console.say("Famille-tui, Espace famille, pour lecteur d'écran.",
                    usage(session.policy))
        if options.start_notice:
            console.say(speakable(options.start_notice))
        if console.desk and console.terminal:
            ignore_job_control(keyboard_interrupt=False)
        try:
            try:
                _portals_loop(session, portals)
            except EndOfInput:
                console.say("Fin de la saisie.")
            finally:
                _end_session(session, leaving=True)
        except Terminated as stop:
            # A second signal during the logout: the session expires on the portal anyway.
            code = EXIT_SIGNAL_BASE + stop.signum
        if console.terminated is not None:
            code = EXIT_SIGNAL_BASE + console.terminated
    console.say("Au revoir.")
    return code


def _portals_loop(session: Session, portals: list[PortalProfile]) -> None:
    policy = session.policy
    gate = StaffGate(policy.staff_code_hash, time.monotonic)
    console = session.console
    while True:
        try:
            portal = choose_portal(session, portals)
        except GoBack:
            if not policy.may_quit and not staff_code_accepted(session, gate):
                continue
            return
        session.open_portal(portal)
        greet(session)
        while True:
            try:
                # The idle watch starts with the first answer of a person (a login typed
                # is theirs); the welcome menu itself holds nothing of anyone.
                outcome = welcome(session, several_portals=len(portals) > 1,
                                  on_leaving=lambda: _watch_idle(session))
            except GoBack:
                console.idle_seconds = None
                if not policy.may_quit and not staff_code_accepted(session, gate):
                    continue
                return
            except EndOfInput:
                # A desk's terminal stays (an idle login form ends here too). A closed
                # stream does not.
                console.idle_seconds = None
                if not policy.may_quit and console.terminal:
                    _end_session(session, keep_portal=True)
                    continue
                raise
            if outcome == "change":
                break
            _watch_idle(session)
            try:
                leave = main_menu(session)
            except EndOfInput:
                if policy.may_quit or not console.terminal:
                    raise
                leave = False
            finally:
                console.idle_seconds = None
            _end_session(session, keep_portal=True, leaving=leave and policy.may_quit)
            if leave and policy.may_quit:
                return
        session.close_portal()


def _watch_idle(session: Session) -> None:
    """From now on, the desk's idle logout (nothing elsewhere)."""
    idle = session.policy.idle_logout
    if idle is not None:
        session.console.idle_seconds, session.console.warning_seconds = idle


def _end_session(session: Session, *, keep_portal: bool = False, leaving: bool = False) -> None:
    """Log out; on a shared machine also hand pending payments over and forget what was
    typed. `leaving`: the program ends, and a parent leaving payments awaited is told what
    becomes of them, as the TUI says it on `q`."""
    policy = session.policy
    farewell = _pending_on_leaving(session) if leaving and not policy.hands_over_payments \
        else None
    if keep_portal:
        handed_over = session.end_family_session(hand_over=policy.hands_over_payments)
    else:
        handed_over = 0
        try:
            if policy.hands_over_payments and session.family_session.logged_in:
                handed_over = session.end_family_session(hand_over=True)
        except RuntimeError:
            pass  # no portal chosen
        session.close_portal()
    console = session.console
    if policy.clears_terminal:
        # Nothing of the family on screen nor in the scrollback for the next person.
        console.clear()
    if handed_over:
        session.say(handed_over_sentence(handed_over))
    if farewell is not None:
        session.say(spoken_text(farewell))
    console.forget_menus()
    if not policy.keeps_history:
        console.forget_history()


def _pending_on_leaving(session: Session) -> str | None:
    """What becomes of the payments still awaited when the parent leaves (None: none, or
    no family session)."""
    try:
        family_session = session.family_session
    except RuntimeError:
        return None  # no portal chosen
    if not family_session.logged_in:
        return None
    awaited = family_session.active_payments()
    if not awaited:
        return None
    ends = [f.payment.expires_at for f in awaited if f.payment is not None]
    return left_pending_sentence([f.amount_cents for f in awaited], min(ends) if ends else None)


def _summary(session: Session, said: list[str]) -> str:
    """The main menu's title: the family and its total « Reste à payer » the first time,
    and again only when it changed (`said` holds what was said last)."""
    family_session = session.family_session
    family = family_session.family_name or "Espace famille"
    title = f"Menu principal, {family}"
    if not family_session.offers(Capability.INVOICES):
        return title
    try:
        listing = session.call(family_session.invoices)
    except Failed:
        return title
    to_pay = sum(1 for i in listing.invoices if is_open(i))
    due = (count_words(to_pay, "facture", "factures", none="aucune facture")
           + f" à payer, {amount_words(listing.total_remaining_cents)}")
    if said and said[0] == due:
        return "Menu principal"
    said[:] = [due]
    return f"{title} : {due}"


def _pending(session: Session) -> None:
    resume(session, at_login=False)


#: What each area needs of the portal (said « non proposé par ce portail » when lacking).
NEEDS: dict[str, Capability] = {
    "family": Capability.FAMILY,
    "entourage": Capability.ENTOURAGE,
    "dashboard": Capability.DASHBOARD,
    "invoices": Capability.INVOICES,
    "reservations": Capability.RESERVATIONS,
    "profile": Capability.PROFILE,
    "help": Capability.HELP,
}

AREAS: dict[str, Callable[[Session], None]] = {
    "family": show_family,
    "entourage": show_entourage,
    "dashboard": show_dashboard,
    "invoices": show_invoices,
    "reservations": show_reservations,
    "profile": show_profile,
    "help": show_help,
    "pending": _pending,
}


def main_menu(session: Session) -> bool:
    """The family space. True when the person chose to quit."""
    with contextlib.suppress(Failed):
        resume(session, at_login=True)
    said: list[str] = []
    while True:
        entries: list[tuple[str, str]] = [
            ("Famille", "family"),
            ("Entourage", "entourage"),
            ("Tableau de bord : demandes, messages, évènements", "dashboard"),
            ("Mes factures", "invoices"),
            ("Réservations : cantine, garderie, mercredi, vacances", "reservations"),
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
        may_quit = session.policy.may_quit
        if may_quit:  # on a kiosk 0 already ends the session
            entries.append(("Se déconnecter et revenir à l'accueil", "logout"))
        try:
            number = choose(
                session.console, _summary(session, said), [label for label, _ in entries],
                back="quitter en se déconnectant" if may_quit else "terminer votre session",
                key="main", top=True,
            )
        except GoBack:
            return True
        action = entries[number - 1][1]
        if action == "logout":
            return False
        need = NEEDS.get(action)
        if need is not None and not session.family_session.offers(need):
            session.say(need.not_offered)
            continue
        try:
            AREAS[action](session)
        except (GoBack, Failed):
            continue
