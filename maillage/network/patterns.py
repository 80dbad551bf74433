"""Group trips into RAPTOR patterns: same route, same stops, same flags, and no overtaking.

RAPTOR scans a pattern once per round, riding "the earliest trip catchable so far"; that is only
right if trips of a pattern keep their order at every stop (FIFO). Real timetables break it (an
express bus overtaking a stopping one on the same stop list, a late trip with a shorter running
time), so each group of identical stop sequences is split greedily into FIFO chains: trips sorted by
departure, each put in the first chain whose last trip is earlier-or-equal at every stop (arrival
and departure), else it opens a new chain. Every chain is a pattern.
"""

from __future__ import annotations

import numpy as np


def build_patterns(st: dict[str, np.ndarray], trip_ids: np.ndarray, n_stops: int) -> dict[str, np.ndarray]:
    """Pattern arrays (see :class:`~maillage.network.timetable.Timetable`) from flat stop times.

    ``st`` holds per stop time ``trip`` (contiguous, in stop order), ``stop``, ``arr``, ``dep``
    (seconds), ``pick``/``drop`` (bool) and ``route``.
    """
    n_trips = len(trip_ids)
    start = np.searchsorted(st["trip"], np.arange(n_trips + 1))
    code = st["stop"].astype(np.int64) * 4 + st["pick"].astype(np.int64) * 2 + st["drop"].astype(np.int64)
    groups: dict[bytes, list[int]] = {}
    for t in range(n_trips):
        a, b = start[t], start[t + 1]
        if b - a < 2:  # a one-stop trip carries no one anywhere
            continue
        key = np.int64(st["route"][a]).tobytes() + code[a:b].tobytes()
        groups.setdefault(key, []).append(t)

    pat_stops, pat_board, pat_alight, pat_route, pat_trip_count = [], [], [], [], []
    trip_order: list[int] = []
    for members in groups.values():
        a = start[members[0]]
        length = start[members[0] + 1] - a
        idx = start[np.asarray(members)][:, None] + np.arange(length)
        arr, dep = st["arr"][idx], st["dep"][idx]
        order = np.lexsort(tuple(dep[:, ::-1].T))  # by first departure, then the following ones
        chains: list[list[int]] = []
        last_arr: list[np.ndarray] = []
        last_dep: list[np.ndarray] = []
        for k in order:
            for c in range(len(chains)):
                if (last_arr[c] <= arr[k]).all() and (last_dep[c] <= dep[k]).all():
                    chains[c].append(k)
                    last_arr[c], last_dep[c] = arr[k], dep[k]
                    break
            else:
                chains.append([k])
                last_arr.append(arr[k])
                last_dep.append(dep[k])
        for chain in chains:
            pat_stops.append(st["stop"][a:a + length])
            pat_board.append(st["pick"][a:a + length])
            pat_alight.append(st["drop"][a:a + length])
            pat_route.append(st["route"][a])
            pat_trip_count.append(len(chain))
            trip_order.extend(members[k] for k in chain)

    lengths = np.array([len(s) for s in pat_stops], dtype=np.int64)
    counts = np.array(pat_trip_count, dtype=np.int64)
    trip_order_arr = np.array(trip_order, dtype=np.int64)
    trip_lengths = np.repeat(lengths, counts)
    trip_time_ptr = np.r_[0, np.cumsum(trip_lengths)].astype(np.int64)
    gather = (np.repeat(start[trip_order_arr], trip_lengths)
              + np.arange(trip_time_ptr[-1]) - np.repeat(trip_time_ptr[:-1], trip_lengths))
    stops_flat = np.concatenate(pat_stops).astype(np.int32) if pat_stops else np.zeros(0, np.int32)
    pat_stop_ptr = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    pattern_of_entry = np.repeat(np.arange(len(lengths)), lengths)
    position = np.arange(len(stops_flat)) - pat_stop_ptr[pattern_of_entry]
    by_stop = np.lexsort((position, pattern_of_entry, stops_flat))
    return {
        "pat_stop_ptr": pat_stop_ptr,
        "pat_stops": stops_flat,
        "pat_board_ok": np.concatenate(pat_board).astype(bool) if pat_board else np.zeros(0, bool),
        "pat_alight_ok": np.concatenate(pat_alight).astype(bool) if pat_alight else np.zeros(0, bool),
        "pat_route": np.array(pat_route, dtype=np.int32),
        "pat_trip_ptr": np.r_[0, np.cumsum(counts)].astype(np.int64),
        "trip_ids": trip_ids[trip_order_arr].astype(str) if len(trip_order_arr) else np.zeros(0, dtype=str),
        "trip_time_ptr": trip_time_ptr[:-1],
        "arrival_s": st["arr"][gather].astype(np.int32),
        "departure_s": st["dep"][gather].astype(np.int32),
        "stop_pat_ptr": np.r_[0, np.cumsum(np.bincount(stops_flat, minlength=n_stops))].astype(np.int64),
        "stop_pat": pattern_of_entry[by_stop].astype(np.int32),
        "stop_pat_pos": position[by_stop].astype(np.int32),
    }
