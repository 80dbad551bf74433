"""Build what orientation needs from a registry: the search index and the place finder.

Used by ``maillage orient`` (through :func:`maillage.api.orientation_inputs`) and by the web app's start-up, so
both answer the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from maillage.orientation.lookup import PlaceFinder, postcodes_of
from maillage.orientation.search import SearchIndex
from maillage.registry.datafolder import DataFolder
from maillage.registry.snapshot import Snapshot


@dataclass(frozen=True)
class OrientationInputs:
    snapshot: Snapshot
    folder: DataFolder | None
    index: SearchIndex
    finder: PlaceFinder


def build_finder(snapshot: Snapshot, folder: DataFolder | None, index: SearchIndex) -> PlaceFinder:
    """Communes, postcodes (sites + OSM address points) and the OSM geocoder when the folder has an extract."""
    pairs = list(zip(snapshot.sites["postcode"], snapshot.sites["commune_code"], strict=True))
    geocoder = None
    streets: list[tuple[str, str]] = []
    if folder is not None and folder.pbf_files:
        from maillage.geo import lonlat_to_l93
        from maillage.registry.addresses import load_osm_addresses
        from maillage.registry.osm_geocode import OsmGeocoder

        data = load_osm_addresses(folder.pbf_files[0])
        polygons = dict(zip(snapshot.communes.index, snapshot.communes.geometry, strict=True))
        geocoder = OsmGeocoder(data, polygons)
        if len(data.address_lonlat):
            # each address point counted in the commune of its nearest population cell (200 m)
            xy = lonlat_to_l93(data.address_lonlat[:, 0], data.address_lonlat[:, 1])
            _, cell = index.cell_tree.query(xy)
            codes = np.asarray(index.cells.commune_code)[cell]
            pairs += list(zip(data.address_postcode.tolist(), codes.tolist(), strict=True))
            # the street names as tagged (capitals, accents), one per street and commune, for suggestions
            streets = sorted(
                {(str(s), str(c)) for s, c in zip(data.address_street.tolist(), codes.tolist(), strict=True)}
            )
    return PlaceFinder(index.commune_names, postcodes_of(pairs), geocoder, streets)
