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
from maillage.i18n import _
from maillage.numbers import fr_int as _int
from maillage.numbers import fr_number, fr_pct
from maillage.planning.variants import audit_variant
from maillage.registry.hours_fr import osm_to_french
from maillage.report.files import REPORT_CSP
from maillage.report.gains import gains_fr
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
    titled = _("{map} : {rule}")
    maps = [minutes_map_svg(before, ANTENNE_CLASS, titled.format(map=labels[0], rule=rule))]
    if after is not None:
        moved = changed_sites(before.sites, after.sites)
        maps.append(minutes_map_svg(after, ANTENNE_CLASS, titled.format(map=labels[1], rule=rule), highlight=moved))
        maps.append(gains_losses_map_svg(before, after, _("Habitants gagnés et perdus : {variant}").format(
            variant=labels[1].lower()), highlight=moved))  # fmt: skip
    return maps


def _rule(standard: ServiceStandard) -> str:
    return _("minutes jusqu'à l'antenne ou au pôle le plus proche (norme {minutes})").format(
        minutes=fr_number(standard.antenne_minutes))


def render_plan_html(result: dict[str, Any], inputs: Any, standard: ServiceStandard) -> str:
    """Ranked proposals (or sectors, or a mobile unit's tour) with before/after maps."""
    before = run_audit(inputs.snapshot, inputs.cells, inputs.engine, standard, sources=[])
    changes = result.get("changes") or (result["proposals"][0]["changes"] if result.get("proposals") else [])
    changes = [dict(c, site_id=c.get("site_id") or f"proposition-{i}") for i, c in enumerate(changes)]
    after = audit_variant(inputs.snapshot, inputs.cells, inputs.engine, standard, changes=changes) if changes else None
    sections = []
    if result["method"] == "sectors":
        sections.append({"title": _("Secteurs proposés"), "rows": sector_rows(result),
                         "header": [_(h) for h in SECTOR_HEADER]})  # fmt: skip
        headline = _("{n} secteurs contigus : {contiguous}.").format(
            n=result["sectors_count"], contiguous=_("oui") if result["contiguous"] else _("non"))
    elif result["method"] == "mobile":
        rows = [
            [
                s["name"],
                s["commune"],
                f"{s['lon']:.5f}, {s['lat']:.5f}",
                osm_to_french(s["opening_hours"]),
                _int(s["population_reached"]),
            ]
            for s in result["stops"]
        ]
        sections.append(
            {
                "title": _("Arrêts de « {unit} »").format(unit=result["unit"]),
                "rows": rows,
                "header": [_("Arrêt"), _("Commune"), _("Position"), _("Horaires (OSM)"),
                           _("Habitants hors norme desservis")],
            }
        )  # fmt: skip
        headline = _("{n} habitants hors norme à portée d'un arrêt chaque semaine.").format(
            n=_int(result["population_reached"]))
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
                "title": _("Propositions classées"),
                "rows": rows,
                "header": [_("Rang"), _("Nouveaux sites"), _("Habitants gagnés"), _("Dans la norme après"),
                           _("Emplacements")],
            }
        )
        if result.get("director_table"):  # proposals' gains, then existing sites by residents lost if closed
            sections.append(
                {
                    "title": _("Valeur de chaque site : habitants gagnés par une proposition (+), "
                               "hors norme si un site existant fermait (−)"),
                    "rows": [[r[c] for c in DIRECTOR_COLUMNS] for r in result["director_table"]],
                    "header": [_(c) for c in DIRECTOR_COLUMNS],
                }
            )
        b = result["baseline"]
        headline = (
            _("Existant : {share} des habitants dans la norme ; meilleure proposition : +{gain} habitants.").format(
                share=_pct(b["share_within"]), gain=_int(result["proposals"][0]["population_gain"]))
            if result["proposals"]
            else ""
        )
    saved = result.get("saved")
    if saved:
        headline += " " + _("Enregistrée comme scénario « {name} » (maillage compare {name}).").format(
            name=saved["name"])
    notes = [*standard.describe_fr(), *before.assumptions, *result.get("notes", [])]
    return _page(
        _("Planification du maillage — propositions"),
        result.get("method_label", result["method"]),
        headline,
        sections,
        _maps(before, after, (_("Existant"), _("Avec la proposition n° 1")), _rule(standard)),
        notes,
    )


def render_compare_html(diff: dict[str, Any], base: AuditResult, after: AuditResult) -> str:
    """A scenario against its reference: gains and losses per commune and sector, maps before/after."""
    sections = []
    for key, title in (("communes", _("Par commune")), ("sectors", _("Par secteur SST"))):
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
                "header": [*([_("Code")] if key == "communes" else []), _("Nom"), _("Gagnés"), _("Perdus"),
                           _("Norme"), _("Pôle max (min)"), _("Antenne max (min)")],
            }
        )
    gains = gains_fr(diff["population_gained"], diff["population_lost"])
    headline = _("{gains} ; {before} → {after} dans la norme.").format(
        gains=gains[:1].upper() + gains[1:], before=_pct(diff["share_within_baseline"]),
        after=_pct(diff["share_within_scenario"]))  # fmt: skip
    notes = [*base.standard.describe_fr(), *base.assumptions, *diff.get("notes", [])]
    labels = (_("Référence ({reference})").format(reference=diff["reference"]),
              _("Scénario « {name} »").format(name=diff["scenario"]))  # fmt: skip
    maps = _maps(base, after, labels, _rule(base.standard))
    title = _("Scénario « {name} » comparé à {reference}").format(name=diff["scenario"], reference=diff["reference"])
    return _page(title, "", headline, sections, maps, notes)
