"""A portal that offers less (`InvoicesOnly`: login and invoices, no family, entourage,
dashboard, coordinates, contact, PDF nor online payment): each face says « … : non proposé par
ce portail » for what is missing, never crashes, never asks the portal for it, and still does
what the portal offers. (With the Famille API everything is offered: the other tests.)"""

from __future__ import annotations

import io
from typing import Any

import pytest

from famille_tui.cli import build_parser
from famille_tui.client.config import LaunchOptions, PortalProfile, Settings
from famille_tui.commands import run_command
from famille_tui.plain.app import run_with
from famille_tui.plain.console import Console
from famille_tui.portal.launcher import PortalProcess
from famille_tui.tui.screens.invoices import InvoicesScreen
from tests.plain.scripted import Pick, ScriptedInput
from tests.support import CHAMBON
from tests.support.connectors import InvoicesOnly
from tests.support.tui import logged_in, make_app, notifications, wait_until

NOT_ASKED = ("family", "entourage", "dashboard", "profile", "help", "activities",
             "reservations")


def asked(made: list[InvoicesOnly]) -> list[str]:
    return [r for connector in made for r in connector.requests]


async def test_the_tui_says_what_this_portal_does_not_offer(portal: PortalProcess) -> None:
    made: list[InvoicesOnly] = []
    app = make_app(portal, connector_factory=InvoicesOnly.factory(made))
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in(pilot)
        assert app.session is not None
        assert app.session.family is None
        assert app.session.family_name == "Famille Martin"  # the account's

        def text(selector: str) -> str:
            return str(app.screen.query_one(selector).render())

        await wait_until(pilot, lambda: "non proposé par ce portail" in text("#family-title"))
        assert "La composition de la famille" in text("#family-title")
        for key, selector, what in [
            ("2", "#entourage-title", "L'entourage"),
            ("3", "#news-body", "Le tableau de bord"),
            ("5", "#coordinates", "Les coordonnées"),
            ("6", "#help-contact", "Le contact de la structure"),
            ("7", "#reservations-cell", "Les réservations"),
        ]:
            await pilot.press(key)
            await wait_until(pilot, lambda s=selector, w=what: f"{w} : non proposé par ce "
                             "portail" in text(s), what=what)
        await pilot.press("2", "a")  # « Ajouter »: a key that says why it does nothing
        await wait_until(pilot, lambda: any("La modification de l'entourage : non proposé"
                                            in n.message for n in notifications(app)))
        # What it offers works: the invoices, and the total in the header.
        await pilot.press("4")
        await wait_until(pilot, lambda: isinstance(app.screen, InvoicesScreen)
                         and app.screen.invoices, what="invoices")
        assert app.session.remaining_cents is not None
        await pilot.press("d", "p")
        await wait_until(pilot, lambda: {"Le PDF des factures : non proposé par ce portail.",
                                         "Le paiement en ligne : non proposé par ce portail."}
                         <= {n.message for n in notifications(app)}, what="PDF and payment")
        assert app.is_running
        await app.action_quit()
    for path in asked(made):
        assert not path.endswith(NOT_ASKED), path


def test_the_screen_reader_says_what_this_portal_does_not_offer(
    portal: PortalProcess,
) -> None:
    made: list[InvoicesOnly] = []
    out = io.StringIO()
    answers: list[Any] = [Pick("Se connecter avec"), "martin", "demo-martin", "n",
                          Pick("Famille"), Pick("Entourage"), Pick("Mes coordonnées"),
                          Pick("Réservations"), Pick("Mes factures"), "0", "0"]
    console = Console(stdin=ScriptedInput(out, answers), stdout=out)  # type: ignore[arg-type]
    options = LaunchOptions(settings=Settings(portals=[
        PortalProfile(name="Le Chambon-Feugerolles", url=portal.base_url(CHAMBON))]))
    code = run_with(options, console, opener=lambda url: False,
                    connector_factory=InvoicesOnly.factory(made))
    said = out.getvalue()
    assert code == 0, said
    for what in ("La composition de la famille", "L'entourage", "Les coordonnées",
                 "Les réservations"):
        assert f"{what} : non proposé par ce portail." in said
    assert "Menu principal, Famille Martin : 4 factures à payer, 654 euros 80." in said
    assert "Mes factures :" in said and "Payer une ou plusieurs factures" not in said
    assert "Erreur" not in said
    for path in asked(made):
        assert not path.endswith(NOT_ASKED), path


@pytest.mark.parametrize(("command", "what"), [
    ("family", "La composition de la famille"),
    ("help", "Le contact de la structure"),
    ("reservations", "Les réservations"),
])
def test_the_commands_say_what_this_portal_does_not_offer(
    portal: PortalProcess, monkeypatch: pytest.MonkeyPatch, command: str, what: str
) -> None:
    monkeypatch.setenv("FAMILLE_TUI_PASSWORD", "demo-martin")
    args = build_parser().parse_args(["--portal", portal.base_url(CHAMBON), "--login",
                                      "martin", command])
    out, err = io.StringIO(), io.StringIO()
    made: list[InvoicesOnly] = []
    code = run_command(args, stdout=out, stderr=err,
                       connector_factory=InvoicesOnly.factory(made))
    assert code == 1
    assert err.getvalue() == f"famille-tui : {what} : non proposé par ce portail.\n"
    # What the portal offers still answers.
    args = build_parser().parse_args(["--portal", portal.base_url(CHAMBON), "--login",
                                      "martin", "invoices"])
    assert run_command(args, stdout=out, stderr=err,
                       connector_factory=InvoicesOnly.factory(made)) == 0
    assert "Reste à payer" in out.getvalue()
