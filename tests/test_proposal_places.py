"""Proposed sites are named by their nearest address point, never by bare coordinates when one is near."""

from __future__ import annotations

import numpy as np
import pandas as pd

from maillage.geo import l93_to_lonlat, lonlat_to_l93
from maillage.planning.proposals import proposal_name
from maillage.registry.addresses import OsmAddressData, nearest_address_labels


def _addresses(lonlat: list[tuple[float, float]], numbers: list[str], streets: list[str]) -> OsmAddressData:
    n = len(lonlat)
    empty = np.zeros((0, 2))
    return OsmAddressData(
        source_file="test.osm.pbf",
        address_lonlat=np.asarray(lonlat, float),
        address_number=np.asarray(numbers),
        address_street=np.asarray(streets),
        address_postcode=np.asarray(["92100"] * n),
        address_city=np.asarray(["Boulogne-Billancourt"] * n),
        way_name=np.asarray([], dtype=str),
        way_offsets=np.asarray([0]),
        way_lonlat=empty,
        poi_lonlat=empty,
        poi_name=np.asarray([], dtype=str),
        poi_kind=np.asarray([], dtype=str),
    )


def test_nearest_address_within_the_distance_limit_only() -> None:
    a = lonlat_to_l93(np.array([2.24]), np.array([48.835]))[0]
    b = a + np.array([400.0, 0.0])
    points = [tuple(l93_to_lonlat(*a)[0]), tuple(l93_to_lonlat(*b)[0])]
    data = _addresses(points, ["12", "3bis"], ["rue Gallieni", "rue Y"])
    # 100 m east of A: A (100 m) is nearer than B (300 m); 1 km north of A: nothing within 250 m
    probes = np.vstack([l93_to_lonlat(a[0] + 100, a[1]), l93_to_lonlat(a[0], a[1] + 1000)])
    assert nearest_address_labels(data, probes) == ["12 rue Gallieni, 92100 Boulogne-Billancourt", None]
    assert nearest_address_labels(data, probes, max_distance_m=2000)[1] == "12 rue Gallieni, 92100 Boulogne-Billancourt"


def test_a_proposal_reads_as_a_place() -> None:
    grid = pd.Series({"source": "grid", "commune": "Boulogne-Billancourt", "name": "", "lon": 2.23856, "lat": 48.82773,
                      "address": "12 rue Gallieni, 92100 Boulogne-Billancourt"})
    assert proposal_name("Antenne", grid) == "Antenne — Boulogne-Billancourt, près du 12 rue Gallieni"
    far = grid.copy()
    far["address"] = None
    assert proposal_name("Antenne", far) == "Antenne — Boulogne-Billancourt (point de grille 2.2386, 48.8277)"
