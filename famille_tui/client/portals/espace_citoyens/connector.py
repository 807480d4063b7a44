"""`EspaceCitoyensConnector`: Arpège « Espace Citoyens » (Le Chambon-Feugerolles and many
towns), read from its pages as public clients read them (`../shared/dialects/espace-citoyens.md`;
nothing there was checked against the live site).

What it relies on, public: the root `…/{tenant}/espace-citoyens/`; login by
`form#idFormConnexion` + `__RequestVerificationToken` (and its cookie) posted to
`Home/Logon` (302 on success, `span.erreurLogin` on failure), or, when the home has no form,
`Home/RecupererModaleConnexion` then `Home/LogonAjax` (`{"Status": "OK", "locationHref"}`);
the cookie `ASP.NET_SessionIdEC`; a dead session is HTTP 500 or a redirect to Logon
(→ `SessionExpired`; the cookie jar is then dropped, as public clients do); `Home/LogOff`;
the family from `CompteCitoyen` (links `FichePersonne/DetailPersonne?idDynamic=N`, role from
the avatar's file name, name from its `alt`) and `DetailPersonne` (`#hMonEspaceIdentite`);
invoices from `MonCompte` (`tr.compte` id, `.ligneCompte`, `.numero_facture`) and
`MonCompte/DetailFacture` (its `#…_Facture`, dates and total ids; French long dates, decimal
commas → cents), the PDF from `MonCompte/TelechargerPdfFacture`.

Inferred, not public (say so to the parent, docs/espace-citoyens.md):
- « Reste à payer » and « Réglée » are looked for as words in the invoice's row and detail
  (the leaflet's words; where they sit is not public). An invoice whose detail shows no
  « Reste à payer » amount is a `PortalProtocolError`, never a guess.
- The fields of DetailPersonne and DetailFacture read by label: « Prénom », « Nom »,
  « Date de naissance », « Structure », « Courriel », « Téléphone(s) », « Lien »,
  « Autorisé à récupérer les enfants », « À prévenir en cas d'urgence », « Prestation »,
  « Enfants », « Période ».
- **Paying** (from the leaflet): the connector follows the invoice's « Payer la facture »
  (a link or a form, whatever its method) to the first address outside the portal, the
  State's page; it does not open it. The parent types there the invoice number and the
  e-mail (`retyped_values`). The portal says nothing of the outcome: the connector watches
  the invoice list at a sober pace (one read every `poll_interval` seconds, 15 by default)
  until the invoice says « Réglée » or its « Reste à payer » is zero, and calls the payment
  expired after `WATCH_SECONDS` (a refused or abandoned payment looks the same as one not
  yet made). One invoice per payment.

Not offered (« non proposé par ce portail »): the dashboard, coordinates, the structure's
contact, activation, password reset, changes to the entourage.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from selectolax.lexbor import LexborHTMLParser

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
    check_email,
)
from famille_tui.api.base import EMPTY_FIELD
from famille_tui.client.config import is_loopback_host, normalize_portal_url
from famille_tui.client.display import clean_message
from famille_tui.client.errors import (
    AccountLocked,
    AccountNotActivated,
    ConfigError,
    FamilleError,
    InvalidCredentials,
    NotFound,
    PaymentRejected,
    PortalProtocolError,
    PortalTimeout,
    PortalUnreachable,
    SessionExpired,
    ValidationFailed,
)
from famille_tui.client.portal_client import (
    ACCEPT_ENCODING,
    DEADLINE_FACTOR,
    MAX_JSON_BYTES,
    MAX_PDF_BYTES,
    PDF_DEADLINE_FACTOR,
    USER_AGENT,
    map_transport_error,
    read_limited,
    without_terminal_controls,
)
from famille_tui.client.portals.base import (
    Capability,
    Check,
    PaymentTerms,
    PortalConnector,
    RetypedValue,
)
from famille_tui.client.portals.espace_citoyens import reading
from famille_tui.client.portals.espace_citoyens.french import parse_date
from famille_tui.client.portals.espace_citoyens.urls import tenant_root
from famille_tui.client.rules import too_many_for_one_payment

__all__ = ["EspaceCitoyensConnector"]

log = logging.getLogger(__name__)

SESSION_COOKIE = reading.SESSION_COOKIE_NAME
#: How long a payment is watched before it is called expired (TIPI publishes no lifetime;
#: PayFiP's idOp lives 15 minutes).
WATCH_SECONDS = 15 * 60
#: Detail pages read at once when listing invoices.
PARALLEL_READS = 4
MAX_REDIRECTS = 5
UNREADABLE = ("Le portail Espace Citoyens a envoyé une réponse illisible. Il est peut-être en "
              "maintenance : réessayez plus tard.")
_RETYPED_LABELS = ("Numéro de facture", "Adresse électronique")

_CAPABILITIES = frozenset({
    Capability.FAMILY,
    Capability.ENTOURAGE,
    Capability.INVOICES,
    Capability.INVOICE_PDF,
    Capability.PAYMENT,
})

T = TypeVar("T")


def _clean(value: T) -> T:
    """Every text of what is returned, safe for a terminal (as PortalClient's answers)."""
    cleaned: T = without_terminal_controls(value)
    return cleaned


@dataclass(frozen=True)
class _Answer:
    status: int
    url: httpx.URL
    headers: httpx.Headers
    body: bytes

    @property
    def location(self) -> str | None:
        return self.headers.get("location") if self.status in (301, 302, 303, 307, 308) else None

    @property
    def content_type(self) -> str:
        value: str = self.headers.get("content-type", "")
        return value.split(";")[0].strip().lower()

    def text(self) -> str:
        charset = "utf-8"
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip('"')
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


@dataclass
class _Watched:
    payment: Payment
    email: str


def _payment_id(invoice_id: int, created: int, amount: int) -> str:
    # Everything payment() needs after a restart is in the id (the journal keeps only it).
    return f"ec1.{invoice_id}.{created}.{amount}.{secrets.token_hex(4)}"


def _read_payment_id(payment_id: str) -> tuple[int, int, int]:
    parts = payment_id.split(".")
    if len(parts) != 5 or parts[0] != "ec1" or not all(p.isdigit() for p in parts[1:4]):
        raise NotFound("Ce paiement n'existe pas.")
    return int(parts[1]), int(parts[2]), int(parts[3])


class EspaceCitoyensConnector(PortalConnector):
    """One town's Espace Citoyens, one account at a time (see the module docstring)."""

    dialect = "espace-citoyens"
    dialect_label = "Espace Citoyens (Arpège)"

    def __init__(
        self,
        base_url: str,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        poll_interval: float = 15.0,
    ) -> None:
        url = normalize_portal_url(base_url)  # https unless loopback, before anything
        try:
            self._root, self._tenant = tenant_root(url)
        except ValueError:
            raise ConfigError(
                f"Adresse Espace Citoyens invalide : « {base_url} » (attendu : "
                "https://www.espace-citoyens.net/COMMUNE/espace-citoyens/)."
            ) from None
        self._root_url = httpx.URL(self._root)
        self._timeout = httpx.Timeout(float(timeout))
        self._transport = transport
        self._poll_interval = max(1.0, float(poll_interval))
        self._http = self._new_http()
        self._retired: list[httpx.AsyncClient] = []
        self._account: Account | None = None
        self._logged_in = False
        self._watched: dict[str, _Watched] = {}
        self._by_key: dict[str, str] = {}
        self._last_poll = 0.0

    def _new_http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=self._transport,
            timeout=self._timeout,
            verify=True,
            follow_redirects=False,
            trust_env=not is_loopback_host(self._root_url.host),
            # Only the codings read_limited decodes, bounded (never br or zstd).
            headers={"User-Agent": USER_AGENT, "Accept-Language": "fr-FR,fr;q=0.9",
                     "Accept-Encoding": ACCEPT_ENCODING},
        )

    # --- state ---------------------------------------------------------------------------

    @property
    def capabilities(self) -> frozenset[Capability]:
        return _CAPABILITIES

    @property
    def payment_terms(self) -> PaymentTerms:
        return PaymentTerms(max_invoices_per_payment=1, outcome_from_portal=False,
                            retyped_on_payment_page=_RETYPED_LABELS,
                            watch_seconds=WATCH_SECONDS)

    def retyped_values(self, payment: Payment) -> tuple[RetypedValue, ...]:
        watched = self._watched.get(payment.id)
        values = [RetypedValue(_RETYPED_LABELS[0], payment.reference, "invoice_number")]
        if watched is not None and watched.email:
            values.append(RetypedValue(_RETYPED_LABELS[1], watched.email, "email"))
        return tuple(values)

    async def aclose(self) -> None:
        self._logged_in = False
        await self._close_all()

    @property
    def base_url(self) -> str:
        return self._root

    @property
    def commune(self) -> str:
        return self._tenant

    @property
    def account(self) -> Account | None:
        return self._account

    @property
    def logged_in(self) -> bool:
        return self._logged_in

    def __repr__(self) -> str:
        return f"EspaceCitoyensConnector({self._root!r}, logged_in={self._logged_in})"

    # --- HTTP ----------------------------------------------------------------------------

    def _url(self, path: str) -> httpx.URL:
        return self._root_url.join(path)

    def _inside(self, url: httpx.URL) -> bool:
        return (url.scheme, url.host, url.port) == (
            self._root_url.scheme, self._root_url.host, self._root_url.port
        ) and url.path.lower().startswith(self._root_url.path.lower())

    async def _send(
        self, method: str, url: httpx.URL, *, data: dict[str, str] | None = None,
        ajax: bool = False, max_bytes: int = MAX_JSON_BYTES,
    ) -> _Answer:
        headers = {"X-Requested-With": "XMLHttpRequest"} if ajax else {}
        # A whole request (connection, every byte of the answer) within a deadline, as the
        # Famille API's: a portal dripping one byte at a time cannot hold a face forever.
        factor = PDF_DEADLINE_FACTOR if max_bytes > MAX_JSON_BYTES else DEADLINE_FACTOR
        deadline = factor * float(self._timeout.read or 10.0)
        try:
            async with asyncio.timeout(deadline):
                request = self._http.build_request(method, url, data=data, headers=headers)
                response = await self._http.send(request, stream=True)
                try:
                    body = await read_limited(response, max_bytes, UNREADABLE)
                finally:
                    await response.aclose()
        except FamilleError:
            raise
        except TimeoutError:
            log.info("%s %s: over its deadline of %.0f s", method, url.path, deadline)
            raise PortalTimeout() from None
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, OSError) as error:
            log.info("%s %s failed: %s", method, url.path, type(error).__name__)
            raise map_transport_error(error, UNREADABLE) from None
        log.debug("%s %s → %s (%d bytes)", method, url.path, response.status_code, len(body))
        if response.status_code in (502, 503, 504):
            raise PortalUnreachable(
                "Le portail est momentanément indisponible. Réessayez dans quelques minutes.")
        return _Answer(response.status_code, url, response.headers, body)

    async def _follow(self, answer: _Answer, *, ajax: bool = False,
                      max_bytes: int = MAX_JSON_BYTES) -> _Answer:
        """Follow redirects inside the portal (GET); a redirect to the Logon page when
        logged in is a dead session."""
        for _ in range(MAX_REDIRECTS):
            if answer.location is None:
                return answer
            target = answer.url.join(answer.location)
            if not self._inside(target):
                raise PortalProtocolError("Le portail a tenté de rediriger vers un autre site : "
                                          "la demande a été arrêtée, par sécurité.")
            if self._logged_in and "/home/logon" in target.path.lower():
                raise await self._expired()
            answer = await self._send("GET", target, ajax=ajax, max_bytes=max_bytes)
        raise PortalProtocolError("Le portail redirige sans fin : la demande a été arrêtée.")

    async def _expired(self) -> SessionExpired:
        """The session is dead: forget it and its cookies (a new jar, as public clients).
        The old client is closed later: reads running beside this one still use it."""
        if self._logged_in:
            self._logged_in = False
            self._retired.append(self._http)
            self._http = self._new_http()
        return SessionExpired()

    async def _close_all(self) -> None:
        retired, self._retired = self._retired, []
        for client in retired:
            await client.aclose()
        await self._http.aclose()

    async def _page(self, path: str, *, ajax: bool = False,
                    max_bytes: int = MAX_JSON_BYTES) -> _Answer:
        """A page of the logged-in site: 200, or SessionExpired / NotFound / protocol error."""
        if not self._logged_in:
            raise SessionExpired("Vous n'êtes pas connecté : saisissez votre mot de passe.")
        answer = await self._follow(
            await self._send("GET", self._url(path), ajax=ajax, max_bytes=max_bytes),
            ajax=ajax, max_bytes=max_bytes)
        if answer.status == 500:
            if await self._session_alive():
                raise PortalProtocolError(
                    f"Le portail a répondu par une erreur (HTTP 500) à {path.split('?')[0]}. "
                    "Réessayez plus tard.")
            raise await self._expired()
        if answer.status == 404:
            raise NotFound("Cet élément n'existe pas (ou plus) sur le portail.")
        if answer.status != 200:
            raise PortalProtocolError(
                f"Le portail a répondu HTTP {answer.status} à {path.split('?')[0]}.")
        return answer

    async def _session_alive(self) -> bool:
        try:
            answer = await self._send("GET", self._url("CompteCitoyen"))
        except FamilleError:
            return False
        return answer.status == 200

    async def _doc(self, path: str, *, ajax: bool = False) -> LexborHTMLParser:
        answer = await self._page(path, ajax=ajax)
        if answer.content_type not in ("text/html", ""):
            raise reading.drifted(path.split("?")[0], "une page HTML")
        doc = reading.parse(answer.text())
        if doc.css_first("form#idFormConnexion") is not None:
            # The login form instead of the page asked for: the session is over.
            raise await self._expired()
        return doc

    # --- session -------------------------------------------------------------------------

    async def login(
        self, login: str, password: str, *, challenge_answer: str | None = None
    ) -> Account:
        login = login.strip()
        if not login or not password:
            raise ValidationFailed(field_errors={
                **({"login": EMPTY_FIELD} if not login else {}),
                **({"password": EMPTY_FIELD} if not password else {}),
            })
        if self._logged_in:
            await self.logout()
        self._logged_in = False
        home = await self._follow(await self._send("GET", self._root_url))
        if home.status != 200:
            raise PortalProtocolError(f"Le portail a répondu HTTP {home.status} à sa page "
                                      "d'accueil.")
        form = reading.login_form(reading.parse(home.text()), "d'accueil")
        if form is not None:
            landing = await self._login_by_form(home, form, login, password)
        else:
            landing = await self._login_by_ajax(login, password)
        if not any(c.name == SESSION_COOKIE for c in self._http.cookies.jar):
            raise reading.drifted("Home/Logon", f"cookie de session {SESSION_COOKIE}")
        self._logged_in = True
        self._account = await self._read_account(login, landing)
        return self._account

    def _credential_error(self, message: str | None) -> FamilleError:
        text = clean_message(message) or None
        lowered = (text or "").lower()
        if "bloqué" in lowered:
            return AccountLocked(text)
        if "pas encore activé" in lowered:
            return AccountNotActivated(text)
        return InvalidCredentials(text)

    async def _login_by_form(self, home: _Answer, form: reading.Form, login: str,
                             password: str) -> _Answer:
        target = home.url.join(form.action or "Home/Logon")
        if not self._inside(target):
            raise reading.drifted("d'accueil", "formulaire #idFormConnexion vers le portail")
        data = {**form.fields, "username": login, "password": password}
        answer = await self._send("POST", target, data=data)
        if answer.location is not None:
            landed = answer.url.join(answer.location)
            if "/home/logon" in landed.path.lower():
                raise InvalidCredentials()
            return await self._follow(answer)
        if answer.status == 200:
            doc = reading.parse(answer.text())
            error = reading.login_error(doc)
            if error is not None or doc.css_first("#idFormConnexion") is not None:
                raise self._credential_error(error)
            raise reading.drifted("Home/Logon", "redirection vers CompteCitoyen ou "
                                                "span.erreurLogin")
        raise PortalProtocolError(f"Le portail a refusé la connexion (HTTP {answer.status}).")

    async def _login_by_ajax(self, login: str, password: str) -> _Answer:
        modal = await self._send("POST", self._url("Home/RecupererModaleConnexion"), ajax=True)
        if modal.status != 200 or not reading.modal_has_fields(reading.parse(modal.text())):
            raise reading.drifted("d'accueil", "formulaire #idFormConnexion, ni fenêtre de "
                                               "connexion Home/RecupererModaleConnexion")
        answer = await self._send(
            "POST", self._url("Home/LogonAjax"), ajax=True,
            data={"username": login, "password": password, "returnUrl": ""})
        if answer.status != 200:
            raise PortalProtocolError(f"Le portail a refusé la connexion (HTTP {answer.status}).")
        try:
            import json

            body = json.loads(answer.body)
        except ValueError:
            raise reading.drifted("Home/LogonAjax", "réponse JSON") from None
        if not isinstance(body, dict) or "Status" not in body:
            raise reading.drifted("Home/LogonAjax", "champ « Status » de la réponse")
        if body.get("Status") != "OK":
            message = body.get("Message")
            raise self._credential_error(message if isinstance(message, str) else None)
        href = body.get("locationHref")
        target = self._url(href if isinstance(href, str) and href else "CompteCitoyen")
        if not self._inside(target):
            raise PortalProtocolError("Le portail a tenté de rediriger vers un autre site : "
                                      "la demande a été arrêtée, par sécurité.")
        return await self._follow(await self._send("GET", target))

    async def _read_account(self, login: str, landing: _Answer) -> Account:
        """The account holder (idDynamic 1) from the page login landed on when it is
        CompteCitoyen (as it is after a 302 or a locationHref), else from CompteCitoyen."""
        try:
            if (landing.status == 200 and landing.url.path.lower().endswith("/comptecitoyen")
                    and landing.content_type == "text/html"):
                doc = reading.parse(landing.text())
            else:
                doc = await self._doc("CompteCitoyen")
            people = reading.members(doc)
        except PortalProtocolError:
            # Logged in all the same: the drifted page is reported where it is read.
            return _clean(Account(login=login, display_name=login, family_name="Famille"))
        holder = next((m for m in people if m.id_dynamic == 1), None) or next(
            (m for m in people if m.kind == "adult"), people[0])
        try:
            page = await self._person(holder.id_dynamic)
        except PortalProtocolError:
            # The e-mail is a convenience: a drifted person page is reported by family().
            page = reading.PersonPage(holder.name, {})
        email = page.get("Courriel", "Adresse électronique", "E-mail")
        first, last = self._names(page, holder)
        return _clean(Account(
            login=login, display_name=holder.name, email=email,
            family_name=f"Famille {last.title() if last else first}"))

    async def logout(self) -> None:
        if self._logged_in:
            with contextlib.suppress(FamilleError):  # else it expires by itself
                await self._send("GET", self._url("Home/LogOff"))
        self._logged_in = False
        self._account = None
        await self._close_all()
        self._http = self._new_http()

    # --- family --------------------------------------------------------------------------

    async def _person(self, id_dynamic: int) -> reading.PersonPage:
        return reading.person(await self._doc(
            f"FichePersonne/DetailPersonne?idDynamic={id_dynamic}"))

    @staticmethod
    def _names(page: reading.PersonPage, member: reading.Member) -> tuple[str, str]:
        first, last = page.get("Prénom"), page.get("Nom")
        if first and last:
            return first, last
        return reading.split_name(page.name or member.name)

    async def _gather(self, calls: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
        """A few pages at once; the first failure stops the others and is raised as it is."""
        limit = asyncio.Semaphore(PARALLEL_READS)

        async def one(call: Callable[[], Awaitable[T]]) -> T:
            async with limit:
                return await call()

        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(one(c)) for c in calls]
        except BaseExceptionGroup as failures:
            first = next((e for e in failures.exceptions if isinstance(e, FamilleError)), None)
            if first is None:
                raise
            raise first from None
        return [t.result() for t in tasks]

    async def _people(self, kinds: set[str]) -> list[tuple[reading.Member, reading.PersonPage]]:
        everyone = [m for m in reading.members(await self._doc("CompteCitoyen"))
                    if m.kind in kinds]
        pages = await self._gather([functools.partial(self._person, m.id_dynamic)
                                    for m in everyone])
        return list(zip(everyone, pages, strict=True))

    async def family(self) -> Family:
        adults: list[Adult] = []
        children: list[Child] = []
        for member, page in await self._people({"adult", "child"}):
            first, last = self._names(page, member)
            if member.kind == "adult":
                adults.append(Adult(first_name=first, last_name=last, role=member.role,
                                    email=page.get("Courriel"),
                                    phone=page.get("Téléphone", "Téléphones")))
                continue
            born = parse_date(page.need("Date de naissance"))
            if born is None:
                raise reading.drifted("FichePersonne/DetailPersonne",
                                      "« Date de naissance » en toutes lettres")
            children.append(Child(id=member.id_dynamic, first_name=first, last_name=last,
                                  birth_date=born, structure=page.need("Structure")))
        name = self._account.family_name if self._account else "Famille"
        return _clean(Family(id=1, name=name, adults=adults,
                                                children=children))

    async def entourage(self) -> list[Contact]:
        contacts = []
        for member, page in await self._people({"contact"}):
            first, last = self._names(page, member)
            phones = page.get("Téléphones", "Téléphone") or ""
            contacts.append(Contact(
                id=member.id_dynamic, first_name=first, last_name=last,
                relationship=page.need("Lien"),
                phones=[p.strip() for p in phones.split(",") if p.strip()],
                email=page.get("Courriel"),
                can_pick_up=self._yes(page, "Autorisé à récupérer les enfants"),
                emergency_contact=self._yes(page, "À prévenir en cas d'urgence"),
            ))
        return _clean(contacts)

    @staticmethod
    def _yes(page: reading.PersonPage, label: str) -> bool:
        value = page.need(label).lower()
        if value not in ("oui", "non"):
            raise reading.drifted("FichePersonne/DetailPersonne", f"« {label} » (Oui ou Non)")
        return value == "oui"

    # --- invoices ------------------------------------------------------------------------

    async def _rows(self) -> list[reading.InvoiceRow]:
        return reading.invoice_rows(await self._doc("MonCompte"))

    async def _detail_page(self, raw_id: str) -> reading.InvoiceDetail:
        return reading.invoice_detail(await self._doc(
            f"MonCompte/DetailFacture?{urlencode({'IdFactureUnique': raw_id})}", ajax=True))

    async def _detail(self, row: reading.InvoiceRow) -> reading.InvoiceDetail:
        detail = await self._detail_page(row.raw_id)
        if detail.number != row.number:
            raise reading.drifted("MonCompte/DetailFacture",
                                  "le même numéro de facture que sur MonCompte")
        return detail

    async def _detail_by_id(self, invoice_id: int) -> reading.InvoiceDetail:
        """The detail straight away (an AJAX call) when the id is the portal's own number;
        through the list when it was made from another kind of id."""
        if invoice_id < reading.HASHED_IDS:
            return await self._detail_page(str(invoice_id))
        return await self._detail(await self._row(invoice_id))

    def _invoice(self, row: reading.InvoiceRow, detail: reading.InvoiceDetail) -> Invoice:
        remaining = detail.remaining_cents
        pending = self._pending_for(row.id) if remaining > 0 else None
        if remaining == 0:
            status = InvoiceStatus.REGLEE
        elif pending or detail.says_pending:
            status = InvoiceStatus.EN_COURS
        else:
            status = InvoiceStatus.A_PAYER
        payable = remaining > 0 and detail.pay is not None
        reason = None
        if not payable:
            reason = ("Cette facture est déjà réglée." if remaining == 0 else
                      detail.not_payable_text
                      or "Le portail ne propose pas de payer cette facture en ligne.")
        return Invoice(
            id=row.id, number=row.number, label=row.label, service=detail.service,
            children=detail.children, period_start=detail.period[0],
            period_end=detail.period[1], issue_date=detail.issue_date,
            due_date=detail.due_date, amount_cents=detail.amount_cents,
            paid_cents=detail.amount_cents - remaining, remaining_cents=remaining,
            status=status, payable_online=payable, not_payable_reason=reason,
            pending_payment_id=pending,
        )

    def _pending_for(self, invoice_id: int) -> str | None:
        current = datetime.now(UTC)
        for payment_id, watched in self._watched.items():
            p = watched.payment
            if (invoice_id in p.invoice_ids and p.status is PaymentStatus.PENDING
                    and p.expires_at > current):
                return payment_id
        return None

    async def invoices(self, status: InvoiceFilter = InvoiceFilter.ALL) -> InvoiceList:
        rows = await self._rows()
        details = await self._gather([functools.partial(self._detail, r) for r in rows])
        every = [self._invoice(r, d) for r, d in zip(rows, details, strict=True)]
        every.sort(key=lambda i: (i.due_date, i.number))
        return _clean(InvoiceList.of(every, status))

    async def _row(self, invoice_id: int) -> reading.InvoiceRow:
        for row in await self._rows():
            if row.id == invoice_id:
                return row
        raise NotFound("Cette facture n'existe pas.")

    async def invoice(self, invoice_id: int) -> Invoice:
        detail = await self._detail_by_id(invoice_id)
        row = await self._row(invoice_id)
        if detail.number != row.number:
            raise reading.drifted("MonCompte/DetailFacture",
                                  "le même numéro de facture que sur MonCompte")
        return _clean(self._invoice(row, detail))

    async def invoice_pdf(self, invoice_id: int) -> bytes:
        row = await self._row(invoice_id)
        answer = await self._page(
            f"MonCompte/TelechargerPdfFacture?{urlencode({'IdFactureUnique': row.raw_id})}",
            max_bytes=MAX_PDF_BYTES)
        if not answer.body.startswith(b"%PDF-"):
            raise reading.drifted("MonCompte/TelechargerPdfFacture", "un fichier PDF")
        return answer.body

    # --- paying (inferred: see the module docstring) --------------------------------------

    async def create_payment(
        self, invoice_ids: Sequence[int], email: str, idempotency_key: str
    ) -> Payment:
        if len(set(invoice_ids)) != 1:
            raise PaymentRejected(too_many_for_one_payment(1))
        try:
            email = check_email(email)
        except ValueError as error:
            raise ValidationFailed(field_errors={"email": str(error)}) from None
        known = self._by_key.get(idempotency_key)
        if known is not None and known in self._watched:
            return self._watched[known].payment
        invoice_id = invoice_ids[0]
        detail = await self._detail_by_id(invoice_id)
        if detail.remaining_cents == 0:
            raise PaymentRejected(f"La facture {detail.number} est déjà réglée.")
        if detail.pay is None:
            raise PaymentRejected(
                f"La facture {detail.number} ne peut pas être payée en ligne. "
                + (detail.not_payable_text or "Le portail ne propose pas « Payer la facture »."))
        url = await self._press_pay(detail.pay)
        self._check_amount(url, detail.remaining_cents)
        created = int(time.time())
        payment = Payment(
            id=_payment_id(invoice_id, created, detail.remaining_cents),
            status=PaymentStatus.PENDING, amount_cents=detail.remaining_cents,
            invoice_ids=[invoice_id], reference=detail.number, payment_url=url,
            created_at=datetime.fromtimestamp(created, UTC),
            expires_at=datetime.fromtimestamp(created + WATCH_SECONDS, UTC),
        )
        payment = _clean(payment)
        self._watched[payment.id] = _Watched(payment, email)
        self._by_key[idempotency_key] = payment.id
        return payment

    async def _press_pay(self, control: reading.PayControl) -> str:
        """Follow « Payer la facture » to the first address outside the portal."""
        where = "MonCompte/DetailFacture"
        target = self._url(control.url) if control.url else None
        if target is None or not self._inside(target):
            raise reading.drifted(where, "« Payer la facture » vers le portail lui-même")
        if control.method == "post":
            answer = await self._send("POST", target, data=control.fields)
        else:
            if control.fields:
                target = target.copy_merge_params(control.fields)
            answer = await self._send("GET", target)
        for _ in range(MAX_REDIRECTS):
            if answer.location is None:
                break
            next_url = answer.url.join(answer.location)
            if not self._inside(next_url):
                if next_url.scheme not in ("http", "https"):
                    break
                return str(next_url)
            if "/home/logon" in next_url.path.lower():
                raise await self._expired()
            answer = await self._send("GET", next_url)
        if answer.status == 500:
            if await self._session_alive():
                raise PortalProtocolError("Le portail a répondu par une erreur (HTTP 500) à "
                                          "« Payer la facture ». Réessayez plus tard.")
            raise await self._expired()
        if 400 <= answer.status < 500:
            doc = reading.parse(answer.text())
            why = reading.text_of(doc.css_first(".erreur")) or ""
            raise PaymentRejected(("Le portail a refusé ce paiement. " + why).strip())
        raise reading.drifted(where, "« Payer la facture » menant à la page de paiement de "
                                     "l'État")

    @staticmethod
    def _check_amount(url: str, remaining: int) -> None:
        """A TIPI address carries the amount: it must be the « Reste à payer » shown."""
        query = parse_qs(urlsplit(url).query)
        amount = query.get("montant", [""])[0]
        if amount and (not amount.isdigit() or int(amount) != remaining):
            raise PortalProtocolError(
                "La page de paiement proposée par le portail ne demande pas le « Reste à "
                "payer » de la facture : elle n'a pas été ouverte, par sécurité.")

    async def payment(self, payment_id: str, wait: int = 0) -> Payment:
        invoice_id, created, amount = _read_payment_id(payment_id)
        watched = self._watched.get(payment_id)
        payment = watched.payment if watched is not None else None
        deadline = time.monotonic() + max(0, min(int(wait), 30))
        while True:
            gap = self._last_poll + self._poll_interval - time.monotonic()
            if gap > 0 and payment is not None:
                if time.monotonic() + gap > deadline:
                    await asyncio.sleep(max(0.0, deadline - time.monotonic()))
                    return payment
                await asyncio.sleep(gap)
            self._last_poll = time.monotonic()
            payment = await self._read_payment(payment_id, invoice_id, created, amount, payment)
            if watched is not None:
                watched.payment = payment
            if payment.status.is_final or time.monotonic() >= deadline:
                return payment

    async def _read_payment(self, payment_id: str, invoice_id: int, created: int, amount: int,
                            known: Payment | None) -> Payment:
        row = await self._row(invoice_id)
        remaining = row.remaining_cents
        paid = row.says_paid or remaining == 0
        if not paid and remaining is None:
            paid = (await self._detail(row)).remaining_cents == 0
        now = datetime.now(UTC)
        expires = datetime.fromtimestamp(created + WATCH_SECONDS, UTC)
        if paid:
            status = PaymentStatus.PAID
        elif now >= expires:
            status = PaymentStatus.EXPIRED
        else:
            status = PaymentStatus.PENDING
        base = known or Payment(
            id=payment_id, status=PaymentStatus.PENDING, amount_cents=amount,
            invoice_ids=[invoice_id], reference=row.number, payment_url="",
            created_at=datetime.fromtimestamp(created, UTC), expires_at=expires)
        if status is base.status:
            return base
        return base.model_copy(update={
            "status": status, "paid_at": now if status is PaymentStatus.PAID else None})

    # --- diagnosis -----------------------------------------------------------------------

    async def diagnose(self, login: str | None, password: str | None) -> list[Check]:
        from famille_tui.client.portals.espace_citoyens.doctor import diagnose

        return await diagnose(self, login, password)

    # Used by doctor.py: the raw pages, with the connector's own HTTP rules.
    async def _public_page(self, path: str = "") -> _Answer:
        return await self._follow(await self._send("GET", self._url(path) if path
                                                   else self._root_url))

    async def _modal(self) -> _Answer:
        return await self._send("POST", self._url("Home/RecupererModaleConnexion"), ajax=True)

    def _has_session_cookie(self) -> bool:
        return any(c.name == SESSION_COOKIE for c in self._http.cookies.jar)


