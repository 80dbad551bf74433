"""Population cells from a model (commune population on a 200 m grid) or from a supplied grid.

Default model: each commune's population municipale is spread over a regular 200 m Lambert-93
grid (squares aligned on multiples of 200 m, as INSEE's carroyage) clipped to the commune polygon,
each piece weighted by its area. It assumes residents are spread evenly within a commune: parks,
the river and business districts get residents they do not have. Every output says so. A real grid
(INSEE Filosofi 200 m, or any file in the documented layout) replaces it without code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from maillage.geo import working_crs
from maillage.i18n import _

DEFAULT_CELL_SIZE_M = 200.0
GRID_POPULATION_COLUMNS = ("ind", "Ind", "population", "pop", "POP")
# INSEE Filosofi's sum of the residents' standards of living (euros a year), any case
INCOME_COLUMN = "ind_snv"


@dataclass(frozen=True)
class Cells:
    """Residents as weighted points (Lambert-93 metres)."""

    xy_m: np.ndarray
    population: np.ndarray
    commune_code: np.ndarray
    sector_id: np.ndarray
    cell_size_m: float
    model: str
    source: str
    # Residents under 15 and aged 65+ per cell, when the model knows the age bands (census models).
    children: np.ndarray | None = None
    seniors: np.ndarray | None = None
    # Mean standard of living per resident (euros a year), when a supplied grid carries INSEE
    # Filosofi's ``ind_snv`` (sum of standards of living) beside ``ind``; None otherwise.
    income_eur_per_capita: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.population)

    def squares(self) -> np.ndarray:
        """(n, 4) x0, y0, x1, y1 of each cell's grid square (for maps)."""
        half = self.cell_size_m / 2
        lower = np.floor(self.xy_m / self.cell_size_m) * self.cell_size_m
        centre = lower + half
        return np.column_stack([centre - half, centre + half])


def model_cells(
    communes: gpd.GeoDataFrame, sector_of_commune: dict[str, str], cell_size_m: float = DEFAULT_CELL_SIZE_M
) -> Cells:
    """Spread each commune's ``population`` over grid squares clipped to it, by area."""
    xy_parts, pop_parts, code_parts = [], [], []
    for code, row in communes.iterrows():
        polygon = row.geometry
        x0, y0, x1, y1 = polygon.bounds
        xs = np.arange(np.floor(x0 / cell_size_m) * cell_size_m, x1, cell_size_m)
        ys = np.arange(np.floor(y0 / cell_size_m) * cell_size_m, y1, cell_size_m)
        gx, gy = np.meshgrid(xs, ys)
        boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + cell_size_m, gy.ravel() + cell_size_m)
        shapely.prepare(polygon)
        boxes = boxes[shapely.intersects(polygon, boxes)]
        pieces = shapely.intersection(boxes, polygon)
        areas = shapely.area(pieces)
        keep = areas > 0
        pieces, areas = pieces[keep], areas[keep]
        points = shapely.point_on_surface(pieces)
        xy_parts.append(shapely.get_coordinates(points))
        pop_parts.append(row["population"] * areas / areas.sum())
        code_parts.append(np.full(len(areas), code, dtype=object))
    codes = np.concatenate(code_parts)
    return Cells(
        xy_m=np.vstack(xy_parts),
        population=np.concatenate(pop_parts),
        commune_code=codes,
        sector_id=np.array([sector_of_commune.get(c, "") for c in codes], dtype=object),
        cell_size_m=cell_size_m,
        model="grid-model",
        source=_("Modèle : population municipale de chaque commune répartie uniformément sur une grille de {size} m "
                 "(Lambert-93) découpée par la commune, au prorata de la surface (hypothèse : habitants non "
                 "observés).").format(size=f"{cell_size_m:.0f}"),
    )


class PopulationGridError(ValueError):
    pass


