"""Small hand-made OSM PBF files for tests, written with pyosmium.

Points are given in metres east/north of an origin and placed with geodesic offsets, so that the
lengths of the segments are the round numbers of the drawing (within millimetres).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import osmium
from pyproj import Geod

_GEOD = Geod(ellps="WGS84")
# Near the Hauts-de-Seine, so the working CRS (Lambert-93) applies.
ORIGIN_LONLAT = (2.2400, 48.8300)


def offset_lonlat(east_m: float, north_m: float, origin: tuple[float, float] = ORIGIN_LONLAT) -> tuple[float, float]:
    """The point ``east_m`` east and ``north_m`` north of ``origin`` (geodesic)."""
    lon, lat, _ = _GEOD.fwd(origin[0], origin[1], 0.0, north_m)
    lon, lat, _ = _GEOD.fwd(lon, lat, 90.0, east_m)
    return float(lon), float(lat)


def write_pbf(
    path: Path,
    nodes: Mapping[int, tuple[float, float]],
    ways: Sequence[tuple[Sequence[int], Mapping[str, str]]],
    node_tags: Mapping[int, Mapping[str, str]] | None = None,
) -> Path:
    """Write nodes (id → (east_m, north_m)) and ways ((node ids, tags)) to a PBF file."""
    if path.exists():
        path.unlink()
    writer = osmium.SimpleWriter(str(path))
    try:
        for node_id in sorted(nodes):
            lon, lat = offset_lonlat(*nodes[node_id])
            tags = dict((node_tags or {}).get(node_id, {}))
            writer.add_node(osmium.osm.mutable.Node(id=node_id, location=(lon, lat), tags=tags, version=1))
        for way_id, (refs, tags) in enumerate(ways, start=1):
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=list(refs), tags=dict(tags), version=1))
    finally:
        writer.close()
    return path
