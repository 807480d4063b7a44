"""An inline message under a form: an error, a piece of information or a success.

The kind is carried by a word-like symbol (✗, ℹ, ✓) as well as by colour, so that it reads the
same with NO_COLOR or in the high-contrast theme.
"""

from __future__ import annotations

from typing import Literal

from textual.widgets import Static

from famille_tui.client.display import shown

Kind = Literal["error", "info", "success"]
SYMBOLS: dict[Kind, str] = {"error": "✗ ", "info": "ℹ ", "success": "✓ "}


class Notice(Static):
    """A one-paragraph message; hidden while empty."""

    DEFAULT_CSS = """
    Notice { display: none; height: auto; margin: 0 0 1 0; padding: 0 1; }
    Notice.-shown { display: block; }
    Notice.-error { color: $text-error; background: $error-muted; text-style: bold; }
    Notice.-info { color: $text; background: $boost; }
    Notice.-success { color: $text-success; background: $success-muted; text-style: bold; }
    """

    def show(self, message: str, kind: Kind = "error") -> None:
        self.remove_class("-error", "-info", "-success")
        self.add_class("-shown", f"-{kind}")
        # The message is often the portal's own sentence: data, never markup.
        self.update(shown(SYMBOLS[kind], message))

    def field_changed(self) -> None:
        """The parent edited a field of the form: an error about what was sent is not
        true of what is typed now."""
        if self.has_class("-error"):
            self.clear()

    def clear(self) -> None:
        self.remove_class("-shown", "-error", "-info", "-success")
        self.update("")
