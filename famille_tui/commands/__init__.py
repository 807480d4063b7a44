"""The scriptable commands: `famille-tui [options] COMMAND`, on the client layer only.

Each module registers its subcommands on the parser (`register(subparsers, common)`) and gives
each one a handler through `set_defaults(handler=...)`. `run_command` runs the handler and is
the only place that turns errors into a French line on stderr and an exit code (docs/cli.md).

Nothing here imports httpx, Textual or the portal: modules import the client layer inside
their handlers, so that `famille-tui --help` and the TUI start without loading them twice.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import inspect
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from famille_tui.client.errors import FamilleError

if TYPE_CHECKING:
    from famille_tui.client.config import PortalProfile
    from famille_tui.client.portals.base import PortalConnector
    from famille_tui.commands.parsing import Subparsers

#: The command modules, in the order of `famille-tui --help`. Imported by `register_all` only:
#: the TUI's start goes through `famille_tui.commands.parsing` (hence this package) without
#: needing them, and some pull in every API model (pydantic).
MODULE_NAMES = ("account", "family", "invoices", "pay", "payments", "reservations", "outbox",
                "doctor",
                "kiosk_code", "completion")


def add_common_options(parser: argparse.ArgumentParser, *, in_subcommand: bool) -> None:
    """Options accepted before and after the command name (`famille-tui invoices --json`).

    On subcommands their default is SUPPRESS, so that an option given before the command is not
    overwritten by the subcommand's default."""
    default: Any = argparse.SUPPRESS if in_subcommand else None
    flag_default: Any = argparse.SUPPRESS if in_subcommand else False
    parser.add_argument("--portal", metavar="URL", help="adresse du portail pour cette exécution",
                        default=default)
    parser.add_argument("--commune", metavar="NOM", default=default,
                        help="une commune configurée, par son nom ou son identifiant")
    parser.add_argument("--login", metavar="ID", help="identifiant de connexion", default=default)
    parser.add_argument("--dialect", metavar="TYPE", default=default,
                        help="type du portail de --portal : famille-api, espace-citoyens ou "
                        "noethysweb (défaut : reconnu à son adresse ou à sa page d'accueil). "
                        "Sur Espace Citoyens, le paiement et l'emplacement de « Reste à payer » "
                        "sont déduits de la notice, non publiés : voir docs/espace-citoyens.md")
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", default=flag_default,
                       help="un document JSON (noms de champs de l'API Famille)")
    shape.add_argument("--plain", action="store_true", default=flag_default,
                       help="lignes séparées par des tabulations, pour cut et awk")
    parser.add_argument("--debug", action="store_true",
                        help="affiche le détail technique des erreurs", default=flag_default)


def register_all(
    subparsers: Subparsers,
    common: argparse.ArgumentParser,
) -> None:
    for name in MODULE_NAMES:
        importlib.import_module(f"{__name__}.{name}").register(subparsers, common)


def run_command(
    args: argparse.Namespace,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    connector_factory: Callable[[PortalProfile], PortalConnector] | None = None,
) -> int:
    """Run the handler the parser chose; every failure becomes one line and an exit code.
    `connector_factory` makes the portal's connector (default: `connector_for`)."""
    # Here, not at the top: the TUI's start imports this package (for `add_common_options`)
    # and needs neither the commands' context (getpass, the output's rich table and Paris
    # clock) nor logging and traceback.
    import logging
    import traceback

    from famille_tui.commands.base import CommandContext, ExitCode, exit_code_for

    if getattr(args, "json", False) and getattr(args, "plain", False):
        # Each level's group is exclusive, but `--json CMD --plain` crosses two levels.
        print("famille-tui : les options --json et --plain ne vont pas ensemble.",
              file=stderr or sys.stderr)
        return int(ExitCode.USAGE)
    ctx = CommandContext(args, stdin=stdin, stdout=stdout, stderr=stderr,
                         connector_factory=connector_factory)
    err = ctx.out.stderr
    if ctx.debug:
        logging.basicConfig(level=logging.DEBUG, stream=err)
        # Request lines only: httpx never logs headers (so never the bearer token) at DEBUG.
        logging.getLogger("httpcore").setLevel(logging.INFO)
    try:
        result = args.handler(ctx, args)
        if inspect.isawaitable(result):
            result = asyncio.run(_awaited(result))
        return int(result)
    except FamilleError as error:
        if ctx.debug:
            traceback.print_exc(file=err)
        print(f"famille-tui : {error.message}", file=err, flush=True)
        return int(exit_code_for(error))
    except KeyboardInterrupt:
        print("famille-tui : interrompu.", file=err, flush=True)
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        # `famille-tui invoices --plain | head -1`: the reader left, which is not an error.
        # Python's own flush at exit would complain again: point stdout at /dev/null.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return int(ExitCode.OK)
    except Exception as error:  # the last guard: no traceback reaches a user
        if ctx.debug:
            traceback.print_exc(file=err)
        print(
            f"famille-tui : erreur inattendue ({type(error).__name__}). "
            "Relancez avec --debug pour le détail.",
            file=err,
            flush=True,
        )
        return int(ExitCode.ERROR)


async def _awaited(awaitable: object) -> int:
    return int(await awaitable)  # type: ignore[misc]
