"""Address points, named streets and points of interest read from an OpenStreetMap PBF, with a disk cache.

One pass of pyosmium over the extract keeps, in plain numpy arrays:

* address nodes: ``addr:housenumber``, ``addr:street``, ``addr:postcode``, ``addr:city``, lon/lat;
* named highway ways: name and vertices (lon/lat), for streets that have no address point;
* named points of interest (nodes that are neither address points nor bare vertices): name and kind
  (the first of ``amenity``, ``office``, ``social_facility``, ``healthcare``, ``shop``, ``tourism``).

The arrays are cached as ``.npz`` under ``$MAILLAGE_CACHE`` (as the street graphs are), keyed by the
PBF's name, size and modification time plus :data:`RULES_VERSION`, so a later ``maillage init`` reads
them in a fraction of a second. An address point without a number (a node carrying ``addr:street`` but
no ``addr:housenumber``, no ``addr:housename`` and no ``name``) is rejected with the file, the node
and the field: the extract is then not one this geocoder can trust.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from maillage.i18n import _
from maillage.registry.errors import ImportRejected, RowProblem

# Bump when what is kept from the PBF changes, so that old caches are not reused.
RULES_VERSION = 1
POI_KIND_KEYS = ("amenity", "office", "social_facility", "healthcare", "shop", "tourism")
_MAX_PROBLEMS = 20  # a broken extract would otherwise print one line per node


@dataclass(frozen=True)
class OsmAddressData:
    """What the geocoder needs from one PBF; every lon/lat array is (n, 2) WGS84 degrees."""

    source_file: str
    address_lonlat: np.ndarray
    address_number: np.ndarray  # str, as tagged ("13", "13bis", "13-15"…)
    address_street: np.ndarray  # str, as tagged
    address_postcode: np.ndarray
    address_city: np.ndarray
    way_name: np.ndarray  # str, one per named highway way
    way_offsets: np.ndarray  # int, vertices of way i are way_lonlat[way_offsets[i]:way_offsets[i + 1]]
    way_lonlat: np.ndarray
    poi_lonlat: np.ndarray
    poi_name: np.ndarray
    poi_kind: np.ndarray

    def way_vertices(self, index: int) -> np.ndarray:
        return self.way_lonlat[self.way_offsets[index] : self.way_offsets[index + 1]]


def nearest_address_labels(
    data: OsmAddressData, lonlat: np.ndarray, max_distance_m: float = 250.0
) -> list[str | None]:
    """For each lon/lat, the nearest address point as "12 rue X, 92100 Ville" (None beyond ``max_distance_m``).

    A proposal drawn on a grid is a point in a street a planner knows by its address; beyond a few
    hundred metres the nearest address would mislead more than it helps.
    """
    from scipy.spatial import cKDTree

    from maillage.geo import lonlat_to_l93

    points = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    if not len(data.address_lonlat) or not len(points):
        return [None] * len(points)
    tree = cKDTree(lonlat_to_l93(data.address_lonlat[:, 0], data.address_lonlat[:, 1]))
    distance, index = tree.query(lonlat_to_l93(points[:, 0], points[:, 1]))
    labels: list[str | None] = []
    for d, i in zip(distance, index, strict=True):
        if d > max_distance_m:
            labels.append(None)
            continue
        street = f"{data.address_number[i]} {data.address_street[i]}".strip()
        town = f"{data.address_postcode[i]} {data.address_city[i]}".strip()
        labels.append(", ".join(part for part in (street, town) if part) or None)
    return labels


def _cache_dir() -> Path:
    from maillage.network.osm_graph import cache_dir_default

    return cache_dir_default()


def cache_path(pbf_path: Path, cache_dir: Path | None = None) -> Path:
    stat = pbf_path.stat()
    name = f"osm-addresses-{pbf_path.stem}-{stat.st_size}-{stat.st_mtime_ns}-v{RULES_VERSION}.npz"
    return (cache_dir or _cache_dir()) / name


def load_osm_addresses(pbf_path: Path, cache_dir: Path | None = None) -> OsmAddressData:
    """The address data of ``pbf_path``, from the cache when it is there (raises ImportRejected on bad points)."""
    cache = cache_path(pbf_path, cache_dir)
    if cache.is_file():
        try:
            return _load(cache, pbf_path.name)
        except Exception:  # unreadable cache (disk full, older numpy…): read the PBF again
            cache.unlink(missing_ok=True)
    data = read_pbf_addresses(pbf_path)
    _save(cache, data)
    return data


def read_pbf_addresses(pbf_path: Path) -> OsmAddressData:
    import osmium  # imported here: only a cache miss needs it

    addr_xy: list[tuple[float, float]] = []
    addr_cols: tuple[list[str], ...] = ([], [], [], [])
    way_names: list[str] = []
    way_offsets = [0]
    way_xy: list[tuple[float, float]] = []
    poi_xy: list[tuple[float, float]] = []
    poi_name: list[str] = []
    poi_kind: list[str] = []
    problems: list[RowProblem] = []
    processor = osmium.FileProcessor(str(pbf_path)).with_locations()
    for obj in processor:
        tags = obj.tags
        if not len(tags):
            continue
        if obj.is_node():
            lonlat = (obj.location.lon, obj.location.lat)
            if "addr:housenumber" in tags:
                addr_xy.append(lonlat)
                for column, key in zip(addr_cols, ("addr:housenumber", "addr:street", "addr:postcode", "addr:city"),
                                       strict=True):  # fmt: skip
                    column.append(tags.get(key, ""))
            elif "addr:street" in tags and "addr:housename" not in tags and "name" not in tags:
                if len(problems) < _MAX_PROBLEMS:
                    street = tags["addr:street"]
                    reason = _("point d'adresse sans numéro : addr:street « {street} » mais pas de "
                               "addr:housenumber").format(street=street)
                    problems.append(RowProblem(pbf_path.name, None, f"node {obj.id}", reason))
            elif "name" in tags:
                poi_xy.append(lonlat)
                poi_name.append(tags["name"])
                poi_kind.append(next((f"{k}={tags[k]}" for k in POI_KIND_KEYS if k in tags), ""))
        elif obj.is_way() and "highway" in tags and "name" in tags:
            points = [(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()]
            if len(points) >= 2:
                way_names.append(tags["name"])
                way_xy.extend(points)
                way_offsets.append(len(way_xy))
    if problems:
        raise ImportRejected(problems)

    def lonlat(points: list[tuple[float, float]]) -> np.ndarray:
        return np.asarray(points, dtype=float).reshape(-1, 2)

    def text(values: list[str]) -> np.ndarray:
        return np.asarray(values, dtype=str)

    return OsmAddressData(
        source_file=pbf_path.name,
        address_lonlat=lonlat(addr_xy),
        address_number=text(addr_cols[0]),
        address_street=text(addr_cols[1]),
        address_postcode=text(addr_cols[2]),
        address_city=text(addr_cols[3]),
        way_name=text(way_names),
        way_offsets=np.asarray(way_offsets, dtype=np.int64),
        way_lonlat=lonlat(way_xy),
        poi_lonlat=lonlat(poi_xy),
        poi_name=text(poi_name),
        poi_kind=text(poi_kind),
    )


_ARRAYS = tuple(f for f in OsmAddressData.__dataclass_fields__ if f != "source_file")


def _save(path: Path, data: OsmAddressData) -> None:
    """Write atomically: a half-written cache must never be read back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        arrays: dict[str, np.ndarray] = {}
        for name in _ARRAYS:
            values = getattr(data, name)
            if values.dtype.kind == "U":  # strings repeat (street names): a table + int codes is ~20× smaller
                table, codes = np.unique(values, return_inverse=True)
                arrays[f"{name}__table"], arrays[f"{name}__codes"] = table, codes.astype(np.int32)
            else:
                arrays[name] = values
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load(path: Path, source_file: str) -> OsmAddressData:
    with np.load(path, allow_pickle=False) as z:
        arrays = {name: z[name] if name in z.files else z[f"{name}__table"][z[f"{name}__codes"]] for name in _ARRAYS}
    return OsmAddressData(source_file=source_file, **arrays)
