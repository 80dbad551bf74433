"""Site capacity: the registry field (file column, seed transcription, migration 0004), bad values, 2SFCA by hand."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from maillage import api
from maillage.audit.capacity import DEFAULT_CAPACITY_ROOMS, capacity_audit, headline_fr, two_step_fca
from maillage.audit.standard import ServiceStandard
from maillage.network.engine import Destinations
from maillage.planning.matrix import TravelMatrix
from maillage.registry.capacity import transcriptions
from maillage.registry.errors import ImportRejected
from maillage.registry.export import sites_to_csv
from maillage.registry.snapshot import load_snapshot

DEPT = "departement_sites_pages_92.csv"
ISSY = "pg-pole-issy"


def _with_capacity(path: Path, values: dict[str, str]) -> dict[str, int]:
    """Add a ``capacity`` column to a CSV copy, set for the given ids; return each id's line (header = 1)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = [*(reader.fieldnames or []), "capacity"]
        rows = list(reader)
    lines = {}
    for line, row in enumerate(rows, start=2):
        row["capacity"] = values.get(row["id"], "")
        if row["id"] in values:
            lines[row["id"]] = line
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return lines


def _matrix(pairs: list[tuple[int, int, float]], shape: tuple[int, int]) -> TravelMatrix:
    rows, cols, minutes = (np.array(v) for v in zip(*pairs, strict=True))
    return TravelMatrix(rows.astype(np.int64), cols.astype(np.int64), minutes.astype(float), shape, 20.0, "hand")


def test_two_step_fca_by_hand() -> None:
    # cells 0, 1, 2 with 100, 200, 300 residents; site 0 a pôle (6 rooms, 20 min), site 1 an antenne (1 room, 15 min)
    pairs = [(0, 0, 5.0), (0, 1, 10.0), (1, 0, 18.0), (1, 1, 16.0), (2, 0, 25.0), (2, 1, 14.0)]
    # (1, 1) at 16 min is beyond the antenne's 15; (2, 0) at 25 beyond the pôle's 20 (and past the matrix anyway)
    matrix = _matrix([p for p in pairs if p[2] <= 20], (3, 2))
    ratio, demand, access = two_step_fca(
        matrix, np.array([100.0, 200.0, 300.0]), np.array([6.0, 1.0]), np.array([20.0, 15.0])
    )
    # step 1: R_0 = 6 / (100 + 200) = 0.02 ; R_1 = 1 / (100 + 300) = 0.0025
    assert demand.tolist() == [300.0, 400.0]
    assert ratio == pytest.approx([0.02, 0.0025])
    # step 2: A_0 = R_0 + R_1 = 0.0225 ; A_1 = R_0 = 0.02 ; A_2 = R_1 = 0.0025
    assert access == pytest.approx([0.0225, 0.02, 0.0025])


def test_a_site_nobody_reaches_has_no_ratio_and_no_load() -> None:
    matrix = _matrix([(0, 0, 3.0)], (1, 2))
    ratio, demand, access = two_step_fca(matrix, np.array([50.0]), np.array([5.0, 5.0]), np.array([20.0, 20.0]))
    assert ratio.tolist() == [0.1, 0.0] and demand.tolist() == [50.0, 0.0] and access.tolist() == [0.1]


def test_loads_and_named_defaults() -> None:
    standard = ServiceStandard()
    sites = pd.DataFrame(
        {
            "id": ["p", "a"],
            "name": ["Pôle Nord", "PMI Sud"],
            "kind": ["pole_social", "pmi"],
            "commune_code": ["92001", "92002"],
            "capacity": [6.0, np.nan],
            "capacity_source": ["f.csv, colonne capacity", None],
        }
    )
    communes = pd.DataFrame({"name": ["Nordville", "Sudville"]}, index=["92001", "92002"])
    matrix = _matrix([(0, 0, 5.0), (0, 1, 10.0), (1, 0, 18.0), (2, 1, 14.0)], (3, 2))
    audit = capacity_audit(sites, communes, Destinations(("p", "a"), np.zeros((2, 2))), matrix,
                           np.array([100.0, 200.0, 300.0]), standard)  # fmt: skip
    table = audit.sites.set_index("id")
    # the PMI has no capacity: the PMI default (2 rooms); load = residents in catchment / rooms
    assert table.loc["a", "capacity_rooms"] == DEFAULT_CAPACITY_ROOMS["pmi"] == 2.0
    assert table.loc["a", "capacity_origin"] == "défaut" and table.loc["p", "capacity_origin"] == "registre"
    assert table.loc["p", "residents_per_room"] == pytest.approx(300 / 6)  # 50
    assert table.loc["a", "residents_per_room"] == pytest.approx(400 / 2)  # 200
    assert any(line.startswith("Hypothèse : capacité par défaut 2 bureaux d'entretien par site « Centre de PMI »")
               for line in audit.assumptions)  # fmt: skip
    assert not any("Pôle social" in line and "défaut" in line for line in audit.assumptions)  # the pôle has its own
    line = headline_fr(audit, standard)
    assert line is not None and line.startswith("Pôle le plus chargé : Pôle Nord (Nordville), 50 habitants")


