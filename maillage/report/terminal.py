"""Terminal rendering of an audit with rich: the département total, communes, sectors, provenance."""

from __future__ import annotations

import math

import pandas as pd
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from maillage.audit.guarantee import AuditResult


def _minutes(value: float) -> str:
    return "—" if not math.isfinite(value) else f"{value:.0f}"


def _share_style(share: float) -> str:
    if share >= 0.95:
        return "green"
    return "yellow" if share >= 0.75 else "red"


def audit_table(frame: pd.DataFrame, title: str, key_label: str) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column(key_label)
    table.add_column("Nom")
    table.add_column("Population", justify="right")
    table.add_column("Dans la norme", justify="right")
    table.add_column("Hors norme (hab.)", justify="right")
    table.add_column("Pôle : pire (min)", justify="right")
    table.add_column("Antenne : pire (min)", justify="right")
    for row in frame.sort_values("share_within").itertuples(index=False):
        share = float(row.share_within)
        table.add_row(
            str(row.code),
            str(row.name),
            f"{row.population:,.0f}".replace(",", " "),
            f"[{_share_style(share)}]{share:.0%}[/]",
            f"{row.population_outside:,.0f}".replace(",", " "),
            _minutes(float(row.worst_minutes_pole)),
            _minutes(float(row.worst_minutes_antenne_or_pole)),
        )
    return table


def print_audit(result: AuditResult, console: Console | None = None) -> None:
    console = console or Console()
    t = result.total
    headline = (
        f"[bold]{t['share_within']:.1%}[/] des {t['population']:,.0f} habitants dans la norme ; "
        f"[bold]{t['population_outside']:,.0f}[/] hors norme "
        f"(mode : {result.engine.get('mode')}, moteur : {result.engine.get('backend')})."
    ).replace(",", " ")
    console.print(Panel(headline, title="Garantie d'accès 20/15 minutes — Hauts-de-Seine"))
    console.print(audit_table(result.by_commune, "Par commune (moins bien couvertes d'abord)", "Code INSEE"))
    console.print(audit_table(result.by_sector, "Par secteur SST", "Secteur"))
    console.print(Panel("\n".join(provenance_lines(result)), title="Hypothèses et sources", style="dim"))


def provenance_lines(result: AuditResult) -> list[str]:
    lines = [*result.standard.describe_fr(), *result.assumptions, *result.notes]
    lines += [f"Source : {s['file']} — {s['description']} ({s['vintage']})" for s in result.sources]
    return lines
