"""The Espace Citoyens replica in a real browser (Debian's headless Chromium through
Playwright), as the leaflet tells a parent: log in, « Mes factures », the invoice,
« Payer la facture », the State's page where the invoice number and the e-mail are typed,
the card, then « Réglée » on the portal. Its Content-Security-Policy must let the form's
redirect reach the payment page.

Without chromium the test is skipped on a developer machine, and fails in CI (`CI=true`).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from famille_tui.portal.launcher import PortalProcess

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_a_parent_pays_on_the_replica_in_chromium(portal: PortalProcess, tmp_path: Path) -> None:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("chromium est nécessaire au test de bout en bout en CI")
        pytest.skip("chromium absent : test de bout en bout sauté (hors CI)")
    from playwright.sync_api import sync_playwright

    root = f"{portal.origin}/lechambonfeugerolles/espace-citoyens/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(root)
            page.get_by_label("Identifiant").fill("martin")
            page.get_by_label("Mot de passe").fill("demo-martin")
            page.get_by_role("button", name="Me connecter").click()
            page.wait_for_url("**/CompteCitoyen")
            assert page.get_by_alt_text("Léa MARTIN").is_visible()
            page.get_by_role("link", name="Mes factures").click()
            page.get_by_role("link", name="Crèche Les Pirouettes – octobre 2026").click()
            page.get_by_role("button", name="Payer la facture").click()
            page.wait_for_url("**/tpa/paiement.web?**")
            # The State's page: the parent types the number and the e-mail (leaflet, step 4).
            assert page.get_by_label("Numéro de facture").input_value() == ""
            page.get_by_label("Numéro de facture").fill("2026100042")
            page.get_by_label("Adresse électronique").fill("claire.martin@exemple.fr")
            page.get_by_role("button", name="Valider").click()
            page.get_by_role("button", name="Continuer").click()
            page.get_by_label("Numéro de carte").fill("4111 1111 1111 1111")
            page.get_by_label("Cryptogramme visuel").fill("123")
            next_year = str(datetime.now(UTC).year + 1)
            page.get_by_label("Date d'expiration : année").select_option(next_year)
            page.get_by_role("button", name="Payer 312,40 €").click()
            page.get_by_text("Paiement accepté").first.wait_for()
            page.screenshot(path=str(tmp_path / "ec-accepte.png"))
            page.goto(root + "MonCompte")
            row = page.locator('tr.compte:has-text("2026100042")')
            assert "Réglée" in row.inner_text()
            assert "Reste à payer : 0,00 €" in row.inner_text()
            assert not [e for e in errors if "Content Security Policy" in e], errors
        finally:
            browser.close()
