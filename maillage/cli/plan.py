"""``maillage plan`` (where the next sites should go, SST sectors, a mobile unit's tour) and ``maillage compare``.

Two top-level commands, mounted on the root app by :func:`maillage.cli.main._mount_groups`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from maillage.cli.common import DataOption, DbOption, ShowFormat, actor, emit, fail, progress
from maillage.i18n import _, ngettext
from maillage.report.markup import escape, fill

ALL_METHODS = ("coverage", "setcover", "pmedian", "capacitated-coverage", "capacitated-pmedian", "sectors", "mobile")
# the candidate sources in French words too (--candidates partenaires,grille)
CANDIDATE_WORDS = {"partenaires": "partners", "centres": "centroids", "centroides": "centroids", "grille": "grid"}


class PlanFormat(StrEnum):  # a plan is a table or JSON (no CSV: proposals nest their sites)
    table = "table"
    json = "json"


def _standard(pole_minutes: float, antenne_minutes: float):
    from maillage.audit.standard import ServiceStandard

    return ServiceStandard(pole_minutes=pole_minutes, antenne_minutes=antenne_minutes)


def _errors() -> tuple[type[Exception], ...]:
    from maillage.engines import EngineUnavailable
    from maillage.planning.changes import ScenarioError
    from maillage.planning.optimise import PlanningError
    from maillage.planning.solver import SolverError
    from maillage.registry.datafolder import DataFolderError
    from maillage.registry.snapshot import EmptyRegistryError

    return (
        PlanningError,
        SolverError,
        ScenarioError,
        LookupError,
        EmptyRegistryError,
        EngineUnavailable,
        DataFolderError,
        ValueError,
    )


def plan(
    new_sites: Annotated[int, typer.Option(help="Nombre de nouveaux sites (coverage, pmedian, capacitated).")] = 1,
    method: Annotated[str, typer.Option(help=(
        "coverage (couverture maximale) | setcover (tous couverts, au moins de sites) | pmedian (temps moyen le plus "
        "court) | capacitated-coverage, capacitated-pmedian (les mêmes avec capacités) | sectors (découpage en "
        "secteurs SST) | mobile (tournée d'une unité mobile)."
    ))] = "coverage",
    kind: Annotated[
        str, typer.Option(help="Type des nouveaux sites : antenne (15 min) ou pole_social (20 min)…")
    ] = "antenne",
    candidates: Annotated[
        str, typer.Option(help=(
            "Sources de candidats : partners (partenaires), centroids (centres des communes), grid (grille), "
            "séparées par des virgules ; all (toutes)."
        ))
    ] = "all",
    grid_step: Annotated[float, typer.Option(help="Pas de la grille de candidats, en mètres.")] = 600.0,
    proposals: Annotated[int, typer.Option(help="Nombre de propositions classées.")] = 3,
    capacity: Annotated[float | None, typer.Option(help=(
        "Variantes avec capacités : usagers qu'un nouveau site peut accueillir ; sans elle, les "
        "bureaux d'entretien du registre (comme l'audit) × --residents-per-room."
    ))] = None,
    existing_capacity: Annotated[
        float | None, typer.Option(help="Usagers qu'un site existant peut accueillir (défaut : --capacity).")
    ] = None,
    use_rate: Annotated[float, typer.Option(help="Demande = population × ce taux.")] = 0.05,
    residents_per_room: Annotated[float | None, typer.Option(help=(
        "Capacités du registre : habitants admis par bureau d'entretien (défaut : population / bureaux existants)."
    ))] = None,
    new_site_rooms: Annotated[float | None, typer.Option(help=(
        "Capacités du registre : bureaux d'entretien d'un nouveau site (défaut : celui de son type)."
    ))] = None,
    max_sites: Annotated[int | None, typer.Option(help="setcover : au plus ce nombre de nouveaux sites.")] = None,
    require_all: Annotated[bool, typer.Option(help=(
        "setcover : échouer si des "
        "habitants ne peuvent pas être couverts."
    ))] = False,
    sectors: Annotated[int, typer.Option(help="sectors : nombre de secteurs SST.")] = 14,
    balance: Annotated[
        float, typer.Option(help="sectors : écart admis de la population d'un secteur à la moyenne (0,5 = ±50 %).")
    ] = 0.5,
    stops: Annotated[int, typer.Option(help="mobile : nombre d'arrêts de l'unité.")] = 5,
    unit: Annotated[str, typer.Option(help="mobile : nom de l'unité.")] = "Unité mobile",
    save: Annotated[str | None, typer.Option(help=(
        "Enregistrer la meilleure proposition "
        "sous ce nom de scénario (défaut : plan-N)."
    ))] = None,
    no_save: Annotated[bool, typer.Option("--no-save", help=(
        "Ne pas enregistrer la "
        "meilleure proposition comme scénario."
    ))] = False,
    pole_minutes: Annotated[float, typer.Option(help="Seuil d'accès à un pôle social, en minutes.")] = 20.0,
    antenne_minutes: Annotated[float, typer.Option(help=(
        "Seuil d'accès à une "
        "antenne (ou un pôle), en minutes."
    ))] = 15.0,
    mode: Annotated[str | None, typer.Option(help=(
        "walk (à pied) | bike (vélo) | car "
        "(voiture) | transit (transports en commun)."
    ))] = None,
    pbf: Annotated[Path | None, typer.Option(help=(
        "Extrait OpenStreetMap "
        "(.osm.pbf) pour les temps par les rues."
    ))] = None,
    time_limit: Annotated[float, typer.Option(help="Temps maximal du solveur par modèle, en secondes.")] = 60.0,
    output_format: Annotated[PlanFormat, typer.Option("--format", help=(
        "table | json "
        "(format de sortie)."
    ))] = PlanFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Écrire le JSON dans ce fichier.")] = None,
    html: Annotated[Path | None, typer.Option(help=(
        "Écrire aussi un rapport HTML "
        "autonome (carte) dans ce fichier."
    ))] = None,
    data: DataOption = None,
    db: DbOption = None,
) -> None:
    """Proposer où placer de nouveaux sites (les existants restent), les secteurs SST ou une tournée mobile."""
    from maillage import api
    from maillage.registry.listing import suggestion
    from maillage.report import planning as report

    if output is not None and output_format is PlanFormat.table:  # said before the solver runs, not ignored
        raise fail(_("--output écrit du json : ajoutez --format json (le tableau s'affiche à l'écran ; la carte "
                     "s'écrit avec --html FICHIER)"))
    if method not in ALL_METHODS:
        known = ", ".join(ALL_METHODS)
        raise fail(_("méthode « {method} » inconnue{hint} (connues : {known})").format(
            method=method, hint=suggestion(method, ALL_METHODS), known=known))
    try:
        standard = _standard(pole_minutes, antenne_minutes)
        with progress() as bar:
            task = bar.add_task(_("Préparation…"))
            say = lambda text: bar.update(task, description=escape(text))  # noqa: E731
            inputs = api.planning_inputs(data=data, url=db, mode=mode, pbf=pbf)
            result = _run(
                inputs,
                standard,
                method,
                say,
                new_sites=new_sites,
                kind=kind,
                candidates=candidates,
                grid_step=grid_step,
                proposals=proposals,
                capacity=capacity,
                existing_capacity=existing_capacity,
                use_rate=use_rate,
                residents_per_room=residents_per_room,
                new_site_rooms=new_site_rooms,
                max_sites=max_sites,
                require_all=require_all,
                sectors=sectors,
                balance=balance,
                stops=stops,
                unit=unit,
                time_limit=time_limit,
            )
            result["notes"] = [*inputs.notes, *result.get("notes", [])]
            if not no_save:
                say(_("Enregistrement du scénario et vérification par l'audit…"))
                result["saved"] = _save(inputs, standard, result, save, method)
            if html is not None:
                from maillage.report.files import write_atomic
                from maillage.report.planning_html import render_plan_html

                say(_("Rapport HTML…"))
                write_atomic(html, render_plan_html(result, inputs, standard))
    except _errors() as exc:
        raise fail(str(exc)) from None
    if output_format is PlanFormat.table:
        console = Console()
        {"sectors": report.print_sectors, "mobile": report.print_mobile}.get(method, report.print_plan)(result, console)
        if method in ("sectors", "mobile") and result.get("saved"):
            s = result["saved"]
            console.print(fill(_("Enregistré comme scénario « {name} ». Voir : maillage compare {name}"), **s))
    else:
        emit(report.to_json(result), output)
    if html is not None:
        err = Console(stderr=True)
        err.print(fill(_("Rapport HTML : {html}"), html=html))


def _run(inputs: Any, standard: Any, method: str, say: Any, **o: Any) -> dict[str, Any]:
    from maillage.planning.candidates import CANDIDATE_SOURCES

    if method == "sectors":
        from maillage.planning.sectors import design_sectors

        say(ngettext("Découpage en {sectors} secteur (HiGHS)…", "Découpage en {sectors} secteurs (HiGHS)…",
                     o["sectors"]).format(sectors=o["sectors"]))
        return design_sectors(
            inputs.snapshot,
            inputs.cells,
            inputs.engine,
            o["sectors"],
            balance=o["balance"],
            time_limit_s=o["time_limit"],
        )
    if method == "mobile":
        from maillage.planning.mobile import plan_mobile_unit

        return plan_mobile_unit(
            inputs.snapshot,
            inputs.cells,
            inputs.engine,
            standard,
            stops=o["stops"],
            unit=o["unit"],
            grid_step_m=o["grid_step"],
            progress=say,
        )
    from maillage.planning.propose import PlanRequest
    from maillage.planning.propose import plan as run_plan
    from maillage.registry.listing import fold

    sources = (
        CANDIDATE_SOURCES
        if fold(o["candidates"]) in ("", "all", "toutes", "tous")
        else tuple(CANDIDATE_WORDS.get(fold(s), s.strip()) for s in o["candidates"].split(",") if s.strip())
    )
    request = PlanRequest(
        method=method,
        new_sites=o["new_sites"],
        kind=o["kind"],
        candidates=sources,
        grid_step_m=o["grid_step"],
        proposals=o["proposals"],
        use_rate=o["use_rate"],
        capacity=o["capacity"],
        existing_capacity=o["existing_capacity"],
        residents_per_room=o.get("residents_per_room"),
        new_site_rooms=o.get("new_site_rooms"),
        max_sites=o["max_sites"],
        require_all=o["require_all"],
        time_limit_s=o["time_limit"],
    )
    addresses = inputs.address_points()
    return run_plan(inputs.snapshot, inputs.cells, inputs.engine, standard, request, progress=say, addresses=addresses)


def _save(inputs: Any, standard: Any, result: dict[str, Any], name: str | None, method: str) -> dict[str, Any] | None:
    """Store the best proposal as a scenario and check its gain with a real audit of the scenario."""
    from maillage.audit.guarantee import run_audit
    from maillage.planning import store
    from maillage.planning.compare import compare
    from maillage.planning.variants import audit_variant

    changes = (
        result["changes"]
        if method in ("sectors", "mobile")
        else (result["proposals"][0]["changes"] if result["proposals"] else [])
    )
    if not changes:
        return None
    name = name or store.free_name(inputs.registry, "plan")
    if method == "sectors":
        description = _("maillage plan --method sectors : {n} secteurs SST contigus").format(n=result["sectors_count"])
    else:
        best = result["proposals"][0]["population_gain"] if result.get("proposals") else 0
        gain = result.get("population_gain", best)
        gain_text = f"{gain:,.0f}".replace(",", "\u202f")
        description = _("maillage plan --method {method} : gain prévu {gain} habitants").format(
            method=method, gain=gain_text)  # fmt: skip
    created = store.create_scenario(
        inputs.registry, name, description, actor(), snapshot=inputs.snapshot, changes=changes
    )
    baseline = run_audit(inputs.snapshot, inputs.cells, inputs.engine, standard, sources=[])
    after = audit_variant(
        inputs.snapshot, inputs.cells, inputs.engine, standard, changes=created["changes"], sources=[]
    )
    diff = compare(baseline, after)
    return {
        "name": created["name"],
        "id": created["id"],
        "changes": len(created["changes"]),
        "population_gain_audit": diff["population_gained"],
        "population_lost_audit": diff["population_lost"],
        "population_within_delta_audit": diff["population_within_delta"],
    }


def compare(
    name: Annotated[str, typer.Argument(help="Scénario à comparer.")],
    other: Annotated[str | None, typer.Argument(help="Comparer à ce scénario plutôt qu'au registre.")] = None,
    when: Annotated[
        str | None, typer.Option(help=(
            'Moment de la semaine, par exemple « Tu '
            '09:00 » : seuls les sites ouverts comptent.'
        ))
    ] = None,
    unknown_hours: Annotated[str, typer.Option(help=(
        "open (ouverts) | closed (fermés) "
        ": les sites aux horaires inconnus."
    ))] = "open",
    pole_minutes: Annotated[float, typer.Option(help="Seuil d'accès à un pôle social, en minutes.")] = 20.0,
    antenne_minutes: Annotated[float, typer.Option(help=(
        "Seuil d'accès à une "
        "antenne (ou un pôle), en minutes."
    ))] = 15.0,
    mode: Annotated[str | None, typer.Option(help=(
        "walk (à pied) | bike (vélo) | car "
        "(voiture) | transit (transports en commun)."
    ))] = None,
    pbf: Annotated[Path | None, typer.Option(help=(
        "Extrait OpenStreetMap "
        "(.osm.pbf) pour les temps par les rues."
    ))] = None,
    output_format: Annotated[ShowFormat, typer.Option("--format", help=(
        "table | json | csv "
        "(format de sortie)."
    ))] = ShowFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=(
        "Écrire dans ce fichier (défaut : à l'écran)."))] = None,
    html: Annotated[Path | None, typer.Option(help="Écrire aussi un rapport HTML autonome dans ce fichier.")] = None,
    data: DataOption = None,
    db: DbOption = None,
) -> None:
    """Population gagnée et perdue dans la norme, par commune et secteur, et les pires temps qui changent."""
    from maillage import api
    from maillage.planning import store
    from maillage.planning.compare import compare as diff_audits
    from maillage.planning.timeaware import label_fr, parse_when
    from maillage.planning.variants import audit_variant
    from maillage.registry.listing import fold
    from maillage.report import planning as report

    if output is not None and output_format is ShowFormat.table:
        raise fail(_("--output écrit du json ou du csv : ajoutez --format json ou csv (le tableau s'affiche à "
                     "l'écran ; le rapport s'écrit avec --html FICHIER)"))
    unknown_hours = {"ouverts": "open", "ouvert": "open", "fermes": "closed", "ferme": "closed"}.get(
        fold(unknown_hours), unknown_hours)  # in French words too
    if unknown_hours not in ("open", "closed"):
        raise fail(_("--unknown-hours « {value} » : écrivez open (ouverts) ou closed (fermés)").format(
            value=unknown_hours))
    try:
        standard = _standard(pole_minutes, antenne_minutes)
        moment = parse_when(when) if when else None
        with progress() as bar:
            task = bar.add_task(_("Préparation…"))
            inputs = api.planning_inputs(data=data, url=db, mode=mode, pbf=pbf)
            target = store.find_scenario(inputs.registry, name)
            reference = store.find_scenario(inputs.registry, other) if other else None
            bar.update(task, description=_("Audit de la référence…"))
            base = audit_variant(
                inputs.snapshot,
                inputs.cells,
                inputs.engine,
                standard,
                when=moment,
                unknown=unknown_hours,
                changes=reference["changes"] if reference else (),
            )
            bar.update(task, description=fill(_("Audit du scénario « {name} »…"), name=name))
            after = audit_variant(
                inputs.snapshot,
                inputs.cells,
                inputs.engine,
                standard,
                changes=target["changes"],
                when=moment,
                unknown=unknown_hours,
            )
            diff = diff_audits(base, after)
            diff |= {
                "scenario": name,
                "reference": other or "existant",
                "when": moment.isoformat() if moment else None,
                "notes": [*inputs.notes, *after.notes],
            }
            if html is not None:
                from maillage.report.files import write_atomic
                from maillage.report.planning_html import render_compare_html

                write_atomic(html, render_compare_html(diff, base, after))
    except _errors() as exc:
        raise fail(str(exc)) from None
    if output_format is ShowFormat.table:
        title = (fill(_("Scénario « {name} » comparé à « {other} »"), name=name, other=other) if other
                 else fill(_("Scénario « {name} » comparé à l’existant"), name=name))  # fmt: skip
        report.print_compare(diff, Console(), title + (f" ({label_fr(moment)})" if moment else ""))
    elif output_format is ShowFormat.json:
        emit(report.to_json(diff), output)
    else:
        emit(_compare_csv(diff), output)


def _compare_csv(diff: dict[str, Any]) -> str:
    import csv
    import io

    from maillage.csvcells import neutralise

    buffer = io.StringIO()
    rows = [{"level": "commune", **r} for r in diff["communes"]] + [{"level": "sector", **r} for r in diff["sectors"]]
    fields = ["level"] + [f for f in (rows[0] if rows else {}) if f != "level"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: neutralise(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()
