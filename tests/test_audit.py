"""The guarantee audit on the real 92 data: rule, aggregates, outputs."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from maillage import api
from maillage.audit.guarantee import AuditResult, run_audit, verdicts
from maillage.audit.standard import ANTENNE_CLASS, POLE_CLASS, ServiceStandard
from maillage.network.crowfly import CrowFlyEngine
from maillage.network.engine import NearestSites
from maillage.population.cells import model_cells
from maillage.registry.snapshot import Snapshot, load_snapshot
from maillage.report import writers
from maillage.report.html import render_html


@pytest.fixture(scope="module")
def snapshot(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    url = f"sqlite:///{tmp_path_factory.mktemp('audit') / 'r.sqlite'}"
    api.init_registry(shared_data, url)
    return load_snapshot(api.open_registry(url))


@pytest.fixture(scope="module")
def result(snapshot: Snapshot) -> AuditResult:
    cells = model_cells(snapshot.communes, snapshot.sector_of_commune)
    return run_audit(snapshot, cells, CrowFlyEngine("walk"), service="pmi")


def _nearest(minutes: list[float]) -> NearestSites:
    n = len(minutes)
    return NearestSites(np.array(minutes), np.zeros(n, dtype=np.int64), np.zeros(n))


def test_rule_pole_20_or_antenne_15() -> None:
    nearest = {
        POLE_CLASS: _nearest([19.9, 25, 25, 20, np.inf]),
        ANTENNE_CLASS: _nearest([30, 14, 16, 30, 15]),
    }
    assert list(verdicts(nearest, ServiceStandard())) == [True, True, False, True, True]
    strict = ServiceStandard(pole_minutes=10, antenne_minutes=5)
    assert list(verdicts(nearest, strict)) == [False, False, False, False, False]


def test_population_totals_equal_the_commune_figures(result: AuditResult, snapshot: Snapshot) -> None:
    assert len(result.by_commune) == 36
    assert result.by_commune["population"].sum() == pytest.approx(1_654_712)
    expected = snapshot.communes.set_index("code")["population"]
    got = result.by_commune.set_index("code")["population"]
    np.testing.assert_allclose(got.loc[expected.index], expected)
    assert result.by_sector["population"].sum() == pytest.approx(1_654_712)
    assert result.total["population_within"] + result.total["population_outside"] == pytest.approx(1_654_712)


def test_aggregates_match_a_direct_computation(result: AuditResult) -> None:
    cells = result.cells
    pole = result.minutes(POLE_CLASS)
    antenne = result.minutes(ANTENNE_CLASS)
    within = (pole <= 20) | (antenne <= 15)
    mask = cells.commune_code == "92012"  # Boulogne-Billancourt
    share = cells.population[mask & within].sum() / cells.population[mask].sum()
    row = result.by_commune.set_index("code").loc["92012"]
    assert row["share_within"] == pytest.approx(share)
    assert row["worst_minutes_pole"] == pytest.approx(pole[mask].max())
    # antenne class includes the pôles, so it is never farther
    assert (antenne <= pole + 1e-9).all()


def test_a_cell_at_a_site_has_zero_minutes(snapshot: Snapshot) -> None:
    cells = model_cells(snapshot.communes, snapshot.sector_of_commune)
    pole = snapshot.usable_sites().query("kind == 'pole_social'").iloc[0]
    moved = type(cells)(
        np.vstack([cells.xy_m, [[pole.x_m, pole.y_m]]]), np.append(cells.population, 0.0),
        np.append(cells.commune_code, cells.commune_code[0]), np.append(cells.sector_id, cells.sector_id[0]),
        cells.cell_size_m, cells.model, cells.source,
    )  # fmt: skip
    out = run_audit(snapshot, moved, CrowFlyEngine("walk"))
    assert out.minutes(POLE_CLASS)[-1] == pytest.approx(0.0)
    assert out.nearest[POLE_CLASS].site_ids(out.destinations[POLE_CLASS])[-1] == pole.id


def test_generous_thresholds_cover_everyone(snapshot: Snapshot) -> None:
    cells = model_cells(snapshot.communes, snapshot.sector_of_commune, cell_size_m=500)
    out = run_audit(snapshot, cells, CrowFlyEngine("car"), ServiceStandard(pole_minutes=60, antenne_minutes=60))
    assert out.total["share_within"] == pytest.approx(1.0)


def test_mobile_stops_and_duplicates_never_count(result: AuditResult) -> None:
    for name, destinations in result.destinations.items():
        chosen = result.sites.set_index("id").loc[list(destinations.site_ids)]
        assert (chosen["kind"] != "mobile_stop").all(), name
        assert chosen["duplicate_of"].isna().all(), name
    assert "france_services" in result.destinations and "ccas" in result.destinations


def test_json_has_per_commune_rows_and_provenance(result: AuditResult) -> None:
    doc = json.loads(writers.to_json(result))
    row = next(r for r in doc["communes"] if r["code"] == "92002")
    assert {"code", "population", "share_within", "worst_minutes_pole"} <= set(row)
    assert 0 <= row["share_within"] <= 1
    assert len(doc["cells"]) == len(result.cells)
    meta = doc["maillage"]
    assert meta["standard"]["pole_minutes"] == 20 and meta["engine"]["backend"] == "crowfly"
    assert any("vol d'oiseau" in a for a in meta["assumptions"])
    assert any("grille de 200 m" in a for a in meta["assumptions"])
    assert doc["cells"][0]["minutes_service_pmi"] is not None


def test_csv_and_geojson_outputs(result: AuditResult) -> None:
    text = writers.to_csv(result)
    assert text.startswith("# Norme")
    frame = pd.read_csv(io.StringIO(text), comment="#", dtype={"code": str})
    assert len(frame) == 36 and frame["population"].sum() == pytest.approx(1_654_712)
    # the inequality figures are in every output (uniform model: no age bands, so "tous" only)
    assert {"share_within_tous", "pole_gini", "pole_palma", "antenne_or_pole_mean_minutes"} <= set(frame.columns)
    assert "share_within_enfants" not in frame.columns
    geo = json.loads(writers.to_geojson(result))
    assert 0 <= geo["features"][0]["properties"]["pole_gini"] < 1
    assert len(geo["features"]) == 36 and geo["maillage"]["population_model"] == "grid-model"
    lon, lat = geo["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 2.1 < lon < 2.4 and 48.7 < lat < 49.0


def test_html_report_is_self_contained(result: AuditResult) -> None:
    html = render_html(result)
    assert html.count("<svg") == 2
    # nothing the browser would fetch: no remote src/href, no stylesheet or script links
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html and "<script src" not in html
    assert "Boulogne-Billancourt" in html and "centre de leur commune" in html
    assert "communes-92.geojson" in html


def test_cell_raster_puts_each_cell_in_its_square() -> None:
    from maillage.report.map import cell_raster

    xy = np.array([[1000.0, 2000.0], [1200.0, 2000.0], [1400.0, 2400.0]])  # square corners, 200 m grid
    raster, extent = cell_raster(xy + 100.0, 200.0, np.array([5.0, 12.0, 30.0]))  # cell centres
    assert extent == (1000.0, 1600.0, 2000.0, 2600.0)
    assert raster.shape == (3, 3)  # rows = y from 2000 to 2600, columns = x from 1000 to 1600
    assert raster[0, 0] == 5.0 and raster[0, 1] == 12.0 and raster[2, 2] == 30.0
    assert np.isnan(raster).sum() == 6


def test_reports_are_written_whole_and_readable_like_any_new_file(tmp_path: Path) -> None:
    import os

    from maillage.report.files import write_atomic

    target = tmp_path / "out" / "report.html"
    write_atomic(target, "<p>ok</p>")
    mask = os.umask(0)
    os.umask(mask)
    assert target.read_text(encoding="utf-8") == "<p>ok</p>"
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]  # no temporary file left
