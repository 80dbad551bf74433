"""Audit a registry variant: a scenario's changes and/or a moment of the week, on given cells and engine."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import numpy as np

from maillage.audit.guarantee import AuditResult, run_audit
from maillage.audit.standard import ServiceStandard
from maillage.network.engine import TravelTimeEngine
from maillage.planning.changes import apply_scenario
from maillage.planning.timeaware import note_fr, snapshot_at
from maillage.population.cells import Cells
from maillage.registry.snapshot import Snapshot


def cells_for(cells: Cells, snapshot: Snapshot) -> Cells:
    """The cells with their SST sector taken from ``snapshot`` (a scenario may move communes)."""
    sectors = np.array([snapshot.sector_of_commune.get(c, "") for c in cells.commune_code], dtype=object)
    if np.array_equal(sectors, cells.sector_id):
        return cells
    return dataclasses.replace(cells, sector_id=sectors)


def prepare_variant(
    snapshot: Snapshot,
    *,
    changes: Iterable[Mapping[str, Any]] = (),
    when: datetime | None = None,
    unknown: str = "open",
) -> tuple[Snapshot, list[str]]:
    """The snapshot with ``changes`` applied and, if ``when`` is given, as it is at that moment."""
    changes = list(changes)
    notes: list[str] = []
    if changes:
        snapshot = apply_scenario(snapshot, changes)
    if when is not None:
        snapshot, counts = snapshot_at(snapshot, when, unknown=unknown)
        notes.append(note_fr(counts))
    return snapshot, notes


def audit_variant(
    snapshot: Snapshot,
    cells: Cells,
    engine: TravelTimeEngine,
    standard: ServiceStandard | None = None,
    *,
    changes: Iterable[Mapping[str, Any]] = (),
    when: datetime | None = None,
    unknown: str = "open",
    service: str | None = None,
    sources: list[dict[str, str]] | None = None,
    progress: Callable[[str], None] | None = None,
) -> AuditResult:
    """:func:`~maillage.audit.guarantee.run_audit` on the variant; notes say what was changed."""
    variant, notes = prepare_variant(snapshot, changes=changes, when=when, unknown=unknown)
    result = run_audit(
        variant, cells_for(cells, variant), engine, standard, service=service, sources=sources, progress=progress
    )
    result.notes.extend(notes)
    return result
