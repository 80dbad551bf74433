"""``maillage scenario …``: create, edit, show, export and import scenarios (thin layer over ``planning.store``).

Mounted on the root app by :func:`maillage.cli.main._mount_groups`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from maillage.cli.common import DbOption, FileFormat, ShowFormat, actor, emit, err, fail, open_registry
from maillage.i18n import _
from maillage.report.markup import fill

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from maillage.registry.snapshot import Snapshot

scenario_app = typer.Typer(help="Scénarios : variantes nommées et enregistrées du registre.", no_args_is_help=True)


def _open(db: str | None) -> Engine:
    """The registry alone, for commands that read or write scenarios without auditing."""
    return open_registry(db)


def _registry(db: str | None) -> tuple[Engine, Snapshot]:
    from maillage.registry.snapshot import load_snapshot

    registry = _open(db)
    return registry, load_snapshot(registry)


def _find(db: str | None, name: str) -> dict[str, Any]:
    from maillage.planning import store
    from maillage.registry.snapshot import EmptyRegistryError

    try:
        return store.find_scenario(_open(db), name)
    except (LookupError, EmptyRegistryError) as exc:
        raise fail(str(exc)) from None


def _by_name(change: dict[str, Any], snapshot: Snapshot, earlier: list[dict[str, Any]]) -> dict[str, Any]:
    """A change whose site was typed by its name (« PMI Pavé Blanc ») with that site's id, when one site alone bears
    the name (registry sites, then those the scenario adds); an id, or a name shared or unknown, is left as typed."""
    from maillage.planning.changes import NEW_SITE_OPS
    from maillage.registry.listing import fold

    typed = change.get("site_id")
    if not typed or change["op"] in NEW_SITE_OPS:
        return change
    sites = snapshot.sites[snapshot.sites["duplicate_of"].isna()]
    pairs = [(str(i), str(n)) for i, n in zip(sites["id"], sites["name"], strict=True)]
    pairs += [(str(c["site_id"]), str((c.get("payload") or {}).get("name", ""))) for c in earlier
              if c["op"] == "add_site" and c.get("site_id")]  # fmt: skip
    if any(typed == i for i, _name in pairs):
        return change
    named = {i for i, n in pairs if fold(n) == fold(typed)}
    return {**change, "site_id": named.pop()} if len(named) == 1 else change


def _edit(scenario: str, changes: list[dict[str, Any]], db: str | None) -> None:
    """Append changes to a scenario by name and print what was stored."""
    from maillage.planning import store
    from maillage.planning.changes import ScenarioError, change_names, describe_change
    from maillage.registry.snapshot import EmptyRegistryError

    try:
        registry, snapshot = _registry(db)
        stored = store.find_scenario(registry, scenario)
        changes = [_by_name(change, snapshot, stored["changes"]) for change in changes]
        updated = store.add_changes(registry, snapshot, stored["id"], changes, actor())
    except (ScenarioError, LookupError, EmptyRegistryError) as exc:
        raise fail(str(exc)) from None
    names = change_names(snapshot, updated["changes"])
    for change in updated["changes"][-len(changes) :]:
        err.print(fill(_("[green]Ajouté[/] au scénario « {scenario} » : n° {seq}, {change}"),
            scenario=scenario, seq=change["seq"], change=describe_change(change, names)))  # fmt: skip


ScenarioArg = Annotated[str, typer.Argument(help="Nom du scénario (voir maillage scenario list).", show_default=False)]
SiteArg = Annotated[str, typer.Argument(help=(
    "Identifiant du site (voir « maillage sites list ») ou son nom exact (« PMI Pavé Blanc »), ou un site ajouté par "
    "le scénario (voir « maillage scenario show »)."), show_default=False)]  # fmt: skip


@scenario_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Nom du nouveau scénario.", show_default=False)],
    description: Annotated[str | None, typer.Option(help="Texte libre.")] = None,
    db: DbOption = None,
) -> None:
    """Créer un scénario vide."""
    from maillage.planning import store
    from maillage.planning.changes import ScenarioError
    from maillage.registry.snapshot import EmptyRegistryError

    try:
        registry, _snapshot = _registry(db)  # an empty registry is refused
        created = store.create_scenario(registry, name, description, actor())
    except (ScenarioError, EmptyRegistryError) as exc:
        raise fail(str(exc)) from None
    err.print(fill(_("[green]Scénario « {name} » créé[/] (n° {id})."), name=created['name'], id=created['id']))


@scenario_app.command("list")
def list_(db: DbOption = None) -> None:
    """Lister les scénarios enregistrés."""
    from maillage.planning import store
    from maillage.report.planning import print_scenarios

    print_scenarios(store.list_scenarios(_open(db)), Console())


@scenario_app.command("show")
def show(
    name: ScenarioArg,
    output_format: Annotated[ShowFormat, typer.Option("--format", help=(
        "table | json | csv "
        "(format de sortie)."
    ))] = ShowFormat.table,
    db: DbOption = None,
) -> None:
    """Montrer les changements d'un scénario (json/csv : le format d'export, réimportable)."""
    from maillage.planning import store
    from maillage.report.planning import print_scenario

    scenario = _find(db, name)
    if output_format is ShowFormat.table:
        from maillage.planning.changes import change_names

        print_scenario(scenario, Console(), change_names(_registry(db)[1], scenario["changes"]))
    else:
        emit(store.export_json(scenario) if output_format is ShowFormat.json else store.export_csv(scenario), None)


@scenario_app.command("export")
def export(
    name: ScenarioArg,
    output_format: Annotated[FileFormat, typer.Option("--format", help=(
        "json | csv "
        "(format du fichier)."
    ))] = FileFormat.json,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=(
        "Écrire dans ce fichier (défaut : à l'écran)."))] = None,
    db: DbOption = None,
) -> None:
    """Exporter un scénario en JSON ou CSV (réimportable avec « scenario import »)."""
    from maillage.planning import store

    scenario = _find(db, name)
    emit(store.export_csv(scenario) if output_format is FileFormat.csv else store.export_json(scenario), output)


@scenario_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="Fichier JSON ou CSV exporté par maillage scenario export.",
                                         show_default=False)],
    name: Annotated[str | None, typer.Option(help="Nom du nouveau scénario (défaut : celui du fichier).")] = None,
    db: DbOption = None,
) -> None:
    """Créer un scénario depuis un fichier JSON ou CSV exporté (tout ou rien)."""
    from maillage.planning import store
    from maillage.planning.changes import ScenarioError
    from maillage.registry.snapshot import EmptyRegistryError
    from maillage.textinput import os_error_reason

    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise fail(_("{file} : illisible ({reason})").format(file=file, reason=os_error_reason(exc))) from None
    except UnicodeDecodeError as exc:
        reason = _("{file} : pas du texte UTF-8 (octet {start}) ; enregistrez-le en UTF-8")
        raise fail(reason.format(file=file, start=exc.start)) from None
    try:
        registry, snapshot = _registry(db)
        created = store.import_scenario(registry, snapshot, text, actor(), name=name or file.stem, filename=file.name)
    except (ScenarioError, EmptyRegistryError) as exc:
        raise fail(str(exc)) from None
    err.print(fill(_("[green]Scénario « {name} » importé[/] : {n} changement(s)."),
        name=created["name"], n=len(created["changes"])))  # fmt: skip


@scenario_app.command("delete")
def delete(name: ScenarioArg, db: DbOption = None) -> None:
    """Supprimer un scénario et ses changements."""
    from maillage.planning import store
    from maillage.registry.snapshot import EmptyRegistryError

    try:
        store.delete_scenario(_open(db), name, actor())
    except (LookupError, EmptyRegistryError) as exc:
        raise fail(str(exc)) from None
    err.print(fill(_("Scénario « {name} » supprimé."), name=name))


AddressOption = Annotated[str | None, typer.Option("--address", help=(
    "Où placer le site, en mots : une adresse (« 13 rue Jean-Pierre Timbaud Issy-les-Moulineaux »), "
    "une rue, un code postal ou une commune (placé alors en son centre) ; à la place de --lon/--lat."
))]
CommuneOption = Annotated[str | None, typer.Option(help=(
    "Commune, par son nom (Nanterre) ou son code INSEE (92050) : précise l'adresse de --address ; seule, place "
    "le site au centre de la commune ; avec --lon/--lat, la commune du site (défaut : celle qui contient le point)."
))]
LonOption = Annotated[float | None, typer.Option(help="Longitude, en degrés WGS84 (avec --lat).")]
LatOption = Annotated[float | None, typer.Option(help="Latitude, en degrés WGS84 (avec --lon).")]


def _point(
    address: str | None, commune: str | None, lon: float | None, lat: float | None, db: str | None
) -> tuple[float, float, str | None]:
    """lon, lat and the commune's INSEE code from --address and/or --commune, or from --lon/--lat."""
    from maillage import api
    from maillage.planning.changes import ScenarioError

    if address is not None and (lon is not None or lat is not None):
        raise fail(_("donnez soit --address, soit --lon et --lat, pas les deux"))
    if commune is None and address is None:
        if lon is None or lat is None:
            raise fail(_("où placer le site ? donnez --address « adresse », --commune, ou --lon et --lat"))
        return lon, lat, None
    snapshot = _registry(db)[1]  # read once: the commune's name and the place search both need it
    code, name = (None, None) if commune is None else _commune_code(commune, snapshot)
    if lon is not None or lat is not None:
        if lon is None or lat is None:
            raise fail(_("où placer le site ? donnez --address « adresse », --commune, ou --lon et --lat"))
        return lon, lat, code
    # the commune by its name, after the address: what the finder reads best ("13 rue X, Issy-les-Moulineaux")
    text = ", ".join(p for p in (address, name) if p)
    try:
        found = api.locate_site(snapshot, text)
    except ScenarioError as exc:
        raise fail(str(exc)) from None
    err.print(fill(_("Placé : {label} — {lon:.5f}, {lat:.5f}"), label=found.label, lon=found.lon, lat=found.lat))
    return found.lon, found.lat, found.commune_code


