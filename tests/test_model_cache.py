"""The census × buildings cells cache: same key → same cells without rebuilding; a changed input → rebuilt."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from maillage.population.cells import Cells
from maillage.population.model_cache import cached_cells, model_key


def _cells(scale: float = 1.0) -> Cells:
    return Cells(
        xy_m=np.array([[650_100.0, 6_860_100.0], [650_300.0, 6_860_100.0]]),
        population=np.array([120.5, 79.5]) * scale,
        commune_code=np.array(["92007", "92007"], dtype=object),
        sector_id=np.array(["s1", "s1"], dtype=object),
        cell_size_m=200.0,
        model="census-buildings",
        source="test",
        children=np.array([20.0, 10.0]),
        seniors=np.array([15.0, 5.0]),
    )


def _communes(population: float) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"population": [population]}, geometry=[shapely.box(650_000, 6_860_000, 650_400,
                            6_860_200)], index=["92007"])  # fmt: skip


def test_same_key_loads_without_rebuilding(tmp_path: Path) -> None:
    census = tmp_path / "census.csv"
    census.write_text("grid_id,T\nA,200\n", encoding="utf-8")
    calls = []

    def build():
        calls.append(1)
        return _cells(), {"moved_empty": 12.0, "moved_nonres": 3.0}

    key = model_key(_communes(200), {"92007": "s1"}, census, "pbfsha", "rules", 200.0)
    first, totals = cached_cells(key, build, tmp_path)
    again, totals_again = cached_cells(key, build, tmp_path)
    assert len(calls) == 1 and totals_again == totals == {"moved_empty": 12.0, "moved_nonres": 3.0}
    np.testing.assert_array_equal(again.population, first.population)
    np.testing.assert_array_equal(again.seniors, [15.0, 5.0])
    assert list(again.commune_code) == ["92007", "92007"] and again.model == "census-buildings"
    # any input changes the key: population, sectors, census bytes, extract, cell size
    keys = {
        key,
        model_key(_communes(201), {"92007": "s1"}, census, "pbfsha", "rules", 200.0),
        model_key(_communes(200), {"92007": "s2"}, census, "pbfsha", "rules", 200.0),
        model_key(_communes(200), {"92007": "s1"}, census, "other", "rules", 200.0),
        model_key(_communes(200), {"92007": "s1"}, census, "pbfsha", "rules", 100.0),
    }
    census.write_text("grid_id,T\nA,201\n", encoding="utf-8")
    keys.add(model_key(_communes(200), {"92007": "s1"}, census, "pbfsha", "rules", 200.0))
    assert len(keys) == 6


def test_truncated_cache_is_rebuilt(tmp_path: Path) -> None:
    census = tmp_path / "census.csv"
    census.write_text("grid_id,T\nA,200\n", encoding="utf-8")
    key = model_key(_communes(200), {}, census, "sha", "rules", 200.0)
    (tmp_path / f"census-cells-{key}.npz").write_bytes(b"PK\x03\x04 cut")
    cells, _ = cached_cells(key, lambda: (_cells(2.0), {"moved_empty": 0.0, "moved_nonres": 0.0}), tmp_path)
    np.testing.assert_array_equal(cells.population, [241.0, 159.0])
