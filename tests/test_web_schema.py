"""Property-based API tests: schemathesis against the app's own OpenAPI document (in-process ASGI).

Every operation of ``/openapi.json`` gets generated requests (valid and invalid): no 5xx, every
response conforms to the documented status codes, content types and schemas, invalid input is
refused (4xx), valid input accepted. The public API runs anonymously; the planner API with a logged-in
session and its CSRF token. Bounded and derandomized (the same cases on every run), on the real
Hauts-de-Seine registry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import positive_data_acceptance

from maillage import api
from maillage.web.app import SESSION_COOKIE, create_app
from maillage.web.auth import create_account
from maillage.web.context import build_context

SECRET = "schema-test-secret-key-long-enough-0123456789"
PLANNER = ("schema.planner", "schemathesis-password-1")
MAX_EXAMPLES = 25
BOUNDED = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def web_app(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    path = tmp_path_factory.mktemp("web-schema") / "registry.sqlite"
    api.init_registry(shared_data, f"sqlite:///{path}")
    context = build_context(f"sqlite:///{path}", shared_data)
    create_account(context.db, *PLANNER, "planner", actor="test")
    return create_app(context=context, secret_key=SECRET, rate_per_s=100_000, burst=100_000, login_rate_per_min=1000)


@pytest.fixture(scope="module")
def planner_session(web_app: FastAPI) -> Iterator[dict[str, Any]]:
    """The cookie and CSRF token of a planner logged in through the form, like a browser."""
    with TestClient(web_app) as client:
        page = client.get("/planner/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        form = {"username": PLANNER[0], "password": PLANNER[1], "csrf_token": token}
        assert client.post("/planner/login", data=form, follow_redirects=False).status_code == 303
        csrf = client.get("/planner/api/session").json()["csrf_token"]
        yield {"cookies": {SESSION_COOKIE: client.cookies[SESSION_COOKIE]}, "headers": {"X-CSRF-Token": csrf}}


@pytest.fixture(scope="module")
def api_schema(web_app: FastAPI) -> BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", web_app)


# OpenAPI cannot say "exactly one of commune or (lon, lat)" for query parameters: /api/search may refuse a
# schema-valid query with 422, but only for that rule (checked below), never for anything else.
ORIGIN_RULE = "/api/search"


def is_origin_rule_refusal(status: int, body: bytes) -> bool:
    if status != 422:
        return False
    errors = json.loads(body)["detail"]
    return all(e["loc"] == ["query"] and e["type"] == "value_error" for e in errors) and any(
        "origine" in e["msg"] or "lon et lat" in e["msg"] or "adresse" in e["msg"] for e in errors
    )


def fuzz(operation: APIOperation, mode: GenerationMode, call: dict[str, Any]) -> None:
    """Up to MAX_EXAMPLES generated requests to one operation, each response checked (raises on the first failure)."""
    origin_rule = operation.path == ORIGIN_RULE and mode is GenerationMode.POSITIVE

    @given(case=operation.as_strategy(generation_mode=mode))
    @BOUNDED
    def check(case: schemathesis.Case) -> None:
        if not origin_rule:
            case.call_and_validate(**call)
            return
        response = case.call(**call)
        case.validate_response(response, excluded_checks=[positive_data_acceptance])
        assert response.status_code < 400 or is_origin_rule_refusal(response.status_code, response.content), (
            f"valid search refused: {case.query} -> {response.status_code} {response.content[:300]!r}"
        )

    try:
        check()
    except Unsatisfiable:
        # no parameter and no body: there is no invalid request to generate
        if mode is GenerationMode.NEGATIVE and not any(operation.iter_parameters()) and not operation.body:
            return
        raise


@pytest.mark.parametrize("tag", ["public", "planner"])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_api_conforms_to_its_openapi_document(
    api_schema: BaseSchema, planner_session: dict[str, Any], tag: str, mode: GenerationMode
) -> None:
    call = planner_session if tag == "planner" else {}
    operations = [result.ok() for result in api_schema.include(tag=tag).get_all_operations()]
    assert len(operations) >= (4 if tag == "public" else 8), [op.label for op in operations]
    failures = []
    for operation in operations:
        try:
            fuzz(operation, mode, call)
        except Exception as exc:  # every operation is fuzzed; all failures are reported together
            failures.append(f"{operation.label}: {type(exc).__name__}: {exc}")
    assert not failures, "\n\n".join(failures)
