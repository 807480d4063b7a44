"""A QR code as lines of half-block characters, for the payment's short link: the TUI draws
them in a widget (black on white), the screen-reader face prints them when asked.

Two modules stack in one terminal cell (« ▀ », « ▄ », « █ », « »), so a 61-module code takes
61 columns and 31 rows; the portal's short link makes a code of about 33 modules.
"""

from __future__ import annotations

import segno

__all__ = ["QUIET_ZONE", "qr_rows"]

#: Modules of light margin around the code; 2 is what phone cameras need in practice.
QUIET_ZONE = 2

_HALF_BLOCKS = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def qr_rows(data: str, *, border: int = QUIET_ZONE) -> list[str]:
    """The code as lines of half-block characters (dark modules drawn, light ones blank)."""
    code = segno.make(data, error="l", boost_error=False)
    matrix = [[bool(module) for module in row] for row in code.matrix_iter(scale=1, border=border)]
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    return [
        "".join(_HALF_BLOCKS[(top, bottom)] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(matrix[0::2], matrix[1::2], strict=True)
    ]
