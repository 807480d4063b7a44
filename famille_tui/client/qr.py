"""A QR code as lines of half-block characters, for the payment's short link: the TUI draws
them in a widget (black on white), the screen-reader face prints them when asked.

Two modules stack in one terminal cell (« ▀ », « ▄ », « █ », « »), so a 61-module code takes
61 columns and 31 rows; the portal's short link makes a code of about 33 modules.
"""

from __future__ import annotations

from famille_tui.client.captcha import half_block_lines

__all__ = ["QUIET_ZONE", "qr_rows"]

#: Modules of light margin around the code; 2 is what phone cameras need in practice.
QUIET_ZONE = 2

def qr_rows(data: str, *, border: int = QUIET_ZONE) -> list[str]:
    """The code as lines of half-block characters (dark modules drawn, light ones blank)."""
    import segno  # ≈ 11 ms: the login screen imports this module, it draws no code

    code = segno.make(data, error="l", boost_error=False)
    return half_block_lines(
        [[bool(module) for module in row] for row in code.matrix_iter(scale=1, border=border)])
