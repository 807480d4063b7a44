"""Make `screenshots/*.svg`: every screen of the TUI, drawn by the app itself.

    .venv/bin/python scripts/screenshots.py [--size 80x24] [--out screenshots]

Runs a throwaway embedded portal (demo data, in a temporary directory), drives the app with
keys as a person would, and saves an SVG at each screen (`App.save_screenshot`). « Today » is
fixed and the portal's address never shows, so the pictures only change when the app does.
Nothing of the user's configuration, keyring or state directory is touched.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

from keyring.backend import KeyringBackend

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from famille_tui.client.config import LaunchOptions, PortalProfile, Settings  # noqa: E402
from famille_tui.client.credentials import CredentialStore  # noqa: E402
from famille_tui.portal.launcher import start_portal  # noqa: E402
from famille_tui.tui.app import FamilleApp  # noqa: E402
from famille_tui.tui.widgets.form import FormField  # noqa: E402

TODAY = date(2026, 11, 16)
CHAMBON = ("Le Chambon-Feugerolles", "le-chambon-feugerolles")
CHAPONOST = ("Chaponost", "chaponost")


class MemoryKeyring(KeyringBackend):
    """The script's keyring: in memory, gone when it ends."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


class Tour:
    """One run of the app, saving a picture whenever `shot(name)` is called."""

    def __init__(self, app: FamilleApp, pilot: Any, out: Path) -> None:
        self.app = app
        self.pilot = pilot
        self.out = out

    async def until(self, condition: Callable[[], object], timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if condition():
                    return
            except Exception:  # not mounted yet
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app did not reach the expected state ({condition})")
            await self.pilot.pause(0.05)

    async def on(self, screen: str) -> None:
        await self.until(lambda: type(self.app.screen).__name__ == screen)
        await self.pilot.pause(0.3)

    async def type(self, field: str, text: str) -> None:
        """Empty the field, then type `text` key by key."""
        target = self.app.screen.query_one(f"#field-{field}", FormField)
        target.input.focus()
        target.value = ""
        await self.pilot.pause()
        await self.pilot.press(*text)

    async def shot(self, name: str) -> None:
        await self.pilot.pause(0.3)
        self.app.save_screenshot(f"{name}.svg", str(self.out))
        print(f"  {self.out / (name + '.svg')}")


def make_app(portal: Any, communes: list[tuple[str, str]], store: CredentialStore,
             theme: str = "default") -> FamilleApp:
    settings = Settings(
        portals=[PortalProfile(name=name, url=portal.base_url(slug)) for name, slug in communes],
        theme=theme,  # type: ignore[arg-type]
        animations=False,
    )
    return FamilleApp(LaunchOptions(settings=settings, demo=True), credential_store=store,
                      today=lambda: TODAY)


async def run(app: FamilleApp, size: tuple[int, int], out: Path,
              steps: Callable[[Tour], Awaitable[None]]) -> None:
    async with app.run_test(size=size) as pilot:
        await steps(Tour(app, pilot, out))
        await pilot.press("ctrl+q")


async def tour_start(t: Tour) -> None:
    await t.on("PortalChoiceScreen")
    await t.shot("01-choix-commune")
    await t.pilot.press("enter")
    await t.on("LoginScreen")
    await t.shot("02-connexion")
    await t.type("login", "bernard")
    await t.pilot.press("ctrl+n")
    await t.on("ActivationScreen")
    await t.until(lambda: "chargement" not in str(t.app.screen.query_one("#password-rules")
                                                  .render()))
    await t.type("temporary_password", "provisoire")
    await t.type("new_password", "Mon-secret-2026")
    await t.type("confirm_password", "Mon-secret-2027")
    await t.shot("03-premiere-connexion")
    await t.pilot.press("escape")
    await t.on("LoginScreen")
    await t.type("login", "martin")
    await t.pilot.press("ctrl+r")
    await t.on("PasswordResetScreen")
    await t.pilot.press("enter")
    await t.until(lambda: not t.app.screen.query_one("#step-confirm").has_class("hidden"))
    await t.shot("04-mot-de-passe-oublie")
    await t.pilot.press("escape")
    await t.on("LoginScreen")
    await t.type("password", "demo-martin")
    t.app.screen.query_one("#remember").focus()
    await t.pilot.pause()
    await t.pilot.press("space")
    await t.shot("05-connexion-remplie")
    await t.type("password", "demo-martin")
    await t.pilot.press("enter")
    await t.until(lambda: t.app.logged_in and t.app.remaining_cents is not None)
    await t.on("FamilyScreen")
    await t.shot("06-famille")
    await t.pilot.press("2")
    await t.on("EntourageScreen")
    await t.shot("07-entourage")
    await t.pilot.press("a")
    await t.on("ContactFormScreen")
    await t.type("first_name", "Lucienne")
    await t.type("phones-0", "12 34")
    await t.pilot.press("ctrl+s")
    await t.shot("08-entourage-ajout-erreurs")
    await t.pilot.press("escape")
    await t.on("EntourageScreen")
    await t.pilot.press("d")
    await t.on("ConfirmScreen")
    await t.shot("09-entourage-retrait")
    await t.pilot.press("n")
    await t.pilot.press("3")
    await t.on("DashboardScreen")
    await t.shot("10-tableau-de-bord")
    t.app.screen.query_one("#messages-table").focus()
    await t.pilot.press("enter")
    await t.on("MessageScreen")
    await t.shot("11-message")
    await t.pilot.press("escape")
    await t.pilot.press("5")
    await t.on("CoordinatesScreen")
    await t.shot("12-coordonnees")
    await t.pilot.press("e")
    await t.on("ProfileFormScreen")
    await t.shot("13-coordonnees-modifier")
    await t.pilot.press("escape")
    await t.pilot.press("6")
    await t.on("HelpScreen")
    await t.until(lambda: "04" in str(t.app.screen.query_one("#help-contact").render()))
    await t.shot("14-aide")


async def tour_expired(t: Tour, data_path: Path) -> None:
    await t.on("LoginScreen")
    await t.shot("15-connexion-retenue")
    await t.pilot.press("enter")
    await t.until(lambda: t.app.logged_in)
    await t.on("FamilyScreen")
    with sqlite3.connect(data_path) as conn:
        conn.execute("UPDATE sessions SET last_used_at = last_used_at - 86400")
    await t.pilot.press("r")
    await t.on("SessionPasswordScreen")
    await t.shot("16-session-expiree")


async def tour_contrast(t: Tour) -> None:
    await t.on("LoginScreen")
    await t.shot("17-contraste-connexion")
    await t.pilot.press("enter")
    await t.until(lambda: t.app.logged_in)
    await t.pilot.press("2")
    await t.on("EntourageScreen")
    await t.pilot.press("a")
    await t.on("ContactFormScreen")
    await t.type("phones-0", "12")
    await t.pilot.press("ctrl+s")
    await t.shot("18-contraste-formulaire")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="80x24", help="columns x rows (default 80x24)")
    parser.add_argument("--out", default=str(ROOT / "screenshots"), help="output directory")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.lower().split("x"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="famille-tui-shots-") as tmp:
        # The app must not read or write the user's own directories.
        for name in ("CONFIG", "STATE", "DATA", "DOWNLOAD"):
            os.environ[f"FAMILLE_TUI_{name}_DIR"] = str(Path(tmp) / name.lower())
        portal = start_portal(Path(tmp) / "portal.sqlite3")
        try:
            store = CredentialStore(backend=MemoryKeyring())
            size = (width, height)
            await run(make_app(portal, [CHAMBON, CHAPONOST], store), size, out, tour_start)
            await run(make_app(portal, [CHAMBON], store), size, out,
                      lambda t: tour_expired(t, portal.data_path))
            await run(make_app(portal, [CHAMBON], store, theme="high-contrast"), size, out,
                      tour_contrast)
        finally:
            portal.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
