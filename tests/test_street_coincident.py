"""Two graph nodes at exactly the same position: a point there may use either, and takes the best one.

    3 (0, 100) ────100──── 7 (100, 100)         street 1–2–3 runs north-south (residential);
    │                      │                    footbridge 4–5–6 runs east-west over it
    2 = 5 (0, 0)           │                    (bridge=yes, layer=1): node 5 sits exactly on
    4 ────── 5 ────────── 6 (100, 0)            node 2 but the ways share no node, so 2 and 5
    │                                           are joined only by the loop 2–3–7–6–5 (400 m).
    1 (0, -100)

A resident 36 m from the crossing is equally near nodes 2 and 5. Walking to node 1 goes by node 2
(100 m); to node 4 by node 5 (100 m). Snapping to the other twin walks the 400 m loop first: the
k-d tree returns one of the two by the accident of its layout, so one of the two cases below failed
before twins were taken into account (the issue's "107 s off the raw Dijkstra" on Helsinki).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from osm_builder import offset_lonlat, write_pbf

from maillage.geo import lonlat_to_l93
from maillage.network.engine import Destinations
from maillage.network.osm_graph import load_graph
from maillage.network.street import StreetEngine, snap

NODES = {1: (0, -100), 2: (0, 0), 3: (0, 100), 4: (-100, 0), 5: (0, 0), 6: (100, 0), 7: (100, 100)}
WAYS = [
    ([1, 2, 3], {"highway": "residential", "name": "Rue du Bas"}),
    ([4, 5, 6], {"highway": "footway", "bridge": "yes", "layer": "1", "name": "Passerelle"}),
    ([3, 7, 6], {"highway": "residential", "name": "Rue du Tour"}),
]
WALK_M_PER_S = 4.8 / 3.6
NEAR_CROSSING = (-20.0, -30.0)  # metres from the crossing: 36 m from both twins, 64 m or more from any other node


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> StreetEngine:
    folder = tmp_path_factory.mktemp("coincident")
    pbf = write_pbf(folder / "coincident.osm.pbf", NODES, WAYS)
    return StreetEngine("walk", pbf, cache_dir=folder, progress=False)


def xy(east_m: float, north_m: float) -> np.ndarray:
    lon, lat = offset_lonlat(east_m, north_m)
    return lonlat_to_l93(np.array([lon]), np.array([lat])).reshape(1, 2)


def test_graph_has_the_twins(walk: StreetEngine) -> None:
    ids = list(walk.graph.node_ids)
    two, five = ids.index(2), ids.index(5)
    np.testing.assert_array_equal(walk.graph.xy_m[two], walk.graph.xy_m[five])
    np.testing.assert_array_equal(
        walk.graph.twins, [[min(two, five), max(two, five)], [max(two, five), min(two, five)]]
    )
    snapped = snap(walk._tree, xy(*NEAR_CROSSING), 500.0, walk._twins)
    assert {int(snapped.node[0]), *map(int, snapped.twin_node)} == {two, five}


def test_cache_without_twins_gains_them(walk: StreetEngine, tmp_path: Path) -> None:
    graph = walk.graph
    old = tmp_path / "street-walk-old.npz"  # a cache as written before twins were kept
    np.savez(old, indptr=graph.seconds.indptr, indices=graph.seconds.indices, data=graph.seconds.data,
             node_ids=graph.node_ids, xy_m=graph.xy_m, metadata=np.array(json.dumps({})))  # fmt: skip
    np.testing.assert_array_equal(load_graph(old, "walk").twins, graph.twins)
    with np.load(old) as upgraded:
        np.testing.assert_array_equal(upgraded["twins"], graph.twins)


@pytest.mark.parametrize("site_node", [1, 4])  # reached by node 2, then by node 5
def test_origin_on_twins_takes_the_best(walk: StreetEngine, site_node: int) -> None:
    origin = xy(*NEAR_CROSSING)
    access_m = float(np.linalg.norm(origin - xy(0, 0)))
    result = walk.nearest(origin, Destinations(("site",), xy(*NODES[site_node])))
    # 36 m to the crossing, then 100 m along the street or the footbridge (never the 400 m loop)
    assert float(result.minutes[0]) == pytest.approx((access_m + 100.0) / WALK_M_PER_S / 60.0, abs=1e-3)


@pytest.mark.parametrize("origin_node", [1, 4])
def test_site_on_twins_is_seeded_at_both(walk: StreetEngine, origin_node: int) -> None:
    site = xy(*NEAR_CROSSING)
    egress_m = float(np.linalg.norm(site - xy(0, 0)))
    result = walk.nearest(xy(*NODES[origin_node]), Destinations(("site",), site))
    assert float(result.minutes[0]) == pytest.approx((100.0 + egress_m) / WALK_M_PER_S / 60.0, abs=1e-3)
    assert result.site_index[0] == 0 and result.extra["egress_m"][0] == pytest.approx(egress_m)


@pytest.mark.parametrize("site_node", [1, 4])
def test_route_starts_at_the_twin_nearest_used(walk: StreetEngine, site_node: int) -> None:
    origin, site = xy(*NEAR_CROSSING), xy(*NODES[site_node])
    (route,) = walk.routes(origin, Destinations(("site",), site), np.array([0]))
    access_m = float(np.linalg.norm(origin - xy(0, 0)))
    assert route is not None and route.walk_m == pytest.approx(access_m + 100.0, abs=0.5)  # not the 400 m loop
