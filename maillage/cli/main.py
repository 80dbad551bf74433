"""Command line: ``maillage init``, ``maillage audit``, ``maillage sites …``, ``maillage serve``, ``maillage user add``,
``maillage steering …``.

A thin layer over :mod:`maillage.api`: parse options, show progress, print or write outputs.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from maillage.cli import french_help
from maillage.cli.common import DataOption, DbOption, emit, err, fail, open_registry
from maillage.cli.common import progress as _progress
from maillage.i18n import _
from maillage.registry.vocab import Service
from maillage.report.markup import fill

# Only typer, rich and the standard library load with the command line: each command imports what it uses
# (the api, numpy, pandas, geopandas…) in its body, so that --help and a mistyped option answer at once.

french_help.install()  # French placeholders and panels in every --help
app = typer.Typer(
    help="maillage — auditer, planifier et piloter le maillage territorial des services sociaux (Hauts-de-Seine).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,  # shell completion is for programmers, and typer says it in English
)
sites_app = typer.Typer(help="Lister, montrer, importer et exporter les sites.", no_args_is_help=True)
app.add_typer(sites_app, name="sites")


class Public(StrEnum):
    """The publics of ``maillage audit --public`` (the keys of :data:`maillage.audit.publics.PUBLICS`)."""

    tous = "tous"
    enfants = "enfants"
    seniors = "seniors"


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    geojson = "geojson"


@app.command()
def init(data: DataOption = None, db: DbOption = None) -> None:
    """Charger le dossier de données dans le registre (tout est vérifié d'abord ; tout ou rien)."""
    from maillage import api
    from maillage.registry.datafolder import DataFolderError
    from maillage.registry.errors import ImportRejected
    from maillage.registry.snapshot import RegistryUnavailableError

    try:
        with _progress() as progress:
            progress.add_task(_("Lecture et validation du dossier de données…"))
            content = api.init_registry(data, db)
    except (ImportRejected, DataFolderError, RegistryUnavailableError) as exc:
        raise fail(str(exc)) from None
    s = content.summary()
    n = lambda v: f"{v:,}".replace(",", "\u202f")  # noqa: E731
    err.print(
        fill(_("[green]Registre chargé[/] : {communes} communes ({population} hab.), {sites} sites "
          "({sites_duplicate} doublons signalés, {sites_at_named_stop} placés près de l'arrêt que nomme leur "
          "adresse, {sites_at_commune_centroid} au centre de leur commune), {sectors} secteurs."),
             **(s | {"population": n(s["population"])}))
    )


@app.command()
def audit(
    data: DataOption = None,
    db: DbOption = None,
    mode: Annotated[
        str | None,
        typer.Option(help=(
            "walk (à pied) | bike (vélo) | car (voiture) | transit (transports en "
            "commun) ; défaut : transit si un GTFS avec horaires est fourni, sinon walk."
        )),
    ] = None,
    pbf: Annotated[Path | None, typer.Option(help=(
        "Extrait OpenStreetMap "
        "(.osm.pbf) pour les temps par les rues."
    ))] = None,
    gtfs: Annotated[list[Path] | None, typer.Option(help="Flux GTFS (zip ou dossier) ; option répétable.")] = None,
    service: Annotated[
        Service | None, typer.Option(help="Mesurer aussi le temps jusqu'au site le plus proche offrant ce service.")
    ] = None,
    public: Annotated[Public, typer.Option(help=(
        "Public pondéré : tous (tous les habitants), enfants (moins de 15 ans : PMI et protection de l'enfance "
        "mesurées aussi) ou seniors (65 ans et plus : services aux personnes âgées mesurés aussi). Parts dans la "
        "norme et inégalités par commune et secteur ; exige un modèle de population à tranches d'âge."
    ))] = Public.tous,
    pole_minutes: Annotated[float, typer.Option(help="Seuil d'accès à un pôle social, en minutes.")] = 20.0,
    antenne_minutes: Annotated[float, typer.Option(help=(
        "Seuil d'accès à une "
        "antenne (ou un pôle), en minutes."
    ))] = 15.0,
    pole_kinds: Annotated[str, typer.Option(help=(
        "Types de sites comptés comme "
        "pôle, séparés par des virgules."
    ))] = "pole_social",
    antenne_kinds: Annotated[str, typer.Option(help=(
        "Types de sites comptés comme "
        "antenne, séparés par des virgules."
    ))] = "sst,antenne,pmi",
    population_grid: Annotated[
        Path | None, typer.Option(help="Fichier de grille de population (remplace le modèle à 200 m).")
    ] = None,
    cell_size: Annotated[float, typer.Option(help="Taille des carreaux du modèle de population, en mètres.")] = 200.0,
    depart: Annotated[str, typer.Option(help="Transports en commun : début de la plage de départ, HH:MM.")] = "08:00",
    window: Annotated[int, typer.Option(help="Transports en commun : durée de la plage de départ, en minutes.")] = 120,
    date: Annotated[
        str | None,
        typer.Option(help="Transports en commun : date AAAA-MM-JJ (défaut : premier jour de semaine du flux)."),
    ] = None,
    percentile: Annotated[list[int] | None, typer.Option(help=(
        "Transports en commun : "
        "centiles du temps de trajet à donner."
    ))] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="table | json | csv | geojson (format de sortie).")
    ] = OutputFormat.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help=(
            "Écrire le json/csv/geojson dans "
            "ce fichier plutôt qu'à l'écran."
        ))
    ] = None,
    html: Annotated[Path | None, typer.Option(help="Écrire aussi le rapport HTML autonome dans ce fichier.")] = None,
    no_cells: Annotated[bool, typer.Option("--no-cells", help="JSON : sans les lignes par carreau.")] = False,
    scenario: Annotated[str | None, typer.Option(help="Auditer un scénario enregistré (maillage scenario …).")] = None,
    when: Annotated[
        str | None, typer.Option(help=(
            'Ne compter que les sites ouverts à ce moment, '
            'par exemple « Tu 09:00 » ou 2026-11-24T10:00.'
        ))
    ] = None,
    week: Annotated[bool, typer.Option("--week", help=(
        "Montrer aussi la couverture par "
        "demi-journée de la semaine (horaires d'ouverture)."
    ))] = False,
) -> None:
    """Auditer la garantie 20/15 minutes : par carreau, commune et secteur SST."""
    from maillage import api
    from maillage.audit.standard import ServiceStandard
    from maillage.engines import EngineUnavailable
    from maillage.registry.datafolder import DataFolderError
    from maillage.registry.snapshot import EmptyRegistryError
    from maillage.report import terminal, writers
    from maillage.report.files import write_atomic

    depart = _clock(depart)
    if date is not None:  # checked here in every mode: transit would fail in English, the others ignore it
        import datetime as dt

        try:
            dt.date.fromisoformat(date)
        except ValueError:
            raise fail(_("--date « {value} » : écrivez une date AAAA-MM-JJ, par exemple 2026-01-13").format(
                value=date)) from None
    if output is not None and output_format is OutputFormat.table:  # said before the audit, not silently ignored
        raise fail(_("--output écrit du json, du csv ou du geojson : ajoutez --format json, csv ou geojson (le tableau "
                     "s'affiche à l'écran ; le rapport complet s'écrit avec --html FICHIER)"))
    try:
        standard = ServiceStandard(
            pole_minutes=pole_minutes,
            antenne_minutes=antenne_minutes,
            pole_kinds=tuple(k.strip() for k in pole_kinds.split(",") if k.strip()),
            antenne_kinds=tuple(k.strip() for k in antenne_kinds.split(",") if k.strip()),
        )
        with _progress() as progress:
            task = progress.add_task(_("Préparation…"))
            nearest = _("Temps jusqu'au plus proche : {name}")
            result = api.audit(
                data=data, url=db, mode=mode, pbf=pbf, gtfs=gtfs or [], standard=standard,
                service=service.value if service else None, grid=population_grid, cell_size_m=cell_size,
                depart=depart, window_min=window, date=date, percentiles=percentile or [50],
                progress=lambda name: progress.update(task, description=fill(nearest, name=name)),
                scenario=scenario, when=when, public=public.value,
            )  # fmt: skip
            week_rows = api.week_coverage(data=data, url=db, mode=mode, pbf=pbf, standard=standard, scenario=scenario,
                                          grid=population_grid, cell_size_m=cell_size) if week else None  # fmt: skip
            if html is not None:
                from maillage.report.html import render_html  # matplotlib: only when a report is asked

                progress.update(task, description=_("Rapport HTML…"))
                write_atomic(html, render_html(result, week=week_rows))
    except (EmptyRegistryError, EngineUnavailable, DataFolderError, ValueError, LookupError) as exc:
        raise fail(str(exc)) from None
    if output_format is OutputFormat.table:
        terminal.print_audit(result, Console())
        if week_rows is not None:
            from maillage.report.planning import print_week

            print_week(week_rows, Console())
    else:
        if output_format is OutputFormat.json:
            text = writers.to_json(result, include_cells=not no_cells)
            if week_rows is not None:
                text = json.dumps({**json.loads(text), "week": week_rows}, ensure_ascii=False, indent=1)
        elif output_format is OutputFormat.csv:
            text = writers.to_csv(result)
        else:
            text = writers.to_geojson(result)
        if output is None:
            sys.stdout.write(text + "\n")
        else:
            write_atomic(output, text)
            err.print(fill(_("Écrit : {output}"), output=output))
    if html is not None:
        err.print(fill(_("Rapport HTML : {html}"), html=html))


