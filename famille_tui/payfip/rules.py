"""What a well-formed payment request is, the régies, and where the stand-in may call back.

The formats are the public ones (`numcli` 6 digits, `montant` integer cents of at least 3
digits from 1 € to 100 000 €, `refdet` 6 to 30 letters or digits, `mel` with « @ » and 6 to
80 characters, `objet` letters, digits and spaces, at most 100). Every check returns a French
problem (or None) and never raises, whatever the text: a query string can hold anything.

A TIPI request may leave `refdet` and `mel` empty for the payer to type, as the Chambon
leaflet describes (« renseignez le numéro de facture et votre adresse électronique »): then
its `objet` must name exactly one invoice number (`objet_numbers`), which becomes the
request's refdet, so that nothing the payer types changes what is paid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

NUMCLI = re.compile(r"\d{6}")
EXER = re.compile(r"\d{4}")
REFDET = re.compile(r"[A-Za-z0-9]{6,30}")
MONTANT = re.compile(r"\d{3,8}")
OBJET = re.compile(r"[A-Za-z0-9 ]{0,100}")
MIN_CENTS = 100
MAX_CENTS = 10_000_000
#: `saisie` of each protocol: T test, X activation, W (web service) or A/M (TIPI) production.
SAISIE_WS = frozenset("TXW")
SAISIE_TIPI = frozenset("TXAM")


class RegieError(ValueError):
    """A `--regie` that cannot be read; the message is French."""


def origin_of_url(url: str) -> str | None:
    """`scheme://host[:port]` of an http(s) URL, lower case, default port dropped; None for
    anything else (another scheme, user:password@, a bad port, control characters, spaces,
    backslashes — what browsers and HTTP libraries « repair » into another address)."""
    if not url or len(url) > 2000 or not url.isascii():
        return None
    if any(ord(c) <= 0x20 or ord(c) == 0x7F or c == "\\" for c in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host or "@" in parts.netloc:
        return None
    shown = f"[{host}]" if ":" in host else host
    if port is None or port == (443 if scheme == "https" else 80):
        return f"{scheme}://{shown}"
    return f"{scheme}://{shown}:{port}"


@dataclass(frozen=True)
class Regie:
    """A collectivité's régie: its client number, its name, the one origin called back."""

    numcli: str
    name: str
    origin: str

    def may_call(self, url: str) -> bool:
        """Whether `url` is on this régie's origin (the only place the service calls)."""
        return origin_of_url(url) == self.origin


def parse_regie(text: str) -> Regie:
    """`NUMCLI=ORIGIN` or `NUMCLI=ORIGIN=NAME` (the name defaults to « Régie NUMCLI »)."""
    numcli, _, rest = text.partition("=")
    origin, _, name = rest.partition("=")
    numcli = numcli.strip()
    if not NUMCLI.fullmatch(numcli):
        raise RegieError(f"régie « {text} » : le numéro de client doit avoir 6 chiffres")
    clean = origin_of_url(origin.strip())
    if clean is None or urlsplit(origin.strip()).path not in ("", "/"):
        raise RegieError(
            f"régie « {text} » : origine attendue comme http://hôte:port (sans chemin)"
        )
    return Regie(numcli, name.strip() or f"Régie {numcli}", clean)


def amount_problem(montant: str) -> str | None:
    if not MONTANT.fullmatch(montant) or not MIN_CENTS <= int(montant) <= MAX_CENTS:
        return "montant : en centimes, de 100 (1\u00a0€) à 10000000 (100\u00a0000\u00a0€)"
    return None


def email_problem(mel: str) -> str | None:
    if "@" not in mel or not 6 <= len(mel) <= 80 or any(c.isspace() for c in mel):
        return "Adresse mél incorrecte."
    return None


def objet_numbers(objet: str) -> set[str]:
    """The invoice numbers an `objet` names (« Facture 2026100042 », « Factures A1 B2 »):
    its words of 6 to 30 letters or digits holding a digit, upper case."""
    return {w.upper() for w in objet.split()
            if REFDET.fullmatch(w) and any(c.isdigit() for c in w)}


def request_problems(
    fields: dict[str, str], *, saisies: frozenset[str], regie: Regie | None, callback: str,
    payer_types: bool = False,
) -> list[str]:
    """Problems of a payment request (both protocols), in French, in the fields' order.
    `callback` names the field holding the URL the service will call (`urlcl`/`urlnotif`).
    `payer_types` (TIPI): `refdet` and `mel` may be left empty for the payer to type, the
    refdet then being the one invoice number the objet names."""
    problems = []
    if regie is None:
        problems.append("numcli : numéro de client inconnu du service de paiement")
    if not EXER.fullmatch(fields.get("exer", "")):
        problems.append("exer : année sur 4 chiffres attendue")
    typed_refdet = payer_types and not fields.get("refdet", "")
    if typed_refdet and len(objet_numbers(fields.get("objet", ""))) != 1:
        problems.append("refdet : laissé à saisir, l'objet doit nommer une et une seule facture")
    elif not typed_refdet and not REFDET.fullmatch(fields.get("refdet", "")):
        problems.append("refdet : de 6 à 30 lettres ou chiffres attendus")
    if not OBJET.fullmatch(fields.get("objet", "")):
        problems.append("objet : lettres, chiffres et espaces, 100 au plus")
    problem = amount_problem(fields.get("montant", ""))
    if problem:
        problems.append(problem)
    problem = email_problem(fields.get("mel", ""))
    if problem and not (payer_types and not fields.get("mel", "")):
        problems.append("mel : " + problem)
    if fields.get("saisie", "") not in saisies:
        problems.append("saisie : " + " ou ".join(sorted(saisies)) + " attendu")
    if regie is not None and not regie.may_call(fields.get(callback, "")):
        problems.append(
            f"{callback} : le service ne rappelle que l'adresse déclarée pour ce numéro de "
            f"client ({regie.origin})"
        )
    return problems
