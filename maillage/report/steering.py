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

from maillage.i18n import N_, _
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


def _cols(*names: str) -> list[str]:
    return [_(n) for n in names]


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
    unknown, computed = _("non communiqué"), _("{amount} (calculé)")
    t["scissors"] = {
        "title": _("Effet ciseaux : dépenses de solidarité, DMTO et TVA par année"),
        "columns": _cols(N_("Année"), N_("Dépenses de solidarité"), N_("Variations des dépenses"), N_("DMTO (total)"),
                         N_("Variations DMTO"), N_("TVA (total)"), N_("Variations TVA"),
                         N_("Écart dépenses − recettes"), N_("Base de l'écart / non communiqué"), N_("Sources")),
        "rows": [[str(y.year),
                  f"{fmt.fmt_meur(y.spending_total_eur)} ({y.spending_document})"
                  if y.spending_total_eur is not None else unknown,
                  _changes(y.spending_changes),
                  f"{fmt.fmt_meur(y.dmto_total_eur)} ({y.dmto_document})"
                  if y.dmto_total_eur is not None else unknown,
                  _changes(y.dmto_changes),
                  f"{fmt.fmt_meur(y.tva_total_eur)} ({y.tva_document})"
                  if y.tva_total_eur is not None else unknown,
                  _changes(y.tva_changes),
                  computed.format(amount=fmt.fmt_meur(y.gap_eur)) if y.gap_eur is not None else "—",
                  y.gap_basis + (" ; " + " ; ".join(y.missing) if y.missing else ""),
                  src.ref(*(by_id[i].source for i in y.line_ids))] for y in sc],
        "notes": [_("Les années absentes des sources ne sont pas interpolées ; une même année peut avoir "
                    "plusieurs montants (document différent), le plus récent (CA > DM > BP > non précisé) "
                    "est retenu pour l'écart, les autres sont indiqués sur le graphique.")],
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
            dm_rows.append([str(year), _(POLICY_LABELS[bl.policy]), fmt.budget_line_value(bl), bl.note,
                            src.ref(bl.source)])
        detailed = {c.policy for c in bd.components}
        parent_ref = src.ref(*(by_id[i].source for i in bd.line_ids if by_id[i].policy not in detailed))
        dm_rows.append([str(year), _("Reste non détaillé par la source"),
                        fmt.fmt_meur(bd.remainder_eur, True),
                        _("calculé : hausse totale − postes détaillés"), parent_ref])
        dm_rows.append([str(year), _("Hausse totale des crédits sociaux (DM)"),
                        fmt.fmt_meur(bd.total_variation_eur, True), "", parent_ref])
        if bd.total_after_eur is not None:
            dm_rows.append([str(year), _("Budget dédié aux solidarités après DM"),
                            fmt.fmt_meur(bd.total_after_eur), "", parent_ref])
    changes = [c for y in years for c in an.bp_dm_changes(data.budget_lines, y)]
    for c in changes:
        if c.implied_before_eur is not None and c.before_matches:
            other = by_id[c.before_matches[0]]
            dm_notes.append(_(
                "Contrôle de cohérence {year} ({label}) : total après DM − hausse = {before} (calculé), égal aux "
                "{amount} « {policy} » {other_year} d'une autre source {ref}.").format(
                year=c.year, label=c.label, before=fmt.fmt_meur(c.implied_before_eur),
                amount=fmt.fmt_meur(other.amount_eur or 0), policy=_(POLICY_LABELS[other.policy]).lower(),
                other_year=other.year, ref=src.ref(other.source)))
    t["dm"] = {"title": _("Décision modificative : détail de la hausse des crédits sociaux"),
               "columns": _cols(N_("Année"), N_("Poste"), N_("Montant"), N_("Précision"), N_("Sources")),
               "rows": dm_rows, "notes": dm_notes}
    t["bp_dm"] = {
        "title": _("Évolutions entre budget primitif et décision modificative, par politique"),
        "columns": _cols(N_("Année"), N_("Politique"), N_("Total BP"), N_("Variation DM"), N_("Total après DM"),
                         N_("Crédits avant DM (calculé)"), N_("BP + DM = total ?"), N_("Autres évolutions"),
                         N_("Sources")),
        "rows": [[str(c.year), c.label,
                  fmt.fmt_meur(c.bp_total_eur) if c.bp_total_eur is not None else unknown,
                  fmt.fmt_meur(c.dm_variation_eur, True) if c.dm_variation_eur is not None else "—",
                  fmt.fmt_meur(c.dm_total_eur) if c.dm_total_eur is not None else unknown,
                  fmt.fmt_meur(c.implied_before_eur) if c.implied_before_eur is not None else "—",
                  {True: _("oui"), False: _("NON"), None: _("non vérifiable")}[c.consistent],
                  _changes(c.other_changes), src.ref(*(by_id[i].source for i in c.line_ids))]
                 for c in changes],
        "notes": [],
    }

    t["budget"] = {
        "title": _("Lignes budgétaires (toutes)"),
        "columns": _cols(N_("Année"), N_("Document"), N_("Politique"), N_("Sens"), N_("Nature"), N_("Valeur"),
                         N_("Par rapport à"), N_("Note"), N_("Source")),
        "rows": [[str(bl.year) if bl.year else _("non précisée"), _(DOCUMENT_LABELS[bl.document]),
                  _(POLICY_LABELS[bl.policy]), _(DIRECTION_LABELS[bl.direction]), _(MEASURE_LABELS[bl.measure]),
                  fmt.budget_line_value(bl), bl.compared_to or "—", bl.note, src.ref(bl.source)]
                 for bl in sorted(data.budget_lines, key=lambda b: (b.year or 9999, b.document, b.id))],
        "notes": [],
    }

    ind = an.indicators_per_inhabitant(data.activity, populations)
    t["indicators"] = {
        "title": _("Indicateurs d'activité par site ou commune"),
        "columns": _cols(N_("Site / commune"), N_("Période"), N_("Indicateur"), N_("Valeur"),
                         N_("Population desservie"), N_("Pour 1 000 hab. (calculé)"), N_("Source")),
        "rows": [[f"{names.get(r.key, r.key)} ({r.key})", r.period, r.label,
                  fmt.with_precision(f"{r.value:,.0f}".replace(",", "\u202f"), r.precision),
                  f"{r.population_served:,}".replace(",", "\u202f") if r.population_served else
                  _("population non fournie"),
                  f"{r.per_inhabitants:.1f}".replace(".", ",") if r.per_inhabitants is not None else "—",
                  src.ref(r.source)] for r in ind],
        "notes": [_("Population : population municipale des communes (registre, dossier de données ou "
                    "option --communes).") if populations
                  else _("Population des communes non fournie (ni registre, ni MAILLAGE_DATA, ni --communes) : "
                         "taux par habitant non calculés.")],
    }

    fu = an.follow_up(data.conventions, data.activity, today, horizon_months)
    conv_by_id = {c.id: c for c in data.conventions}
    t["conventions"] = {
        "title": _("Suivi des conventions au {date} (horizon {months} mois)").format(
            date=f"{today:%d/%m/%Y}", months=horizon_months),
        "columns": _cols(N_("Commune"), N_("Signature"), N_("Durée"), N_("Renouvelable"),
                         N_("Prochain renouvellement"), N_("Jours restants"), N_("Indicateurs à transmettre"),
                         N_("Réunions de suivi"), N_("Alertes"), N_("Source")),
        "rows": [[f"{f.commune} ({f.insee_code})", _d(f.signature_date),
                  _("{n} ans").format(n=f.duration_years), _("oui") if f.renewable else _("non"),
                  _d(f.next_renewal), str(f.days_to_renewal),
                  _("manquants {period} : {indicators}").format(period=f.indicator_period,
                                                                indicators=", ".join(f.missing_indicators))
                  if f.missing_indicators else (_("à jour") if f.indicators_declared else _("non précisés")),
                  (_("tous les {n} mois ; dernière {last} ; prochaine {next}").format(
                      n=f.review_frequency_months, last=_d(f.last_review), next=_d(f.next_review_due))
                   + (" " + _("(EN RETARD)") if f.review_overdue else ""))
                  if f.review_frequency_months else _("fréquence non précisée"),
                  " ; ".join(f.alerts) or _("aucune"), src.ref(conv_by_id[f.convention_id].source)]
                 for f in fu],
        "notes": [_("Prochain renouvellement = signature + k × durée (renouvellement supposé pour la même "
                    "durée) ; dates de signature telles qu'annoncées par le communiqué.")],
    }
    t["conventions_detail"] = {
        "title": _("Contenu des conventions"),
        "columns": _cols(N_("Commune"), N_("Intitulé"), N_("Signataires"), N_("Partenaires"), N_("Engagements"),
                         N_("Gouvernance"), N_("Remarques"), N_("Source")),
        "rows": [[c.commune_name, c.title, " ; ".join(c.signatories), " ; ".join(c.partners),
                  " ; ".join(c.commitments), c.governance, c.note, src.ref(c.source)]
                 for c in sorted(data.conventions, key=lambda c: c.signature_date)],
        "notes": [],
    }
    sites = an.scheduled_sites(data.conventions)
    t["sites"] = {
        "title": _("Services programmés issus des conventions (à ajouter à l'audit)"),
        "columns": _cols(N_("Identifiant"), N_("Nom"), N_("Type"), N_("Commune"), N_("Horaires (OSM)"),
                         N_("Signalements"), N_("Source")),
        "rows": [[s["id"], s["name"], s["kind_label"],
                  f"{names.get(s['insee_code'], '')} ({s['insee_code']})",
                  s["opening_hours"] or _("non précisés"), " ; ".join(s["flags"]), src.ref(s["source"])]
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


SECTIONS: list[tuple[str, list[str], list[str]]] = [  # (title, chart keys prefix, table keys); _(title) shows it
    (N_("Effet ciseaux"), ["scissors"], ["scissors"]),
    (N_("Décision modificative"), ["dm_"], ["dm", "bp_dm"]),
    (N_("Conventions avec les communes"), ["conventions"], ["conventions", "conventions_detail", "sites"]),
    (N_("Activité"), ["activity"], ["indicators"]),
    (N_("Budget : toutes les lignes"), [], ["budget"]),
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
    vintage = [_("budgets {first} à {last}").format(first=years[0], last=years[-1]) if len(years) > 1
               else _("budget {year}").format(year=years[0])] if years else []  # fmt: skip
    if released:
        vintage.append(_("communiqués du Département du {first} au {last}").format(
            first=f"{released[0]:%d/%m/%Y}", last=f"{released[-1]:%d/%m/%Y}"))
    if data.conventions:
        signed = sorted(c.signature_date for c in data.conventions)
        vintage.append(_("conventions signées du {first} au {last}").format(
            first=f"{signed[0]:%d/%m/%Y}", last=f"{signed[-1]:%d/%m/%Y}"))
    vintage.append(_("population municipale des communes (registre)") if populations
                   else _("population des communes non fournie"))  # fmt: skip
    return {"territory": _("Département des Hauts-de-Seine (92)"), "date": f"{today:%d/%m/%Y}",
            "vintage": " ; ".join(vintage)}  # fmt: skip


def _render(tables: dict[str, Table], sources: list[str], figs: dict[str, Figure], today: date,
            stylesheet: str | None = None, back: tuple[str, str] | None = None,
            document: dict[str, Any] | None = None) -> str:
    """The page; with ``document`` (cover lines and contents' page numbers) the A4 print version."""
    from maillage.report.steering_charts import to_svg

    sections = []
    for n, (marked, chart_keys, table_keys) in enumerate(SECTIONS, start=1):
        title, chart_list = _(marked), []
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
    extra = {"glossary": f"{n + 1}. {_('Glossaire des abréviations')}", "sources": f"{n + 2}. {_('Sources')}"}
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

    headings = [f"{n}. {_(title)}" for n, (title, _c, _t) in enumerate(SECTIONS, start=1)]
    headings += [f"{len(SECTIONS) + 1}. {_('Glossaire des abréviations')}", f"{len(SECTIONS) + 2}. {_('Sources')}"]
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
