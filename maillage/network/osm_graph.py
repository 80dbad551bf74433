"""OpenStreetMap PBF → directed street graph per mode (walk, bike, car), with a disk cache.

The graph is a ``scipy.sparse`` CSR matrix of **seconds**: entry ``[i, j]`` is the time to travel
from node ``i`` to node ``j`` along one street segment. Node coordinates are Lambert-93 metres
(EPSG:2154), as everywhere in :mod:`maillage.network`.

Which ways a mode may use comes from pyrosm's network filters (``walking``, ``cycling``,
``driving+service``), which already apply OSM's access hierarchy: ``access=no/private`` closes a
way unless the mode's own tag (``foot``, ``bicycle``, ``motorcar``/``motor_vehicle``/``vehicle``)
reopens it, and ``foot=no`` / ``bicycle=no`` / ``motor_vehicle=no`` close it for that mode. We add
back the shared ways those filters drop wholesale (footways signed for bicycles, cycleways signed
for pedestrians), see :data:`EXTRA_WAYS`. Speeds live in ONE table, :data:`SPEEDS_KMH`.

Segment lengths are computed here, geodesically (WGS84) between the two OSM nodes of each segment,
because pyrosm's ``length`` column is not in metres for every network type.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pyproj import Geod
from scipy.sparse.csgraph import connected_components

from maillage.cache import cache_dir_default, file_sha256  # callers import both from here too
from maillage.geo import lonlat_to_l93, working_crs
from maillage.i18n import N_, _, label_of
from maillage.progress import Steps

MODES = ("walk", "bike", "car")

# One place for every street speed, km/h, per mode and highway=* class. "default" applies to any
# class not listed; "access" is the speed of the off-network leg between a point and its snapped
# node (both ends). It is walking speed for every mode: the resident walks to the street where the
# bike or car is, and from the parking spot to the door; we count no parking search time.
# walk: 4.8 km/h everywhere (R5's default 1.33 m/s, as crowfly.py).
# bike: 15 km/h, slower where cycling is shared with pedestrians or unpaved; 4 km/h on steps
#       (pushing, only where bicycle=yes allows them).
# car:  effective urban speeds per class (no congestion, no signal delay); a way's maxspeed tag,
#       when present and lower, wins ("capped by class": maxspeed never raises the class speed).
# fmt: off
SPEEDS_KMH: dict[str, dict[str, float]] = {
    "walk": {"default": 4.8, "access": 4.8},
    "bike": {
        "default": 15.0, "access": 4.8, "footway": 8.0, "pedestrian": 8.0, "living_street": 12.0,
        "path": 12.0, "track": 12.0, "trail": 10.0, "corridor": 5.0, "steps": 4.0,
    },
    "car": {
        "default": 20.0, "access": 4.8, "motorway": 90.0, "motorway_link": 45.0, "trunk": 70.0,
        "trunk_link": 40.0, "primary": 45.0, "primary_link": 30.0, "secondary": 40.0,
        "secondary_link": 30.0, "tertiary": 35.0, "tertiary_link": 25.0, "unclassified": 25.0,
        "residential": 25.0, "living_street": 10.0, "service": 15.0, "road": 20.0,
    },
}
# fmt: on

# The way classes of SPEEDS_KMH (OSM highway=* codes) in a planner's words, shown through _()
WAY_LABELS_FR: dict[str, str] = {
    "default": N_("par défaut"), "footway": N_("chemins piétons"), "pedestrian": N_("rues piétonnes"),
    "living_street": N_("zones de rencontre"), "path": N_("sentiers"), "track": N_("chemins agricoles ou forestiers"),
    "trail": N_("pistes"), "corridor": N_("couloirs"), "steps": N_("escaliers"), "motorway": N_("autoroutes"),
    "motorway_link": N_("bretelles d'autoroute"), "trunk": N_("voies rapides"),
    "trunk_link": N_("bretelles de voie rapide"), "primary": N_("routes principales"),
    "primary_link": N_("bretelles de route principale"), "secondary": N_("routes secondaires"),
    "secondary_link": N_("bretelles de route secondaire"), "tertiary": N_("routes tertiaires"),
    "tertiary_link": N_("bretelles de route tertiaire"), "unclassified": N_("routes non classées"),
    "residential": N_("rues résidentielles"), "service": N_("voies de desserte"), "road": N_("voies non classées"),
}  # fmt: skip


def way_label(way_class: str) -> str:
    """A way class in the reader's words (the OSM code itself for a class outside the table)."""
    return label_of(WAY_LABELS_FR, way_class)


