"""``maillage orient`` computes only the minutes its one answer reads, and they are the web app's minutes.

The web app precomputes every cell's minutes to every site (one backward street search per site); the
command answers one resident with one forward search from the resident's cell
(:class:`~maillage.orientation.minutes.OnDemandMinutes`). Both on the real 92 data and street graph:
the same float32 minutes for sampled cells (walk, and car with its one-way streets), the same spread
over a commune, and the same JSON answer from the command and from ``/api/orient``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from maillage import api
from maillage.cli import app
from maillage.network.street import StreetEngine
from maillage.orientation.minutes import DenseMinutes, OnDemandMinutes
from maillage.orientation.search import build_index
from maillage.registry.snapshot import load_snapshot
from maillage.web.app import create_app
from maillage.web.context import build_context

SECRET = "test-secret-key-that-is-long-enough-0123456789"
SAMPLE_CELLS = 25


@pytest.fixture(scope="module")
def world(registry_template: Path, shared_data: Path):
    snapshot = load_snapshot(api.open_registry(f"sqlite:///{registry_template}"))
    folder = api._folder(shared_data, snapshot)
    cells, _ = api.population_cells(snapshot, folder)
    return snapshot, folder, cells


@pytest.mark.parametrize("mode", ["walk", "car"])
def test_on_demand_minutes_equal_the_precomputed_matrix(world, mode: str) -> None:
    snapshot, folder, cells = world
    engine = api.engine_for(folder, mode).engine
    dense = build_index(snapshot, cells, engine)
    lazy = build_index(snapshot, cells, engine, precompute=False)
    assert isinstance(dense.minutes, DenseMinutes) and isinstance(lazy.minutes, OnDemandMinutes)
    rng = np.random.default_rng(92)
    sample = [dense.commune_centre_cell["92040"], *rng.choice(len(cells), SAMPLE_CELLS, replace=False).tolist()]
    reached = 0
    for cell in sample:
        want, got = dense.minutes.row(int(cell)), lazy.minutes.row(int(cell))
        assert got.dtype == want.dtype == np.float32
        np.testing.assert_array_equal(got, want, err_msg=f"cell {cell}")
        reached += int(np.isfinite(want).sum())
    assert reached > len(sample) * len(dense.sites) * 0.9  # compared on reached sites, not on inf
    issy = dense.commune_cells["92040"]
    for j in range(0, len(dense.sites), 9):
        assert lazy.minutes.spread(issy, j) == dense.minutes.spread(issy, j), j


def test_orient_command_json_equals_the_web_api(cli_home: Path, shared_data: Path, registry_template: Path,
                                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    query = "13 rue jean pierre timbaud issy"
    searches_per_site = []
    nearest = StreetEngine.nearest
    monkeypatch.setattr(StreetEngine, "nearest", lambda self, *a: searches_per_site.append(1) or nearest(self, *a))
    result = CliRunner().invoke(app, ["orient", query, "--need", "aide_alimentaire", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert searches_per_site == []  # from an address: the one forward search, no search per site
    monkeypatch.setattr(StreetEngine, "nearest", nearest)  # the web app below precomputes its matrix
    cli = json.loads(result.stdout)
    path = tmp_path / "web.sqlite"
    shutil.copy(registry_template, path)
    context = build_context(f"sqlite:///{path}", shared_data)
    with TestClient(create_app(context=context, secret_key=SECRET, rate_per_s=1000, burst=1000)) as client:
        response = client.get("/api/orient", params={"need": "aide_alimentaire", "q": query})
    assert response.status_code == 200, response.text
    web = response.json()
    for body in (cli, web):  # the time of the answer differs, and so do the opening states computed at it
        body.pop("at")
        for card in [body["own_pole"], *body["places"], *body["mobile_stops"]]:
            card.pop("opening")
    web.pop("lookup")
    cli.pop("lookup_message")
    assert cli["own_pole"]["minutes"] > 0
    assert cli == web
