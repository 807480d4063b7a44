"""Paying invoices: what every face (TUI, plain, commands) does, written once.

    key = new_idempotency_key()                 # once per summary: a double press reuses it
    payment = await start_payment(client, invoices, email, journal=journal,
                                  idempotency_key=key, demo=demo)
    open_in_browser(payment.payment_url)        # the face's job; the URL is already checked
    final = await wait_for_payment(client, payment.id, on_event=show, journal=journal)
    show(outcome_message(final))

and at start, after login:

    for resumed in await resume_journal(client, journal):
        if resumed.final: notify(resumed.message)
        else: await wait_for_payment(client, resumed.entry.payment_id, ..., journal=journal)

The journal (`PaymentJournal`) keeps every payment in progress in the user's state
directory, one small JSON file per payment, written atomically and readable only by the
user, with no token, no password and no e-mail in it. `PaymentJournal(None)` keeps it in
memory only (kiosk: nothing of one parent left on the shared machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import logging
import math
import os
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from famille_tui.api import Invoice, Payment, PaymentStatus
from famille_tui.api.money import format_euros
from famille_tui.client.config import is_loopback_host, normalize_portal_url, state_dir
from famille_tui.client.display import clean_message
from famille_tui.client.errors import (
    ApiError,
    ConfigError,
    FamilleError,
    NotFound,
    PaymentHostNotAllowed,
    PaymentRejected,
    SessionExpired,
    TransportError,
)
from famille_tui.client.rules import payment_refusal, too_many_for_one_payment

if TYPE_CHECKING:
    from famille_tui.client.portals.base import PortalConnector

__all__ = [
    "ALLOWED_PAYMENT_HOSTS",
    "POLL_WAIT_SECONDS",
    "JournalEntry",
    "PaymentJournal",
    "ResumedPayment",
    "WaitEvent",
    "check_payment_url",
    "checked_short_url",
    "create_payment",
    "default_journal_dir",
    "new_idempotency_key",
    "outcome_message",
    "resume_journal",
    "start_payment",
    "wait_for_payment",
]

log = logging.getLogger(__name__)

#: The DGFiP's payment sites (PayFiP, and TIPI's older address).
ALLOWED_PAYMENT_HOSTS = frozenset({"www.payfip.gouv.fr", "www.tipi.budget.gouv.fr"})
#: Seconds each long poll asks the portal to wait.
POLL_WAIT_SECONDS = 25
#: A still-pending answer that comes early (a portal that answers the long poll at once got
#: ≈ 20 requests a second) is followed by a pause: 5 s after the poll started the first
#: time, then twice as long each time in a row, up to 20 s — 5 polls in the first minute,
#: then 3 a minute at most, whatever the portal does. A poll that ran its course starts
#: the series again (a portal that stopped and came back is asked again soon).
FIRST_EARLY_PAUSE_SECONDS = 5.0
MIN_POLL_INTERVAL_SECONDS = 20.0
#: Longest pause between two tries while the portal cannot be reached.
BACKOFF_CAP_SECONDS = 30.0
MAX_PAYMENT_URL_LENGTH = 4096
#: Query parameters of a payment URL that carry the payer's e-mail (PayFiP's `mel`):
#: they are left out of the journal.
_EMAIL_PARAMETERS = frozenset({"mel", "email", "mail"})


# --- the payment page's address ----------------------------------------------------------


def _refuse(url: str, why: str) -> PaymentHostNotAllowed:
    # Not a warning: Python prints warnings on stderr when logging is not set up, and in
    # the screen-reader face stderr is what the person hears (--debug shows it).
    log.info("payment URL refused (%s)", why)
    host = ""
    with contextlib.suppress(ValueError):
        host = clean_message(urlsplit(url).hostname or "") or ""
    if host and len(host) <= 100:
        return PaymentHostNotAllowed(
            f"Le portail a proposé une page de paiement sur un site inconnu ({host}) : "
            "elle n'a pas été ouverte, par sécurité, et rien n'a été débité. "
            "Contactez la mairie si cela se reproduit."
        )
    return PaymentHostNotAllowed(
        "Le portail a proposé une adresse de paiement invalide : elle n'a pas été "
        "ouverte, par sécurité, et rien n'a été débité. Contactez la mairie si "
        "cela se reproduit."
    )


def _origin(scheme: str, host: str, port: int | None) -> tuple[str, str, int]:
    return scheme, host, port if port is not None else (443 if scheme == "https" else 80)


#: A PayFiP stand-in's origin that demo mode allows besides the demo portal's own one (tests
#: against another portal run `famille-tui payfip` and name it here). Loopback http only.
PAYFIP_ORIGIN_VARIABLE = "FAMILLE_TUI_PAYFIP_ORIGIN"


def demo_payfip_origins() -> set[tuple[str, str, int]]:
    """The PayFiP stand-ins allowed in demo mode: the one beside the demo portal (from
    `{data_dir}/demo-portal.json`) and `FAMILLE_TUI_PAYFIP_ORIGIN`; loopback http only."""
    from famille_tui.portal.launcher import demo_payfip_origin  # standard library only

    found = set()
    for origin in (demo_payfip_origin(), os.environ.get(PAYFIP_ORIGIN_VARIABLE, "")):
        try:
            parts = urlsplit((origin or "").strip())
            port = parts.port
        except ValueError:
            continue
        host = (parts.hostname or "").lower()
        if parts.scheme == "http" and is_loopback_host(host) and parts.path in ("", "/"):
            found.add(_origin("http", host, port))
    return found


def check_payment_url(url: str, *, portal_url: str, demo: bool) -> str:
    """The payment page's URL if it may be opened, else PaymentHostNotAllowed.

    Allowed: https on www.payfip.gouv.fr or www.tipi.budget.gouv.fr (default port), or
    on the portal's own origin; in demo mode also, over http on loopback, the portal's own
    origin and the PayFiP stand-in's (`demo_payfip_origins`). Refused: any other scheme
    (javascript:, file:, data:…), user:password@ tricks, other hosts or ports, control characters,
    backslashes and whitespace (which browsers "repair" into another address)."""
    if not isinstance(url, str) or not url or len(url) > MAX_PAYMENT_URL_LENGTH:
        raise _refuse("", "empty or too long")
    if any(ord(c) <= 0x20 or ord(c) == 0x7F or c == "\\" for c in url) or not url.isascii():
        raise _refuse("", "control character, space, backslash or non-ASCII")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _refuse("", "unparsable") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise _refuse(url, "userinfo")
    if scheme not in ("https", "http") or not host:
        raise _refuse(url, f"scheme {scheme!r}")

    try:
        portal = urlsplit(normalize_portal_url(portal_url))
    except ConfigError:
        raise _refuse(url, "portal URL invalid") from None
    portal_host = (portal.hostname or "").lower()
    same_origin = _origin(scheme, host, port) == _origin(
        portal.scheme.lower(), portal_host, portal.port
    )

    if scheme == "https":
        if host in ALLOWED_PAYMENT_HOSTS and port in (None, 443):
            return url
        if same_origin:
            return url
        raise _refuse(url, "host not allowed")
    # http: only the demo's own pages, in demo mode, on this machine.
    if demo and is_loopback_host(host) and (
        same_origin or _origin(scheme, host, port) in demo_payfip_origins()
    ):
        return url
    raise _refuse(url, "plain http")


def new_idempotency_key() -> str:
    """A fresh Idempotency-Key: make one per summary screen, reuse it on every retry."""
    return str(uuid.uuid4())


# --- the journal -------------------------------------------------------------------------


class JournalEntry(BaseModel):
    """A payment in progress, as the journal keeps it: no token, no password, no e-mail."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    payment_id: str = Field(min_length=1, max_length=200)
    portal_url: str
    login: str
    invoice_ids: list[int]
    invoice_numbers: list[str]
    amount_cents: int = Field(ge=0)
    #: The payment page without the payer's e-mail (a fresh one comes from the portal).
    payment_url: str
    created_at: datetime
    expires_at: datetime


