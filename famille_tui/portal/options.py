"""The command-line options of the portal (`famille-tui serve`, `python -m famille_tui.portal`):
standard library only, so that `famille-tui --help` does not import FastAPI."""

from __future__ import annotations

import argparse


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `famille-tui serve` and of `python -m famille_tui.portal`."""
    parser.add_argument("--demo", action="store_true",
                        help="le portail de la démonstration : mots de passe connus, e-mails "
                        "lisibles par tous, service PayFiP de démonstration (à garder sur "
                        "cette machine)")
    parser.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut : 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (0 : un port libre)")
    parser.add_argument("--data", metavar="FICHIER", help="fichier SQLite des données")
    parser.add_argument("--payment-ttl", type=int, default=900, metavar="SECONDES",
                        help="durée de validité d'un paiement en attente (défaut : 900)")
    parser.add_argument("--public-origin", metavar="URL", default=None,
                        help="origine où familles et PayFiP joignent ce portail : liens et "
                        "adresses de rappel en sont faits (défaut : l'adresse d'écoute) ; "
                        "en https, obligatoire si --host n'est pas une adresse de cette "
                        "machine")
    parser.add_argument("--payfip-origin", metavar="URL", default=None,
                        help="service PayFiP à utiliser, en https hors démonstration (défaut : "
                        "avec --demo, le service de démonstration lancé à côté du portail ; "
                        "sinon https://www.payfip.gouv.fr)")
    parser.add_argument("--payfip-port", type=int, default=8766, metavar="N",
                        help="port du service PayFiP de démonstration (0 : un port libre ; "
                        "défaut : 8766)")


def serve_from(args: argparse.Namespace) -> int:
    from famille_tui.portal.server import serve

    return serve(args.host, args.port, args.data, args.payment_ttl,
                 idle_timeout=getattr(args, "idle_timeout", None),
                 lockout_seconds=getattr(args, "lockout_seconds", None),
                 public_origin=args.public_origin, payfip_origin=args.payfip_origin,
                 payfip_port=args.payfip_port, demo_mode=args.demo)
