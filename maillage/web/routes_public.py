"""Public routes: the "Où m'adresser ?" page and its JSON API. No account, no cookie, no tracking."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from maillage.orientation.orient import orient
from maillage.orientation.search import NEED_HINTS_FR, OutsideTerritory, SearchAnswer, UnknownCommune, search
from maillage.registry.vocab import SERVICE_LABELS_FR, Service
from maillage.web.context import WebContext
from maillage.web.schemas import CommuneOut, NeedOut, PlaceNotFound, Problem, SearchOut, SearchParams

router = APIRouter()
PUBLIC_CACHE = {"cache-control": "public, max-age=300"}


def _context(request: Request) -> WebContext:
    return request.app.state.context


def run_search(context: WebContext, params: SearchParams) -> SearchAnswer:
    """Resolve the origin (commune, point or BAN address) and call the library search."""
    lon, lat, label = params.lon, params.lat, None
    if params.address is not None:
        if context.ban is None:
            raise HTTPException(status_code=404, detail="Recherche par adresse indisponible (pas de fichier BAN).")
        name = context.index.commune_names.get(params.commune or "")
        found = context.ban.geocode(params.address, params.commune) if name else None
        if found is None:
            raise HTTPException(status_code=404, detail="Adresse introuvable dans la Base Adresse Nationale.")
        lon, lat, label = float(found.lon), float(found.lat), f"{params.address}, {name}"
    commune = params.commune if lon is None else None
    try:
        return search(context.index, params.need, commune=commune, lon=lon, lat=lat, origin_label=label,
                      at=params.at, limit=params.limit)  # fmt: skip
    except (UnknownCommune, OutsideTerritory) as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None


def _needs() -> list[dict[str, str]]:
    return [{"code": s.value, "label": SERVICE_LABELS_FR[s], "hint": NEED_HINTS_FR.get(s, "")} for s in Service]


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
            return {}, None, ["Choisissez un point sur la carte, ou indiquez votre commune."]
        try:
            return {"lon": float(query["lon"]), "lat": float(query["lat"])}, None, []
        except ValueError:
            return {}, None, ["Votre demande n'a pas pu être comprise : vérifiez le besoin et le lieu de départ."]
    if query.get("commune"):
        return {"commune": query["commune"]}, None, []
    return {}, None, ["Indiquez votre adresse, votre commune ou votre code postal."]


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def public_page(request: Request) -> HTMLResponse:
    """The resident's page; with a query (``need`` + origin) it also shows the answer, rendered server-side."""
    context = _context(request)
    query = dict(request.query_params)
    answer, lookup, errors, status = None, None, [], 200
    if query.get("need"):
        origin, lookup, errors = _page_origin(context, query)
        if query["need"] not in Service._value2member_map_:
            errors = ["Votre demande n'a pas pu être comprise : vérifiez le besoin et le lieu de départ."]
            origin = {}
        if origin:
            try:
                answer = orient(context.index, query["need"], **origin)
            except (UnknownCommune, OutsideTerritory) as exc:
                errors.append(str(exc))
                status = 404
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
            "communes": communes,
            "query": query,
            "answer": answer,
            "lookup": lookup,
            "errors": errors,
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
) -> Any:
    context = _context(request)
    found = context.finder.find(q)
    if found.place is None:
        suggestions = [dataclasses.asdict(p) for p in found.suggestions]
        return JSONResponse(status_code=404, content={"detail": found.message_fr, "suggestions": suggestions})
    place = found.place
    where = {"commune": place.commune_code} if place.lon is None else {"lon": place.lon, "lat": place.lat}
    answer = orient(context.index, need, origin_label=place.label, **where)
    return dataclasses.asdict(answer) | {"lookup": dataclasses.asdict(found)}


@router.get("/api/places", tags=["public"], summary="Suggestions pour la boîte de recherche")
async def places_api(request: Request, q: Annotated[str, Query(min_length=1, max_length=200)]) -> dict[str, Any]:
    return dataclasses.asdict(_context(request).finder.find(q))


@router.get("/healthz", tags=["public"], summary="État du service")
def healthz(request: Request) -> dict[str, Any]:
    context = _context(request)
    return {"status": "ok", "sites": len(context.index.sites), "cells": len(context.cells)}
