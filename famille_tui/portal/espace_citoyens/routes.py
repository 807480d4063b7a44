"""The replica's routes, under `/{tenant}/espace-citoyens/` (see the package docstring)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response

from famille_tui.api import Invoice
from famille_tui.portal.billing import expire_due, family_invoice, family_invoices
from famille_tui.portal.context import PortalState
from famille_tui.portal.db import transaction
from famille_tui.portal.deps import MAX_ID, Db, State
from famille_tui.portal.espace_citoyens import pages, paying
from famille_tui.portal.espace_citoyens.store import (
    SESSION_COOKIE,
    TENANTS,
    TOKEN_FIELD,
    AntiForgery,
    EcSession,
    Person,
    Tenant,
    close_session,
    find_session,
    open_session,
    people,
)
from famille_tui.portal.pdf import invoice_pdf
from famille_tui.portal.problems import ApiProblem
from famille_tui.portal.routers.accounts import authenticated, clear_failures

router = APIRouter(include_in_schema=False)

MAX_LOGIN_CHARS = 100
MAX_PASSWORD_CHARS = 200


class ReplicaPage(Exception):
    """Raised by a dependency or a route to answer with this page (404, a dead session…)."""

    def __init__(self, response: Response) -> None:
        super().__init__("replica page")
        self.response = response


def install(app: FastAPI) -> None:
    """Mount the replica on the portal's app, and make its schema."""
    app.state.espace_citoyens = AntiForgery()

    async def replica_page(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ReplicaPage)
        return exc.response

    app.add_exception_handler(ReplicaPage, replica_page)
    app.include_router(router, prefix="/{tenant}/espace-citoyens")


# --- dependencies -----------------------------------------------------------------------


def _is_ajax(request: Request) -> bool:
    return request.headers.get("x-requested-with", "").lower() == "xmlhttprequest"


@dataclass(frozen=True)
class Site:
    """The tenant of the path, its commune's row and the request's policy."""

    tenant: Tenant
    commune: sqlite3.Row
    policy: str

    @property
    def town(self) -> str:
        return str(self.commune["name"])


def _not_found_page() -> Response:
    return pages.html(pages.error_page(None, "", "Page introuvable",
                                       "Cette adresse ne correspond à aucune commune."),
                      status_code=404)


def get_site(
    state: State, db: Db, tenant: Annotated[str, PathParam(max_length=64)]
) -> Site:
    found = TENANTS.get(tenant)
    if found is None:
        raise ReplicaPage(_not_found_page())
    row = state.communes.get(found.commune)
    if row is None:
        row = db.execute("SELECT * FROM communes WHERE slug = ?", (found.commune,)).fetchone()
        if row is None:
            raise ReplicaPage(_not_found_page())
        state.communes[found.commune] = row
    return Site(found, row, pages.csp(state.config.payfip_origin))


SiteDep = Annotated[Site, Depends(get_site)]


def _antiforgery(request: Request) -> AntiForgery:
    guard: AntiForgery = request.app.state.espace_citoyens
    return guard


def _dead(request: Request, site: Site) -> Response:
    """A dead or unknown session: HTTP 500 for AJAX calls, a redirect to the Logon page for
    pages (the dialect file: « HTTP 500 or a redirect to Logon »; which one when is the
    replica's choice)."""
    if _is_ajax(request):
        response: Response = pages.html(
            pages.error_page(site.tenant, site.town, "Erreur serveur",
                             "Une erreur est survenue lors du traitement de votre demande."),
            status_code=500, policy=site.policy)
    else:
        back = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        response = RedirectResponse(f"{site.tenant.root}Home/Logon?ReturnUrl={back}", 302)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def get_session(request: Request, state: State, db: Db, site: SiteDep) -> EcSession:
    session = find_session(db, site.tenant, request.cookies.get(SESSION_COOKIE),
                           state.config.idle_timeout)
    if session is None or session.commune != site.tenant.commune:
        raise ReplicaPage(_dead(request, site))
    return session


SessionDep = Annotated[EcSession, Depends(get_session)]


def _page(site: Site, body: str, status_code: int = 200) -> Response:
    return pages.html(body, status_code=status_code, policy=site.policy)


