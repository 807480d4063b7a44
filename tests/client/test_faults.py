"""The client against a broken or hostile portal: every fault becomes a typed error with a
French message, never an httpx or pydantic exception.

These faults cannot be caused with the real portal, so they are injected at the httpx
transport level (`httpx.MockTransport` and hand-made byte streams)."""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from famille_tui.api import ContactUpdate, ErrorCode
from famille_tui.client import (
    AccountLocked,
    AccountNotActivated,
    ApiError,
    ConfigError,
    FamilleError,
    InsecurePortalError,
    InvalidCredentials,
    NotFound,
    PaymentRejected,
    PortalClient,
    PortalProtocolError,
    PortalTimeout,
    PortalUnreachable,
    SessionExpired,
    ValidationFailed,
    list_communes,
)
from famille_tui.client.display import TERMINAL_CONTROLS
from famille_tui.client.portal_client import _may_hold_controls

BASE = "https://portail.example.fr/le-chambon-feugerolles/"
TOKEN = "secret-token-0123456789"

SESSION = {
    "token": TOKEN,
    "expires_at": "2030-01-01T00:00:00Z",
    "idle_timeout_seconds": 900,
    "account": {
        "login": "martin",
        "display_name": "Claire Martin",
        "email": "claire.martin@example.fr",
        "family_name": "Famille Martin",
    },
}
FAMILY = {"id": 1, "name": "Famille Martin", "adults": [], "children": []}
PAYMENT = {
    "id": "pay-1",
    "status": "pending",
    "amount_cents": 4250,
    "invoice_ids": [3],
    "reference": "2026100042",
    "payment_url": "https://www.payfip.gouv.fr/tpa/paiement.web?numcli=123456",
    "created_at": "2026-10-01T10:00:00Z",
    "expires_at": "2026-10-01T10:15:00Z",
}

Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler) -> PortalClient:
    return PortalClient(BASE, timeout=2.0, transport=httpx.MockTransport(handler))


def routed(routes: dict[str, Handler]) -> Handler:
    """Answer `POST session` with a session, and the rest with `routes` (by path end)."""

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/le-chambon-feugerolles/api/v1/")
        if path == "session" and request.method == "POST" and "session" not in routes:
            return httpx.Response(201, json=SESSION)
        if path == "session" and request.method == "DELETE" and "session" not in routes:
            return httpx.Response(204)
        return routes[path](request)

    return handler


async def logged_in(routes: dict[str, Handler]) -> PortalClient:
    client = client_for(routed(routes))
    await client.login("martin", "demo-martin")
    return client


def assert_french(error: FamilleError) -> None:
    """A sentence for a parent: French words, no Python or HTTP jargon."""
    text = error.message
    assert text and text[0].isupper() and text.rstrip().endswith((".", "!", "»"))
    for jargon in ("Traceback", "httpx", "Exception", "Error", "pydantic", "JSON"):
        assert jargon not in text


