"""The footer of every screen: Textual's `Footer`, recomposed only when its keys change.

Textual's footer rebuilds all its keys (one widget each, restyled) after every change of the
screen's bindings: a focus move, a widget mounted, a screen resumed. Opening « Mes factures »
sent it five such signals, so it was rebuilt five times (64 keys) while the screen mounted,
≈ 0.3 s of the key press. This one coalesces the signals of one refresh into one check and
rebuilds only when what it shows (keys, words, enabled state, tooltips) has changed.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer as TextualFooter

#: What the footer shows for one binding: key, action, words, enabled, tooltip, group.
_Shown = tuple[str, str, str, bool, str, object]


class Footer(TextualFooter):
    """`textual.widgets.Footer`, rebuilt at most once per refresh and only on a change."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._check_pending = False
        self._composed: tuple[object, ...] | None = None

    def _shown(self) -> tuple[object, ...]:
        """Everything `Footer.compose` reads, as a value to compare."""
        keys: list[_Shown] = [
            (binding.key, binding.action, binding.description, enabled, tooltip,
             binding.group)
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        ]
        palette = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        palette_shown = (palette[1].key, palette[2], palette[3]) if palette else None
        return (tuple(keys), palette_shown, self.show_command_palette, self.compact,
                self.app.ENABLE_COMMAND_PALETTE)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        # Textual's version queues one recompose per signal; here one check per refresh.
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._check_pending:
            self._check_pending = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._check_pending = False
        if not self.is_attached:
            return
        shown = self._shown()
        if shown == self._composed:
            return
        self._composed = shown
        await self.recompose()
        # The bindings may have changed while the keys were being rebuilt (a focus move, a
        # tick): a signal then was compared with what was about to be shown. Look again.
        if self.is_attached and self._shown() != shown and not self._check_pending:
            self._check_pending = True
            self.call_after_refresh(self._recompose_if_changed)
