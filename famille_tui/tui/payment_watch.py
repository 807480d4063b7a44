"""Payments followed in the background, whatever screen the parent is on.

The waiting screen is only a view: the wait itself is an app-level Textual worker (one per
payment) started here, so that Esc on the waiting screen, or switching to another section,
never stops watching a payment. When the outcome arrives the watcher rings the bell, says
what happened (`outcome_message`), and reloads the header total and « Mes factures ».

`resume_pending(app)` is called by the app right after login: it checks the journal of
payments left by a previous run (closed terminal, killed program, reboot), tells the parent
the outcome of the ones that ended and resumes the wait for the others.

The payment logic itself (journal, long poll, backoff) lives in `famille_tui.client.payments`;
this module only connects it to the app. It also opens the payment page in the system browser
(`open_in_browser`), since every screen that starts or resumes a payment needs it.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import sys
import time
import weakref
import webbrowser
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, cast
from weakref import WeakKeyDictionary

from textual.app import App
from textual.dom import DOMNode
from textual.worker import Worker

from famille_tui.api import Payment, PaymentStatus
from famille_tui.api.money import format_euros
from famille_tui.client.errors import (
    FamilleError,
    NotFound,
    PaymentHostNotAllowed,
    SessionExpired,
)
from famille_tui.client.payments import (
    JournalEntry,
    PaymentJournal,
    ResumedPayment,
    WaitEvent,
    check_payment_url,
    checked_short_url,
    outcome_message,
    resume_journal,
    wait_for_payment,
)

if TYPE_CHECKING:
    from famille_tui.tui.app import FamilleApp

#: Titles of the outcome notifications: the words the portal shows on the invoice.
OUTCOME_TITLES: dict[PaymentStatus, str] = {
    PaymentStatus.PAID: "Réglée",
    PaymentStatus.REFUSED: "Paiement refusé",
    PaymentStatus.CANCELLED: "Paiement abandonné",
    PaymentStatus.EXPIRED: "Délai dépassé",
    PaymentStatus.PENDING: "En attente du paiement…",
}

#: Text browsers would take over the terminal the TUI is drawn in: never start them.
_CONSOLE_BROWSERS = frozenset({"www-browser", "links", "links2", "elinks", "lynx", "w3m"})
#: Seconds to wait for the browser command to fail before assuming it opened.
_BROWSER_GRACE_SECONDS = 3.0
#: Browser processes still running (kept so that they are not reaped as garbage).
_launched: list[subprocess.Popen[bytes]] = []


@dataclass
class Watched:
    """One payment being followed, and what is known of it so far."""

    payment_id: str
    login: str
    invoice_ids: list[int]
    invoice_numbers: list[str]
    amount_cents: int
    #: The page to pay on (None until the portal has been asked, after a resume).
    payment_url: str | None
    #: `time.monotonic()` when this run began following it (the waiting screen's clock).
    started: float
    payment: Payment | None = None
    #: The last event of the wait (waiting, retrying, recovered, outcome).
    event: WaitEvent | None = None
    #: A problem that stopped the watch (not the network: that one is retried).
    error: str | None = None
    listeners: list[Callable[[Watched], None]] = field(default_factory=list)
    #: The portal's short link to the page, for the QR code (None: use payment_url).
    short_url: str | None = None

    @property
    def qr_url(self) -> str | None:
        """What the QR code holds: the short link when there is one (a smaller code)."""
        return self.short_url or self.payment_url

    @property
    def final(self) -> bool:
        return self.payment is not None and self.payment.status.is_final

    @property
    def stopped(self) -> bool:
        """No longer watched: ended, or stopped by an error."""
        return self.final or self.error is not None

    @property
    def retrying(self) -> bool:
        return self.event is not None and self.event.kind == "retrying"


class PaymentWatch:
    """Every payment this app follows; one per app (see `payment_watch(app)`)."""

    def __init__(self, app: FamilleApp) -> None:
        # A weak reference: `_watches` is keyed weakly by the app, and a value holding its
        # key strongly would keep every app (and all it shows) alive for ever.
        self._app: Callable[[], FamilleApp | None] = weakref.ref(app)
        # Kiosk: memory only, nothing of one parent stays on the shared machine.
        self.journal = PaymentJournal.for_user(kiosk=bool(app.options.kiosk))
        self._watched: dict[str, Watched] = {}
        #: Called on every change of every payment (with its Watched), and with None when
        #: invoices changed outside a watch (an outcome found in the journal): « Mes factures ».
        self.listeners: list[Callable[[Watched | None], None]] = []
        #: The payment whose waiting screen is on display, if any: it tells the outcome
        #: itself, so no toast is shown on top of it (the bell still rings).
        self.on_screen: str | None = None

    @property
    def app(self) -> FamilleApp:
        app = self._app()
        if app is None:
            raise RuntimeError("the app of this payment watch is gone")
        return app

    def get(self, payment_id: str) -> Watched | None:
        return self._watched.get(payment_id)

    def active(self) -> list[Watched]:
        return [w for w in self._watched.values() if not w.stopped]

    def invoices_in_progress(self) -> set[int]:
        """Invoices of a payment still followed here (« Paiement en cours »)."""
        return {i for w in self.active() for i in w.invoice_ids}

    def watch(self, payment: Payment, *, invoice_numbers: list[str] | None = None) -> Watched:
        """Follow a payment just created (or found pending) until its outcome."""
        watched = self._watched.get(payment.id)
        if watched is not None and not watched.stopped:
            watched.payment = payment
            return watched
        watched = Watched(
            payment_id=payment.id,
            login=self._login(),
            invoice_ids=list(payment.invoice_ids),
            invoice_numbers=list(invoice_numbers or [str(i) for i in payment.invoice_ids]),
            amount_cents=payment.amount_cents,
            payment_url=self._checked_url(payment),
            short_url=self._checked_short_url(payment),
            started=time.monotonic(),
            payment=payment,
        )
        self._watched[payment.id] = watched
        self._start(watched)
        return watched

    def watch_entry(self, entry: JournalEntry) -> Watched:
        """Follow a journaled payment whose state could not be checked yet (network down)."""
        watched = self._watched.get(entry.payment_id)
        if watched is not None and not watched.stopped:
            return watched
        watched = Watched(
            payment_id=entry.payment_id,
            login=entry.login,
            invoice_ids=list(entry.invoice_ids),
            invoice_numbers=list(entry.invoice_numbers),
            amount_cents=entry.amount_cents,
            payment_url=None,
            started=time.monotonic(),
        )
        self._watched[entry.payment_id] = watched
        self._start(watched)
        return watched

    def subscribe(self, payment_id: str, listener: Callable[[Watched], None]) -> None:
        watched = self._watched.get(payment_id)
        if watched is not None and listener not in watched.listeners:
            watched.listeners.append(listener)

    def unsubscribe(self, payment_id: str, listener: Callable[[Watched], None]) -> None:
        watched = self._watched.get(payment_id)
        if watched is not None and listener in watched.listeners:
            watched.listeners.remove(listener)

    # -- the worker ------------------------------------------------------------------------

    def _login(self) -> str:
        account = self.app.client.account if self.app.has_client else None
        return account.login if account is not None else (self.app.login_name or "")

    def _checked_url(self, payment: Payment) -> str | None:
        """The payment page's address if it may be shown and opened, else None."""
        try:
            return check_payment_url(
                payment.payment_url, portal_url=self.app.client.base_url, demo=self.app.demo
            )
        except PaymentHostNotAllowed:
            return None

    def _checked_short_url(self, payment: Payment) -> str | None:
        return checked_short_url(
            payment, portal_url=self.app.client.base_url, demo=self.app.demo
        )

    def _start(self, watched: Watched) -> None:
        run_in_background(
            self.app,
            partial(self._follow, watched),
            name=f"paiement {watched.payment_id}",
            group="payment-watch",
            exit_on_error=False,
        )

    def _changed(self, watched: Watched) -> None:
        for listener in list(watched.listeners):
            with contextlib.suppress(Exception):  # a closing screen must not stop the watch
                listener(watched)
        for general in list(self.listeners):
            with contextlib.suppress(Exception):
                general(watched)

    def invoices_changed(self) -> None:
        """Tell the listeners that invoices may have changed (reload them)."""
        for general in list(self.listeners):
            with contextlib.suppress(Exception):
                general(None)

    def _on_event(self, watched: Watched, event: WaitEvent) -> None:
        watched.event = event
        if event.payment is not None:
            watched.payment = event.payment
            watched.payment_url = self._checked_url(event.payment)
            watched.short_url = self._checked_short_url(event.payment)
        self._changed(watched)

    async def _follow(self, watched: Watched) -> None:
        app = self.app
        try:
            final = await app.run_with_session(
                lambda: wait_for_payment(
                    app.client,
                    watched.payment_id,
                    on_event=lambda event: self._on_event(watched, event),
                    journal=self.journal,
                )
            )
        except SessionExpired:
            # The parent did not log in again: the journal keeps the payment for next login.
            watched.error = "Session terminée : le paiement sera vérifié à la prochaine connexion."
            self._changed(watched)
            return
        except NotFound:
            # Only forget it if it is this account's: after a change of account the portal
            # rightly does not show someone else's payment.
            if watched.login == self._login():
                self.journal.remove(watched.payment_id)
            watched.error = "Le portail ne connaît plus ce paiement : vérifiez vos factures."
            self._changed(watched)
            app.notify(watched.error, title="Paiement", severity="warning", timeout=15)
            return
        except FamilleError as error:
            watched.error = (
                f"{error.message} Le paiement reste noté et sera vérifié au prochain démarrage."
            )
            self._changed(watched)
            app.notify(watched.error, title="Paiement", severity="error", timeout=20)
            return
        watched.payment = final
        self._changed(watched)
        await self._tell_outcome(watched, final)

    async def _tell_outcome(self, watched: Watched, payment: Payment) -> None:
        app = self.app
        app.bell()
        if self.on_screen != watched.payment_id:
            tell_outcome(app, payment, watched.invoice_numbers)
        await refresh_after_payment(app)


