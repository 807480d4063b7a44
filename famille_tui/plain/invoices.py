"""« Mes factures »: the list (with its count and the total « Reste à payer »), one invoice's
detail and PDF, and the choice of the invoices to pay (paying itself is in paying.py)."""

from __future__ import annotations

from datetime import date

from famille_tui.api import Invoice, InvoiceFilter, InvoiceList, InvoiceStatus, Receipt
from famille_tui.client.config import download_dir
from famille_tui.client.display import plain
from famille_tui.client.portals.base import Capability
from famille_tui.client.rules import (
    RECEIPT_METHODS,
    PaymentProof,
    after_colon,
    invoice_state,
    per_payment_limit_sentence,
)
from famille_tui.plain.paying import pay
from famille_tui.plain.prompts import GoBack, ask_selection, choose
from famille_tui.plain.session import Failed, Session
from famille_tui.plain.speech import (
    INVOICE_STATUS_WORDS,
    amount_words,
    count_words,
    date_words,
    datetime_words,
    period_words,
    spoken_text,
)


def invoice_label(invoice: Invoice) -> str:
    """« Crèche Les Pirouettes, octobre 2026 »: the label, with the period only when the label
    does not already say it (nothing is read twice)."""
    label = spoken_text(invoice.label)
    period = period_words(invoice.period_start, invoice.period_end)
    if period.lower() not in label.lower():
        label = f"{label}, {period}"
    return label


def is_open(invoice: Invoice) -> bool:
    """Something is left to pay on it (`rules.invoice_state`)."""
    return not invoice_state(invoice, date.today()).paid


def can_pay(invoice: Invoice) -> bool:
    return invoice_state(invoice, date.today()).payable


def invoice_words(invoice: Invoice, today: date | None = None) -> str:
    """One sentence per invoice: « Facture 2026100042 : Crèche Les Pirouettes, octobre 2026,
    312 euros 40, à payer, échéance le 15 novembre 2026 »."""
    state = invoice_state(invoice, today or date.today())
    parts = [f"Facture {plain(invoice.number)} : {invoice_label(invoice)}"]
    parts.append(amount_words(invoice.amount_cents))
    if not state.paid and 0 < invoice.remaining_cents < invoice.amount_cents:
        parts.append(f"reste à payer {amount_words(invoice.remaining_cents)}")
    if state.paid:
        parts.append(INVOICE_STATUS_WORDS[InvoiceStatus.REGLEE])
    elif state.pending:
        parts.append(INVOICE_STATUS_WORDS[InvoiceStatus.EN_COURS])
    else:
        parts.append(INVOICE_STATUS_WORDS[InvoiceStatus.A_PAYER])
    if state.direct_debit_on is not None:
        parts.append(f"prélevée automatiquement le {date_words(state.direct_debit_on)}, "
                     "rien à faire")
    if state.offline:
        parts.append("paiement en ligne impossible")
    if state.overdue and invoice.due_date is not None:
        parts.append(f"en retard, échéance dépassée le {date_words(invoice.due_date)}")
    elif not state.paid and invoice.due_date is not None:
        parts.append(f"échéance le {date_words(invoice.due_date)}")
    return ", ".join(parts)


def ordered(invoices: list[Invoice]) -> list[Invoice]:
    """Invoices still to pay first, by due date; then paid ones, newest first."""
    unpaid = sorted((i for i in invoices if is_open(i)), key=lambda i: i.sort_key)
    paid = sorted(
        (i for i in invoices if not is_open(i)), key=lambda i: i.sort_key,
        reverse=True,
    )
    return unpaid + paid


def list_title(listing: InvoiceList) -> str:
    invoices = listing.invoices
    to_pay = sum(1 for i in invoices if is_open(i))
    total = count_words(len(invoices), "facture", "factures", none="aucune facture")
    if invoices:
        total += ", dont " + count_words(to_pay, "à payer", "à payer", none="aucune à payer")
    return (
        f"Mes factures : {total}. "
        f"Reste à payer : {amount_words(listing.total_remaining_cents)}"
    )


def show_invoices(session: Session) -> None:
    while True:
        listing = session.call(lambda: session.family_session.invoices(InvoiceFilter.ALL))
        invoices = ordered(list(listing.invoices))
        # Without online payment on this portal, nothing is offered to pay here.
        paying = session.family_session.offers(Capability.PAYMENT)
        payable = [i for i in invoices if can_pay(i)] if paying else []
        entries = [invoice_words(i) for i in invoices]
        if payable:
            entries.append(
                "Payer une ou plusieurs factures : "
                + count_words(len(payable), "facture payable", "factures payables")
                + " en ligne"
            )
        try:
            number = choose(session.console, list_title(listing), entries)
        except GoBack:
            return
        try:
            if number > len(invoices):
                choose_and_pay(session, payable)
            else:
                invoice_menu(session, invoices[number - 1])
        except (GoBack, Failed):
            continue


