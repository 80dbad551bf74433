"""Steering report: French tables, a self-contained HTML page (inline SVG) and a PDF (PdfPages).

``build_tables`` turns the loaded data into display tables (strings, French labels) in which every
figure carries a numbered reference to its source; ``write_report`` writes ``pilotage.html`` and
``pilotage.pdf``. Computation stays in :mod:`maillage.steering.analysis`; drawing in
:mod:`maillage.report.steering_charts`.
"""

from __future__ import annotations

import base64
import dataclasses
import re
from collections.abc import Mapping
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maillage.report import pdf as pdf_print
from maillage.report import steering_text as fmt
from maillage.report.files import REPORT_CSP, write_atomic
from maillage.report.steering_glossary import glossary
from maillage.report.templating import environment
from maillage.steering import analysis as an
from maillage.steering.models import (
    DIRECTION_LABELS,
    DOCUMENT_LABELS,
    MEASURE_LABELS,
    POLICY_LABELS,
    SteeringData,
)
from maillage.steering.sources import cite, known_headers, release_dates

if TYPE_CHECKING:  # matplotlib loads in the functions that draw: the tables alone never need it
    from matplotlib.figure import Figure

Table = dict[str, Any]  # {"title", "columns", "rows", "notes"}


class SourceIndex:
    """Numbers the distinct sources in order of first use: ``ref(source)`` → ``[n]``."""

    def __init__(self) -> None:
        self.sources: list[str] = []

    def ref(self, *sources: str) -> str:
        out = []
        for s in sources:
            if s not in self.sources:
                self.sources.append(s)
            out.append(f"[{self.sources.index(s) + 1}]")
        return " ".join(dict.fromkeys(out))


def _d(d: date | None) -> str:
    return f"{d:%d/%m/%Y}" if d else "—"


def _changes(lines: tuple) -> str:
    return " ; ".join(
        f"{fmt.budget_line_value(bl)} ({bl.document}, vs {bl.compared_to or '—'})" for bl in lines
    ) or "—"


