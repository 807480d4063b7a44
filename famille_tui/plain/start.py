"""Before the family space: commune choice, welcome menu, login (with the keyring),
first connection (activation), password reset, and in demo mode the e-mails the portal sent."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from famille_tui.api import Account, HelpContact, PasswordPolicy
from famille_tui.client import (
    AccountLocked,
    AccountNotActivated,
    CredentialStoreUnavailable,
    FamilleError,
    InvalidCredentials,
)
from famille_tui.client.config import PortalProfile
from famille_tui.client.errors import ChallengeFailed
from famille_tui.client.portals.base import Capability
from famille_tui.client.rules import after_colon, reset_code_sentence
from famille_tui.plain.captcha import answer_challenge
from famille_tui.plain.console import Interrupted
from famille_tui.plain.prompts import GoBack, ask_secret, ask_text, ask_yes_no, choose
from famille_tui.plain.session import Failed, Session
from famille_tui.plain.speech import count_words, datetime_words, speakable, spoken_text

NO_KEYRING = (
    "Pas de trousseau de mots de passe sur cette machine : le mot de passe ne sera pas "
    "retenu."
)


def choose_portal(session: Session, portals: list[PortalProfile]) -> PortalProfile:
    """The commune: said when there is one, a menu when there are several (GoBack: quit)."""
    if len(portals) == 1:
        return portals[0]
    number = choose(
        session.console,
        f"Choix de la commune : {len(portals)} communes",
        [portal.name for portal in portals],
        back="quitter" if session.policy.may_quit else None, top=True,
    )
    return portals[number - 1]


def greet(session: Session) -> HelpContact | None:
    """Say which commune and structure this is (the portal's public help). None when the
    portal cannot be reached: the error is said, the welcome menu still works."""
    if session.unknown_commune or not session.family_session.offers(Capability.HELP):
        return None  # an unknown commune was just said: no other sentence about it
    try:
        contact = session.call(lambda: session.client.help())
    except Failed:
        return None
    session.say(f"Commune : {contact.commune}, {spoken_text(contact.structure)}.")
    return contact


# --- the welcome menu ---------------------------------------------------------------------


#: What each entry of the welcome menu needs of the portal (« … : non proposé par ce
#: portail » when it lacks it: Espace Citoyens has no first connection nor reset here).
WELCOME_NEEDS = {
    "activate": Capability.ACTIVATION,
    "reset": Capability.PASSWORD_RESET,
}


def welcome(session: Session, *, several_portals: bool,
            on_leaving: Callable[[], None] | None = None) -> str:
    """The menu before login. Returns "logged-in", "change" (another commune) or raises GoBack
    (quit). `on_leaving` is called once a choice was made (a person is here from then on)."""
    assert session.portal is not None
    while True:
        remembered = session.credentials.remembered_logins(session.portal.url) if (
            session.credentials is not None) else []
        entries: list[tuple[str, str]] = [
            (f"Se connecter en tant que {login}, mot de passe retenu", f"remembered:{login}")
            for login in remembered
        ]
        entries += [
            ("Se connecter avec un identifiant", "login"),
            ("Première connexion, avec le mot de passe provisoire", "activate"),
            ("Mot de passe oublié", "reset"),
            ("Aide, contact de la structure", "help"),
        ]
        if remembered:
            entries.append(("Oublier un compte retenu sur cette machine", "forget"))
        family_session = session.family_session
        # Never at a desk: the outbox holds every family's reset codes.
        if family_session.policy.shows_demo_outbox(family_session.base_url) and (
                family_session.offers(Capability.OUTBOX)):
            entries.append(("Démonstration : e-mails envoyés par le portail", "outbox"))
        if several_portals:
            entries.append(("Changer de commune", "change"))
        number = choose(
            session.console, "Accueil", [label for label, _ in entries],
            # At a desk 0 is the staff's way out: not a choice offered to parents.
            back="quitter" if session.policy.may_quit else None, top=True,
        )
        if on_leaving is not None:
            on_leaving()
        action = entries[number - 1][1]
        need = WELCOME_NEEDS.get(action)
        if need is not None and not family_session.offers(need):
            # Said at once, before an identifiant and a password are asked for nothing.
            session.say(need.not_offered)
            continue
        try:
            if action.startswith("remembered:"):
                if login_remembered(session, action.split(":", 1)[1]):
                    return "logged-in"
            elif action == "login":
                if login_form(session):
                    return "logged-in"
            elif action == "activate":
                if activate(session):
                    return "logged-in"
            elif action == "reset":
                reset_password(session)
            elif action == "help":
                from famille_tui.plain.help import show_help

                show_help(session)
            elif action == "forget":
                forget_account(session, remembered)
            elif action == "outbox":
                show_outbox(session)
            else:
                return "change"
        except (GoBack, Failed):
            continue


# --- login --------------------------------------------------------------------------------


def given_login(session: Session) -> str | None:
    """`--login`, offered as the default answer — never to the next person at a desk."""
    return session.options.login if session.policy.prefills_login else None


def login_form(session: Session, login: str | None = None, password: str | None = None) -> bool:
    """Identifiant, mot de passe, « Se souvenir de moi ». True once logged in."""
    console = session.console
    login = login or given_login(session)
    while True:
        login = ask_text(console, "Identifiant", default=login)
        if password is None:
            password = ask_secret(console, f"Mot de passe de {login}")
        remember = ask_remember(session)
        outcome = try_login(session, login, password, remember=remember)
        if outcome:
            return True
        password = None  # wrong: ask again (the login is offered as the default)


def ask_remember(session: Session) -> bool:
    """« Se souvenir de moi » as a yes/no question, or why it is not asked."""
    if session.credentials is None:  # kiosk: never remembered, nothing to ask
        return False
    if not session.credentials.available:
        if session.console.first_time("no-keyring"):  # once a run is enough
            session.say(NO_KEYRING)
        return False
    return ask_yes_no(
        session.console,
        "Se souvenir de moi, retenir le mot de passe sur cette machine ?",
    )


def try_login(session: Session, login: str, password: str, *, remember: bool) -> bool:
    """Log in (answering the portal's captcha, if it asks one: `plain.captcha`) and, if
    asked, remember the password. False after a refusal (already said)."""
    try:
        created = _log_in(session, login, password)
    except (InvalidCredentials, AccountLocked) as error:
        session.error(error)
        if isinstance(error, AccountLocked) and error.retry_after_seconds:
            minutes = max(1, round(error.retry_after_seconds / 60))
            session.say(f"Nouvel essai possible dans {count_words(minutes, 'minute', 'minutes')}.")
        return False
    except AccountNotActivated as error:
        session.error(error)
        raise Failed(error) from None
    except FamilleError as error:
        session.error(error)
        raise Failed(error) from None
    except Interrupted:
        session.say("Connexion interrompue.")
        raise Failed() from None
    assert session.portal is not None
    if remember and session.credentials is not None:
        try:
            session.credentials.save(session.portal.url, login, password)
            session.say("Mot de passe retenu dans le trousseau de cette machine.")
        except CredentialStoreUnavailable as error:
            session.error(error)
    account = created
    session.say(f"Connexion réussie : {account.family_name}. Bienvenue, {account.display_name}.")
    return True


def _log_in(session: Session, login: str, password: str) -> Account:
    """The login, a new code asked after a wrong one (a code serves once)."""
    family_session = session.family_session
    for _ in range(5):
        answer = session.run(lambda: answer_challenge(session.console, family_session))
        try:
            return session.run(partial(family_session.login, login, password,
                                       challenge_answer=answer))
        except ChallengeFailed as error:
            if answer is None:
                raise
            session.error(error)
    raise ChallengeFailed("Trop d'essais du code de sécurité : rien n'a été fait.")


def login_remembered(session: Session, login: str) -> bool:
    assert session.portal is not None and session.credentials is not None
    password = session.credentials.get(session.portal.url, login)
    if password is None:
        session.say(f"Le mot de passe de {login} n'est plus dans le trousseau : saisissez-le.")
        return login_form(session, login)
    if try_login(session, login, password, remember=False):
        return True
    session.say("Le mot de passe retenu n'est plus le bon : saisissez le nouveau.")
    return login_form(session, login)


def forget_account(session: Session, remembered: list[str]) -> None:
    assert session.portal is not None and session.credentials is not None
    if len(remembered) == 1:
        login = remembered[0]
    else:
        number = choose(session.console, "Compte à oublier", remembered)
        login = remembered[number - 1]
    if not ask_yes_no(session.console, f"Oublier le compte {login} et son mot de passe ?"):
        return
    try:
        session.credentials.forget(session.portal.url, login)
    except CredentialStoreUnavailable as error:
        session.error(error)
        return
    session.say(f"Compte {login} oublié : son mot de passe n'est plus retenu.")


# --- new passwords ------------------------------------------------------------------------


def read_policy(session: Session) -> PasswordPolicy | None:
    """The portal's password rules, read out before the person types (not after failing)."""
    try:
        policy = session.call(lambda: session.client.password_policy())
    except Failed:
        return None
    session.say("Règles du mot de passe : "
                + after_colon(speakable(policy.description)).rstrip(".") + ".")
    return policy


def policy_check(policy: PasswordPolicy | None) -> object:
    def check(password: str) -> str:
        if policy is None:
            return password
        if len(password) < policy.min_length:
            raise ValueError(f"trop court, il faut au moins {policy.min_length} caractères")
        if policy.require_letter and not any(c.isalpha() for c in password):
            raise ValueError("il faut au moins une lettre")
        if policy.require_digit and not any(c.isdigit() for c in password):
            raise ValueError("il faut au moins un chiffre")
        return password

    return check


def ask_new_password(session: Session, policy: PasswordPolicy | None) -> str:
    check = policy_check(policy)
    while True:
        first = ask_secret(session.console, "Nouveau mot de passe", check=check)  # type: ignore[arg-type]
        second = ask_secret(session.console, "Nouveau mot de passe, une seconde fois")
        if first == second:
            return first
        session.say("Saisie refusée : les deux mots de passe sont différents. Recommencez.")


def activate(session: Session) -> bool:
    """First connection. True when the account is activated and logged in."""
    console = session.console
    session.say(
        "Première connexion : il vous faut l'identifiant et le mot de passe provisoire "
        "reçus par e-mail."
    )
    login = ask_text(console, "Identifiant", default=given_login(session))
    temporary = ask_secret(console, "Mot de passe provisoire")
    policy = read_policy(session)
    new_password = ask_new_password(session, policy)
    accepted = session.call(lambda: session.client.activate(login, temporary, new_password))
    session.say(speakable(accepted.message))
    return try_login_after_change(session, login, new_password)


def try_login_after_change(session: Session, login: str, password: str) -> bool:
    """Log straight in with the password just chosen."""
    remember = ask_remember(session)
    return try_login(session, login, password, remember=remember)


def reset_password(session: Session) -> bool:
    console = session.console
    session.say("Mot de passe oublié : un code vous sera envoyé par e-mail.")
    # Said to every account alike (the portal answers the same whether it has an e-mail):
    # the leaflet's way out for a parent who never gave one.
    contact = session.run(session.family_session.structure_contact)
    session.say(spoken_text(reset_code_sentence(contact)))
    login = ask_text(console, "Identifiant", default=given_login(session))
    accepted = session.call(lambda: session.client.request_password_reset(login))
    session.say(speakable(accepted.message))
    code = ask_text(console, "Code reçu par e-mail")
    policy = read_policy(session)
    new_password = ask_new_password(session, policy)
    done = session.call(lambda: session.client.confirm_password_reset(login, code, new_password))
    session.say(speakable(done.message))
    session.say("Vous pouvez vous connecter avec le nouveau mot de passe.")
    return False


def show_outbox(session: Session) -> None:
    """Demo portal only: the e-mails it sent (activation, reset codes, receipts), newest
    first, as a menu of subjects; choosing one reads it."""
    while True:
        messages = session.call(lambda: session.client.outbox())
        messages = sorted(messages, key=lambda m: m.sent_at, reverse=True)
        if not messages:
            session.say("Aucun e-mail envoyé par le portail.")
            return
        title = count_words(len(messages), "e-mail envoyé", "e-mails envoyés")
        number = choose(
            session.console,
            f"Démonstration : {title} par le portail",
            [
                f"À {m.to}, le {datetime_words(m.sent_at)} : {spoken_text(m.subject)}"
                for m in messages
            ], key="outbox",
        )
        message = messages[number - 1]
        session.say(f"E-mail à {message.to} : {spoken_text(message.subject)}.")
        for line in message.body.splitlines():
            if line.strip():
                session.say(line.strip())
