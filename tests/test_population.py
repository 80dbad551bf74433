"""Population cells on the real 92 communes: model totals, locations, supplied grids."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from maillage import api
from maillage.population.cells import PopulationGridError, grid_cells, model_cells
from maillage.registry.snapshot import Snapshot, load_snapshot


@pytest.fixture(scope="module")
def snapshot(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    url = f"sqlite:///{tmp_path_factory.mktemp('pop') / 'r.sqlite'}"
    api.init_registry(shared_data, url)
    return load_snapshot(api.open_registry(url))


def test_model_keeps_every_commune_population_exactly(snapshot: Snapshot) -> None:
    cells = model_cells(snapshot.communes, snapshot.sector_of_commune)
    per_commune = pd.Series(cells.population).groupby(cells.commune_code).sum()
    expected = snapshot.communes.set_index("code")["population"].astype(float)
    np.testing.assert_allclose(per_commune.loc[expected.index], expected, rtol=1e-12)
    assert cells.population.sum() == pytest.approx(1_654_712)


def test_model_cells_lie_in_their_commune_on_a_200m_grid(snapshot: Snapshot) -> None:
    cells = model_cells(snapshot.communes, snapshot.sector_of_commune)
    polygons = snapshot.communes.geometry.loc[cells.commune_code].to_numpy()
    assert shapely.covers(polygons, shapely.points(cells.xy_m)).all()
    # 175.6 km² / 0.04 km² ≈ 4,390 whole squares, plus border pieces shared by two communes
    assert 4_390 < len(cells) < 7_000
    # a square fully inside a commune weighs population × 0.04 km² / commune area
    antony = snapshot.communes.loc["92002"]
    density = antony["population"] / antony.geometry.area
    weights = cells.population[cells.commune_code == "92002"]
    assert weights.max() == pytest.approx(density * 200 * 200, rel=1e-9)


def test_coarser_model_has_fewer_cells_same_total(snapshot: Snapshot) -> None:
    cells = model_cells(snapshot.communes, snapshot.sector_of_commune, cell_size_m=500)
    assert len(cells) < 1_500
    assert cells.population.sum() == pytest.approx(1_654_712)


def test_supplied_grid_replaces_the_model(snapshot: Snapshot, tmp_path: Path) -> None:
    model = model_cells(snapshot.communes, snapshot.sector_of_commune)
    grid = tmp_path / "grid.csv"
    outside = pd.DataFrame({"x": [0.0], "y": [0.0], "ind": [12.0]})  # a cell far outside the 92
    pd.concat([pd.DataFrame({"x": model.xy_m[:, 0], "y": model.xy_m[:, 1], "ind": model.population}), outside]).to_csv(
        grid, index=False
    )
    cells, report = grid_cells(grid, snapshot.communes, snapshot.sector_of_commune)
    assert cells.model == "supplied-grid"
    assert report["cells_outside_communes"] == 1 and report["population_outside_communes"] == 12
    assert cells.population.sum() == pytest.approx(1_654_712)
    assert (cells.commune_code == model.commune_code).all()


def test_supplied_grid_errors_name_file_row_and_field(snapshot: Snapshot, tmp_path: Path) -> None:
    grid = tmp_path / "grid.csv"
    grid.write_text("x,y,ind\n650000,6860000,10\n650200,6860000,-3\n", encoding="utf-8")
    with pytest.raises(PopulationGridError, match=r"grid.csv:3:ind : un nombre d'habitants ≥ 0 est attendu"):
        grid_cells(grid, snapshot.communes, snapshot.sector_of_commune)
    grid.write_text("x,y,habitants\n650000,6860000,10\n", encoding="utf-8")
    with pytest.raises(PopulationGridError, match="aucune colonne de population"):
        grid_cells(grid, snapshot.communes, snapshot.sector_of_commune)
