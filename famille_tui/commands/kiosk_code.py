"""`kiosk-code`: read a staff code twice and print the line to put in the kiosk's config.

The code is read with getpass on a terminal (never echoed), or as two lines on stdin when it
is not one (for provisioning scripts); only its scrypt hash is printed
(`famille_tui.client.kiosk`).
"""

from __future__ import annotations

import argparse
import getpass

from famille_tui.api.base import EMPTY_FIELD
from famille_tui.client.kiosk import StaffCodeError, check_staff_code, hash_staff_code
from famille_tui.commands.base import CommandContext, CommandError, ExitCode
from famille_tui.commands.parsing import Subparsers, add_command


def register(
    subparsers: Subparsers,
    common: argparse.ArgumentParser,
) -> None:
    add_command(
        subparsers, common, "kiosk-code",
        summary="prépare le code du personnel pour le mode borne",
        description="Demande deux fois le code du personnel (il ne s'affiche pas) et écrit "
        "la ligne kiosk_staff_code_hash à copier dans le fichier de configuration de la "
        "borne. Seule une empreinte (scrypt, sel aléatoire) est écrite, jamais le code.",
        examples=["famille-tui kiosk-code >> ~/.config/famille-tui/config.toml",
                  "printf '%s\\n%s\\n' \"$CODE\" \"$CODE\" | famille-tui kiosk-code"],
        handler=run_kiosk_code,
    )


def _read(ctx: CommandContext, prompt: str) -> str:
    if ctx.stdin_is_tty():
        try:
            return getpass.getpass(prompt)
        except EOFError:
            return ""
    line = ctx.stdin.readline()
    return line.rstrip("\r\n")


def run_kiosk_code(ctx: CommandContext, args: argparse.Namespace) -> int:
    first = _read(ctx, "Code du personnel : ")
    if not first:
        # The one sentence for an empty field, whoever says it.
        raise CommandError(f"Code du personnel : {EMPTY_FIELD} ; rien n'a été fait.",
                           ExitCode.USAGE)
    try:
        check_staff_code(first)
    except StaffCodeError as error:
        raise CommandError(str(error), ExitCode.USAGE) from None
    second = _read(ctx, "Le même code, une seconde fois : ")
    if first != second:
        raise CommandError("Les deux codes saisis diffèrent : rien n'a été fait.",
                           ExitCode.USAGE)
    hashed = hash_staff_code(first)
    if ctx.out.mode == "json":
        ctx.out.json({"kiosk_staff_code_hash": hashed})
    else:
        ctx.out.line(f'kiosk_staff_code_hash = "{hashed}"')
        if ctx.stdout_is_tty():
            # Printed on the screen only: where it goes, or the desk still will not start.
            from famille_tui.client.config import config_path

            ctx.out.note(f"Ajoutez cette ligne au fichier de configuration de la borne "
                         f"({config_path()}), ou relancez : famille-tui kiosk-code >> "
                         f"{config_path()}")
    return 0
