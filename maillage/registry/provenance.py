"""Where every figure comes from: the data files used, their vintage, licence and official source."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

from maillage.i18n import _


@cache
def known_sources() -> dict[str, dict[str, str]]:
    path = resources.files("maillage") / "data" / "known_sources.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["file"]: row for row in csv.DictReader(handle)}


def describe_files(files: dict[str, str]) -> list[dict[str, str]]:
    """One entry per imported file: path, sha256 prefix and, when known, description and vintage."""
    out = []
    for path, sha in sorted(files.items()):
        info = known_sources().get(path, {})
        out.append(
            {
                "file": path,
                "sha256": sha[:12],
                "description": info.get("description", _("fichier fourni")),
                "vintage": info.get("vintage", _("non renseigné")),
                "licence": info.get("licence", _("non renseignée")),
                "official_source": info.get("official_source", ""),
            }
        )
    return out
