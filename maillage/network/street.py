"""Street travel times on OpenStreetMap (walk, bike, car) behind :class:`TravelTimeEngine`.

The graph comes from :mod:`maillage.network.osm_graph` (PBF → CSR of seconds, disk cache). The
nearest-site question is answered by ONE backward multi-source Dijkstra per class of site, whatever
the number of cells (see ARCHITECTURE.md, "The engine's key idea"):

1. every origin and every site is snapped to its nearest graph node (k-d tree); the straight-line
   snapping distance is walked at the mode's access speed (walking speed for every mode);
2. one virtual node per site is added to the *reversed* graph, with an edge to the site's snapped
   node weighted by the site's own snapping (egress) time. One Dijkstra seeded at the virtual nodes
   (``min_only=True``) then gives each node ``min over sites (network time to the site's node +
   that site's egress)``, and ``sources`` tells which site. Seeding the snapped nodes directly would
   ignore that a site 300 m from its node is farther than one on it, and adding the egress after the
   search would not be a true minimum;
3. time(origin) = access time + that value at the origin's node.

Points farther than ``max_snap_m`` from any node (default 500 m) get ``inf`` and are counted in
:attr:`StreetEngine.warnings` and ``describe()``, never dropped silently.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from maillage.i18n import _
from maillage.network.engine import NO_SITE, Destinations, NearestSites, mode_label
from maillage.network.node_tree import node_tree
from maillage.network.osm_graph import StreetGraph, StreetGraphError, load_street_graph, speed_table, way_label
from maillage.numbers import fr_number

__all__ = [
    "SearchGraph",
    "SiteSearch",
    "StreetEngine",
    "StreetGraphError",
    "nearest_sites_on_graph",
    "search_from_sites",
    "street_engine",
]


@dataclass(frozen=True)
class Snapped:
    """Points snapped to graph nodes: node index (-1 when beyond the limit) and distance in metres.

    ``twin_point[k]`` may also use node ``twin_node[k]``: a node at exactly the position of its
    snapped node (a footbridge over a street, two ways crossing without a shared OSM node). Both are
    equally near, so the search seeds a site at every twin and an origin takes the best one; which
    one the k-d tree returns first is an accident of its build.
    """

    node: np.ndarray
    distance_m: np.ndarray
    twin_point: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    twin_node: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def on_network(self) -> np.ndarray:
        return self.node >= 0


# Below this many points the k-d tree query runs in the calling thread: starting and joining
# worker threads costs more than the queries (for a class's few sites it dominated the whole pass
# on small graphs). Measured on 2 cores (92 walk graph and Helsinki, random points): one thread
# 2.0 ms vs all cores 3.2–3.6 ms for 4,280–5,000 points; even at 20,000 points.
THREADED_QUERY_MIN_POINTS = 20_000
MEMO_SEARCHES = 4  # answers kept per engine: 16 bytes a node each (6 MB on the 92)


@dataclass(frozen=True)
class NodeTwins:
    """The graph's coincident nodes (:func:`~maillage.network.osm_graph.coincident_pairs`) for snapping."""

    pairs: np.ndarray  # (k, 2) sorted by the first column
    has_twin: np.ndarray  # bool per node

    @classmethod
    def of(cls, pairs: np.ndarray, n_nodes: int) -> NodeTwins:
        has_twin = np.zeros(n_nodes + 1, dtype=bool)  # + 1: the index the k-d tree gives a far point
        has_twin[pairs[:, 0]] = True
        return cls(np.asarray(pairs, dtype=np.int64).reshape(-1, 2), has_twin)


