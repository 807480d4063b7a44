"""`--commune` names a configured portal as a parent writes it: its name, its slug with or
without hyphens and accents (the README's `le-chambon-feugerolles` reaches the Espace
Citoyens tenant `lechambonfeugerolles`), and an unknown one is refused in French."""

from __future__ import annotations

import pytest

from famille_tui.client.config import LaunchOptions, PortalProfile, Settings, resolve_portals
from famille_tui.client.errors import FamilleError, UnknownCommune
from famille_tui.client.session import FamilySession, SessionPolicy
from famille_tui.portal.launcher import PortalProcess
from tests.support import CHAMBON
from tests.support.connectors import NoReplies

PORTALS = [
    PortalProfile(name="Le Chambon-Feugerolles",
                  url="http://127.0.0.1:8765/lechambonfeugerolles/espace-citoyens/"),
    PortalProfile(name="Chaponost", url="http://127.0.0.1:8765/chaponost/"),
]


@pytest.mark.parametrize("typed", ["le-chambon-feugerolles", "lechambonfeugerolles",
                                   "Le Chambon-Feugerolles", "LE CHAMBON FEUGEROLLES"])
def test_every_way_of_writing_the_commune_finds_it(typed: str) -> None:
    chosen = resolve_portals(LaunchOptions(settings=Settings(portals=PORTALS), commune=typed))
    assert [p.name for p in chosen] == ["Le Chambon-Feugerolles"]


def test_an_unknown_commune_is_refused_in_french() -> None:
    with pytest.raises(FamilleError) as refused:
        resolve_portals(LaunchOptions(settings=Settings(portals=PORTALS), commune="Lyon"))
    assert "Commune inconnue : « Lyon »" in refused.value.message


async def test_a_commune_the_portal_does_not_serve_is_said_before_any_login(
    portal: PortalProcess,
) -> None:
    """`http://…/chambon/` (a typo): the session's opening says so, naming the communes the
    portal serves; the login then says the same, and no credentials are ever sent."""
    wrong = f"{portal.origin}/chambon/"
    made: list[NoReplies] = []  # the Famille API connector, its requests written down
    session = FamilySession(PortalProfile(name="chambon", url=wrong),
                            SessionPolicy.from_options(LaunchOptions(demo=True)),
                            connector_factory=NoReplies.factory(made))
    try:
        with pytest.raises(UnknownCommune) as unknown:
            await session.open()
        assert unknown.value.message == (
            f"Commune inconnue sur ce portail : {wrong} ne mène à aucune commune. Communes "
            f"de ce portail : Chaponost ({portal.origin}/chaponost/), Le Chambon-Feugerolles "
            f"({portal.origin}/le-chambon-feugerolles/). Corrigez l'adresse dans la "
            "configuration (ou --portal, --commune).")
        with pytest.raises(UnknownCommune):
            await session.login("martin", "demo-martin")
    finally:
        await session.close()
    # One reading and the list of communes, then nothing: no credentials were sent.
    assert made[0].requests == ["GET help", "GET /communes"]


async def test_a_served_commune_opens_with_its_contact(portal: PortalProcess) -> None:
    session = FamilySession(PortalProfile(name="Chambon", url=portal.base_url(CHAMBON)),
                            SessionPolicy.from_options(LaunchOptions(demo=True)))
    try:
        await session.open()
        # The reading that checked the address is the structure's contact, kept.
        contact = await session.structure_contact()
        assert contact is not None and contact.structure == "Crèche Les Pirouettes"
        await session.login("martin", "demo-martin")
    finally:
        await session.close()


async def test_a_path_the_portal_cannot_judge_is_left_to_the_login() -> None:
    # Nothing answers at all: no claim about the commune, the login says what happened.
    session = FamilySession(PortalProfile(name="x", url="http://127.0.0.1:9/chambon/"),
                            SessionPolicy.from_options(LaunchOptions(demo=True)))
    try:
        await session.open()
    finally:
        await session.close()
