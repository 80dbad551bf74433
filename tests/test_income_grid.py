"""A supplied Filosofi-style grid with ``ind_snv``: income per capita, concentration index, quintiles.

The points are cell centres of the uniform model of the real 92 (so each falls in a commune); the
residents and incomes are made up for the test, not data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from maillage.audit.equity import concentration_index
from maillage.audit.guarantee import run_audit
from maillage.audit.publics import income_quintiles
from maillage.population.cells import PopulationGridError, grid_cells


def test_quintiles_by_hand() -> None:
    # 10 residents in 5 cells of 2, incomes out of order: each cell is one quintile
    income = np.array([300.0, 100.0, 500.0, 200.0, 400.0])
    assert income_quintiles(income, np.full(5, 2.0)).tolist() == [3, 1, 5, 2, 4]
    # one cell of 8 residents (middle at 40 % → quintile 3) and one of 2 at the top (90 % → 5)
    assert income_quintiles(np.array([10.0, 20.0]), np.array([8.0, 2.0])).tolist() == [3, 5]


@pytest.fixture
def income_grid(crowfly_world, tmp_path: Path) -> Path:
    _, cells, _, _ = crowfly_world
    rng = np.random.default_rng(3)
    pick = rng.choice(len(cells), 60, replace=False)
    ind = rng.integers(5, 200, 60)
    frame = pd.DataFrame({"x": cells.xy_m[pick, 0], "y": cells.xy_m[pick, 1], "ind": ind,
                          "ind_snv": ind * rng.uniform(12_000, 40_000, 60)})  # fmt: skip
    path = tmp_path / "filosofi.csv"
    frame.to_csv(path, index=False)
    return path


def test_income_grid_gives_the_concentration_index(crowfly_world, income_grid: Path) -> None:
    snapshot, _, engine, _ = crowfly_world
    cells, _ = grid_cells(income_grid, snapshot.communes, snapshot.sector_of_commune)
    table = pd.read_csv(income_grid)
    assert len(cells) == 60
    np.testing.assert_allclose(np.sort(cells.income_eur_per_capita), np.sort(table.ind_snv / table.ind))
    result = run_audit(snapshot, cells, engine, sources=[])
    figures = result.equity["antenne_or_pole"].total
    expected = concentration_index(result.minutes("antenne_or_pole"), cells.population, cells.income_eur_per_capita)
    assert figures.concentration_index == pytest.approx(expected) and np.isfinite(expected)
    quintiles = result.publics.by_income_quintile
    assert [q["quintile"] for q in quintiles] == [1, 2, 3, 4, 5]
    assert sum(q["population"] for q in quintiles) == pytest.approx(cells.population.sum())


def test_a_bad_income_is_one_clear_line(crowfly_world, income_grid: Path) -> None:
    snapshot, _, _, _ = crowfly_world
    table = pd.read_csv(income_grid)
    table["ind_snv"] = table["ind_snv"].astype(object)
    table.loc[4, "ind_snv"] = "beaucoup"
    table.to_csv(income_grid, index=False)
    with pytest.raises(PopulationGridError, match=r"filosofi\.csv:6:ind_snv: n'est pas une somme"):
        grid_cells(income_grid, snapshot.communes, snapshot.sector_of_commune)
