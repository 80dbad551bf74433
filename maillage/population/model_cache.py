"""Cache of the census × buildings cells, so that a warm audit does not rebuild the model.

The model spends seconds placing census squares on 400,000 buildings; its answer depends only on
the census file, the OSM extract, the communes (codes, populations, contours), their sectors and the
cell size. Those are hashed into the file name: any change to them, or to the model's rules, gives a
new key and the model is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np

from maillage.population.cells import Cells

MODEL_CACHE_VERSION = 1


def model_key(
    communes: gpd.GeoDataFrame,
    sector_of_commune: dict[str, str],
    census: Path,
    pbf_sha256: str,
    rules_key: str,
    cell_size_m: float,
) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([MODEL_CACHE_VERSION, pbf_sha256, rules_key, cell_size_m,
                              sorted(sector_of_commune.items())]).encode())  # fmt: skip
    digest.update(Path(census).read_bytes())
    for code, row in communes.sort_index().iterrows():
        digest.update(f"{code}:{float(row['population']):.6f}:".encode())
        digest.update(row.geometry.wkb)
    return digest.hexdigest()[:24]


def cached_cells(
    key: str, build: Callable[[], tuple[Cells, dict[str, float]]], cache_dir: Path | None = None
) -> tuple[Cells, dict[str, float]]:
    """The cells and totals stored under ``key``, else ``build()``'s, stored for next time."""
    from maillage.network.osm_graph import cache_dir_default  # the one $MAILLAGE_CACHE rule

    path = (cache_dir or cache_dir_default()) / f"census-cells-{key}.npz"
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                cells = Cells(
                    xy_m=data["xy_m"], population=data["population"], commune_code=data["commune_code"].astype(object),
                    sector_id=data["sector_id"].astype(object), cell_size_m=meta["cell_size_m"], model=meta["model"],
                    source=meta["source"], children=data["children"], seniors=data["seniors"],
                )  # fmt: skip
                return cells, meta["totals"]
        except Exception:  # a truncated or older cache: rebuild rather than fail
            pass
    cells, totals = build()
    meta = {"cell_size_m": cells.cell_size_m, "model": cells.model, "source": cells.source, "totals": totals}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(partial, xy_m=cells.xy_m, population=cells.population,
             commune_code=np.asarray(cells.commune_code, dtype=str), sector_id=np.asarray(cells.sector_id, dtype=str),
             children=cells.children, seniors=cells.seniors, meta=np.asarray(json.dumps(meta)))  # fmt: skip
    os.replace(partial, path)  # atomic: a reader never sees a half-written cache
    return cells, totals
