"""Hostile names stay text in the compare and steering HTML too (issue 12, escaping of every output).

The audit report and the web pages are in test_integrity_escaping.py. Here a closed site named
``<script>…``, a commune and a scenario with markup in their names go through ``compare --html``, and steering
conventions whose title, commune name and commitments are markup through the steering page.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from test_integrity_escaping import ESCAPED, HOSTILE

from maillage.audit.guarantee import run_audit
from maillage.planning.compare import compare
from maillage.report.planning_html import render_compare_html
from maillage.report.steering import render_html as render_steering_html
from maillage.steering.importer import load_default

IMG = '"><img src=x onerror=alert(2)>'


def test_compare_html_escapes_site_commune_and_scenario_names(crowfly_world) -> None:
    snapshot, cells, engine, _ = crowfly_world
    sites, communes = snapshot.sites.copy(), snapshot.communes.copy()
    pole = sites.index[(sites["kind"] == "pole_social") & sites["duplicate_of"].isna()][0]
    sites.loc[pole, "name"] = HOSTILE
    communes.loc[communes.index[communes["code"] == sites.loc[pole, "commune_code"]], "name"] = IMG + HOSTILE
    hostile = dataclasses.replace(snapshot, sites=sites, communes=communes)
    base = run_audit(hostile, cells, engine, sources=[])
    after = run_audit(dataclasses.replace(hostile, sites=sites.drop(index=pole)), cells, engine, sources=[])
    diff = compare(base, after) | {"scenario": f"plan {HOSTILE}", "reference": "existant", "when": None, "notes": []}
    assert any(HOSTILE in name for name in diff["sites_removed_names"])  # the hostile text reached the page
    html = render_compare_html(diff, base, after)
    assert HOSTILE not in html and "<img src=x" not in html
    assert ESCAPED in html


def test_steering_html_escapes_convention_text() -> None:
    data = load_default()
    first = data.conventions[0]
    hostile = first.model_copy(
        update={"title": HOSTILE, "commune_name": IMG + HOSTILE, "commitments": (HOSTILE, *first.commitments)}
    )
    data = data.model_copy(update={"conventions": (hostile, *data.conventions[1:])})
    for stylesheet in (None, "/planner/steering.css"):  # self-contained file, web page
        html = render_steering_html(data, date(2026, 12, 3), stylesheet=stylesheet)
        assert HOSTILE not in html and "<img src=x" not in html
        assert ESCAPED in html
