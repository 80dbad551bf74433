"""Scenario changes: their fields, validation and application to a registry snapshot (pure functions).

A scenario is the baseline registry plus an ordered list of changes. Each change is a dict
``{"op", "site_id", "payload"}`` (the shape stored in the ``scenario_change`` table):

==================  ===========  ===============================================================
op                  site_id      payload
==================  ===========  ===============================================================
``add_site``        new id       name, kind, lon, lat [, services, opening_hours, commune_code]
``move_site``       existing     lon, lat
``close_site``      existing     —
``set_services``    existing     services (list of service codes)
``set_hours``       existing     opening_hours (OSM syntax; empty = unknown)
``add_mobile_stop`` new id       unit, name, lon, lat, opening_hours [, counts_as, services]
``assign_sector``   —            commune_code, sector [, sector_name]
==================  ===========  ===============================================================

Coordinates are WGS84 degrees in payloads and Lambert-93 metres (``x_m``/``y_m``) in the
snapshot. :func:`apply_scenario` never touches the registry: it returns a modified copy.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import shapely

from maillage.geo import lonlat_to_l93
from maillage.i18n import N_, _, label_of
from maillage.registry import hours
from maillage.registry.hours_fr import osm_to_french
from maillage.registry.listing import suggestion, unknown_message
from maillage.registry.sites import TERRITORY_MARGIN_M
from maillage.registry.snapshot import Snapshot
from maillage.registry.vocab import (
    DEFAULT_SERVICES,
    CoordinateQuality,
    Service,
    SiteKind,
    kind_label,
    service_label,
)

SCENARIO_QUALITY = CoordinateQuality.SCENARIO.value  # a site placed by a planner in a scenario
MOBILE_KIND = SiteKind.MOBILE_STOP.value
COUNTS_AS_COLUMN = "counts_as"  # kind a mobile stop counts as while it is served (scenario sites only)

OPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # op: (required payload fields, optional payload fields)
    "add_site": (("name", "kind", "lon", "lat"), ("services", "opening_hours", "commune_code")),
    "move_site": (("lon", "lat"), ()),
    "close_site": ((), ()),
    "set_services": (("services",), ()),
    "set_hours": ((), ("opening_hours",)),
    "add_mobile_stop": (("unit", "name", "lon", "lat", "opening_hours"), ("counts_as", "services", "commune_code")),
    "assign_sector": (("commune_code", "sector"), ("sector_name",)),
}
NEW_SITE_OPS = ("add_site", "add_mobile_stop")
EXISTING_SITE_OPS = ("move_site", "close_site", "set_services", "set_hours")
PAYLOAD_FIELDS = tuple(dict.fromkeys(f for req, opt in OPS.values() for f in (*req, *opt)))
OP_LABELS_FR = {
    "add_site": N_("ajout d'un site"),
    "move_site": N_("déplacement"),
    "close_site": N_("fermeture"),
    "set_services": N_("services modifiés"),
    "set_hours": N_("horaires modifiés"),
    "add_mobile_stop": N_("arrêt d'unité mobile"),
    "assign_sector": N_("commune changée de secteur"),
}

# the text fields of a change, as an error names them
TEXT_FIELD_LABELS = {"name": N_("nom"), "unit": N_("nom de l'unité mobile"), "sector": N_("secteur"),
                     "sector_name": N_("nom du secteur")}  # fmt: skip


def op_label(op: str) -> str:
    """A change's kind in the planner's words (the code itself for an unknown one)."""
    return label_of(OP_LABELS_FR, op)


class ScenarioError(ValueError):
    """A scenario or change cannot be stored or applied (message in French, shown to the planner)."""


def normalise_change(op: str, site_id: str | None, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Check one change's fields (not yet against a snapshot) and return it in stored form.

    Empty values (None, "") are dropped; ``opening_hours`` is normalised to OSM syntax; lon/lat
    are floats in degrees. Raises :class:`ScenarioError` with a one-line French message.
    """
    if op not in OPS:
        raise ScenarioError(_("opération « {op} » inconnue (connues : {known})").format(op=op, known=', '.join(OPS)))
    required, optional = OPS[op]
    clean = {k: v for k, v in payload.items() if v is not None and v != "" and v != []}
    unknown = sorted(set(clean) - set(required) - set(optional))
    if unknown:
        raise ScenarioError(_("{op} : champ(s) inattendu(s) {unknown}").format(op=op_label(op),
                                                                              unknown=', '.join(unknown)))
    missing = [f for f in required if f not in clean]
    if missing:
        raise ScenarioError(_("{op} : champ(s) manquant(s) {missing}").format(op=op_label(op),
                                                                             missing=', '.join(missing)))
    if op in EXISTING_SITE_OPS and not site_id:
        raise ScenarioError(_("{op} : identifiant du site manquant").format(op=op_label(op)))
    if site_id is not None and (not isinstance(site_id, str) or len(site_id) > 120):
        raise ScenarioError(_("identifiant de site invalide (120 caractères au plus)"))
    if "lon" in clean or "lat" in clean:
        clean["lon"], clean["lat"] = _lonlat(clean.get("lon"), clean.get("lat"))
    for text_field, limit in (("name", 300), ("unit", 300), ("sector", 60), ("sector_name", 300)):
        if text_field in clean:
            clean[text_field] = str(clean[text_field]).strip()
            if not clean[text_field] or len(clean[text_field]) > limit:
                raise ScenarioError(
                    _("{op} : {text_field} vide ou trop long ({limit} caractères au plus)").format(
                        op=op_label(op), text_field=_(TEXT_FIELD_LABELS[text_field]), limit=limit))
    for kind_field in ("kind", "counts_as"):
        if kind_field in clean:
            clean[kind_field] = _kind(clean[kind_field])
    if clean.get("kind") == MOBILE_KIND:
        raise ScenarioError(_("{op} : une unité mobile s'ajoute par ses arrêts (« {mobile} »), pas comme un "
                              "site").format(op=op_label(op), mobile=op_label("add_mobile_stop")))
    if "services" in clean:
        clean["services"] = _services(clean["services"])
    if "opening_hours" in clean:
        try:
            clean["opening_hours"] = hours.from_planner(str(clean["opening_hours"]))
        except ValueError as exc:
            raise ScenarioError(_("{op} : horaires invalides — {exc}").format(op=op_label(op), exc=exc)) from None
    if "commune_code" in clean:
        clean["commune_code"] = str(clean["commune_code"]).strip()
    return {"op": op, "site_id": site_id, "payload": clean}


