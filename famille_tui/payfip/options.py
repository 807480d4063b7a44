"""The command-line options of the PayFiP stand-in (`famille-tui payfip`,
`python -m famille_tui.payfip`): standard library only, so that `famille-tui --help` does not
import FastAPI."""

from __future__ import annotations

import argparse
import sys


def add_payfip_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut : 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8766, help="port (0 : un port libre ; "
                        "défaut : 8766)")
    parser.add_argument("--data", metavar="FICHIER", help="fichier SQLite des opérations")
    parser.add_argument("--public-origin", metavar="URL", default=None,
                        help="origine où les payeurs joignent ce service (défaut : l'adresse "
                        "d'écoute)")
    parser.add_argument("--regie", action="append", default=[], metavar="NUMCLI=ORIGINE",
                        help="une régie : son numéro de client et la seule origine que le "
                        "service rappelle (NUMCLI=ORIGINE ou NUMCLI=ORIGINE=NOM) ; répétable")
    parser.add_argument("--ttl", type=int, default=900, metavar="SECONDES",
                        help="durée de vie d'un idOp (défaut : 900)")


def payfip_from(args: argparse.Namespace) -> int:
    from famille_tui.payfip.app import serve
    from famille_tui.payfip.rules import RegieError, origin_of_url, parse_regie

    try:
        regies = [parse_regie(text) for text in args.regie]
    except RegieError as error:
        print(f"famille-tui : {error}", file=sys.stderr)
        return 2
    if not regies:
        print("famille-tui : au moins une régie est nécessaire (--regie NUMCLI=ORIGINE).",
              file=sys.stderr)
        return 2
    public = args.public_origin
    if public is not None and origin_of_url(public) != public.rstrip("/"):
        print(f"famille-tui : --public-origin attend une origine http(s)://hôte[:port], sans "
              f"chemin ({public!r}).", file=sys.stderr)
        return 2
    return serve(regies, host=args.host, port=args.port, data=args.data,
                 public_origin=args.public_origin, ttl=args.ttl)
