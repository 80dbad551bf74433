"""``maillage user sessions list|revoke``: see who is logged in to the workspace, and close their sessions.

An administrator's tools on the command line (the web has ``DELETE /planner/api/accounts/{name}/sessions``):
a laptop lost or a colleague gone, every cookie they hold stops opening the workspace at once.
Revocations are recorded in the write log like the web's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from maillage.cli.common import DbOption, actor, err, fail, open_registry
from maillage.i18n import gettext as _
from maillage.i18n import ngettext

UserOption = Annotated[
    str | None, typer.Option("--user", help="Identifiant du compte (voir maillage user sessions list).")
]


def _local(moment: datetime) -> str:
    """A stored naive-UTC time in the machine's local time, as people read it."""
    return moment.replace(tzinfo=UTC).astimezone().strftime("%d/%m/%Y %H:%M")


def _known_account(db, username: str) -> None:
    from maillage.web.auth import account_names

    names = account_names(db)
    if username not in names:
        from difflib import get_close_matches

        close = get_close_matches(username, names, n=1)
        hint = (_(" ; vouliez-vous dire « {name} » ?").format(name=close[0]) if close
                else _(" (comptes : {names})").format(names=", ".join(names) or _("aucun")))  # fmt: skip
        raise fail(_("--user : aucun compte « {username} »{hint}").format(username=username, hint=hint))


def register(user_app: typer.Typer) -> None:
    """Mount ``sessions list`` and ``sessions revoke`` on ``maillage user``."""
    sessions_app = typer.Typer(help="Sessions ouvertes de l'espace de planification : les voir, les fermer.",
                               no_args_is_help=True)  # fmt: skip
    user_app.add_typer(sessions_app, name="sessions")

    @sessions_app.command("list")
    def sessions_list(user: UserOption = None, db: DbOption = None) -> None:
        """Lister les sessions encore ouvertes (compte, ouverture, dernière activité, adresse de connexion)."""
        from maillage.web.sessions import valid_sessions

        engine = open_registry(db)
        if user is not None:
            _known_account(engine, user)
        rows = valid_sessions(engine, user)
        if not rows:
            err.print(_("Aucune session ouverte."))
            return
        table = Table(title=ngettext("{n} session ouverte", "{n} sessions ouvertes", len(rows)).format(n=len(rows)))
        for column in (_("Compte"), _("Ouverte le"), _("Dernière activité"), _("Adresse")):
            table.add_column(column, overflow="fold")
        for r in rows:
            table.add_row(escape(r.username), _local(r.created_at), _local(r.last_seen_at),
                          escape(r.origin) if r.origin else _("inconnue"))  # fmt: skip
        Console().print(table)

    @sessions_app.command("revoke")
    def sessions_revoke(
        user: UserOption = None,
        everyone: Annotated[bool, typer.Option("--all", help="Fermer les sessions de tous les comptes.")] = False,
        db: DbOption = None,
    ) -> None:
        """Fermer les sessions d'un compte (--user) ou de tous (--all) : leurs cookies sont refusés aussitôt."""
        from maillage.web.auth import log_write
        from maillage.web.sessions import revoke_account, revoke_all

        if (user is None) == (not everyone):
            raise fail(_("précisez soit --user IDENTIFIANT, soit --all"))
        engine = open_registry(db)
        if user is not None:
            _known_account(engine, user)
            count = revoke_account(engine, user)
            log_write(engine, actor(), "sessions_revoke", f"account:{user}", {"sessions": count})
            message = ngettext("{n} session de {user} fermée.", "{n} sessions de {user} fermées.", count)
            err.print(Text(message.format(n=count, user=user), style="green"), highlight=False)
        else:
            count = revoke_all(engine)
            log_write(engine, actor(), "sessions_revoke", "account:*", {"sessions": count})
            message = ngettext(
                "{n} session fermée, tous comptes confondus.", "{n} sessions fermées, tous comptes confondus.", count
            )
            err.print(Text(message.format(n=count), style="green"), highlight=False)
