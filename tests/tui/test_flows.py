"""Pilot tests of every flow of the TUI, against the real embedded portal on loopback.

Each test drives the app with keys, as a person would, then checks the result on the portal
itself through a second, independent client.
"""

from __future__ import annotations

import re
from typing import Any

from textual.binding import Binding
from textual.widgets import Button, Checkbox, DataTable, Static

from famille_tui.client.portal_client import PortalClient
from famille_tui.tui.screens.entourage import EntourageScreen
from famille_tui.tui.widgets.notice import Notice
from tests.support import CHAPONOST, expire_sessions
from tests.support.connectors import NoReplies
from tests.support.tui import (
    CHAMBON,
    field,
    log_in,
    logged_in,
    notifications,
    screen_name,
    settled,
    type_into,
    wait_until,
)


async def fresh_client(portal: Any, login: str = "martin",
                       password: str = "demo-martin") -> PortalClient:
    client = PortalClient(portal.base_url(CHAMBON))
    await client.login(login, password)
    return client


def in_family_space(app: Any) -> bool:
    """Logged in AND on the Famille screen (the mode switch comes after the login)."""
    return bool(app.logged_in) and screen_name(app) == "FamilyScreen"


def notice_text(app: Any) -> str:
    return str(app.screen.query_one(Notice).render())


async def outbox_value(portal: Any, to_login: str, pattern: str) -> str:
    """The last value matching `pattern` in the e-mails of the demo outbox."""
    async with PortalClient(portal.base_url(CHAMBON)) as client:
        mails = await client.outbox()
    for mail in reversed(mails):
        found = re.search(pattern, mail.body)
        if found and (to_login in mail.body or to_login in mail.to):
            return found.group(1)
    raise AssertionError(f"no e-mail matching {pattern!r} for {to_login}")


# -- login ------------------------------------------------------------------------------------


