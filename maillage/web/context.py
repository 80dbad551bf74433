"""What the web app computes once at start-up: registry snapshot, cells, engine, search index, baseline audit.

Built by :func:`build_context` from the same library calls as ``maillage audit`` (same engine
choice, same population model), so the public answer and the planner's map agree with the CLI.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Engine

from maillage import api
from maillage.audit.guarantee import AuditResult, run_audit
from maillage.audit.standard import ServiceStandard
from maillage.engines import STREET_MODES, transit_available
from maillage.geo import geometry_to_lonlat, l93_to_lonlat
from maillage.i18n import _
from maillage.network.engine import TravelTimeEngine
from maillage.orientation.search import SearchIndex, appointment_notes, build_index
from maillage.orientation.setup import build_finder
from maillage.population.cells import Cells
from maillage.registry.datafolder import DataFolder
from maillage.registry.snapshot import Snapshot, load_snapshot
from maillage.web.modes import ModeIndexes, ModeUnavailable


@dataclass
class WebContext:
    """Read-mostly state shared by every request (rebuilt only by restarting the server)."""

    db: Engine
    folder: DataFolder | None
    snapshot: Snapshot
    cells: Cells
    engine: TravelTimeEngine
    notes: list[str]
    standard: ServiceStandard
    index: SearchIndex
    baseline: AuditResult
    communes_geojson: dict[str, Any]
    cell_squares: np.ndarray  # (n, 4) lon0, lat0, lon1, lat1
    ban: Any = None
    finder: Any = None  # maillage.orientation.lookup.PlaceFinder: the public search box
    modes: ModeIndexes | None = None  # the index of each travel mode the public page offers
    extra: dict[str, Any] = field(default_factory=dict)

    def index_for(self, mode: str | None) -> SearchIndex:
        """The search index of ``mode`` (the server's own when None); raises ModeUnavailable."""
        if self.modes is None:
            if mode in (None, self.index.mode):
                return self.index
            raise ModeUnavailable(_("mode {mode} non proposé ici").format(mode=repr(mode)))
        return self.modes.get(mode)

    @property
    def offered_modes(self) -> tuple[str, ...]:
        return self.modes.modes if self.modes is not None else (self.index.mode,)

    def audit(self, snapshot: Snapshot) -> AuditResult:
        """The guarantee audit of a registry variant with the server's cells, engine and standard."""
        return run_audit(snapshot, self.cells, self.engine, self.standard, sources=self.baseline.sources,
                         explain=True)  # fmt: skip


def build_context(
    db_url: str | None = None,
    data: str | Path | None = None,
    *,
    mode: str | None = None,
    standard: ServiceStandard | None = None,
    other_modes: bool = False,
) -> WebContext:
    """Load the registry and precompute everything a request needs (raises EmptyRegistryError)."""
    db = api.open_registry(db_url)
    snapshot = load_snapshot(db)
    folder = api._folder(data, snapshot)  # the registry's own data folder if still present
    cells, cell_notes = api.population_cells(snapshot, folder)
    choice = api.engine_for(folder, mode)
    notes = [*choice.notes, *cell_notes]
    standard = standard or ServiceStandard()
    duplicates = {
        str(i): str(d) for i, d in zip(snapshot.sites["id"], snapshot.sites["duplicate_of"], strict=True) if d
    }
    appointments = appointment_notes(folder.site_files, duplicates) if folder else {}
    index = build_index(snapshot, cells, choice.engine, notes=notes, appointments=appointments)

    # the engines of the other modes, shared with the planner's workspace (workspace.engine reads them)
    extra: dict[str, Any] = {"engines": {}, "engine_notes": {}}

    def builder(other: str) -> Callable[[], SearchIndex]:
        def build() -> SearchIndex:
            picked = api.engine_for(folder, other)
            extra["engines"].setdefault(other, picked.engine)
            extra["engine_notes"].setdefault(other, picked.notes)
            return build_index(snapshot, cells, picked.engine, notes=[*picked.notes, *cell_notes],
                               appointments=appointments)  # fmt: skip

        return build

    others: list[str] = []
    if other_modes:  # transit only with a feed that has timetables (the IDFM extract here has none)
        feeds = folder.gtfs_feeds if folder is not None else []
        others = [m for m in (*STREET_MODES, *(("transit",) if transit_available(feeds) else ())) if m != index.mode]
    modes = ModeIndexes(index, {m: builder(m) for m in others}).start()
    baseline = run_audit(snapshot, cells, choice.engine, standard, explain=True)  # a click on a cell says why
    baseline.notes.extend(notes)
    ban = None
    if folder is not None and folder.addresses is not None:
        from maillage.registry.geocode import BanIndex

        ban = BanIndex.from_csv(folder.addresses)
    return WebContext(
        db=db,
        folder=folder,
        snapshot=snapshot,
        cells=cells,
        engine=choice.engine,
        notes=notes,
        standard=standard,
        index=index,
        baseline=baseline,
        communes_geojson=communes_geojson(snapshot),
        cell_squares=cell_squares(cells),
        ban=ban,
        finder=build_finder(snapshot, folder, index),
        modes=modes,
        extra=extra,
    )


def communes_geojson(snapshot: Snapshot) -> dict[str, Any]:
    """Commune outlines (WGS84, 5 decimals) with code, name and SST sector."""
    features = []
    for code, row in snapshot.communes.iterrows():
        geometry = shapely.set_precision(geometry_to_lonlat(row.geometry), 1e-5)
        sector = snapshot.sector_of_commune.get(str(code), "")
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": str(code),
                    "name": str(row["name"]),
                    "population": int(row["population"]),
                    "sector": sector,
                    "sector_name": snapshot.sector_names.get(sector, sector),
                },
                "geometry": json.loads(shapely.to_geojson(geometry)),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def cell_squares(cells: Cells) -> np.ndarray:
    """Each cell's grid square as lon/lat bounds (for the planner's map)."""
    squares = cells.squares()
    low = l93_to_lonlat(squares[:, 0], squares[:, 1])
    high = l93_to_lonlat(squares[:, 2], squares[:, 3])
    return np.round(np.column_stack([low, high]), 5)
