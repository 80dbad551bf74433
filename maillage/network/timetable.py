"""One service day of one or several GTFS feeds as flat numpy arrays for the RAPTOR router.

Layout (all indices are int32/int64 arrays, times int seconds after midnight of the date):

- **patterns** ("RAPTOR routes"): trips with the same route, stop sequence and pickup/drop-off
  flags, split further so that no trip of a pattern overtakes another (a trip is put in the first
  chain whose last trip is earlier-or-equal at *every* stop, else a new pattern). Within a pattern,
  trips are sorted by departure and their times are non-decreasing at every position: RAPTOR's
  "earliest catchable trip" is then a binary search, and correct.
  Pattern ``p`` visits ``pat_stops[pat_stop_ptr[p]:pat_stop_ptr[p+1]]``; its trips are
  ``pat_trip_ptr[p]..pat_trip_ptr[p+1]``; trip ``t``'s times start at ``trip_time_ptr[t]``.
- **stop → patterns** CSR (``stop_pat_ptr``, ``stop_pat``, ``stop_pat_pos``).
- **footpaths** CSR (``fp_ptr``, ``fp_to``, ``fp_s``) between distinct stops within
  :data:`WALK` ``.footpath_m`` crow-fly (time = distance × detour ÷ speed), overridden by
  ``transfers.txt`` (type 2 sets the time, type 3 forbids, a station id applies to all its
  platforms); ``change_s`` is the minimum change time at a stop (``transfers.txt`` from = to).

Several feeds are merged (ids prefixed ``tag:`` when there is more than one feed), footpaths linking
stops of different feeds too. Built timetables are cached as ``.npz`` under ``$MAILLAGE_CACHE``
(default ``~/.cache/maillage``) keyed by the feeds' SHA-256, the date, the CRS and the walking
parameters, written atomically (temporary file then ``os.replace``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.spatial import cKDTree

from maillage.i18n import _
from maillage.network.crowfly import CROWFLY_PARAMETERS
from maillage.network.gtfs import Calendars, FeedReader, GtfsError, ServiceDay, read_service_day

CACHE_VERSION = 3


@dataclass(frozen=True)
class WalkParameters:
    """Walking for transit access, egress and footpaths (the one place for these parameters)."""

    speed_kmh: float = CROWFLY_PARAMETERS["walk"].speed_kmh      # 4.8 km/h, R5's default
    detour_factor: float = CROWFLY_PARAMETERS["walk"].detour_factor  # 1.3
    max_access_m: float = 1000.0   # crow-fly reach of a stop from a cell, and of a site from a stop
    footpath_m: float = 400.0      # crow-fly reach of a transfer walk between two stops
    min_change_s: int = 0          # change time at a stop when transfers.txt gives none

    def seconds(self, crowfly_m: np.ndarray) -> np.ndarray:
        """Walking time in whole seconds (int64) for crow-fly distances in metres."""
        metres_per_s = self.speed_kmh / 3.6
        return np.rint(np.asarray(crowfly_m, dtype=np.float64) * self.detour_factor / metres_per_s).astype(
            np.int64)


WALK = WalkParameters()


@dataclass
class Timetable:
    """Arrays of one service day (see module docstring); ``meta`` describes feeds, date, CRS."""

    stop_ids: np.ndarray
    stop_names: np.ndarray
    stop_xy_m: np.ndarray
    route_ids: np.ndarray
    route_names: np.ndarray
    route_types: np.ndarray
    pat_stop_ptr: np.ndarray
    pat_stops: np.ndarray
    pat_board_ok: np.ndarray
    pat_alight_ok: np.ndarray
    pat_route: np.ndarray
    pat_trip_ptr: np.ndarray
    trip_ids: np.ndarray
    trip_time_ptr: np.ndarray
    arrival_s: np.ndarray
    departure_s: np.ndarray
    stop_pat_ptr: np.ndarray
    stop_pat: np.ndarray
    stop_pat_pos: np.ndarray
    fp_ptr: np.ndarray
    fp_to: np.ndarray
    fp_s: np.ndarray
    change_s: np.ndarray
    meta: dict[str, Any]

    @property
    def n_stops(self) -> int:
        return len(self.stop_ids)

    @property
    def n_patterns(self) -> int:
        return len(self.pat_route)

    def pattern_of_trip(self) -> np.ndarray:
        """Per trip: its pattern."""
        return np.repeat(np.arange(self.n_patterns), np.diff(self.pat_trip_ptr))

    def reversed(self) -> Timetable:
        """The same network with time running backwards (times negated, sequences reversed).

        A forward earliest-arrival search on it is a latest-departure search on ``self``:
        ``-arrival`` there is the latest departure here. Trips keep their index within the pattern
        mirrored (trip ``k`` of ``n`` becomes ``n-1-k``) so that they stay sorted.
        """
        arrival = np.empty_like(self.arrival_s)
        departure = np.empty_like(self.departure_s)
        trip_order = np.empty(len(self.trip_ids), dtype=np.int64)
        stops, board, alight = (np.empty_like(a) for a in (self.pat_stops, self.pat_board_ok,
                                                            self.pat_alight_ok))
        for p in range(self.n_patterns):
            s0, s1 = self.pat_stop_ptr[p], self.pat_stop_ptr[p + 1]
            t0, t1 = self.pat_trip_ptr[p], self.pat_trip_ptr[p + 1]
            length, n = s1 - s0, t1 - t0
            stops[s0:s1] = self.pat_stops[s0:s1][::-1]
            board[s0:s1], alight[s0:s1] = self.pat_alight_ok[s0:s1][::-1], self.pat_board_ok[s0:s1][::-1]
            base = self.trip_time_ptr[t0]
            block = slice(base, base + n * length)
            arrival[block] = -self.departure_s[block].reshape(n, length)[::-1, ::-1].ravel()
            departure[block] = -self.arrival_s[block].reshape(n, length)[::-1, ::-1].ravel()
            trip_order[t0:t1] = np.arange(t1 - 1, t0 - 1, -1)
        length_of_entry = np.diff(self.pat_stop_ptr)[self.stop_pat]
        sources = np.repeat(np.arange(self.n_stops), np.diff(self.fp_ptr))
        by_target = np.lexsort((sources, self.fp_to))
        return Timetable(
            **{f.name: getattr(self, f.name) for f in fields(self) if f.name in (
                "stop_ids", "stop_names", "stop_xy_m", "route_ids", "route_names", "route_types",
                "pat_stop_ptr", "pat_route", "pat_trip_ptr", "trip_time_ptr", "stop_pat_ptr", "stop_pat",
                "change_s")},
            pat_stops=stops, pat_board_ok=board, pat_alight_ok=alight,
            trip_ids=self.trip_ids[trip_order], arrival_s=arrival, departure_s=departure,
            stop_pat_pos=(length_of_entry - 1 - self.stop_pat_pos).astype(self.stop_pat_pos.dtype),
            fp_ptr=np.r_[0, np.cumsum(np.bincount(self.fp_to, minlength=self.n_stops))].astype(np.int64),
            fp_to=sources[by_target].astype(np.int32), fp_s=self.fp_s[by_target],
            meta={**self.meta, "reversed": True},
        )


def build_timetable(days: list[ServiceDay], tags: list[str], crs: str, walk: WalkParameters) -> Timetable:
    """Merge the service days of several feeds into one :class:`Timetable`."""
    to_xy = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    stop_ids, stop_names, xy, route_ids, route_names, route_types = [], [], [], [], [], []
    st: dict[str, list[np.ndarray]] = {k: [] for k in ("trip", "stop", "arr", "dep", "pick", "drop", "route")}
    trip_ids: list[np.ndarray] = []
    station_children: dict[str, list[int]] = {}
    local_stop_maps: list[pd.Series] = []
    n_stops = n_trips = n_routes = 0
    for day, tag in zip(days, tags, strict=True):
        prefix = f"{tag}:" if len(days) > 1 else ""
        used = np.unique(day.st_stop)
        global_of_row = np.full(len(day.stops), -1, dtype=np.int64)
        global_of_row[used] = np.arange(n_stops, n_stops + len(used))
        stops = day.stops.iloc[used]
        stop_ids.append(prefix + stops["stop_id"].to_numpy(dtype=str).astype(object))
        stop_names.append(stops["stop_name"].astype(str).to_numpy(dtype=object))
        x, y = to_xy.transform(stops["lon"].to_numpy(), stops["lat"].to_numpy())
        xy.append(np.column_stack([x, y]))
        local_stop_maps.append(pd.Series(global_of_row[used], index=prefix + stops["stop_id"].astype(str)))
        for parent, g in zip(stops["parent_station"].astype(str), global_of_row[used], strict=True):
            if parent:
                station_children.setdefault(prefix + parent, []).append(int(g))
        route_ids.append(prefix + day.routes["route_id"].to_numpy(dtype=str).astype(object))
        route_names.append(day.routes["route_name"].astype(str).to_numpy(dtype=object))
        route_types.append(day.routes["route_type"].astype(str).to_numpy(dtype=object))
        st["trip"].append(day.st_trip + n_trips)
        st["stop"].append(global_of_row[day.st_stop])
        st["arr"].append(day.arrival_s)
        st["dep"].append(day.departure_s)
        st["pick"].append(day.pickup_ok)
        st["drop"].append(day.dropoff_ok)
        st["route"].append(day.trip_route[day.st_trip] + n_routes)
        trip_ids.append(np.array([prefix + t for t in day.trip_ids], dtype=object))
        n_stops += len(used)
        n_trips += len(day.trip_ids)
        n_routes += len(day.routes)
    flat = {k: np.concatenate(v) for k, v in st.items()}
    all_trip_ids = np.concatenate(trip_ids) if trip_ids else np.zeros(0, dtype=object)
    stop_xy = np.concatenate(xy) if xy else np.zeros((0, 2))
    from maillage.network.patterns import build_patterns

    patterns = build_patterns(flat, all_trip_ids, n_stops)
    fp_ptr, fp_to, fp_s, change_s = build_footpaths(stop_xy, days, tags, local_stop_maps, station_children, walk)
    return Timetable(
        stop_ids=np.concatenate(stop_ids).astype(str), stop_names=np.concatenate(stop_names).astype(str),
        stop_xy_m=stop_xy, route_ids=np.concatenate(route_ids).astype(str),
        route_names=np.concatenate(route_names).astype(str), route_types=np.concatenate(route_types).astype(str),
        **patterns, fp_ptr=fp_ptr, fp_to=fp_to, fp_s=fp_s, change_s=change_s,
        meta={"feeds": [d.info for d in days], "tags": tags, "crs": crs, "walk": asdict(walk)},
    )


def build_footpaths(xy: np.ndarray, days: list[ServiceDay], tags: list[str], stop_maps: list[pd.Series],
                    station_children: dict[str, list[int]], walk: WalkParameters,
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Footpaths CSR (crow-fly pairs, then transfers.txt overrides) and per-stop change time (s)."""
    n = len(xy)
    pairs = cKDTree(xy).query_pairs(walk.footpath_m, output_type="ndarray") if n else np.zeros((0, 2), int)
    pairs = np.vstack([pairs, pairs[:, ::-1]]).astype(np.int64)
    seconds = walk.seconds(np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)) if len(pairs) else np.zeros(0)
    paths = {(int(a), int(b)): int(s) for (a, b), s in zip(pairs, seconds, strict=True)}
    change = np.full(n, walk.min_change_s, dtype=np.int64)
    for day, tag, stop_map in zip(days, tags, stop_maps, strict=True):
        if day.transfers is None or not len(day.transfers):
            continue
        prefix = f"{tag}:" if len(days) > 1 else ""
        tr = day.transfers
        kinds = pd.to_numeric(tr["transfer_type"].str.strip().replace("", "0"), errors="coerce")
        minimum = pd.to_numeric(tr.get("min_transfer_time", pd.Series("", index=tr.index)), errors="coerce")
        for row, (a, b, kind, min_s) in enumerate(zip(tr["from_stop_id"], tr["to_stop_id"], kinds, minimum,
                                                      strict=True)):
            if kind != kind or kind > 3:  # NaN or in-seat transfers (4, 5): not footpaths
                if kind != kind:
                    raise GtfsError(_("transfer_type vaut de 0 à 5"), file="transfers.txt", row=row + 2,
                                    field="transfer_type")
                continue
            sources = _platforms(prefix + a, stop_map, station_children)
            targets = _platforms(prefix + b, stop_map, station_children)
            for s in sources:
                for t in targets:
                    if kind == 3:
                        paths.pop((s, t), None)
                        continue
                    given = int(min_s) if kind == 2 and min_s == min_s else None
                    if s == t:
                        change[s] = given if given is not None else change[s]
                    else:
                        paths[(s, t)] = given if given is not None else int(
                            walk.seconds(np.hypot(*(xy[s] - xy[t]))))
    if paths:
        keys = np.array(list(paths.keys()), dtype=np.int64)
        values = np.array(list(paths.values()), dtype=np.int64)
    else:
        keys, values = np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.lexsort((keys[:, 1], keys[:, 0]))
    keys, values = keys[order], values[order]
    ptr = np.r_[0, np.cumsum(np.bincount(keys[:, 0], minlength=n))].astype(np.int64)
    return ptr, keys[:, 1].astype(np.int32), values, change


