"""Backward range RAPTOR: every stop's profile "leave at t → earliest arrival at the nearest site".

Formulation (exact, no sampling of arrival times):

1. **Events.** Every vehicle arrival ``a`` at a stop ``s'`` within walking reach of a site ``j``
   (alighting allowed) gives a candidate arrival at the site ``T = a + egress(s', j)``, kept if
   ``first_departure ≤ T ≤ last_departure + max_trip``. A site with opening hours that is closed
   at ``T`` is entered when it opens: ``T`` becomes that time (:func:`open_arrival`).
2. **Latest departures.** For a fixed ``T``, RAPTOR on the time-reversed timetable
   (:meth:`Timetable.reversed`), seeded at every event with arrival ≤ ``T``, gives
   ``D_s(T)``, the latest time one can board at stop ``s`` and still reach a site by ``T``: the
   exact mirror of the forward search (same change times, footpaths, one walk between two rides).
3. **Range.** ``D_s(T)`` only grows with ``T``, so events are processed in increasing ``T``
   and the labels are *kept* between runs: each run only propagates the seeds of its own events
   (the self-pruning of rRAPTOR, here in arrival time). After each run we record, for every stop
   whose ``D`` changed, the pair ``(D_s(T), T)``. Labels with ``D`` before the first departure are
   pruned: they cannot serve the window.
4. **Query.** A traveller at stop ``s`` at time ``t`` arrives at a site at
   ``E_s(t) = min{T : D_s(T) ≥ t}``: the first recorded pair with ``D ≥ t`` (``D`` and ``T``
   both increase along the profile), found by binary search.

This equals, for every stop and time, the minimum over all site stops of a forward earliest-arrival
search plus egress, which the tests check against per-origin forward runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from maillage.network.raptor import INF, Labels, kernel_arrays, raptor_kernel
from maillage.network.timetable import Timetable


@dataclass
class StopProfiles:
    """Per stop (CSR ``ptr``): latest boarding ``depart_s`` → arrival at a site ``arrive_s``, ``site``."""

    ptr: np.ndarray
    depart_s: np.ndarray
    arrive_s: np.ndarray
    site: np.ndarray
    n_events: int = 0
    n_runs: int = 0

    def earliest_arrival(self, stop: int, at_s: int) -> tuple[int, int]:
        """(arrival at a site in seconds or ``INF``, site index or -1) leaving ``stop`` at ``at_s``."""
        lo, hi = self.ptr[stop], self.ptr[stop + 1]
        k = lo + np.searchsorted(self.depart_s[lo:hi], at_s, side="left")
        return (int(self.arrive_s[k]), int(self.site[k])) if k < hi else (int(INF), -1)


def open_arrival(open_at: np.ndarray | None, open_from_s: int, site: np.ndarray, arrive_s: np.ndarray,
                 ) -> np.ndarray:
    """When one gets in: ``arrive_s`` if site is open that minute, else its next opening (``INF`` if none).

    ``open_at[j, k]`` (bool) says if site ``j`` is open during minute ``k`` counted from
    ``open_from_s``; minutes outside the mask count as closed. ``None`` = always open.
    """
    arrive_s = np.asarray(arrive_s, dtype=np.int64)
    if open_at is None:
        return arrive_s
    n_minutes = open_at.shape[1]
    # next_open[j, k]: first open minute >= k (n_minutes if none), by a reversed running minimum.
    index = np.where(open_at, np.arange(n_minutes)[None, :], n_minutes)
    next_open = np.minimum.accumulate(index[:, ::-1], axis=1)[:, ::-1]
    minute = (arrive_s - open_from_s) // 60
    inside = (minute >= 0) & (minute < n_minutes) & (arrive_s < INF)
    k = next_open[site, np.clip(minute, 0, n_minutes - 1)]
    opening = np.where(k < n_minutes, open_from_s + 60 * k, INF)
    return np.where(~inside, INF, np.where(k == minute, arrive_s, opening)).astype(np.int64)


def site_events(tt: Timetable, egress_stop: np.ndarray, egress_site: np.ndarray, egress_s: np.ndarray,
                t_from: int, t_to: int, open_at: np.ndarray | None = None, open_from_s: int = 0,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(T, stop, vehicle arrival a, site) of every arrival at a site with ``t_from ≤ T ≤ t_to``.

    ``open_at`` / ``open_from_s``: opening minutes of the sites, see :func:`open_arrival`.
    """
    stops, sites, egress = (np.asarray(a, dtype=np.int64) for a in (egress_stop, egress_site, egress_s))
    # All (pattern, position) entries of each egress stop where alighting is allowed.
    counts = tt.stop_pat_ptr[stops + 1] - tt.stop_pat_ptr[stops]
    pair = np.repeat(np.arange(len(stops)), counts)
    entry = np.repeat(tt.stop_pat_ptr[stops], counts) + np.arange(counts.sum()) - np.repeat(
        np.cumsum(counts) - counts, counts)
    pattern, position = tt.stop_pat[entry].astype(np.int64), tt.stop_pat_pos[entry].astype(np.int64)
    ok = tt.pat_alight_ok[tt.pat_stop_ptr[pattern] + position]
    pair, pattern, position = pair[ok], pattern[ok], position[ok]
    # Every trip of those patterns.
    n_trips = tt.pat_trip_ptr[pattern + 1] - tt.pat_trip_ptr[pattern]
    which = np.repeat(np.arange(len(pair)), n_trips)
    trip = np.repeat(tt.pat_trip_ptr[pattern], n_trips) + np.arange(n_trips.sum()) - np.repeat(
        np.cumsum(n_trips) - n_trips, n_trips)
    a = tt.arrival_s[tt.trip_time_ptr[trip] + position[which]].astype(np.int64)
    pair = pair[which]
    arrive = open_arrival(open_at, open_from_s, sites[pair], a + egress[pair])
    keep = (arrive >= t_from) & (arrive <= t_to)
    arrive, a, pair = arrive[keep], a[keep], pair[keep]
    order = np.lexsort((-a, arrive))
    return arrive[order], stops[pair][order], a[order], sites[pair][order]


