"""Travel-time matrices origins × candidate sites, from any engine, kept sparse below a time limit.

The optimisers need "how long from cell i to candidate j" for every pair within the standard's
threshold. Three ways to get it, same answers (checked in tests):

* any engine: one :meth:`TravelTimeEngine.nearest` call per candidate, with a one-site
  :class:`Destinations` (correct for every backend, including transit; slowest);
* crow-fly: a k-d tree ``sparse_distance_matrix`` (distance ≤ limit), no loop over candidates;
* street: scipy ``dijkstra`` on the engine's reversed graph from the candidates' nodes, with
  ``limit=`` so each search stops at the threshold: one search per candidate on the nodes within its
  reach (walk, bike), or in batches over the whole graph when the reach covers most of it (car).
  Snapping and access/egress walking are the engine's own (:func:`maillage.network.street.snap`), so
  times equal ``nearest``.

Times are minutes; pairs above ``max_minutes`` (or unreachable) are absent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from maillage.i18n import N_, _
from maillage.network.crowfly import CrowFlyEngine
from maillage.network.engine import Destinations, TravelTimeEngine

BATCH_BYTES = 256 * 2**20  # memory of one batch of street searches (dense rows over the graph's nodes)
CROP_SHARE = 0.25  # above this mean share of the nodes in a site's reach (car), search the whole graph


# ``TravelMatrix.method`` stays a code (logs, JSON, tests); planners read these words
METHOD_LABELS_FR = {
    "generic (one search per candidate)": N_("une recherche par candidat"),
    "crow-fly k-d tree": N_("à vol d'oiseau"),
    "street dijkstra (limit)": N_("par les rues, Dijkstra borné au seuil"),
}


def method_fr(method: str) -> str:
    return _(METHOD_LABELS_FR[method]) if method in METHOD_LABELS_FR else method


@dataclass(frozen=True)
class TravelMatrix:
    """Sparse pairs (origin, candidate, minutes) with minutes ≤ ``max_minutes``; ``shape`` = (origins, candidates)."""

    rows: np.ndarray
    cols: np.ndarray
    minutes: np.ndarray
    shape: tuple[int, int]
    max_minutes: float
    method: str

    def within(self, minutes: float) -> sp.csr_matrix:
        """Boolean (as 0/1 int8) matrix of the pairs within ``minutes``."""
        if minutes > self.max_minutes + 1e-9:
            raise ValueError(f"matrix only holds times up to {self.max_minutes} min")
        keep = self.minutes <= minutes
        data = np.ones(int(keep.sum()), dtype=np.int8)
        return sp.csr_matrix((data, (self.rows[keep], self.cols[keep])), shape=self.shape)

    def dense(self) -> np.ndarray:
        """Dense minutes with ``inf`` for absent pairs (small instances only)."""
        out = np.full(self.shape, np.inf)
        out[self.rows, self.cols] = self.minutes
        return out


def travel_matrix(
    engine: TravelTimeEngine,
    origins_xy_m: np.ndarray,
    candidates_xy_m: np.ndarray,
    max_minutes: float,
    *,
    generic: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> TravelMatrix:
    """Minutes from every origin to every candidate, pairs ≤ ``max_minutes`` only (Lambert-93 metres in)."""
    origins = np.asarray(origins_xy_m, dtype=np.float64).reshape(-1, 2)
    candidates = np.asarray(candidates_xy_m, dtype=np.float64).reshape(-1, 2)
    if max_minutes <= 0:
        raise ValueError("max_minutes must be > 0")
    if not generic and isinstance(engine, CrowFlyEngine):
        rows, cols, minutes, method = _crowfly(engine, origins, candidates, max_minutes)
    elif not generic and hasattr(engine, "_reversed") and hasattr(engine, "_tree"):
        rows, cols, minutes, method = _street(engine, origins, candidates, max_minutes, progress)
    else:
        rows, cols, minutes, method = _generic(engine, origins, candidates, max_minutes, progress)
    order = np.lexsort((cols, rows))
    return TravelMatrix(
        rows[order], cols[order], minutes[order], (len(origins), len(candidates)), float(max_minutes), method
    )


def _generic(engine, origins, candidates, max_minutes, progress):
    rows, cols, minutes = [], [], []
    for j, xy in enumerate(candidates):
        result = engine.nearest(origins, Destinations((f"candidate-{j}",), xy.reshape(1, 2)))
        keep = np.flatnonzero(result.minutes <= max_minutes)
        rows.append(keep)
        cols.append(np.full(len(keep), j))
        minutes.append(result.minutes[keep])
        if progress:
            progress(j + 1, len(candidates))
    return _cat(rows, np.int64), _cat(cols, np.int64), _cat(minutes, np.float64), "generic (one search per candidate)"


def _crowfly(engine: CrowFlyEngine, origins, candidates, max_minutes):
    p = engine.parameters
    limit_m = max_minutes * p.metres_per_minute / p.detour_factor
    pairs = cKDTree(origins).sparse_distance_matrix(cKDTree(candidates), limit_m, output_type="ndarray")
    minutes = pairs["v"] * p.detour_factor / p.metres_per_minute
    keep = minutes <= max_minutes
    return (pairs["i"][keep].astype(np.int64), pairs["j"][keep].astype(np.int64), minutes[keep], "crow-fly k-d tree")


def _street(engine, origins, candidates, max_minutes, progress):
    from maillage.network.street import snap

    graph, tree, speed = engine._reversed, engine._tree, engine.access_m_per_s
    cells, sites = snap(tree, origins, engine.max_snap_m), snap(tree, candidates, engine.max_snap_m)
    access_s, egress_s = cells.distance_m / speed, sites.distance_m / speed
    limit_s = max_minutes * 60.0
    on_net = np.flatnonzero(cells.on_network)
    seeded = np.flatnonzero(sites.on_network & (egress_s <= limit_s))
    radius_m = _reach_radius_m(engine, limit_s - egress_s[seeded])
    local = radius_m is not None and _reached_share(tree, engine.graph.xy_m[sites.node[seeded]], radius_m) < CROP_SHARE
    search = _cropped_searches if local else _batched_searches
    rows, cols, minutes = [], [], []
    for j, seconds in search(graph, tree, engine.graph.xy_m if local else None, sites.node, seeded, egress_s,
                             limit_s, radius_m, cells.node[on_net], progress):  # fmt: skip
        total = access_s[on_net] + seconds + egress_s[j]
        keep = np.flatnonzero(total <= limit_s)
        rows.append(on_net[keep])
        cols.append(np.full(len(keep), j))
        minutes.append(total[keep] / 60.0)
    return _cat(rows, np.int64), _cat(cols, np.int64), _cat(minutes, np.float64), "street dijkstra (limit)"


def _reach_radius_m(engine, budget_s: np.ndarray) -> np.ndarray | None:
    """How far from its node each site's search can reach within its time budget: the fastest speed of
    the mode's table (an edge's time is its length over its class speed, or slower) with 1 % to spare
    for the projection's scale. None when the engine does not say its speeds."""
    speeds = getattr(engine, "speeds_kmh", None)
    if not speeds or not hasattr(engine, "graph"):
        return None
    return np.maximum(budget_s, 0.0) * max(speeds.values()) / 3.6 * 1.01


