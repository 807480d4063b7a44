"""The TUI on the real Noethysweb when the session ends on the portal mid-use: the dialog asks
the password and the portal's code again (a wrong code draws another), then the parent is
back where they were."""

from __future__ import annotations

from famille_tui.client.config import PortalProfile
from famille_tui.tui.widgets.captcha import CaptchaField
from tests.support.noethysweb_peer import CAPTCHA, LOGIN, PASSWORD, NoethyswebPeer
from tests.support.tui import field, make_app, screen_name, type_into, wait_until


async def test_an_expired_session_asks_the_password_and_a_new_code(
    noethysweb: NoethyswebPeer,
) -> None:
    app = make_app(portals=[PortalProfile(name="Testville", url=noethysweb.url)])
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen")
        # No dialect in the config: read from the portal's page before the connector.
        await wait_until(pilot, lambda: app.screen.query_one(CaptchaField).asks,
                         timeout=30, what="the captcha drawn")
        assert app.session is not None and app.session.portal.dialect == "noethysweb"
        await type_into(pilot, "login", LOGIN)
        await type_into(pilot, "password", PASSWORD)
        await type_into(pilot, "captcha", CAPTCHA)
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen_name(app) == "FamilyScreen" and app.logged_in,
                         timeout=30, what="the family space")

        # The portal forgets every session (as when it restarts or its sessions expire).
        noethysweb.django_shell("from django.contrib.sessions.models import Session\n"
                                "Session.objects.all().delete()\n")
        await pilot.press("r")
        await wait_until(pilot, lambda: screen_name(app) == "SessionPasswordScreen",
                         timeout=30)
        await wait_until(pilot, lambda: app.screen.query_one(CaptchaField).asks, timeout=30)
        first = app.screen.query_one(CaptchaField).challenge
        await type_into(pilot, "password", PASSWORD)
        await type_into(pilot, "captcha", "faux")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "n'est pas le bon" in str(
            field(app, "captcha").query_one(".field-error").render()), timeout=30)
        await wait_until(pilot, lambda: app.screen.query_one(CaptchaField).challenge
                         not in (None, first), timeout=30, what="a new code drawn")
        # The used code went with what was typed for it; the sentence saying why stays.
        assert field(app, "captcha").value == ""
        assert "n'est pas le bon" in str(field(app, "captcha").query_one(".field-error").render())
        await type_into(pilot, "captcha", CAPTCHA)
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen_name(app) == "FamilyScreen", timeout=30)
        assert app.logged_in
