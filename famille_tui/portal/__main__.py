"""`python -m famille_tui.portal [--demo] [--host H] [--port N] [--data FILE]
[--payment-ttl S] [--public-origin URL] [--payfip-origin URL | --payfip-port N]`:
`famille-tui serve`, what the launcher runs."""

from __future__ import annotations

import argparse

from famille_tui.portal.options import add_serve_arguments, serve_from


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m famille_tui.portal",
        description="Portail de référence famille-tui (API Famille, paiements PayFiP).",
    )
    add_serve_arguments(parser)
    parser.add_argument("--idle-timeout", type=int, default=None, metavar="SECONDES",
                        help="inactivité après laquelle une session expire (défaut : 1800)")
    parser.add_argument("--lockout-seconds", type=int, default=None, metavar="SECONDES",
                        help="durée du blocage après 5 échecs de connexion (défaut : 900)")
    return serve_from(parser.parse_args())


raise SystemExit(main())