def receipt_sentence(receipt: Receipt) -> str:
    """« Payé le 12 septembre 2026 à 20 heures 14 : 198 euros 50, carte bancaire, en ligne
    (PayFiP), autorisation numéro 482913. »"""
    how = RECEIPT_METHODS.get(receipt.method.value, receipt.method.value)
    sentence = (f"Payé le {datetime_words(receipt.paid_at)} : "
                f"{amount_words(receipt.amount_cents)}, {how}")
    if receipt.authorization_number:
        sentence += f", autorisation numéro {plain(receipt.authorization_number)}"
    return sentence + "."


def detail_lines(invoice: Invoice, proof: PaymentProof | None = None) -> list[str]:
    lines = [f"Facture {invoice.number} : {spoken_text(invoice.label)}."]
    service = f"Service : {spoken_text(invoice.service)}"
    if invoice.children:
        names = " et ".join(
            [", ".join(invoice.children[:-1]), invoice.children[-1]]
            if len(invoice.children) > 1 else invoice.children
        )
        service += f", pour {names}"
    lines.append(service + ".")
    lines.append(
        f"Période : {period_words(invoice.period_start, invoice.period_end)}. "
        + (f"Émise le {date_words(invoice.issue_date)}, " if invoice.issue_date else "")
        + (f"échéance le {date_words(invoice.due_date)}." if invoice.due_date
           else "échéance non indiquée par le portail.")
    )
    lines.append(
        f"Montant : {amount_words(invoice.amount_cents)}. "
        f"Déjà payé : {amount_words(invoice.paid_cents)}. "
        f"Reste à payer : {amount_words(invoice.remaining_cents)}."
    )
    facts = invoice_state(invoice, date.today())
    status = (InvoiceStatus.REGLEE if facts.paid else InvoiceStatus.EN_COURS if facts.pending
              else InvoiceStatus.A_PAYER)
    state = f"État : {INVOICE_STATUS_WORDS[status]}."
    if facts.direct_debit_on is not None:
        state += (f" Elle sera prélevée automatiquement le {date_words(facts.direct_debit_on)} :"
                  " rien à faire.")
    elif facts.offline:
        why = spoken_text(after_colon(facts.offline_reason or "")).rstrip(".")
        state += f" Paiement en ligne impossible : {why}."
    lines.append(state)
    if proof is not None:
        lines += [receipt_sentence(r) for r in proof.receipts]
        if proof.note:
            lines.append(proof.note)
    return lines


def invoice_menu(session: Session, invoice: Invoice) -> None:
    session.say(*detail_lines(invoice, session.family_session.proof_of_payment(invoice)))
    actions: list[tuple[str, str]] = []
    if can_pay(invoice) and session.family_session.offers(Capability.PAYMENT):
        actions.append(("Payer cette facture", "pay"))
    actions.append(("Enregistrer le PDF dans le dossier des téléchargements", "pdf"))
    number = choose(session.console, None, [label for label, _ in actions])
    if actions[number - 1][1] == "pay":
        pay(session, [invoice])
    else:
        save_pdf(session, invoice)


def save_pdf(session: Session, invoice: Invoice) -> None:
    if not session.family_session.offers(Capability.INVOICE_PDF):
        session.say(Capability.INVOICE_PDF.not_offered)
        return
    pdf = session.call(lambda: session.client.invoice_pdf(invoice.id))
    folder = download_dir()
    path = folder / f"facture-{invoice.number}.pdf"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pdf)
    except OSError as error:
        session.say(f"Erreur : le PDF n'a pas pu être enregistré dans {folder} ({error.strerror}).")
        return
    session.say(f"PDF enregistré : {path}.")


def choose_and_pay(session: Session, payable: list[Invoice]) -> None:
    """Tick one or several invoices by their numbers, then pay them."""
    console = session.console
    session.say(
        capital(count_words(len(payable), "facture payable", "factures payables")) + " en ligne."
    )
    most = session.family_session.payment_terms.max_invoices_per_payment
    limit = per_payment_limit_sentence(most)
    entries = [f"Facture {invoice.number}, {invoice_label(invoice)}, "
               f"{amount_words(invoice.remaining_cents)}" for invoice in payable]
    if limit:
        # Said before the first payment; several chosen are paid one payment after another.
        session.say(limit)
    for number, entry in enumerate(entries, start=1):
        session.say(f"{number} : {entry}.")
    picked = ask_selection(console, "Factures à payer", len(payable))
    pay(session, [payable[n - 1] for n in picked])


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]
