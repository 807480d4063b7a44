"""Connectors to family portals, one per dialect, behind `PortalConnector` (see base.py).

    portal = connector_for(url, dialect=None)   # raises ConfigError for an unknown dialect

The dialect comes from `dialect` (the config's `dialect = "…"` or `--dialect`), else from
the URL (each connector's `recognizes(url)`), else the Famille API. `await
probe_dialect(url)` goes one step further where the URL's shape says nothing: it reads the
page at the address once and asks each dialect's `recognizes_page(html)` (a Noethysweb
login page says it is one); `open_connector(url, dialect=…)` uses it.

Connectors are imported only when chosen, so that start-up loads only the one in use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from famille_tui.client.errors import ConfigError
from famille_tui.client.portals.base import (
    Capability,
    Check,
    LoginChallenge,
    PaymentTerms,
    PortalConnector,
    RetypedValue,
)
from famille_tui.client.portals.espace_citoyens.urls import recognizes as _espace_citoyens

__all__ = [
    "DIALECTS",
    "Capability",
    "Check",
    "DialectInfo",
    "LoginChallenge",
    "PaymentTerms",
    "PortalConnector",
    "RetypedValue",
    "connector_for",
    "detect_dialect",
    "open_connector",
    "probe_dialect",
]


@dataclass(frozen=True, slots=True)
class DialectInfo:
    """Where a dialect's connector lives and how its URLs look."""

    name: str
    label: str
    #: "module:Class" of its PortalConnector subclass, imported on first use.
    connector: str
    #: Whether a URL is, by its shape alone, one of this dialect's.
    recognizes: Callable[[str], bool]
    #: "module:function" telling, from the HTML at the portal's address, that it is this
    #: dialect (None: the URL's shape is all there is).
    recognizes_page: str | None = None


def _never(url: str) -> bool:
    return False


#: Every dialect, in the order URLs are tried against them; the Famille API is the default.
DIALECTS: dict[str, DialectInfo] = {
    "famille-api": DialectInfo(
        name="famille-api",
        label="API Famille",
        connector="famille_tui.client.portal_client:PortalClient",
        recognizes=_never,
    ),
    "espace-citoyens": DialectInfo(
        name="espace-citoyens",
        label="Espace Citoyens (Arpège)",
        connector="famille_tui.client.portals.espace_citoyens.connector:EspaceCitoyensConnector",
        recognizes=_espace_citoyens,
    ),
    "noethysweb": DialectInfo(
        name="noethysweb",
        label="Noethysweb",
        connector="famille_tui.client.portals.noethysweb.connector:NoethyswebConnector",
        recognizes=_never,
        recognizes_page="famille_tui.client.portals.noethysweb:recognizes_page",
    ),
}

DEFAULT_DIALECT = "famille-api"


def detect_dialect(url: str) -> str:
    """The dialect a URL's shape says, else the default (the Famille API)."""
    for info in DIALECTS.values():
        if info.recognizes(url):
            return info.name
    return DEFAULT_DIALECT


def connector_class(dialect: str) -> type[PortalConnector]:
    info = DIALECTS.get(dialect)
    if info is None:
        known = ", ".join(sorted(DIALECTS))
        raise ConfigError(f"Type de portail inconnu : « {dialect} ». Types connus : {known}.")
    module_name, _, class_name = info.connector.partition(":")
    cls: type[PortalConnector] = getattr(importlib.import_module(module_name), class_name)
    return cls


def connector_for(
    url: str, *, dialect: str | None = None, timeout: float = 10.0
) -> PortalConnector:
    """A connector for the portal at `url` (not logged in). Raises ConfigError /
    InsecurePortalError for a bad address or an unknown dialect."""
    cls = connector_class(dialect or detect_dialect(url))
    return cls(url, timeout=timeout)


#: The most of the portal's page read to recognise it.
_PROBE_BYTES = 1024 * 1024


def _page_recognizer(info: DialectInfo) -> Callable[[str], bool] | None:
    if info.recognizes_page is None:
        return None
    module_name, _, name = info.recognizes_page.partition(":")
    function: Callable[[str], bool] = getattr(importlib.import_module(module_name), name)
    return function


async def probe_dialect(url: str, *, timeout: float = 10.0) -> str:
    """The dialect of the portal at `url`: its URL's shape, else what its page says (one
    GET, same-origin redirects followed, at most 1 MiB read), else the default. A portal
    that cannot be reached or read is left to the default connector, whose own errors
    then tell the parent what happened."""
    import httpx

    from famille_tui.client.config import is_loopback_host, normalize_portal_url
    from famille_tui.client.errors import FamilleError
    from famille_tui.client.portal_client import DEADLINE_FACTOR, USER_AGENT, _fetch

    # Imported here: a face imports this package at start, httpx only when a portal is used.
    by_shape = detect_dialect(url)
    recognizers = [(n, r) for n, i in DIALECTS.items() if (r := _page_recognizer(i))]
    if by_shape != DEFAULT_DIALECT or not recognizers:
        return by_shape
    base = normalize_portal_url(url)
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(timeout), verify=True, follow_redirects=False,
        trust_env=not is_loopback_host(urlsplit(base).hostname or ""),
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/json"},
    ) as http:
        try:
            answer = await _fetch(http, "GET", base, timeout=httpx.Timeout(timeout),
                                  deadline=DEADLINE_FACTOR * timeout, max_bytes=_PROBE_BYTES)
        except FamilleError:
            return DEFAULT_DIALECT
    if "html" not in answer.content_type:
        return DEFAULT_DIALECT
    html = answer.body.decode("utf-8", errors="replace")
    for name, recognizes in recognizers:
        if recognizes(html):
            return name
    return DEFAULT_DIALECT


async def open_connector(
    url: str, *, dialect: str | None = None, timeout: float = 10.0
) -> PortalConnector:
    """`connector_for`, the dialect found by `probe_dialect` when none is given."""
    chosen = dialect or await probe_dialect(url, timeout=timeout)
    return connector_for(url, dialect=chosen, timeout=timeout)
