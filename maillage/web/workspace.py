"""The planner workspace's seam onto :mod:`maillage.planning`: thin calls, same names and shapes.

Scenario storage, application and comparison live in ``maillage.planning`` (``store``, ``changes``,
``compare``); the optimiser's proposals in ``maillage.planning.propose``. This module only adapts
them to what :mod:`maillage.web.routes_planner` expects.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from sqlalchemy import Engine

from maillage import api, planning
from maillage.audit.guarantee import AuditResult, run_audit
from maillage.i18n import _
from maillage.network.engine import MODE_LABELS_FR, Destinations, TravelTimeEngine
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
    "remove_change",
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


def remove_change(db: Engine, snapshot: Snapshot, scenario_id: int, change_id: int, actor: str) -> dict[str, Any]:
    """Undo one change (see :func:`maillage.planning.store.remove_change`)."""
    return store.remove_change(db, snapshot, scenario_id, change_id, actor)


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
                addresses=_address_points(context),
            )
        except (ValueError, RuntimeError) as exc:
            return {"available": False, "message": str(exc), "proposals": []}
        cache[key] = {"available": True, "message": "", "proposals": found}
    return cache[key]


def _address_points(context: Any) -> Any:
    """The OSM extract's address points (cached on disk), so proposals carry the CLI's names: their nearest address."""
    folder = context.folder
    if folder is None or not folder.pbf_files:
        return None
    from maillage.registry.addresses import load_osm_addresses

    return load_osm_addresses(folder.pbf_files[0])


AUDIT_CACHE_SIZE = 16
WORKSPACE_MODES = {mode: MODE_LABELS_FR[mode] for mode in ("walk", "bike", "car")}  # one vocabulary


def engine(context: Any, mode: str | None) -> TravelTimeEngine:
    """The server's engine, or one for another street mode on the same OSM extract (built once)."""
    if mode is None or mode == context.engine.mode:
        return context.engine
    engines: dict[str, TravelTimeEngine] = context.extra.setdefault("engines", {})
    if mode not in engines:
        choice = api.engine_for(context.folder, mode)
        engines[mode] = choice.engine
        context.extra.setdefault("engine_notes", {})[mode] = choice.notes
    return engines[mode]


def baseline(context: Any, mode: str | None) -> AuditResult:
    """The baseline audit in ``mode`` (the server's own for its mode)."""
    if mode is None or mode == context.engine.mode:
        return context.baseline
    return audit(context, None, mode)


def audit(context: Any, scenario: dict[str, Any] | None, mode: str | None) -> AuditResult:
    """The audit of the baseline or of a scenario in ``mode``, cached by its changes' content.

    The key is the changes themselves, not their number: after an undo and a new change a
    scenario has as many changes as before but not the same ones.
    """
    changes = scenario["changes"] if scenario else []
    if not changes and (mode is None or mode == context.engine.mode):
        return context.baseline  # a scenario without changes (just created, or all undone) is the baseline
    content = json.dumps([[c["op"], c["site_id"], c["payload"]] for c in changes], sort_keys=True)
    key = (scenario["id"] if scenario else None, content, mode or context.engine.mode)
    cache: dict[tuple, AuditResult] = context.extra.setdefault("scenario_audits", {})
    if key not in cache:
        if len(cache) >= AUDIT_CACHE_SIZE:
            cache.pop(next(iter(cache)))
        snapshot = apply_changes(context.snapshot, changes) if changes else context.snapshot
        # explained, as the baseline: a click on a cell outside the standard says why in every view
        result = run_audit(snapshot, context.cells, engine(context, mode), context.standard,
                           sources=context.baseline.sources, explain=True)  # fmt: skip
        if scenario is None:
            result.notes.extend(context.extra.get("engine_notes", {}).get(mode, []))
        cache[key] = result
    return cache[key]


def minutes_to_site(context: Any, snapshot: Snapshot, site_id: str, mode: str | None) -> tuple[dict, np.ndarray]:
    """(the site's row, minutes from every cell to it) — for the site's isochrone (raises LookupError)."""
    sites = snapshot.usable_sites()
    match = sites[sites["id"] == site_id]
    if match.empty:
        raise LookupError(_("site {site} absent de ce scénario (ou sans position)").format(site=repr(site_id)))
    row = match.iloc[0]
    target = Destinations((site_id,), np.array([[float(row["x_m"]), float(row["y_m"])]]))
    return row.to_dict(), engine(context, mode).nearest(context.cells.xy_m, target).minutes


def proposal_changes(context: Any, rank: int) -> list[dict[str, Any]]:
    """The stored-form changes of the optimiser's proposal ``rank`` (raises LookupError)."""
    found = proposals(context)
    for proposal in found["proposals"]:
        if proposal.get("rank") == rank:
            return proposal["changes"]
    missing = _("proposition n° {rank} introuvable").format(rank=rank)
    raise LookupError(missing if found["available"] else f"{missing} : {found['message']}")


def locate(context: Any, text: str) -> dict[str, Any]:
    """Where a planner's words put a site (the CLI's ``--address``/``--commune``: same finder, same answer)."""
    from dataclasses import asdict

    from maillage.planning.placing import locate as locate_words

    return asdict(locate_words(context.snapshot, context.finder, text))
