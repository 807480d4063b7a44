"""Remembered passwords (« Se souvenir de moi »), in the OS keyring and nowhere else.

One keyring entry per portal and login: service `famille-tui:{portal_url}`, username the
login. The list of remembered logins of a portal is itself a keyring entry of that
service (username `REMEMBERED_LOGINS_KEY`, a JSON list), so nothing is ever written to
disk by this program. When no real keyring exists (keyring's `fail` or `null` backend,
or any backend of priority ≤ 0, or the plaintext backends of keyrings.alt), the store is
unavailable: `save` raises `CredentialStoreUnavailable` and nothing is written anywhere.
"""

from __future__ import annotations

import contextlib
import json
import logging

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from famille_tui.client.config import normalize_portal_url
from famille_tui.client.errors import ConfigError, CredentialStoreUnavailable

__all__ = ["REMEMBERED_LOGINS_KEY", "CredentialStore", "service_name"]

log = logging.getLogger(__name__)

#: The username under which a portal's list of remembered logins is kept.
REMEMBERED_LOGINS_KEY = "famille-tui:remembered-logins"

_FAILED = (
    "Le trousseau de mots de passe n'a pas répondu : le mot de passe n'a pas été "
    "enregistré. Vous pourrez le saisir à chaque connexion."
)
_FORGET_FAILED = (
    "Le trousseau de mots de passe n'a pas répondu : ce compte n'a pas pu être oublié. "
    "Réessayez, ou supprimez l'entrée « famille-tui » dans le trousseau du système."
)


def service_name(portal_url: str) -> str:
    """`famille-tui:{portal_url}` with the URL normalised, so that `…/chaponost` and
    `…/chaponost/` are the same entry."""
    try:
        url = normalize_portal_url(portal_url)
    except ConfigError:
        url = portal_url.strip()
    return f"famille-tui:{url}"


def _backend_usable(backend: KeyringBackend) -> bool:
    """False for keyring's `fail`/`null` backends, anything of priority ≤ 0, and the
    plaintext file backends of keyrings.alt (never a plaintext fallback)."""
    from keyring.backends import fail, null

    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    if type(backend).__module__.startswith("keyrings.alt"):
        return False
    try:
        return float(backend.priority) > 0
    except Exception:  # a broken backend's priority property: not usable
        return False


class CredentialStore:
    """Passwords per portal and login in the OS keyring (or the backend given, in tests)."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        if backend is None:
            try:
                backend = keyring.get_keyring()
            except Exception as error:  # a broken keyring config must not crash the app
                log.warning("no keyring backend: %s", type(error).__name__)
                from keyring.backends import fail

                backend = fail.Keyring()  # type: ignore[no-untyped-call]
        self._backend = backend

    @property
    def available(self) -> bool:
        """Whether passwords can be remembered on this machine."""
        return _backend_usable(self._backend)

    @property
    def backend_name(self) -> str:
        """For diagnostics (« SecretService Keyring », « macOS Keyring »…)."""
        return str(getattr(self._backend, "name", type(self._backend).__name__))

    def get(self, portal_url: str, login: str) -> str | None:
        """The remembered password, or None (also when the keyring fails: the face then
        simply asks for the password)."""
        if not self.available or login == REMEMBERED_LOGINS_KEY:
            return None
        try:
            return self._backend.get_password(service_name(portal_url), login)
        except Exception as error:  # KeyringError, D-Bus errors, a locked keyring…
            log.warning("keyring read failed: %s", type(error).__name__)
            return None

    def save(self, portal_url: str, login: str, password: str) -> None:
        """Remember the password. Raises CredentialStoreUnavailable when there is no
        keyring or it fails; nothing is then stored anywhere."""
        if not self.available:
            raise CredentialStoreUnavailable()
        if not login or login == REMEMBERED_LOGINS_KEY:
            raise CredentialStoreUnavailable("Cet identifiant ne peut pas être retenu.")
        service = service_name(portal_url)
        try:
            self._backend.set_password(service, login, password)
            logins = self._read_logins(service)
            if login in logins:
                logins.remove(login)
            # Most recent first: the face proposes the last one used.
            self._write_logins(service, [login, *logins])
        except Exception as error:
            log.warning("keyring write failed: %s", type(error).__name__)
            self._try_delete(service, login)
            raise CredentialStoreUnavailable(_FAILED) from None

    def forget(self, portal_url: str, login: str) -> None:
        """Forget the password and the login (« Oublier ce compte »). Forgetting what was
        never remembered is fine; a failing keyring raises CredentialStoreUnavailable."""
        if not self.available:
            return
        service = service_name(portal_url)
        try:
            # Not there: already forgotten.
            with contextlib.suppress(PasswordDeleteError):
                self._backend.delete_password(service, login)
            logins = self._read_logins(service)
            if login in logins:
                logins.remove(login)
                self._write_logins(service, logins)
        except Exception as error:
            log.warning("keyring delete failed: %s", type(error).__name__)
            raise CredentialStoreUnavailable(_FORGET_FAILED) from None

    def remembered_logins(self, portal_url: str) -> list[str]:
        """The logins remembered for this portal, most recent first ([] when unavailable)."""
        if not self.available:
            return []
        try:
            return self._read_logins(service_name(portal_url))
        except Exception as error:
            log.warning("keyring read failed: %s", type(error).__name__)
            return []

    # --- the list entry ------------------------------------------------------------------

    def _read_logins(self, service: str) -> list[str]:
        raw = self._backend.get_password(service, REMEMBERED_LOGINS_KEY)
        if not raw:
            return []
        try:
            data = json.loads(raw)
        except ValueError:
            log.warning("remembered logins entry is not JSON: ignored")
            return []
        if not isinstance(data, list):
            return []
        seen: list[str] = []
        for item in data:
            if isinstance(item, str) and item and item not in seen:
                seen.append(item)
        return seen

    def _write_logins(self, service: str, logins: list[str]) -> None:
        if logins:
            self._backend.set_password(service, REMEMBERED_LOGINS_KEY, json.dumps(logins))
        else:
            self._try_delete(service, REMEMBERED_LOGINS_KEY)

    def _try_delete(self, service: str, username: str) -> None:
        try:
            self._backend.delete_password(service, username)
        except (PasswordDeleteError, KeyringError):
            pass
        except Exception as error:
            log.warning("keyring delete failed: %s", type(error).__name__)
