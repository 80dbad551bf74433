"""Pydantic models of every request and response of the JSON API (bounded lengths, ranges, enums)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from maillage.i18n import _
from maillage.registry.vocab import Service, SiteKind

# Metropolitan France with a margin: anything else is certainly a typo. The library then says
# whether the point is inside the territory of the loaded registry.
LON_RANGE = (-5.5, 10.0)  # metropolitan France, degrees: the territory check is the search's
LAT_RANGE = (41.0, 51.5)
Lon = Annotated[float, Field(ge=LON_RANGE[0], le=LON_RANGE[1], description="longitude WGS84 (degrés)")]
Lat = Annotated[float, Field(ge=LAT_RANGE[0], le=LAT_RANGE[1], description="latitude WGS84 (degrés)")]
CommuneCode = Annotated[str, Field(pattern=r"^(\d{5}|2[AB]\d{3})$", max_length=5, description="code INSEE")]
SiteId = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[\w.:-]+$")]
_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def iso_only(value: object) -> object:
    """Refuse a bare number where a date is expected (pydantic would read ``0`` as 1 January 1970)."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError(_("date attendue au format ISO 8601 (AAAA-MM-JJ ou AAAA-MM-JJTHH:MM)"))
    return value


IsoDate = Annotated[date, BeforeValidator(iso_only)]
IsoDateTime = Annotated[datetime, BeforeValidator(iso_only)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """An error the client can act on (not a validation error)."""

    detail: str


class Unprocessable(BaseModel):
    """A refused request: FastAPI's validation errors (a list), or the reason a valid request cannot apply (text)."""

    detail: str | list[dict[str, Any]]


# ---- public -------------------------------------------------------------------------------------


class NeedOut(BaseModel):
    code: Service
    label: str
    hint: str


class CommuneOut(BaseModel):
    code: str
    name: str


class SearchParams(Strict):
    """Query of a resident's search: a need and one origin (a commune, optionally an address in it, or a point)."""

    need: Service = Field(description="besoin (vocabulaire des services)")
    commune: CommuneCode | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    address: str | None = Field(
        default=None,
        min_length=3,
        max_length=200,
        description="numéro et voie, avec `commune` (si un fichier BAN est fourni)",
    )
    limit: int = Field(default=10, ge=1, le=50)
    at: IsoDateTime | None = Field(default=None, description="date et heure locales (défaut : maintenant)")

    @model_validator(mode="after")
    def one_origin(self) -> SearchParams:
        point = (self.lon is not None) + (self.lat is not None)
        if point == 1:
            raise ValueError(_("lon et lat vont ensemble"))
        given = (self.commune is not None) + (point == 2)
        if given != 1:
            raise ValueError(_("indiquez une seule origine : commune (avec ou sans adresse) ou point (lon, lat)"))
        if self.address is not None and self.commune is None:
            raise ValueError(_("une adresse se donne avec sa commune"))
        if self.at is not None and self.at.tzinfo is not None:
            self.at = self.at.replace(tzinfo=None)
        return self


class OpeningOut(BaseModel):
    open_now: bool | None
    next_change: datetime | None
    next_change_is_opening: bool | None


class SiteOut(BaseModel):
    id: str
    name: str
    kind: str
    kind_label: str
    address: str | None
    postcode: str | None
    commune: str | None
    lon: float
    lat: float
    minutes: float
    minutes_min: float | None = Field(description="minimum sur les carreaux habités de la commune")
    minutes_max: float | None = Field(description="maximum sur les carreaux habités de la commune")
    opening_hours: str | None = Field(description="horaires (syntaxe OSM opening_hours)")
    hours_source_text: str | None
    hours_note: str | None
    opening: OpeningOut
    phone: str | None
    appointment: str | None = Field(description="prise de rendez-vous, seulement si une source le dit")
    approximate_position: bool
    position_label: str
    services: list[str]
    source: str
    dated_stop: bool
    stop_past: bool | None


class SearchOut(BaseModel):
    need: str
    need_label: str
    origin_label: str
    origin_lon: float
    origin_lat: float
    at: datetime
    sites: list[SiteOut]
    mobile_stops: list[SiteOut]
    mode: str
    model_fr: str
    notes: list[str]


# ---- planner ------------------------------------------------------------------------------------


class ScenarioIn(Strict):
    name: str = Field(min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=2000)


class MoveSite(Strict):
    op: Literal["move_site"]
    site_id: SiteId
    lon: Lon
    lat: Lat


class CloseSite(Strict):
    op: Literal["close_site"]
    site_id: SiteId


class AddSite(Strict):
    op: Literal["add_site"]
    name: str = Field(min_length=1, max_length=300)
    kind: SiteKind
    lon: Lon
    lat: Lat
    services: list[Service] | None = Field(default=None, max_length=len(Service))


ChangeIn = Annotated[MoveSite | CloseSite | AddSite, Field(discriminator="op")]


class ChangeOut(BaseModel):
    id: int
    seq: int
    op: str
    site_id: str | None
    payload: dict
    created_by: str | None


class ScenarioOut(BaseModel):
    id: int
    name: str
    description: str | None
    created_by: str | None
    changes: list[ChangeOut]


class CommuneFigures(BaseModel):
    code: str
    name: str
    population: float
    population_within: float
    population_outside: float
    share_within: float | None
    worst_minutes_pole: float | None
    worst_minutes_antenne_or_pole: float | None


class AuditOut(BaseModel):
    scenario_id: int | None
    population: float
    population_within: float
    share_within: float
    communes_outside: list[CommuneFigures]
    standard: list[str]
    model: list[str]
    notes: list[str]


class CommuneDelta(BaseModel):
    code: str
    name: str
    share_within_baseline: float | None
    share_within_scenario: float | None
    population_within_delta: float


class CompareOut(BaseModel):
    scenario_id: int
    baseline: AuditOut
    scenario: AuditOut
    population_within_delta: float
    share_within_delta: float
    communes: list[CommuneDelta]
    cells_improved: int
    cells_worsened: int
    cells: dict[str, Any] = Field(description="carreaux gagnés (gained) ou perdus (lost) pour la norme, en GeoJSON")


class ProposalsOut(BaseModel):
    available: bool
    message: str
    proposals: list[dict]


class SessionOut(BaseModel):
    username: str
    role: Literal["planner", "admin"]
    csrf_token: str


class PlaceOut(BaseModel):
    """A starting point proposed by the search box (a commune when lon/lat are null)."""

    label: str
    commune_code: str
    lon: float | None = None
    lat: float | None = None
    precision_fr: str


class PlaceNotFound(BaseModel):
    """The search box found nothing for sure: a French message and the choices ("vouliez-vous dire")."""

    detail: str
    suggestions: list[PlaceOut]
