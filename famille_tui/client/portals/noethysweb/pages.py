"""Reading Noethysweb's pages: hostile HTML in, plain values out.

Every function takes the text of one page (or fragment) and returns what the connector needs,
or raises `PortalProtocolError` whose French message names what was missing (« le tableau
des factures (aria-label « Liste des dernières factures ») »). Nothing here trusts markup: a
value is the text of an element, cleaned of control characters, bounded in length; a link
is kept only when it stays on the portal's origin. Tables are found by their `aria-label`
(none has an id) and read by their column headers, not by position.

The parser is selectolax's Lexbor backend (HTML5-correct, the one the Espace Citoyens
connector uses too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from selectolax.lexbor import LexborHTMLParser, LexborNode

from famille_tui.client.display import clean_message
from famille_tui.client.errors import PortalProtocolError

__all__ = [
    "CaptchaRefresh",
    "ContactRow",
    "FicheRow",
    "InvoiceDetail",
    "InvoicePage",
    "InvoiceRow",
    "LoginForm",
    "PayableRow",
    "ReglementRow",
    "is_login_page",
    "login_error",
    "looks_like_noethysweb",
    "parse_cents",
    "parse_contact_form",
    "parse_contacts",
    "parse_fiches",
    "parse_fr_date",
    "parse_identite",
    "parse_invoice_detail",
    "parse_invoice_page",
    "parse_login_form",
    "parse_reglements",
    "protocol_error",
    "user_name",
]

#: Longest value kept from one cell (a name, a label).
MAX_TEXT = 200
_HEX_KEY = re.compile(r"^[0-9a-f]{40}$")
_TOKEN = re.compile(r"^[A-Za-z0-9]{32,128}$")
_MONEY = re.compile(r"^(-?)(\d{1,3}(?:[ \u00a0\u202f]?\d{3})*|\d+)(?:[.,](\d{1,2}))?\s*€$")
_FR_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def protocol_error(what: str) -> PortalProtocolError:
    return PortalProtocolError(
        f"Le portail Noethysweb a envoyé une page inattendue : {what} est introuvable. "
        "Il a peut-être changé ; réessayez plus tard ou signalez-le (famille-tui doctor)."
    )


def _tree(html: str) -> LexborHTMLParser:
    return LexborHTMLParser(html)


def _text(node: LexborNode | None) -> str:
    """An element's text as one clean line (never markup)."""
    if node is None:
        return ""
    value = clean_message(node.text(deep=True, separator=" ", strip=True)) or ""
    return value[:MAX_TEXT]


def _attr(node: LexborNode | None, name: str) -> str:
    if node is None:
        return ""
    value = node.attributes.get(name)
    return (clean_message(value) or "")[:MAX_TEXT] if isinstance(value, str) else ""


def parse_cents(text: str, what: str) -> int:
    """« 48.20 € » (the `montant` filter), « 48,20 € » (aria-labels) → 4820."""
    match = _MONEY.fullmatch(text.strip())
    if match is None or match.group(1):
        raise protocol_error(f"le montant de {what} (« {text[:40]} »)")
    units = re.sub(r"\D", "", match.group(2))
    decimals = (match.group(3) or "0").ljust(2, "0")
    return int(units) * 100 + int(decimals)


