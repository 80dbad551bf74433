"""Census × buildings population model: each census square's residents on its buildings.

Model "census-buildings", from two sources: the Eurostat census 2021 1 km grid (residents and age
bands per square) and the building footprints of the OSM extract.

1. A building's weight is its floor area: footprint m² × ``building:levels`` where tagged, else
   :data:`DEFAULT_LEVELS` (the median of the tagged 92 buildings, 5, would overstate the
   suburban houses that carry no tag; 3 is a R+2 building).
2. This extract cannot tell homes from offices (no building types, landuse=residential over La
   Défense's towers too). Proxy: homes have a street address. A footprint with no address point
   within ``buildings.ADDRESS_NEAR_M`` is weighted by :data:`NO_ADDRESS_FACTOR`; a building whose centre
   lies in a non-residential area (commercial, industrial, retail, railway, school, hospital…) by
   :data:`NONRES_FACTOR`; one in a park, forest, water, cemetery or other empty area gets 0.
   Office towers carry an address too, so floor area beyond :data:`FLOOR_PER_ADDRESS_M2` per
   address point (at least one) is not counted: a Haussmann block (≈ 400 m² × 6 levels) keeps its
   floor area, a 40-storey tower with one door weighs as one such block. On La Défense's slab
   (the box around the address points of Le Parvis, Place and Rond-Point de la Défense and
   Esplanade du Général de Gaulle, + 150 m) the model puts 8,486 residents, uniform 11,752.
3. Each square's residents ``T`` go to its buildings in proportion to weight (buildings outside
   the territory included: they keep the part of the square that lies outside).
4. Buildings go to the commune holding their centre and to the 200 m cells of the uniform model;
   each commune is then scaled to INSEE's population (the census gives the shape inside the
   commune, INSEE the total). Under-15s and 65+ follow their square's shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from maillage.geo import working_crs
from maillage.i18n import _
from maillage.numbers import fr_number
from maillage.population.buildings import BuildingArrays
from maillage.population.cells import DEFAULT_CELL_SIZE_M, Cells, model_cells

MODEL_NAME = "census-buildings"
DEFAULT_LEVELS = 3.0
NO_ADDRESS_FACTOR = 0.2
FLOOR_PER_ADDRESS_M2 = 3000.0
NONRES_FACTOR = 0.1
CENSUS_SQUARE_M = 1000.0
CENSUS_COLUMNS = ("grid_id", "x_ll_3035", "y_ll_3035", "T", "Y_LT15", "Y_GE65")
CENSUS_CRS = "EPSG:3035"


class CensusError(ValueError):
    """The census grid file is unusable: message names file, row and field."""


@dataclass(frozen=True)
class CensusSquares:
    x_ll: np.ndarray  # EPSG:3035 metres
    y_ll: np.ndarray
    residents: np.ndarray
    under15: np.ndarray
    over65: np.ndarray
    grid_id: np.ndarray
    path: Path


@dataclass(frozen=True)
class DasymetricResult:
    cells: Cells
    square_of_building: np.ndarray  # -1 outside every square
    commune_of_building: np.ndarray  # "" outside every commune, or holding no resident
    building_residents: np.ndarray  # after the commune scaling
    commune_factor: dict[str, float]  # INSEE ÷ model residents before scaling
    squares_without_buildings: int


def read_census(path: Path, communes: gpd.GeoDataFrame) -> CensusSquares:
    """The census squares of ``path``; every square must touch the territory."""
    try:
        table = pd.read_csv(path, dtype={"grid_id": str})
    except FileNotFoundError:
        raise CensusError(_("fichier du recensement introuvable : {file}").format(file=path)) from None
    except Exception:
        raise CensusError(_("{file} : fichier CSV illisible").format(file=path.name)) from None
    missing = [c for c in CENSUS_COLUMNS if c not in table.columns]
    if missing:
        raise CensusError(_("{file}:1:{column} : colonne manquante (attendues : {columns})").format(
            file=path.name, column=missing[0], columns=", ".join(CENSUS_COLUMNS)))
    values = {}
    for column in CENSUS_COLUMNS[1:]:
        numbers = pd.to_numeric(table[column], errors="coerce")
        bad = numbers.isna() | (numbers < 0)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            raise CensusError(_("{file}:{row}:{column} : un nombre ≥ 0 est attendu, pas « {value} »").format(
                file=path.name, row=row, column=column, value=table[column].iloc[row - 2]))
        values[column] = numbers.to_numpy(dtype=float)
    x, y = values["x_ll_3035"], values["y_ll_3035"]
    to_work = Transformer.from_crs(CENSUS_CRS, working_crs(), always_xy=True)
    corners = [to_work.transform(x + dx, y + dy) for dx in (0, CENSUS_SQUARE_M) for dy in (0, CENSUS_SQUARE_M)]
    xs, ys = np.array([c[0] for c in corners]), np.array([c[1] for c in corners])
    boxes = shapely.box(xs.min(axis=0), ys.min(axis=0), xs.max(axis=0), ys.max(axis=0))
    territory = shapely.union_all(communes.geometry.to_numpy())
    outside = ~shapely.intersects(boxes, territory)
    if outside.any():
        row = int(np.flatnonzero(outside)[0])
        raise CensusError(_("{file}:{row}:x_ll_3035/y_ll_3035 : le carreau {square} est hors du territoire des "
                            "communes (retirez cette ligne ou vérifiez ses coordonnées)").format(
            file=path.name, row=row + 2, square=table["grid_id"].iloc[row]))
    return CensusSquares(x, y, values["T"], values["Y_LT15"], values["Y_GE65"],
                         table["grid_id"].to_numpy(dtype=object), path)  # fmt: skip


def building_weights(buildings: BuildingArrays) -> np.ndarray:
    """Floor area × the address and land use factors (see the module docstring)."""
    levels = np.where(np.isfinite(buildings.levels), buildings.levels, DEFAULT_LEVELS)
    floor_m2 = buildings.area_m2 * levels
    # A home has a street door: floor area beyond FLOOR_PER_ADDRESS_M2 per address point is not
    # counted (office towers carry one address for tens of thousands of m²).
    weight = np.minimum(floor_m2, FLOOR_PER_ADDRESS_M2 * np.maximum(buildings.addresses, 1))
    weight = np.where(buildings.addresses > 0, weight, weight * NO_ADDRESS_FACTOR)
    weight = np.where(buildings.landuse_class == 1, weight * NONRES_FACTOR, weight)
    return np.where(buildings.landuse_class == 2, 0.0, weight)


def dasymetric_cells(
    communes: gpd.GeoDataFrame,
    sector_of_commune: dict[str, str],
    census: CensusSquares,
    buildings: BuildingArrays,
    cell_size_m: float = DEFAULT_CELL_SIZE_M,
) -> DasymetricResult:
    """The census-buildings cells, each commune summing to its INSEE ``population``."""
    to_census = Transformer.from_crs(working_crs(), CENSUS_CRS, always_xy=True)
    bx, by = to_census.transform(buildings.xy_m[:, 0], buildings.xy_m[:, 1])
    key = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(census.x_ll, census.y_ll, strict=True))}
    ix = (np.floor(bx / CENSUS_SQUARE_M) * CENSUS_SQUARE_M).astype(np.int64)
    iy = (np.floor(by / CENSUS_SQUARE_M) * CENSUS_SQUARE_M).astype(np.int64)
    square = np.array([key.get((a, b), -1) for a, b in zip(ix.tolist(), iy.tolist(), strict=True)], dtype=np.int64)
    weight = np.where(square >= 0, building_weights(buildings), 0.0)
    square_weight = np.bincount(square[square >= 0], weights=weight[square >= 0], minlength=len(census.residents))
    share = np.zeros(len(weight))
    placed = square >= 0
    share[placed] = np.divide(weight[placed], square_weight[square[placed]],
                              out=np.zeros(placed.sum()), where=square_weight[square[placed]] > 0)  # fmt: skip
    safe = np.maximum(square, 0)
    residents = share * census.residents[safe]
    total = np.maximum(census.residents, 1e-12)
    children = residents * (census.under15 / total)[safe]
    seniors = residents * (census.over65 / total)[safe]

    codes = communes.index.to_numpy(dtype=object)
    # Only buildings holding residents need a commune (a third of the 412,000 of the 92 extract).
    holding = np.flatnonzero(residents > 0)
    inside, which = shapely.STRtree(communes.geometry.to_numpy()).query(
        shapely.points(buildings.xy_m[holding]), predicate="within"
    )
    commune = np.full(len(weight), "", dtype=object)
    commune[holding[inside]] = codes[which]

    uniform = model_cells(communes, sector_of_commune, cell_size_m)
    factor: dict[str, float] = {}
    scaled = np.zeros(len(weight))
    cell_pop = np.zeros(len(uniform))
    cell_children, cell_seniors = np.zeros(len(uniform)), np.zeros(len(uniform))
    cell_key = {
        (c, int(gx), int(gy)): i
        for i, (c, gx, gy) in enumerate(zip(uniform.commune_code, *np.floor(uniform.xy_m / cell_size_m).T, strict=True))
    }
    extra_xy, extra_code, extra_pop, extra_children, extra_seniors = [], [], [], [], []
    for code, population in communes["population"].items():
        members = np.flatnonzero(commune == code)
        model_total = residents[members].sum()
        if model_total <= 0:  # no weighted building: this commune keeps the uniform spread
            mask = uniform.commune_code == code
            cell_pop[mask] = uniform.population[mask]
            factor[code] = float("nan")
            continue
        k = float(population) / model_total
        factor[code] = k
        scaled[members] = residents[members] * k
        gx, gy = np.floor(buildings.xy_m[members] / cell_size_m).T
        targets = np.array([cell_key.get((code, int(a), int(b)), -1) for a, b in zip(gx, gy, strict=True)])
        hit = targets >= 0
        np.add.at(cell_pop, targets[hit], scaled[members][hit])
        np.add.at(cell_children, targets[hit], children[members][hit] * k)
        np.add.at(cell_seniors, targets[hit], seniors[members][hit] * k)
        for m in members[~hit]:  # centre on a sliver the uniform grid dropped: a cell of its own
            extra_xy.append(buildings.xy_m[m])
            extra_code.append(code)
            extra_pop.append(scaled[m])
            extra_children.append(children[m] * k)
            extra_seniors.append(seniors[m] * k)
    all_codes = np.concatenate([uniform.commune_code, np.array(extra_code, dtype=object)])
    cells = Cells(
        xy_m=np.vstack([uniform.xy_m, np.array(extra_xy).reshape(-1, 2)]),
        population=np.concatenate([cell_pop, extra_pop]),
        commune_code=all_codes,
        sector_id=np.array([sector_of_commune.get(c, "") for c in all_codes], dtype=object),
        cell_size_m=cell_size_m,
        model=MODEL_NAME,
        source=model_note(census.path.name, buildings.metadata.get("pbf_name", "OSM")),
        children=np.concatenate([cell_children, extra_children]),
        seniors=np.concatenate([cell_seniors, extra_seniors]),
    )
    empty_squares = int(((square_weight <= 0) & (census.residents > 0)).sum())
    return DasymetricResult(cells, square, commune, scaled, factor, empty_squares)


def model_note(census_name: str, pbf_name: str) -> str:
    cap = f"{FLOOR_PER_ADDRESS_M2:,.0f}".replace(",", "\u202f")
    # the model's code (MODEL_NAME) stays in the JSON's population_model: people read what it does
    return _("Modèle de population : habitants du recensement 2021 (Eurostat, carreaux de 1 km, {census}) répartis "
             "sur les bâtiments OSM 2021 ({pbf}) au prorata de la surface de plancher (plafonnée à {cap} m² par "
             "adresse ; bâtiments sans adresse ×{no_address}, en zone non résidentielle ×{nonres} ; parcs, forêts, "
             "eaux et cimetières vides), puis ramenés à la population INSEE de chaque commune.").format(
        census=census_name, pbf=pbf_name, cap=cap, no_address=fr_number(NO_ADDRESS_FACTOR),
        nonres=fr_number(NONRES_FACTOR))


def moved_residents(communes: gpd.GeoDataFrame, result: DasymetricResult, buildings: BuildingArrays) -> pd.DataFrame:
    """Per commune: residents the uniform spread puts in empty / non-residential areas, and this model.

    Uniform: the commune's density × the area of those land use areas inside it. Model: residents
    of the buildings whose centre lies in them. ``moved_*`` is the difference.
    """
    rows = []
    for kind, areas, land in (("empty", buildings.empty_areas, 2), ("nonres", buildings.nonres_areas, 1)):
        tree = shapely.STRtree(areas) if len(areas) else None
        for code, row in communes.iterrows():
            area_in = 0.0
            if tree is not None:
                hits = tree.query(row.geometry, predicate="intersects")
                area_in = float(shapely.area(shapely.intersection(areas[hits], row.geometry)).sum())
            uniform = row["population"] * area_in / row.geometry.area
            mask = (result.commune_of_building == code) & (buildings.landuse_class == land)
            rows.append((code, kind, area_in / 1e6, uniform, float(result.building_residents[mask].sum())))
    frame = pd.DataFrame(rows, columns=["code", "kind", "area_km2", "uniform", "model"])
    table = frame.pivot(index="code", columns="kind", values=["area_km2", "uniform", "model"])
    table.columns = [f"{a}_{b}" for a, b in table.columns]
    table["moved_empty"] = table["uniform_empty"] - table["model_empty"]
    table["moved_nonres"] = table["uniform_nonres"] - table["model_nonres"]
    names = next((communes[c] for c in ("name", "nom") if c in communes.columns), pd.Series(dtype=object))
    table.insert(0, "name", names.reindex(table.index).fillna(""))
    return table


