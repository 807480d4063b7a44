"""The commands on the Espace Citoyens replica: the issue's « Done when » (`invoices --json`
gives the Famille API's invoices), a journey (family, pay, wait), capabilities the portal
lacks, and `doctor` (all found → 0; a drifted page → 4, nothing personal printed)."""

from __future__ import annotations

import json
import threading

import pytest

from famille_tui.portal.launcher import PortalProcess
from tests.cli.conftest import MARTIN_PASSWORD, Cli
from tests.support.drift import DriftProxy
from tests.support.sandbox import pay_in_sandbox

#: What doctor must never print of martin's account.
PERSONAL = ("Claire", "MARTIN", "Martin", "Léa", "Hugo", "Monique", "2026100042", "312,40",
            "31240", "@exemple.fr", "06 12")


def _ec(portal: PortalProcess) -> str:
    return f"{portal.origin}/lechambonfeugerolles/espace-citoyens/"


def _key(document: dict[str, object]) -> list[tuple[object, ...]]:
    return [(i["number"], i["amount_cents"], i["remaining_cents"], i["status"])  # type: ignore[index]
            for i in document["invoices"]]  # type: ignore[attr-defined]


def _without_receipts(document: dict[str, object]) -> dict[str, object]:
    invoices = [{k: v for k, v in i.items() if k != "receipts"}
                for i in document["invoices"]]  # type: ignore[attr-defined]
    return {**document, "invoices": invoices}


def test_invoices_json_are_the_famille_api_ones(cli: Cli, portal: PortalProcess) -> None:
    mine = cli("--portal", _ec(portal), "--login", "martin", "invoices", "--json",
               password=MARTIN_PASSWORD)
    theirs = cli("--portal", portal.base_url("le-chambon-feugerolles"), "--login", "martin",
                 "invoices", "--json", password=MARTIN_PASSWORD)
    assert (mine.code, theirs.code) == (0, 0), mine.err
    assert _key(mine.json()) == _key(theirs.json())
    # Espace Citoyens keeps no proof of payment (no public fact of one: the connector does
    # not offer `receipts`), so its invoices carry none where the Famille API's do.
    theirs_paid = [i for i in theirs.json()["invoices"] if i["receipts"]]
    assert theirs_paid and all(i["receipts"] == [] for i in mine.json()["invoices"])
    # Every other field, to the letter (ids, dates, the no-break spaces of « 0,60 € »).
    assert _without_receipts(mine.json()) == _without_receipts(theirs.json())


def test_dialect_given_on_the_command_line(cli: Cli, portal: PortalProcess) -> None:
    wrong = cli("--portal", portal.base_url("le-chambon-feugerolles"), "--dialect",
                "espace-citoyens", "--login", "martin", "family", password=MARTIN_PASSWORD)
    assert wrong.code == 2 and "Adresse Espace Citoyens invalide" in wrong.err
    unknown = cli("--portal", _ec(portal), "--dialect", "autre", "--login", "martin",
                  "family", password=MARTIN_PASSWORD)
    assert unknown.code == 2 and "Type de portail inconnu" in unknown.err


def test_a_journey_on_espace_citoyens(cli: Cli, portal: PortalProcess,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    family = cli("--portal", _ec(portal), "--login", "martin", "family", "--json",
                 password=MARTIN_PASSWORD)
    assert family.code == 0
    assert [c["first_name"] for c in family.json()["children"]] == ["Léa", "Hugo"]
    lacking = cli("--portal", _ec(portal), "--login", "martin", "profile",
                  password=MARTIN_PASSWORD)
    assert lacking.code == 1
    assert "Les coordonnées : non proposé par ce portail." in lacking.err

    # pay --wait: the parent pays on the State's page (here, the sandbox in a thread) while
    # the command watches the invoice list until « Réglée ».
    started = threading.Event()
    result: dict[str, object] = {}

    def parent() -> None:
        started.wait(60)
        result["page"] = pay_in_sandbox(str(result["url"]), refdet="2026100042",
                                        email="claire.martin@exemple.fr")

    payer = threading.Thread(target=parent)
    payer.start()
    import famille_tui.commands.pay as pay_command

    original = pay_command.present_payment_page

    def present(ctx: object, url: str, **kwargs: object) -> None:
        # Where the command shows the address, the parent opens it (on another device).
        result["url"] = url
        started.set()
        original(ctx, url, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pay_command, "present_payment_page", present)
    try:
        paid = cli("--portal", _ec(portal), "--login", "martin", "pay", "2026100042",
                   "--no-browser", "--wait", "120", "--json", password=MARTIN_PASSWORD)
    finally:
        started.set()
        payer.join(60)
    assert paid.code == 0, paid.err
    assert paid.json()["status"] == "paid"
    assert "Numéro de facture : 2026100042" in paid.err
    assert "Adresse électronique : claire.martin@exemple.fr" in paid.err
    after = cli("--portal", _ec(portal), "--login", "martin", "invoices", "--json",
                password=MARTIN_PASSWORD)
    assert ("2026100042", 31240, 0, "reglee") in _key(after.json())


def test_doctor_finds_everything_on_the_replica(cli: Cli, portal: PortalProcess) -> None:
    public = cli("--portal", _ec(portal), "doctor")
    assert public.code == 0 and "form#idFormConnexion" in public.out
    full = cli("--portal", _ec(portal), "--login", "martin", "doctor", "--json",
               password=MARTIN_PASSWORD)
    assert full.code == 0, full.out
    document = full.json()
    assert document["all_found"] and document["dialect"] == "espace-citoyens"
    assert len(document["checks"]) == 9
    assert not [word for word in PERSONAL if word in full.out + full.err]


@pytest.mark.parametrize("rules", [
    {'class="numero_facture"': 'class="numeroFacture"'},
    {'id="hMonEspaceIdentite"': 'id="hIdentite"'},
    {r'<tr class="compte".*?</tr>': ""},
])
def test_doctor_on_a_drifted_portal_exits_4_and_prints_nothing_personal(
    cli: Cli, portal: PortalProcess, rules: dict[str, str]
) -> None:
    with DriftProxy(portal.origin, rules) as proxy:
        url = f"{proxy.origin}/lechambonfeugerolles/espace-citoyens/"
        table = cli("--portal", url, "--login", "martin", "doctor", password=MARTIN_PASSWORD)
        as_json = cli("--portal", url, "--login", "martin", "doctor", "--json",
                      password=MARTIN_PASSWORD)
    assert (table.code, as_json.code) == (4, 4)
    assert "✗" in table.out and "famille-tui doctor" in table.out
    missing = [c for c in json.loads(as_json.out)["checks"] if not c["found"]]
    assert missing
    for result in (table, as_json):
        assert not [word for word in PERSONAL if word in result.out + result.err]