def redact_payment_url(url: str) -> str:
    """The URL without the query parameters that carry the payer's e-mail."""
    try:
        parts = urlsplit(url)
        query = [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k.lower() not in _EMAIL_PARAMETERS and "@" not in v
        ]
        return urlunsplit(parts._replace(query=urlencode(query), fragment=""))
    except ValueError:
        return ""


def default_journal_dir() -> Path:
    """`{state_dir}/payments`."""
    return state_dir() / "payments"


class PaymentJournal:
    """Payments in progress, kept so that closing the program loses none.

    One file per payment, `{directory}/{hash of the id}.json`, 0600, written through a
    temporary file, fsync and os.replace (a crash leaves the old file or the new one,
    never half of one). A damaged file is skipped with a warning, never a crash.
    `directory=None`: memory only (kiosk). Failing disk writes are logged and the entry is
    kept in memory for this run (`record` then returns False)."""

    def __init__(self, directory: Path | None) -> None:
        self._directory = directory
        self._memory: dict[str, JournalEntry] = {}

    @classmethod
    def for_user(cls, *, on_disk: bool = True) -> PaymentJournal:
        """The journal of the user's state directory, or a memory-only one (the session's
        policy decides: `SessionPolicy.journal()`)."""
        return cls(default_journal_dir() if on_disk else None)

    @property
    def directory(self) -> Path | None:
        return self._directory

    def _path(self, payment_id: str) -> Path:
        assert self._directory is not None
        # Hashed: a payment id comes from the portal and must not choose a file name.
        digest = hashlib.sha256(payment_id.encode("utf-8")).hexdigest()[:32]
        return self._directory / f"{digest}.json"

    def record(self, entry: JournalEntry) -> bool:
        """Keep the entry (replacing one of the same payment). True when it is on disk
        (or the journal is memory-only by design)."""
        self._memory[entry.payment_id] = entry
        if self._directory is None:
            return True
        try:
            self._write(self._path(entry.payment_id), entry.model_dump_json(indent=2))
            return True
        except OSError as error:
            log.warning("payment journal not written: %s", error.strerror or error)
            return False

    def _write(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
        try:
            # mkstemp already creates the file 0600; chmod in case of an odd umask/FS.
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise
        # The rename itself must reach the disk too.
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def _read_disk(self) -> dict[str, JournalEntry]:
        found: dict[str, JournalEntry] = {}
        if self._directory is None:
            return found
        try:
            paths = sorted(self._directory.glob("*.json"))
        except OSError:
            return found
        for path in paths:
            if path.name.startswith("."):
                continue  # a temporary file left by a crash
            try:
                entry = JournalEntry.model_validate_json(path.read_bytes())
            except (OSError, ValidationError, ValueError) as error:
                log.warning("payment journal: %s ignored (%s)", path.name, type(error).__name__)
                continue
            found[entry.payment_id] = entry
        return found

    def entries(
        self, *, portal_url: str | None = None, login: str | None = None
    ) -> list[JournalEntry]:
        """The payments in progress, oldest first; optionally those of one portal/login."""
        merged = self._read_disk()
        merged.update(self._memory)
        wanted_portal = _normalized(portal_url) if portal_url is not None else None
        result = [
            e
            for e in merged.values()
            if (wanted_portal is None or _normalized(e.portal_url) == wanted_portal)
            and (login is None or e.login == login)
        ]
        return sorted(result, key=lambda e: e.created_at)

    def get(self, payment_id: str) -> JournalEntry | None:
        if payment_id in self._memory:
            return self._memory[payment_id]
        if self._directory is None:
            return None
        path = self._path(payment_id)
        try:
            entry = JournalEntry.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValidationError, ValueError) as error:
            log.warning("payment journal: %s ignored (%s)", path.name, type(error).__name__)
            return None
        return entry if entry.payment_id == payment_id else None

    def remove(self, payment_id: str) -> None:
        """Forget a payment (it ended). Removing an unknown one is fine."""
        self._memory.pop(payment_id, None)
        if self._directory is None:
            return
        try:
            self._path(payment_id).unlink(missing_ok=True)
        except OSError as error:
            log.warning("payment journal: entry not removed (%s)", error.strerror or error)


