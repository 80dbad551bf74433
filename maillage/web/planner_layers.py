"""What the workspace map draws, as GeoJSON, and a scenario's results as CSV/GeoJSON files.

Built from an :class:`~maillage.audit.guarantee.AuditResult` and the server's cells; names,
kinds and hours in French (a planner reads them in popups and spreadsheets), ids kept for programs.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from maillage.audit.guarantee import AuditResult
from maillage.audit.standard import ANTENNE_CLASS, POLE_CLASS
from maillage.csvcells import neutralise
from maillage.i18n import _
from maillage.registry.hours_fr import osm_to_french
from maillage.registry.snapshot import Snapshot
from maillage.registry.vocab import kind_label as vocab_kind_label
from maillage.web.context import WebContext

CHANGE_OF_OP = {"add_site": "added", "add_mobile_stop": "added", "move_site": "moved", "close_site": "closed"}
RESULT_COLUMNS = (
    "code_commune", "commune", "longitude", "latitude", "population", "minutes_pole",
    "minutes_antenne_ou_pole", "dans_la_norme", "dans_la_norme_existant",
)  # fmt: skip


def minutes(value: float) -> float | None:
    return round(float(value), 1) if np.isfinite(value) else None


def kind_label(kind: str) -> str:
    return vocab_kind_label(kind)


def _text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) or value == "" else str(value)


def changed_sites(changes: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Site id → "added" / "moved" / "closed" after a scenario's changes (an added then moved site stays added)."""
    out: dict[str, str] = {}
    for change in changes:
        site_id, status = change.get("site_id"), CHANGE_OF_OP.get(change["op"])
        if not site_id or status is None:
            continue
        if status == "moved" and out.get(site_id) == "added":
            continue
        out[site_id] = status
    return out


def site_feature(row: Any, communes: Mapping[str, str], change: str | None) -> dict[str, Any]:
    """One site as the map's popup needs it: name, kind in French, commune, address, hours."""
    hours = osm_to_french(_text(row.opening_hours)) or _text(row.opening_hours_source_text) or _("non communiqués")
    address = " ".join(p for p in (_text(row.address), _text(row.postcode)) if p) or None
    return {
        "type": "Feature",
        "properties": {
            "id": row.id, "name": row.name, "kind": row.kind, "kind_label": kind_label(row.kind),
            "quality": row.coordinate_quality, "commune": row.commune_code,
            "commune_name": communes.get(str(row.commune_code), None), "address": address, "hours": hours,
            "change": change,
        },
        "geometry": {"type": "Point", "coordinates": [round(float(row.lon), 6), round(float(row.lat), 6)]},
    }  # fmt: skip


