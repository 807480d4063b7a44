"""« Aide »: the structure's contact as the leaflets give it, and how this interface works."""

from __future__ import annotations

from typing import TYPE_CHECKING

from famille_tui.plain.session import Failed, Session
from famille_tui.plain.speech import sentence, spoken_text

if TYPE_CHECKING:
    from famille_tui.client.session import SessionPolicy

USAGE = "À chaque question : 0 revient en arrière, aide explique, répéter redit."


def usage(policy: SessionPolicy) -> str:
    """How this interface works, said once at the start (and in « Aide »); a desk's parents
    cannot leave the program, only their session."""
    if policy.may_quit:
        return USAGE + " Contrôle\u00a0D quitte."
    return USAGE + " Au menu principal, 0 termine votre session."


def show_help(session: Session) -> None:
    try:
        contact = session.call(lambda: session.client.help())
    except Failed:
        session.say(usage(session.policy))
        return
    session.say(
        f"Aide : {spoken_text(contact.structure)}, {contact.commune}.",
        f"Adresse : {contact.address}, {contact.postal_code} {contact.city}.",
        f"Téléphone : {contact.phone}.",
        f"E-mail : {contact.email}.",
    )
    for hours in contact.opening_hours:
        session.say(sentence(f"Horaires : {spoken_text(hours)}"))
    session.say(usage(session.policy))
