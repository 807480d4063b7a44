"""Amounts the French way, from integer cents: « 1 234,56 € »."""

from __future__ import annotations


def format_euros(cents: int) -> str:
    """`123456` → « 1 234,56 € » (no-break space between thousands)."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", "\u00a0")
    return f"{sign}{grouped},{rest:02d}\u00a0€"