def build_tables(
    data: SteeringData,
    today: date,
    populations: Mapping[str, int] | None = None,
    commune_names: Mapping[str, str] | None = None,
    horizon_months: int = 6,
) -> tuple[dict[str, Table], list[str]]:
    """All display tables of the report, and the numbered list of their sources."""
    src = SourceIndex()
    by_id = {bl.id: bl for bl in data.budget_lines}
    names = {c.commune_insee: c.commune_name for c in data.conventions} | dict(commune_names or {})
    t: dict[str, Table] = {}

    sc = an.scissors_effect(data.budget_lines)
    t["scissors"] = {
        "title": "Effet ciseaux : dépenses de solidarité, DMTO et TVA par année",
        "columns": ["Année", "Dépenses de solidarité", "Variations des dépenses", "DMTO (total)",
                    "Variations DMTO", "TVA (total)", "Variations TVA", "Écart dépenses − recettes",
                    "Base de l'écart / non communiqué", "Sources"],
        "rows": [[str(y.year),
                  f"{fmt.fmt_meur(y.spending_total_eur)} ({y.spending_document})"
                  if y.spending_total_eur is not None else "non communiqué",
                  _changes(y.spending_changes),
                  f"{fmt.fmt_meur(y.dmto_total_eur)} ({y.dmto_document})"
                  if y.dmto_total_eur is not None else "non communiqué",
                  _changes(y.dmto_changes),
                  f"{fmt.fmt_meur(y.tva_total_eur)} ({y.tva_document})"
                  if y.tva_total_eur is not None else "non communiqué",
                  _changes(y.tva_changes),
                  fmt.fmt_meur(y.gap_eur) + " (calculé)" if y.gap_eur is not None else "—",
                  y.gap_basis + (" ; " + " ; ".join(y.missing) if y.missing else ""),
                  src.ref(*(by_id[i].source for i in y.line_ids))] for y in sc],
        "notes": ["Les années absentes des sources ne sont pas interpolées ; une même année peut avoir "
                  "plusieurs montants (document différent), le plus récent (CA > DM > BP > non précisé) "
                  "est retenu pour l'écart, les autres sont indiqués sur le graphique."],
    }

    years = sorted({bl.year for bl in data.budget_lines if bl.year is not None
                    and bl.document.value == "DM"})
    dm_rows, dm_notes, breakdowns = [], [], []
    for year in years:
        bd = an.dm_breakdown(data.budget_lines, year)
        if bd is None:
            continue
        breakdowns.append(bd)
        for bl in bd.components:
            dm_rows.append([str(year), POLICY_LABELS[bl.policy], fmt.budget_line_value(bl), bl.note,
                            src.ref(bl.source)])
        detailed = {c.policy for c in bd.components}
        parent_ref = src.ref(*(by_id[i].source for i in bd.line_ids if by_id[i].policy not in detailed))
        dm_rows.append([str(year), "Reste non détaillé par la source",
                        fmt.fmt_meur(bd.remainder_eur, True),
                        "calculé : hausse totale − postes détaillés", parent_ref])
        dm_rows.append([str(year), "Hausse totale des crédits sociaux (DM)",
                        fmt.fmt_meur(bd.total_variation_eur, True), "", parent_ref])
        if bd.total_after_eur is not None:
            dm_rows.append([str(year), "Budget dédié aux solidarités après DM",
                            fmt.fmt_meur(bd.total_after_eur), "", parent_ref])
    changes = [c for y in years for c in an.bp_dm_changes(data.budget_lines, y)]
    for c in changes:
        if c.implied_before_eur is not None and c.before_matches:
            other = by_id[c.before_matches[0]]
            dm_notes.append(
                f"Contrôle de cohérence {c.year} ({c.label}) : total après DM − hausse = "
                f"{fmt.fmt_meur(c.implied_before_eur)} (calculé), égal aux "
                f"{fmt.fmt_meur(other.amount_eur or 0)} « {POLICY_LABELS[other.policy].lower()} » "
                f"{other.year} d'une autre source {src.ref(other.source)}.")
    t["dm"] = {"title": "Décision modificative : détail de la hausse des crédits sociaux",
               "columns": ["Année", "Poste", "Montant", "Précision", "Sources"], "rows": dm_rows,
               "notes": dm_notes}
    t["bp_dm"] = {
        "title": "Évolutions entre budget primitif et décision modificative, par politique",
        "columns": ["Année", "Politique", "Total BP", "Variation DM", "Total après DM",
                    "Crédits avant DM (calculé)", "BP + DM = total ?", "Autres évolutions", "Sources"],
        "rows": [[str(c.year), c.label,
                  fmt.fmt_meur(c.bp_total_eur) if c.bp_total_eur is not None else "non communiqué",
                  fmt.fmt_meur(c.dm_variation_eur, True) if c.dm_variation_eur is not None else "—",
                  fmt.fmt_meur(c.dm_total_eur) if c.dm_total_eur is not None else "non communiqué",
                  fmt.fmt_meur(c.implied_before_eur) if c.implied_before_eur is not None else "—",
                  {True: "oui", False: "NON", None: "non vérifiable"}[c.consistent],
                  _changes(c.other_changes), src.ref(*(by_id[i].source for i in c.line_ids))]
                 for c in changes],
        "notes": [],
    }

    t["budget"] = {
        "title": "Lignes budgétaires (toutes)",
        "columns": ["Année", "Document", "Politique", "Sens", "Nature", "Valeur", "Par rapport à", "Note",
                    "Source"],
        "rows": [[str(bl.year) if bl.year else "non précisée", DOCUMENT_LABELS[bl.document],
                  POLICY_LABELS[bl.policy], DIRECTION_LABELS[bl.direction], MEASURE_LABELS[bl.measure],
                  fmt.budget_line_value(bl), bl.compared_to or "—", bl.note, src.ref(bl.source)]
                 for bl in sorted(data.budget_lines, key=lambda b: (b.year or 9999, b.document, b.id))],
        "notes": [],
    }

    ind = an.indicators_per_inhabitant(data.activity, populations)
    t["indicators"] = {
        "title": "Indicateurs d'activité par site ou commune",
        "columns": ["Site / commune", "Période", "Indicateur", "Valeur", "Population desservie",
                    "Pour 1 000 hab. (calculé)", "Source"],
        "rows": [[f"{names.get(r.key, r.key)} ({r.key})", r.period, r.label,
                  fmt.with_precision(f"{r.value:,.0f}".replace(",", "\u202f"), r.precision),
                  f"{r.population_served:,}".replace(",", "\u202f") if r.population_served else
                  "population non fournie",
                  f"{r.per_inhabitants:.1f}".replace(".", ",") if r.per_inhabitants is not None else "—",
                  src.ref(r.source)] for r in ind],
        "notes": ["Population : population municipale des communes (registre, dossier de données ou "
                  "option --communes)." if populations
                  else "Population des communes non fournie (ni registre, ni MAILLAGE_DATA, ni --communes) : "
                  "taux par habitant non calculés."],
    }

    fu = an.follow_up(data.conventions, data.activity, today, horizon_months)
    conv_by_id = {c.id: c for c in data.conventions}
    t["conventions"] = {
        "title": f"Suivi des conventions au {today:%d/%m/%Y} (horizon {horizon_months} mois)",
        "columns": ["Commune", "Signature", "Durée", "Renouvelable", "Prochain renouvellement",
                    "Jours restants", "Indicateurs à transmettre", "Réunions de suivi", "Alertes", "Source"],
        "rows": [[f"{f.commune} ({f.insee_code})", _d(f.signature_date), f"{f.duration_years} ans",
                  "oui" if f.renewable else "non", _d(f.next_renewal), str(f.days_to_renewal),
                  ("manquants " + f.indicator_period + " : " + ", ".join(f.missing_indicators))
                  if f.missing_indicators else ("à jour" if f.indicators_declared else "non précisés"),
                  (f"tous les {f.review_frequency_months} mois ; dernière {_d(f.last_review)} ; "
                   f"prochaine {_d(f.next_review_due)}" + (" (EN RETARD)" if f.review_overdue else ""))
                  if f.review_frequency_months else "fréquence non précisée",
                  " ; ".join(f.alerts) or "aucune", src.ref(conv_by_id[f.convention_id].source)]
                 for f in fu],
        "notes": ["Prochain renouvellement = signature + k × durée (renouvellement supposé pour la même "
                  "durée) ; dates de signature telles qu'annoncées par le communiqué."],
    }
    t["conventions_detail"] = {
        "title": "Contenu des conventions",
        "columns": ["Commune", "Intitulé", "Signataires", "Partenaires", "Engagements", "Gouvernance",
                    "Remarques", "Source"],
        "rows": [[c.commune_name, c.title, " ; ".join(c.signatories), " ; ".join(c.partners),
                  " ; ".join(c.commitments), c.governance, c.note, src.ref(c.source)]
                 for c in sorted(data.conventions, key=lambda c: c.signature_date)],
        "notes": [],
    }
    sites = an.scheduled_sites(data.conventions)
    t["sites"] = {
        "title": "Services programmés issus des conventions (à ajouter à l'audit)",
        "columns": ["Identifiant", "Nom", "Type", "Commune", "Horaires (OSM)", "Signalements", "Source"],
        "rows": [[s["id"], s["name"], s["kind_label"],
                  f"{names.get(s['insee_code'], '')} ({s['insee_code']})",
                  s["opening_hours"] or "non précisés", " ; ".join(s["flags"]), src.ref(s["source"])]
                 for s in sites],
        "notes": [],
    }
    t["_charts"] = {"scissors": sc, "breakdowns": breakdowns, "follow_up": fu, "indicators": ind}
    headers = known_headers()
    return t, [cite(s, headers) for s in src.sources]