def _normalized(url: str) -> str:
    try:
        return normalize_portal_url(url)
    except ConfigError:
        return url


# --- starting a payment ------------------------------------------------------------------


def _check_payable(invoices: Sequence[Invoice]) -> None:
    if not invoices:
        raise PaymentRejected("Choisissez au moins une facture à payer.")
    for invoice in invoices:
        refusal = payment_refusal(invoice)
        if refusal is not None:
            raise PaymentRejected(refusal)


async def create_payment(
    client: PortalConnector,
    invoices: Sequence[Invoice],
    email: str,
    *,
    journal: PaymentJournal,
    idempotency_key: str,
) -> Payment:
    """Create the payment of these invoices and journal it; its page's address is NOT
    checked here (the caller judges it: `check_payment_url`, `SessionPolicy.payment_page`).

    The same `idempotency_key` always gives the same payment (a double key press, a retry
    after a timeout). The journal is written BEFORE this returns, so that the payment is
    followed to its end whatever is then decided of its page. Raises the client's errors
    (PaymentRejected, ValidationFailed…) before anything is created."""
    _check_payable(invoices)
    most = client.payment_terms.max_invoices_per_payment
    if most is not None and len(invoices) > most:
        raise PaymentRejected(too_many_for_one_payment(most))
    payment = await client.create_payment([i.id for i in invoices], email, idempotency_key)
    numbers = {i.id: i.number for i in invoices}
    entry = JournalEntry(
        payment_id=payment.id,
        portal_url=client.base_url,
        login=client.account.login if client.account else "",
        invoice_ids=list(payment.invoice_ids),
        invoice_numbers=[numbers.get(i, str(i)) for i in payment.invoice_ids],
        amount_cents=payment.amount_cents,
        payment_url=redact_payment_url(payment.payment_url),
        created_at=payment.created_at,
        expires_at=payment.expires_at,
    )
    journal.record(entry)
    return payment


