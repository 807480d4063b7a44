"""The two themes of the app: the default one and a high-contrast one (setting `theme`).

Both keep meaning out of colour alone: focus is a heavy border or reverse video, statuses are
words with a symbol. The high-contrast theme is black and white with yellow for what has focus,
the combination low-vision users most often ask for.
"""

from __future__ import annotations

from textual.theme import Theme

DEFAULT_THEME = "famille"
HIGH_CONTRAST_THEME = "famille-contraste"

FAMILLE = Theme(
    name=DEFAULT_THEME,
    primary="#2E6DB4",
    secondary="#3F7E5A",
    accent="#F2A33A",
    warning="#E8B339",
    error="#E5534B",
    success="#4CAF72",
    foreground="#E8ECF1",
    background="#141A22",
    surface="#1C2430",
    panel="#26303D",
    dark=True,
)

HIGH_CONTRAST = Theme(
    name=HIGH_CONTRAST_THEME,
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FFFF00",
    warning="#FFFF00",
    error="#FF8080",
    success="#80FF80",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#000000",
    boost="#000000",
    dark=True,
    luminosity_spread=0.0,
    text_alpha=1.0,
    variables={
        "border": "#FFFFFF",
        "border-blurred": "#FFFFFF",
        "block-cursor-background": "#FFFF00",
        "block-cursor-foreground": "#000000",
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-background": "#FFFFFF",
        "block-cursor-blurred-foreground": "#000000",
        "footer-key-foreground": "#FFFF00",
        "footer-description-foreground": "#FFFFFF",
        "footer-background": "#000000",
        "input-cursor-background": "#FFFF00",
        "input-cursor-foreground": "#000000",
        "input-selection-background": "#FFFF00 60%",
        "scrollbar": "#FFFFFF",
        "scrollbar-background": "#000000",
        "link-color": "#FFFF00",
        "text-muted": "#FFFFFF",
        "foreground-muted": "#FFFFFF",
    },
)

THEMES = {"default": FAMILLE, "high-contrast": HIGH_CONTRAST}


def theme_for_setting(setting: str) -> str:
    """The Textual theme name for the `theme` setting of the config file."""
    return THEMES.get(setting, FAMILLE).name
