"""Terminal (rich), JSON and HTML renderings of scenarios, comparisons and proposals (French labels)."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from maillage.numbers import fr_int as _int
from maillage.numbers import fr_pct
from maillage.planning.changes import describe_change
from maillage.report.markup import escape
from maillage.report.writers import _clean


def _pct(value: float | None) -> str:
    return fr_pct(value, 0)


def _min(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _arrow(before: float | None, after: float | None, fmt=_min) -> str:
    return fmt(before) if fmt(before) == fmt(after) else f"{fmt(before)} → {fmt(after)}"


def to_json(doc: Any) -> str:
    """JSON with ``null`` for infinite or missing values."""
    return json.dumps(_clean(doc), ensure_ascii=False, indent=1)


def print_scenario(scenario: dict[str, Any], console: Console, names: dict[str, str] | None = None) -> None:
    table = Table(
        title=f"Scénario « {escape(scenario['name'])} » (n° {scenario['id']})", title_justify="left",
        header_style="bold",
    )
    table.add_column("n°", justify="right")
    table.add_column("Changement")
    for change in scenario["changes"]:
        table.add_row(str(change["seq"]), escape(describe_change(change, names)))
    if scenario.get("description"):
        table.caption = escape(scenario["description"])
    console.print(table)


def print_scenarios(scenarios: list[dict[str, Any]], console: Console) -> None:
    table = Table(title="Scénarios enregistrés", title_justify="left", header_style="bold")
    for column in ("n°", "Nom", "Changements", "Auteur", "Description"):
        table.add_column(column)
    for s in scenarios:
        table.add_row(
            str(s["id"]), *(escape(v) for v in (s["name"], str(len(s["changes"])), s.get("created_by") or "",
                                                s.get("description") or ""))
        )
    console.print(table)


def print_compare(diff: dict[str, Any], console: Console, title: str) -> None:
    if not console.is_terminal and console.width < 120:
        console.width = 130
    headline = (
        f"Dans la norme : {_int(diff['population_within_baseline'])} → {_int(diff['population_within_scenario'])} "
        f"habitants ({fr_pct(diff['share_within_baseline'])} → {fr_pct(diff['share_within_scenario'])}) ; "
        f"[green]+{_int(diff['population_gained'])} gagnés[/], [red]−{_int(diff['population_lost'])} perdus[/] ; "
        f"{diff['cells_improved']} carreaux rapprochés, {diff['cells_worsened']} éloignés."
    )
    if diff.get("sites_added") or diff.get("sites_removed"):
        added = ", ".join(diff.get("sites_added_names", diff["sites_added"])) or "—"
        removed = ", ".join(diff.get("sites_removed_names", diff["sites_removed"])) or "—"
        headline += f"\nSites ajoutés : {escape(added)} ; retirés : {escape(removed)}."
    console.print(Panel(headline, title=title))
    for key, label, heading in (("communes", "Commune", "Par commune"), ("sectors", "Secteur", "Par secteur SST")):
        table = Table(title=f"{heading} (changements seulement)", title_justify="left", header_style="bold")
        for column in (label, "Gagnés", "Perdus", "Norme", "Pôle max", "Antenne max"):
            table.add_column(
                column,
                no_wrap=column != label,
                max_width=34 if column == label else None,
                justify="left" if column == label else "right",
            )
        for r in diff[key]:  # names only: the INSEE codes and sector ids stay in the JSON
            table.add_row(
                escape(r["name"]),
                f"[green]{_int(r['population_gained'])}[/]",
                f"[red]{_int(r['population_lost'])}[/]",
                _arrow(r["share_within_baseline"], r["share_within_scenario"], _pct),
                _arrow(r["worst_minutes_pole_baseline"], r["worst_minutes_pole_scenario"]),
                _arrow(r["worst_minutes_antenne_baseline"], r["worst_minutes_antenne_scenario"]),
            )
        if not diff[key]:
            table.caption = "Aucun changement."
        console.print(table)
    if diff.get("notes"):  # engine and population model, as every output says them
        console.print(Panel(escape("\n".join(dict.fromkeys(diff["notes"]))), title="Hypothèses", style="dim"))


def _new_site_line(site: dict[str, Any]) -> str:
    """A proposed site: its name (with its address when known, else its coordinates) and its gain."""
    where = "" if site.get("nearest_address") else f" — {site['lon']:.5f}, {site['lat']:.5f}"
    approx = " (position approximative)" if site["approximate_position"] else ""
    return escape(f"{site['name']}{where} (+{_int(site['population_gain_alone'])}){approx}")


def print_plan(result: dict[str, Any], console: Console) -> None:
    if not console.is_terminal and console.width < 120:
        console.width = 130
    b = result["baseline"]
    head = (
        f"Méthode : {escape(result['method_label'])} ; nouveau site : {escape(result['kind'])} "
        f"(norme {result['threshold_minutes']:g} min) ; "
        f"{result['candidates']['count']} candidats. Existant : {fr_pct(b['share_within'])} dans la norme, "
        f"{_int(b['population_outside'])} habitants hors norme."
    )
    console.print(Panel(head, title="Propositions d'implantation"))
    table = Table(title="Propositions classées", title_justify="left", header_style="bold")
    for column in ("Rang", "Nouveaux sites", "Gain (hab.)", "Norme après", "Emplacements"):
        table.add_column(column, justify="right" if column != "Emplacements" else "left")
    for p in result["proposals"]:
        where = "\n".join(_new_site_line(s) for s in p["new_sites"])
        table.add_row(
            str(p["rank"]),
            str(p["new_sites_count"]),
            f"+{_int(p['population_gain'])}",
            _pct(p["share_within_after"]),
            where,
        )
    console.print(table)
    if result.get("director_table"):  # each proposal's gain, then each existing site's loss if it closed
        from maillage.report.site_value import rows_table

        console.print(rows_table(result["director_table"], limit=len(result["proposals"]) + 10))
    extra = list(result.get("notes", []))
    if result.get("saved"):
        s = result["saved"]
        extra.insert(
            0,
            f"Enregistré comme scénario « {s['name']} » (n° {s['id']}) ; vérification par l'audit : "
            f"+{_int(s['population_gain_audit'])} habitants. Voir : maillage compare {s['name']}",
        )
    if extra:
        console.print(Panel(escape("\n".join(extra)), title="Notes", style="dim"))


SECTOR_HEADER = ("Secteur", "Siège", "Communes", "Population", "Écart à la moyenne", "Temps moyen (min)")


def sector_rows(result: dict[str, Any]) -> list[list[str]]:
    """The proposed sectors as display rows (terminal and HTML), in :data:`SECTOR_HEADER` order."""
    return [
        [
            s["sector"],
            s["seat_name"],
            ", ".join(s["commune_names"]),
            _int(s["population"]),
            f"{s['load_deviation']:+.0%}",
            f"{s['mean_minutes']:.1f}",
        ]
        for s in result["sectors"]
    ]


def print_sectors(result: dict[str, Any], console: Console) -> None:
    table = Table(
        title=f"Découpage en {result['sectors_count']} secteurs SST", title_justify="left", header_style="bold"
    )
    for column in SECTOR_HEADER:
        table.add_column(column)
    for row in sector_rows(result):  # the same rows feed the HTML: escaped for rich here only
        table.add_row(*(escape(c) for c in row))
    table.caption = (
        f"Charge moyenne {_int(result['mean_load'])} hab. ; contigus : "
        f"{'oui' if result['contiguous'] else 'non'} ; solveur : {result['solver']['status']}."
    )
    console.print(table)


def print_mobile(result: dict[str, Any], console: Console) -> None:
    table = Table(
        title=f"Unité mobile « {escape(result['unit'])} » : arrêts et horaires", title_justify="left",
        header_style="bold",
    )
    for column in ("Arrêt", "Commune", "Position", "Horaires", "Habitants hors norme desservis"):
        table.add_column(column)
    for s in result["stops"]:
        table.add_row(
            escape(s["name"]),
            escape(s["commune"]),
            f"{s['lon']:.5f}, {s['lat']:.5f}",
            escape(s["opening_hours"]),
            _int(s["population_reached"]),
        )
    table.caption = (
        f"{_int(result['population_reached'])} habitants hors norme à moins de {result['threshold_minutes']:g} "
        "min d'un arrêt, une demi-journée par semaine au moins."
    )
    console.print(table)


def print_week(rows: list[dict[str, Any]], console: Console) -> None:
    table = Table(title="Couverture au fil de la semaine", title_justify="left", header_style="bold")
    for column in (
        "Moment",
        "Dans la norme",
        "Habitants",
        "Sites ouverts",
        "Fermés",
        "Horaires inconnus",
        "Arrêts mobiles",
    ):
        table.add_column(column, justify="right" if column != "Moment" else "left")
    for r in rows:
        table.add_row(
            escape(r["label"]),
            fr_pct(r["share_within"]),
            _int(r["population_within"]),
            str(r["open"]),
            str(r["closed"]),
            str(r["unknown_hours"]),
            str(r["mobile_served"]),
        )
    treated = "ouverts" if rows and rows[0]["unknown_counted_as"] == "open" else "fermés"
    table.caption = f"Sites sans horaires connus comptés {treated}."
    console.print(table)
