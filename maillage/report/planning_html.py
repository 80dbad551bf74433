"""Self-contained HTML for proposals and comparisons: tables and inline SVG maps (no tiles, no network).

Maps are drawn by :mod:`maillage.report.map` on the audits before and after the best proposal or
the scenario, at one size and scale: minutes before, minutes after (added or moved sites ringed),
and the cells gained (green) or lost (red).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from maillage.audit.guarantee import AuditResult, run_audit
from maillage.audit.marginal import DIRECTOR_COLUMNS
from maillage.audit.standard import ANTENNE_CLASS, ServiceStandard
from maillage.numbers import fr_int as _int
from maillage.numbers import fr_pct
from maillage.planning.variants import audit_variant
from maillage.report.files import REPORT_CSP
from maillage.report.map import changed_sites, gains_losses_map_svg, minutes_map_svg
from maillage.report.planning import SECTOR_HEADER, sector_rows
from maillage.report.templating import environment


def _signed(value: float, sign: str) -> str:
    """``+12 345`` or ``−95``, and ``0`` rather than ``+0`` or ``−0`` (nothing gained is not a gain)."""
    text = _int(value)
    return text if text == "0" else f"{sign}{text}"


def _pct(value: float | None) -> str:
    return fr_pct(value)


def _page(title: str, subtitle: str, headline: str, sections: list[dict], maps: list[str], notes: list[str]) -> str:
    return environment().get_template("planning.html.j2").render(
        title=title,
        subtitle=subtitle,
        headline=headline,
        sections=sections,
        maps=maps,
        notes=notes,
        csp=REPORT_CSP,
        generated=datetime.now().strftime("%d/%m/%Y %H:%M"),
    )


def _maps(before: AuditResult, after: AuditResult | None, labels: tuple[str, str], rule: str) -> list[str]:
    """Before, after (changed sites ringed) and gains/losses, all at one scale."""
    maps = [minutes_map_svg(before, ANTENNE_CLASS, f"{labels[0]} : {rule}")]
    if after is not None:
        moved = changed_sites(before.sites, after.sites)
        maps.append(minutes_map_svg(after, ANTENNE_CLASS, f"{labels[1]} : {rule}", highlight=moved))
        maps.append(gains_losses_map_svg(before, after, f"Habitants gagnés et perdus : {labels[1].lower()}",
                                         highlight=moved))  # fmt: skip
    return maps


def _rule(standard: ServiceStandard) -> str:
    return f"minutes jusqu'à l'antenne ou au pôle le plus proche (norme {standard.antenne_minutes:g})"


def render_plan_html(result: dict[str, Any], inputs: Any, standard: ServiceStandard) -> str:
    """Ranked proposals (or sectors, or a mobile unit's tour) with before/after maps."""
    before = run_audit(inputs.snapshot, inputs.cells, inputs.engine, standard, sources=[])
    changes = result.get("changes") or (result["proposals"][0]["changes"] if result.get("proposals") else [])
    changes = [dict(c, site_id=c.get("site_id") or f"proposition-{i}") for i, c in enumerate(changes)]
    after = audit_variant(inputs.snapshot, inputs.cells, inputs.engine, standard, changes=changes) if changes else None
    sections = []
    if result["method"] == "sectors":
        sections.append({"title": "Secteurs proposés", "rows": sector_rows(result), "header": list(SECTOR_HEADER)})
        headline = f"{result['sectors_count']} secteurs contigus : {'oui' if result['contiguous'] else 'non'}."
    elif result["method"] == "mobile":
        rows = [
            [
                s["name"],
                s["commune"],
                f"{s['lon']:.5f}, {s['lat']:.5f}",
                s["opening_hours"],
                _int(s["population_reached"]),
            ]
            for s in result["stops"]
        ]
        sections.append(
            {
                "title": f"Arrêts de « {result['unit']} »",
                "rows": rows,
                "header": ["Arrêt", "Commune", "Position", "Horaires (OSM)", "Habitants hors norme desservis"],
            }
        )
        headline = f"{_int(result['population_reached'])} habitants hors norme à portée d'un arrêt chaque semaine."
    else:
        rows = [
            [
                p["rank"],
                p["new_sites_count"],
                f"+{_int(p['population_gain'])}",
                _pct(p["share_within_after"]),
                " ; ".join(
                    s["name"] if s.get("nearest_address") else f"{s['name']} ({s['lon']:.5f}, {s['lat']:.5f})"
                    for s in p["new_sites"]
                ),
            ]
            for p in result["proposals"]
        ]
        sections.append(
            {
                "title": "Propositions classées",
                "rows": rows,
                "header": ["Rang", "Nouveaux sites", "Habitants gagnés", "Dans la norme après", "Emplacements"],
            }
        )
        if result.get("director_table"):  # proposals' gains, then existing sites by residents lost if closed
            sections.append(
                {
                    "title": "Valeur de chaque site : habitants gagnés par une proposition (+), "
                    "hors norme si un site existant fermait (−)",
                    "rows": [[r[c] for c in DIRECTOR_COLUMNS] for r in result["director_table"]],
                    "header": list(DIRECTOR_COLUMNS),
                }
            )
        b = result["baseline"]
        headline = (
            (
                f"Existant : {_pct(b['share_within'])} des habitants dans la norme ; meilleure proposition : "
                f"+{_int(result['proposals'][0]['population_gain'])} habitants."
            )
            if result["proposals"]
            else ""
        )
    saved = result.get("saved")
    if saved:
        headline += f" Enregistrée comme scénario « {saved['name']} » (maillage compare {saved['name']})."
    notes = [*standard.describe_fr(), *before.assumptions, *result.get("notes", [])]
    return _page(
        "Planification du maillage — propositions",
        result.get("method_label", result["method"]),
        headline,
        sections,
        _maps(before, after, ("Existant", "Avec la proposition n° 1"), _rule(standard)),
        notes,
    )


def render_compare_html(diff: dict[str, Any], base: AuditResult, after: AuditResult) -> str:
    """A scenario against its reference: gains and losses per commune and sector, maps before/after."""
    sections = []
    for key, title in (("communes", "Par commune"), ("sectors", "Par secteur SST")):
        rows = [
            [
                *([r["code"]] if key == "communes" else []),  # an INSEE code people use; a sector's id is not
                r["name"],
                _signed(r["population_gained"], "+"),
                _signed(r["population_lost"], "−"),
                f"{_pct(r['share_within_baseline'])} → {_pct(r['share_within_scenario'])}",
                f"{_int(r['worst_minutes_pole_baseline'])} → {_int(r['worst_minutes_pole_scenario'])}",
                f"{_int(r['worst_minutes_antenne_baseline'])} → {_int(r['worst_minutes_antenne_scenario'])}",
            ]
            for r in diff[key]
        ]
        sections.append(
            {
                "title": title,
                "rows": rows,
                "header": [*(["Code"] if key == "communes" else []), "Nom", "Gagnés", "Perdus", "Norme",
                           "Pôle max (min)", "Antenne max (min)"],
            }
        )
    headline = (
        f"+{_int(diff['population_gained'])} habitants gagnés, −{_int(diff['population_lost'])} perdus ; "
        f"{_pct(diff['share_within_baseline'])} → {_pct(diff['share_within_scenario'])} dans la norme."
    )
    notes = [*base.standard.describe_fr(), *base.assumptions, *diff.get("notes", [])]
    maps = _maps(base, after, (f"Référence ({diff['reference']})", f"Scénario « {diff['scenario']} »"),
                 _rule(base.standard))  # fmt: skip
    return _page(f"Scénario « {diff['scenario']} » comparé à {diff['reference']}", "", headline, sections, maps, notes)
