"""Keys sent in one burst on the real Noethysweb's login (issue 19, bug 3, with issue 16's
captcha): a password manager's « login, Tab, password », then Tab and the image's code, with
no pause between keys; each field gets its own text and Entrée logs in."""

from __future__ import annotations

from famille_tui.client.config import PortalProfile
from famille_tui.tui.widgets.captcha import CaptchaField
from tests.support.noethysweb_peer import CAPTCHA, LOGIN, PASSWORD, NoethyswebPeer
from tests.support.tui import field, make_app, screen_name, send_burst, wait_until


async def test_login_password_and_code_in_one_burst(noethysweb_seeded: NoethyswebPeer) -> None:
    app = make_app(portals=[PortalProfile(name="Testville", url=noethysweb_seeded.url)])
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen")
        await wait_until(pilot, lambda: app.screen.query_one(CaptchaField).asks,
                         timeout=30, what="the captcha drawn")
        await wait_until(pilot, lambda: app.focused is field(app, "login").input,
                         what="the focus in « Identifiant »")
        send_burst(app, f"{LOGIN}\t{PASSWORD}\t{CAPTCHA}")
        await wait_until(pilot, lambda: field(app, "captcha").value == CAPTCHA
                         or len(field(app, "login").value) > len(LOGIN), what="the burst")
        assert (field(app, "login").value, field(app, "password").value) == (LOGIN, PASSWORD)
        assert field(app, "captcha").value == CAPTCHA
        send_burst(app, "\n")
        await wait_until(pilot, lambda: app.logged_in, timeout=30, what="logged in")
