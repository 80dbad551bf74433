"""The capacitated proposals on the registry's capacities: the same interview rooms the audit's 2SFCA uses.

Without ``--capacity`` the capacitated methods read each existing site's capacity from the
registry (a site file's ``capacity`` column or a transcribed seed fact), else the named default of
its kind (:data:`maillage.audit.capacity.DEFAULT_CAPACITY_ROOMS`); a new site gets its kind's
default, or ``new_site_rooms``. Rooms become residents through one admitted load, residents per
room: by default the département's own (its population over the existing sites' rooms), so the
model asks that no site carry more than the average and shows where that cannot hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from maillage.audit.capacity import DEFAULT_CAPACITY_ROOMS, FALLBACK_CAPACITY_ROOMS, ROOM_FR, kind_label_fr
from maillage.audit.capacity import site_capacities as audit_site_capacities
from maillage.i18n import _
from maillage.network.engine import Destinations
from maillage.numbers import fr_int, fr_number
from maillage.registry.capacity import CAPACITY_UNIT_FR


@dataclass(frozen=True)
class PlanCapacities:
    """Capacities in residents (existing sites first, then candidates) and what they rest on."""

    residents: np.ndarray
    rooms: np.ndarray
    residents_per_room: float
    notes: list[str]


def registry_capacities(
    sites: pd.DataFrame,
    existing: Destinations,
    new_kind: str,
    n_candidates: int,
    population_total: float,
    *,
    residents_per_room: float | None = None,
    new_site_rooms: float | None = None,
) -> PlanCapacities:
    """Rooms of the existing sites and of each candidate, times one admitted load (residents per room)."""
    frame = sites.set_index("id").loc[list(existing.site_ids)].reset_index()
    rooms_existing, _by_site, assumptions = audit_site_capacities(frame)
    default_rooms = DEFAULT_CAPACITY_ROOMS.get(new_kind, FALLBACK_CAPACITY_ROOMS)
    new_rooms = new_site_rooms if new_site_rooms is not None else default_rooms
    total_rooms = float(rooms_existing.sum())
    if residents_per_room is None:
        if total_rooms <= 0:
            raise ValueError(_("aucun bureau d'entretien aux sites existants : donnez --residents-per-room"))
        residents_per_room = population_total / total_rooms
        load_origin = _("population du département / {rooms} {unit} existants").format(
            rooms=fr_int(total_rooms), unit=_(CAPACITY_UNIT_FR))
    else:
        load_origin = _("valeur donnée")
    if residents_per_room <= 0 or new_rooms < 0:
        raise ValueError(_("la charge admise et la capacité d'un nouveau site doivent être positives"))
    rooms = np.r_[rooms_existing, np.full(n_candidates, float(new_rooms))]
    origin = (_("valeur donnée") if new_site_rooms is not None
              else _("défaut « {kind} »").format(kind=kind_label_fr(new_kind)))  # fmt: skip
    notes = [
        _("Capacités du registre (comme l'audit) : {n} sites existants, {rooms} {unit} ; nouveau site : {new} {unit} "
          "({origin}) ; charge admise {load} habitants par {room} ({load_origin}).").format(
            n=len(frame), rooms=fr_int(total_rooms), unit=_(CAPACITY_UNIT_FR), new=fr_number(new_rooms), origin=origin,
            load=fr_int(residents_per_room), room=_(ROOM_FR), load_origin=load_origin),
        *assumptions,
    ]
    return PlanCapacities(rooms * residents_per_room, rooms, float(residents_per_room), notes)


def demand_and_capacity(
    request: Any, sites: pd.DataFrame, existing: Destinations, n_candidates: int, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, str, list[str]]:
    """(demand per cell, capacity per site — existing then candidates —, a summary, notes) for a
    :class:`~maillage.planning.propose.PlanRequest`: users with ``capacity``, else the registry's rooms."""
    r, n_fixed = request, len(existing)
    if r.capacity is None:
        caps = registry_capacities(
            sites, existing, r.kind, n_candidates, float(weights.sum()),
            residents_per_room=r.residents_per_room, new_site_rooms=r.new_site_rooms,
        )  # fmt: skip
        summary = _("demande = habitants ; capacité = {unit} × {load} habitants").format(
            unit=_(CAPACITY_UNIT_FR), load=fr_int(caps.residents_per_room))
        return np.asarray(weights, float), caps.residents, summary, caps.notes
    capacity = np.r_[np.full(n_fixed, r.existing_capacity or r.capacity), np.full(n_candidates, r.capacity)]
    summary = _("demande = population × {rate} ; {n} sites existants à {existing} usagers, nouveaux sites à "
                "{new}").format(rate=fr_number(r.use_rate), n=n_fixed, existing=fr_number(capacity[0]),
                                 new=fr_number(r.capacity))
    return np.asarray(weights, float) * r.use_rate, capacity, summary, []
