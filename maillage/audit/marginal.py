"""Marginal value: the residents each existing site keeps within the standard, and what a proposal adds.

**Closing a site.** A cell meets the standard through a site j when j is a pôle within
``pole_minutes``, or any counted site (pôles included) within ``antenne_minutes``. Closing j puts a
cell outside exactly when j was its *only* such site — when its second-best qualifying site lies
beyond the threshold. So one cells × sites matrix of times within the threshold (the planner's
sparse :class:`~maillage.planning.matrix.TravelMatrix`) gives every site's loss at once, by
counting each cell's qualifying sites: no re-audit per site (tests check it against one).

**Adding sites.** A proposal's new sites are timed from every cell with one engine call; the class
times become ``min(before, new)``, and the verdicts are re-taken: residents newly within the
standard, and the minutes saved (resident-weighted) on the class the new kind counts for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from maillage.audit.capacity import kind_label_fr
from maillage.audit.standard import ANTENNE_CLASS, POLE_CLASS, ServiceStandard
from maillage.i18n import N_, _
from maillage.network.engine import Destinations, TravelTimeEngine

TWIN_M = 150.0  # two counted sites closer than this are « the same place » in the director's table

if TYPE_CHECKING:  # planning imports the audit: type only
    from maillage.audit.guarantee import AuditResult
    from maillage.planning.matrix import TravelMatrix


@dataclass(frozen=True)
class MarginalValue:
    """Per counted site: id, name, kind, kind_label, commune_code, commune, residents_lost (outside the
    standard if it closed), residents_served (cells meeting the standard through it, shared or not),
    twin_name (another counted site within ``TWIN_M``, or None); sorted by residents_lost, largest
    first. ``notes`` say where matrix and audit disagree."""

    sites: pd.DataFrame
    notes: list[str]


def qualifying_minutes(kinds: pd.Series, standard: ServiceStandard) -> np.ndarray:
    """Time within which a site brings a cell within the standard: a pôle counts as pôle and as antenne."""
    is_pole = kinds.isin(standard.pole_kinds).to_numpy()
    return np.where(is_pole, max(standard.pole_minutes, standard.antenne_minutes), standard.antenne_minutes)


def residents_lost(
    matrix: TravelMatrix, population: np.ndarray, within: np.ndarray, qualify: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """(residents lost per site if it closed, residents served per site, cells within with no qualifying pair).

    ``within`` is the audit's verdict (the truth); a cell within whose only qualifying pair is j
    is lost when j closes.
    """
    population = np.asarray(population, dtype=float)
    keep = matrix.minutes <= qualify[matrix.cols] + 1e-9
    rows, cols = matrix.rows[keep], matrix.cols[keep]
    count = np.bincount(rows, minlength=matrix.shape[0])
    served = np.bincount(cols, weights=population[rows] * within[rows], minlength=matrix.shape[1])
    sole = within[rows] & (count[rows] == 1)
    lost = np.bincount(cols[sole], weights=population[rows[sole]], minlength=matrix.shape[1])
    unexplained = int((within & (count == 0) & (population > 0)).sum())
    return lost, served, unexplained


def marginal_value(
    sites: pd.DataFrame,
    communes: pd.DataFrame,
    destinations: Destinations,
    matrix: TravelMatrix,
    population: np.ndarray,
    within: np.ndarray,
    standard: ServiceStandard,
) -> MarginalValue:
    """Every counted site's marginal value; ``matrix`` = cells × ``destinations`` within the thresholds."""
    frame = sites.set_index("id").loc[list(destinations.site_ids)].reset_index()
    lost, served, unexplained = residents_lost(matrix, population, within, qualifying_minutes(frame["kind"], standard))
    names = communes["name"].to_dict() if "name" in communes else {}
    table = pd.DataFrame(
        {
            "id": frame["id"],
            "name": frame["name"],
            "kind": frame["kind"],
            "kind_label": [kind_label_fr(k) for k in frame["kind"]],
            "commune_code": frame["commune_code"],
            "commune": [names.get(c, c or "") for c in frame["commune_code"]],
            "residents_lost": lost,
            "residents_served": served,
            "twin_name": pd.Series(_twins(frame["name"].to_numpy(object), destinations.xy_m), dtype=object),
        }
    ).sort_values(["residents_lost", "residents_served", "name"], ascending=[False, False, True])
    notes = [
        _("Valeur d'un site : habitants qui sortiraient de la norme s'il fermait (ceux dont c'est le seul site "
          "dans la norme), les autres sites restant ouverts ; un site à 0 est doublé par un autre pour tous ses "
          "habitants.")
    ]
    if unexplained:
        notes.append(_("{n} carreau(x) dans la norme sans site retrouvé par la matrice des temps (écart de moteur) : "
                       "non comptés dans la valeur des sites.").format(n=unexplained))
    return MarginalValue(table.reset_index(drop=True), notes)


