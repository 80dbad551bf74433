"""Capacity against demand and each site's marginal value, as JSON blocks, HTML rows and terminal lines.

The figures come from :mod:`maillage.planning.site_value` (``AuditResult.capacity`` and
``.marginal``); an audit run without them renders nothing here. People read sites by name and
commune, never by id: ids appear only in the JSON, beside the names, for machines.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from maillage.audit.capacity import PER_RESIDENTS, ROOM_FR, TOP_LOADED, headline_fr, mean_load
from maillage.audit.guarantee import AuditResult
from maillage.audit.marginal import DIRECTOR_COLUMNS, director_rows
from maillage.i18n import _, ngettext
from maillage.registry.capacity import CAPACITY_UNIT_FR
from maillage.report.markup import escape


def _num(value: Any, digits: int = 1) -> float | None:
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


def json_blocks(result: AuditResult) -> dict[str, Any]:
    """``capacity`` (method, unit, per-site load, most loaded pôles) and ``marginal`` (per site) blocks."""
    out: dict[str, Any] = {}
    s = result.standard
    if result.capacity is not None:
        cap = result.capacity
        out["capacity"] = {
            "method": "2SFCA (Luo & Wang 2003)",
            "unit": CAPACITY_UNIT_FR,
            "catchment_minutes": {"pole": s.pole_minutes, "antenne": s.antenne_minutes},
            "accessibility_per_cell_unit": f"{CAPACITY_UNIT_FR} pour {PER_RESIDENTS} habitants",
            "mean_residents_per_room_poles": _num(mean_load(cap, s)),
            "assumptions": cap.assumptions,
            "most_loaded_poles": [
                {
                    "name": r.name,
                    "commune": r.commune,
                    "residents_per_room": _num(r.residents_per_room),
                    "capacity_rooms": float(r.capacity_rooms),
                    "capacity_origin": r.capacity_origin,
                }
                for r in cap.most_loaded_poles(s, TOP_LOADED).itertuples(index=False)
            ],
            "sites": [
                {
                    "id": r.id,
                    "name": r.name,
                    "kind": r.kind,
                    "commune": r.commune,
                    "capacity_rooms": float(r.capacity_rooms),
                    "capacity_origin": r.capacity_origin,
                    "capacity_source": r.capacity_source,
                    "catchment_minutes": float(r.catchment_minutes),
                    "residents_in_catchment": _num(r.residents_in_catchment),
                    "residents_per_room": _num(r.residents_per_room),
                    "ratio_rooms_per_resident": _num(r.ratio_rooms_per_resident, 9),
                }
                for r in cap.sites.sort_values("residents_per_room", ascending=False).itertuples(index=False)
            ],
        }
    if result.marginal is not None:
        out["marginal"] = {
            "definition": result.marginal.notes[0],
            "sites": [
                {
                    "id": r.id,
                    "name": r.name,
                    "kind": r.kind,
                    "commune": r.commune,
                    "residents_lost_if_closed": _num(r.residents_lost),
                    "residents_served": _num(r.residents_served),
                    "same_place_as": r.twin_name,
                }
                for r in result.marginal.sites.itertuples(index=False)
            ],
        }
    return out


def cell_accessibility(result: AuditResult) -> np.ndarray | None:
    """Per cell, the 2SFCA accessibility in rooms per 10 000 residents (None without capacity figures)."""
    if result.capacity is None:
        return None
    return np.round(result.capacity.ratio_per_cell * PER_RESIDENTS, 4)


def html_context(result: AuditResult) -> dict[str, Any]:
    """Rows for the report's « capacité » and « valeur de chaque site » tables."""
    s = result.standard
    if result.capacity is None and result.marginal is None:
        return {}
    context: dict[str, Any] = {"room": _(ROOM_FR), "unit": _(CAPACITY_UNIT_FR)}
    if result.capacity is not None:
        poles = result.capacity.sites[result.capacity.sites["kind"].isin(s.pole_kinds)]
        context["poles"] = poles.sort_values("residents_per_room", ascending=False).to_dict(orient="records")
        context["capacity_headline"] = headline_fr(result.capacity, s)
        context["capacity_assumptions"] = result.capacity.assumptions
    if result.marginal is not None:
        context["director"] = director_rows(result.marginal)
        context["marginal_definition"] = result.marginal.notes[0]
    return context


def terminal_lines(result: AuditResult) -> list[str]:
    """The terminal's one line on the most overloaded pôle (empty without capacity figures)."""
    line = headline_fr(result.capacity, result.standard) if result.capacity is not None else None
    return [escape(line)] if line else []


def director_table(result: AuditResult, limit: int | None = 15):
    """The audit's director table for the terminal: existing sites by residents lost if closed."""
    return rows_table(director_rows(result.marginal), limit)


def rows_table(rows: list[dict[str, str]], limit: int | None = 15):
    """A rich table of :func:`~maillage.audit.marginal.director_rows` (proposals first, then sites by
    residents lost); rows beyond ``limit`` are counted in the caption rather than listed."""
    from rich.table import Table

    table = Table(title=_("Valeur de chaque site : habitants hors norme s'il fermait (−), gagnés par une proposition "
                          "(+)"), title_justify="left", header_style="bold")  # fmt: skip
    for name in DIRECTOR_COLUMNS:
        table.add_column(_(name), justify="right" if name == "Habitants" else "left", overflow="fold",
                         max_width=44 if name == "Site" else None)  # fmt: skip
    shown = rows if limit is None else rows[:limit]
    for r in shown:
        table.add_row(*(escape(str(r[c])) for c in DIRECTOR_COLUMNS))
    if len(shown) < len(rows):
        more = len(rows) - len(shown)
        table.caption = ngettext("… et {n} autre site (liste complète : --format json ou --html).",
                                 "… et {n} autres sites (liste complète : --format json ou --html).",
                                 more).format(n=more)  # fmt: skip
    return table
