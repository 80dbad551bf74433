"""Resident search ("Où m'adresser ?"): suitable sites ranked by travel time from a commune or a point.

A library module (the web routes only call :func:`search`). Travel times come from the same
:class:`~maillage.network.engine.TravelTimeEngine` as the audit: at start-up :func:`build_index`
asks the engine, once per site, for the minutes from every population cell to that site, and keeps
the ``cells × sites`` matrix (float32, a few MB for a département): the web app answers many searches.
``maillage orient`` answers one: ``build_index(..., precompute=False)`` computes only the row it reads
(:class:`OnDemandMinutes`: one forward street search from the cell), with the same minutes. A search
then reads one row:

* from a **commune**: the row of the commune's central cell (nearest to its population-weighted
  centre), plus the minimum and maximum over the commune's inhabited cells ("selon le quartier");
* from a **point** (map click or BAN address): the row of the 200 m cell nearest to the point.

Nothing is invented: opening hours are the registry's OSM string (or the source's own words when
they could not be transcribed); "on appointment" only when a source file says so
(:func:`appointment_notes`); sites placed at their commune centroid are flagged.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from opening_hours import OpeningHours
from scipy.spatial import cKDTree

from maillage.geo import lonlat_to_l93
from maillage.i18n import N_, _
from maillage.network.engine import TravelTimeEngine
from maillage.orientation.minutes import CellSiteMinutes, DenseMinutes, OnDemandMinutes, site_destinations
from maillage.population.cells import Cells
from maillage.registry.snapshot import Snapshot
from maillage.registry.vocab import (
    CoordinateQuality,
    Service,
    SiteKind,
    kind_label,
    quality_label_fr,
    service_label,
)

PARIS = ZoneInfo("Europe/Paris")
MOBILE_NEAR_MINUTES = 30.0  # a mobile-unit stop is listed when it is this close (or in the same commune)
MAX_SNAP_M = 1500.0  # a point farther than this from every cell is outside the territory

# Plain words shown under each need, so a resident recognises their situation (N_: shown through need_hint).
NEED_HINTS_FR: dict[Service, str] = {
    Service.PMI: N_("suivi de grossesse, consultations et vaccins du bébé et de l'enfant jusqu'à 6 ans"),
    Service.SANTE_SEXUELLE: N_("contraception, dépistage, IVG, conseil conjugal"),
    Service.ACCES_AUX_DROITS: N_("aide pour vos droits et démarches sociales, assistante sociale"),
    Service.RSA_INSERTION: N_("RSA, accompagnement vers l'emploi"),
    Service.PROTECTION_ENFANCE: N_("inquiétude pour un enfant, aide éducative"),
    Service.VIOLENCES_FAMILIALES: N_("violences dans le couple ou la famille (urgence : 17 ou 3919)"),
    Service.LOGEMENT: N_("risque d'expulsion, impayés de loyer, recherche de logement"),
    Service.AIDE_ALIMENTAIRE: N_("colis, épicerie sociale, aide d'urgence"),
    Service.DEMARCHES_EN_LIGNE: N_("aide pour les démarches en ligne (CAF, impôts, ANTS, retraite…)"),
    Service.PERSONNES_AGEES: N_("information et aide pour les personnes âgées"),
    Service.HANDICAP: N_("droits et accompagnement liés au handicap"),
    Service.SANTE_FEMMES: N_("santé des femmes (dépistages, prévention)"),
}


def need_hint(need: Service | str) -> str:
    """The words shown under a need, in the reader's language (empty for a need without a hint)."""
    hint = NEED_HINTS_FR.get(Service(need)) if need in Service._value2member_map_ else None
    return _(hint) if hint else ""


class OutsideTerritory(ValueError):
    """The point asked for is not in (or near) the territory of the registry."""


class UnknownCommune(ValueError):
    """The commune code asked for is not in the registry."""


@dataclass(frozen=True)
class Opening:
    """Opening state of a site at a given time, from its OSM hours (None fields when unknown)."""

    open_now: bool | None
    next_change: datetime | None
    next_change_is_opening: bool | None


