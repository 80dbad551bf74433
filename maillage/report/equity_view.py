"""What every output says about inequality and publics: rows with names, and the French definitions.

Shared by the JSON writer, the HTML report and the terminal so that the three say the same thing.
"""

from __future__ import annotations

import math
from typing import Any

from maillage.audit.equity import EquityFigures
from maillage.audit.guarantee import SERVICE_CLASS_PREFIX, AuditResult
from maillage.audit.publics import PUBLICS, service_label_fr
from maillage.audit.standard import ANTENNE_CLASS, POLE_CLASS
from maillage.i18n import N_, _
from maillage.numbers import fr_decimal, fr_int, fr_number, fr_pct

EQUITY_DEFINITIONS_FR = [
    N_("Temps moyen : moyenne, pondérée par les habitants, du temps jusqu'au site le plus proche (statistique "
       "des « journey time statistics » britanniques)."),
    N_("Gini : 0 si tous les habitants sont à la même distance en temps, proche de 1 si quelques-uns portent "
       "presque tout le temps de trajet (courbe de Lorenz pondérée, comme le paquet R « accessibility »)."),
    N_("Palma : temps moyen des 10 % d'habitants les plus éloignés divisé par celui des 40 % les plus proches "
       "(1 = égalité)."),
    N_("Indice de concentration (avec une grille de revenus seulement) : négatif quand les temps longs pèsent "
       "sur les habitants les plus modestes."),
    N_("Habitants sans site joignable : comptés à part, hors des indices."),
]  # marked: :func:`equity_definitions` gives them in the interface language


def equity_definitions() -> list[str]:
    return [_(d) for d in EQUITY_DEFINITIONS_FR]


def class_label_fr(class_name: str) -> str:
    if class_name == POLE_CLASS:
        return _("Pôle social")
    if class_name == ANTENNE_CLASS:
        return _("Antenne ou pôle")
    if class_name.startswith(SERVICE_CLASS_PREFIX):
        service = service_label_fr(class_name.removeprefix(SERVICE_CLASS_PREFIX))
        return _("Service « {service} »").format(service=service)
    return class_name


def _row(code: str, name: str, figures: EquityFigures) -> dict[str, Any]:
    return {"code": code, "name": name, **figures.as_dict()}


def equity_block(result: AuditResult) -> dict[str, Any]:
    """The ``equity`` member of the JSON: per class of site, the figures by level, with names."""
    commune_names = dict(zip(result.by_commune["code"], result.by_commune["name"], strict=True))
    sector_names = dict(zip(result.by_sector["code"], result.by_sector["name"], strict=True))
    classes = {}
    for name, levels in result.equity.items():
        classes[name] = {
            "label_fr": class_label_fr(name),
            "total": _row("total", "Hauts-de-Seine", levels.total),
            "communes": [_row(c, commune_names.get(c, c), f) for c, f in levels.communes.items()],
            "sectors": [_row(c, sector_names.get(c, c), f) for c, f in levels.sectors.items()],
        }
    return {
        "public": result.public,
        "public_weighed": result.public_weighed,
        "public_label_fr": _(PUBLICS[result.public_weighed].label_fr),
        "income": result.cells.income_eur_per_capita is not None,
        "income_note_fr": income_note_fr(result),
        "definitions_fr": equity_definitions(),
        "classes": classes,
    }


def income_note_fr(result: AuditResult) -> str:
    if result.cells.income_eur_per_capita is not None:
        return _("Revenus : niveau de vie moyen par habitant de la grille fournie (Filosofi ind_snv / ind).")
    return _("Revenus : aucune grille de revenus fournie (aucune donnée de revenus dans le dossier de données) ; "
             "l'indice de concentration et le Palma par revenu ne sont pas calculés. Fournir une grille INSEE "
             "Filosofi à 200 m (colonnes ind et ind_snv) avec --population-grid.")  # fmt: skip


def publics_block(result: AuditResult) -> dict[str, Any] | None:
    """The ``publics`` member of the JSON: shares of each public within the standard, by level."""
    shares = result.publics
    if shares is None:
        return None

    def records(frame: Any, names: dict[str, str]) -> list[dict[str, Any]]:
        out = frame.assign(name=frame["code"].map(names)).to_dict(orient="records")
        return out

    commune_names = dict(zip(result.by_commune["code"], result.by_commune["name"], strict=True))
    sector_names = dict(zip(result.by_sector["code"], result.by_sector["name"], strict=True))
    return {
        "publics": [{"key": k, "label_fr": _(PUBLICS[k].label_fr)} for k in shares.publics],
        "chosen": shares.chosen,
        "services": [{"code": s, "label_fr": service_label_fr(s)} for s in shares.services],
        "near_minutes": shares.near_minutes,
        "total": shares.total,
        "communes": records(shares.communes, commune_names),
        "sectors": records(shares.sectors, sector_names),
        "by_income_quintile": shares.by_income_quintile,
    }