def to_jsonable(data: SteeringData, today: date, populations: Mapping[str, int] | None = None,
                horizon_months: int = 6) -> dict[str, Any]:
    """Raw analysis results (numbers in €, dates ISO) for JSON output."""
    def conv(o: Any) -> Any:
        if dataclasses.is_dataclass(o):
            return {k: conv(v) for k, v in dataclasses.asdict(o).items()}
        if hasattr(o, "model_dump"):
            return o.model_dump(mode="json")
        if isinstance(o, dict):
            return {k: conv(v) for k, v in o.items()}
        if isinstance(o, list | tuple):
            return [conv(v) for v in o]
        return o.isoformat() if isinstance(o, date) else o

    years = sorted({bl.year for bl in data.budget_lines if bl.year is not None})
    return conv({
        "today": today,
        "budget_lines": list(data.budget_lines),
        "scissors": an.scissors_effect(data.budget_lines),
        "bp_dm_changes": [c for y in years for c in an.bp_dm_changes(data.budget_lines, y)],
        "dm_breakdowns": [b for y in years if (b := an.dm_breakdown(data.budget_lines, y))],
        "indicators": an.indicators_per_inhabitant(data.activity, populations),
        "conventions_follow_up": an.follow_up(data.conventions, data.activity, today, horizon_months),
        "scheduled_sites": an.scheduled_sites(data.conventions),
    })


