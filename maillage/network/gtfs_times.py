"""Stop times of the trips kept for a service day: ordering, validation, interpolation, frequencies.

Split from :mod:`maillage.network.gtfs` to keep modules short. Everything is vectorised over the
whole ``stop_times`` table (millions of rows for New York's buses): no Python loop per stop time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from maillage.i18n import _
from maillage.network.gtfs_fields import GtfsError, data_row, parse_ints, parse_times_s


@dataclass
class TripTimes:
    """Stop times grouped by trip, in stop order. Times in seconds after midnight of the service day."""

    trip_ids: np.ndarray          # per trip: trip_id (object str)
    trip_row_of_trip: np.ndarray  # per trip: row in trips.txt (route, service)
    trip: np.ndarray              # per stop time: trip index (sorted, contiguous)
    stop: np.ndarray              # per stop time: row in stops.txt
    arrival_s: np.ndarray
    departure_s: np.ndarray
    pickup_ok: np.ndarray
    dropoff_ok: np.ndarray


def trip_times(st: pd.DataFrame, rows: np.ndarray, trip_rows: np.ndarray, stop_rows: np.ndarray) -> TripTimes:
    """Order, check and interpolate the stop times ``st`` (a slice of stop_times.txt, original index).

    ``rows`` are the 0-based data rows of ``st`` in the file (for error messages), ``trip_rows`` and
    ``stop_rows`` the matching rows in trips.txt and stops.txt.
    """
    file = "stop_times.txt"
    sequence = parse_ints(st["stop_sequence"], file=file, field="stop_sequence")
    order = np.lexsort((sequence, trip_rows))
    rows, trip_rows, stop_rows, sequence = rows[order], trip_rows[order], stop_rows[order], sequence[order]
    st = st.iloc[order]
    same_trip = np.r_[False, trip_rows[1:] == trip_rows[:-1]]
    duplicated = same_trip & np.r_[False, sequence[1:] == sequence[:-1]]
    if duplicated.any():
        bad = int(np.flatnonzero(duplicated)[0])
        raise GtfsError(_("stop_sequence répété dans une course"), file=file, row=data_row(rows[bad]),
                        field="stop_sequence")
    arrival = parse_times_s(st["arrival_time"], file=file, field="arrival_time")
    departure = parse_times_s(st["departure_time"], file=file, field="departure_time")
    arrival = np.where(arrival < 0, departure, arrival)
    departure = np.where(departure < 0, arrival, departure)
    first = ~same_trip
    last = np.r_[~same_trip[1:], True] if len(same_trip) else same_trip
    missing = arrival < 0
    if (missing & (first | last)).any():
        bad = int(np.flatnonzero(missing & (first | last))[0])
        raise GtfsError(_("le premier et le dernier arrêt d'une course ont besoin d'une heure"), file=file,
                        row=data_row(rows[bad]),
                        field="arrival_time")
    if missing.any():
        filled = _interpolate(arrival, missing)
        arrival, departure = filled, np.where(missing, filled, departure)
    # Times must not go backwards along a trip (after-midnight times >= 24:00:00 are fine).
    if (departure < arrival).any():
        bad = int(np.flatnonzero(departure < arrival)[0])
        raise GtfsError(_("departure_time avant arrival_time"), file=file, row=data_row(rows[bad]),
                        field="departure_time")
    backwards = same_trip & (arrival < np.r_[0, departure[:-1]])
    if backwards.any():
        bad = int(np.flatnonzero(backwards)[0])
        raise GtfsError(_("horaires dans le désordre dans la course (heure antérieure à celle de l'arrêt précédent)"),
                        file=file, row=data_row(rows[bad]), field="arrival_time")
    pickup = _flag(st, "pickup_type")
    dropoff = _flag(st, "drop_off_type")
    trip_row_of_trip, trip = np.unique(trip_rows, return_inverse=True)
    return TripTimes(
        trip_ids=st["trip_id"].to_numpy(dtype=object)[np.r_[np.flatnonzero(first)]] if len(st) else
        np.zeros(0, dtype=object),
        trip_row_of_trip=trip_row_of_trip, trip=trip.astype(np.int64), stop=stop_rows,
        arrival_s=arrival, departure_s=departure, pickup_ok=pickup, dropoff_ok=dropoff,
    )


def _flag(st: pd.DataFrame, column: str) -> np.ndarray:
    """True where boarding (pickup_type) / alighting (drop_off_type) is allowed: value != 1."""
    if column not in st.columns:
        return np.ones(len(st), dtype=bool)
    return (st[column].str.strip() != "1").to_numpy()


def _interpolate(times: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Linear interpolation by stop position between known times (trip ends are known)."""
    position = np.arange(len(times))
    known = np.where(~missing, position, -1)
    previous = np.maximum.accumulate(known)
    following = np.where(~missing, position, len(times))
    following = np.minimum.accumulate(following[::-1])[::-1]
    t0, t1 = times[previous], times[following]
    share = (position - previous) / np.maximum(following - previous, 1)
    return np.where(missing, np.rint(t0 + (t1 - t0) * share), times).astype(np.int64)