def _lonlat(lon: Any, lat: Any) -> tuple[float, float]:
    try:
        lon_f, lat_f = float(lon), float(lat)
    except (TypeError, ValueError):
        message = _("coordonnées invalides : lon={lon}, lat={lat} (des degrés décimaux sont attendus, par exemple "
                    "lon=2.2, lat=48.89)")
        raise ScenarioError(message.format(lon=lon, lat=lat)) from None
    if not (math.isfinite(lon_f) and math.isfinite(lat_f) and -180 <= lon_f <= 180 and -90 <= lat_f <= 90):
        raise ScenarioError(
            _("coordonnées hors limites : lon={lon}, lat={lat} (degrés WGS84)").format(lon=lon_f, lat=lat_f))
    return lon_f, lat_f


def _kind(value: Any) -> str:
    try:
        return SiteKind(str(value)).value
    except ValueError:
        known = [k.value for k in SiteKind]
        raise ScenarioError(_("{unknown} (types possibles : {known})").format(
            unknown=unknown_message(str(value), known, "kind"), known=", ".join(known))) from None


def _services(value: Any) -> list[str]:
    items = value.split(";") if isinstance(value, str) else list(value)
    out = []
    for item in items:
        code = str(getattr(item, "value", item)).strip()
        if not code:
            continue
        try:
            out.append(Service(code).value)
        except ValueError:
            known = [s.value for s in Service]
            raise ScenarioError(_("{unknown} (services possibles : {known})").format(
                unknown=unknown_message(code, known, "service"), known=", ".join(known))) from None
    return out


