"""« Famille » (the family's composition) and « Entourage » (contacts: add, edit, remove)."""

from __future__ import annotations

from datetime import date

from famille_tui.api import Contact, ContactCreate, ContactUpdate, check_email, normalize_phone
from famille_tui.api.base import check_name
from famille_tui.plain.prompts import GoBack, ask_text, ask_yes_no, choose
from famille_tui.plain.session import Failed, Session
from famille_tui.plain.speech import age_words, count_words, date_words, sentence

PHONE_HINT = "exemple : 06 12 34 56 78"
EMAIL_HINT = "exemple : prenom.nom@exemple.fr"


def show_family(session: Session) -> None:
    family = session.call(lambda: session.client.family())
    adults = count_words(len(family.adults), "adulte", "adultes", none="aucun adulte")
    children = count_words(len(family.children), "enfant", "enfants", none="aucun enfant")
    session.say(f"{family.name} : {adults}, {children}.")
    for adult in family.adults:
        parts = [f"Adulte : {adult.first_name} {adult.last_name}", adult.role.lower()]
        if adult.phone:
            parts.append(f"téléphone {adult.phone}")
        if adult.email:
            parts.append(f"e-mail {adult.email}")
        session.say(sentence(", ".join(parts)))
    today = date.today()
    for child in family.children:
        session.say(
            f"Enfant : {child.first_name} {child.last_name}, "
            f"{age_words(child.birth_date, today)}, né ou née le {date_words(child.birth_date)}, "
            f"{child.structure}."
        )


def contact_words(contact: Contact) -> str:
    """One sentence per person of the entourage."""
    parts = [f"{contact.first_name} {contact.last_name}", contact.relationship.lower()]
    phones = " ou ".join(contact.phones)
    if phones:
        parts.append(f"téléphone {phones}")
    if contact.email:
        parts.append(f"e-mail {contact.email}")
    parts.append(
        "peut venir chercher les enfants" if contact.can_pick_up
        else "ne vient pas chercher les enfants"
    )
    if contact.emergency_contact:
        parts.append("à prévenir en cas d'urgence")
    return ", ".join(parts)


def show_entourage(session: Session) -> None:
    console = session.console
    while True:
        contacts = session.call(lambda: session.client.entourage())
        people = count_words(len(contacts), "personne", "personnes", none="aucune personne")
        entries = [contact_words(c) for c in contacts] + ["Ajouter une personne"]
        try:
            number = choose(console, f"Entourage : {people}", entries, key="entourage")
        except GoBack:
            return
        try:
            if number == len(entries):
                add_contact(session)
            else:
                contact_menu(session, contacts[number - 1])
        except (GoBack, Failed):
            continue


def contact_menu(session: Session, contact: Contact) -> None:
    name = f"{contact.first_name} {contact.last_name}"
    number = choose(
        session.console, name, ["Modifier", "Retirer de l'entourage"], key=("contact", contact.id)
    )
    if number == 1:
        edit_contact(session, contact)
    else:
        remove_contact(session, contact)


def _phones(text: str) -> str:
    """Up to three numbers separated by « , » or « ou »: each checked and normalised."""
    parts = [p.strip() for p in text.replace(" ou ", ",").split(",") if p.strip()]
    if not 1 <= len(parts) <= 3:
        raise ValueError("de un à trois numéros, séparés par des virgules")
    return ", ".join(normalize_phone(p) for p in parts)


def add_contact(session: Session) -> None:
    console = session.console
    first = ask_text(console, "Prénom", check=check_name)
    last = ask_text(console, "Nom", check=check_name)
    relationship = ask_text(
        console, "Lien avec la famille", hint="par exemple grand-mère, voisin, nounou",
        check=check_name,
    )
    phones = ask_text(
        console, "Téléphone", hint="plusieurs : séparés par des virgules", check=_phones,
    )
    email = ask_text(console, "E-mail", required=False, check=check_email)
    pick_up = ask_yes_no(console, "Cette personne peut-elle venir chercher les enfants ?")
    emergency = ask_yes_no(console, "Faut-il la prévenir en cas d'urgence ?")
    request = ContactCreate(
        first_name=first,
        last_name=last,
        relationship=relationship,
        phones=phones.split(", "),
        email=email or None,
        can_pick_up=pick_up,
        emergency_contact=emergency,
    )
    added = session.call(lambda: session.client.add_contact(request))
    session.say(f"Personne ajoutée à l'entourage : {added.first_name} {added.last_name}.")


def edit_contact(session: Session, contact: Contact) -> None:
    console = session.console
    session.say(f"Modification de {contact.first_name} {contact.last_name}.")
    first = ask_text(console, "Prénom", default=contact.first_name, check=check_name)
    last = ask_text(console, "Nom", default=contact.last_name, check=check_name)
    relationship = ask_text(
        console, "Lien avec la famille", default=contact.relationship, check=check_name
    )
    phones = ask_text(
        console, "Téléphones", hint="séparés par des virgules",
        default=", ".join(contact.phones), check=_phones,
    )
    email = ask_text(
        console, "E-mail", hint=EMAIL_HINT, default=contact.email, required=False,
        check=check_email,
    )
    pick_up = ask_yes_no(
        console,
        "Peut venir chercher les enfants ? Actuellement : "
        + ("oui" if contact.can_pick_up else "non") + ".",
    )
    emergency = ask_yes_no(
        console,
        "À prévenir en cas d'urgence ? Actuellement : "
        + ("oui" if contact.emergency_contact else "non") + ".",
    )
    changes: dict[str, object] = {}
    if first != contact.first_name:
        changes["first_name"] = first
    if last != contact.last_name:
        changes["last_name"] = last
    if relationship != contact.relationship:
        changes["relationship"] = relationship
    if phones.split(", ") != contact.phones:
        changes["phones"] = phones.split(", ")
    if email and email != contact.email:
        changes["email"] = email
    if pick_up != contact.can_pick_up:
        changes["can_pick_up"] = pick_up
    if emergency != contact.emergency_contact:
        changes["emergency_contact"] = emergency
    if not changes:
        session.say("Aucune modification : rien n'a été envoyé.")
        return
    update = ContactUpdate.model_validate(changes)
    saved = session.call(lambda: session.client.update_contact(contact.id, update))
    session.say(f"Modification enregistrée : {saved.first_name} {saved.last_name}.")


def remove_contact(session: Session, contact: Contact) -> None:
    name = f"{contact.first_name} {contact.last_name}"
    if not ask_yes_no(session.console, f"Retirer {name} de l'entourage ?"):
        session.say(f"{name} reste dans l'entourage.")
        return
    session.call(lambda: session.client.remove_contact(contact.id))
    session.say(f"{name} a été retiré ou retirée de l'entourage.")
