"""`login` and `logout`: check the credentials, keep the password in the OS keyring, forget it.

The scriptable commands keep no session between runs (tokens live in memory only): `login`
checks that the portal accepts the credentials and, if the person agrees, stores the password
in the keyring so that the next commands need neither a prompt nor FAMILLE_TUI_PASSWORD.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence

from rich.console import RenderableType

from famille_tui.commands.base import CommandContext, CommandError
from famille_tui.commands.parsing import Subparsers, add_command


def register(
    subparsers: Subparsers,
    common: argparse.ArgumentParser,
) -> None:
    login = add_command(
        subparsers, common, "login",
        summary="vérifie l'identifiant et le mot de passe, et propose de les retenir",
        description="Se connecte au portail pour vérifier l'identifiant et le mot de passe. "
        "Sur un terminal, propose de retenir le mot de passe dans le trousseau du système "
        "(jamais dans un fichier) ; --remember le retient sans poser la question.",
        examples=[
            "famille-tui --commune le-chambon-feugerolles --login martin login --remember",
            "FAMILLE_TUI_PASSWORD=... famille-tui --login martin login --json",
        ],
        handler=run_login,
    )
    login.add_argument("--remember", action="store_true",
                       help="retient le mot de passe dans le trousseau sans demander")
    add_command(
        subparsers, common, "logout",
        summary="oublie le mot de passe retenu",
        description="Retire du trousseau du système le mot de passe retenu pour ce portail "
        "(pour l'identifiant donné par --login, sinon pour tous ceux de ce portail).",
        examples=["famille-tui --commune chaponost --login martin logout"],
        handler=run_logout,
    )


async def run_login(ctx: CommandContext, args: argparse.Namespace) -> int:
    async with ctx.session() as session:
        account = session.account
    if account is None or ctx.login_used is None or ctx.password_used is None:
        raise CommandError("Le portail n'a pas confirmé la connexion.")
    portal = ctx.portal()
    remembered = ctx.password_source == "keyring"
    if not remembered:
        store = ctx.credential_store()
        asked = False
        if not args.remember and store is not None and store.available and ctx.stdin_is_tty():
            asked = ctx.confirm("Retenir le mot de passe dans le trousseau du système ?")
        if args.remember or asked:
            if store is None:
                raise CommandError("Mode borne : aucun mot de passe n'est retenu sur ce poste.")
            store.save(portal.url, ctx.login_used, ctx.password_used)
            remembered = True
    ctx.password_used = None

    def table() -> Sequence[RenderableType]:
        lines = [f"Connecté : {account.display_name} ({account.login}), "
                 f"{account.family_name}, sur {portal.name}."]
        if remembered:
            lines.append("Mot de passe retenu dans le trousseau du système.")
        return lines

    def rows() -> Iterable[Sequence[object]]:
        return [(account.login, account.display_name, account.family_name, portal.url,
                 remembered)]

    ctx.out.emit(
        json_document=lambda: {
            "account": account.model_dump(mode="json"),
            "portal_url": portal.url,
            "password_remembered": remembered,
        },
        rows=rows,
        table=table,
    )
    return 0


def run_logout(ctx: CommandContext, args: argparse.Namespace) -> int:
    portal = ctx.portal()
    store = ctx.credential_store()
    forgotten: list[str] = []
    if store is not None and store.available:
        remembered = store.remembered_logins(portal.url)
        targets = [ctx.options.login.strip()] if ctx.options.login else remembered
        for login in targets:
            had = login in remembered or store.get(portal.url, login) is not None
            store.forget(portal.url, login)
            if had:
                forgotten.append(login)

    def table() -> Sequence[RenderableType]:
        if forgotten:
            return [f"Mot de passe oublié pour {', '.join(forgotten)} sur {portal.name}."]
        return [f"Aucun mot de passe retenu pour {portal.name} : rien à oublier."]

    ctx.out.emit(
        json_document=lambda: {"portal_url": portal.url, "forgotten_logins": forgotten},
        rows=lambda: [(login, portal.url) for login in forgotten],
        table=table,
    )
    return 0