async def test_login_opens_the_family_with_the_header_total(make_app: Any, portal: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await logged_in(pilot)
        client = await fresh_client(portal)
        family = await client.family()
        total = (await client.invoices()).total_remaining_cents
        await client.aclose()
        assert app.session.family_name == family.name == "Famille Martin"
        assert app.session.remaining_cents == total > 0
        header = str(app.screen.query_one("#header-remaining", Static).render())
        assert header.startswith("Reste à payer : ")
        children = app.screen.query_one("#children", DataTable)
        assert children.row_count == len(family.children) == 2
        ages = {str(children.get_row_at(i)[2]) for i in range(children.row_count)}
        assert all(re.fullmatch(r"\d+ (mois|ans)( et \d+ mois)?", age) for age in ages), ages


async def test_the_command_palette_speaks_french(make_app: Any) -> None:
    from textual.command import CommandInput, CommandPalette

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await logged_in(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        assert app.screen.query_one(CommandInput).placeholder == "Rechercher une commande…"
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Quitter (touche q)" in titles
        assert not {"Theme", "Quit", "Keys", "Screenshot", "Maximize"} & set(titles)
        palette = [binding for binding in app.BINDINGS
                   if isinstance(binding, Binding) and binding.action == "command_palette"]
        assert [binding.tooltip for binding in palette] == ["Ouvrir la palette de commandes"]


async def test_wrong_password_says_so_and_stays_on_login(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "martin", "pas-le-bon")
        await wait_until(pilot, lambda: "incorrect" in notice_text(app), what="error")
        assert screen_name(app) == "LoginScreen"
        assert "Mot de passe oublié" in notice_text(app)
        assert not app.logged_in


async def test_locked_account_says_when_to_retry(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(6):
            await log_in(pilot, "durand", "mauvais")
            await wait_until(pilot, lambda: "Connexion" not in notice_text(app), what="answer")
            if "bloqué" in notice_text(app):
                break
        text = notice_text(app)
        assert "bloqué" in text
        assert re.search(r"Réessayez .*\d+ minutes?", text), text
        # Even the right password is refused now, with the same explanation.
        await log_in(pilot, "durand", "demo-durand")
        await wait_until(pilot, lambda: "bloqué" in notice_text(app), what="still locked")
        assert not app.logged_in


async def test_not_activated_points_to_first_connection(make_app: Any, portal: Any) -> None:
    temporary = await outbox_value(portal, "bernard", r"mot de passe provisoire : (\S+)")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        # A parent types the e-mail's temporary password on the login screen.
        await log_in(pilot, "bernard", temporary)
        await wait_until(pilot, lambda: "Première connexion" in notice_text(app),
                         what="not activated")
        assert app.focused is app.screen.query_one("#activation", Button)
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen_name(app) == "ActivationScreen")
        assert field(app, "login").value == "bernard"
        assert field(app, "temporary_password").value == temporary  # not typed twice
        assert app.focused is field(app, "new_password").input


# -- first connection and password reset -------------------------------------------------------


async def test_activation_of_bernard_from_the_outbox(make_app: Any, portal: Any) -> None:
    temporary = await outbox_value(portal, "bernard", r"mot de passe provisoire : (\S+)")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen")
        await type_into(pilot, "login", "bernard")
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: screen_name(app) == "ActivationScreen")
        rules = app.screen.query_one("#password-rules", Static)
        # The rules are on screen before anything is typed.
        await wait_until(pilot, lambda: "chargement" not in str(rules.render()))
        async with PortalClient(portal.base_url(CHAMBON)) as client:
            policy = await client.password_policy()
        # The portal's sentence after the colon, in lower case as French writes it.
        assert str(rules.render()) == ("Règles du mot de passe : le mot de passe doit comporter "
                                       + policy.description.split(" doit comporter ", 1)[1])
        await type_into(pilot, "temporary_password", temporary)
        await type_into(pilot, "new_password", "Nouveau-mot2passe")
        await type_into(pilot, "confirm_password", "Nouveau-mot3")
        assert "identiques" in str(field(app, "confirm_password").query_one(".field-error")
                                   .render())
        await type_into(pilot, "confirm_password", "Nouveau-mot2passe")
        assert not field(app, "confirm_password").has_class("-invalid")
        await pilot.press("enter")
        # Logged in with the new password at once: never typed a third time (issue 19).
        await wait_until(pilot, lambda: in_family_space(app), what="bernard logged in")
        assert app.session.family_name.startswith("Famille Bernard")


async def test_password_reset_with_the_code_from_the_outbox(make_app: Any, portal: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen")
        await type_into(pilot, "login", "martin")
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: screen_name(app) == "PasswordResetScreen")
        assert field(app, "login").value == "martin"
        # Said to every login alike: the way out for a parent with no e-mail on file.
        way_out = app.screen.query_one("#reset-no-email", Static)
        await wait_until(pilot, lambda: way_out.display, what="the way out")
        assert str(way_out.render()) == (
            "Le code est envoyé à l'adresse électronique enregistrée pour ce compte ; sans "
            "adresse enregistrée, aucun code n'arrive. Si vous n'avez jamais donné d'adresse "
            "électronique à l'inscription de votre enfant, demandez-en l'enregistrement à "
            "Crèche Les Pirouettes : creche.lespirouettes@lechambon.fr ou 04 77 06 20 10.")
        await pilot.press("enter")  # « Recevoir un code par e-mail »
        await wait_until(pilot, lambda: app.focused is field(app, "code").input,
                         what="code step")
        code = await outbox_value(portal, "martin", r"Code : (\S+)")
        # A wrong code first: refused, and said so.
        await type_into(pilot, "code", "000000")
        await type_into(pilot, "new_password", "Autre-secret42")
        await type_into(pilot, "confirm_password", "Autre-secret42")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.query_one(Notice).has_class("-error"),
                         what="the wrong code refused")
        # The right code, then Entrée in the code field: sent, since every field is filled
        # (issue 19, bug 7: Entrée only moved on, and the refusal stayed on screen).
        await type_into(pilot, "code", code)
        assert not app.screen.query_one(Notice).has_class("-error")
        await pilot.press("enter")
        await wait_until(pilot, lambda: in_family_space(app), what="new password works")
    async with PortalClient(portal.base_url(CHAMBON)) as client:
        await client.login("martin", "Autre-secret42")


