"""Where should the next sites go? Candidates → travel-time matrix → optimiser → ranked proposals.

Methods (existing sites always kept):

* ``coverage`` — maximal coverage: ``new_sites`` sites covering the most residents now outside the
  standard (a new antenne covers a cell within the antenne threshold, a new pôle within the pôle one);
* ``setcover`` — the fewest new sites so that every resident a candidate *can* bring within the
  standard is brought within it (those no candidate reaches are counted and reported);
* ``pmedian`` — ``new_sites`` sites minimising the population-weighted mean time to the nearest site;
* ``capacitated-coverage`` / ``capacitated-pmedian`` — the same with capacities: each site (existing
  and new) serves at most its capacity. With ``capacity`` (users), demand = population × ``use_rate``;
  without, the registry's interview rooms, as the audit's 2SFCA reads them
  (:mod:`maillage.planning.capacities`), times an admitted load in residents per room.

Each proposal is JSON-able: the new sites, ``population_gain`` (residents brought within the
standard), the before/after figures, ``value`` (residents newly within and minutes saved, from
:func:`maillage.audit.marginal.proposal_value`) and the scenario ``changes`` ready to be saved.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from maillage.audit.guarantee import AuditResult, run_audit
from maillage.audit.marginal import director_rows, proposal_value
from maillage.audit.standard import ANTENNE_CLASS, POLE_CLASS, ServiceStandard
from maillage.i18n import N_, _
from maillage.network.engine import TravelTimeEngine
from maillage.numbers import fr_decimal, fr_number
from maillage.numbers import fr_int as _n
from maillage.planning.candidates import CANDIDATE_SOURCES, build_candidates
from maillage.planning.capacities import demand_and_capacity
from maillage.planning.matrix import method_fr, travel_matrix
from maillage.planning.optimise import PlanningError, Selection, capacitated, max_coverage, p_median, set_cover
from maillage.planning.proposals import proposal_record
from maillage.planning.site_value import attach_site_value
from maillage.planning.solver import SolverError
from maillage.population.cells import Cells
from maillage.registry.addresses import OsmAddressData
from maillage.registry.listing import suggestion
from maillage.registry.snapshot import Snapshot
from maillage.registry.vocab import SiteKind

NEAREST_SITES = 8
PRESELECT = 40
METHODS = ("coverage", "setcover", "pmedian", "capacitated-coverage", "capacitated-pmedian")
METHOD_LABELS_FR = {
    "coverage": N_("couverture maximale"),
    "setcover": N_("couverture complète au moindre nombre de sites"),
    "pmedian": N_("p-médiane (temps moyen le plus court)"),
    "capacitated-coverage": N_("couverture maximale avec capacités"),
    "capacitated-pmedian": N_("p-médiane avec capacités"),
}


@dataclass(frozen=True)
class PlanRequest:
    """What to optimise. Minutes for times, residents for population, metres for the grid step."""

    method: str = "coverage"
    new_sites: int = 1
    kind: str = SiteKind.ANTENNE.value
    candidates: tuple[str, ...] = CANDIDATE_SOURCES
    grid_step_m: float = 600.0
    proposals: int = 3
    use_rate: float = 0.05
    capacity: float | None = None
    existing_capacity: float | None = None
    residents_per_room: float | None = None  # registry capacities: admitted load (default: the département's)
    new_site_rooms: float | None = None  # registry capacities: rooms of a new site (default: its kind's)
    max_sites: int | None = None
    require_all: bool = False
    unserved_minutes: float = 60.0
    time_limit_s: float = 60.0
    distinct_m: float = 1000.0  # one new site: later proposals lie at least this far from earlier ones

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise PlanningError(
                _("méthode « {method} » inconnue{hint} (connues : {known})").format(
                    method=self.method, hint=suggestion(self.method, METHODS), known=', '.join(METHODS)))
        if self.new_sites < 1 or self.proposals < 1:
            raise PlanningError(_("--new-sites et --proposals doivent valoir au moins 1"))
        if self.method.startswith("capacitated") and self.capacity is not None and self.capacity <= 0:
            raise PlanningError(_("--capacity doit être > 0 (en usagers ; sans elle, les capacités du registre)"))
        if self.residents_per_room is not None and self.residents_per_room <= 0:
            raise PlanningError(_("--residents-per-room doit être > 0 (habitants par bureau d'entretien)"))
        if self.new_site_rooms is not None and self.new_site_rooms < 0:
            raise PlanningError(_("--new-site-rooms doit être ≥ 0 (bureaux d'entretien)"))
        if not 0 < self.use_rate <= 1:
            raise PlanningError(_("--use-rate doit être dans ]0, 1]"))


@dataclass
class _Instance:
    request: PlanRequest
    standard: ServiceStandard
    baseline: AuditResult
    candidates: Any
    threshold: float
    weights: np.ndarray
    outside: np.ndarray
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def plan(
    snapshot: Snapshot,
    cells: Cells,
    engine: TravelTimeEngine,
    standard: ServiceStandard | None = None,
    request: PlanRequest | None = None,
    *,
    baseline: AuditResult | None = None,
    progress: Callable[[str], None] | None = None,
    addresses: OsmAddressData | None = None,
) -> dict[str, Any]:
    """Ranked proposals for ``request`` (JSON-able dict; raises PlanningError with a French message).

    ``addresses`` (the extract's address points) names each proposed site by its nearest address.
    """
    request = request or PlanRequest()
    standard = standard or ServiceStandard()
    say = progress or (lambda _m: None)
    kinds = standard.class_kinds()
    if request.kind not in kinds[ANTENNE_CLASS]:
        raise PlanningError(
            _("type de nouveau site « {kind} » non compté par la norme{hint} (comptés : {known})").format(
                kind=request.kind, hint=suggestion(request.kind, kinds[ANTENNE_CLASS]),
                known=', '.join(kinds[ANTENNE_CLASS]))
        )
    is_pole = request.kind in kinds[POLE_CLASS]
    threshold = standard.pole_minutes if is_pole else standard.antenne_minutes
    if baseline is None:
        say(_("Audit de l'existant…"))
        baseline = run_audit(snapshot, cells, engine, standard, sources=[])
    say("Candidats…")
    candidates = build_candidates(
        snapshot, cells, standard, request.candidates, grid_step_m=request.grid_step_m, addresses=addresses
    )
    if candidates.empty:
        raise PlanningError(_("aucun emplacement candidat (vérifiez --candidates)"))
    inst = _Instance(
        request,
        standard,
        baseline,
        candidates,
        threshold,
        cells.population.astype(float),
        (~baseline.within) & (cells.population > 0),
    )
    started = time.perf_counter()
    if request.method in ("coverage", "setcover"):
        selections, cover = _coverage_models(inst, engine, say)
    elif request.method == "pmedian":
        selections, cover = _pmedian(inst, engine, is_pole, say)
    else:
        selections, cover = _capacitated(inst, engine, snapshot, is_pole, say)
    inst.timings["total_s"] = time.perf_counter() - started
    proposals = [proposal_record(inst, rank, sel, cover) for rank, sel in enumerate(selections, start=1)]
    for p in proposals:  # residents newly within and minutes saved, re-timed from every cell
        new_xy = np.array([[s["x_m"], s["y_m"]] for s in p["new_sites"]], dtype=float)
        p["value"] = proposal_value(baseline, engine, new_xy, is_pole)
    total = float(baseline.total["population"])
    return {
        "method": request.method,
        "method_label": _(METHOD_LABELS_FR[request.method]),
        "request": asdict(request),
        "kind": request.kind,
        "threshold_minutes": threshold,
        "baseline": {
            "population": total,
            "population_within": float(baseline.total["population_within"]),
            "share_within": float(baseline.total["share_within"]),
            "population_outside": float(baseline.total["population_outside"]),
        },
        "candidates": {
            "count": len(candidates),
            "by_source": {k: int(v) for k, v in candidates["source"].value_counts().items()},
        },
        "timings_s": {k: round(v, 3) for k, v in inst.timings.items()},
        "engine": engine.describe(),
        "proposals": proposals,
        # the director's table: each proposal's gain, then each existing site's loss if it closed
        "director_table": director_rows(_weighed(baseline, engine).marginal, proposals),
        "notes": inst.notes,
    }


def _weighed(baseline: AuditResult, engine: TravelTimeEngine) -> AuditResult:
    return baseline if baseline.marginal is not None else attach_site_value(baseline, engine)


def propose(
    snapshot: Snapshot,
    cells: Cells,
    engine: TravelTimeEngine,
    *,
    standard: ServiceStandard | None = None,
    new_sites: int = 1,
    limit: int = 3,
    method: str = "coverage",
    baseline: AuditResult | None = None,
    addresses: OsmAddressData | None = None,
    **options: Any,
) -> list[dict[str, Any]]:
    """Ranked proposals only (the web workspace's call): see :func:`plan`."""
    request = PlanRequest(method=method, new_sites=new_sites, proposals=limit, **options)
    return plan(snapshot, cells, engine, standard, request, baseline=baseline, addresses=addresses)["proposals"]


def _matrix(inst: _Instance, engine: TravelTimeEngine, max_minutes: float, say: Callable[[str], None]):
    started = time.perf_counter()
    xy = inst.candidates[["x_m", "y_m"]].to_numpy(dtype=float)
    say(_("Matrice des temps : {cells} carreaux × {candidates} candidats…").format(cells=len(inst.weights),
                                                                                  candidates=len(xy)))
    matrix = travel_matrix(engine, inst.baseline.cells.xy_m, xy, max_minutes)
    inst.timings["matrix_s"] = time.perf_counter() - started
    inst.timings["matrix_pairs"] = float(len(matrix.rows))
    pairs, how = _n(len(matrix.rows)), method_fr(matrix.method)
    inst.notes.append(_("Matrice des temps : {pairs} paires ≤ {minutes} min ({how}).").format(
        pairs=pairs, minutes=fr_number(max_minutes), how=how))
    return matrix


def _ranked(solve: Callable[[list[tuple[int, ...]]], Selection], count: int, inst: _Instance) -> list[Selection]:
    found: list[Selection] = []
    started = time.perf_counter()
    for _round in range(count):
        try:
            selection = solve([s.chosen for s in found] + _near_earlier(found, inst))
        except (PlanningError, SolverError) as exc:
            if not found:
                raise PlanningError(str(exc)) from None
            break
        if not selection.chosen:
            break
        found.append(selection)
    inst.timings["solve_s"] = time.perf_counter() - started
    return found


def _near_earlier(found: list[Selection], inst: _Instance) -> list[tuple[int, ...]]:
    """For one new site: every candidate closer than ``distinct_m`` to an earlier proposal, as an exclusion.

    Without it the second "proposal" is the first one moved by a grid step; a planner wants
    alternatives in other places. (A one-candidate exclusion forbids that candidate when k = 1.)
    """
    if inst.request.new_sites != 1 or inst.request.distinct_m <= 0 or not found:
        return []
    xy = inst.candidates[["x_m", "y_m"]].to_numpy(dtype=float)
    chosen = xy[[j for s in found for j in s.chosen]]
    dist = np.min(np.hypot(xy[:, None, 0] - chosen[None, :, 0], xy[:, None, 1] - chosen[None, :, 1]), axis=1)
    return [(int(j),) for j in np.flatnonzero(dist < inst.request.distinct_m)]


def _coverage_models(inst: _Instance, engine: TravelTimeEngine, say: Callable[[str], None]):
    matrix = _matrix(inst, engine, inst.threshold, say)
    cover = matrix.within(inst.threshold).tocsr()
    rows = np.flatnonzero(inst.outside)
    sub = cover[rows]
    reachable = np.diff(sub.indptr) > 0
    unreachable_pop = float(inst.weights[rows[~reachable]].sum())
    if not reachable.any():
        raise PlanningError(
            _("aucun candidat n'amène un seul habitant hors norme à moins de {threshold} min : la demande ne peut "
              "pas être satisfaite avec ces candidats").format(threshold=fr_number(inst.threshold))
        )
    if unreachable_pop > 0:
        inst.notes.append(_("{n} habitants hors norme ne sont à moins de {minutes} min d'aucun candidat : aucun "
                            "nouveau site candidat ne peut les couvrir.").format(n=_n(unreachable_pop),
                                                                                 minutes=fr_number(inst.threshold)))
        if inst.request.require_all:
            raise PlanningError(
                _("{n} habitants hors norme sont hors d'atteinte de tout candidat en {threshold} min : couverture "
                  "complète impossible").format(n=_n(unreachable_pop), threshold=fr_number(inst.threshold))
            )
    rows, sub = rows[reachable], sub[reachable]
    say("Optimisation (HiGHS)…")
    r = inst.request
    if r.method == "setcover":
        selections = _ranked(
            lambda ex: set_cover(sub, max_sites=r.max_sites, exclude=ex, time_limit_s=r.time_limit_s), r.proposals, inst
        )
    else:
        selections = _ranked(
            lambda ex: max_coverage(sub, inst.weights[rows], r.new_sites, exclude=ex, time_limit_s=r.time_limit_s),
            r.proposals,
            inst,
        )
    return selections, cover


def _pmedian(inst: _Instance, engine: TravelTimeEngine, is_pole: bool, say: Callable[[str], None]):
    r = inst.request
    current = inst.baseline.minutes(POLE_CLASS if is_pole else ANTENNE_CLASS)
    current = np.minimum(current, r.unserved_minutes)
    populated = inst.weights > 0
    matrix = _matrix(inst, engine, max(float(current[populated].max()), inst.threshold), say)
    cover = matrix.within(inst.threshold).tocsr()
    say("Optimisation (HiGHS)…")
    n_cand = len(inst.candidates)
    selections = _ranked(
        lambda ex: p_median(
            matrix.rows,
            matrix.cols,
            matrix.minutes,
            current,
            inst.weights,
            n_cand,
            r.new_sites,
            exclude=ex,
            time_limit_s=r.time_limit_s,
        ),
        r.proposals,
        inst,
    )
    mean = fr_decimal(float(np.dot(inst.weights, current) / inst.weights.sum()), 1)
    inst.notes.append(_("Temps moyen actuel jusqu'au site le plus proche : {mean} min (temps plafonnés à {cap} "
                        "min).").format(mean=mean, cap=fr_number(r.unserved_minutes)))
    return selections, cover


def _capacitated(inst: _Instance, engine: TravelTimeEngine, snapshot: Snapshot, is_pole: bool, say):
    r, s = inst.request, inst.standard
    cls = POLE_CLASS if is_pole else ANTENNE_CLASS
    existing = inst.baseline.destinations[cls]
    median = r.method == "capacitated-pmedian"
    limit = r.unserved_minutes if median else max(s.pole_minutes, s.antenne_minutes)
    cand_m = _matrix(inst, engine, max(limit, inst.threshold), say)
    exist_m = travel_matrix(engine, inst.baseline.cells.xy_m, existing.xy_m, limit)
    kinds = dict(zip(snapshot.sites["id"], snapshot.sites["kind"], strict=True))
    exist_limit = np.array(
        [s.pole_minutes if kinds.get(i) in s.pole_kinds else s.antenne_minutes for i in existing.site_ids]
    )
    n_fixed = len(existing)
    # Pre-selection: the PRESELECT candidates with the best uncapacitated gain (keeps the model small).
    gain = np.asarray(
        cand_m.within(inst.threshold)[np.flatnonzero(inst.outside)].T @ inst.weights[inst.outside]
    ).ravel()
    keep = np.sort(np.argsort(-gain, kind="stable")[: max(PRESELECT, 10 * r.new_sites)])
    local = np.full(len(inst.candidates), -1)
    local[keep] = np.arange(len(keep))
    inst.notes.append(_("Variante avec capacités : {n} candidats présélectionnés (meilleur gain sans "
                        "capacité).").format(n=len(keep)))
    pick = local[cand_m.cols] >= 0
    rows = np.r_[exist_m.rows, cand_m.rows[pick]]
    cols = np.r_[exist_m.cols, local[cand_m.cols[pick]] + n_fixed]
    minutes = np.r_[exist_m.minutes, cand_m.minutes[pick]]
    if not median:
        within = minutes <= np.r_[exist_limit[exist_m.cols], np.full(int(pick.sum()), inst.threshold)]
        rows, cols, minutes = rows[within], cols[within], minutes[within]
    populated = inst.weights[rows] > 0
    rows, cols, minutes = rows[populated], cols[populated], minutes[populated]
    if median:  # each cell may be assigned to one of its NEAREST_SITES nearest sites only (size of the model)
        rows, cols, minutes = nearest_pairs(rows, cols, minutes, NEAREST_SITES)
        inst.notes.append(_("P-médiane avec capacités : chaque carreau est affecté à l'un de ses {n} sites les plus "
                            "proches au plus (restriction du modèle).").format(n=NEAREST_SITES))
    demand, capacity, unit_note, cap_notes = demand_and_capacity(r, snapshot.sites, existing, len(keep), inst.weights)
    inst.notes.extend(cap_notes)
    objective = "median" if median else "coverage"

    def solve(k: int, ex: list[tuple[int, ...]]) -> Selection:
        found = capacitated(
            rows,
            cols,
            minutes,
            inst.weights,
            demand,
            capacity,
            n_fixed,
            k,
            objective=objective,
            unserved_minutes=r.unserved_minutes,
            # candidates left out of the pre-selection cannot be chosen: their exclusions are moot (local −1)
            exclude=[cut for cut in (tuple(local[j] for j in s if local[j] >= 0) for s in ex) if cut],
            time_limit_s=r.time_limit_s,
        )
        return dataclasses.replace(found, chosen=tuple(int(keep[j]) for j in found.chosen))

    say(_("Optimisation avec capacités (HiGHS)…"))
    base = solve(0, [])
    inst.notes.append(_("Capacités : {unit}. Sans nouveau site : {n} habitants servis dans la norme et la "
                        "capacité.").format(unit=unit_note, n=_n(base.detail["population_served"])))
    inst.timings["baseline_served"] = base.detail["population_served"]
    if median:
        inst.timings["baseline_mean_minutes"] = float(base.detail["mean_minutes"])
    selections = _ranked(lambda ex: solve(r.new_sites, ex), r.proposals, inst)
    return selections, cand_m.within(inst.threshold).tocsr()


def nearest_pairs(rows: np.ndarray, cols: np.ndarray, minutes: np.ndarray, k: int) -> tuple[np.ndarray, ...]:
    """Keep, for each row, its ``k`` shortest pairs."""
    order = np.lexsort((minutes, rows))
    rows, cols, minutes = rows[order], cols[order], minutes[order]
    starts = np.r_[0, np.flatnonzero(np.diff(rows)) + 1]
    rank = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
    keep = rank < k
    return rows[keep], cols[keep], minutes[keep]


def sequence_or_all(value: Sequence[str] | str | None) -> tuple[str, ...]:
    """Candidate sources from a CLI string ``partners,grid`` (empty or None = all)."""
    if value is None or value == "" or value == "all":
        return CANDIDATE_SOURCES
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(i.strip() for i in items if i.strip())
