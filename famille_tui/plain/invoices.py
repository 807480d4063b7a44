"""« Mes factures »: the list (with its count and the total « Reste à payer »), one invoice's
detail and PDF, and the choice of the invoices to pay (paying itself is in paying.py)."""

from __future__ import annotations

from datetime import date

from famille_tui.api import Invoice, InvoiceFilter, InvoiceList, InvoiceStatus, Receipt
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
    identifier_words,
    period_words,
    speakable,
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
    """Something is left for the family to pay on it (`rules.invoice_state`): neither paid
    nor taken by the town's direct debit (« rien à faire », not in « Reste à payer »)."""
    state = invoice_state(invoice, date.today())
    return not state.paid and state.direct_debit_on is None


def can_pay(invoice: Invoice) -> bool:
    return invoice_state(invoice, date.today()).payable


def invoice_words(invoice: Invoice, today: date | None = None) -> str:
    """One entry per invoice: « Crèche Les Pirouettes, octobre 2026, 312 euros 40, en retard
    depuis le 15 novembre 2026 » (the number and the rest are in its detail)."""
    state = invoice_state(invoice, today or date.today())
    parts = [invoice_label(invoice), amount_words(invoice.amount_cents)]
    if not state.paid and 0 < invoice.remaining_cents < invoice.amount_cents:
        parts.append(f"reste {amount_words(invoice.remaining_cents)}")
    if state.paid:
        parts.append(INVOICE_STATUS_WORDS[InvoiceStatus.REGLEE])
    elif state.pending:
        parts.append(INVOICE_STATUS_WORDS[InvoiceStatus.EN_COURS])
    elif state.direct_debit_on is not None:
        # Taken by the town's direct debit: nothing to pay before any date.
        parts.append(f"prélevée automatiquement le {date_words(state.direct_debit_on)}, "
                     "rien à faire")
    elif state.overdue:
        parts.append(f"en retard depuis le {date_words(invoice.due_date)}")
    elif invoice.due_date is not None:
        parts.append(f"à payer avant le {date_words(invoice.due_date)}")
    else:
        parts.append(INVOICE_STATUS_WORDS[InvoiceStatus.A_PAYER])
    if state.offline:
        parts.append("pas de paiement en ligne")
    return ", ".join(parts)


def ordered(invoices: list[Invoice]) -> list[Invoice]:
    """Newest first (by period, then number): an order that does not move when one is paid,
    so that coming back to the list reads only the entries that changed."""
    return sorted(invoices, key=lambda i: (i.period_start, i.number), reverse=True)


def list_title(listing: InvoiceList) -> str:
    invoices = listing.invoices
    to_pay = sum(1 for i in invoices if is_open(i))
    total = count_words(len(invoices), "facture", "factures", none="aucune facture")
    if invoices:
        total += ", " + count_words(to_pay, "à payer", "à payer", none="aucune à payer")
    return f"Mes factures : {total}, reste à payer {amount_words(listing.total_remaining_cents)}"


def show_invoices(session: Session) -> None:
    while True:
        listing = session.call(lambda: session.family_session.invoices(InvoiceFilter.ALL))
        invoices = ordered(list(listing.invoices))
        # Without online payment on this portal, nothing is offered to pay here.
        paying = session.family_session.offers(Capability.PAYMENT)
        payable = [n for n, i in enumerate(invoices, start=1) if paying and can_pay(i)]
        entries = [invoice_words(i) for i in invoices]
        if payable:
            entries.append(
                "Payer une ou plusieurs factures : "
                + count_words(len(payable), "payable", "payables") + " en ligne"
            )
        try:
            number = choose(session.console, list_title(listing), entries, key="invoices")
        except GoBack:
            return
        try:
            if number > len(invoices):
                choose_and_pay(session, invoices, payable)
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
    """One fact per line (a console reader reads a line at a time)."""
    lines = [f"Facture {identifier_words(plain(invoice.number))} : "
             f"{spoken_text(invoice.label)}."]
    service = f"Service : {spoken_text(invoice.service)}"
    if invoice.children:
        names = " et ".join(
            [", ".join(invoice.children[:-1]), invoice.children[-1]]
            if len(invoice.children) > 1 else invoice.children
        )
        service += f", pour {spoken_text(names)}"
    lines += [
        service + ".",
        f"Période : {period_words(invoice.period_start, invoice.period_end)}.",
        *([f"Émise le {date_words(invoice.issue_date)}."] if invoice.issue_date else []),
        f"Échéance le {date_words(invoice.due_date)}." if invoice.due_date
        else "Échéance non indiquée par le portail.",
        f"Montant : {amount_words(invoice.amount_cents)}.",
        f"Déjà payé : {amount_words(invoice.paid_cents)}.",
        f"Reste à payer : {amount_words(invoice.remaining_cents)}.",
    ]
    facts = invoice_state(invoice, date.today())
    status = (InvoiceStatus.REGLEE if facts.paid else InvoiceStatus.EN_COURS if facts.pending
              else InvoiceStatus.A_PAYER)
    lines.append(f"État : {INVOICE_STATUS_WORDS[status]}.")
    if facts.direct_debit_on is not None:
        lines.append(f"Elle sera prélevée automatiquement le {date_words(facts.direct_debit_on)}"
                     " : rien à faire.")
    elif facts.offline:
        why = spoken_text(after_colon(facts.offline_reason or "")).rstrip(".")
        lines.append(f"Paiement en ligne impossible : {why}.")
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
    # At a desk the PDF goes to the session's own folder, removed with it: say so.
    where = ("dans le dossier des téléchargements" if session.policy.keeps_files
             else "pour cette session seulement")
    actions.append((f"Enregistrer le PDF {where}", "pdf"))
    number = choose(session.console, None, [label for label, _ in actions],
                    key=("invoice", invoice.id))
    if actions[number - 1][1] == "pay":
        pay(session, [invoice])
    else:
        save_pdf(session, invoice)


def save_pdf(session: Session, invoice: Invoice) -> None:
    if not session.family_session.offers(Capability.INVOICE_PDF):
        session.say(Capability.INVOICE_PDF.not_offered)
        return
    pdf = session.call(lambda: session.client.invoice_pdf(invoice.id))
    family_session = session.family_session
    try:
        path = family_session.save_pdf(invoice.number, pdf)
    except OSError as error:
        folder = family_session.download_dir()
        session.say(f"Erreur : le PDF n'a pas pu être enregistré dans {folder} ({error.strerror}).")
        return
    if session.policy.keeps_files:
        session.say(f"PDF enregistré : {path}.")
    else:
        session.say(f"PDF enregistré pour cette session seulement : {path}. Il sera effacé à "
                    "la fin de votre session.")


def choose_and_pay(session: Session, invoices: list[Invoice], payable: list[int]) -> None:
    """Tick one or several invoices by their numbers in the list just heard, then pay."""

    def why_not(number: int) -> str | None:
        if not 1 <= number <= len(invoices):
            return f"il n'y a pas de facture {number}"
        refusal = invoice_state(invoices[number - 1], date.today()).refusal
        return f"choix {number} : " + speakable(refusal or "pas payable en ligne").rstrip(".")

    limit = per_payment_limit_sentence(session.family_session.payment_terms
                                       .max_invoices_per_payment)
    if limit:
        # Said before the choice; several chosen are paid one payment after another.
        session.say(limit)
    picked = ask_selection(session.console, "Factures à payer", payable, refusal=why_not)
    # Oldest due first, as in the TUI (the list is read newest first).
    pay(session, sorted((invoices[n - 1] for n in picked), key=lambda i: i.sort_key))