def apply_scenario(snapshot: Snapshot, changes: Iterable[Mapping[str, Any]]) -> Snapshot:
    """A copy of ``snapshot`` with the changes applied in order (raises ScenarioError on a bad one).

    ``changes`` are stored-form dicts (``op``, ``site_id``, ``payload``); extra keys are ignored.
    """
    sites = snapshot.sites.copy()
    if COUNTS_AS_COLUMN not in sites.columns:
        sites[COUNTS_AS_COLUMN] = None
    sector_of = dict(snapshot.sector_of_commune)
    names = dict(snapshot.sector_names)
    for number, raw in enumerate(changes, start=1):
        site_id = raw.get("site_id")
        if raw["op"] in NEW_SITE_OPS and not site_id:  # unsaved proposal: a provisional id
            site_id = f"scenario-new-{number}"
        change = normalise_change(raw["op"], site_id, raw.get("payload") or {})
        op, site_id, payload = change["op"], change["site_id"], change["payload"]
        try:
            if op in EXISTING_SITE_OPS:
                sites = _apply_to_site(sites, snapshot, op, site_id, payload)
            elif op in NEW_SITE_OPS:
                sites = _add_site(sites, snapshot, op, site_id, payload)
            else:  # assign_sector
                code = payload["commune_code"]
                if code not in snapshot.communes.index:
                    raise ScenarioError(_("commune « {code} » inconnue du registre").format(code=code))
                sector_of[code] = payload["sector"]
                names.setdefault(payload["sector"], payload.get("sector_name", payload["sector"]))
                if "sector_name" in payload:
                    names[payload["sector"]] = payload["sector_name"]
        except ScenarioError as exc:
            raise ScenarioError(
                _("changement n° {number} ({op}) : {exc}").format(number=number, op=op_label(op), exc=exc)) from None
    return dataclasses.replace(
        snapshot, sites=sites.reset_index(drop=True), sector_of_commune=sector_of, sector_names=names
    )


def _check_inside(snapshot: Snapshot, x_m: float, y_m: float, payload: Mapping[str, Any]) -> None:
    """The rule of ``sites import`` for every way a site enters: within TERRITORY_MARGIN_M of a commune."""
    if _distance_to_territory_m(snapshot, x_m, y_m) > TERRITORY_MARGIN_M:
        hint = ""
        swapped = lonlat_to_l93(np.array([payload["lat"]]), np.array([payload["lon"]]))[0]
        if _distance_to_territory_m(snapshot, *swapped) <= TERRITORY_MARGIN_M:
            hint = _(" ; longitude et latitude inversées ? essayez lon={lon}, lat={lat}").format(lon=payload["lat"],
                                                                                              lat=payload["lon"])
        raise ScenarioError(
            _("({lon}, {lat}) hors du territoire (à plus de {margin:.0f} m de ses communes){hint}").format(
                lon=payload['lon'], lat=payload['lat'], margin=TERRITORY_MARGIN_M, hint=hint)
        )


def _distance_to_territory_m(snapshot: Snapshot, x_m: float, y_m: float) -> float:
    if not (math.isfinite(x_m) and math.isfinite(y_m)):
        return math.inf
    return float(snapshot.communes.geometry.distance(shapely.Point(x_m, y_m)).min())


def _apply_to_site(
    sites: pd.DataFrame, snapshot: Snapshot, op: str, site_id: str, payload: dict[str, Any]
) -> pd.DataFrame:
    match = sites.index[(sites["id"] == site_id) & sites["duplicate_of"].isna()]
    if len(match) == 0:
        known = [str(i) for i in sites.loc[sites["duplicate_of"].isna(), "id"]]
        hint = suggestion(str(site_id), known, difflib.get_close_matches(str(site_id), known, n=3, cutoff=0.6))
        message = _("site « {site_id} » absent (ou déjà fermé) dans ce scénario{hint} (identifiants : « maillage sites "
                    "list », et « maillage scenario show » pour les sites ajoutés)")
        raise ScenarioError(message.format(site_id=site_id, hint=hint))
    if op == "close_site":  # the records of the same place in other sources go with it
        return sites.drop(index=sites.index[(sites["id"] == site_id) | (sites["duplicate_of"] == site_id)])
    row = match[0]
    if op == "move_site":
        x, y = lonlat_to_l93(np.array([payload["lon"]]), np.array([payload["lat"]]))[0]
        _check_inside(snapshot, x, y, payload)
        sites.loc[row, ["lon", "lat", "x_m", "y_m"]] = [payload["lon"], payload["lat"], x, y]
        sites.loc[row, "coordinate_quality"] = SCENARIO_QUALITY
        sites.loc[row, "coordinate_note"] = _("position du scénario")
    elif op == "set_services":
        sites.at[row, "services"] = list(payload["services"])
        sites.at[row, "services_assumed"] = False
    else:  # set_hours
        sites.at[row, "opening_hours"] = payload.get("opening_hours")
        sites.at[row, "opening_hours_note"] = _("horaires du scénario")
    return sites


