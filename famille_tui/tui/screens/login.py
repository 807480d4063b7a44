"""« Se connecter »: identifiant, mot de passe, « Se souvenir de moi » (OS keyring).

A login remembered in the keyring is offered first, as one button that Enter presses:
« Se connecter en tant que martin ». Where no keyring exists, the box says so and is disabled:
nothing is ever written anywhere else.

This is the first screen of a start: it is drawn before anything slow happens. Probing the OS
keyring (≈ 0.1 s: keyring loads and tries its backends) runs in a thread once the screen is
on view, when the app has no credential store yet; the remembered logins then appear, unless
the parent has already started typing. The portal's connector is made just after the first
frame too (`session.login_challenge()`: its dialect read from the portal's page when the
config does not name it, then its captcha, if it asks one: drawn in a `CaptchaField` under
the password, « Nouveau code » on ctrl+g; a code serves once, so a failed login draws another).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from famille_tui.client.config import PortalProfile, commune_slug
from famille_tui.client.display import shown
from famille_tui.client.errors import (
    AccountLocked,
    AccountNotActivated,
    ChallengeFailed,
    CredentialStoreUnavailable,
    FamilleError,
    InvalidCredentials,
    UnknownCommune,
)
from famille_tui.client.portals.base import Capability
from famille_tui.tui.screens.base import FamilleScreenMixin, not_offered
from famille_tui.tui.widgets.captcha import CaptchaField

if TYPE_CHECKING:
    from famille_tui.tui.screens.activation import AccountReady
from famille_tui.tui.widgets.checkbox import Case
from famille_tui.tui.widgets.footer import Footer
from famille_tui.tui.widgets.form import FormField
from famille_tui.tui.widgets.loading import start_loading, stop_loading
from famille_tui.tui.widgets.notice import Notice

REMEMBER_LABEL = "Se souvenir de moi (mot de passe gardé dans le trousseau du système)"
NO_KEYRING_LABEL = "Se souvenir de moi : impossible, aucun trousseau de mots de passe ici"


def locked_message(error: AccountLocked) -> str:
    """« Compte bloqué … Réessayez dans 15 minutes. »: when, not only that."""
    seconds = error.retry_after_seconds
    if not seconds:
        return error.message
    minutes = max(1, -(-seconds // 60))
    when = "dans 1 minute" if minutes == 1 else f"dans {minutes} minutes"
    if "réessayez" in error.message.lower():
        return error.message  # the portal already says when
    base = error.message.rstrip(".")
    return f"{base}. Réessayez {when}, ou utilisez « Mot de passe oublié »."


class LoginScreen(FamilleScreenMixin, Screen[None]):
    """The commune's login screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "activation", "Première connexion"),
        Binding("ctrl+r", "reset", "Mot de passe oublié"),
        Binding("ctrl+q", "app.quit", "Quitter", priority=True),
        Binding("escape", "change_commune", "Autre commune"),
    ]

    def __init__(self, login: str | None = None) -> None:
        super().__init__()
        self.initial_login = login or ""
        self._not_activated = False

    # -- layout ----------------------------------------------------------------------------

    def _keyring_state(self) -> tuple[bool, list[str]]:
        """Whether the keyring can remember a password, and the logins it remembers here.

        Slow the first time (the OS keyring is probed): see `_probe_keyring`."""
        store = self.famille.credential_store
        if store is None or not store.available:
            return False, []
        portal = self.famille.portal
        if portal is None:
            return True, []
        try:
            logins = store.remembered_logins(portal.url)
        except FamilleError:
            return True, []
        if self.initial_login:
            logins = [login for login in logins if login == self.initial_login]
        return True, logins[:3]

    def compose(self) -> ComposeResult:
        # A kiosk never touches the keyring; an app without a store yet probes it after
        # the first frame (`on_mount`), the form being shown until then.
        remembers = self.famille.remembers_passwords
        known = remembers and self.famille.credential_store_ready
        available, remembered = self._keyring_state() if known else (True, [])
        with VerticalScroll(classes="page"):
            yield Static(shown(f"Espace famille — {self.famille.commune_name}"),
                         classes="title", id="login-title")
            # Said as soon as the portal's address is checked, and kept while typing (the
            # notice under the form goes at the first key).
            yield Static("", id="commune-unknown", classes="error hidden")
            with Vertical(id="remembered", classes="" if remembered else "hidden"):
                # Its buttons are mounted when there is a remembered login to show (here,
                # or once the keyring has answered): the first frame waits for no hidden one.
                if remembered:
                    yield from self._remembered_buttons(remembered)
                    yield self._remembered_choices()
            with Vertical(id="login-form", classes="hidden" if remembered else ""):
                yield FormField("Identifiant", "login", value=self.initial_login,
                                placeholder="votre identifiant")
                yield FormField("Mot de passe", "password", password=True,
                                placeholder="votre mot de passe")
                yield CaptchaField(id="captcha", classes="hidden")
                if remembers:
                    yield Case(REMEMBER_LABEL if available else NO_KEYRING_LABEL,
                               id="remember", disabled=not available)
                with Horizontal(classes="buttons"):
                    yield Button("Se connecter", id="submit", variant="primary")
                    yield Button("Première connexion", id="activation")
                    yield Button("Mot de passe oublié", id="reset")
            yield Notice(id="notice")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "change_commune":
            return self._over_commune_choice()
        return True

    def _over_commune_choice(self) -> bool:
        from famille_tui.tui.screens.portal_choice import PortalChoiceScreen

        stack = self.app.screen_stack
        return len(stack) >= 2 and stack[-1] is self and isinstance(stack[-2], PortalChoiceScreen)

    def action_change_commune(self) -> None:
        """Back to the list of communes (only when this screen was opened from it)."""
        if self._over_commune_choice():
            self.app.pop_screen()

    @staticmethod
    def _remembered_choices() -> Horizontal:
        return Horizontal(Button("Oublier ce compte", id="forget"),
                          Button("Autre compte", id="other-account"), classes="buttons")

    @staticmethod
    def _remembered_buttons(remembered: list[str]) -> list[Button]:
        return [Button(f"Se connecter en tant que {login}", id=f"as-{login}", name=login,
                       classes="remembered-login", variant="primary") for login in remembered]

    def on_mount(self) -> None:
        self._focus_first()
        self.call_after_refresh(self._draw_first_frame)

    def _draw_first_frame(self) -> None:
        # Textual holds every repaint while the app starts (a batch) and may run this
        # callback before the held frame is written: ask for it, and do the slow part after.
        self.refresh()
        self.call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        if self.famille.remembers_passwords and not self.famille.credential_store_ready:
            self._probe_keyring()
        portal = self.famille.portal
        if portal is not None and portal.name == commune_slug(portal.url):
            self._commune_name(portal)
        self._load_challenge()
        self._check_address()

    @work(exclusive=True, group="address")
    async def _check_address(self) -> None:
        """The portal's address, checked before any credentials (the same reading as the
        captcha's: `session.open`); an unknown commune is said at once."""
        try:
            await self.session.open()
        except UnknownCommune as error:
            said = self.query_one("#commune-unknown", Static)
            said.update(shown("✗ ", error.message))
            said.remove_class("hidden")
        except FamilleError:
            return  # the login will say what is wrong with the portal

    @work(thread=True, exclusive=True, group="keyring")
    def _probe_keyring(self) -> None:
        """The OS keyring, probed in a thread (its backends are imported and tried, and a
        locked keyring may take its time); the screen follows what it says."""
        available, remembered = self._keyring_state()
        self.app.call_from_thread(self.call_later, self._show_keyring_state, available,
                                  remembered)

    async def _show_keyring_state(self, available: bool, remembered: list[str]) -> None:
        if not self.is_mounted:
            return
        if not available:
            box = self.query_one("#remember", Case)
            box.value = False
            box.label = NO_KEYRING_LABEL
            box.disabled = True
        login_field = self.query_one("#field-login", FormField)
        password_field = self.query_one("#field-password", FormField)
        ticked = any(box.value for box in self.query("#remember").results(Case))
        typed = login_field.value != self.initial_login or password_field.value or ticked
        if not remembered or typed:
            return  # the parent has started on the form: it stays (« Autre compte » kept)
        block = self.query_one("#remembered", Vertical)
        if block.children:
            await block.mount_all(self._remembered_buttons(remembered), before=0)
        else:
            await block.mount_all([*self._remembered_buttons(remembered),
                                   self._remembered_choices()])
        self.query_one("#remembered").remove_class("hidden")
        self.query_one("#login-form").add_class("hidden")
        self._focus_first()

    def _load_challenge(self, *, focus: bool = False) -> None:
        """The portal's connector (its dialect read first) and its captcha, if it asks one."""
        self.run_worker(self.query_one(CaptchaField).load(self.session, focus=focus),
                        group="captcha", exclusive=True, exit_on_error=False)

    @on(CaptchaField.NewCode)
    def _new_code(self) -> None:
        self._load_challenge(focus=True)

    @work(exclusive=True, group="commune-name")
    async def _commune_name(self, portal: PortalProfile) -> None:
        """`--portal URL` names the commune by its slug; the portal knows its real name."""
        from famille_tui.client.portal_client import list_communes

        origin = portal.url.rstrip("/").rsplit("/", 1)[0]
        try:
            communes = await list_communes(origin, timeout=5.0)
        except FamilleError:
            return  # the slug will do; the login itself will say if the portal is away
        for commune in communes:
            if commune.slug == commune_slug(portal.url):
                self.famille.rename_portal(commune.name)
                self.query_one("#login-title", Static).update(
                    shown(f"Espace famille — {commune.name}"))

    def on_screen_resume(self) -> None:
        # Back here after a logout: the password typed before must not still be there.
        if self.is_mounted:
            self.query_one("#field-password", FormField).value = ""

    def _focus_first(self) -> None:
        buttons = list(self.query(".remembered-login").results(Button))
        if buttons and not self.query_one("#remembered").has_class("hidden"):
            buttons[0].focus()
        elif not self.query_one("#field-login", FormField).value:
            self.query_one("#field-login", FormField).input.focus()
        else:
            self.query_one("#field-password", FormField).input.focus()

    def _show_form(self) -> None:
        self.query_one("#remembered").add_class("hidden")
        self.query_one("#login-form").remove_class("hidden")
        self._focus_first()

    # -- actions ---------------------------------------------------------------------------

    @on(Button.Pressed, "#other-account")
    def _other_account(self) -> None:
        self._show_form()

    @on(Button.Pressed, "#forget")
    def _forget(self) -> None:
        portal = self.famille.portal
        store = self.famille.credential_store
        if portal is None or store is None:
            return
        for button in self.query(".remembered-login").results(Button):
            if button.name:
                try:
                    store.forget(portal.url, button.name)
                except CredentialStoreUnavailable as error:
                    self.query_one(Notice).show(error.message)
                    return
        self.notify("Ce compte est oublié : son mot de passe a été retiré du trousseau.",
                    title="Se souvenir de moi")
        self._show_form()

    @on(Button.Pressed, ".remembered-login")
    def _login_remembered(self, event: Button.Pressed) -> None:
        login = event.button.name or ""
        portal = self.famille.portal
        store = self.famille.credential_store
        password = store.get(portal.url, login) if portal and store else None
        if not password:
            self.query_one("#field-login", FormField).value = login
            self._show_form()
            self.query_one(Notice).show("Mot de passe introuvable dans le trousseau : "
                                        "saisissez-le.", "info")
            return
        if self.query_one(CaptchaField).asks:
            # The code must be typed each time: the form, filled in, with the focus on it.
            self.query_one("#field-login", FormField).value = login
            self.query_one("#field-password", FormField).value = password
            self._show_form()
            self.query_one(CaptchaField).focus_code()
            self.query_one(Notice).show("Recopiez le code de sécurité, puis Entrée.", "info")
            return
        self._login(login, password, remember=False, remembered=True)

    @on(Input.Submitted, "#login-input")
    def _next_field(self) -> None:
        password = self.query_one("#field-password", FormField)
        if password.value:
            self._submit()  # both typed: Entrée sends, wherever it is pressed
        else:
            password.input.focus()

    @on(Input.Submitted, "#password-input")
    @on(Input.Submitted, "#captcha-input")
    @on(Case.Submitted)
    @on(Button.Pressed, "#submit")
    def _submit(self) -> None:
        login_field = self.query_one("#field-login", FormField)
        password_field = self.query_one("#field-password", FormField)
        login = login_field.value.strip()
        password = password_field.value
        for field in (login_field, password_field):
            field.set_error(None)
        missing = [field for field in (login_field, password_field) if not field.require()]
        if missing:
            missing[0].input.focus()
            return
        captcha = self.query_one(CaptchaField)
        # From the password, Enter goes on to the code; on the code, it says it is missing.
        answer = captcha.code_or_focus() if captcha.asks else None
        if captcha.asks and answer is None:
            return
        remember = bool(self.query("#remember")) and self.query_one("#remember", Case).value
        self._login(login, password, remember=remember, remembered=False, answer=answer)

    @on(Button.Pressed, "#activation")
    def action_activation(self) -> None:
        from famille_tui.tui.screens.activation import ActivationScreen

        if self._not_offered(Capability.ACTIVATION):
            return
        login = self.query_one("#field-login", FormField).value.strip()
        # After « pas encore activé », the password just typed is the temporary one.
        password = self.query_one("#field-password", FormField).value
        temporary = password if self._not_activated else ""
        self.app.push_screen(ActivationScreen(login, temporary),
                             callback=self._after_account_change)

    @on(Button.Pressed, "#reset")
    def action_reset(self) -> None:
        from famille_tui.tui.screens.password_reset import PasswordResetScreen

        if self._not_offered(Capability.PASSWORD_RESET):
            return
        login = self.query_one("#field-login", FormField).value.strip()
        self.app.push_screen(PasswordResetScreen(login), callback=self._after_account_change)

    def _not_offered(self, capability: Capability) -> bool:
        """Say so, rather than open a form the portal cannot take (Espace Citoyens: done
        on the portal's own site)."""
        if self.session.offers(capability):
            return False
        self.notify(not_offered(capability), title="Espace famille", timeout=8)
        return True

    def _after_account_change(self, result: AccountReady | None) -> None:
        """Back from activation or reset: logged in with the new password at once."""
        if result is not None:
            self.log_in_as(result)

    def log_in_as(self, ready: AccountReady) -> None:
        """The account just activated (or its password reset): the form says so and logs
        in with the password chosen (« Se souvenir de moi » as ticked here)."""
        self._show_form()
        self.query_one("#field-login", FormField).value = ready.login
        captcha = self.query_one(CaptchaField)
        if captcha.asks:
            # A portal asking a code of the image (Noethysweb): the new password is filled
            # in, the parent types the code and Entrée logs in.
            self.query_one("#field-password", FormField).value = ready.password
            self.query_one(Notice).show(
                f"{ready.message.rstrip('.')}. Saisissez le code de l'image pour vous "
                "connecter.", "success")
            captcha.focus_code()
            return
        self.query_one("#field-password", FormField).value = ""
        self.query_one("#field-password", FormField).input.focus()
        remember = bool(self.query("#remember")) and self.query_one("#remember", Case).value
        self._login(ready.login, ready.password, remember=remember, remembered=False,
                    before=ready.message)

    # -- the network part, in a worker -----------------------------------------------------

    def _login_failed(self, error: FamilleError, login: str, *, remembered: bool) -> None:
        """Say what happened and put the focus where the parent's next key belongs."""
        notice = self.query_one(Notice)
        if isinstance(error, AccountLocked):
            notice.show(locked_message(error))
        elif isinstance(error, AccountNotActivated):
            self._not_activated = True
            notice.show(error.message)
            self._show_form()
            self.query_one("#activation", Button).focus()
        elif isinstance(error, InvalidCredentials) and remembered:
            # The password was changed elsewhere: the remembered one is useless now.
            portal = self.famille.portal
            store = self.famille.credential_store
            if portal is not None and store is not None:
                with contextlib.suppress(CredentialStoreUnavailable):
                    store.forget(portal.url, login)
            self.query_one("#field-login", FormField).value = login
            self._show_form()
            notice.show("Le mot de passe retenu n'est plus le bon (il a peut-être été "
                        "changé) : saisissez-le à nouveau.")
        elif isinstance(error, InvalidCredentials):
            notice.show(f"{error.message} Vérifiez-les, ou utilisez « Mot de passe oublié ».")
            self.query_one("#field-password", FormField).input.focus()
        elif isinstance(error, ChallengeFailed):
            # Beside the code's field (the notice may be below the screen's edge).
            self.query_one(CaptchaField).set_error(error.message)
            self.query_one(CaptchaField).focus_code()
        else:
            notice.show(error.message)
        if self.query_one(CaptchaField).asks:
            self._load_challenge()  # the code just sent is used up, right or wrong

    @work(exclusive=True, group="login")
    async def _login(self, login: str, password: str, *, remember: bool,
                     remembered: bool, answer: str | None = None,
                     before: str = "") -> None:
        notice = self.query_one(Notice)
        said = f"{before.rstrip('.')}. " if before else ""
        notice.show(f"{said}Connexion de {login} en cours…", "info")
        self._not_activated = False
        page = self.query_one(".page")
        restore = start_loading(page)
        try:
            await self.session.login(login, password, challenge_answer=answer)
            await self.famille.enter_family_space()
        except FamilleError as error:
            # The loading state ends first: focus can only move once the page is back.
            stop_loading(page, restore)
            self._login_failed(error, login, remembered=remembered)
            return
        stop_loading(page, restore)
        notice.clear()
        self.query_one("#field-password", FormField).value = ""
        store = self.famille.credential_store
        if remember and self.famille.portal is not None and store is not None:
            try:
                store.save(self.famille.portal.url, login, password)
            except CredentialStoreUnavailable as error:
                self.notify(error.message, title="Se souvenir de moi", severity="warning")
