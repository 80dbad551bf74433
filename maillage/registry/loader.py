"""``maillage init``: validate the whole data folder, then replace the registry in one transaction.

Validation reads every file before the database is touched; any rejected row aborts the import
with the full list of problems and the database as it was.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from maillage.cache import file_sha256
from maillage.i18n import _
from maillage.registry import models
from maillage.registry.addresses import load_osm_addresses
from maillage.registry.communes import CommuneRecord, read_communes
from maillage.registry.datafolder import DataFolder
from maillage.registry.geocode import BanIndex
from maillage.registry.named_stops import StopNames
from maillage.registry.osm_geocode import OsmGeocoder
from maillage.registry.sectors import SectorRecord, derive_sectors, read_sectors
from maillage.registry.sites import SiteRecord, Territory, read_site_files
from maillage.registry.vocab import CoordinateQuality
from maillage.registry.writelog import local_actor


@dataclass(frozen=True)
class ConventionRecord:
    id: str
    commune_code: str
    signed_on: date
    duration_years: int
    renewable: bool
    commitments: str
    source: str


@dataclass(frozen=True)
class RegistryContent:
    communes: list[CommuneRecord]
    sites: list[SiteRecord]
    sectors: list[SectorRecord]
    sectors_derived: bool
    files: dict[str, str]
    conventions: list[ConventionRecord] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        by_kind: dict[str, int] = {}
        for s in self.sites:
            by_kind[f"sites_{s.kind}"] = by_kind.get(f"sites_{s.kind}", 0) + 1
        return {
            "communes": len(self.communes),
            "population": sum(c.population for c in self.communes),
            "sites": len(self.sites),
            "sites_duplicate": sum(1 for s in self.sites if s.duplicate_of),
            "sites_at_commune_centroid": sum(1 for s in self.sites if s.coordinate_quality == "commune_centroid"),
            "sites_at_named_stop": sum(1 for s in self.sites if s.coordinate_quality == CoordinateQuality.NAMED_STOP),
            "sectors": len(self.sectors),
            **by_kind,
        }


def read_data_folder(folder: DataFolder) -> RegistryContent:
    """Read and validate everything; raises ImportRejected (nothing written) on any problem."""
    communes = read_communes(folder.communes, source=f"{folder.communes.name} (see communes/SOURCES.md)")
    territory = Territory(communes)
    ban = BanIndex.from_csv(folder.addresses) if folder.addresses else None
    osm_pbf = folder.pbf_files[0] if folder.pbf_files else None
    osm = OsmGeocoder(load_osm_addresses(osm_pbf), territory.polygons_l93) if osm_pbf else None
    stops = StopNames.from_feeds(folder.gtfs_feeds, territory.polygons_l93)
    sites = read_site_files(folder.site_files, territory, ban, osm=osm, stops=stops)
    if folder.sectors is not None:
        sectors, derived = read_sectors(folder.sectors, territory.codes), False
    else:
        sectors, derived = derive_sectors(sites), True
    used = [folder.communes, *folder.site_files]
    used += [p for p in (folder.sectors, folder.addresses) if p is not None]
    if osm_pbf is not None and any(s.coordinate_quality.startswith("osm_") for s in sites):
        used.append(osm_pbf)
    if any(s.coordinate_quality == CoordinateQuality.NAMED_STOP for s in sites):
        used += [f / "stops.txt" if f.is_dir() else f for f in folder.gtfs_feeds]
    files = {str(p.relative_to(folder.root)): file_sha256(p) for p in used}
    # Conventions are steering data: api.init_registry adds them (steering.conventions); the registry stores them.
    return RegistryContent(communes, sites, sectors, derived, files)


def replace_registry(engine: Engine, content: RegistryContent, data_root: Path, actor: str | None = None) -> None:
    """Replace communes, sites and sectors in one transaction (all or nothing); logged in write_log."""
    with Session(engine) as session, session.begin():
        for table in (models.SectorCommune, models.Sector, models.Site, models.Convention, models.Commune):
            session.execute(delete(table))
        session.add_all(models.Commune(**dataclasses.asdict(c)) for c in content.communes)
        session.flush()
        session.add_all(site_model(s) for s in content.sites)
        for sector in content.sectors:
            session.add(
                models.Sector(
                    id=sector.id,
                    name=sector.name,
                    source=sector.source,
                    communes=[models.SectorCommune(commune_code=c) for c in sector.commune_codes],
                )
            )
        session.add_all(models.Convention(**dataclasses.asdict(c)) for c in content.conventions)
        summary = content.summary() | {"sectors_derived": int(content.sectors_derived)}
        session.add(models.ImportRun(data_folder=str(data_root), files=content.files, summary=summary))
        session.add(
            models.WriteLog(
                actor=actor or local_actor(), action="registry_init", target=str(data_root)[:200], detail=summary
            )
        )


def site_model(record: SiteRecord) -> models.Site:
    values = {f.name: getattr(record, f.name) for f in dataclasses.fields(record) if not f.name.startswith("_")}
    return models.Site(**values)


def add_sites(engine: Engine, paths: list[Path], actor: str | None = None) -> list[SiteRecord]:
    """Import more site files into an existing registry (all or nothing, logged); returns the new records."""
    with Session(engine) as session:
        communes = [
            CommuneRecord(c.code, c.name, c.population, c.population_year, c.postcodes, c.geometry, c.source)
            for c in session.query(models.Commune)
        ]
        existing = {sid for (sid,) in session.query(models.Site.id)}
    if not communes:
        raise ValueError(_("le registre est vide : lancez d'abord `maillage init --data DOSSIER`"))
    records = read_site_files(paths, Territory(communes), existing_ids=existing)
    with Session(engine) as session, session.begin():
        session.add_all(site_model(r) for r in records)
        target = ", ".join(p.name for p in paths)[:200]
        detail = {"sites": len(records), "ids": [r.id for r in records][:500]}
        session.add(models.WriteLog(actor=actor or local_actor(), action="sites_import", target=target, detail=detail))
    return records
