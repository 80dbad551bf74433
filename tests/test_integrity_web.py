"""Request bodies are bounded on every route: 413 before a large body is read (issue 12, item 8)."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from maillage.web.app import create_app
from maillage.web.context import build_context

SECRET = "test-secret-key-that-is-long-enough-0123456789"


def test_large_bodies_get_413_on_every_route(
    registry_template: Path, shared_data: Path, tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "registry.sqlite"
    shutil.copy(registry_template, path)
    monkeypatch.setenv("MAILLAGE_MAX_BODY_BYTES", "10000")
    context = build_context(f"sqlite:///{path}", shared_data)
    with TestClient(create_app(context=context, secret_key=SECRET, rate_per_s=1000, burst=1000)) as client:
        big = b"x" * 10_001
        for route in ("/planner/login", "/planner/api/scenarios", "/api/search", "/nowhere"):
            response = client.post(route, content=big, headers={"content-type": "application/json"})
            assert response.status_code == 413, route
            assert "trop volumineuse" in response.text
        streamed = client.post(  # chunked, no Content-Length: refused once the form reader passes the limit
            "/planner/login", content=iter([b"x" * 6000, b"x" * 6000]),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert streamed.status_code == 413
        assert client.post("/planner/api/scenarios", content=b"x" * 100).status_code in (401, 403, 422)
        assert client.get("/api/needs").status_code == 200