def _commune_code(text: str, snapshot: Snapshot) -> tuple[str, str]:
    """The INSEE code and name of a commune typed by name (Nanterre) or code (92050); a typo fails with suggestions."""
    from maillage.registry.listing import SiteLookupError, commune_code

    names = {str(c): str(n) for c, n in snapshot.communes["name"].items()}
    try:
        code = commune_code(text, names)
    except SiteLookupError as exc:
        raise fail(_("{unknown} (liste : maillage audit, tableau « Par commune »)").format(unknown=exc)) from None
    return code, names[code]


@scenario_app.command("add-site")
def add_site(
    scenario: ScenarioArg,
    name: Annotated[str, typer.Option(help="Nom du nouveau site.")],
    address: AddressOption = None,
    lon: LonOption = None,
    lat: LatOption = None,
    kind: Annotated[str, typer.Option(help="Type de site (pole_social, sst, antenne, pmi, …).")] = "antenne",
    services: Annotated[str | None, typer.Option(help="Codes des services, séparés par « ; » ou « , ».")] = None,
    hours: Annotated[str | None, typer.Option(help=(
        "Horaires d'ouverture, en français (« du lundi au vendredi de 9h à 17h », « le mardi matin ») "
        "ou en syntaxe OSM (« Mo-Fr 09:00-17:00 »)."
    ))] = None,
    commune: CommuneOption = None,
    db: DbOption = None,
) -> None:
    """Ajouter un site à un scénario, par son adresse, sa commune ou ses coordonnées."""
    lon, lat, found_commune = _point(address, commune, lon, lat, db)
    payload = {
        "name": name,
        "kind": kind,
        "lon": lon,
        "lat": lat,
        "opening_hours": hours,
        "commune_code": found_commune,
        "services": services.replace(",", ";") if services else None,
    }
    _edit(scenario, [{"op": "add_site", "site_id": None, "payload": payload}], db)


