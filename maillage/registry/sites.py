"""Read and validate site files (common CSV layout), place every site, flag duplicates.

Columns required in every file (the layout of ``shared/data/sites``)::

    id, name, kind, address, postcode, commune, insee_code, lon, lat, opening_hours, phone,
    source_url_or_repo

Optional: ``services`` (``;``-separated codes of :class:`~maillage.registry.vocab.Service`),
``communes_served`` (``;``-separated codes or names), ``operator``, ``note``, ``capacity`` (interview
rooms, « bureaux d'entretien », see :mod:`maillage.registry.capacity`). Other columns are ignored.
A row is rejected, with file, line and field, for: an empty or duplicate id, an unknown kind,
service or commune, malformed or out-of-territory coordinates, opening hours that are neither OSM
syntax nor transcribed in ``maillage/data/hours_transcriptions.csv``, or a capacity that is not a
number ≥ 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import shapely
from shapely.prepared import prep

from maillage.geo import inner_centre_lonlat, lonlat_to_l93
from maillage.i18n import _
from maillage.registry import capacity as site_capacity
from maillage.registry import hours
from maillage.registry.communes import CommuneRecord
from maillage.registry.csvfile import missing_columns, read_records
from maillage.registry.errors import ImportRejected, RowProblem
from maillage.registry.geocode import BanIndex, GeocodeResult, address_in_note, normalise_text, parse_address
from maillage.registry.listing import suggestion
from maillage.registry.named_stops import StopNames
from maillage.registry.osm_geocode import OsmGeocoder
from maillage.registry.vocab import DEFAULT_SERVICES, SOURCE_KIND_MAP, CoordinateQuality, parse_services

REQUIRED_COLUMNS = (
    "id", "name", "kind", "address", "postcode", "commune", "insee_code", "lon", "lat",
    "opening_hours", "phone", "source_url_or_repo",
)  # fmt: skip
TERRITORY_MARGIN_M = 1000.0  # sites just across the border still serve residents

# Placement preference when the same place appears in several sources (lower is better).
QUALITY_RANK = {q: i for i, q in enumerate(CoordinateQuality)}


@dataclass(frozen=True)
class SiteRecord:
    id: str
    name: str
    kind: str
    source_kind: str
    services: list[str]
    services_assumed: bool
    address: str | None
    postcode: str | None
    commune_code: str | None
    communes_served: list[str]
    lon: float | None
    lat: float | None
    coordinate_quality: str
    coordinate_note: str | None
    opening_hours: str | None
    opening_hours_source_text: str | None
    opening_hours_note: str | None
    phone: str | None
    source: str
    source_file: str
    operator: str | None = None
    note: str | None = None
    duplicate_of: str | None = None
    capacity: float | None = None
    capacity_source: str | None = None
    _address_key: tuple[str, str, str] | None = field(default=None, compare=False, repr=False)


class Territory:
    """Commune polygons in Lambert-93 for point checks and centroids."""

    def __init__(self, communes: list[CommuneRecord]) -> None:
        from maillage.geo import geometry_to_l93

        self.polygons_l93 = {c.code: geometry_to_l93(c.geometry) for c in communes}
        self.codes = set(self.polygons_l93)
        self.names = {normalise_text(c.name): c.code for c in communes}
        self.postcodes = {c.code: set((c.postcodes or "").split(";")) - {""} for c in communes}
        union = shapely.union_all(list(self.polygons_l93.values()))
        self._inside = prep(union.buffer(TERRITORY_MARGIN_M))
        self._prepared = {code: prep(poly) for code, poly in self.polygons_l93.items()}

    def contains(self, xy: np.ndarray) -> bool:
        return bool(self._inside.contains(shapely.Point(xy)))

    def commune_at(self, xy: np.ndarray) -> str | None:
        point = shapely.Point(xy)
        return next((code for code, poly in self._prepared.items() if poly.contains(point)), None)

    def centroid_lonlat(self, code: str) -> tuple[float, float]:
        return inner_centre_lonlat(self.polygons_l93[code])


def read_site_files(
    paths: list[Path] | tuple[Path, ...],
    territory: Territory,
    ban: BanIndex | None = None,
    existing_ids: set[str] | None = None,
    osm: OsmGeocoder | None = None,
    stops: StopNames | None = None,
) -> list[SiteRecord]:
    """Validate every row of every file; raise ImportRejected listing all problems, or return records."""
    problems: list[RowProblem] = []
    records: list[SiteRecord] = []
    seen: dict[str, str] = {}
    for path in paths:
        records.extend(_read_one(path, territory, seen, existing_ids or set(), problems))
    if problems:
        raise ImportRejected(problems)
    return _place_and_deduplicate(records, territory, ban, osm, stops)


def _read_one(
    path: Path, territory: Territory, seen: dict[str, str], existing: set[str], problems: list[RowProblem]
) -> list[SiteRecord]:
    name = path.name
    header, rows, shape = read_records(path)
    if shape:
        problems.extend(shape)
        return []
    if missing := missing_columns(name, header, REQUIRED_COLUMNS):
        problems.append(missing)
        return []
    if not rows:  # a source emptied by mistake would otherwise vanish from the registry unnoticed
        problems.append(RowProblem(name, 2, None, _("en-tête seul, aucun site : remplissez le fichier ou retirez-le")))
        return []
    out = []
    for line, row in rows:
        record = _read_row(name, line, row, territory, seen, existing, problems)
        if record is not None:
            out.append(record)
    return out


def _read_row(
    name: str,
    line: int,
    row: dict[str, str],
    territory: Territory,
    seen: dict[str, str],
    existing: set[str],
    problems: list[RowProblem],
) -> SiteRecord | None:
    def bad(field_name: str, reason: str) -> None:
        problems.append(RowProblem(name, line, field_name, reason))

    value = {k: (v or "").strip() for k, v in row.items() if k is not None}
    n_before = len(problems)
    site_id = value["id"]
    if not site_id:
        bad("id", _("identifiant vide"))
    elif site_id in seen or site_id in existing:
        bad("id", _("identifiant « {site_id} » en double (déjà dans {where})").format(
            site_id=site_id, where=seen.get(site_id) or _("le registre")))
    else:
        seen[site_id] = f"{name}:{line}"
    if not value["name"]:
        bad("name", _("nom vide"))
    source_kind = value["kind"]
    kind = SOURCE_KIND_MAP.get(source_kind)
    if kind is None:
        bad("kind", _("type « {kind} » inconnu{hint} (connus : {known})").format(
            kind=source_kind, hint=suggestion(source_kind, sorted(SOURCE_KIND_MAP)),
            known=", ".join(sorted(SOURCE_KIND_MAP))))
    codes = [c.strip() for c in value["insee_code"].split(";") if c.strip()]
    for code in codes:
        if code not in territory.codes:
            bad("insee_code", _("code commune « {code} » inconnu").format(code=code))
    served = _communes_served(value.get("communes_served", ""), territory, bad)
    lon, lat = _coordinates(value["lon"], value["lat"], territory, bad)
    try:
        opening_hours, hours_note = hours.resolve(site_id, value["opening_hours"])
    except ValueError as exc:
        bad("opening_hours", str(exc))
        opening_hours, hours_note = None, None
    services, assumed = [], False
    if value.get("services"):
        try:
            services = [s.value for s in parse_services(value["services"])]
        except ValueError as exc:
            bad("services", str(exc))
    else:
        services, assumed = [s.value for s in DEFAULT_SERVICES.get(source_kind, ())], True
    try:
        capacity, capacity_source = site_capacity.resolve(site_id, name, value.get("capacity", ""))
    except ValueError as exc:
        bad("capacity", str(exc))
    if len(problems) > n_before or kind is None:
        return None
    commune_code = codes[0] if len(codes) == 1 else None
    if len(codes) > 1:
        served = sorted(set(served) | set(codes))
    number, street = parse_address(value["address"]) if value["address"] else (None, None)
    return SiteRecord(
        id=site_id,
        name=value["name"],
        kind=kind.value,
        source_kind=source_kind,
        services=services,
        services_assumed=assumed,
        address=value["address"] or None,
        postcode=value["postcode"] or None,
        commune_code=commune_code,
        communes_served=served,
        lon=lon,
        lat=lat,
        coordinate_quality=CoordinateQuality.SOURCE.value if lon is not None else CoordinateQuality.NONE.value,
        coordinate_note=None,
        opening_hours=opening_hours,
        opening_hours_source_text=value["opening_hours"] or None,
        opening_hours_note=hours_note,
        phone=value["phone"] or None,
        source=value["source_url_or_repo"] or name,
        source_file=name,
        operator=value.get("operator") or None,
        note=value.get("note") or None,
        capacity=capacity,
        capacity_source=capacity_source,
        _address_key=(commune_code, street, number) if commune_code and street and number else None,
    )


def _communes_served(text: str, territory: Territory, bad) -> list[str]:  # type: ignore[no-untyped-def]
    codes = []
    for token in (t.strip() for t in text.split(";")):
        if not token:
            continue
        code = token if token in territory.codes else territory.names.get(normalise_text(token))
        if code is None:
            bad("communes_served", _("commune « {commune} » inconnue").format(commune=token))
        else:
            codes.append(code)
    return codes


def _coordinates(lon_text: str, lat_text: str, territory: Territory, bad) -> tuple[float | None, float | None]:  # type: ignore[no-untyped-def]
    if not lon_text and not lat_text:
        return None, None
    try:
        lon, lat = float(lon_text), float(lat_text)
    except ValueError:
        field_name = "lon" if not _is_float(lon_text) else "lat"
        bad(field_name, _("pas un degré décimal : « {lon} », « {lat} »").format(lon=lon_text, lat=lat_text))
        return None, None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        bad("lon", _("({lon}, {lat}) n'est pas une longitude/latitude WGS84").format(lon=lon, lat=lat))
        return None, None
    if not territory.contains(lonlat_to_l93(np.array([lon]), np.array([lat]))[0]):
        bad("lon", _("({lon}, {lat}) est hors du territoire (à plus de {margin:.0f} m)").format(
            lon=lon, lat=lat, margin=TERRITORY_MARGIN_M))
        return None, None
    return lon, lat


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _place_and_deduplicate(
    records: list[SiteRecord],
    territory: Territory,
    ban: BanIndex | None,
    osm: OsmGeocoder | None = None,
    stops: StopNames | None = None,
) -> list[SiteRecord]:
    """Give every site a point and flag same-place duplicates across sources.

    Order of placement: the source's lon/lat; the lon/lat of another source's site at the same
    number + street in the same commune; the BAN file; the OSM extract (address point, street, named
    POI); the transit stops the address names (:mod:`maillage.registry.named_stops`); the commune
    centroid (flagged). A site with no address is geocoded from a full address
    quoted in its note ("… gives 13 rue X, 92160 Antony"), said in its coordinate note.
    """
    located_by_address = {r._address_key: r for r in records if r._address_key and r.coordinate_quality == "source"}
    placed: list[SiteRecord] = []
    for record in records:
        placed.append(_place(record, territory, ban, osm, located_by_address, stops))
    # Same kind + same address: keep the best-placed record, point the others at it.
    best: dict[tuple[str, tuple[str, str, str]], SiteRecord] = {}
    for r in placed:
        if r._address_key is None:
            continue
        key = (r.kind, r._address_key)
        if (
            key not in best
            or QUALITY_RANK[CoordinateQuality(r.coordinate_quality)]
            < QUALITY_RANK[CoordinateQuality(best[key].coordinate_quality)]
        ):
            best[key] = r
    return [
        replace(r, duplicate_of=best[(r.kind, r._address_key)].id)
        if r._address_key and best[(r.kind, r._address_key)].id != r.id
        else r
        for r in placed
    ]


def _place(
    record: SiteRecord,
    territory: Territory,
    ban: BanIndex | None,
    osm: OsmGeocoder | None,
    located_by_address: dict[tuple[str, str, str], SiteRecord],
    stops: StopNames | None = None,
) -> SiteRecord:
    if record.lon is not None and record.lat is not None:
        xy = lonlat_to_l93(np.array([record.lon]), np.array([record.lat]))[0]
        found = territory.commune_at(xy)
        if record.commune_code and found and found != record.commune_code:
            return replace(record, coordinate_note=f"point lies in commune {found}, not {record.commune_code}")
        return record
    if record.commune_code is None:
        return replace(record, coordinate_note="no single commune: not placed")
    twin = located_by_address.get(record._address_key) if record._address_key else None
    if twin is not None:
        return replace(
            record,
            lon=twin.lon,
            lat=twin.lat,
            coordinate_quality=CoordinateQuality.SAME_ADDRESS.value,
            coordinate_note=f"same address as {twin.id} ({twin.source_file})",
        )
    address, from_note = record.address, ""
    if not (address and parse_address(address)[1]) and record.note:
        quoted = address_in_note(record.note, territory.postcodes.get(record.commune_code, set()))
        if quoted:
            address, from_note = quoted, f"address {quoted!r} taken from the note; "
    hit: GeocodeResult | None = None
    if ban is not None and address:
        hit = ban.geocode(address, record.commune_code)
    if hit is None and osm is not None:
        hit = osm.geocode(address, record.commune_code, record.kind, record.name)
    if hit is None and stops is not None:
        hit = stops.locate(record.address, record.commune_code)
    if hit is not None:
        return replace(record, lon=hit.lon, lat=hit.lat, coordinate_quality=hit.quality.value,
                       coordinate_note=from_note + hit.note)  # fmt: skip
    lon, lat = territory.centroid_lonlat(record.commune_code)
    return replace(
        record,
        lon=lon,
        lat=lat,
        coordinate_quality=CoordinateQuality.COMMUNE_CENTROID.value,
        coordinate_note="address not geocoded: placed at the commune centroid",
    )
