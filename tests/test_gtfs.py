"""GTFS loading: hand-made feed answers, validation errors, cache, merged feeds, partial IDFM feed."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_DATA
from transit_helpers import HANDMADE

from maillage.network.gtfs import Calendars, FeedReader, GtfsError, NoTimetableError, feed_summary
from maillage.network.timetable import cache_dir, default_date, load_timetable
from maillage.network.transit import transit_engine

TUESDAY = dt.date(2024, 3, 5)
WEDNESDAY = dt.date(2024, 3, 6)
IDFM = SHARED_DATA / "transit" / "idfm_ito_20251231"


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MAILLAGE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def copy_feed(tmp_path: Path, name: str = "feed") -> Path:
    target = tmp_path / name
    shutil.copytree(HANDMADE, target)
    return target


def test_services_on_dates() -> None:
    calendars = Calendars.read(FeedReader(HANDMADE))
    assert calendars.services_on(TUESDAY) == {"WEEKDAY", "SPECIAL"}
    assert calendars.services_on(WEDNESDAY) == {"WEEKDAY", "HOLIDAY_OFF"}
    assert calendars.services_on(dt.date(2024, 3, 4)) == {"WEEKDAY", "MONDAY", "HOLIDAY_OFF"}
    assert calendars.date_range() == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def test_trips_of_a_day() -> None:
    tuesday = set(load_timetable([HANDMADE], TUESDAY).trip_ids)
    assert "L5_0805" not in tuesday and "L6_0900" in tuesday  # removed / added by calendar_dates
    assert "L4_night_monday@-1d" in tuesday  # Monday's after-midnight run
    assert "L7_template" not in tuesday  # frequencies replace the template...
    assert {f"L7_template#07:{m}0:00" for m in range(6)} <= tuesday  # ...by one trip per headway
    wednesday = set(load_timetable([HANDMADE], WEDNESDAY).trip_ids)
    assert "L5_0805" in wednesday and "L6_0900" not in wednesday
    assert "L4_night_monday@-1d" not in wednesday


def test_change_time_from_transfers() -> None:
    tt = load_timetable([HANDMADE], TUESDAY)
    assert tt.change_s[list(tt.stop_ids).index("C")] == 300
    assert tt.fp_ptr[-1] == 0  # stops 1.1 km apart: no footpath


def test_default_date_is_a_tuesday_in_the_calendar() -> None:
    assert default_date([HANDMADE]) == dt.date(2024, 1, 2)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("file", "old", "new", "row", "field"),
    [
        ("stop_times.txt", "L1_0800,08:20:00,08:20:00,C,3", "L1_0800,08:05:00,08:05:00,C,3", 4, "arrival_time"),
        ("stop_times.txt", "L2_0824,08:34:00,08:34:00,D,2", "L2_0824,08:34:00,08:34:00,ZZ,2", 6, "stop_id"),
        ("stop_times.txt", "L1_0800,08:10:00,08:10:00,B,2", "L1_0800,8h10,08:10:00,B,2", 3, "arrival_time"),
        ("stop_times.txt", "L1_0800,08:10:00,08:10:00,B,2", "L1_0800,08:10:00,08:10:00,B,1", 3, "stop_sequence"),
        ("stop_times.txt", "L1_0800,08:10:00,08:10:00,B,2", "L1_0800,08:10:00,08:09:00,B,2", 3, "departure_time"),
        ("stop_times.txt", "L1_0800,08:00:00,08:00:00,A,1", "nope,08:00:00,08:00:00,A,1", 2, "trip_id"),
        ("stop_times.txt", "trip_id,arrival_time,departure_time", "trip_id,arrival_time,departure", 1,
         "departure_time"),
        ("stop_times.txt", "L1_0800,08:10:00,08:10:00,B,2", "L1_0800,08:10:00,08:10:00,B,2.5", 3, "stop_sequence"),
        ("stop_times.txt", "L1_0800,08:10:00,08:10:00,B,2", "L1_0800,08:10:00.5,08:10:00,B,2", 3, "arrival_time"),
        ("trips.txt", "L3,WEEKDAY,L3_slow", "L9,WEEKDAY,L3_slow", 5, "route_id"),
        ("trips.txt", "L2,WEEKDAY,L2_0825", "L2,WEEKDAY,L2_0824", 4, "trip_id"),
        ("calendar.txt", "MONDAY,1,0,0,0,0,0,0,20240101", "MONDAY,1,0,0,0,0,0,0,2024-01-01", 3, "start_date"),
        ("calendar_dates.txt", "SPECIAL,20240305,1", "SPECIAL,20240305,7", 3, "exception_type"),
        ("frequencies.txt", "07:00:00,08:00:00,600", "07:00:00,08:00:00,0", 2, "headway_secs"),
    ],
)
def test_invalid_feeds_name_file_row_field(tmp_path: Path, file: str, old: str, new: str, row: int,
                                           field: str) -> None:
    feed = copy_feed(tmp_path)
    _edit(feed / file, old, new)
    with pytest.raises(GtfsError) as error:
        load_timetable([feed], TUESDAY, use_cache=False)
    assert (error.value.file, error.value.row, error.value.field) == (file, row, field)
    assert file in str(error.value) and f"ligne {row}" in str(error.value) and field in str(error.value)


def test_missing_required_file(tmp_path: Path) -> None:
    feed = copy_feed(tmp_path)
    (feed / "routes.txt").unlink()
    with pytest.raises(GtfsError, match=r"routes\.txt: fichier obligatoire absent"):
        load_timetable([feed], TUESDAY, use_cache=False)
    (feed / "calendar.txt").unlink()
    (feed / "calendar_dates.txt").unlink()
    shutil.copy(HANDMADE / "routes.txt", feed / "routes.txt")
    with pytest.raises(GtfsError, match="calendar"):
        load_timetable([feed], TUESDAY, use_cache=False)


def test_blank_intermediate_times_are_interpolated(tmp_path: Path) -> None:
    feed = copy_feed(tmp_path)
    _edit(feed / "stop_times.txt", "L1_0800,08:10:00,08:10:00,B,2", "L1_0800,,,B,2")
    tt = load_timetable([feed], TUESDAY, use_cache=False)
    trip = list(tt.trip_ids).index("L1_0800")
    start = tt.trip_time_ptr[trip]
    assert list(tt.arrival_s[start:start + 3]) == [8 * 3600, 8 * 3600 + 600, 8 * 3600 + 1200]


def test_zip_feed_and_cache(tmp_path: Path, _cache: Path) -> None:
    archive = Path(shutil.make_archive(str(tmp_path / "handmade"), "zip", HANDMADE))
    first = load_timetable([archive], TUESDAY)
    files = list(cache_dir().glob("*.npz"))
    assert len(files) == 1 and not list(cache_dir().glob(".timetable-*"))  # atomic: no temp left
    again = load_timetable([archive], TUESDAY)
    assert np.array_equal(first.arrival_s, again.arrival_s) and list(first.trip_ids) == list(again.trip_ids)
    assert again.meta["date"] == "2024-03-05"
    load_timetable([archive], WEDNESDAY)
    assert len(list(cache_dir().glob("*.npz"))) == 2  # keyed by date too


def test_merged_feeds_prefix_ids_and_link_stops(tmp_path: Path) -> None:
    other = copy_feed(tmp_path, "other")
    tt = load_timetable([HANDMADE, other], TUESDAY, use_cache=False)
    assert "gtfs_handmade:A" in tt.stop_ids and "other:A" in tt.stop_ids
    assert tt.n_stops == 26
    a, b = list(tt.stop_ids).index("gtfs_handmade:A"), list(tt.stop_ids).index("other:A")
    neighbours = tt.fp_to[tt.fp_ptr[a]:tt.fp_ptr[a + 1]]
    assert b in neighbours  # same place in two feeds: a 0 s footpath
    assert "other:L1_0800" in tt.trip_ids


def test_idfm_partial_feed_summary_and_refusal() -> None:
    summary = feed_summary(IDFM)
    assert summary["has_timetable"] is False
    assert summary["stop_count"] == 53952 and summary["route_count"] == 1983
    assert summary["routes_by_type"]["1"] == 16 and summary["routes_by_type"]["3"] == 1933
    assert "RATP" in " ".join(summary["agencies"])
    assert summary["service_dates"] == ["2025-12-27", "2026-01-28"]
    with pytest.raises(NoTimetableError, match="no timetable"):
        transit_engine([IDFM], date=dt.date(2026, 1, 6))


GTFS_KIT_DATA = Path(__file__).parents[1] / ".testdata" / "gtfs-kit"  # from scripts/test-data.sh


@pytest.fixture(scope="module")
def cairns() -> Path:
    """gtfs-kit's real sample feed (Cairns, Queensland, 2014), from its PyPI source distribution."""
    path = GTFS_KIT_DATA / "cairns_gtfs.zip"
    if not path.exists():
        pytest.fail(f"{path} missing: run scripts/test-data.sh")
    return path


