"""Runs the real TUI start (`famille_tui.cli.main`) headless until the login screen is up,
then exits; run under `python -X importtime` to list what the start imports.

Prints one JSON line: the forbidden modules found in `sys.modules` once the login screen is
shown, and the screen's name."""

from __future__ import annotations

import json
import sys
from typing import Any

FORBIDDEN = ("fastapi", "uvicorn", "starlette", "famille_tui.portal")


def main() -> int:
    from textual.app import App
    from textual.pilot import Pilot

    from famille_tui import cli

    shown: dict[str, str] = {}
    original_run = App.run

    def run_headless(self: App[Any], *args: Any, **kwargs: Any) -> Any:
        async def until_login(pilot: Pilot[Any]) -> None:
            for _ in range(1500):
                name = type(self.screen).__name__
                if name == "LoginScreen":
                    shown["screen"] = name
                    break
                await pilot.pause(0.02)
            self.exit(0)

        kwargs["headless"] = True
        kwargs["auto_pilot"] = until_login
        return original_run(self, *args, **kwargs)

    App.run = run_headless  # type: ignore[method-assign]
    code = cli.main(sys.argv[1:])
    loaded = sorted(
        name for name in sys.modules
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    )
    print(json.dumps({"code": code, "screen": shown.get("screen"), "forbidden": loaded}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
