"""An argparse that speaks French and fails in one line.

argparse prints its usage and an English « error: » on two lines; famille-tui promises one
French line on stderr and exit code 2 for every usage error, so the parser translates the
messages argparse builds and the headings of `--help`.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, NoReturn, TypeAlias

EXIT_USAGE = 2
#: What `add_subparsers` returns, for the `register()` functions of the command modules.
Subparsers: TypeAlias = "argparse._SubParsersAction[Any]"
#: `pay --wait SECONDS`: a day at most (a payment page expires long before).
MAX_WAIT_SECONDS = 86_400

# argparse's own sentences (Python 3.11–3.13), in the order they are tried.
_TRANSLATIONS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"the following arguments are required: (.+)"),
        lambda m: f"argument obligatoire manquant : {m[1]}",
    ),
    (re.compile(r"unrecognized arguments: (.+)"), lambda m: f"argument inconnu : {m[1]}"),
    (
        re.compile(r"argument (\S+): invalid choice: '?([^'(]*?)'? \(choose from (.+)\)"),
        lambda m: f"{m[1]} : choix invalide « {m[2]} » (choix possibles : "
        f"{m[3].replace(chr(39), '')})",
    ),
    (
        re.compile(r"argument (\S+): expected one argument"),
        lambda m: f"l'option {m[1]} attend une valeur",
    ),
    (
        re.compile(r"argument (\S+): expected at least one argument"),
        lambda m: f"{m[1]} attend au moins une valeur",
    ),
    (
        re.compile(r"argument (\S+): not allowed with argument (\S+)"),
        lambda m: f"les options {m[2]} et {m[1]} ne vont pas ensemble",
    ),
    (
        re.compile(r"argument (\S+): invalid (\w+) value: '?([^']*)'?"),
        lambda m: f"{m[1]} : valeur invalide « {m[3]} »",
    ),
    (
        re.compile(r"argument (\S+): ignored explicit argument '?([^']*)'?"),
        lambda m: f"l'option {m[1]} n'attend pas de valeur (« {m[2]} »)",
    ),
    (re.compile(r"ambiguous option: (\S+) could match (.+)"),
     lambda m: f"option ambiguë {m[1]} : {m[2]}"),
    (re.compile(r"argument (\S+): (.+)"), lambda m: f"{m[1]} : {m[2]}"),
]


def translate(message: str) -> str:
    """One of argparse's English messages, in French (unknown ones are left as they are)."""
    for pattern, render in _TRANSLATIONS:
        match = pattern.fullmatch(message.strip())
        if match:
            return render(match)
    return message


class FrenchHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples of the epilogs as written, and says « Utilisation » for usage."""

    def add_usage(
        self,
        usage: str | None,
        actions: Any,
        groups: Any,
        prefix: str | None = None,
    ) -> None:
        # argparse passes prefix="" to compute a subcommand's prog: keep that one empty.
        super().add_usage(usage, actions, groups,
                          "Utilisation : " if prefix is None else prefix)


class FrenchArgumentParser(argparse.ArgumentParser):
    """ArgumentParser with French headings, a French `-h`, and one-line errors (exit 2)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", FrenchHelpFormatter)
        add_help = kwargs.get("add_help", True)
        kwargs["add_help"] = False  # ours, in French, below
        super().__init__(*args, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        if add_help:
            self.add_argument(
                "-h", "--help", action="help", default=argparse.SUPPRESS,
                help="affiche cette aide, avec un exemple, et s'arrête",
            )

    def error(self, message: str) -> NoReturn:
        print(
            f"{self.prog} : {translate(message)} (voir « {self.prog} --help »)",
            file=sys.stderr,
        )
        raise SystemExit(EXIT_USAGE)


def date_argument(text: str) -> date:
    """argparse type for every date argument: the `15/11/2026` tables print, or ISO 8601."""
    from famille_tui.client.reservations import parse_day

    try:
        return parse_day(text)
    except ValueError as error:
        # « date impossible » (31/02) or « date invalide » (hier), then the one format hint.
        what = str(error).split(" (", 1)[0]
        raise argparse.ArgumentTypeError(
            f"{what} (format attendu : JJ/MM/AAAA ou AAAA-MM-JJ, par exemple 01/09/2026)"
        ) from None


def positive_seconds(text: str) -> float:
    """argparse type for `--wait SECONDS`: a positive number of seconds."""
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        value = -1.0
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(
            f"durée invalide « {text} » (un nombre de secondes, par exemple 600)"
        )
    if value > MAX_WAIT_SECONDS:
        raise argparse.ArgumentTypeError(
            f"durée trop longue « {text} » (au plus {MAX_WAIT_SECONDS} secondes ; "
            "mettez --wait après les numéros de facture)"
        )
    return value


def subcommand_names(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The subcommands of a parser (name → parser), aliases included, in declaration order."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def option_actions(parser: argparse.ArgumentParser) -> Sequence[argparse.Action]:
    """The optional arguments of a parser (those with option strings)."""
    return [action for action in parser._actions if action.option_strings]


def add_command(
    subparsers: Subparsers,
    common: argparse.ArgumentParser,
    name: str,
    *,
    summary: str,
    description: str,
    examples: Sequence[str],
    handler: Callable[..., Any],
) -> argparse.ArgumentParser:
    """A subcommand with the common options, its help sentence and at least one example."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        parents=[common],
        help=summary,
        description=description,
        epilog="Exemples :\n" + "\n".join(f"  {example}" for example in examples),
    )
    parser.set_defaults(handler=handler)
    return parser
