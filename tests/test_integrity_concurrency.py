"""Concurrent scenario edits by real ``maillage`` processes: nothing lost, nothing numbered twice.

Issue 12: simultaneous ``scenario add-site/close-site`` once stored five changes all numbered 1 and
three added sites with the same id, after which the scenario could no longer be edited or audited.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import text

from maillage import api
from maillage.planning import store
from maillage.registry.snapshot import load_snapshot

REPO = Path(__file__).resolve().parents[1]
PROCESSES = 16
MAILLAGE = str(Path(sys.executable).with_name("maillage"))  # the installed command, as a person runs it


def test_concurrent_cli_edits_are_all_stored_once(shared_data: Path, db_url: str, tmp_path: Path) -> None:
    api.init_registry(shared_data, db_url)
    registry = api.open_registry(db_url)
    snapshot = load_snapshot(registry)
    store.create_scenario(registry, "concurrence", None, "test")
    # Real registry sites: half are closed, the other half lend their (real) position to a new site.
    located = snapshot.sites[snapshot.sites["duplicate_of"].isna() & snapshot.sites["lon"].notna()]
    to_close = list(located["id"][: PROCESSES // 2])
    places = located.iloc[PROCESSES // 2 : PROCESSES][["lon", "lat"]].itertuples(index=False)
    commands = [["scenario", "close-site", "concurrence", site_id] for site_id in to_close] + [
        ["scenario", "add-site", "concurrence", "--name", f"Nouveau site {n}", "--lon", str(lon), "--lat", str(lat)]
        for n, (lon, lat) in enumerate(places, start=1)
    ]
    env = os.environ | {
        "PYTHONPATH": str(REPO),
        "MAILLAGE_DB_URL": db_url,
        "MAILLAGE_HOME": str(tmp_path / "home"),
        "MAILLAGE_DATA": str(shared_data),
    }
    running = [
        subprocess.Popen(
            [MAILLAGE, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for args in commands
    ]
    answers = [(p.wait(timeout=600), p.stderr.read().decode()) for p in running]
    successes = sum(code == 0 for code, _ in answers)

    stored = store.find_scenario(registry, "concurrence")["changes"]
    assert successes == PROCESSES, [err for code, err in answers if code]
    assert len(stored) == successes
    assert sorted(c["seq"] for c in stored) == list(range(1, PROCESSES + 1))
    added = [c["site_id"] for c in stored if c["op"] == "add_site"]
    assert len(added) == len(set(added)) == PROCESSES // 2
    assert sorted(c["site_id"] for c in stored if c["op"] == "close_site") == sorted(to_close)
    audit = subprocess.run(
        [MAILLAGE, "audit", "--scenario", "concurrence", "--format", "json", "--no-cells"],
        env=env,
        capture_output=True,
        timeout=600,
    )
    assert audit.returncode == 0, audit.stderr.decode()
    assert any("concurrence" in note for note in json.loads(audit.stdout)["maillage"]["notes"])


def test_migration_renumbers_duplicate_seqs_then_forbids_them(db_url: str) -> None:
    """A registry corrupted before 0003 (two changes numbered 1) migrates; a third duplicate is refused."""
    from alembic import command

    from maillage.registry import db

    engine = db.make_engine(db_url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    command.upgrade(db.alembic_config(engine), "0002")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO scenario (id, name) VALUES (1, 's')"))
        for _ in range(2):
            conn.execute(text("INSERT INTO scenario_change (scenario_id, seq, op, payload) VALUES (1, 1, 'x', '{}')"))
    db.migrate(engine)
    with engine.connect() as conn:
        seqs = conn.execute(text("SELECT seq FROM scenario_change ORDER BY id")).scalars().all()
    assert seqs == [1, 2]
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO scenario_change (scenario_id, seq, op, payload) VALUES (1, 2, 'x', '{}')"))
    except Exception as exc:  # IntegrityError, wrapped differently by each driver
        assert "unique" in str(exc).lower()
    else:
        raise AssertionError("a duplicate (scenario_id, seq) was stored")


def test_concurrent_undos_and_additions_keep_every_change_once(shared_data: Path, db_url: str) -> None:
    """Undoing changes (the workspace's "Retirer") while others add changes: each removal takes the
    same write lock as an addition, so nothing removed comes back and no ``seq`` is given twice."""
    api.init_registry(shared_data, db_url)
    registry = api.open_registry(db_url)
    snapshot = load_snapshot(registry)
    sid = store.create_scenario(registry, "annulations", None, "test")["id"]
    located = snapshot.sites[snapshot.sites["duplicate_of"].isna() & snapshot.sites["lon"].notna()]
    ids = list(located["id"][:PROCESSES])
    half = PROCESSES // 2
    first = store.add_changes(
        registry, snapshot, sid, [{"op": "close_site", "site_id": i, "payload": {}} for i in ids[:half]], "test"
    )["changes"]
    with ThreadPoolExecutor(max_workers=PROCESSES) as pool:
        jobs = [
            pool.submit(store.remove_change, registry, snapshot, sid, c["id"], f"r{n}") for n, c in enumerate(first)
        ]
        jobs += [
            pool.submit(store.add_change, registry, snapshot, sid, {"op": "close_site", "site_id": i}, f"a{n}")
            for n, i in enumerate(ids[half:])
        ]
        for job in jobs:
            job.result()
    stored = store.get_scenario(registry, sid)["changes"]
    assert sorted(c["site_id"] for c in stored) == sorted(ids[half:])
    seqs = [c["seq"] for c in stored]
    assert len(seqs) == len(set(seqs)) == half
    with registry.connect() as conn:
        undone = conn.execute(text("SELECT count(*) FROM write_log WHERE action = 'scenario_remove_change'")).scalar()
    assert undone == half