def _platforms(stop_id: str, stop_map: pd.Series, station_children: dict[str, list[int]]) -> list[int]:
    """Routing stops meant by a transfers.txt id: the stop itself, or a station's platforms."""
    found = [int(stop_map[stop_id])] if stop_id in stop_map.index else []
    return found + station_children.get(stop_id, [])


def cache_dir() -> Path:
    """``$MAILLAGE_CACHE`` or ``~/.cache/maillage`` (the street graphs' rule)."""
    from maillage.network.osm_graph import cache_dir_default

    return cache_dir_default()


def default_date(paths: list[Path]) -> dt.date:
    """A representative weekday: the first Tuesday inside every feed's calendar range."""
    spans = [Calendars.read(FeedReader(p)).date_range() for p in paths]
    spans = [s for s in spans if s is not None]
    if not spans:
        raise GtfsError(_("aucune date de service dans les calendriers : donnez une date (--date)"))
    start = max(s[0] for s in spans)
    end = min(s[1] for s in spans)
    if end < start:
        start, end = spans[0]
    day = start + dt.timedelta(days=(1 - start.weekday()) % 7)
    return day if day <= end else start


def load_timetable(paths: list[Path], date: dt.date, *, crs: str = "EPSG:2154", walk: WalkParameters = WALK,
                   use_cache: bool = True) -> Timetable:
    """Timetable of ``date`` for the feeds ``paths`` (zip or folder), from the disk cache when built."""
    paths = [Path(p) for p in paths]
    readers = [FeedReader(p) for p in paths]
    tags = _tags(paths)
    key_source = {"v": CACHE_VERSION, "feeds": [r.sha256() for r in readers], "tags": tags,
                  "date": date.isoformat(), "crs": crs, "walk": asdict(walk)}
    key = hashlib.sha256(json.dumps(key_source, sort_keys=True).encode()).hexdigest()[:32]
    target = cache_dir() / f"timetable-{key}.npz"
    if use_cache and target.exists():
        return _read_npz(target)
    days = [read_service_day(p, date) for p in paths]
    table = build_timetable(days, tags, crs, walk)
    table.meta.update({"date": date.isoformat(), "cache_key": key})
    if use_cache:
        _write_npz(table, target)
    return table


def _tags(paths: list[Path]) -> list[str]:
    tags: list[str] = []
    for p in paths:
        tag = p.stem if p.suffix == ".zip" else p.name
        tags.append(tag if tag not in tags else f"{tag}{len(tags)}")
    return tags


def _write_npz(table: Timetable, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f.name: getattr(table, f.name) for f in fields(table) if f.name != "meta"}
    arrays["meta"] = np.array(json.dumps(table.meta, default=str))
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".timetable-", suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **arrays)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read_npz(source: Path) -> Timetable:
    with np.load(source, allow_pickle=False) as data:
        values = {name: data[name] for name in data.files}
    meta = json.loads(str(values.pop("meta")))
    return Timetable(**values, meta=meta)
