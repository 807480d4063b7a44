"""The real Noethysweb as a test peer (tests/support/noethysweb_peer.py).

`noethysweb_peer` (session): one peer for the whole run, started once (the build is cached
per user), its TIPI URL on the PayFiP stand-in started beside it. `noethysweb`: that peer in
its seeded state (reset first if a test changed it), for a test that may change it;
`noethysweb_seeded`: the same for a test that only reads. Both name the stand-in in
FAMILLE_TUI_PAYFIP_ORIGIN, so that the client opens its pages (loopback http).

With CI=true a missing peer fails the tests; elsewhere they are skipped, saying why.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from famille_tui.portal.launcher import PortalStartError
from tests.support.noethysweb_peer import NoethyswebPeer, PeerError, shared_dir


@pytest.fixture(scope="session")
def noethysweb_peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NoethyswebPeer]:
    shared, why = shared_dir()
    if shared is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Noethysweb est nécessaire aux tests en CI : {why}")
        pytest.skip(f"tests contre Noethysweb sautés (hors CI) : {why}")
    try:
        peer = NoethyswebPeer.start_with_payfip(shared, tmp_path_factory.mktemp("noethysweb"))
    except (PeerError, PortalStartError) as error:
        pytest.fail(f"le pair Noethysweb n'a pas démarré : {error}")
    try:
        yield peer
    finally:
        peer.stop()


@pytest.fixture
def noethysweb_seeded(noethysweb_peer: NoethyswebPeer, monkeypatch: pytest.MonkeyPatch
                      ) -> NoethyswebPeer:
    """The peer as seeded, for a test that changes nothing on it."""
    monkeypatch.setenv("FAMILLE_TUI_PAYFIP_ORIGIN", noethysweb_peer.payfip_origin)
    if noethysweb_peer.dirty:
        noethysweb_peer.reset()
    return noethysweb_peer


@pytest.fixture
def noethysweb(noethysweb_seeded: NoethyswebPeer) -> NoethyswebPeer:
    """The peer as seeded; marked changed, so that the next test gets it reset."""
    noethysweb_seeded.dirty = True
    return noethysweb_seeded
