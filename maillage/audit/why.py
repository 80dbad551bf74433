"""Why each cell outside the standard is outside: its nearest pôle and antenne, and what it misses.

For every cell outside the standard: the nearest pôle and the nearest antenne (or pôle) with their
minutes, by how many minutes each misses its threshold, and the smallest change that brings the
cell in (the smaller of the two gaps: a cell is inside as soon as ONE of the two thresholds is met).
The straight-line distance to each site is always given; engines that can trace their path
(``routes()``, the street engine) add the distance along the streets, the detour against the
straight line and the bridges the route takes. The transit engine's split (walk, wait, in-vehicle,
transfers) is not computed: its minutes are a median over a departure window, which no single
journey's split adds up to.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd

from maillage.audit.standard import ANTENNE_CLASS, POLE_CLASS, ServiceStandard
from maillage.i18n import N_, _
from maillage.network.engine import MODE_LABELS_FR, Destinations, NearestSites
from maillage.numbers import fr_number


@dataclass(frozen=True)
class NearestWhy:
    """One cell's nearest site of one class and how far it is from the threshold (minutes, metres)."""

    site_id: str
    site_name: str
    minutes: float
    threshold_minutes: float
    over_minutes: float  # minutes beyond the threshold (≤ 0: met); inf when no site is reachable
    straight_m: float
    walk_m: float | None = None
    detour_factor: float | None = None
    bridges: tuple[str, ...] = ()
    unnamed_bridge_segments: int = 0


@dataclass(frozen=True)
class CellWhy:
    """The explanation of one cell outside the standard."""

    cell: int
    pole: NearestWhy
    antenne: NearestWhy
    fix_class: str  # the class whose threshold is the nearer to be met
    fix_minutes: float  # minutes to gain towards it to enter the standard
    text_fr: str


def _nearest_why(
    cell_xy_m: np.ndarray,
    nearest: NearestSites,
    destinations: Destinations,
    row: int,
    threshold: float,
    names: dict[str, str],
    route: object | None,
) -> NearestWhy:
    k = int(nearest.site_index[row])
    minutes = float(nearest.minutes[row])
    if k < 0:
        return NearestWhy("", "", math.inf, threshold, math.inf, math.nan)
    site_id = destinations.site_ids[k]
    straight = float(np.hypot(*(cell_xy_m - destinations.xy_m[k])))
    extra = {}
    if route is not None:
        extra = {"walk_m": route.walk_m, "detour_factor": route.detour_factor, "bridges": route.bridges,
                 "unnamed_bridge_segments": route.unnamed_bridge_segments}  # fmt: skip
    return NearestWhy(site_id, names.get(site_id, site_id), minutes, threshold, minutes - threshold, straight, **extra)


