"""One family, logged in on one portal: the session every face (TUI, plain, commands) is a
view over.

    policy = SessionPolicy.from_options(options)         # once per run
    session = FamilySession(portal, policy)              # the connector is made on first use
    challenge = await session.login_challenge()          # the dialect read first; a captcha?
    await session.login("martin", "demo-martin")          # (challenge_answer=… if one)
    await session.load_family_space()                    # the family and « Reste à payer »
    listing = await session.invoices()                   # through the one re-login path
    page = await session.start_payment(invoices, email, idempotency_key=key)
    if page.url: open_in_browser(page.url)               # else page.refusal says why, honestly
    session.follow_in_background(page.payment.id)        # or: await session.wait(page.payment.id)
    await session.close(hand_over=policy.hands_over_payments)

`SessionPolicy` is the only place « kiosk » and « demo » are read: whether passwords may be
remembered (the keyring, or none), where the payment journal lives (on disk, or in memory),
which payment pages may be opened, whether the session ends by handing payments over.

`FamilySession` owns the portal's connector (`connector_for(url, dialect=…)`, any
`PortalConnector`), the login, the family, the « Reste à payer », the payments it follows
(`FollowedPayment`, updated by every wait, in the foreground or in the background), and one
re-login path: `call(factory)` runs a portal call and, when the session expired, asks the
face (`reauthenticate`, once for all the calls that failed together) and tries again.
Every change is told through `subscribe(callback)` (a `SessionChange`): the TUI turns it into
its one reactive `session`; plain and commands need not listen.

Nothing here imports a face, httpx or Textual; the heavy modules (pydantic models, the
connector) are imported on first use, so that a face may import this module at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import logging
import shutil
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from famille_tui.client.config import (
    LaunchOptions,
    PortalProfile,
    is_loopback_host,
    normalize_portal_url,
)
from famille_tui.client.errors import FamilleError, NotFound, PaymentHostNotAllowed, SessionExpired

if TYPE_CHECKING:
    from datetime import date, datetime

    from famille_tui.api import (
        Account,
        ActivityList,
        ChangeResult,
        Family,
        FamilyDeadline,
        HelpContact,
        Invoice,
        InvoiceFilter,
        InvoiceList,
        Payment,
        Profile,
        ProfileUpdate,
        ReservationChange,
        ReservationPeriod,
    )
    from famille_tui.client.credentials import CredentialStore
    from famille_tui.client.payments import (
        JournalEntry,
        PaymentJournal,
        ResumedPayment,
        WaitEvent,
    )
    from famille_tui.client.portals.base import (
        Capability,
        LoginChallenge,
        PaymentTerms,
        PortalConnector,
        RetypedValue,
    )
    from famille_tui.client.rules import PaymentProof

__all__ = [
    "Change",
    "FamilySession",
    "FollowedPayment",
    "PaymentPage",
    "SessionChange",
    "SessionPolicy",
    "save_pdf",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds the portal has to answer the logout before the session is left to expire there.
LOGOUT_TIMEOUT_SECONDS = 3.0
#: How long the list of every invoice read with the family space counts as « just read »:
#: the first « Mes factures » opened within it is drawn from it instead of asking the portal
#: the same question again a moment later (issue 18). Past it, or once a payment started or
#: ended, the portal is asked.
JUST_READ_SECONDS = 30.0


# --- the policy --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """What this run may do, decided once from the launch options."""

    #: A shared machine at a front desk (`--kiosk`, or `kiosk = true`).
    kiosk: bool = False
    #: `famille-tui demo` (or `demo = true`): the embedded portal's stand-in pays.
    demo: bool = False
    idle_seconds: int = 120
    warning_seconds: int = 30
    staff_code_hash: str | None = None
    #: The graphical browser the staff allows at the desk (None: the desk opens none).
    kiosk_browser: str | None = None

    @classmethod
    def from_options(cls, options: LaunchOptions) -> SessionPolicy:
        settings = options.settings
        return cls(
            kiosk=options.kiosk or settings.kiosk,
            demo=options.demo or settings.demo,
            idle_seconds=settings.kiosk_idle_seconds,
            warning_seconds=settings.kiosk_warning_seconds,
            staff_code_hash=settings.kiosk_staff_code_hash,
            kiosk_browser=(settings.kiosk_browser or "").strip() or None,
        )

    # -- what a shared machine changes ---------------------------------------------------

    @property
    def remembers_passwords(self) -> bool:
        """Whether the OS keyring may be read and written (never on a shared machine)."""
        return not self.kiosk

    @property
    def journal_on_disk(self) -> bool:
        """Payments in progress kept in the user's state directory (else memory only:
        nothing of one parent stays on a shared machine)."""
        return not self.kiosk

    @property
    def hands_over_payments(self) -> bool:
        """A session ends by handing its pending payments over to the portal (the parent
        checks them from home), forgetting them here."""
        return self.kiosk

    @property
    def may_quit(self) -> bool:
        """Whether the person may leave the program (on a kiosk only the staff code does)."""
        return not self.kiosk

    @property
    def idle_logout(self) -> tuple[int, int] | None:
        """(idle seconds, warning seconds) after which a session is ended, or None."""
        return (self.idle_seconds, self.warning_seconds) if self.kiosk else None

    @property
    def keeps_history(self) -> bool:
        """Whether what was typed may be recalled later (readline history): not on a
        shared machine, where the next family would find it."""
        return not self.kiosk

    @property
    def pays_on_phone_first(self) -> bool:
        """The payment page as a QR code first (no card typed on a shared keyboard)."""
        return self.kiosk

    @property
    def opens_browser(self) -> bool:
        """Whether a payment page may be opened in a browser on this machine: on a desk
        only when its staff named one (`kiosk_browser`), closed at the end of the session;
        the parent pays on their own phone otherwise."""
        return not self.kiosk or self.kiosk_browser is not None

    @property
    def prefills_login(self) -> bool:
        """Whether a login may be offered as the default answer (`--login`): never to the
        next person at a desk."""
        return not self.kiosk

    @property
    def keeps_files(self) -> bool:
        """Whether a downloaded file (an invoice's PDF) stays in the user's downloads; on a
        desk it lives in a directory of the session, removed when the session ends."""
        return not self.kiosk

    @property
    def clears_terminal(self) -> bool:
        """A session ends with the terminal cleared, scrollback included (a desk: the next
        person must not scroll back to the previous family)."""
        return self.kiosk

    def start_refusal(self) -> str | None:
        """Why this run may not start (French), None when it may: a desk without a staff
        code could never be left."""
        if self.kiosk and not self.staff_code_hash:
            return (
                "Borne d'accueil : aucun code du personnel n'est configuré, la borne ne "
                "pourrait pas être quittée. Choisissez-en un d'abord avec « famille-tui "
                "kiosk-code », puis relancez « famille-tui --kiosk ». Voir docs/kiosk.md."
            )
        return None

    def credential_store(self, given: CredentialStore | None = None) -> CredentialStore | None:
        """The keyring to use: `given` (tests), else the OS's; None when nothing may be
        remembered."""
        if not self.remembers_passwords:
            return None
        if given is not None:
            return given
        from famille_tui.client.credentials import CredentialStore

        return CredentialStore()

    def journal(self) -> PaymentJournal:
        from famille_tui.client.payments import PaymentJournal

        return PaymentJournal.for_user(on_disk=self.journal_on_disk)

    # -- « demo » ------------------------------------------------------------------------

    def demo_portal(self, portal_url: str) -> bool:
        """Whether this portal is the embedded demonstration one: demo mode, or a portal
        reached over plain http on this machine (http is refused on any other host, so it
        can only be the embedded portal). The same answer in every face, whichever way the
        program was started (`famille-tui demo`, `famille-tui`, `--screen-reader`,
        `--kiosk`, `pay`)."""
        if self.demo:
            return True
        from urllib.parse import urlsplit

        parts = urlsplit(portal_url)
        return parts.scheme == "http" and is_loopback_host(parts.hostname or "")

    def shows_demo_outbox(self, portal_url: str) -> bool:
        """Whether the demo portal's outbox (every family's e-mails, reset codes included)
        may be offered: on the demo portal, never at a desk."""
        return self.demo_portal(portal_url) and not self.kiosk

    def check_payment_url(self, url: str, *, portal_url: str) -> str:
        """`url` if it may be opened, else PaymentHostNotAllowed (see `check_payment_url`)."""
        from famille_tui.client.payments import check_payment_url

        return check_payment_url(url, portal_url=portal_url, demo=self.demo_portal(portal_url))

    def payment_page(self, payment: Payment, *, portal_url: str) -> PaymentPage:
        """The verdict on a payment's page: its address and short link if allowed, else
        why not (a sentence true of a payment that exists)."""
        from famille_tui.client.payments import checked_short_url

        demo = self.demo_portal(portal_url)
        try:
            url = self.check_payment_url(payment.payment_url, portal_url=portal_url)
        except PaymentHostNotAllowed as error:
            return PaymentPage(payment, url=None, short_url=None,
                               refusal=_refused_page(error, payment))
        short = checked_short_url(payment, portal_url=portal_url, demo=demo)
        return PaymentPage(payment, url=url, short_url=short, refusal=None)


def _refused_page(error: PaymentHostNotAllowed, payment: Payment) -> str:
    """The refusal, then what is true of the payment the portal made for that page (issue
    19, bug 2: « aucun paiement n'a été fait » was not): it exists, nothing was taken, its
    invoices stay « Paiement en cours » until it expires (Paris time, as the portal says)."""
    from famille_tui.api.clock import hour_text
    from famille_tui.api.money import format_euros
    from famille_tui.client.display import clean_message

    reference = clean_message(payment.reference[:40]) or ""
    return (
        f"{error.message} Un paiement de {format_euros(payment.amount_cents)} a pourtant été "
        "préparé par le portail" + (f" (référence {reference})" if reference else "")
        + " : ses factures restent « Paiement en cours » jusqu'à son expiration, à "
        f"{hour_text(payment.expires_at)} ; vous pourrez les payer de nouveau ensuite (le "
        "portail dira s'il faut attendre quelques minutes de plus)."
    )


@dataclass(frozen=True, slots=True)
class PaymentPage:
    """A payment just made, with the verdict on the page where it is paid."""

    payment: Payment
    #: The page, when it may be opened (else None: see `refusal`).
    url: str | None
    #: The portal's short link to it, for a QR code, when allowed.
    short_url: str | None
    #: Why the page may not be opened (French), None when it may.
    refusal: str | None
    #: What the page asks the parent to type (Espace Citoyens: the invoice number and the
    #: e-mail), each shown with a key to copy it; empty when it asks nothing.
    retyped: tuple[RetypedValue, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.url is not None

    @property
    def qr_url(self) -> str | None:
        """What a QR code holds: the short link when there is one (a smaller code)."""
        return self.short_url or self.url


def save_pdf(directory: Path, number: str, content: bytes) -> Path:
    """Write the PDF atomically into `directory` as « facture-NUMBER.pdf » (the number's
    letters and digits only: a portal's number is no path)."""
    directory.mkdir(parents=True, exist_ok=True)
    safe = "".join(c for c in number if c.isalnum()) or "facture"
    path = directory / f"facture-{safe}.pdf"
    fd, tmp = tempfile.mkstemp(prefix=".facture-", suffix=".pdf", dir=directory)
    try:
        with open(fd, "wb") as file:
            file.write(content)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --- followed payments -------------------------------------------------------------------

StopReason = Literal["session", "unknown", "error"]


@dataclass
class FollowedPayment:
    """One payment the session follows, and what is known of it so far."""

    payment_id: str
    login: str
    invoice_ids: list[int]
    invoice_numbers: list[str]
    amount_cents: int
    #: When the payment began, on the session's monotonic clock (a payment found pending
    #: at a new start is as old as the portal says: « Temps écoulé » counts from its start).
    started: float
    payment: Payment | None = None
    #: The verdict on its page (None until the portal has been asked, after a resume).
    page: PaymentPage | None = None
    #: The last event of the wait (waiting, retrying, recovered, outcome).
    event: WaitEvent | None = None
    #: A problem that stopped the following (not the network: that one is retried).
    error: str | None = None
    stop_reason: StopReason | None = None
    #: Seconds from its start to its expiry (the portal's `expires_at - created_at`).
    lifetime: float | None = None

    def elapsed(self, now: float) -> float:
        """Seconds since the payment began (`now` on the session's clock)."""
        return max(0.0, now - self.started)

    def seconds_left(self, now: float) -> float | None:
        """Seconds before its page expires (0 once past), None when not known."""
        if self.lifetime is None:
            return None
        return max(0.0, self.lifetime - self.elapsed(now))

    @property
    def payment_url(self) -> str | None:
        return self.page.url if self.page is not None else None

    @property
    def short_url(self) -> str | None:
        return self.page.short_url if self.page is not None else None

    @property
    def qr_url(self) -> str | None:
        return self.page.qr_url if self.page is not None else None

    @property
    def refused(self) -> bool:
        """Its page was refused: it is followed to its expiry, never opened."""
        return self.page is not None and not self.page.allowed

    @property
    def final(self) -> bool:
        return self.payment is not None and self.payment.status.is_final

    @property
    def stopped(self) -> bool:
        """No longer followed: ended, or stopped by an error."""
        return self.final or self.error is not None

    @property
    def retrying(self) -> bool:
        return self.event is not None and self.event.kind == "retrying"


def _age_seconds(created_at: datetime) -> float:
    """How long ago the portal says a payment began (never negative: clocks differ)."""
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - created_at).total_seconds())


