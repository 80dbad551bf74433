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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from maillage.network.engine import MODE_LABELS_FR, NO_SITE, Destinations, NearestSites
from maillage.network.osm_graph import StreetGraph, StreetGraphError, load_street_graph, speed_table

__all__ = [
    "StreetEngine",
    "StreetGraphError",
    "nearest_sites_on_graph",
    "street_engine",
    "with_virtual_sources",
]


@dataclass(frozen=True)
class Snapped:
    """Points snapped to graph nodes: node index (-1 when beyond the limit) and distance in metres."""

    node: np.ndarray
    distance_m: np.ndarray

    @property
    def on_network(self) -> np.ndarray:
        return self.node >= 0


def snap(tree: cKDTree, points_xy_m: np.ndarray, max_snap_m: float) -> Snapped:
    """Nearest graph node of each point; beyond ``max_snap_m`` the node is -1 but the distance is real."""
    points = np.asarray(points_xy_m, dtype=np.float64).reshape(-1, 2)
    distance_m, node = tree.query(points, k=1, distance_upper_bound=max_snap_m, workers=-1)
    far = ~np.isfinite(distance_m)
    node = np.where(far, -1, node).astype(np.int64)
    if far.any():  # report how far the stranded points really are
        distance_m[far], _ = tree.query(points[far], k=1, workers=-1)
    return Snapped(node, np.asarray(distance_m, dtype=np.float64))


def with_virtual_sources(
    reversed_seconds: sp.csr_matrix, site_nodes: np.ndarray, egress_s: np.ndarray
) -> sp.csr_matrix:
    """The reversed graph plus one virtual node per site (numbered after the real nodes).

    Virtual node ``n + k`` has a single edge to ``site_nodes[k]`` weighted ``egress_s[k]``, so a
    search seeded at the virtual nodes charges each site its own walk from the street to the door.
    """
    n_nodes, n_sites = reversed_seconds.shape[0], len(site_nodes)
    indptr, indices = reversed_seconds.indptr, reversed_seconds.indices
    return sp.csr_matrix(
        (
            np.concatenate([reversed_seconds.data, egress_s]),
            # Same index dtypes as the graph (int32), or scipy would copy it all to convert.
            np.concatenate([indices, np.asarray(site_nodes).astype(indices.dtype)]),
            np.concatenate([indptr, (indptr[-1] + np.arange(1, n_sites + 1)).astype(indptr.dtype)]),
        ),
        shape=(n_nodes + n_sites, n_nodes + n_sites),
    )


# Searches kept per engine (pôle, antenne, two more classes): ~8 MB each on the 92 walk graph.
KEPT_SEARCHES = 4
MISSING = object()


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


def search_from_sites(reversed_seconds: sp.csr_matrix, sites: Snapped, access_m_per_s: float) -> SiteSearch | None:
    """The search seeded at every site on the network (egress walk charged per site); None if none is."""
    n_nodes = reversed_seconds.shape[0]
    seeded = np.flatnonzero(sites.on_network)
    if not len(seeded):
        return None
    egress_s = sites.distance_m[seeded] / access_m_per_s
    augmented = with_virtual_sources(reversed_seconds, sites.node[seeded], egress_s)
    seconds, predecessors, sources = dijkstra(
        augmented,
        directed=True,
        indices=n_nodes + np.arange(len(seeded)),
        min_only=True,
        return_predecessors=True,
    )
    # sources holds the virtual node that reached each node (-9999 when none did).
    site_of_node = np.where(sources >= n_nodes, seeded[np.clip(sources - n_nodes, 0, None)], NO_SITE)
    return SiteSearch(seconds[:n_nodes], site_of_node[:n_nodes], predecessors[:n_nodes], n_nodes)


