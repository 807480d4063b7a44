"""The truths of the domain, written once and shown by every face (TUI, plain, commands).

Pure functions and small value objects over the `famille_tui.api` models: no I/O, no clock
of their own (« today » and the monotonic clock are given), so that each is table-tested
(tests/client/test_rules.py). A face only chooses the words around them.

- `child_age(birth, today) -> ChildAge`: years, months, weeks, or unborn, and `.words`
  (« 18 mois », « 2 semaines », « 3 ans et 2 mois », « à naître ») — a crèche counts months;
- `invoice_state(invoice, today) -> InvoiceState`: paid, pending, overdue, payable, and why
  not (`refusal`, `offline_reason`); `payment_refusal(invoice)` is the one sentence both the
  faces and `start_payment` give;
- `StaffGate`: the kiosk's staff code with a growing pause after wrong codes;
- `browser_commands(url, ...)`: how a payment page is opened (the TUI's careful rules: the
  `BROWSER` variable as Python reads it, never a text browser in the program's terminal).
- `handed_over_sentence(count)`: what a kiosk says of payments still pending at the end.
- `payment_proof(invoice, offered=)`: an invoice's receipts (`RECEIPT_METHODS` their words),
  or why there are none to show.
- `per_payment_limit_sentence(most)`, `too_many_for_one_payment(most)`: what a face says,
  before the first payment, on a portal that pays few invoices at once (Espace Citoyens:
  one), and when more are chosen;
- `retyped_sentence(values)`: the values the State's page will ask the parent to type.
- `payment_batches(invoices, limit)` and `batches_sentence(limit, count)`: a portal paying
  at most `limit` invoices per payment pays several one batch after another, and every face
  says so, in these words, before the first.
"""

from __future__ import annotations

import math
import os
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from famille_tui.api import HelpContact, Invoice, Receipt
    from famille_tui.client.portals.base import RetypedValue

__all__ = [
    "CONSOLE_BROWSERS",
    "FIRST_PAUSE_SECONDS",
    "FREE_TRIES",
    "NO_EMAIL_FOR_RECEIPT",
    "ChildAge",
    "InvoiceState",
    "PaymentProof",
    "StaffGate",
    "after_colon",
    "batches_sentence",
    "browser_commands",
    "child_age",
    "handed_over_sentence",
    "invoice_state",
    "no_email_way_out",
    "payment_batches",
    "payment_proof",
    "payment_refusal",
    "per_payment_limit_sentence",
    "receipt_words",
    "reset_code_sentence",
    "retyped_sentence",
    "too_many_for_one_payment",
]


# --- a child's age -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChildAge:
    """A child's age as a crèche counts it."""

    #: Not born yet (a birth date in the future: portals list expected children).
    unborn: bool
    #: Whole months since birth (0 for a baby of a few weeks, and when unborn).
    months: int
    #: Whole weeks since birth, meaningful under one month.
    weeks: int

    @property
    def years(self) -> int:
        return self.months // 12

    @property
    def words(self) -> str:
        """« à naître », « moins d'une semaine », « 2 semaines », « 18 mois », « 3 ans et
        2 mois » (under 6, crèche and nursery count months too), « 7 ans »."""
        if self.unborn:
            return "à naître"
        if self.months < 1:
            if self.weeks < 1:
                return "moins d'une semaine"
            return f"{self.weeks} semaine" + ("s" if self.weeks > 1 else "")
        if self.months < 24:
            return f"{self.months} mois"
        years, rest = divmod(self.months, 12)
        if years < 6 and rest:
            return f"{years} ans et {rest} mois"
        return f"{years} ans"


