"""client/rules.py and client/display.py: the truths every face shows, table by table."""

from __future__ import annotations

from datetime import date

import pytest
from rich.console import Console
from rich.table import Table

from famille_tui.api import Invoice, InvoiceStatus
from famille_tui.client.display import clean_message, plain, shown
from famille_tui.client.kiosk import hash_staff_code
from famille_tui.client.rules import (
    FIRST_PAUSE_SECONDS,
    FREE_TRIES,
    StaffGate,
    after_colon,
    browser_commands,
    child_age,
    handed_over_sentence,
    has_graphical_session,
    invoice_state,
    payment_proof,
    receipt_words,
)

TODAY = date(2026, 11, 16)

# --- a child's age ----------------------------------------------------------------------------

AGES = [
    (date(2026, 11, 16), "moins d'une semaine"),
    (date(2026, 11, 10), "moins d'une semaine"),
    (date(2026, 11, 2), "2 semaines"),
    (date(2026, 10, 20), "3 semaines"),
    (date(2026, 10, 16), "1 mois"),
    (date(2025, 11, 17), "11 mois"),
    (date(2025, 11, 16), "12 mois"),
    (date(2025, 5, 16), "18 mois"),
    (date(2024, 11, 17), "23 mois"),
    (date(2024, 11, 16), "2 ans"),
    (date(2023, 9, 1), "3 ans et 2 mois"),
    (date(2020, 11, 16), "6 ans"),
    (date(2019, 3, 1), "7 ans"),
    (date(2026, 11, 17), "à naître"),
    (date(2027, 2, 1), "à naître"),
]


@pytest.mark.parametrize(("birth", "words"), AGES)
def test_a_childs_age(birth: date, words: str) -> None:
    assert child_age(birth, TODAY).words == words


def test_an_unborn_child_has_no_age() -> None:
    age = child_age(date(2026, 12, 1), TODAY)
    assert age.unborn and age.months == 0 and age.weeks == 0


def test_months_and_years() -> None:
    age = child_age(date(2023, 9, 1), TODAY)
    assert (age.months, age.years, age.unborn) == (38, 3, False)


# --- an invoice's state -----------------------------------------------------------------------


def invoice(*, status: InvoiceStatus = InvoiceStatus.A_PAYER, due: date = date(2026, 11, 30),
            remaining: int = 1000, online: bool = True, reason: str | None = None) -> Invoice:
    return Invoice(
        id=1, number="2026100042", label="Crèche", service="Crèche", children=[],
        period_start=date(2026, 10, 1), period_end=date(2026, 10, 31),
        issue_date=date(2026, 11, 1), due_date=due, amount_cents=1000,
        paid_cents=1000 - remaining, remaining_cents=remaining, status=status,
        payable_online=online, not_payable_reason=reason,
    )


PAST = date(2026, 10, 15)

STATES = [
    # status, due, remaining, online → paid, pending, overdue, payable, offline
    (InvoiceStatus.A_PAYER, TODAY, 1000, True, (False, False, False, True, False)),
    (InvoiceStatus.A_PAYER, PAST, 1000, True, (False, False, True, True, False)),
    # a payment in progress is never « en retard », and cannot be paid again
    (InvoiceStatus.EN_COURS, PAST, 1000, True, (False, True, False, False, False)),
    (InvoiceStatus.REGLEE, PAST, 0, True, (True, False, False, False, False)),
    # « à payer » on the portal with nothing left is paid
    (InvoiceStatus.A_PAYER, PAST, 0, True, (True, False, False, False, False)),
    (InvoiceStatus.A_PAYER, PAST, 1000, False, (False, False, True, False, True)),
]


@pytest.mark.parametrize(("status", "due", "remaining", "online", "expected"), STATES)
def test_an_invoices_state(status: InvoiceStatus, due: date, remaining: int, online: bool,
                           expected: tuple[bool, ...]) -> None:
    state = invoice_state(invoice(status=status, due=due, remaining=remaining, online=online),
                          TODAY)
    assert (state.paid, state.pending, state.overdue, state.payable, state.offline) == expected
    assert (state.refusal is None) is state.payable


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        ("Prélèvement automatique : rien à faire.", "Prélèvement automatique : rien à faire."),
        ("  ", "Cette facture ne peut pas être payée en ligne : contactez la structure."),
        (None, "Cette facture ne peut pas être payée en ligne : contactez la structure."),
        ("Voir\x1b[2J la mairie", "Voir [2J la mairie"),
    ],
)
def test_why_an_invoice_is_not_payable_online(reason: str | None, said: str) -> None:
    state = invoice_state(invoice(online=False, reason=reason), TODAY)
    assert state.offline_reason == said
    # After « : » French goes on in lower case (issue 19), a name or acronym aside.
    assert state.refusal == f"Facture 2026100042 : {said[0].lower()}{said[1:]}"


