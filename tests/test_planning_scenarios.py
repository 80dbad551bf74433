"""Scenarios on the real Hauts-de-Seine registry: store, apply, compare, time-aware audits, CLI round trips."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from maillage import api
from maillage.audit.standard import ANTENNE_CLASS
from maillage.cli import app
from maillage.planning import ScenarioError, apply_scenario, compare, store
from maillage.planning.timeaware import parse_when, snapshot_at
from maillage.planning.variants import audit_variant
from maillage.registry.models import WriteLog
from maillage.registry.snapshot import load_snapshot

runner = CliRunner()
BOULOGNE = (2.2399, 48.8352)
TUESDAY_10H = datetime(2026, 11, 24, 10, 0)


@pytest.fixture
def registry(registry_template: Path, tmp_path: Path):
    path = tmp_path / "registry.sqlite"
    shutil.copy(registry_template, path)
    engine = api.open_registry(f"sqlite:///{path}")
    return engine, load_snapshot(engine)


def test_apply_changes_every_op(crowfly_world) -> None:
    snapshot, *_ = crowfly_world
    changes = [
        {
            "op": "add_site",
            "site_id": "new-1",
            "payload": {"name": "Antenne Boulogne", "kind": "antenne", "lon": BOULOGNE[0], "lat": BOULOGNE[1]},
        },
        {"op": "move_site", "site_id": "pg-pole-vanves", "payload": {"lon": 2.25, "lat": 48.82}},
        {"op": "close_site", "site_id": "mama-21"},
        {
            "op": "set_hours",
            "site_id": "pg-pole-issy",
            "payload": {"opening_hours": "Mo 09:00 - 12:00 / 14:00 - 17:00"},
        },
        {"op": "set_services", "site_id": "pg-pole-issy", "payload": {"services": ["pmi", "logement"]}},
        {
            "op": "assign_sector",
            "payload": {"commune_code": "92012", "sector": "sst-boulogne", "sector_name": "SST Boulogne"},
        },
    ]
    after = apply_scenario(snapshot, changes)
    sites = after.sites.set_index("id")
    assert sites.at["new-1", "commune_code"] == "92012" and sites.at["new-1", "coordinate_quality"] == "scenario"
    assert 640_000 < sites.at["new-1", "x_m"] < 660_000  # Lambert-93 metres
    assert sites.at["pg-pole-vanves", "lon"] == 2.25
    assert "mama-21" not in sites.index and "pmi-92004-03" not in sites.index  # its duplicate goes with it
    assert sites.at["pg-pole-issy", "opening_hours"] == "Mo 09:00-12:00,14:00-17:00"
    assert sites.at["pg-pole-issy", "services"] == ["pmi", "logement"]
    assert after.sector_of_commune["92012"] == "sst-boulogne" and after.sector_names["sst-boulogne"] == "SST Boulogne"
    assert "mama-21" in snapshot.sites["id"].to_numpy() and snapshot.sector_of_commune["92012"] != "sst-boulogne"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"op": "close_site", "site_id": "nope"}, "absent"),
        ({"op": "demolish", "site_id": "mama-21"}, "inconnue"),
        (
            {"op": "add_site", "site_id": "x", "payload": {"name": "A", "kind": "palace", "lon": 2.2, "lat": 48.8}},
            "type de site",
        ),
        ({"op": "add_site", "site_id": "x", "payload": {"name": "A", "kind": "antenne", "lon": 2.2}}, "manquant"),
        (
            {"op": "set_hours", "site_id": "mama-21", "payload": {"opening_hours": "quand il fait beau"}},
            "horaires invalides.*du lundi au vendredi de 9h à 17h",
        ),
        ({"op": "move_site", "site_id": "mama-21", "payload": {"lon": 2.2, "lat": 95}}, "hors limites"),
        ({"op": "assign_sector", "payload": {"commune_code": "75056", "sector": "s"}}, "inconnue"),
    ],
)
def test_bad_changes_are_refused_with_a_clear_message(registry, change: dict, message: str) -> None:
    engine, snapshot = registry
    created = store.create_scenario(engine, "essai", None, "test")
    good = {"op": "close_site", "site_id": "pg-pole-chatillon", "payload": {}}
    with pytest.raises(ScenarioError, match=message):
        store.add_changes(engine, snapshot, created["id"], [good, change], "test")
    assert store.get_scenario(engine, created["id"])["changes"] == []  # all or nothing


def test_compare_counts_gains_and_losses_cell_by_cell(crowfly_world) -> None:
    snapshot, cells, engine, baseline = crowfly_world
    changes = [
        {
            "op": "add_site",
            "site_id": "n1",
            "payload": {"name": "A", "kind": "antenne", "lon": BOULOGNE[0], "lat": BOULOGNE[1]},
        },
        {"op": "close_site", "site_id": "pg-pole-chatillon"},
    ]
    after = audit_variant(snapshot, cells, engine, changes=changes)
    diff = compare(baseline, after)
    gained = (~baseline.within) & after.within
    lost = baseline.within & ~after.within
    assert (
        diff["population_gained"] == pytest.approx(cells.population[gained].sum())
        and diff["population_gained"] > 20_000
    )
    assert diff["population_lost"] == pytest.approx(cells.population[lost].sum()) and diff["population_lost"] > 0
    assert diff["population_within_delta"] == pytest.approx(diff["population_gained"] - diff["population_lost"])
    by_code = {r["code"]: r for r in diff["communes"]}
    for code in set(cells.commune_code[gained | lost]):
        mask = cells.commune_code == code
        assert by_code[code]["population_gained"] == pytest.approx(cells.population[mask & gained].sum(), abs=0.1)
        assert by_code[code]["population_lost"] == pytest.approx(cells.population[mask & lost].sum(), abs=0.1)
    boulogne = by_code["92012"]
    assert boulogne["worst_minutes_antenne_scenario"] < boulogne["worst_minutes_antenne_baseline"]
    assert sum(r["population_gained"] for r in diff["sectors"]) == pytest.approx(diff["population_gained"], abs=1)
    assert diff["sites_removed"] == ["pg-pole-chatillon"] and diff["sites_added"] == ["n1"]


def test_opening_hours_as_time(crowfly_world) -> None:
    snapshot, cells, engine, baseline = crowfly_world
    assert parse_when("Tu 10:00", TUESDAY_10H.date()) == TUESDAY_10H
    assert parse_when("mardi 10h00", TUESDAY_10H.date()) == TUESDAY_10H
    with pytest.raises(ValueError, match="moment invalide"):
        parse_when("Tuesday morning")
    sunday, counts = snapshot_at(snapshot, datetime(2026, 11, 29, 10, 0))
    ids = set(sunday.sites["id"])
    assert "pg-pole-chatillon" not in ids and not any(i.startswith("fs-") for i in ids)  # closed on Sunday
    # the Issy pôle's hours are known since seed 002 (Mo-Fr 08:30-17:30): closed on Sunday
    assert "pg-pole-issy" not in ids
    assert "pg-pole-vanves" in ids and counts["unknown_hours"] > 50  # unknown hours: counted open (stated)
    strict, _ = snapshot_at(snapshot, TUESDAY_10H, unknown="closed")
    assert set(strict.sites["id"]) <= {
        i for i, h in zip(snapshot.sites["id"], snapshot.sites["opening_hours"], strict=True) if h
    }
    at_sunday = audit_variant(snapshot, cells, engine, when=datetime(2026, 11, 29, 10, 0))
    at_tuesday = audit_variant(snapshot, cells, engine, when=TUESDAY_10H)
    assert (
        at_sunday.total["population_within"]
        < at_tuesday.total["population_within"]
        <= baseline.total["population_within"]
    )
    assert any("Moment" in n for n in at_sunday.notes)


def test_mobile_stop_counts_only_while_served(crowfly_world) -> None:
    snapshot, cells, engine, baseline = crowfly_world
    stop = {
        "op": "add_mobile_stop",
        "site_id": "bus-1",
        "payload": {
            "unit": "Bus",
            "name": "Boulogne",
            "lon": BOULOGNE[0],
            "lat": BOULOGNE[1],
            "opening_hours": "Tu 09:00-12:00",
        },
    }
    served = audit_variant(snapshot, cells, engine, changes=[stop], when=TUESDAY_10H)
    not_served = audit_variant(snapshot, cells, engine, changes=[stop], when=datetime(2026, 11, 24, 15, 0))
    timeless = audit_variant(snapshot, cells, engine, changes=[stop])
    reference = audit_variant(snapshot, cells, engine, when=TUESDAY_10H)
    assert served.total["population_within"] - reference.total["population_within"] > 20_000
    assert timeless.total["population_within"] == pytest.approx(baseline.total["population_within"])
    afternoon = audit_variant(snapshot, cells, engine, when=datetime(2026, 11, 24, 15, 0))
    assert not_served.total["population_within"] == pytest.approx(afternoon.total["population_within"])
    assert "bus-1" in served.destinations[ANTENNE_CLASS].site_ids


def test_cli_scenario_round_trip(cli_home: Path) -> None:
    assert runner.invoke(app, ["scenario", "create", "essai", "--description", "test"]).exit_code == 0
    steps = [
        [
            "scenario",
            "add-site",
            "essai",
            "--name",
            "Antenne Boulogne",
            "--lon",
            "2.2399",
            "--lat",
            "48.8352",
            "--services",
            "acces_aux_droits,rsa_insertion",
            "--hours",
            "Mo-Fr 09:00-17:00",
        ],
        ["scenario", "move-site", "essai", "pg-pole-vanves", "--lon", "2.25", "--lat", "48.82"],
        ["scenario", "close-site", "essai", "mama-21"],
        ["scenario", "set-hours", "essai", "pg-pole-issy", "Mo-Fr 08:30-17:30"],
        [
            "scenario",
            "add-mobile-unit",
            "essai",
            "--unit",
            "Bus",
            "--stop",
            "Place A|2.23|48.84|Tu 09:00-12:00",
            "--stop",
            "Place B|2.21|48.87|Th 14:00-17:00",
        ],
        ["scenario", "assign-sector", "essai", "92012", "sst-b", "--sector-name", "SST Boulogne"],
        ["scenario", "move-site", "essai", "scenario-1-1", "--lon", "2.24", "--lat", "48.836"],  # the site added above
    ]
    for args in steps:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    shown = runner.invoke(app, ["scenario", "show", "essai", "--format", "json"])
    original = json.loads(shown.stdout)
    assert [c["op"] for c in original["changes"]] == [
        "add_site",
        "move_site",
        "close_site",
        "set_hours",
        "add_mobile_stop",
        "add_mobile_stop",
        "assign_sector",
        "move_site",
    ]
    table = runner.invoke(app, ["scenario", "show", "essai"], terminal_width=160)
    assert "Antenne Boulogne" in table.output and "Bus — Place A" in table.output
    for fmt in ("json", "csv"):
        out = cli_home / f"essai.{fmt}"
        assert runner.invoke(app, ["scenario", "export", "essai", "--format", fmt, "-o", str(out)]).exit_code == 0
        result = runner.invoke(app, ["scenario", "import", str(out), "--name", f"copie-{fmt}"])
        assert result.exit_code == 0, result.output
        copy = json.loads(runner.invoke(app, ["scenario", "show", f"copie-{fmt}", "--format", "json"]).stdout)
        assert _without_ids(copy["changes"]) == _without_ids(original["changes"])
        moved = copy["changes"][-1]["site_id"]
        assert moved == copy_added_id(copy) != "scenario-1-1"  # the later move follows the re-numbered site
    audit = runner.invoke(app, ["audit", "--scenario", "essai", "--format", "json", "--no-cells"])
    assert audit.exit_code == 0, audit.output
    doc = json.loads(audit.stdout)
    assert any("Scénario « essai »" in n for n in doc["maillage"]["notes"])
    assert any(r["code"] == "sst-b" for r in doc["sectors"])
    assert runner.invoke(app, ["scenario", "delete", "copie-csv"]).exit_code == 0
    missing = runner.invoke(app, ["scenario", "show", "copie-csv"])
    assert missing.exit_code == 1 and "introuvable" in missing.output
    with Session(api.open_registry()) as session:
        actions = {r.action for r in session.scalars(select(WriteLog)).all()}
    assert {"scenario_create", "scenario_add_site", "scenario_add_mobile_stop", "scenario_delete"} <= actions


def _without_ids(changes: list[dict]) -> list[tuple]:
    return [(c["op"], json.dumps(c["payload"], sort_keys=True)) for c in changes]


def copy_added_id(scenario: dict) -> str:
    return next(c["site_id"] for c in scenario["changes"] if c["op"] == "add_site")


def test_cli_refuses_bad_edits_and_imports(cli_home: Path) -> None:
    assert runner.invoke(app, ["scenario", "create", "b"]).exit_code == 0
    dup = runner.invoke(app, ["scenario", "create", "b"])
    assert dup.exit_code == 1 and "déjà" in dup.output
    bad = runner.invoke(app, ["scenario", "close-site", "b", "does-not-exist"])
    assert bad.exit_code == 1 and "does-not-exist" in bad.output
    stop = runner.invoke(app, ["scenario", "add-mobile-unit", "b", "--unit", "U", "--stop", "sans horaires|2.2|48.8"])
    assert stop.exit_code == 1 and "nom|lon|lat|horaires" in stop.output
    broken = cli_home / "broken.csv"
    broken.write_text("op,site_id,lon,lat\nclose_site,mama-21,,\nmove_site,mama-22,abc,48.8\n", encoding="utf-8")
    result = runner.invoke(app, ["scenario", "import", str(broken)])
    assert result.exit_code == 1 and "broken.csv:3" in result.output and "coordonnées invalides" in result.output
    assert runner.invoke(app, ["scenario", "show", "broken"]).exit_code == 1  # nothing stored


def test_audit_when_and_week(cli_home: Path) -> None:
    result = runner.invoke(app, ["audit", "--when", "Su 10:00", "--week", "--format", "json", "--no-cells"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    week = {r["slot"]: r for r in doc["week"]}
    assert week["Fr 18:30"]["open"] == 0 and week["Tu 09:00"]["open"] > 0
    assert week["Fr 18:30"]["share_within"] < week["Tu 09:00"]["share_within"]
    assert doc["total"]["share_within"] == pytest.approx(week["Fr 18:30"]["share_within"], abs=0.02)
    bad = runner.invoke(app, ["audit", "--when", "demain"])
    assert bad.exit_code == 1 and "moment invalide" in bad.output
    # a moment must not read like today's registry: the headline says it first
    table = runner.invoke(app, ["audit", "--when", "Su 10:00", "--no-cells"], env={"COLUMNS": "200"})
    assert "Dimanche 10:00 : " in table.output and "— dimanche 10:00" in table.output
    html = cli_home / "week.html"
    result = runner.invoke(app, ["audit", "--week", "--html", str(html)])
    assert result.exit_code == 0, result.output
    page = html.read_text(encoding="utf-8")
    assert "Au fil de la semaine" in page and "vendredi 18:30" in page and "Si inconnus fermés" in page
    assert "n'est pas l'existant" not in page  # the registry as it is
    moment = cli_home / "moment.html"
    assert runner.invoke(app, ["audit", "--when", "Tu 09:00", "--html", str(moment)]).exit_code == 0
    assert "Ce rapport n'est pas l'existant : mardi 09:00." in moment.read_text(encoding="utf-8")


def test_week_slot_figures_equal_single_audits(crowfly_world) -> None:
    from maillage.planning.timeaware import week_coverage

    snapshot, cells, engine, _ = crowfly_world
    rows = week_coverage(snapshot, cells, engine, slots=("Tu 09:00", "Sa 10:00"), week_of=TUESDAY_10H.date())
    for row in rows:
        single = audit_variant(snapshot, cells, engine, when=datetime.fromisoformat(row["when"]))
        assert row["population_within"] == pytest.approx(single.total["population_within"])
    assert np.isfinite([r["share_within"] for r in rows]).all()
    # the other bound: sites of unknown hours closed, equal to the audit that counts them closed
    for row in rows:
        assert row["unknown_hours"] > 0 and row["share_within_unknown_closed"] <= row["share_within"]
        closed = audit_variant(snapshot, cells, engine, when=datetime.fromisoformat(row["when"]), unknown="closed")
        assert row["population_within_unknown_closed"] == pytest.approx(closed.total["population_within"])
    pessimist = week_coverage(snapshot, cells, engine, slots=("Tu 09:00",), week_of=TUESDAY_10H.date(),
                              unknown="closed")  # fmt: skip
    assert "share_within_unknown_closed" not in pessimist[0]
    assert pessimist[0]["share_within"] == pytest.approx(rows[0]["share_within_unknown_closed"])