@sites_app.command("import")
def sites_import(
    files: Annotated[list[Path], typer.Argument(help="Fichiers CSV au format commun (voir maillage sites export).",
                                                show_default=False)],
    db: DbOption = None,
) -> None:
    """Ajouter des sites depuis des fichiers CSV au format commun (tout ou rien)."""
    from maillage.registry.errors import ImportRejected
    from maillage.registry.loader import add_sites

    try:
        records = add_sites(open_registry(db), files)
    except (ImportRejected, ValueError) as exc:
        raise fail(str(exc)) from None
    err.print(_("[green]{n} sites ajoutés.[/]").format(n=len(records)))


@sites_app.command("export")
def sites_export(
    output_format: Annotated[str, typer.Option("--format", help="csv | geojson")] = "csv",
    output: Annotated[Path | None, typer.Option("--output", "-o", help=(
        "Écrire dans ce fichier (défaut : à l'écran)."))] = None,
    db: DbOption = None,
) -> None:
    """Exporter tous les sites au format CSV commun ou en GeoJSON (réimportables)."""
    from maillage import api
    from maillage.registry.export import sites_to_csv, sites_to_geojson

    if output_format not in ("csv", "geojson"):
        raise fail(_("format « {value} » inconnu : écrivez --format csv ou --format geojson").format(
            value=output_format))
    snapshot = api.load_snapshot(open_registry(db))
    text = sites_to_csv(snapshot.sites) if output_format == "csv" else sites_to_geojson(snapshot.sites)
    emit(text, output)  # « Écrit : fichier » when written to a file


