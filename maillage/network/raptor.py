"""RAPTOR (Delling, Pajor & Werneck 2012) on numpy arrays with numba loops.

Labels, per stop, in seconds after midnight of the service day (int64, ``INF`` = not reached):

- ``board[s]``: earliest time one can *board* at ``s`` (seed = walked there; or alighted at ``s``
  plus its change time; or alighted at ``p`` plus the footpath ``p → s``);
- ``vehicle[s]``: earliest *alighting* at ``s``;
- ``arrival[s]``: earliest presence at ``s`` = min(seed, vehicle, vehicle at ``p`` + footpath).

A round scans every pattern serving a stop whose ``board`` improved (from the earliest such
position), riding the earliest catchable trip; then relaxes footpaths from stops whose ``vehicle``
improved. Footpaths are not chained (one walk between two rides), and the seeds (walking access)
do not take footpaths: their walk is already the access walk. Rounds go on until nothing improves
(``max_rounds`` caps them), so results are exact earliest arrivals, equal to a Dijkstra on the
time-expanded graph (:mod:`maillage.network.raptor_reference`, checked in the tests).

The kernel updates its labels in place, so it can be called again with new seeds and continue from
where it stopped: that is what :mod:`maillage.network.profiles` does for the backward range search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from maillage.network.timetable import Timetable

INF = np.int64(1) << 60
NO_LIMIT = np.int64(1) << 59


@numba.njit(cache=True)
def raptor_kernel(pat_stop_ptr, pat_stops, pat_board_ok, pat_alight_ok, pat_trip_ptr, trip_time_ptr,
                  arr_s, dep_s, stop_pat_ptr, stop_pat, stop_pat_pos, fp_ptr, fp_to, fp_s, change_s,
                  board, vehicle, arrival, board_tag, vehicle_tag, v_trip, v_board_pos, v_alight_pos,
                  board_from, arrival_from, seeds, t_max, max_rounds, changed_flag, changed_list, n_changed):
    """Run RAPTOR rounds from the stops ``seeds`` (whose ``board`` labels were just set).

    Updates the label arrays in place; stops whose ``vehicle`` label improved are appended to
    ``changed_list`` (from index ``n_changed``, deduplicated by ``changed_flag``). Labels later
    than ``t_max`` are not kept. Returns (new ``n_changed``, rounds run).
    """
    n_stops = board.shape[0]
    n_pat = pat_trip_ptr.shape[0] - 1
    big = np.int32(2**30)
    first_pos = np.full(n_pat, big, dtype=np.int32)
    queue = np.empty(n_pat, dtype=np.int32)
    marked = np.zeros(n_stops, dtype=np.bool_)
    mlist = np.empty(n_stops, dtype=np.int64)
    vflag = np.zeros(n_stops, dtype=np.bool_)
    vlist = np.empty(n_stops, dtype=np.int64)
    n_marked = 0
    for s in seeds:
        if not marked[s]:
            marked[s] = True
            mlist[n_marked] = s
            n_marked += 1
    rounds = 0
    while n_marked > 0 and rounds < max_rounds:
        rounds += 1
        nq = 0
        for k in range(n_marked):
            s = mlist[k]
            marked[s] = False
            for e in range(stop_pat_ptr[s], stop_pat_ptr[s + 1]):
                p = stop_pat[e]
                pos = stop_pat_pos[e]
                if not pat_board_ok[pat_stop_ptr[p] + pos]:
                    continue
                if first_pos[p] == big:
                    queue[nq] = p
                    nq += 1
                    first_pos[p] = pos
                elif pos < first_pos[p]:
                    first_pos[p] = pos
        n_marked = 0
        n_vimp = 0
        for qi in range(nq):
            p = queue[qi]
            i0 = first_pos[p]
            first_pos[p] = big
            base = pat_stop_ptr[p]
            length = pat_stop_ptr[p + 1] - base
            t_lo = pat_trip_ptr[p]
            t_hi = pat_trip_ptr[p + 1]
            cur = -1
            cur_off = 0
            bpos = -1
            ctag = -1
            for i in range(i0, length):
                s = pat_stops[base + i]
                if cur >= 0 and pat_alight_ok[base + i]:
                    t = np.int64(arr_s[cur_off + i])
                    if t < vehicle[s] and t <= t_max:
                        vehicle[s] = t
                        vehicle_tag[s] = ctag
                        v_trip[s] = cur
                        v_board_pos[s] = bpos
                        v_alight_pos[s] = i
                        if not vflag[s]:
                            vflag[s] = True
                            vlist[n_vimp] = s
                            n_vimp += 1
                if pat_board_ok[base + i]:
                    b = board[s]
                    if b < INF and (cur < 0 or b <= dep_s[cur_off + i]):
                        hi = cur if cur >= 0 else t_hi
                        lo = t_lo
                        h = hi
                        while lo < h:  # earliest trip departing at or after b
                            mid = (lo + h) // 2
                            if dep_s[trip_time_ptr[mid] + i] >= b:
                                h = mid
                            else:
                                lo = mid + 1
                        if lo < hi:
                            cur = lo
                            cur_off = trip_time_ptr[lo]
                            bpos = i
                            ctag = board_tag[s]
        for k in range(n_vimp):
            s = vlist[k]
            vflag[s] = False
            t = vehicle[s]
            if not changed_flag[s]:
                changed_flag[s] = True
                changed_list[n_changed] = s
                n_changed += 1
            if t < arrival[s]:
                arrival[s] = t
                arrival_from[s] = -2
            tb = t + change_s[s]
            if tb < board[s] and tb <= t_max:
                board[s] = tb
                board_tag[s] = vehicle_tag[s]
                board_from[s] = s
                if not marked[s]:
                    marked[s] = True
                    mlist[n_marked] = s
                    n_marked += 1
            for e in range(fp_ptr[s], fp_ptr[s + 1]):
                q = fp_to[e]
                tq = t + fp_s[e]
                if tq > t_max:
                    continue
                if tq < arrival[q]:
                    arrival[q] = tq
                    arrival_from[q] = s
                if tq < board[q]:
                    board[q] = tq
                    board_tag[q] = vehicle_tag[s]
                    board_from[q] = s
                    if not marked[q]:
                        marked[q] = True
                        mlist[n_marked] = q
                        n_marked += 1
    return n_changed, rounds


def kernel_arrays(tt: Timetable) -> tuple[np.ndarray, ...]:
    """The timetable arrays in the kernel's argument order."""
    return (tt.pat_stop_ptr, tt.pat_stops, tt.pat_board_ok, tt.pat_alight_ok, tt.pat_trip_ptr,
            tt.trip_time_ptr, tt.arrival_s, tt.departure_s, tt.stop_pat_ptr, tt.stop_pat, tt.stop_pat_pos,
            tt.fp_ptr, tt.fp_to, tt.fp_s, tt.change_s)