def test_gtfs_kit_sample_feeds_load(cairns: Path) -> None:
    import zipfile

    sample = GTFS_KIT_DATA / "sample_gtfs.zip"
    with zipfile.ZipFile(sample) as archive:
        rows = archive.read("stop_times.txt").decode("utf-8-sig").strip().splitlines()[1:]
    served = {row.split(",")[3] for row in rows}  # stop_id column of the sample's stop_times.txt
    saturday = load_timetable([sample], dt.date(2007, 1, 6), use_cache=False)  # services FULLW + WE
    assert set(saturday.stop_ids) == served and len(served) == 9
    tuesday = load_timetable([sample], dt.date(2007, 1, 2), use_cache=False)  # FULLW only
    assert set(tuesday.stop_ids) == served - {"AMV"}  # Amargosa Valley is served by weekend trips only
    big = load_timetable([cairns], dt.date(2014, 6, 3), use_cache=False)  # a Tuesday of its calendar
    assert big.n_stops > 200 and big.meta["date"] == "2014-06-03"


def test_gtfs_kit_cairns_forward_equals_time_expanded_dijkstra(cairns: Path) -> None:
    import numpy as np

    from maillage.network.raptor import INF, forward
    from maillage.network.raptor_reference import TimeExpandedGraph

    tt = load_timetable([cairns], dt.date(2014, 6, 3), use_cache=False)
    graph = TimeExpandedGraph(tt, 7 * 3600, 10 * 3600)
    rng = np.random.default_rng(2014)
    reached = 0
    for _ in range(6):
        stops = rng.choice(tt.n_stops, 1, replace=False)
        times = rng.integers(7 * 3600, 8 * 3600, 1)
        labels = forward(tt, stops, times, t_max_s=10 * 3600)
        arrival, _vehicle = graph.earliest(stops, times)
        np.testing.assert_array_equal(labels.arrival, arrival)
        reached += int((arrival < INF).sum())
    assert reached > 100