def test_after_a_colon_a_sentence_goes_on_in_lower_case() -> None:
    assert after_colon("Montant inférieur à 1 €.") == "montant inférieur à 1 €."
    assert after_colon("PayFiP refuse ce montant.") == "PayFiP refuse ce montant."
    assert after_colon("À régler en mairie.") == "à régler en mairie."


def test_why_paid_and_pending_invoices_are_not_payable() -> None:
    assert invoice_state(invoice(status=InvoiceStatus.REGLEE, remaining=0), TODAY).refusal == (
        "La facture 2026100042 est déjà réglée.")
    refusal = invoice_state(invoice(status=InvoiceStatus.EN_COURS), TODAY).refusal
    assert refusal is not None and "déjà en cours" in refusal


# --- the staff gate ---------------------------------------------------------------------------


def test_the_staff_gate_pauses_after_wrong_codes() -> None:
    now = [1000.0]
    gate = StaffGate(hash_staff_code("123456"), clock=lambda: now[0])
    for _ in range(FREE_TRIES - 1):
        assert gate.check("000000") == "Code refusé."
    assert gate.check("000000") == (
        f"Code refusé. Trop d'essais : réessayez dans {FIRST_PAUSE_SECONDS} secondes.")
    # Even the right code is not looked at during the pause.
    assert gate.check("123456") == f"Trop d'essais : réessayez dans {FIRST_PAUSE_SECONDS} secondes."
    now[0] += FIRST_PAUSE_SECONDS
    assert gate.wait_seconds() == 0
    assert gate.check("000000") == (
        f"Code refusé. Trop d'essais : réessayez dans {2 * FIRST_PAUSE_SECONDS} secondes.")
    now[0] += 2 * FIRST_PAUSE_SECONDS
    assert gate.check("123456") is None
    assert gate.failures == 0


def test_no_staff_code_configured() -> None:
    gate = StaffGate(None, clock=lambda: 0.0)
    assert not gate.configured
    refusal = gate.check("123456")
    assert refusal is not None and "Aucun code du personnel" in refusal


# --- opening a payment page -------------------------------------------------------------------

URL = "https://www.payfip.gouv.fr/tpa/paiement.web?numcli=1&refdet=X"


@pytest.mark.parametrize(
    ("variable", "commands"),
    [
        (None, None),
        ("  ", None),
        ("firefox", [["firefox", URL]]),
        ("firefox --new-window %s", [["firefox", "--new-window", URL]]),
        # text browsers would take over the program's terminal
        ("lynx:w3m:/usr/bin/links", []),
        ("w3m:chromium --app=%s", [["chromium", f"--app={URL}"]]),
        # a broken command is skipped, the URL is one argument, never read by a shell
        ("'unclosed:echo", [["echo", URL]]),
    ],
)
def test_browser_commands(variable: str | None, commands: list[list[str]] | None) -> None:
    assert browser_commands(URL, variable) == commands


def test_a_graphical_session() -> None:
    assert has_graphical_session("linux", {"DISPLAY": ":0"})
    assert has_graphical_session("linux", {"WAYLAND_DISPLAY": "wayland-0"})
    assert not has_graphical_session("linux", {})
    assert has_graphical_session("darwin", {})


def test_the_hand_over_sentence() -> None:
    assert handed_over_sentence(1).startswith("Un paiement était encore en attente : s'il est")
    assert handed_over_sentence(2).startswith("2 paiements étaient encore en attente : s'ils")


# --- portal text as data ----------------------------------------------------------------------