def _metres(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f") + " m"


def _decimal(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def _crossing_fr(name: str) -> str:
    """A bridge's own name ("Pont de Sèvres") as is; a street carried by a bridge as such."""
    if name.split(" ")[0].lower() in ("pont", "passerelle", "viaduc"):
        return name
    return _("le pont de « {name} »").format(name=name)


def _part_fr(label: str, why: NearestWhy, mode_fr: str) -> str:
    if not math.isfinite(why.minutes):
        return _("{label} : aucun joignable.").format(label=label)
    text = _("{label} le plus proche : {site}, {minutes} min (seuil {threshold} min, {over} min de trop)").format(
        label=label, site=why.site_name, minutes=f"{why.minutes:.0f}", threshold=fr_number(why.threshold_minutes),
        over=f"{why.over_minutes:.0f}")  # fmt: skip
    if why.walk_m is not None and math.isfinite(why.walk_m):
        text += _(" ; {walk} {mode} par les rues pour {straight} à vol d'oiseau (détour × {detour})").format(
            walk=_metres(why.walk_m), mode=mode_fr, straight=_metres(why.straight_m),
            detour=_decimal(why.detour_factor or math.nan))  # fmt: skip
        crossings = [_crossing_fr(name) for name in why.bridges]
        if why.unnamed_bridge_segments:
            crossings.append(_("un pont sans nom"))
        if crossings:
            text += _(", en passant par {crossings}").format(crossings=", ".join(crossings))
    else:
        text += _(" ; {straight} à vol d'oiseau").format(straight=_metres(why.straight_m))
    return text + "."


TRANSIT_SPLIT_FR = N_("Le détail marche / attente / trajet à bord / correspondances n'est pas calculé en transports "
                      "en commun : le temps est une médiane sur la plage de départ.")


def why_text_fr(why: CellWhy, mode_fr: str = "") -> str:
    """The French paragraph of a cell outside the standard (``mode_fr``: the mode's words, translated)."""
    fix_label = _("le pôle le plus proche") if why.fix_class == POLE_CLASS else _("l'antenne ou le pôle le plus proche")
    parts = [_part_fr(_("Pôle"), why.pole, mode_fr), _part_fr(_("Antenne ou pôle"), why.antenne, mode_fr)]
    if math.isfinite(why.fix_minutes):
        # "1 min" when the gap is under a minute: the smallest change is never "0 min"
        gap = max(1, math.ceil(why.fix_minutes - 1e-9))
        parts.append(_("Pour entrer dans la norme : gagner {gap} min vers {fix}.").format(gap=gap, fix=fix_label))
    else:
        parts.append(_("Aucun site joignable : la norme ne peut être atteinte sans nouveau site."))
    if mode_fr and mode_fr == _(MODE_LABELS_FR["transit"]):
        parts.append(_(TRANSIT_SPLIT_FR))
    return " ".join(parts).replace("  ", " ")


def explain_outside(
    cells_xy_m: np.ndarray,
    nearest: dict[str, NearestSites],
    destinations: dict[str, Destinations],
    within: np.ndarray,
    standard: ServiceStandard,
    sites: pd.DataFrame,
    engine: object | None = None,
    mode_fr: str = "",
) -> dict[int, CellWhy]:
    """A :class:`CellWhy` for every cell outside the standard, keyed by cell index.

    ``engine`` with a ``routes(origins, destinations, rows)`` method (the street engine) adds the
    street distance, detour and bridges of each cell's route.
    """
    rows = np.flatnonzero(~np.asarray(within, dtype=bool))
    names = dict(zip(sites["id"], sites["name"], strict=True))
    thresholds = {POLE_CLASS: standard.pole_minutes, ANTENNE_CLASS: standard.antenne_minutes}
    routes: dict[str, list] = {}
    tracer = getattr(engine, "routes", None)
    for name in thresholds:
        if callable(tracer) and len(rows) and len(destinations[name]):
            routes[name] = tracer(cells_xy_m[rows], destinations[name], np.arange(len(rows)))
        else:
            routes[name] = [None] * len(rows)
    out = {}
    for k, row in enumerate(rows):
        parts = {}
        for name, threshold in thresholds.items():
            route = routes[name][k]
            parts[name] = _nearest_why(cells_xy_m[row], nearest[name], destinations[name], int(row), threshold,
                                       names, route)  # fmt: skip
        pole, antenne = parts[POLE_CLASS], parts[ANTENNE_CLASS]
        fix_class = POLE_CLASS if pole.over_minutes < antenne.over_minutes else ANTENNE_CLASS
        draft = CellWhy(int(row), pole, antenne, fix_class, min(pole.over_minutes, antenne.over_minutes), "")
        out[int(row)] = replace(draft, text_fr=why_text_fr(draft, mode_fr))
    return out


def why_record(why: CellWhy) -> dict[str, object]:
    """The JSON form of one explanation (``cells[].why``): per class, then the smallest change."""
    def part(n: NearestWhy) -> dict[str, object]:
        record = asdict(n)
        record["bridges"] = list(n.bridges)
        return record

    return {
        POLE_CLASS: part(why.pole),
        ANTENNE_CLASS: part(why.antenne),
        "fix_class": why.fix_class,
        "fix_minutes": why.fix_minutes,
        "text_fr": why.text_fr,
    }