@dataclass(frozen=True)
class SiteAnswer:
    """One site in a resident's answer."""

    id: str
    name: str
    kind: str
    kind_label: str
    address: str | None
    postcode: str | None
    commune: str | None
    lon: float
    lat: float
    minutes: float
    minutes_min: float | None
    minutes_max: float | None
    opening_hours: str | None
    hours_source_text: str | None
    hours_note: str | None
    opening: Opening
    phone: str | None
    appointment: str | None
    approximate_position: bool
    position_label: str
    services: list[str]
    source: str
    dated_stop: bool = False
    stop_past: bool | None = None


@dataclass(frozen=True)
class SearchAnswer:
    """The answer to one search: origin, need, sites ranked by minutes, nearby mobile stops, model."""

    need: str
    need_label: str
    origin_label: str
    origin_lon: float
    origin_lat: float
    at: datetime
    sites: list[SiteAnswer]
    mobile_stops: list[SiteAnswer]
    mode: str
    model_fr: str
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SearchIndex:
    """Everything a search needs, precomputed at start-up (read-only, shared between requests)."""

    sites: pd.DataFrame  # usable sites, positional order = matrix columns
    minutes: CellSiteMinutes  # cells × sites, float32: dense (web) or on demand (one CLI answer)
    cells: Cells
    cell_lonlat: np.ndarray
    cell_tree: cKDTree
    commune_names: dict[str, str]
    commune_centre_cell: dict[str, int]
    commune_cells: dict[str, np.ndarray]
    offers: dict[str, np.ndarray]  # service -> boolean mask over sites
    mode: str
    model_fr: str
    notes: list[str]
    appointments: dict[str, str]

    # Per-site values as plain Python objects, read by every answer (a pandas row lookup per site
    # was most of a search's time). Computed on first use; the index is read-only.
    @cached_property
    def site_records(self) -> list[dict[str, Any]]:
        return self.sites.to_dict("records")

    @cached_property
    def mobile_mask(self) -> np.ndarray:
        return (self.sites["kind"] == SiteKind.MOBILE_STOP.value).to_numpy()

    @cached_property
    def site_communes(self) -> np.ndarray:
        return self.sites["commune_code"].to_numpy()


def build_index(
    snapshot: Snapshot,
    cells: Cells,
    engine: TravelTimeEngine,
    *,
    notes: list[str] | None = None,
    appointments: dict[str, str] | None = None,
    precompute: bool = True,
) -> SearchIndex:
    """Precompute minutes from every cell to every usable site (one engine call per site).

    ``precompute=False``: nothing precomputed, each answer computes the minutes it reads
    (:class:`OnDemandMinutes`), for a single answer.
    """
    sites = snapshot.usable_sites().reset_index(drop=True)
    minutes: CellSiteMinutes
    if precompute:
        matrix = np.empty((len(cells), len(sites)), dtype=np.float32)
        for j in range(len(sites)):
            matrix[:, j] = engine.nearest(cells.xy_m, site_destinations(sites, j)).minutes
        minutes = DenseMinutes(matrix)
    else:
        minutes = OnDemandMinutes(engine, cells.xy_m, sites)
    from maillage.geo import l93_to_lonlat

    lonlat = l93_to_lonlat(cells.xy_m[:, 0], cells.xy_m[:, 1])
    commune_cells: dict[str, np.ndarray] = {}
    centre: dict[str, int] = {}
    for code in snapshot.communes.index:
        idx = np.flatnonzero((cells.commune_code == code) & (cells.population > 0))
        if len(idx) == 0:
            continue
        weights = cells.population[idx]
        mean = np.average(cells.xy_m[idx], axis=0, weights=weights)
        commune_cells[code] = idx
        centre[code] = int(idx[np.argmin(np.hypot(*(cells.xy_m[idx] - mean).T))])
    offers = {s.value: sites["services"].apply(lambda v, s=s.value: s in (v or [])).to_numpy() for s in Service}
    description = engine.describe()
    return SearchIndex(
        sites=sites,
        minutes=minutes,
        cells=cells,
        cell_lonlat=lonlat,
        cell_tree=cKDTree(cells.xy_m),
        commune_names=dict(zip(snapshot.communes.index, snapshot.communes["name"], strict=True)),
        commune_centre_cell=centre,
        commune_cells=commune_cells,
        offers=offers,
        mode=str(description.get("mode", "?")),
        model_fr=model_sentence_fr(description, engine.assumptions()),
        notes=list(notes or []),
        appointments=appointments or {},
    )


