"""« Mes factures »: the family's invoices, the selection to pay, and the way to pay it.

Steps 2–3 of the Chambon leaflet and section 2 of the Chaponost one, made shorter: the table
shows what is left to pay and why an invoice cannot be paid online; Space ticks, « c » ticks
every invoice that can be paid, « p » opens the summary (`PaymentSummaryScreen`), which starts
the payment; the waiting screen (`PaymentWaitScreen`) follows it. The invoices are loaded once
(all of them) and filtered here, so that switching filter costs no network round trip.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Resize
from textual.widgets import Static

from famille_tui.api import (
    Invoice,
    InvoiceFilter,
    InvoiceList,
    InvoiceStatus,
    PaymentStatus,
)
from famille_tui.api.money import format_euros
from famille_tui.client.errors import FamilleError
from famille_tui.client.portals.base import Capability
from famille_tui.client.rules import payment_batches
from famille_tui.client.session import FamilySession, FollowedPayment
from famille_tui.tui.screens.base import FamilySpaceScreen, not_offered
from famille_tui.tui.widgets.invoice_detail import InvoiceDetail
from famille_tui.tui.widgets.invoice_rows import (
    is_tickable,
    selection_line,
    selection_total,
    sort_by_due_date,
    tick_refusal,
)
from famille_tui.tui.widgets.invoice_table import InvoiceTable

#: The filters, in the order « f » goes through them, with their words on screen.
FILTERS: tuple[tuple[InvoiceFilter, str], ...] = (
    (InvoiceFilter.UNPAID, "À payer"),
    (InvoiceFilter.PAID, "Réglées"),
    (InvoiceFilter.ALL, "Toutes"),
)
#: From this width on, the detail is a column beside the table.
WIDE_COLUMNS = 118
#: Below this width, the total and the filter take a line each (they overlapped at 60).
NARROW_COLUMNS = 76


def matches(invoice: Invoice, wanted: InvoiceFilter) -> bool:
    """The portal's meaning of `?status=`: unpaid is « à payer » and « en cours »."""
    if wanted is InvoiceFilter.UNPAID:
        return invoice.status is not InvoiceStatus.REGLEE
    if wanted is InvoiceFilter.PAID:
        return invoice.status is InvoiceStatus.REGLEE
    return True


