"""The payer's pages, for both protocols: the steps of the Chambon leaflet.

1. invoice number and e-mail (the number prefilled with the request's `refdet`, which the
   reference portal makes the invoice's own number; typing it again, or any invoice number the
   request's `objet` names, is accepted). A TIPI request may leave both empty for the payer
   to type (the Espace Citoyens replica does, as the leaflet describes): the number must then
   be the one the `objet` names, which is the refdet sent back; the e-mail typed is only
   where the confirmation goes;
2. card type;
3. card (number checked with Luhn, expiry, security code);
4. the result on screen, a confirmation e-mail in the stand-in's outbox, and the call back to
   the régie (`service.PayfipState.call_back`).

« Annuler » at any step abandons. Test cards: 4111 1111 1111 1111 is accepted,
4000 0000 0000 0002 is refused. Card numbers are never stored nor logged: they travel only in
the one form post that checks them. Every form carries the anti-CSRF `jeton` and the signed
`etat`; a POST whose `Origin` is another site is refused. No JavaScript.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from famille_tui.api.base import check_email
from famille_tui.api.clock import paris_now, when_text
from famille_tui.api.html import HEADERS, e, page_html
from famille_tui.api.money import format_euros
from famille_tui.payfip import rules, tokens
from famille_tui.payfip.service import PayfipState, new_result
from famille_tui.payfip.store import Operation, now

router = APIRouter(include_in_schema=False)

TIPI_PATH = "/tpa/paiement.web"
WS_PATH = "/tpa/paiementws.web"
FORM_PATH = "/tpa/saisie.web"
TIPI_FIELDS = ("numcli", "exer", "refdet", "objet", "montant", "mel", "urlcl", "saisie")
ACCEPTED_CARD = "4111111111111111"
REFUSED_CARD = "4000000000000002"
CARD_TYPES = {"CB": "Carte bancaire CB", "VISA": "Visa", "MASTERCARD": "Mastercard"}
BANNER = (
    "<strong>PayFiP</strong> – paiement en ligne des services publics locaux · "
    "<em>service de démonstration : aucune somme n'est débitée</em>"
)


def luhn_ok(number: str) -> bool:
    """The Luhn checksum every card number satisfies."""
    if not number.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _state(request: Request) -> PayfipState:
    state: PayfipState = request.app.state.payfip
    return state


#: « same-origin », not « no-referrer »: with no-referrer, browsers send `Origin: null` with
#: the pages' own forms, which the Origin check must refuse; nothing leaves for other sites.
PAGE_HEADERS = {**HEADERS, "Referrer-Policy": "same-origin"}


def page(title: str, body: str, status_code: int = 200,
         session: str | None = None, secure: bool = False) -> HTMLResponse:
    response = HTMLResponse(page_html(title, body, banner=BANNER), status_code=status_code,
                            headers=PAGE_HEADERS)
    if session is not None:
        response.set_cookie(tokens.COOKIE, session, httponly=True, samesite="lax",
                            secure=secure, path="/tpa")
    return response


def message_page(title: str, css: str, paragraphs: list[str], status_code: int,
                 extra: str = "") -> HTMLResponse:
    """A page of already-escaped paragraphs."""
    inner = "".join(f"<p>{x}</p>" for x in paragraphs)
    body = f'<h1>{e(title)}</h1><div class="{css}" role="status">{inner}</div>{extra}'
    return page(title, body, status_code)


def _invalid(problems: list[str]) -> HTMLResponse:
    return message_page(
        "Demande de paiement invalide", "error",
        ["Le site qui vous a envoyé ici a transmis une demande incomplète ou invalide :"]
        + [e(x) for x in problems]
        + ["Retournez sur le site de votre collectivité et recommencez."],
        400,
    )


# --- the payment being paid ------------------------------------------------------------


def _tipi_operation(state: PayfipState, flow: Mapping[str, Any]) -> Operation | None:
    fields = flow.get("f")
    if not isinstance(fields, dict) or not isinstance(flow.get("t"), (int, float)):
        return None
    values = {k: str(fields.get(k, "")) for k in TIPI_FIELDS}
    stored = state.store.get(str(flow.get("op", "")))
    if stored is not None:  # this request already has its result
        return stored
    created = float(flow["t"])
    # A refdet left for the payer is the one number the objet names (checked at the entry).
    refdet = values["refdet"] or min(rules.objet_numbers(values["objet"]), default="")
    return Operation(
        id=str(flow.get("op", "")), protocol="tipi", numcli=values["numcli"],
        exer=values["exer"], refdet=refdet, objet=values["objet"],
        montant=values["montant"], mel=values["mel"], saisie=values["saisie"],
        urlnotif=values["urlcl"], urlredirect="", created_at=created,
        expires_at=created + state.ttl,
    )


def _operation(state: PayfipState, flow: Mapping[str, Any]) -> Operation | None:
    if flow.get("p") == "ws":
        op = state.store.get(str(flow.get("op", "")))
        return op if op is not None and op.protocol == "ws" else None
    if flow.get("p") == "tipi":
        return _tipi_operation(state, flow)
    return None


def _closed_page(op: Operation | None) -> HTMLResponse:
    if op is None:
        why = "Cette demande de paiement est inconnue du service."
    elif op.resultrans == "P":
        why = "Cette facture a déjà été réglée par ce paiement."
    elif op.resultrans == "R":
        why = "Ce paiement a été refusé."
    elif op.resultrans == "A":
        why = "Ce paiement a été abandonné."
    else:
        why = "Le délai pour payer (15 minutes) est dépassé."
    return message_page(
        "Demande de paiement terminée", "notice",
        [e(why), "Retournez sur le site de votre collectivité pour voir l'état de vos "
                 "factures, et recommencez un paiement si besoin."],
        409, _back_link(op))


def _back_link(op: Operation | None) -> str:
    """The way back to the régie's site (web service only: `urlredirect` with the idOp)."""
    if op is None or op.protocol != "ws" or not op.urlredirect:
        return ""
    glue = "&" if "?" in op.urlredirect else "?"
    href = f"{op.urlredirect}{glue}idop={op.id}"
    return f'<p><a class="button" href="{e(href)}">Retourner sur le site de la collectivité</a></p>'


