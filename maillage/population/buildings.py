"""Buildings, land use areas and address points of an OSM extract, as arrays, with a disk cache.

Read once with pyosmium (areas assembled from closed ways and multipolygon relations), then kept
as an ``.npz`` under the maillage cache folder, named by the PBF's sha256 and size and by the
rules of this module, so a new extract or a rule change reads the file again.

Per building (outer ring only: courtyards are not removed, they are small next to the footprint):
Lambert-93 centroid, footprint area in m², ``building:levels`` (NaN where untagged), the number of
address points inside the footprint, and the land use class of the area holding its centroid
(``empty`` first, then ``nonres``, else ``other``). Land use polygons are kept (WKB) for the
per-commune "moved out" report.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from maillage.geo import lonlat_to_l93
from maillage.i18n import _

BUILDINGS_FORMAT_VERSION = 3
ADDRESS_NEAR_M = 5.0  # an address point this close to a footprint belongs to it

# Areas that hold nobody: parks, gardens, forests, water, cemeteries, grass and farmland.
EMPTY_TAGS: dict[str, frozenset[str]] = {
    "leisure": frozenset({"park", "garden", "nature_reserve", "golf_course", "pitch", "stadium", "playground"}),
    "landuse": frozenset({"forest", "grass", "meadow", "cemetery", "allotments", "recreation_ground",
                          "village_green", "farmland", "orchard", "vineyard", "plant_nursery"}),
    "natural": frozenset({"water", "wood", "scrub", "grassland", "wetland", "sand", "beach"}),
    "amenity": frozenset({"grave_yard"}),
    "waterway": frozenset({"riverbank"}),
}  # fmt: skip
# Areas whose buildings are mostly not homes (offices, shops, works, rail, schools, hospitals).
NONRES_TAGS: dict[str, frozenset[str]] = {
    "landuse": frozenset({"commercial", "industrial", "retail", "railway", "military", "construction"}),
    "amenity": frozenset({"school", "college", "university", "hospital", "kindergarten", "library",
                          "bus_station"}),
}  # fmt: skip
LANDUSE_CLASSES = ("other", "nonres", "empty")  # index stored per building


class BuildingsError(ValueError):
    """The PBF cannot be read, or holds no building."""


@dataclass(frozen=True)
class BuildingArrays:
    """Buildings of an extract (Lambert-93 metres) and its empty / non-residential areas."""

    xy_m: np.ndarray  # (n, 2) footprint centroids
    area_m2: np.ndarray
    levels: np.ndarray  # building:levels, NaN where untagged
    addresses: np.ndarray  # address points inside the footprint
    landuse_class: np.ndarray  # index into LANDUSE_CLASSES
    empty_areas: np.ndarray  # disjoint shapely polygons
    nonres_areas: np.ndarray  # disjoint, outside the empty areas
    address_count: int
    metadata: dict


def landuse_class_of(tags) -> int:
    """0 other, 1 non-residential, 2 empty, from an area's tags (empty wins)."""
    for table, value in ((EMPTY_TAGS, 2), (NONRES_TAGS, 1)):
        for key, values in table.items():
            if tags.get(key) in values:
                return value
    return 0


def _rules_key() -> str:
    rules = json.dumps([BUILDINGS_FORMAT_VERSION, ADDRESS_NEAR_M, {k: sorted(v) for k, v in {**EMPTY_TAGS}.items()},
                        {k: sorted(v) for k, v in NONRES_TAGS.items()}])  # fmt: skip
    return hashlib.sha256(rules.encode()).hexdigest()[:12]


def load_buildings(pbf_path: Path | str, *, cache_dir: Path | None = None) -> BuildingArrays:
    """The buildings of ``pbf_path``, from the cache when it holds this file's arrays."""
    from maillage.network.osm_graph import cache_dir_default, file_sha256

    pbf = Path(pbf_path).expanduser().resolve()
    if not pbf.is_file() or pbf.stat().st_size == 0:
        raise BuildingsError(_("extrait OpenStreetMap introuvable ou vide : {file} (vérifiez le fichier osm/*.osm.pbf "
                               "du dossier de données)").format(file=pbf))
    sha = file_sha256(pbf)
    size = pbf.stat().st_size
    cache = (cache_dir or cache_dir_default()) / f"buildings-{sha[:16]}-{size}-{_rules_key()}.npz"
    if cache.is_file():
        try:
            return _load(cache)
        except Exception:  # unreadable cache (truncated, older numpy): read the PBF again
            pass
    started = time.perf_counter()
    arrays = read_buildings(pbf)
    arrays.metadata.update(pbf_name=pbf.name, pbf_sha256=sha, pbf_size_bytes=size,
                           build_seconds=round(time.perf_counter() - started, 3))  # fmt: skip
    _save(cache, arrays)
    return arrays


