"""Capacity and marginal value in every output, on the real 92 (crow-fly), checked against plain numpy."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from rich.console import Console

from maillage.planning.site_value import attach_site_value
from maillage.report import terminal, writers
from maillage.report.html import render_html


@pytest.fixture(scope="module")
def weighed(crowfly_world):
    _, _, engine, baseline = crowfly_world
    return attach_site_value(baseline, engine)


def test_issy_load_equals_a_direct_count(weighed) -> None:
    cells, sites = weighed.cells, weighed.sites.set_index("id")
    issy = sites.loc["pg-pole-issy", ["x_m", "y_m"]].to_numpy(float)
    minutes = np.hypot(*(cells.xy_m - issy).T) * 1.3 / (4.8 * 1000 / 60)  # walk crow-fly: × 1.3 detour, 4.8 km/h
    residents = cells.population[minutes <= 20.0].sum()
    row = weighed.capacity.sites.set_index("id").loc["pg-pole-issy"]
    assert row["capacity_rooms"] == 12.0 and row["capacity_origin"] == "registre"
    assert row["residents_in_catchment"] == pytest.approx(residents)
    assert row["residents_per_room"] == pytest.approx(residents / 12.0)
    # every cell's accessibility is the sum of the ratios of the sites within reach (step 2), here for one cell
    i = int(np.argmin(minutes))
    table = weighed.capacity.sites
    xy = table.merge(weighed.sites[["id", "x_m", "y_m"]], on="id")[["x_m", "y_m"]].to_numpy(float)
    t = np.hypot(*(xy - cells.xy_m[i]).T) * 1.3 / 80.0
    expected = table["ratio_rooms_per_resident"].to_numpy()[t <= table["catchment_minutes"].to_numpy()].sum()
    assert weighed.capacity.ratio_per_cell[i] == pytest.approx(expected)


def test_json_carries_capacity_marginal_and_per_cell_2sfca(weighed) -> None:
    doc = json.loads(writers.to_json(weighed))
    capacity, marginal = doc["capacity"], doc["marginal"]
    top = capacity["most_loaded_poles"]
    assert len(top) == 5 and all(set(p) >= {"name", "commune", "residents_per_room"} and "id" not in p for p in top)
    assert [p["residents_per_room"] for p in top] == sorted((p["residents_per_room"] for p in top), reverse=True)
    assert any(s["capacity_origin"] == "registre" and "12 bureaux d'entretien" in s["capacity_source"]
               for s in capacity["sites"])  # fmt: skip
    lost = [s["residents_lost_if_closed"] for s in marginal["sites"]]
    assert lost == sorted(lost, reverse=True) and lost[0] > 0
    assert all("capacity_access_per_10000" in c for c in doc["cells"])
    defaults = [a for a in doc["maillage"]["assumptions"] if a.startswith("Hypothèse : capacité par défaut")]
    assert any("par site « Pôle social départemental »" in a for a in defaults)


def test_html_and_terminal_name_the_most_loaded_pole(weighed) -> None:
    top = weighed.capacity.most_loaded_poles(weighed.standard, 1).iloc[0]
    page = render_html(weighed)
    assert "Capacité face à la demande" in page and "Valeur de chaque site" in page
    assert "« 12 bureaux d&#39;entretien »" in page and "hypothèse : capacité par défaut" in page
    buffer = io.StringIO()
    terminal.print_audit(weighed, Console(file=buffer, width=200))
    text = buffer.getvalue()
    assert f"Pôle le plus chargé : {top['name']} ({top['commune']})" in text
    director = text[text.index("Valeur de chaque site") : text.index("Hypothèses et sources")]
    assert "Pôle social" in director and "pg-pole" not in director and "mama-" not in director  # names, never ids
