"""Where a planner's new or moved site goes: an address, a street, a postcode or a commune, in words.

The same search as the resident's box (:class:`~maillage.orientation.lookup.PlaceFinder`: case,
accents and small typos tolerated, "vouliez-vous dire" choices) over the registry's communes and the
extract's address points, so that ``scenario add-site --address "…"`` needs no coordinates. A commune
alone places the site at the commune's representative point, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from maillage.geo import l93_to_lonlat
from maillage.orientation.lookup import PlaceFinder, postcodes_of
from maillage.planning.changes import ScenarioError
from maillage.registry.addresses import OsmAddressData
from maillage.registry.osm_geocode import OsmGeocoder
from maillage.registry.snapshot import Snapshot


@dataclass(frozen=True)
class Located:
    """A point found from words, with what it is ("adresse", "voie", "commune") and a French label."""

    lon: float
    lat: float
    commune_code: str
    precision_fr: str
    label: str


def site_finder(snapshot: Snapshot, addresses: OsmAddressData | None) -> PlaceFinder:
    """Communes, postcodes of the sites and of the address points, and the extract's geocoder if any."""
    names = {str(c): str(n) for c, n in snapshot.communes["name"].items()}
    pairs = list(zip(snapshot.sites["postcode"], snapshot.sites["commune_code"], strict=True))
    geocoder = None
    if addresses is not None:
        polygons = dict(zip(snapshot.communes.index, snapshot.communes.geometry, strict=True))
        geocoder = OsmGeocoder(addresses, polygons)
    return PlaceFinder(names, postcodes_of(pairs), geocoder)


def locate(snapshot: Snapshot, finder: PlaceFinder, text: str) -> Located:
    """The point ``text`` names, or ScenarioError with the choices to pick from."""
    found = finder.find(text)
    if found.place is None:
        choices = "; ".join(p.label for p in found.suggestions)
        raise ScenarioError(f"{found.message_fr} {choices}".strip())
    place = found.place
    if place.lon is None or place.lat is None:
        point = snapshot.communes.geometry.loc[place.commune_code].representative_point()
        lon, lat = (float(v) for v in np.ravel(l93_to_lonlat(point.x, point.y)))
        return Located(lon, lat, place.commune_code, "commune", place.label)
    return Located(float(place.lon), float(place.lat), place.commune_code, place.precision_fr, place.label)
