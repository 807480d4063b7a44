"""Paying one or several invoices, waiting for the outcome, and the payments left in the
journal by an earlier run. The logic (idempotency, journal, allowed hosts, long poll with
retries) is the client layer's (`famille_tui.client.payments`); this module only says it
in lines: one when the wait starts, one per change, an optional « toujours en attente »
every `settings.still_waiting_interval` seconds — never a spinner or a repainting timer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from famille_tui.api import Invoice, InvoiceFilter, Payment, PaymentStatus, check_email
from famille_tui.client import (
    FamilleError,
    ResumedPayment,
    TransportError,
    WaitEvent,
    new_idempotency_key,
    outcome_message,
)
from famille_tui.client.rules import retyped_sentence
from famille_tui.plain.prompts import GoBack, ask_text, ask_yes_no, choose
from famille_tui.plain.session import Failed, Session
from famille_tui.plain.speech import (
    amount_words,
    count_words,
    datetime_words,
    speakable,
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
            f"Facture {invoice.number} : {spoken_text(invoice.label)}, "
            f"{amount_words(invoice.remaining_cents)}."
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
        email = ask_text(
            console,
            "E-mail pour le justificatif de paiement",
            hint="exemple : prenom.nom@exemple.fr",
            default=default_email,
            check=check_email,
        )
    for step, batch in enumerate(batches, 1):
        amount = amount_words(sum(i.remaining_cents for i in batch))
        if len(batches) == 1:
            question = f"Payer {amount} par carte bancaire ?"
        else:
            numbers = ", ".join(i.number for i in batch)
            question = (f"Paiement {step} sur {len(batches)} : payer {amount} "
                        f"(facture {numbers}) par carte bancaire ?")
        if not ask_yes_no(console, question):
            session.say("Paiement annulé : rien n'a été fait." if step == 1 else
                        "Paiements suivants annulés : rien d'autre n'a été fait.")
            return
        final = _pay_batch(session, batch, email)
        rest = [i.number for later in batches[step:] for i in later]
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
        except KeyboardInterrupt:
            session.say("Opération interrompue.")
            return None
    if page.url is None:
        # The payment exists on the portal; its page is not opened. Say what becomes of it.
        session.say("Erreur : " + speakable(page.refusal or ""))
        return None
    retyped = retyped_sentence(page.retyped)
    if retyped:
        session.say(retyped)
    open_payment_page(session, page.url)
    return follow(session, page.payment)


def open_payment_page(session: Session, url: str) -> None:
    """The URL as text first (copyable, or for a phone), then the system browser."""
    session.say("Adresse de la page de paiement, à copier si le navigateur ne s'ouvre pas :")
    session.say(url)
    if session.opener(url):
        session.say(
            "Page de paiement ouverte dans le navigateur : saisissez-y votre carte bancaire, "
            "puis revenez ici."
        )
    else:
        session.say(
            "Aucun navigateur n'a pu être ouvert : ouvrez l'adresse ci-dessus vous-même, "
            "sur cet ordinateur ou sur un téléphone."
        )


def duration_words(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return count_words(int(seconds), "seconde", "secondes")
    return count_words(minutes, "minute", "minutes")


def follow(session: Session, payment: Payment) -> Payment | None:
    """Wait for the outcome, saying each change. None when the person stopped waiting."""
    session.say(
        f"Attente du résultat du paiement de {amount_words(payment.amount_cents)}. "
        f"Une ligne sera lue à chaque changement. {STOP_HINT}"
    )
    interval = session.options.settings.still_waiting_interval
    started = time.monotonic()

    def on_event(event: WaitEvent) -> None:
        if event.kind == "retrying":
            delay = count_words(max(1, round(event.delay)), "seconde", "secondes")
            if event.attempt == 1:
                session.say(
                    f"Connexion au portail perdue : nouvel essai dans {delay}. "
                    "Le paiement reste suivi."
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

    async def wait() -> Payment:
        ticker = asyncio.create_task(still_waiting()) if interval > 0 else None
        try:
            return await family_session.wait(payment.id, on_event=on_event)
        finally:
            if ticker is not None:
                ticker.cancel()

    try:
        final = session.call(
            wait,
            interrupted="Attente arrêtée. Le paiement reste suivi : son résultat sera donné "
            "à la prochaine connexion, ou dans « Paiements en cours » du menu principal.",
        )
    except Failed:
        return None
    if final.status is PaymentStatus.PAID:
        say_paid_invoices(session, final)
    return final


def say_paid_invoices(session: Session, payment: Payment) -> None:
    """« Réglée » and « Reste à payer » as the portal now has them."""
    try:
        listing = session.call(lambda: session.family_session.invoices(InvoiceFilter.ALL))
    except Failed:
        return
    for invoice in listing.invoices:
        if invoice.id in payment.invoice_ids:
            state = "réglée" if invoice.remaining_cents == 0 else "pas encore réglée"
            session.say(
                f"Facture {invoice.number} : {state}, reste à payer "
                f"{amount_words(invoice.remaining_cents)}."
            )
    session.say(f"Reste à payer au total : {amount_words(listing.total_remaining_cents)}.")


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
        session.say(
            f"Paiement en attente : {label} {', '.join(entry.invoice_numbers)}, "
            f"{amount_words(entry.amount_cents)}, commencé le {datetime_words(entry.created_at)}, "
            f"valable jusqu'au {datetime_words(entry.expires_at)}."
        )
        try:
            number = choose(
                session.console,
                None,
                ["Attendre son résultat maintenant", "Rouvrir la page de paiement, puis attendre"],
                back="continuer sans attendre",
            )
        except GoBack:
            session.say("Ce paiement reste suivi.")
            continue
        if number == 2:
            page = session.family_session.payment_page(result.payment)
            if page.url is None:
                session.say("Erreur : " + speakable(page.refusal or ""))
                continue
            open_payment_page(session, page.url)
        follow(session, result.payment)


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


__all__ = ["follow", "open_payment_page", "pay", "pending_count", "resume"]
