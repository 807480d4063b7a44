"""Portal text made fit to show: the one place every face turns what a portal sent into
something it may print or draw.

A portal's words (a family name, an invoice label, a message's subject, an error sentence)
are data, never markup and never terminal control: `Famille [/b]Martin` must read as it is
written, not crash the TUI's markup parser; `[@click=app.quit]` must not become an action,
`[link=…]` an OSC 8 link or `[blink]` blinking text in the CLI; `ESC ] 52` must not reach the
terminal.

    shown("Facture ", invoice.number, (" en retard", "bold"))   # -> rich.text.Text
    plain(invoice.label)                                         # -> str (screen reader)
    clean_message(error_text)                                    # a portal's sentence

`shown` makes a `rich.text.Text` — plain text, styled only where the face says so — which
Rich (the CLI's tables) and Textual (`Static.update`, `DataTable` cells) draw as it is: a
`str` handed to either is read as markup, a `Text` never is. Connectors already replace
control characters by pictures in what they read; this module does it again (it is
idempotent and cheap), so that a face never depends on a connector for its safety.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from rich.text import Text

from famille_tui.api.places import at_place, of_place

__all__ = ["Part", "at_place", "clean_message", "of_place", "plain", "shown",
           "without_terminal_controls"]

#: A portal's French message is shown as it is, but never longer than this.
MAX_MESSAGE_CHARS = 500

#: Characters a terminal would act on rather than show: C0 (but newline and tab), DEL, C1,
#: and the bidirectional overrides that make text read differently from what it is.
TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _picture(match: re.Match[str]) -> str:
    # ESC → ␛, BEL → ␇…: the character is still visible, but as a picture, not an action.
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)
    return "\u2421" if code == 0x7F else "\ufffd"


def without_terminal_controls(text: str) -> str:
    """`text` with every terminal control character replaced by a visible picture."""
    return TERMINAL_CONTROLS.sub(_picture, text) if TERMINAL_CONTROLS.search(text) else text


def clean_message(text: object) -> str | None:
    """A portal's sentence made safe for a terminal: no control characters (no escape
    sequences injected into the screen), whitespace collapsed, bounded length."""
    if not isinstance(text, str):
        return None
    kept = "".join(
        " " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text
    )
    kept = " ".join(kept.split())
    if len(kept) > MAX_MESSAGE_CHARS:
        kept = kept[: MAX_MESSAGE_CHARS - 1] + "…"
    return kept or None


def plain(value: object) -> str:
    """A value as plain text for a face that prints lines (None: « »)."""
    if value is None:
        return ""
    return without_terminal_controls(value if isinstance(value, str) else str(value))


#: What `shown` takes: a value (its text, unstyled), a `(value, style)` pair — the face's own
#: style, e.g. "bold" — or a `Text` the face already made.
Part: TypeAlias = "object | tuple[object, str] | Text"


def shown(*parts: Any) -> Text:
    """The parts as one `rich.text.Text`: each value's text as it is (never read as markup),
    a `(value, style)` pair in the face's style, a `Text` appended as it is."""
    from rich.text import Text

    text = Text()
    for part in parts:
        if isinstance(part, Text):
            text.append_text(part)
        elif isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], str):
            text.append(plain(part[0]), style=part[1] or None)
        else:
            text.append(plain(part))
    return text
