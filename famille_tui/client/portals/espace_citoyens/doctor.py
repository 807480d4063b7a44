"""`famille-tui doctor` for Espace Citoyens: each page and element the connector reads,
found or not, with nothing personal (counts and names of elements only)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from famille_tui.client.errors import FamilleError
from famille_tui.client.portals.base import Check
from famille_tui.client.portals.espace_citoyens import reading

if TYPE_CHECKING:
    from famille_tui.client.portals.espace_citoyens.connector import EspaceCitoyensConnector


async def _check(checks: list[Check], name: str, step: Callable[[], Awaitable[str]]) -> bool:
    try:
        detail = await step()
    except FamilleError as error:
        checks.append(Check(name, False, error.message))
        return False
    checks.append(Check(name, True, detail))
    return True


async def diagnose(
    portal: EspaceCitoyensConnector, login: str | None, password: str | None
) -> list[Check]:
    checks: list[Check] = []
    variant: list[str] = []

    async def home() -> str:
        answer = await portal._public_page()
        if answer.status != 200:
            raise reading.drifted("d'accueil", f"une réponse HTTP 200 (reçu {answer.status})")
        form = reading.login_form(reading.parse(answer.text()), "d'accueil")
        if form is not None:
            variant.append("form")
            return ("form#idFormConnexion avec __RequestVerificationToken, username, password")
        modal = await portal._modal()
        if modal.status != 200 or not reading.modal_has_fields(reading.parse(modal.text())):
            raise reading.drifted("d'accueil", "formulaire #idFormConnexion, ni fenêtre "
                                               "Home/RecupererModaleConnexion")
        variant.append("ajax")
        return "pas de formulaire : fenêtre Home/RecupererModaleConnexion (username, password)"

    if not await _check(checks, "page d'accueil et formulaire de connexion", home):
        return checks
    if login is None or password is None:
        return checks

    async def session() -> str:
        await portal.login(login, password)
        how = "Home/Logon" if variant == ["form"] else "Home/LogonAjax"
        return f"{how}, cookie {reading.SESSION_COOKIE_NAME}"

    if not await _check(checks, "connexion", session):
        return checks

    async def people() -> str:
        found = reading.members(await portal._doc("CompteCitoyen"))
        kinds = [m.kind for m in found]
        return (f"{len(found)} liens DetailPersonne : {kinds.count('adult')} adulte(s), "
                f"{kinds.count('child')} enfant(s), {kinds.count('contact')} de l'entourage")

    async def family() -> str:
        got = await portal.family()
        return (f"#hMonEspaceIdentite et champs lus pour {len(got.adults)} adulte(s) et "
                f"{len(got.children)} enfant(s)")

    async def entourage() -> str:
        return f"champs lus pour {len(await portal.entourage())} contact(s)"

    rows: list[reading.InvoiceRow] = []

    async def invoice_rows() -> str:
        rows.extend(await portal._rows())
        return f"{len(rows)} ligne(s) tr.compte avec id, .ligneCompte et .numero_facture"

    details: list[reading.InvoiceDetail] = []

    async def invoice_details() -> str:
        for row in rows:
            details.append(await portal._detail(row))
        return (f"{len(details)} détail(s) : #hDetailFacture_Facture, dates, montant, "
                "« Reste à payer »")

    async def pay_button() -> str:
        unpaid = [d for d in details if d.remaining_cents > 0]
        if not unpaid:
            return "aucune facture à régler : rien à vérifier"
        offered = [d for d in unpaid if d.pay is not None]
        if not offered and not any(d.not_payable_text for d in unpaid):
            raise reading.drifted("MonCompte/DetailFacture", "« Payer la facture »")
        return f"sur {len(offered)} des {len(unpaid)} facture(s) à régler (non suivi)"

    async def pdf() -> str:
        if not rows:
            return "aucune facture : rien à vérifier"
        size = len(await portal.invoice_pdf(rows[0].id))
        return f"un PDF de {size // 1024 + 1} Kio"

    await _check(checks, "CompteCitoyen : membres et avatars", people)
    await _check(checks, "DetailPersonne : famille", family)
    await _check(checks, "DetailPersonne : entourage", entourage)
    if await _check(checks, "MonCompte : factures", invoice_rows) and await _check(
            checks, "MonCompte/DetailFacture", invoice_details):
        await _check(checks, "« Payer la facture »", pay_button)
        await _check(checks, "MonCompte/TelechargerPdfFacture", pdf)
    await portal.logout()
    return checks
