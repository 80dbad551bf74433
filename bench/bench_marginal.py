"""Benchmark: each site's marginal value from one matrix, against a full re-audit per closed site.

Same answers (tests/test_marginal.py checks it); this prints how much faster the one-matrix method
is, as a ratio measured in one process on the same cells, sites and engine (crow-fly, 1 km cells
and the default 200 m cells of the real 92). Run: `.venv/bin/python bench/bench_marginal.py
[--data ../shared/data]`.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

from maillage import api
from maillage.audit.guarantee import run_audit
from maillage.network.crowfly import CrowFlyEngine
from maillage.planning.site_value import attach_site_value
from maillage.population.cells import model_cells

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'r.sqlite'}"
        api.init_registry(args.data, url)
        snapshot = api.load_snapshot(api.open_registry(url))
    engine = CrowFlyEngine("walk")
    for size in (1000.0, 200.0):
        cells = model_cells(snapshot.communes, snapshot.sector_of_commune, cell_size_m=size)
        base = run_audit(snapshot, cells, engine, sources=[])
        start = time.perf_counter()
        weighed = attach_site_value(base, engine)
        fast = time.perf_counter() - start
        start = time.perf_counter()
        for site_id in weighed.marginal.sites["id"]:
            closed = dataclasses.replace(snapshot, sites=snapshot.sites[snapshot.sites["id"] != site_id])
            run_audit(closed, cells, engine, sources=[])
        brute = time.perf_counter() - start
        n = len(weighed.marginal.sites)
        print(f"{len(cells)} cells × {n} sites: one matrix {fast:.2f} s, {n} re-audits {brute:.2f} s, "
              f"ratio ×{brute / fast:.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
