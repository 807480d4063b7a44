"""`MemoryKeyring`: a real keyring backend that keeps passwords in a dict, for tests.

`tests/conftest.py` installs one for every test, so that no test ever reads or writes the
keyring of the machine running the suite.
"""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.credentials import Credential, SimpleCredential
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """Passwords in memory, per (service, username); `calls` records each operation."""

    priority = 1.0

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.passwords: dict[tuple[str, str], str] = {}
        self.calls: list[tuple[str, str, str]] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.calls.append(("get", service, username))
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append(("set", service, username))
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.calls.append(("delete", service, username))
        try:
            del self.passwords[(service, username)]
        except KeyError:
            raise PasswordDeleteError("Aucun mot de passe enregistré.") from None

    def get_credential(self, service: str, username: str | None) -> Credential | None:
        self.calls.append(("credential", service, username or ""))
        if username is not None:
            password = self.passwords.get((service, username))
            return SimpleCredential(username, password) if password is not None else None
        for (svc, user), password in self.passwords.items():
            if svc == service:
                return SimpleCredential(user, password)
        return None
