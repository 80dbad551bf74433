"""A geometry column that is PostGIS ``geometry(…, 4326)`` on PostgreSQL and WKT text elsewhere.

SQLite has no spatial type without the SpatiaLite extension; storing WKT keeps the embedded
default dependency-free while the same models use real PostGIS columns (and indexes) in production.
Python code always sees shapely geometries.
"""

from __future__ import annotations

from typing import Any

import shapely
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
            return postgis_geometry(self.geometry_type)
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgis_geometry(self.geometry_type))
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
        from geoalchemy2.shape import to_shape

        return to_shape(value)


def postgis_geometry(geometry_type: str) -> TypeEngine[Any]:
    """GeoAlchemy2's column type, imported only for PostgreSQL: on SQLite it cost a tenth of a
    second of every command (its dialect modules) for nothing (:func:`maillage.registry.db.make_engine`
    imports it with a PostgreSQL engine, so its DDL hooks are registered before any table is made)."""
    from geoalchemy2 import Geometry

    return Geometry(geometry_type, srid=WGS84_SRID)