def model_sentence_fr(description: dict[str, Any], assumptions: list[str]) -> str:
    """One French sentence saying how travel times are estimated (shown with every answer)."""
    backend = description.get("backend")
    if backend == "crowfly":
        speed = str(description.get("speed_kmh")).replace(".", ",")
        detour = str(description.get("detour_factor")).replace(".", ",")
        return (
            _("Estimation à vol d'oiseau (aucun plan des rues fourni) : distance en ligne droite × {detour}, "
              "à {speed} km/h. Elle ignore la Seine, les voies ferrées et le sens des rues.")
        ).format(detour=detour, speed=speed)
    if backend == "street":
        # Residents read this: no file name, no English mode code (the planner outputs keep both).
        return (
            _("Temps estimés par les rues et les ponts du plan OpenStreetMap, sans attente aux feux ni "
              "recherche de stationnement.")
        )
    first = assumptions[0] if assumptions else ""
    return first.split(" (")[0] if " (" in first else first


def now_paris() -> datetime:
    """Local time in Paris, naive (as OSM opening hours are evaluated)."""
    return datetime.now(PARIS).replace(tzinfo=None)


@lru_cache(maxsize=1024)
def _hours(text: str) -> OpeningHours:
    return OpeningHours(text)


def opening_at(opening_hours: str | None, at: datetime) -> Opening:
    """Open now? and the next change (opening if closed, closing if open); all None when unknown."""
    if not opening_hours:
        return Opening(None, None, None)
    oh = _hours(opening_hours)
    is_open = bool(oh.is_open(at))
    change = oh.next_change(at)
    return Opening(is_open, change, (not is_open) if change is not None else None)


@dataclass(frozen=True)
class OriginCell:
    """Where a search starts: the population cell read, the commune's cells for the spread, a French label."""

    cell: int
    spread_cells: np.ndarray | None  # a commune's inhabited cells ("selon le quartier"), None from a point
    label: str
    commune_code: str
    lon: float
    lat: float


def origin_cell(
    index: SearchIndex,
    *,
    commune: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    origin_label: str | None = None,
) -> OriginCell:
    """The cell of a commune's centre (with the commune's spread) or the cell nearest a point."""
    if commune is not None:
        if commune not in index.commune_centre_cell:
            raise UnknownCommune(_("commune « {commune} » inconnue du registre").format(commune=commune))
        cell = index.commune_centre_cell[commune]
        label = origin_label or _("{commune} (centre de la commune)").format(commune=index.commune_names[commune])
        centre = index.cell_lonlat[cell]
        return OriginCell(cell, index.commune_cells[commune], label, commune, float(centre[0]), float(centre[1]))
    if lon is None or lat is None:
        raise ValueError("give a commune or a point (lon, lat)")
    xy = lonlat_to_l93(np.array([lon]), np.array([lat]))[0]
    distance, found = index.cell_tree.query(xy)
    if distance > MAX_SNAP_M:
        raise OutsideTerritory(_("ce point est hors du territoire couvert"))
    cell = int(found)
    code = str(index.cells.commune_code[cell])
    label = origin_label or _("point choisi ({lat}, {lon}), {commune}").format(
        lat=f"{lat:.5f}", lon=f"{lon:.5f}", commune=index.commune_names.get(code, ""))
    return OriginCell(cell, None, label, code, float(lon), float(lat))