@numba.njit(cache=True)
def _range_runs(pat_stop_ptr, pat_stops, pat_board_ok, pat_alight_ok, pat_trip_ptr, trip_time_ptr,
                arr_s, dep_s, stop_pat_ptr, stop_pat, stop_pat_pos, fp_ptr, fp_to, fp_s, change_s,
                board, vehicle, arrival, board_tag, vehicle_tag, v_trip, v_board_pos, v_alight_pos,
                board_from, arrival_from, ev_time, ev_stop, ev_label, ev_tag, t_max, max_rounds):
    """Process events by increasing arrival time; returns the recorded (stop, label, T, tag) rows."""
    n_stops = board.shape[0]
    changed_flag = np.zeros(n_stops, dtype=np.bool_)
    changed = np.empty(n_stops, dtype=np.int64)
    capacity = max(1024, 4 * n_stops)
    out_stop = np.empty(capacity, dtype=np.int64)
    out_label = np.empty(capacity, dtype=np.int64)
    out_time = np.empty(capacity, dtype=np.int64)
    out_tag = np.empty(capacity, dtype=np.int64)
    n_out = 0
    seeds = np.empty(ev_time.shape[0], dtype=np.int64)
    n_runs = 0
    e = 0
    while e < ev_time.shape[0]:
        g_end = e
        n_seeds = 0
        while g_end < ev_time.shape[0] and ev_time[g_end] == ev_time[e]:
            s = ev_stop[g_end]
            if ev_label[g_end] < board[s]:
                board[s] = ev_label[g_end]
                board_tag[s] = ev_tag[g_end]
                seeds[n_seeds] = s
                n_seeds += 1
            g_end += 1
        if n_seeds > 0:
            n_runs += 1
            n_changed, _ = raptor_kernel(
                pat_stop_ptr, pat_stops, pat_board_ok, pat_alight_ok, pat_trip_ptr, trip_time_ptr, arr_s, dep_s,
                stop_pat_ptr, stop_pat, stop_pat_pos, fp_ptr, fp_to, fp_s, change_s, board, vehicle, arrival,
                board_tag, vehicle_tag, v_trip, v_board_pos, v_alight_pos, board_from, arrival_from,
                seeds[:n_seeds], t_max, max_rounds, changed_flag, changed, 0)
            if n_out + n_changed > capacity:
                capacity = 2 * (n_out + n_changed)
                out_stop = _grow(out_stop, capacity)
                out_label = _grow(out_label, capacity)
                out_time = _grow(out_time, capacity)
                out_tag = _grow(out_tag, capacity)
            for k in range(n_changed):
                s = changed[k]
                changed_flag[s] = False
                out_stop[n_out] = s
                out_label[n_out] = vehicle[s]
                out_time[n_out] = ev_time[e]
                out_tag[n_out] = vehicle_tag[s]
                n_out += 1
        e = g_end
    return out_stop[:n_out], out_label[:n_out], out_time[:n_out], out_tag[:n_out], n_runs