# --- the steps ------------------------------------------------------------------------


def _hidden(state: PayfipState, session: str, flow: dict[str, Any]) -> str:
    return (
        f'<input type="hidden" name="jeton" value="{tokens.csrf_token(state.store.key, session)}">'
        f'<input type="hidden" name="etat" value="{tokens.sign(state.store.key, session, flow)}">'
    )


def _buttons(primary: str) -> str:
    # The primary button comes first: Enter in a field submits it, not « Annuler ».
    return (
        f'<button type="submit" class="primary" name="action" value="continuer">{e(primary)}'
        '</button><button type="submit" class="secondary" name="action" value="annuler" '
        'formnovalidate>Annuler</button>'
    )


def _summary(state: PayfipState, op: Operation) -> str:
    regie = state.regie(op.numcli)
    return (
        "<dl>"
        + f"<dt>Bénéficiaire</dt><dd>{e(regie.name if regie else op.numcli)}</dd>"
        + (f"<dt>Référence</dt><dd>{e(op.refdet)} (transmise par votre collectivité)</dd>"
           if len(_accepted(op)) > 1 else f"<dt>Facture</dt><dd>{e(op.refdet)}</dd>")
        + (f"<dt>Objet</dt><dd>{e(op.objet)}</dd>" if op.objet else "")
        + f"<dt>Montant</dt><dd>{e(format_euros(int(op.montant)))}</dd></dl>"
    )


def _errors(problems: list[str]) -> str:
    if not problems:
        return ""
    items = "".join(f"<li>{e(x)}</li>" for x in problems)
    return f'<div class="error" role="alert"><p>À corriger :</p><ul>{items}</ul></div>'


def _form(state: PayfipState, session: str, flow: dict[str, Any], inner: str) -> str:
    return f'<form method="post" action="{FORM_PATH}">{_hidden(state, session, flow)}{inner}</form>'