def child_age(birth: date, today: date) -> ChildAge:
    """The age on `today` of a child born on `birth`."""
    months = (today.year - birth.year) * 12 + today.month - birth.month
    if today.day < birth.day:
        months -= 1
    if birth > today:
        return ChildAge(unborn=True, months=0, weeks=0)
    return ChildAge(unborn=False, months=max(months, 0), weeks=(today - birth).days // 7)


# --- an invoice's state ------------------------------------------------------------------

#: When the portal gives no reason for an invoice that cannot be paid online.
NO_OFFLINE_REASON = "Cette facture ne peut pas être payée en ligne : contactez la structure."


@dataclass(frozen=True, slots=True)
class InvoiceState:
    """What can be said of an invoice, whatever the face."""

    #: « Réglée »: nothing left to pay.
    paid: bool
    #: « Paiement en cours »: a payment was started and has no outcome yet.
    pending: bool
    #: Unpaid, no payment in progress, past its due date (« en retard »).
    overdue: bool
    #: Can be paid online now (ticked, « Payer »).
    payable: bool
    #: Unpaid but not payable online at all (« Non payable en ligne »), a direct debit aside.
    offline: bool
    #: Why it cannot be paid online now (a French sentence), None when it can.
    refusal: str | None
    #: Why it is not payable online (the portal's words, else a default), when `offline`.
    offline_reason: str | None
    #: The day the town's direct debit takes what is left: nothing for the family to do
    #: (neither « en retard » nor « Non payable en ligne », and not in « Reste à payer »).
    direct_debit_on: date | None = None


def _clean(text: str | None) -> str:
    from famille_tui.client.display import clean_message

    return clean_message(text) or ""


def payment_refusal(invoice: Invoice) -> str | None:
    """Why this invoice cannot be paid online now, or None when it can."""
    from famille_tui.api import InvoiceStatus

    if invoice.status is InvoiceStatus.REGLEE or invoice.remaining_cents <= 0:
        return f"La facture {invoice.number} est déjà réglée."
    if invoice.status is InvoiceStatus.EN_COURS:
        return (
            f"Un paiement est déjà en cours pour la facture {invoice.number} : "
            "attendez son issue avant de la payer à nouveau."
        )
    if invoice.direct_debit_on is not None:
        return (f"La facture {invoice.number} sera réglée par prélèvement automatique le "
                f"{invoice.direct_debit_on.strftime('%d/%m/%Y')} : rien à faire.")
    if not invoice.payable_online:
        why = _clean(invoice.not_payable_reason) or NO_OFFLINE_REASON
        return f"Facture {invoice.number} : {after_colon(why)}"
    return None


def left_pending_sentence(amounts_cents: Sequence[int], expires_at: datetime | None) -> str:
    """Said on quitting with payments still awaited: where they stand, how their outcome
    will be told (the journal keeps them for the next start on this account)."""
    from famille_tui.api.clock import hour_text
    from famille_tui.api.money import format_euros

    several = len(amounts_cents) > 1
    total = format_euros(sum(amounts_cents))
    what = (f"{len(amounts_cents)} paiements ({total}) sont toujours en attente"
            if several else f"Le paiement de {total} est toujours en attente")
    until = ""
    if expires_at is not None:
        until = (f" (la première page expire à {hour_text(expires_at)})" if several
                 else f" (sa page est valable jusqu'à {hour_text(expires_at)})")
    return (f"{what} : terminez-{'les' if several else 'le'} dans le navigateur{until}. "
            f"{'Ils sont notés' if several else 'Il est noté'} sur cette machine : le résultat "
            "sera affiché au prochain lancement de famille-tui sur ce compte, et "
            "« famille-tui payments » le donne dès maintenant.")


def after_colon(sentence: str) -> str:
    """A sentence put after « : » starts in lower case, as French writes it (« Facture 12 :
    le reste à payer… »), unless its first word is a name or an acronym (« PayFiP »)."""
    first = sentence.split(" ", 1)[0]
    if first[:1].isupper() and (len(first) == 1 or first[1:].islower()):
        return sentence[0].lower() + sentence[1:]
    return sentence


def invoice_state(invoice: Invoice, today: date) -> InvoiceState:
    from famille_tui.api import InvoiceStatus

    paid = invoice.status is InvoiceStatus.REGLEE or invoice.remaining_cents <= 0
    pending = not paid and invoice.status is InvoiceStatus.EN_COURS
    debit = invoice.direct_debit_on if not paid and not pending else None
    offline = not paid and not pending and not debit and not invoice.payable_online
    refusal = payment_refusal(invoice)
    return InvoiceState(
        paid=paid,
        pending=pending,
        overdue=not paid and not pending and not debit and invoice.overdue_on(today),
        payable=refusal is None,
        offline=offline,
        refusal=refusal,
        offline_reason=(_clean(invoice.not_payable_reason) or NO_OFFLINE_REASON)
        if offline else None,
        direct_debit_on=debit,
    )


# --- the proof of a payment ----------------------------------------------------------------

#: How an amount was received, in the words every face uses.
RECEIPT_METHODS: dict[str, str] = {
    "card": "carte bancaire, en ligne (PayFiP)",
    "direct_debit": "prélèvement automatique",
    "counter": "à l'accueil de la structure",
}


def receipt_words(receipt: Receipt) -> str:
    """« 12/09/2026 à 20 h 14 · 198,50 € · carte bancaire, en ligne (PayFiP) ·
    autorisation n° 482913 »: one receipt on one line (the TUI, the commands), its time in
    Paris time like the confirmation e-mail's."""
    from famille_tui.api.clock import when_text
    from famille_tui.api.money import format_euros

    parts = [when_text(receipt.paid_at), format_euros(receipt.amount_cents),
             RECEIPT_METHODS.get(receipt.method.value, receipt.method.value)]
    if receipt.authorization_number:
        parts.append(f"autorisation n° {_clean(receipt.authorization_number)}")
    return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class PaymentProof:
    """What a face shows as an invoice's proof of payment: its receipts (oldest first), or
    why there is none to show (`note`); nothing at all for an invoice nothing was paid on."""

    receipts: tuple[Receipt, ...]
    note: str | None

    @property
    def empty(self) -> bool:
        return not self.receipts and self.note is None


def payment_proof(invoice: Invoice, *, offered: bool) -> PaymentProof:
    """`offered`: whether the portal keeps proofs at all (`Capability.RECEIPTS`)."""
    paid_something = invoice.paid_cents > 0
    if not offered:
        from famille_tui.client.portals.base import Capability

        note = Capability.RECEIPTS.not_offered if paid_something else None
        return PaymentProof((), note)
    receipts = tuple(sorted(invoice.receipts, key=lambda r: r.paid_at))
    if not receipts and paid_something:
        return PaymentProof((), "Le portail n'a gardé aucun justificatif de ce paiement : "
                                "demandez-le à la structure.")
    return PaymentProof(receipts, None)


# --- the kiosk's staff code --------------------------------------------------------------

#: Wrong codes allowed before a pause, and the first pause (doubled at each further failure).
FREE_TRIES = 3
FIRST_PAUSE_SECONDS = 30
NO_STAFF_CODE = (
    "Aucun code du personnel n'est configuré : cette borne ne peut pas être quittée d'ici."
)
STAFF_CODE_REFUSED = "Code refusé."


def too_many_tries(seconds: int) -> str:
    return f"Trop d'essais : réessayez dans {seconds} secondes."


class StaffGate:
    """Checks the staff code (`verify_staff_code`, scrypt: tens of milliseconds — a face
    with an event loop calls `check` in a thread), refusing every code for a growing time
    after repeated wrong ones: three free tries, then 30 s, 60 s, 120 s…"""

    def __init__(self, stored_hash: str | None, clock: Callable[[], float]) -> None:
        self._stored = stored_hash
        self._clock = clock
        self.failures = 0
        self.locked_until = 0.0

    @property
    def configured(self) -> bool:
        return bool(self._stored)

    def wait_seconds(self) -> int:
        """Seconds before another code is even looked at (0: now)."""
        return max(0, math.ceil(self.locked_until - self._clock()))

    def refusal_before_asking(self) -> str | None:
        """Why no code is asked at all now (none configured, or a pause), else None."""
        if not self._stored:
            return NO_STAFF_CODE
        wait = self.wait_seconds()
        return too_many_tries(wait) if wait else None

    def check(self, code: str) -> str | None:
        """None when the code is right; else the French reason it was refused."""
        from famille_tui.client.kiosk import verify_staff_code

        refusal = self.refusal_before_asking()
        if refusal is not None or self._stored is None:
            return refusal or NO_STAFF_CODE
        if verify_staff_code(code, self._stored):
            self.failures = 0
            return None
        self.failures += 1
        if self.failures >= FREE_TRIES:
            pause = FIRST_PAUSE_SECONDS * 2 ** (self.failures - FREE_TRIES)
            self.locked_until = self._clock() + pause
            return f"{STAFF_CODE_REFUSED} {too_many_tries(pause)}"
        return STAFF_CODE_REFUSED


# --- opening a payment page --------------------------------------------------------------

#: Text browsers would take over the terminal the program is drawn in: never started.
CONSOLE_BROWSERS = frozenset({"www-browser", "links", "links2", "elinks", "lynx", "w3m"})


def browser_commands(url: str, browser_variable: str | None) -> list[list[str]] | None:
    """The commands to try, in order, to open `url` (already checked by
    `check_payment_url`), as `BROWSER` says (commands separated by « : », « %s » replaced
    by the URL, else the URL as the last argument, as Python's webbrowser does), leaving out
    text browsers. None when `BROWSER` is unset or blank: the desktop's browser is to be
    asked instead. The URL is always one argument, never read by a shell."""
    if browser_variable is None or not browser_variable.strip():
        return None
    commands: list[list[str]] = []
    for command in browser_variable.split(os.pathsep):
        try:
            parts = shlex.split(command)
        except ValueError:
            continue
        if not parts or os.path.basename(parts[0]) in CONSOLE_BROWSERS:
            continue
        if any("%s" in part for part in parts):
            commands.append([part.replace("%s", url) for part in parts])
        else:
            commands.append([*parts, url])
    return commands


def has_graphical_session(platform: str, environ: Mapping[str, str]) -> bool:
    """Whether a desktop browser can be shown at all (macOS, Windows, X11, Wayland)."""
    if platform in ("darwin", "win32"):
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


# --- the kiosk's hand-over ---------------------------------------------------------------


def handed_over_sentence(count: int) -> str:
    """Said at the end of a kiosk session when `count` (> 0) payments are still pending:
    they go on at the portal, and the parent checks them from home."""
    if count == 1:
        which, done = "Un paiement était", "s'il est terminé"
    else:
        which, done = f"{count} paiements étaient", "s'ils sont terminés"
    return (
        f"{which} encore en attente : {done}, les factures seront « Réglée » "
        "dans « Mes factures » de votre Espace famille, que vous pouvez consulter depuis "
        "chez vous."
    )


# --- what a portal's way of paying asks of the parent ---------------------------------------


def per_payment_limit_sentence(most: int | None) -> str | None:
    """Said before the first payment on a portal that pays at most `most` invoices at once
    (None: no limit, nothing to say)."""
    if most is None:
        return None
    if most == 1:
        return "Sur ce portail, chaque facture se paie séparément : une facture par paiement."
    return f"Sur ce portail, un paiement règle au plus {most} factures."


def too_many_for_one_payment(most: int) -> str:
    """When more invoices than the portal pays at once were chosen."""
    if most == 1:
        return ("Sur ce portail, chaque facture se paie séparément : choisissez-en une, "
                "puis les autres l'une après l'autre.")
    return (f"Sur ce portail, un paiement règle au plus {most} factures : choisissez-en "
            f"{most} au plus, puis les autres.")


def retyped_sentence(values: Sequence[RetypedValue]) -> str | None:
    """« La page de paiement de l'État vous demandera de saisir les valeurs suivantes.
    Numéro de facture : 2026100042. Adresse électronique : … » (None when it asks nothing):
    one label and its value a sentence, never two colons in one."""
    if not values:
        return None
    several = len(values) > 1
    return (f"La page de paiement de l'État vous demandera de saisir "
            f"{'les valeurs suivantes' if several else 'la valeur suivante'}. "
            + " ".join(f"{v.label} : {v.value}." for v in values))
# --- paying on a portal that pays few invoices at a time --------------------------------


def payment_batches(invoices: Sequence[Invoice], limit: int | None) -> list[list[Invoice]]:
    """The invoices in the order given, `limit` per payment (None: all in one)."""
    size = limit if limit and limit > 0 else max(len(invoices), 1)
    return [list(invoices[i:i + size]) for i in range(0, len(invoices), size)]


def batches_sentence(limit: int | None, count: int) -> str | None:
    """What is said before the first of `count` payments (None for a single one)."""
    if count <= 1:
        return None
    each = "une facture" if limit == 1 else f"au plus {limit} factures"
    return (f"Ce portail paie {each} par paiement : {count} paiements l'un après l'autre, "
            "chacun sur sa propre page.")


# -- a parent with no e-mail on file ---------------------------------------------------------

#: Said where the receipt's e-mail would be filled in from the account, when it has none.
NO_EMAIL_FOR_RECEIPT = (
    "Aucune adresse électronique n'est enregistrée pour votre compte : tapez celle où "
    "recevoir le justificatif (la page de paiement de l'État en demande une).")


def no_email_way_out(contact: HelpContact | None) -> str:
    """What the leaflet says to a parent who never gave an e-mail (Chaponost's: « je fais une
    demande à infos.familles@… »), with the structure's contact as the portal gives it; the
    contact's words are the portal's (a face shows them as data)."""
    lead = ("Si vous n'avez jamais donné d'adresse électronique à l'inscription de votre "
            "enfant, demandez-en l'enregistrement")
    if contact is None:
        return f"{lead} à la structure qui l'accueille."
    reach = " ou ".join(part.strip() for part in (contact.email, contact.phone) if part.strip())
    return f"{lead} à {contact.structure.strip()}" + (f" : {reach}." if reach else ".")


def reset_code_sentence(contact: HelpContact | None) -> str:
    """The reset screen's promise, true for every account: the portal answers the same
    whether the login has an e-mail or not (nothing tells an attacker which exist), so the
    way out is said to everyone, before the code is asked."""
    return ("Le code est envoyé à l'adresse électronique enregistrée pour ce compte ; sans "
            "adresse enregistrée, aucun code n'arrive. " + no_email_way_out(contact))
