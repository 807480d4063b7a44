"""The read-only commands against the real portal: JSON checked against the api models,
`--plain` lines, the default tables, and the « Reste à payer » total."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from famille_tui.api import (
    Contact,
    Dashboard,
    Family,
    HelpContact,
    Invoice,
    InvoiceList,
    InvoiceStatus,
    OutboxMessage,
    Profile,
)
from famille_tui.api.money import format_euros
from tests.cli.conftest import Cli


def test_family_json_is_the_family_model(martin: Cli) -> None:
    result = martin("family", "--json")
    assert result.code == 0, result.err
    family = Family.model_validate(result.json())
    assert family.name == "Famille Martin"
    assert {c.first_name for c in family.children} == {"Léa", "Hugo"}
    assert result.err == ""


def test_family_plain_and_table(martin: Cli) -> None:
    plain = martin("family", "--plain")
    assert plain.code == 0
    kinds = [line.split("\t")[0] for line in plain.out.splitlines()]
    assert kinds.count("child") == 2 and "adult" in kinds
    assert all(line.count("\t") == 5 for line in plain.out.splitlines())
    table = martin("family")
    assert "Famille Martin" in table.out and "Léa" in table.out and "14/03/2023" in table.out


def test_entourage_json_wraps_the_contacts(martin: Cli) -> None:
    result = martin("entourage", "--json")
    assert result.code == 0
    document = result.json()
    assert set(document) == {"contacts"}
    contacts = [Contact.model_validate(c) for c in document["contacts"]]
    assert contacts and all(c.phones for c in contacts)
    plain = martin("entourage", "--plain")
    assert len(plain.out.splitlines()) == len(contacts)


def test_dashboard_and_profile(martin: Cli) -> None:
    dashboard = Dashboard.model_validate(martin("dashboard", "--json").json())
    assert dashboard.unread_messages == sum(not m.read for m in dashboard.messages)
    table = martin("dashboard")
    assert f"({dashboard.unread_messages} à lire)" in table.out
    profile = Profile.model_validate(martin("profile", "--json").json())
    plain = dict(line.split("\t", 1) for line in martin("profile", "--plain").out.splitlines())
    assert plain["email"] == profile.email and plain["city"] == profile.city


def test_help_needs_no_password(cli: Cli, chambon_url: str) -> None:
    result = cli("--portal", chambon_url, "help", "--json", password=None)
    assert result.code == 0, result.err
    contact = HelpContact.model_validate(result.json())
    assert contact.phone == "04 77 06 20 10"
    assert "9 rue des Halles" in cli("--portal", chambon_url, "help").out


def test_invoices_total_is_the_familys_whatever_the_filter(martin: Cli) -> None:
    everything = InvoiceList.model_validate(martin("invoices", "--json").json())
    unpaid = InvoiceList.model_validate(martin("invoices", "--unpaid", "--json").json())
    paid = InvoiceList.model_validate(martin("invoices", "--paid", "--json").json())
    expected = sum(i.remaining_cents for i in everything.invoices)
    assert expected > 0
    assert everything.total_remaining_cents == unpaid.total_remaining_cents == expected
    assert paid.total_remaining_cents == expected
    assert unpaid.invoices and all(i.status is not InvoiceStatus.REGLEE for i in unpaid.invoices)
    assert paid.invoices and all(i.status is InvoiceStatus.REGLEE for i in paid.invoices)
    assert len(unpaid.invoices) + len(paid.invoices) == len(everything.invoices)
    # The table says the same total, the French way.
    assert f"Reste à payer : {format_euros(expected)}" in martin("invoices").out


def test_invoices_since_filters_on_the_issue_date(martin: Cli) -> None:
    everything = InvoiceList.model_validate(martin("invoices", "--json").json())
    dates = sorted({i.issue_date for i in everything.invoices})
    assert len(dates) >= 2
    since = dates[-1]
    recent = InvoiceList.model_validate(
        martin("invoices", "--since", since.isoformat(), "--json").json()
    )
    assert recent.invoices
    assert all(i.issue_date >= since for i in recent.invoices)
    assert len(recent.invoices) == sum(i.issue_date >= since for i in everything.invoices)
    assert recent.total_remaining_cents == everything.total_remaining_cents


def test_invoices_since_takes_the_date_as_the_tables_print_it(martin: Cli) -> None:
    """`01/12/2026` (what the table shows) means the same as `2026-12-01`."""
    everything = InvoiceList.model_validate(martin("invoices", "--json").json())
    since = sorted({i.issue_date for i in everything.invoices})[-1]
    printed = martin("invoices", "--since", since.strftime("%d/%m/%Y"), "--json")
    assert printed.code == 0, printed.err
    iso = martin("invoices", "--since", since.isoformat(), "--json")
    assert InvoiceList.model_validate(printed.json()) == InvoiceList.model_validate(iso.json())
    assert len(InvoiceList.model_validate(printed.json()).invoices) < len(everything.invoices)


def test_invoices_plain_first_field_is_the_number(martin: Cli) -> None:
    listing = InvoiceList.model_validate(martin("invoices", "--unpaid", "--json").json())
    plain = martin("invoices", "--unpaid", "--plain")
    rows = [line.split("\t") for line in plain.out.splitlines()]
    assert [r[0] for r in rows] == [i.number for i in listing.invoices]
    by_number = {i.number: i for i in listing.invoices}
    for row in rows:
        assert int(row[6]) == by_number[row[0]].remaining_cents
        assert row[7] == by_number[row[0]].status.value


def test_invoice_by_number(martin: Cli) -> None:
    listing = InvoiceList.model_validate(martin("invoices", "--json").json())
    first = listing.invoices[0]
    result = martin("invoice", first.number, "--json")
    assert result.code == 0
    invoice = Invoice.model_validate(result.json())
    assert invoice == first
    table = martin("invoice", first.number)
    assert format_euros(first.amount_cents) in table.out and first.label in table.out


def test_invoice_pdf_saved_to_a_file_and_a_directory(martin: Cli, tmp_path: Path) -> None:
    number = InvoiceList.model_validate(martin("invoices", "--json").json()).invoices[0].number
    target = tmp_path / "f.pdf"
    result = martin("invoice", number, "--pdf", str(target), "--json")
    assert result.code == 0, result.err
    assert target.read_bytes().startswith(b"%PDF")
    assert result.json() == {"number": number, "pdf_path": str(target),
                             "size_bytes": target.stat().st_size}
    folder = tmp_path / "docs"
    folder.mkdir()
    assert martin("invoice", number, "--pdf", str(folder)).code == 0
    assert (folder / f"facture-{number}.pdf").read_bytes().startswith(b"%PDF")
    missing = martin("invoice", number, "--pdf", str(tmp_path / "nope" / "f.pdf"))
    assert missing.code == 1 and len(missing.err_lines) == 1


def test_outbox_lists_the_demo_emails(cli: Cli, chambon_url: str) -> None:
    result = cli("--portal", chambon_url, "outbox", "--json")
    assert result.code == 0, result.err
    messages = [OutboxMessage.model_validate(m) for m in result.json()["messages"]]
    assert any("Activation" in m.subject for m in messages)
    bernard = next(m for m in messages if "Activation" in m.subject)
    only = cli("--portal", chambon_url, "outbox", "--to", bernard.to, "--plain")
    lines = only.out.splitlines()
    assert lines and all(line.split("\t")[2] == bernard.to for line in lines)
    # A body's newlines are escaped: one message, one line.
    assert len(lines) == sum(m.to == bernard.to for m in messages)


def test_options_before_or_after_the_command(cli: Cli, chambon_url: str) -> None:
    before = cli("--json", "--portal", chambon_url, "--login", "martin", "invoices",
                 password="demo-martin")
    after = cli("invoices", "--portal", chambon_url, "--login", "martin", "--json",
                password="demo-martin")
    assert before.code == after.code == 0
    assert before.json() == after.json()


def test_single_configured_portal_is_the_default(cli: Cli, chambon_url: str) -> None:
    from famille_tui.client.config import PortalProfile, Settings, save_settings

    save_settings(Settings(portals=[PortalProfile(name="Le Chambon-Feugerolles",
                                                  url=chambon_url)]))
    result = cli("--login", "martin", "invoices", "--unpaid", "--json", password="demo-martin")
    assert result.code == 0, result.err
    by_commune = cli("--commune", "le-chambon-feugerolles", "--login", "martin", "invoices",
                     "--json", password="demo-martin")
    assert by_commune.json()["total_remaining_cents"] == result.json()["total_remaining_cents"]
    assert date.fromisoformat(result.json()["invoices"][0]["due_date"])


def test_a_paid_invoice_says_its_proof(martin: Cli) -> None:
    """Issue 19: when, how much, how, and the bank's authorisation number of what was paid."""
    table = martin("invoice", "2026080017")
    assert table.code == 0
    assert "Payé le" in table.out and "autorisation n°" in table.out
    proof = Invoice.model_validate(martin("invoice", "2026080017", "--json").json()).receipts
    assert [(r.method.value, r.amount_cents) for r in proof] == [("card", 19850)]
