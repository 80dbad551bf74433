"""Choose the travel-time backend for a mode from what the data folder (or the user) supplies.

* ``walk|bike|car`` with an OSM PBF → street graph; without one → crow-fly fallback (stated).
* ``transit`` needs GTFS feeds *with timetables*; a feed with stops and lines only (like the IDFM
  extract in shared/data) is reported as such, never turned into invented times.
* default mode: ``transit`` when a routable feed is present, else ``walk``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from maillage.geo import working_crs
from maillage.network.crowfly import CrowFlyEngine
from maillage.network.engine import TravelTimeEngine

STREET_MODES = ("walk", "bike", "car")
MODES = (*STREET_MODES, "transit")


class EngineUnavailable(RuntimeError):
    """The requested mode cannot run on the inputs given (message says what to supply)."""


@dataclass(frozen=True)
class EngineChoice:
    engine: TravelTimeEngine
    notes: list[str] = field(default_factory=list)


def _routable(feeds: Sequence[Path]) -> tuple[list[Path], list[str]]:
    try:
        from maillage.network.gtfs import feed_summary
    except ImportError:  # transit backend not installed in this build
        return [], ["Transport en commun : moteur non disponible dans cette version."]
    usable, notes = [], []
    for feed in feeds:
        summary = feed_summary(feed)
        if summary.get("has_timetable"):
            usable.append(feed)
        else:
            notes.append(
                f"Transport en commun : {feed.name} contient arrêts et lignes mais aucun horaire "
                f"(trips.txt/stop_times.txt absents) ; aucun temps en transport n'est calculé "
                f"(feed {feed.name} has stops and lines but no timetable: no transit times computed; "
                f"supply the full IDFM GTFS)."
            )
    return usable, notes


def choose_engine(
    mode: str | None,
    *,
    pbf: Path | None = None,
    gtfs: Sequence[Path] = (),
    depart: str = "08:00",
    window_min: int = 120,
    date: str | None = None,
    percentiles: Sequence[int] = (50,),
) -> EngineChoice:
    feeds, notes = _routable(gtfs) if gtfs else ([], [])
    if mode is None:
        mode = "transit" if feeds else "walk"
    if mode not in MODES:
        raise EngineUnavailable(f"unknown mode {mode!r} (choose from {', '.join(MODES)})")
    if mode == "transit":
        if not feeds:
            raise EngineUnavailable(
                "mode transit: no GTFS feed with timetables. "
                + (" ".join(notes) if notes else "Pass --gtfs FEED (zip or folder) or put one in DATA/transit/.")
            )
        from datetime import date as date_type

        from maillage.network.transit import transit_engine

        day = date_type.fromisoformat(date) if date else None
        street = None
        if pbf is not None:  # walking to, from and between stops on the streets of the PBF
            from maillage.network.street import StreetEngine
            from maillage.network.street_walk import StreetWalk

            walker = StreetEngine("walk", pbf)
            street = StreetWalk(walker.graph, walker.access_m_per_s, walker.max_snap_m)
        else:
            notes.append(
                "Marche vers, depuis et entre les arrêts à vol d'oiseau × détour : fournir un extrait OSM (--pbf) "
                "pour la marche par les rues (walking to, from and between stops: crow-fly × detour; supply a PBF)."
            )
        engine = transit_engine(
            list(feeds),
            date=day,
            depart=depart,
            window_min=window_min,
            percentiles=tuple(percentiles),
            crs=working_crs(),
            street=street,
        )
        return EngineChoice(engine, notes)
    if pbf is not None:
        from maillage.network.street import street_engine

        return EngineChoice(street_engine(mode, pbf), notes)
    notes.append("Aucun extrait OpenStreetMap fourni : temps à vol d'oiseau (no OSM PBF supplied: crow-fly times).")
    return EngineChoice(CrowFlyEngine(mode), notes)
