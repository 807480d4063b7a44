"""What Espace Citoyens writes the French way, read back: long dates and decimal commas."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}
_LONG_DATE = re.compile(
    r"(?:^|\s)(\d{1,2})(?:er)?\s+([a-zéèêûôîç]+)\.?\s+(\d{4})(?:$|\s)", re.IGNORECASE)
_SHORT_DATE = re.compile(r"(?:^|\s)(\d{1,2})/(\d{1,2})/(\d{4})(?:$|\s)")
_AMOUNT = re.compile(r"^-?\d{1,3}(?:[\s.\u00a0\u202f]?\d{3})*(?:,\d{1,2})?$")


def _plain(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def parse_date(text: str) -> date | None:
    """« 15 janvier 2026 », « 1er octobre 2026 », « lundi 2 mars 2026 », « 15/01/2026 »;
    None when the text holds no such date."""
    found = _LONG_DATE.search(" " + text + " ")
    if found:
        month = _MONTHS.get(_plain(found.group(2)))
        if month is None:
            return None
        try:
            return date(int(found.group(3)), month, int(found.group(1)))
        except ValueError:
            return None
    found = _SHORT_DATE.search(" " + text + " ")
    if found:
        try:
            return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
        except ValueError:
            return None
    return None


def parse_cents(text: str) -> int | None:
    """« 312,40 », « 1 234,56 € », « 60,00 » → cents; None when it is not an amount (a
    negative amount too: no invoice is less than nothing)."""
    value = text.replace("€", "").replace("EUR", "").strip()
    if not value or not _AMOUNT.fullmatch(value) or value.startswith("-"):
        return None
    euros, _, cents = value.partition(",")
    digits = re.sub(r"[\s.\u00a0\u202f]", "", euros)
    return int(digits) * 100 + int((cents + "00")[:2])


#: « Reste à payer : 312,40 € » anywhere in a text.
REMAINING = re.compile(
    r"reste\s+[àa]\s+payer\s*:?\s*(\d{1,3}(?:[\s.\u00a0\u202f]?\d{3})*(?:,\d{1,2})?)",
    re.IGNORECASE)
