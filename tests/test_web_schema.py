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
ADMIN = ("schema.admin", "schemathesis-password-1")  # an administrator: the write log is fuzzed too
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
    create_account(context.db, *ADMIN, "admin", actor="test")
    return create_app(context=context, secret_key=SECRET, rate_per_s=100_000, burst=100_000, login_rate_per_min=1000)


@pytest.fixture(scope="module")
def planner_session(web_app: FastAPI) -> Iterator[dict[str, Any]]:
    """The cookie and CSRF token of an administrator logged in through the form, like a browser."""
    with TestClient(web_app) as client:
        page = client.get("/planner/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        form = {"username": ADMIN[0], "password": ADMIN[1], "csrf_token": token}
        assert client.post("/planner/login", data=form, follow_redirects=False).status_code == 303
        csrf = client.get("/planner/api/session").json()["csrf_token"]
        yield {"cookies": {SESSION_COOKIE: client.cookies[SESSION_COOKIE]}, "headers": {"X-CSRF-Token": csrf}}


@pytest.fixture(scope="module")
def api_schema(web_app: FastAPI) -> BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", web_app)


# Every operation is fuzzed (the optimiser's proposals answer in well under a second since planning
# solves k = 1 by enumeration; they are checked for content in test_web_api.py).
NOT_FUZZED: list[str] = []


def refused_for_a_documented_reason(status: int, body: bytes) -> bool:
    """Whether a schema-valid request was refused for a reason its OpenAPI document gives.

    404/409: an unknown commune, point or scenario, a duplicate name (documented per route). 422 with a
    text ``detail``: a valid change that cannot apply (unknown site in this scenario). 422 on the query
    as a whole: the one-origin rule of /api/search ("a commune, or lon and lat"), which OpenAPI cannot
    express for query parameters. A 422 naming one field means the document and the server disagree.
    """
    if status in (404, 409):
        return True
    if status != 422:
        return False
    doc = json.loads(body)
    detail = doc.get("errors", doc["detail"])  # under /planner: French sentence in detail, pydantic's list in errors
    return isinstance(detail, str) or all(e["loc"] == ["query"] and e["type"] == "value_error" for e in detail)


def fuzz(operation: APIOperation, mode: GenerationMode, call: dict[str, Any]) -> None:
    """Up to MAX_EXAMPLES generated requests to one operation, each response checked (raises on the first failure)."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @BOUNDED
    def check(case: schemathesis.Case) -> None:
        if mode is GenerationMode.NEGATIVE:
            case.call_and_validate(**call)
            return
        # valid input: schemathesis' checks, with our acceptance rule instead of "2xx or 404 only"
        response = case.call(**call)
        case.validate_response(response, excluded_checks=[positive_data_acceptance])
        status = response.status_code
        assert status < 400 or refused_for_a_documented_reason(status, response.content), (
            f"valid request refused: {case.as_curl_command()} -> {status} {response.content[:300]!r}"
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
    operations = [result.ok() for result in api_schema.include(tag=tag).exclude(path=NOT_FUZZED).get_all_operations()]
    assert len(operations) >= (4 if tag == "public" else 8), [op.label for op in operations]
    failures: list[str] = []
    for operation in operations:
        try:
            fuzz(operation, mode, call)
        except Exception as exc:  # every operation is fuzzed; all failures are reported together
            failures.append(f"{operation.label}: {type(exc).__name__}: {exc}")

    assert not failures, "\n\n".join(failures)


def test_every_operation_is_fuzzed(api_schema: BaseSchema) -> None:
    for result in api_schema.get_all_operations():
        operation = result.ok()
        assert {"public", "planner"} & set(operation.tags or []), f"{operation.label} has no public/planner tag"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/planner/api/scenarios/99999999999999999999"),  # was a 500 (SQLite integer overflow)
        ("GET", "/planner/api/scenarios/9223372036854775808/compare"),
        ("POST", "/planner/api/scenarios/99999999999999999999/changes"),
        ("GET", "/planner/api/steering?today=0"),  # was read as 1 January 1970
        ("GET", "/api/search?need=pmi&commune=92007&at=1732442400"),
    ],
)
def test_found_by_fuzzing_out_of_range_ids_and_numeric_dates_give_422(
    web_app: FastAPI, planner_session: dict[str, Any], method: str, path: str
) -> None:
    with TestClient(web_app, raise_server_exceptions=False, cookies=planner_session["cookies"]) as client:
        body = {"op": "close_site", "site_id": "pg-pole-vanves"} if method == "POST" else None
        response = client.request(method, path, json=body, headers=planner_session["headers"])
    assert response.status_code == 422, response.text
