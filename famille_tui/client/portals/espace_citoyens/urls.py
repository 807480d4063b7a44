"""Espace Citoyens addresses: which URLs are this dialect's, and the tenant's root.

Standard library only: the dialect registry imports this at start-up to recognise URLs.

    https://www.espace-citoyens.net/{tenant}/espace-citoyens/   the root of one town
    any URL whose path holds a segment « espace-citoyens »      (a replica, another host)
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

HOST = "www.espace-citoyens.net"
SEGMENT = "espace-citoyens"
_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def recognizes(url: str) -> bool:
    """Whether this address, by its shape alone, is an Espace Citoyens site."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    segments = _segments(parts.path)
    if SEGMENT in segments[1:]:
        return True
    return (parts.hostname or "").lower() == HOST and bool(segments) and bool(
        _TENANT.fullmatch(segments[0]))


def tenant_root(url: str) -> tuple[str, str]:
    """(root URL ending in « /espace-citoyens/ », tenant) of an address of this dialect:
    `…/lechambonfeugerolles/espace-citoyens/Home/AccueilPublic` → its root; on the shared
    host, `/{tenant}/` alone gets « espace-citoyens/ » added. ValueError otherwise."""
    parts = urlsplit(url.strip())
    segments = _segments(parts.path)
    if SEGMENT in segments[1:]:
        at = segments.index(SEGMENT, 1)
        tenant = segments[at - 1]
        kept = segments[: at + 1]
    elif (parts.hostname or "").lower() == HOST and segments:
        tenant = segments[0]
        kept = [tenant, SEGMENT]
    else:
        raise ValueError(url)
    if not _TENANT.fullmatch(tenant):
        raise ValueError(url)
    root = urlunsplit((parts.scheme, parts.netloc, "/" + "/".join(kept) + "/", "", ""))
    return root, tenant
