"""The capacitated proposals read the registry's capacities (the audit's rooms) when no --capacity is given."""

from __future__ import annotations

import numpy as np
import pytest

from maillage.audit.capacity import DEFAULT_CAPACITY_ROOMS
from maillage.planning import PlanRequest, plan
from maillage.planning.capacities import demand_and_capacity


def test_registry_capacities_are_the_audit_rooms_times_one_load(crowfly_world) -> None:
    snapshot, cells, _, baseline = crowfly_world
    existing = baseline.destinations["antenne_or_pole"]
    request = PlanRequest(method="capacitated-coverage")
    demand, capacity, summary, notes = demand_and_capacity(request, snapshot.sites, existing, 3, cells.population)
    kinds = snapshot.sites.set_index("id").loc[list(existing.site_ids), "kind"]
    rooms = np.array([12.0 if i == "pg-pole-issy" else DEFAULT_CAPACITY_ROOMS[k] for i, k in kinds.items()])
    rooms = np.r_[rooms, np.full(3, DEFAULT_CAPACITY_ROOMS["antenne"])]  # three new antennes
    load = cells.population.sum() / rooms[: len(existing)].sum()  # the département's residents per room
    assert capacity == pytest.approx(rooms * load)
    assert demand == pytest.approx(cells.population)  # residents, not users × use rate
    assert "bureaux d'entretien" in summary and any(n.startswith("Hypothèse : capacité par défaut") for n in notes)
    given = PlanRequest(method="capacitated-coverage", residents_per_room=1000.0, new_site_rooms=5)
    _, capacity, _, _ = demand_and_capacity(given, snapshot.sites, existing, 3, cells.population)
    assert capacity[-1] == 5000.0 and capacity[list(existing.site_ids).index("pg-pole-issy")] == 12_000.0


def test_capacitated_plan_on_registry_capacities_stays_within_them(crowfly_world) -> None:
    snapshot, cells, engine, baseline = crowfly_world
    request = PlanRequest(method="capacitated-coverage", residents_per_room=2000.0, proposals=1,
                          candidates=("centroids",))  # fmt: skip
    result = plan(snapshot, cells, engine, request=request, baseline=baseline)
    best = result["proposals"][0]
    existing = baseline.destinations["antenne_or_pole"]
    _, capacity, _, _ = demand_and_capacity(request, snapshot.sites, existing, 1, cells.population)
    assert 0 < best["population_served"] <= capacity.sum() + 1
    assert any(n.startswith("Capacités du registre") for n in result["notes"])
    value = best["value"]
    assert value["residents_newly_within"] == pytest.approx(best["population_gain"], abs=1.0)
    assert value["minutes_saved_resident_total"] > 0


def test_plan_carries_the_directors_table(crowfly_world) -> None:
    snapshot, cells, engine, baseline = crowfly_world
    result = plan(snapshot, cells, engine, request=PlanRequest(proposals=2, candidates=("centroids",)),
                  baseline=baseline)  # fmt: skip
    table = result["director_table"]
    assert [r["Site"].split(" : ")[0] for r in table[:2]] == ["Proposition n° 1", "Proposition n° 2"]
    assert table[0]["Habitants"].startswith("+") and "min pour" in table[0]["Détail"]
    closures = table[2:]
    lost = [int(r["Habitants"].lstrip("−").replace("\u202f", "")) for r in closures]
    assert lost == sorted(lost, reverse=True) and lost[0] > 0  # sites by residents lost, largest first


def test_capacitated_proposals_after_the_first_ignore_exclusions_outside_the_preselection(crowfly_world) -> None:
    """`plan --method capacitated-coverage` printed « erreur : negative axis 1 index: -1 »: the second proposal
    excludes every candidate near the first, some of them outside the pre-selected ones (index −1 in the model)."""
    snapshot, cells, engine, baseline = crowfly_world
    request = PlanRequest(method="capacitated-coverage", proposals=3, time_limit_s=20.0)
    result = plan(snapshot, cells, engine, request=request, baseline=baseline)
    assert len(result["proposals"]) >= 2