def _token_for(request: Request, site: Site, response_cookies: list[tuple[str, str]]) -> str:
    """The form token for this browser's anti-forgery cookie, setting one if it has none
    (as @Html.AntiForgeryToken() does)."""
    guard = _antiforgery(request)
    cookie = request.cookies.get(site.tenant.antiforgery_cookie)
    if not cookie or len(cookie) > 100:
        cookie = guard.new_cookie()
        response_cookies.append((site.tenant.antiforgery_cookie, cookie))
    return guard.form_token(cookie)


def _with_cookies(request: Request, response: Response,
                  cookies: list[tuple[str, str]]) -> Response:
    for name, value in cookies:
        response.set_cookie(name, value, path="/", httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
    return response


def _form_page(request: Request, site: Site, body_of: Callable[[str], str],
               status_code: int = 200) -> Response:
    """A page holding a form token (`body_of(token)`), with the cookie it needs."""
    cookies: list[tuple[str, str]] = []
    token = _token_for(request, site, cookies)
    return _with_cookies(request, _page(site, body_of(token), status_code), cookies)


# --- logged out -------------------------------------------------------------------------


@router.get("/")
@router.get("/Home/AccueilPublic")
def public_home(request: Request, site: SiteDep) -> Response:
    if site.tenant.login_variant == "ajax":
        return _page(site, pages.public_home(site.tenant, site.town, None))
    return _form_page(request, site,
                      lambda token: pages.public_home(site.tenant, site.town, token))


def _logon_page(site: Site, token: str, *, error: str | None = None, username: str = "",
                return_url: str = "") -> str:
    form = pages.login_form(site.tenant, token, error=error, username=username,
                            return_url=return_url)
    return pages.layout(site.tenant, site.town, "Connexion", f"<h1>Connexion</h1>{form}",
                        logged_in=False)


@router.get("/Home/Logon")
def logon_page(request: Request, site: SiteDep,
               return_url: Annotated[str, Query(alias="ReturnUrl", max_length=500)] = "",
               ) -> Response:
    return _form_page(request, site, lambda token: _logon_page(site, token,
                                                               return_url=return_url))


def _return_target(site: Site, return_url: str) -> str:
    # Only a page of this tenant: never an open redirect.
    if return_url.startswith(site.tenant.root) and "//" not in return_url[1:]:
        return return_url
    return f"{site.tenant.root}CompteCitoyen"


async def _log_in(
    db: sqlite3.Connection, state: PortalState, site: Site, username: str, password: str
) -> tuple[str | None, str | None]:
    """(the new session's id, None) when right, (None, the French message to show)
    otherwise. The same attempts, counts and locks as the Famille API's logins."""
    username = username.strip()
    if not username or not password:
        return None, "Saisissez votre identifiant et votre mot de passe."
    if len(username) > MAX_LOGIN_CHARS or len(password) > MAX_PASSWORD_CHARS:
        return None, "Identifiant ou mot de passe incorrect."
    commune = site.tenant.commune
    try:
        async with authenticated(db, state, commune, username, password) as (account, new_hash):
            def run() -> str:
                with transaction(db):
                    clear_failures(db, commune, username)
                    if new_hash is not None:
                        # Older argon2 settings: the hash follows them now the password is known.
                        db.execute("UPDATE accounts SET password_hash = ? WHERE id = ?",
                                   (new_hash, account["id"]))
                    return open_session(db, site.tenant, account["id"])
            return await run_in_threadpool(run), None
    except ApiProblem as problem:
        return None, problem.message


def _session_cookie(request: Request, response: Response, session_id: str) -> None:
    response.set_cookie(SESSION_COOKIE, session_id, path="/", httponly=True, samesite="lax",
                        secure=request.url.scheme == "https")


def _server_error(site: Site, text: str) -> Response:
    return _page(site, pages.error_page(site.tenant, site.town, "Erreur serveur", text), 500)


@router.post("/Home/Logon")
async def logon(request: Request, db: Db, state: State, site: SiteDep) -> Response:
    """The form post: 302 to CompteCitoyen, or the Logon page again with span.erreurLogin.
    A missing or wrong anti-forgery token is HTTP 500, as ASP.NET MVC answers it."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if not _antiforgery(request).valid(request.cookies.get(site.tenant.antiforgery_cookie),
                                       fields.get(TOKEN_FIELD)):
        return _server_error(site, "Le jeton anti-falsification est absent ou invalide.")
    username = fields.get("username", "")[:MAX_LOGIN_CHARS + 1]
    session_id, error = await _log_in(db, state, site, username, fields.get("password", ""))
    if session_id is None:
        return _form_page(request, site, lambda token: _logon_page(
            site, token, error=error, username=username.strip()[:MAX_LOGIN_CHARS]))
    response = RedirectResponse(_return_target(site, fields.get("ReturnUrl", "")), 302)
    _session_cookie(request, response, session_id)
    return response


@router.post("/Home/RecupererModaleConnexion")
def login_modal(site: SiteDep) -> Response:
    return _page(site, pages.login_modal(site.tenant))


@router.post("/Home/LogonAjax")
async def logon_ajax(request: Request, db: Db, state: State, site: SiteDep) -> Response:
    """`{"Status": "OK", "locationHref": …}` and the session cookie; otherwise (choice)
    `{"Status": "KO", "Message": …}`. No anti-forgery token, as the public client sends."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    session_id, error = await _log_in(db, state, site, fields.get("username", ""),
                                      fields.get("password", ""))
    if session_id is None:
        return JSONResponse({"Status": "KO", "Message": error})
    response = JSONResponse({"Status": "OK", "locationHref": _return_target(
        site, fields.get("returnUrl", ""))})
    _session_cookie(request, response, session_id)
    return response


