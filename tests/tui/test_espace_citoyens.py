"""The TUI on Le Chambon-Feugerolles through its real dialect, Arpège « Espace Citoyens »
(the replica in the embedded portal), as a parent uses it: log in, the family, what the
portal does not offer, « Mes factures » one invoice at a time, the summary, the waiting
screen with the invoice number and the e-mail the State's page asks to type (each copied in
one key), paying on the stand-in's TIPI pages, « Réglée »."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from famille_tui.client.config import PortalProfile
from famille_tui.client.portals.espace_citoyens.connector import EspaceCitoyensConnector
from famille_tui.portal.espace_citoyens.store import TENANTS
from famille_tui.portal.launcher import PortalProcess
from famille_tui.tui.screens.invoices import InvoicesScreen
from famille_tui.tui.screens.payment_summary import PaymentSummaryScreen
from famille_tui.tui.screens.payment_wait import PaymentWaitScreen
from famille_tui.tui.widgets.form import FormField
from tests.support.sandbox import pay_in_sandbox
from tests.support.tui import make_app, notifications, screen_name, wait_until
from tests.tui.test_payment_flow import (
    OVERDUE,
    browser_url,
    open_invoices,
    start_paying,
    text_of,
    tick,
)
from tests.tui.test_payment_snapshots import SIZES, steady

EMAIL = "claire.martin@exemple.fr"


class EspaceCitoyens:
    """The replica's address of each demo commune (what `make demo` configures)."""

    def __init__(self, portal: PortalProcess) -> None:
        self.origin = portal.origin

    def base_url(self, commune: str) -> str:
        slug = next(t.slug for t in TENANTS.values() if t.commune == commune)
        return f"{self.origin}/{slug}/espace-citoyens/"


def connector(profile: PortalProfile) -> EspaceCitoyensConnector:
    # The connector's own pace (one read of the invoice list every 15 s) made quicker.
    return EspaceCitoyensConnector(profile.url, poll_interval=1.0)


async def test_a_parent_pays_on_espace_citoyens(portal: PortalProcess, browser_log: Path
                                               ) -> None:
    app = make_app(EspaceCitoyens(portal), connector_factory=connector)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_invoices(pilot)
        assert app.session.connector.dialect == "espace-citoyens"
        # Said before the first payment: one invoice per payment here.
        assert "une facture par paiement" in text_of(screen, "#invoices-selection")
        await tick(pilot, screen, OVERDUE)
        assert [i.number for i in screen.invoices if i.id in screen.ticked] == [OVERDUE]

        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentSummaryScreen),
                         what="summary")
        summary = app.screen
        # Before paying: what the State's page will ask to type.
        assert "vous saisirez : numéro de facture, adresse électronique" in text_of(
            summary, "#summary-retype")
        await wait_until(pilot, lambda: summary.query_one(FormField).value == EMAIL,
                         what="e-mail prefilled")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentWaitScreen),
                         what="waiting")
        wait = app.screen
        assert isinstance(wait, PaymentWaitScreen)
        retype = text_of(wait, "#wait-retype")
        assert f"Numéro de facture : {OVERDUE}  (n pour copier)" in retype
        assert f"Adresse électronique : {EMAIL}  (e pour copier)" in retype
        await pilot.press("n")
        assert app.clipboard == OVERDUE
        await pilot.press("e")
        assert app.clipboard == EMAIL

        url = await browser_url(pilot, browser_log)
        assert "/tpa/paiement.web?" in url and "refdet=&" in url
        page = await asyncio.to_thread(pay_in_sandbox, url, refdet=OVERDUE, email=EMAIL)
        assert "Paiement accepté" in page
        await wait_until(pilot, lambda: "Réglée" in text_of(wait, "#wait-title"),
                         timeout=30, what="Réglée")
        # Paid: nothing left to type, and no key to copy it.
        assert text_of(wait, "#wait-retype") == ""
        assert not wait.query_one("#wait-retype", Static).display

        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, InvoicesScreen), what="back")
        await wait_until(pilot, lambda: next(i for i in screen.invoices if i.number == OVERDUE)
                         .status.value == "reglee", what="invoice réglée")


async def test_what_espace_citoyens_does_not_offer(portal: PortalProcess) -> None:
    app = make_app(EspaceCitoyens(portal), connector_factory=connector)
    async with app.run_test(size=(100, 40)) as pilot:
        # First connection and password reset are done on the portal's own site: said, and
        # no form opened.
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen", what="login")
        await pilot.press("ctrl+n")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert screen_name(app) == "LoginScreen"
        told = [n.message for n in notifications(app)]
        assert "La première connexion : non proposé par ce portail." in told
        assert "La réinitialisation du mot de passe : non proposé par ce portail." in told
        screen = await open_invoices(pilot)
        # « c » ticks them all: they will be paid one payment after another.
        await pilot.press("c")
        assert screen.ticked and len(screen.ticked) > 1
        await pilot.press("5")
        await wait_until(pilot, lambda: "non proposé par ce portail" in " ".join(
            str(s.content) for s in app.screen.query(Static)), what="coordonnées not offered")
        # Nothing to send from there: no « Modifier » button, no word about sending.
        assert not app.screen.query_one("#edit").display
        await pilot.press("3")
        await wait_until(pilot, lambda: "Le tableau de bord : non proposé par ce portail" in
                         " ".join(str(s.render()) for s in app.screen.query("*")),
                         what="dashboard not offered")
        # What it offers is there: the family, read from CompteCitoyen and DetailPersonne.
        await pilot.press("1")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "FamilyScreen"
                         and app.session.family is not None, what="the family")
        assert app.session.family is not None
        assert [c.first_name for c in app.session.family.children] == ["Léa", "Hugo"]


#: The replica's TIPI address as a picture shows it (the stand-in's port and the payment's
#: secret vary from run to run).
STEADY_EC_URL = (
    "http://127.0.0.1:8766/tpa/paiement.web?numcli=042063&exer=2026&refdet=&objet=Facture+"
    "2026100042&montant=31240&mel=&urlcl=http%3A%2F%2F127.0.0.1%3A8765%2Flechambonfeugerolles"
    "%2Fespace-citoyens%2FPaiementEnLigne%2FNotification%2Fsecret-de-ce-paiement&saisie=T"
)


@pytest.mark.parametrize("size", SIZES)
def test_waiting_snapshot_on_espace_citoyens(snap_compare: Any, portal: PortalProcess,
                                             browser_log: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             size: tuple[int, int]) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        screen = await open_invoices(pilot)
        await tick(pilot, screen, OVERDUE)
        wait = await start_paying(pilot)
        await wait_until(pilot, lambda: wait.browser_opened is not None)
        steady(wait, monkeypatch, url=STEADY_EC_URL, short_url=None)
        await pilot.pause(0.3)

    app = make_app(EspaceCitoyens(portal), connector_factory=connector)
    assert snap_compare(app, terminal_size=size, run_before=before)