def read_buildings(pbf: Path) -> BuildingArrays:
    """Read buildings, land use areas and address points from the PBF (no cache)."""
    import osmium

    ring_lonlat: list[list[tuple[float, float]]] = [[], [], []]  # buildings, empty, nonres
    ring_sizes: list[list[int]] = [[], [], []]
    levels: list[float] = []
    addr_lonlat: list[tuple[float, float]] = []
    try:
        processor = osmium.FileProcessor(str(pbf)).with_locations().with_areas()
        for obj in processor:
            if obj.is_node():
                if "addr:housenumber" in obj.tags and obj.location.valid():
                    addr_lonlat.append((obj.location.lon, obj.location.lat))
                continue
            if not obj.is_area():
                continue
            if "building" in obj.tags:
                kind = 0
                levels.append(_levels(obj.tags.get("building:levels")))
            else:
                landuse = landuse_class_of(obj.tags)
                if landuse == 0:
                    continue
                kind = 3 - landuse  # empty → 1, nonres → 2
            outers = list(obj.outer_rings())
            if kind == 0:
                outers = outers[:1] if outers else []  # one centroid per building
                if not outers:
                    levels.pop()
                    continue
            for ring in outers:
                coords = [(n.lon, n.lat) for n in ring]
                ring_lonlat[kind].extend(coords)
                ring_sizes[kind].append(len(coords))
    except RuntimeError:  # libosmium raises RuntimeError on unreadable input
        raise BuildingsError(_("{file} : fichier OpenStreetMap (.osm.pbf) illisible ; remplacez-le par un extrait "
                               "complet").format(file=pbf)) from None
    if not ring_sizes[0]:
        message = _("{file} : aucun bâtiment dans cet extrait OpenStreetMap ; le modèle de population en a besoin "
                    "(donnez un extrait avec les bâtiments, ou une grille avec --population-grid)")
        raise BuildingsError(message.format(file=pbf))
    polygons = [_polygons(ring_lonlat[k], ring_sizes[k]) for k in range(3)]
    footprints = polygons[0]
    centroids = shapely.get_coordinates(shapely.centroid(footprints))
    addresses = _points(addr_lonlat)
    counts = np.zeros(len(footprints), dtype=np.int32)
    if len(addresses):
        tree = shapely.STRtree(footprints)
        # OpenMapTiles puts house numbers on the footprint's edge or just outside: count those near it.
        _distances, hit = tree.query(addresses, predicate="dwithin", distance=ADDRESS_NEAR_M)
        np.add.at(counts, hit, 1)
    landuse = np.zeros(len(footprints), dtype=np.int8)
    points = shapely.points(centroids)
    for value, areas in ((1, polygons[2]), (2, polygons[1])):  # empty last: it wins
        if len(areas):
            inside, _within = shapely.STRtree(areas).query(points, predicate="within")
            landuse[np.unique(inside)] = value
    # Disjoint parts of each class (empty wins), so that areas inside a commune can be summed.
    empty_union = shapely.union_all(polygons[1])
    nonres_union = shapely.difference(shapely.union_all(polygons[2]), empty_union)
    return BuildingArrays(
        xy_m=centroids,
        area_m2=shapely.area(footprints),
        levels=np.array(levels, dtype=float),
        addresses=counts,
        landuse_class=landuse,
        empty_areas=_polygon_parts(empty_union),
        nonres_areas=_polygon_parts(nonres_union),
        address_count=len(addresses),
        metadata={"buildings": len(footprints), "address_points": len(addresses)},
    )


def _levels(raw: str | None) -> float:
    try:
        value = float(str(raw).replace(",", "."))
    except ValueError:
        return float("nan")
    return value if 0 < value < 200 else float("nan")


def _polygons(lonlat: list[tuple[float, float]], sizes: list[int]) -> np.ndarray:
    if not sizes:
        return np.array([], dtype=object)
    lon, lat = np.array(lonlat, dtype=float).T
    ring_index = np.repeat(np.arange(len(sizes)), sizes)
    rings = shapely.linearrings(lonlat_to_l93(lon, lat), indices=ring_index)
    # Kept one per ring, even when degenerate (area 0): building arrays stay aligned with levels.
    return shapely.make_valid(shapely.polygons(rings))


def _polygon_parts(geometry) -> np.ndarray:
    parts = shapely.get_parts(geometry)
    return parts[shapely.get_type_id(parts) == 3]  # polygons only (unions may leave lines)


def _points(lonlat: list[tuple[float, float]]) -> np.ndarray:
    if not lonlat:
        return np.array([], dtype=object)
    lon, lat = np.array(lonlat, dtype=float).T
    return shapely.points(lonlat_to_l93(lon, lat))


def _save(path: Path, arrays: BuildingArrays) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside, then renamed: a crash leaves no half-written cache.
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as handle:
        np.savez(
            handle,
            xy_m=arrays.xy_m, area_m2=arrays.area_m2, levels=arrays.levels, addresses=arrays.addresses,
            landuse_class=arrays.landuse_class,
            **_wkb_blob("empty", arrays.empty_areas), **_wkb_blob("nonres", arrays.nonres_areas),
            metadata=np.array(json.dumps({**arrays.metadata, "address_count": arrays.address_count})),
        )  # fmt: skip
    os.replace(handle.name, path)


def _load(path: Path) -> BuildingArrays:
    with np.load(path, allow_pickle=False) as data:
        metadata = json.loads(str(data["metadata"]))
        return BuildingArrays(
            xy_m=data["xy_m"], area_m2=data["area_m2"], levels=data["levels"], addresses=data["addresses"],
            landuse_class=data["landuse_class"],
            empty_areas=_from_blob(data, "empty"), nonres_areas=_from_blob(data, "nonres"),
            address_count=int(metadata.pop("address_count")), metadata={**metadata, "from_cache": True},
        )  # fmt: skip


def _wkb_blob(name: str, polygons: np.ndarray) -> dict[str, np.ndarray]:
    """Polygons as one byte array and their offsets (npz holds no object arrays without pickle)."""
    parts = [bytes(w) for w in shapely.to_wkb(polygons)] if len(polygons) else []
    offsets = np.cumsum([0, *(len(p) for p in parts)])
    return {f"{name}_wkb": np.frombuffer(b"".join(parts), dtype=np.uint8), f"{name}_offsets": offsets}


def _from_blob(data, name: str) -> np.ndarray:
    blob, offsets = data[f"{name}_wkb"].tobytes(), data[f"{name}_offsets"]
    return shapely.from_wkb([blob[a:b] for a, b in itertools.pairwise(offsets)])