def _reached_share(tree: cKDTree, xy_m: np.ndarray, radius_m: np.ndarray) -> float:
    """Mean share of the graph's nodes inside the sites' reach discs."""
    if not len(xy_m):
        return 0.0
    return float(np.mean(tree.query_ball_point(xy_m, radius_m, return_length=True)) / tree.n)


def _batched_searches(graph, tree, xy_m, site_node, seeded, egress_s, limit_s, radius_m, cell_nodes, progress):
    """Searches over the whole graph, a batch of sites at a time (dense rows over every node)."""
    from scipy.sparse.csgraph import dijkstra

    batch = max(1, int(BATCH_BYTES // (8 * graph.shape[0])))
    for start in range(0, len(seeded), batch):
        chunk = seeded[start : start + batch]
        seconds = dijkstra(graph, directed=True, indices=site_node[chunk], limit=limit_s)
        for k, j in enumerate(chunk):
            yield j, seconds[k, cell_nodes]
        if progress:
            progress(min(start + batch, len(seeded)), len(seeded))


def _cropped_searches(graph, tree, xy_m, site_node, seeded, egress_s, limit_s, radius_m, cell_nodes, progress):
    """One search per site on the nodes within its reach only. Exact: every node of a path found within
    the budget was itself reached within it, so lies inside the disc. On the 92's 385,201-node walk graph
    a 20-minute disc holds about 10,000 nodes, and the dense rows over the whole graph (the page faults
    of 190 MB) cost more than the searches."""
    from scipy.sparse.csgraph import dijkstra

    position = np.full(graph.shape[0], -1, dtype=np.int64)
    for done, (j, radius) in enumerate(zip(seeded, radius_m, strict=True), start=1):
        node = site_node[j]
        inside = np.sort(np.asarray(tree.query_ball_point(xy_m[node], radius), dtype=np.int64))
        position[inside] = np.arange(len(inside))
        seconds = dijkstra(graph[inside][:, inside], directed=True, indices=int(position[node]),
                           limit=limit_s - egress_s[j])  # fmt: skip
        at = position[cell_nodes]
        yield j, np.where(at >= 0, seconds[np.maximum(at, 0)], np.inf)
        position[inside] = -1
        if progress:
            progress(done, len(seeded))


def _cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)
