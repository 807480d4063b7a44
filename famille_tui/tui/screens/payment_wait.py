"""« En attente du paiement… »: the screen shown while the parent pays in the browser.

It is a view of a payment the session follows (in the background): Esc leaves it and the
following goes on. Because browsers fail to open (blocked windows, remote
terminals — the Chaponost leaflet spends a page on it), the address of the payment page is
shown, copied in one key (« c », OSC 52), and drawn as a QR code to pay from a phone. The
outcome replaces the waiting state as soon as the portal knows it, with what to do next.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.timer import Timer
from textual.widgets import Static

from famille_tui.client.browser import open_in_browser
from famille_tui.client.payments import outcome_message
from famille_tui.client.portals.base import RetypedValue
from famille_tui.client.session import FollowedPayment
from famille_tui.tui.screens.payment_follow import (
    PaymentFollowScreen,
    retyped_lines,
    what_line,
)
from famille_tui.tui.widgets.qr import QRCode

#: From this size on, the QR code sits beside the text instead of under it.
WIDE_COLUMNS = 110
TALL_ROWS = 36


class PaymentWaitScreen(PaymentFollowScreen):
    """Follows one payment: waiting, retrying, then its outcome."""

    SECTION = "Mes factures"
    CSS_PATH = "payment.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Retour",
                tooltip="Revenir aux factures ; le paiement reste suivi"),
        Binding("c", "copy_url", "Copier l'adresse", tooltip="Copier l'adresse de paiement"),
        Binding("o", "open_browser", "Ouvrir le navigateur"),
        # Shown only when the State's page asks to type them (Espace Citoyens).
        Binding("n", "copy_retyped('invoice_number')", "Copier le n° de facture"),
        Binding("e", "copy_retyped('email')", "Copier l'e-mail"),
        Binding("enter", "done", "Terminé", show=False),
    ]

    def __init__(self, watched: FollowedPayment, *, open_browser: bool = False) -> None:
        super().__init__(watched)
        self._open_on_mount = open_browser
        #: What happened when the browser was asked to open (None: not asked yet).
        self.browser_opened: bool | None = None
        self._timer: Timer | None = None
        self._shown_url: str | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="wait-main"):
            with VerticalScroll(id="wait-text"):
                yield Static("", id="wait-title")
                yield Static("", id="wait-what")
                yield Static("", id="wait-elapsed")
                yield Static("", id="wait-network")
                yield Static("", id="wait-outcome")
                yield Static("", id="wait-retype")
                yield Static("", id="wait-browser")
                yield Static("", id="wait-url")
                with Vertical(id="wait-qr-narrow"):
                    yield Static("Ou scannez ce QR code avec votre téléphone (↓ pour le voir) :",
                                 classes="wait-qr-label")
            with Vertical(id="wait-qr-wide"):
                yield Static("Pour payer sur votre téléphone, scannez :",
                             classes="wait-qr-label")

    def on_mount(self) -> None:
        self._follow()
        self._timer = self.set_interval(1.0, self._tick)
        self._place_qr()
        self.show()
        # Arrow keys scroll the text and the QR code when the terminal is small.
        self.query_one("#wait-text").focus()
        if self._open_on_mount:
            self.action_open_browser()

    def on_resize(self, event: Resize) -> None:
        self._place_qr()

    # -- what is shown ---------------------------------------------------------------------

    @property
    def wide(self) -> bool:
        return self.size.width >= WIDE_COLUMNS and self.size.height >= TALL_ROWS

    def _place_qr(self) -> None:
        """The QR code beside the text when there is room, else under it (scrolling)."""
        url = self.watched.qr_url
        self.set_class(self.wide, "-wide")
        # No page to pay on (ended, or refused): no code, and no words promising one.
        self.set_class(not url or self.watched.stopped, "-no-qr")
        if not url or self.watched.stopped:
            for qr in self.query(QRCode):
                qr.remove()
            self._shown_url = None
            return
        target = self.query_one("#wait-qr-wide" if self.wide else "#wait-qr-narrow", Vertical)
        existing = list(self.query(QRCode))
        in_place = [qr for qr in existing if qr.parent is target]
        if in_place:
            if in_place[0].data != url:
                in_place[0].set_data(url)
        else:
            for qr in existing:
                qr.remove()
            target.mount(QRCode(url))
        self._shown_url = url

    def _tick(self) -> None:
        if not self.watched.stopped:
            self._show_elapsed()

    def _show_elapsed(self) -> None:
        expiry = self._expiry()
        self._line("wait-elapsed", f"Temps écoulé : {self._elapsed()}"
                   + (f" — {expiry}" if expiry else ""))

    def show(self) -> None:
        """Redraw from the watcher's state."""
        watched = self.watched
        self._line("wait-what", what_line(watched))
        self._show_title("wait-title", "✗ Page de paiement non ouverte, paiement suivi"
                         if watched.refused and not watched.final else
                         "◷ En attente du paiement…")
        payment = watched.payment
        self.set_class(watched.final, "-final")
        if watched.final and payment is not None:
            self._line("wait-outcome", Text(
                outcome_message(payment) + "\n\nEntrée ou Échap : retour à « Mes factures »."
            ))
            self._line("wait-network", "")
            self._line("wait-elapsed", "")
        elif watched.error is not None:
            self._line("wait-outcome", watched.error)
            self._line("wait-network", "")
        elif watched.refused and watched.page is not None:
            # No page was opened: never « terminez le paiement dans le navigateur » (issue
            # 19, bug 2); what is true of the payment instead.
            self._line("wait-outcome", Text(
                f"✗ {watched.page.refusal} Échap : revenir aux factures, le paiement reste "
                "suivi jusqu'à son expiration."))
            self._line("wait-network", "")
            self._show_elapsed()
        else:
            self._line(
                "wait-outcome",
                "Terminez le paiement dans le navigateur : le résultat s'affichera ici. "
                "Échap : revenir aux factures, le paiement reste suivi.",
            )
            event = watched.event
            self._line("wait-network", f"⚠ {event.message}" if watched.retrying and event else "")
            self._show_elapsed()
        self._line("wait-retype", retyped_lines(watched, with_keys=True))
        self._show_browser()
        self._place_qr()
        self.refresh_bindings()

    def _show_browser(self) -> None:
        url = self.watched.payment_url
        if self.watched.stopped or not url:
            self._line("wait-browser", "")
            self._line("wait-url", "")
            return
        if self.browser_opened is None:
            said = "La page de paiement va s'ouvrir dans votre navigateur."
        elif self.browser_opened:
            said = ("La page de paiement est ouverte dans votre navigateur. "
                    "Si elle n'apparaît pas, utilisez l'adresse ci-dessous.")
        else:
            said = ("✗ Le navigateur ne s'est pas ouvert : copiez l'adresse (touche c) "
                    "dans un navigateur, ou scannez le QR code.")
        self._line("wait-browser", said)
        self._line("wait-url", Text.assemble(("Adresse (c pour copier) : ", "bold"), url))

    # -- keys ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Once the payment has ended there is no page to copy or open: hide those keys.
        if action in ("copy_url", "open_browser"):
            return not self.watched.stopped and bool(self.watched.payment_url)
        if action == "copy_retyped":
            return self._retyped(str(parameters[0])) is not None
        if action == "done":
            return self.watched.stopped
        return True

    def _retyped(self, kind: str) -> RetypedValue | None:
        page = self.watched.page
        if page is None or self.watched.stopped:
            return None
        return next((v for v in page.retyped if v.kind == kind), None)

    def action_leave(self) -> None:
        if not self.watched.stopped:
            self.notify(
                "Le paiement reste suivi : son résultat s'affichera ici, même depuis un autre "
                "écran.",
                title="En attente du paiement…",
                timeout=8,
            )
        self.dismiss(None)

    def action_copy_url(self) -> None:
        url = self.watched.payment_url
        if not url or self.watched.stopped:
            return
        self.app.copy_to_clipboard(url)
        self.notify(sent_to_clipboard("Adresse de paiement", "dans un navigateur"),
                    title="Presse-papiers", timeout=10, markup=False)

    def action_copy_retyped(self, kind: str) -> None:
        value = self._retyped(kind)
        if value is None:
            return
        self.app.copy_to_clipboard(value.value)
        self.notify(sent_to_clipboard(value.label, "sur la page de paiement"),
                    title="Presse-papiers", timeout=10, markup=False)

    def action_open_browser(self) -> None:
        url = self.watched.payment_url
        if not url or self.watched.stopped:
            return
        self._open(url)

    @work(group="wait-browser", exclusive=True, exit_on_error=False)
    async def _open(self, url: str) -> None:
        # webbrowser may block until the browser command returns: never in the UI's loop.
        self.browser_opened = await asyncio.to_thread(open_in_browser, url)
        self._show_browser()


def sent_to_clipboard(what: str, where: str) -> str:
    """What `c` / `n` / `e` really did: the terminal was asked (OSC 52) to put the value on
    its clipboard, and no terminal says whether it did (tmux drops it unless `set-clipboard`
    is on). The value stays on this screen to copy by hand; the toast must not cover it."""
    return (f"{what} : envoi au presse-papiers du terminal (si votre terminal l'accepte). "
            f"Si rien ne se colle {where}, recopiez à la main ce qu'affiche l'écran.")
