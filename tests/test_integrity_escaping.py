"""Hostile text is shown as text everywhere people read it, never run as markup (issue 12).

Names, addresses, hours notes, commune and scenario names are anyone's text: a site file, an import,
a planner. Each output is parsed (stdlib HTMLParser, as a browser tokenises) and must hold no element
or attribute the data brought in, while every hostile string is there, whole, as text. The HTML reports
(plan, compare, steering and its PDF) are in test_integrity_escaping_reports.py.
"""

from __future__ import annotations

import ast
import csv
import dataclasses
import io
import json
import re
import shutil
from collections.abc import Iterator
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jinja2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from maillage import api
from maillage.audit.guarantee import run_audit
from maillage.report.html import render_html
from maillage.steering.importer import load_default
from maillage.steering.models import Document, SteeringData
from maillage.web import routes_steering
from maillage.web.app import create_app
from maillage.web.auth import create_account
from maillage.web.context import build_context

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG = '"><img src=x onerror=alert(1)>'
SSTI = "{{7*7}}"  # a template engine fed data as a template would print 49
FORMULA = '=HYPERLINK("x")'
TEX = r"budget $\frac$"  # matplotlib reads $…$ as TeX: a map title or label once crashed on it
HOSTILES = (HOSTILE, IMG, SSTI, FORMULA)
MAILLAGE = Path(__file__).resolve().parents[1] / "maillage"
STATIC_JS = MAILLAGE / "web" / "static" / "js"
SECRET = "test-secret-key-that-is-long-enough-0123456789"


class _Dom(HTMLParser):
    """Every element with its attributes, and every piece of text a reader sees (attribute values too)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        self.texts += [v for _k, v in attrs if v]

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def assert_inert(page: str, *expected: str) -> None:
    """No script but the product's own files (and the workspace's words: a JSON data block, which a browser never
    runs), no event handler, no javascript: link, no image but data: ones (the charts); and each of ``expected``
    present whole in one piece of text."""
    dom = _Dom()
    dom.feed(page)
    dom.close()
    injected = [
        (tag, attrs) for tag, attrs in dom.elements
        if (tag == "script" and not attrs.get("src", "").startswith("/static/")
            and not (attrs.get("type") == "application/json" and "src" not in attrs))
        or (tag in ("img", "iframe", "object", "embed") and not attrs.get("src", "data:").startswith("data:"))
        or any(name.startswith("on") for name in attrs)
        or any(v.strip().lower().startswith("javascript:") for v in attrs.values())
    ]  # fmt: skip
    assert not injected, injected
    missing = [text for text in expected if not any(text in piece for piece in dom.texts)]
    assert not missing, f"not shown as text: {missing}"


def test_audit_html_report_keeps_hostile_names_addresses_hours_and_scenario_as_text(
    crowfly_world, environments_escape: list[jinja2.Environment]
) -> None:
    snapshot, cells, engine, _ = crowfly_world
    sites, communes = snapshot.sites.copy(), snapshot.communes.copy()
    rows = sites.index[sites["kind"].isin(["antenne", "sst"]) & sites["duplicate_of"].isna()][:2]  # listed
    sites.loc[rows[0], ["name", "address", "opening_hours"]] = [HOSTILE, IMG + HOSTILE, SSTI]
    sites.loc[rows[1], ["name", "address"]] = [FORMULA, TEX]
    commune = communes.index[communes["code"] == sites.loc[rows[0], "commune_code"]]
    communes.loc[commune, "name"] = f"{TEX} {IMG}"  # drawn on both maps, listed in the tables
    hostile = dataclasses.replace(snapshot, sites=sites, communes=communes)
    result = dataclasses.replace(run_audit(hostile, cells, engine, sources=[]),
                                 variant_fr=f"scénario « {HOSTILE} {TEX} »")  # fmt: skip
    html = render_html(result, title=f"Garantie d'accès {SSTI}")
    assert HOSTILE not in html and "<img src=x" not in html
    assert ESCAPED in html
    assert_inert(html, *HOSTILES, TEX, f"{TEX} {IMG}")
    maps = re.findall(r"<svg.*?</svg>", html, flags=re.DOTALL)
    label = escape(f"{TEX} {IMG}", quote=False)
    assert len(maps) == 2 and all(f">{label}</text>" in svg for svg in maps)  # the commune's name, one text
    assert len(environments_escape) == 1  # the report's Environment was seen (checked after the test)


def hostile_steering() -> tuple[SteeringData, dict[str, str]]:
    """The shipped example with markup, a template, a formula and TeX in a convention, the DM notes and a
    commune's name (the conventions and DM charts draw them); and commune names by code."""
    data = load_default()
    first = data.conventions[0]
    convention = first.model_copy(
        update={"title": HOSTILE, "commune_name": f"{TEX} {IMG}", "commitments": (SSTI, *first.commitments),
                "governance": FORMULA})  # fmt: skip
    lines = tuple(bl.model_copy(update={"note": f"{TEX} {IMG}"}) if bl.document is Document.DM else bl
                  for bl in data.budget_lines)  # fmt: skip
    data = data.model_copy(update={"conventions": (convention, *data.conventions[1:]), "budget_lines": lines})
    return data, {i.insee_code: f"{TEX} {HOSTILE}" for i in data.activity[:1]}