def parse_amount_value(text: str, what: str) -> int:
    """`data-solde="48.20"` → 4820 (a plain decimal, no currency sign)."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise protocol_error(f"le montant de {what}") from None
    if not value.is_finite() or value < 0 or value > Decimal(1_000_000_000):
        raise protocol_error(f"le montant de {what}")
    return int((value * 100).to_integral_value())


def parse_fr_date(text: str, what: str) -> date:
    match = _FR_DATE.fullmatch(text.strip())
    if match is None:
        raise protocol_error(f"la date de {what} (« {text[:20]} »)")
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise protocol_error(f"la date de {what} (« {text[:20]} »)") from None


def _table(tree: LexborHTMLParser, label: str) -> LexborNode | None:
    for table in tree.css("table"):
        if table.attributes.get("aria-label") == label:
            return table
    return None


def _columns(table: LexborNode) -> list[str]:
    return [_text(th).lower() for th in table.css("thead th")]


def _column(columns: list[str], name: str, table_name: str) -> int:
    try:
        return columns.index(name.lower())
    except ValueError:
        raise protocol_error(f"la colonne « {name} » du tableau {table_name}") from None


def _cells(row: LexborNode) -> list[LexborNode]:
    return [cell for cell in row.css("td")]


# --- recognising the portal ----------------------------------------------------------------


def looks_like_noethysweb(html: str) -> bool:
    """The login page (or any page) of a Noethysweb portail famille."""
    tree = _tree(html)
    described = any(
        (m.attributes.get("name") == "description"
         and (m.attributes.get("content") or "").startswith("Noethys"))
        for m in tree.css("meta")
    )
    login_form = tree.css_first('form#login-form[name="LoginForm"]') is not None
    title = _text(tree.css_first("title"))
    return login_form and (described or "Noethysweb" in title)


# --- login -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoginForm:
    token: str
    #: The captcha's hashkey (`captcha_0`), None when the page asks no captcha.
    captcha_key: str | None
    #: Paths on the portal (checked: they start with « / » and stay there).
    image_path: str | None
    audio_path: str | None


def _local_path(value: str | None) -> str | None:
    """A link kept only when it is a path on the portal itself (« /captcha/… »)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if not value.isascii() or any(ord(c) <= 0x20 for c in value):
        return None
    return value


def is_login_page(html: str) -> bool:
    return _tree(html).css_first("form#login-form") is not None


def parse_login_form(html: str) -> LoginForm:
    tree = _tree(html)
    form = tree.css_first("form#login-form")
    if form is None:
        raise protocol_error("le formulaire de connexion (form#login-form)")
    token = form.css_first('input[name="csrfmiddlewaretoken"]')
    token_value = (token.attributes.get("value") or "") if token is not None else ""
    if not _TOKEN.fullmatch(token_value):
        raise protocol_error("le jeton de sécurité du formulaire (csrfmiddlewaretoken)")
    for field in ("username", "password"):
        if form.css_first(f'input[name="{field}"]') is None:
            raise protocol_error(f"le champ « {field} » du formulaire de connexion")
    key_input = form.css_first('input[name="captcha_0"]')
    if key_input is None:
        return LoginForm(token=token_value, captcha_key=None, image_path=None, audio_path=None)
    key = key_input.attributes.get("value") or ""
    if not _HEX_KEY.fullmatch(key):
        raise protocol_error("la clé du code de sécurité (captcha_0)")
    image = form.css_first("img.captcha-img")
    image_path = _local_path(image.attributes.get("src") if image is not None else None)
    if image_path is None:
        raise protocol_error("l'image du code de sécurité (img.captcha-img)")
    audio_path = None
    for link in form.css("a[href]"):
        href = _local_path(link.attributes.get("href"))
        if href and "/captcha/audio/" in href:
            audio_path = href
    return LoginForm(token=token_value, captcha_key=key, image_path=image_path,
                     audio_path=audio_path)


@dataclass(frozen=True, slots=True)
class CaptchaRefresh:
    key: str
    image_path: str
    audio_path: str | None


def parse_captcha_refresh(document: object) -> CaptchaRefresh:
    """`GET /captcha/refresh/` → `{key, image_url, audio_url}`."""
    if not isinstance(document, dict):
        raise protocol_error("le nouveau code de sécurité (captcha/refresh)")
    key = document.get("key")
    image = _local_path(document.get("image_url") if isinstance(
        document.get("image_url"), str) else None)
    audio = document.get("audio_url")
    if not isinstance(key, str) or not _HEX_KEY.fullmatch(key) or image is None:
        raise protocol_error("le nouveau code de sécurité (captcha/refresh)")
    return CaptchaRefresh(key=key, image_path=image,
                          audio_path=_local_path(audio if isinstance(audio, str) else None))


