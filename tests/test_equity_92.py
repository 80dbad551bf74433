"""Publics, inequality and why-outside on the real 92 audit (street walk, census × buildings model)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from maillage import api
from maillage.audit.guarantee import run_audit
from maillage.audit.standard import ANTENNE_CLASS, POLE_CLASS
from maillage.report.writers import to_json


@pytest.fixture(scope="module")
def audit_92(registry_template: Path, shared_data: Path):
    return api.audit(data=shared_data, url=f"sqlite:///{registry_template}", public="enfants")


def test_every_outside_cell_has_a_why_with_its_verdict_minutes(audit_92) -> None:
    result = audit_92
    outside = np.flatnonzero(~result.within)
    assert len(outside) > 100 and set(result.why) == set(outside.tolist())
    for row in outside:
        why = result.why[int(row)]
        assert why.pole.minutes == result.minutes(POLE_CLASS)[row]
        assert why.antenne.minutes == result.minutes(ANTENNE_CLASS)[row]
        assert why.pole.over_minutes > 0 and why.antenne.over_minutes > 0  # outside: both thresholds missed
        assert why.fix_minutes == min(why.pole.over_minutes, why.antenne.over_minutes)
        if why.antenne.walk_m is not None:  # a street path is never shorter than the straight line
            assert why.antenne.walk_m >= why.antenne.straight_m - 1e-6
    named = [w for w in result.why.values() if any(b.startswith("Pont ") for b in w.pole.bridges)]
    assert named, "some routes to a pôle cross a named bridge"
    cells = json.loads(to_json(result))["cells"]
    assert sum(c["why"] is not None for c in cells) == len(outside)
    assert all((c["why"] is None) == c["within_standard"] for c in cells)


def test_children_shares_recomputed(audit_92) -> None:
    result = audit_92
    children, within = result.cells.children, result.within
    assert result.publics.total["share_within_enfants"] == pytest.approx((children * within).sum() / children.sum())
    commune = result.publics.communes.set_index("code").loc["92040"]  # Issy-les-Moulineaux
    mine = result.cells.commune_code == "92040"
    assert commune["share_within_seniors"] == pytest.approx(
        (result.cells.seniors * within)[mine].sum() / result.cells.seniors[mine].sum()
    )
    assert result.public_weighed == "enfants" and "service:pmi" in result.equity


def test_gini_of_a_commune_by_brute_force(audit_92) -> None:
    result = audit_92
    mine = result.cells.commune_code == "92040"
    x, w = result.minutes(POLE_CLASS)[mine], result.cells.children[mine]
    mean = (w * x).sum() / w.sum()
    mad = (w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :])).sum() / w.sum() ** 2
    assert result.equity[POLE_CLASS].communes["92040"].gini == pytest.approx(mad / (2 * mean))
    assert result.equity[POLE_CLASS].communes["92040"].mean_minutes == pytest.approx(mean)


def test_uniform_model_says_it_has_no_age_bands(crowfly_world) -> None:
    snapshot, cells, engine, _ = crowfly_world
    result = run_audit(snapshot, cells, engine, sources=[], public="seniors")
    assert result.public_weighed == "tous" and result.publics.publics == ("tous",)
    line = next(n for n in result.notes if "tranches d'âge" in n)
    assert "Public « habitants de 65 ans et plus » demandé : résultats donnés pour tous les habitants." in line


def test_html_report_links_each_outside_cell_to_its_why_without_script(audit_92) -> None:
    from maillage.report.html import render_html

    result = audit_92
    html = render_html(result)
    inhabited = [row for row in result.why if result.cells.population[row] > 0]
    assert inhabited and "<script" not in html  # a click works by CSS :target, under any CSP
    for row in inhabited[:50]:
        assert html.count(f'xlink:href="#pourquoi-{row}">') == 2  # one link on each map, same tab
        assert f'id="pourquoi-{row}" class="why"' in html
    assert "Publics et inégalités d'accès" in html and "Enfants (moins de 15 ans)" in html
    gini = result.equity["pole"].total.gini
    assert f"Gini {gini:.2f}".replace(".", ",") in html
