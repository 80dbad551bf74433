"""Public routes: the "Où m'adresser ?" page and its JSON API. No account, no cookie, no tracking."""

from __future__ import annotations

import dataclasses
import math
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from maillage.i18n import N_, _
from maillage.orientation.orient import orient
from maillage.orientation.search import OutsideTerritory, SearchAnswer, UnknownCommune, need_hint, search
from maillage.registry.vocab import Service, service_label
from maillage.web.context import WebContext
from maillage.web.modes import MODE_CHOICES_FR, ModeUnavailable
from maillage.web.public_messages import public_messages
from maillage.web.schemas import (
    LAT_RANGE,
    LON_RANGE,
    CommuneOut,
    NeedOut,
    PlaceNotFound,
    Problem,
    SearchOut,
    SearchParams,
)

router = APIRouter()
PUBLIC_CACHE = {"cache-control": "public, max-age=300"}
SUGGEST_LIMIT = 8
OUTSIDE_FR = N_("Ce point est hors des Hauts-de-Seine : tapez votre adresse, votre commune ou votre code postal.")
Mode = Literal["walk", "bike", "car", "transit"]


def _context(request: Request) -> WebContext:
    return request.app.state.context


def run_search(context: WebContext, params: SearchParams) -> SearchAnswer:
    """Resolve the origin (commune, point or BAN address) and call the library search."""
    lon, lat, label = params.lon, params.lat, None
    if params.address is not None:
        if context.ban is None:
            raise HTTPException(status_code=404, detail=_("Recherche par adresse indisponible (pas de fichier BAN)."))
        name = context.index.commune_names.get(params.commune or "")
        found = context.ban.geocode(params.address, params.commune) if name else None
        if found is None:
            raise HTTPException(status_code=404, detail=_("Adresse introuvable dans la Base Adresse Nationale."))
        lon, lat, label = float(found.lon), float(found.lat), f"{params.address}, {name}"
    commune = params.commune if lon is None else None
    try:
        return search(context.index, params.need, commune=commune, lon=lon, lat=lat, origin_label=label,
                      at=params.at, limit=params.limit)  # fmt: skip
    except (UnknownCommune, OutsideTerritory) as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None


def _needs() -> list[dict[str, str]]:
    return [{"code": s.value, "label": service_label(s), "hint": need_hint(s)} for s in Service]


def _page_origin(context: WebContext, query: dict[str, str]) -> tuple[dict[str, Any], Any, list[str]]:
    """Origin of the page's query: the search box (``q``), else a commune code or a map point."""
    text = (query.get("q") or "").strip()
    if text and query.get("origin", "text") != "point":
        found = context.finder.find(text)
        if found.place is None:
            return {}, found, [found.message_fr]
        place = found.place
        if place.lon is None:
            return {"commune": place.commune_code, "origin_label": place.label}, found, []
        return {"lon": place.lon, "lat": place.lat, "origin_label": place.label}, found, []
    if query.get("origin") == "point" or (query.get("lon") and not query.get("commune")):
        if not (query.get("lon") and query.get("lat")):
            return {}, None, [_("Choisissez un point sur la carte, ou indiquez votre commune.")]
        point = _point(query["lon"], query["lat"])
        if point is None:
            return {}, None, [_("Position illisible : tapez votre adresse ou votre commune.")]
        label = {"origin_label": _("votre position")} if query.get("near") == "1" else {}
        return {"lon": point[0], "lat": point[1], **label}, None, []
    if query.get("commune"):
        return {"commune": query["commune"]}, None, []
    return {}, None, [_("Indiquez votre adresse, votre commune ou votre code postal.")]


def _point(lon_text: str, lat_text: str) -> tuple[float, float] | None:
    """A finite lon/lat in the API's bounds (the territory check itself is the search's, 1.5 km from a cell)."""
    try:
        lon, lat = float(lon_text), float(lat_text)
    except ValueError:
        return None
    if not (math.isfinite(lon) and math.isfinite(lat) and LON_RANGE[0] <= lon <= LON_RANGE[1]
            and LAT_RANGE[0] <= lat <= LAT_RANGE[1]):  # fmt: skip
        return None
    return lon, lat


def _mode(context: WebContext, text: str | None) -> str | None:
    """The mode asked for when the server offers it (None: unknown, the page says so)."""
    mode = text or context.index.mode
    return mode if mode in context.offered_modes else None