@dataclass(frozen=True, slots=True)
class LoginError:
    kind: str  # "captcha" | "credentials" | "disabled" | "expired" | "other"
    message: str


def login_error(html: str) -> LoginError:
    """Why the login page came back (200) instead of the 302 of a success."""
    tree = _tree(html)
    if tree.css_first("#error-captcha") is not None:
        return LoginError("captcha", _text(tree.css_first("#error-captcha")))
    alert = tree.css_first("div.alert.alert-danger")
    items = [_text(li) for li in alert.css("li")] if alert is not None else []
    message = " ".join(i for i in items if i) or _text(alert)
    lowered = message.lower()
    if "désactivé" in lowered:
        return LoginError("disabled", message)
    if "expiré" in lowered:
        return LoginError("expired", message)
    if "mot de passe" in lowered or "utilisateur" in lowered:
        return LoginError("credentials", message)
    return LoginError("other", message)


def user_name(html: str) -> str:
    """The family's name in the top bar (`li.user-menu a[href="/profil"]`)."""
    tree = _tree(html)
    link = tree.css_first('li.user-menu a[href="/profil"]')
    name = _text(link)
    if not name:
        raise protocol_error("le nom de la famille (menu « Paramètres du compte »)")
    return name


# --- renseignements ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FicheRow:
    #: The rattachement's id in `/renseignements/individu/identite/<id>`.
    id: int
    #: "représentant", "enfant", "contact"… (from « Fiche représentant »).
    kind: str
    name: str


_FICHE_URL = re.compile(r"/renseignements/individu/identite/(\d{1,9})$")
_FICHE_KIND = re.compile(r"\bFiche (représentant|enfant|contact)\b", re.IGNORECASE)


def parse_fiches(html: str) -> list[FicheRow]:
    """`/renseignements`: `table#table-fiches`, one row per person (data-url)."""
    tree = _tree(html)
    table = tree.css_first("table#table-fiches")
    if table is None:
        raise protocol_error("la liste des fiches de renseignements (table#table-fiches)")
    rows: list[FicheRow] = []
    for row in table.css("tbody tr"):
        match = _FICHE_URL.search(_local_path(row.attributes.get("data-url")) or "")
        if match is None:
            continue  # the family's own fiche, or another kind of row
        kind = _FICHE_KIND.search(_text(row))
        label = _attr(row, "aria-label").split(" — ")[0]
        rows.append(FicheRow(id=int(match.group(1)),
                             kind=kind.group(1).lower() if kind else "",
                             name=label))
    return rows


@dataclass(frozen=True, slots=True)
class Identite:
    last_name: str
    first_name: str
    civilite: str
    birth_date: date | None


def _input_value(form: LexborNode, name: str) -> str:
    node = form.css_first(f'input[name="{name}"]')
    return _attr(node, "value")


def parse_identite(html: str) -> Identite:
    """`/renseignements/individu/identite/<id>`: the read-only form `#individu_identite_form`."""
    tree = _tree(html)
    form = tree.css_first("form#individu_identite_form")
    if form is None:
        raise protocol_error("la fiche d'identité (form#individu_identite_form)")
    last = _input_value(form, "nom")
    first = _input_value(form, "prenom")
    if not last and not first:
        raise protocol_error("le nom et le prénom de la fiche d'identité")
    selected = form.css_first('select[name="civilite"] option[selected]')
    born = _input_value(form, "date_naiss")
    return Identite(last_name=last, first_name=first, civilite=_text(selected),
                    birth_date=parse_fr_date(born, f"naissance de {first}") if born else None)


