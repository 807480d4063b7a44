"""`PortalClient`: the Famille API over HTTP, for every face (TUI, plain, commands).

One `httpx.AsyncClient` per portal (connections are reused), an explicit timeout on
every step of a call and an overall deadline on the whole of it (a portal trickling a byte
now and then cannot hold a call for ever), https required for any host that is not
loopback, certificates verified, no redirect followed to another origin, and a size limit on
every answer counted on decoded bytes, whatever chain of `Content-Encoding` it declares (a
hostile or broken portal cannot make the program swallow gigabytes).

Every answer is parsed with the `famille_tui.api` models; every failure comes out as
one of the typed errors of `famille_tui.client.errors`, never as an httpx or pydantic
exception. The session token lives in this object's memory only and is never logged.
"""

from __future__ import annotations

import asyncio
import logging
import re
import zlib
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from datetime import date
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote, urljoin, urlsplit

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from famille_tui.api import (
    API_PREFIX,
    MAX_WAIT_SECONDS,
    Accepted,
    Account,
    ActivationRequest,
    ActivityList,
    ChangeResult,
    Commune,
    Contact,
    ContactCreate,
    ContactUpdate,
    Dashboard,
    ErrorCode,
    ErrorResponse,
    Family,
    HelpContact,
    Invoice,
    InvoiceFilter,
    InvoiceList,
    LoginRequest,
    Message,
    OutboxMessage,
    PasswordPolicy,
    PasswordResetConfirm,
    PasswordResetRequest,
    Payment,
    PaymentCreate,
    Profile,
    ProfileUpdate,
    Reply,
    ReplyCreate,
    ReservationChange,
    ReservationChanges,
    ReservationPeriod,
    SessionCreated,
)
from famille_tui.api.base import EMPTY_FIELD
from famille_tui.client.config import commune_slug, is_loopback_host, normalize_portal_url
from famille_tui.client.display import clean_message
from famille_tui.client.display import without_terminal_controls as controls_pictured
from famille_tui.client.errors import (
    AccountLocked,
    AccountNotActivated,
    ApiError,
    FamilleError,
    InvalidCredentials,
    NotFound,
    PaymentRejected,
    PortalProtocolError,
    PortalTimeout,
    PortalUnreachable,
    SessionExpired,
    UnknownCommune,
    ValidationFailed,
)
from famille_tui.client.portals.base import Capability, PortalConnector

__all__ = ["MAX_JSON_BYTES", "MAX_PDF_BYTES", "PortalClient", "list_communes"]

log = logging.getLogger(__name__)

#: Largest JSON answer accepted: the biggest real document is a few hundred kilobytes.
MAX_JSON_BYTES = 5 * 1024 * 1024
#: Largest invoice PDF accepted.
MAX_PDF_BYTES = 20 * 1024 * 1024
#: Extra read time granted to a long poll beyond the wait the portal was asked for.
LONG_POLL_MARGIN_SECONDS = 10.0
#: A whole call (connection, request, every byte of the answer) may take this many times
#: the timeout of each of its steps, not more — a PDF four times that again.
DEADLINE_FACTOR = 3.0
PDF_DEADLINE_FACTOR = 4.0
#: Content codings the client asks for and decodes (never `br` or `zstd`, whose decoders
#: httpx runs unbounded).
ACCEPT_ENCODING = "gzip, deflate"
#: Decoded bytes handed on at a time: what one layer of decoding may hold.
_DECODED_PIECE = 64 * 1024
#: Same-origin redirects followed (GET only) before giving up.
MAX_REDIRECTS = 3

USER_AGENT = "famille-tui/0.1"

M = TypeVar("M", bound=BaseModel)

_CONTACTS = TypeAdapter(list[Contact])
_COMMUNES = TypeAdapter(list[Commune])
_OUTBOX = TypeAdapter(list[OutboxMessage])

_TOO_BIG = (
    "Le portail a envoyé une réponse anormalement volumineuse : elle a été ignorée. "
    "Réessayez plus tard ou contactez la mairie."
)
_NOT_THE_API = (
    "Le portail a envoyé une réponse incompréhensible (ce n'est pas l'API Famille). "
    "Il est peut-être en maintenance : réessayez plus tard."
)
_CERTIFICATE = (
    "Le certificat de sécurité du portail n'est pas valide : la connexion a été refusée. "
    "Vérifiez l'adresse du portail."
)


