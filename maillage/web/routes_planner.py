"""Planner workspace (login required): audit map, communes outside the standard, scenario editor.

Every state-changing route depends on :func:`~maillage.web.security.require_csrf` (or checks the
login form's token) and every write is recorded in ``write_log``. Scenario logic lives in
:mod:`maillage.web.workspace` (the seam onto ``maillage.planning``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from maillage.audit.guarantee import AuditResult
from maillage.i18n import _
from maillage.planning.changes import ScenarioError
from maillage.registry.models import WriteLog
from maillage.web import auth, planner_layers, sessions, workspace
from maillage.web.context import WebContext
from maillage.web.planner_messages import planner_messages
from maillage.web.schemas import (
    AuditOut,
    ChangeIn,
    CompareOut,
    Problem,
    ProposalsOut,
    ScenarioIn,
    ScenarioOut,
    SessionOut,
    Unprocessable,
)
from maillage.web.security import check_csrf, csrf_token, require_csrf

router = APIRouter(prefix="/planner")
api = APIRouter(prefix="/api", tags=["planner"], responses={401: {"model": Problem}, 403: {"model": Problem}})
SESSION_TOKEN = "sid"  # the cookie's key for the server-side session token
ScenarioId = Annotated[int, Query(ge=1, le=2**31 - 1)]
ScenarioPath = Annotated[int, Path(ge=1, le=2**31 - 1)]  # bounded: a huge id must be a 422, not a database overflow
ChangePath = Annotated[int, Path(ge=1, le=2**31 - 1)]
Mode = Annotated[
    Literal["walk", "bike", "car"] | None,
    Query(description="mode : walk (à pied), bike (à vélo), car (en voiture) ; défaut : celui du serveur"),
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "scénario introuvable"}}
UNREADABLE = {"model": Problem, "description": "corps de requête illisible (pas du JSON UTF-8)"}


def _context(request: Request) -> WebContext:
    return request.app.state.context


def session_user(request: Request) -> auth.User | None:
    """The logged-in user, if the cookie's session is open server-side and its account still active."""
    db = _context(request).db
    username = sessions.session_username(db, request.session.get(SESSION_TOKEN))
    role = auth.active_role(db, username) if username else None
    if username is None or role is None:
        if SESSION_TOKEN in request.session:
            request.session.clear()
        return None
    return auth.User(username, role)


def client_address(request: Request) -> str:
    """Where a request comes from, as the write log records it."""
    return request.client.host if request.client else "inconnue"


def current_user(request: Request) -> auth.User:
    user = session_user(request)
    if user is None:
        raise HTTPException(status_code=401, detail=_("Connexion requise."))
    return user


def admin_user(user: Annotated[auth.User, Depends(current_user)]) -> auth.User:
    if user.role is not auth.Role.ADMIN:
        raise HTTPException(status_code=403, detail=_("Réservé aux administrateurs."))
    return user


User = Annotated[auth.User, Depends(current_user)]
Csrf = Depends(require_csrf)


# ---- pages --------------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse, include_in_schema=False)
def workspace_page(request: Request) -> Response:
    user = session_user(request)
    if user is None:
        return RedirectResponse("/planner/login", status_code=303)
    return request.app.state.templates.TemplateResponse(
        request, "planner.html", {"user": user, "csrf_token": csrf_token(request), "messages": planner_messages()}
    )


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request) -> Response:
    return request.app.state.templates.TemplateResponse(
        request, "login.html", {"csrf_token": csrf_token(request), "error": None}
    )


