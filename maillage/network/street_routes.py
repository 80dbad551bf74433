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


def _bridge_edges(bridges: BridgeSegments, graph_node_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Bridge segments as sorted keys ``i * n + j`` of graph node indices (both directions) → name index."""
    n = len(graph_node_ids)
    if not bridges.names or not n:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), []
    names = sorted(set(bridges.names.values()))
    pairs = np.array(list(bridges.names), dtype=np.int64).reshape(-1, 2)
    which = np.searchsorted(names, list(bridges.names.values()))
    index = np.searchsorted(graph_node_ids, pairs)
    inside = (index < n).all(axis=1)
    inside[inside] = (graph_node_ids[index[inside]] == pairs[inside]).all(axis=1)
    i, j, which = index[inside, 0], index[inside, 1], which[inside]
    keys = np.concatenate([i * n + j, j * n + i])
    order = np.argsort(keys, kind="stable")
    return keys[order], np.concatenate([which, which])[order], names


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
    """The route of each origin in ``rows`` (None when it is off the network or reaches no site).

    Every path is followed at once, one step per round for all the paths still on the graph: one
    Python loop per node of every path cost the 92's audit ten times its searches. Each path's
    segment lengths are summed with one ``sum()`` in path order, as one path at a time did.
    """
    rows = np.asarray(rows, dtype=np.int64)
    n = search.n_nodes
    start = origins.node[rows]
    on = start >= 0
    site = np.full(len(rows), -1, dtype=np.int64)
    site[on] = search.site_of_node[start[on]]
    ok = on & (site >= 0)
    ok[ok] = np.isfinite(search.seconds[start[ok]])
    keys, key_name, names = _bridge_edges(bridges, graph_node_ids)
    active, node = np.flatnonzero(ok), start[ok].astype(np.int64)
    owners, lengths, hit_owners, hit_names = [], [], [], []
    for _ in range(n):  # a path visits each node at most once
        following = search.next_node[node].astype(np.int64)
        going = (following >= 0) & (following < n)
        active, node, following = active[going], node[going], following[going]
        if not len(active):
            break
        owners.append(active)
        lengths.append(np.hypot(*(graph_xy_m[following] - graph_xy_m[node]).T))
        if len(keys):
            edge = node * n + following
            at = np.minimum(np.searchsorted(keys, edge), len(keys) - 1)
            hit = keys[at] == edge
            hit_owners.append(active[hit])
            hit_names.append(key_name[at[hit]])
        node = following
    along = _sum_per_owner(owners, lengths, len(rows))
    crossed = _names_per_owner(hit_owners, hit_names, names, len(rows))
    out: list[Route | None] = []
    for k, row in enumerate(rows):
        if not ok[k]:
            out.append(None)
            continue
        walk_m = along[k] + float(origins.distance_m[row]) + float(sites.distance_m[site[k]])
        straight_m = float(np.hypot(*(origins_xy_m[row] - sites_xy_m[site[k]])))
        detour = walk_m / straight_m if straight_m > 0 else float("nan")
        out.append(Route(walk_m, straight_m, detour, *crossed[k]))
    return out


def _sum_per_owner(owners: list[np.ndarray], lengths: list[np.ndarray], size: int) -> list[float]:
    """Per path, ``sum()`` of its segment lengths in path order (0.0 for a path of one node)."""
    along = [0.0] * size
    if not owners:
        return along
    owner, length = np.concatenate(owners), np.concatenate(lengths)
    order = np.argsort(owner, kind="stable")  # stable: each path's segments stay in path order
    owner, length = owner[order], length[order]
    bounds = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1], True])
    for a, b in pairwise(bounds):
        along[int(owner[a])] = float(length[a:b].sum())
    return along


def _names_per_owner(
    owners: list[np.ndarray], which: list[np.ndarray], names: list[str], size: int
) -> list[tuple[tuple[str, ...], int]]:
    """Per path: the bridges' names in order of first crossing, and the unnamed bridge segments crossed."""
    out: list[tuple[tuple[str, ...], int]] = [((), 0)] * size
    if not owners or not sum(len(o) for o in owners):
        return out
    owner, name = np.concatenate(owners), np.concatenate(which)
    order = np.argsort(owner, kind="stable")
    found: dict[int, tuple[list[str], int]] = {}
    for k, w in zip(owner[order].tolist(), name[order].tolist(), strict=True):
        seen, unnamed = found.get(k, ([], 0))
        label = names[w]
        if not label:
            unnamed += 1
        elif label not in seen:
            seen.append(label)
        found[k] = (seen, unnamed)
    for k, (seen, unnamed) in found.items():
        out[k] = (tuple(seen), unnamed)
    return out