def _figures(t: dict[str, Table], today: date) -> dict[str, Figure]:
    from maillage.report import steering_charts as charts

    c = t["_charts"]
    figs = {"scissors": charts.scissors_chart(c["scissors"])}
    for bd in c["breakdowns"]:
        figs[f"dm_{bd.year}"] = charts.dm_breakdown_chart(bd)
    if c["follow_up"]:
        figs["conventions"] = charts.conventions_chart(c["follow_up"], today)
    if c["indicators"]:
        figs["activity"] = charts.activity_chart(c["indicators"])
    return figs


SECTIONS: list[tuple[str, list[str], list[str]]] = [  # (title, chart keys prefix, table keys)
    ("Effet ciseaux", ["scissors"], ["scissors"]),
    ("Décision modificative", ["dm_"], ["dm", "bp_dm"]),
    ("Conventions avec les communes", ["conventions"], ["conventions", "conventions_detail", "sites"]),
    ("Activité", ["activity"], ["indicators"]),
    ("Budget : toutes les lignes", [], ["budget"]),
]


def render_html(
    data: SteeringData,
    today: date,
    populations: Mapping[str, int] | None = None,
    commune_names: Mapping[str, str] | None = None,
    horizon_months: int = 6,
    stylesheet: str | None = None,
    back: tuple[str, str] | None = None,
) -> str:
    """The steering page, every figure with its numbered source.

    Without ``stylesheet``: self-contained (inline ``<style>``, inline SVG charts). With it (the web
    workspace, whose CSP refuses inline styles): the CSS is linked and each chart is an ``<img>`` of a
    ``data:`` SVG, whose own styles the CSP does not govern. ``back`` is an optional (href, label) link.
    """
    tables, sources = build_tables(data, today, populations, commune_names, horizon_months)
    return _render(tables, sources, _figures(tables, today), today, stylesheet, back)


def stylesheet_text() -> str:
    """The page's CSS (``templates/steering.css``), for the web workspace to serve as a file."""
    return (resources.files("maillage.report") / "templates" / "steering.css").read_text(encoding="utf-8")


def _texts(tables: dict[str, Table], sources: list[str], figs: dict[str, Figure]) -> list[str]:
    """Every word the report shows (cells, notes, sources, chart labels), for the glossary."""
    out = [*sources]
    for k, t in tables.items():
        if not k.startswith("_"):
            out += [t["title"], *t["columns"], *t["notes"], *(str(v) for row in t["rows"] for v in row)]
    from maillage.report.steering_charts import to_svg

    out += [re.sub(r"<[^>]+>", " ", to_svg(f)) for f in figs.values()]
    return out


def _cover(data: SteeringData, today: date, populations: Mapping[str, int] | None) -> dict[str, str]:
    """Cover lines: territory, reference date, and the vintage of each kind of data."""
    years = sorted({bl.year for bl in data.budget_lines if bl.year is not None})
    released = release_dates(known_headers())
    vintage = [f"budgets {years[0]} à {years[-1]}" if len(years) > 1 else f"budget {years[0]}"] if years else []
    if released:
        vintage.append(f"communiqués du Département du {released[0]:%d/%m/%Y} au {released[-1]:%d/%m/%Y}")
    if data.conventions:
        signed = sorted(c.signature_date for c in data.conventions)
        vintage.append(f"conventions signées du {signed[0]:%d/%m/%Y} au {signed[-1]:%d/%m/%Y}")
    vintage.append("population municipale des communes (registre)" if populations
                   else "population des communes non fournie")  # fmt: skip
    return {"territory": "Département des Hauts-de-Seine (92)", "date": f"{today:%d/%m/%Y}",
            "vintage": " ; ".join(vintage)}  # fmt: skip