def sites_geojson(baseline: Snapshot, snapshot: Snapshot, changes: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The scenario's sites, each marked with its change, plus the closed ones (from the baseline)."""
    status = changed_sites(changes)
    communes = baseline.communes["name"].astype(str).to_dict()
    features = [site_feature(r, communes, status.get(r.id)) for r in snapshot.usable_sites().itertuples()]
    closed = {i for i, s in status.items() if s == "closed"}
    if closed:
        gone = baseline.usable_sites()
        features += [site_feature(r, communes, "closed") for r in gone[gone["id"].isin(closed)].itertuples()]
    return {"type": "FeatureCollection", "features": features}


def _square(squares: np.ndarray, i: int) -> dict[str, Any]:
    x0, y0, x1, y1 = (float(v) for v in squares[i])
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def cells_geojson(context: WebContext, result: AuditResult) -> dict[str, Any]:
    """Inhabited cells with minutes to the nearest pôle and antenne-or-pôle, verdict and population."""
    pole, antenne = result.minutes(POLE_CLASS), result.minutes(ANTENNE_CLASS)
    names = context.snapshot.communes["name"].astype(str).to_dict()
    cells = context.cells
    features = [
        {
            "type": "Feature",
            "properties": {
                "pole": minutes(pole[i]), "antenne": minutes(antenne[i]), "within": bool(result.within[i]),
                "population": round(float(cells.population[i]), 1), "commune": str(cells.commune_code[i]),
                "commune_name": names.get(str(cells.commune_code[i])),
                # outside the standard: why (nearest pôle and antenne, minutes over, route); inside: null
                "why": result.why[int(i)].text_fr if int(i) in result.why else None,
            },
            "geometry": _square(context.cell_squares, i),
        }
        for i in np.flatnonzero(cells.population > 0)
    ]  # fmt: skip
    return {"type": "FeatureCollection", "cell_size_m": float(cells.cell_size_m), "features": features}


def difference_geojson(context: WebContext, baseline: AuditResult, scenario: AuditResult) -> dict[str, Any]:
    """Cells whose verdict changes: ``gained`` (outside the standard before, within after) or ``lost``."""
    gained = scenario.within & ~baseline.within
    lost = baseline.within & ~scenario.within
    population = context.cells.population
    features = [
        {
            "type": "Feature",
            "properties": {"change": "gained" if gained[i] else "lost", "population": round(float(population[i]), 1)},
            "geometry": _square(context.cell_squares, i),
        }
        for i in np.flatnonzero((gained | lost) & (population > 0))
    ]
    return {"type": "FeatureCollection", "features": features}


def results_frame(context: WebContext, baseline: AuditResult, result: AuditResult) -> pd.DataFrame:
    """One row per inhabited cell: commune, centre (WGS84), population, minutes, verdict now and in the baseline."""
    cells = context.cells
    keep = np.flatnonzero(cells.population > 0)
    squares = context.cell_squares[keep]
    names = context.snapshot.communes["name"].astype(str).to_dict()
    codes = [str(c) for c in cells.commune_code[keep]]
    pole, antenne = result.minutes(POLE_CLASS)[keep], result.minutes(ANTENNE_CLASS)[keep]
    return pd.DataFrame(
        {
            "code_commune": codes,
            "commune": [names.get(c, c) for c in codes],
            "longitude": np.round((squares[:, 0] + squares[:, 2]) / 2, 5),
            "latitude": np.round((squares[:, 1] + squares[:, 3]) / 2, 5),
            "population": np.round(cells.population[keep], 1),
            "minutes_pole": [minutes(v) for v in pole],
            "minutes_antenne_ou_pole": [minutes(v) for v in antenne],
            "dans_la_norme": np.where(result.within[keep], "oui", "non"),
            "dans_la_norme_existant": np.where(baseline.within[keep], "oui", "non"),
        },
        columns=list(RESULT_COLUMNS),
    )


def results_csv(frame: pd.DataFrame) -> str:
    """The results as CSV (UTF-8 with BOM for spreadsheets; text cells neutralised against formulas)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RESULT_COLUMNS)
    for row in frame.itertuples(index=False):
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return "\ufeff" + buffer.getvalue()


def results_geojson(frame: pd.DataFrame, context: WebContext) -> dict[str, Any]:
    """The results as GeoJSON: each inhabited cell's square with the CSV's columns as properties."""
    keep = np.flatnonzero(context.cells.population > 0)
    records = frame.to_dict(orient="records")
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": record, "geometry": _square(context.cell_squares, i)}
            for record, i in zip(records, keep, strict=True)
        ],
    }


def isochrone_geojson(context: WebContext, minutes_to_site: np.ndarray) -> dict[str, Any]:
    """Cells within the standard's longer threshold of one site, banded by its two thresholds (15, 20 min)."""
    low, high = sorted((context.standard.antenne_minutes, context.standard.pole_minutes))
    features = [
        {
            "type": "Feature",
            "properties": {"minutes": minutes(minutes_to_site[i]), "band": low if minutes_to_site[i] <= low else high},
            "geometry": _square(context.cell_squares, i),
        }
        for i in np.flatnonzero(minutes_to_site <= high)
    ]
    return {"type": "FeatureCollection", "features": features}
