"""Terminal rendering of an audit with rich: the département total, communes, sectors, provenance."""

from __future__ import annotations

import math

import pandas as pd
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from maillage.audit.guarantee import AuditResult
from maillage.i18n import N_, _
from maillage.network.engine import backend_label, mode_label
from maillage.numbers import fr_decimal, fr_pct
from maillage.numbers import fr_int as _int
from maillage.report import site_value
from maillage.report.equity_view import equity_lines_fr, summary_rows
from maillage.report.markup import escape, fill

PUBLIC_LABELS = {"tous": N_("tous les habitants"), "enfants": N_("enfants"), "seniors": N_("65 ans et plus")}
PUBLIC_HEADS = {"tous": N_("Tous"), "enfants": N_("Enfants"), "seniors": N_("65 ans+")}


def _minutes(value: float) -> str:
    return "—" if not math.isfinite(value) else f"{value:.0f}"


def _share_style(share: float) -> str:
    if share >= 0.95:
        return "green"
    return "yellow" if share >= 0.75 else "red"


def audit_table(frame: pd.DataFrame, title: str, key_label: str | None) -> Table:
    """One row per commune or sector; ``key_label`` None shows the name only (a sector's id is internal)."""
    table = Table(title=title, title_justify="left", header_style="bold")
    if key_label:
        table.add_column(key_label, no_wrap=True)
    table.add_column(_("Nom"), max_width=34 if key_label else 60, ratio=1)  # the one column that gives way
    for head in (_("Population"), _("Norme"), _("Hors norme"), _("Pôle max"), _("Antenne max")):
        # never « Populati… »: a long sector name wraps instead of the headings being cut
        table.add_column(head, justify="right", no_wrap=True, min_width=len(head))
    table.caption = _("Norme : part de la population dans la norme. « max » : pire temps, en minutes.")
    for row in frame.sort_values("share_within").itertuples(index=False):
        share = float(row.share_within)
        table.add_row(
            *([escape(str(row.code))] if key_label else []),
            escape(str(row.name)),
            _int(row.population),
            f"[{_share_style(share)}]{fr_pct(share, 0)}[/]",
            _int(row.population_outside),
            _minutes(float(row.worst_minutes_pole)),
            _minutes(float(row.worst_minutes_antenne_or_pole)),
        )
    return table


def mode_fr(result: AuditResult) -> str:
    mode = str(result.engine.get("mode"))
    return mode_label(mode)


def backend_fr(result: AuditResult) -> str:
    backend = str(result.engine.get("backend"))
    return backend_label(backend)


def print_audit(result: AuditResult, console: Console | None = None) -> None:
    console = console or Console()
    if not console.is_terminal and console.width < 110:
        console.width = 110  # a pipe or a file: keep commune names whole
    t = result.total
    headline = fill(_("[bold]{share}[/] des {population} habitants dans la norme ; [bold]{outside}[/] hors norme "
                      "({mode}, {backend})."), share=fr_pct(t["share_within"]), population=_int(t["population"]),
                    outside=_int(t["population_outside"]), mode=mode_fr(result),
                    backend=backend_fr(result))  # fmt: skip
    title = _("Garantie d'accès 20/15 minutes — Hauts-de-Seine")
    if result.variant_fr:  # a scenario or a moment must not read like today's registry
        variant = result.variant_fr[0].upper() + result.variant_fr[1:]
        # the headline is ours, already filled: only the variant's name is escaped
        headline = _("[bold]{variant}[/] : {headline}").format(variant=escape(variant), headline=headline)
        title = _("{title} — {variant}").format(title=title, variant=escape(result.variant_fr))
    console.print(Panel(headline, title=title))
    for line in site_value.terminal_lines(result):  # the most overloaded pôle, in one line
        console.print(line)
    console.print(audit_table(result.by_commune, _("Par commune (moins bien couvertes d'abord)"), _("Code INSEE")))
    console.print(audit_table(result.by_sector, _("Par secteur SST"), None))
    console.print(equity_panel(result))
    console.print(equity_table(result))
    if result.marginal is not None:
        console.print(site_value.director_table(result))
    console.print(Panel(escape("\n".join(provenance_lines(result))), title=_("Hypothèses et sources"), style="dim"))


def provenance_lines(result: AuditResult) -> list[str]:
    lines = [*result.standard.describe_fr(), *result.assumptions, *result.notes]
    source = _("Source : {file} — {description} ({vintage})")
    lines += [source.format(file=s["file"], description=s["description"], vintage=s["vintage"])
              for s in result.sources]  # fmt: skip
    return lines


def equity_panel(result: AuditResult) -> Panel:
    label = _(PUBLIC_LABELS[result.public_weighed])
    title = _("Inégalités d'accès — {public}").format(public=label)
    return Panel(escape("\n".join(equity_lines_fr(result))), title=title)


def equity_table(result: AuditResult) -> Table:
    """Per sector: share of each public within the standard, mean time and Gini to the pôle and the antenne."""
    table = Table(title=_("Par secteur SST : publics et inégalités"), title_justify="left", header_style="bold")
    rows = summary_rows(result, "sectors")
    publics = result.publics.publics if result.publics else ()
    table.add_column(_("Secteur"), no_wrap=True, max_width=30)
    for key in publics:
        head = _(PUBLIC_HEADS[key])
        table.add_column(head, justify="right", no_wrap=True, min_width=len(head))
    for head in (_("Pôle moy."), "Gini", _("Antenne moy."), "Gini"):
        table.add_column(head, justify="right", no_wrap=True, min_width=len(head))
    for row in rows:
        shares = ["—" if row[f"share_within_{k}"] is None else fr_pct(row[f"share_within_{k}"], 0) for k in publics]
        pole, antenne = "pole", "antenne_or_pole"
        table.add_row(escape(str(row["name"])), *shares, _minutes(row[f"{pole}_mean_minutes"]),
                      fr_decimal(row[f"{pole}_gini"]), _minutes(row[f"{antenne}_mean_minutes"]),
                      fr_decimal(row[f"{antenne}_gini"]))  # fmt: skip
    table.caption = _("Parts dans la norme par public ; temps moyens en minutes, pondérés par le public choisi.")
    return table
