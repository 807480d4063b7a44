"""The footer of every screen: Textual's `Footer`, rebuilt only when what it shows changed.

Textual's footer rebuilds all its keys (a widget each, styled one by one) after every
« bindings changed » signal of its screen: a screen resumed, a focus move, a widget mounted
or shown. Opening « Réservations » sent five, for two different sets of keys.

This one answers each signal the way Textual does — a look after the next refresh, queued
with `call_after_refresh` — but the look compares what the footer would show now (every key,
its words, enabled state and tooltip, the palette key) with what its last `compose` drew,
recorded by that `compose` itself at the moment it read the bindings, and rebuilds only on
a difference. A signal is never dropped or merged with another, so the footer is never
staler than Textual's: where Textual would rebuild, this one either rebuilds or already
shows the same keys. One change sends no signal — a focused widget's `loading` — and
Textual's footer only showed it by luck, rebuilt late enough; this one watches it. (An
earlier version, withdrawn, merged the signals of one refresh behind a flag and recorded the
keys before rebuilding: it missed « space Cocher » once « Mes factures » had loaded.)
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter

__all__ = ["Footer"]


class Footer(TextualFooter):
    """`textual.widgets.Footer`, rebuilt only when its keys differ from those drawn."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: What the last `compose` drew (None: not composed yet).
        self._drawn: tuple[object, ...] | None = None

    def _to_draw(self) -> tuple[object, ...]:
        """Everything `textual.widgets.Footer.compose` reads, as a value to compare."""
        if not self._bindings_ready:
            return ()
        active = self.screen.active_bindings
        keys = tuple((binding, enabled, tooltip)
                     for (_, binding, enabled, tooltip) in active.values() if binding.show)
        palette: object = None
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            palette = found[1:] if found is not None else None
        return (keys, palette)

    def compose(self) -> ComposeResult:
        # Recorded here, in the same step as Textual's compose reads the bindings (it runs
        # to its end without awaiting), so that it is exactly what is drawn.
        self._drawn = self._to_draw()
        self._follow_loading()
        yield from super().compose()

    def _follow_loading(self) -> None:
        # The keys of a focused widget that is loading are left out of the screen's bindings,
        # but Textual sends no « bindings changed » when `loading` changes: without this the
        # footer would keep showing the keys of its loading state (« space Cocher » missing
        # once « Mes factures » has loaded), unless another signal happened to come later.
        focused = self.screen.focused
        if focused is not None and focused.loading:
            self.watch(focused, "loading", self._loading_changed, init=False)  # once: deduplicated

    def _loading_changed(self, loading: bool) -> None:
        self.bindings_changed(self.screen)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        if not self.is_attached:
            return
        self._follow_loading()
        if self._to_draw() != self._drawn:
            await self.recompose()
