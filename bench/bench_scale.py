"""Many territories on Dask against the same audits run one after the other in this process.

Real data only: the Hauts-de-Seine folder copied under N territory names (there is no other
département's data here), so the work per task is real and the answers can be compared.
Usage: python bench/bench_scale.py [DATA] [N]. Prints seconds and the speed-up; the goal is a
speed-up close to the number of cores (2 here), i.e. Dask adds little beyond process start-up.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from dask.distributed import Client, LocalCluster

from maillage.scale import audit_many, audit_territory

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "data"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    with tempfile.TemporaryDirectory() as tmp:
        folders = []
        for i in range(n):
            target = Path(tmp) / f"territory-{i:02d}"
            shutil.copytree(data, target, ignore=shutil.ignore_patterns("transit"))
            folders.append(target)
        audit_territory(folders[0])  # warm caches (imports, numba) as the workers will have to
        started = time.perf_counter()
        sequential = [audit_territory(f) for f in folders]
        t_seq = time.perf_counter() - started
        started = time.perf_counter()
        with LocalCluster(n_workers=os.cpu_count(), threads_per_worker=1, dashboard_address=None) as cluster:
            with Client(cluster) as client:  # start-up: worker processes, imports, one warm-up audit each
                client.run(audit_territory, str(folders[0]))
            t_start = time.perf_counter() - started
            started = time.perf_counter()
            parallel = audit_many(folders, scheduler=cluster.scheduler_address)
            t_dask = time.perf_counter() - started
    for a, b in zip(sequential, parallel, strict=True):
        pd.testing.assert_frame_equal(a.communes, b.communes)
    print(f"{n} territories × 36 communes: sequential {t_seq:.1f} s; Dask local cluster ({os.cpu_count()} "
          f"workers) {t_dask:.1f} s, speed-up {t_seq / t_dask:.2f}×, after a one-off start-up of {t_start:.1f} s "
          "(processes, imports, warm-up); identical per-commune rows")


if __name__ == "__main__":
    main()
