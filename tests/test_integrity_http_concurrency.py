"""Concurrent planner writes to a real ``maillage serve --workers 2``: every 2xx stored once, no 5xx.

Issue 12: over HTTP (2 workers), bursts of 3 concurrent ``POST …/changes`` once stored a duplicate
seq, after which 177 of 180 writes answered 422 and ``GET …/compare`` answered 500. Here 50 writes
go in bursts from 10 threads while residents read the public API. The data folder has no OSM
extract nor GTFS (crow-fly engine), so the two workers start in seconds; waits are bounded.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from maillage import api
from maillage.planning import store
from maillage.registry.snapshot import load_snapshot
from maillage.web.auth import create_account

REPO = Path(__file__).resolve().parents[1]
MAILLAGE = str(Path(sys.executable).with_name("maillage"))
WRITES = 50
PLANNER = ("alice", "correct-horse-battery")
START_TIMEOUT_S = 600  # two workers each build their index; a loaded CI machine is slow, never stuck


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(shared_data: Path, registry_template: Path, tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(shared_data, data, ignore=shutil.ignore_patterns("transit", "osm"))
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    shutil.copy(registry_template, tmp_path / "registry.sqlite")
    create_account(api.open_registry(url), *PLANNER, "planner", actor="test")
    port = _free_port()
    env = os.environ | {
        "PYTHONPATH": str(REPO),
        "MAILLAGE_HOME": str(tmp_path / "home"),
        "MAILLAGE_RATE_PER_S": "100000",
        "MAILLAGE_RATE_BURST": "100000",
    }
    log = (tmp_path / "serve.log").open("wb")
    args = [MAILLAGE, "serve", "--workers", "2", "--port", str(port), "--db", url, "--data", str(data)]
    process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/api/needs", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "maillage serve did not start"
            time.sleep(0.5)
        yield base, url
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def _login(base: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=120)
    page = client.get("/planner/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post("/planner/login", data={"username": PLANNER[0], "password": PLANNER[1], "csrf_token": token})
    assert answer.status_code in (200, 303), answer.text
    return client, client.get("/planner/api/session").json()["csrf_token"]


def test_concurrent_planner_writes_to_two_workers(server: tuple[str, str]) -> None:
    base, url = server
    client, csrf = _login(base)
    headers = {"x-csrf-token": csrf}
    scenario = client.post("/planner/api/scenarios", json={"name": "rafale"}, headers=headers).json()["id"]
    snapshot = load_snapshot(api.open_registry(url))
    located = snapshot.sites[snapshot.sites["duplicate_of"].isna() & snapshot.sites["lon"].notna()]
    to_close = list(located["id"][: WRITES // 2])
    places = located.iloc[WRITES // 2 : WRITES][["lon", "lat"]].itertuples(index=False)
    changes = [{"op": "close_site", "site_id": s} for s in to_close] + [
        {"op": "add_site", "name": f"Nouveau {n}", "kind": "antenne", "lon": lon, "lat": lat}
        for n, (lon, lat) in enumerate(places, start=1)
    ]
    assert len(changes) == WRITES

    def write(change: dict) -> int:
        return client.post(f"/planner/api/scenarios/{scenario}/changes", json=change, headers=headers).status_code

    def read(_: int) -> int:
        return httpx.get(f"{base}/api/needs", timeout=120).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        reads = pool.map(read, range(40))
        writes = list(pool.map(write, changes))
        reads = list(reads)
    assert not [c for c in writes + reads if c >= 500], (writes, reads)
    assert all(c == 200 for c in reads)
    stored = store.get_scenario(api.open_registry(url), scenario)["changes"]
    assert len(stored) == sum(200 <= c < 300 for c in writes) == WRITES, writes
    assert sorted(c["seq"] for c in stored) == list(range(1, WRITES + 1))
    added = [c["site_id"] for c in stored if c["op"] == "add_site"]
    assert len(added) == len(set(added)) == WRITES // 2
    assert client.get(f"/planner/api/scenarios/{scenario}/compare").status_code == 200
