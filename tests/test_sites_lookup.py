"""``maillage sites list|show`` on the real 92 registry: filters, names, formats, did-you-mean."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from maillage import api
from maillage.cli import app
from maillage.registry.listing import SiteLookupError, find_site, list_sites

runner = CliRunner()
WIDE = {"COLUMNS": "220"}


@pytest.fixture(scope="module")
def snapshot(registry_template: Path):
    return api.load_snapshot(api.open_registry(f"sqlite:///{registry_template}"))


def names(snapshot) -> dict[str, str]:
    return {str(c): str(n) for c, n in snapshot.communes["name"].items()}


def test_filters_match_an_independent_count(snapshot) -> None:
    sites = snapshot.sites[snapshot.sites["duplicate_of"].isna()]
    expected = sites[(sites["commune_code"] == "92075")]
    rows = list_sites(snapshot.sites, names(snapshot), commune="Vanves")
    assert {r.id for r in rows} == set(expected["id"]) and rows
    assert list_sites(snapshot.sites, names(snapshot), commune="92075") == rows  # code or name
    assert all(r.commune_name == "Vanves" for r in rows)
    poles = list_sites(snapshot.sites, names(snapshot), kind="pole_social")
    assert len(poles) == int((sites["kind"] == "pole_social").sum()) > 0
    pmi = list_sites(snapshot.sites, names(snapshot), service="pmi", commune="châtillon")
    assert pmi and all("pmi" in r.services and r.commune_code == "92020" for r in pmi)


def test_unknown_filters_and_ids_get_suggestions(snapshot) -> None:
    with pytest.raises(SiteLookupError, match="« pole_social »"):
        list_sites(snapshot.sites, names(snapshot), kind="pol")
    with pytest.raises(SiteLookupError, match="commune « Vanvs » inconnue : vouliez-vous dire « Vanves »"):
        list_sites(snapshot.sites, names(snapshot), commune="Vanvs")
    with pytest.raises(SiteLookupError, match="vouliez-vous dire « pg-pole-vanves »"):
        find_site(snapshot.sites, names(snapshot), "pg-pole-vanve")
    assert find_site(snapshot.sites, names(snapshot), "pôle social mary-besseyre, vanves (edas + pmi)").id == (
        "pg-pole-vanves"
    )


def test_cli_formats(cli_home: Path) -> None:
    table = runner.invoke(app, ["sites", "list", "--commune", "Vanves"], env=WIDE)
    assert table.exit_code == 0, table.output
    assert "Pôle social Mary-Besseyre, Vanves (EDAS + PMI)" in table.output
    assert "Pôle social départemental" in table.output
    doc = json.loads(runner.invoke(app, ["sites", "list", "--commune", "Vanves", "--format", "json"]).stdout)
    assert {d["id"] for d in doc} >= {"pg-pole-vanves"} and all(d["commune_name"] == "Vanves" for d in doc)
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, ["sites", "list", "--kind", "pole_social",
                                                              "--format", "csv"]).stdout)))  # fmt: skip
    assert rows and all(r["kind"] == "pole_social" for r in rows) and rows[0]["name"]
    show = runner.invoke(app, ["sites", "show", "pg-pole-vanves"], env=WIDE)
    assert show.exit_code == 0 and "Vanves (92075)" in show.output
    antony = runner.invoke(app, ["sites", "show", "pg-pole-antony"], env=WIDE)  # how it was placed, in words
    assert antony.exit_code == 0 and "— approché (arrêt de transport du lieu nommé dans l'adresse)" in antony.output
    assert "named_stop" not in antony.output
    typo = runner.invoke(app, ["sites", "show", "pg-pole-vanve"], env=WIDE)
    assert typo.exit_code == 1 and "vouliez-vous dire « pg-pole-vanves »" in typo.output
    assert "Traceback" not in typo.output
