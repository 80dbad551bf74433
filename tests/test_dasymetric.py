"""Census × buildings population model: a hand-made square with hand-computed residents, then the real 92.

Real data: the Eurostat census 2021 1 km squares and the buildings of the 2021 OSM extract
(``census/`` and ``osm/`` of the shared data folder).
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from typer.testing import CliRunner

from maillage import api
from maillage.cli import app
from maillage.geo import lonlat_to_l93, working_crs
from maillage.population.buildings import load_buildings
from maillage.population.cells import model_cells
from maillage.population.dasymetric import (
    MODEL_NAME,
    CensusError,
    building_weights,
    dasymetric_cells,
    moved_residents,
    read_census,
)
from maillage.registry.datafolder import discover
from maillage.registry.snapshot import load_snapshot
from tests.osm_builder import ORIGIN_LONLAT, write_pbf

CENSUS = "eurostat-census2021-1km-92.csv"
CENSUS_HEADER = "grid_id,x_ll_3035,y_ll_3035,share_of_cell_in_92,T,Y_LT15,Y_1564,Y_GE65"


# --- hand-made square ---------------------------------------------------------------------------


def _square_of_origin() -> tuple[int, int, float, float]:
    """Lower-left corner (EPSG:3035) of the 1 km square holding the builder's origin, and its offset in it."""
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True).transform(*ORIGIN_LONLAT)
    x_ll, y_ll = int(x // 1000 * 1000), int(y // 1000 * 1000)
    return x_ll, y_ll, x - x_ll, y - y_ll


def _rectangle(first_id: int, centre: tuple[float, float], width: float, height: float) -> dict[int, tuple]:
    cx, cy = centre
    corners = [(-width / 2, -height / 2), (width / 2, -height / 2), (width / 2, height / 2), (-width / 2, height / 2)]
    return {first_id + i: (cx + dx, cy + dy) for i, (dx, dy) in enumerate(corners)}


@pytest.fixture
def square(tmp_path: Path):
    """One census square (3,460 residents, 346 under 15, 692 aged 65+) holding four buildings:
    A 20×10 m, 2 levels, one address → floor 400 m²; B 10×10 m, no levels tag (3), no address →
    300 × 0.2 = 60; C 10×10 m inside a park → 0; D 20×20 m, 40 levels, one address → 16,000 m²
    capped at 3,000 per address. Weights 400 + 60 + 3,000 = 3,460: one resident per unit. The
    commune (the square's whole surroundings) has 1,730 INSEE residents: everything × 0.5.
    """
    x_ll, y_ll, dx, dy = _square_of_origin()
    centre = (500 - dx, 500 - dy)  # metres east/north of the origin (EPSG:3035 is turned ~5° here)
    at = {name: (centre[0] + ex, centre[1] + ny) for name, (ex, ny) in
          {"A": (-200, 0), "B": (200, 0), "C": (0, 200), "D": (0, -200)}.items()}  # fmt: skip
    shapes = {"A": (20, 10), "B": (10, 10), "C": (10, 10), "D": (20, 20), "park": (60, 60)}
    tags = {
        "A": {"building": "yes", "building:levels": "2"},
        "B": {"building": "yes"},
        "C": {"building": "yes"},
        "D": {"building": "yes", "building:levels": "40"},
        "park": {"leisure": "park"},
    }
    nodes: dict[int, tuple[float, float]] = {}
    ways = []
    for index, name in enumerate(["A", "B", "C", "D", "park"]):
        corners = _rectangle(10 * (index + 1), at["C" if name == "park" else name], *shapes[name])
        nodes.update(corners)
        ways.append(([*corners, next(iter(corners))], tags[name]))
    nodes[1], nodes[2] = at["A"], at["D"]
    node_tags = {1: {"addr:housenumber": "1"}, 2: {"addr:housenumber": "2"}}
    pbf = write_pbf(tmp_path / "square.osm.pbf", nodes, ways, node_tags)
    census = tmp_path / "census.csv"
    census.write_text(f"{CENSUS_HEADER}\nsq,{x_ll},{y_ll},1,3460,346,2422,692\n", encoding="utf-8")
    ox, oy = lonlat_to_l93(np.array([ORIGIN_LONLAT[0]]), np.array([ORIGIN_LONLAT[1]]))[0]  # commune: 3 km box
    communes = gpd.GeoDataFrame(
        {"code": ["99001"], "nom": ["Essai"], "population": [1730]},
        geometry=[shapely.box(ox - 1500, oy - 1500, ox + 1500, oy + 1500)],
        crs=working_crs(),
        index=pd.Index(["99001"], name="index"),
    )
    buildings = load_buildings(pbf, cache_dir=tmp_path / "cache")
    return communes, census, buildings, tmp_path


def _cell_of(cells, xy: np.ndarray) -> float:
    keys = np.floor(cells.xy_m / cells.cell_size_m)
    mask = (keys == np.floor(xy / cells.cell_size_m)).all(axis=1)
    return float(cells.population[mask].sum())


def test_hand_made_square_residents_on_buildings(square) -> None:
    communes, census, buildings, _ = square
    assert len(buildings.area_m2) == 4
    np.testing.assert_allclose(buildings.area_m2, [200, 100, 100, 400], rtol=1e-3)
    assert buildings.addresses.tolist() == [1, 0, 0, 1]
    assert buildings.landuse_class.tolist() == [0, 0, 2, 0]  # C stands in the park
    np.testing.assert_allclose(building_weights(buildings), [400, 60, 0, 3000], rtol=2e-3)
    result = dasymetric_cells(communes, {}, read_census(census, communes), buildings)
    np.testing.assert_allclose(result.building_residents, [200, 30, 0, 1500], rtol=2e-3)
    assert result.cells.population.sum() == pytest.approx(1730, rel=1e-12)
    for xy, expected in zip(buildings.xy_m, [200, 30, 0, 1500], strict=True):
        assert _cell_of(result.cells, xy) == pytest.approx(expected, rel=2e-3)
    # age bands follow the square's shares: 10 % under 15, 20 % aged 65+
    assert result.cells.children.sum() == pytest.approx(173, rel=1e-9)
    assert result.cells.seniors.sum() == pytest.approx(346, rel=1e-9)
    assert result.cells.model == MODEL_NAME and "OSM 2021" in result.cells.source
    # every other 200 m cell of the commune is empty
    assert (result.cells.population > 0).sum() == 3


def test_cache_gives_the_same_arrays(square) -> None:
    _, _, first, tmp_path = square
    again = load_buildings(tmp_path / "square.osm.pbf", cache_dir=tmp_path / "cache")
    assert again.metadata.get("from_cache") is True
    np.testing.assert_array_equal(again.xy_m, first.xy_m)
    np.testing.assert_array_equal(again.addresses, first.addresses)
    assert len(again.empty_areas) == 1 and again.empty_areas[0].area == pytest.approx(3600, rel=1e-3)


def test_census_missing_column_names_file_row_field(square) -> None:
    communes, census, _, _ = square
    census.write_text("grid_id,x_ll_3035,y_ll_3035,T,Y_LT15\nsq,1,2,3,4\n", encoding="utf-8")
    with pytest.raises(CensusError, match=r"^census.csv:1:Y_GE65 : colonne manquante"):
        read_census(census, communes)


def test_census_square_outside_the_territory(square) -> None:
    communes, census, _, _ = square
    text = census.read_text(encoding="utf-8").splitlines()
    census.write_text(f"{text[0]}\n{text[1]}\nfar,4000000,3000000,1,10,1,8,1\n", encoding="utf-8")
    with pytest.raises(CensusError, match=r"^census.csv:3:x_ll_3035/y_ll_3035 : le carreau far est hors du territoire"):
        read_census(census, communes)


def test_census_not_a_number(square) -> None:
    communes, census, _, _ = square
    census.write_text(census.read_text(encoding="utf-8").replace(",3460,", ",beaucoup,"), encoding="utf-8")
    with pytest.raises(CensusError, match=r"^census.csv:2:T : un nombre ≥ 0 est attendu, pas « beaucoup »"):
        read_census(census, communes)


# --- real 92 ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(registry_template: Path, shared_data: Path):
    snapshot = load_snapshot(api.open_registry(f"sqlite:///{registry_template}"))
    folder = discover(shared_data)
    buildings = load_buildings(folder.pbf_files[0])
    census = read_census(folder.census, snapshot.communes)
    result = dasymetric_cells(snapshot.communes, snapshot.sector_of_commune, census, buildings)
    return snapshot, folder, census, buildings, result


def test_every_commune_keeps_its_insee_population(world) -> None:
    snapshot, _, _, _, result = world
    per_commune = pd.Series(result.cells.population).groupby(result.cells.commune_code).sum()
    expected = snapshot.communes["population"].astype(float)
    np.testing.assert_allclose(per_commune.loc[expected.index], expected, rtol=1e-12)
    assert result.cells.population.sum() == pytest.approx(1_654_712, rel=1e-12)
    assert 0.1 < result.cells.children.sum() / 1_654_712 < 0.3
    assert 0.1 < result.cells.seniors.sum() / 1_654_712 < 0.25


def test_single_commune_squares_scale_the_census_count(world) -> None:
    """Where a square's weighted buildings all lie in one commune: residents = T × INSEE ÷ census of the commune.

    The commune's census count is computed here from the weights, independently of the model's loop.
    """
    snapshot, _, census, buildings, result = world
    weight = building_weights(buildings)
    frame = pd.DataFrame({"square": result.square_of_building, "commune": result.commune_of_building,
                          "weight": weight, "residents": result.building_residents})  # fmt: skip
    frame = frame[(frame.square >= 0) & (frame.weight > 0)]
    square_weight = frame.groupby("square")["weight"].sum()
    frame["census"] = census.residents[frame.square] * frame.weight / square_weight.loc[frame.square].to_numpy()
    census_of_commune = frame[frame.commune != ""].groupby("commune")["census"].sum()
    ratio = snapshot.communes["population"].astype(float) / census_of_commune
    communes_per_square = frame.groupby("square")["commune"].agg(lambda c: set(c))
    single = [s for s, c in communes_per_square.items() if len(c) == 1 and "" not in c]
    assert len(single) > 30  # 41 of the 222 squares on this data
    model = frame.groupby("square")["residents"].sum()
    for s in single:
        (code,) = communes_per_square[s]
        assert model[s] == pytest.approx(census.residents[s] * ratio[code], rel=1e-9), census.grid_id[s]


def test_parks_forests_and_water_hold_nobody(world) -> None:
    _, _, _, buildings, result = world
    assert result.building_residents[buildings.landuse_class == 2].sum() == 0
    # 200 m squares entirely inside parks, forests or water (Meudon, Saint-Cloud, the Seine)
    half = result.cells.cell_size_m / 2
    lower = np.floor(result.cells.xy_m / result.cells.cell_size_m) * result.cells.cell_size_m
    boxes = shapely.box(lower[:, 0], lower[:, 1], lower[:, 0] + 2 * half, lower[:, 1] + 2 * half)
    tree = shapely.STRtree(buildings.empty_areas)
    covered = np.zeros(len(boxes))
    box_index, area_index = tree.query(boxes, predicate="intersects")
    np.add.at(
        covered, box_index, shapely.area(shapely.intersection(boxes[box_index], buildings.empty_areas[area_index]))
    )
    green = covered / shapely.area(boxes) > 0.999
    assert green.sum() > 100
    assert result.cells.population[green].sum() == 0


def _la_defense_box(pbf: Path) -> tuple[float, float, float, float]:
    """The box around the address points of La Défense's slab streets, from the extract, + 150 m."""
    streets = {"Le Parvis", "Place de la Défense", "Rond-Point de la Défense", "Esplanade du Général de Gaulle"}
    communes = ("Courbevoie", "Puteaux")
    lonlat = [(n.location.lon, n.location.lat) for n in osmium.FileProcessor(str(pbf), osmium.osm.NODE)
              if n.tags.get("addr:street") in streets and n.tags.get("addr:city") in communes]  # fmt: skip
    assert len(lonlat) >= 10
    xy = lonlat_to_l93(*np.array(lonlat).T)
    (x0, y0), (x1, y1) = xy.min(axis=0) - 150, xy.max(axis=0) + 150
    return x0, y0, x1, y1


def test_la_defense_holds_fewer_residents_than_the_uniform_spread(world) -> None:
    snapshot, folder, _, _, result = world
    x0, y0, x1, y1 = _la_defense_box(folder.pbf_files[0])
    uniform = model_cells(snapshot.communes, snapshot.sector_of_commune)

    def in_box(cells) -> float:
        x, y = cells.xy_m.T
        return float(cells.population[(x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)].sum())

    # measured: 8,486 (model) against 11,752 (uniform) on 0.85 km²
    assert in_box(result.cells) < 0.8 * in_box(uniform)


def test_moved_residents_per_commune(world) -> None:
    snapshot, _, _, buildings, result = world
    moved = moved_residents(snapshot.communes, result, buildings)
    assert len(moved) == 36 and (moved["model_empty"] == 0).all()
    assert moved.loc["92048", "name"] == "Meudon"
    # Meudon's forest and Saint-Cloud's park: thousands of residents the uniform spread put there
    assert moved.loc["92048", "moved_empty"] > 10_000 and moved.loc["92064", "moved_empty"] > 10_000
    # Gennevilliers' port and industry: the largest non-residential area of the 92
    assert moved["area_km2_nonres"].idxmax() == "92036" and moved.loc["92036", "moved_nonres"] > 10_000


def test_api_default_model_and_grid_precedence(world, tmp_path: Path) -> None:
    snapshot, folder, _, _, _ = world
    cells, notes = api.population_cells(snapshot, folder)
    assert cells.model == MODEL_NAME and "recensement 2021" in cells.source and "OSM 2021" in cells.source
    assert any("retire" in n and "parcs" in n for n in notes)
    grid = tmp_path / "grid.csv"
    antony = snapshot.communes.loc["92002"].geometry.representative_point()
    grid.write_text(f"x,y,ind\n{antony.x},{antony.y},100\n", encoding="utf-8")
    supplied, _ = api.population_cells(snapshot, dataclasses.replace(folder, population_grid=grid))
    assert supplied.model == "supplied-grid"
    uniform, _ = api.population_cells(snapshot, dataclasses.replace(folder, census=None))
    assert uniform.model == "grid-model"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace(",Y_GE65,", ",AGE_65,", 1), f"{CENSUS}:1:Y_GE65 : colonne manquante"),
        (lambda t: t.replace("N2875000E3755000,3755000,", "N2875000E3755000,4755000,", 1),
         f"{CENSUS}:2:x_ll_3035/y_ll_3035 : le carreau CRS3035RES1000mN2875000E3755000 est hors du territoire"),
    ],
)  # fmt: skip
def test_cli_bad_census_is_one_line_and_exit_1(cli_home: Path, shared_data: Path, monkeypatch, edit, expected) -> None:
    data = cli_home / "data"
    shutil.copytree(shared_data, data, ignore=shutil.ignore_patterns("transit"))
    path = data / "census" / CENSUS
    path.chmod(0o644)
    text = path.read_text(encoding="utf-8")
    path.write_text(edit(text), encoding="utf-8")
    assert path.read_text(encoding="utf-8") != text
    monkeypatch.setenv("MAILLAGE_DATA", str(data))
    registry = cli_home / "home" / "registry.sqlite"
    before = registry.read_bytes()
    result = CliRunner().invoke(app, ["audit", "--format", "json", "--no-cells"])
    assert result.exit_code == 1
    assert expected in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert registry.read_bytes() == before
