"""Location models as mixed-integer programs on sparse arrays, solved by HiGHS (pure functions).

Rows are demand points (population cells), columns candidate sites. Existing sites are fixed: the
caller passes only what is left to gain (cells outside the standard for the coverage models, the
current time to the nearest existing site for the p-median, existing sites as always-open columns
for the capacitated models). Every model accepts ``exclude``: sets of candidates already proposed,
each cut off by ``Σ_{j∈S} y_j ≤ |S| − 1``, which yields ranked alternatives.

Units: weights are residents, times minutes, demand and capacity in the same unit (e.g. visits).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from maillage.i18n import _
from maillage.planning.solver import INF, MipSolution, solve_mip


class PlanningError(ValueError):
    """A planning request that cannot be met (message in French, shown as is)."""


@dataclass(frozen=True)
class Selection:
    """Chosen candidate indices, the model's objective and the solver's report."""

    chosen: tuple[int, ...]
    objective: float
    solution: MipSolution
    detail: dict[str, float]


def _cuts(exclude: Sequence[Sequence[int]], n_cand: int, n_cols: int) -> tuple[list[sp.csr_matrix], list[float]]:
    blocks, upper = [], []
    for chosen in exclude:
        chosen = sorted(set(chosen))
        row = sp.csr_matrix((np.ones(len(chosen)), (np.zeros(len(chosen), int), chosen)), shape=(1, n_cols))
        blocks.append(row)
        upper.append(len(chosen) - 1.0)
    return blocks, upper


def _budget(n_cand: int, n_cols: int, k: int | None) -> tuple[list[sp.csr_matrix], list[float]]:
    if k is None:
        return [], []
    return [sp.csr_matrix((np.ones(n_cand), (np.zeros(n_cand, int), np.arange(n_cand))), shape=(1, n_cols))], [float(k)]


def _chosen(x: np.ndarray, n_cand: int) -> tuple[int, ...]:
    return tuple(int(j) for j in np.flatnonzero(x[:n_cand] > 0.5))


def max_coverage(
    cover: sp.spmatrix,
    weights: np.ndarray,
    k: int,
    *,
    exclude: Sequence[Sequence[int]] = (),
    time_limit_s: float = 60.0,
) -> Selection:
    """At most ``k`` candidates covering the most weight: ``max Σ w_i z_i``, ``z_i ≤ Σ_j a_ij y_j``."""
    full = sp.csr_matrix(cover, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    if k < 1:
        raise PlanningError(_("le nombre de nouveaux sites doit être au moins 1"))
    n_cand = full.shape[1]
    if k == 1:
        return _best_single(full, weights, exclude)
    a, w = merge_identical_rows(full, weights)  # rows covered by the same candidates: one row, summed weight
    n_rows = a.shape[0]
    n_cols = n_cand + n_rows
    link = sp.hstack([-a, sp.identity(n_rows, format="csr")], format="csr")  # z_i - Σ a_ij y_j ≤ 0
    budget, b_up = _budget(n_cand, n_cols, k)
    cuts, c_up = _cuts(exclude, n_cand, n_cols)
    matrix = sp.vstack([link, *budget, *cuts], format="csr")
    upper = np.concatenate([np.zeros(n_rows), b_up, c_up])
    cost = np.concatenate([np.zeros(n_cand), w])
    solution = _maximise(cost, matrix, upper, n_cand, time_limit_s)
    chosen = _chosen(solution.x, n_cand)
    covered = np.asarray(full[:, list(chosen)].sum(axis=1)).ravel() > 0 if chosen else np.zeros(full.shape[0], bool)
    value = float(np.dot(weights, covered))
    return Selection(chosen, value, solution, {"weight_covered": value})


def _maximise(
    cost: np.ndarray, matrix: sp.csr_matrix, upper: np.ndarray, n_cand: int, time_limit_s: float
) -> MipSolution:
    """Maximise ``cost · x`` with ``matrix · x ≤ upper``, x in [0, 1], the first ``n_cand`` (the sites) binary."""
    n_cols = matrix.shape[1]
    return solve_mip(
        cost,
        matrix,
        np.full(matrix.shape[0], -INF),
        upper,
        np.zeros(n_cols),
        np.ones(n_cols),
        np.r_[np.ones(n_cand, bool), np.zeros(n_cols - n_cand, bool)],
        maximise=True,
        time_limit_s=time_limit_s,
    )


def _best_single(a: sp.csr_matrix, weights: np.ndarray, exclude: Sequence[Sequence[int]]) -> Selection:
    """k = 1 is solved exactly by enumeration: each candidate's covered weight, the best one not excluded."""
    started = time.perf_counter()
    scores = np.asarray(a.T @ weights).ravel()
    for chosen in exclude:
        if len(chosen) == 1:
            scores[chosen[0]] = -INF
    best = int(np.argmax(scores))
    if not np.isfinite(scores[best]):
        raise PlanningError(_("plus aucun candidat à proposer"))
    x = np.zeros(a.shape[1])
    x[best] = 1.0
    solution = MipSolution(x, float(scores[best]), "Optimal (énumération)", time.perf_counter() - started, True)
    return Selection((best,), float(scores[best]), solution, {"weight_covered": float(scores[best])})