def tell_outcome(app: App[Any], payment: Payment, invoice_numbers: list[str]) -> None:
    """The outcome as a notification that stays long enough to be read."""
    label = "Facture" if len(invoice_numbers) == 1 else "Factures"
    numbers = ", ".join(invoice_numbers)
    app.notify(
        f"{label} {numbers} : {outcome_message(payment)}",
        title=OUTCOME_TITLES[payment.status],
        severity="information" if payment.status is PaymentStatus.PAID else "warning",
        timeout=30,
    )


async def refresh_after_payment(app: FamilleApp) -> None:
    """The header total and « Mes factures » show the new state."""
    watch = payment_watch(app)
    watch.invoices_changed()
    with contextlib.suppress(FamilleError):
        await app.refresh_remaining()


def run_in_background(
    node: DOMNode, factory: Callable[[], Coroutine[Any, Any, None]], **options: Any
) -> Worker[None]:
    """`node.run_worker` given a coroutine *function*: the coroutine is made when the worker
    starts, so that a worker cancelled before it starts leaves nothing never awaited."""
    worker: Worker[None] = node.run_worker(cast(Any, factory), **options)
    return worker


_watches: WeakKeyDictionary[App[Any], PaymentWatch] = WeakKeyDictionary()


def payment_watch(app: FamilleApp) -> PaymentWatch:
    """The app's watcher (created on first use)."""
    watch = _watches.get(app)
    if watch is None:
        watch = PaymentWatch(app)
        _watches[app] = watch
    return watch


