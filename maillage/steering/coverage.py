"""The link between conventions and the audit: their scheduled services as a scenario.

A convention's commitment such as Sceaux's "demi-journée hebdomadaire de consultations PMI" is a
site that the audit can count. :func:`convention_changes` turns the scheduled services of the
conventions into scenario changes (``add_site``) that :mod:`maillage.planning` stores, applies and
compares with the baseline, so "what do the conventions bring to the 20/15-minute standard?" is
answered by the same code as any other scenario.

What the press releases do not say is not filled in: a service without a place is put at its
commune's centroid (flagged in the site's name and in the notes), a service without hours keeps
unknown hours (counted as open, like any site without hours, and said so), and a mobile unit with
neither stops nor timetable is left out of the coverage, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from maillage.geo import inner_centre_lonlat, lonlat_to_l93
from maillage.i18n import _
from maillage.registry.snapshot import Snapshot
from maillage.registry.vocab import SiteKind, kind_label
from maillage.steering.analysis import scheduled_sites
from maillage.steering.models import Convention

# Which registry kind a scheduled service becomes; None = cannot be placed in the audit.
SCHEDULED_TO_SITE_KIND: dict[str, str | None] = {
    "pmi_permanence": SiteKind.PMI.value,
    "pmi_centre": SiteKind.PMI.value,
    "social_permanence": SiteKind.ANTENNE.value,
    "mobile_unit": None,
}
CONVENTION_SCENARIO = "conventions"


@dataclass(frozen=True)
class ConventionChanges:
    """Scenario changes made from the conventions, and what could not be counted (French notes)."""

    changes: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)


def commune_point_lonlat(snapshot: Snapshot, code: str) -> tuple[float, float]:
    """WGS84 degrees of the commune's centre, where the registry also places sites without an address."""
    return inner_centre_lonlat(snapshot.communes.loc[code, "geometry"])


def convention_changes(conventions: Iterable[Convention], snapshot: Snapshot) -> ConventionChanges:
    """``add_site`` changes for every scheduled service that can be placed, plus notes on the rest."""
    changes: list[dict[str, Any]] = []
    notes: list[str] = []
    for site in scheduled_sites(conventions):
        kind = SCHEDULED_TO_SITE_KIND.get(site["kind"])
        where = f"{site['name']} ({site['convention_id']})"
        if kind is None:
            reason = " ; ".join(site["flags"]) or _("dispositif mobile")
            notes.append(_("{where} : non compté dans la couverture ({reason}).").format(where=where, reason=reason))
            continue
        if site["insee_code"] not in snapshot.communes.index:
            notes.append(_("{where} : commune {code} absente du registre, non compté.").format(
                where=where, code=site["insee_code"]))
            continue
        lon, lat = commune_point_lonlat(snapshot, site["insee_code"])
        name = site["name"] if site["place"] else _("{name} (lieu non précisé : centre de la commune)").format(
            name=site["name"])
        payload: dict[str, Any] = {"name": name, "kind": kind, "lon": lon, "lat": lat,
                                   "commune_code": site["insee_code"]}  # fmt: skip
        if site["opening_hours"]:
            payload["opening_hours"] = site["opening_hours"]
        changes.append({"op": "add_site", "site_id": f"convention:{site['id']}", "payload": payload})
        notes.append(_("{where} : compté comme « {kind} »").format(where=where, kind=kind_label(kind))
                     + (f" ; {' ; '.join(site['flags'])}." if site["flags"] else "."))  # the kind's words, not its code
        twin = _site_at(snapshot, lon, lat, kind)
        if twin is not None:
            notes.append(_("{where} : placé au même point que « {twin} » (déjà au registre, à moins de 50 m de ce "
                           "point) : aucun effet mesurable sur la norme tant que le lieu n'est pas précisé.").format(
                where=where, twin=twin))
    return ConventionChanges(changes, notes)


def _site_at(snapshot: Snapshot, lon: float, lat: float, kind: str, within_m: float = 50.0) -> str | None:
    """Name of a registry site of ``kind`` within ``within_m`` metres of the point, if any."""
    sites = snapshot.usable_sites()
    sites = sites[sites["kind"] == kind]
    if sites.empty:
        return None
    x, y = lonlat_to_l93(np.array([lon]), np.array([lat]))[0]
    distance = np.hypot(sites["x_m"].to_numpy() - x, sites["y_m"].to_numpy() - y)
    return str(sites["name"].iloc[int(np.argmin(distance))]) if distance.min() <= within_m else None
