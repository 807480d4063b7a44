"""The Textual app (the TUI face of famille-tui).

`run(options)` is the only entry point the command line uses. Textual and the screens are
imported inside it, so that importing this package stays cheap and never pulls in the portal.
"""

from __future__ import annotations

from famille_tui.client.config import LaunchOptions


def run(options: LaunchOptions) -> int:
    """Run the TUI until the user quits; the process exit code."""
    from famille_tui.client.session import SessionPolicy

    if SessionPolicy.from_options(options).kiosk:
        # A shared machine at a front desk (issue 6): its own app, `famille_tui.tui.kiosk`.
        from famille_tui.tui.kiosk import run as run_kiosk

        return run_kiosk(options)
    from famille_tui.tui.app import FamilleApp

    app = FamilleApp(options)
    app.run()
    return app.return_code or 0
