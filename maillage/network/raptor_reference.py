"""Naive reference for the router: Dijkstra (networkx) on the time-expanded graph.

Slow and obviously right, for tests and benchmarks only. Nodes are events: a departure and an
arrival per (trip, stop position), and per stop a chain of "waiting, ready to board at τ" nodes
linked in time order. Edges (weights = elapsed seconds):

- ride: departure (trip, i) → arrival (trip, i+1); stay on board: arrival (trip, i) → departure (trip, i);
- board: waiting (s, τ) → departure (trip, i) at s with departure time τ, if pickup is allowed;
- alight (if drop-off is allowed): arrival (trip, i) at s → waiting (s, arr + change(s)), and
  → waiting (q, arr + footpath(s, q)) for every footpath;
- origin → waiting (s, first τ ≥ seed time) for every seed.

Only events within ``[t_from, t_to]`` exist, so results are exact for labels ≤ ``t_to``, the same
semantics as :func:`maillage.network.raptor.forward` with ``t_max_s = t_to``.
"""

from __future__ import annotations

import bisect
import itertools

import networkx as nx
import numpy as np

from maillage.network.raptor import INF
from maillage.network.timetable import Timetable


class TimeExpandedGraph:
    """The time-expanded graph of ``tt`` restricted to events within ``[t_from, t_to]`` seconds."""

    def __init__(self, tt: Timetable, t_from: int, t_to: int) -> None:
        self.tt, self.t_from, self.t_to = tt, t_from, t_to
        graph = nx.DiGraph()
        n_events = len(tt.arrival_s)
        pattern_of_trip = tt.pattern_of_trip()
        stop_of_event = np.empty(n_events, dtype=np.int64)
        pos_of_event = np.empty(n_events, dtype=np.int64)
        for t in range(len(tt.trip_ids)):
            p = pattern_of_trip[t]
            base, length = tt.pat_stop_ptr[p], tt.pat_stop_ptr[p + 1] - tt.pat_stop_ptr[p]
            off = tt.trip_time_ptr[t]
            stop_of_event[off:off + length] = tt.pat_stops[base:base + length]
            pos_of_event[off:off + length] = base + np.arange(length)
        self.stop_of_event = stop_of_event
        arr, dep = tt.arrival_s.astype(np.int64), tt.departure_s.astype(np.int64)
        waits: dict[int, set[int]] = {}
        landings: list[tuple[int, int, int, int]] = []  # (arrival event, stop, time, weight)
        alight_events = []
        for t in range(len(tt.trip_ids)):
            p = pattern_of_trip[t]
            length = tt.pat_stop_ptr[p + 1] - tt.pat_stop_ptr[p]
            off = tt.trip_time_ptr[t]
            for i in range(length):
                g = off + i
                s = int(stop_of_event[g])
                if t_from <= dep[g] <= t_to:
                    if i + 1 < length and arr[g + 1] <= t_to:
                        graph.add_edge(("d", g), ("a", g + 1), weight=int(arr[g + 1] - dep[g]))
                    if tt.pat_board_ok[pos_of_event[g]]:
                        waits.setdefault(s, set()).add(int(dep[g]))
                if t_from <= arr[g] <= t_to:
                    if dep[g] <= t_to:
                        graph.add_edge(("a", g), ("d", g), weight=int(dep[g] - arr[g]))
                    if tt.pat_alight_ok[pos_of_event[g]]:
                        alight_events.append(g)
                        landings.append((g, s, int(arr[g] + tt.change_s[s]), int(tt.change_s[s])))
                        for e in range(tt.fp_ptr[s], tt.fp_ptr[s + 1]):
                            q, w = int(tt.fp_to[e]), int(tt.fp_s[e])
                            landings.append((g, q, int(arr[g]) + w, w))
        for g, q, when, w in landings:
            if when <= t_to:
                waits.setdefault(q, set()).add(when)
                graph.add_edge(("a", g), ("w", q, when), weight=w)
        self.wait_times = {s: sorted(times) for s, times in waits.items()}
        for s, times in self.wait_times.items():
            for a, b in itertools.pairwise(times):
                graph.add_edge(("w", s, a), ("w", s, b), weight=b - a)
        for t in range(len(tt.trip_ids)):
            p = pattern_of_trip[t]
            length = tt.pat_stop_ptr[p + 1] - tt.pat_stop_ptr[p]
            off = tt.trip_time_ptr[t]
            for i in range(length):
                g = off + i
                if t_from <= dep[g] <= t_to and tt.pat_board_ok[pos_of_event[g]]:
                    graph.add_edge(("w", int(stop_of_event[g]), int(dep[g])), ("d", g), weight=0)
        self.graph = graph
        self.alight_events = np.array(alight_events, dtype=np.int64)

    def earliest(self, seed_stops: np.ndarray, seed_times_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(arrival, vehicle) labels in seconds (``INF`` if not reached), as RAPTOR's."""
        tt = self.tt
        arrival = np.full(tt.n_stops, INF, dtype=np.int64)
        vehicle = np.full(tt.n_stops, INF, dtype=np.int64)
        seeds = [(int(s), int(t)) for s, t in zip(seed_stops, seed_times_s, strict=True)]
        t0 = min(t for _, t in seeds)
        graph = self.graph
        graph.add_node("origin")
        for s, t in seeds:
            arrival[s] = min(arrival[s], t)
            times = self.wait_times.get(s, [])
            k = bisect.bisect_left(times, t)
            if k < len(times):
                node = ("w", s, times[k])
                old = graph.get_edge_data("origin", node, {}).get("weight", INF)
                graph.add_edge("origin", node, weight=min(old, times[k] - t0))
        try:
            dist = nx.single_source_dijkstra_path_length(graph, "origin", weight="weight")
        finally:
            graph.remove_node("origin")
        arr = tt.arrival_s.astype(np.int64)
        for g in self.alight_events:
            if ("a", g) in dist:
                s = int(self.stop_of_event[g])
                when = t0 + dist[("a", g)]
                vehicle[s] = min(vehicle[s], when)
                arrival[s] = min(arrival[s], when)
                for e in range(tt.fp_ptr[s], tt.fp_ptr[s + 1]):
                    q = int(tt.fp_to[e])
                    landing = int(arr[g]) + int(tt.fp_s[e])
                    if landing <= self.t_to:
                        arrival[q] = min(arrival[q], landing)
        return arrival, vehicle
