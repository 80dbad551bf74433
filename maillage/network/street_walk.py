"""Walking on the OSM street graph for the transit engine: access, egress, footpaths, walking all the way.

Without a PBF the transit engine walks crow-fly × detour (``timetable.WalkParameters``). With a PBF
covering the area it asks this module instead, for the same pairs (a cell and the stops within
reach, a site and its stops, two stops of a transfer) and for walking all the way to each site.
Times are seconds on the walk graph (``osm_graph``, one-ways ignored on foot) plus the straight
walk from each point to its nearest graph node at the access speed, as the street engine does.

Searches are bounded: pairs are first found crow-fly (a street path is never shorter than the
straight line), then one limited Dijkstra (scipy.sparse.csgraph) per distinct source node, by
chunks so that memory stays ``chunk × nodes`` floats.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from maillage.network.node_tree import node_tree
from maillage.network.osm_graph import StreetGraph
from maillage.network.street import snap
from maillage.network.timetable import Timetable, WalkParameters

UNREACHABLE_S = np.iinfo(np.int64).max // 4  # the transit engine's "never" for whole seconds


@dataclass
class StreetWalk:
    """Walking seconds on one walk graph. ``access_m_per_s``: speed of the walk to/from the graph."""

    graph: StreetGraph
    access_m_per_s: float
    max_snap_m: float = 500.0
    chunk: int = 128
    _tree: cKDTree = field(init=False, repr=False)
    _reversed: sp.csr_matrix = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._tree = node_tree(self.graph.xy_m, self.graph.metadata.get("cache_file"))
        # a walk graph is its own transpose (both directions of every segment: edge_directions)
        symmetric = self.graph.mode == "walk"
        self._reversed = self.graph.seconds if symmetric else self.graph.seconds.T.tocsr()

    def describe(self) -> dict[str, object]:
        return {"graph_nodes": self.graph.n_nodes, "pbf": self.graph.metadata.get("pbf", ""),
                "max_snap_m": self.max_snap_m}  # fmt: skip

    def pair_seconds(
        self, from_xy_m: np.ndarray, to_xy_m: np.ndarray, rows: np.ndarray, cols: np.ndarray, limit_s: float
    ) -> np.ndarray:
        """Whole seconds from ``from_xy_m[rows[k]]`` to ``to_xy_m[cols[k]]``; UNREACHABLE_S beyond ``limit_s``."""
        rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        out = np.full(len(rows), np.inf)
        if not len(rows):
            return np.zeros(0, dtype=np.int64)
        a = snap(self._tree, from_xy_m, self.max_snap_m)
        b = snap(self._tree, to_xy_m, self.max_snap_m)
        ok = np.flatnonzero(a.on_network[rows] & b.on_network[cols])
        source = a.node[rows[ok]]
        nodes, which = np.unique(source, return_inverse=True)
        for start in range(0, len(nodes), self.chunk):
            block = nodes[start : start + self.chunk]
            seconds = np.atleast_2d(dijkstra(self.graph.seconds, directed=True, indices=block, limit=limit_s))
            mine = np.flatnonzero((which >= start) & (which < start + len(block)))
            k = ok[mine]
            out[k] = seconds[which[mine] - start, b.node[cols[k]]]
        out += (a.distance_m[rows] + b.distance_m[cols]) / self.access_m_per_s
        seconds = np.full(len(rows), UNREACHABLE_S, dtype=np.int64)
        within = out <= limit_s
        seconds[within] = np.rint(out[within]).astype(np.int64)
        return seconds

    def seconds_to_points(self, origins_xy_m: np.ndarray, points_xy_m: np.ndarray) -> np.ndarray:
        """Seconds (float, inf = no path) from every origin to every point: one search per point.

        For walking all the way to a site (a few tens of sites): ``(n_origins, n_points)``.
        """
        origins = snap(self._tree, origins_xy_m, self.max_snap_m)
        points = snap(self._tree, points_xy_m, self.max_snap_m)
        out = np.full((len(origins.node), len(points.node)), np.inf)
        on = np.flatnonzero(points.on_network)
        if len(on):
            # Backward from each point: a forward search on the transposed graph.
            to_point = np.atleast_2d(dijkstra(self._reversed, directed=True, indices=points.node[on]))
            reach = origins.on_network
            out[np.ix_(reach, on)] = to_point[:, origins.node[reach]].T
        return out + (origins.distance_m[:, None] + points.distance_m[None, :]) / self.access_m_per_s


def street_footpaths(timetable: Timetable, street: StreetWalk, walk: WalkParameters) -> Timetable:
    """The timetable with its crow-fly footpaths timed on the streets; ``transfers.txt`` times kept.

    A footpath whose street walk exceeds the crow-fly reach's time (``walk.footpath_m`` × detour at
    walking speed: a river or a railway in between) is dropped. Pairs farther apart crow-fly than
    ``walk.footpath_m`` are not added (a conservative choice: the cached timetable cannot tell an
    absent pair from one that ``transfers.txt`` forbids).
    """
    n = timetable.n_stops
    source = np.repeat(np.arange(n), np.diff(timetable.fp_ptr))
    target = timetable.fp_to
    crowfly = walk.seconds(np.linalg.norm(timetable.stop_xy_m[source] - timetable.stop_xy_m[target], axis=1))
    derived = np.flatnonzero(timetable.fp_s == crowfly)  # the other times come from transfers.txt
    limit_s = float(walk.seconds(np.array([walk.footpath_m]))[0])
    seconds = timetable.fp_s.astype(np.int64).copy()
    seconds[derived] = street.pair_seconds(timetable.stop_xy_m, timetable.stop_xy_m, source[derived],
                                           target[derived], limit_s)  # fmt: skip
    keep = seconds < UNREACHABLE_S
    fp_ptr = np.r_[0, np.cumsum(np.bincount(source[keep], minlength=n))].astype(timetable.fp_ptr.dtype)
    return replace(timetable, fp_ptr=fp_ptr, fp_to=target[keep], fp_s=seconds[keep].astype(timetable.fp_s.dtype))