def search(
    index: SearchIndex,
    need: Service | str,
    *,
    commune: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    origin_label: str | None = None,
    at: datetime | None = None,
    limit: int = 10,
) -> SearchAnswer:
    """Sites offering ``need`` ranked by minutes from a commune (code) or a point (lon/lat)."""
    need = Service(need)
    at = at or now_paris()
    origin = origin_cell(index, commune=commune, lon=lon, lat=lat, origin_label=origin_label)
    row = index.minutes.row(origin.cell)
    offers = index.offers[need.value]
    mobile = index.mobile_mask
    fixed = np.flatnonzero(offers & ~mobile & np.isfinite(row))
    fixed = fixed[np.argsort(row[fixed], kind="stable")][:limit]
    stops = np.flatnonzero(offers & mobile)
    near = (row[stops] <= MOBILE_NEAR_MINUTES) | (index.site_communes[stops] == origin.commune_code)
    stops = stops[near]
    stops = stops[np.argsort(row[stops], kind="stable")]
    notes = [*index.notes]
    if len(fixed) == 0:
        notes.append(_("Aucun lieu du registre n'indique offrir ce service."))
    return SearchAnswer(
        need=need.value,
        need_label=service_label(need),
        origin_label=origin.label,
        origin_lon=origin.lon,
        origin_lat=origin.lat,
        at=at,
        sites=[site_answer(index, int(j), origin, at) for j in fixed],
        mobile_stops=[site_answer(index, int(j), origin, at, dated=True) for j in stops],
        mode=index.mode,
        model_fr=index.model_fr,
        notes=notes,
    )


def _text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def site_answer(index: SearchIndex, j: int, origin: OriginCell, at: datetime, dated: bool = False) -> SiteAnswer:
    """Site ``j`` (matrix column) as seen from ``origin`` at time ``at``."""
    s = index.site_records[j]
    minutes = float(index.minutes.row(origin.cell)[j])
    low = high = None
    if origin.spread_cells is not None:
        low, high = index.minutes.spread(origin.spread_cells, j)
    quality = str(s["coordinate_quality"])
    opening = opening_at(_text(s["opening_hours"]), at)
    past = None
    if dated and s["opening_hours"]:
        past = opening.next_change is None and not opening.open_now
    try:
        position_label = quality_label_fr(quality)
    except ValueError:
        position_label = quality
    return SiteAnswer(
        id=str(s["id"]),
        name=str(s["name"]),
        kind=str(s["kind"]),
        kind_label=kind_label(str(s["kind"])),
        address=_text(s["address"]),
        postcode=_text(s["postcode"]),
        commune=index.commune_names.get(_text(s["commune_code"]) or ""),
        lon=float(s["lon"]),
        lat=float(s["lat"]),
        minutes=round(minutes, 1),
        minutes_min=None if low is None else round(low, 1),
        minutes_max=None if high is None else round(high, 1),
        opening_hours=_text(s["opening_hours"]),
        hours_source_text=_text(s["opening_hours_source_text"]),
        hours_note=_text(s["opening_hours_note"]),
        opening=opening,
        phone=_text(s["phone"]),
        appointment=index.appointments.get(str(s["id"])),
        approximate_position=quality == CoordinateQuality.COMMUNE_CENTROID.value,
        position_label=position_label,
        services=[
            service_label(v) for v in (s["services"] or []) if v in Service._value2member_map_
        ],
        source=str(s["source"]),
        dated_stop=dated,
        stop_past=past,
    )


APPOINTMENT_COLUMN = "booking_required"
_BOOKING_WORDS = {"oui": N_("Sur rendez-vous"), "non": N_("Sans rendez-vous")}


def appointment_notes(
    site_files: tuple[Path, ...] | list[Path], duplicates: dict[str, str] | None = None
) -> dict[str, str]:
    """ "How to get an appointment", only where a source file says it (column ``booking_required``).

    The registry does not keep this column (TODO(registry): store it as a site field); it is read here
    from the same source files the registry was loaded from. A value other than oui/non is ignored.
    ``duplicates`` (duplicate id → kept id) carries the statement onto the record that is shown.
    """
    out: dict[str, str] = {}
    for path in site_files:
        with Path(path).open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if APPOINTMENT_COLUMN not in (reader.fieldnames or []):
                continue
            for row in reader:
                words = _BOOKING_WORDS.get((row.get(APPOINTMENT_COLUMN) or "").strip().lower())
                if words:
                    out[row["id"]] = _(words)  # the source is listed with the site's sources
    for duplicate, kept in (duplicates or {}).items():
        if duplicate in out and kept not in out:
            out[kept] = out[duplicate]
    return out