def snap(tree: cKDTree, points_xy_m: np.ndarray, max_snap_m: float, twins: NodeTwins | None = None) -> Snapped:
    """Nearest graph node of each point; beyond ``max_snap_m`` the node is -1 but the distance is real.

    With ``twins``, a point whose node has coincident twins may use them too (:class:`Snapped`).
    """
    points = np.asarray(points_xy_m, dtype=np.float64).reshape(-1, 2)
    workers = -1 if len(points) >= THREADED_QUERY_MIN_POINTS else 1
    distance_m, node = tree.query(points, k=1, distance_upper_bound=max_snap_m, workers=workers)
    far = ~np.isfinite(distance_m)
    if far.any():  # report how far the stranded points really are
        distance_m[far], _ = tree.query(points[far], k=1, workers=1)
    if twins is None or not len(twins.pairs):
        return Snapped(np.where(far, -1, node).astype(np.int64), np.asarray(distance_m, dtype=np.float64))
    tied = np.flatnonzero(twins.has_twin[node])  # far points read the extra False slot
    node = np.where(far, -1, node).astype(np.int64)
    if not len(tied):
        return Snapped(node, np.asarray(distance_m, dtype=np.float64))
    lo = np.searchsorted(twins.pairs[:, 0], node[tied], side="left")
    hi = np.searchsorted(twins.pairs[:, 0], node[tied], side="right")
    twin_point = np.repeat(tied, hi - lo)
    twin_node = twins.pairs[np.concatenate([np.arange(a, b) for a, b in zip(lo, hi, strict=True)]), 1]
    return Snapped(node, np.asarray(distance_m, dtype=np.float64), twin_point, twin_node.astype(np.int64))


class SearchGraph:
    """The reversed graph with room for virtual site nodes after the real ones, filled in place.

    Virtual node ``n + k`` gets one edge per node where site ``k`` enters the network, weighted by
    the site's egress, so a search seeded at the virtual nodes charges each site its own walk from
    the street to the door. The arrays are allocated once per engine: building a new CSR matrix
    for every class copied the whole graph and ran scipy's checks, a fifth of the search on a
    small graph. Unused edge slots belong to one last "parking" node that nothing reaches: index
    -1 of an answer is its (inf, no source), which is what an origin off the network (node -1) reads.
    """

    def __init__(self, reversed_seconds: sp.csr_matrix, capacity: int = 64) -> None:
        self.reversed = reversed_seconds
        self.n_nodes = int(reversed_seconds.shape[0])
        self._allocate(capacity)
        # The last searches' answers by seeds: the audit asks nearest() then routes() of the same
        # class, and the second search was a whole Dijkstra again. Read-only arrays.
        self.memo: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        # The web app audits from several threads with one engine: the in-place seeding and the
        # memo are one critical section (the Dijkstra holds the GIL anyway).
        self.lock = threading.Lock()

    def _allocate(self, capacity: int) -> None:
        graph, n, nnz = self.reversed, self.n_nodes, self.reversed.nnz
        data = np.ones(nnz + capacity)
        data[:nnz] = graph.data
        indices = np.zeros(nnz + capacity, dtype=graph.indices.dtype)
        indices[:nnz] = graph.indices
        # rows n .. n + capacity - 1: virtual nodes (empty until seeded); row n + capacity: parking
        indptr = np.full(n + capacity + 2, nnz, dtype=graph.indptr.dtype)
        indptr[: n + 1] = graph.indptr
        indptr[-1] = nnz + capacity
        size = n + capacity + 1
        self.matrix = sp.csr_matrix((data, indices, indptr), shape=(size, size), copy=False)
        self.capacity = capacity

    def seeded(self, edge_site: np.ndarray, edge_node: np.ndarray, egress_s: np.ndarray) -> sp.csr_matrix:
        """The matrix with virtual node ``n + edge_site[e]`` → ``edge_node[e]`` (``edge_site`` sorted)."""
        n_sites = int(edge_site[-1]) + 1 if len(edge_site) else 0
        if max(len(edge_site), n_sites) > self.capacity:
            self._allocate(2 * max(len(edge_site), n_sites))
        n, nnz, m = self.n_nodes, self.reversed.nnz, len(edge_site)
        matrix = self.matrix
        matrix.data[nnz : nnz + m] = egress_s
        matrix.indices[nnz : nnz + m] = edge_node
        matrix.indptr[n + 1 : n + 1 + self.capacity] = nnz + np.cumsum(np.bincount(edge_site, minlength=self.capacity))
        return matrix


