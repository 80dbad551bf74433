"""A hostile site name is shown as text everywhere people read it, never run as markup (issue 12)."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from maillage import api
from maillage.audit.guarantee import run_audit
from maillage.report.html import render_html
from maillage.web.app import create_app
from maillage.web.auth import create_account
from maillage.web.context import build_context

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
STATIC_JS = Path(__file__).resolve().parents[1] / "maillage" / "web" / "static" / "js"
SECRET = "test-secret-key-that-is-long-enough-0123456789"


def test_audit_html_report_escapes_a_hostile_site_name_and_address(crowfly_world) -> None:
    snapshot, cells, engine, _ = crowfly_world
    sites = snapshot.sites.copy()
    row = sites.index[(sites["kind"] == "antenne") & sites["duplicate_of"].isna()][0]  # listed in the report
    sites.loc[row, ["name", "address"]] = [HOSTILE, f'"><img src=x onerror=alert(2)>{HOSTILE}']
    hostile = dataclasses.replace(snapshot, sites=sites)
    html = render_html(run_audit(hostile, cells, engine, sources=[]))
    assert HOSTILE not in html and "<img src=x" not in html
    assert ESCAPED in html


def test_web_pages_escape_and_json_stays_json(registry_template: Path, shared_data: Path, tmp_path: Path) -> None:
    path = tmp_path / "registry.sqlite"
    shutil.copy(registry_template, path)
    url = f"sqlite:///{path}"
    with api.open_registry(url).begin() as conn:  # the Châtillon pole answers a PMI search from Bagneux
        conn.execute(text("UPDATE site SET name = :n WHERE id = 'pg-pole-chatillon'"), {"n": HOSTILE})
    context = build_context(url, shared_data)
    create_account(context.db, "alice", "correct-horse-battery", "planner", actor="test")
    with TestClient(create_app(context=context, secret_key=SECRET, rate_per_s=1000, burst=1000)) as client:
        page = client.get("/", params={"need": "pmi", "origin": "commune", "commune": "92007"})
        assert page.status_code == 200
        assert HOSTILE not in page.text and ESCAPED in page.text
        search = client.get("/api/search", params={"need": "pmi", "commune": "92007"})
        assert search.headers["content-type"].startswith("application/json")
        assert HOSTILE in [s["name"] for s in search.json()["sites"]]  # the name itself, as data
        login = client.get("/planner/login")
        token = login.text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/planner/login", data={"username": "alice", "password": "correct-horse-battery",
                                            "csrf_token": token})
        layers = client.get("/planner/api/layers")
        assert layers.status_code == 200 and HOSTILE in json.dumps(layers.json(), ensure_ascii=False)
        assert HOSTILE not in client.get("/planner").text


def test_map_tooltips_bind_names_as_text_nodes() -> None:
    """Leaflet's bindTooltip/bindPopup put a *string* into innerHTML: every call must pass a text node,
    text(...), or an element whose text is set with textContent, el(...)."""
    binds = re.compile(r"\.(?:bindTooltip|bindPopup|setTooltipContent|setPopupContent)\(([^)]*)")
    calls = [arg for script in sorted(STATIC_JS.glob("*.js")) for arg in binds.findall(script.read_text())]
    assert calls  # the maps do have tooltips
    assert all(arg.startswith(("text(", "el(")) for arg in calls), calls
    helper = (STATIC_JS / "planner-map.js").read_text()
    assert "node.textContent = text" in helper  # el() never parses markup
    assert all(v.strip() == '""' for v in re.findall(r"innerHTML\s*=([^;]*);", helper))  # only ever emptied
