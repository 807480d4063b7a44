"""The loading indicator, in French, and still when animations are off."""

from __future__ import annotations

from rich.text import Text
from textual.app import RenderResult
from textual.widgets import LoadingIndicator


class Chargement(LoadingIndicator):
    """Textual's loading indicator, saying « Chargement… » when animations are off
    (a screen reader or a slow link gets a word instead of moving dots)."""

    def render(self) -> RenderResult:
        if self.app.animation_level == "none":
            return Text("Chargement…")
        return super().render()