def step_identification(state: PayfipState, session: str, flow: dict[str, Any], op: Operation,
                        *, refdet: str, mel: str, problems: list[str] | None = None,
                        secure: bool = False) -> HTMLResponse:
    inner = (
        '<input type="hidden" name="etape" value="identification">'
        '<label for="refdet">Numéro de facture</label>'
        '<p class="hint" id="refdet-aide">Le numéro qui figure sur votre facture '
        + (f"(l'un de ceux que ce paiement règle : {e(_accepted_words(op))})"
           if len(_accepted(op)) > 1 else "(de 6 à 30 lettres ou chiffres)") + ".</p>"
        f'<input type="text" id="refdet" name="refdet" value="{e(refdet)}" '
        'aria-describedby="refdet-aide" autocomplete="off" required>'
        '<label for="mel">Adresse électronique</label>'
        '<p class="hint" id="mel-aide">La confirmation du paiement y sera envoyée.</p>'
        f'<input type="email" id="mel" name="mel" value="{e(mel)}" '
        'aria-describedby="mel-aide" autocomplete="email" required>'
        + _buttons("Valider")
    )
    body = (
        "<h1>Paiement de votre facture</h1>"
        "<p>Étape 1 sur 3 : renseignez le numéro de facture et votre adresse électronique.</p>"
        + _summary(state, op) + _errors(problems or [])
        + _form(state, session, {**flow, "s": 1}, inner)
    )
    return page("Paiement – étape 1 sur 3", body, 422 if problems else 200,
                session=session, secure=secure)


def step_card_type(state: PayfipState, session: str, flow: dict[str, Any], op: Operation,
                   problems: list[str] | None = None) -> HTMLResponse:
    radios = "".join(
        f'<div><input type="radio" id="type-{key}" name="type_carte" value="{key}"'
        f'{" checked" if index == 0 else ""}><label for="type-{key}">{e(label)}</label></div>'
        for index, (key, label) in enumerate(CARD_TYPES.items())
    )
    inner = (
        '<input type="hidden" name="etape" value="type_carte">'
        f'<fieldset class="radio"><legend>Type de carte</legend>{radios}</fieldset>'
        + _buttons("Continuer")
    )
    body = (
        "<h1>Choix de la carte</h1><p>Étape 2 sur 3 : choisissez votre type de carte.</p>"
        + _summary(state, op) + _errors(problems or [])
        + _form(state, session, {**flow, "s": 2}, inner)
    )
    return page("Paiement – étape 2 sur 3", body, 422 if problems else 200)


def step_card(state: PayfipState, session: str, flow: dict[str, Any], op: Operation,
              problems: list[str] | None = None) -> HTMLResponse:
    today = paris_now()
    # The expiry offered starts at this month: never a date already past.
    months = "".join(
        f'<option value="{m:02d}"{" selected" if m == today.month else ""}>{m:02d}</option>'
        for m in range(1, 13)
    )
    years = "".join(f'<option value="{y}">{y}</option>'
                    for y in range(today.year, today.year + 11))
    card_type = str(flow.get("carte", ""))
    inner = (
        '<input type="hidden" name="etape" value="carte">'
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
        + _buttons("Payer " + format_euros(int(op.montant)))
    )
    body = (
        "<h1>Vos coordonnées bancaires</h1>"
        f"<p>Étape 3 sur 3 : carte choisie : {e(CARD_TYPES.get(card_type, card_type))}.</p>"
        + _summary(state, op) + _errors(problems or [])
        + '<div class="notice"><p>Cartes de test : 4111 1111 1111 1111 est acceptée, '
        "4000 0000 0000 0002 est refusée.</p></div>"
        + _form(state, session, {**flow, "s": 3}, inner)
    )
    return page("Paiement – étape 3 sur 3", body, 422 if problems else 200)


def _session(request: Request) -> tuple[str, bool]:
    """The browser's session cookie, or a new one (True: to be set)."""
    current = request.cookies.get(tokens.COOKIE, "")
    if re.fullmatch(r"[A-Za-z0-9_\-]{20,64}", current):
        return current, False
    return tokens.new_session(), True


def _secure(state: PayfipState) -> bool:
    return state.origin.startswith("https://")