def merge_identical_rows(a: sp.csr_matrix, weights: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Rows with the same set of covering candidates merged into one, their weights summed."""
    a = sp.csr_matrix(a)
    a.sort_indices()
    keys = [a.indices[a.indptr[i] : a.indptr[i + 1]].tobytes() for i in range(a.shape[0])]
    _keys, first, inverse = np.unique(np.array(keys, dtype=object), return_index=True, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=weights, minlength=len(first))
    return a[first], merged


def set_cover(
    cover: sp.spmatrix,
    *,
    max_sites: int | None = None,
    exclude: Sequence[Sequence[int]] = (),
    time_limit_s: float = 60.0,
) -> Selection:
    """Fewest candidates such that every row is covered: ``min Σ y_j``, ``Σ_j a_ij y_j ≥ 1``.

    Rows that no candidate covers make the model infeasible: drop them first (see ``propose``).
    """
    a = sp.csr_matrix(cover, dtype=np.float64)
    n_rows, n_cand = a.shape
    empty = np.flatnonzero(np.diff(a.indptr) == 0)
    if len(empty):
        raise PlanningError(
            _("{n} point(s) de demande hors d'atteinte de tout candidat : couverture impossible").format(n=len(empty))
        )
    budget, b_up = _budget(n_cand, n_cand, max_sites)
    cuts, c_up = _cuts(exclude, n_cand, n_cand)
    matrix = sp.vstack([a, *budget, *cuts], format="csr")
    lower = np.concatenate([np.ones(n_rows), np.full(len(b_up) + len(c_up), -INF)])
    upper = np.concatenate([np.full(n_rows, INF), b_up, c_up])
    try:
        solution = solve_mip(
            np.ones(n_cand),
            matrix,
            lower,
            upper,
            np.zeros(n_cand),
            np.ones(n_cand),
            np.ones(n_cand, bool),
            time_limit_s=time_limit_s,
        )
    except PlanningError:
        raise
    except Exception as exc:
        if max_sites is not None and "infeasible" in str(exc):
            raise PlanningError(
                _("impossible de couvrir toute la demande avec au plus {max_sites} nouveau(x) site(s) : augmentez "
                  "--max-sites, ou lancez sans --max-sites pour le nombre de sites qu'il faut").format(
                    max_sites=max_sites)
            ) from None
        raise
    chosen = _chosen(solution.x, n_cand)
    return Selection(chosen, float(len(chosen)), solution, {"sites": float(len(chosen))})


def p_median(
    rows: np.ndarray,
    cols: np.ndarray,
    minutes: np.ndarray,
    current: np.ndarray,
    weights: np.ndarray,
    n_cand: int,
    k: int,
    *,
    exclude: Sequence[Sequence[int]] = (),
    time_limit_s: float = 60.0,
) -> Selection:
    """``k`` candidates minimising the weighted mean time to the nearest site, existing sites kept.

    ``current`` is each row's time to its nearest existing site (finite; cap ``inf`` beforehand).
    Savings form: ``max Σ w_i (current_i − t_ij) x_ij``, ``Σ_j x_ij ≤ 1``, ``x_ij ≤ y_j``, ``Σ y ≤ k``.
    ``detail["mean_minutes"]`` is the resulting weighted mean time.
    """
    if k < 1:
        raise PlanningError(_("le nombre de nouveaux sites doit être au moins 1"))
    weights, current = np.asarray(weights, float), np.asarray(current, float)
    useful = minutes < current[rows] - 1e-9
    rows, cols, minutes = rows[useful], cols[useful], minutes[useful]
    if k == 1:  # exact by enumeration: each candidate's total saving
        saving = np.bincount(cols, weights=weights[rows] * (current[rows] - minutes), minlength=n_cand)
        single = _best_single(sp.csr_matrix(np.atleast_2d(saving)), np.ones(1), exclude)
        best = current.copy()
        pick = cols == single.chosen[0]
        np.minimum.at(best, rows[pick], minutes[pick])
        mean = float(np.dot(weights, best) / weights.sum()) if weights.sum() > 0 else 0.0
        return Selection(
            single.chosen, mean, single.solution, {"mean_minutes": mean, "total_minutes": float(np.dot(weights, best))}
        )
    n_rows, n_pairs = len(current), len(rows)
    n_cols = n_cand + n_pairs
    pair_ix = n_cand + np.arange(n_pairs)
    assign = sp.csr_matrix((np.ones(n_pairs), (rows, pair_ix)), shape=(n_rows, n_cols))
    link = sp.csr_matrix(
        (
            np.r_[np.ones(n_pairs), -np.ones(n_pairs)],
            (np.r_[np.arange(n_pairs), np.arange(n_pairs)], np.r_[pair_ix, cols]),
        ),
        shape=(n_pairs, n_cols),
    )
    budget, b_up = _budget(n_cand, n_cols, k)
    cuts, c_up = _cuts(exclude, n_cand, n_cols)
    matrix = sp.vstack([assign, link, *budget, *cuts], format="csr")
    upper = np.concatenate([np.ones(n_rows), np.zeros(n_pairs), b_up, c_up])
    saving = weights[rows] * (current[rows] - minutes)
    cost = np.concatenate([np.zeros(n_cand), saving])
    solution = _maximise(cost, matrix, upper, n_cand, time_limit_s)
    chosen = _chosen(solution.x, n_cand)
    best = current.copy()
    pick = np.isin(cols, chosen)
    np.minimum.at(best, rows[pick], minutes[pick])
    mean = float(np.dot(weights, best) / weights.sum()) if weights.sum() > 0 else 0.0
    return Selection(chosen, mean, solution, {"mean_minutes": mean, "total_minutes": float(np.dot(weights, best))})


def capacitated(
    rows: np.ndarray,
    cols: np.ndarray,
    minutes: np.ndarray,
    weights: np.ndarray,
    demand: np.ndarray,
    capacity: np.ndarray,
    n_fixed: int,
    k: int,
    *,
    objective: str = "coverage",
    unserved_minutes: float = 60.0,
    exclude: Sequence[Sequence[int]] = (),
    time_limit_s: float = 60.0,
) -> Selection:
    """Capacitated coverage or p-median over existing (columns ``< n_fixed``, always open) and candidate sites.

    Pairs ``(rows, cols)`` are the allowed assignments (for coverage: only pairs within the standard).
    ``x_p`` is the share of row i's demand served by site j; ``Σ_i demand_i x_ij ≤ capacity_j``
    (``× y_j`` for candidates). Coverage: ``max Σ w_i x_ij``. P-median: ``min Σ w_i t_ij x_ij +
    Σ w_i unserved_minutes u_i`` with ``Σ_j x_ij + u_i = 1``. ``k`` new sites at most (0 = baseline).
    ``exclude`` holds sets of *candidate* indices (0-based among candidates).
    """
    if objective not in ("coverage", "median"):
        raise ValueError("objective must be 'coverage' or 'median'")
    weights, demand, capacity = np.asarray(weights, float), np.asarray(demand, float), np.asarray(capacity, float)
    n_rows, n_sites, n_pairs = len(weights), len(capacity), len(rows)
    n_cand = n_sites - n_fixed
    median = objective == "median"
    n_cols = n_cand + n_pairs + (n_rows if median else 0)
    pair_ix = n_cand + np.arange(n_pairs)
    assign_cols = [pair_ix] + ([n_cand + n_pairs + np.arange(n_rows)] if median else [])
    assign_rows = [rows] + ([np.arange(n_rows)] if median else [])
    assign = sp.csr_matrix(
        (np.ones(sum(len(c) for c in assign_cols)), (np.concatenate(assign_rows), np.concatenate(assign_cols))),
        shape=(n_rows, n_cols),
    )
    cand_of_pair = cols - n_fixed
    site_rows = [cols, np.flatnonzero(np.arange(n_sites) >= n_fixed)]
    site_cols = [pair_ix, np.arange(n_cand)]
    site_vals = [demand[rows], -capacity[n_fixed:]]
    load = sp.csr_matrix(
        (np.concatenate(site_vals), (np.concatenate(site_rows), np.concatenate(site_cols))), shape=(n_sites, n_cols)
    )
    budget, b_up = _budget(n_cand, n_cols, k)
    cuts, c_up = _cuts(exclude, n_cand, n_cols)
    # x_ij ≤ y_j for candidate pairs: not needed for correctness (capacity row), tightens the relaxation
    cand_pairs = np.flatnonzero(cand_of_pair >= 0)
    link = sp.csr_matrix(
        (
            np.r_[np.ones(len(cand_pairs)), -np.ones(len(cand_pairs))],
            (
                np.r_[np.arange(len(cand_pairs)), np.arange(len(cand_pairs))],
                np.r_[pair_ix[cand_pairs], cand_of_pair[cand_pairs]],
            ),
        ),
        shape=(len(cand_pairs), n_cols),
    )
    matrix = sp.vstack([assign, load, link, *budget, *cuts], format="csr")
    site_upper = np.where(np.arange(n_sites) < n_fixed, capacity, 0.0)
    lower = np.concatenate(
        [
            np.ones(n_rows) if median else np.full(n_rows, -INF),
            np.full(n_sites + len(cand_pairs) + len(b_up) + len(c_up), -INF),
        ]
    )
    upper = np.concatenate([np.ones(n_rows), site_upper, np.zeros(len(cand_pairs)), b_up, c_up])
    if median:
        cost = np.concatenate([np.zeros(n_cand), weights[rows] * minutes, weights * unserved_minutes])
    else:
        cost = np.concatenate([np.zeros(n_cand), weights[rows]])
    integer = np.r_[np.ones(n_cand, bool), np.zeros(n_cols - n_cand, bool)]
    solution = solve_mip(
        cost,
        matrix,
        lower,
        upper,
        np.zeros(n_cols),
        np.ones(n_cols),
        integer,
        maximise=not median,
        time_limit_s=time_limit_s,
    )
    chosen = _chosen(solution.x, n_cand)
    served = float(np.dot(weights[rows], solution.x[pair_ix]))
    detail = {"population_served": served}
    if median:
        detail["mean_minutes"] = solution.objective / weights.sum() if weights.sum() > 0 else 0.0
    return Selection(chosen, solution.objective, solution, detail)