@dataclass
class Labels:
    """Label arrays of one search (see module docstring); seconds, ``INF`` = not reached."""

    board: np.ndarray
    vehicle: np.ndarray
    arrival: np.ndarray
    board_tag: np.ndarray
    vehicle_tag: np.ndarray
    v_trip: np.ndarray
    v_board_pos: np.ndarray
    v_alight_pos: np.ndarray
    board_from: np.ndarray
    arrival_from: np.ndarray
    rounds: int = 0

    @classmethod
    def empty(cls, n_stops: int) -> Labels:
        def filled(value: int, dtype: type = np.int64) -> np.ndarray:
            return np.full(n_stops, value, dtype=dtype)

        return cls(filled(INF), filled(INF), filled(INF), filled(-1), filled(-1), filled(-1), filled(-1),
                   filled(-1), filled(-1), filled(-1))

    def kernel_arrays(self) -> tuple[np.ndarray, ...]:
        return (self.board, self.vehicle, self.arrival, self.board_tag, self.vehicle_tag, self.v_trip,
                self.v_board_pos, self.v_alight_pos, self.board_from, self.arrival_from)


def forward(tt: Timetable, seed_stops: np.ndarray, seed_times_s: np.ndarray, *, t_max_s: int | None = None,
            max_rounds: int = 64, seed_tags: np.ndarray | None = None) -> Labels:
    """One-to-all earliest arrival from seed stops reached (on foot) at ``seed_times_s``.

    ``t_max_s`` drops labels later than it (target pruning: e.g. departure + max trip time).
    """
    labels = Labels.empty(tt.n_stops)
    seeds = np.asarray(seed_stops, dtype=np.int64)
    times = np.asarray(seed_times_s, dtype=np.int64)
    tags = np.arange(len(seeds)) if seed_tags is None else np.asarray(seed_tags, dtype=np.int64)
    order = np.argsort(-times, kind="stable")  # so the earliest of duplicate seeds is written last
    labels.board[seeds[order]] = times[order]
    labels.arrival[seeds[order]] = times[order]
    labels.board_tag[seeds[order]] = tags[order]
    changed_flag = np.zeros(tt.n_stops, dtype=np.bool_)
    changed = np.empty(tt.n_stops, dtype=np.int64)
    _, labels.rounds = raptor_kernel(*kernel_arrays(tt), *labels.kernel_arrays(), np.unique(seeds),
                                     np.int64(NO_LIMIT if t_max_s is None else t_max_s), max_rounds,
                                     changed_flag, changed, 0)
    return labels