def expand_frequencies(times: TripTimes, frequencies: pd.DataFrame | None, trip_row: pd.Series) -> TripTimes:
    """Replace each ``frequencies.txt`` template trip by one trip per headway."""
    if frequencies is None or not len(frequencies):
        return times
    file = "frequencies.txt"
    start = parse_times_s(frequencies["start_time"], file=file, field="start_time")
    end = parse_times_s(frequencies["end_time"], file=file, field="end_time")
    headway = parse_ints(frequencies["headway_secs"], file=file, field="headway_secs")
    template_row = frequencies["trip_id"].map(trip_row)
    if template_row.isna().any():
        bad = int(np.flatnonzero(template_row.isna().to_numpy())[0])
        raise GtfsError(_("trip_id inconnu « {value} »").format(value=frequencies["trip_id"].iloc[bad]), file=file,
                        row=data_row(bad), field="trip_id")
    for column, values in (("start_time", start), ("headway_secs", headway)):
        if (values < 0).any() or (column == "headway_secs" and (values <= 0).any()):
            bad = int(np.flatnonzero(values <= 0 if column == "headway_secs" else values < 0)[0])
            raise GtfsError(_("doit être positif"), file=file, row=data_row(bad), field=column)
    local = pd.Series(np.arange(len(times.trip_row_of_trip)), index=times.trip_row_of_trip)
    trip_start = np.searchsorted(times.trip, np.arange(len(times.trip_ids)))
    trip_end = np.r_[trip_start[1:], len(times.trip)]
    new: list[tuple[np.ndarray, ...]] = []
    new_ids: list[str] = []
    new_rows: list[int] = []
    templates: set[int] = set()
    for k, row in enumerate(template_row.to_numpy(dtype=np.int64)):
        if row not in local.index:  # template trip does not run on this date
            continue
        t = int(local[row])
        templates.add(t)
        span = slice(trip_start[t], trip_end[t])
        offset_arr = times.arrival_s[span] - times.departure_s[span][0]
        offset_dep = times.departure_s[span] - times.departure_s[span][0]
        for first_departure in range(int(start[k]), int(end[k]), int(headway[k])):
            new.append((times.stop[span], offset_arr + first_departure, offset_dep + first_departure,
                        times.pickup_ok[span], times.dropoff_ok[span]))
            new_ids.append(f"{times.trip_ids[t]}#{first_departure // 3600:02d}:{first_departure // 60 % 60:02d}"
                           f":{first_departure % 60:02d}")
            new_rows.append(int(times.trip_row_of_trip[t]))
    keep_trip = np.ones(len(times.trip_ids), dtype=bool)
    keep_trip[list(templates)] = False
    keep = keep_trip[times.trip]
    renumber = np.cumsum(keep_trip) - 1
    n_kept = int(keep_trip.sum())
    lengths = [len(n[0]) for n in new]
    extra_trip = np.repeat(np.arange(n_kept, n_kept + len(new)), lengths).astype(np.int64)

    def cat(existing: np.ndarray, index: int) -> np.ndarray:
        return np.concatenate([existing[keep], *[n[index] for n in new]]) if new else existing[keep]

    return TripTimes(
        trip_ids=np.concatenate([times.trip_ids[keep_trip], np.array(new_ids, dtype=object)]),
        trip_row_of_trip=np.concatenate([times.trip_row_of_trip[keep_trip], np.array(new_rows, dtype=np.int64)]),
        trip=np.concatenate([renumber[times.trip[keep]], extra_trip]),
        stop=cat(times.stop, 0), arrival_s=cat(times.arrival_s, 1), departure_s=cat(times.departure_s, 2),
        pickup_ok=cat(times.pickup_ok, 3), dropoff_ok=cat(times.dropoff_ok, 4),
    )