# -- after login: the journal -------------------------------------------------------------


def resume_pending(app: FamilleApp) -> None:
    """Check the payments journaled by a previous run, in the background (never blocks login)."""
    run_in_background(app, partial(_resume, app), name="reprise des paiements",
                      group="payment-resume", exit_on_error=False)


async def _resume(app: FamilleApp) -> None:
    watch = payment_watch(app)
    try:
        resumed: list[ResumedPayment] = await app.run_with_session(
            lambda: resume_journal(app.client, watch.journal)
        )
    except FamilleError as error:
        app.report_error(error, title="Paiements en cours")
        return
    told_final = False
    for item in resumed:
        if item.final and item.payment is not None:
            app.bell()
            tell_outcome(app, item.payment, item.entry.invoice_numbers)
            told_final = True
        elif item.pending and item.payment is not None:
            watch.watch(item.payment, invoice_numbers=item.entry.invoice_numbers)
            app.notify(
                f"Un paiement de {format_euros(item.entry.amount_cents)} commencé plus tôt "
                f"(facture{'s' if len(item.entry.invoice_numbers) > 1 else ''} "
                f"{', '.join(item.entry.invoice_numbers)}) est toujours en attente : il est "
                "suivi, le résultat s'affichera ici. Touche 4 pour le voir.",
                title="En attente du paiement…",
                timeout=20,
            )
        elif isinstance(item.error, NotFound):
            app.notify(item.message, title="Paiement", severity="warning", timeout=20)
        else:
            # Could not be checked (network): keep trying in the background.
            watch.watch_entry(item.entry)
            app.notify(item.message, title="Paiement", severity="warning", timeout=20)
    if told_final:
        await refresh_after_payment(app)


# -- the system browser -------------------------------------------------------------------


def _has_graphical_session() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _launch(args: list[str]) -> bool:
    try:
        process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            # The browser's messages would be drawn over the TUI.
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,
        )
    except OSError:
        return False
    try:
        return process.wait(timeout=_BROWSER_GRACE_SECONDS) == 0
    except subprocess.TimeoutExpired:
        _launched.append(process)  # still running: a browser that stays in the foreground
        return True


def open_in_browser(url: str) -> bool:
    """Open `url` (already checked by `check_payment_url`) in the system browser.

    Blocking for up to a few seconds: call it with `asyncio.to_thread`. Honours `BROWSER`
    (commands separated by « : », « %s » replaced by the URL, as Python's webbrowser does);
    otherwise the desktop's browser. Never starts a text browser in the TUI's terminal.
    False when nothing could be opened (the URL and the QR code are on screen anyway)."""
    commands = os.environ.get("BROWSER", "")
    if commands.strip():
        for command in commands.split(os.pathsep):
            try:
                parts = shlex.split(command)
            except ValueError:
                continue
            if not parts or os.path.basename(parts[0]) in _CONSOLE_BROWSERS:
                continue
            if any("%s" in part for part in parts):
                args = [part.replace("%s", url) for part in parts]
            else:
                args = [*parts, url]
            if _launch(args):
                return True
        return False
    if not _has_graphical_session():
        return False
    try:
        controller = webbrowser.get()
    except webbrowser.Error:
        return False
    if isinstance(controller, webbrowser.GenericBrowser):
        if controller.basename in _CONSOLE_BROWSERS:
            return False
        return _launch([controller.name, *[a.replace("%s", url) for a in controller.args]])
    try:
        return bool(controller.open(url))
    except OSError:
        return False
