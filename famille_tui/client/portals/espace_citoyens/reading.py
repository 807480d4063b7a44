"""Reading Espace Citoyens pages: what the connector takes from each, or a
`PortalProtocolError` whose French message names the element that was missing.

The parser is selectolax (Lexbor): a real HTML5 parser, so a page is read as a browser
reads it, whatever its markup errors. Every text taken from a page is cleaned as portal text
is (`clean_message`: no control characters, whitespace collapsed, bounded), and no message
ever quotes a value of the page (a name, an amount): `famille-tui doctor` prints them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qs, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from famille_tui.client.display import clean_message
from famille_tui.client.errors import PortalProtocolError
from famille_tui.client.portals.espace_citoyens.french import REMAINING, parse_cents, parse_date

TOKEN_FIELD = "__RequestVerificationToken"
SESSION_COOKIE_NAME = "ASP.NET_SessionIdEC"

#: Avatar file name → (kind, role label). The only place the role shows (dialect file).
AVATARS: dict[str, tuple[str, str]] = {
    "pere.png": ("adult", "Père"),
    "mere.png": ("adult", "Mère"),
    "garcon.png": ("child", "Enfant"),
    "fillette.png": ("child", "Enfant"),
    "agent_fille.png": ("contact", "Entourage"),
    "agent_homme.png": ("contact", "Entourage"),
}


def drifted(where: str, what: str) -> PortalProtocolError:
    """« La page {where} d'Espace Citoyens a changé : {what} introuvable. »"""
    return PortalProtocolError(
        f"La page {where} du portail Espace Citoyens n'a pas la forme attendue : {what}. "
        "Le portail a peut-être changé : « famille-tui doctor » aide à le signaler."
    )


def parse(html: str) -> LexborHTMLParser:
    return LexborHTMLParser(html)


#: Stands for a no-break space while the text is cleaned (a private-use character).
_KEPT_NBSP = "\ue000"


def text_of(node: LexborNode | None) -> str:
    """A node's text, cleaned as portal text is; its no-break spaces are kept (French writes
    « 0,60\u00a0€ » with one, and the Famille API's texts have them too)."""
    if node is None:
        return ""
    raw = node.text(deep=True, separator=" ").replace("\u00a0", _KEPT_NBSP)
    return (clean_message(raw) or "").replace(_KEPT_NBSP, "\u00a0")


def _required(doc: LexborHTMLParser | LexborNode, selector: str, where: str,
              what: str | None = None) -> LexborNode:
    node = doc.css_first(selector)
    if node is None:
        raise drifted(where, f"« {what or selector} » introuvable")
    return node


def page_text(doc: LexborHTMLParser) -> str:
    body = doc.body
    return text_of(body) if body is not None else ""


# --- login ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    action: str
    method: str
    fields: dict[str, str]
    inputs: frozenset[str]


def read_form(node: LexborNode) -> Form:
    fields: dict[str, str] = {}
    inputs: set[str] = set()
    for item in node.css("input"):
        name = item.attributes.get("name")
        if not name:
            continue
        inputs.add(name)
        kind = (item.attributes.get("type") or "text").lower()
        if kind == "hidden":
            fields[name] = item.attributes.get("value") or ""
    return Form(
        action=node.attributes.get("action") or "",
        method=(node.attributes.get("method") or "get").lower(),
        fields=fields,
        inputs=frozenset(inputs),
    )


def login_form(doc: LexborHTMLParser, where: str) -> Form | None:
    """form#idFormConnexion with its hidden token and the username/password fields, or None
    when the page has no such form (the newer interface logs in by AJAX)."""
    node = doc.css_first("form#idFormConnexion")
    if node is None:
        return None
    form = read_form(node)
    if TOKEN_FIELD not in form.fields:
        raise drifted(where, f"champ caché {TOKEN_FIELD} du formulaire #idFormConnexion "
                             "introuvable")
    for name in ("username", "password"):
        if name not in form.inputs:
            raise drifted(where, f"champ « {name} » du formulaire #idFormConnexion introuvable")
    return form


def login_error(doc: LexborHTMLParser) -> str | None:
    node = doc.css_first("span.erreurLogin")
    return text_of(node) or None if node is not None else None


def modal_has_fields(doc: LexborHTMLParser) -> bool:
    names = {n.attributes.get("name") for n in doc.css("input")}
    return {"username", "password"} <= names


