"""Per-cell verdicts of the service standard and their aggregates by commune, sector and département.

Pure functions over typed inputs: a registry :class:`~maillage.registry.snapshot.Snapshot`, the
population :class:`~maillage.population.cells.Cells` and any
:class:`~maillage.network.engine.TravelTimeEngine`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from maillage.audit.equity import EquityLevels, equity_levels
from maillage.audit.publics import (
    ALL_RESIDENTS,
    PUBLICS,
    PublicShares,
    available_publics,
    no_age_bands_note,
    public_shares,
    public_weights,
    service_label_fr,
)
from maillage.audit.standard import ANTENNE_CLASS, POLE_CLASS, ServiceStandard
from maillage.audit.why import CellWhy, explain_outside
from maillage.i18n import _, ngettext
from maillage.network.engine import Destinations, NearestSites, TravelTimeEngine, mode_label, nearest_by_class
from maillage.numbers import fr_number
from maillage.population.cells import Cells
from maillage.registry.provenance import describe_files
from maillage.registry.snapshot import Snapshot
from maillage.registry.vocab import service_label

SERVICE_CLASS_PREFIX = "service:"


@dataclass(frozen=True)
class AuditResult:
    """Everything a report needs: per-cell times, verdicts, aggregates and their provenance."""

    cells: Cells
    nearest: dict[str, NearestSites]
    destinations: dict[str, Destinations]
    within: np.ndarray
    by_commune: pd.DataFrame
    by_sector: pd.DataFrame
    total: dict[str, float]
    standard: ServiceStandard
    engine: dict[str, object]
    assumptions: list[str]
    sources: list[dict[str, str]]
    sites: pd.DataFrame
    communes: pd.DataFrame
    service: str | None = None
    notes: list[str] = field(default_factory=list)
    # per commune, the same audit as the crow flies (see audit.engines_compared); None when not run
    crowfly_by_commune: pd.DataFrame | None = None
    # sites still at their commune's centre: id, name, kind, commune_code, commune_name, address
    sites_at_centroid: list[dict[str, object]] = field(default_factory=list)
    # the public asked (--public) and the one weighed (tous when the model has no age bands)
    public: str = ALL_RESIDENTS
    public_weighed: str = ALL_RESIDENTS
    publics: PublicShares | None = None
    # per class of site (pole, antenne_or_pole, the public's services): inequality of the minimum time
    equity: dict[str, EquityLevels] = field(default_factory=dict)
    # per cell outside the standard (index into cells): why, when asked (run_audit(explain=True))
    why: dict[int, CellWhy] = field(default_factory=dict)
    # capacity against demand (audit.capacity.CapacityAudit) and each site's marginal value
    # (audit.marginal.MarginalValue), attached by planning.site_value.attach_site_value; None when not run
    # what is audited when it is not today's registry: "scénario « essai », mardi 09:00" ("" for the registry)
    variant_fr: str = ""
    capacity: Any = None
    marginal: Any = None

    def minutes(self, class_name: str) -> np.ndarray:
        return self.nearest[class_name].minutes


def destination_classes(
    snapshot: Snapshot, standard: ServiceStandard, service: str | None = None, public: str = ALL_RESIDENTS
) -> dict[str, Destinations]:
    """Sites of each class, placed and de-duplicated. Mobile-unit stops are never a fixed site.

    ``service`` and the services of ``public`` add one class each: the sites offering it.
    """
    sites = snapshot.usable_sites()
    classes = {}
    for name, kinds in standard.class_kinds().items():
        classes[name] = _destinations(sites[sites["kind"].isin(kinds)])
    for code in dict.fromkeys([*([service] if service else []), *PUBLICS[public].services]):
        offers = sites["services"].apply(lambda s, c=code: c in (s or [])) & (sites["kind"] != "mobile_stop")
        classes[SERVICE_CLASS_PREFIX + code] = _destinations(sites[offers])
    return classes


def _destinations(sites: pd.DataFrame) -> Destinations:
    return Destinations(
        site_ids=tuple(sites["id"]),
        xy_m=sites[["x_m", "y_m"]].to_numpy(dtype=float),
        opening_hours=tuple(sites["opening_hours"].where(sites["opening_hours"].notna(), None)),
    )


def verdicts(nearest: dict[str, NearestSites], standard: ServiceStandard) -> np.ndarray:
    """True where the cell meets the standard: pôle ≤ X min, or antenne-or-pôle ≤ Y min."""
    return (nearest[POLE_CLASS].minutes <= standard.pole_minutes) | (
        nearest[ANTENNE_CLASS].minutes <= standard.antenne_minutes
    )


def run_audit(
    snapshot: Snapshot,
    cells: Cells,
    engine: TravelTimeEngine,
    standard: ServiceStandard | None = None,
    *,
    service: str | None = None,
    public: str = ALL_RESIDENTS,
    sources: list[dict[str, str]] | None = None,
    progress: Callable[[str], None] | None = None,
    explain: bool = False,
) -> AuditResult:
    """Times from every cell to the nearest site of each class, verdicts and aggregates.

    ``public`` (tous, enfants, seniors) weighs the per-public shares and the inequality figures, and
    adds the classes of the services that concern it. ``explain`` adds, for every cell outside the
    standard, why (:mod:`maillage.audit.why`; the street engine traces its routes).
    """
    if public not in PUBLICS:
        raise ValueError(_("public inconnu : {public} (attendu : {known})").format(public=public,
                                                                                  known=", ".join(PUBLICS)))
    standard = standard or ServiceStandard()
    classes = destination_classes(snapshot, standard, service, public)
    nearest: dict[str, NearestSites] = {}
    for name, destinations in classes.items():
        if progress:
            progress(name)
        nearest |= nearest_by_class(engine, cells.xy_m, {name: destinations})
    within = verdicts(nearest, standard)
    sites = snapshot.usable_sites()
    per_cell = cell_frame(cells, nearest, within, classes, sites)
    by_commune = aggregate(per_cell, cells.commune_code, nearest)
    by_commune.insert(1, "name", snapshot.communes.loc[by_commune["code"], "name"].to_numpy())
    by_commune.insert(2, "sector", [snapshot.sector_of_commune.get(c, "") for c in by_commune["code"]])
    by_sector = aggregate(per_cell, cells.sector_id, nearest)
    by_sector.insert(1, "name", [snapshot.sector_names.get(s, s) for s in by_sector["code"]])
    whole = np.full(len(cells), "total", dtype=object)
    total = aggregate(per_cell, whole, nearest).iloc[0].to_dict()
    notes = _placement_notes(snapshot, classes)
    if service:
        notes.append(_("Service demandé : {service} ({n} sites).").format(
            service=service_label(service), n=len(classes[SERVICE_CLASS_PREFIX + service])))
    weighed = public if public in available_publics(cells) else ALL_RESIDENTS
    if (missing := no_age_bands_note(cells, public)) is not None:
        notes.append(missing)
    services = {code: nearest[SERVICE_CLASS_PREFIX + code].minutes for code in PUBLICS[public].services}
    for code in services:
        notes.append(_("Public « {public} », service « {service} » : {n} site(s) le déclarent ; « proche » = à "
                       "{minutes} min au plus.").format(
            public=_(PUBLICS[public].label_fr), service=service_label_fr(code),
            n=len(classes[SERVICE_CLASS_PREFIX + code]), minutes=fr_number(standard.antenne_minutes)))  # fmt: skip
    weights = public_weights(cells, weighed)
    equity = {
        name: equity_levels(nearest[name].minutes, weights, cells.commune_code, cells.sector_id,
                              cells.income_eur_per_capita)
        for name in [POLE_CLASS, ANTENNE_CLASS, *(SERVICE_CLASS_PREFIX + c for c in services)]
    }
    why = {}
    if explain:
        if progress:
            progress(_("explications des carreaux hors norme"))
        why = explain_outside(cells.xy_m, nearest, classes, within, standard, sites, engine,
                              mode_label(engine.mode, ""))  # fmt: skip
    return AuditResult(
        cells=cells,
        nearest=nearest,
        destinations=classes,
        within=within,
        by_commune=by_commune,
        by_sector=by_sector,
        total=total,
        standard=standard,
        engine=engine.describe(),
        assumptions=[*engine.assumptions(), cells.source],
        sources=sources if sources is not None else describe_files(snapshot.import_files),
        sites=sites,
        communes=snapshot.communes,
        service=service,
        notes=notes,
        sites_at_centroid=snapshot.sites_at_centroid().to_dict(orient="records"),
        public=public,
        public_weighed=weighed,
        publics=public_shares(cells, within, weighed, services, standard.antenne_minutes,
                              nearest[ANTENNE_CLASS].minutes),
        equity=equity,
        why=why,
    )


def cell_frame(
    cells: Cells,
    nearest: dict[str, NearestSites],
    within: np.ndarray,
    classes: dict[str, Destinations],
    sites: pd.DataFrame,
) -> pd.DataFrame:
    """Per cell, the columns :func:`aggregate` sums: built once for the communes, sectors and total."""
    quality = dict(zip(sites["id"], sites["coordinate_quality"], strict=True))
    columns: dict[str, np.ndarray] = {
        "population": cells.population,
        "population_within": cells.population * within,
    }
    for name, result in nearest.items():
        key = _column(name)
        columns[f"minutes_{key}"] = result.minutes
        # population-weighted mean over reachable cells, as sums (a groupby.apply per class is seconds)
        finite = np.isfinite(result.minutes)
        columns[f"wsum_{key}"] = np.where(finite, result.minutes, 0.0) * cells.population  # no inf × 0
        columns[f"wpop_{key}"] = np.where(finite, cells.population, 0.0)
        # per site, then read at each cell's site (NO_SITE = -1 reads the appended False)
        approx = np.array([quality.get(i, "") == "commune_centroid" for i in classes[name].site_ids] + [False])
        columns[f"approx_{key}"] = cells.population * approx[result.site_index]
    return pd.DataFrame(columns)


def aggregate(per_cell: pd.DataFrame, group: np.ndarray, nearest: dict[str, NearestSites]) -> pd.DataFrame:
    """Population, share within the standard, population outside and worst times per group.

    One groupby sum and one groupby max over :func:`cell_frame`'s columns, then numpy on the few
    groups: column by column pandas arithmetic cost more than the sums themselves.
    """
    grouped = per_cell.groupby(np.asarray(group), sort=True)
    sums = grouped.sum()
    worst = grouped[[f"minutes_{_column(name)}" for name in nearest]].max()
    population, within = sums["population"].to_numpy(), sums["population_within"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        columns: dict[str, np.ndarray] = {
            "code": sums.index.to_numpy(),
            "population": population,
            "population_within": within,
            "population_outside": population - within,
            "share_within": np.where(population > 0, within / population, np.nan),
        }
        for name in nearest:
            key = _column(name)
            columns[f"worst_minutes_{key}"] = worst[f"minutes_{key}"].to_numpy()
            wsum, wpop = sums[f"wsum_{key}"].to_numpy(), sums[f"wpop_{key}"].to_numpy()
            columns[f"mean_minutes_{key}"] = np.where(wpop > 0, wsum / np.where(wpop > 0, wpop, 1.0), np.inf)
            columns[f"share_served_by_approx_site_{key}"] = sums[f"approx_{key}"].to_numpy() / population
    return pd.DataFrame(columns)


def _column(class_name: str) -> str:
    return class_name.replace(SERVICE_CLASS_PREFIX, "service_")


def _placement_notes(snapshot: Snapshot, classes: dict[str, Destinations]) -> list[str]:
    sites = snapshot.usable_sites().set_index("id")
    notes = []
    for name in (POLE_CLASS, ANTENNE_CLASS):
        ids = list(classes[name].site_ids)
        approx = sites.loc[ids, "coordinate_quality"].eq("commune_centroid").sum() if ids else 0
        line = (ngettext("Pôles : {n} sites, dont {approx} placé au centre de leur commune faute d'adresse géocodée.",
                         "Pôles : {n} sites, dont {approx} placés au centre de leur commune faute d'adresse géocodée.",
                         approx)
                if name == POLE_CLASS else
                ngettext("Antennes et pôles : {n} sites, dont {approx} placé au centre de leur commune faute "
                         "d'adresse géocodée.",
                         "Antennes et pôles : {n} sites, dont {approx} placés au centre de leur commune faute "
                         "d'adresse géocodée.", approx))  # fmt: skip
        notes.append(line.format(n=len(ids), approx=approx))
    near = snapshot.sites_at_centroid("named_stop")
    if len(near):
        names = "; ".join(f"{r.name} ({r.commune_name})" for r in near.itertuples())
        notes.append(_("{n} site(s) placé(s) aux arrêts de transport du lieu que nomme leur adresse (à quelques "
                       "centaines de mètres près), adresse exacte à fournir : {names}.").format(n=len(near),
                                                                                                names=names))
    at = snapshot.sites_at_centroid()
    if len(at):
        names = "; ".join(f"{r.name} ({r.commune_name})" for r in at.itertuples())
        notes.append(_("{n} site(s) encore au centre de leur commune, adresse à fournir (colonnes lon/lat ou "
                       "adresse du fichier source) : {names}.").format(n=len(at), names=names))
    return notes
