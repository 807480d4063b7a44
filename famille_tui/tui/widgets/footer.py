"""The footer of every screen: Textual's own `Footer`.

A version that rebuilt its keys at most once per refresh and only on a change saved ≈ 0.2 s
when « Mes factures » opened (Textual rebuilds the footer on every bindings signal: five times
there), but it could miss the last change — « space Cocher » absent after a tick, with the
table focused — and a footer that lies is worse than a slow one. The screens import `Footer`
from here, so that a better one can come back in one place (see docs/performance.md).
"""

from __future__ import annotations

from textual.widgets import Footer

__all__ = ["Footer"]