def _render(tables: dict[str, Table], sources: list[str], figs: dict[str, Figure], today: date,
            stylesheet: str | None = None, back: tuple[str, str] | None = None,
            document: dict[str, Any] | None = None) -> str:
    """The page; with ``document`` (cover lines and contents' page numbers) the A4 print version."""
    from maillage.report.steering_charts import to_svg

    sections = []
    for n, (title, chart_keys, table_keys) in enumerate(SECTIONS, start=1):
        chart_list = []
        for k, f in figs.items():
            if any(k.startswith(p) for p in chart_keys):
                svg = to_svg(f)
                chart_list.append({"id": f"chart-{k}", "alt": title, "svg": svg, "data_uri": (
                    "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()) if stylesheet else ""})
        sections.append({
            "heading": f"{n}. {title}",
            "charts": chart_list,
            "tables": [tables[k] for k in table_keys if tables[k]["rows"]],
        })
    n = len(sections)
    extra = {"glossary": f"{n + 1}. Glossaire des abréviations", "sources": f"{n + 2}. Sources"}
    return environment().get_template("steering.html.j2").render(
        sections=sections, sources=sources, today=today, stylesheet=stylesheet, extra=extra, csp=REPORT_CSP,
        glossary=glossary(_texts(tables, sources, figs)), document=document,
        back={"href": back[0], "label": back[1]} if back else None,
        generated=datetime.now().strftime("%d/%m/%Y %H:%M"),
    )


def contents(html_headings: list[str], pages: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
    return [{"heading": h, "anchor": f"sec-{i}", "page": (pages or {}).get(h)}
            for i, h in enumerate(html_headings, start=1)]  # fmt: skip


def write_report(
    data: SteeringData,
    out_dir: str | Path,
    today: date,
    populations: Mapping[str, int] | None = None,
    commune_names: Mapping[str, str] | None = None,
    horizon_months: int = 6,
) -> dict[str, Path]:
    """Write ``pilotage.html`` (self-contained, inline SVG) and ``pilotage.pdf`` (A4) into ``out_dir``.

    The PDF is the same page printed by Chromium with its print stylesheet (cover, contents, page
    numbers); printed twice when ``pdftotext`` can tell the contents on which page each section
    starts. Both files are written to a temporary name and renamed, so a failure never leaves half a
    report; without Chromium only the HTML is written (``PdfUnavailableError`` says so after it).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables, sources = build_tables(data, today, populations, commune_names, horizon_months)
    figs = _figures(tables, today)
    html_path = out / "pilotage.html"
    write_atomic(html_path, _render(tables, sources, figs, today))

    headings = [f"{n}. {title}" for n, (title, _c, _t) in enumerate(SECTIONS, start=1)]
    headings += [f"{len(SECTIONS) + 1}. Glossaire des abréviations", f"{len(SECTIONS) + 2}. Sources"]
    document = {"cover": _cover(data, today, populations), "contents": contents(headings)}
    pdf_path = out / "pilotage.pdf"
    tmp_pdf = pdf_path.with_name(pdf_path.name + ".tmp")
    pdf_print.print_pdf(_render(tables, sources, figs, today, document=document), tmp_pdf)
    pages = pdf_print.page_texts(tmp_pdf)
    if pages is not None:  # the contents fill one page either way: numbers do not move anything
        document["contents"] = contents(headings, pdf_print.heading_pages(pages, headings, first_page=3))
        pdf_print.print_pdf(_render(tables, sources, figs, today, document=document), tmp_pdf)
    tmp_pdf.replace(pdf_path)
    return {"html": html_path, "pdf": pdf_path}
