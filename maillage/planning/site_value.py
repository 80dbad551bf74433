"""Weigh the audited sites: capacity against demand (2SFCA) and marginal value, from one travel matrix.

In ``planning`` (above ``audit``) because it reuses the planner's matrix; the arithmetic itself is
pure audit (:mod:`maillage.audit.capacity`, :mod:`maillage.audit.marginal`).

Both need the same thing the nearest-site audit does not keep: for every cell, *every* counted
site within the standard's thresholds. The planner's sparse matrix
(:func:`maillage.planning.matrix.travel_matrix`) gives it for any engine — a k-d tree for
crow-fly, bounded Dijkstra searches for the street graph, one search per site otherwise.
"""

from __future__ import annotations

from dataclasses import replace

from maillage.audit.capacity import capacity_audit, counted_sites
from maillage.audit.guarantee import AuditResult
from maillage.audit.marginal import marginal_value
from maillage.network.engine import TravelTimeEngine
from maillage.planning.matrix import travel_matrix


def attach_site_value(result: AuditResult, engine: TravelTimeEngine) -> AuditResult:
    """The audit with its ``capacity`` and ``marginal`` blocks (assumptions and notes added)."""
    s = result.standard
    destinations = counted_sites(result.destinations)
    if len(destinations) == 0:
        return result
    matrix = travel_matrix(engine, result.cells.xy_m, destinations.xy_m, max(s.pole_minutes, s.antenne_minutes))
    population = result.cells.population.astype(float)
    capacity = capacity_audit(result.sites, result.communes, destinations, matrix, population, s)
    marginal = marginal_value(result.sites, result.communes, destinations, matrix, population, result.within, s)
    return replace(
        result,
        capacity=capacity,
        marginal=marginal,
        assumptions=[*result.assumptions, *capacity.assumptions],
        notes=[*result.notes, *marginal.notes],
    )