@dataclass(frozen=True, slots=True)
class ContactRow:
    id: int
    last_name: str
    first_name: str
    relationship: str
    can_pick_up: bool
    emergency_contact: bool
    edit_path: str


_CONTACT_EDIT = re.compile(r"/renseignements/individu/contacts/modifier/\d{1,9}/(\d{1,9})$")


def parse_contacts(html: str) -> list[ContactRow]:
    """`/renseignements/individu/contacts/liste/<id>`: « Liste des contacts », or the sentence
    « Aucun contact enregistré. »."""
    tree = _tree(html)
    table = _table(tree, "Liste des contacts")
    if table is None:
        if "Aucun contact enregistré" in (tree.body.text() if tree.body else ""):
            return []
        raise protocol_error("la liste des contacts (aria-label « Liste des contacts »)")
    columns = _columns(table)
    name_at = _column(columns, "Nom", "des contacts")
    first_at = _column(columns, "Prénom", "des contacts")
    link_at = _column(columns, "Lien", "des contacts")
    rights_at = _column(columns, "Autorisations", "des contacts")
    contacts: list[ContactRow] = []
    for row in table.css("tbody tr"):
        cells = _cells(row)
        if len(cells) < len(columns):
            raise protocol_error("une ligne complète de la liste des contacts")
        edit = None
        for link in row.css("a[href]"):
            href = _local_path(link.attributes.get("href")) or ""
            if _CONTACT_EDIT.search(href):
                edit = href
        if edit is None:
            raise protocol_error("le lien « Modifier » d'un contact")
        match = _CONTACT_EDIT.search(edit)
        assert match is not None
        rights = cells[rights_at]
        titles = " ".join((s.attributes.get("title") or "") + " " + _text(s)
                          for s in rights.css("span"))
        contacts.append(ContactRow(
            id=int(match.group(1)),
            last_name=_text(cells[name_at]),
            first_name=_text(cells[first_at]),
            relationship=_text(cells[link_at]),
            can_pick_up="Sortie" in titles or "récupérer" in titles,
            emergency_contact="Urgence" in titles or "urgence" in titles,
            edit_path=edit,
        ))
    return contacts


def parse_contact_form(html: str) -> tuple[list[str], str | None]:
    """A contact's edit form: its phones (domicile, portable, travail) and e-mail."""
    tree = _tree(html)
    form = None
    for candidate in tree.css("form"):
        if candidate.css_first('input[name="tel_mobile"]') is not None or \
                candidate.css_first('input[name="lien"]') is not None:
            form = candidate
    if form is None:
        raise protocol_error("le formulaire du contact")
    phones = [value for name in ("tel_domicile", "tel_mobile", "tel_travail")
              if (value := _input_value(form, name))]
    return phones, _input_value(form, "mail") or None


# --- facturation ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    #: The invoice's id on the portal (`data-idfacture`), None when the page shows no button.
    pk: int | None
    number: str
    period_start: date
    period_end: date
    amount_cents: int
    #: « Reste à régler », as the list shows it (0 for « Facture soldée »: paid OR pending).
    remaining_cents: int
    settled_badge: bool
    #: Whether the list offers the detail (get_detail_facture) and the PDF (imprimer_facture).
    has_detail: bool
    has_pdf: bool


@dataclass(frozen=True, slots=True)
class PayableRow:
    """A checkbox of the pay modal (`input.check_impaye`)."""

    kind: str  # "facture", "periode", "cotisation"
    pk: int
    number: str
    solde: str  # as the portal sends it back in liste_impayes
    solde_cents: int


@dataclass(frozen=True, slots=True)
class InvoicePage:
    invoices: list[InvoiceRow]
    payable: dict[int, PayableRow]
    #: « Un paiement est en attente » / « N paiements sont en attente » (0 without the alert).
    pending_alerts: int
    #: The pay button and modal are there (online payment switched on for this family).
    payment_offered: bool
    #: The print model the page's script sends with `imprimer_facture` (None: no PDF).
    print_model: str | None = None


