"""The line of section keys above the footer: « 1 Famille  2 Entourage … », the current one
in reverse video (visible without colour too).

The Textual footer shows the keys of the screen (add, edit, pay…); this line shows the seven
places of the family space, always the same and always in the same place, so that the 80
columns of a terminal are enough for both. Each name is also a place to click; a narrower
terminal gets shorter names, so that all seven are still there.
"""

from __future__ import annotations

from textual.content import Content
from textual.events import Resize
from textual.widgets import Static

#: Shorter names for a narrow terminal (60 columns hold all seven), by mode name.
NARROW_NAMES = {"entourage": "Entour.", "tableau": "Tabl.", "factures": "Fact.",
                "coordonnees": "Coord."}


class SectionBar(Static):
    """Rendered from `famille_tui.tui.app.SECTIONS`; `current` is the section's mode name."""

    DEFAULT_CSS = """
    SectionBar { height: 1; background: $panel; color: $text; padding: 0 0;
                 link-style: none; link-color: $text; link-background: transparent;
                 link-style-hover: underline; }
    """

    def __init__(self, current: str = "") -> None:
        super().__init__(id="section-bar")
        self.current = current

    def on_mount(self) -> None:
        self._draw(self.size.width or self.app.size.width)

    def on_resize(self, event: Resize) -> None:
        self._draw(event.size.width)

    def _draw(self, width: int) -> None:
        self.update(self.line(width))

    def line(self, width: int) -> Content:
        """The widest rendition that fits `width` columns."""
        from famille_tui.tui.app import SECTIONS

        wide = [(s, s.short) for s in SECTIONS]
        narrow = [(s, NARROW_NAMES.get(s.name, s.short)) for s in SECTIONS]
        parts: list[tuple[str, str]] = []
        # The widest that fits: the names, then shorter ones, then one space between them.
        for names, pad in ((wide, " "), (narrow, " "), (narrow, "")):
            parts = []
            for section, name in names:
                click = f"@click=app.section('{section.name}')"
                if section.name == self.current:
                    parts.append((f"▸{section.key} {name} ", f"bold reverse {click}"))
                else:
                    parts.append((f"{pad}{section.key} {name} ", click))
            if sum(len(text) for text, _ in parts) <= width:
                break
        return Content.assemble(*parts)
