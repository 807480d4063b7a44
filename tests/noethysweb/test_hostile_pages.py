"""What a hostile or changed Noethysweb could send: the page readers and the captcha drawing
refuse it with a French sentence naming what was missing, never a traceback or a guess.

The pages here are the real peer's markup (as its templates write it), cut or altered."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from famille_tui.client.captcha import CaptchaImageError, captcha_lines, decode_png_gray
from famille_tui.client.errors import PortalProtocolError
from famille_tui.client.portals.noethysweb import pages

LIST = """<table class="table" aria-label="Liste des dernières factures"><thead><tr>
<th>Du</th><th>Au</th><th>N°</th><th>Montant</th><th>Reste à régler</th><th>Actions</th></tr>
</thead><tbody><tr><td>01/03/2026</td><td>31/03/2026</td><td>{number}</td><td>42.00 €</td>
<td><span class="badge rounded-pill text-bg-danger" aria-label="Reste à régler : 42.00 €">
{remaining}</span></td><td><button data-idfacture="3" class="bouton_detail_facture">
</button></td></tr></tbody></table>"""


def _page(body: str) -> str:
    return f"<!DOCTYPE html><html><body><main>{body}</main></body></html>"


def test_amounts_as_the_portal_writes_them() -> None:
    assert pages.parse_cents("48.20 €", "x") == 4820
    assert pages.parse_cents("48,20 €", "x") == 4820
    assert pages.parse_cents("1 234.56 €", "x") == 123456
    for hostile in ("1e9 €", "-4.00 €", "48.20", "NaN €", "48.20 € <b>"):
        with pytest.raises(PortalProtocolError, match="le montant"):
            pages.parse_cents(hostile, "la facture 1003")


def test_the_invoice_list_read_by_its_headers() -> None:
    page = pages.parse_invoice_page(_page(LIST.format(number="1003", remaining="42.00 €")))
    (row,) = page.invoices
    assert (row.pk, row.number, row.amount_cents, row.remaining_cents) == (3, "1003", 4200, 4200)
    assert not row.settled_badge and page.pending_alerts == 0 and not page.payable


def test_a_missing_table_or_column_is_named() -> None:
    with pytest.raises(PortalProtocolError, match="Liste des dernières factures"):
        pages.parse_invoice_page(_page("<p>Maintenance</p>"))
    without_column = LIST.replace("<th>Reste à régler</th>", "<th>Solde</th>")
    with pytest.raises(PortalProtocolError, match="« Reste à régler »"):
        pages.parse_invoice_page(_page(without_column.format(number="1", remaining="1.00 €")))


def test_markup_and_escapes_in_a_number_are_refused() -> None:
    for number in ("<script>alert(1)</script>", "\x1b]52;c;bad\x07", "1003 OR 1=1"):
        with pytest.raises(PortalProtocolError, match="le numéro"):
            pages.parse_invoice_page(_page(LIST.format(number=number, remaining="42.00 €")))


def test_an_odd_remaining_cell_is_not_read_as_paid() -> None:
    odd = LIST.replace('aria-label="Reste à régler : 42.00 €"', 'aria-label="Payé ?"')
    with pytest.raises(PortalProtocolError, match="Reste à régler"):
        pages.parse_invoice_page(_page(odd.format(number="1003", remaining="0.00 €")))


LOGIN = """<form name="LoginForm" id="login-form" method="post">
<input type="hidden" name="csrfmiddlewaretoken" value="{token}">
<input name="username"><input type="password" name="password">
<img src="{image}" class="captcha-img"><input type="hidden" name="captcha_0" value="{key}">
<input name="captcha_1"><a href="/captcha/audio/{key}.wav">audio</a></form>"""
KEY = "0a33dedb6189befeeddd942fde35c3cc50d19dba"
TOKEN = "4QgsTN8XsCEr5uG3psgBx8cYE5CXOTgOwNYVGtJa3lkHbMT9mxe7Z8nZN7CAnQ82"


def test_the_captcha_is_only_taken_from_the_portal_itself() -> None:
    form = pages.parse_login_form(
        LOGIN.format(token=TOKEN, key=KEY, image=f"/captcha/image/{KEY}/"))
    assert form.captcha_key == KEY and form.image_path == f"/captcha/image/{KEY}/"
    assert form.audio_path == f"/captcha/audio/{KEY}.wav"
    for image in ("https://evil.example/x.png", "//evil.example/x.png", "javascript:x",
                  "/captcha/\\evil"):
        with pytest.raises(PortalProtocolError, match="l'image du code"):
            pages.parse_login_form(LOGIN.format(token=TOKEN, key=KEY, image=image))
    with pytest.raises(PortalProtocolError, match="captcha_0"):
        pages.parse_login_form(LOGIN.format(token=TOKEN, key="../../etc", image="/c/"))
    with pytest.raises(PortalProtocolError, match="csrfmiddlewaretoken"):
        pages.parse_login_form(LOGIN.format(token="x\" onload=\"", key=KEY, image="/c/"))


def _png(width: int, height: int, pixels: bytes, *, declared: tuple[int, int] | None = None,
         colour: int = 0) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))

    w, h = declared or (width, height)
    header = struct.pack(">IIBBBBB", w, h, 8, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(pixels)) + chunk(b"IEND", b""))


def test_the_captcha_drawn_in_half_blocks() -> None:
    # A 20×4 grey image: a dark bar over the top half, light below.
    rows = [b"\x00" + (b"\x10" if y < 2 else b"\xf0") * 20 for y in range(4)]
    lines = captcha_lines(_png(20, 4, b"".join(rows)))
    assert lines == ["█" * 20, ""]
    assert decode_png_gray(_png(20, 4, b"".join(rows)))[:2] == (20, 4)


def test_a_hostile_captcha_image_is_refused() -> None:
    with pytest.raises(CaptchaImageError, match="nouveau code"):
        captcha_lines(b"<html>not a png</html>")
    with pytest.raises(CaptchaImageError, match="dimensions"):
        captcha_lines(_png(1, 1, b"\x00\x00", declared=(100_000, 100_000)))
    # A decompression bomb: far more data than a 10×10 image needs is never inflated.
    bomb = _png(10, 10, b"\x00" * 50_000_000)
    assert len(bomb) < 100_000
    width, height, rows = decode_png_gray(bomb)
    assert (width, height, len(rows)) == (10, 10, 10)
    with pytest.raises(CaptchaImageError, match="tronquée"):
        captcha_lines(_png(10, 10, b"\x00" * 20))


CONTACTS = """<table class="table table-bordered align-middle" aria-label="Liste des contacts">
<thead><tr class="text-center"><th scope="col">Nom</th><th scope="col">Prénom</th>
<th scope="col">Lien</th><th scope="col">Autorisations</th><th scope="col">Actions</th></tr>
</thead><tbody><tr class="text-center"><td>DUPONT</td><td>Jeanne</td><td>Grand-mère</td>
<td><span class='badge rounded-pill text-bg-success' title="Autorisé à récupérer l'individu">
<i class='fa fa-sign-out margin-r-5'></i>Sortie</span></td><td>
<a class="btn" href="/renseignements/individu/contacts/modifier/3/7">M</a>
<a class="btn" href="/renseignements/individu/contacts/supprimer/3/7">S</a></td></tr>
</tbody></table>"""


def test_contacts_as_the_portal_template_writes_them() -> None:
    # portail/templates/portail/individu_contacts.html (the seeded family has none).
    (row,) = pages.parse_contacts(_page(CONTACTS))
    assert (row.id, row.first_name, row.last_name, row.relationship) == (
        7, "Jeanne", "DUPONT", "Grand-mère")
    assert row.can_pick_up and not row.emergency_contact
    assert pages.parse_contacts(_page("<b>Aucun contact enregistré.</b>")) == []
    elsewhere = CONTACTS.replace('href="/renseignements/individu/contacts/modifier/3/7"',
                                 'href="https://evil.example/renseignements/individu/'
                                 'contacts/modifier/3/7"')
    with pytest.raises(PortalProtocolError, match="Modifier"):
        pages.parse_contacts(_page(elsewhere))


def test_the_peer_is_said_missing_with_its_reason(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    from tests.support.noethysweb_peer import shared_dir

    monkeypatch.setenv("FAMILLE_TUI_SHARED_DIR", str(tmp_path / "absent"))
    path, why = shared_dir()
    assert path is None and "FAMILLE_TUI_SHARED_DIR" in why


def test_the_pdf_print_model_is_read_from_the_page_script_only_as_digits() -> None:
    with_pdf = LIST.replace(
        '</button></td></tr>',
        '</button><button data-idfacture="3" class="bouton_imprimer_facture"></button>'
        '</td></tr>').format(number="1003", remaining="42.00 €")
    script = '<script>$.ajax({{data: {{idfacture: 3, idmodele_impression: "{}",}}}})</script>'
    page = pages.parse_invoice_page(_page(with_pdf + script.format("7")))
    assert page.invoices[0].has_pdf and page.print_model == "7"
    for hostile in ("None", "7&idfacture=4", "../1", ""):
        assert pages.parse_invoice_page(_page(with_pdf + script.format(hostile))
                                        ).print_model is None
    # No download button: no model read, whatever a script says.
    plain = LIST.format(number="1003", remaining="42.00 €")
    assert pages.parse_invoice_page(_page(plain + script.format("7"))).print_model is None
