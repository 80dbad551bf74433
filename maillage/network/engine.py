"""One interface over every travel mode: time from each origin to its nearest destination.

The audit never asks "how long from cell i to site j"; it asks "how long from every cell to the
nearest site of a class, and which one". Every backend (crow-fly, street graph, transit) answers
that question through :class:`TravelTimeEngine.nearest`, so the audit, the planner and the web app
are written once.

Coordinates crossing this interface are **Lambert-93 metres** (EPSG:2154) as ``(n, 2)`` float
arrays; times are **minutes** as float64 with ``inf`` for "not reachable".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from maillage.i18n import N_, _, label_of

UNREACHABLE_MINUTES = np.inf
NO_SITE = -1


# The one French vocabulary of modes and engines: every output a person reads takes its words from here
# (marked for the catalogue: whoever shows one calls maillage.i18n._() on it)
MODE_LABELS_FR = {"walk": N_("à pied"), "bike": N_("à vélo"), "car": N_("en voiture"),
                  "transit": N_("en transports en commun")}  # fmt: skip
BACKEND_LABELS_FR = {"street": N_("par les rues"), "crowfly": N_("à vol d'oiseau"), "transit": N_("horaires GTFS")}


def mode_label(mode: str, unknown: str | None = None) -> str:
    """A mode in the reader's words (``unknown``, else the code itself, for a mode outside the vocabulary)."""
    return _(MODE_LABELS_FR[mode]) if mode in MODE_LABELS_FR else (mode if unknown is None else unknown)


def backend_label(backend: str) -> str:
    """How times were computed, in the reader's words (the code itself for an unknown engine)."""
    return label_of(BACKEND_LABELS_FR, backend)


@dataclass(frozen=True)
class Destinations:
    """Sites of one class, as the engine sees them.

    ``site_ids`` are registry ids, ``xy_m`` their Lambert-93 coordinates in metres.
    ``opening_hours`` (OSM syntax, or None for "always") lets time-aware backends seed a site only
    when it is open; time-blind backends ignore it.
    """

    site_ids: tuple[str, ...]
    xy_m: np.ndarray
    opening_hours: tuple[str | None, ...] | None = None

    def __post_init__(self) -> None:
        xy = np.asarray(self.xy_m, dtype=np.float64).reshape(-1, 2)
        object.__setattr__(self, "xy_m", xy)
        if len(self.site_ids) != len(xy):
            raise ValueError(f"{len(self.site_ids)} site ids for {len(xy)} coordinates")
        if self.opening_hours is not None and len(self.opening_hours) != len(xy):
            raise ValueError("opening_hours must have one entry per site")

    def __len__(self) -> int:
        return len(self.site_ids)


@dataclass(frozen=True)
class NearestSites:
    """Per origin: minutes to the nearest destination and which one.

    ``site_index`` indexes the :class:`Destinations` passed in (``NO_SITE`` = -1 when none is
    reachable, with ``minutes`` = inf). ``access_m`` is the distance from the origin to the network
    (0 for crow-fly), reported so that badly snapped cells can be seen. ``extra`` holds
    backend-specific arrays (e.g. transit percentiles ``"p25"``) aligned with ``minutes``.
    """

    minutes: np.ndarray
    site_index: np.ndarray
    access_m: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def site_ids(self, destinations: Destinations) -> np.ndarray:
        """Registry ids of the chosen sites (empty string where none is reachable)."""
        ids = np.array([*destinations.site_ids, ""], dtype=object)
        return ids[np.where(self.site_index >= 0, self.site_index, len(destinations))]


@runtime_checkable
class TravelTimeEngine(Protocol):
    """What every backend provides."""

    mode: str

    def nearest(self, origins_xy_m: np.ndarray, destinations: Destinations) -> NearestSites:
        """Minutes from every origin to its nearest destination, and which one."""
        ...

    def describe(self) -> dict[str, Any]:
        """Parameters in force (speeds, factors, input files and dates), printed in every report."""
        ...

    def assumptions(self) -> list[str]:
        """Plain-language statements of the model's assumptions, printed in every report."""
        ...


def nearest_by_class(
    engine: TravelTimeEngine,
    origins_xy_m: np.ndarray,
    classes: Mapping[str, Destinations],
) -> dict[str, NearestSites]:
    """Run :meth:`TravelTimeEngine.nearest` once per class of site.

    A class with no site gives every origin ``inf`` minutes rather than an error: "no pôle in the
    registry" is an audit finding, not a crash.
    """
    origins = np.asarray(origins_xy_m, dtype=np.float64).reshape(-1, 2)
    results: dict[str, NearestSites] = {}
    for name, destinations in classes.items():
        if len(destinations) == 0:
            results[name] = unreachable(len(origins))
        else:
            results[name] = engine.nearest(origins, destinations)
    return results


def unreachable(n_origins: int) -> NearestSites:
    """A result where nothing is reachable from any origin."""
    return NearestSites(
        minutes=np.full(n_origins, UNREACHABLE_MINUTES),
        site_index=np.full(n_origins, NO_SITE, dtype=np.int64),
        access_m=np.zeros(n_origins),
    )