@router.get("/Home/LogOff")
def log_off(request: Request, db: Db, site: SiteDep) -> Response:
    close_session(db, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(f"{site.tenant.root}Home/AccueilPublic", 302)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/Content/images/{name}")
def image(name: Annotated[str, PathParam(max_length=40)]) -> Response:
    if name not in pages.AVATARS:
        return Response(status_code=404)
    return Response(pages.AVATAR_PNG, media_type="image/png",
                    headers={"Cache-Control": "max-age=86400"})


# --- « Mon espace » ---------------------------------------------------------------------


@router.get("/CompteCitoyen")
def dashboard(db: Db, site: SiteDep, session: SessionDep) -> Response:
    everyone = people(db, session)
    holder = everyone[0].display_name if everyone else session.display_name
    unread = db.execute("SELECT COUNT(*) FROM messages WHERE family_id = ? AND read = 0",
                        (session.family_id,)).fetchone()[0]
    open_requests = db.execute(
        "SELECT COUNT(*) FROM requests WHERE family_id = ? AND status LIKE 'En cours%'",
        (session.family_id,)).fetchone()[0]
    return _page(site, pages.dashboard(site.tenant, site.town, holder, everyone, unread,
                                       open_requests))


@router.get("/CompteCitoyen/MesDemandes")
def requests_history(db: Db, site: SiteDep, session: SessionDep) -> Response:
    rows = db.execute("SELECT date, label, status FROM requests WHERE family_id = ?"
                      " ORDER BY date DESC, id DESC", (session.family_id,)).fetchall()
    return _page(site, pages.requests_page(site.tenant, site.town,
                                           [(r["date"], r["label"], r["status"]) for r in rows]))


def _person(db: sqlite3.Connection, site: Site, session: EcSession, id_dynamic: int) -> Person:
    for person in people(db, session):
        if person.id_dynamic == id_dynamic:
            return person
    raise ReplicaPage(_page(site, pages.error_page(
        site.tenant, site.town, "Personne introuvable",
        "Cette personne ne fait pas partie de votre compte."), 404))


IdDynamic = Annotated[int, Query(alias="idDynamic", ge=1, le=10_000)]


@router.get("/FichePersonne/DetailPersonne")
def person_detail(db: Db, site: SiteDep, session: SessionDep, id_dynamic: IdDynamic) -> Response:
    person = _person(db, site, session, id_dynamic)
    return _page(site, pages.person_detail(site.tenant, site.town, person))


@router.get("/FichePersonne/DetailPersonneGetCalendrier")
def person_calendar(db: Db, site: SiteDep, session: SessionDep,
                    id_dynamic: IdDynamic) -> Response:
    person = _person(db, site, session, id_dynamic)
    events = db.execute(
        "SELECT id, date, title, place FROM events WHERE commune = ? AND"
        " (family_id IS NULL OR family_id = ?) ORDER BY date, id",
        (site.tenant.commune, session.family_id)).fetchall()
    body = pages.calendar_json(person, [(r["id"], r["date"], r["title"], r["place"])
                                        for r in events])
    return Response(body, media_type="application/json; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


# --- « Mes factures » -------------------------------------------------------------------


@router.get("/MonCompte")
def invoices(db: Db, state: State, site: SiteDep, session: SessionDep) -> Response:
    expire_due(db, state.watch)
    return _page(site, pages.invoices_page(site.tenant, site.town,
                                           family_invoices(db, session.family_id)))


InvoiceId = Annotated[int, Query(alias="IdFactureUnique", ge=1, le=MAX_ID)]


def _invoice(db: sqlite3.Connection, site: Site, session: EcSession, invoice_id: int) -> Invoice:
    try:
        return family_invoice(db, session.family_id, invoice_id)
    except ApiProblem:
        raise ReplicaPage(_page(site, pages.error_page(
            site.tenant, site.town, "Facture introuvable",
            "Cette facture ne fait pas partie de votre compte."), 404)) from None


@router.get("/MonCompte/DetailFacture")
def invoice_detail(request: Request, db: Db, state: State, site: SiteDep, session: SessionDep,
                   invoice_id: InvoiceId) -> Response:
    expire_due(db, state.watch)
    invoice = _invoice(db, site, session, invoice_id)

    def body(token: str) -> str:
        fragment = pages.invoice_detail(site.tenant, invoice, token)
        if _is_ajax(request):
            return fragment
        return pages.layout(site.tenant, site.town, f"Facture {invoice.number}", fragment,
                            logged_in=True)

    return _form_page(request, site, body)


@router.get("/MonCompte/TelechargerPdfFacture")
def invoice_pdf_download(db: Db, state: State, site: SiteDep, session: SessionDep,
                         invoice_id: InvoiceId) -> Response:
    expire_due(db, state.watch)
    invoice = _invoice(db, site, session, invoice_id)
    family = db.execute("SELECT name FROM families WHERE id = ?",
                        (session.family_id,)).fetchone()
    content = invoice_pdf(invoice, family_name=family["name"], commune=site.commune)
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="Facture_{invoice.number}.pdf"',
        "Cache-Control": "no-store",
    })


