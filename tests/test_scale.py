"""Many territories on Dask: the same figures as the in-process audit, per territory, gathered as Parquet."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import STRICT
from typer.testing import CliRunner

from maillage import api
from maillage.cli import app
from maillage.scale import audit_many, audit_territory, gather_communes, split_by_communes, write_parquet

REPO = Path(__file__).resolve().parents[1]


def test_dask_audit_of_two_folders_equals_the_in_process_audit(
    shared_data: Path, registry_template: Path, tmp_path: Path
) -> None:
    twin = tmp_path / "hauts-de-seine-bis"  # the same real data under another territory name
    shutil.copytree(shared_data, twin, ignore=shutil.ignore_patterns("transit"))
    # the stops place sites as in the reference (registry/named_stops.py): linked, not copied
    (twin / "transit").symlink_to(shared_data / "transit", target_is_directory=True)
    registry = tmp_path / "reference.sqlite"  # the session's registry of the same folder (loaded once)
    shutil.copy(registry_template, registry)
    # without the sites' weighing, as each task runs it: it adds nothing to the per-commune rows compared
    reference = api.audit(data=shared_data, url=f"sqlite:///{registry}", weigh_sites=False).by_commune

    seen: list[str] = []
    results = audit_many([shared_data, twin], n_workers=2, processes=False, on_done=lambda r: seen.append(r.territory))
    assert sorted(seen) == sorted([shared_data.name, twin.name])
    assert [r.territory for r in results] == [shared_data.name, twin.name]  # order of the folders
    for result in results:
        assert len(result.communes) == 36
        pd.testing.assert_frame_equal(result.communes.drop(columns="territory"), reference, check_exact=False)
        assert result.total["population"] == pytest.approx(1_654_712, abs=0.5)

    table = gather_communes(results)
    out = tmp_path / "france" / "communes.parquet"
    write_parquet(table, out)
    back = pd.read_parquet(out)
    assert len(back) == 72 and set(back["territory"]) == {shared_data.name, twin.name}


def test_duplicate_territory_names_are_refused(shared_data: Path) -> None:
    with pytest.raises(ValueError, match="noms distincts"):
        audit_many([shared_data, shared_data], n_workers=1, processes=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


CLUSTER_DEADLINE_S = 40.0  # start of the scheduler and both workers; the command gets what is left of 55 s


def _stop(address: str, processes: list[subprocess.Popen]) -> None:
    """Ask the scheduler to close the workers and itself (a second or two), then make sure of it."""
    from dask.distributed import Client

    try:
        with Client(address, timeout=5) as client:
            client.shutdown()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(p.poll() is None for p in processes):
            time.sleep(0.1)  # a SIGTERM now would make each nanny wait out its own timeouts (8 s)
    except (OSError, TimeoutError):
        pass  # not up, or already gone: the signals below
    for process in reversed(processes):  # workers first, then the scheduler they report to
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def dask_cluster(tmp_path: Path, request: pytest.FixtureRequest) -> tuple[str, float]:
    """A ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1, as a real cluster is run: started
    from another folder than the test's (paths must reach them absolute) and stopped whatever happens.
    Gives the address and the moment (``time.monotonic``) it was ready."""
    pytest.importorskip("distributed", reason="dask.distributed is not installed")
    from dask.distributed import Client

    started = time.monotonic()
    address = f"tcp://127.0.0.1:{_free_port()}"
    home = tmp_path / "cluster"
    home.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    logs = home / "logs.txt"
    processes: list[subprocess.Popen] = []
    log = logs.open("w")
    request.addfinalizer(lambda: (_stop(address, processes), log.close()))
    common = {"cwd": home, "env": env, "stdout": log, "stderr": subprocess.STDOUT}
    port = address.rsplit(":", 1)[1]
    processes.append(subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1",
                                       "--port", port, "--no-dashboard"], **common))  # fmt: skip
    for i in range(2):
        processes.append(subprocess.Popen([sys.executable, "-m", "dask", "worker", address, "--nthreads", "1",
                                           "--no-dashboard", "--name", f"w{i}", "--local-directory",
                                           str(home / f"w{i}")], **common))  # fmt: skip
    try:
        with Client(address, timeout=CLUSTER_DEADLINE_S / 2) as client:
            client.wait_for_workers(2, timeout=max(1.0, CLUSTER_DEADLINE_S - (time.monotonic() - started)))
    except (OSError, TimeoutError) as exc:
        log.flush()
        message = f"dask scheduler/worker processes did not start ({exc!r}): {logs.read_text()[-800:]}"
        pytest.fail(message) if STRICT else pytest.skip(message)
    return address, started


def test_audit_many_on_a_separately_started_cluster_equals_the_sequential_audits(
    dask_cluster: tuple[str, float], shared_data: Path, tmp_path: Path
) -> None:
    from dask.distributed import Client

    address, started = dask_cluster
    codes = sorted(f["properties"]["code"] for f in json.loads(
        (shared_data / "communes" / "communes-92.geojson").read_text())["features"])  # fmt: skip
    # Two crow-fly territories (no OSM): the north and south halves of the 92 by commune code
    folders = split_by_communes(shared_data, {"nord": codes[:18], "sud": codes[18:]}, tmp_path / "dep", shared=())
    out = tmp_path / "out" / "communes.parquet"
    # The installed command in its own process, with relative paths as a person types them; bounded in time
    command = [sys.executable, "-m", "maillage", "audit-many", "--address", address, "-o", "out/communes.parquet",
               "dep/nord", "dep/sud"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
                          timeout=max(10.0, 55.0 - (time.monotonic() - started)))  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "nord :" in done.stderr and "sud :" in done.stderr  # one French line per territory
    distributed = pd.read_parquet(out)
    sequential = gather_communes([audit_territory(f) for f in folders])
    assert len(sequential) == 36 and set(sequential["territory"]) == {"nord", "sud"}
    pd.testing.assert_frame_equal(distributed, sequential, check_exact=True)
    with Client(address) as client:  # the tasks ran on that cluster's workers, not in the command's process
        done_here = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    assert "audit_territory" in done_here


def test_an_unreachable_scheduler_is_one_french_line(
    tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("maillage.scale.CONNECT_TIMEOUT_S", 2.0)
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    result = CliRunner().invoke(app, ["audit-many", "--address", address, "-o", str(tmp_path / "x.parquet"),
                                      str(shared_data)])  # fmt: skip
    assert result.exit_code == 1
    assert "ordonnanceur Dask injoignable" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.parquet").exists()
