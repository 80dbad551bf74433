"""Transit with walking on the street graph (a PBF covers the area): access, egress, footpaths, walk-all.

Real streets: pyrosm's bundled Helsinki extract. Timetable: a random feed whose stops fall on that
extract. Every walking time is checked against networkx shortest paths on the same graph, and the
backward audit against one forward RAPTOR per origin and minute with the same street walking.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import networkx as nx
import numpy as np
import pyrosm
import pytest
from transit_helpers import make_random_feed

from maillage.network.engine import Destinations
from maillage.network.street import StreetEngine, snap
from maillage.network.street_walk import UNREACHABLE_S, StreetWalk, street_footpaths
from maillage.network.timetable import WALK, load_timetable
from maillage.network.transit import TransitEngine

HELSINKI = Path(pyrosm.get_data("helsinki_pbf"))
DAY = dt.date(2024, 3, 5)


@pytest.fixture(scope="module")
def walker(tmp_path_factory: pytest.TempPathFactory) -> StreetWalk:
    engine = StreetEngine("walk", HELSINKI, cache_dir=tmp_path_factory.mktemp("street-cache"), progress=False)
    return StreetWalk(engine.graph, engine.access_m_per_s, engine.max_snap_m)


@pytest.fixture(scope="module")
def reference(walker: StreetWalk) -> nx.DiGraph:
    coo = walker.graph.seconds.tocoo()
    graph = nx.DiGraph()
    graph.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True))
    return graph


@pytest.fixture(scope="module")
def timetable(tmp_path_factory: pytest.TempPathFactory):
    feed = make_random_feed(tmp_path_factory.mktemp("helsinki-feed") / "feed", 7, n_stops=40, n_routes=8,
                            south_west=(60.1645, 24.9355), span_deg=(0.014, 0.017))  # fmt: skip
    return load_timetable([feed], DAY, use_cache=False)


def networkx_seconds(walker: StreetWalk, graph: nx.DiGraph, a_xy: np.ndarray, b_xy: np.ndarray) -> float:
    """Access + shortest path + egress, by networkx (inf when no path)."""
    a = snap(walker._tree, a_xy[None, :], walker.max_snap_m)
    b = snap(walker._tree, b_xy[None, :], walker.max_snap_m)
    try:
        path = nx.shortest_path_length(graph, int(a.node[0]), int(b.node[0]), weight="weight")
    except nx.NetworkXNoPath:
        return np.inf
    return float(path + (a.distance_m[0] + b.distance_m[0]) / walker.access_m_per_s)


def test_pair_seconds_equal_networkx(walker: StreetWalk, reference: nx.DiGraph, timetable) -> None:
    rng = np.random.default_rng(3)
    stops = timetable.stop_xy_m
    cells = stops[rng.integers(0, len(stops), 30)] + rng.uniform(-400, 400, (30, 2))
    rows, cols = np.repeat(np.arange(30), len(stops)), np.tile(np.arange(len(stops)), 30)
    limit_s = 900.0
    got = walker.pair_seconds(cells, stops, rows, cols, limit_s)
    pairs = zip(rows, cols, strict=True)
    expected = np.array([networkx_seconds(walker, reference, cells[r], stops[c]) for r, c in pairs])
    within = expected <= limit_s - 1  # away from the limit, where rounding could tip a pair over
    assert within.sum() > 50 and (~within).sum() > 50  # both cases are exercised
    np.testing.assert_allclose(got[within], np.rint(expected[within]), atol=1)
    assert (got[expected > limit_s + 1] == UNREACHABLE_S).all()


def test_seconds_to_points_equal_networkx(walker: StreetWalk, reference: nx.DiGraph, timetable) -> None:
    rng = np.random.default_rng(5)
    origins = timetable.stop_xy_m[:12] + rng.uniform(-300, 300, (12, 2))
    sites = timetable.stop_xy_m[-4:]
    got = walker.seconds_to_points(origins, sites)
    for i in range(len(origins)):
        for j in range(len(sites)):
            assert got[i, j] == pytest.approx(networkx_seconds(walker, reference, origins[i], sites[j]), abs=1e-6)


def test_footpaths_are_timed_on_the_streets_and_transfers_txt_is_kept(walker: StreetWalk, timetable) -> None:
    streets = street_footpaths(timetable, walker, WALK)
    source = np.repeat(np.arange(timetable.n_stops), np.diff(timetable.fp_ptr))
    crowfly = WALK.seconds(np.linalg.norm(timetable.stop_xy_m[source] - timetable.stop_xy_m[timetable.fp_to], axis=1))
    before = {(int(a), int(b)): int(s) for a, b, s in zip(source, timetable.fp_to, timetable.fp_s, strict=True)}
    new_source = np.repeat(np.arange(streets.n_stops), np.diff(streets.fp_ptr))
    after = {(int(a), int(b)): int(s) for a, b, s in zip(new_source, streets.fp_to, streets.fp_s, strict=True)}
    assert set(after) <= set(before)
    explicit = [k for k, (pair, s) in enumerate(before.items()) if s != crowfly[k]]
    assert explicit, "the random feed has transfers.txt times"
    for k in explicit:  # transfers.txt times untouched
        pair = list(before)[k]
        assert after[pair] == before[pair]
    derived = [pair for k, pair in enumerate(before) if before[pair] == crowfly[k] and pair[0] != pair[1]]
    limit_s = float(WALK.seconds(np.array([WALK.footpath_m]))[0])
    assert len(derived) >= 5
    dropped = [pair for pair in derived if pair not in after]
    assert len(dropped) < len(derived)  # most twins stay linked, re-timed; a few lie across a barrier
    for pair in derived:
        street_s = walker.pair_seconds(timetable.stop_xy_m, timetable.stop_xy_m, np.array([pair[0]]),
                                       np.array([pair[1]]), limit_s)[0]  # fmt: skip
        assert after.get(pair, UNREACHABLE_S) == street_s


def test_backward_audit_with_street_walking_equals_forward_runs(walker: StreetWalk, timetable) -> None:
    engine = TransitEngine(timetable, depart_s=8 * 3600, window_min=20, street=walker)
    rng = np.random.default_rng(11)
    sites = Destinations(("a", "b", "c"), timetable.stop_xy_m[[3, 17, 29]] + rng.uniform(-150, 150, (3, 2)))
    origins = timetable.stop_xy_m[rng.integers(0, timetable.n_stops, 25)] + rng.uniform(-500, 500, (25, 2))
    backward, _, _ = engine.seconds_matrix(origins, sites)
    forward = engine.forward_seconds(origins, sites)
    np.testing.assert_array_equal(backward, forward)
    crowfly = TransitEngine(timetable, depart_s=8 * 3600, window_min=20)
    assert not np.array_equal(backward, crowfly.seconds_matrix(origins, sites)[0])  # the streets change times
    assert "rues" in " ".join(engine.assumptions()) and engine.describe()["walk_network"] == "street graph"


def test_engine_choice_walks_the_streets_when_a_pbf_is_given(tmp_path: Path) -> None:
    from maillage.engines import choose_engine

    feed = make_random_feed(tmp_path / "feed", 7, n_stops=40, n_routes=8, south_west=(60.1645, 24.9355),
                            span_deg=(0.014, 0.017))  # fmt: skip
    with_pbf = choose_engine("transit", pbf=HELSINKI, gtfs=[feed], date="2024-03-05")
    without = choose_engine("transit", gtfs=[feed], date="2024-03-05")
    assert with_pbf.engine.street is not None and without.engine.street is None
    assert any("extrait OSM (--pbf)" in note for note in without.notes)
    assert not any("extrait OSM (--pbf)" in note for note in with_pbf.notes)