def _add_site(sites: pd.DataFrame, snapshot: Snapshot, op: str, site_id: str | None, payload: dict) -> pd.DataFrame:
    if not site_id:
        raise ScenarioError(_("identifiant du nouveau site manquant"))
    if (sites["id"] == site_id).any():
        raise ScenarioError(_("un site s'appelle déjà « {site_id} »").format(site_id=site_id))
    mobile = op == "add_mobile_stop"
    kind = MOBILE_KIND if mobile else payload["kind"]
    default_kind = payload.get("counts_as", SiteKind.ANTENNE.value) if mobile else kind
    services = payload.get("services") or [s.value for s in DEFAULT_SERVICES.get(default_kind, ())]
    x, y = lonlat_to_l93(np.array([payload["lon"]]), np.array([payload["lat"]]))[0]
    _check_inside(snapshot, x, y, payload)
    commune = payload.get("commune_code") or commune_at(snapshot, x, y)
    if commune is not None and commune not in snapshot.communes.index:
        raise ScenarioError(_("commune « {commune} » inconnue du registre").format(commune=commune))
    row = {c: None for c in sites.columns} | {
        "id": site_id,
        "name": payload["name"],
        "kind": kind,
        "source_kind": "mobile_unit" if mobile else kind,
        "services": list(services),
        "services_assumed": not payload.get("services"),
        "operator": payload.get("unit"),
        "commune_code": commune,
        "communes_served": [],
        "lon": payload["lon"],
        "lat": payload["lat"],
        "x_m": x,
        "y_m": y,
        "coordinate_quality": SCENARIO_QUALITY,
        "coordinate_note": _("position du scénario"),
        "opening_hours": payload.get("opening_hours"),
        "source": _("scénario"),
        "source_file": _("scénario"),
        COUNTS_AS_COLUMN: default_kind if mobile else None,
    }
    return pd.concat([sites, pd.DataFrame([row], columns=sites.columns)], ignore_index=True)


def commune_at(snapshot: Snapshot, x_m: float, y_m: float) -> str | None:
    """INSEE code of the commune containing a Lambert-93 point (None outside the territory)."""
    point = shapely.Point(x_m, y_m)
    hits = snapshot.communes.index[snapshot.communes.geometry.contains(point)]
    return str(hits[0]) if len(hits) else None


def change_names(snapshot: Snapshot, changes: Iterable[Mapping[str, Any]] = ()) -> dict[str, str]:
    """Names a person reads for the ids a change holds: sites, communes and sectors of the registry, and the sites
    the scenario's own ``changes`` add (« horaires modifiés : Antenne Timbaud », never scenario-1-1)."""
    names = {str(i): str(n) for i, n in zip(snapshot.sites["id"], snapshot.sites["name"], strict=True)}
    names.update({str(c): str(n) for c, n in snapshot.communes["name"].items()})
    names.update({str(k): str(v) for k, v in snapshot.sector_names.items()})
    for change in changes:
        payload = change.get("payload") or {}
        if change.get("op") in NEW_SITE_OPS and change.get("site_id") and payload.get("name"):
            unit = payload.get("unit")
            names[str(change["site_id"])] = f"{unit} — {payload['name']}" if unit else str(payload["name"])
    return names


def describe_change(change: Mapping[str, Any], names: Mapping[str, str] | None = None) -> str:
    """One French line for a change (terminal listing), with names from :func:`change_names` when given."""
    op, site_id, payload = change["op"], change.get("site_id"), change.get("payload") or {}
    names = names or {}
    label = op_label(op)
    where = f" ({payload['lon']:.5f}, {payload['lat']:.5f})" if "lon" in payload else ""
    if op == "assign_sector":
        commune, sector = payload["commune_code"], payload["sector"]
        sector_name = payload.get("sector_name") or names.get(sector, sector)
        return f"{label} : {names.get(commune, commune)} → {sector_name}"
    site = payload.get("name") or names.get(site_id or "", site_id or "")
    detail = ""
    if op == "set_services":
        detail = ", ".join(service_label(c) for c in payload["services"])
    elif op == "set_hours":
        osm = payload.get("opening_hours")
        detail = f"{osm_to_french(osm)} ({osm})" if osm else _("horaires inconnus")
    elif op == "add_mobile_stop":
        site = f"{payload['unit']} — {payload['name']}"
        detail = osm_to_french(payload["opening_hours"])
    elif op == "add_site":
        detail = kind_label(payload["kind"])
    text = f"{label} : {site}{where}" + (f" — {detail}" if detail else "")
    return text.strip()