# pyrosm network filter per mode. Car keeps service roads (except parking aisles, private and
# emergency ones): social-service sites often sit on one, and 15 km/h stops them being shortcuts.
PYROSM_NETWORK = {"walk": "walking", "bike": "cycling", "car": "driving+service"}

# Shared ways that pyrosm's filter for the mode drops whatever their tags say (Overpass-style
# custom filters, read in a second pass and merged).
_ALLOWED = "^(yes|designated|permissive)$"
EXTRA_WAYS = {
    "walk": f'["highway"="cycleway"]["foot"~"{_ALLOWED}"]',
    "bike": f'["highway"~"^(footway|steps|corridor)$"]["bicycle"~"{_ALLOWED}"]',
}

# Bump when the graph-building rules change, so that old caches are not reused.
GRAPH_FORMAT_VERSION = 1
# A segment of 0 m between two distinct nodes is a data error; give it 1 ms rather than 0 so that
# no sparse operation can ever mistake it for "no edge".
MIN_EDGE_SECONDS = 1e-3

_GEOD = Geod(ellps="WGS84")


class StreetGraphError(ValueError):
    """A PBF that cannot give a street graph (missing, empty, corrupt, no street for the mode)."""


@dataclass(frozen=True)
class StreetGraph:
    """Directed street graph of one mode: CSR of seconds, OSM node ids, Lambert-93 coordinates."""

    mode: str
    seconds: sp.csr_matrix
    node_ids: np.ndarray
    xy_m: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)
    # (k, 2) node pairs at exactly the same position, both orders, sorted: see coincident_pairs
    twins: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))

    @property
    def n_nodes(self) -> int:
        return int(self.seconds.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.seconds.nnz)