@numba.njit(cache=True)
def _grow(values, capacity):
    bigger = np.empty(capacity, dtype=values.dtype)
    bigger[: values.shape[0]] = values
    return bigger


def backward_profiles(tt: Timetable, reversed_tt: Timetable, events: tuple[np.ndarray, ...], *,
                      first_departure_s: int, max_rounds: int = 64) -> StopProfiles:
    """Stop profiles from :func:`site_events` output, by the backward range search (module docstring)."""
    arrive, stop, vehicle_arrival, site = events
    labels = Labels.empty(tt.n_stops)
    rows = _range_runs(*kernel_arrays(reversed_tt), *labels.kernel_arrays(), arrive.astype(np.int64),
                       stop.astype(np.int64), -vehicle_arrival.astype(np.int64), site.astype(np.int64),
                       np.int64(-first_departure_s), max_rounds)
    out_stop, out_label, out_time, out_tag, n_runs = rows
    order = np.argsort(out_stop, kind="stable")  # rows were written in increasing T
    ptr = np.r_[0, np.cumsum(np.bincount(out_stop, minlength=tt.n_stops))].astype(np.int64)
    return StopProfiles(ptr=ptr, depart_s=-out_label[order], arrive_s=out_time[order], site=out_tag[order],
                        n_events=len(arrive), n_runs=int(n_runs))


@numba.njit(parallel=True, cache=True)
def evaluate_cells(prof_ptr, prof_depart, prof_arrive, prof_site, acc_ptr, acc_stop, acc_s, walk_s, walk_site,
                   minutes_s, max_trip_s, out_s, out_site):
    """Per cell and departure minute: min(walk all the way, access + stop profile), seconds.

    Transit options longer than ``max_trip_s`` are dropped; walking all the way never is.
    """
    for c in numba.prange(acc_ptr.shape[0] - 1):
        for k in range(minutes_s.shape[0]):
            m = minutes_s[k]
            best = walk_s[c, k]
            best_site = walk_site[c, k]
            for e in range(acc_ptr[c], acc_ptr[c + 1]):
                s = acc_stop[e]
                t = m + acc_s[e]
                lo = prof_ptr[s]
                hi = prof_ptr[s + 1]
                while lo < hi:
                    mid = (lo + hi) // 2
                    if prof_depart[mid] >= t:
                        hi = mid
                    else:
                        lo = mid + 1
                if lo < prof_ptr[s + 1]:
                    travel = prof_arrive[lo] - m
                    if travel <= max_trip_s and travel < best:
                        best = travel
                        best_site = prof_site[lo]
            out_s[c, k] = best
            out_site[c, k] = best_site
