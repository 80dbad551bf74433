"""Export sites in the common CSV layout (re-importable) or as GeoJSON."""

from __future__ import annotations

import io
import json

import pandas as pd

from maillage.csvcells import neutralise_frame
from maillage.registry.capacity import FILE_CAPACITY_SUFFIX
from maillage.registry.sites import REQUIRED_COLUMNS

EXTRA_COLUMNS = (
    "services", "communes_served", "operator", "note", "capacity", "coordinate_quality", "duplicate_of",
)  # fmt: skip


def _export_frame(sites: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "id": sites["id"],
            "name": sites["name"],
            "kind": sites["source_kind"],
            "address": sites["address"],
            "postcode": sites["postcode"],
            "commune": "",
            "insee_code": sites["commune_code"],
            # Only a source's own coordinates are exported as lon/lat: derived placements (same
            # address, BAN, centroid) are recomputed on re-import, so their flags survive a round trip.
            "lon": sites["lon"].where(sites["coordinate_quality"] == "source"),
            "lat": sites["lat"].where(sites["coordinate_quality"] == "source"),
            "opening_hours": sites["opening_hours_source_text"],
            "phone": sites["phone"],
            "source_url_or_repo": sites["source"],
            "services": sites["services"].apply(lambda v: ";".join(v or [])),
            "communes_served": sites["communes_served"].apply(lambda v: ";".join(v or [])),
            "operator": sites["operator"],
            "note": sites["note"],
            # only a file's own capacity: a transcribed one is re-applied on re-import, with its quote
            "capacity": _file_capacity(sites),
            "coordinate_quality": sites["coordinate_quality"],
            "duplicate_of": sites["duplicate_of"],
        }
    )
    return frame[list(REQUIRED_COLUMNS) + list(EXTRA_COLUMNS)]


def sites_to_csv(sites: pd.DataFrame) -> str:
    buffer = io.StringIO()
    neutralise_frame(_export_frame(sites)).to_csv(buffer, index=False)
    return buffer.getvalue()


def sites_to_geojson(sites: pd.DataFrame) -> str:
    frame = _export_frame(sites)
    features = []
    for row, (_, site) in zip(frame.to_dict(orient="records"), sites.iterrows(), strict=True):
        props = {k: (None if pd.isna(v) else v) for k, v in row.items() if k not in ("lon", "lat")}
        geometry = None if pd.isna(site["lon"]) else {"type": "Point", "coordinates": [site["lon"], site["lat"]]}
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def _file_capacity(sites: pd.DataFrame) -> pd.Series:
    from_file = sites["capacity_source"].fillna("").str.endswith(FILE_CAPACITY_SUFFIX)
    return sites["capacity"].where(from_file)
