"""Capacity against demand: the two-step floating catchment (2SFCA) over the standard's own thresholds.

Luo & Wang (2003, *Environment and Planning B* 30(6), doi:10.1068/b29120), as PySAL ``access``
documents it ("Two-Stage FCAs (2SFCA): calculated in two steps for a given travel time to the
provider: 1) for each provider, the provider-to-client ratio is generated, 2) for each point of
origin, these ratios are then summed", pysal/access release 1.1.1):

1. for each site j, ``R_j = S_j / Σ_{i : t_ij ≤ d_j} P_i`` — its capacity ``S_j`` (interview rooms,
   « bureaux d'entretien ») over the residents ``P_i`` of every cell within its catchment;
2. for each cell i, ``A_i = Σ_{j : t_ij ≤ d_j} R_j`` — rooms per resident within reach.

The catchment ``d_j`` is the standard's threshold for the site's class: ``pole_minutes`` (20) for a
pôle, ``antenne_minutes`` (15) for an antenne. The *load* of a site is ``1 / R_j``: residents per
room within its catchment. Capacities come from the registry (a site file's ``capacity`` column or
a transcribed seed fact, :mod:`maillage.registry.capacity`), else the named default of the site's
kind below, printed as an assumption in every output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from maillage.audit.standard import ANTENNE_CLASS, ServiceStandard
from maillage.i18n import N_, _
from maillage.network.engine import Destinations
from maillage.numbers import fr_int, fr_number
from maillage.registry.capacity import CAPACITY_UNIT_FR
from maillage.registry.vocab import SiteKind, kind_label

ROOM_FR = N_("bureau d'entretien")  # singular, for « habitants par bureau d'entretien »

# Named defaults per kind, in interview rooms: used only where the registry has no capacity, and
# printed as an assumption. The pôle figure is the one published pôle (Issy, 12, seed 002) taken as
# typical; the others have no source at all — supply a ``capacity`` column to replace them.
DEFAULT_CAPACITY_ROOMS: dict[str, float] = {
    SiteKind.POLE_SOCIAL.value: 12.0,
    SiteKind.SST.value: 4.0,
    SiteKind.ANTENNE.value: 2.0,
    SiteKind.PMI.value: 2.0,
}
DEFAULT_CAPACITY_REASON_FR: dict[str, str] = {
    SiteKind.POLE_SOCIAL.value: N_("comme le pôle d'Issy-les-Moulineaux (source 002), seul pôle dont le chiffre est "
                                   "publié"),
}
NO_SOURCE_FR = N_("sans source")
FALLBACK_CAPACITY_ROOMS = 1.0  # a kind counted by a custom standard but absent above
TOP_LOADED = 5

if TYPE_CHECKING:  # planning imports the audit: the matrix type only, at run time it comes lazily
    from maillage.planning.matrix import TravelMatrix
PER_RESIDENTS = 10_000  # accessibility is printed as rooms per 10 000 residents (readable numbers)


@dataclass(frozen=True)
class CapacityAudit:
    """2SFCA figures: per site (``sites``), per cell (``ratio_per_cell``, rooms per resident) and notes.

    ``sites`` columns: id, name, kind, commune_code, commune, capacity_rooms, capacity_origin
    (``registre`` | ``défaut``), capacity_source, catchment_minutes, residents_in_catchment,
    residents_per_room (inf when capacity is 0), ratio_rooms_per_resident.
    """

    sites: pd.DataFrame
    ratio_per_cell: np.ndarray
    assumptions: list[str]
    unit: str = CAPACITY_UNIT_FR

    def most_loaded_poles(self, standard: ServiceStandard, count: int = TOP_LOADED) -> pd.DataFrame:
        poles = self.sites[self.sites["kind"].isin(standard.pole_kinds)]
        return poles.sort_values(["residents_per_room", "name"], ascending=[False, True]).head(count)


def site_capacities(sites: pd.DataFrame) -> tuple[np.ndarray, list[str], list[str]]:
    """(rooms per site, origin per site, assumption lines): the registry's value, else the kind's default."""
    known = sites["capacity"].to_numpy(dtype=float) if "capacity" in sites else np.full(len(sites), np.nan)
    rooms = known.copy()
    origin = np.where(np.isfinite(known), "registre", "défaut").tolist()
    lines = []
    for kind in sorted(set(sites["kind"][~np.isfinite(known)])):
        default = DEFAULT_CAPACITY_ROOMS.get(kind, FALLBACK_CAPACITY_ROOMS)
        rooms[(sites["kind"] == kind).to_numpy() & ~np.isfinite(known)] = default
        n = int(((sites["kind"] == kind) & ~np.isfinite(known)).sum())
        label = kind_label_fr(kind)
        reason = _(DEFAULT_CAPACITY_REASON_FR[kind]) if kind in DEFAULT_CAPACITY_REASON_FR else _(NO_SOURCE_FR)
        lines.append(
            _("Hypothèse : capacité par défaut {default} {unit} par site « {label} » ({reason}), pour {n} site(s) "
              "sans capacité au registre ; remplacée par la valeur réelle dès qu'un fichier de sites la donne "
              "(colonne capacity).").format(default=fr_number(default), unit=_(CAPACITY_UNIT_FR), label=label,
                                           reason=reason, n=n)
        )
    return rooms, origin, lines


def kind_label_fr(kind: str) -> str:
    """French label of a registry kind (the code itself for a kind outside the vocabulary)."""
    return kind_label(kind)


def catchment_minutes(kinds: pd.Series, standard: ServiceStandard) -> np.ndarray:
    """Each site's catchment: the pôle threshold for a pôle, the antenne threshold otherwise."""
    is_pole = kinds.isin(standard.pole_kinds).to_numpy()
    return np.where(is_pole, standard.pole_minutes, standard.antenne_minutes)