@router.post("/login", response_class=HTMLResponse, include_in_schema=False)
def login(
    request: Request,
    username: Annotated[str, Form(min_length=1, max_length=120)],
    password: Annotated[str, Form(min_length=1, max_length=auth.MAX_PASSWORD_LENGTH)],
    csrf: Annotated[str, Form(alias="csrf_token", max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf)
    context = _context(request)
    user = auth.authenticate(context.db, username, password)
    if user is None:
        auth.log_write(context.db, username[:120], "login_failed", None, {})  # origin: the client's address
        return request.app.state.templates.TemplateResponse(
            request,
            "login.html",
            {"csrf_token": csrf_token(request), "error": _("Identifiant ou mot de passe incorrect.")},
            status_code=401,
        )
    request.session.clear()  # no session fixation: a fresh session (and CSRF token) at login
    origin = client_address(request)
    request.session[SESSION_TOKEN] = sessions.open_session(context.db, user.username, origin)
    csrf_token(request)
    auth.log_write(context.db, user.username, "login", None, {})
    return RedirectResponse("/planner", status_code=303)


@router.post("/logout", include_in_schema=False)
def logout(request: Request, csrf: Annotated[str, Form(alias="csrf_token", max_length=200)] = "") -> RedirectResponse:
    check_csrf(request, csrf or request.headers.get("x-csrf-token"))
    user = session_user(request)
    if user is not None:
        auth.log_write(_context(request).db, user.username, "logout", None, {})
    sessions.revoke(_context(request).db, request.session.get(SESSION_TOKEN))  # the cookie, replayed, is refused
    request.session.clear()
    return RedirectResponse("/", status_code=303)


# ---- JSON API -----------------------------------------------------------------------------------


@api.get("/session", response_model=SessionOut, summary="Utilisateur connecté et jeton CSRF")
def session_info(request: Request, user: User) -> dict[str, str]:
    return {"username": user.username, "role": user.role.value, "csrf_token": csrf_token(request)}


@api.get("/layers", responses=NOT_FOUND, summary="Communes (contours, secteurs) et sites de l'existant, en GeoJSON")
def layers(request: Request, user: User, scenario_id: ScenarioId | None = None) -> dict[str, Any]:
    context = _context(request)
    changes = _scenario(context, scenario_id)["changes"] if scenario_id is not None else []
    snapshot = workspace.apply_changes(context.snapshot, changes) if changes else context.snapshot
    sites = planner_layers.sites_geojson(context.snapshot, snapshot, changes)
    return {"communes": context.communes_geojson, "sites": sites}


@api.get(
    "/cells", responses=NOT_FOUND, summary="Carreaux de population colorés par temps (GeoJSON), existant ou scénario"
)
def cells(request: Request, user: User, scenario_id: ScenarioId | None = None, mode: Mode = None) -> dict[str, Any]:
    context = _context(request)
    return planner_layers.cells_geojson(context, _audit(context, scenario_id, mode))


@api.get(
    "/audit",
    response_model=AuditOut,
    responses=NOT_FOUND,
    summary="Audit de la norme 20/15 min : existant ou scénario",
)
def audit(request: Request, user: User, scenario_id: ScenarioId | None = None, mode: Mode = None) -> dict[str, Any]:
    return _audit_out(_audit(_context(request), scenario_id, mode), scenario_id)


@api.get("/scenarios", response_model=list[ScenarioOut], summary="Scénarios enregistrés")
def scenarios(request: Request, user: User) -> list[dict[str, Any]]:
    return workspace.list_scenarios(_context(request).db)


@api.post(
    "/scenarios",
    response_model=ScenarioOut,
    status_code=201,
    dependencies=[Csrf],
    summary="Créer un scénario",
    responses={400: UNREADABLE, 409: {"model": Problem}},
)
def create_scenario(request: Request, user: User, body: ScenarioIn) -> dict[str, Any]:
    try:
        return workspace.create_scenario(_context(request).db, body.name, body.description, user.username)
    except workspace.ScenarioError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None


@api.get("/scenarios/{scenario_id}", response_model=ScenarioOut, responses={404: {"model": Problem}})
def get_scenario(request: Request, user: User, scenario_id: ScenarioPath) -> dict[str, Any]:
    return _scenario(_context(request), scenario_id)


@api.post(
    "/scenarios/{scenario_id}/changes",
    response_model=ScenarioOut,
    status_code=201,
    dependencies=[Csrf],
    summary="Ajouter, déplacer ou fermer un site dans un scénario",
    responses={400: UNREADABLE, 404: {"model": Problem}, 422: {"model": Unprocessable}},
)
def add_change(request: Request, user: User, scenario_id: ScenarioPath, body: ChangeIn) -> dict[str, Any]:
    context = _context(request)
    with _scenario_errors(refused=422):
        return workspace.add_change(
            context.db, context.snapshot, scenario_id, body.model_dump(mode="json"), user.username
        )


@api.get(
    "/scenarios/{scenario_id}/compare",
    response_model=CompareOut,
    summary="Différence du scénario avec l'existant",
    responses={404: {"model": Problem}},
)
def compare(request: Request, user: User, scenario_id: ScenarioPath, mode: Mode = None) -> dict[str, Any]:
    context = _context(request)
    result, baseline = _audit(context, scenario_id, mode), workspace.baseline(context, mode)
    diff = workspace.compare(baseline, result)
    return {
        "scenario_id": scenario_id,
        "baseline": _audit_out(baseline, None),
        "scenario": _audit_out(result, scenario_id),
        **diff,
        "cells": planner_layers.difference_geojson(context, baseline, result),
    }


@api.delete(
    "/scenarios/{scenario_id}/changes/{change_id}",
    response_model=ScenarioOut,
    dependencies=[Csrf],
    summary="Retirer (annuler) un changement d'un scénario",
    responses={404: {"model": Problem}, 409: {"model": Problem, "description": "un changement suivant en dépend"}},
)
def remove_change(request: Request, user: User, scenario_id: ScenarioPath, change_id: ChangePath) -> dict[str, Any]:
    context = _context(request)
    with _scenario_errors(refused=409):  # a later change depends on it
        return workspace.remove_change(context.db, context.snapshot, scenario_id, change_id, user.username)


@api.post(
    "/scenarios/{scenario_id}/proposals/{rank}",
    response_model=ScenarioOut,
    status_code=201,
    dependencies=[Csrf],
    summary="Ajouter au scénario le ou les sites d'une proposition de l'optimiseur",
    responses={404: {"model": Problem}, 422: {"model": Unprocessable}},
)
def apply_proposal(
    request: Request, user: User, scenario_id: ScenarioPath, rank: Annotated[int, Path(ge=1, le=100)]
) -> dict[str, Any]:
    context = _context(request)
    with _scenario_errors(refused=422):
        _scenario(context, scenario_id)
        changes = workspace.proposal_changes(context, rank)
        return workspace.store.add_changes(context.db, context.snapshot, scenario_id, changes, user.username)


@api.get(
    "/results.{fmt}",
    responses={200: {"content": {"text/csv": {}, "application/geo+json": {}}}, **NOT_FOUND},
    summary="Résultats par carreau habité (existant ou scénario) en CSV ou GeoJSON",
)
def results(
    request: Request,
    user: User,
    fmt: Literal["csv", "geojson"],
    scenario_id: ScenarioId | None = None,
    mode: Mode = None,
) -> Response:
    context = _context(request)
    result = _audit(context, scenario_id, mode)
    frame = planner_layers.results_frame(context, workspace.baseline(context, mode), result)
    stem = f"maillage-resultats-scenario-{scenario_id}" if scenario_id else "maillage-resultats-existant"
    stem += f"-{mode}" if mode else ""
    headers = {"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'}
    if fmt == "csv":
        return Response(planner_layers.results_csv(frame), media_type="text/csv; charset=utf-8", headers=headers)
    return JSONResponse(planner_layers.results_geojson(frame, context), media_type="application/geo+json",
                        headers=headers)  # fmt: skip


@api.get(
    "/isochrone",
    responses={404: {"model": Problem}},
    summary="Carreaux à moins de 15 et 20 minutes d'un site (existant ou scénario)",
)
def isochrone(
    request: Request,
    user: User,
    site_id: Annotated[str, Query(min_length=1, max_length=120, pattern=r"^[\w.:-]+$")],
    scenario_id: ScenarioId | None = None,
    mode: Mode = None,
) -> dict[str, Any]:
    context = _context(request)
    snapshot = _snapshot(context, scenario_id)
    try:
        site, minutes = workspace.minutes_to_site(context, snapshot, site_id, mode)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    return {"site": {"id": site_id, "name": site["name"]}, **planner_layers.isochrone_geojson(context, minutes)}


@api.get("/place", summary="Où placer un site : une adresse, une voie, un code postal ou une commune, en mots")
def place(request: Request, user: User, q: Annotated[str, Query(min_length=1, max_length=200)]) -> dict[str, Any]:
    """``place`` is null when nothing is sure: ``message`` then names the choices (an answer, as the public
    /api/places gives it, not an error: a planner's typo is not a failed request)."""
    try:
        return {"place": workspace.locate(_context(request), q), "message": ""}
    except ScenarioError as exc:
        return {"place": None, "message": str(exc)}


@api.get("/proposals", response_model=ProposalsOut, summary="Propositions de l'optimiseur (si disponible)")
def proposals(request: Request, user: User) -> dict[str, Any]:
    return workspace.proposals(_context(request))


@api.get("/writelog", summary="Journal des écritures (administrateurs)")
def writelog(
    request: Request, user: Annotated[auth.User, Depends(admin_user)], limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[dict[str, Any]]:
    with Session(_context(request).db) as session:
        rows = session.scalars(select(WriteLog).order_by(WriteLog.id.desc()).limit(limit)).all()
        return [{"at": r.at.isoformat() if r.at else None, "actor": r.actor, "action": r.action, "target": r.target,
                 "detail": r.detail} for r in rows]  # fmt: skip


@api.delete(
    "/accounts/{username}/sessions",
    dependencies=[Csrf],
    summary="Fermer toutes les sessions d'un compte (administrateurs)",
)
def revoke_sessions(
    request: Request,
    user: Annotated[auth.User, Depends(admin_user)],
    username: Annotated[str, Path(min_length=1, max_length=120)],
) -> dict[str, int]:
    context = _context(request)
    count = sessions.revoke_account(context.db, username)
    auth.log_write(context.db, user.username, "sessions_revoke", f"account:{username}", {"sessions": count})
    return {"revoked": count}


router.include_router(api)


# ---- helpers ------------------------------------------------------------------------------------


@contextmanager
def _scenario_errors(refused: int) -> Iterator[None]:
    """The library's errors as HTTP answers: an unknown scenario, change or site is 404, a refused change
    ``refused`` (422 for an invalid one, 409 for one that conflicts with the scenario)."""
    try:
        yield
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except workspace.ScenarioError as exc:
        raise HTTPException(status_code=refused, detail=str(exc)) from None


def _scenario(context: WebContext, scenario_id: int) -> dict[str, Any]:
    try:
        return workspace.get_scenario(context.db, scenario_id)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None


def _snapshot(context: WebContext, scenario_id: int | None):
    if scenario_id is None:
        return context.snapshot
    scenario = _scenario(context, scenario_id)
    return workspace.apply_changes(context.snapshot, scenario["changes"])


def _audit(context: WebContext, scenario_id: int | None, mode: str | None = None) -> AuditResult:
    """The baseline audit, or the scenario's, in ``mode`` (cached by workspace.audit)."""
    scenario = _scenario(context, scenario_id) if scenario_id is not None else None
    return workspace.audit(context, scenario, mode)


def _audit_out(result: AuditResult, scenario_id: int | None) -> dict[str, Any]:
    communes = result.by_commune
    outside = communes[communes["population_outside"] >= 0.5].sort_values("population_outside", ascending=False)
    rows = [
        {
            "code": str(r["code"]), "name": str(r["name"]), "population": float(r["population"]),
            "population_within": float(r["population_within"]), "population_outside": float(r["population_outside"]),
            "share_within": _finite(r["share_within"]), "worst_minutes_pole": _finite(r["worst_minutes_pole"]),
            "worst_minutes_antenne_or_pole": _finite(r["worst_minutes_antenne_or_pole"]),
        }
        for _, r in outside.iterrows()
    ]  # fmt: skip
    return {
        "scenario_id": scenario_id,
        "population": float(result.total["population"]),
        "population_within": float(result.total["population_within"]),
        "share_within": float(result.total["share_within"]),
        "communes_outside": rows,
        "standard": result.standard.describe_fr(),
        "model": list(result.assumptions),
        "notes": list(result.notes),
    }


def _finite(value: Any) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None
