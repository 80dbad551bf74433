"""The command line as a user runs it: init, audit in every format, errors, exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from maillage.cli import app

runner = CliRunner()


@pytest.fixture
def env(shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MAILLAGE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MAILLAGE_DATA", str(shared_data))
    monkeypatch.delenv("MAILLAGE_DB_URL", raising=False)
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert "36 communes" in result.output
    return tmp_path


def test_audit_json_per_commune(env: Path) -> None:
    out = env / "audit.json"
    result = runner.invoke(app, ["audit", "--format", "json", "--output", str(out), "--no-cells"])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert len(doc["communes"]) == 36
    assert sum(r["population"] for r in doc["communes"]) == pytest.approx(1_654_712)
    assert all({"code", "population", "share_within"} <= set(r) for r in doc["communes"])
    assert "cells" not in doc
    # the IDFM extract has no timetable: said, not invented
    assert any("aucun horaire" in n for n in doc["maillage"]["notes"])


def test_audit_per_public_json_carries_publics_equity_and_why(env: Path) -> None:
    out = env / "enfants.json"
    result = runner.invoke(app, ["audit", "--public", "enfants", "--format", "json", "--output", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["equity"]["public_weighed"] == "enfants"
    assert {"pole", "antenne_or_pole", "service:pmi", "service:protection_enfance"} == set(doc["equity"]["classes"])
    total = doc["equity"]["classes"]["pole"]["total"]
    assert 0 < total["gini"] < 1 and total["palma"] > 1 and total["concentration_index"] is None
    assert len(doc["equity"]["classes"]["pole"]["communes"]) == 36
    assert {"share_within_tous", "share_within_enfants", "share_within_seniors"} <= set(doc["publics"]["total"])
    assert len(doc["publics"]["sectors"]) == len(doc["sectors"])
    outside = [c for c in doc["cells"] if not c["within_standard"]]
    assert outside and all(c["why"]["pole"]["minutes"] == c["minutes_pole"] for c in outside)


def test_audit_table_and_html(env: Path) -> None:
    html = env / "r" / "audit.html"
    result = runner.invoke(app, ["audit", "--html", str(html)], terminal_width=160)
    assert result.exit_code == 0, result.output
    assert "Par commune" in result.output and "Boulogne-Billancourt" in result.output
    # the data folder has the 92's OSM extract: street times on foot by default, never crow-fly
    assert "Temps par les rues à pied sur OpenStreetMap hauts-de-seine-2021-omt.osm.pbf" in result.output
    assert "Temps « à vol d'oiseau »" not in result.output  # crow-fly appears only as the comparison
    assert "à vol d'oiseau (ligne droite × détour) ce serait" in result.output
    assert html.exists() and "<svg" in html.read_text(encoding="utf-8")


def test_thresholds_and_service_options(env: Path) -> None:
    result = runner.invoke(app, ["audit", "--format", "json", "--no-cells", "--pole-minutes", "90",
                                 "--antenne-minutes", "90", "--mode", "bike", "--service", "pmi"])  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["total"]["share_within"] == pytest.approx(1.0)
    assert doc["maillage"]["engine"]["mode"] == "bike" and doc["maillage"]["service"] == "pmi"


def test_transit_without_timetable_is_a_clear_error(env: Path) -> None:
    result = runner.invoke(app, ["audit", "--mode", "transit"])
    assert result.exit_code == 1
    assert "aucun flux GTFS avec horaires" in result.output


def test_csv_and_geojson(env: Path) -> None:
    csv_out = runner.invoke(app, ["audit", "--format", "csv"])
    assert csv_out.exit_code == 0 and "share_within" in csv_out.stdout
    geo = runner.invoke(app, ["audit", "--format", "geojson"])
    assert len(json.loads(geo.stdout)["features"]) == 36


def test_bad_data_folder_and_empty_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLAGE_HOME", str(tmp_path / "home"))
    result = runner.invoke(app, ["init", "--data", str(tmp_path / "nowhere")])
    assert result.exit_code == 1 and "n'existe pas" in result.output
    result = runner.invoke(app, ["audit"])
    assert result.exit_code == 1 and "maillage init" in result.output


def test_sites_export_import(env: Path) -> None:
    out = env / "sites.geojson"
    assert runner.invoke(app, ["sites", "export", "--format", "geojson", "-o", str(out)]).exit_code == 0
    assert len(json.loads(out.read_text(encoding="utf-8"))["features"]) == 120
    extra = env / "extra.csv"
    extra.write_text(
        "id,name,kind,address,postcode,commune,insee_code,lon,lat,opening_hours,phone,source_url_or_repo\n"
        "fs-544,Doublon,pmi,,,,92002,,,,,test\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["sites", "import", str(extra)])
    assert result.exit_code == 1 and "extra.csv:2:id: identifiant « fs-544 » en double" in result.output
