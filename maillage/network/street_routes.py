"""Why a cell is far on the streets: the path to its nearest site, its length, detour and bridges.

The audit's search (:func:`maillage.network.street.search_from_sites`) already holds, for every
node, the next node towards its nearest site; following it from a cell's node gives the fastest
path without another search per cell. Only the cells asked for are traced (the audit asks for the
cells outside the standard), each in time proportional to its path's length.

Lengths are the sum of the straight segments between consecutive OSM nodes (the graph's edges are
such segments) plus the straight walks between the points and the network, in Lambert-93 metres.
Bridges are the OSM ways tagged ``bridge=*`` (not ``no``) with a ``highway``; their segments are
read once per PBF with pyosmium and cached beside the street graphs. A bridge's name says what it
crosses (the Seine for the "Pont de …" of the 92 extract, a railway or a motorway otherwise);
unnamed bridge segments are counted, not named.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from maillage.network.osm_graph import cache_dir_default, file_sha256

if TYPE_CHECKING:  # street.py calls this module (routes()); the types alone come back
    from maillage.network.street import SiteSearch, Snapped

BRIDGES_FORMAT_VERSION = 1


@dataclass(frozen=True)
class Route:
    """The fastest street path from a cell to its nearest site of one class."""

    walk_m: float
    straight_m: float
    detour_factor: float
    bridges: tuple[str, ...]
    unnamed_bridge_segments: int


@dataclass(frozen=True)
class BridgeSegments:
    """Bridge segments keyed by their two OSM node ids (smaller first) → way name ("" when unnamed)."""

    names: dict[tuple[int, int], str]
    node_ids: np.ndarray

    @classmethod
    def empty(cls) -> BridgeSegments:
        return cls({}, np.zeros(0, dtype=np.int64))


def read_bridge_segments(pbf: Path) -> BridgeSegments:
    """Every segment of a ``highway`` way tagged as a bridge in ``pbf`` (one pass with pyosmium)."""
    import osmium  # only when a route is explained

    names: dict[tuple[int, int], str] = {}
    processor = osmium.FileProcessor(str(pbf), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("bridge"))
    for way in processor:
        tags = way.tags
        if "highway" not in tags or tags.get("bridge") == "no":
            continue
        name = tags.get("name") or tags.get("ref") or ""
        refs = [node.ref for node in way.nodes]
        for a, b in pairwise(refs):
            names[(min(a, b), max(a, b))] = name
    nodes = np.unique(np.array([n for pair in names for n in pair], dtype=np.int64))
    return BridgeSegments(names, nodes)


def load_bridge_segments(pbf: Path, sha256: str | None = None, cache_dir: Path | None = None) -> BridgeSegments:
    """:func:`read_bridge_segments`, cached per PBF content (``sha256``, computed when not given)."""
    digest = sha256 or file_sha256(pbf)
    cache = (cache_dir or cache_dir_default()) / f"bridges-{digest[:16]}-v{BRIDGES_FORMAT_VERSION}.json"
    if cache.exists():
        rows = json.loads(cache.read_text(encoding="utf-8"))
        names = {(int(a), int(b)): str(n) for a, b, n in rows}
        return BridgeSegments(names, np.unique(np.array([n for p in names for n in p], dtype=np.int64)))
    bridges = read_bridge_segments(pbf)
    cache.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=cache.name, suffix=".tmp")
    try:  # atomic: a half-written cache must never be read
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump([[a, b, n] for (a, b), n in bridges.names.items()], fh, ensure_ascii=False)
        os.replace(tmp, cache)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return bridges


def trace_path(search: SiteSearch, start_node: int) -> np.ndarray:
    """Nodes from ``start_node`` to where the fastest path leaves the graph for its site."""
    path = [start_node]
    node = start_node
    for _ in range(search.n_nodes):  # a path visits each node at most once
        following = int(search.next_node[node])
        if following < 0 or following >= search.n_nodes:
            break
        path.append(following)
        node = following
    return np.array(path, dtype=np.int64)


def _bridges_on(path: np.ndarray, on_bridge: np.ndarray, graph_node_ids: np.ndarray,
                bridges: BridgeSegments) -> tuple[tuple[str, ...], int]:  # fmt: skip
    """Named bridges along ``path`` (graph node indices), in order, and the number of unnamed segments."""
    on = on_bridge[path]
    names: list[str] = []
    unnamed = 0
    for k in np.flatnonzero(on[:-1] & on[1:]):
        a, b = int(graph_node_ids[path[k]]), int(graph_node_ids[path[k + 1]])
        name = bridges.names.get((min(a, b), max(a, b)))
        if name is None:
            continue
        if not name:
            unnamed += 1
        elif name not in names:
            names.append(name)
    return tuple(names), unnamed


def trace_routes(
    search: SiteSearch,
    graph_xy_m: np.ndarray,
    graph_node_ids: np.ndarray,
    origins: Snapped,
    origins_xy_m: np.ndarray,
    sites: Snapped,
    sites_xy_m: np.ndarray,
    rows: np.ndarray,
    bridges: BridgeSegments,
) -> list[Route | None]:
    """The route of each origin in ``rows`` (None when it is off the network or reaches no site)."""
    out: list[Route | None] = []
    on_bridge = np.isin(graph_node_ids, bridges.node_ids)  # once: per path it would cost a sort each time
    for row in np.asarray(rows, dtype=np.int64):
        node = int(origins.node[row])
        site = int(search.site_of_node[node]) if node >= 0 else -1
        if site < 0 or not np.isfinite(search.seconds[node]):
            out.append(None)
            continue
        path = trace_path(search, node)
        along_m = float(np.hypot(*np.diff(graph_xy_m[path], axis=0).T).sum()) if len(path) > 1 else 0.0
        walk_m = along_m + float(origins.distance_m[row]) + float(sites.distance_m[site])
        straight_m = float(np.hypot(*(origins_xy_m[row] - sites_xy_m[site])))
        names, unnamed = _bridges_on(path, on_bridge, graph_node_ids, bridges)
        detour = walk_m / straight_m if straight_m > 0 else float("nan")
        out.append(Route(walk_m, straight_m, detour, names, unnamed))
    return out