def nearest_sites_on_graph(
    reversed_seconds: sp.csr_matrix | SearchGraph,
    tree: cKDTree,
    origins_xy_m: np.ndarray | Snapped,
    sites_xy_m: np.ndarray,
    access_m_per_s: float,
    max_snap_m: float,
    twins: NodeTwins | None = None,
) -> tuple[NearestSites, Snapped, Snapped]:
    """Minutes from every origin to its nearest site on the street graph (pure computation).

    ``reversed_seconds`` is the transposed graph (entry ``[j, i]`` = seconds from ``i`` to ``j``),
    ``tree`` the k-d tree of its node coordinates (a :class:`SearchGraph` of it is reused, a
    matrix is copied into one). ``origins_xy_m`` may be already snapped (the same cells for every
    class of site). ``twins``: the graph's coincident nodes (see :class:`Snapped`). Returns the
    result and both snappings.
    """
    search = reversed_seconds if isinstance(reversed_seconds, SearchGraph) else SearchGraph(reversed_seconds)
    origins = origins_xy_m if isinstance(origins_xy_m, Snapped) else snap(tree, origins_xy_m, max_snap_m, twins)
    sites = snap(tree, sites_xy_m, max_snap_m, twins)
    seeded = np.flatnonzero(sites.on_network)
    access_s = origins.distance_m / access_m_per_s
    if len(seeded):
        seconds, sources, _ = _search(search, sites, seeded, access_m_per_s)
        # Only the origins' nodes are read: on a large graph, converting every node's answer costs
        # more than the rest of the pass. Off-network origins (node -1) read the last slot: the
        # parking node, never reached (inf, no source).
        node = best_nodes(origins, seconds)
        best_s, best_source = seconds[node], sources[node]
        virtual = best_source - search.n_nodes  # index into seeded; negative where no site reached
        site_index = np.where(virtual >= 0, seeded[np.clip(virtual, 0, None)], NO_SITE)
    else:
        best_s, site_index = np.full(len(origins.node), np.inf), np.full(len(origins.node), NO_SITE)
    result = NearestSites(
        minutes=(access_s + best_s) / 60.0,
        site_index=site_index.astype(np.int64, copy=False),
        access_m=origins.distance_m,
        # NO_SITE (-1) reads the appended NaN
        extra={"access_minutes": access_s / 60.0, "egress_m": np.append(sites.distance_m, np.nan)[site_index]},
    )
    return result, origins, sites


def best_nodes(snapped: Snapped, seconds: np.ndarray) -> np.ndarray:
    """Each point's node, or the coincident twin from which its nearest site is sooner (``seconds`` per node)."""
    node = snapped.node
    if not len(snapped.twin_point):
        return node
    node = node.copy()
    for k in np.flatnonzero(seconds[snapped.twin_node] < seconds[node[snapped.twin_point]]):  # rare: a loop is fine
        point, twin = snapped.twin_point[k], snapped.twin_node[k]
        if seconds[twin] < seconds[node[point]]:
            node[point] = twin
    return node


