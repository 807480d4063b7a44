"""`doctor [--portal URL] [--login L] [--json]`: what the portal's connector relies on, found
or not, with nothing personal, for a bug report when a portal changed.

Without --login, only the public pages (home, login form); with it, every page and element
the connector reads after login (the password as for any command: keyring, then
FAMILLE_TUI_PASSWORD, then the terminal). Exit 0 when everything was found, 4 otherwise.
"""

from __future__ import annotations

import argparse

from famille_tui.commands.base import CommandContext, ExitCode
from famille_tui.commands.parsing import Subparsers, add_command


def register(subparsers: Subparsers, common: argparse.ArgumentParser) -> None:
    add_command(
        subparsers, common, "doctor",
        summary="vérifie ce que famille-tui lit sur le portail (pour signaler un changement)",
        description="Vérifie, sur le portail, chaque page et chaque élément que famille-tui "
        "lit : pages joignables, formulaire de connexion, puis (avec --login) chaque page "
        "après connexion. N'affiche rien de personnel (ni nom, ni montant, ni numéro, ni "
        "adresse) : le résultat peut être joint tel quel à un signalement. Code de sortie 0 "
        "si tout est trouvé, 4 sinon. Pour Espace Citoyens, les étapes déduites (« Reste à "
        "payer », « Payer la facture ») sont décrites dans docs/espace-citoyens.md.",
        examples=[
            "famille-tui doctor --portal https://www.espace-citoyens.net/lechambonfeugerolles/"
            "espace-citoyens/",
            "famille-tui doctor --login martin --json",
        ],
        handler=run_doctor,
    )


async def run_doctor(ctx: CommandContext, args: argparse.Namespace) -> int:
    portal = ctx.portal()
    connector = ctx.connector()
    login = ctx.options.login.strip() if ctx.options.login else None
    password = None
    if login:
        password, ctx.password_source = ctx.resolve_password(portal.url, login)
    async with connector:
        checks = await connector.diagnose(login, password)
    all_found = bool(checks) and all(c.found for c in checks)
    ctx.out.emit(
        json_document=lambda: {
            "portal": connector.base_url,
            "dialect": connector.dialect,
            "logged_in_checks": login is not None,
            "all_found": all_found,
            "checks": [{"name": c.name, "found": c.found, "detail": c.detail} for c in checks],
        },
        rows=lambda: [("trouvé" if c.found else "absent", c.name, c.detail) for c in checks],
        table=lambda: [
            f"Portail : {connector.base_url} ({connector.dialect_label})",
            *[f"{'✓' if c.found else '✗'} {c.name} : {c.detail}" for c in checks],
            "Tout est trouvé." if all_found else
            "Des éléments manquent : le portail a peut-être changé. Joignez ce rapport à "
            "votre signalement (il ne contient rien de personnel).",
        ],
    )
    return int(ExitCode.OK if all_found else ExitCode.UNREACHABLE)
