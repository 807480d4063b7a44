"""A labelled form field: a visible label, the input, and its error beside it (below it).

Every input of the app goes through this widget, so that none is without a visible label and
every validation error lands next to the field it is about. An error is about the value it was
given for: once the parent edits the field, it goes (and so does the form's error notice,
`Notice.field_changed`), the form checking again when it is sent.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from famille_tui.client.display import shown
from famille_tui.tui.widgets.notice import Notice

#: The one sentence for a field left empty: the portal's and the API's words
#: (`famille_tui.api.base.EMPTY_FIELD`, not imported: the login screen loads no pydantic).
EMPTY_FIELD = "Ce champ est obligatoire"


class FormField(Vertical):
    """Label, input, error. `field` is the API field name the errors are keyed by."""

    DEFAULT_CSS = """
    FormField { height: auto; margin: 0 0 0 0; }
    FormField > .field-label { padding: 0 1; text-style: bold; }
    FormField > .field-hint { padding: 0 1; color: $text-muted; }
    FormField > .field-error { display: none; padding: 0 1; color: $text-error; text-style: bold; }
    FormField.-invalid > .field-error { display: block; }
    FormField.-invalid > Input { border: tall $error; }
    FormField.-invalid > Input:focus { border: heavy $error; }
    """

    def __init__(
        self,
        label: str,
        field: str,
        *,
        value: str = "",
        password: bool = False,
        placeholder: str = "",
        hint: str | None = None,
        max_length: int = 0,
    ) -> None:
        super().__init__(id=f"field-{field}")
        self.label = label
        self.field = field
        self._value = value
        self._password = password
        self._placeholder = placeholder
        self._hint = hint
        self._max_length = max_length
        #: A value the screen set (`value = …`): its change is not the parent's edit.
        self._set_by_screen: str | None = None

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="field-label")
        if self._hint:
            yield Static(self._hint, classes="field-hint")
        yield Input(
            self._value,
            placeholder=self._placeholder,
            password=self._password,
            max_length=self._max_length,
            id=f"{self.field}-input",
            tooltip=self.label,
        )
        yield Static("", classes="field-error")

    def on_mount(self) -> None:
        # A blinking cursor is an animation too: off when animations are (issue 5).
        self.input.cursor_blink = self.app.animation_level != "none"

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def value(self) -> str:
        return self.input.value

    @value.setter
    def value(self, text: str) -> None:
        if text != self.input.value:
            self._set_by_screen = text
        self.input.value = text

    def set_error(self, message: str | None) -> None:
        error = self.query_one(".field-error", Static)
        if message:
            error.update(shown("✗ ", message))  # often the portal's words
            self.add_class("-invalid")
        else:
            error.update("")
            self.remove_class("-invalid")

    def require(self) -> bool:
        """False, with the one « empty field » error, when nothing (but spaces) is typed."""
        if self.value.strip():
            return True
        self.set_error(EMPTY_FIELD)
        return False

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        # Only the parent's edits count: a screen emptying the password after a refusal
        # (or filling the login in) leaves the message that says why.
        if self._set_by_screen is not None and event.value == self._set_by_screen:
            self._set_by_screen = None
            return
        self._set_by_screen = None
        if self.has_class("-invalid"):
            self.set_error(None)
        for notice in self.screen.query(Notice):
            notice.field_changed()


def next_empty(fields: list[FormField], after: FormField) -> FormField | None:
    """Where Entrée in `after` goes: the next field still empty (after it, then from the
    top), or None when every one is filled — then Entrée sends the form, so that a right
    code typed after a refusal is sent, not only left for the next field."""
    start = fields.index(after) + 1 if after in fields else 0
    for field in [*fields[start:], *fields[:start]]:
        if not field.value.strip():
            return field
    return None
