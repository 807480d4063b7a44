"""« Mes coordonnées »: the account holder's address, phones and e-mail; view and edit."""

from __future__ import annotations

from famille_tui.api import Profile, ProfileUpdate, check_email, normalize_phone
from famille_tui.api.base import check_name
from famille_tui.plain.prompts import GoBack, ask_text, choose
from famille_tui.plain.session import Failed, Session

PHONE_HINT = "exemple : 06 12 34 56 78"


def profile_lines(profile: Profile) -> list[str]:
    lines = [
        f"Nom : {profile.first_name} {profile.last_name}.",
        f"Adresse : {profile.address}, {profile.postal_code} {profile.city}.",
        f"Téléphone fixe : {profile.phone_home or 'aucun'}.",
        f"Téléphone portable : {profile.phone_mobile or 'aucun'}.",
        f"E-mail : {profile.email or 'aucune adresse enregistrée'}.",
    ]
    return lines


def show_profile(session: Session) -> None:
    while True:
        profile = session.call(lambda: session.client.profile())
        session.say("Mes coordonnées.", *profile_lines(profile))
        try:
            choose(session.console, None, ["Modifier mes coordonnées"], key="profile")
        except GoBack:
            return
        try:
            edit_profile(session, profile)
        except (GoBack, Failed):
            continue


def _postal_code(text: str) -> str:
    text = text.replace(" ", "")
    if not (len(text) == 5 and text.isdigit()):
        raise ValueError("un code postal a 5 chiffres (exemple : 42500)")
    return text


def edit_profile(session: Session, profile: Profile) -> None:
    console = session.console
    session.say("Modification des coordonnées : Entrée garde chaque valeur actuelle.")
    first = ask_text(console, "Prénom", default=profile.first_name, check=check_name)
    last = ask_text(console, "Nom", default=profile.last_name, check=check_name)
    address = ask_text(console, "Adresse", default=profile.address, check=check_name)
    postal = ask_text(console, "Code postal", default=profile.postal_code, check=_postal_code)
    city = ask_text(console, "Ville", default=profile.city, check=check_name)
    home = ask_text(
        console, "Téléphone fixe", hint=PHONE_HINT, default=profile.phone_home,
        required=False, clearable=True, check=normalize_phone,
    )
    mobile = ask_text(
        console, "Téléphone portable", hint=PHONE_HINT, default=profile.phone_mobile,
        required=False, clearable=True, check=normalize_phone,
    )
    email = ask_text(console, "E-mail", default=profile.email, check=check_email)
    update = ProfileUpdate(
        first_name=first,
        last_name=last,
        address=address,
        postal_code=postal,
        city=city,
        phone_home=home or None,
        phone_mobile=mobile or None,
        email=email,
    )
    saved = session.call(lambda: session.family_session.update_profile(update))
    if saved == profile:
        session.say("Aucune modification.")
    else:
        session.say("Coordonnées enregistrées sur le portail.")
