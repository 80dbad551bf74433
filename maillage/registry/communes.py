"""Read and validate commune contours and populations (GeoJSON, WGS84)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

from maillage.i18n import _
from maillage.registry.errors import ImportRejected, RowProblem
from maillage.textinput import JsonInputError, load_json

INSEE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


@dataclass(frozen=True)
class CommuneRecord:
    code: str
    name: str
    population: int
    population_year: int | None
    postcodes: str | None
    geometry: MultiPolygon
    source: str


def read_communes(path: Path, *, source: str | None = None, population_year: int | None = None) -> list[CommuneRecord]:
    """Every feature must have ``code``, ``nom`` and ``population`` and a valid (Multi)Polygon.

    Rows are GeoJSON features, numbered from 1. Raises :class:`ImportRejected` listing all problems.
    """
    name = path.name
    try:
        doc = load_json(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        reason = _("fichier GeoJSON illisible : pas du texte UTF-8 (octet {start})").format(start=exc.start)
        raise ImportRejected([RowProblem(name, None, None, reason)]) from None
    except (OSError, JsonInputError) as exc:
        reason = _("fichier GeoJSON illisible : {exc}").format(exc=exc)
        raise ImportRejected([RowProblem(name, None, None, reason)]) from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list) or not features:
        reason = _("aucune entité : une FeatureCollection GeoJSON avec ses « features » est attendue")
        raise ImportRejected([RowProblem(name, None, "features", reason)])
    problems: list[RowProblem] = []
    records: list[CommuneRecord] = []
    seen: set[str] = set()
    for row, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            what = "properties" if isinstance(feature, dict) else None
            not_feature = _("l'entité n'est pas un objet GeoJSON Feature")
            reason = _("« properties » n'est pas un objet") if what else not_feature
            problems.append(RowProblem(name, row, what, reason))
            continue
        code = str(props.get("code", "")).strip()
        if not INSEE_CODE.match(code):
            reason = _("entité {row} : le code INSEE « {code} » n'a pas 5 caractères").format(row=row, code=code)
            problems.append(RowProblem(name, row, "code", reason))
            continue
        if code in seen:
            problems.append(RowProblem(name, row, "code", _("code commune {code} en double").format(code=code)))
            continue
        seen.add(code)
        population = props.get("population")
        if not isinstance(population, int) or isinstance(population, bool) or population < 0:
            problems.append(RowProblem(name, row, "population", _("« {population} » n'est pas un effectif ≥ 0").format(
                population=population)))
            continue
        try:
            geom = shape(feature["geometry"])
        except Exception as exc:
            problems.append(RowProblem(name, row, "geometry", _("géométrie illisible ({exc})").format(exc=exc)))
            continue
        if isinstance(geom, Polygon):
            geom = MultiPolygon([geom])
        if not isinstance(geom, MultiPolygon) or geom.is_empty or not geom.is_valid:
            reason = shapely.is_valid_reason(geom) if isinstance(geom, MultiPolygon) else geom.geom_type
            problems.append(RowProblem(name, row, "geometry", _("polygone invalide ({reason})").format(reason=reason)))
            continue
        postcodes = props.get("codesPostaux")
        records.append(
            CommuneRecord(
                code=code,
                name=str(props.get("nom") or code),
                population=population,
                population_year=population_year,
                postcodes=";".join(postcodes) if isinstance(postcodes, list) else None,
                geometry=geom,
                source=source or name,
            )
        )
    if problems:
        raise ImportRejected(problems)
    return records
