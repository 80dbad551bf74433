"""Conventions with the communes as registry rows, for :func:`maillage.api.init_registry` to store.

Here rather than in :mod:`maillage.registry.loader`: steering builds on the registry, never the reverse.
"""

from __future__ import annotations

from pathlib import Path

from maillage.registry.loader import ConventionRecord
from maillage.steering.importer import load_default, load_folder


def convention_records(folder: Path, commune_codes: set[str]) -> list[ConventionRecord]:
    """Conventions from DATA/steering/conventions.csv, else the example transcribed from the seeds.

    Conventions with a commune outside the territory are skipped (the shipped example is the 92's).
    """
    data = load_folder(folder) if (folder / "conventions.csv").is_file() else load_default()
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
