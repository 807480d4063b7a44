"""A checkbox whose state is a glyph (✓ or blank), not only the colour of an « X ».

Textual draws the same « X » ticked or not and tells them apart by colour; with NO_COLOR, in
the high-contrast theme or to a colour-blind parent that is no difference at all.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


class Case(Checkbox):
    """`Checkbox` drawing ✓ when ticked and a blank when not."""

    def render(self) -> Content:
        # Read by ToggleButton._button; every change of value refreshes, hence renders.
        self.BUTTON_INNER = "✓" if self.value else " "
        return super().render()
