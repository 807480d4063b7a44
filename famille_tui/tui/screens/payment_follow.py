"""What the two screens that follow a payment share: the laptop's waiting screen
(`payment_wait.PaymentWaitScreen`) and the kiosk's QR code screen (`kiosk.payment`).

Both are views of one payment the session follows (`FollowedPayment`, client/session.py):
they redraw when the app's `session` changes, tell the app whether the payment is on screen
(when it is not, the outcome needs a toast), and draw the same « what » line and outcome
title. Each screen keeps its own layout, ids and wording.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from famille_tui.api import PaymentStatus
from famille_tui.api.money import format_euros
from famille_tui.client.display import plain
from famille_tui.client.session import FamilySession, FollowedPayment
from famille_tui.tui.app import OUTCOME_TITLES
from famille_tui.tui.screens.base import FamilySpaceScreen

#: Symbol + words of each outcome (never colour alone).
OUTCOME_SYMBOLS: dict[PaymentStatus, str] = {
    PaymentStatus.PAID: "✓",
    PaymentStatus.REFUSED: "✗",
    PaymentStatus.CANCELLED: "✗",
    PaymentStatus.EXPIRED: "◷",
    PaymentStatus.PENDING: "◷",
}


def format_elapsed(seconds: float) -> str:
    """« 1 min 05 s », « 12 s »."""
    minutes, secs = divmod(max(0, int(seconds)), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def what_line(watched: FollowedPayment) -> Text:
    """« Facture F-1 — 45,00 € », « 2 factures : F-1, F-2 — 90,00 € »."""
    count = len(watched.invoice_numbers)
    noun = "Facture" if count == 1 else f"{count} factures :"
    numbers = plain(", ".join(watched.invoice_numbers))
    return Text(f"{noun} {numbers} — {format_euros(watched.amount_cents)}")


#: The keys that copy a value the State's page asks to type (by the value's `kind`).
COPY_KEYS = {"invoice_number": "n", "email": "e"}


def retyped_lines(watched: FollowedPayment, *, with_keys: bool) -> Text:
    """What the State's page will ask to type (Espace Citoyens: the invoice number and the
    e-mail), one value a line, with its copy key when `with_keys`; empty when nothing."""
    values = watched.page.retyped if watched.page is not None and not watched.stopped else ()
    if not values:
        return Text()
    text = Text.assemble(("Sur la page de paiement de l'État, saisissez :", "bold"))
    for value in values:
        key = COPY_KEYS.get(value.kind) if with_keys else None
        text.append_text(Text.assemble(
            f"\n  {plain(value.label)} : ", (plain(value.value), "bold"),
            f"  ({key} pour copier)" if key else ""))
    return text


class PaymentFollowScreen(FamilySpaceScreen):
    """A view of one followed payment; subclasses implement `show()` and call `_follow()`."""

    #: The clock of the elapsed time (replaced in snapshot tests for a steady picture).
    now: ClassVar[Callable[[], float]] = time.monotonic

    def __init__(self, watched: FollowedPayment) -> None:
        super().__init__()
        self.watched = watched

    def show(self) -> None:
        """Redraw from the followed payment. Abstract: each of the two payment screens (the
        laptop's waiting screen and the kiosk's QR screen) draws its own."""
        raise NotImplementedError

    def _follow(self) -> None:
        """Say the payment is on screen (from the subclass's on_mount)."""
        self.famille.payment_on_screen = self.watched.payment_id

    def session_changed(self, session: FamilySession) -> None:
        if self.is_mounted:
            self.show()

    def on_unmount(self) -> None:
        if self.famille.payment_on_screen == self.watched.payment_id:
            self.famille.payment_on_screen = None

    def on_screen_suspend(self) -> None:
        if self.famille.payment_on_screen == self.watched.payment_id:
            self.famille.payment_on_screen = None  # another screen: the outcome needs a toast

    def on_screen_resume(self) -> None:
        self.famille.payment_on_screen = self.watched.payment_id
        self.show()

    def _elapsed(self) -> str:
        return format_elapsed(self.watched.elapsed(type(self).now()))

    def _expiry(self) -> str:
        """« la page expire dans 12 min 55 s », or that it has, or nothing when not known."""
        left = self.watched.seconds_left(type(self).now())
        if left is None:
            return ""
        if left <= 0:
            return "la page de paiement a expiré"
        return f"la page de paiement expire dans {format_elapsed(left)}"

    def _line(self, static_id: str, content: str | Text) -> None:
        """Set a line of the screen; an empty one takes no room."""
        static = self.query_one(f"#{static_id}", Static)
        static.update(content)
        static.display = bool(str(content))

    def _show_title(self, title_id: str, waiting_title: str) -> None:
        """The outcome's symbol and words once the payment has ended, coloured by class
        (`-paid`, `-failed`); that the following stopped on an error; else `waiting_title`."""
        title = self.query_one(f"#{title_id}", Static)
        payment = self.watched.payment
        if self.watched.final and payment is not None:
            status = payment.status
            title.update(f"{OUTCOME_SYMBOLS[status]} {OUTCOME_TITLES[status.value]}")
            title.set_class(status is PaymentStatus.PAID, "-paid")
            title.set_class(status is not PaymentStatus.PAID, "-failed")
        elif self.watched.error is not None:
            title.update("✗ Suivi du paiement interrompu")
        else:
            title.update(waiting_title)

    def action_done(self) -> None:
        if self.watched.stopped:
            self.dismiss(None)

    def reload(self) -> None:
        self.show()
