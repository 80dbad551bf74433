"""Concurrent planner writes to ``maillage serve --workers 2`` while residents read the public API.

Issue 12: writes sent / answered 2xx / stored / lost, distinct seqs, and the p99 of public reads
offered at ``--read-rate`` per second during the writes. A registry of the real data (``--data``,
without its OSM extract and GTFS so that the workers start fast: crow-fly engine) is initialised in
a temporary folder; the server listens on a free loopback port. Writes are ``close_site`` and
``add_site`` changes of one scenario sent by ``--concurrency`` threads; reads go on a fixed
schedule (latency counted from the scheduled time: a server falling behind is not hidden).
Writes bench/results/load_planner_writes.json; exits 1 on a lost write, a duplicate seq or a 5xx.

Usage: ``.venv/bin/python bench/load_planner_writes.py [--data ../shared/data] [--writes 60]
[--read-rate 200] [--concurrency 12]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np

from maillage import api
from maillage.planning import store
from maillage.registry.snapshot import load_snapshot
from maillage.web.auth import create_account

REPO = Path(__file__).resolve().parents[1]
USER = ("bench", "bench-password-123")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--writes", type=int, default=60)
    parser.add_argument("--read-rate", type=float, default=200.0)
    parser.add_argument("--concurrency", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(args.data, data, ignore=shutil.ignore_patterns("transit", "osm"))
        url = f"sqlite:///{tmp}/registry.sqlite"
        api.init_registry(data, url)
        create_account(api.open_registry(url), *USER, "planner", actor="bench")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = os.environ | {"MAILLAGE_HOME": f"{tmp}/home", "MAILLAGE_RATE_PER_S": "1e6", "MAILLAGE_RATE_BURST": "1e6"}
        command = [sys.executable, "-c", "from maillage.cli import app; app()", "serve", "--workers", "2",
                   "--port", str(port), "--db", url, "--data", str(data)]  # fmt: skip
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            result = _run(f"http://127.0.0.1:{port}", url, args)
        finally:
            server.terminate()
            server.wait(timeout=60)
    out = REPO / "bench" / "results" / "load_planner_writes.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    for key, value in result.items():
        print(f"{key:>28}: {value}")
    ok = result["writes_lost"] == 0 and result["seqs_distinct"] and result["answers_5xx"] == 0
    return 0 if ok else 1


def _run(base: str, url: str, args: argparse.Namespace) -> dict:
    started = time.monotonic()
    while True:
        try:
            if httpx.get(f"{base}/api/needs", timeout=5).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.5)
    startup_s = time.monotonic() - started
    client = httpx.Client(base_url=base, timeout=120)
    page = client.get("/planner/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/planner/login", data={"username": USER[0], "password": USER[1], "csrf_token": token})
    headers = {"x-csrf-token": client.get("/planner/api/session").json()["csrf_token"]}
    scenario = client.post("/planner/api/scenarios", json={"name": "charge"}, headers=headers).json()["id"]
    sites = load_snapshot(api.open_registry(url)).sites
    located = sites[sites["duplicate_of"].isna() & sites["lon"].notna()]
    half = args.writes // 2
    changes = [{"op": "close_site", "site_id": s} for s in located["id"][:half]] + [
        {"op": "add_site", "name": f"Site {n}", "kind": "antenne", "lon": lon, "lat": lat}
        for n, (lon, lat) in enumerate(located.iloc[half : args.writes][["lon", "lat"]].itertuples(index=False))
    ]
    done = threading.Event()
    reads: list[tuple[float, int]] = []

    def reader() -> None:
        public = httpx.Client(base_url=base, timeout=120)
        begin, n = time.monotonic(), 0
        while not done.is_set():
            due = begin + n * 2 / args.read_rate  # two readers share the rate
            time.sleep(max(0.0, due - time.monotonic()))
            status = public.get("/api/search", params={"need": "pmi", "commune": "92002"}).status_code
            reads.append(((time.monotonic() - due) * 1000, status))
            n += 1

    read_threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in read_threads:
        t.start()
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        statuses = list(pool.map(
            lambda c: client.post(f"/planner/api/scenarios/{scenario}/changes", json=c, headers=headers).status_code,
            changes,
        ))  # fmt: skip
    write_s = time.monotonic() - t0
    done.set()
    for t in read_threads:
        t.join()
    stored = store.get_scenario(api.open_registry(url), scenario)["changes"]
    seqs = [c["seq"] for c in stored]
    latencies = np.array([ms for ms, _ in reads])
    ok_writes = sum(200 <= s < 300 for s in statuses)
    return {
        "startup_s": round(startup_s, 1),
        "writes_sent": len(changes),
        "writes_2xx": ok_writes,
        "writes_stored": len(stored),
        "writes_lost": ok_writes - len(stored),
        "seqs_distinct": len(set(seqs)) == len(seqs),
        "write_phase_s": round(write_s, 2),
        "reads_sent": len(reads),
        "reads_per_s_achieved": round(len(reads) / write_s, 1),
        "read_p50_ms": round(float(np.percentile(latencies, 50)), 1) if len(reads) else None,
        "read_p99_ms": round(float(np.percentile(latencies, 99)), 1) if len(reads) else None,
        "answers_5xx": sum(s >= 500 for s in [*statuses, *(s for _, s in reads)]),
        "compare_status": client.get(f"/planner/api/scenarios/{scenario}/compare").status_code,
    }


if __name__ == "__main__":
    sys.exit(main())
