"""A read-only snapshot of the registry for computations (numpy/pandas, Lambert-93 metres)."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from maillage.geo import WGS84, lonlat_to_l93, working_crs
from maillage.i18n import _
from maillage.registry import models
from maillage.registry.remarks import planner_words
from maillage.registry.sectors import UNASSIGNED_LABEL, UNASSIGNED_SECTOR


@dataclass(frozen=True)
class Snapshot:
    """Communes (GeoDataFrame in Lambert-93, index = INSEE code), sites and sectors."""

    communes: gpd.GeoDataFrame
    sites: pd.DataFrame
    sector_of_commune: dict[str, str]
    sector_names: dict[str, str]
    sectors_derived: bool
    import_files: dict[str, str] = field(default_factory=dict)
    data_folder: str = ""

    def usable_sites(self) -> pd.DataFrame:
        """Sites with a point that are not a duplicate of a better-placed record."""
        s = self.sites
        return s[s["x_m"].notna() & s["duplicate_of"].isna()]

    def sites_at_centroid(self, quality: str = "commune_centroid") -> pd.DataFrame:
        """Usable sites placed at their commune's centre for want of a geocoded address (to be supplied
        by the user): id, name, kind, commune code and name, address as given; ordered by kind, id.
        ``quality="named_stop"``: those placed near the stops their address names, also to be supplied."""
        s = self.usable_sites()
        at = s[s["coordinate_quality"] == quality][["id", "name", "kind", "commune_code", "address"]]
        names = self.communes["name"].to_dict()
        return at.assign(commune_name=[names.get(c, c) for c in at["commune_code"]]).sort_values(["kind", "id"])

    def commune_populations(self) -> tuple[dict[str, int], dict[str, str]]:
        """Population and name by INSEE code: what every per-inhabitant rate uses (CLI and web alike)."""
        c = self.communes
        pops = {str(k): int(p) for k, p in zip(c["code"], c["population"], strict=True) if p is not None}
        return pops, {str(k): str(n) for k, n in zip(c["code"], c["name"], strict=True)}


class EmptyRegistryError(RuntimeError):
    pass


class RegistryUnavailableError(EmptyRegistryError):
    """The registry database cannot be opened (bad --db URL, server down, folder missing): a kind of empty registry,
    so that every command that reports one reports this too, in one French line instead of a traceback."""


def load_snapshot(engine: Engine) -> Snapshot:
    with Session(engine) as session:
        communes = session.scalars(select(models.Commune).order_by(models.Commune.code)).all()
        if not communes:
            raise EmptyRegistryError(_("le registre est vide : lancez d'abord `maillage init --data DOSSIER`"))
        sites = session.scalars(select(models.Site).order_by(models.Site.id)).all()
        sectors = session.scalars(select(models.Sector)).all()
        run = session.scalars(select(models.ImportRun).order_by(models.ImportRun.id.desc())).first()
        commune_frame = (
            gpd.GeoDataFrame(
                {
                    "code": [c.code for c in communes],
                    "name": [c.name for c in communes],
                    "population": [c.population for c in communes],
                    "population_year": [c.population_year for c in communes],
                    "source": [c.source for c in communes],
                },
                geometry=[c.geometry for c in communes],
                crs=WGS84,
            )
            .to_crs(working_crs())
            .set_index("code", drop=False)
        )
        site_rows = [{col.name: getattr(s, col.name) for col in models.Site.__table__.columns} for s in sites]
        sector_of = {m.commune_code: sec.id for sec in sectors for m in sec.communes}
        names = {sec.id: sec.name for sec in sectors}
        derived = bool(run.summary.get("sectors_derived", 1)) if run else True
        files = dict(run.files) if run else {}
        folder = run.data_folder if run else ""
    site_frame = pd.DataFrame(site_rows, columns=[c.name for c in models.Site.__table__.columns])
    located = site_frame["lon"].notna()
    xy = np.full((len(site_frame), 2), np.nan)
    if located.any():
        xy[located.to_numpy()] = lonlat_to_l93(site_frame.loc[located, "lon"], site_frame.loc[located, "lat"])
    site_frame["x_m"], site_frame["y_m"] = xy[:, 0], xy[:, 1]
    for column in site_frame.select_dtypes(exclude=["number", "bool"]).columns:
        # one spelling of "missing" for text columns: None (pandas may have turned some into NaN)
        site_frame[column] = site_frame[column].astype(object).where(site_frame[column].notna(), None)
    for column in ("name", "address", "opening_hours_source_text"):  # what people read, the remarks in French
        site_frame[column] = pd.Series([planner_words(v) for v in site_frame[column]], index=site_frame.index,
                                       dtype=object)
    for code in commune_frame.index:
        sector_of.setdefault(code, UNASSIGNED_SECTOR)
    names.setdefault(UNASSIGNED_SECTOR, _(UNASSIGNED_LABEL))
    return Snapshot(commune_frame, site_frame, sector_of, names, derived, files, folder)
