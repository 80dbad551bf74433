"""Coordinate systems: WGS84 (storage) ↔ Lambert-93 metres (every computation)."""

from __future__ import annotations

from functools import cache

import numpy as np
import shapely
from pyproj import Transformer

WGS84 = "EPSG:4326"
LAMBERT93 = "EPSG:2154"


@cache
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def lonlat_to_l93(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """(n, 2) Lambert-93 metres from WGS84 degrees."""
    x, y = _transformer(WGS84, LAMBERT93).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.column_stack([x, y])


def l93_to_lonlat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(n, 2) WGS84 lon/lat degrees from Lambert-93 metres."""
    lon, lat = _transformer(LAMBERT93, WGS84).transform(np.asarray(x, float), np.asarray(y, float))
    return np.column_stack([lon, lat])


def _reproject(geometry: shapely.Geometry, src: str, dst: str) -> shapely.Geometry:
    transformer = _transformer(src, dst)

    def apply(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(transformer.transform(coords[:, 0], coords[:, 1]))

    return shapely.transform(geometry, apply)


def geometry_to_l93(geometry: shapely.Geometry) -> shapely.Geometry:
    return _reproject(geometry, WGS84, LAMBERT93)


def geometry_to_lonlat(geometry: shapely.Geometry) -> shapely.Geometry:
    return _reproject(geometry, LAMBERT93, WGS84)