def speed_table(mode: str, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """The mode's row of :data:`SPEEDS_KMH`, with ``overrides`` (class → km/h) applied."""
    if mode not in SPEEDS_KMH:
        raise ValueError(f"street mode {mode!r} unknown (known: {', '.join(MODES)})")
    table = {**SPEEDS_KMH[mode], **{str(k): float(v) for k, v in (overrides or {}).items()}}
    bad = {k: v for k, v in table.items() if not v > 0}
    if bad:
        raise ValueError(_("les vitesses par les rues doivent être > 0 km/h (lues : {bad})").format(bad=bad))
    return dict(sorted(table.items()))


_MAXSPEED_WORDS = {"walk": 6.0, "living_street": 20.0, "urban": 50.0, "rural": 80.0, "motorway": 130.0}


def parse_maxspeed_kmh(values: np.ndarray) -> np.ndarray:
    """OSM ``maxspeed`` values → km/h (NaN when absent or not understood).

    Understands ``50``, ``30 mph``, ``FR:urban``/``FR:rural``/``FR:zone30``, ``walk`` and
    ``50;30`` (lowest wins). ``none``/``signals`` give NaN, so the class speed applies.
    """
    out = np.full(len(values), np.nan)
    for i, raw in enumerate(values):
        if not isinstance(raw, str) or not raw.strip():
            continue
        speeds = []
        for part in raw.lower().split(";"):
            part = part.strip()
            number = re.match(r"^(\d+(?:\.\d+)?)\s*(mph|km/h|kmh)?$", part)
            zone = re.search(r"zone:?(\d+)$", part)
            word = part.split(":")[-1]
            if number:
                speeds.append(float(number.group(1)) * (1.609344 if number.group(2) == "mph" else 1.0))
            elif zone:
                speeds.append(float(zone.group(1)))
            elif word in _MAXSPEED_WORDS:
                speeds.append(_MAXSPEED_WORDS[word])
        speeds = [s for s in speeds if s > 0]
        if speeds:
            out[i] = min(speeds)
    return out


def edge_speeds_kmh(mode: str, highway: np.ndarray, maxspeed: np.ndarray, table: Mapping[str, float]) -> np.ndarray:
    """Speed of each way segment: class speed, lowered by ``maxspeed`` for car."""
    by_class = np.array([table.get(h, table["default"]) for h in highway], dtype=np.float64)
    if mode != "car":
        return by_class
    legal = parse_maxspeed_kmh(maxspeed)
    return np.where(np.isfinite(legal), np.minimum(legal, by_class), by_class)


def _lower(values: np.ndarray) -> np.ndarray:
    return np.array([v.strip().lower() if isinstance(v, str) else "" for v in values], dtype=object)


def edge_directions(
    mode: str,
    highway: np.ndarray,
    oneway: np.ndarray,
    junction: np.ndarray,
    oneway_bicycle: np.ndarray,
    cycleway: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each way segment may be travelled forward (u→v) and backward (v→u).

    Walk ignores one-ways. Car and bike honour ``oneway=yes/true/1`` (forward only) and ``-1``
    (backward only); roundabouts (``junction=roundabout/circular``) are one-way unless tagged
    ``oneway=no``, and so are motorways for car. Bike also honours ``oneway:bicycle`` and the
    contraflow tags (``oneway:bicycle=no``, ``cycleway=opposite*``: "double-sens cyclable").
    """
    n = len(highway)
    if mode == "walk":
        return np.ones(n, dtype=bool), np.ones(n, dtype=bool)
    ow, jn, owb, cw = _lower(oneway), _lower(junction), _lower(oneway_bicycle), _lower(cycleway)
    yes, no = ("yes", "true", "1"), ("no", "false", "0")
    implied = np.isin(jn, ("roundabout", "circular"))
    if mode == "car":
        implied |= np.asarray(highway, dtype=object) == "motorway"
    backward_only = np.isin(ow, ("-1", "reverse"))
    forward_only = np.isin(ow, yes) | (implied & ~np.isin(ow, no) & ~backward_only)
    if mode == "bike":
        forward_only |= np.isin(owb, yes)
        backward_only |= owb == "-1"
        contraflow = np.isin(owb, no) | np.array([c.startswith("opposite") for c in cw], dtype=bool)
        forward_only &= ~contraflow
        backward_only &= ~contraflow
    return ~backward_only, ~forward_only


def assemble_graph(
    u: np.ndarray, v: np.ndarray, seconds: np.ndarray, forward: np.ndarray, backward: np.ndarray, n_nodes: int
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Directed CSR of seconds restricted to its largest strongly connected component.

    ``u``/``v`` are node indices. Parallel segments keep the fastest. Returns the graph and the
    boolean mask of kept nodes (a node outside the largest component could reach, or be reached
    from, only part of the network; its points snap to the main component instead).
    """
    src = np.concatenate([u[forward], v[backward]])
    dst = np.concatenate([v[forward], u[backward]])
    w = np.maximum(np.concatenate([seconds[forward], seconds[backward]]), MIN_EDGE_SECONDS)
    loop = src == dst
    src, dst, w = src[~loop], dst[~loop], w[~loop]
    order = np.lexsort((w, dst, src))  # fastest first within each (src, dst)
    src, dst, w = src[order], dst[order], w[order]
    first = np.ones(len(src), dtype=bool)
    first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
    graph = sp.csr_matrix((w[first], (src[first], dst[first])), shape=(n_nodes, n_nodes))
    _, labels = connected_components(graph, directed=True, connection="strong")
    keep = labels == np.argmax(np.bincount(labels))
    idx = np.flatnonzero(keep)
    return graph[idx][:, idx].tocsr(), keep


def coincident_pairs(xy_m: np.ndarray) -> np.ndarray:
    """(k, 2) pairs of node indices at exactly the same coordinates, both orders, sorted.

    OSM has them where two ways cross without sharing a node (a footbridge over a street) and
    where a node was duplicated. A point there is equally near both, so the engines treat them as
    one snapping target (:class:`maillage.network.street.Snapped`). Computed once, at the build:
    sorting 400k positions costs about a Dijkstra.
    """
    key = np.ascontiguousarray(xy_m, dtype=np.float64).view(np.complex128).ravel()  # x + iy, sorts by x then y
    order = np.argsort(key, kind="stable")
    same = np.flatnonzero(key[order][1:] == key[order][:-1])
    pairs = set()
    for start in same:  # rare: tens in a département
        end = start + 1
        while end + 1 < len(order) and key[order[end + 1]] == key[order[start]]:
            end += 1
        group = order[start : end + 1].tolist()
        pairs.update((a, b) for a in group for b in group if a != b)
    return np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name in frame.columns:
        return frame[name].to_numpy(dtype=object)
    return np.full(len(frame), None, dtype=object)


def read_pbf_ways(pbf_path: Path, mode: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Way segments (one row per u→v pair) and their nodes for ``mode``, from the PBF."""
    import pyrosm  # imported here: reading is the slow, optional part; the cache needs no pyrosm

    try:
        osm = pyrosm.OSM(str(pbf_path))
        frames = [osm.get_network(network_type=PYROSM_NETWORK[mode], nodes=True, extra_attributes=["junction"])]
        if mode in EXTRA_WAYS:
            with warnings.catch_warnings():
                # an extract with none of these ways is a normal case (dropped below), not a message in English
                # on the stderr of ``maillage orient`` or ``serve`` while the cache is built
                warnings.filterwarnings("ignore", message="Could not find any edges", category=UserWarning)
                frames.append(osm.get_network(nodes=True, custom_filter=EXTRA_WAYS[mode], extra_attributes=["area"]))
    except Exception as exc:  # pyrosm raises protobuf, zlib and its own errors on bad input
        message = _("{file} : fichier OpenStreetMap (.osm.pbf) illisible ; donnez à --pbf un extrait .osm.pbf complet "
                    "(par exemple téléchargé de Geofabrik)")
        raise StreetGraphError(message.format(file=pbf_path)) from exc
    frames = [f for f in frames if f is not None and f[1] is not None and len(f[1])]
    if not frames:
        from maillage.network.engine import mode_label

        message = _("{file} : aucune voie praticable {mode} dans cet extrait OpenStreetMap ; donnez à --pbf un extrait "
                    "qui couvre le territoire")
        raise StreetGraphError(message.format(file=pbf_path, mode=mode_label(mode)))
    nodes = pd.concat([f[0][["id", "lon", "lat"]] for f in frames]).drop_duplicates("id")
    edges = pd.concat([f[1] for f in frames], ignore_index=True)
    if "area" in edges.columns:
        edges = edges[edges["area"].fillna("no") != "yes"]
    return edges, nodes


def build_street_graph(edges: pd.DataFrame, nodes: pd.DataFrame, mode: str, table: Mapping[str, float]) -> StreetGraph:
    """Pure part of the build: way segments and nodes (pyrosm frames) → :class:`StreetGraph`."""
    u_osm = edges["u"].to_numpy(dtype=np.int64)
    v_osm = edges["v"].to_numpy(dtype=np.int64)
    node_ids = np.unique(np.concatenate([u_osm, v_osm]))
    coords = nodes.set_index("id")[["lon", "lat"]].reindex(node_ids).to_numpy(dtype=np.float64)
    u, v = np.searchsorted(node_ids, u_osm), np.searchsorted(node_ids, v_osm)
    located = np.isfinite(coords[u]).all(axis=1) & np.isfinite(coords[v]).all(axis=1)
    _, _, length_m = _GEOD.inv(coords[u, 0], coords[u, 1], coords[v, 0], coords[v, 1])
    highway = _column(edges, "highway")
    speed = edge_speeds_kmh(mode, highway, _column(edges, "maxspeed"), table)
    forward, backward = edge_directions(
        mode,
        highway,
        _column(edges, "oneway"),
        _column(edges, "junction"),
        _column(edges, "oneway:bicycle"),
        _column(edges, "cycleway"),
    )
    seconds = np.where(located, np.abs(length_m), np.inf) / (speed / 3.6)
    graph, keep = assemble_graph(u, v, seconds, forward & located, backward & located, len(node_ids))
    x, y = lonlat_to_l93(coords[keep, 0], coords[keep, 1]).T
    xy_m = np.column_stack([x, y])
    return StreetGraph(
        mode=mode,
        seconds=graph,
        node_ids=node_ids[keep],
        xy_m=xy_m,
        twins=coincident_pairs(xy_m),
        metadata={
            "n_nodes": int(keep.sum()),
            "n_edges": int(graph.nnz),
            "nodes_outside_largest_component": int((~keep).sum()),
            "n_way_segments": len(edges),
        },
    )


def save_graph(path: Path, graph: StreetGraph) -> None:
    """Write atomically: a half-written cache must never be read as a graph."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(
                fh,
                indptr=graph.seconds.indptr,
                indices=graph.seconds.indices,
                data=graph.seconds.data,
                node_ids=graph.node_ids,
                xy_m=graph.xy_m,
                twins=graph.twins,
                metadata=np.array(json.dumps(graph.metadata)),
            )
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_graph(path: Path, mode: str) -> StreetGraph:
    with np.load(path, allow_pickle=False) as z:
        n = len(z["node_ids"])
        seconds = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=(n, n))
        metadata = json.loads(str(z["metadata"][()]))
        if "twins" in z.files:
            return StreetGraph(mode, seconds, z["node_ids"], z["xy_m"], metadata, z["twins"])
        graph = StreetGraph(mode, seconds, z["node_ids"], z["xy_m"], metadata, coincident_pairs(z["xy_m"]))
    # A cache written before twins were kept: upgraded once (same graph). A read-only cache
    # directory only means computing them again next time.
    with contextlib.suppress(OSError):
        save_graph(path, graph)
    return graph


def load_street_graph(
    pbf_path: Path | str,
    mode: str,
    *,
    speeds: Mapping[str, float] | None = None,
    cache_dir: Path | None = None,
    progress: bool = True,
) -> StreetGraph:
    """Street graph of ``mode`` from ``pbf_path``, from the disk cache when it is there.

    The cache file name carries the PBF's sha256, the mode and a hash of the speed table and
    building rules, so any change to one of them builds a new graph.
    """
    import pyrosm

    pbf = Path(pbf_path).expanduser().resolve()
    table = speed_table(mode, speeds)
    if not pbf.is_file():
        message = _("extrait OpenStreetMap introuvable : {file} (vérifiez le chemin donné à --pbf)")
        raise StreetGraphError(message.format(file=pbf))
    stat = pbf.stat()
    if stat.st_size == 0:
        raise StreetGraphError(_("extrait OpenStreetMap vide : {file} (fichier de 0 octet ; téléchargez-le à "
                                 "nouveau)").format(file=pbf))
    steps = Steps(progress)
    with steps:
        steps.say(f"hashing {pbf.name}")
        sha = file_sha256(pbf)
    rules = json.dumps(
        [GRAPH_FORMAT_VERSION, pyrosm.__version__, PYROSM_NETWORK[mode], EXTRA_WAYS.get(mode), table, working_crs()]
    )
    key = hashlib.sha256(rules.encode()).hexdigest()[:12]
    cache = (cache_dir or cache_dir_default()) / f"street-{mode}-{sha[:16]}-{key}.npz"
    file_facts = {
        "pbf": str(pbf),
        "pbf_name": pbf.name,
        "pbf_size_bytes": stat.st_size,
        "pbf_sha256": sha,
        "pbf_modified": datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds"),
    }
    if cache.is_file():
        try:
            graph = load_graph(cache, mode)
            # Same content, maybe another copy of the file: report the file actually given.
            graph.metadata.update(file_facts, cache_file=str(cache), from_cache=True)
            return graph
        except Exception:  # unreadable cache (disk full, older numpy...): rebuild it
            steps.log(f"unreadable graph cache {cache}, rebuilding")
    started = time.perf_counter()
    with steps:
        steps.say(f"{mode}: reading {pbf.name}")
        edges, nodes = read_pbf_ways(pbf, mode)
        steps.say(f"{mode}: building graph from {len(edges):,} segments")
        graph = build_street_graph(edges, nodes, mode, table)
        steps.say(f"{mode}: writing cache {cache.name}")
        graph.metadata.update(
            file_facts,
            mode=mode,
            pyrosm_network=PYROSM_NETWORK[mode],
            extra_ways=EXTRA_WAYS.get(mode),
            speeds_kmh=table,
            build_seconds=round(time.perf_counter() - started, 3),
            format_version=GRAPH_FORMAT_VERSION,
        )
        save_graph(cache, graph)
    graph.metadata.update(cache_file=str(cache), from_cache=False)
    return graph
