"""The difference between two audits of the same cells: a baseline and a scenario (pure functions).

Population *gained* is the population of cells outside the standard in the baseline and within it
in the scenario; *lost* the reverse. Both are given per commune and per SST sector (sectors of the
scenario, so a commune moved between sectors is counted in its new one), with the worst times
(minutes) before and after where they changed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from maillage.audit.guarantee import AuditResult
from maillage.audit.standard import ANTENNE_CLASS, POLE_CLASS

WORST_COLUMNS = {"pole": f"worst_minutes_{POLE_CLASS}", "antenne": f"worst_minutes_{ANTENNE_CLASS}"}


def _finite(value: Any) -> float | None:
    value = float(value)
    return round(value, 6) if math.isfinite(value) else None


def compare(baseline: AuditResult, scenario: AuditResult) -> dict[str, Any]:
    """Scenario minus baseline: totals, per-commune and per-sector gains/losses, worst-time changes.

    Both audits must be on the same cells (same population model and engine). Keys kept for the web
    API: ``population_within_delta``, ``share_within_delta``, ``communes`` (with
    ``share_within_baseline``/``share_within_scenario``/``population_within_delta``),
    ``cells_improved``, ``cells_worsened``.
    """
    cells = baseline.cells
    if len(cells) != len(scenario.cells) or not np.array_equal(cells.xy_m, scenario.cells.xy_m):
        raise ValueError("the two audits are not on the same cells")
    gained = cells.population * (scenario.within & ~baseline.within)
    lost = cells.population * (baseline.within & ~scenario.within)
    frame = pd.DataFrame(
        {"commune": cells.commune_code, "sector": scenario.cells.sector_id, "gained": gained, "lost": lost}
    )
    communes = _rows(baseline.by_commune, scenario.by_commune, frame.groupby("commune")[["gained", "lost"]].sum())
    sectors = _rows(baseline.by_sector, scenario.by_sector, frame.groupby("sector")[["gained", "lost"]].sum())
    before, after = baseline.minutes(ANTENNE_CLASS), scenario.minutes(ANTENNE_CLASS)
    before_p, after_p = baseline.minutes(POLE_CLASS), scenario.minutes(POLE_CLASS)
    added = sorted(set(scenario.sites["id"]) - set(baseline.sites["id"]))
    removed = sorted(set(baseline.sites["id"]) - set(scenario.sites["id"]))
    improved = (after < before - 1e-6) | (after_p < before_p - 1e-6)
    worsened = (after > before + 1e-6) | (after_p > before_p + 1e-6)
    return {
        "population_within_baseline": float(baseline.total["population_within"]),
        "population_within_scenario": float(scenario.total["population_within"]),
        "population_within_delta": float(scenario.total["population_within"] - baseline.total["population_within"]),
        "population_gained": float(gained.sum()),
        "population_lost": float(lost.sum()),
        "share_within_baseline": float(baseline.total["share_within"]),
        "share_within_scenario": float(scenario.total["share_within"]),
        "share_within_delta": float(scenario.total["share_within"] - baseline.total["share_within"]),
        "communes": [r for r in communes if r["changed"]],
        "sectors": [r for r in sectors if r["changed"]],
        "cells_improved": int(np.sum(improved)),
        "cells_worsened": int(np.sum(worsened)),
        "sites_added": added,
        "sites_removed": removed,
        # what a person reads: names and communes (the ids above stay for programs)
        "sites_added_names": _site_labels(scenario, added),
        "sites_removed_names": _site_labels(baseline, removed),
    }


def _site_labels(result: AuditResult, ids: list[str]) -> list[str]:
    sites = result.sites.set_index("id")
    communes = result.communes["name"].to_dict()
    return [f"{sites.at[i, 'name']} ({communes.get(sites.at[i, 'commune_code'], '?')})" for i in ids]


def _rows(base: pd.DataFrame, new: pd.DataFrame, flows: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per group present in either audit, sorted by net change (worst first)."""
    base, new = base.set_index("code"), new.set_index("code")
    out = []
    for code in sorted(set(base.index) | set(new.index)):
        b = base.loc[code] if code in base.index else None
        n = new.loc[code] if code in new.index else None
        within_b = float(b["population_within"]) if b is not None else 0.0
        within_n = float(n["population_within"]) if n is not None else 0.0
        row: dict[str, Any] = {
            "code": str(code),
            "name": str((n if n is not None else b)["name"]),
            "population_baseline": float(b["population"]) if b is not None else 0.0,
            "population_scenario": float(n["population"]) if n is not None else 0.0,
            "share_within_baseline": _finite(b["share_within"]) if b is not None else None,
            "share_within_scenario": _finite(n["share_within"]) if n is not None else None,
            "population_within_delta": round(within_n - within_b, 1),
            "population_gained": round(float(flows["gained"].get(code, 0.0)), 1),
            "population_lost": round(float(flows["lost"].get(code, 0.0)), 1),
        }
        changed_times = False
        for key, column in WORST_COLUMNS.items():
            wb = _finite(b[column]) if b is not None else None
            wn = _finite(n[column]) if n is not None else None
            row[f"worst_minutes_{key}_baseline"], row[f"worst_minutes_{key}_scenario"] = wb, wn
            changed_times |= _differ(wb, wn)
        row["worst_times_changed"] = changed_times
        row["changed"] = (
            changed_times
            or abs(row["population_within_delta"]) >= 0.5
            or row["population_gained"] >= 0.5
            or row["population_lost"] >= 0.5
            or b is None
            or n is None
        )
        out.append(row)
    out.sort(key=lambda r: (r["population_within_delta"], r["code"]))
    return out


def _differ(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is not b
    return abs(a - b) > 0.05