PLANNER = ("alice", "correct-horse-battery")


@pytest.fixture(scope="module")
def hostile_client(registry_template: Path, shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """The app over a registry whose Châtillon pôle (it answers a PMI search from Bagneux) has a hostile name,
    address, hours note and phone, a PMI and a commune hostile names, and hostile steering data."""
    path = tmp_path_factory.mktemp("hostile-web") / "registry.sqlite"
    shutil.copy(registry_template, path)
    url = f"sqlite:///{path}"
    with api.open_registry(url).begin() as conn:
        conn.execute(text("UPDATE site SET name = :n, address = :a, opening_hours = NULL, "
                          "opening_hours_source_text = :h, phone = :p WHERE id = 'pg-pole-chatillon'"),
                     {"n": HOSTILE, "a": IMG, "h": SSTI, "p": FORMULA})  # fmt: skip
        conn.execute(text("UPDATE site SET name = :n WHERE name LIKE '%Bagneux - Gabriel-Péri%'"), {"n": TEX})
        conn.execute(text("UPDATE commune SET name = :n WHERE code = '92002'"), {"n": FORMULA})  # Antony
    context = build_context(url, shared_data)
    create_account(context.db, *PLANNER, "planner", actor="test")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(routes_steering, "load_default", lambda: hostile_steering()[0])
        with TestClient(create_app(context=context, secret_key=SECRET, rate_per_s=1000, burst=1000)) as client:
            yield client


def _csrf(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _json(answer, *expected: str) -> Any:
    """The answer is JSON (type and body) and holds each of ``expected`` as it is, inside a string value."""
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-type"].split(";")[0] in ("application/json", "application/geo+json")
    body = json.loads(answer.text)
    values = list(_strings(body))
    missing = [e for e in expected if not any(e in v for v in values)]
    assert not missing, missing
    return body


def test_public_pages_keep_hostile_site_text_as_text(hostile_client: TestClient) -> None:
    page = hostile_client.get("/", params={"need": "pmi", "origin": "commune", "commune": "92007"})
    assert page.status_code == 200
    assert HOSTILE not in page.text and ESCAPED in page.text
    assert_inert(page.text, HOSTILE, IMG, SSTI, FORMULA, TEX)  # name, address, hours note, phone; the PMI
    for q in HOSTILES:  # the search box's text comes back in the page (value, "aucun lieu…")
        echoed = hostile_client.get("/", params={"need": "pmi", "q": q})
        assert echoed.status_code in (200, 404, 422) and "text/html" in echoed.headers["content-type"]
        assert_inert(echoed.text, q)
    assert_inert(hostile_client.get("/docs").text)


def test_planner_pages_keep_hostile_text_as_text(hostile_client: TestClient) -> None:
    login = hostile_client.get("/planner/login")
    assert_inert(login.text)
    refused = hostile_client.post("/planner/login", data={"username": IMG, "password": HOSTILE,
                                                          "csrf_token": _csrf(login.text)})  # fmt: skip
    assert refused.status_code == 401
    assert_inert(refused.text)
    assert IMG not in refused.text and HOSTILE not in refused.text
    hostile_client.post("/planner/login", data={"username": PLANNER[0], "password": PLANNER[1],
                                                "csrf_token": _csrf(refused.text)})  # fmt: skip
    workspace = hostile_client.get("/planner")
    assert workspace.status_code == 200
    assert_inert(workspace.text)
    # the scripts' words: JSON escaped by tojson (no "<" can close the block), read by messages.js
    block = re.search(r'<script type="application/json" id="messages">(.*?)</script>', workspace.text, re.DOTALL)
    assert block and "<" not in block.group(1) and json.loads(block.group(1))["ops"]["move_site"] == "Déplacer"
    steering = hostile_client.get("/planner/steering")
    assert steering.status_code == 200
    assert_inert(steering.text, *HOSTILES, f"{TEX} {IMG}")
    assert HOSTILE not in steering.text and "<img src=x" not in steering.text


def test_json_stays_json_and_holds_hostile_text_as_data(hostile_client: TestClient) -> None:
    _json(hostile_client.get("/api/search", params={"need": "pmi", "commune": "92007"}), HOSTILE, IMG, SSTI, TEX)
    _json(hostile_client.get("/api/orient", params={"need": "pmi", "q": "Bagneux"}), HOSTILE, IMG)
    _json(hostile_client.get("/api/communes"), FORMULA)
    _json(hostile_client.get("/api/communes.geojson"), FORMULA)
    for q in HOSTILES:
        answer = hostile_client.get("/api/suggest", params={"q": q})
        assert answer.status_code == 200 and isinstance(answer.json(), list | dict)
        answer = hostile_client.get("/api/places", params={"q": q})
        assert answer.status_code in (200, 404) and answer.headers["content-type"] == "application/json"
        json.loads(answer.text)
    csrf = _csrf(hostile_client.get("/planner/login").text)
    hostile_client.post("/planner/login", data={"username": PLANNER[0], "password": PLANNER[1], "csrf_token": csrf})
    csrf = hostile_client.get("/planner/api/session").json()["csrf_token"]
    headers = {"x-csrf-token": csrf}
    _json(hostile_client.get("/planner/api/layers"), HOSTILE, TEX, FORMULA)
    _json(hostile_client.get("/planner/api/cells"), HOSTILE)  # a cell's popup says why: the nearest sites' names
    _json(hostile_client.get("/planner/api/isochrone", params={"site_id": "pg-pole-chatillon"}))
    made = hostile_client.post("/planner/api/scenarios", json={"name": f"{HOSTILE} {TEX}", "description": SSTI},
                               headers=headers)  # fmt: skip
    assert made.status_code == 201, made.text
    sid = made.json()["id"]
    change = hostile_client.post(f"/planner/api/scenarios/{sid}/changes", headers=headers,
                                 json={"op": "add_site", "name": IMG, "kind": "antenne", "lon": 2.25, "lat": 48.85})
    assert change.status_code in (200, 201), change.text
    _json(hostile_client.get("/planner/api/scenarios"), f"{HOSTILE} {TEX}", SSTI)
    _json(hostile_client.get(f"/planner/api/scenarios/{sid}"), f"{HOSTILE} {TEX}", IMG)
    _json(hostile_client.get(f"/planner/api/scenarios/{sid}/compare"), FORMULA)
    _json(hostile_client.get("/planner/api/steering"), f"{TEX} {IMG}")  # DM notes, a convention's commune
    exported = hostile_client.get("/planner/api/results.csv", params={"scenario_id": sid})
    assert exported.status_code == 200
    cells = {row[1] for row in csv.reader(io.StringIO(exported.text.lstrip("\ufeff")))}
    assert "'" + FORMULA in cells and FORMULA not in cells  # a commune's name, never a formula
    _json(hostile_client.get("/planner/api/results.geojson", params={"scenario_id": sid}), FORMULA)


JINJA_FACTORIES = ("Environment", "SandboxedEnvironment", "NativeEnvironment", "Template", "Jinja2Templates")
SUFFIXES = ("page.html", "report.html.j2", "report.j2", "mail.txt", "map.svg", "style.css", None)


def escapes_everything(env: jinja2.Environment) -> bool:
    return all(env.autoescape(name) if callable(env.autoescape) else env.autoescape for name in SUFFIXES)


@pytest.fixture(autouse=True)
def environments_escape(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[jinja2.Environment]]:
    """Every jinja2 Environment made while a test renders something escapes every template, whatever its name."""
    made: list[jinja2.Environment] = []
    original = jinja2.Environment.__init__

    def record(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(jinja2.Environment, "__init__", record)
    yield made
    assert all(escapes_everything(env) for env in made), [env.autoescape for env in made]


def test_every_jinja_environment_of_the_product_escapes_every_template(
    hostile_client: TestClient, environments_escape: list[jinja2.Environment]
) -> None:
    """Listed from the source: each place that makes an Environment (or a Template, or lets starlette make
    its own, select_autoescape(), which leaves .j2 and .txt raw) passes autoescape=True."""
    assert not escapes_everything(jinja2.Environment(autoescape=jinja2.select_autoescape()))  # the check bites
    environments_escape.clear()
    made = []
    for path in sorted(MAILLAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in JINJA_FACTORIES:
                    made.append((f"{path.relative_to(MAILLAGE)}:{node.lineno}", name,
                                 {k.arg: k.value for k in node.keywords}))  # fmt: skip
    assert {where.split(":")[0] for where, *_ in made} >= {
        "report/templating.py", "web/app.py"}  # the reports' one environment, the web's own
    for where, name, keywords in made:
        if name == "Jinja2Templates":
            assert "env" in keywords, f"{where}: starlette's own Environment does not escape .j2 templates"
        else:
            value = keywords.get("autoescape")
            assert isinstance(value, ast.Constant) and value.value is True, f"{where}: autoescape=True missing"
    assert escapes_everything(hostile_client.app.state.templates.env)  # the web app's, at run time


def test_map_tooltips_bind_names_as_text_nodes() -> None:
    """Leaflet puts a *string* tooltip, popup, divIcon or attribution into innerHTML: every call in every
    script must pass a text node, text(...), an element whose text is set with textContent, el(...), or
    (attributions) asText(...), the string's escaped form; no script writes markup itself."""
    scripts = {path.name: path.read_text() for path in sorted(STATIC_JS.glob("*.js"))}
    binds = re.compile(r"\.(?:bindTooltip|bindPopup|setTooltipContent|setPopupContent|setContent)\(([^)]*)")
    calls = {arg for script in scripts.values() for arg in binds.findall(script)}
    assert calls  # the maps do have tooltips
    # "content": PlannerMap.popup's parameter; its callers pass sitePopup/cellPopup/el nodes
    assert all(arg.startswith(("text(", "el(")) or arg == "content" for arg in calls), calls
    icons = [arg for script in scripts.values() for arg in re.findall(r"divIcon\(\{[^}]*html:\s*([^,}]*)", script)]
    assert icons and all(arg == "node" for arg in icons), icons  # pin(…, text(rank), …): a node
    attributions = [a for script in scripts.values() for a in re.findall(r"attribution:\s*([^,}]*)", script)]
    assert attributions and all(a.startswith("asText(") for a in attributions), attributions
    helper = scripts["planner-map.js"]
    assert "node.textContent = text" in helper  # el() never parses markup
    for name, script in scripts.items():
        assert all(v.strip() == '""' for v in re.findall(r"innerHTML\s*=([^;]*);", script)), name  # only emptied
        assert not re.search(r"insertAdjacentHTML|outerHTML\s*=|document\.write|\.html\(", script), name