# -- the family space --------------------------------------------------------------------------


async def test_entourage_add_edit_remove(make_app: Any, portal: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await logged_in(pilot)
        await pilot.press("2")
        await wait_until(pilot, lambda: screen_name(app) == "EntourageScreen")
        screen = app.screen
        assert isinstance(screen, EntourageScreen)
        table = screen.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count > 0, what="contacts")
        before = table.row_count

        await pilot.press("a")
        await wait_until(pilot, lambda: screen_name(app) == "ContactFormScreen")
        await type_into(pilot, "first_name", "Lucienne")
        await type_into(pilot, "last_name", "Martin")
        await type_into(pilot, "relationship", "Arrière-grand-mère")
        await type_into(pilot, "phones-0", "12 34")
        await type_into(pilot, "email", "pas-une-adresse")
        await pilot.press("ctrl+s")
        phone_error = str(field(app, "phones-0").query_one(".field-error").render())
        email_error = str(field(app, "email").query_one(".field-error").render())
        assert "téléphone" in phone_error and "exemple" in phone_error
        assert "Adresse électronique invalide" in email_error
        assert screen_name(app) == "ContactFormScreen"
        await type_into(pilot, "phones-0", "06 11 22 33 44")
        await type_into(pilot, "email", "")
        app.screen.query_one("#can_pick_up", Checkbox).focus()
        await pilot.press("space")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "EntourageScreen", what="saved")
        await wait_until(pilot, lambda: table.row_count == before + 1, what="new row")

        client = await fresh_client(portal)
        added = [c for c in await client.entourage() if c.first_name == "Lucienne"]
        assert len(added) == 1 and added[0].can_pick_up and added[0].phones == ["06 11 22 33 44"]
        row = table.cursor_row
        assert str(table.get_row_at(row)[0]) == "Lucienne Martin"

        await pilot.press("e")
        await wait_until(pilot, lambda: screen_name(app) == "ContactFormScreen")
        await type_into(pilot, "relationship", "Grand-tante")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "EntourageScreen")
        edited = [c for c in await client.entourage() if c.id == added[0].id]
        assert edited[0].relationship == "Grand-tante"

        await wait_until(pilot, lambda: str(table.get_row_at(table.cursor_row)[0])
                         == "Lucienne Martin", what="cursor on the contact")
        await pilot.press("d")
        await wait_until(pilot, lambda: screen_name(app) == "ConfirmScreen")
        assert app.focused is app.screen.query_one("#no", Button)  # the safe answer
        await pilot.press("enter")  # « Non »: nothing removed
        await wait_until(pilot, lambda: screen_name(app) == "EntourageScreen")
        assert any(c.id == added[0].id for c in await client.entourage())
        await pilot.press("d")
        await wait_until(pilot, lambda: screen_name(app) == "ConfirmScreen")
        await pilot.press("o")
        await wait_until(pilot, lambda: table.row_count == before, what="row removed")
        assert all(c.id != added[0].id for c in await client.entourage())
        await client.aclose()


async def test_edit_coordinates(make_app: Any, portal: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(pilot)
        await pilot.press("5")
        await wait_until(pilot, lambda: "Martin" in str(
            app.screen.query_one("#coordinates", Static).render()), what="coordinates")
        await pilot.press("e")
        await wait_until(pilot, lambda: screen_name(app) == "ProfileFormScreen")
        await type_into(pilot, "postal_code", "425")
        await type_into(pilot, "phone_mobile", "07 00 11 22 33")
        await pilot.press("ctrl+s")
        assert "5 chiffres" in str(field(app, "postal_code").query_one(".field-error").render())
        assert app.focused is field(app, "postal_code").input
        await type_into(pilot, "postal_code", "42500")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "CoordinatesScreen", what="saved")
        shown = str(app.screen.query_one("#coordinates", Static).render())
        assert "07 00 11 22 33" in shown
        # « Famille » says it too, without a refresh (issue 19, bug 4).
        await pilot.press("1")
        await wait_until(pilot, lambda: screen_name(app) == "FamilyScreen", what="family")
        adults = app.screen.query_one("#adults", DataTable)
        assert "07 00 11 22 33" in [str(cell) for cell in adults.get_row_at(0)]
    client = await fresh_client(portal)
    assert (await client.profile()).phone_mobile == "07 00 11 22 33"
    await client.aclose()