@scenario_app.command("move-site")
def move_site(
    scenario: ScenarioArg,
    site_id: SiteArg,
    address: AddressOption = None,
    commune: CommuneOption = None,
    lon: LonOption = None,
    lat: LatOption = None,
    db: DbOption = None,
) -> None:
    """Déplacer un site (identifiant du registre ou site ajouté par le scénario), vers une adresse, une commune
    ou un point."""
    lon, lat, _commune = _point(address, commune, lon, lat, db)
    _edit(scenario, [{"op": "move_site", "site_id": site_id, "payload": {"lon": lon, "lat": lat}}], db)


@scenario_app.command("close-site")
def close_site(scenario: ScenarioArg, site_id: SiteArg, db: DbOption = None) -> None:
    """Fermer un site."""
    _edit(scenario, [{"op": "close_site", "site_id": site_id, "payload": {}}], db)


@scenario_app.command("set-hours")
def set_hours(
    scenario: ScenarioArg,
    site_id: SiteArg,
    hours: Annotated[str, typer.Argument(help=(
        "Horaires : « du lundi au vendredi de 9h à 17h », « le mardi matin », « Mo-Fr 09:00-17:00 » ; \"\" = "
        "inconnus."), show_default=False)],
    db: DbOption = None,
) -> None:
    """Changer les horaires d'un site : en français (« du lundi au vendredi de 9h à 17h ») ou en syntaxe OSM."""
    _edit(scenario, [{"op": "set_hours", "site_id": site_id, "payload": {"opening_hours": hours}}], db)


