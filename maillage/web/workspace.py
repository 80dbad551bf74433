"""The planner workspace's seam onto :mod:`maillage.planning`: thin calls, same names and shapes.

Scenario storage, application and comparison live in ``maillage.planning`` (``store``, ``changes``,
``compare``); the optimiser's proposals in ``maillage.planning.propose``. This module only adapts
them to what :mod:`maillage.web.routes_planner` expects.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from maillage import planning
from maillage.audit.guarantee import AuditResult
from maillage.planning import store
from maillage.planning.changes import SCENARIO_QUALITY, ScenarioError
from maillage.registry.snapshot import Snapshot

__all__ = [
    "SCENARIO_QUALITY",
    "ScenarioError",
    "add_change",
    "apply_changes",
    "compare",
    "create_scenario",
    "get_scenario",
    "list_scenarios",
    "proposals",
    "scenario_dict",
]

scenario_dict = store.scenario_dict


def list_scenarios(db: Engine) -> list[dict[str, Any]]:
    return store.list_scenarios(db)


def get_scenario(db: Engine, scenario_id: int) -> dict[str, Any]:
    return store.get_scenario(db, scenario_id)


def create_scenario(db: Engine, name: str, description: str | None, actor: str) -> dict[str, Any]:
    return store.create_scenario(db, name, description, actor)


def add_change(db: Engine, snapshot: Snapshot, scenario_id: int, change: dict[str, Any], actor: str) -> dict[str, Any]:
    """Append one change (flat: ``op``, ``site_id`` and payload fields), validated against the snapshot."""
    return store.add_change(db, snapshot, scenario_id, change, actor)


def apply_changes(snapshot: Snapshot, changes: list[dict[str, Any]]) -> Snapshot:
    """A copy of ``snapshot`` with the changes applied in order (raises ScenarioError on a bad one)."""
    return planning.apply_scenario(snapshot, changes)


def compare(baseline: AuditResult, scenario: AuditResult) -> dict[str, Any]:
    """Scenario minus baseline (see :func:`maillage.planning.compare`)."""
    return planning.compare(baseline, scenario)


def proposals(context: Any, *, new_sites: int = 1, limit: int = 3) -> dict[str, Any]:
    """The optimiser's ranked proposals for the server's registry, cells and engine (cached)."""
    cache: dict[tuple[int, int], dict[str, Any]] = context.extra.setdefault("proposals", {})
    key = (new_sites, limit)
    if key not in cache:
        try:
            found = planning.propose(
                context.snapshot,
                context.cells,
                context.engine,
                standard=context.standard,
                new_sites=new_sites,
                limit=limit,
                baseline=context.baseline,
            )
        except (ValueError, RuntimeError) as exc:
            return {"available": False, "message": str(exc), "proposals": []}
        cache[key] = {"available": True, "message": "", "proposals": found}
    return cache[key]