def _search(
    search: SearchGraph, sites: Snapped, seeded: np.ndarray, access_m_per_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """One multi-source Dijkstra from the seeded sites' virtual nodes: seconds, source, predecessor per node.

    The source is the virtual node ``n_nodes + k`` of ``seeded[k]``, or -9999 where none reached.
    """
    # Each seeded site's virtual node reaches its snapped node and that node's twins.
    rank = np.full(len(sites.node), -1, dtype=np.int64)
    rank[seeded] = np.arange(len(seeded))
    twins = rank[sites.twin_point] >= 0
    edge_site = np.concatenate([rank[seeded], rank[sites.twin_point[twins]]])
    edge_node = np.concatenate([sites.node[seeded], sites.twin_node[twins]])
    order = np.argsort(edge_site, kind="stable")
    egress_s = sites.distance_m[seeded][edge_site[order]] / access_m_per_s
    key = b"|".join(a.tobytes() for a in (edge_site[order], edge_node[order], egress_s))
    with search.lock:
        if key in search.memo:
            return search.memo[key]
        seconds, predecessors, sources = dijkstra(
            search.seeded(edge_site[order], edge_node[order], egress_s),
            directed=True,
            indices=search.n_nodes + np.arange(len(seeded), dtype=np.int32),
            min_only=True,
            return_predecessors=True,
        )
        for answer in (seconds, sources, predecessors):
            answer.flags.writeable = False
        if len(search.memo) >= MEMO_SEARCHES:
            search.memo.pop(next(iter(search.memo)))
        search.memo[key] = (seconds, sources, predecessors)
    return seconds, sources, predecessors


@dataclass(frozen=True)
class SiteSearch:
    """One backward multi-source search: per node, seconds to the nearest site, which site, next node.

    ``next_node[v]`` is the node after ``v`` on its fastest path to that site (the search runs on the
    reversed graph, so its predecessors point towards the sites); a value ``>= n_nodes`` is the site's
    virtual node, i.e. ``v`` is where the path leaves the graph for the site's door.
    """

    seconds: np.ndarray
    site_of_node: np.ndarray
    next_node: np.ndarray
    n_nodes: int


def search_from_sites(
    reversed_seconds: sp.csr_matrix | SearchGraph, sites: Snapped, access_m_per_s: float
) -> SiteSearch | None:
    """The search seeded at every site on the network (egress walk charged per site); None if none is."""
    search = reversed_seconds if isinstance(reversed_seconds, SearchGraph) else SearchGraph(reversed_seconds)
    n_nodes = search.n_nodes
    seeded = np.flatnonzero(sites.on_network)
    if not len(seeded):
        return None
    seconds, sources, predecessors = _search(search, sites, seeded, access_m_per_s)
    # sources holds the virtual node that reached each node (-9999 when none did).
    site_of_node = np.where(sources >= n_nodes, seeded[np.clip(sources - n_nodes, 0, None)], NO_SITE)
    return SiteSearch(seconds[:n_nodes], site_of_node[:n_nodes], predecessors[:n_nodes], n_nodes)


class StreetEngine:
    """Travel times on the OSM street graph of one mode (walk, bike or car)."""

    def __init__(
        self,
        mode: str,
        pbf_path: Path | str,
        *,
        speeds: Mapping[str, float] | None = None,
        max_snap_m: float = 500.0,
        cache_dir: Path | None = None,
        progress: bool = True,
    ) -> None:
        if not max_snap_m > 0:
            raise ValueError(_("la distance d'accroche au réseau doit être > 0 m"))
        self.mode = mode
        self.speeds_kmh = speed_table(mode, speeds)
        self.max_snap_m = float(max_snap_m)
        self.graph: StreetGraph = load_street_graph(
            pbf_path, mode, speeds=speeds, cache_dir=cache_dir, progress=progress
        )
        self.access_m_per_s = self.speeds_kmh["access"] / 3.6
        # Transposed once: searching backwards from the sites is a forward search on it. A walk
        # graph is its own transpose (both directions of every segment, same time: edge_directions).
        self._reversed = self.graph.seconds if mode == "walk" else self.graph.seconds.T.tocsr()
        self._search = SearchGraph(self._reversed)
        self._tree = node_tree(self.graph.xy_m, self.graph.metadata.get("cache_file"))
        self._twins = NodeTwins.of(self.graph.twins, self.graph.n_nodes)
        self._cache_dir = cache_dir
        self._bridges = None  # read on the first routes() call
        self.warnings: list[str] = []
        # The audit and the planner ask for the same cells class after class: snap them once.
        self._snapped_origins: tuple[np.ndarray, Snapped] | None = None

    def nearest(self, origins_xy_m: np.ndarray, destinations: Destinations) -> NearestSites:
        result, origins, sites = nearest_sites_on_graph(
            self._search,
            self._tree,
            self.snapped_origins(origins_xy_m),
            destinations.xy_m,
            self.access_m_per_s,
            self.max_snap_m,
            self._twins,
        )
        n_far = int((~origins.on_network).sum())
        if n_far:
            self.warnings.append(_("{n} origine(s) à plus de {snap} m du réseau des rues ({mode}) : temps "
                                   "infini").format(n=n_far, snap=fr_number(self.max_snap_m),
                                                    mode=mode_label(self.mode)))
        for k in np.flatnonzero(~sites.on_network):
            self.warnings.append(_("site {site} à {distance} m du réseau des rues ({mode}), au-delà de {snap} m : "
                                   "ignoré").format(site=destinations.site_ids[k], mode=mode_label(self.mode),
                                                    distance=f"{sites.distance_m[k]:.0f}",
                                                    snap=fr_number(self.max_snap_m)))
        return result

    def minutes_to_each(self, origin_xy_m: np.ndarray, destinations: Destinations) -> np.ndarray:
        """Minutes from ONE origin to every destination (not only the nearest): one forward search.

        The minutes :meth:`nearest` gives for each destination asked alone (a backward search from
        that site), without its one search per site: the origin's access walk, then the best of its
        node and the node's twins and of the site's node and its twins, the network time and the
        site's egress walk. ``inf`` for a site or an origin beyond ``max_snap_m``. ``maillage orient``
        answers one resident with it instead of a search per site.
        """
        origin = snap(self._tree, np.asarray(origin_xy_m, dtype=np.float64).reshape(1, 2), self.max_snap_m,
                      self._twins)  # fmt: skip
        sites = snap(self._tree, destinations.xy_m, self.max_snap_m, self._twins)
        out = np.full(len(destinations), np.inf)
        if origin.node[0] < 0 or not sites.on_network.any():
            return out
        starts = np.unique(np.r_[origin.node, origin.twin_node]).astype(np.int32)
        seconds = np.atleast_2d(dijkstra(self.graph.seconds, directed=True, indices=starts, min_only=True))[0]
        best = np.full(len(destinations), np.inf)
        on = sites.on_network
        best[on] = seconds[sites.node[on]]
        for point, node in zip(sites.twin_point, sites.twin_node, strict=True):
            if on[point]:
                best[point] = min(best[point], seconds[node])
        egress_s = sites.distance_m / self.access_m_per_s
        access_s = origin.distance_m[0] / self.access_m_per_s
        # the sum in nearest()'s order: its search starts at the site's door (egress), then the streets
        out[on] = (access_s + (egress_s[on] + best[on])) / 60.0
        return out

    def snapped_origins(self, origins_xy_m: np.ndarray) -> Snapped:
        """The origins snapped to the graph, from the last call when they are the same points."""
        origins = np.asarray(origins_xy_m, dtype=np.float64).reshape(-1, 2)
        last = self._snapped_origins
        if last is not None and np.array_equal(last[0], origins):
            return last[1]
        snapped = snap(self._tree, origins, self.max_snap_m, self._twins)
        self._snapped_origins = (origins.copy(), snapped)
        return snapped

    def routes(self, origins_xy_m: np.ndarray, destinations: Destinations, rows: np.ndarray) -> list:
        """The fastest path of each origin in ``rows`` to its nearest destination: metres, detour, bridges.

        One more search for the class (with its predecessors), then a walk along each asked path;
        returns :class:`~maillage.network.street_routes.Route` or None per row.
        """
        from maillage.network.street_routes import trace_routes

        origins_xy_m = np.asarray(origins_xy_m, dtype=np.float64).reshape(-1, 2)
        # a subset of the audit's cells: snapped apart, not to replace the audit's snapped cells
        origins = snap(self._tree, origins_xy_m, self.max_snap_m, self._twins)
        sites = snap(self._tree, destinations.xy_m, self.max_snap_m, self._twins)
        search = search_from_sites(self._search, sites, self.access_m_per_s)  # nearest()'s, when it ran
        if search is None:
            return [None] * len(rows)
        origins = replace(origins, node=best_nodes(origins, search.seconds))  # the twin nearest() used
        return trace_routes(search, self.graph.xy_m, self.graph.node_ids, origins, origins_xy_m, sites,
                            destinations.xy_m, rows, self.bridge_segments())  # fmt: skip

    def bridge_segments(self) -> Any:
        """The PBF's bridge segments (read once, cached); none when the PBF is gone (graph from cache)."""
        from maillage.network.street_routes import BridgeSegments, load_bridge_segments

        if self._bridges is None:
            pbf = Path(str(self.graph.metadata.get("pbf", "")))
            if pbf.is_file():
                self._bridges = load_bridge_segments(pbf, str(self.graph.metadata.get("pbf_sha256") or "") or None,
                                                     self._cache_dir)  # fmt: skip
            else:
                self._bridges = BridgeSegments.empty()
        return self._bridges

    def describe(self) -> dict[str, Any]:
        meta = self.graph.metadata
        return {
            "backend": "street",
            "mode": self.mode,
            "pbf": meta.get("pbf_name"),
            "pbf_path": meta.get("pbf"),
            "pbf_modified": meta.get("pbf_modified"),
            "pbf_size_bytes": meta.get("pbf_size_bytes"),
            "pbf_sha256_prefix": str(meta.get("pbf_sha256", ""))[:12],
            "speeds_kmh": self.speeds_kmh,
            "access_speed_kmh": self.speeds_kmh["access"],
            "max_snap_m": self.max_snap_m,
            "nodes": self.graph.n_nodes,
            "edges": self.graph.n_edges,
            "nodes_outside_largest_component": meta.get("nodes_outside_largest_component"),
            "pyrosm_network": meta.get("pyrosm_network"),
            "extra_ways": meta.get("extra_ways"),
            "cache_file": meta.get("cache_file"),
            "loaded_from_cache": meta.get("from_cache"),
            "warnings": list(self.warnings),
        }

    def assumptions(self) -> list[str]:
        meta, s = self.graph.metadata, self.speeds_kmh
        speeds = ", ".join(f"{way_label(k)} {fr_number(v)}" for k, v in s.items() if k != "access")
        # the file's date on this disk (the data's own vintage is in its name): a date a planner reads, not ISO
        source = str(meta.get("pbf_name")) + _file_date(meta.get("pbf_modified"))
        # French only: planners read these lines; the English facts are in describe() and the logs
        lines = [
            _("Temps par les rues {mode} sur OpenStreetMap {source}, vitesses en km/h par type de voie : "
              "{speeds}.").format(mode=mode_label(self.mode), source=source, speeds=speeds),
            _("Trajet à pied à {speed} km/h, en ligne droite, entre chaque point (carreau, site) et le nœud du "
              "réseau le plus proche ; au-delà de {snap} m, le point est déclaré injoignable.").format(
                speed=fr_number(s["access"]), snap=fr_number(self.max_snap_m)),
        ]
        if self.mode == "walk":
            lines.append(_("Le piéton peut emprunter les sens interdits ; les voies interdites aux piétons sont "
                           "exclues."))
        if self.mode in ("bike", "car"):
            lines.append(_("Sens uniques et giratoires respectés (double-sens cyclables pour le vélo) ; voies "
                           "interdites au mode exclues."))
        if self.mode == "car":
            lines.append(_("Voiture : vitesses moyennes sans congestion ni attente aux feux, bornées par la vitesse "
                           "maximale autorisée ; ni recherche de stationnement."))
        return lines



def street_engine(mode: str, pbf_path: Path, *, speeds: dict | None = None, max_snap_m: float = 500.0) -> StreetEngine:
    """Engine factory called by the CLI: ``--mode walk|bike|car --pbf FILE``."""
    return StreetEngine(mode, pbf_path, speeds=speeds, max_snap_m=max_snap_m)


def _file_date(iso: str | None) -> str:
    """« (fichier du 04/12/2026) » from the extract's modification time (ISO); nothing if unknown."""
    try:
        day = datetime.fromisoformat(iso).strftime("%d/%m/%Y") if iso else None
    except ValueError:
        day = iso
    return " " + _("(fichier du {date})").format(date=day) if day else ""
