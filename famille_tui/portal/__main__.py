"""`python -m famille_tui.portal [--demo] [--host H] [--public-origin URL] [--port N]
[--data FILE] [--payment-ttl S]`: `famille-tui serve`, what the launcher runs."""

from __future__ import annotations

import argparse

from famille_tui.portal.server import serve


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m famille_tui.portal",
        description="Portail de référence famille-tui (API Famille et bac à sable PayFiP).",
    )
    parser.add_argument("--demo", action="store_true", help="le portail de la démonstration")
    parser.add_argument("--host", default="127.0.0.1", help="adresse d'écoute")
    parser.add_argument("--public-origin", metavar="URL", default=None,
                        help="adresse https par laquelle on atteint le portail")
    parser.add_argument("--port", type=int, default=8765, help="port (0 : un port libre)")
    parser.add_argument("--data", metavar="FICHIER", help="fichier SQLite des données")
    parser.add_argument("--payment-ttl", type=int, default=900, metavar="SECONDES",
                        help="validité d'un paiement en attente (défaut : 900)")
    parser.add_argument("--idle-timeout", type=int, default=None, metavar="SECONDES",
                        help="inactivité après laquelle une session expire (défaut : 1800)")
    parser.add_argument("--lockout-seconds", type=int, default=None, metavar="SECONDES",
                        help="durée du blocage après 5 échecs de connexion (défaut : 900)")
    args = parser.parse_args()
    return serve(args.host, args.port, args.data, args.payment_ttl,
                 idle_timeout=args.idle_timeout, lockout_seconds=args.lockout_seconds,
                 demo_mode=args.demo, public_origin=args.public_origin)


raise SystemExit(main())
