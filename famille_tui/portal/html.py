"""The portal's HTML pages (home, outbox, the payment return page) in the shared layout of
`famille_tui.api.html`."""

from __future__ import annotations

from fastapi.responses import HTMLResponse

from famille_tui.api.html import HEADERS, e, page_html

__all__ = ["e", "page"]


def page(title: str, body: str, *, banner: str, status_code: int = 200) -> HTMLResponse:
    """A whole page; `body` is already-escaped HTML."""
    return HTMLResponse(page_html(title, body, banner=banner), status_code=status_code,
                        headers=HEADERS)
