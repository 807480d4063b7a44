"""The Textual internals this app relies on, each for a measured reason, each guarded by
tests/tui/test_internals.py, which fails loudly when the pinned Textual changes it.

No other module of `famille_tui` reads or writes a Textual private attribute, except the
overrides named here (2. and 3.):

1. `mark_styled_like(screen, app)` (below): a new mode's screen counts as « styled before
   the last CSS change » (-1), so Textual's `_init_mode` and `switch_mode` each parse every
   stylesheet of the app again and restyle every widget (2 × ≈ 50 ms per section opened).
   Nothing has changed since the last refresh (every stylesheet is read at start, see
   `FamilleApp.CSS_PATH`) and a new screen is styled when it mounts: it is up to date.
2. `Footer._bindings_ready` (widgets/footer.py): the footer rebuilds only when its keys
   differ from those drawn (« Réservations » sent five « bindings changed » for two sets of
   keys, ≈ 60 ms); its `bindings_changed` does what Textual's does — set this flag, then
   look after the next refresh — and its comparison reads what Textual's `compose` reads,
   which is empty until the flag is set.
3. `Case.render` (widgets/checkbox.py) sets `BUTTON_INNER` (a public class attribute read
   by Textual's private `ToggleButton._button`) to draw ✓ rather than Textual's ✗-like X.
4. `start_with_theme(app, name)` (below), from the app's `__init__`: what Textual's
   `App._watch_theme` does to an app that has parsed and mounted nothing yet — the classes
   `-theme-NAME`, `-dark-mode`/`-light-mode` and the stylesheet's variables — without the
   `refresh_css` it queues (a whole reparse, and with its cache cleared the next parse is whole
   again: ≈ 15 ms before the first frame; the bare app, on Textual's default theme, pays
   neither). Only for a theme as dark as the one the app was built with, whose ANSI filter
   (`_refresh_truecolor_filter`, the watcher's other step) is then already the right one;
   otherwise the ordinary `app.theme = name`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from textual.app import App
from textual.screen import Screen

S = TypeVar("S", bound=Screen[Any])


def mark_styled_like(screen: S, app: App[Any]) -> S:
    """`screen`, counted as styled with the app's current stylesheets (see 1. above)."""
    screen._css_update_count = app._css_update_count
    return screen


def start_with_theme(app: App[Any], name: str) -> None:
    """The app's first theme, set before it runs (see 4. above)."""
    theme = app.get_theme(name)
    if theme is None or theme.dark != app.current_theme.dark:
        app.theme = name
        return
    app.set_reactive(App.theme, name)
    for old in [c for c in app.classes if c.startswith("-theme-")]:
        app.remove_class(old, update=False)
    app.add_class(f"-theme-{name}", update=False)
    app.set_class(theme.dark, "-dark-mode", update=False)
    app.set_class(not theme.dark, "-light-mode", update=False)
    app.stylesheet.set_variables(app.get_css_variables())
