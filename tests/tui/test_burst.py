"""Keys sent in one burst (issue 19, bug 3): a password manager's auto-type, « martin »,
Tab, « demo-martin », Entrée, with no pause between keys. Each field gets its own text —
the password never lands in clear in « Identifiant » — on the login screen, in the kiosk
and on « Première connexion ».

(A bare Textual app with two inputs puts the whole burst in the first one too: Textual's Tab
is a binding of the screen, reached once the key has bubbled up from the input, after the
rest of the burst was handed to it. famille-tui makes Tab the app's priority binding.)"""

from __future__ import annotations

from typing import Any

from famille_tui.portal.launcher import PortalProcess
from tests.support.tui import (
    field,
    make_app,
    screen_name,
    send_burst,
    type_into,
    wait_until,
)


async def test_login_and_password_in_one_burst(portal: PortalProcess) -> None:
    app = make_app(portal)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen", what="login")
        await wait_until(pilot, lambda: app.focused is field(app, "login").input,
                         what="the focus in « Identifiant »")
        send_burst(app, "martin\tdemo-martin")
        await wait_until(pilot, lambda: field(app, "password").value == "demo-martin"
                         or len(field(app, "login").value) > 6, what="the burst typed")
        assert field(app, "login").value == "martin"
        assert field(app, "password").value == "demo-martin"
        send_burst(app, "\n")
        await wait_until(pilot, lambda: app.logged_in, what="logged in")


async def test_the_kiosk_login_in_one_burst(portal: PortalProcess) -> None:
    app = make_app(portal, kind="kiosk")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.screen.query("#welcome-login"), what="welcome")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.focused is field(app, "login").input,
                         what="the focus in « Identifiant »")
        send_burst(app, "martin\tdemo-martin\n")
        await wait_until(pilot, lambda: app.logged_in or app.screen.query(".-invalid")
                         or len(field(app, "login").value) > 6, what="the burst typed")
        assert app.logged_in


async def test_first_connection_in_one_burst(portal: PortalProcess, make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen", what="login")
        await type_into(pilot, "login", "")
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: screen_name(app) == "ActivationScreen"
                         and app.focused is field(app, "login").input, what="activation")
        send_burst(app, "bernard\tprovisoire-1\tNouveau-mot2\tNouveau-mot2")
        await wait_until(pilot, lambda: field(app, "confirm_password").value
                         or len(field(app, "login").value) > 7, what="the burst typed")
        assert [field(app, name).value for name in
                ("login", "temporary_password", "new_password", "confirm_password")] == [
            "bernard", "provisoire-1", "Nouveau-mot2", "Nouveau-mot2"]