def test_issy_capacity_is_the_seed_sentence(shared_data: Path, db_url: str) -> None:
    api.init_registry(shared_data, db_url)
    sites = load_snapshot(api.open_registry(db_url)).sites.set_index("id")
    assert sites.loc[ISSY, "capacity"] == 12.0
    source = sites.loc[ISSY, "capacity_source"]
    assert source.startswith("document 002_d003656cb878fcee.txt : « 12 bureaux d'entretien »")
    assert sites["capacity"].notna().sum() == 1  # no other site has a published capacity
    seed = shared_data.parent / "seeds" / transcriptions()[ISSY].source_file
    if seed.is_file():  # the quote is the seed's own words
        assert f"**{transcriptions()[ISSY].quote}**" in seed.read_text(encoding="utf-8")


def test_a_capacity_column_replaces_defaults_and_transcriptions(data_copy: Path, db_url: str) -> None:
    _with_capacity(data_copy / "sites" / DEPT, {ISSY: "10", "pg-pole-clichy": "8,5"})
    api.init_registry(data_copy, db_url)
    sites = load_snapshot(api.open_registry(db_url)).sites.set_index("id")
    assert sites.loc[ISSY, "capacity"] == 10.0 and sites.loc["pg-pole-clichy", "capacity"] == 8.5
    assert sites.loc[ISSY, "capacity_source"] == f"{DEPT}, colonne capacity"
    exported = pd.read_csv(io.StringIO(sites_to_csv(sites.reset_index())), dtype=str)
    assert exported.set_index("id").loc[ISSY, "capacity"] == "10.0"


@pytest.mark.parametrize(
    ("value", "reason"),
    [("-3", "capacité « -3 » impossible"), ("douze", "capacité illisible « douze »"),
     ("inf", "capacité « inf » impossible")],
)
def test_bad_capacity_names_file_row_and_field(data_copy: Path, db_url: str, value: str, reason: str) -> None:
    line = _with_capacity(data_copy / "sites" / DEPT, {ISSY: value})[ISSY]
    with pytest.raises(ImportRejected) as info:
        api.init_registry(data_copy, db_url)
    assert f"{DEPT}:{line}:capacity: {reason}" in str(info.value)


def test_bad_capacity_on_the_command_line_exits_1(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from maillage.cli import app

    monkeypatch.setenv("MAILLAGE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MAILLAGE_DB_URL", raising=False)
    line = _with_capacity(data_copy / "sites" / DEPT, {ISSY: "-1"})[ISSY]
    result = CliRunner().invoke(app, ["init", "--data", str(data_copy)])
    assert result.exit_code == 1
    assert f"{DEPT}:{line}:capacity: capacité « -1 » impossible" in result.output
    assert "Traceback" not in result.output


def test_migration_0004_keeps_an_existing_registry(shared_data: Path, db_url: str) -> None:
    """A registry at 0003 (no capacity columns) upgrades to 0004 with every row kept, capacities unknown."""
    from alembic import command

    from maillage.registry import db

    api.init_registry(shared_data, db_url)
    engine = db.make_engine(db_url)
    command.downgrade(db.alembic_config(engine), "0003")
    with engine.connect() as conn:
        assert "capacity" not in {c["name"] for c in inspect(conn).get_columns("site")}
        before = conn.execute(text("SELECT id, name, kind, lon, lat FROM site ORDER BY id")).all()
        communes = conn.execute(text("SELECT COUNT(*) FROM commune")).scalar()
    assert len(before) > 100
    db.migrate(engine)
    assert db.current_revision(engine) == db.HEAD_REVISION  # 0004 and every later migration applied
    with engine.connect() as conn:
        after = conn.execute(text("SELECT id, name, kind, lon, lat FROM site ORDER BY id")).all()
        capacities = conn.execute(text("SELECT COUNT(*) FROM site WHERE capacity IS NOT NULL")).scalar()
        assert conn.execute(text("SELECT COUNT(*) FROM commune")).scalar() == communes
    assert after == before and capacities == 0
    load_snapshot(engine)  # the models read the upgraded table
