"""Candidate locations for new sites: partner buildings, commune centroids, grid points.

* ``partners`` — sites in the registry whose kind is not counted by the standard (France Services,
  CCAS, CLIC, MDPH…): a département service could open a permanence in them. Those placed at their
  commune's centroid (no geocoded address) are flagged ``approximate``.
* ``centroids`` — one point inside each commune (``representative_point``).
* ``grid`` — populated cells merged into ``grid_step_m`` blocks: the populated cell nearest to each
  block's population-weighted centre (so the point lies in a commune).

Coordinates are Lambert-93 metres (``x_m``, ``y_m``) and WGS84 degrees (``lon``, ``lat``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from maillage.audit.standard import ANTENNE_CLASS, ServiceStandard
from maillage.geo import l93_to_lonlat
from maillage.i18n import N_, _
from maillage.planning.changes import MOBILE_KIND, commune_at
from maillage.population.cells import Cells
from maillage.registry.addresses import OsmAddressData, nearest_address_labels
from maillage.registry.snapshot import Snapshot
from maillage.registry.vocab import kind_label

CANDIDATE_SOURCES = ("partners", "centroids", "grid")
SOURCE_LABELS_FR = {"partners": N_("site partenaire"), "centroids": N_("centre de commune"),
                    "grid": N_("point de grille")}  # fmt: skip
COLUMNS = [
    "id", "source", "name", "site_id", "commune_code", "commune", "x_m", "y_m", "lon", "lat", "approximate", "address",
]  # fmt: skip


def build_candidates(
    snapshot: Snapshot,
    cells: Cells,
    standard: ServiceStandard | None = None,
    sources: Sequence[str] = CANDIDATE_SOURCES,
    *,
    grid_step_m: float = 600.0,
    addresses: OsmAddressData | None = None,
) -> pd.DataFrame:
    """Candidate points (one row each, columns :data:`COLUMNS`), duplicates within 1 m merged.

    With ``addresses`` (the extract's address points), each candidate carries its nearest address
    ("12 rue X, 92100 Ville") so that a proposal reads as a place, not as coordinates.
    """
    standard = standard or ServiceStandard()
    unknown = sorted(set(sources) - set(CANDIDATE_SOURCES))
    if unknown:
        raise ValueError(
            _("source(s) de candidats inconnue(s) : {unknown} (connues : {known})").format(
                unknown=', '.join(unknown), known=', '.join(CANDIDATE_SOURCES))
        )
    frames = []
    names = snapshot.communes["name"].to_dict()
    if "partners" in sources:
        frames.append(_partners(snapshot, standard))
    if "centroids" in sources:
        points = snapshot.communes.geometry.representative_point()
        frames.append(
            pd.DataFrame(
                {
                    "id": [f"centroid-{c}" for c in snapshot.communes.index],
                    "source": "centroids",
                    "name": [f"Centre de {names[c]}" for c in snapshot.communes.index],
                    "site_id": None,
                    "commune_code": list(snapshot.communes.index),
                    "x_m": points.x.to_numpy(),
                    "y_m": points.y.to_numpy(),
                    "approximate": False,
                }
            )
        )
    if "grid" in sources:
        frames.append(_grid(cells, grid_step_m))
    frame = pd.concat([f for f in frames if len(f)], ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    frame["commune_code"] = [
        c if isinstance(c, str) and c else commune_at(snapshot, x, y)
        for c, x, y in zip(frame["commune_code"], frame["x_m"], frame["y_m"], strict=True)
    ]
    frame["commune"] = [names.get(c, "") if c else "" for c in frame["commune_code"]]
    lonlat = l93_to_lonlat(frame["x_m"].to_numpy(), frame["y_m"].to_numpy())
    frame["lon"], frame["lat"] = np.round(lonlat[:, 0], 6), np.round(lonlat[:, 1], 6)
    key = np.round(frame[["x_m", "y_m"]].to_numpy())
    frame = frame[~pd.DataFrame(key).duplicated().to_numpy()].copy()
    frame["address"] = (
        nearest_address_labels(addresses, frame[["lon", "lat"]].to_numpy()) if addresses is not None else None
    )
    return frame[COLUMNS].reset_index(drop=True)


def _partners(snapshot: Snapshot, standard: ServiceStandard) -> pd.DataFrame:
    counted = set(standard.class_kinds()[ANTENNE_CLASS]) | {MOBILE_KIND}
    sites = snapshot.usable_sites()
    sites = sites[~sites["kind"].isin(counted)]
    return pd.DataFrame(
        {
            "id": [f"partner-{i}" for i in sites["id"]],
            "source": "partners",
            "name": [
                f"{n} ({kind_label(k)})" for n, k in zip(sites["name"], sites["kind"], strict=True)
            ],
            "site_id": sites["id"].to_numpy(),
            "commune_code": sites["commune_code"].to_numpy(),
            "x_m": sites["x_m"].to_numpy(dtype=float),
            "y_m": sites["y_m"].to_numpy(dtype=float),
            "approximate": sites["coordinate_quality"].eq("commune_centroid").to_numpy(),
        }
    )


def _grid(cells: Cells, step_m: float) -> pd.DataFrame:
    if step_m <= 0:
        raise ValueError(_("le pas de la grille de candidats doit être positif, en mètres"))
    populated = np.flatnonzero(cells.population > 0)
    xy, weight = cells.xy_m[populated], cells.population[populated]
    block = np.floor(xy / step_m).astype(np.int64)
    frame = pd.DataFrame(
        {"bx": block[:, 0], "by": block[:, 1], "wx": xy[:, 0] * weight, "wy": xy[:, 1] * weight, "w": weight}
    )
    sums = frame.groupby(["bx", "by"], sort=True)[["wx", "wy", "w"]].sum()
    centres = np.column_stack([sums["wx"] / sums["w"], sums["wy"] / sums["w"]])
    _distance, nearest = cKDTree(xy).query(centres, k=1)
    points = xy[nearest]
    codes = cells.commune_code[populated][nearest]
    return pd.DataFrame(
        {
            "id": [f"grid-{int(x)}-{int(y)}" for x, y in points],
            "source": "grid",
            "name": [f"Point de grille {int(x)}, {int(y)} (L93)" for x, y in points],
            "site_id": None,
            "commune_code": codes,
            "x_m": points[:, 0],
            "y_m": points[:, 1],
            "approximate": False,
        }
    )
