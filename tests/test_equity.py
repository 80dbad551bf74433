"""Inequality indices on hand-computed cases and against the same indices computed on individuals.

Definitions: maillage.audit.equity (after the R package ``accessibility``, IPEA).
"""

from __future__ import annotations

import numpy as np
import pytest

from maillage.audit.equity import (
    concentration_index,
    equity_by_group,
    equity_figures,
    gini_index,
    palma_ratio,
)


def test_gini_of_four_equal_residents_by_hand() -> None:
    # times 10, 20, 30, 40: mean 25; sum over ordered pairs of |xi - xj| = 2 × (10+20+30+10+20+10) = 200
    # G = 200 / (2 × 4² × 25) = 0.25. Lorenz: 0.1, 0.3, 0.6, 1 → 1 − 0.25 × (0.1+0.4+0.9+1.6) = 0.25
    assert gini_index(np.array([40.0, 10, 30, 20]), np.ones(4)) == pytest.approx(0.25)


def test_gini_weighs_cells_by_residents() -> None:
    # 3 residents at 10 min, 1 at 30: mean 15; pairs: 2 × 3 × 1 × 20 = 120 → 120 / (2 × 16 × 15) = 0.25
    assert gini_index(np.array([10.0, 30.0]), np.array([3.0, 1.0])) == pytest.approx(0.25)
    assert gini_index(np.array([12.0, 12.0, 12.0]), np.array([1.0, 5.0, 2.0])) == pytest.approx(0.0)


def test_palma_splits_the_cell_on_the_boundary() -> None:
    # 10 residents: 2,2,2 | 6 ×6 | 10. Bottom 40 % = 2,2,2,6 → 3; top 10 % = 10 → 10 / 3.
    # (Whole cells would put the 6-minute cell in neither group or wholly in one.)
    assert palma_ratio(np.array([6.0, 2.0, 10.0]), np.array([6.0, 3.0, 1.0])) == pytest.approx(10 / 3)
    assert palma_ratio(np.arange(1.0, 11.0), np.ones(10)) == pytest.approx(10 / 2.5)


def test_palma_by_income_follows_the_r_package() -> None:
    # Poorest 40 % (income 1000, 4 of 10 residents) travel 30 min; richest 10 % (5000) travel 10.
    minutes, weights, income = np.array([30.0, 20.0, 10.0]), np.array([4.0, 5.0, 1.0]), np.array([1e3, 2e3, 5e3])
    assert palma_ratio(minutes, weights, income) == pytest.approx(10 / 30)


def test_concentration_index_by_hand() -> None:
    # Ranks 1/8, 3/8, 5/8, 7/8 (mean 1/2); times 40, 30, 20, 10 (mean 25), poorest first:
    # Σ ¼ (h − 25)(r − ½) = ¼ × (15×−⅜ + 5×−⅛ + −5×⅛ + −15×⅜) = −3.125 → CI = 2 × −3.125 / 25 = −0.25
    income = np.array([900.0, 1500, 2000, 4000])
    assert concentration_index(np.array([40.0, 30, 20, 10]), np.ones(4), income) == pytest.approx(-0.25)
    assert concentration_index(np.array([10.0, 20, 30, 40]), np.ones(4), income) == pytest.approx(0.25)


def _individuals(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return np.repeat(values, weights.astype(int))


def test_indices_equal_the_brute_force_on_individuals() -> None:
    rng = np.random.default_rng(7)
    minutes = rng.uniform(2, 60, 40).round(1)
    weights = rng.integers(0, 6, 40).astype(float)
    weights[-1] += 10 - weights.sum() % 10  # a multiple of ten residents: deciles fall between people
    income = rng.permutation(np.arange(40) * 250.0 + 9000)  # all distinct: one income order
    people = _individuals(minutes, weights)
    n = len(people)
    mad = np.abs(people[:, None] - people[None, :]).sum() / n**2
    assert gini_index(minutes, weights) == pytest.approx(mad / (2 * people.mean()))
    ordered = np.sort(people)
    assert palma_ratio(minutes, weights) == pytest.approx(ordered[-n // 10 :].mean() / ordered[: 4 * n // 10].mean())
    by_income = _individuals(minutes[np.argsort(income)], weights[np.argsort(income)])
    rank = (np.arange(n) + 0.5) / n
    ci = 2 * np.mean((by_income - by_income.mean()) * (rank - rank.mean())) / by_income.mean()
    assert concentration_index(minutes, weights, income) == pytest.approx(ci)
    richest = by_income[-n // 10 :].mean() / by_income[: 4 * n // 10].mean()
    assert palma_ratio(minutes, weights, income) == pytest.approx(richest)


def test_unreachable_residents_are_counted_apart() -> None:
    figures = equity_figures(np.array([10.0, np.inf, 30.0]), np.array([1.0, 5.0, 1.0]))
    assert figures.population == 7 and figures.population_unreachable == 5
    assert figures.mean_minutes == pytest.approx(20.0)
    assert figures.gini == pytest.approx(2 * 20 / (2 * 4 * 20))  # two residents 10 and 30: 0.25
    assert np.isnan(figures.concentration_index)  # no income, no index


def test_by_group() -> None:
    groups = equity_by_group(np.array([10.0, 20, 5, 5]), np.ones(4), np.array(["b", "b", "a", "a"], dtype=object))
    assert list(groups) == ["a", "b"]
    assert groups["a"].gini == pytest.approx(0.0) and groups["b"].mean_minutes == pytest.approx(15.0)