async def test_an_empty_dashboard_says_so_and_its_tabs_are_keys_in_the_footer(
    make_app: Any,
) -> None:
    from textual.widgets import TabbedContent

    from famille_tui.api import Dashboard
    from famille_tui.tui.screens.dashboard import DashboardScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(pilot)
        await pilot.press("3")
        await wait_until(pilot, lambda: screen_name(app) == "DashboardScreen")
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        footer = {b.key: b.description for b in screen.BINDINGS if isinstance(b, Binding)
                  and b.show}
        assert footer == {"m": "Échanges", "h": "Demandes", "v": "Évènements",
                          "n": "Actualités"}
        await pilot.press("v")
        assert screen.query_one(TabbedContent).active == "events"
        # A family with nothing on its dashboard (Famille Bernard's messages, say).
        screen.show(Dashboard(requests=[], messages=[], unread_messages=0, events=[],
                              news=[]))
        for table, words in (("#messages-table", "Aucun message"),
                             ("#requests-table", "Aucune demande"),
                             ("#events-table", "Aucun évènement à venir")):
            rows = screen.query_one(table, DataTable)
            assert rows.row_count == 1 and words in map(str, rows.get_row_at(0)), table
        await pilot.press("m", "enter")
        assert screen_name(app) == "DashboardScreen"  # « Aucun message » opens nothing


async def test_the_subjects_of_the_messages_are_read_at_80_columns(make_app: Any) -> None:
    """At 80×24 each message's subject is on screen whole, before its sender (Chaponost's
    « Service Familles – restauration scolaire et crèche » took the width and left one
    letter of the subject)."""
    app = make_app(communes=(CHAPONOST,))
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(pilot)
        await pilot.press("3")
        await wait_until(pilot, lambda: screen_name(app) == "DashboardScreen")
        table = app.screen.query_one("#messages-table", DataTable)
        await wait_until(pilot, lambda: table.row_count > 1, what="messages")
        await settled(pilot)
        drawn = "\n".join(table.render_line(y).text for y in range(table.size.height))
        subjects = [m.subject for m in app.screen.messages]
        assert subjects and all(subject in drawn for subject in subjects), drawn


async def test_reading_a_message_marks_it_read(make_app: Any, portal: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await logged_in(pilot)
        await pilot.press("3")
        await wait_until(pilot, lambda: screen_name(app) == "DashboardScreen")
        table = app.screen.query_one("#messages-table", DataTable)
        await wait_until(pilot, lambda: table.row_count > 0, what="messages")
        unread = [i for i in range(table.row_count) if "Non lu" in str(table.get_row_at(i)[0])]
        assert unread, "the demo family has messages to read"
        table.move_cursor(row=unread[0])
        subject = str(table.get_row_at(unread[0])[2])
        table.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen_name(app) == "MessageScreen")
        assert str(app.screen.query_one("#message-subject", Static).render()) == subject
        body = str(app.screen.query_one("#message-body", Static).render())
        assert len(body) > 20
        await pilot.press("escape")
        await wait_until(pilot, lambda: "Lu" in str(table.get_row_at(unread[0])[0])
                         and "Non" not in str(table.get_row_at(unread[0])[0]), what="marked")
        tab_label = app.screen.query_one("#dashboard-tabs").get_tab("messages").label  # type: ignore[attr-defined]
        assert str(len(unread) - 1) in str(tab_label) or len(unread) == 1
    client = await fresh_client(portal)
    messages = (await client.dashboard()).messages
    assert [m.read for m in messages if m.subject == subject] == [True]
    await client.aclose()


