"""`PortalConnector`: what a face may ask of any family portal, whatever its dialect.

A town runs one of several portals (the project's own Famille API, Arpège « Espace
Citoyens », Noethysweb…). Each dialect is one connector behind this interface. A connector
says what it offers (`capabilities`); a face asks `connector.offers(Capability.X)` and shows
« non proposé par ce portail » for the rest, never a crash and never a key that does nothing.
A method of a capability the connector lacks raises `NotOffered`.

Every connector returns the `famille_tui.api` models (ids are integers: a connector whose
portal uses other identifiers keeps its own mapping), raises only the errors of
`famille_tui.client.errors`, treats everything the portal sends as hostile data, and turns a
page that is not what it expected into a `PortalProtocolError` whose French message names
what was missing. A dead session is `SessionExpired`, after which `account` is kept so that a
face asks the password again and calls `relogin(password)`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar

# The contract's models are only named here (annotations): importing them would build every
# pydantic model before the login screen's first frame, which needs none.
from famille_tui.api.invoice_filter import InvoiceFilter
from famille_tui.client.errors import NotOffered

if TYPE_CHECKING:
    from datetime import date

    import httpx

    from famille_tui.api import (
        Accepted,
        Account,
        ActivityList,
        ChangeResult,
        Contact,
        ContactCreate,
        ContactUpdate,
        Dashboard,
        Family,
        HelpContact,
        Invoice,
        InvoiceList,
        Message,
        OutboxMessage,
        PasswordPolicy,
        Payment,
        Profile,
        ProfileUpdate,
        Reply,
        ReservationChange,
        ReservationPeriod,
    )

__all__ = [
    "Capability",
    "Check",
    "LoginChallenge",
    "PaymentTerms",
    "PortalConnector",
    "RetypedValue",
]


class Capability(StrEnum):
    """What a portal may offer. Its value is stable (JSON of `doctor`, tests)."""

    ACTIVATION = "activation"  # first connection with the temporary password of an e-mail
    PASSWORD_RESET = "password_reset"
    PASSWORD_POLICY = "password_policy"
    FAMILY = "family"
    ENTOURAGE = "entourage"
    ENTOURAGE_EDIT = "entourage_edit"
    DASHBOARD = "dashboard"
    MESSAGE_READ = "message_read"  # marking a message read on the portal
    MESSAGE_REPLY = "message_reply"  # answering a message of « Échanges à lire »
    PROFILE = "profile"
    PROFILE_EDIT = "profile_edit"
    INVOICES = "invoices"
    INVOICE_PDF = "invoice_pdf"
    RECEIPTS = "receipts"  # the proof of what was paid (date, authorisation number, how)
    PAYMENT = "payment"
    HELP = "help"
    OUTBOX = "outbox"  # the demo portal's sent e-mails
    RESERVATIONS = "reservations"
    RESERVATIONS_EDIT = "reservations_edit"

    @property
    def label(self) -> str:
        """The French name of what is missing, for « … : non proposé par ce portail »."""
        return _LABELS[self]

    @property
    def not_offered(self) -> str:
        """« L'entourage : non proposé par ce portail. » (NotOffered's message): what every
        face says of a capability its portal lacks."""
        return _missing(self).message


_LABELS: dict[Capability, str] = {
    Capability.ACTIVATION: "La première connexion",
    Capability.PASSWORD_RESET: "La réinitialisation du mot de passe",
    Capability.PASSWORD_POLICY: "Les règles du mot de passe",
    Capability.FAMILY: "La composition de la famille",
    Capability.ENTOURAGE: "L'entourage",
    Capability.ENTOURAGE_EDIT: "La modification de l'entourage",
    Capability.DASHBOARD: "Le tableau de bord",
    Capability.MESSAGE_READ: "Le marquage des messages lus",
    Capability.MESSAGE_REPLY: "La réponse aux messages",
    Capability.PROFILE: "Les coordonnées",
    Capability.PROFILE_EDIT: "La modification des coordonnées",
    Capability.INVOICES: "Les factures",
    Capability.INVOICE_PDF: "Le PDF des factures",
    Capability.RECEIPTS: "Le justificatif de paiement",
    Capability.PAYMENT: "Le paiement en ligne",
    Capability.HELP: "Le contact de la structure",
    Capability.OUTBOX: "La boîte d'envoi de démonstration",
    Capability.RESERVATIONS: "Les réservations",
    Capability.RESERVATIONS_EDIT: "La modification des réservations",
}


@dataclass(frozen=True, slots=True)
class LoginChallenge:
    """A check the portal asks for at login besides the password (a captcha).

    `key` identifies this challenge to the portal and is given back with the answer;
    `image_png` is the picture to show; `audio_url` the spoken version, if the portal
    serves one (on the portal's own origin)."""

    key: str
    image_png: bytes | None = None
    audio_url: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentTerms:
    """How paying works on this portal, for the faces' summary and waiting screens."""

    #: At most this many invoices in one payment (None: no limit but the portal's own).
    #: A face paying more pays them one after another and says so before the first.
    max_invoices_per_payment: int | None = None
    #: True when the portal itself tells a payment's outcome (the Famille API's long
    #: poll); False when the connector learns it by reading the invoice list again.
    outcome_from_portal: bool = True
    #: Fields the State's payment page asks the parent to type again (their French
    #: labels), e.g. the invoice number and the e-mail; each payment's values are
    #: `connector.retyped_values(payment)`, shown with a key to copy each.
    retyped_on_payment_page: tuple[str, ...] = ()
    #: How long the connector watches a payment before calling it expired, when the portal
    #: does not say (None: the portal's `expires_at` is the truth).
    watch_seconds: int | None = None
    #: True when the portal sends the receipt to the address it holds for the family and
    #: takes none from the client (Noethysweb): the faces ask no e-mail, they say so.
    receipt_to_family_address: bool = False


@dataclass(frozen=True, slots=True)
class RetypedValue:
    """One value the parent types on the State's payment page: « Numéro de facture »,
    « 2026100042 »."""

    label: str
    value: str
    #: What it is, for a face's copy keys: « invoice_number », « email », or « other ».
    kind: str = "other"


@dataclass(frozen=True, slots=True)
class Check:
    """One line of `famille-tui doctor`: what was looked for, whether it was found, and a
    detail with nothing personal in it (counts, names of elements, never values)."""

    name: str
    found: bool
    detail: str = ""


def _missing(capability: Capability) -> NotOffered:
    # What the methods below raise when a connector does not override them.
    return NotOffered(capability=capability.value, what=capability.label)


class PortalConnector(ABC):
    """One portal, one dialect, one logged-in account at a time. Use it in one event loop.

        async with connector_for(url) as portal:
            await portal.login("martin", "demo-martin")
            if portal.offers(Capability.INVOICES):
                invoices = await portal.invoices()
    """

    #: The dialect's name, as in the config's `dialect = "…"` and `--dialect`.
    dialect: ClassVar[str]
    #: The portal's name for people, « Espace Citoyens », « Noethysweb »…
    dialect_label: ClassVar[str]

    def __init__(
        self,
        base_url: str,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Every connector is made from the portal's address; `transport` is for tests of
        faults that cannot be caused otherwise. Raises ConfigError / InsecurePortalError
        (https unless loopback) before any connection."""
        super().__init__()

    @property
    @abstractmethod
    def capabilities(self) -> frozenset[Capability]:
        """What this portal offers (may depend on what was read at login)."""

    def offers(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def require(self, capability: Capability) -> None:
        """Raise NotOffered unless this portal offers `capability`."""
        if capability not in self.capabilities:
            raise _missing(capability)

    @property
    def payment_terms(self) -> PaymentTerms:
        return PaymentTerms()

    def retyped_values(self, payment: Payment) -> tuple[RetypedValue, ...]:
        """What the parent must type on the payment page for this payment (in the order of
        `payment_terms.retyped_on_payment_page`); empty when the page asks nothing."""
        return ()

    # --- lifecycle and state -------------------------------------------------------------

    async def __aenter__(self) -> PortalConnector:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @abstractmethod
    async def aclose(self) -> None:
        """Close the connections and forget the session (call `logout()` first to end it)."""

    @property
    @abstractmethod
    def base_url(self) -> str:
        """The portal's normalised address (ends with « / »)."""

    @property
    @abstractmethod
    def commune(self) -> str:
        """A short name of the town or tenant, from the address (`le-chambon-feugerolles`)."""

    @property
    @abstractmethod
    def account(self) -> Account | None:
        """The account of the last login; kept after SessionExpired, cleared by logout."""

    @property
    @abstractmethod
    def logged_in(self) -> bool: ...

    # --- session -------------------------------------------------------------------------

    async def check_address(self) -> HelpContact | None:
        """Before any login: raise UnknownCommune when the portal answers but serves no
        commune at this address (a typo in the config or `--portal`), so that a face says so
        at once instead of after the credentials. May hand back the structure's contact it
        read to know (None otherwise). Anything else (the network…) is left to the login."""
        return None

    async def login_challenge(self) -> LoginChallenge | None:
        """The captcha the next login must answer, or None if this portal asks none.
        Each call may fetch a new one (« nouveau code »)."""
        return None

    async def challenge_audio(self, challenge: LoginChallenge) -> bytes:
        """The spoken version of `challenge` (a WAV file), for the screen-reader face.
        Raises NotOffered when the portal serves none."""
        raise NotOffered("Ce portail ne propose pas de version audio du code de sécurité.")

    @abstractmethod
    async def login(
        self, login: str, password: str, *, challenge_answer: str | None = None
    ) -> Account:
        """Open a session. `challenge_answer` answers the last `login_challenge()`."""

    async def relogin(self, password: str, *, challenge_answer: str | None = None) -> Account:
        """After SessionExpired: log in again as the same account."""
        from famille_tui.client.errors import SessionExpired

        if self.account is None:
            raise SessionExpired("Vous n'êtes pas connecté : saisissez votre identifiant.")
        return await self.login(self.account.login, password, challenge_answer=challenge_answer)

    @abstractmethod
    async def logout(self) -> None:
        """End the session on the portal. Never raises (on network loss it expires)."""

    async def activate(self, login: str, temporary_password: str, new_password: str) -> Accepted:
        raise _missing(Capability.ACTIVATION)

    async def request_password_reset(self, login: str) -> Accepted:
        raise _missing(Capability.PASSWORD_RESET)

    async def confirm_password_reset(self, login: str, code: str, new_password: str) -> Accepted:
        raise _missing(Capability.PASSWORD_RESET)

    async def password_policy(self) -> PasswordPolicy:
        raise _missing(Capability.PASSWORD_POLICY)

    # --- family space --------------------------------------------------------------------

    async def family(self) -> Family:
        raise _missing(Capability.FAMILY)

    async def entourage(self) -> list[Contact]:
        raise _missing(Capability.ENTOURAGE)

    async def add_contact(self, contact: ContactCreate) -> Contact:
        raise _missing(Capability.ENTOURAGE_EDIT)

    async def update_contact(self, contact_id: int, changes: ContactUpdate) -> Contact:
        raise _missing(Capability.ENTOURAGE_EDIT)

    async def remove_contact(self, contact_id: int) -> None:
        raise _missing(Capability.ENTOURAGE_EDIT)

    async def dashboard(self) -> Dashboard:
        raise _missing(Capability.DASHBOARD)

    async def mark_message_read(self, message_id: int) -> Message:
        raise _missing(Capability.MESSAGE_READ)

    async def reply_to_message(self, message_id: int, text: str) -> Reply:
        """Answer one of the family's messages (sent to the structure; at most
        `MAX_REPLY_CHARS` characters). A portal whose site has no such form says
        NotOffered: an answer is never faked as sent."""
        raise _missing(Capability.MESSAGE_REPLY)

    async def profile(self) -> Profile:
        raise _missing(Capability.PROFILE)

    async def update_profile(self, profile: ProfileUpdate) -> Profile:
        raise _missing(Capability.PROFILE_EDIT)

    async def help(self) -> HelpContact:
        raise _missing(Capability.HELP)

    async def outbox(self) -> list[OutboxMessage]:
        raise _missing(Capability.OUTBOX)

    # --- invoices and payments -----------------------------------------------------------

    async def invoices(self, status: InvoiceFilter = InvoiceFilter.ALL) -> InvoiceList:
        raise _missing(Capability.INVOICES)

    async def invoice(self, invoice_id: int) -> Invoice:
        raise _missing(Capability.INVOICES)

    async def invoice_pdf(self, invoice_id: int) -> bytes:
        raise _missing(Capability.INVOICE_PDF)

    async def create_payment(
        self, invoice_ids: Sequence[int], email: str, idempotency_key: str
    ) -> Payment:
        """Start paying these invoices; `payment_url` is where the parent pays (checked by
        the caller against the allowed hosts before anything opens it)."""
        raise _missing(Capability.PAYMENT)

    async def payment(self, payment_id: str, wait: int = 0) -> Payment:
        """The payment's state. With `wait` > 0, answers as soon as it leaves `pending` or
        after about `wait` seconds; a connector without a long poll reads the portal again
        at a pace of its own (never more than a few requests a minute)."""
        raise _missing(Capability.PAYMENT)

    # --- reservations --------------------------------------------------------------------

    async def activities(self) -> ActivityList:
        """Each child's activities, their booking rules and next deadlines."""
        raise _missing(Capability.RESERVATIONS)

    async def reservations(self, start: date | None = None, end: date | None = None,
                           child_id: int | None = None) -> ReservationPeriod:
        """The slots of [start, end] (both included; without dates, the portal's current
        week), of every child or one."""
        raise _missing(Capability.RESERVATIONS)

    async def change_reservations(self, changes: Sequence[ReservationChange], *,
                                  idempotency_key: str | None = None,
                                  dry_run: bool = False) -> ChangeResult:
        """Book, cancel, join a waiting list: judged line by line by the portal. With
        `dry_run`, judged and answered, nothing changed (the summary before « Valider »);
        otherwise give an `idempotency_key` (one per summary, reused on retries)."""
        raise _missing(Capability.RESERVATIONS_EDIT)

    # --- diagnosis -----------------------------------------------------------------------

    async def diagnose(self, login: str | None, password: str | None) -> list[Check]:
        """What `famille-tui doctor` prints: each thing this connector relies on, found or
        not, with nothing personal. This default logs in and reads each offered capability;
        a connector of scraped pages adds the pages and elements it reads."""
        return await diagnose_capabilities(self, login, password)


async def diagnose_capabilities(
    portal: PortalConnector, login: str | None, password: str | None
) -> list[Check]:
    """Log in, call each read the portal offers, say what answered (counts only), log out."""
    from famille_tui.client.errors import FamilleError

    checks: list[Check] = []
    if login is None or password is None:
        return checks
    try:
        await portal.login(login, password)
    except FamilleError as error:
        return [*checks, Check("connexion", False, error.message)]
    checks.append(Check("connexion", True, "session ouverte"))
    reads: list[tuple[Capability, str]] = [
        (Capability.FAMILY, "famille"), (Capability.ENTOURAGE, "entourage"),
        (Capability.DASHBOARD, "tableau de bord"), (Capability.PROFILE, "coordonnées"),
        (Capability.HELP, "contact de la structure"), (Capability.INVOICES, "factures"),
    ]
    first_invoice: int | None = None
    for capability, name in reads:
        if not portal.offers(capability):
            continue
        try:
            if capability is Capability.FAMILY:
                family = await portal.family()
                detail = f"{len(family.adults)} adulte(s), {len(family.children)} enfant(s)"
            elif capability is Capability.ENTOURAGE:
                detail = f"{len(await portal.entourage())} contact(s)"
            elif capability is Capability.DASHBOARD:
                board = await portal.dashboard()
                detail = f"{len(board.requests)} demande(s), {len(board.messages)} message(s)"
            elif capability is Capability.PROFILE:
                await portal.profile()
                detail = "lues"
            elif capability is Capability.HELP:
                await portal.help()
                detail = "lu"
            else:
                listed = await portal.invoices()
                detail = f"{len(listed.invoices)} facture(s)"
                if listed.invoices:
                    first_invoice = listed.invoices[0].id
            checks.append(Check(name, True, detail))
        except FamilleError as error:
            checks.append(Check(name, False, error.message))
    if first_invoice is not None and portal.offers(Capability.INVOICE_PDF):
        try:
            size = len(await portal.invoice_pdf(first_invoice))
            checks.append(Check("PDF d'une facture", True, f"{size // 1024 + 1} Kio"))
        except FamilleError as error:
            checks.append(Check("PDF d'une facture", False, error.message))
    await portal.logout()
    return checks
