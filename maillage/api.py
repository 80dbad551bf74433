"""The public API: the calls the CLI and the web app are thin layers over.

>>> from maillage import api
>>> api.init_registry("../shared/data")            # doctest: +SKIP
>>> result = api.audit(mode="walk")                 # doctest: +SKIP
>>> result.total["share_within"]                    # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from maillage.audit.guarantee import AuditResult, run_audit
from maillage.audit.standard import ServiceStandard
from maillage.i18n import _
from maillage.numbers import fr_int
from maillage.population.cells import DEFAULT_CELL_SIZE_M, Cells, grid_cells, model_cells
from maillage.registry import db, loader
from maillage.registry.datafolder import DataFolder, discover
from maillage.registry.loader import RegistryContent
from maillage.registry.snapshot import Snapshot, load_snapshot

if TYPE_CHECKING:  # imported where used: the engines pull scipy, steering pydantic, which most commands never need
    from maillage.engines import EngineChoice
    from maillage.orientation.setup import OrientationInputs

if TYPE_CHECKING:
    from maillage.registry.addresses import OsmAddressData


def open_registry(url: str | None = None) -> Engine:
    """Engine on the registry database, migrated to the newest schema (RegistryUnavailableError when it cannot be
    opened: a URL nobody can read, a server that does not answer, a SQLite file whose folder is missing)."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

    from maillage.registry.snapshot import RegistryUnavailableError

    try:
        engine = db.make_engine(url)
        db.migrate(engine)
    except (ArgumentError, NoSuchModuleError, OperationalError) as exc:
        shown = url or db.default_url()
        with contextlib.suppress(ArgumentError):
            shown = make_url(shown).render_as_string(hide_password=True)
        reason = (_("type de base inconnu") if isinstance(exc, NoSuchModuleError)
                  else _("URL illisible") if isinstance(exc, ArgumentError)
                  else _("connexion impossible (serveur arrêté, ou dossier du fichier SQLite absent ?)"))  # fmt: skip
        message = _("base du registre inaccessible : {url} — {reason}. Vérifiez --db ou MAILLAGE_DB_URL (par exemple "
                    "sqlite:///chemin/registre.sqlite ou postgresql://utilisateur@hôte/base).")
        raise RegistryUnavailableError(message.format(url=shown, reason=reason)) from None
    return engine


def init_registry(data: str | Path | None = None, url: str | None = None) -> RegistryContent:
    """Validate the data folder and replace the registry with it (all or nothing)."""
    from maillage.steering.conventions import convention_records

    folder = discover(data)
    content = loader.read_data_folder(folder)
    codes = {c.code for c in content.communes}
    content = replace(content, conventions=convention_records(folder.root / "steering", codes))
    loader.replace_registry(open_registry(url), content, folder.root)
    return content


@dataclass(frozen=True)
class AuditInputs:
    snapshot: Snapshot
    cells: Cells
    notes: list[str]


def population_cells(
    snapshot: Snapshot,
    folder: DataFolder | None,
    *,
    grid: Path | None = None,
    cell_size_m: float = DEFAULT_CELL_SIZE_M,
) -> tuple[Cells, list[str]]:
    """A supplied grid (``grid`` or DATA/population/) if any, else the census × buildings model when
    the data folder has a census grid and an OSM extract, else the uniform 200 m commune model."""
    path = grid or (folder.population_grid if folder else None)
    if path is None and folder is not None and folder.census is not None and folder.pbf_files:
        return census_building_cells(snapshot, folder.census, folder.pbf_files[0], cell_size_m)
    if path is None:
        return model_cells(snapshot.communes, snapshot.sector_of_commune, cell_size_m), []
    cells, report = grid_cells(path, snapshot.communes, snapshot.sector_of_commune)
    note = _("Grille {name} : {read} carreaux lus, {outside} hors des communes ({population} hab.) écartés.").format(
        name=path.name, read=f"{report['cells_read']:.0f}", outside=f"{report['cells_outside_communes']:.0f}",
        population=f"{report['population_outside_communes']:.0f}")
    return cells, [note]


