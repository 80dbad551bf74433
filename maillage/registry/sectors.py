"""SST sectors: which communes each service des solidarités territoriales serves.

From ``sites/sectors.csv`` when the data folder has one (columns ``sector_id, name, insee_code,
source``; one row per commune). Otherwise they are *derived* from the ``communes_served`` that the
sources give for pôles sociaux and SST sites (e.g. Châtillon: Châtillon, Malakoff, Montrouge), and
communes that no source assigns are reported as "secteur non renseigné". Every report says which.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from maillage.i18n import N_, _
from maillage.registry.csvfile import missing_columns, read_records
from maillage.registry.errors import ImportRejected, RowProblem
from maillage.registry.sites import SiteRecord

SECTOR_COLUMNS = ("sector_id", "name", "insee_code", "source")
UNASSIGNED_SECTOR = "non-renseigne"
UNASSIGNED_LABEL = N_("Secteur non renseigné")


@dataclass(frozen=True)
class SectorRecord:
    id: str
    name: str
    source: str
    commune_codes: tuple[str, ...]


def read_sectors(path: Path, commune_codes: set[str]) -> list[SectorRecord]:
    problems: list[RowProblem] = []
    members: dict[str, list[str]] = {}
    names: dict[str, tuple[str, str]] = {}
    assigned: dict[str, int] = {}
    header, rows, shape = read_records(path)
    if shape:
        raise ImportRejected(shape)
    if missing := missing_columns(path.name, header, SECTOR_COLUMNS):
        raise ImportRejected([missing])
    for line, row in rows:
        code = (row["insee_code"] or "").strip()
        sector = (row["sector_id"] or "").strip()
        if not sector:
            problems.append(RowProblem(path.name, line, "sector_id", _("identifiant de secteur vide")))
        elif code not in commune_codes:
            problems.append(RowProblem(path.name, line, "insee_code", _("code commune « {code} » inconnu").format(
                code=code)))
        elif code in assigned:
            problems.append(
                RowProblem(path.name, line, "insee_code", _("{code} déjà dans un secteur (ligne {line})").format(
                    code=code, line=assigned[code]))
            )
        else:
            assigned[code] = line
            members.setdefault(sector, []).append(code)
            names.setdefault(sector, ((row["name"] or sector).strip(), (row["source"] or path.name).strip()))
    if problems:
        raise ImportRejected(problems)
    return [SectorRecord(s, names[s][0], names[s][1], tuple(codes)) for s, codes in members.items()]


def derive_sectors(sites: list[SiteRecord]) -> list[SectorRecord]:
    """Sectors from the communes served by pôles and SST sites, first come first served."""
    taken: set[str] = set()
    sectors = []
    for site in sorted(sites, key=lambda s: (s.kind != "sst", s.id)):
        if site.kind not in ("pole_social", "sst") or not site.communes_served or site.duplicate_of:
            continue
        codes = tuple(c for c in site.communes_served if c not in taken)
        if not codes:
            continue
        taken.update(codes)
        sectors.append(SectorRecord(site.id, site.name, f"communes_served of {site.id} ({site.source})", codes))
    return sectors