def summary_rows(result: AuditResult, level: str) -> list[dict[str, Any]]:
    """One row per area of ``level`` ("total", "communes", "sectors") for the HTML and terminal tables.

    Keys: ``code``, ``name``, ``share_within_<public>`` for each available public, and for the pôle
    and antenne classes ``<class>_mean_minutes``, ``<class>_gini``, ``<class>_palma``.
    """
    shares = result.publics
    if level == "total":
        names, share_rows = {"total": "Hauts-de-Seine"}, {"total": shares.total if shares else {}}
    else:
        frame = result.by_commune if level == "communes" else result.by_sector
        names = dict(zip(frame["code"], frame["name"], strict=True))
        table = (shares.communes if level == "communes" else shares.sectors) if shares else None
        share_rows = {} if table is None else {r["code"]: r for r in table.to_dict(orient="records")}
    out = []
    for code, name in names.items():
        row: dict[str, Any] = {"code": code, "name": name}
        for key in shares.publics if shares else ():
            row[f"share_within_{key}"] = share_rows.get(code, {}).get(f"share_within_{key}")
        for class_name in (POLE_CLASS, ANTENNE_CLASS):
            levels = result.equity.get(class_name)
            if levels is None:
                continue
            figures = levels.total if level == "total" else getattr(levels, level).get(str(code))
            for field in ("mean_minutes", "gini", "palma"):
                row[f"{class_name}_{field}"] = getattr(figures, field) if figures else None
        out.append(row)
    return out


def publics_line_fr(result: AuditResult) -> str:
    """« Dans la norme : tous les habitants 71 %, enfants de moins de 15 ans 72 %, … » for the département."""
    shares = result.publics
    if shares is None:
        return ""
    parts = [f"{_(PUBLICS[k].label_fr)} {fr_pct(shares.total[f'share_within_{k}'], 0)}"
             for k in shares.publics]  # fmt: skip
    line = _("Dans la norme : {shares}.").format(shares=", ".join(parts))
    for code in shares.services:
        share = shares.total[f"share_near_service_{code}"]
        line += " " + _("{public} à {minutes} min au plus d'un site « {service} » : {share}.").format(
            public=_(PUBLICS[shares.chosen].label_fr).capitalize(), minutes=fr_number(shares.near_minutes),
            service=service_label_fr(code), share=fr_pct(share, 0))  # fmt: skip
    return line


def _minutes(value: float) -> str:
    return "—" if not math.isfinite(value) else f"{value:.0f}"


def equity_lines_fr(result: AuditResult) -> list[str]:
    """The département's per-public shares and, per class of site, mean time, Gini and Palma."""
    lines = [publics_line_fr(result)] if result.publics else []
    for name, levels in result.equity.items():
        t = levels.total
        line = _("{kind} : temps moyen {minutes} min, Gini {gini}, Palma {palma}").format(
            kind=class_label_fr(name), minutes=_minutes(t.mean_minutes), gini=fr_decimal(t.gini),
            palma=fr_decimal(t.palma, 1))  # fmt: skip
        if t.population_unreachable > 0:
            line += ", " + _("{n} habitants sans site joignable").format(n=fr_int(t.population_unreachable))
        lines.append(line + ".")
    quintiles = result.publics.by_income_quintile if result.publics else None
    if quintiles:
        parts = [f"Q{q['quintile']} {fr_pct(q['share_within'], 0)}" for q in quintiles]
        lines.append(_("Dans la norme par quintile de revenu (Q1 = les plus modestes) : {shares}.").format(
            shares=", ".join(parts)))
    return [*lines, income_note_fr(result)]


def why_entries(result: AuditResult) -> list[dict[str, Any]]:
    """Inhabited cells outside the standard, most populated first: anchor id, commune, residents, text."""
    names = dict(zip(result.by_commune["code"], result.by_commune["name"], strict=True))
    entries = []
    for row, why in result.why.items():
        population = float(result.cells.population[row])
        if population > 0:
            commune = names.get(result.cells.commune_code[row], "")
            entries.append({"anchor": f"pourquoi-{row}", "row": row, "commune": commune, "population": population,
                            "text": why.text_fr})  # fmt: skip
    return sorted(entries, key=lambda e: -e["population"])
