"""The Textual internals famille_tui relies on (famille_tui/tui/internals.py names each, and
why): these tests fail loudly when the pinned Textual changes one of them, and when a module
of famille_tui starts reading another one."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import textual
from textual.app import App
from textual.screen import Screen
from textual.widgets._toggle_button import ToggleButton

import famille_tui
from famille_tui.tui.internals import mark_styled_like, start_with_theme
from famille_tui.tui.themes import FAMILLE, HIGH_CONTRAST

PACKAGE = Path(famille_tui.__file__).parent
ROOT = PACKAGE.parent


def test_textual_is_the_pinned_one() -> None:
    pin = re.search(r'"textual==([^"]+)"', (ROOT / "pyproject.toml").read_text())
    assert pin is not None and textual.__version__ == pin.group(1)


async def test_a_screen_marked_styled_keeps_the_apps_count() -> None:
    app: App[None] = App()
    async with app.run_test():
        assert isinstance(app._css_update_count, int)
        screen = mark_styled_like(Screen(), app)
        assert screen._css_update_count == app._css_update_count
    # Textual still compares these two counts to decide whether to restyle a mode's screen.
    source = inspect.getsource(App)
    assert "_css_update_count" in inspect.getsource(App._init_mode)
    assert "_css_update_count" in source


class _Themed(App[None]):
    def __init__(self, name: str, *, ours: bool) -> None:
        super().__init__()
        self.register_theme(FAMILLE)
        self.register_theme(HIGH_CONTRAST)
        if ours:
            start_with_theme(self, name)
        else:
            self.theme = name


async def test_a_theme_started_with_is_the_theme_textual_sets() -> None:
    for name in (FAMILLE.name, HIGH_CONTRAST.name):
        seen = []
        for ours in (True, False):
            app = _Themed(name, ours=ours)
            async with app.run_test() as pilot:
                await pilot.pause()
                seen.append((app.theme, sorted(app.classes), app.stylesheet._variables,
                             app.theme_variables))
        assert seen[0] == seen[1]
    # What Textual's theme watcher does, of which start_with_theme does all but the last
    # three steps (the ANSI filter of a theme as dark; a refresh of nothing parsed yet).
    watcher = inspect.getsource(App._watch_theme)
    for step in ('f"-theme-{self.current_theme.name}"', '"-dark-mode"', '"-light-mode"',
                 "self._refresh_truecolor_filter", "self._invalidate_css()",
                 "self.refresh_css", "theme_changed_signal.publish"):
        assert step in watcher, step
    assert "get_css_variables()" in inspect.getsource(App.refresh_css)


def test_the_tick_box_is_drawn_from_button_inner() -> None:
    button = ToggleButton._button
    assert isinstance(button, property) and button.fget is not None
    assert "self.BUTTON_INNER" in inspect.getsource(button.fget)


def test_the_footer_compares_what_textual_footer_composes() -> None:
    from textual.widgets import Footer as TextualFooter

    from famille_tui.tui.widgets.footer import Footer

    compose = inspect.getsource(TextualFooter.compose)
    # What Footer._to_draw reads is still all that Textual's compose reads of the app and
    # its screen, behind the same flag.
    for read in ("if not self._bindings_ready", "self.screen.active_bindings", "binding.show",
                 "self.show_command_palette", "self.app.ENABLE_COMMAND_PALETTE",
                 "self.app.COMMAND_PALETTE_BINDING"):
        assert read in compose, read
    assert "self._bindings_ready = True" in inspect.getsource(TextualFooter.bindings_changed)
    assert "call_after_refresh(self.recompose)" in inspect.getsource(
        TextualFooter.bindings_changed)
    assert Footer.bindings_changed is not TextualFooter.bindings_changed


# Textual's private names, and where (and only where) famille_tui may use them.
ALLOWED = {
    "_css_update_count": {"tui/internals.py"},
    "_bindings_ready": {"tui/widgets/footer.py"},
}
TEXTUAL_PRIVATES = ("_screen_stacks", "_modes", "_clipboard", "_notifications",
                    "_css_update_count", "_update_dimensions", "_installed_screens",
                    "_registry", "_driver", "_bindings_ready")


def test_no_other_textual_private_in_famille_tui() -> None:
    found: list[str] = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("portal/"):
            continue  # the embedded portal has no Textual
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bfrom textual\._|\bimport textual\._|textual\.[a-z_.]*\._[a-z]", text):
            found.append(f"{relative}: a private Textual module")
        for name in TEXTUAL_PRIVATES:
            allowed = {"tui/internals.py", *ALLOWED.get(name, set())}  # where they are named
            if re.search(rf"\.{name}\b", text) and relative not in allowed:
                found.append(f"{relative}: {name}")
    assert found == []
