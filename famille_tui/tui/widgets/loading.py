"""The loading indicator, in French, and still when animations are off."""

from __future__ import annotations

from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget
from textual.widgets import LoadingIndicator


class Chargement(LoadingIndicator):
    """Textual's loading indicator, saying « Chargement… » when animations are off
    (a screen reader or a slow link gets a word instead of moving dots)."""

    def render(self) -> RenderResult:
        if self.app.animation_level == "none":
            return Text("Chargement…")
        return super().render()


def start_loading(widget: Widget) -> Widget | None:
    """Show the loading state on `widget`; returns what had the focus, to give it back.

    Textual takes the focus away from what is under a loading indicator; without giving it
    back, a parent's next key (retyping a wrong password) would go nowhere.
    """
    focused = widget.screen.focused if widget.is_attached else None
    widget.loading = True
    return focused


def stop_loading(widget: Widget, focused: Widget | None) -> None:
    if not widget.is_attached:
        return  # the screen was closed meanwhile
    widget.loading = False
    if focused is not None and focused.is_attached and widget.screen.focused is None:
        focused.focus()
