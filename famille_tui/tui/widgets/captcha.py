"""The portal's captcha (« code de sécurité ») drawn in the terminal, with its field.

The image is the portal's PNG drawn with half blocks by `client.captcha` (dark on light,
whatever the theme, like the QR code), above an input for the code. « Nouveau code »
(ctrl+g, or the button) posts `CaptchaField.NewCode`: the screen has `load(session)` fetch
another (a code serves once: after every failed login too; the used one, and what was typed
for it, go at once). `asks` says whether the
portal asks one at all; `code_or_focus()` gives the typed code, or None (and the focus, with
a sentence when it was already there) when it is missing. An image that cannot be read says so in
words, never a traceback; where the portal has an audio version, the screen-reader face
(`--screen-reader`, which plays it) is named.

Its parts (label, drawing, field, button: eight widgets) are mounted when the portal first asks
a code, not with the login screen: most portals ask none, and the screen's first frame does not
wait for widgets it hides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from famille_tui.client.captcha import CaptchaImageError, captcha_lines
from famille_tui.client.errors import FamilleError
from famille_tui.client.portals import LoginChallenge
from famille_tui.tui.widgets.form import FormField
from famille_tui.tui.widgets.qr import HalfBlockRows

if TYPE_CHECKING:
    from famille_tui.client.session import FamilySession


class CaptchaPicture(Widget):
    """The drawing alone: its size is the drawing's own."""

    DEFAULT_CSS = """
    CaptchaPicture { width: auto; height: auto; margin: 0 1; }
    """

    rows: reactive[tuple[str, ...]] = reactive((), layout=True)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max((len(row) for row in self.rows), default=0)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.rows)

    def render(self) -> HalfBlockRows:
        width = self.get_content_width(self.size, self.size)
        return HalfBlockRows([row.ljust(width) for row in self.rows])


class CaptchaField(Vertical):
    """Label, drawing, code input, « Nouveau code »; `value` is the code typed."""

    DEFAULT_CSS = """
    CaptchaField { height: auto; }
    CaptchaField > .captcha-note { padding: 0 1; color: $text-muted; }
    CaptchaField > Horizontal { height: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+g", "new_code", "Nouveau code"),
    ]

    class NewCode(Message):
        """The parent asked for another code (the drawing was unreadable)."""

    challenge: reactive[LoginChallenge | None] = reactive(None, init=False)
    #: The portal asks a code (known once `load` has found one).
    asks: reactive[bool] = reactive(False, init=False)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        #: A code is being fetched (`load` runs).
        self._loading = False

    def compose(self) -> ComposeResult:
        return []  # the parts come with the first code (`_mount_parts`)

    @staticmethod
    def _parts() -> list[Widget]:
        return [
            Static("Code de sécurité : recopiez les caractères de l'image",
                   classes="field-label"),
            CaptchaPicture(id="captcha-picture"),
            Static("", id="captcha-note", classes="captcha-note", markup=False),
            FormField("Code", "captcha", placeholder="le code de l'image"),
            Horizontal(Button("Nouveau code", id="captcha-new"), classes="buttons"),
        ]

    @property
    def _has_parts(self) -> bool:
        return bool(self.children)

    async def _mount_parts(self) -> None:
        if not self._has_parts:
            await self.mount_all(self._parts())

    async def load(self, session: FamilySession, *, focus: bool = False) -> None:
        """The portal's captcha from the session (its connector made first: the dialect is
        read then), shown when it asks one; an error is said under the drawing."""
        if self.challenge is not None:
            # The code shown is used up (or the parent asked another): its drawing goes at
            # once, with what was typed for it, so that nothing is typed for an image that
            # is about to change (and then erased by the new one).
            self.challenge = None
            self.note("Nouveau code en cours de chargement…")
        self._loading = True
        try:
            challenge = await session.login_challenge()
        except FamilleError as error:
            if self.asks:
                self.note(error.message)
            return  # otherwise the login itself will say what is wrong with the portal
        finally:
            self._loading = False
        if challenge is None:
            if self.asks:  # the portal stopped asking one
                self.asks = False
                self.add_class("hidden")
            return
        await self._mount_parts()
        self.asks = True
        self.remove_class("hidden")
        self.show(challenge)
        if focus:
            self.focus_code()

    def code_or_focus(self) -> str | None:
        """The code typed, or None with the focus on its field (and, when the focus was
        already there, « Recopiez le code de sécurité. »)."""
        code = self.value
        if self.asks and self.challenge is None:
            self.set_error("Attendez le nouveau code : il est en cours de chargement."
                           if self._loading else
                           "Aucun code à recopier : Contrôle G en demande un nouveau.")
            return None
        if code:
            self.set_error(None)
            return code
        self.set_error("Recopiez le code de sécurité." if self.code_focused else None)
        self.focus_code()
        return None

    def show(self, challenge: LoginChallenge) -> None:
        """Draw this challenge (the field was emptied when the last one went: a code serves
        once)."""
        self.challenge = challenge

    def watch_challenge(self, old: LoginChallenge | None,
                        challenge: LoginChallenge | None) -> None:
        if not self._has_parts:
            return  # set only once the parts are mounted (`load`)
        picture = self.query_one(CaptchaPicture)
        note = self.query_one("#captcha-note", Static)
        words = ""
        try:
            picture.rows = tuple(captcha_lines(challenge.image_png or b"")) if challenge else ()
        except CaptchaImageError as error:
            picture.rows = ()
            words = error.message
        if challenge is not None and challenge.audio_url:
            # Its sound is played by the screen-reader face, which can say where it went.
            words = (words + " " if words else "") + (
                "Version audio du code : famille-tui --screen-reader.")
        note.update(words)
        if old is not None:
            # Through the field: emptied by the screen, it keeps the error that says why.
            self.query_one("#field-captcha", FormField).value = ""

    @property
    def value(self) -> str:
        return self._input.value.strip() if self._has_parts else ""

    @property
    def _input(self) -> Input:
        return self.query_one("#field-captcha Input", Input)

    @property
    def code_focused(self) -> bool:
        return self._has_parts and self._input.has_focus

    def focus_code(self) -> None:
        if self._has_parts:
            self._input.focus()

    def set_error(self, message: str | None) -> None:
        """A French sentence under the code's field (None: none), scrolled into view."""
        if not self._has_parts:
            return  # no code was ever asked: there is no field to say it under
        field = self.query_one("#field-captcha", FormField)
        field.set_error(message)
        if message:
            self.call_after_refresh(field.scroll_visible, animate=False)

    def note(self, words: str) -> None:
        """Words under the drawing (a code that could not be fetched…)."""
        if not self._has_parts:
            return
        self.query_one("#captcha-note", Static).update(words)

    def action_new_code(self) -> None:
        self.post_message(self.NewCode())

    @on(Button.Pressed, "#captcha-new")
    def _new_code_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_new_code()