async def start_payment(
    client: PortalConnector,
    invoices: Sequence[Invoice],
    email: str,
    *,
    journal: PaymentJournal,
    idempotency_key: str,
    demo: bool,
) -> Payment:
    """`create_payment`, then check its page's address: PaymentHostNotAllowed is raised
    AFTER the payment was created and journaled (so that it is still followed to its end).
    `FamilySession.start_payment` hands back the payment and the verdict instead."""
    payment = await create_payment(
        client, invoices, email, journal=journal, idempotency_key=idempotency_key
    )
    check_payment_url(payment.payment_url, portal_url=client.base_url, demo=demo)
    return payment


# --- waiting for the outcome -------------------------------------------------------------


@dataclass(frozen=True)
class WaitEvent:
    """What `wait_for_payment` reports to the face while it waits.

    kind: "waiting" (a long poll begins; `payment` is the last known state, if any),
    "retrying" (the portal could not be reached: try number `attempt` in `delay` s,
    `error` says why), "recovered" (the portal answers again), "outcome" (final)."""

    kind: Literal["waiting", "retrying", "recovered", "outcome"]
    attempt: int = 0
    delay: float = 0.0
    error: FamilleError | None = None
    payment: Payment | None = None
    #: Seconds since wait_for_payment began.
    elapsed: float = 0.0

    @property
    def message(self) -> str:
        """One French line for the screen (or the screen reader)."""
        if self.kind == "waiting":
            return "En attente du paiement… Terminez le paiement dans le navigateur."
        if self.kind == "retrying":
            why = self.error.message if self.error else "Le portail ne répond pas."
            return (
                f"{why} Nouvel essai dans {round(self.delay)} s (essai {self.attempt}). "
                "Le paiement reste suivi."
            )
        if self.kind == "recovered":
            return "Connexion au portail rétablie. En attente du paiement…"
        return outcome_message(self.payment) if self.payment else ""


EventHandler = Callable[[WaitEvent], object]


async def _emit(on_event: EventHandler | None, event: WaitEvent) -> None:
    if on_event is None:
        return
    result = on_event(event)
    if inspect.isawaitable(result):
        await result


def _retryable(error: FamilleError) -> bool:
    """Worth trying again later: the network, an overloaded or restarting portal."""
    if isinstance(error, TransportError):
        return True
    return isinstance(error, ApiError) and (error.status >= 500 or error.status == 429)


