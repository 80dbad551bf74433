"""Terminal rendering of an audit with rich: the département total, communes, sectors, provenance."""

from __future__ import annotations

import math

import pandas as pd
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from maillage.audit.guarantee import AuditResult
from maillage.network.engine import BACKEND_LABELS_FR, MODE_LABELS_FR
from maillage.numbers import fr_decimal, fr_pct
from maillage.numbers import fr_int as _int
from maillage.report import site_value
from maillage.report.equity_view import equity_lines_fr, summary_rows
from maillage.report.markup import escape


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
    table.add_column("Nom", no_wrap=True, max_width=34 if key_label else 60)
    table.add_column("Population", justify="right", no_wrap=True)
    table.add_column("Norme", justify="right", no_wrap=True)
    table.add_column("Hors norme", justify="right", no_wrap=True)
    table.add_column("Pôle max", justify="right", no_wrap=True)
    table.add_column("Antenne max", justify="right", no_wrap=True)
    table.caption = "Norme : part de la population dans la norme. « max » : pire temps, en minutes."
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
    return MODE_LABELS_FR.get(mode, mode)


def backend_fr(result: AuditResult) -> str:
    backend = str(result.engine.get("backend"))
    return BACKEND_LABELS_FR.get(backend, backend)


def print_audit(result: AuditResult, console: Console | None = None) -> None:
    console = console or Console()
    if not console.is_terminal and console.width < 110:
        console.width = 110  # a pipe or a file: keep commune names whole
    t = result.total
    headline = (
        f"[bold]{fr_pct(t['share_within'])}[/] des {_int(t['population'])} habitants dans la norme ; "
        f"[bold]{_int(t['population_outside'])}[/] hors norme "
        f"({mode_fr(result)}, {backend_fr(result)})."
    )
    title = "Garantie d'accès 20/15 minutes — Hauts-de-Seine"
    if result.variant_fr:  # a scenario or a moment must not read like today's registry
        headline = f"[bold]{escape(result.variant_fr[0].upper() + result.variant_fr[1:])}[/] : {headline}"
        title += f" — {escape(result.variant_fr)}"
    console.print(Panel(headline, title=title))
    for line in site_value.terminal_lines(result):  # the most overloaded pôle, in one line
        console.print(line)
    console.print(audit_table(result.by_commune, "Par commune (moins bien couvertes d'abord)", "Code INSEE"))
    console.print(audit_table(result.by_sector, "Par secteur SST", None))
    console.print(equity_panel(result))
    console.print(equity_table(result))
    if result.marginal is not None:
        console.print(site_value.director_table(result))
    console.print(Panel(escape("\n".join(provenance_lines(result))), title="Hypothèses et sources", style="dim"))


def provenance_lines(result: AuditResult) -> list[str]:
    lines = [*result.standard.describe_fr(), *result.assumptions, *result.notes]
    lines += [f"Source : {s['file']} — {s['description']} ({s['vintage']})" for s in result.sources]
    return lines


def equity_panel(result: AuditResult) -> Panel:
    label = {"tous": "tous les habitants", "enfants": "enfants", "seniors": "65 ans et plus"}[result.public_weighed]
    return Panel(escape("\n".join(equity_lines_fr(result))), title=f"Inégalités d'accès — {label}")


def equity_table(result: AuditResult) -> Table:
    """Per sector: share of each public within the standard, mean time and Gini to the pôle and the antenne."""
    table = Table(title="Par secteur SST : publics et inégalités", title_justify="left", header_style="bold")
    rows = summary_rows(result, "sectors")
    publics = result.publics.publics if result.publics else ()
    table.add_column("Secteur", no_wrap=True, max_width=30)
    for key in publics:
        head = {"tous": "Tous", "enfants": "Enfants", "seniors": "65 ans+"}[key]
        table.add_column(head, justify="right", no_wrap=True, min_width=len(head))
    for head in ("Pôle moy.", "Gini", "Antenne moy.", "Gini"):
        table.add_column(head, justify="right", no_wrap=True, min_width=len(head))
    for row in rows:
        shares = ["—" if row[f"share_within_{k}"] is None else f"{row[f'share_within_{k}']:.0%}" for k in publics]
        pole, antenne = "pole", "antenne_or_pole"
        table.add_row(escape(str(row["name"])), *shares, _minutes(row[f"{pole}_mean_minutes"]),
                      fr_decimal(row[f"{pole}_gini"]), _minutes(row[f"{antenne}_mean_minutes"]),
                      fr_decimal(row[f"{antenne}_gini"]))  # fmt: skip
    table.caption = "Parts dans la norme par public ; temps moyens en minutes, pondérés par le public choisi."
    return table
