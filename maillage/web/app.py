"""FastAPI application factory: ``create_app(db_url=None, data=None, ...)``.

Everything a request needs is computed once here (:func:`~maillage.web.context.build_context`):
registry snapshot, population cells, travel-time engine, the search index (cells × sites minutes)
and the baseline audit. Routes are thin: they validate (pydantic), call the library, render.

Run with ``maillage serve`` (uvicorn). Offline: every script and style sheet is served from
``static/`` (vendored from npm by ``tools/vendor_web.sh``); the OpenAPI page at ``/docs`` uses the
vendored Swagger UI, ``/openapi.json`` is always there.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.middleware.sessions import SessionMiddleware

from maillage.audit.standard import ServiceStandard
from maillage.i18n import N_, _, install_gettext
from maillage.orientation.text import minutes_fr
from maillage.registry.hours_fr import osm_to_french
from maillage.web import routes_planner, routes_public, routes_steering
from maillage.web.context import WebContext, build_context
from maillage.web.errors import document_french_detail, validation_handler
from maillage.web.security import (
    MAX_BODY_BYTES,
    BodyLimitMiddleware,
    RateLimitMiddleware,
    SecurityHeadersMiddleware,
    TokenBucket,
    WriteOriginMiddleware,
    session_secret,
)
from maillage.web.sessions import ABSOLUTE_TIMEOUT_S

HERE = Path(__file__).parent
STATIC = HERE / "static"
SWAGGER = STATIC / "vendor" / "swagger-ui"
SESSION_COOKIE = "maillage_session"
# Each uvicorn worker builds its own index before answering (minutes on the 92's street graph on a
# loaded machine) while uvicorn's supervisor pings it; at the 5 s default it killed and restarted
# every worker in a loop ("Child process died") and `serve --workers 2` never answered.
WORKER_HEALTHCHECK_S = 600
SESSION_MAX_AGE_S = ABSOLUTE_TIMEOUT_S  # the cookie never outlives its server-side session

_DAYS = (N_("lundi"), N_("mardi"), N_("mercredi"), N_("jeudi"), N_("vendredi"), N_("samedi"), N_("dimanche"))
_MONTHS = (N_("janvier"), N_("février"), N_("mars"), N_("avril"), N_("mai"), N_("juin"), N_("juillet"), N_("août"),
           N_("septembre"), N_("octobre"), N_("novembre"), N_("décembre"))  # fmt: skip


def french_datetime(value: datetime | None, *, with_time: bool = True) -> str:
    """``mardi 26 novembre 2026 à 08:30`` (the template filter ``fr_datetime``)."""
    if value is None:
        return ""
    text = _("{weekday} {day} {month} {year}").format(weekday=_(_DAYS[value.weekday()]), day=value.day,
                                                      month=_(_MONTHS[value.month - 1]), year=value.year)
    return _("{date} à {time}").format(date=text, time=f"{value:%H:%M}") if with_time else text


def french_minutes(value: float | None) -> str:
    """``12 min`` or ``1 h 05`` (rounded up to the minute); empty for None."""
    if value is None:
        return ""
    return minutes_fr(value)  # the same words as ``maillage orient``


def create_app(
    db_url: str | None = None,
    data: str | Path | None = None,
    *,
    mode: str | None = None,
    standard: ServiceStandard | None = None,
    context: WebContext | None = None,
    rate_per_s: float | None = None,
    burst: float | None = None,
    login_rate_per_min: float = 10.0,
    secret_key: str | None = None,
    https_only: bool | None = None,
) -> FastAPI:
    """The web app over the registry at ``db_url`` (default: ``$MAILLAGE_DB_URL`` or SQLite in MAILLAGE_HOME).

    ``rate_per_s``/``burst``: token bucket per client IP on the public API (default 20/s, burst 40,
    or ``$MAILLAGE_RATE_PER_S``/``$MAILLAGE_RATE_BURST``). ``https_only`` marks the session cookie
    Secure and sends ``Strict-Transport-Security`` (default: ``$MAILLAGE_HTTPS_ONLY=1``).
    """
    # the server offers every mode: the others are built in the background after start-up
    context = context or build_context(db_url, data, mode=mode, standard=standard, other_modes=True)
    app = FastAPI(
        title="maillage — Où m'adresser ? et espace de planification",
        description=(
            "API publique (recherche d'un lieu d'accueil social par besoin et par commune ou point) "
            "et API de l'espace de planification (connexion, scénarios, comparaison à l'existant)."
        ),
        version="0.1",
        docs_url=None,
        redoc_url=None,
    )
    app.state.context = context
    app.add_exception_handler(RequestValidationError, validation_handler)  # French sentences under /planner
    document_french_detail(app)
    # Our own environment: starlette's default, select_autoescape(), escapes only .html/.htm/.xml templates
    templates = Jinja2Templates(env=Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True))
    install_gettext(templates.env)  # {% trans %} and _() of the templates: words from the message catalogue
    templates.env.filters["fr_datetime"] = french_datetime
    templates.env.filters["fr_minutes"] = french_minutes
    templates.env.filters["fr_hours"] = osm_to_french
    templates.env.globals["docs_available"] = (SWAGGER / "swagger-ui-bundle.js").exists()
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    basemap = context.folder.root / "basemap" if context.folder is not None else None
    templates.env.globals["basemap"] = None
    if basemap is not None and basemap.is_dir():
        # A basemap only when the user supplies one: XYZ tiles in DATA/basemap/{z}/{x}/{y}.png, served
        # from this origin (no remote tiles; the CSP allows nothing else), credited from ATTRIBUTION.txt.
        app.mount("/basemap", StaticFiles(directory=basemap), name="basemap")
        credit = basemap / "ATTRIBUTION.txt"
        templates.env.globals["basemap"] = {
            "url": "/basemap/{z}/{x}/{y}.png",
            "attribution": credit.read_text(encoding="utf-8").strip() if credit.exists() else "",
        }
    app.include_router(routes_public.router)
    app.include_router(routes_planner.router)
    app.include_router(routes_steering.router)

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "docs.html", {})

    rate = rate_per_s if rate_per_s is not None else float(os.environ.get("MAILLAGE_RATE_PER_S", 20))
    size = burst if burst is not None else float(os.environ.get("MAILLAGE_RATE_BURST", 40))
    secure = https_only if https_only is not None else os.environ.get("MAILLAGE_HTTPS_ONLY") == "1"
    # Order: the last added runs first. Headers wrap everything (429s and errors included).
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key or session_secret(),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_S,
        path="/planner",
        same_site="strict",
        https_only=secure,
    )
    app.add_middleware(
        RateLimitMiddleware,
        bucket=TokenBucket(rate=login_rate_per_min / 60.0, burst=login_rate_per_min),
        exact=("/planner/login",),
        methods=frozenset({"POST"}),
    )
    app.add_middleware(
        RateLimitMiddleware, bucket=TokenBucket(rate=rate, burst=size), prefixes=("/api/",), exact=("/",)
    )
    max_body = int(os.environ.get("MAILLAGE_MAX_BODY_BYTES", MAX_BODY_BYTES))
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body)  # every route, before anything reads the body
    app.add_middleware(WriteOriginMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, hsts=secure)
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several workers): configuration from the environment."""
    mode = os.environ.get("MAILLAGE_WEB_MODE") or None
    return create_app(os.environ.get("MAILLAGE_DB_URL"), os.environ.get("MAILLAGE_DATA"), mode=mode)
