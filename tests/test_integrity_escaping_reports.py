"""Hostile text stays text in the plan, compare and steering reports, HTML and PDF (issue 12, escaping).

The audit report and the web pages are in test_integrity_escaping.py. Here hostile site, commune and
scenario names go through ``plan --html`` and ``compare --html`` (tables and the maps' SVG text), and
steering conventions, budget notes and commune names through the steering page (file and web) and
the PDF Chromium prints from it, read back with pdftotext.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from datetime import date
from types import SimpleNamespace

import pytest
from test_integrity_escaping import (
    ESCAPED,
    FORMULA,
    HOSTILE,
    HOSTILES,
    IMG,
    SSTI,
    TEX,
    assert_inert,
    environments_escape,  # noqa: F401  (autouse: every Environment made here escapes)
    hostile_steering,
)

from maillage.audit.guarantee import run_audit
from maillage.audit.standard import ServiceStandard
from maillage.planning import PlanRequest, plan
from maillage.planning.compare import compare
from maillage.report.planning_html import render_compare_html, render_plan_html
from maillage.report.steering import render_html as render_steering_html
from maillage.report.steering import write_report


@pytest.fixture(scope="module")
def hostile_world(crowfly_world):
    """The 92 with a pôle named ``<script>…``, its commune named with TeX and markup."""
    snapshot, cells, engine, _ = crowfly_world
    sites, communes = snapshot.sites.copy(), snapshot.communes.copy()
    pole = sites.index[(sites["kind"] == "pole_social") & sites["duplicate_of"].isna()][0]
    sites.loc[pole, ["name", "address"]] = [HOSTILE, IMG]
    communes.loc[communes.index[communes["code"] == sites.loc[pole, "commune_code"]], "name"] = f"{TEX} {IMG}"
    return dataclasses.replace(snapshot, sites=sites, communes=communes), cells, engine, pole


def test_compare_html_keeps_site_commune_and_scenario_names_as_text(hostile_world) -> None:
    hostile, cells, engine, pole = hostile_world
    base = run_audit(hostile, cells, engine, sources=[])
    after = run_audit(dataclasses.replace(hostile, sites=hostile.sites.drop(index=pole)), cells, engine, sources=[])
    diff = compare(base, after) | {"scenario": f"plan {HOSTILE} {TEX} {SSTI}", "reference": FORMULA, "when": None,
                                   "notes": [IMG]}  # fmt: skip
    assert any(HOSTILE in name for name in diff["sites_removed_names"])  # the hostile text reached the page
    html = render_compare_html(diff, base, after)
    assert HOSTILE not in html and "<img src=x" not in html
    assert ESCAPED in html
    assert_inert(html, *HOSTILES, TEX, f"{TEX} {IMG}")


def test_plan_html_keeps_proposal_unit_and_scenario_names_as_text(hostile_world) -> None:
    hostile, cells, engine, _ = hostile_world
    inputs = SimpleNamespace(snapshot=hostile, cells=cells, engine=engine)
    result = plan(hostile, cells, engine, request=PlanRequest(new_sites=1, proposals=1))
    result["proposals"][0]["new_sites"][0]["name"] = f"Nouvelle antenne {HOSTILE}"  # as named from its place
    result["saved"] = {"name": f"{TEX} {SSTI}"}
    html = render_plan_html(result, inputs, ServiceStandard())
    assert_inert(html, HOSTILE, SSTI, TEX, f"{TEX} {IMG}")
    stop = {"name": IMG, "commune": TEX, "lon": 2.25, "lat": 48.85, "opening_hours": SSTI, "population_reached": 3}
    mobile = {"method": "mobile", "method_label": FORMULA, "unit": HOSTILE, "stops": [stop],
              "population_reached": 3, "notes": [SSTI]}  # fmt: skip
    assert_inert(render_plan_html(mobile, inputs, ServiceStandard()), *HOSTILES, TEX)


def test_steering_html_keeps_convention_notes_and_communes_as_text() -> None:
    data, names = hostile_steering()
    for stylesheet in (None, "/planner/steering.css"):  # self-contained file, web page (charts as data: images)
        html = render_steering_html(data, date(2026, 12, 3), commune_names=names, stylesheet=stylesheet)
        assert HOSTILE not in html and "<img src=x" not in html
        assert ESCAPED in html
        assert_inert(html, *HOSTILES, f"{TEX} {IMG}", f"{TEX} {HOSTILE}")


def test_steering_pdf_prints_hostile_text_literally(tmp_path) -> None:
    """Printed by Chromium from the steering page: markup run there would leave no text behind (a script's
    body and an image are not text), so finding every string whole in pdftotext's output says it stayed text."""
    if shutil.which("pdftotext") is None or shutil.which("chromium") is None:
        pytest.fail("chromium and pdftotext are needed (scripts/browser.sh installs them)")
    data, names = hostile_steering()
    paths = write_report(data, tmp_path, date(2026, 12, 3), commune_names=names)
    text = subprocess.run(["pdftotext", str(paths["pdf"]), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())  # a table cell may wrap a long string over two lines
    for hostile in (*HOSTILES, TEX):
        assert "".join(hostile.split()) in flat, hostile
    assert_inert(paths["html"].read_text(encoding="utf-8"), *HOSTILES, f"{TEX} {IMG}")