_PENDING = re.compile(r"(Un paiement est en attente)|(\d+)\s+paiements sont en attente")
#: `idmodele_impression: "3",` in the script of the « Télécharger la facture » buttons.
_PRINT_MODEL = re.compile(r"""\bidmodele_impression\s*:\s*["'](\d{1,9})["']""")
_NUMBER = re.compile(r"^[A-Za-z0-9\-_/]{1,30}$")


def parse_invoice_page(html: str) -> InvoicePage:
    """`/facturation`: « Liste des dernières factures », the pay modal, the pending alert."""
    tree = _tree(html)
    if tree.css_first("form#login-form") is not None:
        raise protocol_error("la page de facturation (la page de connexion est revenue)")
    table = _table(tree, "Liste des dernières factures")
    invoices: list[InvoiceRow] = []
    if table is not None:
        columns = _columns(table)
        start_at = _column(columns, "Du", "des factures")
        end_at = _column(columns, "Au", "des factures")
        number_at = _column(columns, "N°", "des factures")
        amount_at = _column(columns, "Montant", "des factures")
        remaining_at = _column(columns, "Reste à régler", "des factures")
        for row in table.css("tbody tr"):
            cells = _cells(row)
            if len(cells) < len(columns):
                raise protocol_error("une ligne complète du tableau des factures")
            number = _text(cells[number_at])
            if not _NUMBER.fullmatch(number):
                raise protocol_error(f"le numéro d'une facture (« {number[:40]} »)")
            what = f"la facture {number}"
            badge = cells[remaining_at].css_first("span.badge")
            label = _attr(badge, "aria-label")
            settled = label == "Facture soldée"
            if settled:
                remaining = 0
            elif label.startswith("Reste à régler"):
                remaining = parse_cents(_text(badge), what)
            else:
                raise protocol_error(f"le « Reste à régler » de {what}")
            detail = row.css_first("button.bouton_detail_facture")
            pdf = row.css_first("button.bouton_imprimer_facture")
            pk_text = _attr(detail or pdf, "data-idfacture")
            invoices.append(InvoiceRow(
                pk=int(pk_text) if pk_text.isdigit() and len(pk_text) < 10 else None,
                number=number,
                period_start=parse_fr_date(_text(cells[start_at]), f"début de {what}"),
                period_end=parse_fr_date(_text(cells[end_at]), f"fin de {what}"),
                amount_cents=parse_cents(_text(cells[amount_at]), what),
                remaining_cents=remaining,
                settled_badge=settled,
                has_detail=detail is not None,
                has_pdf=pdf is not None,
            ))
    elif "Aucune facture" not in (tree.body.text() if tree.body else ""):
        raise protocol_error(
            "le tableau des factures (aria-label « Liste des dernières factures »)")
    payable: dict[int, PayableRow] = {}
    modal = tree.css_first("#modal_selection_factures")
    for box in modal.css("input.check_impaye") if modal is not None else []:
        kind = box.attributes.get("data-type") or ""
        pk = box.attributes.get("data-id") or ""
        solde = box.attributes.get("data-solde") or ""
        if kind != "facture" or not pk.isdigit() or len(pk) > 9:
            continue
        number = _attr(box, "data-num")
        cents = parse_amount_value(solde, f"la facture {number}")
        payable[int(pk)] = PayableRow(kind=kind, pk=int(pk), number=number,
                                      solde=f"{cents // 100}.{cents % 100:02d}",
                                      solde_cents=cents)
    pending = 0
    for alert in tree.css("div.alert.alert-warning"):
        match = _PENDING.search(_text(alert))
        if match:
            pending = 1 if match.group(1) else int(match.group(2))
    offered = modal is not None and tree.css_first("#bouton_valider_montant") is not None
    model = None
    for script in tree.css("script") if any(i.has_pdf for i in invoices) else []:
        found = _PRINT_MODEL.search(script.text(deep=True))
        if found:
            model = found.group(1)
            break
    return InvoicePage(invoices=invoices, payable=payable, pending_alerts=pending,
                       payment_offered=offered, print_model=model)


