"""The replica's HTML: the elements, ids and classes public clients read (dialect file), and
where the dialect file says nothing, the replica's own choices, marked « choice » below.

Every value from the database goes through `e()` (escaped): a name or label holding markup
is shown as text. Links are absolute paths under the tenant's root, as ASP.NET MVC writes
them (`/lechambonfeugerolles/espace-citoyens/FichePersonne/DetailPersonne?idDynamic=3`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from fastapi.responses import HTMLResponse

from famille_tui.api import Invoice, InvoiceStatus
from famille_tui.portal.espace_citoyens.store import (
    TOKEN_FIELD,
    Person,
    Tenant,
    decimal_comma,
    long_date,
    phones_of,
)
from famille_tui.portal.html import e

_STYLE = """
body { font-family: system-ui, sans-serif; line-height: 1.5; margin: 0; color: #111; }
header { background: #3b5998; color: #fff; padding: .8rem 1rem; }
header a { color: #fff; margin-right: 1rem; }
main { max-width: 48rem; margin: 0 auto; padding: 1rem; }
label { display: block; font-weight: bold; margin-top: .8rem; }
input[type=text], input[type=password] { font-size: 1.1rem; padding: .3rem; width: 100%;
  box-sizing: border-box; }
button { font-size: 1.1rem; padding: .4rem 1rem; margin-top: 1rem; }
.erreurLogin { display: block; color: #a00; font-weight: bold; margin: .5rem 0; }
table { border-collapse: collapse; width: 100%; } td, th { border: 1px solid #999;
  padding: .3rem; text-align: left; }
.smarties { display: inline-block; background: #e1000f; color: #fff; border-radius: 1rem;
  padding: 0 .6rem; margin-right: .5rem; }
.famille li { list-style: none; margin: .3rem 0; } .famille img { width: 2rem; height: 2rem;
  vertical-align: middle; margin-right: .5rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { font-weight: bold; } dd { margin: 0; }
"""

_FRENCH_STATUS = {
    InvoiceStatus.REGLEE: "Réglée",
    InvoiceStatus.EN_COURS: "Paiement en cours",
    InvoiceStatus.A_PAYER: "À régler",
}


def csp(payfip_origin: str | None) -> str:
    # form-action is checked on redirects too: « Payer la facture » ends on the State's page.
    form_action = "'self'" + (f" {payfip_origin}" if payfip_origin else "")
    return (f"default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
            f"form-action {form_action}; frame-ancestors 'none'; base-uri 'none'")


def html(body: str, *, status_code: int = 200, policy: str | None = None) -> HTMLResponse:
    return HTMLResponse(body, status_code=status_code, headers={
        "Cache-Control": "no-store, no-cache",
        "Content-Security-Policy": policy or csp(None),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    })


def layout(tenant: Tenant, town: str, title: str, body: str, *, logged_in: bool) -> str:
    root = tenant.root
    nav = (
        f'<nav><a href="{root}CompteCitoyen">Mon espace</a>'
        f'<a href="{root}MonCompte">Mes factures</a>'
        f'<a href="{root}CompteCitoyen/MesDemandes">Mes demandes</a>'
        f'<a id="lienDeconnexion" href="{root}Home/LogOff">Me déconnecter</a></nav>'
        if logged_in else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)} – Espace Citoyens</title><style>{_STYLE}</style></head><body>"
        f"<header><p>Espace Citoyens – {e(town)} · <em>réplique de démonstration</em></p>"
        f"{nav}</header><main>{body}</main></body></html>"
    )


# --- logged out -------------------------------------------------------------------------


def login_form(tenant: Tenant, token: str, *, error: str | None = None, username: str = "",
               return_url: str = "") -> str:
    """form#idFormConnexion (woob, Home Assistant); the error in span.erreurLogin (woob)."""
    error_html = f'<span class="erreurLogin" role="alert">{e(error)}</span>' if error else ""
    return (
        f'<form id="idFormConnexion" method="post" action="{tenant.root}Home/Logon">'
        f'<input name="{TOKEN_FIELD}" type="hidden" value="{e(token)}">'
        f'<input name="ReturnUrl" type="hidden" value="{e(return_url)}">'
        f"{error_html}"
        '<label for="username">Identifiant</label>'
        f'<input id="username" name="username" type="text" autocomplete="username" '
        f'value="{e(username)}" required>'
        '<label for="password">Mot de passe</label>'
        '<input id="password" name="password" type="password" '
        'autocomplete="current-password" required>'
        '<button type="submit">Me connecter</button></form>'
    )


def public_home(tenant: Tenant, town: str, token: str | None) -> str:
    """Home/AccueilPublic. The classic interface holds the form; the newer one (choice:
    Chaponost here) only a button that opens the AJAX modal, and a link to Home/Logon for
    a browser without JavaScript."""
    intro = (f"<h1>Bienvenue sur l'Espace Citoyens de {e(town)}</h1>"
             "<p>Connectez-vous à votre Espace famille.</p>")
    if tenant.login_variant == "form" and token is not None:
        body = intro + login_form(tenant, token)
    else:
        body = intro + (
            f'<button type="button" id="btnConnexion" data-modale="{tenant.root}'
            'Home/RecupererModaleConnexion">Me connecter</button>'
            f'<p><a href="{tenant.root}Home/Logon">Connexion sans JavaScript</a></p>'
        )
    return layout(tenant, town, "Accueil", body, logged_in=False)


def login_modal(tenant: Tenant) -> str:
    """Home/RecupererModaleConnexion's HTML (one public client; fields as LogonAjax's)."""
    return (
        '<div class="modal" id="modaleConnexion" role="dialog" aria-labelledby="titreModale">'
        '<h2 id="titreModale">Connexion</h2>'
        f'<form id="formConnexionAjax" method="post" action="{tenant.root}Home/LogonAjax">'
        '<input type="hidden" name="returnUrl" value="">'
        '<label for="username">Identifiant</label>'
        '<input id="username" name="username" type="text" autocomplete="username">'
        '<label for="password">Mot de passe</label>'
        '<input id="password" name="password" type="password" '
        'autocomplete="current-password">'
        '<button type="submit">Me connecter</button></form></div>'
    )


def error_page(tenant: Tenant | None, town: str, title: str, text: str) -> str:
    body = f'<h1>{e(title)}</h1><p class="erreur">{e(text)}</p>'
    if tenant is None:
        return ("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
                f"<title>{e(title)}</title></head><body>{body}</body></html>")
    return layout(tenant, town, title, body, logged_in=False)


# --- « Mon espace » ---------------------------------------------------------------------


def _person_link(tenant: Tenant, person: Person) -> str:
    name = person.display_name
    return (
        f'<li><a href="{tenant.root}FichePersonne/DetailPersonne?idDynamic={person.id_dynamic}">'
        f'<img src="{tenant.root}Content/images/{person.avatar}" alt="{e(name)}">'
        f"<span>{e(name)}</span></a></li>"
    )


def dashboard(tenant: Tenant, town: str, holder: str, everyone: Sequence[Person],
              unread: int, requests_open: int) -> str:
    """CompteCitoyen: DetailPersonne links, avatars (file name = role, alt = name), and the
    .smarties counters (`^(\\d+)\\s+([\\w ]+)$`)."""
    family = "".join(_person_link(tenant, p) for p in everyone if p.kind != "contact")
    contacts = "".join(_person_link(tenant, p) for p in everyone if p.kind == "contact")
    plural = "s" if unread != 1 else ""
    req_plural = "s" if requests_open != 1 else ""
    body = (
        f'<h1>Mon espace</h1><p class="bienvenue">Bienvenue {e(holder)}</p>'
        f'<p class="compteurs"><span class="smarties">{unread} message{plural} non '
        f'lu{plural}</span><span class="smarties">{requests_open} demande{req_plural} en '
        f"cours</span></p>"
        f'<section><h2>Ma famille</h2><ul class="famille">{family}</ul></section>'
        f'<section><h2>Entourage</h2><ul class="famille entourage">{contacts}</ul></section>'
    )
    return layout(tenant, town, "Mon espace", body, logged_in=True)


def _yes_no(value: object) -> str:
    return "Oui" if value else "Non"


def person_detail(tenant: Tenant, town: str, person: Person) -> str:
    """DetailPersonne: #hMonEspaceIdentite holds the name (woob). The labelled fields below
    it are the replica's choice (« Prénom », « Nom », « Date de naissance »…)."""
    row = person.row
    fields: list[tuple[str, str]] = [("Prénom", person.first_name),
                                     ("Nom", person.last_name.upper())]
    if person.kind == "adult":
        fields.append(("Qualité", row["role"]))
        if row["email"]:
            fields.append(("Courriel", row["email"]))
    elif person.kind == "child":
        fields += [("Date de naissance", long_date(row["birth_date"])),
                   ("Structure", row["structure"])]
    else:
        fields.append(("Lien", row["relationship"]))
        if row["email"]:
            fields.append(("Courriel", row["email"]))
        fields += [("Autorisé à récupérer les enfants", _yes_no(row["can_pick_up"])),
                   ("À prévenir en cas d'urgence", _yes_no(row["emergency_contact"]))]
    phones = phones_of(person)
    if phones:
        fields.append(("Téléphone" if len(phones) == 1 else "Téléphones", ", ".join(phones)))
    items = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in fields)
    body = (f'<h1 id="hMonEspaceIdentite">{e(person.display_name)}</h1>'
            f'<dl class="fichePersonne">{items}</dl>')
    return layout(tenant, town, person.display_name, body, logged_in=True)


def calendar_json(person: Person, events: Sequence[tuple[int, str, str, str | None]]) -> str:
    """DetailPersonneGetCalendrier: the dialect's JSON. The events of the commune and of the
    family (choice: they are what the replica has; reservations are another issue)."""
    group = person.row["structure"] if person.kind == "child" else None
    groups = [{"IdGroupeEvt": 1, "LibNomGroupeEvt": group, "LibComplementGroupeEvt": ""}]
    systems = [
        {
            "IdEvenement": f"E{event_id}",
            "DateEvenement": day.replace("-", ""),
            "IdGroupeEvt": 1,
            "HeureDebutEvenement": "900",
            "HeureFinEvenement": "1700",
            "LibEvenement": title,
            "LibCorpsEvenement": f"<p>{e(place)}</p>" if place else "",
            "ListeActions": [],
        }
        for event_id, day, title, place in events
    ]
    return json.dumps({"EvenementsGroupes": groups if group else None,
                       "EvenementSystemes": systems or None}, ensure_ascii=False)


def requests_page(tenant: Tenant, town: str, rows: Sequence[tuple[str, str, str]]) -> str:
    """CompteCitoyen/MesDemandes (URL public, layout the replica's choice)."""
    lines = "".join(
        f'<tr class="demande"><td class="date">{e(long_date(d))}</td>'
        f'<td class="libelle">{e(label)}</td><td class="etat">{e(status)}</td></tr>'
        for d, label, status in rows
    )
    body = ("<h1>Mes demandes</h1><table><thead><tr><th>Date</th><th>Demande</th>"
            f"<th>État</th></tr></thead><tbody>{lines}</tbody></table>")
    return layout(tenant, town, "Mes demandes", body, logged_in=True)


# --- « Mes factures » -------------------------------------------------------------------


def _state_cell(invoice: Invoice) -> str:
    return _FRENCH_STATUS[invoice.status]


def invoices_page(tenant: Tenant, town: str, invoices: Sequence[Invoice]) -> str:
    """MonCompte: tr.compte whose id is the invoice's unique id, its first .ligneCompte the
    label, .numero_facture the number (woob). Choice: the amount, « Reste à payer » and
    the state (« Réglée ») in cells of their own, and « Aucune facture » when there is none."""
    root = tenant.root
    rows = "".join(
        f'<tr class="compte" id="{i.id}">'
        f'<td class="ligneCompte"><a href="{root}MonCompte/DetailFacture?IdFactureUnique={i.id}">'
        f"{e(i.label)}</a></td>"
        f'<td class="numero_facture">{e(i.number)}</td>'
        f'<td class="ligneCompte date">{e(long_date(i.issue_date))}</td>'
        f'<td class="montant">{decimal_comma(i.amount_cents)} €</td>'
        f'<td class="resteAPayer">Reste à payer : {decimal_comma(i.remaining_cents)} €</td>'
        f'<td class="etat">{_state_cell(i)}</td></tr>'
        for i in invoices
    )
    table = (
        '<table id="tableauFactures"><thead><tr><th>Facture</th><th>Numéro</th>'
        "<th>Émise le</th><th>Montant</th><th>Reste à payer</th><th>État</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    empty = '<p class="aucuneFacture">Aucune facture.</p>' if not invoices else ""
    body = f"<h1>Mes factures</h1>{table}{empty}"
    return layout(tenant, town, "Mes factures", body, logged_in=True)


def invoice_detail(tenant: Tenant, invoice: Invoice, token: str) -> str:
    """MonCompte/DetailFacture (the modal's HTML): the public ids (woob), then the replica's
    choices: « Reste à payer », the state, service, children, period, the PDF link, and
    « Payer la facture » (a form POST with the anti-forgery token) or why it cannot be paid."""
    root = tenant.root
    if invoice.payable_online:
        action = (
            f'<form id="formPayerFacture" method="post" action="{root}MonCompte/PayerFacture">'
            f'<input type="hidden" name="{TOKEN_FIELD}" value="{e(token)}">'
            f'<input type="hidden" name="IdFactureUnique" value="{invoice.id}">'
            '<button type="submit" id="btnPayerFacture">Payer la facture</button></form>'
        )
    elif invoice.status is InvoiceStatus.REGLEE:
        action = ""
    else:
        action = f'<p class="paiementImpossible">{e(invoice.not_payable_reason or "")}</p>'
    state = (f'<p class="etatFacture">{_state_cell(invoice)}</p>'
             if invoice.status is not InvoiceStatus.A_PAYER else "")
    children = ", ".join(invoice.children)
    return (
        '<div id="divDetailFacture">'
        f'<h2 id="hDetailFacture_Facture">Facture - {e(invoice.number)} - {e(invoice.label)}</h2>'
        f'<p>Émise le <span id="spanDetailFacture_DatEmissionFacture">'
        f"{e(long_date(invoice.issue_date))}</span></p>"
        f'<p>À régler avant le <span id="spanDetailFacture_DatLimitePaiementFacture">'
        f"{e(long_date(invoice.due_date))}</span></p>"
        f'<p>Montant total : <span id="spanDetailFacture_MntTotalFacture">'
        f"{decimal_comma(invoice.amount_cents)}</span> €</p>"
        f'<p>Reste à payer : <span id="spanDetailFacture_MntResteAPayer">'
        f"{decimal_comma(invoice.remaining_cents)}</span> €</p>"
        f"{state}"
        '<dl class="infosFacture">'
        f"<dt>Prestation</dt><dd>{e(invoice.service)}</dd>"
        f"<dt>Enfants</dt><dd>{e(children)}</dd>"
        f"<dt>Période</dt><dd>du {e(long_date(invoice.period_start))} au "
        f"{e(long_date(invoice.period_end))}</dd></dl>"
        f'<p><a id="lienPdfFacture" href="{root}MonCompte/TelechargerPdfFacture?'
        f'IdFactureUnique={invoice.id}">Télécharger la facture (PDF)</a></p>'
        f"{action}</div>"
    )


# --- images -----------------------------------------------------------------------------

#: A 1×1 grey PNG: the avatars' pictures (their file names are what matters).
AVATAR_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b55"
    "0000000a49444154789c63d8010000ba00b99e9ee2050000000049454e44ae426082"
)
AVATARS = frozenset({"pere.png", "mere.png", "garcon.png", "fillette.png",
                     "agent_fille.png", "agent_homme.png"})