def _modes(context: WebContext) -> list[dict[str, str]]:
    return [{"code": m, "label": _(MODE_CHOICES_FR[m]) if m in MODE_CHOICES_FR else m} for m in context.offered_modes]


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def public_page(request: Request) -> HTMLResponse:
    """The resident's page; with a query (``need`` + origin) it also shows the answer, rendered server-side."""
    context = _context(request)
    query = dict(request.query_params)
    answer, lookup, errors, status = None, None, [], 200
    mode = _mode(context, query.get("mode"))
    if query.get("need"):
        origin, lookup, errors = _page_origin(context, query)
        if query["need"] not in Service._value2member_map_ or mode is None:
            errors = [_("Votre demande n'a pas pu être comprise : vérifiez le besoin, le mode de déplacement et le "
                        "lieu.")]
            origin, lookup = {}, None
        if origin:
            try:
                answer = orient(context.index_for(mode), query["need"], **origin)
            except OutsideTerritory:
                errors.append(_(OUTSIDE_FR))
                status = 404
            except UnknownCommune as exc:
                errors.append(str(exc))
                status = 404
            except ModeUnavailable:
                errors.append(_("Les temps pour ce mode de déplacement ne sont pas disponibles pour le moment."))
                status = 503
        elif lookup is not None and lookup.suggestions:
            errors = []  # "vouliez-vous dire": choices, not an error
        else:
            status = 404 if lookup is not None else 422
    communes = sorted(context.index.commune_names.items(), key=lambda kv: kv[1])
    return request.app.state.templates.TemplateResponse(
        request,
        "public.html",
        {
            "needs": _needs(),
            "modes": _modes(context),
            "mode": mode or context.index.mode,
            "communes": communes,
            "query": query,
            "answer": answer,
            "lookup": lookup,
            "errors": errors,
            "messages": public_messages(),
        },
        status_code=status,
    )


@router.get("/api/needs", response_model=list[NeedOut], tags=["public"], summary="Besoins (services) proposés")
def needs() -> list[dict[str, str]]:
    return _needs()


@router.get("/api/communes", response_model=list[CommuneOut], tags=["public"], summary="Communes du territoire")
def communes(request: Request) -> list[dict[str, str]]:
    names = _context(request).index.commune_names
    return [{"code": c, "name": n} for c, n in sorted(names.items(), key=lambda kv: kv[1])]


@router.get("/api/communes.geojson", tags=["public"], summary="Contours des communes (GeoJSON WGS84)")
def communes_geojson(request: Request) -> dict[str, Any]:
    return _context(request).communes_geojson


@router.get(
    "/api/search",
    response_model=SearchOut,
    tags=["public"],
    summary="Où m'adresser ? Lieux adaptés à un besoin, classés par temps de trajet",
    responses={
        404: {"model": Problem, "description": "commune inconnue, point hors territoire, adresse introuvable"},
        429: {"model": Problem, "description": "trop de requêtes"},
    },
)
async def search_api(request: Request, params: Annotated[SearchParams, Query()]) -> dict[str, Any]:
    # async on purpose: a search is ~0.2 ms of in-memory work with no I/O, cheaper on the event loop
    # than a hop to the thread pool and back (that hop was a third of the server's time under load)
    return dataclasses.asdict(run_search(_context(request), params))


@router.get(
    "/api/orient",
    tags=["public"],
    summary="Où m'adresser ? Réponse complète : numéros d'urgence, votre pôle social, lieux (un par adresse)",
    responses={404: {"model": PlaceNotFound, "description": "lieu introuvable ou ambigu (avec suggestions)"}},
)
async def orient_api(
    request: Request,
    need: Annotated[Service, Query(description="besoin (vocabulaire des services)")],
    q: Annotated[str, Query(min_length=1, max_length=200, description="adresse, commune ou code postal")],
    mode: Annotated[
        Mode | None, Query(description="walk (défaut), bike, car ; transit si un flux horaire est chargé")
    ] = None,
) -> Any:
    context = _context(request)
    if _mode(context, mode) is None:  # same shape as a place not found: the documented 404
        unknown = {"detail": _("Mode de déplacement non proposé ici."), "suggestions": []}
        return JSONResponse(status_code=404, content=unknown)
    index = context.modes.get(mode) if context.modes and context.modes.ready(mode or context.index.mode) else None
    # a mode still being built: wait in a worker thread, never on the event loop
    index = index or await run_in_threadpool(context.index_for, mode)
    found = context.finder.find(q)
    if found.place is None:
        suggestions = [dataclasses.asdict(p) for p in found.suggestions]
        return JSONResponse(status_code=404, content={"detail": found.message_fr, "suggestions": suggestions})
    place = found.place
    where = {"commune": place.commune_code} if place.lon is None else {"lon": place.lon, "lat": place.lat}
    answer = orient(index, need, origin_label=place.label, **where)
    return dataclasses.asdict(answer) | {"lookup": dataclasses.asdict(found)}


@router.get("/api/places", tags=["public"], summary="Suggestions pour la boîte de recherche")
async def places_api(request: Request, q: Annotated[str, Query(min_length=1, max_length=200)]) -> dict[str, Any]:
    return dataclasses.asdict(_context(request).finder.find(q))


@router.get("/api/suggest", tags=["public"], summary="Propositions pendant la saisie (communes, codes postaux, voies)")
async def suggest_api(request: Request, q: Annotated[str, Query(min_length=2, max_length=100)]) -> JSONResponse:
    labels = _context(request).finder.suggest(q, limit=SUGGEST_LIMIT)
    return JSONResponse({"query": q, "suggestions": labels}, headers=PUBLIC_CACHE)


@router.get("/healthz", tags=["public"], summary="État du service")
def healthz(request: Request) -> dict[str, Any]:
    context = _context(request)
    modes = context.offered_modes
    ready = [m for m in modes if context.modes is None or context.modes.ready(m)]
    return {"status": "ok", "sites": len(context.index.sites), "cells": len(context.cells), "modes_ready": ready,
            "modes_building": [m for m in modes if m not in ready]}  # fmt: skip