def census_building_cells(
    snapshot: Snapshot, census: Path, pbf: Path, cell_size_m: float = DEFAULT_CELL_SIZE_M
) -> tuple[Cells, list[str]]:
    """The census × buildings cells and a note of what the model moves compared with the uniform spread."""
    from maillage.network.osm_graph import file_sha256
    from maillage.population.buildings import _rules_key, load_buildings
    from maillage.population.dasymetric import dasymetric_cells, model_note, moved_residents, read_census
    from maillage.population.model_cache import cached_cells, model_key

    squares = read_census(census, snapshot.communes)  # validated on every run: a bad file is one clear line

    def build() -> tuple[Cells, dict[str, float]]:
        buildings = load_buildings(pbf)
        result = dasymetric_cells(snapshot.communes, snapshot.sector_of_commune, squares, buildings, cell_size_m)
        moved = moved_residents(snapshot.communes, result, buildings)
        return result.cells, {"moved_empty": float(moved["moved_empty"].sum()),
                              "moved_nonres": float(moved["moved_nonres"].sum())}  # fmt: skip

    key = model_key(snapshot.communes, snapshot.sector_of_commune, census, file_sha256(Path(pbf)), _rules_key(),
                    cell_size_m)  # fmt: skip
    cells, moved = cached_cells(key, build)
    # the wording may have changed since the cells were cached; the numbers have not (same key)
    cells = replace(cells, source=model_note(census.name, Path(pbf).name))
    note = _("Par rapport à une répartition uniforme, le modèle retire {empty} hab. des parcs, forêts, eaux et "
             "cimetières et {nonres} hab. des zones non résidentielles (commerces, industrie, voies ferrées, écoles, "
             "hôpitaux).").format(empty=fr_int(moved["moved_empty"]), nonres=fr_int(moved["moved_nonres"]))
    return cells, [note]


def engine_for(
    folder: DataFolder | None,
    mode: str | None = None,
    *,
    pbf: Path | None = None,
    gtfs: Sequence[Path] = (),
    depart: str = "08:00",
    window_min: int = 120,
    date: str | None = None,
    percentiles: Sequence[int] = (50,),
) -> EngineChoice:
    """The travel-time engine for these inputs: the PBF and GTFS given, else those of the data folder."""
    from maillage.engines import choose_engine

    pbf = pbf or (folder.pbf_files[0] if folder and folder.pbf_files else None)
    feeds = list(gtfs) or (list(folder.gtfs_feeds) if folder else [])
    return choose_engine(mode, pbf=pbf, gtfs=feeds, depart=depart, window_min=window_min, date=date,
                         percentiles=percentiles)  # fmt: skip


def audit(
    *,
    data: str | Path | None = None,
    url: str | None = None,
    mode: str | None = None,
    pbf: Path | None = None,
    gtfs: Sequence[Path] = (),
    standard: ServiceStandard | None = None,
    service: str | None = None,
    grid: Path | None = None,
    cell_size_m: float = DEFAULT_CELL_SIZE_M,
    depart: str = "08:00",
    window_min: int = 120,
    date: str | None = None,
    percentiles: Sequence[int] = (50,),
    progress: Callable[[str], None] | None = None,
    scenario: str | None = None,
    when: str | None = None,
    unknown_hours: str = "open",
    public: str = "tous",
    weigh_sites: bool = True,
) -> AuditResult:
    """Run the guarantee audit on the registry with the engine the inputs allow.

    ``public`` (tous, enfants, seniors) weighs the per-public shares and the inequality figures.
    ``weigh_sites`` adds capacity against demand (2SFCA) and each site's marginal value
    (:mod:`maillage.planning.site_value`; one cells × sites matrix within the thresholds).

    ``scenario`` (a stored scenario's name) audits the registry with its changes; ``when``
    (``"Tu 09:00"`` or an ISO date-time) counts only the sites open, and mobile stops served, then.
    """
    registry = open_registry(url)
    snapshot = load_snapshot(registry)
    folder = _folder(data, snapshot)
    snapshot, variant_notes = variant_snapshot(registry, snapshot, scenario=scenario, when=when,
                                               unknown_hours=unknown_hours)  # fmt: skip
    cells, notes = population_cells(snapshot, folder, grid=grid, cell_size_m=cell_size_m)
    choice = engine_for(folder, mode, pbf=pbf, gtfs=gtfs, depart=depart, window_min=window_min, date=date,
                        percentiles=percentiles)  # fmt: skip
    result = run_audit(
        snapshot,
        cells,
        choice.engine,
        standard,
        service=service,
        public=public,
        progress=progress,
        explain=True,
    )
    sector_note = (
        _("Secteurs SST déduits des communes desservies indiquées par les sources pour les pôles et SST ; les autres "
          "communes sont « secteur non renseigné » (fournir sites/sectors.csv).")
        if snapshot.sectors_derived
        else _("Secteurs SST : fichier sites/sectors.csv.")
    )
    engine_warnings = [str(w) for w in getattr(choice.engine, "warnings", [])]
    result.notes.extend([*choice.notes, *notes, sector_note, *engine_warnings, *variant_notes])
    if scenario or when:
        result = replace(result, variant_fr=_variant_fr(scenario, when))
    if result.engine.get("backend") == "street":
        result = _compare_with_crowfly(result, snapshot, cells, standard, service)
    if weigh_sites:
        from maillage.planning.site_value import attach_site_value

        if progress:
            progress(_("capacité et valeur de chaque site"))
        result = attach_site_value(result, choice.engine)
    return result


