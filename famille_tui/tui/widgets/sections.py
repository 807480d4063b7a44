"""The line of section keys above the footer: « 1 Famille  2 Entourage … », the current one
in reverse video (visible without colour too).

The Textual footer shows the keys of the screen (add, edit, pay…); this line shows the seven
places of the family space, always the same and always in the same place, so that the 80
columns of a terminal are enough for both.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class SectionBar(Static):
    """Rendered from `famille_tui.tui.app.SECTIONS`; `current` is the section's mode name."""

    DEFAULT_CSS = """
    SectionBar { height: 1; background: $panel; color: $text; padding: 0 0; }
    """

    def __init__(self, current: str = "") -> None:
        super().__init__(id="section-bar")
        self.current = current

    def on_mount(self) -> None:
        from famille_tui.tui.app import SECTIONS

        line = Text(no_wrap=True, overflow="ellipsis")
        for section in SECTIONS:
            label = f" {section.key} {section.short} "
            if section.name == self.current:
                line.append(f"▸{section.key} {section.short} ", style="bold reverse")
            else:
                line.append(label)
        self.update(line)
