"""Entry point `famille-tui`: parses the command line and hands over to the right face.

    famille-tui [options]            the TUI (or, with --screen-reader, the linear interface)
    famille-tui demo [options]       the embedded portal on loopback, then the TUI on it
    famille-tui serve [...]          the embedded reference portal (and PayFiP stand-in)
    famille-tui payfip --regie …     the PayFiP stand-in alone, for any portal
    famille-tui COMMAND [...]        scriptable commands (famille_tui/commands/, docs/cli.md)

Heavy imports (Textual, the portal's FastAPI) happen only in the branch that needs them,
so that a scriptable command or `--help` starts fast. The full parser needs every command
module (and through them the API models); a command line with no command and no `--help`
(the TUI's) is first read by a parser of the top-level options alone, which is enough.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from famille_tui import __version__
from famille_tui.commands.parsing import FrenchArgumentParser

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def _add_face_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--screen-reader",
        action="store_true",
        default=None,
        help="interface linéaire pour lecteur d'écran (aussi FAMILLE_TUI_SCREEN_READER=1)",
    )
    parser.add_argument(
        "--kiosk", action="store_true", default=None, help="mode borne d'accueil (poste partagé)"
    )


def build_parser() -> argparse.ArgumentParser:
    from famille_tui.commands import add_common_options, register_all
    from famille_tui.payfip.options import add_payfip_arguments
    from famille_tui.portal.options import add_serve_arguments

    parser = FrenchArgumentParser(
        prog="famille-tui",
        description="L'Espace famille de votre commune dans le terminal. Sans commande : "
        "l'application plein écran ; avec une commande : une réponse pour les scripts "
        "(--json, --plain, codes de sortie documentés dans docs/cli.md).",
        epilog="Exemples :\n"
        "  famille-tui demo\n"
        "  famille-tui --commune le-chambon-feugerolles --login martin invoices --unpaid\n"
        "  famille-tui --login martin invoices --unpaid --json | jq .total_remaining_cents",
    )
    parser.add_argument("--version", action="version", version=f"famille-tui {__version__}",
                        help="affiche la version")
    add_common_options(parser, in_subcommand=False)
    _add_face_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", title="commandes")
    # Options accepted after the command name too (`famille-tui invoices --json`).
    common = FrenchArgumentParser(add_help=False)
    add_common_options(common, in_subcommand=True)

    demo = sub.add_parser(
        "demo",
        parents=[common],
        help="lance le portail de démonstration puis l'application",
        description="Lance le portail de démonstration intégré sur cette machine, "
        "enregistre ses communes, puis ouvre l'application.",
        epilog="Exemple : famille-tui demo --screen-reader",
    )
    _add_face_options(demo)
    demo.add_argument("--stop", action="store_true", help="arrête le portail de démonstration")

    serve = sub.add_parser(
        "serve",
        help="lance le portail de référence intégré",
        description="Lance le portail de référence (API Famille). Avec --demo : celui de la "
        "démonstration (mots de passe connus, e-mails lisibles par tous) et, à côté, sur son "
        "propre port, le service PayFiP de démonstration.",
        epilog="Exemples :\n  famille-tui serve --demo --port 8765 --data /tmp/portail.sqlite3\n"
        "  famille-tui serve --host 0.0.0.0 --public-origin https://portail.example.fr",
    )
    add_serve_arguments(serve)
    payfip = sub.add_parser(
        "payfip",
        help="lance le service PayFiP de démonstration seul",
        description="Lance le service PayFiP de démonstration (pages TIPI, service web "
        "SOAP) pour un portail quelconque : il ne connaît que des régies, chacune avec la "
        "seule origine qu'il rappelle.",
        epilog="Exemple : famille-tui payfip --port 8766 --regie 123456=http://127.0.0.1:8000",
    )
    add_payfip_arguments(payfip)
    register_all(sub, common)
    return parser


class _NotForTheFace(Exception):
    """The face-only parser cannot read this command line: the full parser will."""


class _FaceOnlyParser(FrenchArgumentParser):
    """The top-level options of `famille-tui` and nothing else, never printing anything."""

    def error(self, message: str) -> NoReturn:
        raise _NotForTheFace(message)


def _parse_face_only(argv: Sequence[str] | None) -> argparse.Namespace | None:
    """The namespace of `famille-tui [options]` (no command), or None for anything else.

    Its options are a subset of the full parser's top-level ones, and anything it does not
    know (`--help`, `--version`, a command name, a usage error) sends the command line to the
    full parser, so both give the same answer wherever this one answers."""
    from famille_tui.commands import add_common_options

    parser = _FaceOnlyParser(prog="famille-tui", add_help=False)
    add_common_options(parser, in_subcommand=False)
    _add_face_options(parser)
    try:
        args, rest = parser.parse_known_args(sys.argv[1:] if argv is None else list(argv))
    except _NotForTheFace:
        return None
    if rest:
        return None
    args.command = None
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_face_only(argv)
    if args is None:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as stop:  # --help, --version, or a usage error already printed
            return int(stop.code) if isinstance(stop.code, int) else EXIT_USAGE

    if getattr(args, "handler", None) is not None:
        from famille_tui.commands import run_command

        return run_command(args)

    if args.command == "serve":
        from famille_tui.portal.options import serve_from

        return serve_from(args)
    if args.command == "payfip":
        from famille_tui.payfip.options import payfip_from

        return payfip_from(args)

    from famille_tui.client.config import launch_options, load_settings, save_settings
    from famille_tui.client.errors import FamilleError

    try:
        settings = load_settings()
        start_notice: str | None = None
        if args.command == "demo":
            from famille_tui.portal.launcher import (
                PortalStartError,
                demo_moved_notice,
                ensure_demo_portal,
                stop_demo_portal,
            )

            if args.stop:
                return stop_demo_portal()
            try:
                demo_settings = ensure_demo_portal(settings)
            except PortalStartError as error:
                print(f"famille-tui : {error.message}", file=sys.stderr)
                return EXIT_ERROR
            # The demo communes become the configured portals, so that scriptable commands
            # (`famille-tui --commune chaponost invoices`) find them too; demo mode itself is
            # for this run only, not written.
            try:
                save_settings(settings.model_copy(update={"portals": demo_settings.portals}))
            except OSError as error:
                print(
                    f"famille-tui : configuration non enregistrée ({error.strerror}) ; "
                    "la démonstration continue.",
                    file=sys.stderr,
                )
            settings = demo_settings
            start_notice = demo_moved_notice()
            if start_notice:
                # Said here too: it stays in the terminal once the app has quit.
                print(f"famille-tui : {start_notice}", file=sys.stderr)
        options = launch_options(
            settings,
            portal=args.portal,
            commune=args.commune,
            login=args.login,
            dialect=getattr(args, "dialect", None),
            kiosk=args.kiosk,
            screen_reader=args.screen_reader,
            demo=args.command == "demo",
            debug=args.debug,
            start_notice=start_notice,
        )
    except FamilleError as error:
        print(f"famille-tui : {error.message}", file=sys.stderr)
        return EXIT_ERROR
    from famille_tui.client.session import SessionPolicy

    refusal = SessionPolicy.from_options(options).start_refusal()
    if refusal is not None:  # said before the terminal is taken, where it can be read
        print(f"famille-tui : {refusal}", file=sys.stderr)
        return EXIT_ERROR

    if options.screen_reader:
        from famille_tui.plain import run as run_plain

        return run_plain(options)
    from famille_tui.tui import run as run_tui

    return run_tui(options)
