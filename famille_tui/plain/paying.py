"""Paying one or several invoices, waiting for the outcome, and the payments left in the
journal by an earlier run. The logic (idempotency, journal, allowed hosts, long poll with
retries) is the client layer's (`famille_tui.client.payments`); this module only says it
in lines: one when the wait starts, one per change, an optional « toujours en attente »
every `settings.still_waiting_interval` seconds — never a spinner or a repainting timer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from famille_tui.api import Invoice, Payment, PaymentStatus, check_email
from famille_tui.client import (
    FamilleError,
    ResumedPayment,
    TransportError,
    WaitEvent,
    new_idempotency_key,
    outcome_message,
)
from famille_tui.client.display import plain
from famille_tui.client.qr import qr_rows
from famille_tui.client.rules import NO_EMAIL_FOR_RECEIPT, no_email_way_out, retyped_sentence
from famille_tui.client.session import PaymentPage
from famille_tui.plain.console import Interrupted
from famille_tui.plain.prompts import GoBack, ask_text, ask_yes_no, choose
from famille_tui.plain.session import Failed, Session
from famille_tui.plain.speech import (
    amount_words,
    count_words,
    datetime_words,
    identifier_words,
    speakable,
    spelled,
    spoken_text,
)

STOP_HINT = "Contrôle C arrête l'attente ; le paiement reste suivi."


def pay(session: Session, invoices: Sequence[Invoice]) -> None:
    """Summary, e-mail for the receipt, confirmation, then the payment page and the wait.
    A portal paying few invoices per payment (Noethysweb: one) pays them one payment after
    another, said before the first, each confirmed and followed to its end."""
    from famille_tui.client.rules import batches_sentence, payment_batches

    console = session.console
    total = sum(i.remaining_cents for i in invoices)
    session.say(
        f"Récapitulatif : {count_words(len(invoices), 'facture', 'factures')}, "
        f"total {amount_words(total)}."
    )
    for invoice in invoices:
        session.say(
            f"Facture {identifier_words(plain(invoice.number))}, "
            f"{spoken_text(invoice.label)}, {amount_words(invoice.remaining_cents)}."
        )
    terms = session.family_session.connector.payment_terms
    limit = terms.max_invoices_per_payment
    batches = payment_batches(invoices, limit)
    several = batches_sentence(limit, len(batches))
    if several is not None:
        session.say(several)
    if terms.receipt_to_family_address:
        session.say("Le justificatif est envoyé par le portail à l'adresse e-mail qu'il a "
                    "pour votre famille.")
        email = ""
    else:
        try:
            default_email = session.call(session.family_session.receipt_email)
        except Failed:
            default_email = None
        if default_email is None and session.family_session.no_email_on_file:
            # None on file: what to type, and the leaflet's way to have one recorded.
            contact = session.run(session.family_session.structure_contact)
            session.say(NO_EMAIL_FOR_RECEIPT, spoken_text(no_email_way_out(contact)))
        email = ask_text(
            console,
            "E-mail du justificatif",
            hint=None if default_email else "exemple : prenom.nom@exemple.fr",
            default=default_email,
            check=check_email,
        )
    for step, batch in enumerate(batches, 1):
        amount = amount_words(sum(i.remaining_cents for i in batch))
        if len(batches) == 1:
            question = f"Payer {amount} par carte bancaire ?"
        else:
            numbers = ", ".join(identifier_words(plain(i.number)) for i in batch)
            question = (f"Paiement {step} sur {len(batches)} : payer {amount} "
                        f"(facture {numbers}) par carte bancaire ?")
        if not ask_yes_no(console, question):
            session.say("Paiement annulé : rien n'a été fait." if step == 1 else
                        "Paiements suivants annulés : rien d'autre n'a été fait.")
            return
        final = _pay_batch(session, batch, email)
        rest = [identifier_words(plain(i.number)) for later in batches[step:] for i in later]
        if rest and (final is None or final.status is not PaymentStatus.PAID):
            session.say(f"Les factures {', '.join(rest)} n'ont pas été payées : le paiement "
                        "précédent n'est pas réglé.")
            return


def _pay_batch(session: Session, invoices: Sequence[Invoice], email: str) -> Payment | None:
    """One payment: created, its page opened, followed. None when it did not start or the
    person stopped waiting."""
    console = session.console
    # One key for this payment: a retry after a network error finds the same payment again,
    # it never makes a second one.
    key = new_idempotency_key()
    while True:
        try:
            page = session.run(lambda: session.family_session.start_payment(
                invoices, email, idempotency_key=key))
            break
        except Failed:
            return None  # the re-login was given up: already said
        except TransportError as error:
            session.error(error)
            if not ask_yes_no(
                console, "Réessayer ? Le même paiement sera repris, jamais deux"
            ):
                session.say("Paiement non commencé.")
                return None
        except FamilleError as error:
            session.error(error)
            return None
        except Interrupted:
            session.say("Opération interrompue.")
            return None
    if page.url is None:
        # The payment exists on the portal; its page is not opened. Say what becomes of it.
        session.say("Erreur : " + speakable(page.refusal or ""))
        return None
    retyped = retyped_sentence(page.retyped)
    if retyped:
        session.say(retyped)
    open_payment_page(session, page)
    return follow(session, page.payment)


def open_payment_page(session: Session, page: PaymentPage) -> None:
    """The short link (never the long address: it holds the e-mail and is read for half a
    minute), the browser where the policy allows one, else the phone: the link spelt or
    drawn as a QR code on request."""
    assert page.url is not None
    link = page.short_url or page.url
    if session.open_page(page.url):
        # The page is open: its link would only be heard (« Paiements en cours » of the
        # main menu opens it again, or gives it when no browser opens).
        session.say("Page de paiement ouverte dans le navigateur : payez-y par carte, "
                    "puis revenez ici.")
        return
    session.say("Payez sur votre téléphone : ouvrez cette adresse courte, ou demandez le "
                "QR code.", link)
    while True:
        try:
            number = choose(
                session.console, None,
                ["Attendre le résultat du paiement",
                 "Épeler l'adresse, caractère par caractère",
                 "Afficher le QR code, pour l'appareil photo du téléphone"],
                back="attendre", key="payment-page",
            )
        except GoBack:
            return
        if number == 1:
            return
        if number == 2:
            session.say(f"Adresse : {spelled(link)}.")
        else:
            rows = qr_rows(link)
            session.say(f"QR code de l'adresse, {len(rows)} lignes de dessin :", *rows,
                        "Fin du QR code.")


def duration_words(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return count_words(int(seconds), "seconde", "secondes")
    return count_words(minutes, "minute", "minutes")


def follow(session: Session, payment: Payment) -> Payment | None:
    """Wait for the outcome, saying each change. None when the person stopped waiting. At a
    desk the idle watch goes on (a parent who walked away gets the warning, then their
    session ends, the payment handed over): the wait is cut at the idle time."""
    console = session.console
    session.say(f"Attente du résultat. {STOP_HINT}")
    interval = session.options.settings.still_waiting_interval
    started = time.monotonic()

    def on_event(event: WaitEvent) -> None:
        if event.kind == "retrying":
            delay = count_words(max(1, round(event.delay)), "seconde", "secondes")
            if event.attempt == 1:
                session.say(
                    f"Portail injoignable : nouvel essai dans {delay} ; "
                    "le paiement reste suivi."
                )
            else:
                session.say(f"Essai {event.attempt} sans réponse : nouvel essai dans {delay}.")
        elif event.kind == "recovered":
            session.say("Connexion au portail rétablie : l'attente continue.")
        elif event.kind == "outcome" and event.payment is not None:
            session.say(speakable(outcome_message(event.payment)))

    async def still_waiting() -> None:
        while True:
            await asyncio.sleep(interval)
            elapsed = duration_words(time.monotonic() - started)
            session.say(f"Toujours en attente du paiement, depuis {elapsed}.")

    family_session = session.family_session
    if family_session.followed(payment.id) is None:
        family_session.track(payment)
    idle = console.idle_seconds

    async def wait() -> Payment:
        ticker = asyncio.create_task(still_waiting()) if interval > 0 else None
        try:
            return await family_session.wait(payment.id, on_event=on_event, max_seconds=idle)
        finally:
            if ticker is not None:
                ticker.cancel()

    if session.policy.may_quit:
        stopped = ("Attente arrêtée. Le paiement reste suivi : son résultat sera donné à la "
                   "prochaine connexion, ou dans « Paiements en cours » du menu principal.")
    else:
        stopped = ("Attente arrêtée. Le paiement reste suivi dans « Paiements en cours » du "
                   "menu principal, jusqu'à la fin de votre session.")
    while True:
        try:
            final = session.call(wait, interrupted=stopped)
        except Failed:
            return None
        finally:
            console.waited = True  # what was typed meanwhile is not an answer
        if final.status.is_final or idle is None:
            break
        console.idle_warning()  # IdleTimeout: the session ends, the payment handed over
        session.say("L'attente continue.")
    # « Reste à payer » is said again by the menu one comes back to (its title).
    return final


# --- payments left by an earlier run ------------------------------------------------------


def pending_count(session: Session) -> int:
    return session.family_session.pending_count()


def resume(session: Session, *, at_login: bool) -> None:
    """Check every journaled payment of this account: say the outcome of those that ended,
    and offer to wait for (or reopen) those still pending."""
    results: list[ResumedPayment] = session.call(
        lambda: session.family_session.resume(follow=False)
    )
    if not results:
        if not at_login:
            session.say("Aucun paiement en cours.")
        return
    session.say(
        capital(count_words(len(results), "paiement commencé", "paiements commencés"))
        + " lors d'une session précédente."
    )
    for result in results:
        if not result.pending:
            session.say(speakable(result.message))
            continue
        entry = result.entry
        assert result.payment is not None
        label = "facture" if len(entry.invoice_numbers) == 1 else "factures"
        numbers = ", ".join(identifier_words(plain(n)) for n in entry.invoice_numbers)
        session.say(
            f"Paiement en attente : {label} {numbers}, "
            f"{amount_words(entry.amount_cents)}, commencé le {datetime_words(entry.created_at)}, "
            f"valable jusqu'au {datetime_words(entry.expires_at)}."
        )
        page = session.family_session.payment_page(result.payment)
        if page.url is None:
            # Its page was refused: never offered again, said once (issue 19, bug 2).
            session.say(speakable(page.refusal or ""))
        choices = ["Attendre son résultat maintenant"]
        if page.url is not None:
            choices.append("Rouvrir la page de paiement, puis attendre")
        try:
            number = choose(session.console, None, choices, back="continuer sans attendre",
                            key=("pending", entry.payment_id))
        except GoBack:
            session.say("Ce paiement reste suivi.")
            continue
        if number == 2:
            open_payment_page(session, page)
        follow(session, result.payment)


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


__all__ = ["follow", "open_payment_page", "pay", "pending_count", "resume"]
