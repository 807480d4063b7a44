"""The portal's password rules, loaded and shown before the parent types a new password."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import work
from textual.widgets import Static

from famille_tui.client.display import shown
from famille_tui.client.errors import FamilleError
from famille_tui.client.rules import after_colon

if TYPE_CHECKING:
    from famille_tui.api import PasswordPolicy
    from famille_tui.tui.app import FamilleApp


class PasswordRules(Static):
    """« Règles du mot de passe : … », from `client.password_policy()`."""

    DEFAULT_CSS = """
    PasswordRules { height: auto; padding: 0 1; margin: 0 0 1 0; border-left: thick $accent; }
    """

    def __init__(self) -> None:
        super().__init__("Règles du mot de passe : chargement…", id="password-rules")
        self.policy: PasswordPolicy | None = None

    def on_mount(self) -> None:
        self._load()

    @work(exclusive=True)
    async def _load(self) -> None:
        app = cast("FamilleApp", self.app)
        try:
            if app.session is None:
                raise FamilleError()
            self.policy = await app.session.connector.password_policy()
        except FamilleError:
            self.update("Règles du mot de passe : le portail ne les a pas données ; "
                        "choisissez au moins 10 caractères avec lettres et chiffres.")
            return
        # The portal's sentence, shown as text (never markup), in lower case after the colon.
        self.update(shown("Règles du mot de passe : ", after_colon(self.policy.description)))

    def problem(self, password: str) -> str | None:
        """What is wrong with `password` under the rules, in French; None if it fits."""
        policy = self.policy
        if policy is None:
            return None
        if len(password) < policy.min_length:
            return f"Au moins {policy.min_length} caractères ({len(password)} pour l'instant)."
        if policy.require_letter and not any(c.isalpha() for c in password):
            return "Il faut au moins une lettre."
        if policy.require_digit and not any(c.isdigit() for c in password):
            return "Il faut au moins un chiffre."
        return None