def _unknown_host(error: BaseException) -> str | None:
    """The sentence for a portal whose name does not resolve (None for any other failure):
    a mistyped address is not a lost Internet connection."""
    import socket

    seen: BaseException | None = error
    for _ in range(10):  # the chain httpx → httpcore → socket, never a loop
        if seen is None:
            return None
        if isinstance(seen, socket.gaierror):
            if seen.errno == socket.EAI_NONAME:
                return ("Adresse du portail introuvable : ce nom n'existe pas. Vérifiez "
                        "l'adresse du portail (son orthographe), ou demandez-la à la mairie.")
            return ("Le nom du portail n'a pas pu être trouvé : vérifiez votre connexion à "
                    "Internet et l'adresse du portail, puis réessayez.")
        seen = seen.__cause__ or seen.__context__
    return None


def map_transport_error(error: Exception, unreadable: str = _NOT_THE_API) -> FamilleError:
    """httpx's (and the OS's) failures → PortalTimeout / PortalUnreachable / PortalProtocolError
    (whose message is `unreadable`: each connector names what it expected). Shared by the
    connectors' transports."""
    if isinstance(error, httpx.TimeoutException):
        return PortalTimeout()
    if isinstance(error, httpx.DecodingError | httpx.UnsupportedProtocol | httpx.InvalidURL):
        return PortalProtocolError(unreadable)
    if "CERTIFICATE_VERIFY_FAILED" in str(error) or "certificate verify failed" in str(error):
        return PortalUnreachable(_CERTIFICATE)
    unknown = _unknown_host(error)
    if unknown is not None:
        return PortalUnreachable(unknown)
    # ConnectError, ReadError, WriteError, RemoteProtocolError (a cut answer), CloseError,
    # ProxyError, and OSError from below: the portal could not be reached or hung up.
    return PortalUnreachable()


def _same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


