"""Optimisers against brute force (itertools over candidate subsets) on small random instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from maillage.planning.optimise import PlanningError, capacitated, max_coverage, p_median, set_cover


def instance(seed: int, n_rows: int = 14, n_cand: int = 7, radius: float = 0.32):
    """Random points in the unit square: demand rows, candidates, distances and coverage within ``radius``."""
    rng = np.random.default_rng(seed)
    demand_xy, cand_xy = rng.random((n_rows, 2)), rng.random((n_cand, 2))
    dist = np.linalg.norm(demand_xy[:, None, :] - cand_xy[None, :, :], axis=2) * 30  # "minutes"
    weights = rng.integers(1, 100, n_rows).astype(float)
    return dist, weights, dist <= radius * 30


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [1, 2, 3])
def test_max_coverage_matches_brute_force(seed: int, k: int) -> None:
    _dist, weights, cover = instance(seed)
    best = max(weights[cover[:, list(s)].any(axis=1)].sum() for s in itertools.combinations(range(cover.shape[1]), k))
    found = max_coverage(sp.csr_matrix(cover), weights, k)
    assert len(found.chosen) <= k
    assert found.objective == pytest.approx(best)
    assert weights[cover[:, list(found.chosen)].any(axis=1)].sum() == pytest.approx(best)


@pytest.mark.parametrize("seed", range(8))
def test_set_cover_matches_brute_force(seed: int) -> None:
    _dist, _weights, cover = instance(seed, radius=0.45)
    cover = cover[cover.any(axis=1)]
    n_cand = cover.shape[1]
    smallest = next(
        size
        for size in range(1, n_cand + 1)
        if any(cover[:, list(s)].any(axis=1).all() for s in itertools.combinations(range(n_cand), size))
    )
    found = set_cover(sp.csr_matrix(cover))
    assert len(found.chosen) == smallest
    assert cover[:, list(found.chosen)].any(axis=1).all()


def test_set_cover_budget_too_small_is_a_clear_error() -> None:
    cover = np.eye(4, dtype=bool)  # four separate demand points: four sites needed
    with pytest.raises(PlanningError, match=r"au plus 2 nouveau\(x\) site\(s\) : augmentez --max-sites"):
        set_cover(sp.csr_matrix(cover), max_sites=2)
    with pytest.raises(PlanningError, match="hors d'atteinte"):
        set_cover(sp.csr_matrix(np.array([[1, 0], [0, 0]], dtype=bool)))


def test_ranked_alternatives_exclude_earlier_answers() -> None:
    _dist, weights, cover = instance(3)
    scores = sorted((weights[cover[:, j]].sum() for j in range(cover.shape[1])), reverse=True)
    first = max_coverage(sp.csr_matrix(cover), weights, 1)
    second = max_coverage(sp.csr_matrix(cover), weights, 1, exclude=[first.chosen])
    assert first.chosen != second.chosen
    assert [first.objective, second.objective] == pytest.approx(scores[:2])


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [1, 2])
def test_p_median_with_fixed_existing_sites_matches_brute_force(seed: int, k: int) -> None:
    dist, weights, _ = instance(seed, n_cand=8)
    existing, cand = dist[:, :2], dist[:, 2:]  # two existing sites are kept; choose among six
    current = existing.min(axis=1)
    best = (
        min(
            np.dot(weights, np.minimum(current, cand[:, list(s)].min(axis=1)))
            for s in itertools.combinations(range(cand.shape[1]), k)
        )
        / weights.sum()
    )
    rows, cols = np.nonzero(np.isfinite(cand))
    found = p_median(rows, cols, cand[rows, cols], current, weights, cand.shape[1], k)
    assert found.objective == pytest.approx(best)


def _lp_served(weights, demand, capacity, allowed, minutes, median, unserved):
    """Reference for one set of open sites: the assignment LP solved by scipy's linprog."""
    n_rows, n_sites = allowed.shape
    pairs = list(zip(*np.nonzero(allowed), strict=True))
    n = len(pairs) + (n_rows if median else 0)
    c = np.zeros(n)
    a_ub, b_ub, a_eq, b_eq = [], [], [], []
    for p, (i, j) in enumerate(pairs):
        c[p] = weights[i] * minutes[i, j] if median else -weights[i]
    if median:
        c[len(pairs) :] = weights * unserved
    for i in range(n_rows):
        row = np.zeros(n)
        row[[p for p, (r, _) in enumerate(pairs) if r == i]] = 1
        if median:
            row[len(pairs) + i] = 1
            a_eq.append(row), b_eq.append(1)
        else:
            a_ub.append(row), b_ub.append(1)
    for j in range(n_sites):
        row = np.zeros(n)
        for p, (i, s) in enumerate(pairs):
            if s == j:
                row[p] = demand[i]
        a_ub.append(row), b_ub.append(capacity[j])
    res = linprog(
        c,
        A_ub=np.array(a_ub),
        b_ub=b_ub,
        A_eq=np.array(a_eq) if a_eq else None,
        b_eq=b_eq or None,
        bounds=(0, 1),
        method="highs",
    )
    return res.fun if median else -res.fun


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("objective", ["coverage", "median"])
def test_capacitated_models_match_brute_force(seed: int, objective: str) -> None:
    dist, weights, cover = instance(seed, n_rows=10, n_cand=6, radius=0.4)
    demand = weights * 0.1
    capacity = np.full(6, demand.sum() / 4)
    n_fixed, k, median = 2, 2, objective == "median"
    allowed = np.isfinite(dist) if median else cover
    best = None
    for s in itertools.combinations(range(n_fixed, 6), k):
        open_ = [*range(n_fixed), *s]
        mask = np.zeros_like(allowed)
        mask[:, open_] = allowed[:, open_]
        value = _lp_served(weights, demand, capacity, mask, dist, median, 60.0)
        best = value if best is None else (min(best, value) if median else max(best, value))
    rows, cols = np.nonzero(allowed)
    found = capacitated(rows, cols, dist[rows, cols], weights, demand, capacity, n_fixed, k, objective=objective)
    assert found.objective == pytest.approx(best, rel=1e-6)
