"""The data folder: one documented layout, official formats where they exist.

```
DATA/
  communes/communes-<dep>.geojson   commune contours + code, nom, population (required)
  sites/*.csv                       sites in the common column layout (required, ≥ 1 file)
  sites/sectors.csv                 optional SST sectors: sector_id, name, insee_code, source
  addresses/adresses-<dep>.csv[.gz] optional BAN address file (official format) for geocoding
  population/*.{gpkg,geojson,csv}   optional population grid (INSEE Filosofi 200 m or similar)
  census/*.csv                      optional census 1 km grid (Eurostat 2021 layout) for the
                                    census × buildings model, with the OSM extract
  osm/*.osm.pbf                     optional OpenStreetMap extract (street modes; geocoding when no BAN)
  transit/<feed>/ or transit/*.zip  optional GTFS feeds
```
The folder comes from ``--data`` or ``$MAILLAGE_DATA``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from maillage.i18n import _

COMMUNES_PATTERN = re.compile(r"^communes-(\d{2,3}|2[AB])\.geojson$")
SECTORS_FILE = "sectors.csv"


class DataFolderError(ValueError):
    """The data folder is missing or lacks a required file."""


@dataclass(frozen=True)
class DataFolder:
    root: Path
    communes: Path
    site_files: tuple[Path, ...]
    sectors: Path | None = None
    addresses: Path | None = None
    population_grid: Path | None = None
    pbf_files: tuple[Path, ...] = ()
    census: Path | None = None
    gtfs_feeds: tuple[Path, ...] = field(default=())

    @property
    def departement(self) -> str:
        match = COMMUNES_PATTERN.match(self.communes.name)
        return match.group(1) if match else "?"


def resolve_root(path: str | Path | None) -> Path:
    """``path`` if given, else ``$MAILLAGE_DATA``; raises DataFolderError if neither exists."""
    raw = path if path is not None else os.environ.get("MAILLAGE_DATA")
    if raw is None:
        raise DataFolderError(_("aucun dossier de données : donnez --data DOSSIER ou définissez MAILLAGE_DATA"))
    root = Path(raw).expanduser().resolve()
    if not root.is_dir():
        raise DataFolderError(_("le dossier de données {root} n'existe pas").format(root=root))
    return root


def discover(path: str | Path | None = None) -> DataFolder:
    """Find the files of the documented layout under the data folder."""
    root = resolve_root(path)
    communes = sorted(p for p in (root / "communes").glob("*.geojson") if COMMUNES_PATTERN.match(p.name))
    if not communes:
        raise DataFolderError(_("{root}/communes/ : aucun fichier communes-<dep>.geojson").format(root=root))
    if len(communes) > 1:
        names = ", ".join(p.name for p in communes)
        raise DataFolderError(
            _("{root}/communes/ : plusieurs départements ({names}) ; un seul par dossier").format(
                root=root, names=names))
    sites_dir = root / "sites"
    site_files = tuple(sorted(p for p in sites_dir.glob("*.csv") if p.name != SECTORS_FILE))
    if not site_files:
        raise DataFolderError(_("{sites_dir}/ : aucun fichier CSV de sites").format(sites_dir=sites_dir))
    sectors = sites_dir / SECTORS_FILE
    addresses = sorted((root / "addresses").glob("adresses-*.csv*"))
    grids = sorted(p for ext in ("gpkg", "geojson", "csv", "parquet") for p in (root / "population").glob(f"*.{ext}"))
    transit_dir = root / "transit"
    feeds = sorted([*transit_dir.glob("*.zip"), *(p for p in transit_dir.glob("*") if p.is_dir())])
    return DataFolder(
        root=root,
        communes=communes[0],
        site_files=site_files,
        sectors=sectors if sectors.exists() else None,
        addresses=addresses[0] if addresses else None,
        population_grid=grids[0] if grids else None,
        pbf_files=tuple(sorted((root / "osm").glob("*.pbf"))),
        census=next(iter(sorted((root / "census").glob("*.csv"))), None),
        gtfs_feeds=tuple(feeds),
    )


