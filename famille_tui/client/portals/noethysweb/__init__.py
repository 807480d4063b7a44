"""The Noethysweb dialect: Noethys's « portail famille » (Django, GPL), read page by page.

`NoethyswebConnector` (connector.py) is imported only when this dialect is chosen;
`recognizes_page` (here, light) tells a Noethysweb login page from the URL's answer.
"""

from __future__ import annotations

__all__ = ["recognizes_page"]


def recognizes_page(html: str) -> bool:
    """Whether this HTML is a Noethysweb page (its login form, its « Noethys » meta)."""
    from famille_tui.client.portals.noethysweb.pages import looks_like_noethysweb

    return looks_like_noethysweb(html)