user_app = typer.Typer(help="Comptes de l'espace de planification.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Adresse d'écoute.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port TCP.")] = 8000,
    data: DataOption = None,
    db: DbOption = None,
    mode: Annotated[str | None, typer.Option(help=(
        "walk (à pied) | bike (vélo) | car (voiture) | transit (transports en commun) ; défaut : comme pour audit."
    ))] = None,
    workers: Annotated[int, typer.Option(help=(
        "Processus du serveur web (chacun précalcule son propre index des temps)."))] = 1,
) -> None:
    """Servir la page publique « Où m'adresser ? » et l'espace de planification, dans un navigateur (serveur web)."""
    import os

    import uvicorn

    from maillage.engines import EngineUnavailable
    from maillage.registry.datafolder import DataFolderError
    from maillage.registry.snapshot import EmptyRegistryError
    from maillage.web.app import WORKER_HEALTHCHECK_S, create_app

    try:
        if workers > 1:
            for key, value in (("MAILLAGE_DATA", data), ("MAILLAGE_DB_URL", db), ("MAILLAGE_WEB_MODE", mode)):
                if value is not None:
                    os.environ[key] = str(value)
            err.print(_("maillage : http://{host}:{port}/ ({workers} processus)").format_map(locals()))
            uvicorn.run("maillage.web.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                        proxy_headers=False, server_header=False,
                        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S)  # fmt: skip
            return
        web = create_app(db, data, mode=mode)
    except (EmptyRegistryError, EngineUnavailable, DataFolderError, ValueError) as exc:
        raise fail(str(exc)) from None
    err.print(_("maillage : http://{host}:{port}/").format_map(locals()))
    uvicorn.run(web, host=host, port=port, proxy_headers=False, server_header=False)


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Identifiant du compte.", show_default=False)],
    role: Annotated[str, typer.Option(help="planner (planification) | admin (administration)")] = "planner",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help=(
        "Lire le mot de passe "
        "sur l'entrée standard."
    ))] = False,
    db: DbOption = None,
) -> None:
    """Créer un compte (ou changer son mot de passe, son rôle) ; le mot de passe est demandé, jamais en argument."""
    from maillage.web.auth import AccountError, create_account

    roles = {"planner": _("planification"), "admin": _("administration")}
    if role not in roles:
        message = _("rôle « {role} » inconnu : --role planner (planification) ou --role admin (administration)")
        raise fail(message.format(role=role))
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        # asked twice by hand: click's confirmation_prompt answers in English ("Repeat for confirmation"); without a
        # terminal, getpass would warn in English that the input may show: said here in French, then read as is
        hidden = sys.stdin.isatty()
        if not hidden:
            err.print(_("Attention : pas de terminal, le mot de passe saisi peut s'afficher."))
        password = typer.prompt(_("Mot de passe"), hide_input=hidden, prompt_suffix=" : ")
        if typer.prompt(_("Confirmez le mot de passe"), hide_input=hidden, prompt_suffix=" : ") != password:
            raise fail(_("les deux mots de passe saisis diffèrent : relancez la commande"))
    try:
        create_account(open_registry(db), username, password, role, actor="cli")
    except AccountError as exc:
        raise fail(str(exc)) from None
    err.print(fill(_("[green]Compte {username} enregistré (rôle : {role}).[/]"), username=username, role=roles[role]))


