"""The HTML reports as a reader opens them: Debian's chromium at desktop and phone width (issue 14).

Each report the product writes — audit, plan, compare (``maillage audit|plan|compare --html``) and the
steering report (``maillage steering report``, its HTML) — is made once from the real Hauts-de-Seine
registry (crow-fly world, for speed), written to a file and opened from disk at 1400 and 390 px. A
report must: declare its own Content-Security-Policy (no script at all, nothing fetched) and trigger no
violation of it nor any console error; request nothing but itself and ``data:`` images; never scroll
sideways; and draw every map and chart (a screenshot of each is not one flat colour). Full-page
screenshots go to ``out/screenshots/report-*.png``. The steering PDF's pages (A4, nothing clipped)
are checked in test_steering_pdf.py.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from browser_support import SCREENSHOTS, TIMEOUT_MS, Browser, ConsoleMessage, Page
from PIL import Image

from maillage.audit.standard import ServiceStandard
from maillage.planning import PlanRequest, compare, plan
from maillage.planning.variants import audit_variant
from maillage.report.html import render_html
from maillage.report.planning_html import render_compare_html, render_plan_html
from maillage.report.steering import render_html as render_steering_html
from maillage.steering.importer import load_default

pytestmark = pytest.mark.browser

WIDTHS = (1400, 390)
BOULOGNE = (2.2399, 48.8352)
# what each report must say in its <meta http-equiv="Content-Security-Policy">: no script, nothing fetched
CSP_MUST = ("default-src 'none'", "script-src 'none'")
INTERNAL_IDS = re.compile(r"\b(?:mobile_stop|pole_social|france_services|pg-pole-[a-z-]+|non-renseigne)\b")


@pytest.fixture(scope="module")
def reports(crowfly_world, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each HTML report, written once to a file (the renderers the CLI writes with)."""
    snapshot, cells, engine, baseline = crowfly_world
    out = tmp_path_factory.mktemp("reports")
    moved = snapshot.usable_sites().query("kind == 'antenne'").iloc[0]
    changes = [
        {"op": "add_site", "site_id": "n1", "payload": {"name": "Nouvelle antenne", "kind": "antenne",
                                                        "lon": BOULOGNE[0], "lat": BOULOGNE[1]}},
        {"op": "close_site", "site_id": "pg-pole-chatillon"},
        {"op": "move_site", "site_id": moved["id"], "payload": {"lon": 2.30, "lat": 48.90}},
    ]  # fmt: skip
    after = audit_variant(snapshot, cells, engine, changes=changes)
    diff = compare(baseline, after) | {"reference": "existant", "scenario": "Antenne à Boulogne"}
    proposed = plan(snapshot, cells, engine, request=PlanRequest(new_sites=1, proposals=3), baseline=baseline)
    inputs = SimpleNamespace(snapshot=snapshot, cells=cells, engine=engine)
    populations, names = snapshot.commune_populations()
    pages = {
        "audit": render_html(baseline),
        "plan": render_plan_html(proposed, inputs, ServiceStandard()),
        "compare": render_compare_html(diff, baseline, after),
        "steering": render_steering_html(load_default(), date(2025, 6, 1), populations, names),
    }
    paths = {}
    for name, html in pages.items():
        paths[name] = out / f"{name}.html"
        paths[name].write_text(html, encoding="utf-8")
    return paths


def _open(browser: Browser, path: Path, width: int) -> tuple[Page, list[str], list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []
    requests: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning") or "Content Security Policy" in message.text:
            problems.append(f"{message.type}: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    return page, problems, requests


def _drawn(png: bytes) -> tuple[float, float]:
    """Pixel variance and the share of pixels that are not the background (the most common colour)."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int32)
    flat = pixels.reshape(-1, 3)
    _colours, counts = np.unique(flat, axis=0, return_counts=True)
    return float(flat.var()), 1 - counts.max() / len(flat)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["audit", "plan", "compare", "steering"])
def test_report_reads_at_desktop_and_phone_width(browser: Browser, reports: dict[str, Path], name: str,
                                                 width: int) -> None:  # fmt: skip
    page, problems, requests = _open(browser, reports[name], width)
    try:
        if width == 390:  # the one to look at: desktop layouts are the web tests' screenshots
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SCREENSHOTS / f"report-{name}-{width}.png", full_page=True)
        policy = page.locator('meta[http-equiv="Content-Security-Policy"]')
        assert policy.count() == 1, "the report declares no Content-Security-Policy"
        content = policy.get_attribute("content") or ""
        assert all(rule in content for rule in CSP_MUST), content
        assert not problems, problems  # no CSP violation, no console error
        assert all(u.startswith(("file://", "data:")) for u in requests), requests
        assert requests[0] == reports[name].as_uri()
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{name} at {width} px: {scroll} px wide, the screen is {inner} px"
        figures = page.locator("svg, img")
        count = figures.count()
        assert count >= {"audit": 2, "plan": 3, "compare": 3, "steering": 4}[name]
        for i in range(count):
            figure = figures.nth(i)
            box = figure.bounding_box()
            assert box and box["width"] > 50 and box["height"] > 50, (name, i, box)
            assert box["x"] >= 0 and box["x"] + box["width"] <= inner + 0.5, (name, i, box)  # not cut at the side
            if width == 390:  # drawn once is enough (the same SVG at both widths); the smaller, the faster
                variance, drawn = _drawn(figure.screenshot())
                assert variance > 0 and drawn > 0.05, (name, i, variance, drawn)  # not one flat colour
        shown = page.inner_text("body")
        assert not INTERNAL_IDS.findall(shown), INTERNAL_IDS.findall(shown)[:5]  # names, never ids
        assert not problems, problems
    finally:
        page.context.close()
