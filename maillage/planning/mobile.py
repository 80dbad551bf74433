"""One mobile unit: the stops and weekly timetable that reach the most residents outside the standard.

1. **Stops** — maximal coverage (:func:`~maillage.planning.optimise.max_coverage`) over the same
   candidates as new sites, restricted to residents outside the standard: a stop reaches a cell
   within the threshold of the kind the unit counts as (default antenne, 15 min).
2. **Timetable** — the unit works ``slots`` half-days a week (default Monday–Friday mornings and
   afternoons). Each stop gets at least one half-day, the rest go to the stops reaching the most
   residents (largest remainders), spread over the week in turn. Hours are OSM ``opening_hours``,
   so the time-aware audit (``--when``, ``--week``) counts each stop only while it is served.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from maillage.audit.guarantee import run_audit
from maillage.audit.standard import POLE_CLASS, ServiceStandard
from maillage.i18n import _
from maillage.network.engine import TravelTimeEngine
from maillage.numbers import fr_number
from maillage.planning.candidates import CANDIDATE_SOURCES, build_candidates
from maillage.planning.matrix import method_fr, travel_matrix
from maillage.planning.optimise import PlanningError, max_coverage
from maillage.population.cells import Cells
from maillage.registry import hours
from maillage.registry.snapshot import Snapshot

HALF_DAYS: tuple[tuple[str, str], ...] = tuple(
    (day, span) for day in ("Mo", "Tu", "We", "Th", "Fr") for span in ("09:00-12:30", "13:30-17:00")
)


def allocate(scores: Sequence[float], n_slots: int) -> list[int]:
    """Half-days per stop: one each, the rest by largest remainder of the scores (sum = n_slots)."""
    n = len(scores)
    if n == 0 or n_slots < n:
        raise PlanningError(
            _("{n} arrêt(s) pour {n_slots} demi-journée(s) : il faut au moins une demi-journée par arrêt").format(
                n=n, n_slots=n_slots)
        )
    scores = np.asarray(scores, float)
    share = scores / scores.sum() * (n_slots - n) if scores.sum() > 0 else np.full(n, (n_slots - n) / n)
    extra = np.floor(share).astype(int)
    for j in np.argsort(-(share - extra), kind="stable")[: n_slots - n - int(extra.sum())]:
        extra[j] += 1
    return [int(1 + e) for e in extra]


def timetable(counts: Sequence[int], slots: Sequence[tuple[str, str]] = HALF_DAYS) -> list[str]:
    """OSM ``opening_hours`` of each stop: half-days dealt in turn so visits spread over the week."""
    if sum(counts) > len(slots):
        raise PlanningError(_("plus de demi-journées demandées que la semaine n'en offre"))
    left = list(counts)
    by_stop: list[dict[str, list[str]]] = [{} for _ in counts]
    turn = 0
    for day, span in slots[: sum(counts)]:
        while left[turn % len(left)] == 0:
            turn += 1
        stop = turn % len(left)
        by_stop[stop].setdefault(day, []).append(span)
        left[stop] -= 1
        turn += 1
    out = []
    for days in by_stop:
        groups: dict[str, list[str]] = {}
        for day, spans in days.items():  # days with the same spans share one rule: "Mo,We 09:00-12:30"
            groups.setdefault(",".join(spans), []).append(day)
        out.append(hours.validate("; ".join(f"{','.join(d)} {spans}" for spans, d in groups.items())))
    return out


def plan_mobile_unit(
    snapshot: Snapshot,
    cells: Cells,
    engine: TravelTimeEngine,
    standard: ServiceStandard | None = None,
    *,
    stops: int = 5,
    unit: str = "Unité mobile",
    counts_as: str = "antenne",
    slots: Sequence[tuple[str, str]] = HALF_DAYS,
    sources: Sequence[str] = CANDIDATE_SOURCES,
    grid_step_m: float = 600.0,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Best stops and weekly timetable for one unit (JSON-able, with ``add_mobile_stop`` changes)."""
    standard = standard or ServiceStandard()
    say = progress or (lambda _m: None)
    if not 1 <= stops <= len(slots):
        raise PlanningError(
            _("le nombre d'arrêts doit être entre 1 et {n_slots} (demi-journées de la semaine)").format(
                n_slots=len(slots)))
    threshold = standard.pole_minutes if counts_as in standard.class_kinds()[POLE_CLASS] else standard.antenne_minutes
    say("Audit de l'existant…")
    baseline = run_audit(snapshot, cells, engine, standard, sources=[])
    outside = np.flatnonzero(~baseline.within & (cells.population > 0))
    candidates = build_candidates(snapshot, cells, standard, sources, grid_step_m=grid_step_m)
    say(_("Matrice des temps : {cells} carreaux hors norme × {candidates} candidats…").format(
        cells=len(outside), candidates=len(candidates)))
    matrix = travel_matrix(engine, cells.xy_m[outside], candidates[["x_m", "y_m"]].to_numpy(float), threshold)
    cover = matrix.within(threshold)
    weights = cells.population[outside]
    if cover.nnz == 0:
        raise PlanningError(
            _("aucun arrêt candidat n'est à moins de {threshold} min d'un habitant hors norme").format(
                threshold=fr_number(threshold)))
    say(_("Choix des arrêts (HiGHS)…"))
    chosen = max_coverage(cover, weights, stops)
    reached_alone = [float(weights[cover[:, [j]].toarray().ravel() > 0].sum()) for j in chosen.chosen]
    counts = allocate(reached_alone, len(slots))
    schedule = timetable(counts, slots)
    result_stops, changes = [], []
    for j, alone, n_half, osm in zip(chosen.chosen, reached_alone, counts, schedule, strict=True):
        c = candidates.iloc[j]
        name = f"{unit} — {c['commune'] or c['name']}" + (f" ({c['name']})" if c["source"] == "partners" else "")
        result_stops.append(
            {
                "candidate_id": c["id"],
                "name": name,
                "commune": c["commune"],
                "commune_code": c["commune_code"],
                "lon": float(c["lon"]),
                "lat": float(c["lat"]),
                "opening_hours": osm,
                "half_days": n_half,
                "population_reached": alone,
            }
        )
        payload = {
            "unit": unit,
            "name": name,
            "lon": float(c["lon"]),
            "lat": float(c["lat"]),
            "opening_hours": osm,
            "counts_as": counts_as,
        }
        if c["commune_code"]:
            payload["commune_code"] = c["commune_code"]
        changes.append({"op": "add_mobile_stop", "site_id": None, "payload": payload})
    return {
        "method": "mobile",
        "unit": unit,
        "counts_as": counts_as,
        "threshold_minutes": threshold,
        "stops": result_stops,
        "population_reached": chosen.objective,
        "population_gain": chosen.objective,
        "population_outside": float(weights.sum()),
        "half_days": len(slots),
        "solver": {"name": "HiGHS", "status": chosen.solution.status, "seconds": round(chosen.solution.seconds, 3)},
        "changes": changes,
        "notes": [
            _("Un arrêt ne compte que pendant ses horaires (audit --when / --week) ; « desservis » = à moins de "
              "{minutes} min d'un arrêt au moins une demi-journée par semaine ({how}).").format(
                minutes=fr_number(threshold), how=method_fr(matrix.method))
        ],
    }
