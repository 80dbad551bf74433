"""Crow-fly fallback: straight-line distance × detour factor ÷ speed.

Used when no street graph (OSM PBF) or timetable (GTFS) is supplied. It ignores rivers, railways
and one-way streets, so every report that uses it says so. All its parameters live in
:data:`CROWFLY_PARAMETERS` and are printed with every result.

Nearest-site search uses a k-d tree (scipy ``cKDTree``): O((n + m) log m), never a double loop.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from maillage.i18n import N_, _
from maillage.network.engine import Destinations, NearestSites, mode_label
from maillage.numbers import fr_number


@dataclass(frozen=True)
class CrowFlyParameters:
    """Speed in km/h and detour factor (network distance ÷ straight-line distance) of one mode."""

    speed_kmh: float
    detour_factor: float
    source: str

    @property
    def metres_per_minute(self) -> float:
        return self.speed_kmh * 1000.0 / 60.0


# One place for every crow-fly parameter. Values are conventional defaults, not measurements of
# the 92: walking speed 4.8 km/h is Conveyal R5's default (1.33 m/s); 1.3 is the usual urban
# detour factor for walking and cycling in the accessibility literature; 1.4 for car, whose
# network is sparser (one-ways). Override with --speed/--detour on the CLI.
CROWFLY_PARAMETERS: dict[str, CrowFlyParameters] = {
    "walk": CrowFlyParameters(4.8, 1.3, N_("vitesse de marche par défaut de R5, 1,33 m/s ; détour urbain usuel 1,3")),
    "bike": CrowFlyParameters(15.0, 1.3, N_("vitesse usuelle du vélo en ville ; détour 1,3")),
    "car": CrowFlyParameters(25.0, 1.4, N_("vitesse moyenne usuelle en voiture en ville, carrefours compris ; "
                                           "détour 1,4")),
}


class CrowFlyEngine:
    """Travel times from straight-line distance, for one mode."""

    def __init__(self, mode: str = "walk", parameters: CrowFlyParameters | None = None) -> None:
        if parameters is None:
            if mode not in CROWFLY_PARAMETERS:
                known = ", ".join(sorted(CROWFLY_PARAMETERS))
                raise ValueError(f"crow-fly mode {mode!r} unknown (known: {known})")
            parameters = CROWFLY_PARAMETERS[mode]
        if parameters.speed_kmh <= 0 or parameters.detour_factor < 1:
            raise ValueError(_("à vol d'oiseau, la vitesse doit être > 0 km/h et le détour ≥ 1"))
        self.mode = mode
        self.parameters = parameters

    def nearest(self, origins_xy_m: np.ndarray, destinations: Destinations) -> NearestSites:
        origins = np.asarray(origins_xy_m, dtype=np.float64).reshape(-1, 2)
        distance_m, index = cKDTree(destinations.xy_m).query(origins, k=1)
        minutes = distance_m * self.parameters.detour_factor / self.parameters.metres_per_minute
        return NearestSites(
            minutes=np.asarray(minutes, dtype=np.float64),
            site_index=np.asarray(index, dtype=np.int64),
            access_m=np.zeros(len(origins)),
            extra={"crowfly_distance_m": np.asarray(distance_m, dtype=np.float64)},
        )

    def describe(self) -> dict[str, Any]:
        return {"backend": "crowfly", "mode": self.mode, **asdict(self.parameters)}

    def assumptions(self) -> list[str]:
        p = self.parameters
        return [  # French only: the English facts are in describe()
            _("Temps « à vol d'oiseau » ({mode}) : distance en ligne droite × {detour} ÷ {speed} km/h. Ignore la "
              "Seine, les voies ferrées et le sens des rues ({source}).").format(
                mode=mode_label(self.mode), detour=fr_number(p.detour_factor), speed=fr_number(p.speed_kmh),
                source=_(p.source)),
        ]