def _clock(text: str) -> str:
    """--depart as HH:MM, from « 08:00 », « 8:00 », « 8h » or « 8h30 »; anything else is one French error."""
    import re

    match = re.fullmatch(r"\s*(\d{1,2})\s*(?::\s*(\d{2})|h\s*(\d{2})?)\s*", text)
    hour, minute = (int(match.group(1)), int(match.group(2) or match.group(3) or 0)) if match else (99, 99)
    if hour > 23 or minute > 59:
        raise fail(_("--depart « {value} » : écrivez une heure, par exemple 08:00 ou 8h30").format(value=text))
    return f"{hour:02d}:{minute:02d}"


@app.command("audit-many")
def audit_many(
    folders: Annotated[
        list[Path], typer.Argument(help="Dossiers de données, un par territoire (par exemple un par département).")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Fichier Parquet de toutes les lignes par commune.")
    ] = Path("out/communes.parquet"),
    mode: Annotated[str | None, typer.Option(help=(
        "walk (à pied) | bike (vélo) | car (voiture) | transit (transports en commun) ; défaut : comme pour audit."
    ))] = None,
    address: Annotated[
        str | None,
        typer.Option(
            "--address",
            "--scheduler",
            help="Adresse de l'ordonnanceur d'une grappe Dask déjà lancée (tcp://hôte:8786) ; "
            "sans elle, une grappe locale est lancée sur cette machine.",
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Grappe locale : nombre de processus de calcul (défaut : un par cœur).")
    ] = None,
    cell_size: Annotated[float, typer.Option(help="Taille des carreaux du modèle de population, en mètres.")] = 200.0,
) -> None:
    """Auditer plusieurs territoires sur Dask (une tâche par dossier) et rassembler les lignes par commune (Parquet).

    Chaque processus de calcul lit lui-même les dossiers : ils doivent être visibles au même chemin sur toutes
    les machines de la grappe.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from maillage.engines import EngineUnavailable
    from maillage.registry.datafolder import DataFolderError
    from maillage.registry.errors import ImportRejected
    from maillage.registry.snapshot import EmptyRegistryError
    from maillage.scale import ClusterUnavailable, gather_communes, write_parquet
    from maillage.scale import audit_many as run_many

    missing = [str(f) for f in folders if not f.is_dir()]
    if address is None and missing:  # a local cluster reads the folders here: said before Dask logs a failed task
        raise fail(_("dossier(s) de données introuvable(s) : {folders} (vérifiez les chemins donnés)").format(
            folders=", ".join(missing)))
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=err)  # fmt: skip
    with progress:
        task = progress.add_task(_("territoires audités"), total=len(folders))
        try:
            results = run_many(folders, mode=mode, cell_size_m=cell_size, scheduler=address, n_workers=workers,
                               on_done=lambda r: progress.advance(task))  # fmt: skip
        except (EmptyRegistryError, EngineUnavailable, DataFolderError, ImportRejected, ValueError,
                ClusterUnavailable) as exc:  # fmt: skip
            raise fail(str(exc)) from None
    from maillage.numbers import fr_int, fr_pct

    write_parquet(gather_communes(results), output)
    for r in results:
        share = r.total.get("share_within", float("nan"))
        people = r.total.get("population", 0.0)
        seconds = f"{r.seconds:.1f}".replace(".", ",")
        err.print(fill(_("{territory} : {share} dans la norme ({people} hab., {seconds} s)"),
            territory=r.territory, share=fr_pct(share), people=fr_int(people), seconds=seconds))  # fmt: skip
    err.print(fill(_("Lignes par commune : {output}"), output=output))


class OrientFormat(StrEnum):
    table = "table"
    json = "json"


@app.command()
def orient(
    where: Annotated[str, typer.Argument(help="Adresse, commune ou code postal.", show_default=False)],
    need: Annotated[str, typer.Option("--need", help="Besoin : code de service (pmi, aide_alimentaire, …).")],
    mode: Annotated[str | None, typer.Option("--mode", help=(
        "walk (à pied), bike (vélo) ou car (voiture) ; défaut : comme l'audit.")
    )] = None,
    output_format: Annotated[OrientFormat, typer.Option("--format")] = OrientFormat.table,
    data: DataOption = None,
    db: DbOption = None,
) -> None:
    """Où m'adresser ? Les lieux pour un besoin depuis une adresse, classés par temps de trajet.

    La même réponse que la page publique.
    """
    import dataclasses

    from maillage import api
    from maillage.engines import EngineUnavailable, suggest_mode
    from maillage.orientation.orient import orient as run_orient
    from maillage.orientation.text import orientation_lines
    from maillage.registry.datafolder import DataFolderError
    from maillage.registry.listing import suggestion
    from maillage.registry.snapshot import EmptyRegistryError

    if need not in {s.value for s in Service}:
        codes = [s.value for s in Service]
        raise fail(_("besoin inconnu « {need} »{hint} ; codes possibles : {codes}").format(
            need=need, hint=suggestion(need, codes), codes=", ".join(codes)))
    if mode is not None and mode not in ("walk", "bike", "car"):
        meant = suggest_mode(mode)
        if meant == "transit":
            raise fail(_("« maillage orient » ne calcule pas de trajet en transports en commun : --mode walk (à pied), "
                         "bike (vélo) ou car (voiture)"))
        hint = suggestion(mode, (), [meant] if meant else [])
        message = _("mode inconnu « {mode} »{hint} ; modes possibles : walk (à pied), bike (vélo), car (voiture)")
        raise fail(message.format(mode=mode, hint=hint))
    try:
        with _progress() as progress:
            progress.add_task(_("Calcul des temps de trajet…"))
            inputs = api.orientation_inputs(db, data, mode, precompute=False)  # one answer: no matrix
    except (EmptyRegistryError, DataFolderError, EngineUnavailable) as exc:
        raise fail(str(exc)) from None
    found = inputs.finder.find(where)
    if found.place is None:
        choices = "".join(f"\n  - {p.label}" for p in found.suggestions)
        raise fail(f"{found.message_fr}{choices}")
    place = found.place
    answer = run_orient(inputs.index, need, commune=place.commune_code if place.lon is None else None,
                        lon=place.lon, lat=place.lat, origin_label=place.label)  # fmt: skip
    if output_format == OrientFormat.json:
        payload = dataclasses.asdict(answer) | {"lookup_message": found.message_fr}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    if found.message_fr:
        err.print(found.message_fr, highlight=False, markup=False)
    sys.stdout.write("\n".join(orientation_lines(answer)) + "\n")


def _mount_groups() -> None:
    from maillage.cli import plan, scenario, sessions, sites, steering

    sites.register(sites_app)  # maillage sites list, maillage sites show
    sessions.register(user_app)  # maillage user sessions list|revoke
    app.add_typer(
        scenario.scenario_app, name="scenario", help="Scénarios : variantes nommées et enregistrées du registre."
    )
    app.command("plan")(plan.plan)
    app.command("compare")(plan.compare)
    app.add_typer(steering.app, name="steering", help="Pilotage : budget, indicateurs d'activité et conventions.")


_mount_groups()