HOSTILE = [
    "Famille [/b]Martin",
    "[@click=app.quit]Cantine[/]",
    "[link=https://evil.example]Payer ici[/link]",
    "[blink]Urgent[/blink]",
    ":warning: x",
    "a\\[b]c\\",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_portal_text_is_shown_as_it_is_written(text: str) -> None:
    assert shown(text).plain == text
    assert shown(text).spans == []
    console = Console(record=True, width=120, force_terminal=True, color_system="truecolor")
    table = Table(title=shown("Titre ", text), expand=True)
    table.add_column("Colonne")
    table.add_row(shown(text))
    console.print(shown(text), table)
    out = console.export_text()
    assert out.count(text) == 3
    raw = console.export_text(styles=True)
    assert "\x1b]8;" not in raw and "\x1b[5m" not in raw


def test_the_faces_own_style_stays() -> None:
    text = shown(("Reste à payer : ", "bold"), "[b]12,00 €")
    assert text.plain == "Reste à payer : [b]12,00 €"
    assert [(s.start, s.end, str(s.style)) for s in text.spans] == [(0, 16, "bold")]


def test_controls_are_pictures_in_every_shape() -> None:
    assert plain("a\x1b[2Jb\x07") == "a␛[2Jb␇"
    assert shown("a\x9bb").plain == "a\ufffdb"
    assert plain(None) == ""
    assert clean_message("  deux\nlignes\x1b ") == "deux lignes"


def test_a_direct_debit_is_nothing_to_do() -> None:
    """Not « Non payable en ligne », not « en retard », and a refusal that says why."""
    debit = invoice(due=PAST, online=False, reason="Prélevée.").model_copy(
        update={"direct_debit_on": date(2026, 11, 25)})
    state = invoice_state(debit, TODAY)
    assert (state.offline, state.overdue, state.payable) == (False, False, False)
    assert state.direct_debit_on == date(2026, 11, 25)
    assert state.refusal == ("La facture 2026100042 sera réglée par prélèvement automatique "
                             "le 25/11/2026 : rien à faire.")


def test_the_proof_of_a_payment() -> None:
    from datetime import UTC, datetime

    from famille_tui.api import Receipt, ReceiptMethod

    late = Receipt(paid_at=datetime(2026, 11, 12, 19, 13, tzinfo=UTC), amount_cents=500,
                   method=ReceiptMethod.CARD, authorization_number="482913")
    early = Receipt(paid_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC), amount_cents=300,
                    method=ReceiptMethod.COUNTER)
    half = invoice(remaining=200).model_copy(update={"receipts": [late, early]})
    proof = payment_proof(half, offered=True)
    assert proof.receipts == (early, late) and proof.note is None
    # Paris time, as the confirmation e-mail says it (20 h 13 for 19:13 UTC in November).
    assert receipt_words(late) == ("12/11/2026 à 20 h 13 · 5,00\u00a0€ · carte bancaire, "
                                   "en ligne (PayFiP) · autorisation n° 482913")
    # Paid but nothing kept; a portal keeping no proofs; nothing paid at all.
    assert "aucun justificatif" in (payment_proof(invoice(remaining=200), offered=True).note
                                    or "")
    assert payment_proof(half, offered=False).note == (
        "Le justificatif de paiement : non proposé par ce portail.")
    assert payment_proof(invoice(), offered=True).empty


# --- a portal's way of paying ------------------------------------------------------------


def test_what_is_said_of_a_portal_paying_few_invoices_at_once() -> None:
    from famille_tui.client.rules import per_payment_limit_sentence, too_many_for_one_payment

    assert per_payment_limit_sentence(None) is None
    assert per_payment_limit_sentence(1) == (
        "Sur ce portail, chaque facture se paie séparément : une facture par paiement.")
    assert per_payment_limit_sentence(3) == "Sur ce portail, un paiement règle au plus 3 factures."
    assert too_many_for_one_payment(1).startswith("Sur ce portail, chaque facture se paie")
    assert "au plus 3 factures" in too_many_for_one_payment(3)


def test_the_values_to_retype() -> None:
    from famille_tui.client.portals.base import RetypedValue
    from famille_tui.client.rules import retyped_sentence

    assert retyped_sentence(()) is None
    values = (RetypedValue("Numéro de facture", "2026100042", "invoice_number"),
              RetypedValue("Adresse électronique", "a@b.fr", "email"))
    assert retyped_sentence(values) == (
        "La page de paiement de l'État vous demandera de saisir les valeurs suivantes. "
        "Numéro de facture : 2026100042. Adresse électronique : a@b.fr.")
    assert retyped_sentence(values[:1]) == (
        "La page de paiement de l'État vous demandera de saisir la valeur suivante. "
        "Numéro de facture : 2026100042.")


def test_what_a_parent_with_no_email_on_file_is_told() -> None:
    from famille_tui.api import HelpContact
    from famille_tui.client.rules import no_email_way_out, reset_code_sentence

    chaponost = HelpContact(
        commune="Chaponost", structure="Service Familles – restauration scolaire et crèche",
        address="Mairie de Chaponost, place de la Mairie", postal_code="69630",
        city="Chaponost", phone="04 78 00 00 00", email="infos.familles@mairie-chaponost.fr",
        opening_hours=[])
    lead = ("Si vous n'avez jamais donné d'adresse électronique à l'inscription de votre "
            "enfant, demandez-en l'enregistrement à ")
    # The leaflet's « je fais une demande à infos.familles@mairie-chaponost.fr ».
    assert no_email_way_out(chaponost) == lead + (
        "Service Familles – restauration scolaire et crèche : "
        "infos.familles@mairie-chaponost.fr ou 04 78 00 00 00.")
    assert no_email_way_out(chaponost.model_copy(update={"phone": " "})).endswith(
        " : infos.familles@mairie-chaponost.fr.")
    # No contact from the portal: no address made up.
    assert no_email_way_out(None) == lead + "la structure qui l'accueille."
    assert reset_code_sentence(None).startswith(
        "Le code est envoyé à l'adresse électronique enregistrée pour ce compte ; sans "
        "adresse enregistrée, aucun code n'arrive. Si vous n'avez jamais")
