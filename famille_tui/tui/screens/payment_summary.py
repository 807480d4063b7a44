"""The summary before paying (the Chaponost leaflet's « Règlement » window, made safe).

It lists the invoices and the total, asks for the e-mail the receipt goes to (prefilled from
the profile, editable, checked here before anything is sent), then « Payer par carte
bancaire » creates the payment with `FamilySession.start_payment`. The Idempotency-Key is made
once per summary: a double key press, or a retry after the network failed, finds the same payment on
the portal instead of making a second one. Dismissed with the session's `FollowedPayment`, or
None (cancelled, or its page refused: then the summary says so, and the payment is followed to
its end all the same).

On a portal that pays few invoices per payment (Noethysweb: one), the invoices screen opens
one summary per payment, one after the other: the first says how many payments there will be
(`rules.batches_sentence`), each names its place (« Paiement 2 sur 3 »). On a portal that
sends the receipt to the family's own address, no e-mail is asked: the summary says where it
goes.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from famille_tui.api import Invoice, check_email
from famille_tui.api.money import format_euros
from famille_tui.client.display import shown
from famille_tui.client.errors import (
    FamilleError,
    PaymentRejected,
    SessionExpired,
    ValidationFailed,
)
from famille_tui.client.payments import new_idempotency_key
from famille_tui.tui.screens.base import FamilleModal
from famille_tui.tui.widgets.form import FormField
from famille_tui.tui.widgets.notice import Notice


def summary_lines(invoices: Sequence[Invoice]) -> Text:
    """One line per invoice: number, label, « Reste à payer »."""
    text = Text()
    for invoice in invoices:
        text.append_text(shown((f"{invoice.number}  ", "bold"), f"{invoice.label}  ",
                               (format_euros(invoice.remaining_cents), "bold"), "\n"))
    text.rstrip()
    return text


class PaymentSummaryScreen(FamilleModal):
    """« Règlement »: what is paid, how much, where the receipt goes, then pay."""

    CSS_PATH = "payment.tcss"

    def __init__(self, invoices: Sequence[Invoice], *, step: int = 1, steps: int = 1,
                 limit: int | None = None) -> None:
        super().__init__()
        self.invoices = list(invoices)
        #: This payment's place among the payments the ticked invoices need.
        self.step, self.steps, self.limit = step, steps, limit
        self.total_cents = sum(i.remaining_cents for i in self.invoices)
        #: One key for this summary: every press of « Payer » sends the same one.
        self.idempotency_key = new_idempotency_key()
        #: A request to create the payment is on its way.
        self.creating = False
        #: The portal proposed a page on a host that is not allowed: paying is over here.
        self.refused = False

    def compose(self) -> ComposeResult:
        count = len(self.invoices)
        with Vertical(id="summary-dialog") as dialog:
            dialog.border_title = "Règlement par carte bancaire"
            with VerticalScroll(id="summary-invoices"):
                yield Static(summary_lines(self.invoices), id="summary-lines")
            yield Static(
                f"Total : {format_euros(self.total_cents)} "
                f"({count} facture{'s' if count > 1 else ''})",
                id="summary-total",
            )
            yield Static(self._batches_words(), id="summary-batches",
                         classes="" if self.steps > 1 else "hidden")
            yield FormField(
                "E-mail pour le justificatif de paiement",
                "email",
                placeholder="prenom.nom@exemple.fr",
                max_length=254,
            )
            terms = self.session.payment_terms
            if terms.retyped_on_payment_page:
                # Espace Citoyens: said before paying; the values follow, each with its key.
                yield Static(
                    "Sur la page de paiement de l'État, vous saisirez : "
                    + ", ".join(label.lower() for label in terms.retyped_on_payment_page)
                    + " (l'écran suivant les donne, à copier).",
                    id="summary-retype",
                )
            yield Static("Le justificatif est envoyé par le portail à l'adresse e-mail qu'il "
                         "a pour votre famille.", id="summary-receipt", classes="hidden")
            yield Static("", id="summary-no-email", classes="hint hidden")
            yield Notice(id="summary-notice")
            with Horizontal(id="summary-buttons"):
                yield Button("Payer par carte bancaire", id="summary-pay", variant="primary")
                yield Button("Annuler", id="summary-cancel")
            yield Static(self.famille.payment_help, id="summary-help")

    def _batches_words(self) -> str:
        from famille_tui.client.rules import batches_sentence

        if self.steps <= 1:
            return ""
        if self.step == 1:
            return batches_sentence(self.limit, self.steps) or ""
        return f"Paiement {self.step} sur {self.steps}, sur sa propre page."

    @property
    def _receipt_by_portal(self) -> bool:
        return self.session.connector.payment_terms.receipt_to_family_address

    def on_mount(self) -> None:
        self.query_one("#summary-pay", Button).focus()
        if self._receipt_by_portal:
            self.query_one(FormField).add_class("hidden")
            self.query_one("#summary-receipt").remove_class("hidden")
            return
        self._prefill()

    @work(group="summary-email", exit_on_error=False)
    async def _prefill(self) -> None:
        field = self.query_one(FormField)
        try:
            email = await self.session.receipt_email()
        except FamilleError:
            email = None  # the parent types it; nothing else depends on it
        if email and not field.value:
            field.value = email
        if not field.value:
            field.input.focus()
        if email is None and self.session.no_email_on_file:
            # None on file: what to type here, and the leaflet's way to have one recorded.
            from famille_tui.client.rules import NO_EMAIL_FOR_RECEIPT, no_email_way_out

            contact = await self.session.structure_contact()
            note = self.query_one("#summary-no-email", Static)
            note.update(shown(NO_EMAIL_FOR_RECEIPT, " ", no_email_way_out(contact)))
            note.remove_class("hidden")

    # -- paying ----------------------------------------------------------------------------

    @on(Button.Pressed, "#summary-pay")
    def _pay_pressed(self) -> None:
        self.action_pay()

    @on(Button.Pressed, "#summary-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_pay()

    def action_cancel(self) -> None:
        if self.creating:
            return  # the payment is being created: its answer decides what comes next
        self.dismiss(None)

    def action_pay(self) -> None:
        if self.creating or self.refused:
            return  # a second press while the first is on its way: nothing more to do
        field = self.query_one(FormField)
        email = field.value.strip()
        try:
            if not self._receipt_by_portal:
                check_email(email)
        except ValueError as error:
            field.set_error(str(error))
            field.input.focus()
            return
        field.set_error(None)
        self.creating = True
        self._set_buttons(enabled=False)
        self.query_one(Notice).show("Création du paiement…", "info")
        self._pay(email)

    def _set_buttons(self, *, enabled: bool) -> None:
        self.query_one("#summary-pay", Button).disabled = not enabled
        self.query_one(FormField).input.disabled = not enabled

    @work(group="summary-pay", exit_on_error=False)
    async def _pay(self, email: str) -> None:
        session = self.session
        notice = self.query_one(Notice)
        try:
            page = await session.start_payment(
                self.invoices, email, idempotency_key=self.idempotency_key
            )
        except ValidationFailed as error:
            message = error.field_errors.get("email")
            if message:
                self.query_one(FormField).set_error(message)
            notice.show(error.message if not message else "Vérifiez l'adresse e-mail.", "error")
        except SessionExpired:
            notice.show("Session terminée : reconnectez-vous pour payer.", "error")
        except PaymentRejected as error:
            notice.show(error.message, "error")
        except FamilleError as error:
            # The network or the portal failed: pressing again reuses the same key, so if
            # the payment was made after all, the portal gives that one back.
            notice.show(f"{error.message} Vous pouvez réessayer sans risque de payer deux "
                        "fois.", "error")
        else:
            # The payment exists (journaled, followed) whatever is decided of its page: it
            # is watched to its end, so that its invoices are freed if it is never paid.
            session.follow_in_background(page.payment.id)
            followed = session.followed(page.payment.id)
            if page.refusal is None and followed is not None:
                self.dismiss(followed)
                return
            # Its page is not opened: say so, and what becomes of the payment.
            notice.show(page.refusal or "", "error")
            self.creating = False
            self.refused = True  # the same key would give the same refused page
            cancel = self.query_one("#summary-cancel", Button)
            cancel.label = "Fermer"
            cancel.focus()
            return
        self.creating = False
        self._set_buttons(enabled=True)
