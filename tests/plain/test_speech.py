"""speech.py: amounts, dates and counts written as a French speech synthesiser reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from famille_tui.api.money import format_euros
from famille_tui.plain.speech import (
    age_words,
    amount_words,
    count_words,
    date_words,
    datetime_words,
    period_words,
    sentence,
    speakable,
    spoken_text,
)


@pytest.mark.parametrize(
    ("cents", "words"),
    [
        (31240, "312 euros 40"),
        (100, "1 euro"),
        (0, "0 euro"),
        (199, "1 euro 99"),
        (200, "2 euros"),
        (105, "1 euro 05"),
        (50, "50 centimes"),
        (1, "1 centime"),
        (123456, "1 234 euros 56"),
        (10_000_000, "100 000 euros"),
        (-2500, "moins 25 euros"),
    ],
)
def test_amount_words(cents: int, words: str) -> None:
    assert amount_words(cents) == words


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (date(2026, 11, 15), "15 novembre 2026"),
        (date(2026, 12, 1), "1er décembre 2026"),
        (date(2027, 2, 28), "28 février 2027"),
        (date(2026, 8, 2), "2 août 2026"),
    ],
)
def test_date_words(day: date, words: str) -> None:
    assert date_words(day) == words


def test_datetime_words_uses_hours_in_words_and_paris_time() -> None:
    local = datetime(2026, 11, 15, 14, 30)
    assert datetime_words(local) == "15 novembre 2026 à 14 heures 30"
    assert datetime_words(datetime(2026, 11, 15, 9, 0)) == "15 novembre 2026 à 9 heures"
    assert datetime_words(datetime(2026, 11, 15, 1, 5)) == "15 novembre 2026 à 1 heure 05"
    aware = datetime(2026, 11, 15, 13, 30, tzinfo=timezone(timedelta(hours=-1)))
    # 14 h 30 UTC is 15 h 30 in Paris in November, whatever the machine's zone (bug 11).
    assert datetime_words(aware) == "15 novembre 2026 à 15 heures 30"


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (date(2026, 10, 1), date(2026, 10, 31), "octobre 2026"),
        (date(2026, 2, 1), date(2026, 2, 28), "février 2026"),
        (date(2026, 10, 1), date(2026, 10, 15), "du 1er au 15 octobre 2026"),
        (date(2026, 9, 3), date(2026, 10, 15), "du 3 septembre au 15 octobre 2026"),
        (date(2025, 12, 15), date(2026, 1, 15), "du 15 décembre 2025 au 15 janvier 2026"),
        (date(2026, 10, 7), date(2026, 10, 7), "le 7 octobre 2026"),
    ],
)
def test_period_words(start: date, end: date, words: str) -> None:
    assert period_words(start, end) == words


def test_count_words_french_plural_and_none() -> None:
    assert count_words(3, "facture", "factures") == "3 factures"
    assert count_words(1, "facture", "factures") == "1 facture"
    assert count_words(0, "facture", "factures") == "0 facture"
    assert count_words(0, "facture", "factures", none="aucune facture") == "aucune facture"


def test_age_words() -> None:
    """The ages of every face (`rules.child_age`): a crèche counts months up to 2 years, and
    months beside the years up to 6 (this face said « 1 an » where the TUI said « 12 mois »)."""
    today = date(2026, 11, 15)
    assert age_words(date(2026, 4, 20), today) == "6 mois"
    assert age_words(date(2025, 11, 15), today) == "12 mois"
    assert age_words(date(2023, 11, 16), today) == "2 ans et 11 mois"
    assert age_words(date(2022, 11, 15), today) == "4 ans"
    assert age_words(date(2026, 11, 1), today) == "2 semaines"
    assert age_words(date(2027, 1, 1), today) == "à naître"


def test_sentence_and_spoken_text() -> None:
    assert sentence("Famille") == "Famille."
    assert sentence("Adresse :") == "Adresse :"
    assert sentence("Fini.") == "Fini."
    assert spoken_text("Crèche Les Pirouettes – octobre 2026") == (
        "Crèche Les Pirouettes, octobre 2026"
    )
    assert spoken_text("ligne une\n\n  ligne deux ") == "ligne une ligne deux"
    assert spoken_text("de 7 h 30 à 18 h 30, 24 h/24 et 7 j/7, dès 9h") == (
        "de 7 heures 30 à 18 heures 30, 24 heures sur 24 et 7 jours sur 7, dès 9 heures"
    )


def test_speakable_rewrites_client_amounts() -> None:
    message = f"Réglée : le paiement de {format_euros(123456)} est accepté (autorisation n° 42)…"
    assert speakable(message) == (
        "Réglée : le paiement de 1 234 euros 56 est accepté (autorisation numéro 42)."
    )
    assert speakable(f"Total {format_euros(100)}.") == "Total 1 euro."


def test_lines_are_cut_at_spaces_never_inside_an_amount_a_date_or_a_quote() -> None:
    """Finding 12: a console reader reads by screen line; a word, an amount, a date or a
    French quote cut by the line's end is heard in two pieces."""
    from famille_tui.plain.console import wrapped

    line = ("Le paiement préparé par le portail ne peut pas aboutir, d'ici là ses factures "
            "restent « Paiement en cours » : 312 euros 40, le 15 novembre 2026.")
    for width in range(30, 90):
        lines = wrapped(line, width)
        assert " ".join(lines) == line
        assert all(len(part) <= width for part in lines), (width, lines)
        for part in lines:
            assert not part.endswith("«") and not part.startswith("»"), (width, lines)
            assert not part.endswith(("312", "312 euros", "15", "15 novembre")), (width, lines)
def test_the_proof_of_a_payment_is_said_in_paris_time() -> None:
    """Issue 19: a paid invoice's proof, in the time the confirmation e-mail gives (bug 11's
    two times: the machine's zone must not matter)."""
    from famille_tui.api import Receipt, ReceiptMethod
    from famille_tui.plain.invoices import receipt_sentence

    card = Receipt(paid_at=datetime(2026, 11, 12, 19, 13, tzinfo=UTC),
                   amount_cents=19850, method=ReceiptMethod.CARD,
                   authorization_number="482913")
    assert receipt_sentence(card) == (
        "Payé le 12 novembre 2026 à 20 heures 13 : 198 euros 50, carte bancaire, en ligne "
        "(PayFiP), autorisation numéro 482913.")