class _Answer:
    """A fully read, size-checked HTTP answer."""

    __slots__ = ("body", "content_type", "headers", "status")

    def __init__(self, status: int, headers: httpx.Headers, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.content_type = headers.get("content-type", "").split(";")[0].strip().lower()


class _Inflater:
    """One `gzip` or `deflate` layer, decoded at most `_DECODED_PIECE` bytes at a time.

    httpx decodes each chunk whole: a 2 KB `gzip, gzip` answer became 2 GiB in one piece
    before any size limit could look at it. Here every layer hands on bounded pieces, and
    the limit is counted on each layer's output, so memory stays at a few pieces."""

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._started = False
        self._inflate = zlib.decompressobj(zlib.MAX_WBITS | 16 if coding == "gzip"
                                           else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self._started and data:
            self._started = True
            if self._coding == "deflate":
                # « deflate » is zlib-wrapped by the standard, raw by some servers.
                probe = zlib.decompressobj(zlib.MAX_WBITS)
                try:
                    probe.decompress(data[:2])
                except zlib.error:
                    self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        while True:
            piece = self._inflate.decompress(data, _DECODED_PIECE)
            data = self._inflate.unconsumed_tail
            if piece:
                yield piece
            if not data and len(piece) < _DECODED_PIECE:
                return

    def finish(self) -> Iterator[bytes]:
        rest = self._inflate.flush()
        if rest:
            yield rest


def _decoders(header: str) -> list[_Inflater]:
    """The layers of `Content-Encoding: header`, in decoding order (the last applied first)."""
    codings = [c.strip().lower() for c in header.split(",") if c.strip()]
    layers = []
    for coding in reversed(codings):
        if coding in ("identity", ""):
            continue
        if coding in ("gzip", "x-gzip"):
            layers.append(_Inflater("gzip"))
        elif coding == "deflate":
            layers.append(_Inflater("deflate"))
        else:
            log.warning("unknown content encoding refused: %r", coding[:40])
            raise PortalProtocolError(
                "Le portail a envoyé une réponse compressée d'une façon inconnue : elle a été "
                "ignorée. Réessayez plus tard ou contactez la mairie."
            )
    return layers


class _Decoded:
    """The decoded body of one answer, cut at `max_bytes` on every layer."""

    def __init__(self, header: str, max_bytes: int) -> None:
        self._layers = _decoders(header)
        self._max_bytes = max_bytes
        self._sizes = [0] * (len(self._layers) + 1)
        self.chunks: list[bytes] = []

    def feed(self, raw: bytes) -> None:
        self._through(0, iter([raw]))

    def finish(self) -> None:
        for index, layer in enumerate(self._layers):
            self._through(index + 1, layer.finish())

    def _through(self, index: int, pieces: Iterator[bytes]) -> None:
        for piece in pieces:
            self._sizes[index] += len(piece)
            if self._sizes[index] > self._max_bytes:
                raise PortalProtocolError(_TOO_BIG)
            if index == len(self._layers):
                self.chunks.append(piece)
            else:
                self._through(index + 1, self._layers[index].feed(piece))


def _raw(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body's bytes as they came, before any decoding. An answer made in memory (by a
    transport of the tests) was read when it was made: its stream gives them again."""
    if response.is_stream_consumed and isinstance(response.stream, httpx.AsyncByteStream):
        return aiter(response.stream)
    return response.aiter_raw()


async def read_limited(response: httpx.Response, max_bytes: int,
                       unreadable: str = _NOT_THE_API) -> bytes:
    """A streamed answer's body, refused (PortalProtocolError) beyond `max_bytes`: by its
    Content-Length, or while it is read. The raw bytes are decoded here layer by layer: the
    limit holds on what is decoded, and decoding never makes more than a piece at a time.
    A body that does not decode is `unreadable`. Shared by the connectors' transports (ask
    with `Accept-Encoding: ACCEPT_ENCODING`)."""
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise PortalProtocolError(_TOO_BIG)
    body = _Decoded(response.headers.get("content-encoding", ""), max_bytes)
    try:
        async for chunk in _raw(response):
            body.feed(chunk)
        body.finish()
    except zlib.error:
        raise PortalProtocolError(unreadable) from None
    return b"".join(body.chunks)


async def _fetch(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    timeout: httpx.Timeout,
    deadline: float,
    max_bytes: int,
    json: Any = None,
    params: Mapping[str, str | int] | None = None,
    headers: Mapping[str, str] | None = None,
    data: Mapping[str, str] | None = None,
    follow_redirects: bool = True,
) -> _Answer:
    """One request, streamed and cut at `max_bytes` of decoded body; same-origin GET
    redirects followed; all of it within `deadline` seconds (PortalTimeout after). `data`
    sends a form; `follow_redirects=False` returns a redirect as it is, for the HTML
    portals whose login answers 302.

    Raises only FamilleError subclasses."""
    try:
        async with asyncio.timeout(deadline):
            return await _fetch_in_time(
                http, method, url, timeout=timeout, max_bytes=max_bytes, json=json,
                params=params, headers=headers, data=data, follow_redirects=follow_redirects,
            )
    except TimeoutError:
        log.info("%s %s: over its deadline of %.0f s", method, url, deadline)
        raise PortalTimeout() from None


async def _fetch_in_time(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    timeout: httpx.Timeout,
    max_bytes: int,
    json: Any,
    params: Mapping[str, str | int] | None,
    headers: Mapping[str, str] | None,
    data: Mapping[str, str] | None,
    follow_redirects: bool,
) -> _Answer:
    all_headers = {"Accept-Encoding": ACCEPT_ENCODING, **(headers or {})}
    try:
        request = http.build_request(
            method, url, json=json, params=params, headers=all_headers, data=data,
            timeout=timeout,
        )
        for _ in range(MAX_REDIRECTS + 1):
            response = await http.send(request, stream=True)
            try:
                if response.is_redirect and follow_redirects:
                    location = response.headers.get("location", "")
                    target = request.url.join(location)
                    if method != "GET" or not _same_origin(target, request.url):
                        log.warning("redirect refused: %s %s → other origin", method, request.url)
                        raise PortalProtocolError(
                            "Le portail a tenté de rediriger vers un autre site : "
                            "la demande a été arrêtée, par sécurité."
                        )
                    request = http.build_request(
                        "GET", target, headers=all_headers, timeout=timeout
                    )
                    continue
                body = await read_limited(response, max_bytes)
                log.debug("%s %s → %s (%d bytes)", method, request.url.path, response.status_code,
                          len(body))
                return _Answer(response.status_code, response.headers, body)
            finally:
                await response.aclose()
        raise PortalProtocolError("Le portail redirige sans fin : la demande a été arrêtée.")
    except FamilleError:
        raise
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, OSError) as error:
        log.info("%s %s failed: %s", method, url, type(error).__name__)
        raise map_transport_error(error) from None


def without_terminal_controls(value: Any) -> Any:
    """Every text of a portal's answer made safe to print: a label holding `ESC ] 52` or
    `ESC [ 2J` is shown as text, never interpreted by the terminal (issue 8, hostile portal).
    Models are cleaned in place (they were just built from the answer and are not shared)."""
    if isinstance(value, str):
        return controls_pictured(value)
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            current = getattr(value, name)
            cleaned = without_terminal_controls(current)
            if cleaned is not current:
                value.__dict__[name] = cleaned
        return value
    if isinstance(value, list):
        cleaned_items = [without_terminal_controls(item) for item in value]
        changed = any(a is not b for a, b in zip(cleaned_items, value, strict=True))
        return cleaned_items if changed else value
    if isinstance(value, dict):
        cleaned_map = {k: without_terminal_controls(v) for k, v in value.items()}
        changed = any(cleaned_map[k] is not v for k, v in value.items())
        return cleaned_map if changed else value
    return value


#: What in a JSON body may become a character of `TERMINAL_CONTROLS` once parsed: the character
#: itself as UTF-8 (C0 but tab and new line, DEL, C1, the bidirectional overrides), or an
#: escape of it (backslash b, f, r, or backslash u and its code). Searched in the body's bytes,
#: without decoding them (2 MB for 5 000 invoices). It may also match what is not one (an
#: escaped backslash followed by « r »): the answer is then walked, as every answer was.
_CONTROLS_IN_JSON = re.compile(
    rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]"
    rb"|\\[bfr]|\\u00(?:0[0-8bBcCdDeEfF]|1[0-9a-fA-F]|7[fF]|[89][0-9a-fA-F])"
    rb"|\\u202[a-eA-E]|\\u206[6-9]"
)


def _may_hold_controls(body: bytes) -> bool:
    """Whether any text of this JSON body may hold a terminal control character once parsed
    (a body that is not UTF-8 is refused by the parser first): most answers hold none, and
    walking every string of a large one (5 000 invoices: 100 000 values) cost more than
    reading it."""
    return _CONTROLS_IN_JSON.search(body) is not None


def _parse(answer: _Answer, model: type[M] | TypeAdapter[Any]) -> Any:
    """The JSON body validated against an api model; anything else is PortalProtocolError.

    pydantic's own JSON parser is used: it refuses invalid UTF-8 and absurd nesting
    with a ValidationError instead of a RecursionError. Every text in it is then cleaned of
    terminal control characters (`without_terminal_controls`)."""
    if answer.content_type and "json" not in answer.content_type:
        raise PortalProtocolError(_NOT_THE_API)
    try:
        if isinstance(model, TypeAdapter):
            parsed = model.validate_json(answer.body)
        else:
            parsed = model.model_validate_json(answer.body)
    except (ValidationError, ValueError, RecursionError):
        log.info("answer does not match %s", getattr(model, "__name__", "the expected type"))
        raise PortalProtocolError(_NOT_THE_API) from None
    # Not a character to clean in the whole body: no text of it holds one.
    return without_terminal_controls(parsed) if _may_hold_controls(answer.body) else parsed


def _error_from_answer(answer: _Answer, *, logged_in: bool, at_login: bool) -> FamilleError:
    """An error status → the typed error of errors.py, with the portal's French message."""
    try:
        body = ErrorResponse.model_validate_json(answer.body).error
    except (ValidationError, ValueError, RecursionError):
        # An HTML error page, a proxy's 502, JSON of another shape: not the Famille API.
        log.info("error answer %d is not an ErrorResponse", answer.status)
        if answer.status in (502, 503, 504):
            return PortalUnreachable(
                "Le portail est momentanément indisponible. Réessayez dans quelques minutes."
            )
        return PortalProtocolError()
    status = answer.status
    code = body.code
    message = clean_message(body.message)
    field_errors = {
        str(clean_message(k) or k): clean_message(v) or "valeur invalide"
        for k, v in (body.field_errors or {}).items()
    }
    retry_after = body.retry_after_seconds
    if retry_after is None:
        header = answer.headers.get("retry-after", "")
        retry_after = int(header) if header.isdigit() else None

    if code == ErrorCode.INVALID_CREDENTIALS or (status == 401 and at_login):
        return InvalidCredentials(message)
    if code == ErrorCode.NOT_ACTIVATED:
        return AccountNotActivated(message)
    if code == ErrorCode.ACCOUNT_LOCKED:
        return AccountLocked(message, retry_after_seconds=retry_after)
    if code in (ErrorCode.SESSION_EXPIRED, ErrorCode.UNAUTHENTICATED) or status == 401:
        if not logged_in:
            return SessionExpired("Vous n'êtes pas connecté : saisissez votre mot de passe.")
        # Our own sentence, not the portal's: it matches what every face then does (ask the
        # password again and carry on where the parent was).
        return SessionExpired()
    if code == ErrorCode.NOT_FOUND or status == 404:
        return NotFound(message, status=status, code=code)
    if code in (ErrorCode.VALIDATION_ERROR, ErrorCode.WEAK_PASSWORD) or status == 422:
        return ValidationFailed(message, status=status, code=code, field_errors=field_errors)
    if code in (ErrorCode.INVOICE_NOT_PAYABLE, ErrorCode.PAYMENT_IN_PROGRESS):
        return PaymentRejected(message, status=status, code=code)
    return ApiError(message, status=status, code=code, field_errors=field_errors)


def _french_reason(item: Any) -> str:
    """pydantic's reason in French, as the portal words it: our validators already speak it;
    a field left empty is the one sentence every face and the portal say."""
    kind = str(item.get("type", ""))
    ctx = item.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "missing" or (kind in ("string_too_short", "too_short")
                             and ctx.get("min_length", 1) == 1):
        return EMPTY_FIELD
    if kind in ("string_too_long", "too_long"):
        return f"{ctx.get('max_length')} caractères au plus"
    return "valeur invalide"


def _request_model(model: type[M], **values: Any) -> M:
    """Build a request document; what the user typed wrong becomes ValidationFailed."""
    try:
        return model(**values)
    except ValidationError as error:
        fields: dict[str, str] = {}
        for item in error.errors():
            name = ".".join(str(p) for p in item["loc"]) or "formulaire"
            fields.setdefault(name, _french_reason(item))
        raise ValidationFailed(status=0, code="validation_error", field_errors=fields) from None


class PortalClient(PortalConnector):
    """An async client of one commune's Famille API (the `famille-api` connector: it offers
    every capability of the API). Use it within one event loop.

        async with PortalClient("http://127.0.0.1:8765/le-chambon-feugerolles/") as client:
            await client.login("martin", "demo-martin")
            invoices = await client.invoices()

    After `SessionExpired`, `account` is kept so that the face can ask the password
    again and call `relogin(password)` (or `login(client.account.login, password)`).
    """

    dialect = "famille-api"
    dialect_label = "API Famille"

    def __init__(
        self,
        base_url: str,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        # Raises ConfigError / InsecurePortalError before any connection is made.
        self._base_url = normalize_portal_url(base_url)
        self._api_url = self._base_url + API_PREFIX
        self._timeout_seconds = float(timeout)
        self._timeout = httpx.Timeout(self._timeout_seconds)
        #: The whole of a call, every step included (30 s with the default timeout).
        self._deadline_seconds = DEADLINE_FACTOR * self._timeout_seconds
        self._token: str | None = None
        self._account: Account | None = None
        self._idle_timeout_seconds: int | None = None
        self._transport = transport
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=self._timeout,
            verify=True,
            follow_redirects=False,
            # Proxy settings from the environment never apply to a portal on this machine.
            trust_env=not is_loopback_host(urlsplit(self._base_url).hostname or ""),
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        )

    # --- lifecycle and state -------------------------------------------------------------

    async def __aenter__(self) -> PortalClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @property
    def capabilities(self) -> frozenset[Capability]:
        return _CAPABILITIES

    @property
    def idle_timeout_seconds(self) -> int | None:
        """Seconds of inactivity after which the portal ends the session (from the login)."""
        return self._idle_timeout_seconds

    async def aclose(self) -> None:
        """Close the connections. Forgets the token (it stays valid on the portal until
        it expires: call `logout()` first to end the session)."""
        self._token = None
        await self._http.aclose()

    @property
    def base_url(self) -> str:
        """The commune's base URL, normalised (ends with « / »)."""
        return self._base_url

    @property
    def commune(self) -> str:
        """The commune's slug, e.g. `le-chambon-feugerolles`."""
        return commune_slug(self._base_url)

    @property
    def account(self) -> Account | None:
        """The account of the last login; kept after SessionExpired, cleared by logout."""
        return self._account

    @property
    def logged_in(self) -> bool:
        return self._token is not None

    def __repr__(self) -> str:  # never shows the token
        return f"PortalClient({self._base_url!r}, logged_in={self.logged_in})"

    # --- plumbing ------------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: BaseModel | None = None,
        exclude_unset: bool = False,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | None = None,
        deadline: float | None = None,
        max_bytes: int = MAX_JSON_BYTES,
        at_login: bool = False,
        expected: Sequence[int] = (200, 201, 202, 204),
    ) -> _Answer:
        all_headers = dict(headers or {})
        if self._token is not None and not at_login:
            all_headers["Authorization"] = f"Bearer {self._token}"
        json = None
        if body is not None:
            json = body.model_dump(mode="json", exclude_unset=exclude_unset)
        answer = await _fetch(
            self._http,
            method,
            self._api_url + path,
            timeout=timeout or self._timeout,
            deadline=deadline or self._deadline_seconds,
            max_bytes=max_bytes,
            json=json,
            params=params,
            headers=all_headers,
        )
        if answer.status in expected:
            return answer
        if answer.status < 400:
            # A 1xx/3xx left over or a 2xx this call does not expect.
            raise PortalProtocolError(_NOT_THE_API)
        error = _error_from_answer(answer, logged_in=self.logged_in, at_login=at_login)
        if isinstance(error, SessionExpired):
            # The token is dead; the account is kept for relogin.
            self._token = None
        raise error

    async def _get(self, path: str, model: type[M]) -> M:
        answer = await self._call("GET", path)
        result: M = _parse(answer, model)
        return result

    # --- session -------------------------------------------------------------------------

    async def login(
        self, login: str, password: str, *, challenge_answer: str | None = None
    ) -> Account:
        """Open a session; the token is kept in memory only. (The API asks no captcha.)"""
        request = _request_model(LoginRequest, login=login, password=password)
        answer = await self._call("POST", "session", body=request, at_login=True,
                                  expected=(200, 201))
        session: SessionCreated = _parse(answer, SessionCreated)
        self._token = session.token
        self._account = session.account
        self._idle_timeout_seconds = session.idle_timeout_seconds
        return session.account

    async def logout(self) -> None:
        """End the session. Never raises: on network loss the token simply expires."""
        if self._token is not None:
            try:
                await self._call("DELETE", "session", timeout=httpx.Timeout(
                    min(self._timeout_seconds, 5.0)))
            except FamilleError as error:
                log.info("logout: %s", type(error).__name__)
        self._token = None
        self._account = None

    async def activate(
        self, login: str, temporary_password: str, new_password: str
    ) -> Accepted:
        request = _request_model(
            ActivationRequest,
            login=login,
            temporary_password=temporary_password,
            new_password=new_password,
        )
        answer = await self._call("POST", "activation", body=request)
        result: Accepted = _parse(answer, Accepted)
        return result

    async def request_password_reset(self, login: str) -> Accepted:
        request = _request_model(PasswordResetRequest, login=login)
        answer = await self._call("POST", "password-reset", body=request)
        result: Accepted = _parse(answer, Accepted)
        return result

    async def confirm_password_reset(self, login: str, code: str, new_password: str) -> Accepted:
        request = _request_model(
            PasswordResetConfirm, login=login, code=code, new_password=new_password
        )
        answer = await self._call("POST", "password-reset/confirm", body=request)
        result: Accepted = _parse(answer, Accepted)
        return result

    async def password_policy(self) -> PasswordPolicy:
        return await self._get("password-policy", PasswordPolicy)

    # --- family space --------------------------------------------------------------------

    async def family(self) -> Family:
        return await self._get("family", Family)

    async def entourage(self) -> list[Contact]:
        answer = await self._call("GET", "entourage")
        result: list[Contact] = _parse(answer, _CONTACTS)
        return result

    async def add_contact(self, contact: ContactCreate) -> Contact:
        answer = await self._call("POST", "entourage", body=contact, expected=(200, 201))
        result: Contact = _parse(answer, Contact)
        return result

    async def update_contact(self, contact_id: int, changes: ContactUpdate) -> Contact:
        # PATCH: only the fields the caller set are sent (an explicit None clears a field).
        answer = await self._call(
            "PATCH", f"entourage/{int(contact_id)}", body=changes, exclude_unset=True
        )
        result: Contact = _parse(answer, Contact)
        return result

    async def remove_contact(self, contact_id: int) -> None:
        await self._call("DELETE", f"entourage/{int(contact_id)}", expected=(200, 204))

    async def dashboard(self) -> Dashboard:
        return await self._get("dashboard", Dashboard)

    async def mark_message_read(self, message_id: int) -> Message:
        answer = await self._call("POST", f"messages/{int(message_id)}/read")
        result: Message = _parse(answer, Message)
        return result

    async def reply_to_message(self, message_id: int, text: str) -> Reply:
        request = _request_model(ReplyCreate, text=text)
        answer = await self._call("POST", f"messages/{int(message_id)}/reply", body=request,
                                  expected=(201,))
        result: Reply = _parse(answer, Reply)
        return result

    async def profile(self) -> Profile:
        return await self._get("profile", Profile)

    async def update_profile(self, profile: ProfileUpdate) -> Profile:
        answer = await self._call("PUT", "profile", body=profile)
        result: Profile = _parse(answer, Profile)
        return result

    async def help(self) -> HelpContact:
        return await self._get("help", HelpContact)

    async def check_address(self) -> HelpContact | None:
        """`GET help` (public, per commune); a 404 is an unknown commune only if the portal's
        own `GET /communes` lists others and not this one — then said with the ones it
        serves. The contact read serves the faces' « no e-mail on file » sentence."""
        if not self.offers(Capability.HELP):
            return None
        try:
            return await self.help()
        except NotFound:
            pass
        except FamilleError:
            return None  # the login will say what is wrong with the portal
        origin = self._base_url.rstrip("/").rsplit("/", 1)[0]
        try:
            communes = await list_communes(origin, timeout=self._timeout_seconds,
                                           transport=self._transport)
        except FamilleError:
            return None
        if not communes or any(c.slug == self.commune for c in communes):
            return None
        served = ", ".join(f"{c.name} ({c.base_url})" for c in communes[:10])
        raise UnknownCommune(
            f"Commune inconnue sur ce portail : {self._base_url} ne mène à aucune commune. "
            f"Communes de ce portail : {served}. Corrigez l'adresse dans la configuration "
            "(ou --portal, --commune).")

    async def outbox(self) -> list[OutboxMessage]:
        """The e-mails the demo portal sent (activation, reset codes, receipts)."""
        answer = await self._call("GET", "demo/outbox")
        result: list[OutboxMessage] = _parse(answer, _OUTBOX)
        return result

    # --- invoices and payments -----------------------------------------------------------

    async def invoices(self, status: InvoiceFilter = InvoiceFilter.ALL) -> InvoiceList:
        answer = await self._call("GET", "invoices", params={"status": InvoiceFilter(status).value})
        result: InvoiceList = _parse(answer, InvoiceList)
        return result

    async def invoice(self, invoice_id: int) -> Invoice:
        return await self._get(f"invoices/{int(invoice_id)}", Invoice)

    async def invoice_pdf(self, invoice_id: int) -> bytes:
        """The invoice's PDF (at most MAX_PDF_BYTES)."""
        answer = await self._call(
            "GET",
            f"invoices/{int(invoice_id)}/pdf",
            headers={"Accept": "application/pdf"},
            max_bytes=MAX_PDF_BYTES,
            deadline=PDF_DEADLINE_FACTOR * self._deadline_seconds,
            expected=(200,),
        )
        if not answer.body.startswith(b"%PDF-"):
            raise PortalProtocolError(
                "Le portail n'a pas envoyé un document PDF. Réessayez plus tard."
            )
        return answer.body

    async def create_payment(
        self, invoice_ids: Sequence[int], email: str, idempotency_key: str
    ) -> Payment:
        """Create (or, with the same key, find again) the payment of these invoices."""
        request = _request_model(PaymentCreate, invoice_ids=list(invoice_ids), email=email)
        answer = await self._call(
            "POST",
            "payments",
            body=request,
            headers={"Idempotency-Key": idempotency_key},
            expected=(200, 201),
        )
        result: Payment = _parse(answer, Payment)
        return result

    async def payment(self, payment_id: str, wait: int = 0) -> Payment:
        """The payment's state; with `wait` > 0, a long poll that answers as soon as the
        payment leaves `pending`, or after `wait` seconds (at most MAX_WAIT_SECONDS)."""
        wait = max(0, min(int(wait), MAX_WAIT_SECONDS))
        timeout = self._timeout
        if wait:
            timeout = httpx.Timeout(self._timeout_seconds, read=wait + LONG_POLL_MARGIN_SECONDS)
        answer = await self._call(
            "GET",
            f"payments/{quote(payment_id, safe='')}",
            params={"wait": wait} if wait else None,
            timeout=timeout,
            deadline=self._deadline_seconds + wait + LONG_POLL_MARGIN_SECONDS,
        )
        result: Payment = _parse(answer, Payment)
        return result

    # --- reservations --------------------------------------------------------------------

    async def activities(self) -> ActivityList:
        return await self._get("activities", ActivityList)

    async def reservations(self, start: date | None = None, end: date | None = None,
                           child_id: int | None = None) -> ReservationPeriod:
        params: dict[str, str | int] = {}
        if start is not None:
            params["start"] = start.isoformat()
        if end is not None:
            params["end"] = end.isoformat()
        if child_id is not None:
            params["child_id"] = int(child_id)
        answer = await self._call("GET", "reservations", params=params)
        result: ReservationPeriod = _parse(answer, ReservationPeriod)
        return result

    async def change_reservations(self, changes: Sequence[ReservationChange], *,
                                  idempotency_key: str | None = None,
                                  dry_run: bool = False) -> ChangeResult:
        request = _request_model(ReservationChanges, changes=list(changes), dry_run=dry_run)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        answer = await self._call("POST", "reservations/changes", body=request,
                                  headers=headers, expected=(200,))
        result: ChangeResult = _parse(answer, ChangeResult)
        return result


#: The Famille API offers every capability.
_CAPABILITIES = frozenset(Capability)


async def list_communes(
    origin: str,
    *,
    timeout: float = 10.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[Commune]:
    """`GET {origin}/communes`: the communes a portal serves (https unless loopback)."""
    normalized = normalize_portal_url(origin)
    parts = urlsplit(normalized)
    url = urljoin(f"{parts.scheme}://{parts.netloc}/", "communes")
    async with httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(timeout),
        verify=True,
        trust_env=not is_loopback_host(parts.hostname or ""),
        follow_redirects=False,
        headers={"Accept": "application/json", "User-Agent": USER_AGENT},
    ) as http:
        answer = await _fetch(
            http, "GET", url, timeout=httpx.Timeout(timeout),
            deadline=DEADLINE_FACTOR * timeout, max_bytes=MAX_JSON_BYTES,
        )
        if answer.status != 200:
            if answer.status >= 400:
                raise _error_from_answer(answer, logged_in=False, at_login=False)
            raise PortalProtocolError(_NOT_THE_API)
        result: list[Commune] = _parse(answer, _COMMUNES)
        return result
