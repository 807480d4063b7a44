"""« Aide »: the structure's contact as the leaflets give it, and how this interface works."""

from __future__ import annotations

from famille_tui.plain.session import Failed, Session
from famille_tui.plain.speech import sentence, spoken_text

USAGE = (
    "Utilisation : chaque menu est une liste numérotée ; tapez le numéro puis Entrée. "
    "Chaque question dit ce qu'elle attend ; 0 revient en arrière. "
    "Contrôle D quitte en se déconnectant."
)


def show_help(session: Session) -> None:
    try:
        contact = session.call(lambda: session.client.help())
    except Failed:
        session.say(USAGE)
        return
    session.say(
        f"Aide : {spoken_text(contact.structure)}, {contact.commune}.",
        f"Adresse : {contact.address}, {contact.postal_code} {contact.city}.",
        f"Téléphone : {contact.phone}.",
        f"E-mail : {contact.email}.",
    )
    for hours in contact.opening_hours:
        session.say(sentence(f"Horaires : {spoken_text(hours)}"))
    session.say(USAGE)