def _twins(names: np.ndarray, xy_m: np.ndarray) -> list[str | None]:
    """Per site, the name of another counted site within :data:`TWIN_M` (the same place twice in the
    registry, often one site from two sources): each then shows 0 residents lost, since the other stays."""
    from scipy.spatial import cKDTree

    out: list[str | None] = [None] * len(names)
    if len(names) < 2:
        return out
    distance, index = cKDTree(xy_m).query(xy_m, k=min(3, len(names)))
    for i in range(len(names)):
        # the first neighbour other than itself (two records at one point may come in either order)
        j = next((int(k) for d, k in zip(distance[i], index[i], strict=True) if k != i and d <= TWIN_M), None)
        if j is not None:
            out[i] = str(names[j])
    return out


def proposal_value(
    baseline: AuditResult, engine: TravelTimeEngine, new_xy_m: np.ndarray, is_pole: bool
) -> dict[str, Any]:
    """Residents newly within the standard and minutes saved if the sites at ``new_xy_m`` were added.

    Minutes saved are on the class the new kind counts for (pôle time for a pôle, antenne time
    otherwise), weighted by residents, over the cells the new sites bring closer; cells no site
    reached before are counted apart (their saving is not a number of minutes).
    """
    xy = np.asarray(new_xy_m, dtype=float).reshape(-1, 2)
    cells, standard = baseline.cells, baseline.standard
    new = engine.nearest(cells.xy_m, Destinations(tuple(f"new-{k}" for k in range(len(xy))), xy)).minutes
    pole, antenne = baseline.minutes(POLE_CLASS), baseline.minutes(ANTENNE_CLASS)
    pole_after = np.minimum(pole, new) if is_pole else pole
    antenne_after = np.minimum(antenne, new)
    within_after = (pole_after <= standard.pole_minutes) | (antenne_after <= standard.antenne_minutes)
    population = cells.population.astype(float)
    before, after = (pole, pole_after) if is_pole else (antenne, antenne_after)
    closer = after < before - 1e-9
    was_reached = np.isfinite(before)
    saved = np.where(closer & was_reached, before - after, 0.0)
    residents_closer = float(population[closer & was_reached].sum())
    resident_minutes = float(np.dot(population, saved))
    return {
        "residents_newly_within": round(float(population[within_after & ~baseline.within].sum()), 1),
        "residents_closer": round(residents_closer, 1),
        "minutes_saved_resident_total": round(resident_minutes, 1),
        "minutes_saved_mean_per_resident_closer": round(resident_minutes / residents_closer, 2)
        if residents_closer > 0
        else 0.0,
        "residents_newly_reached": round(float(population[closer & ~was_reached].sum()), 1),
        "minutes_class": POLE_CLASS if is_pole else ANTENNE_CLASS,
    }


# the rows' keys (as in the JSON of `maillage plan`), each its column's heading once shown through _()
DIRECTOR_COLUMNS = (N_("Site"), N_("Type"), N_("Commune"), N_("Habitants"), N_("Détail"))


def director_rows(value: MarginalValue | None, proposals: Sequence[dict[str, Any]] = ()) -> list[dict[str, str]]:
    """One French table (columns :data:`DIRECTOR_COLUMNS`): each proposal — residents it brings within the
    standard (+), minutes saved — then each existing site, by residents outside the standard if it closed (−)."""
    from maillage.numbers import fr_int

    out = []
    for p in proposals:
        v = p.get("value") or {}
        sites = p.get("new_sites", [])
        out.append(
            {
                "Site": _("Proposition n° {rank} : {names}").format(rank=p["rank"],
                                                                    names=" ; ".join(s["name"] for s in sites)),
                "Type": _("nouveau site"),
                "Commune": ", ".join(dict.fromkeys(s.get("commune") or "" for s in sites)),
                "Habitants": f"+{fr_int(v.get('residents_newly_within', p.get('population_gain', 0)))}",
                "Détail": _("−{minutes} min pour {n} rapprochés").format(
                    minutes=f"{v.get('minutes_saved_mean_per_resident_closer', 0):.1f}".replace(".", ","),
                    n=fr_int(v.get("residents_closer", 0))),
            }
        )
    if value is not None:
        for r in value.sites.itertuples(index=False):
            out.append(
                {
                    "Site": str(r.name),
                    "Type": str(r.kind_label),
                    "Commune": str(r.commune),
                    "Habitants": f"−{fr_int(r.residents_lost)}" if r.residents_lost >= 0.5 else "0",
                    "Détail": _("sur {n} qu'il met dans la norme").format(n=fr_int(r.residents_served))
                    + (_(" ; même lieu que « {twin} »").format(twin=r.twin_name) if isinstance(r.twin_name, str)
                       else ""),
                }
            )
    return out
