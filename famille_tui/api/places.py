"""Commune names after « de » and « à », as French writes them: « Le Chambon-Feugerolles »
gives « du Chambon-Feugerolles » and « au Chambon-Feugerolles », « Les Ulis » « des Ulis » and
« aux Ulis », « La Talaudière » stays « de La Talaudière », « Annecy » gives « d'Annecy ».
Here (not in `client`) so that the portal's e-mails and every face share it."""

from __future__ import annotations

_VOWELS = "aeiouyàâäéèêëîïôöùûüœ"  # not h: « de Hazebrouck » (h aspiré)

#: The articles that contract with « de » / « à » (« la » and « l' » never do).
_OF = {"le": "du", "les": "des"}
_AT = {"le": "au", "les": "aux"}


def _split(name: str) -> tuple[str, str]:
    article, _, rest = name.strip().partition(" ")
    return article, rest


def of_place(name: str) -> str:
    """« de » + the name: « du Chambon-Feugerolles », « de Chaponost », « d'Annecy »."""
    article, rest = _split(name)
    if rest and article.lower() in _OF:
        return f"{_OF[article.lower()]} {rest}"
    if name[:1].lower() in _VOWELS:
        return f"d'{name}"
    return f"de {name}"


def at_place(name: str) -> str:
    """« à » + the name: « au Chambon-Feugerolles », « aux Ulis », « à Chaponost »."""
    article, rest = _split(name)
    if rest and article.lower() in _AT:
        return f"{_AT[article.lower()]} {rest}"
    return f"à {name}"
