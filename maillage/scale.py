"""Many territories at once: the same audit per data folder, mapped on Dask, gathered as Parquet.

One département runs in seconds in process (:func:`maillage.api.audit`). All of France is the same
function applied to ~100 data folders (one per département, each in the documented layout) on a
``dask.distributed`` cluster: a local one by default (one single-threaded worker process per
core), or a real one given by its scheduler address. Nothing here computes travel times: each task
loads its folder into a private SQLite registry and calls the library's audit, so the figures are
exactly those of ``maillage audit`` on that folder.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from maillage import api
from maillage.i18n import _
from maillage.population.cells import DEFAULT_CELL_SIZE_M

TERRITORY_COLUMN = "territory"
CONNECT_TIMEOUT_S = 10.0  # a scheduler that answers at all answers a TCP connect well within this


class ClusterUnavailable(RuntimeError):
    """The scheduler address given cannot be reached (message in French, for the command line)."""


@dataclass(frozen=True)
class TerritoryAudit:
    """The per-commune rows of one territory's audit and how long it took (seconds)."""

    territory: str
    communes: pd.DataFrame
    total: dict[str, float]
    seconds: float


def audit_territory(
    data: str | Path, mode: str | None = None, cell_size_m: float = DEFAULT_CELL_SIZE_M
) -> TerritoryAudit:
    """Load ``data`` into a throw-away SQLite registry and audit it (runs on a Dask worker)."""
    started = time.perf_counter()
    folder = Path(data)
    with tempfile.TemporaryDirectory(prefix="maillage-scale-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'registry.sqlite'}"
        api.init_registry(folder, url)
        # per-commune rows only: the sites' weighing is not gathered
        result = api.audit(data=folder, url=url, mode=mode, cell_size_m=cell_size_m, weigh_sites=False)
    communes = result.by_commune.copy()
    communes.insert(0, TERRITORY_COLUMN, folder.name)
    total = {k: float(v) for k, v in result.total.items() if isinstance(v, int | float)}
    return TerritoryAudit(folder.name, communes, total, time.perf_counter() - started)


def _work_estimate(folder: Path) -> int:
    """Bytes of the inputs a territory's audit reads: a cheap stand-in for its duration."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _connect(scheduler: str, timeout_s: float):  # -> distributed.Client
    from dask.distributed import Client

    try:
        return Client(scheduler, timeout=timeout_s)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterUnavailable(
            _("ordonnanceur Dask injoignable à {scheduler} ({error}) : vérifiez l'adresse (tcp://hôte:port) et que "
              "« dask scheduler » tourne").format(scheduler=scheduler, error=type(exc).__name__)
        ) from None


def audit_many(
    folders: Sequence[str | Path],
    *,
    mode: str | None = None,
    cell_size_m: float = DEFAULT_CELL_SIZE_M,
    scheduler: str | None = None,
    n_workers: int | None = None,
    processes: bool = True,
    connect_timeout_s: float | None = None,
    on_done: Callable[[TerritoryAudit], None] | None = None,
) -> list[TerritoryAudit]:
    """Audit every data folder on a Dask cluster; results in the order of ``folders``.

    ``scheduler``: address of a running ``dask.distributed`` scheduler (``tcp://host:8786``);
    without it a local cluster of ``n_workers`` single-threaded processes (default: one per core)
    is started and closed. ``on_done`` is called as each territory finishes (progress bars).
    Names must be distinct: two folders with the same name would give rows that cannot be told apart.

    Workers receive paths, not data: each reads its folder itself (and the street graph from the
    disk cache, ``$MAILLAGE_CACHE``), so the folders must be at the same absolute path on every
    machine of a real cluster.
    """
    from dask.distributed import Client, LocalCluster, as_completed

    # Absolute: a worker started elsewhere (``dask worker`` in another folder) resolves a relative path
    # against its own working directory.
    paths = [Path(f).resolve() for f in folders]
    names = [p.name for p in paths]
    if len(set(names)) != len(names):
        raise ValueError(_("les dossiers de données doivent avoir des noms distincts (lus : {names})").format(
            names=", ".join(map(str, names))))
    # Largest first: with a few uneven territories per worker, the big one started last decides the
    # end time (longest-processing-time-first list scheduling).
    order = sorted(range(len(paths)), key=lambda i: -_work_estimate(paths[i]))
    if scheduler:
        client, cluster = _connect(scheduler, connect_timeout_s or CONNECT_TIMEOUT_S), None
    else:
        cluster = LocalCluster(
            n_workers=n_workers or os.cpu_count() or 1,
            threads_per_worker=1,  # numpy releases the GIL only in places: processes scale better
            processes=processes,
            dashboard_address=None,
        )
        client = Client(cluster)
    try:
        futures = {
            client.submit(audit_territory, str(paths[i]), mode, cell_size_m, pure=False, priority=-rank): i
            for rank, i in enumerate(order)
        }
        results: list[TerritoryAudit | None] = [None] * len(paths)
        for future in as_completed(futures):
            done = future.result()  # re-raises the task's error, naming the folder in its message
            results[futures[future]] = done
            if on_done:
                on_done(done)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return [r for r in results if r is not None]


def gather_communes(results: Sequence[TerritoryAudit]) -> pd.DataFrame:
    """All per-commune rows, one table (``territory`` first)."""
    return pd.concat([r.communes for r in results], ignore_index=True)


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write through a temporary file and rename, so a failed run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)


def _census_within(source: Path, features: list[dict], target: Path) -> None:
    """The rows of a census grid file (1 km squares, EPSG:3035 lower-left corners) whose square touches
    the communes: the census reader refuses a square outside the territory."""
    import geopandas as gpd
    import shapely

    from maillage.population.dasymetric import CENSUS_CRS, CENSUS_SQUARE_M

    table = pd.read_csv(source, dtype=str, keep_default_na=False)
    territory = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326").to_crs(CENSUS_CRS).union_all()
    x, y = table["x_ll_3035"].astype(float).to_numpy(), table["y_ll_3035"].astype(float).to_numpy()
    touching = shapely.intersects(shapely.box(x, y, x + CENSUS_SQUARE_M, y + CENSUS_SQUARE_M), territory)
    target.parent.mkdir(parents=True, exist_ok=True)
    table[touching].to_csv(target, index=False)


def _served_within(row: dict[str, str], names: set[str]) -> dict[str, str]:
    served = row.get("communes_served")
    if not served:
        return row
    kept = [n.strip() for n in served.split(";") if n.strip() in names]
    return {**row, "communes_served": "; ".join(kept)}


def split_by_communes(
    data: str | Path, groups: Mapping[str, Sequence[str]], out: Path, *, shared: Sequence[str] = ("census", "osm")
) -> list[Path]:
    """One data folder per group of commune codes, cut from ``data``: its communes, the sites whose
    ``insee_code`` is one of them, the census squares that touch them, and the OSM extract whole (a
    symlink: the audit clips it to the communes, and every territory shares one street-graph cache).
    A site's ``communes_served`` keeps the communes of its own territory only (a pôle that also serves
    a commune of another group). For benchmarks and tests of many territories; transit is left out."""
    source = Path(data)
    (communes_file,) = sorted((source / "communes").glob("communes-??.geojson"))
    collection = json.loads(communes_file.read_text(encoding="utf-8"))
    folders = []
    for name, codes in groups.items():
        wanted = set(codes)
        target = out / name
        (target / "communes").mkdir(parents=True)
        features = [f for f in collection["features"] if f["properties"]["code"] in wanted]
        names = {f["properties"]["nom"] for f in features}
        if len(features) != len(wanted):
            missing = sorted(wanted - {f["properties"]["code"] for f in features})
            raise ValueError(f"{name}: commune codes not in {communes_file}: {missing}")
        (target / "communes" / communes_file.name).write_text(json.dumps({**collection, "features": features}))
        (target / "sites").mkdir()
        for sites in sorted((source / "sites").glob("*.csv")):
            with sites.open(encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                rows = [_served_within(r, names) for r in reader if r.get("insee_code") in wanted]
                fields = reader.fieldnames or []
            if rows:
                with (target / "sites" / sites.name).open("w", encoding="utf-8", newline="") as handle:
                    writer = csv.DictWriter(handle, fieldnames=fields)
                    writer.writeheader()
                    writer.writerows(rows)
        if "census" in shared:
            for census in sorted((source / "census").glob("*.csv")):
                _census_within(census, features, target / "census" / census.name)
        if "osm" in shared:
            (target / "osm").symlink_to((source / "osm").resolve(), target_is_directory=True)
        folders.append(target)
    return folders