def two_step_fca(
    matrix: TravelMatrix, population: np.ndarray, capacity: np.ndarray, catchment: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(R_j rooms per resident, residents in each site's catchment, A_i rooms per resident per cell).

    ``matrix`` pairs are (cell, site, minutes); a pair counts when minutes ≤ the site's catchment.
    A site with nobody in its catchment has ``R_j = 0`` (it serves no one; nothing to share out).
    """
    population = np.asarray(population, dtype=float)
    keep = matrix.minutes <= catchment[matrix.cols] + 1e-9
    rows, cols = matrix.rows[keep], matrix.cols[keep]
    demand = np.bincount(cols, weights=population[rows], minlength=matrix.shape[1])
    ratio = np.divide(capacity, demand, out=np.zeros_like(demand), where=demand > 0)
    access = np.bincount(rows, weights=ratio[cols], minlength=matrix.shape[0])
    return ratio, demand, access


def counted_sites(destinations: dict[str, Destinations]) -> Destinations:
    """The sites the standard counts (pôles and antennes: the antenne class holds both), once each."""
    return destinations[ANTENNE_CLASS]


def capacity_audit(
    sites: pd.DataFrame,
    communes: pd.DataFrame,
    destinations: Destinations,
    matrix: TravelMatrix,
    population: np.ndarray,
    standard: ServiceStandard,
) -> CapacityAudit:
    """2SFCA over ``destinations`` (the counted sites) with ``matrix`` = cells × those sites."""
    frame = sites.set_index("id").loc[list(destinations.site_ids)].reset_index()
    rooms, origin, assumptions = site_capacities(frame)
    catchment = catchment_minutes(frame["kind"], standard)
    ratio, demand, access = two_step_fca(matrix, population, rooms, catchment)
    names = communes["name"].to_dict() if "name" in communes else {}
    load = np.divide(demand, rooms, out=np.full_like(demand, np.inf), where=rooms > 0)
    load[demand == 0] = 0.0
    table = pd.DataFrame(
        {
            "id": frame["id"],
            "name": frame["name"],
            "kind": frame["kind"],
            "commune_code": frame["commune_code"],
            "commune": [names.get(c, c or "") for c in frame["commune_code"]],
            "capacity_rooms": rooms,
            "capacity_origin": origin,
            "capacity_source": frame.get("capacity_source"),
            "catchment_minutes": catchment,
            "residents_in_catchment": demand,
            "residents_per_room": load,
            "ratio_rooms_per_resident": ratio,
        }
    )
    assumptions = [
        *assumptions,
        _("Capacité face à la demande : méthode 2SFCA (Luo et Wang 2003), bassin de {pole} min pour un pôle et "
          "{antenne} min pour une antenne ; charge = habitants du bassin par {room} (un habitant compte dans le "
          "bassin de chaque site à sa portée).").format(pole=fr_number(standard.pole_minutes),
                                                       antenne=fr_number(standard.antenne_minutes), room=_(ROOM_FR)),
    ]
    return CapacityAudit(table, access, assumptions)


def headline_fr(audit: CapacityAudit, standard: ServiceStandard) -> str | None:
    """One French line on the most loaded pôle (terminal), None without pôle."""
    top = audit.most_loaded_poles(standard, 1)
    if top.empty:
        return None
    row = top.iloc[0]
    mean = mean_load(audit, standard)
    origin = _("capacité au registre") if row["capacity_origin"] == "registre" else _("capacité par défaut")
    return _("Pôle le plus chargé : {name} ({commune}), {load} habitants par {room} à moins de {minutes} min "
             "({rooms} {unit}, {origin}) ; moyenne des pôles : {mean}.").format(
        name=row["name"], commune=row["commune"], load=fr_int(row["residents_per_room"]), room=_(ROOM_FR),
        minutes=fr_number(row['catchment_minutes']), rooms=fr_number(row['capacity_rooms']), unit=_(CAPACITY_UNIT_FR),
        origin=origin, mean=fr_int(mean))  # fmt: skip


def mean_load(audit: CapacityAudit, standard: ServiceStandard) -> float:
    """Residents per room over all pôles together (sum of catchments / sum of rooms)."""
    poles = audit.sites[audit.sites["kind"].isin(standard.pole_kinds)]
    rooms = float(poles["capacity_rooms"].sum())
    return float(poles["residents_in_catchment"].sum()) / rooms if rooms > 0 else float("nan")