@router.post("/MonCompte/PayerFacture")
async def pay_invoice(request: Request, db: Db, state: State, site: SiteDep,
                      session: SessionDep) -> Response:
    """« Payer la facture »: 302 to TIPI `paiement.web` (see paying.py for what is chosen)."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if not _antiforgery(request).valid(request.cookies.get(site.tenant.antiforgery_cookie),
                                       fields.get(TOKEN_FIELD)):
        return _server_error(site, "Le jeton anti-falsification est absent ou invalide.")
    raw_id = fields.get("IdFactureUnique", "")
    if not raw_id.isdigit() or not 0 < int(raw_id) <= MAX_ID:
        return _server_error(site, "Facture non précisée.")

    def start() -> Response:
        expire_due(db, state.watch)
        invoice = _invoice(db, site, session, int(raw_id))
        if not invoice.payable_online:
            return _page(site, pages.error_page(
                site.tenant, site.town, "Paiement impossible",
                invoice.not_payable_reason or "Cette facture ne peut pas être payée en ligne."),
                409)
        try:
            url = paying.start_payment(db, state.config, site.tenant,
                                       account_id=session.account_id, invoice=invoice,
                                       numcli=site.commune["numcli"])
        except paying.InProgress:
            return _page(site, pages.error_page(
                site.tenant, site.town, "Paiement déjà en cours",
                f"Un paiement est déjà en cours pour la facture {invoice.number} : attendez "
                "son résultat (au plus 15 minutes) avant de recommencer."), 409)
        if url is None:
            return _page(site, pages.error_page(
                site.tenant, site.town, "Paiement impossible",
                "Le paiement en ligne n'est pas proposé par ce portail pour l'instant."), 503)
        return RedirectResponse(url, 302)

    return await run_in_threadpool(start)


@router.post("/" + paying.NOTIFICATION_PATH + "{secret}")
async def notification(request: Request, db: Db, site: SiteDep,
                       secret: Annotated[str, PathParam(max_length=100)]) -> Response:
    """Where TIPI posts the outcome (`urlcl`). Nothing here trusts the sender beyond what
    `paying.apply_notification` checks, and it says so in its docstring."""
    form = await request.form()
    params = {k: v for k, v in form.items() if isinstance(v, str)}
    outcome = await run_in_threadpool(paying.apply_notification, db, site.tenant, secret,
                                      params)
    if outcome.kind == "rejected":
        return JSONResponse({"resultat": "refusee"}, status_code=409)
    return JSONResponse({"resultat": outcome.kind})
