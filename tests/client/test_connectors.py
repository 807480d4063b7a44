"""The connector interface: capabilities, « non proposé par ce portail », choosing a dialect."""

from __future__ import annotations

import pytest

from famille_tui.api import Account
from famille_tui.client.errors import ConfigError, NotOffered
from famille_tui.client.portal_client import PortalClient
from famille_tui.client.portals import Capability, connector_for, detect_dialect
from famille_tui.client.portals.base import PortalConnector


class _Bare(PortalConnector):
    """A connector that offers nothing but a session: every other call says so."""

    dialect = "bare"
    dialect_label = "Portail minimal"

    @property
    def capabilities(self) -> frozenset[Capability]:
        return frozenset()

    async def aclose(self) -> None:
        return None

    @property
    def base_url(self) -> str:
        return "http://127.0.0.1:1/"

    @property
    def commune(self) -> str:
        return "bare"

    @property
    def account(self) -> None:
        return None

    @property
    def logged_in(self) -> bool:
        return False

    async def login(
        self, login: str, password: str, *, challenge_answer: str | None = None
    ) -> Account:
        raise AssertionError("not used")

    async def logout(self) -> None:
        return None


async def test_a_missing_capability_says_so_in_french() -> None:
    portal = _Bare("http://127.0.0.1:1/")
    assert not portal.offers(Capability.INVOICES)
    with pytest.raises(NotOffered) as caught:
        await portal.invoices()
    assert caught.value.message == "Les factures : non proposé par ce portail."
    assert caught.value.capability == "invoices"
    with pytest.raises(NotOffered, match="Le paiement en ligne"):
        await portal.create_payment([1], "a@b.fr", "k")


def test_every_capability_has_a_french_label() -> None:
    for capability in Capability:
        assert capability.label and capability.label[0].isupper()


def test_the_famille_api_is_the_default_dialect() -> None:
    assert detect_dialect("http://127.0.0.1:8765/chaponost/") == "famille-api"
    portal = connector_for("http://127.0.0.1:8765/chaponost/")
    assert isinstance(portal, PortalClient)
    # The Famille API offers everything, reservations included (issue 17).
    assert all(portal.offers(capability) for capability in Capability)


def test_an_unknown_dialect_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="Type de portail inconnu"):
        connector_for("http://127.0.0.1:8765/chaponost/", dialect="minitel")


@pytest.mark.parametrize("dialect", ["espace-citoyens", "noethysweb"])
async def test_only_the_famille_api_answers_messages(dialect: str) -> None:
    # Neither site has a form to answer a message: said « non proposé », never faked (the
    # call fails before anything is sent, so no portal is needed; the Espace Citoyens
    # connector's own test says it logged in on the replica too).
    portal = connector_for("http://127.0.0.1:1/lechambonfeugerolles/espace-citoyens/",
                           dialect=dialect)
    async with portal:
        assert not portal.offers(Capability.MESSAGE_REPLY)
        with pytest.raises(NotOffered) as caught:
            await portal.reply_to_message(1, "Bonjour")
    assert caught.value.message == "La réponse aux messages : non proposé par ce portail."
    assert caught.value.capability == "message_reply"


@pytest.mark.parametrize("dialect", ["famille-api", "espace-citoyens", "noethysweb"])
async def test_an_empty_login_or_password_is_the_one_sentence_for_an_empty_field(
    dialect: str,
) -> None:
    # Refused before anything is sent, in the words the portal and every face use
    # (« identifiant requis », « mot de passe requis » and pydantic's English before).
    from famille_tui.api.base import EMPTY_FIELD
    from famille_tui.client.errors import ValidationFailed

    portal = connector_for("http://127.0.0.1:1/lechambonfeugerolles/espace-citoyens/",
                           dialect=dialect)
    async with portal:
        for login, password, field in [("  ", "secret", "login"), ("martin", "", "password")]:
            with pytest.raises(ValidationFailed) as refused:
                await portal.login(login, password)
            assert refused.value.field_errors == {field: EMPTY_FIELD}