@dataclass(frozen=True, slots=True)
class DetailLine:
    date: date | None
    person: str
    activity: str
    label: str
    amount_cents: int


@dataclass(frozen=True, slots=True)
class InvoiceDetail:
    lines: list[DetailLine]
    total_cents: int
    #: « Total déjà réglé » and « Solde actuel »: what the portal has RECORDED (a pending
    #: payment does not change them, unlike the list's « Facture soldée »).
    paid_cents: int
    balance_cents: int


def parse_invoice_detail(html: str) -> InvoiceDetail:
    """The fragment of `POST /facturation/get_detail_facture`."""
    tree = _tree(html)
    table = tree.css_first("table#table-prestations")
    if table is None:
        raise protocol_error("le détail de la facture (table#table-prestations)")
    columns = _columns(table)
    date_at = _column(columns, "Date", "du détail")
    person_at = _column(columns, "Individu", "du détail")
    activity_at = _column(columns, "Activité", "du détail")
    label_at = _column(columns, "Intitulé", "du détail")
    amount_at = _column(columns, "Montant", "du détail")
    lines = []
    for row in table.css("tbody tr"):
        cells = _cells(row)
        if len(cells) < len(columns):
            raise protocol_error("une ligne complète du détail de la facture")
        day = _text(cells[date_at])
        lines.append(DetailLine(
            date=parse_fr_date(day, "une prestation") if day else None,
            person=_text(cells[person_at]),
            activity=_text(cells[activity_at]),
            label=_text(cells[label_at]),
            amount_cents=parse_cents(_text(cells[amount_at]), "une prestation"),
        ))
    totals: dict[str, int] = {}
    for term in tree.css("dt"):
        name = _text(term)
        value = term.next
        while value is not None and value.tag != "dd":
            value = value.next
        if value is not None and name:
            totals[name] = parse_cents(_text(value), name.lower())
    for name in ("Total de la facture", "Solde actuel"):
        if name not in totals:
            raise protocol_error(f"le « {name} » du détail de la facture")
    total = totals["Total de la facture"]
    balance = totals["Solde actuel"]
    return InvoiceDetail(lines=lines, total_cents=total,
                         paid_cents=totals.get("Total déjà réglé", total - balance),
                         balance_cents=balance)


@dataclass(frozen=True, slots=True)
class ReglementRow:
    day: date
    mode: str
    amount_cents: int


def parse_reglements(html: str) -> list[ReglementRow]:
    """`/reglements`: « Liste des règlements effectués », or « Aucun règlement. »."""
    tree = _tree(html)
    if tree.css_first("form#login-form") is not None:
        raise protocol_error("la page des règlements (la page de connexion est revenue)")
    table = _table(tree, "Liste des règlements effectués")
    if table is None:
        content = tree.css_first("main") or tree.body
        if content is not None and "Aucun règlement" in content.text():
            return []
        raise protocol_error("le tableau des règlements (aria-label « Liste des règlements "
                        "effectués »)")
    columns = _columns(table)
    date_at = _column(columns, "Date", "des règlements")
    mode_at = _column(columns, "Mode", "des règlements")
    amount_at = _column(columns, "Montant", "des règlements")
    rows = []
    for row in table.css("tbody tr"):
        cells = _cells(row)
        if len(cells) < len(columns):
            raise protocol_error("une ligne complète du tableau des règlements")
        rows.append(ReglementRow(
            day=parse_fr_date(_text(cells[date_at]), "un règlement"),
            mode=_text(cells[mode_at]),
            amount_cents=parse_cents(_text(cells[amount_at]), "un règlement"),
        ))
    return rows
