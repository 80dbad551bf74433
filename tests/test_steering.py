"""Tests of maillage.steering: shipped figures and their sources, analyses, import errors, report, CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import shapely
from conftest import SHARED_DATA
from typer.testing import CliRunner

from maillage import api
from maillage.audit.guarantee import run_audit
from maillage.cli.steering import app
from maillage.geo import lonlat_to_l93
from maillage.network.crowfly import CrowFlyEngine
from maillage.planning import apply_scenario, compare
from maillage.registry.snapshot import load_snapshot
from maillage.report.steering import write_report
from maillage.steering import analysis as an
from maillage.steering.coverage import convention_changes
from maillage.steering.importer import SteeringImportError, load_default, load_file, load_folder
from maillage.steering.models import ActivityIndicator, Convention, ScheduledService

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = Path(os.environ.get("MAILLAGE_SEEDS", SHARED / "seeds"))
COMMUNES = Path(os.environ.get("MAILLAGE_COMMUNES", SHARED_DATA / "communes" / "communes-92.geojson"))
BAD = Path(__file__).parent / "fixtures" / "steering_bad"
DATA = Path(__file__).parents[1] / "maillage" / "data" / "steering"


def norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def data():
    return load_default()


# ------------------------------------------------------------------ shipped data and their sources
def test_default_data_loads(data):
    assert len(data.budget_lines) == 13
    assert len(data.activity) == 3
    assert {c.commune_name for c in data.conventions} == {"Sceaux", "Bagneux", "Gennevilliers"}


def _all_records(data):
    return [*data.budget_lines, *data.activity, *data.conventions]


def test_every_source_quote_occurs_in_its_seed(data):
    for rec in _all_records(data):
        assert rec.source_file, rec.id
        seed = SEEDS / rec.source_file
        assert seed.is_file(), f"{rec.id}: {rec.source_file} absent"
        text = norm(seed.read_text(encoding="utf-8"))
        assert rec.source_quotes, rec.id
        for quote in rec.source_quotes:
            assert norm(quote) in text, f"{rec.id}: « {quote[:60]}… » absent de {rec.source_file}"


def _fr(x: float) -> str:
    return f"{x:g}".replace(".", ",")


def test_every_figure_is_written_in_its_quotes(data):
    """Each shipped figure appears, as the press release writes it, in one of its quoted sentences."""
    for bl in data.budget_lines:
        quotes = norm(" ".join(bl.source_quotes))
        if bl.amount_eur is not None:
            m = abs(bl.amount_eur) / 1e6
            bn = abs(bl.amount_eur) / 1e9
            forms = [f"{_fr(m)} M€", f"{_fr(m)}M€", f"{_fr(m)} millions", f"{_fr(bn)} milliard"]
        else:
            r = bl.rate_pct
            forms = [f"{'+' if r > 0 else '-'}{_fr(abs(r))}%", f"{'+' if r > 0 else '-'} {_fr(abs(r))}%"]
        assert any(f in quotes for f in forms), (bl.id, forms)
    for a in data.activity:
        assert f"{int(a.value):,}".replace(",", " ") in norm(" ".join(a.source_quotes)), a.id


def test_precision_qualifiers_follow_the_text(data):
    by_id = {a.indicator: a.precision.value for a in data.activity}
    assert by_id == {"people_received": "about", "rsa_requests": "exact", "pmi_acts": "more_than"}
    dmto_var = next(bl for bl in data.budget_lines if bl.id == "bl-2024-dm-dmto-var")
    assert dmto_var.precision.value == "about"  # « de l'ordre de 75 millions »


# ----------------------------------------------------------------------------------- budget analyses
def test_dm_2024_adds_up(data):
    bd = an.dm_breakdown(data.budget_lines, 2024)
    assert bd.total_variation_eur == pytest.approx(37e6)
    assert bd.total_after_eur == pytest.approx(1_013e6)
    assert {bl.policy: bl.amount_eur for bl in bd.components} == {"ase": 19.8e6, "handicap": 12.4e6}
    assert bd.remainder_eur == pytest.approx(4.8e6)
    sol = next(c for c in an.bp_dm_changes(data.budget_lines, 2024) if c.policy == "solidarites")
    # 1,013 Md€ after a +37 M€ DM → 976 M€ before, the figure "dédiés à l'action sociale en 2024" of seed 003
    assert sol.implied_before_eur == pytest.approx(976e6)
    assert sol.before_matches == ("bl-2024-as-total",)
    dmto = next(c for c in an.bp_dm_changes(data.budget_lines, 2024) if c.policy == "dmto")
    assert dmto.dm_variation_eur is None  # −75 M€ is year-on-year, not a BP→DM change
    assert [bl.id for bl in dmto.other_changes] == ["bl-2024-dm-dmto-var"]


def test_scissors_effect_reports_only_years_present(data):
    sc = {y.year: y for y in an.scissors_effect(data.budget_lines)}
    assert sorted(sc) == [2023, 2024]  # no 2022 interpolated from the −30 %
    y23, y24 = sc[2023], sc[2024]
    assert y23.spending_total_eur == 969e6 and y23.spending_document == "ND"
    assert y23.dmto_total_eur is None and y23.gap_eur is None
    assert [bl.rate_pct for bl in y23.dmto_changes] == [-30]
    assert y24.spending_total_eur == 1_013e6 and y24.spending_document == "DM"
    assert y24.dmto_total_eur == 430e6 and y24.tva_total_eur is None
    assert y24.gap_eur == pytest.approx(583e6)
    assert "TVA" in y24.gap_basis and "TVA : pas de montant total" in y24.missing
    assert sorted(bl.amount_eur for bl in y24.tva_changes if bl.amount_eur) == [-14e6]
    assert [bl.id for bl in y24.other_spending_totals] == ["bl-2024-as-total"]


def test_indicators_per_inhabitant(data):
    feats = json.loads(COMMUNES.read_text(encoding="utf-8"))["features"]
    pops = {f["properties"]["code"]: f["properties"]["population"] for f in feats}
    rows = {r.indicator: r for r in an.indicators_per_inhabitant(data.activity, pops)}
    rsa = rows["rsa_requests"]
    assert rsa.population_served == pops["92007"]
    assert rsa.per_inhabitants == pytest.approx(1348 / pops["92007"] * 1000)


def test_indicators_without_population_and_site_served_communes():
    site = ActivityIndicator(id="a", insee_code="92004", site_id="pole-asnieres",
                             served_insee_codes=("92004", "92036"), period="2024",
                             indicator="people_received", value=100, source="test")
    (row,) = an.indicators_per_inhabitant([site], {"92004": 900})
    assert row.scope == "site" and row.per_inhabitants is None and row.missing_populations == ("92036",)
    (row,) = an.indicators_per_inhabitant([site], {"92004": 900, "92036": 100})
    assert row.population_served == 1000 and row.per_inhabitants == pytest.approx(100)


# ------------------------------------------------------------------------------ conventions follow-up
def test_three_conventions_next_renewals(data):
    fu = {f.commune: f for f in an.follow_up(data.conventions, data.activity, date(2025, 6, 1))}
    assert {k: f.next_renewal for k, f in fu.items()} == {
        "Sceaux": date(2028, 5, 12), "Bagneux": date(2028, 5, 15), "Gennevilliers": date(2028, 5, 22)}
    assert not any(f.renewal_due for f in fu.values())
    due = an.follow_up(data.conventions, data.activity, date(2028, 1, 15), horizon_months=6)
    assert all(f.renewal_due for f in due)
    later = {f.commune: f.next_renewal for f in an.follow_up(data.conventions, [], date(2028, 6, 1))}
    assert later["Sceaux"] == date(2031, 5, 12)  # renewable: next term


def test_dates_helpers():
    assert an.add_years(date(2024, 2, 29), 3) == date(2027, 2, 28)
    assert an.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)


def _conv(**kw) -> Convention:
    base = dict(id="c", commune_insee="92071", commune_name="Sceaux", title="t",
                signature_date=date(2025, 5, 12), duration_years=3, renewable=True, source="test")
    return Convention(**(base | kw))


def test_follow_up_missing_indicators_and_overdue_reviews():
    conv = _conv(indicators_to_report=("pmi_consultations", "social_interviews"), review_frequency_months=6,
                 review_meetings=(date(2025, 11, 1),))
    act = [ActivityIndicator(id="x", insee_code="92071", period="2025", indicator="pmi_consultations",
                             value=40, source="test")]
    (f,) = an.follow_up([conv], act, date(2026, 6, 1))
    assert f.indicator_period == "2025" and f.missing_indicators == ("social_interviews",)
    assert f.next_review_due == date(2026, 5, 1) and f.review_overdue is True
    assert any("manquants" in a for a in f.alerts) and any("retard" in a for a in f.alerts)
    (f,) = an.follow_up([conv], act, date(2026, 3, 1))
    assert f.review_overdue is False
    (f,) = an.follow_up([_conv()], [], date(2026, 6, 1))
    assert f.review_overdue is None and f.missing_indicators == ()  # nothing declared → nothing invented


def test_non_renewable_convention_expires():
    (f,) = an.follow_up([_conv(renewable=False)], [], date(2029, 1, 1))
    assert f.expired and f.next_renewal == date(2028, 5, 12) and "échue" in f.alerts[0]


def test_scheduled_sites_from_conventions(data):
    sites = an.scheduled_sites(data.conventions)
    sceaux = [s for s in sites if s["insee_code"] == "92071"]
    assert len(sceaux) == 1 and sceaux[0]["kind"] == "pmi_permanence"
    assert sceaux[0]["opening_hours"] is None and not sceaux[0]["hours_given"]
    assert any("horaires non précisés" in f for f in sceaux[0]["flags"])
    assert {s["kind"] for s in sites} == {"pmi_permanence", "mobile_unit", "pmi_centre"}
    assert all(s["opening_hours"] is None for s in sites)  # the seeds give no hours
    given = _conv(scheduled_services=(ScheduledService(kind="pmi_permanence", label="PMI",
                                                       opening_hours="Tu 09:00-12:00"),))
    (s,) = an.scheduled_sites([given])
    assert s["opening_hours"] == "Tu 09:00-12:00" and s["hours_given"]
    with pytest.raises(ValueError):
        ScheduledService(kind="pmi_permanence", label="PMI", opening_hours="mardi matin")


# ------------------------------------------------------------------------------------- bad imports
@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("budget_missing_column.csv", "budget", ["budget_missing_column.csv:1:direction:"]),
        ("conventions_bad_date.csv", "conventions", ["conventions_bad_date.csv:3:signature_date:"]),
        ("budget_unknown_document.csv", "budget",
         ["budget_unknown_document.csv:3:document:", "budget_unknown_document.csv:4:document:"]),
        ("conventions_negative_duration.csv", "conventions",
         ["conventions_negative_duration.csv:2:duration_years:"]),
        ("budget_non_numeric_amount.csv", "budget", ["budget_non_numeric_amount.csv:2:amount_eur:"]),
        ("budget_duplicate_id.csv", "budget", ["budget_duplicate_id.csv:4:id:"]),
    ],
)
def test_bad_files_report_file_row_field(name, kind, expected):
    with pytest.raises(SteeringImportError) as exc:
        load_file(BAD / name, kind)
    assert isinstance(exc.value, ValueError)
    assert len(exc.value.errors) == len(expected)
    for err, prefix in zip(exc.value.errors, expected, strict=True):
        assert err.startswith(prefix), err
        assert re.match(r"^[^:]+:\d+:[^:]+: \S", err), err
    for prefix in expected:
        assert prefix in str(exc.value)


def test_folder_import_is_all_or_nothing(tmp_path):
    shutil.copy(DATA / "budget_lines.csv", tmp_path / "budget_lines.csv")
    shutil.copy(BAD / "conventions_bad_date.csv", tmp_path / "conventions.csv")
    with pytest.raises(SteeringImportError) as exc:
        load_folder(tmp_path)
    assert exc.value.errors == [exc.value.errors[0]] and exc.value.errors[0].startswith("conventions.csv:3:")
    (tmp_path / "conventions.csv").unlink()
    assert len(load_folder(tmp_path).budget_lines) == 13


def test_semicolon_and_bom_csv(tmp_path):
    text = (DATA / "activity.csv").read_text(encoding="utf-8")
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    (tmp_path / "activity.csv").write_text("\ufeff" + out.getvalue(), encoding="utf-8")
    assert len(load_folder(tmp_path).activity) == 3


# -------------------------------------------------------------------------------------- outputs
def test_report_files(tmp_path, data):
    paths = write_report(data, tmp_path, date(2025, 6, 1))
    html = paths["html"].read_text(encoding="utf-8")
    assert 'id="chart-scissors"' in html and "<svg" in html and "Effet ciseaux" in html
    for name in ("Sceaux", "Bagneux", "Gennevilliers"):
        assert name in html
    for d in ("12/05/2028", "15/05/2028", "22/05/2028"):
        assert d in html
    assert "1 013 M€" in html.replace("\u202f", " ") and "+19,8 M€" in html and "+12,4 M€" in html
    assert "<script" not in html and "<link" not in html  # self-contained: nothing fetched
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "SÉANCE PUBLIQUE DU DÉPARTEMENT DES HAUTS-DE-SEINE », communiqué du 18 octobre 2024" in html
    assert "001_1a9391a9d820ce92.txt" not in html and 'id="src-1"' in html
    pdf = paths["pdf"].read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000


def test_cli_report_show_import(tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["report", "--out", str(tmp_path / "r"), "--today", "2025-06-01"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r" / "pilotage.html").is_file() and (tmp_path / "r" / "pilotage.pdf").is_file()
    res = runner.invoke(app, ["show", "--format", "json", "--today", "2025-06-01"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert [f["next_renewal"] for f in payload["conventions_follow_up"]] == ["2028-05-12", "2028-05-15",
                                                                             "2028-05-22"]
    res = runner.invoke(app, ["show", "--format", "csv", "--table", "scissors"])
    assert res.exit_code == 0 and res.stdout.startswith("Année,")
    res = runner.invoke(app, ["show", "--table", "conventions", "--today", "2025-06-01"])
    assert res.exit_code == 0 and "Gennevilliers" in res.stdout
    res = runner.invoke(app, ["import", "--dir", str(DATA)])
    assert res.exit_code == 0 and "13" in res.stdout
    bad = tmp_path / "bad"
    bad.mkdir()
    shutil.copy(BAD / "budget_duplicate_id.csv", bad / "budget_lines.csv")
    res = runner.invoke(app, ["import", "--dir", str(bad)])
    assert res.exit_code == 1 and "budget_lines.csv:4:id:" in res.output
    res = runner.invoke(app, ["show", "--today", "15/05/2025"])
    assert res.exit_code != 0


# ----------------------------------------------------------------------------- conventions in the audit


def test_convention_commitments_become_a_scenario_that_can_only_add_coverage(shared_data, tmp_path):
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    api.init_registry(shared_data, url)
    snapshot = load_snapshot(api.open_registry(url))
    made = convention_changes(load_default().conventions, snapshot)
    # Sceaux's weekly PMI half-day and Bagneux's new PMI site count; the Caravane has no stop or hours.
    assert [(c["payload"]["kind"], c["payload"]["commune_code"]) for c in made.changes] == [
        ("pmi", "92071"), ("pmi", "92007")]
    assert any("Caravane" in n and "non compté" in n for n in made.notes)
    # Bagneux's existing PMI (13 avenue Gabriel-Péri) is now on its OSM address point, not at the commune
    # centre: the convention's new PMI (place unknown, at the centre) is no longer on top of it
    assert snapshot.sites.set_index("id").loc["pmi-92007-01", "coordinate_quality"] == "osm_address"
    assert not any("Bagneux" in n and "aucun effet mesurable" in n for n in made.notes)
    for change in made.changes:  # placed inside its commune, flagged as such in its name
        assert "centre de la commune" in change["payload"]["name"]
        x, y = lonlat_to_l93(np.array([change["payload"]["lon"]]), np.array([change["payload"]["lat"]]))[0]
        assert snapshot.communes.loc[change["payload"]["commune_code"], "geometry"].contains(shapely.Point(x, y))
    with_conventions = apply_scenario(snapshot, made.changes)
    assert len(with_conventions.sites) == len(snapshot.sites) + 2
    cells, _ = api.population_cells(snapshot, None)
    engine = CrowFlyEngine()
    diff = compare(run_audit(snapshot, cells, engine), run_audit(with_conventions, cells, engine))
    assert diff["population_lost"] == 0
    assert diff["population_within_delta"] >= 0
    assert set(diff["sites_added"]) == {c["site_id"] for c in made.changes}