# --- the change signal -------------------------------------------------------------------


class Change(StrEnum):
    ACCOUNT = "account"  # logged in, again, or out
    FAMILY = "family"
    REMAINING = "remaining"  # « Reste à payer »
    INVOICES = "invoices"  # they may have changed on the portal: read them again
    PAYMENT = "payment"  # a followed payment changed (`payment`)
    OUTCOME = "outcome"  # a followed payment ended (`payment`): tell the parent
    STOPPED = "stopped"  # following a payment stopped on an error (`payment`)
    RESERVATIONS = "reservations"  # bookings changed, or the next deadline was read again
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class SessionChange:
    kind: Change
    payment: FollowedPayment | None = None


#: The face's way to log in again after SessionExpired: ask the password, call
#: `session.relogin(password)`, and say whether it worked.
Reauthenticate = Callable[["FamilySession"], Awaitable[bool]]


# --- the session -------------------------------------------------------------------------


class FamilySession:
    """One portal, one family at a time. Use it in one event loop."""

    def __init__(
        self,
        portal: PortalProfile,
        policy: SessionPolicy,
        *,
        connector_factory: Callable[[PortalProfile], PortalConnector] | None = None,
        reauthenticate: Reauthenticate | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Raises ConfigError / InsecurePortalError for a bad address, before any connection;
        the connector itself is made on first use (`connector`)."""
        self.portal = portal
        self.policy = policy
        self.base_url = normalize_portal_url(portal.url)
        self.reauthenticate = reauthenticate
        self._connector_factory = connector_factory
        self._connector: PortalConnector | None = None
        self._probe: asyncio.Future[str] | None = None
        self._journal: PaymentJournal | None = None
        self._clock = clock
        self._family: Family | None = None
        self._remaining: int | None = None
        self._in_family_space = False
        self._invoices_version = 0
        self._generation = 0
        self._reauth_lock: asyncio.Lock | None = None
        self._followed: dict[str, FollowedPayment] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._subscribers: list[Callable[[SessionChange], None]] = []
        self._closed = False
        #: What this session started on the machine (a desk's browser) and wrote (a desk's
        #: downloads): gone at `close`.
        self._browsers: list[subprocess.Popen[bytes]] = []
        self._files: Path | None = None
        self._next_deadline: FamilyDeadline | None = None
        self._structure_contact: HelpContact | None = None
        self._address_check: asyncio.Future[HelpContact | None] | None = None
        #: The account's coordinates were read and hold no e-mail (`receipt_email`).
        self.no_email_on_file = False
        self._portal_now: datetime | None = None
        self._reservations_version = 0
        #: Every invoice, read with the family space: (the list, the `invoices_version` it
        #: was read at, the session clock's time it stops counting as just read).
        self._just_read: tuple[InvoiceList, int, float] | None = None
        self._just_read_expiry: asyncio.TimerHandle | None = None

    # -- what it holds -------------------------------------------------------------------

    async def open(self) -> PortalConnector:
        """The portal's connector, its dialect first read from the portal's own page when
        neither the config nor `--dialect` names it (one GET; `probe_dialect`). Every face
        goes through here before logging in (`login_challenge`, `login`)."""
        if self._connector is None and self._connector_factory is None \
                and self.portal.dialect is None:
            from famille_tui.client.portals import probe_dialect

            # One reading of the page however many callers wait (the login screen's first
            # frame and an early « Se connecter »).
            if self._probe is None:
                self._probe = asyncio.ensure_future(probe_dialect(self.base_url))
            dialect = await asyncio.shield(self._probe)
            if self.portal.dialect is None:
                self.portal = self.portal.model_copy(update={"dialect": dialect})
        # The address checked once, before any login: an unknown commune is said at once
        # (UnknownCommune, again at every call), never after the credentials were typed.
        if self._address_check is None:
            self._address_check = asyncio.ensure_future(self.connector.check_address())
        contact = await asyncio.shield(self._address_check)
        if contact is not None and self._structure_contact is None:
            self._structure_contact = contact
        return self.connector

    @property
    def connector(self) -> PortalConnector:
        """The portal's connector (made on first use: its imports are paid then; `open`
        reads its dialect first)."""
        if self._connector is None:
            if self._connector_factory is not None:
                self._connector = self._connector_factory(self.portal)
            else:
                from famille_tui.client.portals import connector_for

                self._connector = connector_for(self.portal.url, dialect=self.portal.dialect)
        return self._connector

    @property
    def journal(self) -> PaymentJournal:
        if self._journal is None:
            self._journal = self.policy.journal()
        return self._journal

    @property
    def commune_name(self) -> str:
        return self.portal.name

    @property
    def account(self) -> Account | None:
        return self._connector.account if self._connector is not None else None

    @property
    def login_name(self) -> str:
        account = self.account
        return account.login if account is not None else ""

    @property
    def logged_in(self) -> bool:
        return self._connector is not None and self._connector.logged_in

    @property
    def in_family_space(self) -> bool:
        """Logged in, and `load_family_space` has run."""
        return self.logged_in and self._in_family_space

    @property
    def family(self) -> Family | None:
        return self._family

    @property
    def family_name(self) -> str:
        """« Famille Martin »: the family's, else the account's, else « »."""
        if self._family is not None:
            return self._family.name
        account = self.account
        return account.family_name if account is not None else ""

    @property
    def remaining_cents(self) -> int | None:
        """The family's total « Reste à payer »; None while unknown."""
        return self._remaining

    @property
    def invoices_version(self) -> int:
        """Grows each time the invoices may have changed on the portal (a payment started
        or ended): a view that shows them reads them again when it grows."""
        return self._invoices_version

    @property
    def closed(self) -> bool:
        return self._closed

    def offers(self, capability: Capability) -> bool:
        return self.connector.offers(capability)

    # -- the change signal ---------------------------------------------------------------

    def subscribe(self, callback: Callable[[SessionChange], None]) -> Callable[[], None]:
        """Call `callback` on every change (in the session's event loop); returns the
        function that stops it."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(callback)

        return unsubscribe

    def _emit(self, kind: Change, payment: FollowedPayment | None = None) -> None:
        change = SessionChange(kind, payment)
        for callback in list(self._subscribers):
            try:
                callback(change)
            except Exception:  # a closing view must not stop the session
                log.debug("session listener failed", exc_info=True)

    # -- logging in ----------------------------------------------------------------------

    async def login_challenge(self) -> LoginChallenge | None:
        """The captcha the next login (or re-login) must answer, None if the portal asks
        none; each call may fetch a new one (« nouveau code »)."""
        return await (await self.open()).login_challenge()

    async def challenge_audio(self, challenge: LoginChallenge) -> bytes:
        """The captcha's spoken version (WAV); NotOffered when the portal serves none."""
        return await (await self.open()).challenge_audio(challenge)

    async def login(
        self, login: str, password: str, *, challenge_answer: str | None = None
    ) -> Account:
        """Open the session (raises the connector's errors: InvalidCredentials,
        ChallengeFailed…). On a portal with a captcha, `login_challenge` comes first."""
        connector = await self.open()
        account = await connector.login(login, password, challenge_answer=challenge_answer)
        self._forget_just_read()
        self._generation += 1
        self._emit(Change.ACCOUNT)
        return account

    async def relogin(self, password: str, *, challenge_answer: str | None = None) -> Account:
        """After SessionExpired: the same account again."""
        account = await self.connector.relogin(password, challenge_answer=challenge_answer)
        self._generation += 1
        self._emit(Change.ACCOUNT)
        return account

    async def call(self, factory: Callable[[], Awaitable[T]]) -> T:
        """Run a portal call; when the session has expired, have the face log in again
        (once for every call that failed together) and try again. SessionExpired is
        raised when there is no way to log in again or the person gave up."""
        while True:
            generation = self._generation
            try:
                return await factory()
            except SessionExpired:
                if not await self._logged_in_again(generation):
                    raise

    async def _logged_in_again(self, generation: int) -> bool:
        if self.reauthenticate is None or self._closed:
            return False
        if self._reauth_lock is None:
            self._reauth_lock = asyncio.Lock()
        # The other calls wait here and find the new session when they get the lock.
        async with self._reauth_lock:
            if self._generation != generation and self.logged_in:
                return True
            ok = await self.reauthenticate(self)
            return bool(ok) and self.logged_in

    # -- the family space ----------------------------------------------------------------

    async def load_family_space(self) -> None:
        """After login: the family (when the portal offers it) and « Reste à payer » (left
        unknown if it cannot be read: the family space opens anyway), asked together.

        « Reste à payer » is read from the list of every invoice (its total is the same
        whatever the filter), kept a moment for the first « Mes factures »
        (`invoices(just_read=True)`): one list asked at login instead of two, one after
        the other, and none when the section opens."""
        from famille_tui.client.portals.base import Capability

        listing = asyncio.ensure_future(self._read_every_invoice())
        try:
            if self.offers(Capability.FAMILY):
                await self.refresh_family()
            await listing
        finally:
            if not listing.done():  # the family failed: its error is the one said
                listing.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await listing
        self._in_family_space = True
        self._emit(Change.ACCOUNT)

    async def _read_every_invoice(self) -> None:
        from famille_tui.api import InvoiceFilter
        from famille_tui.client.portals.base import Capability

        if not self.offers(Capability.INVOICES):
            return
        version = self._invoices_version
        try:
            listing = await self.call(lambda: self.connector.invoices(InvoiceFilter.ALL))
        except FamilleError:
            return
        self._set_remaining(listing.total_remaining_cents)
        if self._closed:
            return
        self._forget_just_read()
        self._just_read = (listing, version, self._clock() + JUST_READ_SECONDS)
        # Not kept past its use: a family that never opens « Mes factures » does not carry
        # thousands of invoices all session long.
        self._just_read_expiry = asyncio.get_running_loop().call_later(
            JUST_READ_SECONDS, self._forget_just_read)

    def _forget_just_read(self) -> None:
        self._just_read = None
        if self._just_read_expiry is not None:
            self._just_read_expiry.cancel()
            self._just_read_expiry = None

    def just_read_invoices(self) -> InvoiceList | None:
        """The list of every invoice read with the family space, if it is still the
        portal's as far as this session knows — read less than `JUST_READ_SECONDS` ago, no
        payment started or ended since —, marked as `invoices` marks it; given once (the
        next reader asks the portal). None otherwise: ask `invoices()`."""
        held, self._just_read = self._just_read, None
        self._forget_just_read()
        if held is None or self._closed:
            return None
        listing, version, until = held
        if version != self._invoices_version or self._clock() >= until:
            return None
        return self._marked(listing)

    async def refresh_family(self) -> Family:
        family = await self.call(self.connector.family)
        self._family = family
        self._emit(Change.FAMILY)
        return family

    async def update_profile(self, update: ProfileUpdate) -> Profile:
        """Save « Mes coordonnées », then read the family again: the account holder is one
        of its adults, whose phone and e-mail the family view shows (a refresh that fails
        leaves the saved profile saved; the family is read again on the next refresh)."""
        from famille_tui.client.portals.base import Capability

        profile = await self.call(lambda: self.connector.update_profile(update))
        if self.offers(Capability.FAMILY):
            with contextlib.suppress(FamilleError):
                await self.refresh_family()
        return profile

    def proof_of_payment(self, invoice: Invoice) -> PaymentProof:
        """What every face shows as this invoice's proof of payment (`rules.payment_proof`):
        its receipts when the portal keeps them, else why not."""
        from famille_tui.client.portals.base import Capability
        from famille_tui.client.rules import payment_proof

        return payment_proof(invoice, offered=self.offers(Capability.RECEIPTS))

    async def refresh_remaining(self) -> int | None:
        """Read « Reste à payer » again (None when the portal shows no invoices)."""
        from famille_tui.api import InvoiceFilter
        from famille_tui.client.portals.base import Capability

        if not self.offers(Capability.INVOICES):
            return None
        listing = await self.call(lambda: self.connector.invoices(InvoiceFilter.UNPAID))
        self._set_remaining(listing.total_remaining_cents)
        return self._remaining

    def _set_remaining(self, cents: int | None) -> None:
        if cents != self._remaining:
            self._remaining = cents
            self._emit(Change.REMAINING)

    async def invoices(self, status: InvoiceFilter | None = None) -> InvoiceList:
        """The family's invoices; one of a payment this session still follows is « en
        cours » even when the list was read a moment before the portal knew it (it must
        not be paid twice). « Reste à payer » is kept up to date from it."""
        from famille_tui.api import InvoiceFilter

        wanted = status or InvoiceFilter.ALL
        listing = await self.call(lambda: self.connector.invoices(wanted))
        self._set_remaining(listing.total_remaining_cents)
        return self._marked(listing)

    def _marked(self, listing: InvoiceList) -> InvoiceList:
        """The invoices of a payment this session follows « en cours » (see `invoices`)."""
        from famille_tui.api import InvoiceStatus

        following = self.in_progress_invoice_ids()
        if not any(i.id in following and i.status is InvoiceStatus.A_PAYER
                   for i in listing.invoices):
            return listing
        return listing.model_copy(update={"invoices": [
            i.model_copy(update={"status": InvoiceStatus.EN_COURS})
            if i.id in following and i.status is InvoiceStatus.A_PAYER else i
            for i in listing.invoices
        ]})

    async def receipt_email(self) -> str | None:
        """Where a payment's receipt goes: the account's e-mail, else the profile's; None
        when neither is known. `no_email_on_file` then tells whether the portal said the
        account has none (its coordinates read, without one) or could not say."""
        from famille_tui.client.portals.base import Capability

        account = self.account
        if account is not None and account.email:
            return account.email
        if not self.offers(Capability.PROFILE):
            return None
        profile = await self.call(self.connector.profile)
        self.no_email_on_file = not profile.email
        return profile.email or None

    async def structure_contact(self) -> HelpContact | None:
        """The structure's contact as the portal gives it (public, also before login), for
        what a face says to a parent with no e-mail on file; None where the portal gives
        none or cannot be reached (the face then names no address: it never makes one up)."""
        from famille_tui.client.errors import FamilleError
        from famille_tui.client.portals.base import Capability

        if not self.offers(Capability.HELP):
            return None
        if self._structure_contact is None:
            try:
                self._structure_contact = await self.connector.help()
            except FamilleError:
                return None
        return self._structure_contact

    # -- reservations --------------------------------------------------------------------

    @property
    def next_deadline(self) -> FamilyDeadline | None:
        """The family's next booking deadline, as last read (None: none, or not read)."""
        return self._next_deadline

    @property
    def portal_now(self) -> datetime | None:
        """The portal's clock at its last reservations answer: « today » for the faces."""
        return self._portal_now

    @property
    def reservations_version(self) -> int:
        """Grows each time bookings were changed through this session."""
        return self._reservations_version

    def _note_reservations(self, now: datetime | None,
                           deadline: FamilyDeadline | None) -> None:
        changed = deadline != self._next_deadline
        self._next_deadline = deadline
        if now is not None:
            self._portal_now = now
        if changed:
            self._emit(Change.RESERVATIONS)

    async def activities(self) -> ActivityList:
        listing = await self.call(self.connector.activities)
        self._note_reservations(listing.now, listing.next_deadline)
        return listing

    async def reservations(self, start: date | None = None, end: date | None = None,
                           child_id: int | None = None) -> ReservationPeriod:
        period = await self.call(lambda: self.connector.reservations(start, end, child_id))
        self._note_reservations(period.now, period.next_deadline)
        return period

    async def change_reservations(self, changes: Sequence[ReservationChange], *,
                                  idempotency_key: str | None = None,
                                  dry_run: bool = False) -> ChangeResult:
        """Send the changes (a dry run: the summary's judgement, nothing changed). A real
        batch needs its `idempotency_key` (`payments.new_idempotency_key()`, one per
        summary, the same on a retry)."""
        if not dry_run and not idempotency_key:
            raise ValueError("a batch of changes needs an idempotency key")
        result = await self.call(lambda: self.connector.change_reservations(
            changes, idempotency_key=idempotency_key, dry_run=dry_run))
        if not dry_run:
            self._reservations_version += 1
            self._emit(Change.RESERVATIONS)
        self._note_reservations(None, result.next_deadline)
        return result

    # -- payments ------------------------------------------------------------------------

    @property
    def payment_terms(self) -> PaymentTerms:
        """How paying works on this portal (one invoice at a time, values to retype…)."""
        return self.connector.payment_terms

    def payment_page(self, payment: Payment) -> PaymentPage:
        page = self.policy.payment_page(payment, portal_url=self.base_url)
        retyped = self.connector.retyped_values(payment)
        return dataclasses.replace(page, retyped=tuple(retyped)) if retyped else page

    async def start_payment(
        self, invoices: Sequence[Invoice], email: str, *, idempotency_key: str
    ) -> PaymentPage:
        """Create the payment (journaled before this returns), follow it, and judge its
        page. The payment is handed back even when its page is refused (`.refusal`): it
        exists on the portal and is followed to its end. Raises PaymentRejected,
        ValidationFailed… when nothing was created."""
        from famille_tui.client.payments import create_payment

        payment = await self.call(lambda: create_payment(
            self.connector, invoices, email, journal=self.journal,
            idempotency_key=idempotency_key,
        ))
        numbers = {i.id: i.number for i in invoices}
        followed = self.track(payment, invoice_numbers=[numbers.get(i, str(i))
                                                        for i in payment.invoice_ids])
        self._invoices_version += 1
        self._emit(Change.INVOICES)
        assert followed.page is not None
        return followed.page

    def track(self, payment: Payment, *, invoice_numbers: Sequence[str] | None = None
              ) -> FollowedPayment:
        """Follow a payment (just made, or found pending); the same record if followed."""
        followed = self._followed.get(payment.id)
        if followed is not None and not followed.stopped:
            followed.payment = payment
            followed.page = self.payment_page(payment)
            return followed
        followed = FollowedPayment(
            payment_id=payment.id,
            login=self.login_name,
            invoice_ids=list(payment.invoice_ids),
            invoice_numbers=list(invoice_numbers or [str(i) for i in payment.invoice_ids]),
            amount_cents=payment.amount_cents,
            started=self._clock() - _age_seconds(payment.created_at),
            payment=payment,
            page=self.payment_page(payment),
            lifetime=(payment.expires_at - payment.created_at).total_seconds(),
        )
        self._followed[payment.id] = followed
        self._emit(Change.PAYMENT, followed)
        return followed

    def track_entry(self, entry: JournalEntry) -> FollowedPayment:
        """Follow a journaled payment whose state could not be checked yet (network)."""
        followed = self._followed.get(entry.payment_id)
        if followed is not None and not followed.stopped:
            return followed
        followed = FollowedPayment(
            payment_id=entry.payment_id,
            login=entry.login,
            invoice_ids=list(entry.invoice_ids),
            invoice_numbers=list(entry.invoice_numbers),
            amount_cents=entry.amount_cents,
            started=self._clock() - _age_seconds(entry.created_at),
            lifetime=(entry.expires_at - entry.created_at).total_seconds(),
        )
        self._followed[entry.payment_id] = followed
        self._emit(Change.PAYMENT, followed)
        return followed

    def followed(self, payment_id: str) -> FollowedPayment | None:
        return self._followed.get(payment_id)

    def active_payments(self) -> list[FollowedPayment]:
        """Followed payments still awaited."""
        return [f for f in self._followed.values() if not f.stopped]

    def in_progress_invoice_ids(self) -> set[int]:
        return {i for f in self.active_payments() for i in f.invoice_ids}

    def following_invoice(self, invoice_id: int) -> FollowedPayment | None:
        """The followed payment, still awaited, of this invoice."""
        return next((f for f in self.active_payments() if invoice_id in f.invoice_ids), None)

    def pending_entries(self) -> list[JournalEntry]:
        """The journal's payments of this portal and account."""
        return self.journal.entries(portal_url=self.base_url, login=self.login_name or None)

    def pending_count(self) -> int:
        """Payments of this account still awaited (followed here, or in the journal)."""
        ids = {f.payment_id for f in self.active_payments()}
        if self.login_name:
            ids |= {e.payment_id for e in self.pending_entries()}
        return len(ids)

    async def wait(
        self,
        payment_id: str,
        *,
        on_event: Callable[[WaitEvent], object] | None = None,
        max_seconds: float | None = None,
    ) -> Payment:
        """Wait for a followed payment's outcome (`wait_for_payment`, through `call`),
        keeping its record up to date; the outcome ends it in the journal. Raises
        SessionExpired, NotFound and the like (the record says why it stopped)."""
        from famille_tui.client.payments import wait_for_payment

        followed = self._followed.get(payment_id)
        if followed is None:
            raise KeyError(payment_id)

        async def changed(event: WaitEvent) -> None:
            followed.event = event
            if event.payment is not None:
                followed.payment = event.payment
                followed.page = self.payment_page(event.payment)
            self._emit(Change.PAYMENT, followed)
            if on_event is not None:
                result = on_event(event)
                if inspect.isawaitable(result):
                    await result

        try:
            final = await self.call(lambda: wait_for_payment(
                self.connector, payment_id, on_event=changed, max_seconds=max_seconds,
                journal=self.journal,
            ))
        except SessionExpired:
            # The parent did not log in again: the journal keeps it for the next login.
            self._stop(followed, "session", "Session terminée : le paiement sera vérifié à "
                       "la prochaine connexion.")
            raise
        except NotFound:
            # Forgotten only if it is this account's: after a change of account the portal
            # rightly does not show someone else's payment.
            if followed.login == self.login_name:
                self.journal.remove(payment_id)
            self._stop(followed, "unknown",
                       "Le portail ne connaît plus ce paiement : vérifiez vos factures.")
            raise
        except FamilleError as error:
            self._stop(followed, "error", f"{error.message} Le paiement reste noté et sera "
                       "vérifié au prochain démarrage.")
            raise
        followed.payment = final
        if final.status.is_final:
            await self._ended(followed)
        return final

    def _stop(self, followed: FollowedPayment, reason: StopReason, error: str) -> None:
        followed.error = error
        followed.stop_reason = reason
        self._invoices_version += 1
        self._emit(Change.PAYMENT, followed)

    async def _ended(self, followed: FollowedPayment) -> None:
        self._invoices_version += 1
        self._emit(Change.PAYMENT, followed)
        self._emit(Change.OUTCOME, followed)
        self._emit(Change.INVOICES)
        with contextlib.suppress(FamilleError):
            await self.refresh_remaining()

    def follow_in_background(self, payment_id: str) -> None:
        """Wait for this followed payment in a task of the running loop, whatever the face
        does meanwhile; its outcome (or why the following stopped) is told as a change."""
        task = self._tasks.get(payment_id)
        if task is not None and not task.done():
            return
        followed = self._followed[payment_id]
        self._tasks[payment_id] = asyncio.get_running_loop().create_task(
            self._follow(followed), name=f"paiement {payment_id}"
        )

    async def _follow(self, followed: FollowedPayment) -> None:
        try:
            await self.wait(followed.payment_id)
        except FamilleError:
            self._emit(Change.STOPPED, followed)

    async def resume(self, *, follow: bool) -> list[ResumedPayment]:
        """Check the payments a previous run journaled for this account (right after
        login): the ended ones leave the journal (their `message` tells the outcome); the
        pending ones, and those that could not be checked, are followed (in the background
        when `follow`)."""
        from famille_tui.client.payments import resume_journal

        resumed = await self.call(lambda: resume_journal(self.connector, self.journal))
        for item in resumed:
            if item.pending and item.payment is not None:
                followed = self.track(item.payment, invoice_numbers=item.entry.invoice_numbers)
            elif item.payment is None and not isinstance(item.error, NotFound):
                followed = self.track_entry(item.entry)
            else:
                continue
            if follow:
                self.follow_in_background(followed.payment_id)
        if any(item.final for item in resumed):
            self._invoices_version += 1
            self._emit(Change.INVOICES)
            with contextlib.suppress(FamilleError):
                await self.refresh_remaining()
        return resumed

    # -- the end -------------------------------------------------------------------------

    # -- what the session leaves on the machine ----------------------------------------------

    def open_payment_page(self, url: str) -> bool:
        """Open an allowed payment page in a browser, as the policy says: the user's own
        browser (`open_in_browser`), or at a desk only the staff's `kiosk_browser`, closed
        at `close`. False when nothing was opened (the face shows the link and QR code).
        Blocking for up to a few seconds: call it in a thread from an event loop."""
        from famille_tui.client import browser

        if not self.policy.opens_browser:
            return False
        if self.policy.kiosk_browser is None:
            return browser.open_in_browser(url)
        process = browser.open_kiosk_browser(self.policy.kiosk_browser, url)
        if process is None:
            return False
        self._browsers.append(process)
        return True

    def save_pdf(self, number: str, content: bytes) -> Path:
        """Write an invoice's PDF as « facture-NUMBER.pdf » (atomically) into the user's
        downloads, or on a desk into a private directory of this session, removed at
        `close`. Raises OSError."""
        return save_pdf(self.download_dir(), number, content)

    def download_dir(self) -> Path:
        """Where `save_pdf` writes (see there)."""
        if self.policy.keeps_files:
            from famille_tui.client.config import download_dir

            return download_dir()
        if self._files is None:
            self._files = Path(tempfile.mkdtemp(prefix="famille-tui-session-"))
        return self._files

    def _leave_nothing(self) -> None:
        from famille_tui.client.browser import close_browser

        browsers, self._browsers = self._browsers, []
        for process in browsers:
            close_browser(process)
        files, self._files = self._files, None
        if files is not None:
            shutil.rmtree(files, ignore_errors=True)

    async def close(self, *, hand_over: bool = False,
                    logout_timeout: float = LOGOUT_TIMEOUT_SECONDS) -> int:
        """End the session: the waits stop, the session ends on the portal (waiting at most
        `logout_timeout`: it expires there on its own), the connections close, and the
        family, its total and its payments are forgotten. With `hand_over`, the pending
        payments are also dropped from the journal (they go on at the portal): their
        number is returned, for `rules.handed_over_sentence`."""
        if self._closed:
            return 0
        self._closed = True
        # Before the portal is asked anything: what the session left here goes even if
        # the logout hangs or the process is stopped meanwhile.
        if self._browsers or self._files is not None:
            await asyncio.to_thread(self._leave_nothing)
        handed_over = self.pending_count() if hand_over and self.logged_in else 0
        if hand_over:
            for followed in self.active_payments():
                self.journal.remove(followed.payment_id)
            if self.login_name:
                for entry in self.pending_entries():
                    self.journal.remove(entry.payment_id)
        if self._probe is not None and not self._probe.done():
            self._probe.cancel()
        if self._address_check is not None and not self._address_check.done():
            self._address_check.cancel()
        tasks = [t for t in self._tasks.values() if not t.done()]
        for task in tasks:
            task.cancel()
        current = asyncio.current_task()
        for task in tasks:
            if task is not current:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._tasks.clear()
        self._followed.clear()
        self._forget_just_read()
        self._family = None
        self._remaining = None
        self._in_family_space = False
        connector = self._connector
        if connector is not None:
            with contextlib.suppress(FamilleError, TimeoutError):
                if connector.logged_in:
                    await asyncio.wait_for(connector.logout(), timeout=logout_timeout)
            with contextlib.suppress(FamilleError):
                await connector.aclose()
        self._emit(Change.CLOSED)
        self._subscribers.clear()
        return handed_over

