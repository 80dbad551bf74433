"""Choose the travel-time backend for a mode from what the data folder (or the user) supplies.

* ``walk|bike|car`` with an OSM PBF → street graph; without one → crow-fly fallback (stated).
* ``transit`` needs GTFS feeds *with timetables*; a feed with stops and lines only (like the IDFM
  extract in shared/data) is reported as such, never turned into invented times.
* default mode: ``transit`` when a routable feed is present, else ``walk``.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from maillage.geo import working_crs
from maillage.i18n import N_, _
from maillage.network.crowfly import CrowFlyEngine
from maillage.network.engine import TravelTimeEngine

STREET_MODES = ("walk", "bike", "car")
MODES = (*STREET_MODES, "transit")


MODE_LABELS = {"walk": N_("à pied"), "bike": N_("vélo"), "car": N_("voiture"), "transit": N_("transports en commun")}
# French words a planner types for a mode (accents and case folded by _fold), mapped to the option value
MODE_WORDS = {
    "velo": "bike", "bicyclette": "bike", "cycle": "bike", "marche": "walk", "pied": "walk", "a pied": "walk",
    "pieton": "walk", "voiture": "car", "auto": "car", "automobile": "car", "tc": "transit", "bus": "transit",
    "metro": "transit", "transport": "transit", "transports": "transit", "transports en commun": "transit",
}  # fmt: skip


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower().replace("-", " ").replace("_", " "))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def suggest_mode(text: str) -> str | None:
    """The mode a mistyped or French ``text`` most likely means (``vélo`` → ``bike``), or None."""
    folded = _fold(text)
    if folded in MODE_WORDS:
        return MODE_WORDS[folded]
    close = difflib.get_close_matches(folded, [*MODES, *MODE_WORDS], n=1, cutoff=0.6)
    return (close[0] if close[0] in MODES else MODE_WORDS[close[0]]) if close else None


def unknown_mode_message(text: str) -> str:
    """One French line: the unknown mode, a suggestion when there is one, the modes accepted."""
    known = ", ".join(f"{m} ({_(label)})" for m, label in MODE_LABELS.items())
    guess = suggest_mode(text)
    if guess:
        return _("mode inconnu « {text} » : vouliez-vous dire « {guess} » ({label}) ? Modes possibles : "
                 "{known}.").format(text=text, guess=guess, label=_(MODE_LABELS[guess]), known=known)
    return _("mode inconnu « {text} ». Modes possibles : {known}.").format(text=text, known=known)


class EngineUnavailable(RuntimeError):
    """The requested mode cannot run on the inputs given (message says what to supply)."""


@dataclass(frozen=True)
class EngineChoice:
    engine: TravelTimeEngine
    notes: list[str] = field(default_factory=list)


def _routable(feeds: Sequence[Path]) -> tuple[list[Path], list[str]]:
    try:
        from maillage.network.gtfs import has_timetable
    except ImportError:  # transit backend not installed in this build
        return [], [_("Transport en commun : moteur non disponible dans cette version.")]
    usable, notes = [], []
    for feed in feeds:
        # the file names are enough: reading the feed here cost a third of a street audit
        if has_timetable(feed):
            usable.append(feed)
        else:
            notes.append(_("Transport en commun : {feed} contient arrêts et lignes mais aucun horaire "
                           "(trips.txt/stop_times.txt absents) ; aucun temps en transport n'est calculé : fournir le "
                           "GTFS complet d'IDFM.").format(feed=feed.name))
    return usable, notes


def transit_available(feeds: Sequence[Path]) -> bool:
    """Whether one of ``feeds`` has timetables (so the transit mode can be offered)."""
    return bool(feeds) and bool(_routable(feeds)[0])


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
        raise EngineUnavailable(unknown_mode_message(mode))
    if mode == "transit":
        if not feeds:
            raise EngineUnavailable(
                _("mode transit : aucun flux GTFS avec horaires.") + " "
                + (" ".join(notes) if notes
                   else _("Donnez --gtfs FLUX (zip ou dossier) ou placez-en un dans DATA/transit/."))
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
            notes.append(_("Marche vers, depuis et entre les arrêts à vol d'oiseau × détour : fournir un extrait OSM "
                           "(--pbf) pour la marche par les rues."))
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
    notes.append(_("Aucun extrait OpenStreetMap fourni : temps à vol d'oiseau."))
    return EngineChoice(CrowFlyEngine(mode), notes)
