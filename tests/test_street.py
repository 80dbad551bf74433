"""Street engine on real OpenStreetMap data: the Helsinki extract bundled with pyrosm (no network).

The reference for times is networkx's multi-source Dijkstra on the same edges, with snapping done
by brute force rather than by the k-d tree, and the nearest site re-derived site by site.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pyrosm
import pytest
from scipy.sparse.csgraph import dijkstra

from maillage.network.crowfly import CrowFlyEngine
from maillage.network.engine import Destinations, TravelTimeEngine
from maillage.network.osm_graph import (
    StreetGraph,
    edge_directions,
    load_street_graph,
    parse_maxspeed_kmh,
    read_pbf_ways,
)
from maillage.network.street import StreetEngine, StreetGraphError, street_engine

HELSINKI = Path(pyrosm.get_data("helsinki_pbf"))
# Two walkable nodes 127 m apart on either side of the rail yard north of Helsinki Central station
# (Töölönlahti park side / Kaisaniemi side). Within this extract the only way round is south past
# the station: about 2.2 km, 27 min on foot (checked on the map), against 2 min crow-fly.
RAIL_WEST_EAST = (25417183, 4747745046)


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("street-cache")


@pytest.fixture(scope="session")
def walk(cache_dir: Path) -> StreetEngine:
    return StreetEngine("walk", HELSINKI, cache_dir=cache_dir, progress=False)


@pytest.fixture(scope="session")
def car(cache_dir: Path) -> StreetEngine:
    return StreetEngine("car", HELSINKI, cache_dir=cache_dir, progress=False)


def node_index(graph: StreetGraph, osm_id: int) -> int:
    (hit,) = np.flatnonzero(graph.node_ids == osm_id)
    return int(hit)


def test_bundled_pbf_is_local() -> None:
    assert HELSINKI.is_file() and HELSINKI.parent == Path(pyrosm.__file__).parent / "data"


def test_engine_protocol_and_reports(walk: StreetEngine) -> None:
    assert isinstance(walk, TravelTimeEngine)
    described = walk.describe()
    assert described["pbf"] == "Helsinki.osm.pbf" and described["nodes"] > 5000
    assert described["speeds_kmh"]["default"] == 4.8 and len(described["pbf_sha256_prefix"]) == 12
    assert any("OpenStreetMap" in line and "km/h" in line for line in walk.assumptions())


def reference_minutes(engine: StreetEngine, origins: np.ndarray, sites: np.ndarray) -> tuple[np.ndarray, ...]:
    """networkx multi-source Dijkstra from one virtual node per site, on the reversed graph."""
    graph = engine.graph
    speed = engine.access_m_per_s
    d_origin = np.linalg.norm(origins[:, None, :] - graph.xy_m[None, :, :], axis=2)
    d_site = np.linalg.norm(sites[:, None, :] - graph.xy_m[None, :, :], axis=2)
    o_node, s_node = d_origin.argmin(axis=1), d_site.argmin(axis=1)
    access_s, egress_s = d_origin.min(axis=1) / speed, d_site.min(axis=1) / speed
    coo = graph.seconds.tocoo()
    reverse = nx.DiGraph()
    reverse.add_weighted_edges_from(zip(coo.col.tolist(), coo.row.tolist(), coo.data.tolist(), strict=True))
    for k, node in enumerate(s_node):
        reverse.add_edge(("site", k), int(node), weight=float(egress_s[k]))
    best = nx.multi_source_dijkstra_path_length(reverse, [("site", k) for k in range(len(sites))])
    expected = np.array([access_s[i] + best.get(int(n), np.inf) for i, n in enumerate(o_node)]) / 60.0
    # Site by site, to check which site wins (egress included).
    per_site = np.empty((len(sites), len(origins)))
    for k in range(len(sites)):
        from_site = nx.single_source_dijkstra_path_length(reverse, int(s_node[k]))
        network_s = np.array([from_site.get(int(n), np.inf) for n in o_node])
        per_site[k] = (access_s + network_s + egress_s[k]) / 60.0
    return expected, per_site


@pytest.mark.parametrize("mode", ["walk", "car"])
def test_nearest_matches_networkx(mode: str, walk: StreetEngine, car: StreetEngine) -> None:
    engine = {"walk": walk, "car": car}[mode]
    rng = np.random.default_rng(92)
    xy = engine.graph.xy_m
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    origins = rng.uniform(lo, hi, size=(200, 2))
    # Five real nodes, each site moved 5-40 m off its node so that egress legs differ.
    angle = rng.uniform(0, 2 * np.pi, 5)
    sites = xy[rng.choice(len(xy), 5, replace=False)] + rng.uniform(5, 40, (5, 1)) * np.column_stack(
        [np.cos(angle), np.sin(angle)]
    )
    destinations = Destinations(tuple(f"s{k}" for k in range(5)), sites)
    result = engine.nearest(origins, destinations)
    expected, per_site = reference_minutes(engine, origins, sites)
    assert np.isfinite(expected).all()
    np.testing.assert_allclose(result.minutes, expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(per_site.min(axis=0), expected, rtol=0, atol=1e-6)
    chosen = per_site[result.site_index, np.arange(len(origins))]
    np.testing.assert_allclose(chosen, expected, rtol=0, atol=1e-6)
    assert (result.access_m >= 0).all() and (result.access_m <= 500).all()
    # Deterministic: same call, same answer.
    again = engine.nearest(origins, destinations)
    np.testing.assert_array_equal(again.site_index, result.site_index)


def test_one_way_honoured_for_car_not_walk(walk: StreetEngine, car: StreetEngine) -> None:
    edges, _ = read_pbf_ways(HELSINKI, "car")
    one_way = edges[edges["oneway"].isin(["yes"])].sort_values(["u", "v"])
    tested = 0
    for u, v in one_way[["u", "v"]].itertuples(index=False):
        if not (np.isin([u, v], car.graph.node_ids).all() and np.isin([u, v], walk.graph.node_ids).all()):
            continue
        cu, cv = node_index(car.graph, u), node_index(car.graph, v)
        assert car.graph.seconds[cu, cv] > 0 and car.graph.seconds[cv, cu] == 0  # no reverse edge
        times = dijkstra(car.graph.seconds, indices=[cu, cv])
        assert times[1, cu] > times[0, cv] + 1.0  # going back costs a detour
        wu, wv = node_index(walk.graph, u), node_index(walk.graph, v)
        walk_times = dijkstra(walk.graph.seconds, indices=[wu, wv])
        assert walk_times[0, wv] == pytest.approx(walk_times[1, wu], abs=1e-9)
        tested += 1
        if tested == 10:
            break
    assert tested == 10


def test_rail_yard_defeats_crow_fly(walk: StreetEngine) -> None:
    a, b = (node_index(walk.graph, n) for n in RAIL_WEST_EAST)
    xy = walk.graph.xy_m
    assert 100 < np.linalg.norm(xy[a] - xy[b]) < 150
    street = walk.nearest(xy[[a]], Destinations(("east",), xy[[b]]))
    crow = CrowFlyEngine("walk").nearest(xy[[a]], Destinations(("east",), xy[[b]]))
    assert 20 < street.minutes[0] < 35 and crow.minutes[0] < 3
    assert street.minutes[0] > 5 * crow.minutes[0]
    back = walk.nearest(xy[[b]], Destinations(("west",), xy[[a]]))
    assert back.minutes[0] == pytest.approx(street.minutes[0], abs=1e-9)  # walking is symmetric


def test_far_points_are_inf_and_reported(walk: StreetEngine) -> None:
    xy = walk.graph.xy_m
    origins = np.vstack([xy[0] + 5.0, xy[0] + 20_000.0])
    sites = Destinations(("near", "far"), np.vstack([xy[10], xy[10] + 30_000.0]))
    before = len(walk.warnings)
    result = walk.nearest(origins, sites)
    assert np.isfinite(result.minutes[0]) and result.site_index[0] == 0
    assert np.isinf(result.minutes[1]) and result.site_index[1] == -1
    assert result.access_m[1] > 19_000  # the real distance, not a placeholder
    new = walk.warnings[before:]
    assert any("1 origin" in w for w in new) and any("site far" in w for w in new)
    assert walk.describe()["warnings"][-2:] == new


@pytest.mark.parametrize("content", [b"", b"not a pbf at all", "truncated"])
def test_bad_pbf_raises_naming_file(content: bytes | str, tmp_path: Path) -> None:
    bad = tmp_path / "broken-92.osm.pbf"
    bad.write_bytes(HELSINKI.read_bytes()[:50_000] if content == "truncated" else content)
    with pytest.raises(StreetGraphError, match=r"broken-92\.osm\.pbf"):
        street_engine("walk", bad)
    assert issubclass(StreetGraphError, ValueError)


def test_missing_pbf(tmp_path: Path) -> None:
    with pytest.raises(StreetGraphError, match=r"nowhere\.osm\.pbf"):
        street_engine("car", tmp_path / "nowhere.osm.pbf")


def test_cache_written_then_loaded(tmp_path: Path) -> None:
    first = load_street_graph(HELSINKI, "bike", cache_dir=tmp_path, progress=False)
    cache = Path(first.metadata["cache_file"])
    assert cache.is_file() and cache.parent == tmp_path and not first.metadata["from_cache"]
    assert not list(tmp_path.glob("*.tmp"))  # atomic write left no temporary file
    second = load_street_graph(HELSINKI, "bike", cache_dir=tmp_path, progress=False)
    assert second.metadata["from_cache"]
    assert (first.seconds != second.seconds).nnz == 0
    np.testing.assert_array_equal(first.node_ids, second.node_ids)
    np.testing.assert_array_equal(first.xy_m, second.xy_m)
    # Another speed table is another graph, in another file.
    slower = load_street_graph(HELSINKI, "bike", speeds={"default": 12.0}, cache_dir=tmp_path, progress=False)
    assert slower.metadata["cache_file"] != str(cache) and not slower.metadata["from_cache"]


def test_env_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MAILLAGE_CACHE", str(tmp_path))
    engine = street_engine("car", HELSINKI)
    assert Path(engine.describe()["cache_file"]).parent == tmp_path


def test_bike_graph_directed_with_shared_footways(cache_dir: Path) -> None:
    bike = load_street_graph(HELSINKI, "bike", cache_dir=cache_dir, progress=False)
    assert (bike.seconds - bike.seconds.T).nnz > 0  # one-ways make it asymmetric
    assert bike.metadata["extra_ways"] and "footway" in bike.metadata["extra_ways"]


def test_edge_directions_rules() -> None:
    hw = np.array(["residential"] * 6 + ["motorway"], dtype=object)
    oneway = np.array(["yes", "-1", None, "no", "yes", "yes", None], dtype=object)
    junction = np.array([None, None, "roundabout", "roundabout", None, None, None], dtype=object)
    owb = np.array([None, None, None, None, "no", None, None], dtype=object)
    cycleway = np.array([None, None, None, None, None, "opposite_lane", None], dtype=object)
    fwd, bwd = edge_directions("car", hw, oneway, junction, owb, cycleway)
    assert fwd.tolist() == [True, False, True, True, True, True, True]
    assert bwd.tolist() == [False, True, False, True, False, False, False]
    fwd, bwd = edge_directions("bike", hw, oneway, junction, owb, cycleway)
    assert bwd.tolist() == [False, True, False, True, True, True, True]
    fwd, bwd = edge_directions("walk", hw, oneway, junction, owb, cycleway)
    assert fwd.all() and bwd.all()


def test_parse_maxspeed() -> None:
    parsed = parse_maxspeed_kmh(np.array(["50", "30 mph", "FR:urban", "FR:zone30", "walk", "none", None, "50;30"]))
    np.testing.assert_allclose(parsed[:5], [50, 48.28032, 50, 30, 6])
    assert np.isnan(parsed[5]) and np.isnan(parsed[6]) and parsed[7] == 30


def test_speed_overrides_change_times(cache_dir: Path, walk: StreetEngine) -> None:
    fast = StreetEngine("walk", HELSINKI, speeds={"default": 9.6}, cache_dir=cache_dir, progress=False)
    ratio = walk.graph.seconds.sum() / fast.graph.seconds.sum()
    assert ratio == pytest.approx(2.0, rel=1e-3)
    with pytest.raises(ValueError, match="> 0"):
        StreetEngine("walk", HELSINKI, speeds={"default": 0}, cache_dir=cache_dir, progress=False)
