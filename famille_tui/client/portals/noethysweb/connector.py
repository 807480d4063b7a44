"""`NoethyswebConnector`: the portail famille of Noethysweb (Django), read as a browser would.

What it speaks (observed on the real Noethysweb 1.3.3.8, `shared/peers/noethysweb/`):

- login: `GET connexion` (form `#login-form`: `csrfmiddlewaretoken`, `captcha_0` hashkey,
  the captcha image `/captcha/image/<key>/`, its audio `/captcha/audio/<key>.wav`), then a
  form POST; 302 = logged in (`sessionid`, and a NEW `csrftoken`: the token rotates at
  login, so every later POST reads the cookie again). « nouveau code »: `captcha/refresh/`.
  Logout: `POST deconnexion` (a GET is refused).
- family: `renseignements` (one row per person, « Fiche représentant / enfant ») and each
  person's identity form; entourage: each child's « Contacts d'urgence et de sortie ».
- invoices: `facturation`, whose tables have no id and are told apart by `aria-label`; the
  detail (`facturation/get_detail_facture`, XHR) gives « Total déjà réglé » and « Solde
  actuel » as RECORDED. Payments made: `reglements`.
- paying: `facturation/effectuer_paiement_en_ligne` (XHR + CSRF) answers the TIPI URL; one
  invoice per payment (`PaymentTerms.max_invoices_per_payment = 1`).

« Réglée » only when it is: for five minutes after a pay request the list shows the
invoice exactly like a paid one (« Facture soldée », 0.00 €). The connector tells them
apart with the detail's « Solde actuel » (unchanged until the règlement is recorded), the
« Un paiement est en attente » alert and a new row in `reglements`; a payment is « paid »
only once that row exists. The one-shot toasts (consumed by any earlier page view) are
never read. What the connector infers rather than reads is said where it is done.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from famille_tui.api import (
    Account,
    Adult,
    Child,
    Contact,
    Family,
    Invoice,
    InvoiceFilter,
    InvoiceList,
    InvoiceStatus,
    Payment,
    PaymentStatus,
)
from famille_tui.api.base import EMPTY_FIELD
from famille_tui.client.config import commune_slug, is_loopback_host, normalize_portal_url
from famille_tui.client.display import clean_message
from famille_tui.client.errors import (
    AccountLocked,
    AccountNotActivated,
    ApiError,
    AuthError,
    ChallengeFailed,
    FamilleError,
    InvalidCredentials,
    NotFound,
    NotOffered,
    PaymentRejected,
    PortalProtocolError,
    PortalUnreachable,
    SessionExpired,
    ValidationFailed,
)
from famille_tui.client.portal_client import (
    DEADLINE_FACTOR,
    MAX_JSON_BYTES,
    MAX_PDF_BYTES,
    PDF_DEADLINE_FACTOR,
    USER_AGENT,
    _Answer,
    _fetch,
    without_terminal_controls,
)
from famille_tui.client.portals.base import (
    Capability,
    LoginChallenge,
    PaymentTerms,
    PortalConnector,
)
from famille_tui.client.portals.noethysweb import pages

__all__ = ["NoethyswebConnector"]

log = logging.getLogger(__name__)

#: Noethysweb treats a pay request as paid for this long (portail/views/facturation.py).
PENDING_WINDOW = timedelta(minutes=5)
#: Largest captcha image or sound accepted.
MAX_CAPTCHA_BYTES = 2 * 1024 * 1024
#: PayFiP takes 1 € to 100 000 € (dialects/payfip.md).
PAYFIP_MIN_CENTS, PAYFIP_MAX_CENTS = 100, 10_000_000
_REFDET = re.compile(r"^[A-Za-z0-9]{1,30}$")
_PAYMENT_ID = re.compile(
    r"^nw1\.([A-Za-z0-9]{1,30})\.(\d{1,9})\.(\d{1,11})\.(\d{1,11})\.(\d{1,4})$")
_MEDIA_NAME = re.compile(r"^[A-Za-z0-9_\-./]{1,200}\.pdf$")

_SERVER_ERROR = (
    "Le portail a rencontré une erreur interne (HTTP {status}). Réessayez dans un instant ; "
    "si cela se reproduit, contactez la mairie."
)


@dataclass(frozen=True, slots=True)
class _PaymentRef:
    """What a payment id carries, so that a new run (the journal) can follow it again."""

    refdet: str
    invoice_pk: int
    amount_cents: int
    created: datetime
    #: Rows of `reglements` with this amount, on or after that day, before the request.
    baseline: int

    def encode(self) -> str:
        return (f"nw1.{self.refdet}.{self.invoice_pk}.{self.amount_cents}."
                f"{int(self.created.timestamp())}.{self.baseline}")

    @classmethod
    def decode(cls, payment_id: str) -> _PaymentRef | None:
        match = _PAYMENT_ID.fullmatch(payment_id)
        if match is None:
            return None
        refdet, pk, cents, created, baseline = match.groups()
        return cls(refdet=refdet, invoice_pk=int(pk), amount_cents=int(cents),
                   created=datetime.fromtimestamp(int(created), UTC), baseline=int(baseline))


class NoethyswebConnector(PortalConnector):
    """One Noethysweb portail famille (`https://…/` where its `connexion` page is)."""

    dialect = "noethysweb"
    dialect_label = "Noethysweb"

    #: Seconds between two readings of the portal while a payment is followed (each reading
    #: is two or three pages: a few requests a minute).
    poll_interval_seconds: float = 10.0

    def __init__(
        self,
        base_url: str,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base_url = normalize_portal_url(base_url)
        parts = urlsplit(self._base_url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._timeout_seconds = float(timeout)
        self._timeout = httpx.Timeout(self._timeout_seconds)
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=self._timeout,
            verify=True,
            follow_redirects=False,
            trust_env=not is_loopback_host(parts.hostname or ""),
            headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/json"},
        )
        self._account: Account | None = None
        self._logged_in = False
        self._form: pages.LoginForm | None = None
        self._pdf_offered = False
        self._payments_by_key: dict[str, Payment] = {}
        self._pending: dict[int, str] = {}  # invoice pk → payment id (this run's)

    # --- state ---------------------------------------------------------------------------

    @property
    def capabilities(self) -> frozenset[Capability]:
        offered = {Capability.FAMILY, Capability.ENTOURAGE, Capability.INVOICES,
                   Capability.PAYMENT}
        if self._pdf_offered:
            offered.add(Capability.INVOICE_PDF)
        return frozenset(offered)

    @property
    def payment_terms(self) -> PaymentTerms:
        return PaymentTerms(max_invoices_per_payment=1, outcome_from_portal=False,
                            receipt_to_family_address=True)

    async def aclose(self) -> None:
        self._logged_in = False
        await self._http.aclose()

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def commune(self) -> str:
        return commune_slug(self._base_url) or (urlsplit(self._base_url).hostname or "")

    @property
    def account(self) -> Account | None:
        return self._account

    @property
    def logged_in(self) -> bool:
        return self._logged_in

    def __repr__(self) -> str:  # never shows a cookie
        return f"NoethyswebConnector({self._base_url!r}, logged_in={self._logged_in})"

    # --- plumbing ------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        """A page of the portal: relative to the base URL, or an absolute path on its origin
        (links read from pages were checked by pages._local_path)."""
        return self._origin + path if path.startswith("/") else self._base_url + path

    def _csrf(self) -> str:
        # The cookie, read again for every POST: Django rotates it at login.
        return self._http.cookies.get("csrftoken") or ""

    async def _send(
        self,
        method: str,
        path: str,
        *,
        data: Mapping[str, str] | None = None,
        xhr: bool = False,
        referer: str = "facturation",
        max_bytes: int = MAX_JSON_BYTES,
        follow_redirects: bool = True,
    ) -> _Answer:
        headers: dict[str, str] = {}
        if method == "POST":
            # Django checks the Referer of every POST over https, and the CSRF token always.
            headers["Referer"] = self._url(referer)
            headers["X-CSRFToken"] = self._csrf()
        if xhr:
            headers["X-Requested-With"] = "XMLHttpRequest"
        # An overall deadline per call, as for the Famille API (a PDF gets longer).
        factor = PDF_DEADLINE_FACTOR if max_bytes == MAX_PDF_BYTES else DEADLINE_FACTOR
        return await _fetch(self._http, method, self._url(path), timeout=self._timeout,
                            deadline=factor * self._timeout_seconds, max_bytes=max_bytes,
                            headers=headers, data=data, follow_redirects=follow_redirects)

    def _failed(self, answer: _Answer, what: str) -> FamilleError:
        """An unexpected status, as a French sentence (never a traceback)."""
        if answer.status in (401, 403) and self._logged_in:
            self._logged_in = False
            return SessionExpired()
        if answer.status in (502, 503, 504):
            return PortalUnreachable(
                "Le portail est momentanément indisponible. Réessayez dans quelques minutes.")
        if answer.status >= 500:
            return ApiError(_SERVER_ERROR.format(status=answer.status), status=answer.status)
        return PortalProtocolError(
            f"Le portail Noethysweb a répondu de façon inattendue (HTTP {answer.status}) "
            f"pour {what}. Il a peut-être changé ; réessayez plus tard.")

    async def _page(self, path: str, what: str) -> str:
        """A page of the logged-in family; the login page instead means the session ended."""
        if not self._logged_in:
            raise SessionExpired("Vous n'êtes pas connecté : saisissez votre mot de passe.")
        answer = await self._send("GET", path)
        if answer.status != 200:
            raise self._failed(answer, what)
        text = _decode(answer)
        if pages.is_login_page(text):
            self._logged_in = False
            raise SessionExpired()
        return text

    async def _xhr(self, path: str, data: Mapping[str, str], what: str) -> _Answer:
        if not self._logged_in:
            raise SessionExpired("Vous n'êtes pas connecté : saisissez votre mot de passe.")
        form = dict(data, csrfmiddlewaretoken=self._csrf())
        answer = await self._send("POST", path, data=form, xhr=True, follow_redirects=False)
        if 300 <= answer.status < 400:
            self._logged_in = False
            raise SessionExpired()
        return answer

    # --- session -------------------------------------------------------------------------

    async def _load_login_form(self) -> pages.LoginForm:
        answer = await self._send("GET", "connexion")
        if answer.status != 200:
            raise self._failed(answer, "la page de connexion")
        form = pages.parse_login_form(_decode(answer))
        self._form = form
        return form

    async def login_challenge(self) -> LoginChallenge | None:
        """The captcha of the next login: the login page's the first time, a new one
        (`captcha/refresh/`, « nouveau code ») on every later call."""
        form = self._form
        if form is None:
            form = await self._load_login_form()
        elif form.captcha_key is not None:
            answer = await self._send("GET", "captcha/refresh/", xhr=True)
            if answer.status != 200:
                raise self._failed(answer, "le nouveau code de sécurité")
            fresh = pages.parse_captcha_refresh(_json(answer, "le nouveau code de sécurité"))
            form = pages.LoginForm(token=form.token, captcha_key=fresh.key,
                                   image_path=fresh.image_path, audio_path=fresh.audio_path)
            self._form = form
        if form.captcha_key is None or form.image_path is None:
            return None
        image = await self._send("GET", form.image_path, max_bytes=MAX_CAPTCHA_BYTES)
        if image.status != 200 or not image.body.startswith(b"\x89PNG\r\n\x1a\n"):
            raise PortalProtocolError(
                "Le portail n'a pas envoyé l'image du code de sécurité. Réessayez (« nouveau "
                "code »).")
        return LoginChallenge(
            key=form.captcha_key,
            image_png=image.body,
            audio_url=self._url(form.audio_path) if form.audio_path else None,
        )

    async def challenge_audio(self, challenge: LoginChallenge) -> bytes:
        if not challenge.audio_url or not challenge.audio_url.startswith(self._origin + "/"):
            raise NotOffered("Ce portail ne propose pas de version audio du code de sécurité.")
        answer = await self._send("GET", challenge.audio_url[len(self._origin):],
                                  max_bytes=MAX_CAPTCHA_BYTES * 4)
        if answer.status != 200 or not answer.body.startswith(b"RIFF"):
            raise NotOffered(
                "La version audio du code de sécurité n'est pas disponible sur ce portail "
                f"(HTTP {answer.status}) : demandez un nouveau code, ou faites-vous aider "
                "pour lire l'image.")
        return answer.body

    async def login(
        self, login: str, password: str, *, challenge_answer: str | None = None
    ) -> Account:
        login = login.strip()
        if not login or not password:
            raise ValidationFailed(field_errors={
                "login" if not login else "password": EMPTY_FIELD})
        form = self._form or await self._load_login_form()
        self._form = None  # a captcha key and a token serve once
        answer_text = (challenge_answer or "").strip()
        if form.captcha_key is not None and not answer_text:
            raise ChallengeFailed(
                "Ce portail demande de recopier un code de sécurité (captcha) pour se "
                "connecter.")
        data = {"csrfmiddlewaretoken": form.token, "username": login, "password": password}
        if form.captcha_key is not None:
            data |= {"captcha_0": form.captcha_key, "captcha_1": answer_text[:64]}
        answer = await self._send("POST", "connexion", data=data, referer="connexion",
                                  follow_redirects=False)
        if 300 <= answer.status < 400:
            target = urlsplit(answer.headers.get("location", "")).path
            if "password_change" in target:
                raise AccountNotActivated(
                    "Le portail demande de changer le mot de passe : faites-le une fois sur "
                    "le site du portail, puis revenez.")
            self._logged_in = True
            home = await self._page("", "la page d'accueil")
            name = pages.user_name(home)
            self._account = without_terminal_controls(
                Account(login=login, display_name=name, email=None, family_name=name))
            assert self._account is not None
            return self._account
        if answer.status == 200:
            text = _decode(answer)
            error = pages.login_error(text)
            try:
                self._form = pages.parse_login_form(text)  # the next try's token and code
            except PortalProtocolError:
                self._form = None
            if error.kind == "captcha":
                raise ChallengeFailed()
            if error.kind == "credentials":
                raise InvalidCredentials()
            if error.kind == "disabled":
                raise AccountNotActivated(
                    "Ce compte a été désactivé par la structure : contactez-la.")
            if error.kind == "expired":
                raise AuthError("Ce mot de passe a expiré : changez-le sur le site du portail.")
            if not pages.is_login_page(text):
                raise pages.protocol_error("la réponse du formulaire de connexion")
            raise InvalidCredentials(
                f"Connexion refusée par le portail : {error.message}" if error.message else None)
        if answer.status in (403, 429) and b"verrouill" in answer.body.lower():
            raise AccountLocked()
        raise self._failed(answer, "la connexion")

    async def logout(self) -> None:
        if self._logged_in:
            try:
                await self._send("POST", "deconnexion", referer="",
                                 data={"csrfmiddlewaretoken": self._csrf()},
                                 follow_redirects=False)
            except FamilleError as error:
                log.info("logout: %s", type(error).__name__)
        self._logged_in = False
        self._account = None
        self._http.cookies.clear()

    # --- family --------------------------------------------------------------------------

    async def _fiches(self) -> list[pages.FicheRow]:
        return pages.parse_fiches(await self._page("renseignements", "les renseignements"))

    async def family(self) -> Family:
        adults: list[Adult] = []
        children: list[Child] = []
        for fiche in await self._fiches():
            if fiche.kind not in ("représentant", "enfant"):
                continue
            ident = pages.parse_identite(await self._page(
                f"renseignements/individu/identite/{fiche.id}", "une fiche d'identité"))
            if fiche.kind == "représentant":
                adults.append(Adult(first_name=ident.first_name, last_name=ident.last_name,
                                    role="Représentant", email=None, phone=None))
            else:
                if ident.birth_date is None:
                    raise pages.protocol_error(f"la date de naissance de {ident.first_name}")
                # The portal names no structure per child: left empty rather than guessed.
                children.append(Child(id=fiche.id, first_name=ident.first_name,
                                      last_name=ident.last_name, birth_date=ident.birth_date,
                                      structure=""))
        name = self._account.family_name if self._account else ""
        # The portal never shows the family's own number: 0 stands for « this family ».
        result = Family(id=0, name=name, adults=adults, children=children)
        return without_terminal_controls(result)  # type: ignore[no-any-return]

    async def entourage(self) -> list[Contact]:
        contacts: list[Contact] = []
        for fiche in await self._fiches():
            if fiche.kind != "enfant":
                continue
            rows = pages.parse_contacts(await self._page(
                f"renseignements/individu/contacts/liste/{fiche.id}", "les contacts"))
            for row in rows:
                phones, email = pages.parse_contact_form(
                    await self._page(row.edit_path, "la fiche d'un contact"))
                contacts.append(Contact(
                    id=row.id, first_name=row.first_name, last_name=row.last_name,
                    relationship=row.relationship, phones=phones, email=email,
                    can_pick_up=row.can_pick_up, emergency_contact=row.emergency_contact))
        return without_terminal_controls(contacts)  # type: ignore[no-any-return]

    # --- invoices ------------------------------------------------------------------------

    async def _invoice_page(self) -> pages.InvoicePage:
        page = pages.parse_invoice_page(await self._page("facturation", "la facturation"))
        self._pdf_offered = any(row.has_pdf for row in page.invoices)
        return page

    async def _detail(self, pk: int) -> pages.InvoiceDetail:
        answer = await self._xhr("facturation/get_detail_facture", {"idfacture": str(pk)},
                                 "le détail de la facture")
        if answer.status == 401:
            raise NotFound("Cette facture n'est pas une facture de votre famille.")
        if answer.status != 200:
            raise self._failed(answer, "le détail de la facture")
        return pages.parse_invoice_detail(_decode(answer))

    async def _invoices(self) -> tuple[pages.InvoicePage, list[Invoice]]:
        page = await self._invoice_page()
        result: list[Invoice] = []
        for row in page.invoices:
            pk = _pk(row)
            status = InvoiceStatus.A_PAYER
            remaining = row.remaining_cents
            if row.settled_badge:
                status, remaining = InvoiceStatus.REGLEE, 0
                if page.pending_alerts:
                    # « Facture soldée » is also how a pending payment looks: the detail's
                    # « Solde actuel » is what the portal has recorded.
                    if row.has_detail:
                        detail = await self._detail(pk)
                        if detail.balance_cents > 0:
                            status, remaining = InvoiceStatus.EN_COURS, detail.balance_cents
                    elif pk in self._pending:
                        status, remaining = InvoiceStatus.EN_COURS, row.amount_cents
            payable, reason = _payability(page, pk, status, remaining)
            result.append(Invoice(
                id=pk,
                number=row.number,
                label=f"Facture n°{row.number}",
                service="",
                children=[],
                period_start=row.period_start,
                period_end=row.period_end,
                # Noethysweb's list shows neither the issue date nor the due date: unknown.
                issue_date=None,
                due_date=None,
                amount_cents=row.amount_cents,
                paid_cents=max(0, row.amount_cents - remaining),
                remaining_cents=remaining,
                status=status,
                payable_online=payable,
                not_payable_reason=reason,
                pending_payment_id=self._pending.get(pk)
                if status is InvoiceStatus.EN_COURS else None,
            ))
        return page, without_terminal_controls(result)

    async def invoices(self, status: InvoiceFilter = InvoiceFilter.ALL) -> InvoiceList:
        _, invoices = await self._invoices()
        total = sum(i.remaining_cents for i in invoices)
        which = InvoiceFilter(status)
        if which is InvoiceFilter.UNPAID:
            invoices = [i for i in invoices if i.status is not InvoiceStatus.REGLEE]
        elif which is InvoiceFilter.PAID:
            invoices = [i for i in invoices if i.status is InvoiceStatus.REGLEE]
        return InvoiceList(invoices=invoices, total_remaining_cents=total)

    async def invoice(self, invoice_id: int) -> Invoice:
        page, invoices = await self._invoices()
        for invoice, row in zip(invoices, page.invoices, strict=True):
            if invoice.id != invoice_id:
                continue
            if not row.has_detail:
                return invoice
            detail = await self._detail(invoice.id)
            services = list(dict.fromkeys(line.activity for line in detail.lines if line.activity))
            people = list(dict.fromkeys(line.person for line in detail.lines if line.person))
            enriched = invoice.model_copy(update={"service": ", ".join(services)[:200],
                                                  "children": people})
            return without_terminal_controls(enriched)  # type: ignore[no-any-return]
        raise NotFound("Facture introuvable : ce n'est pas une facture de votre famille.")

    async def invoice_pdf(self, invoice_id: int) -> bytes:
        page = await self._invoice_page()
        row = next((r for r in page.invoices if r.pk == invoice_id), None)
        if row is None:
            raise NotFound("Facture introuvable : ce n'est pas une facture de votre famille.")
        if not row.has_pdf:
            self.require(Capability.INVOICE_PDF)
            raise NotOffered(capability=Capability.INVOICE_PDF.value,
                             what=Capability.INVOICE_PDF.label)
        if page.print_model is None:
            raise pages.protocol_error("le modèle d'impression des factures (idmodele_impression)")
        # What the page's own button sends: the portal's print model, then the file it made.
        answer = await self._xhr("facturation/imprimer_facture",
                                 {"idfacture": str(invoice_id),
                                  "idmodele_impression": page.print_model},
                                 "le PDF de la facture")
        if answer.status != 200:
            raise self._failed(answer, "le PDF de la facture")
        document = _json(answer, "le PDF de la facture")
        name = document.get("nom_fichier") if isinstance(document, dict) else None
        if not isinstance(name, str) or not _MEDIA_NAME.fullmatch(name) or ".." in name:
            raise pages.protocol_error("le nom du fichier PDF (nom_fichier)")
        pdf = await self._send("GET", "/media/" + name.lstrip("/"), max_bytes=MAX_PDF_BYTES)
        if pdf.status != 200 or not pdf.body.startswith(b"%PDF-"):
            raise PortalProtocolError(
                "Le portail n'a pas envoyé un document PDF. Réessayez plus tard.")
        return pdf.body

    # --- payments ------------------------------------------------------------------------

    async def _reglements(self) -> list[pages.ReglementRow]:
        return pages.parse_reglements(await self._page("reglements", "les règlements"))

    @staticmethod
    def _matching(rows: Sequence[pages.ReglementRow], cents: int, since: datetime) -> int:
        # A règlement names no invoice: this payment's is one of its amount, recorded on
        # or after the day of the request (a day earlier allowed for the portal's time zone).
        first_day = (since - timedelta(days=1)).date()
        return sum(1 for r in rows if r.amount_cents == cents and r.day >= first_day)

    async def create_payment(
        self, invoice_ids: Sequence[int], email: str, idempotency_key: str
    ) -> Payment:
        """Start paying ONE invoice (the e-mail is the family's, on the portal: `email` is not
        sent). The same key gives the same payment back (a double press)."""
        if idempotency_key in self._payments_by_key:
            return self._payments_by_key[idempotency_key]
        ids = list(dict.fromkeys(invoice_ids))
        if len(ids) != 1:
            raise PaymentRejected(
                "Ce portail ne paie qu'une facture à la fois : payez-les l'une après l'autre.")
        pk = int(ids[0])
        page = await self._invoice_page()
        row = page.payable.get(pk)
        if row is None:
            raise PaymentRejected(
                "Cette facture n'est pas proposée au paiement en ligne par le portail "
                "(déjà réglée, un paiement en attente, ou paiement en ligne fermé).")
        if not PAYFIP_MIN_CENTS <= row.solde_cents <= PAYFIP_MAX_CENTS:
            raise PaymentRejected(
                "PayFiP n'accepte que les paiements de 1\u00a0€ à 100\u00a0000\u00a0€.")
        created = datetime.now(UTC).replace(microsecond=0)
        baseline = self._matching(await self._reglements(), row.solde_cents, created)
        answer = await self._xhr(
            "facturation/effectuer_paiement_en_ligne",
            {"liste_impayes": f"facture##{pk}##{row.solde}", "montant_reglement": row.solde,
             "paiement_echelonne": "0"},
            "le paiement en ligne",
        )
        if answer.status == 401:
            document = _json(answer, "le refus du paiement")
            why = clean_message(document.get("erreur")) if isinstance(document, dict) else None
            raise PaymentRejected(f"Le portail refuse ce paiement : {why}" if why else None,
                                  status=401)
        if answer.status >= 500:
            # Noethysweb answers 500 to an amount under its minimum (an upstream bug).
            raise PaymentRejected(
                f"Le portail n'a pas pu créer ce paiement (erreur interne, HTTP "
                f"{answer.status}) : aucun paiement n'a été fait. Le montant est peut-être "
                "sous le minimum du portail ; réessayez plus tard ou contactez la mairie.",
                status=answer.status)
        if answer.status != 200:
            raise self._failed(answer, "le paiement en ligne")
        document = _json(answer, "la réponse du paiement en ligne")
        if not isinstance(document, dict):
            raise pages.protocol_error("la réponse du paiement en ligne")
        system = document.get("systeme_paiement")
        if system != "payfip":
            raise PaymentRejected(
                "Ce portail paie par un autre service que PayFiP : non pris en charge ici, "
                "payez sur le site du portail.")
        url = document.get("urltoredirect")
        if not isinstance(url, str) or len(url) > 4096:
            raise pages.protocol_error("l'adresse de la page de paiement (urltoredirect)")
        query = dict(parse_qsl(urlsplit(url).query))
        refdet = query.get("refdet", "")
        if not _REFDET.fullmatch(refdet):
            raise pages.protocol_error("la référence du paiement (refdet)")
        if query.get("montant") != str(row.solde_cents):
            raise PortalProtocolError(
                "Le portail a préparé un paiement d'un autre montant que celui de la facture : "
                "la page de paiement n'a pas été ouverte, par sécurité.")
        ref = _PaymentRef(refdet=refdet, invoice_pk=pk, amount_cents=row.solde_cents,
                          created=created, baseline=baseline)
        payment: Payment = without_terminal_controls(Payment(
            id=ref.encode(), status=PaymentStatus.PENDING, amount_cents=row.solde_cents,
            invoice_ids=[pk], reference=refdet, payment_url=url, short_url=None,
            created_at=created, expires_at=created + PENDING_WINDOW))
        self._payments_by_key[idempotency_key] = payment
        self._pending[pk] = payment.id
        return payment

    async def payment(self, payment_id: str, wait: int = 0) -> Payment:
        """The payment's state, read from the portal's pages (it has no status to ask):
        paid once `reglements` has its new row; pending while the invoice shows « Facture
        soldée » with nothing recorded; back to unpaid before the five minutes → cancelled
        (abandoned or refused: the page does not say which), after them → expired."""
        ref = _PaymentRef.decode(payment_id)
        if ref is None:
            raise NotFound("Paiement inconnu de ce portail.")
        deadline = time.monotonic() + max(0, min(int(wait), 30))
        while True:
            state = await self._payment_state(ref)
            left = deadline - time.monotonic()
            if state.status.is_final or left <= 0:
                if state.status.is_final:
                    self._pending.pop(ref.invoice_pk, None)
                return state
            await asyncio.sleep(min(self.poll_interval_seconds, left))

    async def _payment_state(self, ref: _PaymentRef) -> Payment:
        recorded = self._matching(await self._reglements(), ref.amount_cents, ref.created)
        page = await self._invoice_page()
        row = next((r for r in page.invoices if r.pk == ref.invoice_pk), None)
        if row is None:
            raise NotFound("La facture de ce paiement n'est plus affichée par le portail.")
        balance = row.remaining_cents
        if row.settled_badge and row.has_detail:
            balance = (await self._detail(ref.invoice_pk)).balance_cents
        now = datetime.now(UTC)
        status = PaymentStatus.PENDING
        paid_at = None
        if recorded > ref.baseline and row.settled_badge and balance == 0:
            status, paid_at = PaymentStatus.PAID, now
        elif not row.settled_badge:
            # Back to unpaid: a notification ended it early, or the window passed.
            early = now < ref.created + PENDING_WINDOW - timedelta(seconds=15)
            status = PaymentStatus.CANCELLED if early else PaymentStatus.EXPIRED
        elif now > ref.created + PENDING_WINDOW and not page.pending_alerts:
            status = PaymentStatus.EXPIRED
        payment = Payment(
            id=ref.encode(), status=status, amount_cents=ref.amount_cents,
            invoice_ids=[ref.invoice_pk], reference=ref.refdet, payment_url="",
            created_at=ref.created, expires_at=ref.created + PENDING_WINDOW, paid_at=paid_at)
        return payment


def _pk(row: pages.InvoiceRow) -> int:
    if row.pk is not None:
        return row.pk
    if row.number.isdigit() and len(row.number) < 10:
        return int(row.number)  # no button to read the id from: the number stands for it
    raise pages.protocol_error(f"l'identifiant de la facture {row.number}")


def _payability(
    page: pages.InvoicePage, pk: int, status: InvoiceStatus, remaining: int
) -> tuple[bool, str | None]:
    if status is not InvoiceStatus.A_PAYER:
        return False, None
    if not page.payment_offered:
        return False, "le paiement en ligne n'est pas proposé par ce portail"
    if pk not in page.payable:
        return False, "le portail ne propose pas de la payer en ligne"
    if not PAYFIP_MIN_CENTS <= remaining <= PAYFIP_MAX_CENTS:
        return False, "PayFiP n'accepte que les paiements de 1\u00a0€ à 100\u00a0000\u00a0€"
    return True, None


def _decode(answer: _Answer) -> str:
    return answer.body.decode("utf-8", errors="replace")


def _json(answer: _Answer, what: str) -> Any:
    try:
        return json.loads(answer.body)
    except (ValueError, RecursionError):
        raise pages.protocol_error(what) from None
