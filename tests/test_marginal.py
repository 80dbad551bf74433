"""Marginal value of a site: by hand, against a full re-audit per closed site, and a proposal's gain."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from maillage import api
from maillage.audit.capacity import counted_sites
from maillage.audit.guarantee import run_audit
from maillage.audit.marginal import director_rows, proposal_value, qualifying_minutes, residents_lost
from maillage.audit.standard import ServiceStandard
from maillage.network.crowfly import CrowFlyEngine
from maillage.planning.matrix import TravelMatrix
from maillage.planning.site_value import attach_site_value
from maillage.population.cells import Cells, model_cells
from maillage.registry.snapshot import Snapshot, load_snapshot


@pytest.fixture(scope="module")
def snapshot(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    url = f"sqlite:///{tmp_path_factory.mktemp('marginal') / 'r.sqlite'}"
    api.init_registry(shared_data, url)
    return load_snapshot(api.open_registry(url))


def test_residents_lost_by_hand() -> None:
    standard = ServiceStandard()  # pôle 20 min, antenne 15 min
    qualify = qualifying_minutes(pd.Series(["pole_social", "pmi"]), standard)
    assert qualify.tolist() == [20.0, 15.0]
    # cell 0 (100 hab.): pôle at 18, PMI at 12 → two sites, closing either keeps it in
    # cell 1 (200 hab.): pôle at 19, PMI at 17 (too far) → the pôle alone
    # cell 2 (300 hab.): PMI at 14 only → the PMI alone
    # cell 3 (400 hab.): nothing within → outside already, nobody to lose
    pairs = [(0, 0, 18.0), (0, 1, 12.0), (1, 0, 19.0), (1, 1, 17.0), (2, 1, 14.0)]
    rows, cols, minutes = (np.array(v) for v in zip(*pairs, strict=True))
    matrix = TravelMatrix(rows, cols, minutes.astype(float), (4, 2), 20.0, "hand")
    within = np.array([True, True, True, False])
    lost, served, unexplained = residents_lost(matrix, np.array([100.0, 200.0, 300.0, 400.0]), within, qualify)
    assert lost.tolist() == [200.0, 300.0]  # pôle: cell 1 ; PMI: cell 2
    assert served.tolist() == [300.0, 400.0]  # pôle: cells 0 + 1 ; PMI: cells 0 + 2
    assert unexplained == 0


def _small_cells(snapshot: Snapshot) -> Cells:
    # 1 km squares over the real 92: a small instance (about 200 cells) a re-audit per site can afford
    return model_cells(snapshot.communes, snapshot.sector_of_commune, cell_size_m=1000.0)


def test_fast_marginal_value_equals_a_full_reaudit_per_closed_site(snapshot: Snapshot) -> None:
    cells, engine = _small_cells(snapshot), CrowFlyEngine("walk")
    base = run_audit(snapshot, cells, engine, sources=[])
    fast = attach_site_value(base, engine).marginal.sites.set_index("id")
    assert len(fast) == len(counted_sites(base.destinations)) > 50
    for site_id in fast.index:
        closed = dataclasses.replace(snapshot, sites=snapshot.sites[snapshot.sites["id"] != site_id])
        again = run_audit(closed, cells, engine, sources=[])
        brute = float(base.total["population_within"] - again.total["population_within"])
        assert fast.loc[site_id, "residents_lost"] == pytest.approx(brute, abs=1e-6), site_id
    assert fast["residents_lost"].max() > 0  # the instance has sites nobody else backs up


def test_proposal_value_against_a_reaudit_with_the_new_site(snapshot: Snapshot) -> None:
    cells, engine = _small_cells(snapshot), CrowFlyEngine("walk")
    base = run_audit(snapshot, cells, engine, sources=[])
    outside = np.flatnonzero(~base.within & (cells.population > 0))
    target = outside[np.argmax(cells.population[outside])]  # a new antenne on the most populated cell outside
    value = proposal_value(base, engine, cells.xy_m[target], is_pole=False)
    sites = snapshot.sites
    lon, lat = sites["lon"].iloc[0], sites["lat"].iloc[0]  # any point: x_m/y_m below are what the audit reads
    new = sites.iloc[[0]].assign(id="new", kind="antenne", x_m=cells.xy_m[target, 0], y_m=cells.xy_m[target, 1],
                                 lon=lon, lat=lat, duplicate_of=None)  # fmt: skip
    added = dataclasses.replace(snapshot, sites=pd.concat([sites, new], ignore_index=True))
    again = run_audit(added, cells, engine, sources=[])
    gain = float(again.total["population_within"] - base.total["population_within"])
    assert value["residents_newly_within"] == pytest.approx(gain, abs=0.1) and gain > 0
    before, after = base.minutes("antenne_or_pole"), again.minutes("antenne_or_pole")
    saved = np.where(np.isfinite(before), before - after, 0.0)
    assert value["minutes_saved_resident_total"] == pytest.approx(float(np.dot(cells.population, saved)), rel=1e-6)
    row = director_rows(None, [{"rank": 1, "new_sites": [{"name": "Antenne X", "commune": "Y"}], "value": value}])
    assert row[0]["Site"] == "Proposition n° 1 : Antenne X" and row[0]["Habitants"].startswith("+")


def test_same_place_twins_are_named_both_ways() -> None:
    from maillage.audit.marginal import _twins

    # A and B at one point (any order from the k-d tree), C 100 m away, D 1 km away
    xy = np.array([[0.0, 0.0], [0.0, 0.0], [100.0, 0.0], [1000.0, 0.0]])
    twins = _twins(np.array(["A", "B", "C", "D"], dtype=object), xy)
    assert twins[0] == "B" and twins[1] == "A" and twins[2] in {"A", "B"} and twins[3] is None
