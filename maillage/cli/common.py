"""What every command group shares: the ``--data`` and ``--db`` options, the error line, the progress spinner.

Its own module so that the command groups (:mod:`maillage.cli.scenario`, :mod:`maillage.cli.plan`, …) import
it and never each other. Light on purpose: typer and rich only, nothing that computes.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from maillage.i18n import _
from maillage.report.markup import fill

if TYPE_CHECKING:
    from rich.progress import Progress
    from sqlalchemy import Engine

err = Console(stderr=True)

DataOption = Annotated[
    Path | None, typer.Option("--data", envvar="MAILLAGE_DATA", help=(
        "Dossier de données "
        "(organisation décrite dans le README)."
    ))
]
DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="MAILLAGE_DB_URL", help=(
        "URL de la base (défaut : SQLite dans "
        "le dossier du registre, voir README)."
    )),
]


class ShowFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class FileFormat(StrEnum):  # what an export writes (no table)
    json = "json"
    csv = "csv"


def actor() -> str:
    """Who writes from the command line (recorded in write_log)."""
    from maillage.registry.writelog import local_actor

    return local_actor()


def open_registry(db: str | None) -> Engine:
    """The registry of ``--db``, or the French error line and exit 1 when it cannot be opened (never a traceback)."""
    from maillage import api
    from maillage.registry.snapshot import RegistryUnavailableError

    try:
        return api.open_registry(db)
    except RegistryUnavailableError as exc:
        raise fail(str(exc)) from None


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(fill(_("[red]erreur :[/] {message}"), message=message), soft_wrap=True, highlight=False)
    return typer.Exit(code)


def progress() -> Progress:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err, transient=True)


def emit(text: str, output: Path | None) -> None:
    """Write to ``output`` atomically, or to stdout."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    from maillage.report.files import write_atomic

    write_atomic(output, text)
    err.print(fill(_("Écrit : {output}"), output=output))
