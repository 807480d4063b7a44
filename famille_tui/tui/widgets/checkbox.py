"""A checkbox whose state is a glyph (✓ or blank), not only the colour of an « X ».

Textual draws the same « X » ticked or not and tells them apart by colour; with NO_COLOR, in
the high-contrast theme or to a colour-blind parent that is no difference at all.

In a form, Space ticks and Enter submits, as on every field of the form: Textual's own
checkbox toggles on Enter too, which silently unticked « Se souvenir de moi » for a parent
who ticked it with Space and then pressed Enter to log in.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import Checkbox


class Case(Checkbox):
    """`Checkbox` drawing ✓ when ticked and a blank when not; Enter submits the form."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_button", "Cocher", show=False),
        Binding("enter", "submit", "Valider", show=False),
    ]

    class Submitted(Message):
        """Enter was pressed on the box: the form around it should be sent."""

        def __init__(self, case: Case) -> None:
            super().__init__()
            self.case = case

        @property
        def control(self) -> Case:
            return self.case

    def action_submit(self) -> None:
        self.post_message(self.Submitted(self))

    def render(self) -> Content:
        # Read by ToggleButton._button; every change of value refreshes, hence renders.
        self.BUTTON_INNER = "✓" if self.value else " "
        return super().render()