async def wait_for_payment(
    client: PortalConnector,
    payment_id: str,
    *,
    on_event: EventHandler | None = None,
    max_seconds: float | None = None,
    journal: PaymentJournal | None = None,
    poll_wait: int = POLL_WAIT_SECONDS,
    backoff_base: float = 1.0,
    backoff_cap: float = BACKOFF_CAP_SECONDS,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Payment:
    """Long-poll the payment until it is final, or until `max_seconds` have passed (then
    the last known, still pending, state is returned).

    Network failures (and 5xx/429 answers) never end the wait: it tries again after
    1, 2, 4… seconds (at most `backoff_cap`), reporting each try through `on_event`. A
    still-pending answer that comes early is followed by a pause (5, 10, then 20 s between
    the starts of two polls, see FIRST_EARLY_PAUSE_SECONDS), whatever the portal does.
    SessionExpired and NotFound are raised to the caller (the face asks the password
    again and calls this again). When `journal` is given, a final payment is removed from
    it. `on_event` may be a plain function or a coroutine function."""
    start = time.monotonic()
    deadline = None if max_seconds is None else start + max(0.0, max_seconds)
    last: Payment | None = None
    failures = 0
    early = 0  # still-pending answers in a row that came before the floor
    last_error: FamilleError | None = None

    def remaining() -> float | None:
        return None if deadline is None else deadline - time.monotonic()

    await _emit(on_event, WaitEvent("waiting", elapsed=0.0))
    while True:
        left = remaining()
        # Round up: a sub-second remainder must not turn into a busy loop of wait=0 polls.
        wait = poll_wait if left is None else max(0, min(poll_wait, math.ceil(left)))
        poll_started = time.monotonic()
        try:
            payment = await client.payment(payment_id, wait=wait)
        except FamilleError as error:
            if not _retryable(error):
                raise
            failures += 1
            last_error = error
            delay = min(backoff_cap, backoff_base * 2 ** (failures - 1))
            retry_after = getattr(error, "retry_after_seconds", None)
            if isinstance(retry_after, int) and retry_after > 0:
                delay = min(backoff_cap, max(delay, float(retry_after)))
            left = remaining()
            if left is not None and left <= 0:
                break
            if left is not None:
                delay = min(delay, left)
            await _emit(
                on_event,
                WaitEvent(
                    "retrying",
                    attempt=failures,
                    delay=delay,
                    error=error,
                    payment=last,
                    elapsed=time.monotonic() - start,
                ),
            )
            await sleep(delay)
            continue
        if failures:
            failures = 0
            await _emit(
                on_event,
                WaitEvent("recovered", payment=payment, elapsed=time.monotonic() - start),
            )
        last = payment
        if payment.status.is_final:
            if journal is not None:
                journal.remove(payment.id)
            await _emit(
                on_event,
                WaitEvent("outcome", payment=payment, elapsed=time.monotonic() - start),
            )
            return payment
        left = remaining()
        if left is not None and left <= 0:
            break
        await _emit(
            on_event, WaitEvent("waiting", payment=payment, elapsed=time.monotonic() - start)
        )
        # The floor between two polls, here on the client: whatever the portal does.
        took = time.monotonic() - poll_started
        if took >= MIN_POLL_INTERVAL_SECONDS:
            early, pause = 0, 0.0
        else:
            floor = min(MIN_POLL_INTERVAL_SECONDS, FIRST_EARLY_PAUSE_SECONDS * 2**early)
            early += 1
            pause = floor - took
        left = remaining()
        if left is not None and left <= pause:
            if left > 0:
                await sleep(left)
            break
        if pause > 0:
            await sleep(pause)
    if last is not None:
        return last
    assert last_error is not None
    raise last_error


# --- what happened, in words -------------------------------------------------------------


def outcome_message(payment: Payment) -> str:
    """What happened to the payment and what the parent can do next, in French."""
    amount = format_euros(payment.amount_cents)
    count = len(payment.invoice_ids)
    invoices = "la facture" if count == 1 else f"les {count} factures"
    status = payment.status
    if status is PaymentStatus.PAID:
        auth = (
            f" (autorisation n° {clean_message(payment.authorization_number)})"
            if payment.authorization_number
            else ""
        )
        return (
            f"Réglée : le paiement de {amount} est accepté{auth}. "
            f"{invoices.capitalize()} {'est réglée' if count == 1 else 'sont réglées'}. "
            "Un justificatif vous a été envoyé par e-mail ; vous n'avez rien d'autre à faire."
        )
    if status is PaymentStatus.REFUSED:
        return (
            f"Paiement refusé par la banque : les {amount} n'ont pas été débités. "
            f"Vous pouvez réessayer avec une autre carte, ou payer {invoices} "
            "auprès de la structure."
        )
    if status is PaymentStatus.CANCELLED:
        return (
            f"Paiement abandonné : rien n'a été débité. {invoices.capitalize()} "
            f"{'reste' if count == 1 else 'restent'} à payer ; "
            "vous pouvez relancer le paiement quand vous voulez."
        )
    if status is PaymentStatus.EXPIRED:
        return (
            "Délai dépassé : la page de paiement a expiré avant la fin du paiement, "
            f"rien n'a été débité. {invoices.capitalize()} "
            f"{'reste' if count == 1 else 'restent'} à payer ; relancez le paiement "
            "pour obtenir une nouvelle page."
        )
    return (
        f"En attente du paiement de {amount}… Terminez-le dans le navigateur (ou avec "
        "le QR code sur votre téléphone) ; le résultat s'affichera ici."
    )


# --- at start: the payments left in the journal ------------------------------------------


@dataclass(frozen=True)
class ResumedPayment:
    """One journaled payment, checked at start."""

    entry: JournalEntry
    #: The portal's current state; None when it could not be checked (see `error`).
    payment: Payment | None = None
    error: FamilleError | None = None

    @property
    def final(self) -> bool:
        """Ended (and removed from the journal): only `message` is left to show."""
        return self.payment is not None and self.payment.status.is_final

    @property
    def pending(self) -> bool:
        """Still waiting for the parent: hand it to wait_for_payment."""
        return self.payment is not None and not self.payment.status.is_final

    @property
    def message(self) -> str:
        numbers = ", ".join(self.entry.invoice_numbers)
        label = "Facture" if len(self.entry.invoice_numbers) == 1 else "Factures"
        if self.payment is not None:
            return f"{label} {numbers} : {outcome_message(self.payment)}"
        if isinstance(self.error, NotFound):
            return (
                f"{label} {numbers} : le portail ne connaît plus ce paiement. "
                "Vérifiez l'état de vos factures dans « Mes factures »."
            )
        why = self.error.message if self.error else ""
        return (
            f"{label} {numbers} : un paiement commencé n'a pas pu être vérifié. {why} "
            "Il sera vérifié à nouveau au prochain démarrage."
        )


async def resume_journal(client: PortalConnector, journal: PaymentJournal) -> list[ResumedPayment]:
    """Check every journaled payment of this client's portal and account (call it right
    after login). A final one is removed from the journal and reported with its outcome;
    a pending one is handed back (`.pending`) for `wait_for_payment`; one the portal no
    longer knows is removed; one that cannot be checked (network) stays for next time.
    SessionExpired is raised to the caller."""
    login = client.account.login if client.account else None
    results: list[ResumedPayment] = []
    for entry in journal.entries(portal_url=client.base_url, login=login):
        try:
            payment = await client.payment(entry.payment_id)
        except NotFound as error:
            journal.remove(entry.payment_id)
            results.append(ResumedPayment(entry, error=error))
            continue
        except SessionExpired:
            raise
        except FamilleError as error:
            results.append(ResumedPayment(entry, error=error))
            continue
        if payment.status.is_final:
            journal.remove(entry.payment_id)
        results.append(ResumedPayment(entry, payment=payment))
    return results


def checked_short_url(payment: Payment, *, portal_url: str, demo: bool) -> str | None:
    """The payment's short link (for a QR code), if the portal gave one on an allowed host."""
    if not payment.short_url:
        return None
    try:
        return check_payment_url(payment.short_url, portal_url=portal_url, demo=demo)
    except PaymentHostNotAllowed:
        return None
