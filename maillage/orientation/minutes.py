"""Minutes from population cells to the resident search's sites: all at once, or only those read.

:func:`~maillage.orientation.search.build_index` keeps one of these: :class:`DenseMinutes` (the web
app: every cell × site computed at start-up, many searches) or :class:`OnDemandMinutes` (``maillage
orient``: one answer, one forward street search from its cell). Both give the same float32 minutes.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from maillage.network.engine import Destinations, TravelTimeEngine


class CellSiteMinutes(Protocol):
    """Minutes from population cells to the index's sites (positional site order), float32."""

    def row(self, cell: int) -> np.ndarray:
        """Minutes from ``cell`` to every site."""
        ...

    def spread(self, cells: np.ndarray, j: int) -> tuple[float, float]:
        """Fewest and most minutes from ``cells`` to site ``j``."""
        ...


class DenseMinutes:
    """Every cell's minutes to every site, computed once (the web app: many searches, ~0.2 ms each)."""

    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = matrix

    def row(self, cell: int) -> np.ndarray:
        return self.matrix[cell]

    def spread(self, cells: np.ndarray, j: int) -> tuple[float, float]:
        column = self.matrix[cells, j]
        return float(column.min()), float(column.max())


def site_destinations(sites: pd.DataFrame, j: int) -> Destinations:
    row = sites.iloc[j]
    return Destinations((row["id"],), np.array([[row["x_m"], row["y_m"]]]), (row["opening_hours"],))


class OnDemandMinutes:
    """The minutes one answer reads, computed when read (``maillage orient``: one search).

    A row is one forward search from the cell when the engine has ``minutes_to_each`` (the street
    engine), else one engine call per site as :func:`build_index` does; a spread is one engine call
    for that site over the commune's cells. The same float32 values as :class:`DenseMinutes`.
    """

    def __init__(self, engine: TravelTimeEngine, cells_xy_m: np.ndarray, sites: pd.DataFrame) -> None:
        self.engine, self.cells_xy_m, self.sites = engine, cells_xy_m, sites
        self._rows: dict[int, np.ndarray] = {}
        self._spreads: dict[tuple[bytes, int], tuple[float, float]] = {}

    def row(self, cell: int) -> np.ndarray:
        if cell not in self._rows:
            xy = self.cells_xy_m[cell : cell + 1]
            each = getattr(self.engine, "minutes_to_each", None)
            if each is not None:
                all_sites = Destinations(tuple(self.sites["id"]), self.sites[["x_m", "y_m"]].to_numpy(dtype=float))
                minutes = each(xy, all_sites)
            else:
                minutes = [self.engine.nearest(xy, site_destinations(self.sites, j)).minutes[0]
                           for j in range(len(self.sites))]  # fmt: skip
            self._rows[cell] = np.asarray(minutes, dtype=np.float32)
        return self._rows[cell]

    def spread(self, cells: np.ndarray, j: int) -> tuple[float, float]:
        key = (np.asarray(cells).tobytes(), j)
        if key not in self._spreads:
            column = self.engine.nearest(self.cells_xy_m[cells], site_destinations(self.sites, j)).minutes
            column = column.astype(np.float32)
            self._spreads[key] = (float(column.min()), float(column.max()))
        return self._spreads[key]
