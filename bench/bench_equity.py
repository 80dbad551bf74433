"""Benchmark: what the explanations and the inequality figures cost the 92 street audit, as ratios.

Runs the walk audit on the real data folder three ways on the same cells, sites and graph: plain
(``run_audit``), with the per-cell explanations (``explain=True``: the searches of nearest() are kept
and followed again along each outside cell's path; bridges looked up per path), and the inequality figures alone
(``equity_levels`` for the pôle and antenne classes). Prints the best-of-3 seconds and the ratios to
the plain audit, writes bench/results/equity.json. Run:
`.venv/bin/python bench/bench_equity.py [--data ../shared/data]`.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from maillage import api
from maillage.audit.equity import equity_levels
from maillage.audit.guarantee import run_audit
from maillage.audit.standard import ANTENNE_CLASS, POLE_CLASS

REPO = Path(__file__).resolve().parents[1]


def best_of(fn, repeat: int = 3) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="maillage-bench-")
    os.environ["MAILLAGE_HOME"] = home
    url = f"sqlite:///{home}/registry.sqlite"
    api.init_registry(args.data, url)
    snapshot = api.load_snapshot(api.open_registry(url))
    folder = api._folder(args.data, snapshot)
    cells, _ = api.population_cells(snapshot, folder)
    engine = api.engine_for(folder, "walk").engine
    engine.routes(cells.xy_m[:1], run_audit(snapshot, cells, engine, sources=[]).destinations[POLE_CLASS], [0])

    def audit(explain: bool):  # type: ignore[no-untyped-def]
        engine._search.memo.clear()  # each run searches afresh, as one CLI run does
        return run_audit(snapshot, cells, engine, sources=[], explain=explain)

    plain_s, plain = best_of(lambda: audit(False))
    explained_s, explained = best_of(lambda: audit(True))
    equity_s, _ = best_of(lambda: [equity_levels(plain.minutes(c), cells.population, cells.commune_code,
                                                 cells.sector_id) for c in (POLE_CLASS, ANTENNE_CLASS)])  # fmt: skip
    figures = {
        "cells": len(cells),
        "cells_outside": len(explained.why),
        "audit_plain_s": round(plain_s, 3),
        "audit_with_why_s": round(explained_s, 3),
        "equity_two_classes_s": round(equity_s, 4),
        "why_over_plain": round(explained_s / plain_s, 2),
        "equity_over_plain": round(equity_s / plain_s, 3),
    }
    for key, value in figures.items():
        print(f"{key:>24}  {value}")
    out = REPO / "bench" / "results" / "equity.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
