"""Planner workspace, steering pages (login required): budget, scissors effect, activity, conventions.

The page is the same report as ``maillage steering report`` (every figure with its numbered source),
with a linked stylesheet and charts as ``<img>`` of ``data:`` SVG since the app's CSP refuses inline
styles; rendered from the shipped example or from the CSVs in ``DATA/steering/`` when the data
folder holds them. Nothing is computed here: the analyses are :mod:`maillage.steering`'s.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from maillage.i18n import _
from maillage.report.steering import render_html, stylesheet_text, to_jsonable
from maillage.steering.importer import SteeringImportError, load_default, load_folder
from maillage.steering.models import SteeringData
from maillage.web.context import WebContext
from maillage.web.routes_planner import User, session_user
from maillage.web.schemas import IsoDate, Problem

router = APIRouter(prefix="/planner")
STYLESHEET = "/planner/steering.css"
Horizon = Annotated[int, Query(ge=1, le=120, description="Horizon des renouvellements, en mois.")]
Today = Annotated[IsoDate | None, Query(description="Date de référence (AAAA-MM-JJ), défaut : aujourd'hui.")]


def steering_data(context: WebContext) -> SteeringData:
    """The data folder's ``steering/`` CSVs when present, else the shipped example (seeds)."""
    folder = context.folder.root / "steering" if context.folder is not None else None
    try:
        return load_folder(folder) if folder is not None and folder.is_dir() else load_default()
    except SteeringImportError as exc:
        detail = _("Données de pilotage invalides : {error}").format(error=exc.errors[0])
        raise HTTPException(status_code=500, detail=detail) from None


def _communes(context: WebContext) -> tuple[dict[str, int], dict[str, str]]:
    return context.snapshot.commune_populations()  # the CLI's call too: one source for the rates


@router.get("/steering", response_class=HTMLResponse, include_in_schema=False)
def steering_page(request: Request, horizon: Horizon = 6, today: Today = None) -> Response:
    if session_user(request) is None:
        return RedirectResponse("/planner/login", status_code=303)
    context: WebContext = request.app.state.context
    populations, names = _communes(context)
    html = render_html(steering_data(context), today or date.today(), populations, names, horizon,
                       stylesheet=STYLESHEET, back=("/planner", _("← Retour à l'espace de planification")))
    return HTMLResponse(html)


@router.get("/steering.css", include_in_schema=False)
def steering_stylesheet() -> Response:
    """The steering page's CSS as a file: the app's CSP (``style-src 'self'``) refuses inline styles."""
    return Response(stylesheet_text(), media_type="text/css")


@router.get(
    "/api/steering",
    tags=["planner"],
    summary="Pilotage : effet ciseaux, DM, activité, suivi des conventions (JSON, montants en €)",
    responses={401: {"model": Problem}},
)
def steering_json(request: Request, user: User, horizon: Horizon = 6, today: Today = None) -> dict[str, Any]:
    context: WebContext = request.app.state.context
    populations, _names = _communes(context)
    return to_jsonable(steering_data(context), today or date.today(), populations, horizon)
