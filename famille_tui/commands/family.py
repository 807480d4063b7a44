"""`family`, `entourage`, `dashboard`, `reply`, `profile`, `help`: what the TUI's « Mon espace »
shows (and the answer to a message of the dashboard).

JSON documents are the API models as they are (`Family`, `Dashboard`, `Profile`,
`HelpContact`), or an object wrapping a list (`{"contacts": [...]}`), so that a field can be
added later without breaking a script.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from pydantic import ValidationError
from rich.console import RenderableType
from rich.table import Table

from famille_tui.api import MAX_REPLY_CHARS, ReplyCreate
from famille_tui.client.display import plain, shown
from famille_tui.client.portals.base import Capability
from famille_tui.commands.base import CommandContext, UsageError
from famille_tui.commands.output import fr_date, yes_no
from famille_tui.commands.parsing import Subparsers, add_command

if TYPE_CHECKING:
    from famille_tui.api import Contact, Dashboard, Family, HelpContact, Profile


def register(
    subparsers: Subparsers,
    common: argparse.ArgumentParser,
) -> None:
    add_command(
        subparsers, common, "family",
        summary="la famille : responsables et enfants",
        description="Affiche la famille : les adultes responsables et les enfants, avec leur "
        "structure (crèche, restaurant scolaire…).",
        examples=["famille-tui --login martin family",
                  "famille-tui --login martin family --json | jq -r '.children[].first_name'"],
        handler=run_family,
    )
    add_command(
        subparsers, common, "entourage",
        summary="l'entourage : personnes autorisées et contacts d'urgence",
        description="Affiche l'entourage de la famille : lien, téléphones, autorisation de "
        "venir chercher les enfants, contact d'urgence.",
        examples=["famille-tui --login martin entourage",
                  "famille-tui --login martin entourage --plain | cut -f2,3,5"],
        handler=run_entourage,
    )
    add_command(
        subparsers, common, "dashboard",
        summary="le tableau de bord : demandes, messages, évènements, actualités",
        description="Affiche le tableau de bord : historique des demandes, échanges à lire, "
        "évènements à venir et actualités.",
        examples=["famille-tui --login martin dashboard",
                  "famille-tui --login martin dashboard --json | jq .unread_messages"],
        handler=run_dashboard,
    )
    reply = add_command(
        subparsers, common, "reply",
        summary="répondre à un message du tableau de bord",
        description="Envoie une réponse à un message des « Échanges à lire » (son numéro : "
        "la colonne id de « dashboard --plain »). Sans TEXTE, la réponse est lue sur l'entrée "
        f"standard ; {MAX_REPLY_CHARS} caractères au plus. La structure la reçoit à son "
        "adresse ; non proposé par les portails Espace Citoyens et Noethysweb.",
        examples=["famille-tui --login martin reply 12 \"Merci, bien reçu.\"",
                  "famille-tui --login martin reply 12 < reponse.txt"],
        handler=run_reply,
    )
    reply.add_argument("message_id", metavar="NUMÉRO", type=_message_number,
                       help="le numéro du message (dashboard --plain, --json : .messages[].id)")
    reply.add_argument("text", metavar="TEXTE", nargs="?",
                       help="la réponse (sans elle : lue sur l'entrée standard)")
    add_command(
        subparsers, common, "profile",
        summary="mes coordonnées",
        description="Affiche les coordonnées du titulaire du compte : adresse, téléphones, "
        "adresse électronique.",
        examples=["famille-tui --login martin profile --json | jq -r .email"],
        handler=run_profile,
    )
    add_command(
        subparsers, common, "help",
        summary="qui contacter : la structure, son adresse et ses horaires",
        description="Affiche le contact de la structure (nom, adresse, téléphone, e-mail, "
        "horaires d'ouverture). Pour l'aide du programme : famille-tui --help.",
        examples=["famille-tui --commune le-chambon-feugerolles help"],
        handler=run_help,
    )


def _key_values(title: str, pairs: Sequence[tuple[str, str]]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("", style="bold")
    table.add_column("")
    for key, value in pairs:
        table.add_row(key, value)
    return table


# -- family ---------------------------------------------------------------------------------


async def run_family(ctx: CommandContext, args: argparse.Namespace) -> int:
    async with ctx.session() as session:
        family = await session.connector.family()
    ctx.out.emit(
        json_document=lambda: family.model_dump(mode="json"),
        rows=lambda: family_rows(family),
        table=lambda: family_tables(family),
    )
    return 0


def family_rows(family: Family) -> Iterable[Sequence[object]]:
    for adult in family.adults:
        yield ("adult", adult.first_name, adult.last_name, adult.role, adult.email, adult.phone)
    for child in family.children:
        yield ("child", child.first_name, child.last_name, child.birth_date, child.structure,
               child.id)


def family_tables(family: Family) -> Sequence[RenderableType]:
    from famille_tui.client.rules import child_age

    adults = Table(title=shown(family.name, " — responsables"), title_justify="left")
    for column in ("Prénom", "Nom", "Rôle", "E-mail", "Téléphone"):
        adults.add_column(column)
    for adult in family.adults:
        adults.add_row(shown(adult.first_name), shown(adult.last_name), shown(adult.role),
                       shown(adult.email or ""), shown(adult.phone or ""))
    children = Table(title="Enfants", title_justify="left")
    for column in ("Prénom", "Nom", "Naissance", "Âge", "Structure"):
        children.add_column(column)
    today = date.today()
    for child in family.children:
        children.add_row(shown(child.first_name), shown(child.last_name),
                         fr_date(child.birth_date), child_age(child.birth_date, today).words,
                         shown(child.structure))
    return [adults, children]


# -- entourage ------------------------------------------------------------------------------


async def run_entourage(ctx: CommandContext, args: argparse.Namespace) -> int:
    async with ctx.session() as session:
        contacts = await session.connector.entourage()
    ctx.out.emit(
        json_document=lambda: {"contacts": [c.model_dump(mode="json") for c in contacts]},
        rows=lambda: [contact_row(c) for c in contacts],
        table=lambda: [entourage_table(contacts)],
    )
    return 0


def contact_row(contact: Contact) -> Sequence[object]:
    return (contact.id, contact.first_name, contact.last_name, contact.relationship,
            contact.phones, contact.email, contact.can_pick_up, contact.emergency_contact)


def entourage_table(contacts: Sequence[Contact]) -> RenderableType:
    if not contacts:
        return "Aucune personne dans l'entourage."
    table = Table(title=f"Entourage ({len(contacts)})", title_justify="left")
    for column in ("Prénom", "Nom", "Lien", "Téléphones", "E-mail", "Peut chercher",
                   "Urgence"):
        table.add_column(column)
    for c in contacts:
        table.add_row(c.first_name, c.last_name, c.relationship, "\n".join(c.phones),
                      c.email or "", yes_no(c.can_pick_up), yes_no(c.emergency_contact))
    return table


# -- dashboard ------------------------------------------------------------------------------


async def run_dashboard(ctx: CommandContext, args: argparse.Namespace) -> int:
    async with ctx.session() as session:
        dashboard = await session.connector.dashboard()
    ctx.out.emit(
        json_document=lambda: dashboard.model_dump(mode="json"),
        rows=lambda: dashboard_rows(dashboard),
        table=lambda: dashboard_tables(dashboard),
    )
    return 0


def dashboard_rows(dashboard: Dashboard) -> Iterable[Sequence[object]]:
    for request in dashboard.requests:
        yield ("request", request.id, request.date, request.label, request.status)
    for message in dashboard.messages:
        yield ("message", message.id, message.sent_at, message.sender, message.subject,
               message.read)
    for event in dashboard.events:
        yield ("event", event.id, event.date, event.title, event.place)
    for news in dashboard.news:
        yield ("news", news.id, news.published, news.title)


def dashboard_tables(dashboard: Dashboard) -> Sequence[RenderableType]:
    requests = Table(title="Historique des demandes", title_justify="left")
    for column in ("Date", "Demande", "État"):
        requests.add_column(column)
    for request in dashboard.requests:
        requests.add_row(fr_date(request.date), request.label, request.status)
    messages = Table(
        title=f"Échanges ({dashboard.unread_messages} à lire)", title_justify="left"
    )
    for column in ("Reçu le", "De", "Objet", "Lu"):
        messages.add_column(column)
    for message in dashboard.messages:
        messages.add_row(fr_date(message.sent_at), message.sender, message.subject,
                         yes_no(message.read))
    events = Table(title="Évènements à venir", title_justify="left")
    for column in ("Date", "Évènement", "Lieu"):
        events.add_column(column)
    for event in dashboard.events:
        events.add_row(fr_date(event.date), event.title, event.place or "")
    news = Table(title="Mes actualités", title_justify="left")
    for column in ("Publiée le", "Titre"):
        news.add_column(column)
    for item in dashboard.news:
        news.add_row(fr_date(item.published), item.title)
    return [requests, messages, events, news]


# -- reply ----------------------------------------------------------------------------------


def _message_number(value: str) -> int:
    if not value.strip().isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(
            f"numéro de message attendu (un nombre, la colonne id de « dashboard --plain ») : "
            f"{plain(value)!r}")
    return int(value)


async def run_reply(ctx: CommandContext, args: argparse.Namespace) -> int:
    text = args.text if args.text is not None else ctx.stdin.read(4 * MAX_REPLY_CHARS + 1)
    try:
        # Checked before any login: what the portal would refuse is said at once.
        request = ReplyCreate(text=text)
    except ValidationError as error:
        reason = next((str(e.get("ctx", {}).get("error", e["msg"])) for e in error.errors()),
                      "valeur invalide")
        raise UsageError(f"La réponse : {reason}.") from None
    async with ctx.session() as session:
        session.connector.require(Capability.MESSAGE_REPLY)
        sent = await session.connector.reply_to_message(args.message_id, request.text)
    ctx.out.emit(
        json_document=lambda: sent.model_dump(mode="json"),
        rows=lambda: [(sent.id, sent.message_id, sent.sent_at, sent.to)],
        table=lambda: [shown("Réponse envoyée à ", sent.to, ".")],
    )
    return 0


# -- profile and help -----------------------------------------------------------------------


async def run_profile(ctx: CommandContext, args: argparse.Namespace) -> int:
    async with ctx.session() as session:
        profile = await session.connector.profile()
    pairs = profile_pairs(profile)
    ctx.out.emit(
        json_document=lambda: profile.model_dump(mode="json"),
        rows=lambda: [(key, value) for key, _, value in pairs],
        table=lambda: [_key_values("Mes coordonnées",
                                   [(label, value or "") for _, label, value in pairs])],
    )
    return 0


def profile_pairs(profile: Profile) -> list[tuple[str, str, str | None]]:
    return [
        ("first_name", "Prénom", profile.first_name),
        ("last_name", "Nom", profile.last_name),
        ("address", "Adresse", profile.address),
        ("postal_code", "Code postal", profile.postal_code),
        ("city", "Ville", profile.city),
        ("phone_home", "Téléphone fixe", profile.phone_home),
        ("phone_mobile", "Téléphone mobile", profile.phone_mobile),
        ("email", "E-mail", profile.email),
    ]


async def run_help(ctx: CommandContext, args: argparse.Namespace) -> int:
    # The structure's contact is public (the kiosk's welcome screen shows it before login).
    async with ctx.session(authenticated=False) as session:
        contact = await session.connector.help()
    pairs = help_pairs(contact)
    ctx.out.emit(
        json_document=lambda: contact.model_dump(mode="json"),
        rows=lambda: [(key, value) for key, _, value in pairs],
        table=lambda: [_key_values(f"{contact.structure} — {contact.commune}",
                                   [(label, value) for _, label, value in pairs])],
    )
    return 0


def help_pairs(contact: HelpContact) -> list[tuple[str, str, str]]:
    return [
        ("commune", "Commune", contact.commune),
        ("structure", "Structure", contact.structure),
        ("address", "Adresse", f"{contact.address}"),
        ("postal_code", "Code postal", contact.postal_code),
        ("city", "Ville", contact.city),
        ("phone", "Téléphone", contact.phone),
        ("email", "E-mail", contact.email),
        ("opening_hours", "Horaires", "\n".join(contact.opening_hours)),
    ]