@dataclass(frozen=True)
class Leg:
    """One leg of a journey. ``kind`` is ``"walk"``, ``"ride"`` or ``"transfer"``; times in seconds.

    The first ``"walk"`` leg (origin → first stop) has ``depart_s = -1``: the access walk's start
    is the caller's (seed time minus its access time).
    """

    kind: str
    from_stop: str
    to_stop: str
    depart_s: int
    arrive_s: int
    route: str = ""
    trip: str = ""

    def __str__(self) -> str:
        def hhmm(t: int) -> str:
            return f"{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}"

        what = f"ride {self.route} ({self.trip})" if self.kind == "ride" else self.kind
        return f"{what} from {self.from_stop} at {hhmm(self.depart_s)} to {self.to_stop} at {hhmm(self.arrive_s)}"


def journey(tt: Timetable, labels: Labels, target: int, *, origin_name: str = "origin") -> list[Leg]:
    """Legs of the earliest-arrival journey to stop ``target`` (empty if not reached)."""
    if labels.arrival[target] >= INF:
        return []
    legs: list[Leg] = []
    pattern_of_trip = tt.pattern_of_trip()
    stop = int(target)
    if labels.arrival_from[stop] >= 0:  # reached on foot from where we alighted
        walk_from = int(labels.arrival_from[stop])
        legs.append(Leg("transfer", tt.stop_ids[walk_from], tt.stop_ids[stop], int(labels.vehicle[walk_from]),
                        int(labels.arrival[stop])))
        stop = walk_from
    elif labels.arrival_from[stop] == -1:  # a seed: walked from the origin
        return [Leg("walk", origin_name, tt.stop_ids[stop], -1, int(labels.arrival[stop]))]
    for _ in range(4 * tt.n_stops + 4):  # each step goes back in time; the cap only guards bugs
        trip = int(labels.v_trip[stop])
        p = pattern_of_trip[trip]
        base, offset = tt.pat_stop_ptr[p], tt.trip_time_ptr[trip]
        b, a = int(labels.v_board_pos[stop]), int(labels.v_alight_pos[stop])
        board_stop = int(tt.pat_stops[base + b])
        legs.append(Leg("ride", tt.stop_ids[board_stop], tt.stop_ids[stop], int(tt.departure_s[offset + b]),
                        int(tt.arrival_s[offset + a]), route=tt.route_names[tt.pat_route[p]] or
                        tt.route_ids[tt.pat_route[p]], trip=tt.trip_ids[trip]))
        came = int(labels.board_from[board_stop])
        if came == -1:
            legs.append(Leg("walk", origin_name, tt.stop_ids[board_stop], -1, int(labels.board[board_stop])))
            break
        if came != board_stop:
            legs.append(Leg("transfer", tt.stop_ids[came], tt.stop_ids[board_stop], int(labels.vehicle[came]),
                            int(labels.board[board_stop])))
        stop = came
    else:
        raise RuntimeError("journey reconstruction did not terminate")
    return legs[::-1]
