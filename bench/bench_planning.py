"""Benchmark: the planning optimisers on the full 92 instance (HiGHS), goal < 30 s per model.

Instance: the 5,587 cells of the 200 m population model, every candidate source (partner sites,
commune centroids, grid points every 600 m ≈ 650 candidates), crow-fly walking times. A second,
larger instance uses every populated cell as a candidate (grid step 200 m, ≈ 5,600 candidates).
Times are wall-clock seconds on this machine: travel-time matrix, then each model for one proposal.
Prints a table and writes bench/results/planning.json.
Run: `.venv/bin/python bench/bench_planning.py [--data ../shared/data]`.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from maillage import api
from maillage.audit.guarantee import run_audit
from maillage.network.crowfly import CrowFlyEngine
from maillage.planning import PlanRequest, plan
from maillage.planning.sectors import design_sectors

REPO = Path(__file__).resolve().parents[1]
GOAL_S = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--quick", action="store_true", help="Only the 600 m instance.")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="maillage-bench-planning-")
    os.environ["MAILLAGE_HOME"] = home
    url = f"sqlite:///{home}/registry.sqlite"
    api.init_registry(args.data, url)
    inputs = api.planning_inputs(url=url, data=args.data, mode="walk")
    engine = CrowFlyEngine("walk")
    baseline = run_audit(inputs.snapshot, inputs.cells, engine, sources=[])
    cases = [
        ("max coverage k=1", 600.0, PlanRequest(method="coverage", new_sites=1, proposals=1)),
        ("max coverage k=3", 600.0, PlanRequest(method="coverage", new_sites=3, proposals=1)),
        ("max coverage k=10", 600.0, PlanRequest(method="coverage", new_sites=10, proposals=1)),
        ("set cover", 600.0, PlanRequest(method="setcover", proposals=1)),
        ("p-median k=3", 600.0, PlanRequest(method="pmedian", new_sites=3, proposals=1)),
        (
            "capacitated coverage k=3",
            600.0,
            PlanRequest(method="capacitated-coverage", new_sites=3, capacity=3000, proposals=1),
        ),
    ]
    if not args.quick:
        cases += [
            ("max coverage k=3 (all cells)", 200.0, PlanRequest(method="coverage", new_sites=3, proposals=1)),
            ("set cover (all cells)", 200.0, PlanRequest(method="setcover", proposals=1)),
        ]
    rows = []
    print(f"{len(inputs.cells)} cells, population outside the standard {baseline.total['population_outside']:,.0f}")
    print(
        f"{'model':34} {'candidates':>10} {'pairs':>8} {'matrix s':>9} {'solve s':>8} {'total s':>8} {'sites':>5} "
        f"{'gain':>9}  goal"
    )
    for label, step, request in cases:
        request = PlanRequest(**{**request.__dict__, "grid_step_m": step})
        started = time.perf_counter()
        result = plan(inputs.snapshot, inputs.cells, engine, request=request, baseline=baseline)
        wall = time.perf_counter() - started
        best = result["proposals"][0]
        t = result["timings_s"]
        row = {
            "model": label,
            "candidates": result["candidates"]["count"],
            "pairs": int(t.get("matrix_pairs", 0)),
            "matrix_s": t.get("matrix_s"),
            "solve_s": t.get("solve_s"),
            "total_s": round(wall, 3),
            "new_sites": best["new_sites_count"],
            "population_gain": best["population_gain"],
            "optimal": best["solver"]["optimal"],
            "goal_met": wall < GOAL_S,
        }
        rows.append(row)
        print(
            f"{label:34} {row['candidates']:>10} {row['pairs']:>8} {row['matrix_s']:>9.3f} {row['solve_s']:>8.3f} "
            f"{wall:>8.2f} {row['new_sites']:>5} {row['population_gain']:>9,.0f}  {'ok' if row['goal_met'] else 'SLOW'}"
        )
    started = time.perf_counter()
    sectors = design_sectors(inputs.snapshot, inputs.cells, engine, 14)
    wall = time.perf_counter() - started
    print(
        f"{'sectors (14 SST, contiguous)':34} {36:>10} {'':>8} {'':>9} "
        f"{sectors['solver']['seconds']:>8.3f} {wall:>8.2f}"
    )
    rows.append(
        {
            "model": "sectors 14",
            "total_s": round(wall, 3),
            "contiguous": sectors["contiguous"],
            "goal_met": wall < GOAL_S,
        }
    )
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "planning.json").write_text(
        json.dumps({"cells": len(inputs.cells), "rows": rows}, indent=1), encoding="utf-8"
    )
    print(f"Écrit : {out / 'planning.json'}")


if __name__ == "__main__":
    main()
