"""The login screen on the real Noethysweb, its captcha drawn (pytest-textual-snapshot, 80×24
and 120×40; update with `--snapshot-update` after checking the pictures by eye).

The peer draws a new random code for every page; for a picture that can be compared, the
connector's challenge keeps the peer's key and page but its PNG is one the peer drew once
(`SampleDrawing`). Everything else on screen comes from the running peer.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from famille_tui.client.config import PortalProfile
from famille_tui.tui.widgets.captcha import CaptchaPicture
from tests.support.noethysweb_peer import NoethyswebPeer, SampleDrawing
from tests.support.tui import make_app, screen_name, wait_until

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def at_captcha_login(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await wait_until(pilot, lambda: screen_name(app) == "LoginScreen")
    await wait_until(pilot, lambda: app.screen.query_one(CaptchaPicture).rows,
                     what="the captcha drawn")
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES)
def test_login_with_the_captcha_drawn(size: tuple[int, int], noethysweb_seeded: NoethyswebPeer,
                                      snap_compare: Any) -> None:
    app = make_app(
        portals=[PortalProfile(name="Testville", url=noethysweb_seeded.url,
                               dialect="noethysweb")],
        connector_factory=lambda profile: SampleDrawing(profile.url),
    )
    assert snap_compare(app, terminal_size=size, run_before=at_captcha_login)
