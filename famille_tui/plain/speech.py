"""Words a speech synthesiser reads well: amounts, dates, counts, statuses.

The screen-reader interface never prints « 312,40 € » or « 15/11/2026 »: a synthesiser reads
the first as « trois cent douze virgule quarante » and the second digit by digit. Everything
here writes what a person would say instead (« 312 euros 40 », « 15 novembre 2026 »), still
in digits so that braille displays stay short and espeak-ng, NVDA and VoiceOver read the
numbers in French.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime

from famille_tui.api import InvoiceStatus, PaymentStatus
from famille_tui.client.display import plain

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _grouped(number: int) -> str:
    """`1234567` → « 1 234 567 »: synthesisers read French digit groups as one number."""
    return f"{number:,}".replace(",", " ")


def amount_words(cents: int) -> str:
    """`31240` → « 312 euros 40 », `100` → « 1 euro », `0` → « 0 euro », `50` → « 50 centimes »,
    `105` → « 1 euro 05 », `123456` → « 1 234 euros 56 », negative → « moins … »."""
    if cents < 0:
        return "moins " + amount_words(-cents)
    euros, rest = divmod(cents, 100)
    if euros == 0 and rest:
        return f"{rest} centime" + ("s" if rest > 1 else "")
    # French: « 0 euro », « 1 euro », « 2 euros » (the plural starts at 2).
    unit = "euros" if euros >= 2 else "euro"
    words = f"{_grouped(euros)} {unit}"
    if rest:
        words += f" {rest:02d}"
    return words


def date_words(day: date | None) -> str:
    """`2026-11-15` → « 15 novembre 2026 »; the first of the month is « 1er »; « non
    indiquée » when the portal gives no date."""
    if day is None:
        return "non indiquée"
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


def time_words(moment: datetime) -> str:
    """« 14 heures 30 », « 9 heures », « 0 heure 05 » (« 14 h 30 » is read « 14 hache 30 »)."""
    unit = "heures" if moment.hour >= 2 else "heure"
    words = f"{moment.hour} {unit}"
    if moment.minute:
        words += f" {moment.minute:02d}"
    return words


def datetime_words(moment: datetime) -> str:
    """« 15 novembre 2026 à 14 heures 30 », in Paris time when the moment is aware (the
    time the confirmation e-mail and the other faces give, whatever the machine's zone)."""
    if moment.tzinfo is not None:
        from famille_tui.api.clock import paris

        moment = paris(moment)
    return f"{date_words(moment.date())} à {time_words(moment)}"


def period_words(start: date, end: date) -> str:
    """« octobre 2026 » for a whole month, else « du 3 au 21 octobre 2026 » and so on."""
    whole_month = (
        start.day == 1
        and (start.year, start.month) == (end.year, end.month)
        and end.day == calendar.monthrange(end.year, end.month)[1]
    )
    if whole_month:
        return f"{MONTHS[start.month - 1]} {start.year}"
    if start == end:
        return f"le {date_words(start)}"
    if start.year == end.year and start.month == end.month:
        first = "1er" if start.day == 1 else str(start.day)
        return f"du {first} au {date_words(end)}"
    if start.year == end.year:
        first = "1er" if start.day == 1 else str(start.day)
        return f"du {first} {MONTHS[start.month - 1]} au {date_words(end)}"
    return f"du {date_words(start)} au {date_words(end)}"


def count_words(count: int, singular: str, plural: str, none: str | None = None) -> str:
    """`count_words(3, "facture", "factures")` → « 3 factures »; 0 gives `none` if set
    (« aucune facture ») else « 0 facture » (French: no plural for 0 and 1)."""
    if count == 0 and none is not None:
        return none
    return f"{count} {singular if count < 2 else plural}"


def age_words(birth: date, today: date) -> str:
    """« 18 mois », « 2 semaines », « 3 ans et 2 mois », « à naître »: `rules.child_age`'s
    words, the same as on every face."""
    from famille_tui.client.rules import child_age

    return child_age(birth, today).words


INVOICE_STATUS_WORDS: dict[InvoiceStatus, str] = {
    InvoiceStatus.A_PAYER: "à payer",
    InvoiceStatus.EN_COURS: "paiement en cours",
    InvoiceStatus.REGLEE: "réglée",
}

PAYMENT_STATUS_WORDS: dict[PaymentStatus, str] = {
    PaymentStatus.PENDING: "en attente",
    PaymentStatus.PAID: "réglé",
    PaymentStatus.REFUSED: "refusé",
    PaymentStatus.CANCELLED: "abandonné",
    PaymentStatus.EXPIRED: "expiré",
}


def sentence(text: str) -> str:
    """End a line with a full stop (unless it already ends a sentence), so that a synthesiser
    makes a pause and the next line is not run into this one."""
    text = text.strip()
    if not text or text[-1] in ".!?:…":
        return text
    return text + "."


def spoken_text(text: str) -> str:
    """Text from the portal, made linear: lines joined, dashes used as separators become
    commas (« Crèche Les Pirouettes – octobre 2026 » → « Crèche Les Pirouettes, octobre 2026 »),
    and no character a synthesiser would spell out (nor a terminal would act on)."""
    text = plain(text)
    text = " ".join(part.strip() for part in text.splitlines() if part.strip())
    for dash in (" – ", " — ", " - "):
        text = text.replace(dash, ", ")
    # « 24 h/24 », « 7 j/7 », « 7 h 30 »: read « 24 hache barre 24 », « 7 hache 30 ».
    text = _PER.sub(lambda m: f"{m.group(1)} {_UNITS[m.group(2)]} sur {m.group(3)}", text)
    text = _CLOCK.sub(_clock_words, text)
    # The portal's own amounts, as the client's messages have them (« 0,60 € » is read
    # « zéro virgule soixante » otherwise).
    return _euros(text)


_UNITS = {"h": "heures", "j": "jours"}
_PER = re.compile(r"\b(\d+) ?([hj]) ?/ ?(\d+)\b")
_CLOCK = re.compile(r"\b(\d{1,2}) ?h ?(\d{2})?\b")


def _clock_words(match: re.Match[str]) -> str:
    hours = int(match.group(1))
    words = f"{hours} {'heures' if hours >= 2 else 'heure'}"
    return words + (f" {match.group(2)}" if match.group(2) else "")


def capitalized(text: str) -> str:
    """First letter upper case, the rest untouched (« aucune facture » → « Aucune facture »)."""
    return text[:1].upper() + text[1:]


_EUROS = re.compile(r"(-?)(\d{1,3}(?:[\u00a0\u202f ]\d{3})*),(\d{2})[\u00a0\u202f ]?€")


def _euros(text: str) -> str:
    def words(match: re.Match[str]) -> str:
        euros = int(re.sub(r"\D", "", match.group(2)))
        cents = euros * 100 + int(match.group(3))
        return amount_words(-cents if match.group(1) else cents)

    return _EUROS.sub(words, text)


def speakable(text: str) -> str:
    """A message of the client layer made fit for a synthesiser: « 1 234,56 € » becomes
    « 1 234 euros 56 » (read « virgule » otherwise), « … » a full stop, « n° » « numéro »,
    long identifiers in groups of two digits (`identifier_words`)."""
    text = _euros(text)
    text = _LONG_NUMBER.sub(lambda m: identifier_words(m.group(0)), text)
    text = text.replace("…", ".").replace("n° ", "numéro ")
    return text.replace("..", ".")


_LONG_NUMBER = re.compile(r"(?<![\d.,])\d{6,}(?![\d.,])")


def identifier_words(identifier: str) -> str:
    """An invoice or authorisation number read as digits, not as a quantity: `2026100042` →
    « 20 26 10 00 42 » (« deux milliards… » otherwise; groups of three are read as one
    number again), in pairs like a French phone number. Anything but 5 digits or more is
    given back as it is."""
    identifier = identifier.strip()
    if len(identifier) < 5 or not identifier.isdigit():
        return identifier
    return " ".join(identifier[i:i + 2] for i in range(0, len(identifier), 2))


def spelled(text: str) -> str:
    """Character by character, as a person spells an address: « h t t p deux-points… »,
    capitals and symbols named (a synthesiser says nothing for many of them)."""
    names = {
        ":": "deux-points", "/": "barre oblique", ".": "point", "-": "tiret",
        "_": "tiret bas", "@": "arobase", "?": "point d'interrogation", "=": "égal",
        "&": "et commercial", "~": "tilde", "#": "dièse", "%": "pour cent", "+": "plus",
    }
    words: list[str] = []
    for char in text:
        if char in names:
            words.append(names[char])
        elif char.isalpha() and char.isupper():
            words.append(f"{char} majuscule")
        else:
            words.append(char)
    return ", ".join(words)
