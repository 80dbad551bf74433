"""French sentences for request-validation errors of the planner workspace.

FastAPI answers a bad request with pydantic's list of English error objects; the workspace shows
``detail`` to a planner, so under ``/planner`` the answer carries one French sentence per problem
(the field as a person names it, what is wrong, what to do) in ``detail`` and the raw list in
``errors`` for programs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

FIELD_LABELS = {
    "lon": "la longitude",
    "lat": "la latitude",
    "name": "le nom",
    "kind": "le type de site",
    "site_id": "le site",
    "services": "les services",
    "description": "la description",
    "op": "le type de changement",
    "horizon": "l'horizon (en mois)",
    "today": "la date de référence",
    "scenario_id": "le scénario",
    "change_id": "le changement",
    "username": "l'identifiant",
    "password": "le mot de passe",
    "csrf_token": "le jeton de sécurité (rechargez la page)",
    "limit": "le nombre de résultats",
    "method": "la méthode",
}
_ROOTS = {"body", "query", "path", "header", "cookie"}
_BOUNDS = {"less_than_equal": ("le", "au plus"), "less_than": ("lt", "moins de"),
           "greater_than_equal": ("ge", "au moins"), "greater_than": ("gt", "plus de")}  # fmt: skip


def _field(loc: Sequence[Any]) -> str:
    names = [str(p) for p in loc if isinstance(p, str) and p not in _ROOTS]
    known = [n for n in names if n in FIELD_LABELS]
    if known:
        return FIELD_LABELS[known[-1]]
    return f"le champ « {names[-1]} »" if names else "la requête"


def sentence(error: dict[str, Any]) -> str:
    """One French sentence for one pydantic error: the field, what is wrong, what to do."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    field, value = _field(error.get("loc", ())), error.get("input")
    shown = f" (saisi : « {value} »)" if isinstance(value, str | int | float) and not isinstance(value, bool) else ""
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        bound = str(ctx.get(key)).replace(".", ",")
        return f"{field.capitalize()} doit valoir {words} {bound}{shown} : corrigez la valeur."
    if kind == "missing":
        return f"{field.capitalize()} manque : renseignez ce champ."
    if kind == "string_too_short":
        return f"{field.capitalize()} est vide ou trop court : renseignez ce champ."
    if kind in ("string_too_long", "too_long"):
        return f"{field.capitalize()} est trop long ({ctx.get('max_length')} au plus) : raccourcissez-le."
    if kind in ("float_parsing", "int_parsing", "float_type", "int_type", "int_from_float"):
        return f"{field.capitalize()} doit être un nombre{shown} : corrigez la valeur."
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", "")).replace(" or ", " ou ")  # pydantic's list ends "'a' or 'b'"
        return f"{field.capitalize()} n'accepte pas cette valeur{shown} ; valeurs possibles : {expected}."
    if kind == "union_tag_invalid":
        return f"Type de changement inconnu (saisi : « {ctx.get('tag')} ») ; possibles : {ctx.get('expected_tags')}."
    if kind == "extra_forbidden":
        return f"{field.capitalize()} n'est pas attendu ici : retirez-le."
    if kind in ("date_from_datetime_parsing", "date_parsing", "datetime_parsing"):
        return f"{field.capitalize()} n'est pas une date valide{shown} : écrivez AAAA-MM-JJ."
    if kind == "value_error":  # our own validators already speak French: "Value error, <message>"
        return str(error.get("msg", "")).removeprefix("Value error, ")
    return f"{field.capitalize()} : valeur refusée{shown} ; vérifiez la saisie."


def french_detail(errors: Sequence[dict[str, Any]]) -> str:
    return " ".join(dict.fromkeys(sentence(e) for e in errors)) or "Requête invalide."


async def validation_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with a French ``detail`` under ``/planner`` (shown to the planner), FastAPI's list elsewhere."""
    errors = jsonable_encoder(exc.errors())
    if request.url.path.startswith("/planner"):
        return JSONResponse({"detail": french_detail(errors), "errors": errors}, status_code=422)
    return JSONResponse({"detail": errors}, status_code=422)


def document_french_detail(app: FastAPI) -> None:
    """Say in the OpenAPI document what :func:`validation_handler` sends: under ``/planner`` a 422's
    ``detail`` is a French sentence and ``errors`` pydantic's list; elsewhere ``detail`` is the list."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        error = schema.get("components", {}).get("schemas", {}).get("HTTPValidationError")
        if error is not None:
            items = {"$ref": "#/components/schemas/ValidationError"}
            error["properties"]["detail"] = {
                "anyOf": [{"type": "string"}, {"type": "array", "items": items}],
                "title": "Detail",
                "description": "sous /planner : une phrase en français ; ailleurs : la liste des erreurs",
            }
            error["properties"]["errors"] = {"type": "array", "items": items, "title": "Errors"}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
