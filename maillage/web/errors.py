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

from maillage.i18n import N_, _

FIELD_LABELS = {  # marked: _field() gives them in the interface language
    "lon": N_("la longitude"),
    "lat": N_("la latitude"),
    "name": N_("le nom"),
    "kind": N_("le type de site"),
    "site_id": N_("le site"),
    "services": N_("les services"),
    "description": N_("la description"),
    "op": N_("le type de changement"),
    "horizon": N_("l'horizon (en mois)"),
    "today": N_("la date de référence"),
    "scenario_id": N_("le scénario"),
    "change_id": N_("le changement"),
    "username": N_("l'identifiant"),
    "password": N_("le mot de passe"),
    "csrf_token": N_("le jeton de sécurité (rechargez la page)"),
    "limit": N_("le nombre de résultats"),
    "method": N_("la méthode"),
}
_ROOTS = {"body", "query", "path", "header", "cookie"}
_BOUNDS = {"less_than_equal": ("le", N_("au plus")), "less_than": ("lt", N_("moins de")),
           "greater_than_equal": ("ge", N_("au moins")), "greater_than": ("gt", N_("plus de"))}  # fmt: skip


def _field(loc: Sequence[Any]) -> str:
    names = [str(p) for p in loc if isinstance(p, str) and p not in _ROOTS]
    known = [n for n in names if n in FIELD_LABELS]
    if known:
        return _(FIELD_LABELS[known[-1]])
    return _("le champ « {name} »").format(name=names[-1]) if names else _("la requête")


def sentence(error: dict[str, Any]) -> str:
    """One French sentence for one pydantic error: the field, what is wrong, what to do."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    field, value = _field(error.get("loc", ())), error.get("input")
    typed = isinstance(value, str | int | float) and not isinstance(value, bool)
    shown = " " + _("(saisi : « {value} »)").format(value=value) if typed else ""
    field = field.capitalize()
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        bound = str(ctx.get(key)).replace(".", ",")
        return _("{field} doit valoir {bound}{shown} : corrigez la valeur.").format(
            field=field, bound=f"{_(words)} {bound}", shown=shown)
    if kind == "missing":
        return _("{field} manque : renseignez ce champ.").format(field=field)
    if kind == "string_too_short":
        return _("{field} est vide ou trop court : renseignez ce champ.").format(field=field)
    if kind in ("string_too_long", "too_long"):
        return _("{field} est trop long ({n} au plus) : raccourcissez-le.").format(field=field, n=ctx.get("max_length"))
    if kind in ("float_parsing", "int_parsing", "float_type", "int_type", "int_from_float"):
        return _("{field} doit être un nombre{shown} : corrigez la valeur.").format(field=field, shown=shown)
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", "")).replace(" or ", " " + _("ou") + " ")  # pydantic's "'a' or 'b'"
        return _("{field} n'accepte pas cette valeur{shown} ; valeurs possibles : {expected}.").format(
            field=field, shown=shown, expected=expected)
    if kind == "union_tag_invalid":
        return _("Type de changement inconnu (saisi : « {tag} ») ; possibles : {expected}.").format(
            tag=ctx.get("tag"), expected=ctx.get("expected_tags"))
    if kind == "extra_forbidden":
        return _("{field} n'est pas attendu ici : retirez-le.").format(field=field)
    if kind in ("date_from_datetime_parsing", "date_parsing", "datetime_parsing"):
        return _("{field} n'est pas une date valide{shown} : écrivez AAAA-MM-JJ.").format(field=field, shown=shown)
    if kind == "value_error":  # our own validators already speak French: "Value error, <message>"
        return str(error.get("msg", "")).removeprefix("Value error, ")
    return _("{field} : valeur refusée{shown} ; vérifiez la saisie.").format(field=field, shown=shown)


def french_detail(errors: Sequence[dict[str, Any]]) -> str:
    return " ".join(dict.fromkeys(sentence(e) for e in errors)) or _("Requête invalide.")


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
