"""Signed state carried by the payment pages, and the anti-CSRF token.

The pages keep nothing of a payer between two forms on the server: each form carries `etat`,
the state of the payment so far (which request, the e-mail typed, the card type chosen),
signed with the stand-in's key, and bound to the browser's session cookie. Nothing a payer
can edit in a form changes what is paid: the amount, the reference and the client number
come from the signed state (TIPI) or from the stored idOp (web service), never from a field.
`jeton`, on every form, is the anti-CSRF token: a keyed hash of the session cookie, so a form
posted from another site (which cannot read the cookie) is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

COOKIE = "payfip_session"


def new_session() -> str:
    return secrets.token_urlsafe(24)


def _mac(key: bytes, purpose: str, text: str) -> str:
    digest = hmac.new(key, f"{purpose}|{text}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def csrf_token(key: bytes, session: str) -> str:
    return _mac(key, "jeton", session)


def csrf_ok(key: bytes, session: str, token: str) -> bool:
    return bool(session) and hmac.compare_digest(csrf_token(key, session), token)


def sign(key: bytes, session: str, state: dict[str, Any]) -> str:
    """`state` (JSON) bound to `session`, signed."""
    payload = base64.urlsafe_b64encode(
        json.dumps({**state, "c": _mac(key, "c", session)[:22]}, separators=(",", ":"))
        .encode()).decode().rstrip("=")
    return f"{payload}.{_mac(key, 'etat', payload)}"


def unsign(key: bytes, session: str, token: str) -> dict[str, Any] | None:
    """The state signed by `sign` for this `session`, or None (forged, other browser)."""
    if len(token) > 8000 or token.count(".") != 1:
        return None
    payload, mac = token.split(".")
    if not hmac.compare_digest(_mac(key, "etat", payload), mac):
        return None
    try:
        state = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(state, dict) or not session:
        return None
    if not hmac.compare_digest(str(state.get("c", "")), _mac(key, "c", session)[:22]):
        return None
    return state
