"""The PayFiP/TIPI sandbox: the DGFiP payment pages, served at `{origin}/tpa/paiement.web`.

It speaks the real TIPI Régie parameters (`numcli, exer, refdet, objet, montant, mel, urlcl,
saisie`) and walks through the steps of the Chambon leaflet:

1. invoice number (refdet) and e-mail, prefilled and editable;
2. card type;
3. card details (number checked with Luhn, expiry, security code);
4. the outcome on screen, a confirmation e-mail in the outbox, and — server side, as the real
   service does — a notification to `urlcl` with `resultrans` (P paid, R refused,
   A abandoned), `numauto`, `dattrans` (DDMMYYYY) and `heurtrans` (HHMM).

« Annuler » at any step abandons. Test cards: 4111 1111 1111 1111 is accepted,
4000 0000 0000 0002 is refused. Card numbers are never stored nor logged: they only travel in
the one form post that checks them. The pages need no JavaScript.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from famille_tui.api.base import check_email
from famille_tui.api.money import format_euros
from famille_tui.portal.billing import expires_in, pending_by_reference
from famille_tui.portal.context import PortalState
from famille_tui.portal.db import transaction
from famille_tui.portal.espace_citoyens.paying import pending_for_reference
from famille_tui.portal.html import e, page
from famille_tui.portal.outbox import send_mail

log = logging.getLogger("famille_tui.portal.sandbox")

router = APIRouter(include_in_schema=False)

PATH = "/tpa/paiement.web"
PARAMS = ("numcli", "exer", "refdet", "objet", "montant", "mel", "urlcl", "saisie")
ACCEPTED_CARD = "4111111111111111"
REFUSED_CARD = "4000000000000002"
CARD_TYPES = {"CB": "Carte bancaire CB", "VISA": "Visa", "MASTERCARD": "Mastercard"}

BANNER = (
    "<strong>PayFiP</strong> – paiement en ligne des services publics locaux · "
    "<em>bac à sable de démonstration : aucune somme n'est débitée</em>"
)

try:
    _PARIS: ZoneInfo | None = ZoneInfo("Europe/Paris")
except ZoneInfoNotFoundError:
    _PARIS = None


def luhn_ok(number: str) -> bool:
    """The Luhn checksum every card number satisfies."""
    if not number.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _state(request: Request) -> PortalState:
    state: PortalState = request.app.state.portal
    return state


def _params_problems(
    p: Mapping[str, str], request: Request, *, typed_later: bool = False
) -> list[str]:
    """What is wrong with the TIPI parameters. With `typed_later` (the first GET), an empty
    refdet and mel are accepted: the parent types them at step 1, as on the Chambon
    leaflet (the Espace Citoyens replica sends them empty)."""
    problems = []
    if not re.fullmatch(r"\d{6}", p.get("numcli", "")):
        problems.append("numcli : numéro de client à 6 chiffres attendu")
    if not re.fullmatch(r"\d{4}", p.get("exer", "")):
        problems.append("exer : année sur 4 chiffres attendue")
    if not (typed_later and not p.get("refdet")) and not re.fullmatch(
        r"[A-Za-z0-9]{6,30}", p.get("refdet", "")
    ):
        problems.append("refdet : 6 à 30 lettres ou chiffres attendus")
    montant = p.get("montant", "")
    if not montant.isdigit() or not 100 <= int(montant) <= 10_000_000:
        problems.append("montant : de 100 à 10000000 centimes (1 € à 100 000 €)")
    if p.get("saisie") not in ("T", "X", "W"):
        problems.append("saisie : T, X ou W attendu")
    urlcl = urlsplit(p.get("urlcl", ""))
    own_host = request.url.hostname
    if urlcl.scheme not in ("http", "https") or not urlcl.hostname:
        problems.append("urlcl : adresse de notification invalide")
    elif urlcl.hostname not in (own_host, "127.0.0.1", "localhost", "::1"):
        # The sandbox only notifies its own portal: it must not be a way to make this
        # server send requests to arbitrary hosts.
        problems.append("urlcl : le bac à sable ne notifie que le portail qui l'héberge")
    return problems


def _hidden(p: Mapping[str, str], *, skip: tuple[str, ...] = ()) -> str:
    return "".join(
        f'<input type="hidden" name="{name}" value="{e(p.get(name, ""))}">'
        for name in PARAMS
        if name not in skip
    )


def _buttons(primary: str) -> str:
    # The primary button comes first: Enter in a field submits it, not « Annuler ».
    return (
        f'<button type="submit" class="primary" name="action" value="continuer">{primary}'
        '</button><button type="submit" class="secondary" name="action" value="annuler" '
        'formnovalidate>Annuler</button>'
    )


def _summary(p: Mapping[str, str]) -> str:
    amount = format_euros(int(p["montant"])) if p.get("montant", "").isdigit() else "?"
    return (
        "<dl>"
        f"<dt>Objet</dt><dd>{e(p.get('objet', ''))}</dd>"
        f"<dt>Montant</dt><dd>{e(amount)}</dd>"
        "</dl>"
    )


def _errors(problems: list[str]) -> str:
    if not problems:
        return ""
    items = "".join(f"<li>{e(x)}</li>" for x in problems)
    return f'<div class="error" role="alert"><p>À corriger :</p><ul>{items}</ul></div>'


def _step_identification(p: Mapping[str, str], problems: list[str] | None = None) -> HTMLResponse:
    body = (
        "<h1>Paiement de votre facture</h1>"
        "<p>Étape 1 sur 3 : vérifiez le numéro de facture et votre adresse électronique.</p>"
        + _summary(p)
        + _errors(problems or [])
        + f'<form method="post" action="{PATH}">'
        + _hidden(p, skip=("refdet", "mel"))
        + '<input type="hidden" name="etape" value="identification">'
        '<label for="refdet">Numéro de facture</label>'
        '<p class="hint" id="refdet-aide">De 6 à 30 lettres ou chiffres, comme sur votre '
        "facture.</p>"
        f'<input type="text" id="refdet" name="refdet" value="{e(p.get("refdet", ""))}" '
        'aria-describedby="refdet-aide" autocomplete="off" required>'
        '<label for="mel">Adresse électronique</label>'
        '<p class="hint" id="mel-aide">La confirmation du paiement y sera envoyée.</p>'
        f'<input type="email" id="mel" name="mel" value="{e(p.get("mel", ""))}" '
        'aria-describedby="mel-aide" autocomplete="email" required>'
        + _buttons("Valider")
        + "</form>"
    )
    return page("Paiement – étape 1 sur 3", body, banner=BANNER,
                status_code=422 if problems else 200)


def _step_card_type(p: Mapping[str, str], problems: list[str] | None = None) -> HTMLResponse:
    radios = "".join(
        f'<div><input type="radio" id="type-{key}" name="type_carte" value="{key}"'
        f'{" checked" if index == 0 else ""}><label for="type-{key}">{e(label)}</label></div>'
        for index, (key, label) in enumerate(CARD_TYPES.items())
    )
    body = (
        "<h1>Choix de la carte</h1>"
        "<p>Étape 2 sur 3 : choisissez votre type de carte.</p>"
        + _summary(p)
        + _errors(problems or [])
        + f'<form method="post" action="{PATH}">'
        + _hidden(p)
        + '<input type="hidden" name="etape" value="type_carte">'
        f'<fieldset class="radio"><legend>Type de carte</legend>{radios}</fieldset>'
        + _buttons("Continuer")
        + "</form>"
    )
    return page("Paiement – étape 2 sur 3", body, banner=BANNER,
                status_code=422 if problems else 200)


def _step_card(
    p: Mapping[str, str], card_type: str, problems: list[str] | None = None
) -> HTMLResponse:
    this_year = datetime.now(UTC).year
    months = "".join(f'<option value="{m:02d}">{m:02d}</option>' for m in range(1, 13))
    years = "".join(f'<option value="{y}">{y}</option>' for y in range(this_year, this_year + 11))
    body = (
        "<h1>Vos coordonnées bancaires</h1>"
        f"<p>Étape 3 sur 3 : carte choisie : {e(CARD_TYPES.get(card_type, card_type))}.</p>"
        + _summary(p)
        + _errors(problems or [])
        + '<div class="notice"><p>Cartes de test : 4111 1111 1111 1111 est acceptée, '
        "4000 0000 0000 0002 est refusée.</p></div>"
        + f'<form method="post" action="{PATH}">'
        + _hidden(p)
        + '<input type="hidden" name="etape" value="carte">'
        f'<input type="hidden" name="type_carte" value="{e(card_type)}">'
        '<label for="numero">Numéro de carte</label>'
        '<p class="hint" id="numero-aide">16 chiffres, espaces permis.</p>'
        '<input type="text" id="numero" name="numero" inputmode="numeric" '
        'autocomplete="cc-number" aria-describedby="numero-aide" required>'
        '<label for="mois">Date d\'expiration : mois</label>'
        f'<select id="mois" name="mois">{months}</select>'
        '<label for="annee">Date d\'expiration : année</label>'
        f'<select id="annee" name="annee">{years}</select>'
        '<label for="cvv">Cryptogramme visuel</label>'
        '<p class="hint" id="cvv-aide">Les 3 chiffres au dos de la carte.</p>'
        '<input type="text" id="cvv" name="cvv" inputmode="numeric" autocomplete="cc-csc" '
        'aria-describedby="cvv-aide" required>'
        + _buttons("Payer " + (format_euros(int(p["montant"])) if p["montant"].isdigit() else ""))
        + "</form>"
    )
    return page("Paiement – étape 3 sur 3", body, banner=BANNER,
                status_code=422 if problems else 200)


def _message_page(title: str, css: str, paragraphs: list[str], status_code: int) -> HTMLResponse:
    inner = "".join(f"<p>{x}</p>" for x in paragraphs)
    body = f'<h1>{e(title)}</h1><div class="{css}" role="status">{inner}</div>'
    return page(title, body, banner=BANNER, status_code=status_code)


def _closed_page(status: str) -> HTMLResponse:
    why = {
        "paid": "Cette facture a déjà été réglée.",
        "refused": "Ce paiement a été refusé.",
        "cancelled": "Ce paiement a été abandonné.",
        "expired": "Le délai pour payer est dépassé.",
    }.get(status, "Cette demande de paiement n'est plus valable.")
    return _message_page(
        "Demande de paiement terminée",
        "notice",
        [e(why), "Retournez sur votre Espace famille pour voir l'état de vos factures, "
                 "et recommencez un paiement si besoin."],
        409,
    )


def _transaction_status(p: Mapping[str, str], request: Request) -> str | None:
    """What the portal behind this sandbox knows of the transaction: None when it is unknown,
    `pending` when it can be paid, or its final status (or `expired` once its time is up)."""
    with _state(request).pool.connection() as conn:
        row = pending_by_reference(conn, p.get("numcli", ""), p.get("refdet", ""))
        if row is None:
            # A payment of the Espace Citoyens replica: the refdet is its invoice number.
            row = pending_for_reference(conn, p.get("numcli", ""), p.get("refdet", ""))
        if row is None:
            return None
        if row["status"] == "pending" and expires_in(row) <= 0:
            return "expired"
        return str(row["status"])


@router.get(PATH, response_class=HTMLResponse)
async def start(request: Request) -> HTMLResponse:
    p = {name: request.query_params.get(name, "") for name in PARAMS}
    problems = _params_problems(p, request, typed_later=True)
    if problems:
        return _message_page(
            "Demande de paiement invalide",
            "error",
            ["Le site qui vous a envoyé ici a transmis une demande incomplète ou invalide :"]
            + [e(x) for x in problems],
            400,
        )
    if not p["refdet"]:
        return _step_identification(p)  # the number is typed, then checked, at step 1
    status = await run_in_threadpool(_transaction_status, p, request)
    if status is None:
        return _message_page(
            "Demande de paiement inconnue",
            "error",
            ["Aucune demande de paiement en cours ne correspond à cette adresse. "
             "Retournez sur votre Espace famille et recommencez."],
            404,
        )
    if status != "pending":
        return _closed_page(status)
    return _step_identification(p)


@router.post(PATH, response_class=HTMLResponse)
async def step(request: Request) -> HTMLResponse:
    form = await request.form()
    fields: dict[str, str] = {
        k: v.strip()[:300] for k, v in form.items() if isinstance(v, str)
    }
    p = {name: fields.get(name, "") for name in PARAMS}
    # At step 1 the refdet and mel are the fields being typed: checked below, in words.
    problems = _params_problems(p, request, typed_later=fields.get("etape") == "identification"
                                or fields.get("action") == "annuler")
    if problems:
        return _message_page(
            "Demande de paiement invalide", "error", [e(x) for x in problems], 400
        )
    if fields.get("action") == "annuler":
        await _notify(request, p, "A")
        return _message_page(
            "Paiement abandonné",
            "notice",
            ["Vous avez abandonné le paiement : aucune somme n'a été débitée.",
             "Vous pouvez fermer cette page et revenir à votre Espace famille."],
            200,
        )
    etape = fields.get("etape")
    if etape == "identification":
        errors = []
        if not re.fullmatch(r"[A-Za-z0-9]{6,30}", p["refdet"]):
            errors.append("Numéro de facture : de 6 à 30 lettres ou chiffres.")
        try:
            p["mel"] = check_email(p["mel"])
        except ValueError:
            errors.append("Adresse électronique invalide (exemple : prenom.nom@exemple.fr).")
        if not errors:
            status = await run_in_threadpool(_transaction_status, p, request)
            if status is None:
                errors.append("Ce numéro de facture ne correspond à aucun paiement en cours : "
                              "vérifiez-le.")
            elif status != "pending":
                return _closed_page(status)
        if errors:
            return _step_identification(p, errors)
        return _step_card_type(p)
    if etape == "type_carte":
        card_type = fields.get("type_carte", "")
        if card_type not in CARD_TYPES:
            return _step_card_type(p, ["Choisissez un type de carte."])
        return _step_card(p, card_type)
    if etape == "carte":
        return await _pay(request, p, fields)
    return _message_page("Étape inconnue", "error",
                         ["Recommencez depuis votre Espace famille."], 400)


def _card_problems(fields: Mapping[str, str]) -> list[str]:
    problems = []
    number = re.sub(r"[\s\-]", "", fields.get("numero", ""))
    if not re.fullmatch(r"\d{13,19}", number) or not luhn_ok(number):
        problems.append("Numéro de carte invalide : vérifiez les chiffres saisis.")
    now = datetime.now(UTC)
    try:
        month, year = int(fields.get("mois", "")), int(fields.get("annee", ""))
        if not 1 <= month <= 12 or (year, month) < (now.year, now.month):
            problems.append("Date d'expiration dépassée : cette carte n'est plus valable.")
    except ValueError:
        problems.append("Date d'expiration invalide.")
    if not re.fullmatch(r"\d{3}", fields.get("cvv", "")):
        problems.append("Cryptogramme visuel : les 3 chiffres au dos de la carte.")
    return problems


async def _pay(request: Request, p: dict[str, str], fields: Mapping[str, str]) -> HTMLResponse:
    card_type = fields.get("type_carte", "")
    if card_type not in CARD_TYPES:
        return _step_card_type(p, ["Choisissez un type de carte."])
    problems = _card_problems(fields)
    if problems:
        return _step_card(p, card_type, problems)
    status = await run_in_threadpool(_transaction_status, p, request)
    if status != "pending":
        return _closed_page(status or "unknown")
    number = re.sub(r"[\s\-]", "", fields.get("numero", ""))
    refused = number == REFUSED_CARD
    del number  # the card number goes no further than this decision
    amount = format_euros(int(p["montant"]))
    if refused:
        await _notify(request, p, "R")
        return _message_page(
            "Paiement refusé",
            "error",
            [f"Votre banque a refusé le paiement de {e(amount)}. Aucune somme n'a été débitée.",
             "Vous pouvez recommencer depuis votre Espace famille, avec une autre carte."],
            200,
        )
    numauto, when = await _notify(request, p, "P")
    local = when.astimezone(_PARIS) if _PARIS else when
    date_text = f"{local:%d/%m/%Y} à {local.hour} h {local.minute:02d}"
    await run_in_threadpool(_confirmation_mail, request, p, numauto, date_text)
    return _message_page(
        "Paiement accepté",
        "ok",
        [f"Votre paiement de {e(amount)} a été accepté le {e(date_text)}.",
         f"Objet : {e(p['objet'])}. Référence : {e(p['refdet'])}. "
         f"Numéro d'autorisation : {e(numauto)}.",
         f"Un e-mail de confirmation a été envoyé à {e(p['mel'])}.",
         "Vous pouvez fermer cette page : votre Espace famille affiche la facture « Réglée »."],
        200,
    )


def _confirmation_mail(
    request: Request, p: Mapping[str, str], numauto: str, date_text: str
) -> None:
    with _state(request).pool.connection() as conn:
        commune = conn.execute(
            "SELECT slug, name FROM communes WHERE numcli = ?", (p["numcli"],)
        ).fetchone()
        with transaction(conn):
            send_mail(
                conn,
                commune["slug"] if commune else None,
                p["mel"],
                "PayFiP – confirmation de votre paiement",
                "Bonjour,\n\n"
                f"Votre paiement de {format_euros(int(p['montant']))} a été accepté "
                f"le {date_text}.\n\n"
                f"Bénéficiaire : {commune['name'] if commune else p['numcli']}\n"
                f"Objet : {p['objet']}\n"
                f"Référence : {p['refdet']}\n"
                f"Numéro d'autorisation : {numauto}\n\n"
                "Ce message est envoyé par le service de paiement en ligne (bac à sable de "
                "démonstration de famille-tui : aucune somme n'a été débitée).\n",
            )


async def _notify(request: Request, p: Mapping[str, str], resultrans: str) -> tuple[str, datetime]:
    """Send the TIPI notification to `urlcl`, server side, as the payment service does.

    A failure to reach the portal is logged: the portal then learns nothing, exactly what
    happens with the real service when the town's server is down."""
    when = datetime.now(UTC)
    local = when.astimezone(_PARIS) if _PARIS else when
    numauto = f"{secrets.randbelow(10**6):06d}" if resultrans == "P" else ""
    data: dict[str, Any] = {
        **{name: p[name] for name in PARAMS if name != "urlcl"},
        "resultrans": resultrans,
        "numauto": numauto,
        "dattrans": f"{local:%d%m%Y}",
        "heurtrans": f"{local:%H%M}",
    }
    try:
        async with httpx.AsyncClient(timeout=10.0) as client:
            answer = await client.post(p["urlcl"], data=data)
        if answer.status_code >= 400:
            log.warning("Notification refusée par %s : %s", p["urlcl"], answer.status_code)
    except httpx.HTTPError as error:
        log.warning("Notification impossible vers %s : %s", p["urlcl"], error)
    return numauto, when