def _variant_fr(scenario: str | None, when: str | None) -> str:
    from maillage.planning.timeaware import label_fr, parse_when

    parts = [_("scénario « {name} »").format(name=scenario)] if scenario else []
    if when:
        parts.append(label_fr(parse_when(when)))
    return ", ".join(parts)


def _compare_with_crowfly(
    result: AuditResult, snapshot: Snapshot, cells: Cells, standard: ServiceStandard | None, service: str | None
) -> AuditResult:
    """Attach the crow-fly audit of the same cells and sites (cheap), to show what the streets cost."""
    from maillage.audit.engines_compared import crowfly_comparison, crowfly_comparison_note
    from maillage.network.crowfly import CrowFlyEngine

    crowfly = run_audit(snapshot, cells, CrowFlyEngine(str(result.engine.get("mode", "walk"))), standard,
                        service=service, sources=[])  # fmt: skip
    table = crowfly_comparison(result, crowfly)
    result.notes.append(crowfly_comparison_note(result, crowfly, table))
    return replace(result, crowfly_by_commune=table)


def variant_snapshot(
    registry: Engine,
    snapshot: Snapshot,
    *,
    scenario: str | None = None,
    when: str | None = None,
    unknown_hours: str = "open",
) -> tuple[Snapshot, list[str]]:
    """The snapshot with a stored scenario applied and/or as it is at a moment of the week, and notes."""
    if not scenario and not when:
        return snapshot, []
    from maillage.planning.store import find_scenario
    from maillage.planning.timeaware import parse_when
    from maillage.planning.variants import prepare_variant

    changes, notes = [], []
    if scenario:
        stored = find_scenario(registry, scenario)
        changes = stored["changes"]
        notes.append(_("Scénario « {name} » : {n} changement(s) appliqué(s) au registre.").format(
            name=stored["name"], n=len(changes)))
    moment = parse_when(when) if when else None
    snapshot, more = prepare_variant(snapshot, changes=changes, when=moment, unknown=unknown_hours)
    return snapshot, [*notes, *more]


@dataclass(frozen=True)
class PlanningInputs:
    """What the planner's commands share: registry, snapshot, cells, one engine, notes."""

    registry: Engine
    snapshot: Snapshot
    cells: Cells
    engine: object
    notes: list[str]
    pbf: Path | None = None  # the street extract, whose address points name the proposals

    def address_points(self) -> OsmAddressData | None:
        """The extract's address points (cached on disk after the first read), None without extract."""
        from maillage.registry.addresses import load_osm_addresses

        return load_osm_addresses(self.pbf) if self.pbf is not None else None


