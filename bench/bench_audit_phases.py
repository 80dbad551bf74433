"""The street audit as a user runs it (``maillage audit``, caches warm) and its phases, as ratios.

Used by ``bench_audit.py --phases``. Each round, interleaved on this shared machine:

1. ``maillage audit`` in a fresh process: wall, CPU (user + system) and peak RSS (``wait4``);
2. ``python -c "import maillage.cli"``: the start-up part of that command;
3. in this process, the same audit through ``api.audit`` and the terminal rendering, each phase
   timed by a wrapper around the function that does it, and one raw
   ``scipy.sparse.csgraph.dijkstra(min_only=True)`` from the pôles' nodes on the same walk graph.

Medians over the rounds; every phase also as a multiple of the raw Dijkstra measured in the same
round, which is what stays comparable when the machine is busy.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

# (module, attribute, phase): the functions whose time is a phase of the audit. A module that
# imports the function lazily is patched at the source, one that imported it at the top there too.
PHASES = (
    ("maillage.registry.snapshot", "load_snapshot", "registry snapshot"),
    ("maillage.api", "load_snapshot", "registry snapshot"),
    ("maillage.api", "population_cells", "population cells (model cache)"),
    ("maillage.api", "engine_for", "engine: graph, k-d tree"),
    ("maillage.network.street.StreetEngine", "nearest", "street nearest (all classes)"),
    ("maillage.network.street.StreetEngine", "routes", "why: routes of the cells outside"),
    ("maillage.api", "_compare_with_crowfly", "crow-fly comparison"),
    ("maillage.planning.site_value", "travel_matrix", "site value: bounded searches per site"),
    ("maillage.report.terminal", "print_audit", "terminal rendering"),
)


WHOLE = "whole audit + rendering, in process"
REST = "rest of api.audit: run_audit sums, notes"
RAW = "raw dijkstra (one)"


def _timed(phase: str, fn: Callable, times: dict[str, float]) -> Callable:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            times[phase] += time.perf_counter() - started
            times[f"calls: {phase}"] += 1

    wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrapper


def _patch(times: dict[str, float]) -> list[tuple[object, str, Callable]]:
    import importlib

    undo = []
    for target, name, phase in PHASES:
        module_name, _, cls = target.rpartition(".") if target.endswith("Engine") else (target, "", "")
        owner: object = importlib.import_module(module_name)
        if cls:
            owner = getattr(owner, cls)
        if hasattr(owner, name):
            original = getattr(owner, name)
            undo.append((owner, name, original))
            setattr(owner, name, _timed(phase, original, times))
    return undo


def _in_process_round(data: Path, url: str) -> dict[str, float]:
    from rich.console import Console
    from scipy.sparse.csgraph import dijkstra

    from maillage import api
    from maillage.report import terminal

    times: dict[str, float] = defaultdict(float)
    undo = _patch(times)
    try:
        started = time.perf_counter()
        result = api.audit(data=data, url=url)
        terminal.print_audit(result, Console(file=io.StringIO(), width=150))
        times[WHOLE] = time.perf_counter() - started
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)
    phases = {phase for _, _, phase in PHASES}
    times[REST] = times[WHOLE] - sum(times[p] for p in phases)
    engine = _street_engine(result)
    seeds = engine._tree.query(result.destinations["pole"].xy_m)[1]
    started = time.perf_counter()
    dijkstra(engine._reversed, directed=True, indices=seeds, min_only=True)
    times["raw dijkstra (one)"] = time.perf_counter() - started
    return dict(times)


_ENGINES: dict[str, object] = {}


def _street_engine(result: Any) -> Any:
    """The walk engine of the audit's PBF (loaded once: the graph is the same every round)."""
    from maillage.network.street import StreetEngine

    pbf = str(result.engine["pbf_path"])
    if pbf not in _ENGINES:
        _ENGINES[pbf] = StreetEngine("walk", pbf, progress=False)
    return _ENGINES[pbf]


def _command(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    started = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{' '.join(argv)} failed: {child.stderr.read().decode()[-2000:] if child.stderr else ''}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mib": usage.ru_maxrss / 1024}


def command_phases(data: Path, repeat: int, out: Path) -> dict[str, Any]:
    from maillage import api

    home = tempfile.mkdtemp(prefix="maillage-bench-phases-")
    env = {**os.environ, "MAILLAGE_HOME": home, "MAILLAGE_DATA": str(data)}
    os.environ.update(MAILLAGE_HOME=home)
    url = f"sqlite:///{home}/registry.sqlite"
    api.init_registry(data, url)
    cli = [sys.executable, "-c", "import sys; from maillage.cli import app; sys.argv[0] = 'maillage'; app()"]
    _command([*cli, "audit"], env)  # warm every cache (graph, tree, population model, hashes)
    rounds: list[dict[str, float]] = []
    for _ in range(repeat):
        row = {f"command {k}": v for k, v in _command([*cli, "audit"], env).items()}
        row |= {f"import {k}": v for k, v in _command([sys.executable, "-c", "import maillage.cli"], env).items()}
        row |= _in_process_round(data, url)
        raw = row[RAW]
        row |= {f"{k} / raw dijkstra": v / raw for k, v in list(row.items()) if "calls:" not in k and "rss" not in k}
        rounds.append(row)
    median = {k: float(np.median([r[k] for r in rounds])) for k in rounds[0]}
    report = {"repeat": repeat, "median": median, "rounds": rounds, "goals": {"command wall_s": 2.0,
              "command peak_rss_mib": 2048, "street nearest (all classes) / raw dijkstra per class": 1.5}}  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    _print(median, repeat)
    return report


def _print(m: dict[str, float], repeat: int) -> None:
    raw = m[RAW]
    street = "street nearest (all classes)"
    calls = m.get(f"calls: {street}", 0.0)
    run_wall, run_cpu = m["command wall_s"] - m["import wall_s"], m["command cpu_s"] - m["import cpu_s"]
    print(f"maillage audit (street, walk, caches warm), median of {repeat}; one raw Dijkstra here: {raw * 1000:.0f} ms")
    print(f"  command: {m['command wall_s']:.2f} s wall, {m['command cpu_s']:.2f} s CPU, "
          f"peak RSS {m['command peak_rss_mib']:.0f} MiB (goals < 2 s, < 2048 MiB)")  # fmt: skip
    print(f"  start-up alone (python -c 'import maillage.cli'): {m['import wall_s']:.2f} s wall, "
          f"{m['import cpu_s']:.2f} s CPU")  # fmt: skip
    print(f"  run part (command - start-up): {run_wall:.2f} s wall = {run_wall / raw:.1f}× raw Dijkstra; "
          f"{run_cpu:.2f} s CPU = {run_cpu / raw:.1f}×")  # fmt: skip
    print("  phases in process (ms, × one raw Dijkstra of the same round):")
    for phase in [*dict.fromkeys(p for _, _, p in PHASES), REST, WHOLE]:
        if phase in m:
            print(f"    {phase:45s} {m[phase] * 1000:8.0f} ms  {m[phase + ' / raw dijkstra']:6.2f}×")
    if calls:
        print(f"  street nearest per class = {m[street + ' / raw dijkstra'] / calls:.2f}× one raw Dijkstra "
              f"({calls:.0f} classes searched; goal 1.5×)")  # fmt: skip
