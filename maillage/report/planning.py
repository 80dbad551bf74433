"""Terminal (rich), JSON and HTML renderings of scenarios, comparisons and proposals (French labels)."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from maillage.i18n import N_, _, ngettext
from maillage.numbers import fr_int as _int
from maillage.numbers import fr_number, fr_pct
from maillage.planning.changes import describe_change
from maillage.registry.hours_fr import osm_to_french
from maillage.registry.writelog import actor_fr
from maillage.report.markup import escape, fill
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
        title=fill(_("Scénario « {name} » (n° {id})"), name=scenario["name"], id=scenario["id"]),
        title_justify="left", header_style="bold",
    )  # fmt: skip
    table.add_column(_("n°"), justify="right")
    table.add_column(_("Changement"))
    for change in scenario["changes"]:
        table.add_row(str(change["seq"]), escape(describe_change(change, names)))
    if scenario.get("description"):
        table.caption = escape(scenario["description"])
    console.print(table)


def print_scenarios(scenarios: list[dict[str, Any]], console: Console) -> None:
    table = Table(title=_("Scénarios enregistrés"), title_justify="left", header_style="bold")
    for column in (_("n°"), _("Nom"), _("Changements"), _("Auteur"), _("Description")):
        table.add_column(column)
    for s in scenarios:
        table.add_row(
            str(s["id"]), *(escape(v) for v in (s["name"], str(len(s["changes"])), actor_fr(s.get("created_by")),
                                                s.get("description") or ""))
        )
    console.print(table)


def print_compare(diff: dict[str, Any], console: Console, title: str) -> None:
    if not console.is_terminal and console.width < 120:
        console.width = 130
    gained, lost = bool(diff["population_gained"]), bool(diff["population_lost"])
    templates = {  # never « +0 gagnés » nor « −0 perdus »
        (False, False): _("Dans la norme : {before} → {after} habitants ({share_before} → {share_after}) ; aucun "
                          "habitant gagné ni perdu ; {improved} carreaux rapprochés, {worsened} éloignés."),
        (True, False): _("Dans la norme : {before} → {after} habitants ({share_before} → {share_after}) ; "
                         "[green]+{gained} gagnés[/], aucun perdu ; {improved} carreaux rapprochés, {worsened} "
                         "éloignés."),
        (False, True): _("Dans la norme : {before} → {after} habitants ({share_before} → {share_after}) ; aucun "
                         "gagné, [red]−{lost} perdus[/] ; {improved} carreaux rapprochés, {worsened} éloignés."),
        (True, True): _("Dans la norme : {before} → {after} habitants ({share_before} → {share_after}) ; "
                        "[green]+{gained} gagnés[/], [red]−{lost} perdus[/] ; {improved} carreaux rapprochés, "
                        "{worsened} éloignés."),
    }
    headline = fill(
        templates[gained, lost],
        before=_int(diff["population_within_baseline"]), after=_int(diff["population_within_scenario"]),
        share_before=fr_pct(diff["share_within_baseline"]), share_after=fr_pct(diff["share_within_scenario"]),
        gained=_int(diff["population_gained"]), lost=_int(diff["population_lost"]),
        improved=_int(diff["cells_improved"]), worsened=_int(diff["cells_worsened"]),
    )  # fmt: skip
    if diff.get("sites_added") or diff.get("sites_removed"):
        added = ", ".join(diff.get("sites_added_names", diff["sites_added"])) or "—"
        removed = ", ".join(diff.get("sites_removed_names", diff["sites_removed"])) or "—"
        headline += "\n" + fill(_("Sites ajoutés : {added} ; retirés : {removed}."), added=added, removed=removed)
    console.print(Panel(headline, title=title))
    for key, label, heading in (("communes", _("Commune"), _("Par commune")),
                                ("sectors", _("Secteur"), _("Par secteur SST"))):  # fmt: skip
        table = Table(title=_("{heading} (changements seulement)").format(heading=heading), title_justify="left",
                      header_style="bold")  # fmt: skip
        for column in (label, _("Gagnés"), _("Perdus"), _("Norme"), _("Pôle max"), _("Antenne max")):
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
            table.caption = _("Aucun changement.")
        console.print(table)
    if diff.get("notes"):  # engine and population model, as every output says them
        console.print(Panel(escape("\n".join(dict.fromkeys(diff["notes"]))), title=_("Hypothèses"), style="dim"))


def _new_site_line(site: dict[str, Any]) -> str:
    """A proposed site: its name (with its address when known, else its coordinates) and its gain."""
    where = "" if site.get("nearest_address") else f" — {site['lon']:.5f}, {site['lat']:.5f}"
    approx = " " + _("(position approximative)") if site["approximate_position"] else ""
    return escape(f"{site['name']}{where} (+{_int(site['population_gain_alone'])}){approx}")


def print_plan(result: dict[str, Any], console: Console) -> None:
    if not console.is_terminal and console.width < 120:
        console.width = 130
    b = result["baseline"]
    head = fill(
        _("Méthode : {method} ; nouveau site : {kind} (norme {minutes} min) ; {candidates} candidats. Existant : "
          "{share} dans la norme, {outside} habitants hors norme."),
        method=result["method_label"], kind=result["kind"], minutes=fr_number(result["threshold_minutes"]),
        candidates=result["candidates"]["count"], share=fr_pct(b["share_within"]),
        outside=_int(b["population_outside"]),
    )  # fmt: skip
    console.print(Panel(head, title=_("Propositions d'implantation")))
    table = Table(title=_("Propositions classées"), title_justify="left", header_style="bold")
    places = _("Emplacements")
    for column in (_("Rang"), _("Nouveaux sites"), _("Gain (hab.)"), _("Norme après"), places):
        table.add_column(column, justify="right" if column != places else "left")
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
        extra.insert(0, _("Enregistré comme scénario « {name} » (n° {id}) ; vérification par l'audit : +{gain} "
                          "habitants. Voir : maillage compare {name}").format(
            name=s["name"], id=s["id"], gain=_int(s["population_gain_audit"])))  # fmt: skip
    if extra:
        console.print(Panel(escape("\n".join(extra)), title=_("Notes"), style="dim"))


# HiGHS's model status (English, as the solver names it) in the planner's words
SOLVER_STATUS_FR = {"Optimal": N_("optimal"), "Time limit reached": N_("arrêté à la limite de temps"),
                    "Iteration limit reached": N_("arrêté à la limite d'itérations"),
                    "Solution limit reached": N_("arrêté à la limite de solutions"),
                    "Interrupted by user": N_("interrompu")}  # fmt: skip


def solver_status(status: str) -> str:
    return _(SOLVER_STATUS_FR[status]) if status in SOLVER_STATUS_FR else status


SECTOR_HEADER = (N_("Secteur"), N_("Siège"), N_("Communes"), N_("Population"), N_("Écart à la moyenne"),
                 N_("Temps moyen (min)"))  # fmt: skip  (headers of sector_rows: whoever shows them calls _())


def sector_rows(result: dict[str, Any]) -> list[list[str]]:
    """The proposed sectors as display rows (terminal and HTML), in :data:`SECTOR_HEADER` order."""
    return [
        [
            s.get("name") or s["sector"],  # « SST 1 — Antony », not the code plan-sst-01
            s["seat_name"],
            ", ".join(s["commune_names"]),
            _int(s["population"]),
            f"{s['load_deviation'] * 100:+.0f}".replace("-", "−") + "\u00a0%",
            f"{s['mean_minutes']:.1f}".replace(".", ","),
        ]
        for s in result["sectors"]
    ]


def print_sectors(result: dict[str, Any], console: Console) -> None:
    n = result["sectors_count"]
    table = Table(title=ngettext("Découpage en {n} secteur SST", "Découpage en {n} secteurs SST", n).format(n=n),
                  title_justify="left",
                  header_style="bold")  # fmt: skip
    for column in SECTOR_HEADER:
        table.add_column(_(column))
    for row in sector_rows(result):  # the same rows feed the HTML: escaped for rich here only
        table.add_row(*(escape(c) for c in row))
    table.caption = fill(_("Charge moyenne {load} hab. ; contigus : {contiguous} ; solveur : {status}."),
                         load=_int(result["mean_load"]), contiguous=_("oui") if result["contiguous"] else _("non"),
                         status=solver_status(result["solver"]["status"]))  # fmt: skip
    console.print(table)


def print_mobile(result: dict[str, Any], console: Console) -> None:
    table = Table(title=fill(_("Unité mobile « {unit} » : arrêts et horaires"), unit=result["unit"]),
                  title_justify="left", header_style="bold")  # fmt: skip
    for column in (_("Arrêt"), _("Commune"), _("Position"), _("Horaires"), _("Habitants hors norme desservis")):
        table.add_column(column)
    for s in result["stops"]:
        table.add_row(
            escape(s["name"]),
            escape(s["commune"]),
            f"{s['lon']:.5f}, {s['lat']:.5f}",
            escape(osm_to_french(s["opening_hours"])),  # « lun. 09:00-12:30 », not Mo
            _int(s["population_reached"]),
        )
    table.caption = _("{n} habitants hors norme à moins de {minutes} min d'un arrêt, une demi-journée par semaine "
                      "au moins.").format(n=_int(result["population_reached"]),
                                         minutes=fr_number(result["threshold_minutes"]))
    console.print(table)


def print_week(rows: list[dict[str, Any]], console: Console) -> None:
    table = Table(title=_("Couverture au fil de la semaine"), title_justify="left", header_style="bold")
    moment = _("Moment")
    for column in (moment, _("Dans la norme"), _("Habitants"), _("Sites ouverts"), _("Fermés"),
                   _("Horaires inconnus"), _("Arrêts mobiles")):  # fmt: skip
        table.add_column(column, justify="right" if column != moment else "left")
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
    open_ = rows and rows[0]["unknown_counted_as"] == "open"
    table.caption = _("Sites sans horaires connus comptés ouverts.") if open_ else _(
        "Sites sans horaires connus comptés fermés.")
    console.print(table)