def planning_inputs(
    *,
    data: str | Path | None = None,
    url: str | None = None,
    mode: str | None = None,
    pbf: Path | None = None,
    gtfs: Sequence[Path] = (),
    grid: Path | None = None,
    cell_size_m: float = DEFAULT_CELL_SIZE_M,
    depart: str = "08:00",
    window_min: int = 120,
    date: str | None = None,
) -> PlanningInputs:
    """Registry snapshot, population cells and the engine, as :func:`audit` chooses them."""
    registry = open_registry(url)
    snapshot = load_snapshot(registry)
    folder = _folder(data, snapshot)
    cells, notes = population_cells(snapshot, folder, grid=grid, cell_size_m=cell_size_m)
    choice = engine_for(folder, mode, pbf=pbf, gtfs=gtfs, depart=depart, window_min=window_min, date=date)
    # every planning output says how times and residents were modelled, as the audit does
    said = [*choice.engine.assumptions()[:1], cells.source]
    extract = pbf or (folder.pbf_files[0] if folder is not None and folder.pbf_files else None)
    return PlanningInputs(registry, snapshot, cells, choice.engine, [*said, *choice.notes, *notes], extract)


def locate_site(snapshot: Snapshot, text: str, data: str | Path | None = None):  # -> planning.placing.Located
    """The point a planner names in words (address, street, postcode, commune), with the extract's addresses."""
    from maillage.planning.placing import locate, site_finder
    from maillage.registry.addresses import load_osm_addresses

    folder = _folder(data, snapshot)
    addresses = load_osm_addresses(folder.pbf_files[0]) if folder is not None and folder.pbf_files else None
    return locate(snapshot, site_finder(snapshot, addresses), text)


def _folder(data: str | Path | None, snapshot: Snapshot) -> DataFolder | None:
    """The data folder given, else the one the registry was loaded from (if still there)."""
    for candidate in (data, snapshot.data_folder or None):
        if candidate is None:
            continue
        try:
            return discover(candidate)
        except ValueError:
            if candidate is data:
                raise
    return None


def week_coverage(
    *,
    data: str | Path | None = None,
    url: str | None = None,
    mode: str | None = None,
    pbf: Path | None = None,
    standard: ServiceStandard | None = None,
    scenario: str | None = None,
    grid: Path | None = None,
    cell_size_m: float = DEFAULT_CELL_SIZE_M,
    slots: Sequence[str] | None = None,
    unknown_hours: str = "open",
) -> list[dict[str, object]]:
    """Coverage at each weekday slot (one audit per slot; sites count only when open)."""
    from maillage.planning.timeaware import DEFAULT_WEEK_SLOTS
    from maillage.planning.timeaware import week_coverage as coverage_by_slot
    from maillage.planning.variants import cells_for

    inputs = planning_inputs(data=data, url=url, mode=mode, pbf=pbf, grid=grid, cell_size_m=cell_size_m)
    snapshot, _ = variant_snapshot(inputs.registry, inputs.snapshot, scenario=scenario)
    return coverage_by_slot(snapshot, cells_for(inputs.cells, snapshot), inputs.engine, standard,
                            slots or DEFAULT_WEEK_SLOTS, unknown=unknown_hours)  # fmt: skip


def orientation_inputs(
    db_url: str | None = None, data: str | Path | None = None, mode: str | None = None, *, precompute: bool = True
) -> OrientationInputs:
    """Registry → snapshot, cells, engine (as ``maillage audit`` chooses it), index and finder.

    ``precompute=False`` for a single answer (``maillage orient``): the index computes only the minutes
    that answer reads (see :func:`~maillage.orientation.search.build_index`).
    """
    from maillage.orientation.search import appointment_notes, build_index
    from maillage.orientation.setup import OrientationInputs, build_finder

    snapshot = load_snapshot(open_registry(db_url))
    folder = _folder(data, snapshot)
    cells, notes = population_cells(snapshot, folder)
    choice = engine_for(folder, mode)
    duplicates = {
        str(i): str(d) for i, d in zip(snapshot.sites["id"], snapshot.sites["duplicate_of"], strict=True) if d
    }
    appointments = appointment_notes(folder.site_files, duplicates) if folder else {}
    index = build_index(snapshot, cells, choice.engine, notes=[*choice.notes, *notes], appointments=appointments,
                        precompute=precompute)  # fmt: skip
    return OrientationInputs(snapshot, folder, index, build_finder(snapshot, folder, index))