# --- transport failures --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exception", "expected"),
    [
        (httpx.ReadTimeout("read timed out"), PortalTimeout),
        (httpx.ConnectTimeout("connect timed out"), PortalTimeout),
        (httpx.WriteTimeout("write timed out"), PortalTimeout),
        (httpx.PoolTimeout("pool"), PortalTimeout),
        (httpx.ConnectError("[Errno 111] Connection refused"), PortalUnreachable),
        (httpx.ReadError("[Errno 104] Connection reset by peer"), PortalUnreachable),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."),
         PortalUnreachable),
        (httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
         PortalUnreachable),
        (ConnectionResetError(104, "Connection reset by peer"), PortalUnreachable),
    ],
)
async def test_transport_failure_is_typed(
    exception: Exception, expected: type[FamilleError]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exception

    async with client_for(handler) as client:
        with pytest.raises(expected) as caught:
            await client.password_policy()
    assert type(caught.value) is expected
    assert_french(caught.value)


async def test_bad_certificate_says_so() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")

    async with client_for(handler) as client:
        with pytest.raises(PortalUnreachable, match="certificat"):
            await client.help()


class _CutStream(httpx.AsyncByteStream):
    """A body that stops half-way: the server died mid-answer."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"id": 1, "name": "Famille'
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


class _EndlessStream(httpx.AsyncByteStream):
    """A body that never ends (no Content-Length): the limit must cut it."""

    def __init__(self) -> None:
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunk = b"[" + b"0," * 32767 + b"0"
        while True:
            self.sent += len(chunk)
            yield chunk


async def test_answer_cut_in_the_middle_is_unreachable() -> None:
    async with await logged_in(
        {"family": lambda r: httpx.Response(200, stream=_CutStream(),
                                            headers={"content-type": "application/json"})}
    ) as client:
        with pytest.raises(PortalUnreachable) as caught:
            await client.family()
    assert_french(caught.value)


# --- answers that are not the API ------------------------------------------------------------


def html(status: int) -> Handler:
    page = "<html><body><h1>500 Internal Server Error</h1>nginx</body></html>"
    return lambda r: httpx.Response(status, text=page, headers={"content-type": "text/html"})


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (html(500), PortalProtocolError),
        (html(200), PortalProtocolError),
        (html(404), PortalProtocolError),
        (html(503), PortalUnreachable),  # a proxy saying the portal is down
        (lambda r: httpx.Response(200, content=b'{"id": 1, "name": ',
                                  headers={"content-type": "application/json"}),
         PortalProtocolError),
        (lambda r: httpx.Response(200, content=b"\xff\xfe\x00garbage",
                                  headers={"content-type": "application/json"}),
         PortalProtocolError),
        (lambda r: httpx.Response(200, json={"id": "one", "name": 3, "adults": {}}),
         PortalProtocolError),
        (lambda r: httpx.Response(200, json=[FAMILY]), PortalProtocolError),
        (lambda r: httpx.Response(200, json=None), PortalProtocolError),
        (lambda r: httpx.Response(204), PortalProtocolError),
        (lambda r: httpx.Response(200, content=b"[" * 200_000 + b"]" * 200_000,
                                  headers={"content-type": "application/json"}),
         PortalProtocolError),
        (lambda r: httpx.Response(200, content=b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
                                  headers={"content-type": "application/json"}),
         PortalProtocolError),
        (lambda r: httpx.Response(500, json={"detail": "boom"}), PortalProtocolError),
        (lambda r: httpx.Response(418, json={"error": "teapot"}), PortalProtocolError),
    ],
    ids=["html-500", "html-200", "html-404", "html-503", "truncated-json", "not-utf8",
         "wrong-types", "list-not-object", "null", "empty-204", "deep-lists", "deep-objects",
         "other-error-shape", "error-not-object"],
)
async def test_not_the_api_is_typed(answer: Handler, expected: type[FamilleError]) -> None:
    async with await logged_in({"family": answer}) as client:
        with pytest.raises(expected) as caught:
            await client.family()
    assert type(caught.value) is expected
    assert_french(caught.value)


async def test_a_huge_declared_body_is_refused_unread() -> None:
    body = b"[" + b"0," * (5 * 1024 * 1024) + b"0]"  # 10 MB
    async with await logged_in(
        {"entourage": lambda r: httpx.Response(200, content=body,
                                               headers={"content-type": "application/json"})}
    ) as client:
        with pytest.raises(PortalProtocolError, match="volumineuse") as caught:
            await client.entourage()
    assert_french(caught.value)


async def test_a_huge_streamed_body_is_cut_at_the_limit() -> None:
    stream = _EndlessStream()
    async with await logged_in(
        {"entourage": lambda r: httpx.Response(200, stream=stream,
                                               headers={"content-type": "application/json"})}
    ) as client:
        with pytest.raises(PortalProtocolError, match="volumineuse"):
            await client.entourage()
    # Stopped soon after 5 MiB: never read the endless body to the end.
    assert 5 * 1024 * 1024 < stream.sent < 6 * 1024 * 1024


async def test_a_gzip_bomb_is_cut_after_decoding() -> None:
    bomb = gzip.compress(b" " * (30 * 1024 * 1024))  # 30 MiB of spaces, ~30 KiB compressed
    assert len(bomb) < 100_000
    async with await logged_in(
        {"family": lambda r: httpx.Response(
            200, content=bomb,
            headers={"content-type": "application/json", "content-encoding": "gzip"})}
    ) as client:
        with pytest.raises(PortalProtocolError, match="volumineuse"):
            await client.family()


async def test_a_big_pdf_is_allowed_up_to_its_own_limit() -> None:
    pdf = b"%PDF-1.4\n" + b"0" * (8 * 1024 * 1024)
    async with await logged_in(
        {"invoices/3/pdf": lambda r: httpx.Response(
            200, content=pdf, headers={"content-type": "application/pdf"})}
    ) as client:
        assert await client.invoice_pdf(3) == pdf


async def test_a_pdf_that_is_not_a_pdf_is_refused() -> None:
    async with await logged_in({"invoices/3/pdf": html(200)}) as client:
        with pytest.raises(PortalProtocolError, match="PDF"):
            await client.invoice_pdf(3)


# --- redirects ----------------------------------------------------------------------------


async def test_redirect_to_another_host_is_not_followed() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"location": "https://evil.example.com/help"})

    async with client_for(handler) as client:
        with pytest.raises(PortalProtocolError, match="autre site"):
            await client.help()
    assert seen == [BASE + "api/v1/help"]


async def test_redirect_to_http_on_the_same_host_is_not_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"location": "http://portail.example.fr/x"})

    async with client_for(handler) as client:
        with pytest.raises(PortalProtocolError):
            await client.help()


async def test_same_origin_redirect_is_followed_for_get_only() -> None:
    help_doc = {
        "commune": "Le Chambon-Feugerolles", "structure": "Crèche Les Pirouettes",
        "address": "9 rue des Halles", "postal_code": "42500", "city": "Le Chambon-Feugerolles",
        "phone": "04 77 06 20 10", "email": "creche@example.fr", "opening_hours": ["lundi"],
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/help"):
            return httpx.Response(307, headers={"location": "help/"})
        if request.url.path.endswith("/help/"):
            return httpx.Response(200, json=help_doc)
        return httpx.Response(307, headers={"location": request.url.path + "/"})

    async with client_for(handler) as client:
        assert (await client.help()).phone == "04 77 06 20 10"
        with pytest.raises(PortalProtocolError):
            await client.request_password_reset("martin")


async def test_endless_redirects_stop() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": request.url.path})

    async with client_for(handler) as client:
        with pytest.raises(PortalProtocolError, match="sans fin"):
            await client.help()


# --- documented errors → typed errors -------------------------------------------------------


def error_doc(status: int, code: str, message: str, **extra: Any) -> Handler:
    body = {"error": {"code": code, "message": message, **extra}}
    return lambda r: httpx.Response(status, json=body)


async def test_login_errors() -> None:
    cases: list[tuple[Handler, type]] = [
        (error_doc(401, "invalid_credentials", "Identifiant ou mot de passe incorrect."),
         InvalidCredentials),
        (error_doc(403, "not_activated", "Compte non activé."), AccountNotActivated),
        (error_doc(429, "account_locked", "Compte bloqué.", retry_after_seconds=600),
         AccountLocked),
        (error_doc(401, "something_new", "Refusé."), InvalidCredentials),
    ]
    for handler, expected in cases:
        async with client_for(routed({"session": handler})) as client:
            with pytest.raises(expected) as caught:
                await client.login("martin", "wrong")
            assert not client.logged_in
        assert type(caught.value) is expected
    assert isinstance(caught.value, InvalidCredentials)


async def test_account_locked_carries_the_retry_time() -> None:
    async with client_for(routed({"session": error_doc(
        429, "account_locked", "Compte bloqué pendant 10 minutes.", retry_after_seconds=600
    )})) as client:
        with pytest.raises(AccountLocked) as caught:
            await client.login("martin", "wrong")
    assert caught.value.retry_after_seconds == 600
    assert caught.value.message == "Compte bloqué pendant 10 minutes."


async def test_account_locked_reads_retry_after_header() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429, headers={"retry-after": "120"},
            json={"error": {"code": "account_locked", "message": "Compte bloqué."}},
        )

    async with client_for(routed({"session": handler})) as client:
        with pytest.raises(AccountLocked) as caught:
            await client.login("martin", "wrong")
    assert caught.value.retry_after_seconds == 120


@pytest.mark.parametrize("code", ["session_expired", "unauthenticated"])
async def test_session_expired_keeps_the_account_for_relogin(code: str) -> None:
    calls = {"n": 0}

    def family(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return error_doc(401, code, "Votre session a expiré.")(request)
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        return httpx.Response(200, json=FAMILY)

    async with await logged_in({"family": family}) as client:
        with pytest.raises(SessionExpired, match="expiré"):
            await client.family()
        assert not client.logged_in
        assert client.account is not None and client.account.login == "martin"
        await client.relogin("demo-martin")
        assert client.logged_in
        assert (await client.family()).name == "Famille Martin"


async def test_validation_error_has_field_errors() -> None:
    handler = error_doc(422, "validation_error", "Certains champs sont invalides.",
                        field_errors={"phones": "numéro invalide", "email\x1b[2J": "non"})
    async with await logged_in({"entourage/4": handler}) as client:
        with pytest.raises(ValidationFailed) as caught:
            await client.update_contact(4, ContactUpdate(first_name="Jeanne"))
    assert caught.value.field_errors["phones"] == "numéro invalide"
    assert caught.value.status == 422 and caught.value.code == "validation_error"
    # Escape sequences from the portal never reach the terminal.
    assert all("\x1b" not in k for k in caught.value.field_errors)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (409, ErrorCode.INVOICE_NOT_PAYABLE, PaymentRejected),
        (409, ErrorCode.PAYMENT_IN_PROGRESS, PaymentRejected),
        (404, ErrorCode.NOT_FOUND, NotFound),
        (422, ErrorCode.WEAK_PASSWORD, ValidationFailed),
        (400, ErrorCode.INVALID_REQUEST, ApiError),
        (429, ErrorCode.RATE_LIMITED, ApiError),
        (500, ErrorCode.INTERNAL_ERROR, ApiError),
    ],
)
async def test_api_errors_are_typed(
    status: int, code: str, expected: type[ApiError]
) -> None:
    async with await logged_in(
        {"payments": error_doc(status, code, "Message du portail.")}
    ) as client:
        with pytest.raises(expected) as caught:
            await client.create_payment([3], "claire.martin@example.fr", "key-1")
    assert type(caught.value) is expected
    assert caught.value.status == status and caught.value.code == code
    assert caught.value.message == "Message du portail."


async def test_portal_messages_are_cleaned_for_the_terminal() -> None:
    nasty = "Erreur\x1b]52;c;ZXZpbA==\x07 grave\u202e\n" + "x" * 2000
    async with await logged_in({"family": error_doc(400, "invalid_request", nasty)}) as client:
        with pytest.raises(ApiError) as caught:
            await client.family()
    text = caught.value.message
    assert text.startswith("Erreur ]52;c;ZXZpbA== grave")
    assert not any(ord(c) < 32 or c == "\u202e" for c in text)
    assert len(text) <= 500


INVOICE = {
    "id": 3, "number": "2026100042", "label": "Cantine octobre", "service": "Cantine",
    "children": ["Léa"], "period_start": "2026-10-01", "period_end": "2026-10-31",
    "issue_date": "2026-11-04", "due_date": "2026-11-30", "amount_cents": 4250,
    "paid_cents": 0, "remaining_cents": 4250, "status": "a_payer", "payable_online": True,
}


def invoices_body(label: str, *, ascii_only: bool) -> Handler:
    """An invoice list whose label is `label`, written as JSON with every non-ASCII
    character escaped (\\u…) or as raw UTF-8."""
    listing = {"invoices": [{**INVOICE, "label": label}], "total_remaining_cents": 4250}
    body = json.dumps(listing, ensure_ascii=ascii_only).encode("utf-8")
    return lambda request: httpx.Response(
        200, content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "raw"])
@pytest.mark.parametrize(("label", "shown"), [
    ("Cantine \x1b]52;c;ZXZpbA==\x07 octobre", "Cantine ␛]52;c;ZXZpbA==␇ octobre"),
    ("Cantine\x9b2J octobre", "Cantine\ufffd2J octobre"),
    ("Cantine\u202e octobre", "Cantine\ufffd octobre"),
    ("Cantine\r octobre\x7f", "Cantine␍ octobre\u2421"),
    ("Cantine\x08\x0c", "Cantine␈␌"),
    ("Crèche « Les Pirouettes »\tsoir\n", "Crèche « Les Pirouettes »\tsoir\n"),
    ("Crèche \\r\\u001b", "Crèche \\r\\u001b"),  # backslashes, not controls
])
async def test_every_text_of_an_answer_is_cleaned_however_it_is_written(
    label: str, shown: str, ascii_only: bool,
) -> None:
    # Most answers hold no control character and are not walked (issue 18: 5 000
    # invoices); one that does, written escaped or raw, is cleaned all the same.
    routes = {"invoices": invoices_body(label, ascii_only=ascii_only)}
    async with await logged_in(routes) as client:
        listing = await client.invoices()
    assert listing.invoices[0].label == shown


def test_a_body_is_searched_for_exactly_the_characters_a_face_pictures() -> None:
    # The body's bytes are searched without decoding them: every character the faces turn
    # into a picture (display.TERMINAL_CONTROLS) is found, written raw or escaped, and no
    # other raw character is taken for one.
    for code in [*range(0xD800), *range(0xE000, 0x10000), 0x1F600, 0x10FFFF]:
        char = chr(code)
        control = TERMINAL_CONTROLS.search(char) is not None
        assert _may_hold_controls(json.dumps(char, ensure_ascii=False).encode()) is control
        assert _may_hold_controls(json.dumps(char).encode()) is control


# --- requests the client makes -----------------------------------------------------------------


async def test_long_poll_gets_a_longer_read_timeout_and_every_call_has_one() -> None:
    timeouts: dict[str, dict[str, float]] = {}

    def payment(request: httpx.Request) -> httpx.Response:
        timeouts[request.url.query.decode() or "none"] = request.extensions["timeout"]
        return httpx.Response(200, json=PAYMENT)

    async with await logged_in({"payments/pay-1": payment}) as client:
        await client.payment("pay-1", wait=25)
        await client.payment("pay-1")
        await client.payment("pay-1", wait=999)  # clamped to the API's maximum
    assert timeouts["wait=25"] == {"connect": 2.0, "read": 35.0, "write": 2.0, "pool": 2.0}
    assert timeouts["none"] == {"connect": 2.0, "read": 2.0, "write": 2.0, "pool": 2.0}
    assert timeouts["wait=30"]["read"] == 40.0


async def test_payment_id_cannot_escape_its_path() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return httpx.Response(404, json={"error": {"code": "not_found", "message": "Inconnu."}})

    async with client_for(handler) as client:
        with pytest.raises(NotFound):
            await client.payment("../../session?x=1")
    assert seen == ["/le-chambon-feugerolles/api/v1/payments/..%2F..%2Fsession%3Fx%3D1"]


async def test_create_payment_sends_the_idempotency_key() -> None:
    sent: list[httpx.Request] = []

    def payments(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(201, json=PAYMENT)

    async with await logged_in({"payments": payments}) as client:
        payment = await client.create_payment([3], "claire.martin@example.fr", "key-42")
    assert payment.id == "pay-1"
    assert sent[0].headers["idempotency-key"] == "key-42"
    assert json.loads(sent[0].content) == {
        "invoice_ids": [3], "email": "claire.martin@example.fr"
    }


async def test_update_contact_sends_only_the_fields_set() -> None:
    sent: list[dict[str, Any]] = []
    contact = {"id": 4, "first_name": "Jeanne", "last_name": "Martin", "relationship": "Tante",
               "phones": ["06 12 34 56 78"], "email": None, "can_pick_up": True,
               "emergency_contact": False}

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json=contact)

    async with await logged_in({"entourage/4": handler}) as client:
        await client.update_contact(4, ContactUpdate(first_name="Jeanne", email=None))
    assert sent == [{"first_name": "Jeanne", "email": None}]


async def test_bad_input_is_refused_before_sending() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing must be sent")

    async with client_for(handler) as client:
        with pytest.raises(ValidationFailed) as caught:
            await client.login("", "x")
        assert "login" in caught.value.field_errors
        with pytest.raises(ValidationFailed) as caught:
            await client.create_payment([3], "pas-une-adresse", "k")
        assert "email" in caught.value.field_errors


async def test_the_token_is_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with await logged_in({"family": lambda r: httpx.Response(200, json=FAMILY),
                                "help": html(500)}) as client:
        await client.family()
        with pytest.raises(PortalProtocolError):
            await client.help()
        assert TOKEN not in repr(client)
        await client.logout()
        assert not client.logged_in and client.account is None
    assert caplog.records, "the client logs its requests at debug level"
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert "demo-martin" not in record.getMessage()


async def test_logout_never_raises_on_network_loss() -> None:
    def session(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(201, json=SESSION)
        raise httpx.ConnectError("gone")

    async with client_for(routed({"session": session})) as client:
        await client.login("martin", "demo-martin")
        await client.logout()
        assert not client.logged_in


# --- addresses -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://portail.example.fr/chaponost/", "http://192.168.1.10:8765/chaponost/",
     "http://[::ffff:7f00:1]/x/"],
)
def test_plain_http_is_refused_off_loopback(url: str) -> None:
    with pytest.raises(InsecurePortalError) as caught:
        PortalClient(url)
    assert_french(caught.value)


@pytest.mark.parametrize(
    "url", ["ftp://portail.example.fr/", "https://user:pw@portail.example.fr/x/", "nonsense"]
)
def test_invalid_portal_address(url: str) -> None:
    with pytest.raises(ConfigError):
        PortalClient(url)


async def test_loopback_http_is_allowed_and_slug_is_known() -> None:
    async with PortalClient("http://127.0.0.1:8765/chaponost") as client:
        assert client.base_url == "http://127.0.0.1:8765/chaponost/"
        assert client.commune == "chaponost"
        assert not client.logged_in and client.account is None


async def test_list_communes_errors_are_typed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url == httpx.URL("https://portail.example.fr/communes")
        return httpx.Response(200, json=[{"slug": "chaponost"}])

    with pytest.raises(PortalProtocolError):
        await list_communes("https://portail.example.fr", transport=httpx.MockTransport(handler))
    with pytest.raises(InsecurePortalError):
        await list_communes("http://portail.example.fr")
