"""Benchmark: the census × buildings population model on the 92 (first read of the extract, cached runs).

Reports, in one run: the first read of buildings, land use and address points from the PBF
(pyosmium, into an empty cache folder), the cached load, the model itself (squares → buildings →
200 m cells, moved-residents report) against the uniform model, their ratio, and peak memory.
Writes bench/results/population.json.
Run: `.venv/bin/python bench/bench_population.py [--data ../shared/data]`.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from maillage import api
from maillage.population.buildings import load_buildings
from maillage.population.cells import model_cells
from maillage.population.dasymetric import dasymetric_cells, moved_residents, read_census
from maillage.registry.datafolder import discover
from maillage.registry.snapshot import load_snapshot

REPO = Path(__file__).resolve().parents[1]


def _timed(function):
    started = time.perf_counter()
    value = function()
    return value, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    args = parser.parse_args()
    folder = discover(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/registry.sqlite"
        api.init_registry(folder.root, url)
        snapshot = load_snapshot(api.open_registry(url))
        cache = Path(tmp) / "cache"
        _, cold_s = _timed(lambda: load_buildings(folder.pbf_files[0], cache_dir=cache))
        buildings, cached_s = _timed(lambda: load_buildings(folder.pbf_files[0], cache_dir=cache))
    census = read_census(folder.census, snapshot.communes)
    result, model_s = _timed(lambda: dasymetric_cells(snapshot.communes, snapshot.sector_of_commune, census, buildings))
    _, moved_s = _timed(lambda: moved_residents(snapshot.communes, result, buildings))
    _, uniform_s = _timed(lambda: model_cells(snapshot.communes, snapshot.sector_of_commune))
    figures = {
        "buildings": len(buildings.area_m2),
        "first_read_s": round(cold_s, 2),
        "cached_load_s": round(cached_s, 2),
        "model_s": round(model_s, 2),
        "moved_report_s": round(moved_s, 2),
        "uniform_model_s": round(uniform_s, 2),
        "model_over_uniform": round((cached_s + model_s + moved_s) / uniform_s, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    for name, value in figures.items():
        print(f"{name:>22}  {value}")
    out = REPO / "bench" / "results" / "population.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
