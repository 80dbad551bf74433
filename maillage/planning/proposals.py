"""A ranked proposal as planners and the web read it: named new sites, the gain, the scenario changes."""

from __future__ import annotations

from typing import Any

import numpy as np

from maillage.i18n import _
from maillage.numbers import fr_int as _n
from maillage.planning.candidates import SOURCE_LABELS_FR
from maillage.planning.optimise import Selection
from maillage.registry.vocab import kind_label


def proposal_name(label: str, candidate: Any) -> str:
    """A proposed site's name as a planner reads it: kind, commune and the nearest address when known."""
    if candidate["source"] == "partners":
        return _("{label} dans {place}").format(label=label, place=candidate["name"])
    address = candidate.get("address")
    if isinstance(address, str) and address:
        street = address.split(", ")[0]
        return _("{label} — {commune}, près du {street}").format(label=label, commune=candidate["commune"],
                                                                  street=street)
    if candidate["source"] == "grid":
        where = f"{candidate['lon']:.4f}, {candidate['lat']:.4f}"
        return f"{label} — {candidate['commune']} ({_(SOURCE_LABELS_FR['grid'])} {where})"
    return f"{label} — {candidate['commune'] or candidate['name']} ({_(SOURCE_LABELS_FR[candidate['source']])})"


def proposal_record(inst: Any, rank: int, selection: Selection, cover: Any) -> dict[str, Any]:
    """One ranked proposal as JSON: its new sites by name, the gain, before/after, solver, scenario changes.

    ``inst`` is the planning instance of :func:`maillage.planning.propose.plan` (candidates, cells
    outside, weights, baseline, request); ``cover[i, j]``: cell ``i`` within the standard of candidate ``j``.
    """
    chosen = list(selection.chosen)
    outside = inst.outside
    covered_by = cover[:, chosen].toarray().astype(bool) if chosen else np.zeros((len(outside), 0), bool)
    newly = outside & covered_by.any(axis=1)
    gain = float(inst.weights[newly].sum())
    base = inst.baseline.total
    total = float(base["population"])
    label = kind_label(inst.request.kind)
    sites, changes = [], []
    for column, j in enumerate(chosen):
        c = inst.candidates.iloc[j]
        alone = float(inst.weights[outside & covered_by[:, column]].sum())
        name = proposal_name(label, c)
        sites.append(
            {
                "candidate_id": c["id"],
                "source": c["source"],
                "source_label": _(SOURCE_LABELS_FR[c["source"]]),
                "name": name,
                "partner_site_id": c["site_id"],
                "commune_code": c["commune_code"],
                "commune": c["commune"],
                "nearest_address": c.get("address"),
                "lon": float(c["lon"]),
                "lat": float(c["lat"]),
                "x_m": float(c["x_m"]),
                "y_m": float(c["y_m"]),
                "approximate_position": bool(c["approximate"]),
                "population_gain_alone": whole_persons(alone),
            }
        )
        payload = {"name": name, "kind": inst.request.kind, "lon": float(c["lon"]), "lat": float(c["lat"])}
        if c["commune_code"]:
            payload["commune_code"] = c["commune_code"]
        changes.append({"op": "add_site", "site_id": None, "payload": payload})
    sites.sort(key=lambda s: -s["population_gain_alone"])
    out = {
        "rank": rank,
        "method": inst.request.method,
        "kind": inst.request.kind,
        "new_sites_count": len(chosen),
        "new_sites": sites,
        "population_gain": whole_persons(gain),
        "population_within_before": round(float(base["population_within"]), 1),
        "population_within_after": round(float(base["population_within"]) + gain, 1),
        "share_within_before": float(base["share_within"]),
        "share_within_after": (float(base["population_within"]) + gain) / total if total else None,
        "objective": float(selection.objective),
        **{k: round(float(v), 3) for k, v in selection.detail.items()},
        "solver": {
            "name": "HiGHS",
            "status": selection.solution.status,
            "optimal": selection.solution.optimal,
            "seconds": round(selection.solution.seconds, 3),
        },
        "changes": changes,
    }
    return out


def whole_persons(value: float) -> int:
    """A population sum as the whole number every output shows (CLI, HTML, web).

    Rounded once, here, from the unrounded sum. Rounding to 0.1 first and leaving each renderer to
    round again gave 53 540.5 for a sum of 53 540.46: Python's half-to-even printed 53 540, the
    browser's half-up 53 541.
    """
    return int(np.floor(value + 0.5))



def summary_lines(result: dict[str, Any]) -> list[str]:
    """French one-liners describing the proposals (terminal, HTML)."""
    lines = []
    for p in result["proposals"]:
        where = " ; ".join(f"{s['name']} ({s['lon']:.5f}, {s['lat']:.5f})" for s in p["new_sites"])
        lines.append(_("n° {rank} : +{gain} habitants dans la norme avec {n} site(s) : {where}").format(
            rank=p["rank"], gain=_n(p["population_gain"]), n=p["new_sites_count"], where=where))
    return lines