async def open_message(pilot: Any, subject: str) -> None:
    """From the family: « 3 », the message of this subject, Entrée."""
    app = pilot.app
    await pilot.press("3")
    await wait_until(pilot, lambda: screen_name(app) == "DashboardScreen")
    table = app.screen.query_one("#messages-table", DataTable)
    await wait_until(pilot, lambda: table.row_count > 1, what="messages")
    row = next(i for i in range(table.row_count) if str(table.get_row_at(i)[2]) == subject)
    table.move_cursor(row=row)
    table.focus()
    await pilot.press("enter")
    await wait_until(pilot, lambda: screen_name(app) == "MessageScreen")


async def test_answering_a_message(make_app: Any, portal: Any) -> None:
    from textual import events
    from textual.widgets import TextArea

    subject = "Photos de l'atelier peinture"
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await logged_in(pilot)
        await open_message(pilot, subject)
        await pilot.press("r")
        await wait_until(pilot, lambda: screen_name(app) == "ReplyScreen")
        form = app.screen
        error = form.query_one("#reply-error", Static)
        assert "Crèche Les Pirouettes" in str(form.query_one("#reply-to", Static).render())
        # Nothing typed: the one sentence for an empty field, beside the field.
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "obligatoire" in str(error.render()), what="error")
        assert str(error.render()) == "✗ Ce champ est obligatoire"
        assert error.display and form.query_one("#field-text").has_class("-invalid")
        # Typing clears it; a paste that is too long is refused with the count, text kept.
        await pilot.press(*"Bonjour,", "enter", *"un tirage de la photo 3, merci.")
        assert not form.query_one("#field-text").has_class("-invalid")
        area = form.query_one(TextArea)
        typed = "Bonjour,\nun tirage de la photo 3, merci."
        assert area.text == typed
        # The limit as the refusal words it, and where the parent is.
        assert str(form.query_one("#reply-count", Static).render()) == (
            "2000 caractères au plus (40 saisis)")
        app.post_message(events.Paste("x" * 2000))  # as the terminal sends a paste
        await wait_until(pilot, lambda: len(area.text) > 2000, what="the paste")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "au plus" in str(error.render()), what="too long")
        assert str(error.render()) == "✗ 2000 caractères au plus (votre texte en compte 2040)"
        assert area.text == typed + "x" * 2000  # nothing lost
        await pilot.press("ctrl+z")  # the paste undone
        await wait_until(pilot, lambda: area.text == typed, what="undone")
        # Échap keeps the draft: « Répondre » again gives it back.
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen_name(app) == "MessageScreen")
        await pilot.press("r")
        await wait_until(pilot, lambda: screen_name(app) == "ReplyScreen")
        assert app.screen.query_one(TextArea).text == typed
        # The portal unreachable: said under the form, the text kept for another try.
        portal.stop()
        await pilot.press("ctrl+s")
        notice = app.screen.query_one(Notice)
        await wait_until(pilot, lambda: "portail" in str(notice.render()).lower(),
                         timeout=40, what="the portal unreachable")
        assert app.screen.query_one(TextArea).text == typed
        portal.restart()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "MessageScreen", timeout=30)
        await wait_until(pilot, lambda: notifications(app), what="the toast")
        assert [(n.title, n.message) for n in notifications(app)] == [
            ("Répondre", "Réponse envoyée à Crèche Les Pirouettes.")]
        replies = str(app.screen.query_one("#message-replies", Static).render())
        assert replies.startswith("Votre réponse du ") and "photo 3, merci." in replies
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen_name(app) == "DashboardScreen")
        # Opened again, the message shows it still (the dashboard kept it).
        await open_message(pilot, subject)
        replies = str(app.screen.query_one("#message-replies", Static).render())
        assert "photo 3, merci." in replies
    client = await fresh_client(portal)
    message = next(m for m in (await client.dashboard()).messages if m.subject == subject)
    assert [r.text for r in message.replies] == [typed]
    mails = await client.outbox()
    await client.aclose()
    assert mails[-1].to == "creche.lespirouettes@lechambon.fr" and typed in mails[-1].body