def grid_cells(
    path: Path, communes: gpd.GeoDataFrame, sector_of_commune: dict[str, str]
) -> tuple[Cells, dict[str, float]]:
    """Cells from a supplied grid file: polygons or points with a population column.

    Accepted: GeoPackage/GeoJSON/Parquet (any CRS) or CSV with ``x, y`` in Lambert-93 metres (or
    ``lon, lat``). The population column is the first of ``ind`` (INSEE Filosofi), ``population``,
    ``pop``. Each cell goes to the commune containing its centre; cells outside every commune are
    dropped and counted in the returned report.
    """
    frame = _read_grid(path)
    column = next((c for c in GRID_POPULATION_COLUMNS if c in frame.columns), None)
    if column is None:
        raise PopulationGridError(
            _("{file} : aucune colonne de population (attendu l'une de : {columns})").format(
                file=path.name, columns=", ".join(GRID_POPULATION_COLUMNS))
        )
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() | (values < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise PopulationGridError(_("{file}:{row}:{column} : un nombre d'habitants ≥ 0 est attendu").format(
            file=path.name, row=row, column=column))
    frame = frame.to_crs(working_crs())
    centres = frame.geometry.centroid if frame.geom_type.iloc[0] != "Point" else frame.geometry
    points = gpd.GeoDataFrame({"population": values.to_numpy()}, geometry=centres.to_numpy(), crs=working_crs())
    joined = gpd.sjoin(points, communes[["code", "geometry"]].reset_index(drop=True), predicate="within")
    joined = joined[~joined.index.duplicated()]
    size = float(np.sqrt(np.median(frame.geometry.area))) if frame.geom_type.iloc[0] != "Point" else 200.0
    codes = joined["code"].to_numpy(dtype=object)
    income = _income_per_capita(path, frame, values)
    cells = Cells(
        xy_m=shapely.get_coordinates(joined.geometry.to_numpy()),
        population=joined["population"].to_numpy(dtype=float),
        commune_code=codes,
        sector_id=np.array([sector_of_commune.get(c, "") for c in codes], dtype=object),
        cell_size_m=size,
        model="supplied-grid",
        source=_("Grille de population fournie : {file}").format(file=path.name),
        income_eur_per_capita=None if income is None else income[joined.index.to_numpy()],
    )
    report = {
        "cells_read": float(len(frame)),
        "cells_outside_communes": float(len(frame) - len(joined)),
        "population_outside_communes": float(values.sum() - joined["population"].sum()),
    }
    return cells, report


def _income_per_capita(path: Path, frame: pd.DataFrame, residents: pd.Series) -> np.ndarray | None:
    """``ind_snv`` / ``ind`` per cell (INSEE Filosofi: sum of standards of living over residents), if given.

    NaN where a cell has no residents; a value that is not a number ≥ 0 is one clear error.
    """
    column = next((c for c in frame.columns if str(c).lower() == INCOME_COLUMN), None)
    if column is None:
        return None
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() | (values < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise PopulationGridError(_("{file}:{row}:{column}: n'est pas une somme de niveaux de vie ≥ 0 (euros)").format(
            file=path.name, row=row, column=column))
    people = residents.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(people > 0, values.to_numpy(dtype=float) / people, np.nan)


def _read_grid(path: Path) -> gpd.GeoDataFrame:
    try:
        if path.suffix == ".csv":
            table = pd.read_csv(path)
            if {"x", "y"} <= set(table.columns):
                return gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(table.x, table.y), crs=working_crs())
            if {"lon", "lat"} <= set(table.columns):
                return gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(table.lon, table.lat), crs=4326)
            raise PopulationGridError(_("{file} : la grille CSV doit avoir les colonnes x, y (Lambert-93) ou lon, "
                                        "lat").format(file=path.name))
        frame = gpd.read_parquet(path) if path.suffix == ".parquet" else gpd.read_file(path)
    except PopulationGridError:
        raise
    except FileNotFoundError:
        raise PopulationGridError(_("grille de population introuvable : {file} (vérifiez le chemin donné à "
                                    "--population-grid)").format(file=path)) from None
    except Exception:
        raise PopulationGridError(_("{file} : grille de population illisible (attendu : CSV, Parquet, GeoPackage ou "
                                    "GeoJSON)").format(file=path.name)) from None
    if frame.crs is None:
        raise PopulationGridError(_("{file} : la grille ne dit pas son système de coordonnées (ajoutez-le, par exemple "
                                    "EPSG:2154)").format(file=path.name))
    return frame