class InvoicesScreen(FamilySpaceScreen):
    """« Mes factures »: table, filters, detail, selection, PDF, and « Payer »."""

    SECTION = "Mes factures"
    CSS_PATH = "invoices.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "next_filter", "Filtre", tooltip="À payer, Réglées ou Toutes"),
        Binding("c", "tick_all", "Cocher tout", tooltip="Cocher toutes les factures à payer"),
        Binding("p", "pay", "Payer", tooltip="Payer les factures cochées par carte bancaire"),
        Binding("d", "download", "PDF", tooltip="Enregistrer la facture en PDF"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.invoices: list[Invoice] = []
        self.total_remaining_cents: int | None = None
        self.ticked: set[int] = set()
        #: Ticks of a payment that did not end « Réglée » (refused, abandoned, expired):
        #: given back as soon as those invoices can be ticked again (the portal says so).
        self._kept_ticks: set[int] = set()
        self.filter = InvoiceFilter.UNPAID
        self._loaded = False
        #: The session's `invoices_version` the list was last read at.
        self._version: int | None = None

    def forget_family_data(self) -> None:
        """Drop the family's invoices now rather than when this screen is collected: at a
        kiosk, Textual may keep a discarded screen alive a while (a scrollbar's message
        loop still running holds it through its context), and the next family must find
        nothing of this one in memory."""
        self._version = None
        self.invoices = []
        self.ticked = set()
        self.total_remaining_cents = None
        for table in self.query(InvoiceTable):
            table.forget()

    # -- layout ----------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        # The width's classes before the first styling: set on the first Resize instead,
        # each restyled the whole mounted screen once more.
        self._size_classes(self.app.size.width)
        with Vertical(id="invoices-body"):
            with Horizontal(id="invoices-top"):
                yield Static("Reste à payer : …", id="invoices-total")
                yield Static(self._filter_words(), id="invoices-filter")
            with Horizontal(id="invoices-main"):
                with Vertical(id="invoices-list"):
                    yield InvoiceTable(id="invoice-table")
                    yield Static(selection_line(0, 0), id="invoices-selection")
                yield InvoiceDetail(id="invoice-detail")

    def on_unmount(self) -> None:
        # A removed screen may stay referenced a while (Textual keeps a watcher of
        # `app.session` with its screen until the session next changes): its invoices
        # need not stay with it (issue 18: five rebuilt screens held 25 000 invoices).
        self.forget_family_data()

    def on_mount(self) -> None:
        self.query_one(InvoiceTable).focus()
        if not self.session.offers(Capability.INVOICES):
            self.query_one("#invoices-selection", Static).update(
                not_offered(Capability.INVOICES))

    def session_changed(self, session: FamilySession) -> None:
        # A payment started or ended (here, in the background, in a previous run): the
        # portal's list is read again. Other changes (the total, a poll) are not ours.
        if session.invoices_version != self._version:
            self.reload()

    def on_resize(self, event: Resize) -> None:
        self._size_classes(event.size.width)
        self._show_detail()

    def _size_classes(self, width: int) -> None:
        self.set_class(width >= WIDE_COLUMNS, "-wide")
        self.set_class(width < NARROW_COLUMNS, "-narrow")

    @property
    def wide(self) -> bool:
        return self.has_class("-wide")

    # -- data ------------------------------------------------------------------------------

    def reload(self) -> None:
        """Load every invoice of the family again (the filter is applied here)."""
        session = self.famille.session
        if session is None or not session.offers(Capability.INVOICES):
            return
        self._version = session.invoices_version
        if not self._loaded:
            # The first time, the list the session read with the family space a moment
            # ago, if it still is the portal's (`just_read_invoices` says when): drawn in
            # the screen's first frame, without asking the portal again. « r » always asks.
            listing = session.just_read_invoices()
            if listing is not None:
                self._loaded = True
                self._listed(listing)
                if not self.is_mounted:  # called from `on_mount`: the detail once mounted
                    self.call_later(self._show_detail)
                return
        self._load(session)

    @work(group="invoices-load", exclusive=True, exit_on_error=False)
    async def _load(self, session: FamilySession) -> None:
        app = self.famille
        table = self.query_one(InvoiceTable)
        if not self._loaded:
            table.loading = True
        try:
            # The session marks the invoices of a payment it still follows « en cours »,
            # and keeps the header's « Reste à payer » equal to this list's.
            result = await session.invoices(InvoiceFilter.ALL)
        except FamilleError as error:
            app.report_error(error, title="Mes factures")
            if not self._loaded:
                self.query_one("#invoices-selection", Static).update(
                    f"✗ {error.message} Touche r pour réessayer."
                )
            return
        finally:
            table.loading = False
        self._loaded = True
        self._listed(result)

    def _listed(self, result: InvoiceList) -> None:
        self.invoices = sort_by_due_date(result.invoices)
        self.total_remaining_cents = result.total_remaining_cents
        self._give_back_ticks()
        payable = {i.id for i in self.invoices if is_tickable(i)}
        self.ticked &= payable
        self._show()

    def _give_back_ticks(self) -> None:
        back = {i.id for i in self.invoices if i.id in self._kept_ticks and is_tickable(i)}
        self.ticked |= back
        self._kept_ticks -= back

    # -- view ------------------------------------------------------------------------------

    def shown_invoices(self) -> list[Invoice]:
        return [i for i in self.invoices if matches(i, self.filter)]

    def _filter_words(self) -> Content:
        # Each word is also a place to click; « [Réglées] » is text, never markup.
        parts: list[str | tuple[str, str]] = ["Afficher (f) : "]
        for kind, label in FILTERS:
            if len(parts) > 1:
                parts.append(" · ")
            word = f"[{label}]" if kind is self.filter else label
            parts.append((word, f"@click=screen.show_filter('{kind.value}')"))
        return Content.assemble(*parts)

    def _show(self) -> None:
        if self.total_remaining_cents is not None:
            self.query_one("#invoices-total", Static).update(
                f"Reste à payer : {format_euros(self.total_remaining_cents)}"
            )
        self.query_one("#invoices-filter", Static).update(self._filter_words())
        table = self.query_one(InvoiceTable)
        table.show(self.shown_invoices(), self.ticked, self.famille.today())
        self._show_selection()
        self._show_detail()

    def _show_selection(self) -> None:
        total = selection_total(self.invoices, self.ticked)
        self.query_one("#invoices-selection", Static).update(
            selection_line(len(self.ticked), total, self._most())
        )

    def _most(self) -> int | None:
        """How many invoices one payment may hold on this portal (None: no limit)."""
        if self._session is None or not self.session.offers(Capability.PAYMENT):
            return None
        return self.session.payment_terms.max_invoices_per_payment

    def current(self) -> Invoice | None:
        return self.query_one(InvoiceTable).current_invoice()

    def _by_id(self, invoice_id: int | None) -> Invoice | None:
        return next((i for i in self.invoices if i.id == invoice_id), None)

    def _show_detail(self) -> None:
        if not self.is_mounted or not self._loaded:
            return
        invoice = self.current()
        proof = self.session.proof_of_payment(invoice) if invoice is not None else None
        self.query_one(InvoiceDetail).show(invoice, self.famille.today(), wide=self.wide,
                                           proof=proof)

    @on(InvoiceTable.Highlighted, "#invoice-table")
    def _highlighted(self, event: InvoiceTable.Highlighted) -> None:
        self._show_detail()

    # -- selection -------------------------------------------------------------------------

    @on(InvoiceTable.ToggleTick)
    def _toggle_from_key(self, event: InvoiceTable.ToggleTick) -> None:
        self.toggle(event.invoice_id)

    @on(InvoiceTable.Selected, "#invoice-table")
    def _selected(self, event: InvoiceTable.Selected) -> None:
        invoice = self._by_id(event.invoice_id)
        if invoice is None:
            return
        if invoice.status is InvoiceStatus.EN_COURS:
            self.follow(invoice)
        else:
            self.toggle(invoice.id)

    def toggle(self, invoice_id: int | None) -> None:
        """Tick or untick one invoice; say why when it cannot be ticked."""
        invoice = self._by_id(invoice_id)
        if invoice is None:
            return
        refusal = tick_refusal(invoice)
        if refusal is not None:
            self.notify(refusal, title="Cette facture ne peut pas être cochée",
                        severity="warning", timeout=8)
            return
        # On a portal paying few invoices per payment, more may be ticked: they are paid
        # one payment after another (`_pay_batches`), as the selection line says.
        if invoice.id in self.ticked:
            self.ticked.discard(invoice.id)
        else:
            self.ticked.add(invoice.id)
        self.query_one(InvoiceTable).set_tick(invoice, self.ticked)
        self._show_selection()

    def action_tick_all(self) -> None:
        """Tick every invoice that can be paid online; untick all when they already are."""
        payable = {i.id for i in self.invoices if is_tickable(i)}
        if not payable:
            self.notify("Aucune facture à payer en ligne.", title="Cocher tout", timeout=6)
            return
        self.ticked = set() if payable <= self.ticked else payable
        self._show()

    def action_next_filter(self) -> None:
        kinds = [kind for kind, _ in FILTERS]
        self.filter = kinds[(kinds.index(self.filter) + 1) % len(kinds)]
        self._show()

    def action_show_filter(self, value: str) -> None:
        """A click on one of the filter's words."""
        self.filter = InvoiceFilter(value)
        self._show()

    # -- actions ---------------------------------------------------------------------------

    def action_download(self) -> None:
        if not self.session.offers(Capability.INVOICE_PDF):
            self.notify(not_offered(Capability.INVOICE_PDF), title="PDF", timeout=8)
            return
        invoice = self.current()
        if invoice is None:
            self.notify("Choisissez d'abord une facture.", severity="warning")
            return
        self._download(invoice)

    @work(group="invoice-pdf", exit_on_error=False)
    async def _download(self, invoice: Invoice) -> None:
        session = self.session
        try:
            content = await session.call(lambda: session.connector.invoice_pdf(invoice.id))
        except FamilleError as error:
            self.famille.report_error(error, title="PDF")
            return
        try:
            path = await asyncio.to_thread(session.save_pdf, invoice.number, content)
        except OSError as error:
            self.notify(
                f"Le PDF n'a pas pu être enregistré dans {session.download_dir()} : "
                f"{error.strerror or error}.",
                title="PDF", severity="error", timeout=12,
            )
            return
        self.notify(f"Facture {invoice.number} enregistrée : {path}", title="PDF", timeout=10)

    def action_pay(self) -> None:
        """Open the summary of the ticked invoices (or of the one under the cursor)."""
        if not self.session.offers(Capability.PAYMENT):
            self.notify(not_offered(Capability.PAYMENT), title="Payer", timeout=8)
            return
        chosen = [i for i in self.invoices if i.id in self.ticked]
        if not chosen:
            invoice = self.current()
            refusal = tick_refusal(invoice) if invoice is not None else None
            if invoice is None or refusal is not None:
                self.notify(
                    refusal or "Cochez d'abord les factures à payer (Espace, ou c pour toutes).",
                    title="Payer", severity="warning", timeout=8,
                )
                return
            chosen = [invoice]
        limit = self.session.connector.payment_terms.max_invoices_per_payment
        self._pay_batches(payment_batches(chosen, limit), limit, step=1)

    def _pay_batches(self, batches: list[list[Invoice]], limit: int | None, *,
                     step: int) -> None:
        """The summary of the next payment (a portal paying few invoices per payment pays
        them one payment after another, each confirmed by the parent on its summary)."""
        from famille_tui.tui.screens.payment_summary import PaymentSummaryScreen

        first, rest = batches[0], batches[1:]
        steps = step + len(rest)

        def closed(followed: FollowedPayment | None) -> None:
            self._summary_closed(followed, rest, limit, step + 1)

        self.app.push_screen(PaymentSummaryScreen(first, step=step, steps=steps, limit=limit),
                             callback=closed)

    def _summary_closed(self, followed: FollowedPayment | None,
                        rest: list[list[Invoice]], limit: int | None, step: int) -> None:
        if followed is None:
            return
        kept = set(self.ticked)
        self.ticked.clear()
        self._show()

        def left(_: None) -> None:
            payment = followed.payment
            if payment is not None and payment.status is PaymentStatus.PAID:
                if rest:
                    self._pay_batches(rest, limit, step=step)
                return
            if payment is not None and payment.status is not PaymentStatus.PENDING:
                # Refused, abandoned, expired: the parent's choice is not lost.
                self._kept_ticks |= kept
                self._give_back_ticks()
                self._show()
            if not rest:
                return
            numbers = ", ".join(i.number for batch in rest for i in batch)
            self.notify(f"Les factures {numbers} n'ont pas été payées : le paiement "
                        "précédent n'est pas réglé.", title="Payer", severity="warning",
                        timeout=10)

        self.app.push_screen(self.famille.payment_screen(followed, open_browser=True),
                             callback=left)

    def follow(self, invoice: Invoice) -> None:
        """Enter on an invoice « Paiement en cours »: its waiting screen."""
        self._follow(invoice)

    @work(group="invoice-follow", exit_on_error=False)
    async def _follow(self, invoice: Invoice) -> None:
        session = self.session
        followed = session.following_invoice(invoice.id)
        if followed is None and invoice.pending_payment_id:
            payment_id = invoice.pending_payment_id
            try:
                payment = await session.call(lambda: session.connector.payment(payment_id))
            except FamilleError as error:
                self.famille.report_error(error, title="Paiement en cours")
                return
            numbers = [i.number for i in self.invoices if i.id in payment.invoice_ids]
            followed = session.track(payment, invoice_numbers=numbers)
            if not followed.stopped:
                session.follow_in_background(followed.payment_id)
        if followed is None or followed.stopped:
            self.notify("Ce paiement n'est plus en cours.", title="Paiement", timeout=6)
            self.reload()
            return
        await self.app.push_screen(self.famille.payment_screen(followed, open_browser=False))
