"""Paying at the kiosk: a large QR code first, so that the parent pays on their own phone.

No card is typed on a shared keyboard unless the desk allows it: « Ouvrir ici » (the payment
page in this machine's browser) is offered only when the staff named a graphical browser in
the config (`kiosk_browser`), as the second choice under the code; that browser is closed when
the session ends (`FamilySession.open_payment_page`). The screen is a view of a payment the
session follows, like the laptop's waiting screen: it shows « En attente du paiement… », then
the outcome (« Réglée »…) as soon as the portal knows it. The idle timer runs meanwhile: a
parent who walked away gets the warning, then the session ends, the payment handed over.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer, Vertical
from textual.events import Resize
from textual.widgets import Static

from famille_tui.client.payments import outcome_message
from famille_tui.client.session import FollowedPayment
from famille_tui.tui.screens.payment_follow import (
    PaymentFollowScreen,
    retyped_lines,
    what_line,
)
from famille_tui.tui.widgets.qr import QRCode

#: The narrowest column of text beside the code; below that, the text goes under it.
TEXT_COLUMNS = 36
SCAN = (
    "Scannez ce code avec l'appareil photo de votre téléphone : la page de paiement sécurisée "
    "de l'État (PayFiP) s'ouvre sur votre téléphone, et le résultat s'affiche ici."
)
OPEN_HERE = (
    "Pas de téléphone ? Touche o : « Ouvrir ici », la page de paiement sur cet écran "
    "(la carte est alors saisie sur le clavier de la borne)."
)


class KioskPaymentScreen(PaymentFollowScreen):
    """The QR code of one payment, its address as text, then its outcome."""

    SECTION = "Mes factures"
    SECTION_MODE = "factures"
    CSS_PATH = "kiosk.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Retour",
                tooltip="Revenir aux factures ; le paiement reste suivi"),
        Binding("o", "open_here", "Ouvrir ici", tooltip="La page de paiement sur cet écran"),
        Binding("enter", "done", "Terminé", show=False),
    ]

    def __init__(self, watched: FollowedPayment) -> None:
        super().__init__(watched)
        #: None: « Ouvrir ici » not asked; then whether the browser opened.
        self.opened_here: bool | None = None

    def compose_body(self) -> ComposeResult:
        # The code on the left (first), its address under it; what to do on the right. When
        # the terminal is too narrow for both, they stack, the code still first.
        with ScrollableContainer(id="kpay"):
            with Vertical(id="kpay-qr-box"):
                yield Static("", id="kpay-url")
            with Vertical(id="kpay-text"):
                yield Static("", id="kpay-title")
                yield Static("", id="kpay-what")
                yield Static("", id="kpay-status")
                yield Static(SCAN, id="kpay-scan")
                yield Static("", id="kpay-retype")
                yield Static("", id="kpay-here")

    def on_resize(self, event: Resize) -> None:
        self._place()

    def _place(self) -> None:
        """Side by side when the code and a readable column of text both fit."""
        codes = list(self.query(QRCode))
        width = len(codes[0].rows[0]) + 4 if codes and codes[0].rows else 0
        self.set_class(width + TEXT_COLUMNS > self.size.width, "-stacked")

    def on_mount(self) -> None:
        self._follow()
        self.set_interval(1.0, self._tick)
        self.show()
        self.query_one("#kpay").focus()  # arrows scroll to the address on a small terminal

    def _tick(self) -> None:
        if not self.watched.stopped:
            self._show_status()

    # -- what is shown ---------------------------------------------------------------------

    def show(self) -> None:
        watched = self.watched
        self._line("kpay-what", what_line(watched))
        self._show_title("kpay-title", "Payez avec votre téléphone")
        payment = watched.payment
        self.set_class(watched.stopped, "-final")
        if watched.final and payment is not None:
            self._line("kpay-status", Text(outcome_message(payment)
                       + "\n\nEntrée ou Échap : retour à « Mes factures ». "
                         "F2 : terminer la session."))
        elif watched.error is not None:
            self._line("kpay-status", Text(watched.error))
        else:
            self._show_status()
        # On the phone, nothing to copy from here: the values are read and typed.
        self._line("kpay-retype", retyped_lines(watched, with_keys=False))
        self._show_code()
        self.refresh_bindings()

    def _show_status(self) -> None:
        line = f"◷ En attente du paiement… (depuis {self._elapsed()})"
        event = self.watched.event
        if self.watched.retrying and event is not None:
            line += f"\n⚠ {event.message}"
        self._line("kpay-status", line)

    def _show_code(self) -> None:
        # The portal's short link when it gives one: a smaller code, and an address short
        # enough to type on a phone.
        url = self.watched.qr_url
        box = self.query_one("#kpay-qr-box", Vertical)
        if self.watched.stopped or not url:
            for qr in self.query(QRCode):
                qr.remove()
            box.display = False
            self._line("kpay-scan", "" if self.watched.stopped else
                       Text(self.watched.page.refusal if self.watched.page is not None
                            and self.watched.page.refusal else
                            "✗ L'adresse de paiement n'a pas pu être vérifiée : payez depuis "
                            "chez vous, dans « Mes factures » de votre Espace famille."))
            self._line("kpay-here", "")
            return
        box.display = True
        codes = list(self.query(QRCode))
        if codes:
            if codes[0].data != url:
                codes[0].set_data(url)
        else:
            box.mount(QRCode(url, id="kpay-qr"), before=0)
        self._line("kpay-scan", SCAN)
        # Folded, never cut: a State's page without a short link (Espace Citoyens' TIPI
        # address, 300 characters) was cut at the screen's edge, useless to type.
        self._line("kpay-url", Text.assemble(("Adresse : ", "bold"), url, overflow="fold"))
        self._place()
        if not self.may_open_here:
            here = ""
        elif self.opened_here is None:
            here = OPEN_HERE
        elif self.opened_here:
            here = "La page de paiement est ouverte sur cet écran, dans le navigateur."
        else:
            here = "✗ Le navigateur de la borne ne s'est pas ouvert : scannez le QR code."
        self._line("kpay-here", here)

    # -- keys ------------------------------------------------------------------------------

    @property
    def may_open_here(self) -> bool:
        """The desk's staff allowed a browser on it (`kiosk_browser`)."""
        return self.famille.policy.opens_browser

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_here":
            return (self.may_open_here and not self.watched.stopped
                    and bool(self.watched.payment_url))
        if action == "done":
            return self.watched.stopped
        return True

    def action_leave(self) -> None:
        if not self.watched.stopped:
            self.notify("Le paiement reste suivi : son résultat s'affichera ici.",
                        title="En attente du paiement…", timeout=8)
        self.dismiss(None)

    def action_open_here(self) -> None:
        url = self.watched.payment_url
        if url and not self.watched.stopped:
            self._open(url)

    @work(group="kiosk-open-here", exclusive=True, exit_on_error=False)
    async def _open(self, url: str) -> None:
        # The browser command may block for seconds: never in the UI's loop.
        session = self.famille.session
        if session is None:
            return
        self.opened_here = await asyncio.to_thread(session.open_payment_page, url)
        self._show_code()
