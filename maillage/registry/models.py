"""SQLAlchemy 2 models of the registry.

Every record keeps its ``source`` (file, repository or page), so that every figure in a report can
be traced. Geometries are WGS84 lon/lat (:class:`GeometryWGS84`); computations reproject to
Lambert-93.
"""

from __future__ import annotations

from datetime import date, datetime

import shapely
from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, event, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from maillage.registry.geometry import GeometryWGS84
from maillage.registry.writelog import current_origin


class Base(DeclarativeBase):
    pass


class Commune(Base):
    __tablename__ = "commune"

    code: Mapped[str] = mapped_column(String(5), primary_key=True, comment="INSEE commune code")
    name: Mapped[str] = mapped_column(String(200))
    population: Mapped[int] = mapped_column(Integer, comment="population municipale (residents)")
    population_year: Mapped[int | None] = mapped_column(Integer)
    postcodes: Mapped[str | None] = mapped_column(String(200), comment="';'-separated")
    geometry: Mapped[shapely.Geometry] = mapped_column(GeometryWGS84("MULTIPOLYGON"))
    source: Mapped[str] = mapped_column(Text)


class Site(Base):
    __tablename__ = "site"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40), index=True, comment="maillage.registry.vocab.SiteKind")
    source_kind: Mapped[str] = mapped_column(String(60), comment="the kind label used by the source")
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    services_assumed: Mapped[bool] = mapped_column(default=False, comment="services from kind defaults")
    operator: Mapped[str | None] = mapped_column(String(60))
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(10))
    commune_code: Mapped[str | None] = mapped_column(ForeignKey("commune.code"), index=True)
    communes_served: Mapped[list[str]] = mapped_column(JSON, default=list)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    coordinate_quality: Mapped[str] = mapped_column(String(30), comment="vocab.CoordinateQuality")
    coordinate_note: Mapped[str | None] = mapped_column(Text)
    opening_hours: Mapped[str | None] = mapped_column(Text, comment="OSM opening_hours syntax")
    opening_hours_source_text: Mapped[str | None] = mapped_column(Text)
    opening_hours_note: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(Text)
    source_file: Mapped[str] = mapped_column(String(200))
    duplicate_of: Mapped[str | None] = mapped_column(String(120), comment="same place in a preferred source")
    note: Mapped[str | None] = mapped_column(Text)
    # migration 0004; unit: interview rooms (« bureaux d'entretien »), None = unknown (kind default used)
    capacity: Mapped[float | None] = mapped_column(Float, comment="interview rooms (bureaux d'entretien)")
    capacity_source: Mapped[str | None] = mapped_column(Text)

    commune: Mapped[Commune | None] = relationship()


class Sector(Base):
    """An SST sector: the communes one service des solidarités territoriales serves."""

    __tablename__ = "sector"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(Text)
    communes: Mapped[list[SectorCommune]] = relationship(cascade="all, delete-orphan")


class SectorCommune(Base):
    __tablename__ = "sector_commune"

    sector_id: Mapped[str] = mapped_column(ForeignKey("sector.id"), primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"), primary_key=True, unique=True)


class Convention(Base):
    """A convention between the département and a commune (follow-up lives in ``steering``)."""

    __tablename__ = "convention"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"))
    signed_on: Mapped[date | None] = mapped_column(Date)
    duration_years: Mapped[int | None] = mapped_column(Integer)
    renewable: Mapped[bool | None] = mapped_column()
    commitments: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)


class ImportRun(Base):
    """One successful import: what was loaded, from which files (with their hashes)."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    data_folder: Mapped[str] = mapped_column(Text)
    files: Mapped[dict[str, str]] = mapped_column(JSON, comment="path -> sha256")
    summary: Mapped[dict[str, int]] = mapped_column(JSON)


class Scenario(Base):
    """A named variant of the registry: the baseline plus an ordered list of changes."""

    __tablename__ = "scenario"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    created_by: Mapped[str | None] = mapped_column(String(120))
    changes: Mapped[list[ScenarioChange]] = relationship(cascade="all, delete-orphan", order_by="ScenarioChange.seq")


class ScenarioChange(Base):
    """One change of a scenario: ``op`` in add_site, move_site, close_site, set_services, set_hours,
    add_mobile_stop, assign_sector; ``payload`` holds its fields (validated by ``planning``)."""

    __tablename__ = "scenario_change"
    __table_args__ = (Index("uq_scenario_change_seq", "scenario_id", "seq", unique=True),)  # migration 0003

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenario.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(40))
    site_id: Mapped[str | None] = mapped_column(String(120))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    created_by: Mapped[str | None] = mapped_column(String(120))


class Account(Base):
    """A person who may log into the planner workspace (role ``planner`` or ``admin``)."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300), comment="argon2")
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class WriteLog(Base):
    """Every write through the CLI or the web app: who, when, what, and from where (``detail["origin"]``)."""

    __tablename__ = "write_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now(), index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


@event.listens_for(WriteLog, "before_insert")
def _stamp_origin(_mapper: object, _connection: object, target: WriteLog) -> None:
    """Every write-log row says where the write came from (see :mod:`maillage.registry.writelog`)."""
    target.detail = {"origin": current_origin(), **(target.detail or {})}


class WebSession(Base):
    """One login to the planner workspace (migration 0005); the cookie carries the token, this row its
    SHA-256, so revoking the row (logout, an administrator) makes the cookie worthless."""

    __tablename__ = "web_session"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(120), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    origin: Mapped[str | None] = mapped_column(String(200), comment="client address at login")
