"""Shared helpers of the transit tests: a random GTFS feed generator and the hand-made feed's path.

The random feeds are made to stress the router: trips of one route with their own speeds (so they
overtake), dwell times, no-pickup / no-drop-off stops, blank non-timepoint times, stops close enough
for footpaths, transfers.txt change times, forbidden and explicit transfers.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).parent / "fixtures"
HANDMADE = FIXTURES / "gtfs_handmade"


def hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def make_random_feed(folder: Path, seed: int, n_stops: int = 60, n_routes: int = 12,
                     trips_per_route: int = 14, south_west: tuple[float, float] = (48.85, 2.30),
                     span_deg: tuple[float, float] = (0.03, 0.045)) -> Path:
    """Write a random but valid GTFS feed (service every day of 2024) into ``folder``.

    Stops fall in the box of ``span_deg`` (lat, lon degrees) north-east of ``south_west`` (lat, lon).
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    lat = south_west[0] + rng.uniform(0, span_deg[0], n_stops)
    lon = south_west[1] + rng.uniform(0, span_deg[1], n_stops)
    # Twin stops 50-300 m from another one: footpaths between them.
    for k in range(0, n_stops // 4):
        j = n_stops - 1 - k
        lat[j] = lat[k] + rng.uniform(0.0005, 0.0025)
        lon[j] = lon[k]
    _write(folder / "agency.txt", ["agency_id", "agency_name", "agency_url", "agency_timezone"],
           [["R", f"Random agency {seed}", "https://example.org", "Europe/Paris"]])
    _write(folder / "stops.txt", ["stop_id", "stop_name", "stop_lat", "stop_lon"],
           [[f"s{i}", f"Stop {i}", f"{lat[i]:.6f}", f"{lon[i]:.6f}"] for i in range(n_stops)])
    _write(folder / "calendar.txt", ["service_id", "monday", "tuesday", "wednesday", "thursday", "friday",
                                     "saturday", "sunday", "start_date", "end_date"],
           [["ALL", 1, 1, 1, 1, 1, 1, 1, "20240101", "20241231"]])
    routes, trips, stop_times = [], [], []
    for r in range(n_routes):
        routes.append([f"r{r}", "R", f"R{r}", "", 3])
        stops = rng.choice(n_stops, size=int(rng.integers(4, 12)), replace=False)
        hop = rng.integers(60, 400, size=len(stops) - 1)
        for k in range(trips_per_route):
            trip = f"r{r}t{k}"
            trips.append([f"r{r}", "ALL", trip])
            t = int(rng.integers(7 * 3600, 10 * 3600))
            speed = rng.uniform(0.6, 1.6)
            for i, s in enumerate(stops):
                if i:
                    t += int(hop[i - 1] * speed)
                dwell = int(rng.integers(0, 60)) if rng.random() < 0.5 else 0
                blank = 0 < i < len(stops) - 1 and rng.random() < 0.1
                pickup = 1 if rng.random() < 0.05 else 0
                drop = 1 if rng.random() < 0.05 else 0
                stop_times.append([trip, "" if blank else hms(t), "" if blank else hms(t + dwell), f"s{s}",
                                   i + 1, pickup, drop])
                t += dwell
    _write(folder / "routes.txt", ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"],
           routes)
    _write(folder / "trips.txt", ["route_id", "service_id", "trip_id"], trips)
    _write(folder / "stop_times.txt", ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence",
                                       "pickup_type", "drop_off_type"], stop_times)
    transfers = []
    for s in rng.choice(n_stops, size=n_stops // 3, replace=False):
        transfers.append([f"s{s}", f"s{s}", 2, int(rng.integers(30, 240))])
    for k in range(3):  # forbid a footpath between twins, and add long explicit ones
        transfers.append([f"s{k}", f"s{n_stops - 1 - k}", 3, ""])
        a, b = rng.choice(n_stops, size=2, replace=False)
        transfers.append([f"s{a}", f"s{b}", 2, int(rng.integers(60, 600))])
    _write(folder / "transfers.txt", ["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"],
           transfers)
    return folder