@scenario_app.command("set-services")
def set_services(
    scenario: ScenarioArg,
    site_id: SiteArg,
    services: Annotated[str, typer.Argument(help="Codes des services, séparés par « ; » ou « , » (pmi, logement, …).",
                                            show_default=False)],
    db: DbOption = None,
) -> None:
    """Changer les services d'un site (codes séparés par « ; » ou « , »)."""
    _edit(
        scenario, [{"op": "set_services", "site_id": site_id, "payload": {"services": services.replace(",", ";")}}], db
    )


@scenario_app.command("add-mobile-unit")
def add_mobile_unit(
    scenario: ScenarioArg,
    unit: Annotated[str, typer.Option(help="Nom de l'unité mobile.")],
    stop: Annotated[
        list[str], typer.Option(help=(
            "Un arrêt : « nom|lon|lat|horaires » (horaires en français ou en syntaxe OSM), par exemple « "
            "Place X|2.25|48.83|le mardi de 9h à 12h » ; option répétable."
        ))
    ],
    counts_as: Annotated[str, typer.Option(help="Type de site que l'unité compte pendant ses arrêts.")] = "antenne",
    db: DbOption = None,
) -> None:
    """Ajouter une unité mobile : ses arrêts et son horaire (un arrêt ne compte que pendant sa desserte)."""
    changes = []
    for text in stop:
        parts = [p.strip() for p in text.split("|")]
        if len(parts) != 4:
            raise fail(_("arrêt « {text} » : attendu « nom|lon|lat|horaires », par exemple « Place X|2.25|48.83|le "
                         "mardi de 9h à 12h »").format(text=text))
        name, lon, lat, hours = parts
        payload = {"unit": unit, "name": name, "lon": lon, "lat": lat, "opening_hours": hours, "counts_as": counts_as}
        changes.append({"op": "add_mobile_stop", "site_id": None, "payload": payload})
    _edit(scenario, changes, db)


@scenario_app.command("assign-sector")
def assign_sector(
    scenario: ScenarioArg,
    commune: Annotated[str, typer.Argument(help="Commune : nom (Nanterre) ou code INSEE (92050).", show_default=False)],
    sector: Annotated[str, typer.Argument(help="Identifiant du secteur SST (existant ou nouveau).",
                                          show_default=False)],
    sector_name: Annotated[str | None, typer.Option(help="Nom du secteur (pour un nouveau secteur).")] = None,
    db: DbOption = None,
) -> None:
    """Rattacher une commune à un autre secteur SST (ou à un nouveau)."""
    commune, _name = _commune_code(commune, _registry(db)[1])
    payload = {"commune_code": commune, "sector": sector, "sector_name": sector_name}
    _edit(scenario, [{"op": "assign_sector", "site_id": None, "payload": payload}], db)
