"""Public transport + walking backend of :class:`~maillage.network.engine.TravelTimeEngine`.

For each class of site, one backward range RAPTOR (:mod:`maillage.network.profiles`) gives every
stop its profile "leave the stop at t → earliest arrival at the nearest open site". Each origin
then combines, for every departure minute of the window (``depart`` ≤ m < ``depart + window``,
one per minute, as Conveyal R5):

- walking all the way to the nearest site (always a candidate, at any distance);
- walking (crow-fly × detour at walking speed, ≤ ``max_access_m``) to any stop, then that stop's
  profile; journeys longer than ``max_trip_min`` are dropped.

A site with opening hours (OSM syntax, evaluated on the timetable's date) seeds the search only when
open: who arrives while it is closed waits at the door, and the time counts until it opens.

``minutes`` is the median over the window; ``extra["pNN"]`` the requested percentiles. Walking
parameters live in :data:`~maillage.network.timetable.WALK`. The forward per-origin computation
(:meth:`TransitEngine.forward_seconds`) is kept as the reference and checked equal in the tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from maillage.i18n import _
from maillage.network.engine import NO_SITE, Destinations, NearestSites
from maillage.network.profiles import StopProfiles, backward_profiles, evaluate_cells, open_arrival, site_events
from maillage.network.raptor import INF, forward
from maillage.network.street_walk import StreetWalk, street_footpaths
from maillage.network.timetable import WALK, Timetable, WalkParameters, default_date, load_timetable
from maillage.numbers import fr_number


def parse_hhmm(text: str) -> int:
    """``"08:00"`` or ``"08:00:00"`` → seconds after midnight."""
    parts = [int(p) for p in text.split(":")]
    return parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0)


def percentile_sorted(ranked: np.ndarray, percent: float) -> np.ndarray:
    """Row-wise percentile (linear interpolation, as numpy's default) of rows sorted ascending.

    Unlike ``np.percentile`` it gives ``inf``, not NaN, when the interpolation touches an
    unreachable (``inf``) departure.
    """
    position = percent / 100.0 * (ranked.shape[1] - 1)
    low, high = int(np.floor(position)), int(np.ceil(position))
    fraction = position - low
    a, b = ranked[:, low], ranked[:, high]
    with np.errstate(invalid="ignore"):
        value = a + (b - a) * fraction
    return np.where(np.isinf(b), a if fraction == 0 else np.inf, value)


class TransitEngine:
    """Travel times by public transport and walking over a departure window."""

    mode = "transit"

    def __init__(self, timetable: Timetable, *, depart_s: int = 8 * 3600, window_min: int = 120,
                 percentiles: Sequence[float] = (50,), max_trip_min: float = 120.0,
                 walk: WalkParameters = WALK, street: StreetWalk | None = None) -> None:
        if window_min < 1:
            raise ValueError(_("la plage de départ doit durer au moins 1 minute"))
        self.street = street
        if street is not None:
            timetable = street_footpaths(timetable, street, walk)
        self.timetable = timetable
        self.reversed_timetable = timetable.reversed()
        self.depart_s = int(depart_s)
        self.window_min = int(window_min)
        self.minutes_s = self.depart_s + 60 * np.arange(self.window_min, dtype=np.int64)
        self.percentiles = tuple(percentiles)
        self.max_trip_s = round(max_trip_min * 60)
        self.walk = walk
        self._stop_tree = cKDTree(timetable.stop_xy_m) if timetable.n_stops else None

    # -- building blocks -------------------------------------------------------------------
    def _pairs(self, xy: np.ndarray, radius_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row in xy, stop, crow-fly metres) for every stop within ``radius_m``, sorted by row."""
        if self._stop_tree is None or not len(xy):
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        found = cKDTree(xy).sparse_distance_matrix(self._stop_tree, radius_m, output_type="ndarray")
        rows, stops, dist = found["i"].astype(np.int64), found["j"].astype(np.int64), found["v"]
        # sparse_distance_matrix leaves out pairs at distance exactly 0: add them back.
        zero = self._stop_tree.query_ball_point(xy, r=1e-9)
        extra = [(i, j) for i, js in enumerate(zero) for j in js]
        if extra:
            ez = np.array(extra, dtype=np.int64)
            rows, stops, dist = np.r_[rows, ez[:, 0]], np.r_[stops, ez[:, 1]], np.r_[dist, np.zeros(len(ez))]
            keep = np.unique(np.c_[rows, stops], axis=0, return_index=True)[1]
            rows, stops, dist = rows[keep], stops[keep], dist[keep]
        order = np.lexsort((stops, rows))
        return rows[order], stops[order], dist[order]

    def _walk_pairs(self, xy: np.ndarray, radius_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row in xy, stop, walking seconds) for every stop within walking reach, sorted by row.

        Reach is the time of a crow-fly walk of ``radius_m`` (× detour). On the street graph the
        candidates are the stops within that many metres crow-fly, timed on the streets.
        """
        if self.street is None:
            rows, stops, dist = self._pairs(xy, radius_m)
            return rows, stops, self.walk.seconds(dist)
        rows, stops, _ = self._pairs(xy, radius_m * self.walk.detour_factor)
        limit_s = float(self.walk.seconds(np.array([radius_m]))[0])
        seconds = self.street.pair_seconds(xy, self.timetable.stop_xy_m, rows, stops, limit_s)
        keep = seconds <= limit_s
        return rows[keep], stops[keep], seconds[keep]

    def _open_mask(self, destinations: Destinations) -> tuple[np.ndarray | None, int]:
        """Per site and minute from the first departure to the horizon: open? (None = always open)."""
        hours = destinations.opening_hours
        if hours is None or all(h is None for h in hours):
            return None, self.depart_s
        from opening_hours import OpeningHours

        day = dt.date.fromisoformat(self.timetable.meta["date"])
        start = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=self.depart_s)
        n_minutes = self.window_min + self.max_trip_s // 60 + 2
        mask = np.ones((len(hours), n_minutes), dtype=bool)
        for j, text in enumerate(hours):
            if text:
                oh = OpeningHours(text)
                mask[j] = [bool(oh.is_open(start + dt.timedelta(minutes=k))) for k in range(n_minutes)]
        return mask, self.depart_s

    def stop_profiles(self, destinations: Destinations) -> StopProfiles:
        """Backward range search seeded at the stops within walking reach of the sites."""
        site_row, stop, egress_s = self._walk_pairs(destinations.xy_m, self.walk.max_access_m)
        open_at, open_from = self._open_mask(destinations)
        events = site_events(self.timetable, stop, site_row, egress_s, self.depart_s,
                             int(self.minutes_s[-1]) + self.max_trip_s, open_at, open_from)
        return backward_profiles(self.timetable, self.reversed_timetable, events,
                                 first_departure_s=self.depart_s)

    def _walk_all(self, origins: np.ndarray, destinations: Destinations) -> tuple[np.ndarray, np.ndarray]:
        """Seconds and site of walking all the way, per origin and departure minute."""
        open_at, open_from = self._open_mask(destinations)
        k = len(destinations) if open_at is not None else 1
        if self.street is None:
            distance, index = cKDTree(destinations.xy_m).query(origins, k=min(k, len(destinations)))
            distance, index = distance.reshape(len(origins), -1), index.reshape(len(origins), -1)
            seconds = self.walk.seconds(distance).astype(np.float64)
        else:  # on the streets the nearest site is not the crow-fly nearest: time them all
            every = self.street.seconds_to_points(origins, destinations.xy_m)
            # off the graph (beyond the snapping limit): walking all the way still counts, crow-fly
            crowfly = self.walk.seconds(np.linalg.norm(origins[:, None, :] - destinations.xy_m[None, :, :], axis=2))
            every = np.where(np.isfinite(every), every, crowfly)
            index = np.argsort(every, axis=1, kind="stable")[:, :k]
            seconds = np.rint(np.take_along_axis(every, index, axis=1))
        n_min = self.window_min
        if open_at is None:
            return np.repeat(seconds[:, :1], n_min, axis=1), np.repeat(index[:, :1], n_min, axis=1)
        arrive = self.minutes_s[None, None, :] + seconds[:, :, None].astype(np.int64)
        sites = np.broadcast_to(index[:, :, None], arrive.shape)
        entered = open_arrival(open_at, open_from, sites.ravel(), arrive.ravel()).reshape(arrive.shape)
        candidate = np.where(entered < INF, entered - self.minutes_s[None, None, :], np.inf)
        best = candidate.argmin(axis=1)
        walk_s = np.take_along_axis(candidate, best[:, None, :], axis=1)[:, 0, :]
        walk_site = np.where(np.isfinite(walk_s), np.take_along_axis(index[:, :, None].repeat(n_min, 2),
                                                                      best[:, None, :], axis=1)[:, 0, :], NO_SITE)
        return walk_s, walk_site

    def seconds_matrix(self, origins_xy_m: np.ndarray, destinations: Destinations,
                       profiles: StopProfiles | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(seconds (n, window), site index (n, window), access metres (n,)) by the backward search."""
        origins = np.asarray(origins_xy_m, dtype=np.float64).reshape(-1, 2)
        profiles = profiles if profiles is not None else self.stop_profiles(destinations)
        row, stop, access_s = self._walk_pairs(origins, self.walk.max_access_m)
        acc_ptr = np.r_[0, np.cumsum(np.bincount(row, minlength=len(origins)))].astype(np.int64)
        walk_s, walk_site = self._walk_all(origins, destinations)
        out_s = np.empty((len(origins), self.window_min), dtype=np.float64)
        out_site = np.empty((len(origins), self.window_min), dtype=np.int64)
        evaluate_cells(profiles.ptr, profiles.depart_s, profiles.arrive_s, profiles.site, acc_ptr, stop,
                       access_s, walk_s, walk_site.astype(np.int64), self.minutes_s,
                       self.max_trip_s, out_s, out_site)
        return out_s, out_site, self._access_m(origins)

    def _access_m(self, origins: np.ndarray) -> np.ndarray:
        if self._stop_tree is None:
            return np.full(len(origins), np.inf)
        return self._stop_tree.query(origins, k=1)[0]

    def forward_seconds(self, origins_xy_m: np.ndarray, destinations: Destinations,
                        minute_index: Sequence[int] | None = None) -> np.ndarray:
        """Reference: one forward RAPTOR per origin and departure minute. Seconds (n, minutes)."""
        origins = np.asarray(origins_xy_m, dtype=np.float64).reshape(-1, 2)
        minute_index = list(range(self.window_min)) if minute_index is None else list(minute_index)
        site_row, egress_stop, egress_s = self._walk_pairs(destinations.xy_m, self.walk.max_access_m)
        open_at, open_from = self._open_mask(destinations)
        row, stop, access_s = self._walk_pairs(origins, self.walk.max_access_m)
        walk_s, _ = self._walk_all(origins, destinations)
        out = np.empty((len(origins), len(minute_index)))
        for i in range(len(origins)):
            mine = row == i
            for col, k in enumerate(minute_index):
                m = int(self.minutes_s[k])
                best = walk_s[i, k]
                if mine.any():
                    labels = forward(self.timetable, stop[mine], m + access_s[mine], t_max_s=m + self.max_trip_s)
                    reached = labels.vehicle[egress_stop]
                    arrive = np.where(reached < INF, reached + egress_s, INF)
                    arrive = open_arrival(open_at, open_from, site_row, arrive)
                    travel = arrive.min(initial=INF) - m
                    if travel <= self.max_trip_s:
                        best = min(best, float(travel))
                out[i, col] = best
        return out

    # -- the engine protocol -----------------------------------------------------------------
    def nearest(self, origins_xy_m: np.ndarray, destinations: Destinations) -> NearestSites:
        seconds, site, access_m = self.seconds_matrix(origins_xy_m, destinations)
        order = np.argsort(seconds, axis=1, kind="stable")
        ranked = np.take_along_axis(seconds / 60.0, order, axis=1)
        median = percentile_sorted(ranked, 50.0)
        # The site reached at the (lower) median departure: the one a typical departure leads to.
        lower_median = order[:, (self.window_min - 1) // 2]
        chosen = np.take_along_axis(site, lower_median[:, None], axis=1)[:, 0]
        chosen = np.where(np.isfinite(median), chosen, NO_SITE)
        extra = {f"p{p:g}": percentile_sorted(ranked, float(p)) for p in self.percentiles}
        return NearestSites(minutes=median, site_index=chosen, access_m=access_m, extra=extra)

    def describe(self) -> dict[str, Any]:
        meta = self.timetable.meta
        t = self.depart_s
        end = t + 60 * self.window_min
        return {
            "backend": "transit",
            "mode": self.mode,
            "feeds": [{k: f.get(k) for k in ("path", "feed_publisher_name", "feed_version", "agencies",
                                             "service_dates")} for f in meta.get("feeds", [])],
            "date": meta.get("date"),
            "window": f"{t // 3600:02d}:{t // 60 % 60:02d}–{end // 3600:02d}:{end // 60 % 60:02d}, every minute",
            "percentiles": list(self.percentiles),
            "max_trip_min": self.max_trip_s / 60,
            "walk": asdict(self.walk),
            "walk_network": "street graph" if self.street is not None else "crow-fly × detour",
            **({"walk_graph": self.street.describe()} if self.street is not None else {}),
            "crs": meta.get("crs"),
            "stops": self.timetable.n_stops,
            "patterns": self.timetable.n_patterns,
            "trips": len(self.timetable.trip_ids),
        }

    def _walk_assumption(self) -> str:
        w = self.walk
        if self.street is not None:
            reach = self.walk.seconds(np.array([w.max_access_m, w.footpath_m])) / 60
            return _("Marche par les rues d'OpenStreetMap à {speed} km/h : arrêts accessibles en {access} min au "
                     "plus, correspondances à pied en {transfer} min au plus ou selon transfers.txt.").format(
                speed=fr_number(w.speed_kmh), access=f"{reach[0]:.0f}", transfer=f"{reach[1]:.0f}")
        return _("Marche : distance à vol d'oiseau × {detour} à {speed} km/h ; arrêts accessibles jusqu'à {access} "
                 "m ; correspondances à pied jusqu'à {transfer} m ou selon transfers.txt.").format(
            detour=fr_number(w.detour_factor), speed=fr_number(w.speed_kmh), access=fr_number(w.max_access_m),
            transfer=fr_number(w.footpath_m))

    def assumptions(self) -> list[str]:
        start, end = self.describe()["window"].split(",")[0].split("–")
        return [  # French only: the English facts are in describe()
            _("Transports en commun d'après les horaires GTFS du {date} (sans retards ni perturbations) ; départs "
              "chaque minute de {start} à {end}, temps médian retenu.").format(
                date=self.timetable.meta.get("date"), start=start, end=end),
            self._walk_assumption(),
            _("Trajets de plus de {minutes} min ignorés ; la marche directe reste toujours possible.").format(
                minutes=fr_number(self.max_trip_s / 60)),
        ]


def transit_engine(gtfs_paths: list[Path], *, date: dt.date | None = None, depart: str = "08:00",
                   window_min: int = 120, percentiles: Sequence[float] = (50,), crs: str = "EPSG:2154",
                   max_trip_min: float = 120.0, walk: WalkParameters = WALK,
                   street: StreetWalk | None = None) -> TransitEngine:
    """Load (or reuse from cache) the feeds' timetable for ``date`` and build the engine.

    ``date`` None picks the first Tuesday within every feed's calendar. Raises
    :class:`~maillage.network.gtfs.NoTimetableError` for a feed without trips/stop_times.
    """
    paths = [Path(p) for p in gtfs_paths]
    if not paths:
        raise ValueError("transit_engine needs at least one GTFS feed")
    day = date if date is not None else default_date(paths)
    timetable = load_timetable(paths, day, crs=crs, walk=walk)
    return TransitEngine(timetable, depart_s=parse_hhmm(depart), window_min=window_min,
                         percentiles=percentiles, max_trip_min=max_trip_min, walk=walk, street=street)
