"""Connectors to family portals, one per dialect, behind `PortalConnector` (see base.py).

    portal = connector_for(url, dialect=None)   # raises ConfigError for an unknown dialect

The dialect comes from `dialect` (the config's `dialect = "…"` or `--dialect`), else from
the URL (each connector's `recognizes(url)`), else the Famille API.

Connectors are imported only when chosen, so that start-up loads only the one in use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

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