# --- entry points -------------------------------------------------------------------------


@router.get(TIPI_PATH, response_class=HTMLResponse)
def tipi_entry(request: Request) -> HTMLResponse:
    """TIPI: the request comes with the payer's browser. Nothing is stored until the end."""
    state = _state(request)
    fields = {k: request.query_params.get(k, "").strip()[:300] for k in TIPI_FIELDS}
    if not fields["exer"]:  # optional in TIPI (eopayment leaves it out): this year
        fields["exer"] = str(paris_now().year)
    problems = rules.request_problems(
        fields, saisies=rules.SAISIE_TIPI, regie=state.regie(fields["numcli"]),
        callback="urlcl", payer_types=True)
    if problems:
        return _invalid(problems)
    session, _new = _session(request)
    flow = {"p": "tipi", "op": "tipi-" + secrets.token_urlsafe(18), "t": now(), "f": fields}
    op = _tipi_operation(state, flow)
    assert op is not None
    # What the request left empty, the payer types: nothing prefilled then.
    return step_identification(state, session, flow, op, refdet=fields["refdet"],
                               mel=fields["mel"], secure=_secure(state))


@router.get(WS_PATH, response_class=HTMLResponse)
def ws_entry(request: Request) -> HTMLResponse:
    """Web service: the idOp made by `creerPaiementSecurise`, and nothing else, in the URL."""
    state = _state(request)
    idop = request.query_params.get("idop", "")[:64]
    op = state.store.get(idop) if re.fullmatch(r"[0-9a-f\-]{36}", idop) else None
    if op is None or op.protocol != "ws":
        return message_page(
            "Demande de paiement inconnue", "error",
            ["Aucune demande de paiement ne correspond à cette adresse. Retournez sur le site "
             "de votre collectivité et recommencez."], 404)
    if not op.open:
        return _closed_page(op)
    session, _new = _session(request)
    flow = {"p": "ws", "op": op.id}
    return step_identification(state, session, flow, op, refdet=op.refdet, mel=op.mel,
                               secure=_secure(state))


# --- the forms ----------------------------------------------------------------------------


def _same_origin(request: Request, state: PayfipState) -> bool:
    origin = request.headers.get("origin")
    return origin is None or origin.rstrip("/").lower() == state.origin.lower()


def _accepted(op: Operation) -> list[str]:
    """The invoice numbers this payment settles, as shown: the refdet first, then the
    others its objet names (a payment of several invoices, issue 19 bug 5)."""
    others = sorted(rules.objet_numbers(op.objet) - {op.refdet.upper()})
    return [op.refdet, *others]


def _accepted_words(op: Operation) -> str:
    numbers = _accepted(op)
    return ", ".join(numbers[:-1]) + " ou " + numbers[-1] if len(numbers) > 1 else numbers[0]


def _invoice_numbers(op: Operation) -> set[str]:
    """The numbers a payer may type: the request's refdet, or one its objet names."""
    return {op.refdet.upper()} | rules.objet_numbers(op.objet)


def _identification(state: PayfipState, session: str, flow: dict[str, Any], op: Operation,
                    fields: Mapping[str, str]) -> HTMLResponse:
    typed_refdet = fields.get("refdet", "")
    typed_mel = fields.get("mel", "")
    errors = []
    if re.sub(r"[\s\-]", "", typed_refdet).upper() not in _invoice_numbers(op):
        errors.append(
            "Numéro de facture : ce n'est pas celui de cette demande de paiement "
            + (f"(factures {_accepted_words(op)})" if len(_accepted(op)) > 1
               else f"(facture {op.refdet})") + " ; vérifiez-le sur votre facture."
        )
    mel = ""
    try:
        mel = check_email(typed_mel)
        if rules.email_problem(mel):
            raise ValueError
    except ValueError:
        errors.append("Adresse électronique invalide (exemple : prenom.nom@exemple.fr).")
    if errors:
        return step_identification(state, session, flow, op, refdet=typed_refdet,
                                   mel=typed_mel, problems=errors)
    return step_card_type(state, session, {**flow, "mel": mel}, op)


