"""Issue 5, the TUI part: high-contrast theme, NO_COLOR, animations off, labels, focus."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input

from famille_tui.tui.themes import HIGH_CONTRAST_THEME
from famille_tui.tui.widgets.form import FormField
from tests.support.tui import logged_in, screen_name, wait_until


async def test_the_theme_setting_picks_high_contrast(make_app: Any) -> None:
    app = make_app(theme="high-contrast")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen")
        assert app.theme == HIGH_CONTRAST_THEME
        assert app.current_theme.background == "#000000"


async def test_animations_off_by_setting(make_app: Any) -> None:
    app = make_app()  # the fixture sets animations = false
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen")
        assert app.animation_level == "none"
        # No blinking cursor either, and the loading indicator is a word, not moving dots.
        assert all(not i.cursor_blink for i in app.screen.query(Input))
        assert str(app.get_loading_widget().render()) == "Chargement…"


async def test_animations_on_by_default(make_app: Any) -> None:
    app = make_app()
    app.animation_level = "full"  # what Settings() and no TEXTUAL_ANIMATIONS give
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen")
        assert all(i.cursor_blink for i in app.screen.query(Input))


async def test_no_color_is_respected(make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen")
        assert app.no_color
        # Focus is still visible without colour: a heavy border on the focused input.
        focused = app.focused
        assert isinstance(focused, Input)
        assert focused.styles.border_top[0] == "heavy"


async def test_every_input_has_a_visible_label(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(pilot)
        screens = []
        for key, form_key in (("2", "a"), ("5", "e")):
            await pilot.press(key)
            await pilot.pause(0.3)
            await pilot.press(form_key)
            await wait_until(pilot, lambda: screen_name(app).endswith("FormScreen"))
            screens.append(app.screen)
            for widget in app.screen.query(Input):
                parent = widget.parent
                assert isinstance(parent, FormField), widget
                assert parent.label.strip()
            await pilot.press("escape")
        assert len(screens) == 2
