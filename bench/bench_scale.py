"""Many territories on Dask against the same audits run one after the other in this process.

Real data only: the Hauts-de-Seine folder cut into G sub-territories by groups of communes (in
code order; :func:`maillage.scale.split_by_communes`), each audited on foot by the streets of the
real OSM extract with the census × buildings population at C m cells, so the per-territory work
(street graph, Dijkstra from the sites, routes of the people outside, population model) dominates.
Usage: python bench/bench_scale.py [DATA] [G] [C] [WORKERS] [--own-sessions]
(defaults: $MAILLAGE_TEST_DATA or ../shared/data, 6, 100, 2; ``--own-sessions`` starts each worker as a ``dask worker``
process in its own session, as on its own machine, instead of a LocalCluster's child processes).

Prints wall seconds, the CPU seconds of the processes that did the audits (this one, or the
workers), the load average before and after each half (the machine is shared: a wall-clock
speed-up means something only when the load leaves the workers their cores) and the speed-up;
the goal is ≥ 1.6× with 2 workers. The cluster start-up (processes, imports, one warm-up audit
per worker) is timed apart: it is paid once per session, not per territory.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from dask.distributed import Client, LocalCluster

from maillage.scale import audit_many, audit_territory, split_by_communes

REPO = Path(__file__).resolve().parents[1]


def cpu_seconds() -> float:
    """User + system CPU of the calling process (run on the workers through ``client.run``)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _worker(address: str, i: int) -> subprocess.Popen:
    """A ``dask worker`` process in its own session, as on its own machine: Linux's autogroup scheduler
    shares the CPU between sessions, so workers in the bench's session split that session's share."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "dask", "worker", address, "--nthreads", "1", "--no-dashboard", "--name", f"w{i}"]
    return subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]  # positional, wherever --own-sessions is
    # as the tests find it: a worktree's parent is not the folder holding shared/
    data = Path(args[0]) if args else Path(os.environ.get("MAILLAGE_TEST_DATA", REPO.parent / "shared" / "data"))
    if not list((data / "communes").glob("communes-??.geojson")):
        raise SystemExit(f"no communes-NN.geojson under {data / 'communes'}: give the data folder")
    n_groups = int(args[1]) if len(args) > 1 else 6
    cell_m = float(args[2]) if len(args) > 2 else 100.0
    n_workers = int(args[3]) if len(args) > 3 else 2
    own_sessions = "--own-sessions" in sys.argv
    features = json.loads(next((data / "communes").glob("communes-??.geojson")).read_text())["features"]
    codes = sorted(f["properties"]["code"] for f in features)
    groups = {f"groupe-{g + 1:02d}": codes[g::n_groups] for g in range(n_groups)}  # interleaved: even sizes
    with tempfile.TemporaryDirectory() as tmp:
        folders = split_by_communes(data, groups, Path(tmp))
        audit_territory(folders[0], "walk", cell_m)  # warm caches (imports, numba, graph on disk) as workers do
        load_seq = load()
        started, cpu0 = time.perf_counter(), cpu_seconds()
        sequential = [audit_territory(f, "walk", cell_m) for f in folders]
        t_seq, cpu_seq = time.perf_counter() - started, cpu_seconds() - cpu0
        load_seq += f" → {load()}"
        started = time.perf_counter()
        cluster = LocalCluster(n_workers=0 if own_sessions else n_workers, threads_per_worker=1,
                               dashboard_address=None)  # fmt: skip
        workers = [_worker(cluster.scheduler_address, i) for i in range(n_workers)] if own_sessions else []
        try:
            with cluster, Client(cluster) as client:  # start-up: worker processes, imports, one warm-up audit each
                client.wait_for_workers(n_workers, timeout=300)
                client.run(audit_territory, str(folders[0]), "walk", cell_m)
                t_start = time.perf_counter() - started
                load_dask = load()
                before = client.run(cpu_seconds)
                started = time.perf_counter()
                parallel = audit_many(folders, mode="walk", cell_size_m=cell_m, scheduler=cluster.scheduler_address)
                t_dask = time.perf_counter() - started
                after = client.run(cpu_seconds)
                load_dask += f" → {load()}"
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait(timeout=30)
        cpu_workers = [after[k] - before[k] for k in before]
    for a, b in zip(sequential, parallel, strict=True):
        pd.testing.assert_frame_equal(a.communes, b.communes)
    cells = f"{cell_m:.0f} m"
    cpu_dask = sum(cpu_workers)
    where = "own sessions" if own_sessions else "the bench's session"
    print(f"{n_groups} sub-territories of the 92 ({len(codes)} communes), walk by the streets, {cells} cells:")
    print(f"  sequential      {t_seq:6.1f} s wall, {cpu_seq:6.1f} s CPU; load {load_seq}")
    print(f"  Dask {n_workers} workers  {t_dask:6.1f} s wall, {cpu_dask:6.1f} s CPU "
          f"({' + '.join(f'{c:.1f}' for c in cpu_workers)}; {where}); load {load_dask}")  # fmt: skip
    print(
        f"  speed-up {t_seq / t_dask:.2f}× wall (goal ≥ 1.6×); {cpu_seq / max(cpu_workers):.2f}× on CPU "
        f"(sequential CPU ÷ busiest worker's: the wall speed-up when each worker has a core); Dask CPU ÷ "
        f"sequential CPU {cpu_dask / cpu_seq:.2f}; one-off cluster start-up {t_start:.1f} s; identical rows"
    )
    print(f"  per territory (s): sequential {[round(r.seconds, 1) for r in sequential]}, "
          f"Dask {[round(r.seconds, 1) for r in parallel]}")  # fmt: skip


if __name__ == "__main__":
    main()
