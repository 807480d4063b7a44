"""The embedded reference portal: the Famille API, the PayFiP/TIPI sandbox, SQLite, demo data
and the outbox. It stands in for a town's server; it never imports `client`, `tui` or `plain`.

Run it with `famille-tui serve` or `python -m famille_tui.portal`; start it from Python with
`famille_tui.portal.launcher.start_portal()` (standard library only, cheap to import).
"""
