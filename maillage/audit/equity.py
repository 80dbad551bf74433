"""Inequality of access: Gini, Palma, concentration index and mean minimum time over residents.

Pure functions over per-cell arrays: ``minutes`` (minimum travel time of each cell to the nearest
site of a class, ``inf`` = unreachable), ``weights`` (residents of the public counted in each cell)
and optionally ``income`` (income per capita of each cell). Unreachable cells are left out of every
index and their residents counted apart (``population_unreachable``): an index over infinite times
has no meaning, and hiding them inside a finite cap would invent a time.

Definitions follow the R package ``accessibility`` (IPEA, https://github.com/ipeaGIT/accessibility,
``R/gini_index.R``, ``R/palma_ratio.R``, ``R/concentration_index.R``), applied to travel times
rather than to counts of opportunities:

* **Gini** (``gini_index``): area between the equality line and the population-weighted Lorenz
  curve of the times, by trapezoids, ``G = 1 − Σ p_i (L_{i−1} + L_i)`` with cells sorted by time,
  ``p_i`` each cell's share of the residents and ``L_i`` the cumulative share of resident-minutes.
  It equals the mean absolute difference between two residents over twice the mean time.
* **Palma** (``palma_ratio``): the package defines it as "the average accessibility of the richest
  10 % divided by the average accessibility of the poorest 40 %", ranking by income. Without an
  income, we rank residents by the time itself, so that larger is worse as for incomes: mean time
  of the 10 % of residents farthest from a site divided by the mean time of the 40 % nearest (1 =
  everybody equally far). With an income (``palma_income``) we follow the package exactly: mean
  time of the richest 10 % over mean time of the poorest 40 %; for a travel time, a value below 1
  means the poorest travel longer. Unlike the package (whole cells on ``Hmisc::wtd.quantile``),
  a cell straddling the 10 % or 40 % boundary is split by weight, so that the figure equals the one
  computed on individual residents.
* **Concentration index** (``concentration_index``, ``type = "CI"``, the standard relative index):
  ``CI = 2 Σ p_i (h_i − μ)(r_i − r̄) / μ`` with ``r_i`` the fractional income rank (mid-point of the
  cell's residents in the income order) and ``r̄`` its weighted mean (½). For a travel time,
  ``CI < 0`` means the longer times fall on the poorer residents. The package averages the ranks
  without weights (``mean(weighted_rank)``); we weight them, as the fractional-rank method of
  van Doorslaer & Koolman (2004) intends; both agree when cells hold the same number of residents.
* **Mean minimum time**: the population-weighted mean of each resident's minimum time, the statistic
  of the UK Department for Transport's journey time statistics ("average minimum travel time").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

PALMA_TOP_SHARE = 0.10
PALMA_BOTTOM_SHARE = 0.40


@dataclass(frozen=True)
class EquityFigures:
    """Inequality of one travel time over the residents of one area (NaN where undefined)."""

    population: float
    population_unreachable: float
    mean_minutes: float
    gini: float
    palma: float
    concentration_index: float = float("nan")
    palma_income: float = float("nan")

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _valid(minutes: np.ndarray, weights: np.ndarray, *others: np.ndarray | None) -> np.ndarray:
    keep = np.isfinite(minutes) & (weights > 0)
    for other in others:
        if other is not None:
            keep &= np.isfinite(other)
    return keep


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    total = float(weights.sum())
    return float((values * weights).sum() / total) if total > 0 else float("nan")


def gini_index(minutes: np.ndarray, weights: np.ndarray) -> float:
    """Population-weighted Gini of ``minutes`` (Lorenz trapezoids, as ``accessibility::gini_index``)."""
    minutes, weights = np.asarray(minutes, dtype=float), np.asarray(weights, dtype=float)
    keep = _valid(minutes, weights)
    x, w = minutes[keep], weights[keep]
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    mass = x * w
    if not len(x) or mass.sum() <= 0:
        return float("nan")
    share = w / w.sum()
    lorenz = np.cumsum(mass) / mass.sum()
    previous = np.concatenate([[0.0], lorenz[:-1]])
    return float(1.0 - np.sum(share * (previous + lorenz)))


def _mean_between(values: np.ndarray, weights: np.ndarray, low: float, high: float) -> float:
    """Weighted mean of ``values`` (already in rank order) over the rank shares ``[low, high]``.

    Each cell spans the share ``[c_{i-1}, c_i]`` of the cumulative weight; the part inside the
    interval counts, so a cell on a boundary is split rather than wholly in or out.
    """
    upper = np.cumsum(weights) / weights.sum()
    lower = upper - weights / weights.sum()
    part = np.clip(np.minimum(upper, high) - np.maximum(lower, low), 0.0, None)
    return float((values * part).sum() / part.sum()) if part.sum() > 0 else float("nan")


def palma_ratio(minutes: np.ndarray, weights: np.ndarray, income: np.ndarray | None = None) -> float:
    """Mean time of the top 10 % over the bottom 40 % (by time, or by income when given; see module)."""
    minutes, weights = np.asarray(minutes, dtype=float), np.asarray(weights, dtype=float)
    keep = _valid(minutes, weights, income)
    x, w = minutes[keep], weights[keep]
    if not len(x):
        return float("nan")
    key = x if income is None else np.asarray(income, dtype=float)[keep]
    order = np.lexsort((x, key))  # by the ranking variable, ties by time
    x, w = x[order], w[order]
    top = _mean_between(x, w, 1.0 - PALMA_TOP_SHARE, 1.0)
    bottom = _mean_between(x, w, 0.0, PALMA_BOTTOM_SHARE)
    return top / bottom if bottom > 0 else float("nan")


def concentration_index(minutes: np.ndarray, weights: np.ndarray, income: np.ndarray) -> float:
    """Relative concentration index of ``minutes`` against ``income`` (``type = "CI"``; see module)."""
    minutes, weights = np.asarray(minutes, dtype=float), np.asarray(weights, dtype=float)
    keep = _valid(minutes, weights, income)
    h, w, y = minutes[keep], weights[keep], np.asarray(income, dtype=float)[keep]
    if not len(h):
        return float("nan")
    order = np.lexsort((w, y))  # by income, then population, as the package does
    h, w = h[order], w[order]
    share = w / w.sum()
    rank = np.cumsum(share) - share / 2
    mean = float((share * h).sum())
    if mean <= 0:
        return float("nan")
    mean_rank = float((share * rank).sum())
    return float(2.0 * np.sum(share * (h - mean) * (rank - mean_rank)) / mean)


def equity_figures(minutes: np.ndarray, weights: np.ndarray, income: np.ndarray | None = None) -> EquityFigures:
    """Every index for one area; ``income`` adds the concentration index and the income Palma."""
    minutes, weights = np.asarray(minutes, dtype=float), np.asarray(weights, dtype=float)
    reachable = np.isfinite(minutes)
    figures = EquityFigures(
        population=float(weights.sum()),
        population_unreachable=float(weights[~reachable].sum()),
        mean_minutes=weighted_mean(minutes[reachable], weights[reachable]),
        gini=gini_index(minutes, weights),
        palma=palma_ratio(minutes, weights),
    )
    if income is None:
        return figures
    return replace(
        figures,
        concentration_index=concentration_index(minutes, weights, income),
        palma_income=palma_ratio(minutes, weights, income),
    )


def equity_by_group(
    minutes: np.ndarray, weights: np.ndarray, group: np.ndarray, income: np.ndarray | None = None
) -> dict[str, EquityFigures]:
    """:func:`equity_figures` for each distinct value of ``group`` (commune code, sector id…), sorted."""
    group = np.asarray(group, dtype=object)
    out = {}
    for code in sorted(set(group.tolist()), key=str):
        mine = group == code
        out[str(code)] = equity_figures(minutes[mine], weights[mine], None if income is None else income[mine])
    return out


@dataclass(frozen=True)
class EquityLevels:
    """The figures of one travel time for the département, each commune and each sector."""

    total: EquityFigures
    communes: dict[str, EquityFigures]
    sectors: dict[str, EquityFigures]


def equity_levels(
    minutes: np.ndarray,
    weights: np.ndarray,
    commune_code: np.ndarray,
    sector_id: np.ndarray,
    income: np.ndarray | None = None,
) -> EquityLevels:
    return EquityLevels(
        total=equity_figures(minutes, weights, income),
        communes=equity_by_group(minutes, weights, commune_code, income),
        sectors=equity_by_group(minutes, weights, sector_id, income),
    )
