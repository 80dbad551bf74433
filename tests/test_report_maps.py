"""Report maps on the real 92 (crow-fly world): one size and scale for every map of a plan or a
comparison, a scale bar, names and legend laid out, changed sites ringed, a gains/losses map."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest

from maillage.audit.standard import ServiceStandard
from maillage.planning import PlanRequest, compare, plan
from maillage.planning.variants import audit_variant
from maillage.report.map import GAIN_COLOURS, HIGHLIGHT, changed_sites, scale_km
from maillage.report.planning_html import render_compare_html, render_plan_html

BOULOGNE = (2.2399, 48.8352)
SVG_HEAD = re.compile(r'<svg[^>]*width="([\d.]+)pt" height="([\d.]+)pt" viewBox="([\d. ]+)"')


def _svgs(page: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", page, flags=re.DOTALL)


@pytest.fixture(scope="module")
def compared(crowfly_world):
    snapshot, cells, engine, baseline = crowfly_world
    moved = snapshot.usable_sites().query("kind == 'antenne'").iloc[0]
    changes = [
        {"op": "add_site", "site_id": "n1", "payload": {"name": "A", "kind": "antenne", "lon": BOULOGNE[0],
                                                        "lat": BOULOGNE[1]}},
        {"op": "close_site", "site_id": "pg-pole-chatillon"},
        {"op": "move_site", "site_id": moved["id"], "payload": {"lon": 2.30, "lat": 48.90}},
    ]  # fmt: skip
    after = audit_variant(snapshot, cells, engine, changes=changes)
    diff = compare(baseline, after) | {"reference": "existant", "scenario": "essai"}
    return baseline, after, diff, str(moved["id"]), render_compare_html(diff, baseline, after)


def test_compare_maps_share_one_frame_and_show_gains_and_losses(compared) -> None:
    baseline, after, diff, _moved, page = compared
    svgs = _svgs(page)
    assert len(svgs) == 3  # before, after, gains/losses
    heads = [SVG_HEAD.search(s).groups() for s in svgs]
    assert len(set(heads)) == 1, heads  # one size, one viewBox: one scale
    width_m = float(np.ptp(baseline.communes.total_bounds[[0, 2]]))
    km = scale_km(width_m)
    assert 12_000 < width_m < 20_000 and km == 2  # the 92 is about 16 km wide: a 2 km bar (a round fifth)
    for svg in svgs:
        assert f"{km} km" in svg and "Boulogne-Billancourt" in svg  # text kept as text
    gains = svgs[2]
    assert "Habitants gagnés et perdus" in gains
    # the legend's figures, counted here cell by cell, are the comparison's
    gained = round(float(after.cells.population[after.within & ~baseline.within].sum()))
    assert gained == round(diff["population_gained"]) > 20_000
    assert f"+{gained:,}".replace(",", "\u202f") in gains or f"+{gained:,}".replace(",", " ") in gains
    assert GAIN_COLOURS[2] in gains and GAIN_COLOURS[3] in gains  # legend patches green and red
    assert HIGHLIGHT in svgs[1] and "Site ajouté (1)" in svgs[1] and "Site déplacé (1)" in svgs[1]
    assert HIGHLIGHT not in svgs[0]  # nothing is ringed on the reference


def test_compare_tables_name_sectors_and_write_no_signed_zero(compared) -> None:
    page = compared[4]
    assert "Pôle social départemental de Châtillon (PMI de Châtillon incluse)" in page
    assert "pg-pole-" not in page and "non-renseigne" not in page  # sectors by name, never by id
    assert "<td>92020</td>" in page  # communes keep their INSEE code beside the name
    assert "<td>+0</td>" not in page and "<td>−0</td>" not in page and "<td>0</td>" in page


def test_changed_sites_are_added_and_moved_only(compared) -> None:
    baseline, after, _diff, moved_id, _page = compared
    assert changed_sites(baseline.sites, after.sites) == {"n1": "added", moved_id: "moved"}


def test_legend_sits_below_the_map(compared) -> None:
    """The legend is drawn under the map frame: its text's y (SVG, downwards) beyond the map's bottom."""
    svg = _svgs(compared[4])[0]
    height = float(SVG_HEAD.search(svg).group(2))
    legend_y = [float(y) for y in re.findall(r'<text[^>]*y="([\d.]+)"[^>]*>Pôle social<', svg)]
    assert legend_y and min(legend_y) > height * (1 - 0.17)  # below MAP_RECT's bottom edge


def test_plan_maps_share_the_compare_frame(crowfly_world, compared) -> None:
    snapshot, cells, engine, baseline = crowfly_world
    result = plan(snapshot, cells, engine, request=PlanRequest(new_sites=1, proposals=1), baseline=baseline)
    page = render_plan_html(result, SimpleNamespace(snapshot=snapshot, cells=cells, engine=engine), ServiceStandard())
    svgs = _svgs(page)
    assert len(svgs) == 3 and "Site ajouté (1)" in svgs[1] and "Habitants gagnés et perdus" in svgs[2]
    heads = {SVG_HEAD.search(s).groups() for s in [*svgs, *_svgs(compared[4])]}
    assert len(heads) == 1