def _card_problems(fields: Mapping[str, str]) -> list[str]:
    problems = []
    number = re.sub(r"[\s\-]", "", fields.get("numero", ""))
    if not re.fullmatch(r"\d{13,19}", number) or not luhn_ok(number):
        problems.append("Numéro de carte invalide : vérifiez les chiffres saisis.")
    today = paris_now()
    try:
        month, year = int(fields.get("mois", "")), int(fields.get("annee", ""))
        if not 1 <= month <= 12 or (year, month) < (today.year, today.month):
            problems.append("Date d'expiration dépassée : cette carte n'est plus valable.")
    except ValueError:
        problems.append("Date d'expiration invalide.")
    if not re.fullmatch(r"\d{3}", fields.get("cvv", "")):
        problems.append("Cryptogramme visuel : les 3 chiffres au dos de la carte.")
    return problems


@router.post(FORM_PATH, response_class=HTMLResponse)
async def form_step(request: Request) -> HTMLResponse:
    state = _state(request)
    if not _same_origin(request, state):
        return message_page("Formulaire refusé", "error", [
            "Ce formulaire ne vient pas du site de paiement : il n'a pas été pris en compte. "
            "Aucune somme n'a été débitée."], 403)
    form = await request.form()
    # The signed state is longer than any field a person types (it holds a TIPI request).
    fields = {k: v.strip()[: 8000 if k == "etat" else 300]
              for k, v in form.items() if isinstance(v, str)}
    session = request.cookies.get(tokens.COOKIE, "")
    if not tokens.csrf_ok(state.store.key, session, fields.get("jeton", "")):
        return message_page("Session expirée", "error", [
            "Votre navigateur n'a pas renvoyé la session de paiement (cookies bloqués, ou "
            "formulaire envoyé depuis un autre site). Rien n'a été payé : retournez sur le "
            "site de votre collectivité et recommencez."], 400)
    flow = tokens.unsign(state.store.key, session, fields.get("etat", ""))
    op = await run_in_threadpool(_operation, state, flow) if flow else None
    if flow is None or op is None or not op.open:
        return _closed_page(op)
    if fields.get("action") == "annuler":
        return await _finish(request, state, op, flow, "A")
    step = flow.get("s")
    if step == 1 and fields.get("etape") == "identification":
        return _identification(state, session, flow, op, fields)
    if step == 2 and fields.get("etape") == "type_carte":
        card_type = fields.get("type_carte", "")
        if card_type not in CARD_TYPES:
            return step_card_type(state, session, flow, op, ["Choisissez un type de carte."])
        return step_card(state, session, {**flow, "carte": card_type}, op)
    if step == 3 and fields.get("etape") == "carte":
        problems = _card_problems(fields)
        if problems:
            return step_card(state, session, flow, op, problems)
        number = re.sub(r"[\s\-]", "", fields.get("numero", ""))
        refused = number == REFUSED_CARD
        del number  # the card number goes no further than this decision
        fields.pop("numero", None)
        return await _finish(request, state, op, flow, "R" if refused else "P")
    return message_page("Étape inconnue", "error",
                        ["Recommencez depuis le site de votre collectivité."], 400)


def _mail(state: PayfipState, op: Operation, numauto: str, moment: datetime
          ) -> tuple[str, str, str]:
    regie = state.regie(op.numcli)
    return (
        op.mel,
        "PayFiP – confirmation de votre paiement",
        "Bonjour,\n\n"
        f"Votre paiement de {format_euros(int(op.montant))} a été accepté le "
        f"{when_text(moment)}.\n\n"
        f"Bénéficiaire : {regie.name if regie else op.numcli}\n"
        + (f"Objet : {op.objet}\n" if op.objet else "")
        + f"Facture : {op.refdet}\n"
        f"Numéro d'autorisation : {numauto}\n\n"
        "Ce message est envoyé par le service de paiement en ligne (service de démonstration "
        "de famille-tui : aucune somme n'a été débitée).\n",
    )


