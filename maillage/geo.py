"""Coordinate systems: WGS84 (storage) ↔ a projected working CRS in metres (every computation).

The working CRS is Lambert-93 (EPSG:2154), France's official projection. For a territory outside
metropolitan France (the New York test territory, an overseas département) set ``MAILLAGE_CRS`` to a
local metric CRS (e.g. EPSG:32618, or EPSG:2975 for La Réunion); every "l93" function then uses it.
"""

from __future__ import annotations

import os
from functools import cache

import numpy as np
import shapely
from pyproj import Transformer

WGS84 = "EPSG:4326"
LAMBERT93 = "EPSG:2154"


def working_crs() -> str:
    """The projected CRS of every computation: ``$MAILLAGE_CRS``, default Lambert-93."""
    return os.environ.get("MAILLAGE_CRS", LAMBERT93)


@cache
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def lonlat_to_l93(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """(n, 2) Lambert-93 metres from WGS84 degrees."""
    x, y = _transformer(WGS84, working_crs()).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.column_stack([x, y])


def l93_to_lonlat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(n, 2) WGS84 lon/lat degrees from Lambert-93 metres."""
    lon, lat = _transformer(working_crs(), WGS84).transform(np.asarray(x, float), np.asarray(y, float))
    return np.column_stack([lon, lat])


def _reproject(geometry: shapely.Geometry, src: str, dst: str) -> shapely.Geometry:
    transformer = _transformer(src, dst)

    def apply(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(transformer.transform(coords[:, 0], coords[:, 1]))

    return shapely.transform(geometry, apply)


def geometry_to_l93(geometry: shapely.Geometry) -> shapely.Geometry:
    return _reproject(geometry, WGS84, working_crs())


def geometry_to_lonlat(geometry: shapely.Geometry) -> shapely.Geometry:
    return _reproject(geometry, working_crs(), WGS84)


def inner_centre_lonlat(polygon_l93: shapely.Geometry) -> tuple[float, float]:
    """WGS84 degrees of a commune's "centre" for sites placed there: its centroid when that lies
    inside the polygon, else a point on its surface (a crescent-shaped commune's centroid can fall
    outside it)."""
    centroid = polygon_l93.centroid
    point = centroid if polygon_l93.contains(centroid) else polygon_l93.representative_point()
    lon, lat = l93_to_lonlat(np.array([point.x]), np.array([point.y]))[0]
    return float(lon), float(lat)
