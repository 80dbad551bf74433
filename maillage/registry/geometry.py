"""A geometry column that is PostGIS ``geometry(…, 4326)`` on PostgreSQL and WKT text elsewhere.

SQLite has no spatial type without the SpatiaLite extension; storing WKT keeps the embedded
default dependency-free while the same models use real PostGIS columns (and indexes) in production.
Python code always sees shapely geometries.
"""

from __future__ import annotations

from typing import Any

import shapely
from geoalchemy2 import Geometry as PostgisGeometry
from geoalchemy2.shape import to_shape
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

WGS84_SRID = 4326


class GeometryWGS84(TypeDecorator[shapely.Geometry]):
    """Shapely geometry in WGS84 lon/lat; PostGIS on PostgreSQL, WKT text on other databases."""

    impl = Text
    cache_ok = True
    # Read by GeoAlchemy2's PostgreSQL DDL hooks (spatial index creation) as on its own Geometry.
    srid = WGS84_SRID
    dimension = 2
    spatial_index = True
    use_typmod = None
    use_N_D_index = False

    def __init__(self, geometry_type: str = "GEOMETRY") -> None:
        super().__init__()
        self.geometry_type = geometry_type

    def load_dialect_impl(self, dialect: Dialect | None) -> TypeEngine[Any]:
        # GeoAlchemy2's DDL hooks call this with dialect=None while inspecting tables.
        if dialect is None:
            return PostgisGeometry(self.geometry_type, srid=WGS84_SRID)
        if dialect.name == "postgresql":
            return dialect.type_descriptor(PostgisGeometry(self.geometry_type, srid=WGS84_SRID))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: shapely.Geometry | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return f"SRID={WGS84_SRID};{value.wkt}"
        return value.wkt

    def process_result_value(self, value: Any, dialect: Dialect) -> shapely.Geometry | None:
        if value is None:
            return None
        if isinstance(value, str):
            return shapely.from_wkt(value)
        return to_shape(value)
