"""Geocoding of site addresses against an OpenStreetMap extract (used when no BAN file is present).

Within the site's commune (address points assigned to communes by the registry's polygons), in order:

1. ``osm_address`` — the address point with the same number and street (normalised as for the BAN;
   a "bis"/letter not in the extract falls back to the plain number, said in the note);
2. ``osm_street`` — the named street: the address point nearest to the median of that street's points
   in the commune, else the middle of the longest stretch of the street's ways inside the commune;
3. ``osm_poi`` — the one named point of interest of the commune whose name says the site's kind
   ("Pôle social départemental", "PMI", "France Services"…); several → the one sharing a word of the
   site's name, else none (a guess between two buildings is not a placement).

A street name that differs only by a letter or two ("Estiennes-d'Orves" / "Estienne d'Orves") is
accepted when it is the only close one in the commune (difflib ratio ≥ :data:`STREET_SIMILARITY`); the
note then names the street matched. Nothing is matched across communes.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict

import numpy as np
import shapely
from shapely.ops import linemerge

from maillage.geo import l93_to_lonlat, lonlat_to_l93
from maillage.registry.addresses import OsmAddressData
from maillage.registry.geocode import STREET_WORDS, GeocodeResult, house_numbers, normalise_text, parse_address
from maillage.registry.vocab import CoordinateQuality

STREET_SIMILARITY = 0.9
# Words that name a site's kind in a POI name (normalised text, whole words).
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "pole_social": ("pole social", "pole solidarite", "espace departemental d action sociale", "edas"),
    "sst": ("solidarites territoriales", "espace departemental d action sociale", "edas"),
    "pmi": ("pmi", "protection maternelle"),
    "antenne": ("pmi", "protection maternelle"),
    "france_services": ("france services", "maison de services au public", "msap"),
    "ccas": ("ccas", "centre communal d action sociale"),
}
_STREET_TYPE = re.compile(rf"^(?:{STREET_WORDS})\s+")
_COMMON_WORDS = set(
    [
        "de",
        "du",
        "des",
        "la",
        "le",
        "les",
        "l",
        "d",
        "et",
        "a",
        "en",
        "au",
        "aux",
        "centre",
        "social",
        "sociale",
        "pole",
        "departemental",
        "departementale",
        "maison",
        "espace",
        "service",
        "services",
    ]
)


class OsmGeocoder:
    """Lookups of (commune, street[, number]) and kind-named POIs in one extract."""

    def __init__(self, data: OsmAddressData, commune_polygons_l93: dict[str, shapely.Geometry]) -> None:
        self.source = data.source_file
        self._data = data
        self._polygons = commune_polygons_l93
        codes = np.asarray(list(commune_polygons_l93), dtype=object)
        tree = shapely.STRtree([commune_polygons_l93[c] for c in codes])
        xmin, ymin, xmax, ymax = shapely.total_bounds(list(commune_polygons_l93.values()))

        def communes_of(lonlat: np.ndarray) -> np.ndarray:
            out = np.full(len(lonlat), "", dtype=object)
            if len(lonlat):
                xy = lonlat_to_l93(lonlat[:, 0], lonlat[:, 1])
                # the extract reaches beyond the territory: test only the points in its bounding box
                near = np.flatnonzero((xy[:, 0] >= xmin) & (xy[:, 0] <= xmax) & (xy[:, 1] >= ymin) & (xy[:, 1] <= ymax))
                point_i, poly_i = tree.query(shapely.points(xy[near]), predicate="within")
                out[near[point_i]] = codes[poly_i]
            return out

        def keys_of(values: np.ndarray, key) -> list:  # type: ignore[no-untyped-def]
            # names repeat (one street, hundreds of points): normalise each distinct one once
            distinct, inverse = np.unique(values, return_inverse=True)
            keys = [key(str(v)) for v in distinct]
            return [keys[j] for j in inverse.tolist()]

        self._address_xy = lonlat_to_l93(data.address_lonlat[:, 0], data.address_lonlat[:, 1])
        self._points: dict[tuple[str, str, str], int] = {}
        self._street_points: dict[tuple[str, str], list[int]] = defaultdict(list)
        self._streets_of: dict[str, set[str]] = defaultdict(set)
        address_commune = communes_of(data.address_lonlat)
        inside = np.flatnonzero((address_commune != "") & (data.address_street != ""))
        street_keys = keys_of(data.address_street[inside], normalise_text)
        number_keys = keys_of(data.address_number[inside], house_numbers)
        for i, code, key, numbers in zip(
            inside.tolist(), address_commune[inside], street_keys, number_keys, strict=True
        ):
            self._street_points[(code, key)].append(i)
            self._streets_of[code].add(key)
            for n in numbers:
                self._points.setdefault((code, key, n), i)
        self._ways_named: dict[str, list[int]] = defaultdict(list)
        way_keys = keys_of(data.way_name, normalise_text)
        for i, key in enumerate(way_keys):
            self._ways_named[key].append(i)
        vertex_way = np.repeat(np.arange(len(way_keys)), np.diff(data.way_offsets))
        vertex_commune = communes_of(data.way_lonlat)
        self._way_streets_of: dict[str, set[str]] = defaultdict(set)
        found = vertex_commune != ""
        for way, code in set(zip(vertex_way[found].tolist(), vertex_commune[found].tolist(), strict=True)):
            self._way_streets_of[code].add(way_keys[way])
        self._poi_commune = communes_of(data.poi_lonlat)
        self._poi_text = [normalise_text(str(n)) for n in data.poi_name]

    def geocode(self, address: str | None, commune_code: str, kind: str, name: str) -> GeocodeResult | None:
        number, street = parse_address(address) if address else (None, None)
        if street:
            hit = self._address_or_street(number, street, commune_code)
            if hit is not None:
                return hit
        return self._poi(commune_code, kind, name)

    def _address_or_street(self, number: str | None, street: str, code: str) -> GeocodeResult | None:
        key, matched_note = self._street_key(street, code)
        if key is None:
            return None
        # another street type may be another street: its numbers are not this address's
        if number is not None and "street type differs" not in matched_note:
            index = self._points.get((code, key, number))
            base = re.match(r"\d+", number)
            if index is None and base and base.group(0) != number:
                index = self._points.get((code, key, base.group(0)))
                matched_note += f" (number {base.group(0)} for {number})" if index is not None else ""
            if index is not None:
                lon, lat = self._data.address_lonlat[index]
                tagged = f"{self._data.address_number[index]} {self._data.address_street[index]}"
                return GeocodeResult(float(lon), float(lat), CoordinateQuality.OSM_ADDRESS,
                                     f"OSM {self.source}: address point {tagged}{matched_note}")  # fmt: skip
        where = self._street_middle(key, code)
        if where is None:
            return None
        (lon, lat), how = where
        missing = f"number {number} not in the extract; " if number else ""
        return GeocodeResult(lon, lat, CoordinateQuality.OSM_STREET,
                             f"OSM {self.source}: street {key}, {missing}{how}{matched_note}")  # fmt: skip

    def _street_key(self, street: str, code: str) -> tuple[str | None, str]:
        """The commune's street for ``street``: same name; else the one close name; else the one
        same name with another type word ("place Le-Corbeiller" / "avenue Le Corbeiller")."""
        known = self._streets_of.get(code, set()) | self._way_streets_of.get(code, set())
        if street in known:
            return street, ""
        close = difflib.get_close_matches(street, sorted(known), n=2, cutoff=STREET_SIMILARITY)
        if len(close) == 1:
            return close[0], f" (closest street name: {close[0]})"
        core = _STREET_TYPE.sub("", street)
        same_core = [k for k in known if _STREET_TYPE.sub("", k) == core] if core != street else []
        if len(same_core) == 1:
            return same_core[0], f" (street type differs: {same_core[0]})"
        return None, ""

    def _street_middle(self, key: str, code: str) -> tuple[tuple[float, float], str] | None:
        indices = self._street_points.get((code, key))
        if indices:
            xy = self._address_xy[indices]
            nearest = indices[int(np.argmin(((xy - np.median(xy, axis=0)) ** 2).sum(axis=1)))]
            lon, lat = self._data.address_lonlat[nearest]
            return (float(lon), float(lat)), f"middle of its {len(indices)} address point(s)"
        line = self._way_in_commune(key, code)
        if line is None:
            return None
        middle = line.interpolate(0.5, normalized=True)
        lonlat = l93_to_lonlat(np.array([middle.x]), np.array([middle.y]))[0]
        return (float(lonlat[0]), float(lonlat[1])), "middle of its way inside the commune"

    def _way_in_commune(self, key: str, code: str) -> shapely.Geometry | None:
        ways = self._ways_named.get(key)
        if not ways or code not in self._polygons:
            return None
        lines = []
        for i in ways:
            vertices = self._data.way_vertices(i)
            lines.append(shapely.linestrings(lonlat_to_l93(vertices[:, 0], vertices[:, 1])))
        merged = shapely.union_all(lines)
        if merged.geom_type == "MultiLineString":
            merged = linemerge(merged)
        inside = shapely.intersection(merged, self._polygons[code])
        if inside.geom_type == "MultiLineString":
            inside = linemerge(inside)
        pieces = [g for g in getattr(inside, "geoms", [inside]) if g.geom_type == "LineString" and g.length > 0]
        return max(pieces, key=lambda g: g.length) if pieces else None

    def _poi(self, code: str, kind: str, name: str) -> GeocodeResult | None:
        words = KIND_WORDS.get(kind)
        if not words:
            return None
        pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b")
        found = [i for i, text in enumerate(self._poi_text) if self._poi_commune[i] == code and pattern.search(text)]
        if len(found) > 1:
            generic = _COMMON_WORDS | set(" ".join(words).split())  # the kind's own words tell nothing apart
            own = set(normalise_text(name).split()) - generic
            found = [i for i in found if own & set(self._poi_text[i].split())]
        if len(found) != 1:
            return None
        lon, lat = self._data.poi_lonlat[found[0]]
        kind_tag = self._data.poi_kind[found[0]]
        return GeocodeResult(float(lon), float(lat), CoordinateQuality.OSM_POI,
                             f"OSM {self.source}: point of interest {str(self._data.poi_name[found[0]])!r}"
                             f"{f' ({kind_tag})' if kind_tag else ''}")  # fmt: skip
