"""Conventions with the communes as registry rows, for :func:`maillage.api.init_registry` to store.

Here rather than in :mod:`maillage.registry.loader`: steering builds on the registry, never the reverse.
"""

from __future__ import annotations

import re
from pathlib import Path

from maillage.registry.errors import ImportRejected, RowProblem
from maillage.registry.loader import ConventionRecord
from maillage.steering.importer import SteeringImportError, load_default, load_folder


def convention_records(folder: Path, commune_codes: set[str]) -> list[ConventionRecord]:
    """Conventions from DATA/steering/conventions.csv, else the example transcribed from the seeds.

    Conventions with a commune outside the territory are skipped (the shipped example is the 92's).
    """
    try:
        data = load_folder(folder) if (folder / "conventions.csv").is_file() else load_default()
    except SteeringImportError as exc:  # the same all-or-nothing rule, and message, as every file of the folder
        raise ImportRejected([_steering_problem(line) for line in exc.errors]) from None
    return [
        ConventionRecord(
            c.id,
            c.commune_insee,
            c.signature_date,
            c.duration_years,
            c.renewable,
            " | ".join(c.commitments),
            c.source,
        )
        for c in data.conventions
        if c.commune_insee in commune_codes
    ]


def _steering_problem(error: str) -> RowProblem:
    """A steering ``file:row:field: reason`` line as a RowProblem under ``steering/``."""
    match = _STEERING_ERROR.match(error)
    if match is None:
        return RowProblem("steering", None, None, error)
    row, field = int(match["row"]), match["field"]
    return RowProblem(f"steering/{match['file']}", row or None, None if field == "-" else field, match["reason"])


_STEERING_ERROR = re.compile(r"^(?P<file>[^:]+):(?P<row>\d+):(?P<field>[^:]*): (?P<reason>.*)$", re.DOTALL)