# --- « Mon espace » ---------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One person of CompteCitoyen: its idDynamic, kind (adult, child, contact), role label
    (from the avatar) and display name (the avatar's alt)."""

    id_dynamic: int
    kind: str
    role: str
    name: str


def members(doc: LexborHTMLParser) -> list[Member]:
    where = "CompteCitoyen"
    found: dict[int, Member] = {}
    links = [a for a in doc.css("a[href]")
             if "fichepersonne/detailpersonne" in (a.attributes.get("href") or "").lower()]
    if not links:
        raise drifted(where, "aucun lien FichePersonne/DetailPersonne?idDynamic=N")
    for link in links:
        query = parse_qs(urlsplit(link.attributes.get("href") or "").query)
        values = {k.lower(): v for k, v in query.items()}.get("iddynamic", [""])
        if not values[0].isdigit():
            raise drifted(where, "paramètre idDynamic d'un lien DetailPersonne")
        number = int(values[0])
        image = link.css_first("img")
        if image is None:
            raise drifted(where, "avatar (img) d'un lien DetailPersonne")
        src = (image.attributes.get("src") or "").split("?")[0]
        file_name = src.rsplit("/", 1)[-1].lower()
        if file_name not in AVATARS:
            raise drifted(where, "avatar d'un type inconnu (ni pere, mere, garcon, fillette, "
                                 "agent_fille, agent_homme .png)")
        name = clean_message(image.attributes.get("alt") or "") or ""
        if not name:
            raise drifted(where, "nom (attribut alt) d'un avatar")
        kind, role = AVATARS[file_name]
        found.setdefault(number, Member(number, kind, role, name))
    return sorted(found.values(), key=lambda m: m.id_dynamic)


def counters(doc: LexborHTMLParser) -> dict[str, int]:
    """The .smarties bubbles: « 2 messages non lus » → {"messages non lus": 2}."""
    result: dict[str, int] = {}
    for node in doc.css(".smarties"):
        match = re.fullmatch(r"(\d+)\s+([\w ]+)", text_of(node))
        if match:
            result[match.group(2).strip()] = int(match.group(1))
    return result


@dataclass(frozen=True)
class PersonPage:
    name: str
    fields: dict[str, str]

    def get(self, *labels: str) -> str | None:
        for label in labels:
            value = self.fields.get(label.lower())
            if value:
                return value
        return None

    def need(self, label: str) -> str:
        value = self.get(label)
        if value is None:
            raise drifted("FichePersonne/DetailPersonne", f"champ « {label} »")
        return value


def labelled_fields(doc: LexborHTMLParser | LexborNode) -> dict[str, str]:
    """Every `dt` and the `dd` after it, labels in lower case without a final colon."""
    result: dict[str, str] = {}
    for term in doc.css("dt"):
        value = term.next
        while value is not None and value.tag not in ("dd", "dt"):
            value = value.next
        if value is None or value.tag != "dd":
            continue
        label = text_of(term).rstrip(" :").lower()
        result.setdefault(label, text_of(value))
    return result


def person(doc: LexborHTMLParser) -> PersonPage:
    name = text_of(_required(doc, "#hMonEspaceIdentite", "FichePersonne/DetailPersonne"))
    if not name:
        raise drifted("FichePersonne/DetailPersonne", "nom dans #hMonEspaceIdentite")
    return PersonPage(name, labelled_fields(doc))


def split_name(display: str) -> tuple[str, str]:
    """« Claire MARTIN » or « MARTIN Claire » → (first, last): the words in capitals are the
    last name. A name without one is kept whole as the first name."""
    words = display.split()
    last = [w for w in words if w.isupper() and len(w) > 1]
    first = [w for w in words if w not in last]
    if not last or not first:
        return display, ""
    return " ".join(first), " ".join(last)


# --- « Mes factures » -------------------------------------------------------------------


#: Ids from here up were made from an IdFactureUnique that is not a number.
HASHED_IDS = 2**62


def invoice_key(raw_id: str) -> int:
    """The connector's integer id of an invoice: its IdFactureUnique when it is a number,
    else a stable number made from it (the same in every session)."""
    if raw_id.isdigit() and not raw_id.startswith("0") and 0 < int(raw_id) < HASHED_IDS:
        return int(raw_id)
    return int.from_bytes(hashlib.sha256(raw_id.encode()).digest()[:7], "big") + HASHED_IDS


@dataclass(frozen=True)
class InvoiceRow:
    raw_id: str
    id: int
    label: str
    number: str
    text: str

    @property
    def says_paid(self) -> bool:
        return "réglée" in self.text.lower()

    @property
    def remaining_cents(self) -> int | None:
        match = REMAINING.search(self.text)
        return parse_cents(match.group(1)) if match else None


def invoice_rows(doc: LexborHTMLParser) -> list[InvoiceRow]:
    where = "MonCompte"
    rows = doc.css("tr.compte")
    if not rows:
        if "aucune facture" in page_text(doc).lower():
            return []
        raise drifted(where, "aucune ligne tr.compte (ni la mention « Aucune facture »)")
    result = []
    for row in rows:
        raw_id = (row.attributes.get("id") or "").strip()
        if not raw_id or len(raw_id) > 64:
            raise drifted(where, "attribut id d'une ligne tr.compte")
        label = text_of(row.css_first(".ligneCompte"))
        if not label:
            raise drifted(where, "libellé .ligneCompte d'une ligne tr.compte")
        number = text_of(row.css_first(".numero_facture"))
        if not number:
            raise drifted(where, "numéro .numero_facture d'une ligne tr.compte")
        result.append(InvoiceRow(raw_id, invoice_key(raw_id), label, number, text_of(row)))
    return result


@dataclass(frozen=True)
class PayControl:
    """« Payer la facture »: a link (GET) or a form (its method, action and fields)."""

    method: str
    url: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InvoiceDetail:
    number: str
    issue_date: date
    due_date: date
    amount_cents: int
    remaining_cents: int
    says_paid: bool
    says_pending: bool
    service: str
    children: list[str]
    period: tuple[date, date]
    pay: PayControl | None
    not_payable_text: str | None


def _date_in(doc: LexborHTMLParser, element_id: str) -> date:
    where = "MonCompte/DetailFacture"
    value = parse_date(text_of(_required(doc, f"#{element_id}", where)))
    if value is None:
        raise drifted(where, f"date en toutes lettres dans #{element_id}")
    return value


def _pay_control(doc: LexborHTMLParser) -> PayControl | None:
    wanted = "payer la facture"
    for link in doc.css("a[href]"):
        if text_of(link).lower() == wanted:
            return PayControl("get", link.attributes.get("href") or "")
    for button in doc.css("button, input[type=submit]"):
        label = text_of(button) or (button.attributes.get("value") or "")
        if label.strip().lower() != wanted:
            continue
        form = button.parent
        while form is not None and form.tag != "form":
            form = form.parent
        if form is None:
            return None
        read = read_form(form)
        fields = dict(read.fields)
        name = button.attributes.get("name")
        if name:
            fields[name] = button.attributes.get("value") or ""
        return PayControl(read.method, read.action, fields)
    return None


def invoice_detail(doc: LexborHTMLParser) -> InvoiceDetail:
    where = "MonCompte/DetailFacture"
    header = text_of(_required(doc, "#hDetailFacture_Facture", where))
    parts = [p.strip() for p in header.split(" - ")]
    if len(parts) < 2 or not parts[1]:
        raise drifted(where, "numéro dans #hDetailFacture_Facture (« … - numéro - … »)")
    total = parse_cents(text_of(_required(doc, "#spanDetailFacture_MntTotalFacture", where)))
    if total is None:
        raise drifted(where, "montant à virgule dans #spanDetailFacture_MntTotalFacture")
    text = page_text(doc)
    match = REMAINING.search(text)
    remaining = parse_cents(match.group(1)) if match else None
    if remaining is None:
        raise drifted(where, "« Reste à payer » et son montant")
    if remaining > total:
        raise drifted(where, "un « Reste à payer » plus grand que le montant total")
    fields = labelled_fields(doc)
    period_text = fields.get("période", "")
    dates = [parse_date(p) for p in re.split(r"\bau\b", period_text, maxsplit=1)]
    if len(dates) != 2 or dates[0] is None or dates[1] is None:
        raise drifted(where, "« Période » (du … au …)")
    children = [c.strip() for c in fields.get("enfants", "").split(",") if c.strip()]
    refusal = doc.css_first(".paiementImpossible")
    lowered = text.lower()
    return InvoiceDetail(
        number=parts[1],
        issue_date=_date_in(doc, "spanDetailFacture_DatEmissionFacture"),
        due_date=_date_in(doc, "spanDetailFacture_DatLimitePaiementFacture"),
        amount_cents=total,
        remaining_cents=remaining,
        says_paid="réglée" in lowered,
        says_pending="paiement en cours" in lowered,
        service=fields.get("prestation", ""),
        children=children,
        period=(dates[0], dates[1]),
        pay=_pay_control(doc),
        not_payable_text=text_of(refusal) or None if refusal is not None else None,
    )