async def _finish(request: Request, state: PayfipState, op: Operation, flow: Mapping[str, Any],
                  resultrans: str) -> HTMLResponse:
    """Record the result (and the e-mail) at once, then call the régie back."""
    typed = flow.get("mel")
    if isinstance(typed, str) and typed:
        op = Operation(**{**op.__dict__, "mel": typed})
    result = new_result(resultrans)
    mail = _mail(state, op, result.numauto, result.when) if resultrans == "P" else None
    if not await run_in_threadpool(state.store.finish, op, result, mail):
        return _closed_page(await run_in_threadpool(_operation, state, flow))
    await state.call_back(op, result)
    amount = e(format_euros(int(op.montant)))
    back = _back_link(op)
    leave = ("Utilisez le lien ci-dessous pour revenir sur le site de votre collectivité."
             if back else "Vous pouvez fermer cette page et revenir sur le site de votre "
             "collectivité.")
    if resultrans == "A":
        return message_page("Paiement abandonné", "notice", [
            "Vous avez abandonné le paiement : aucune somme n'a été débitée.", e(leave)],
            200, back)
    if resultrans == "R":
        return message_page("Paiement refusé", "error", [
            f"Votre banque a refusé le paiement de {amount}. Aucune somme n'a été débitée.",
            "Vous pouvez recommencer depuis le site de votre collectivité, avec une autre "
            "carte.", e(leave)], 200, back)
    return message_page("Paiement accepté", "ok", [
        f"Votre paiement de {amount} a été accepté le {e(when_text(result.when))}.",
        (f"Objet : {e(op.objet)}. " if op.objet else f"Facture : {e(op.refdet)}. ")
        + f"Numéro d'autorisation : {e(result.numauto)}.",
        f"Un e-mail de confirmation a été envoyé à {e(op.mel)}.", e(leave)], 200, back)


# --- outbox and home --------------------------------------------------------------------


def _outbox(state: PayfipState) -> list[dict[str, Any]]:
    return [
        {"id": r["id"], "sent_at": r["sent_at"], "to": r["to_addr"], "subject": r["subject"],
         "body": r["body"]}
        for r in state.store.outbox()
    ]


@router.get("/outbox.json")
def outbox_json(request: Request) -> JSONResponse:
    """Every confirmation e-mail « sent », oldest first (`sent_at` in Paris time)."""
    return JSONResponse(_outbox(_state(request)), headers={"Cache-Control": "no-store"})


@router.get("/outbox", response_class=HTMLResponse)
def outbox_page(request: Request) -> HTMLResponse:
    messages = list(reversed(_outbox(_state(request))))
    items = "".join(
        f"<article><h2>{e(m['subject'])}</h2><dl><dt>À</dt><dd>{e(m['to'])}</dd>"
        f"<dt>Envoyé le</dt><dd>{e(when_text(datetime.fromisoformat(m['sent_at'])))}</dd></dl>"
        f"<pre>{e(m['body'])}</pre></article>"
        for m in messages
    ) or "<p>Aucun e-mail envoyé pour l'instant.</p>"
    return page("E-mails envoyés – PayFiP", (
        "<h1>E-mails envoyés par le service de paiement</h1>"
        f"<p>{len(messages)} e-mail{'s' if len(messages) != 1 else ''}, du plus récent au plus "
        "ancien, heure de Paris.</p>" + items))


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    state = _state(request)
    regies = "".join(
        f"<li>{e(r.numcli)} : {e(r.name)} (rappels vers {e(r.origin)})</li>"
        for r in state.regies.values()
    )
    return page("PayFiP – service de démonstration", (
        "<h1>Service de paiement de démonstration</h1>"
        "<p>Ce serveur joue le rôle du service de paiement en ligne de l'État (PayFiP) pour les "
        "régies ci-dessous : aucune somme n'est débitée.</p>"
        f"<ul>{regies}</ul>"
        "<h2>Cartes de test</h2><ul><li>4111 1111 1111 1111 : paiement accepté</li>"
        "<li>4000 0000 0000 0002 : paiement refusé</li></ul>"
        f"<p>Service web : <code>{e(state.service_url)}?wsdl</code> · "
        '<a href="/outbox">e-mails envoyés</a></p>'))
