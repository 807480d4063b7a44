"""`--commune` names a configured portal as a parent writes it: its name, its slug with or
without hyphens and accents (the README's `le-chambon-feugerolles` reaches the Espace
Citoyens tenant `lechambonfeugerolles`), and an unknown one is refused in French."""

from __future__ import annotations

import pytest

from famille_tui.client.config import LaunchOptions, PortalProfile, Settings, resolve_portals
from famille_tui.client.errors import FamilleError

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
