"""A QR code drawn with half-block characters, to open the payment page on a phone.

Two modules stack in one terminal cell (« ▀ », « ▄ », « █ », « »), so a 61-module code takes
61 columns and 31 rows. The colours are forced to black on white whatever the theme: a phone
camera reads dark modules on a light quiet zone, and a dark terminal theme would invert them.
"""

from __future__ import annotations

import segno
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.widget import Widget

from famille_tui.client.captcha import half_block_lines

#: Modules of light margin around the code; 2 is what phone cameras need in practice.
QUIET_ZONE = 2

_QR_STYLE = Style(color="#000000", bgcolor="#ffffff")
def qr_rows(data: str, *, border: int = QUIET_ZONE) -> list[str]:
    """The code as lines of half-block characters (dark modules drawn, light ones blank)."""
    code = segno.make(data, error="l", boost_error=False)
    matrix = [[bool(module) for module in row] for row in code.matrix_iter(scale=1, border=border)]
    return half_block_lines(matrix)


class HalfBlockRows:
    """Rich renderable of prepared rows, in fixed black-on-white (the QR code, the captcha)."""

    def __init__(self, rows: list[str]) -> None:
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for row in self.rows:
            yield Segment(row, _QR_STYLE)
            yield Segment.line()


class QRCode(Widget):
    """Shows `data` as a QR code; its size is the code's own (put it in a scrollable box)."""

    DEFAULT_CSS = """
    QRCode {
        width: auto;
        height: auto;
    }
    """

    def __init__(
        self,
        data: str,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._rows = qr_rows(data)
        self.data = data
        self.tooltip = "QR code de l'adresse de paiement : scannez-le avec un téléphone"

    @property
    def rows(self) -> list[str]:
        return list(self._rows)

    def set_data(self, data: str) -> None:
        self.data = data
        self._rows = qr_rows(data)
        self.refresh(layout=True)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return len(self._rows[0]) if self._rows else 0

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rows)

    def render(self) -> HalfBlockRows:
        return HalfBlockRows(self._rows)
