"""JSON, CSV and GeoJSON renderings of an audit. Every output carries its sources and assumptions.

Times are minutes; ``null`` (JSON) or empty (CSV) means "no site of that class reachable".
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import shapely

from maillage.audit.guarantee import AuditResult
from maillage.audit.why import why_record
from maillage.csvcells import neutralise_frame
from maillage.geo import geometry_to_lonlat, l93_to_lonlat
from maillage.i18n import _
from maillage.report import site_value
from maillage.report.equity_view import equity_block, publics_block, summary_rows


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if not math.isfinite(value) else round(value, 6)
    return value


def metadata(result: AuditResult) -> dict[str, Any]:
    s = result.standard
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "standard": {
            "pole_minutes": s.pole_minutes,
            "antenne_minutes": s.antenne_minutes,
            "pole_kinds": list(s.pole_kinds),
            "antenne_kinds": list(s.antenne_kinds),
            "beside_kinds": list(s.beside_kinds),
            "description_fr": s.describe_fr(),
        },
        "engine": result.engine,
        "population_model": result.cells.model,
        "assumptions": result.assumptions,
        "notes": result.notes,
        "sites_at_centroid": result.sites_at_centroid,
        "sources": result.sources,
        "service": result.service,
    }


def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [_clean(r) for r in frame.to_dict(orient="records")]


def cell_rows(result: AuditResult) -> list[dict[str, Any]]:
    lonlat = l93_to_lonlat(result.cells.xy_m[:, 0], result.cells.xy_m[:, 1])
    columns: dict[str, Any] = {
        "lon": np.round(lonlat[:, 0], 6),
        "lat": np.round(lonlat[:, 1], 6),
        "commune": result.cells.commune_code,
        "sector": result.cells.sector_id,
        "population": np.round(result.cells.population, 2),
        "within_standard": result.within,
    }
    for name, nearest in result.nearest.items():
        key = name.replace("service:", "service_")
        columns[f"minutes_{key}"] = nearest.minutes
        columns[f"site_{key}"] = nearest.site_ids(result.destinations[name])
    access = site_value.cell_accessibility(result)
    if access is not None:  # 2SFCA: interview rooms within reach per 10 000 residents
        columns["capacity_access_per_10000"] = access
    records = rows(pd.DataFrame(columns))
    # null inside the standard; outside, why (nearest pôle and antenne, minutes over, route)
    for index, record in enumerate(records):
        why = result.why.get(index)
        record["why"] = None if why is None else _clean(why_record(why))
    return records


def site_rows(result: AuditResult) -> list[dict[str, Any]]:
    keep = ["id", "name", "kind", "source_kind", "commune_code", "address", "lon", "lat",
            "coordinate_quality", "coordinate_note", "opening_hours", "phone", "source"]  # fmt: skip
    return rows(result.sites[keep])


def to_json(result: AuditResult, *, include_cells: bool = True) -> str:
    doc = {
        "maillage": metadata(result),
        "total": _clean(result.total),
        "communes": rows(result.by_commune),
        "sectors": rows(result.by_sector),
        "sites": site_rows(result),
        "publics": _clean(publics_block(result)),
        "equity": _clean(equity_block(result)),
    }
    if result.crowfly_by_commune is not None:
        doc["crowfly_vs_street"] = rows(result.crowfly_by_commune)
    doc |= _clean(site_value.json_blocks(result))
    if include_cells:
        doc["cells"] = cell_rows(result)
    return json.dumps(doc, ensure_ascii=False, indent=1)


def commune_table(result: AuditResult) -> pd.DataFrame:
    """The per-commune audit with each public's share within and the pôle/antenne mean time, Gini, Palma."""
    extra = pd.DataFrame(summary_rows(result, "communes")).drop(columns="name")
    return result.by_commune.merge(extra, on="code", how="left")


def to_csv(result: AuditResult) -> str:
    """Per-commune table; the preamble lines start with ``#`` (read with ``comment='#'``)."""
    buffer = io.StringIO()
    meta = metadata(result)
    for line in [*meta["standard"]["description_fr"], *meta["assumptions"], *meta["notes"]]:
        buffer.write(f"# {line}\n")
    for source in meta["sources"]:
        line = _("Source : {file} — {description} ({vintage})").format(
            file=source["file"], description=source["description"], vintage=source["vintage"])
        buffer.write(f"# {line}\n")
    frame = commune_table(result).replace([np.inf, -np.inf], np.nan)
    neutralise_frame(frame).to_csv(buffer, index=False, float_format="%.4f", quoting=csv.QUOTE_MINIMAL)
    return buffer.getvalue()


def to_geojson(result: AuditResult) -> str:
    """Communes as features with their audit figures; metadata in the top-level ``maillage`` member."""
    by_code = {r["code"]: r for r in rows(commune_table(result))}
    features = []
    for code, geometry in result.communes.geometry.items():
        features.append(
            {
                "type": "Feature",
                "properties": by_code.get(code, {"code": code}),
                "geometry": json.loads(shapely.to_geojson(geometry_to_lonlat(geometry))),
            }
        )
    doc = {"type": "FeatureCollection", "maillage": metadata(result), "features": features}
    return json.dumps(_clean(doc), ensure_ascii=False)