async def test_a_portal_without_replies_says_so(make_app: Any, portal: Any) -> None:
    made: list[NoReplies] = []
    app = make_app(connector_factory=NoReplies.factory(made))
    async with app.run_test(size=(100, 30)) as pilot:
        await logged_in(pilot)
        await open_message(pilot, "Photos de l'atelier peinture")
        await pilot.press("r")
        await wait_until(pilot, lambda: notifications(app), what="the notice")
        assert [(n.title, n.message) for n in notifications(app)] == [
            ("Répondre", "La réponse aux messages : non proposé par ce portail.")]
        assert screen_name(app) == "MessageScreen"
    assert not [r for r in made[0].requests if r.endswith("/reply")]


async def test_every_section_is_one_key_away(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(pilot)
        expected = {"1": "FamilyScreen", "2": "EntourageScreen", "3": "DashboardScreen",
                    "5": "CoordinatesScreen", "6": "HelpScreen"}
        for key in ["2", "3", "5", "6", "1", "6", "2"]:
            await pilot.press(key)
            await wait_until(pilot, lambda k=key: screen_name(app) == expected[k],
                             what=f"key {key}")
        await pilot.press("4")
        await pilot.pause(0.2)
        try:
            import famille_tui.tui.screens.invoices  # noqa: F401
        except ImportError:
            assert screen_name(app) == "EntourageScreen"  # « bientôt » and nothing else
        else:
            assert screen_name(app) == "InvoicesScreen"
        await pilot.press("6")
        await wait_until(pilot, lambda: "04 77 06 20 10" in str(
            app.screen.query_one("#help-contact", Static).render()), what="help")


async def test_session_expiry_asks_the_password_and_returns_where_the_user_was(
    make_app: Any, portal: Any
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(pilot)
        await pilot.press("2")
        await wait_until(pilot, lambda: screen_name(app) == "EntourageScreen")
        table = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count > 0)
        before = table.row_count
        # Mid-use: the form is filled in when the session expires on the portal.
        await pilot.press("a")
        await wait_until(pilot, lambda: screen_name(app) == "ContactFormScreen")
        await type_into(pilot, "first_name", "Paul")
        await type_into(pilot, "last_name", "Voisin")
        await type_into(pilot, "relationship", "Voisin")
        await type_into(pilot, "phones-0", "0612345678")
        expire_sessions(portal.data_path)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "SessionPasswordScreen",
                         what="password asked again")
        await pilot.press(*"mauvais", "enter")
        await wait_until(pilot, lambda: "incorrect" in notice_text(app), what="wrong pw")
        await pilot.press(*"demo-martin", "enter")
        # Back where the user was: the save went through, the form closed, the list updated.
        await wait_until(pilot, lambda: screen_name(app) == "EntourageScreen", what="back")
        await wait_until(pilot, lambda: table.row_count == before + 1, what="saved")
        assert app.logged_in


async def test_giving_up_after_expiry_goes_back_to_login(make_app: Any, portal: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(pilot)
        expire_sessions(portal.data_path)
        await pilot.press("r")
        await wait_until(pilot, lambda: screen_name(app) == "SessionPasswordScreen")
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen", what="login")
        assert not app.logged_in
        assert field(app, "password").value == ""


async def test_quit_logs_out(make_app: Any, portal: Any) -> None:
    import sqlite3

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(pilot)
        with sqlite3.connect(portal.data_path) as conn:
            assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 1
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, what="exit")
    assert app.return_code == 0
    with sqlite3.connect(portal.data_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0


async def test_portal_choice_when_several_communes(make_app: Any) -> None:
    app = make_app(communes=(CHAMBON, "chaponost"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: screen_name(app) == "PortalChoiceScreen")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen")
        assert app.commune_name == "Chaponost"
        await log_in(pilot)
        await wait_until(pilot, lambda: in_family_space(app), what="logged in at Chaponost")
        assert app.session.connector.commune == "chaponost"