def nearest_sites_on_graph(
    reversed_seconds: sp.csr_matrix,
    tree: cKDTree,
    origins_xy_m: np.ndarray,
    sites_xy_m: np.ndarray,
    access_m_per_s: float,
    max_snap_m: float,
    search: SiteSearch | None = None,
) -> tuple[NearestSites, Snapped, Snapped]:
    """Minutes from every origin to its nearest site on the street graph (pure computation).

    ``reversed_seconds`` is the transposed graph (entry ``[j, i]`` = seconds from ``i`` to ``j``),
    ``tree`` the k-d tree of its node coordinates. Returns the result and both snappings. ``search``,
    when given, is :func:`search_from_sites` already run for these sites (it is not run again).
    """
    origins, sites = snap(tree, origins_xy_m, max_snap_m), snap(tree, sites_xy_m, max_snap_m)
    n_origins = len(origins.node)
    minutes = np.full(n_origins, np.inf)
    site_index = np.full(n_origins, NO_SITE, dtype=np.int64)
    egress_m = np.full(n_origins, np.nan)
    access_s = origins.distance_m / access_m_per_s
    if search is None:
        search = search_from_sites(reversed_seconds, sites, access_m_per_s)
    if search is not None:
        seconds, site_of_node = search.seconds, search.site_of_node
        ok = origins.on_network & np.isfinite(seconds[np.maximum(origins.node, 0)])
        node = origins.node[ok]
        minutes[ok] = (access_s[ok] + seconds[node]) / 60.0
        site_index[ok] = site_of_node[node]
        egress_m[ok] = sites.distance_m[site_index[ok]]
    result = NearestSites(
        minutes=minutes,
        site_index=site_index,
        access_m=origins.distance_m,
        extra={"access_minutes": access_s / 60.0, "egress_m": egress_m},
    )
    return result, origins, sites




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
            raise ValueError("max_snap_m must be > 0 metres")
        self.mode = mode
        self.speeds_kmh = speed_table(mode, speeds)
        self.max_snap_m = float(max_snap_m)
        self.graph: StreetGraph = load_street_graph(
            pbf_path, mode, speeds=speeds, cache_dir=cache_dir, progress=progress
        )
        self.access_m_per_s = self.speeds_kmh["access"] / 3.6
        # Transposed once: searching backwards from the sites is a forward search on it.
        self._reversed = self.graph.seconds.T.tocsr()
        self._tree = cKDTree(self.graph.xy_m)
        self._cache_dir = cache_dir
        self._bridges = None  # read on the first routes() call
        self._searches: dict[tuple, SiteSearch | None] = {}  # insertion order: the oldest goes first
        self._searches_lock = threading.Lock()
        self.warnings: list[str] = []

    def _search(self, destinations: Destinations) -> tuple[SiteSearch | None, Snapped]:
        """The search seeded at these sites, kept for the last few classes: routes() follows it again."""
        sites = snap(self._tree, destinations.xy_m, self.max_snap_m)
        key = (destinations.site_ids, destinations.xy_m.tobytes())
        with self._searches_lock:  # the web app audits from several threads with one engine
            found = self._searches.get(key, MISSING)
        if found is MISSING:
            found = search_from_sites(self._reversed, sites, self.access_m_per_s)
            with self._searches_lock:
                self._searches[key] = found
                while len(self._searches) > KEPT_SEARCHES:
                    self._searches.pop(next(iter(self._searches)))
        return found, sites

    def nearest(self, origins_xy_m: np.ndarray, destinations: Destinations) -> NearestSites:
        search, _ = self._search(destinations)
        result, origins, sites = nearest_sites_on_graph(
            self._reversed, self._tree, origins_xy_m, destinations.xy_m, self.access_m_per_s, self.max_snap_m,
            search=search,
        )
        n_far = int((~origins.on_network).sum())
        if n_far:
            self.warnings.append(
                f"{n_far} origine(s) à plus de {self.max_snap_m:g} m du réseau {self.mode} : temps infini "
                f"({n_far} origin(s) farther than {self.max_snap_m:g} m from the {self.mode} network: "
                "unreachable)"
            )
        for k in np.flatnonzero(~sites.on_network):
            self.warnings.append(
                f"site {destinations.site_ids[k]} à {sites.distance_m[k]:.0f} m du réseau {self.mode}, "
                f"ignoré (site {destinations.site_ids[k]} is {sites.distance_m[k]:.0f} m from the "
                f"{self.mode} network, beyond {self.max_snap_m:g} m: not seeded)"
            )
        return result

    def routes(self, origins_xy_m: np.ndarray, destinations: Destinations, rows: np.ndarray) -> list:
        """The fastest path of each origin in ``rows`` to its nearest destination: metres, detour, bridges.

        The class's search (kept from nearest(), else run again), then a walk along each asked path;
        returns :class:`~maillage.network.street_routes.Route` or None per row.
        """
        from maillage.network.street_routes import trace_routes

        origins_xy_m = np.asarray(origins_xy_m, dtype=np.float64).reshape(-1, 2)
        origins = snap(self._tree, origins_xy_m, self.max_snap_m)
        search, sites = self._search(destinations)
        if search is None:
            return [None] * len(rows)
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
        speeds = ", ".join(f"{k} {v:g}" for k, v in s.items() if k != "access")
        source = f"{meta.get('pbf_name')} ({meta.get('pbf_modified')})"
        # French only: planners read these lines; the English facts are in describe() and the logs
        mode_fr = MODE_LABELS_FR.get(self.mode, self.mode)
        lines = [
            f"Temps par les rues {mode_fr} sur OpenStreetMap {source}, vitesses en km/h par type de "
            f"voie : {speeds}.".replace("default", "par défaut"),
            f"Trajet à pied à {s['access']:g} km/h, en ligne droite, entre chaque point (carreau, site) "
            f"et le nœud du réseau le plus proche ; au-delà de {self.max_snap_m:g} m, le point est déclaré "
            f"injoignable.",
        ]
        if self.mode == "walk":
            lines.append("Le piéton peut emprunter les sens interdits ; les voies interdites aux piétons sont exclues.")
        if self.mode in ("bike", "car"):
            lines.append(
                "Sens uniques et giratoires respectés (double-sens cyclables pour le vélo) ; voies "
                "interdites au mode exclues."
            )
        if self.mode == "car":
            lines.append(
                "Voiture : vitesses moyennes sans congestion ni attente aux feux, bornées par la vitesse "
                "maximale autorisée ; ni recherche de stationnement."
            )
        return lines


def street_engine(mode: str, pbf_path: Path, *, speeds: dict | None = None, max_snap_m: float = 500.0) -> StreetEngine:
    """Engine factory called by the CLI: ``--mode walk|bike|car --pbf FILE``."""
    return StreetEngine(mode, pbf_path, speeds=speeds, max_snap_m=max_snap_m)
