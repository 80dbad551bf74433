"""The audit weighed by who lives in each cell: all residents, children under 15, residents aged 65+.

A public is a weight per cell (``Cells.population``, ``Cells.children``, ``Cells.seniors``) and the
services that concern it: PMI and child protection for children, services for older people
(autonomy) for seniors. Age bands exist only when the population model knows them (the census ×
buildings model); the uniform commune model and supplied grids without age columns have none, and
then only "tous" is computed, with one line saying so (never an age split invented from totals).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from maillage.i18n import N_, _
from maillage.population.cells import Cells
from maillage.registry.vocab import Service, service_label

ALL_RESIDENTS = "tous"


@dataclass(frozen=True)
class Public:
    """One public: its French label (marked, shown through ``_()``), which ``Cells`` array weighs it, the
    services that concern it."""

    key: str
    label_fr: str
    weight_field: str
    services: tuple[str, ...]


PUBLICS: dict[str, Public] = {
    ALL_RESIDENTS: Public(ALL_RESIDENTS, N_("tous les habitants"), "population", ()),
    "enfants": Public(
        "enfants", N_("enfants de moins de 15 ans"), "children", (Service.PMI.value, Service.PROTECTION_ENFANCE.value)
    ),
    "seniors": Public("seniors", N_("habitants de 65 ans et plus"), "seniors", (Service.PERSONNES_AGEES.value,)),
}


def public_weights(cells: Cells, key: str) -> np.ndarray | None:
    """Residents of the public in each cell, or None when the population model has no age bands."""
    values = getattr(cells, PUBLICS[key].weight_field)
    return None if values is None else np.asarray(values, dtype=float)


def available_publics(cells: Cells) -> list[str]:
    return [key for key in PUBLICS if public_weights(cells, key) is not None]


def no_age_bands_note(cells: Cells, asked: str) -> str | None:
    """The one French line saying an age public cannot be weighed with this population model."""
    if cells.children is not None and cells.seniors is not None:
        return None
    line = _("Le modèle de population utilisé n'a pas de tranches d'âge (modèle uniforme par commune ou grille "
             "sans colonnes d'âge) : parts des enfants et des 65 ans et plus non calculées.")  # fmt: skip
    if asked != ALL_RESIDENTS:
        label = _(PUBLICS[asked].label_fr) if asked in PUBLICS else asked
        line += _(" Public « {asked} » demandé : résultats donnés pour tous les habitants.").format(asked=label)
    return line


def service_label_fr(code: str) -> str:
    return service_label(code)


@dataclass(frozen=True)
class PublicShares:
    """Per public, the residents within the standard for the département, each commune and sector.

    Frames have one row per area (``code``) and, for each available public ``p``, the columns
    ``population_p``, ``population_within_p``, ``share_within_p``; for the chosen public's services
    ``s``, ``share_near_service_s``: the share of that public within ``near_minutes`` of a site
    offering ``s``.
    """

    publics: tuple[str, ...]
    chosen: str
    services: tuple[str, ...]
    near_minutes: float
    total: dict[str, float]
    communes: pd.DataFrame
    sectors: pd.DataFrame
    # with an income grid: per income quintile of the chosen public, share within and mean minutes
    # to the nearest antenne or pôle (see quintile_shares); None without incomes
    by_income_quintile: list[dict[str, float]] | None = None


def public_shares(
    cells: Cells,
    within: np.ndarray,
    chosen: str,
    service_minutes: dict[str, np.ndarray],
    near_minutes: float,
    quintile_minutes: np.ndarray | None = None,
) -> PublicShares:
    """Shares of each public within the standard, and of the chosen one near each of its services."""
    publics = tuple(available_publics(cells))
    columns: dict[str, np.ndarray] = {}
    for key in publics:
        weights = public_weights(cells, key)
        columns[f"population_{key}"] = weights
        columns[f"population_within_{key}"] = weights * within
    chosen_weights = public_weights(cells, chosen) if chosen in publics else cells.population
    for code, minutes in service_minutes.items():
        columns[f"near_{code}"] = chosen_weights * (minutes <= near_minutes)
    columns["_chosen"] = chosen_weights

    def table(group: np.ndarray) -> pd.DataFrame:
        sums = pd.DataFrame({"code": group, **columns}).groupby("code", sort=True).sum()
        for key in publics:
            total = sums[f"population_{key}"]
            sums[f"share_within_{key}"] = (sums[f"population_within_{key}"] / total).where(total > 0)
        for code in service_minutes:
            sums[f"share_near_service_{code}"] = (sums.pop(f"near_{code}") / sums["_chosen"]).where(sums["_chosen"] > 0)
        return sums.drop(columns="_chosen").reset_index()

    whole = table(np.full(len(cells), "total", dtype=object)).iloc[0].to_dict()
    quintiles = None
    if cells.income_eur_per_capita is not None and quintile_minutes is not None:
        quintiles = quintile_shares(cells.income_eur_per_capita, chosen_weights, within, quintile_minutes)
    return PublicShares(
        publics=publics,
        chosen=chosen if chosen in publics else ALL_RESIDENTS,
        services=tuple(service_minutes),
        near_minutes=near_minutes,
        total=whole,
        communes=table(cells.commune_code),
        sectors=table(cells.sector_id),
        by_income_quintile=quintiles,
    )


def income_quintiles(income: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Quintile 1–5 of each cell in the population-weighted income order (0 where income is unknown).

    A cell goes wholly to the quintile holding the middle of its residents in that order.
    """
    income, weights = np.asarray(income, dtype=float), np.asarray(weights, dtype=float)
    known = np.isfinite(income) & (weights > 0)
    out = np.zeros(len(income), dtype=np.int64)
    if not known.any():
        return out
    idx = np.flatnonzero(known)
    order = idx[np.argsort(income[idx], kind="stable")]
    share = weights[order] / weights[order].sum()
    middle = np.cumsum(share) - share / 2
    out[order] = np.minimum(np.floor(middle * 5).astype(np.int64) + 1, 5)
    return out


def quintile_shares(
    income: np.ndarray, weights: np.ndarray, within: np.ndarray, minutes: np.ndarray
) -> list[dict[str, float]]:
    """Per income quintile: residents, share within the standard and mean minimum time (finite only)."""
    quintile = income_quintiles(income, weights)
    rows = []
    for q in range(1, 6):
        mine = quintile == q
        w = weights[mine]
        reach = np.isfinite(minutes[mine])
        total = float(w.sum())
        rows.append({
            "quintile": q,
            "population": total,
            "share_within": float((w * within[mine]).sum() / total) if total > 0 else float("nan"),
            "mean_minutes": float((w[reach] * minutes[mine][reach]).sum() / w[reach].sum())
            if w[reach].sum() > 0 else float("nan"),
        })  # fmt: skip
    return rows
