"""The resident's HTTP API and page, beyond the one search: modes, suggestions, geolocation policy, positions.

One app over the real Hauts-de-Seine registry, with every street mode built (``other_modes``).
"""

from __future__ import annotations

import shutil
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from maillage.web.app import create_app
from maillage.web.context import build_context

SECRET = "test-secret-key-that-is-long-enough-0123456789"
TIMBAUD = "13 rue Jean-Pierre Timbaud Issy-les-Moulineaux"


@pytest.fixture(scope="module")
def modes_client(shared_data: Path, registry_template: Path, tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("public-modes") / "registry.sqlite"
    shutil.copy(registry_template, path)
    ctx = build_context(f"sqlite:///{path}", shared_data, other_modes=True)
    with TestClient(create_app(context=ctx, secret_key=SECRET, rate_per_s=1000, burst=1000)) as c:
        yield c


def _orient(client: TestClient, **params: str) -> dict:
    response = client.get("/api/orient", params={"need": "rsa_insertion", "q": TIMBAUD, **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_public_orient_in_each_street_mode(modes_client: TestClient) -> None:
    by_mode = {m: _orient(modes_client, mode=m) for m in ("walk", "bike", "car")}
    assert [by_mode[m]["mode"] for m in by_mode] == ["walk", "bike", "car"]
    assert [by_mode[m]["mode_label"] for m in by_mode] == ["à pied", "à vélo", "en voiture"]
    assert _orient(modes_client)["mode"] == "walk"  # the server's own mode by default
    far = {m: {c["name"]: c["minutes"] for c in a["places"]} for m, a in by_mode.items()}
    common = [n for n in far["walk"] if n in far["bike"] and far["walk"][n] >= 10]
    assert len(common) >= 3
    for name in common:  # one street graph, three speeds: the walk is the slowest
        assert far["bike"][name] < far["walk"][name], name
        assert far["car"][name] < far["walk"][name], name


def test_public_transit_is_not_offered_without_timetables(modes_client: TestClient) -> None:
    # the IDFM extract of the data folder has stops and lines but no stop_times
    response = modes_client.get("/api/orient", params={"need": "pmi", "q": "Bagneux", "mode": "transit"})
    assert response.status_code == 404
    page = modes_client.get("/")
    assert 'value="bike"' in page.text and 'value="car"' in page.text and 'value="transit"' not in page.text
    assert modes_client.get("/api/orient", params={"need": "pmi", "q": "Bagneux", "mode": "plane"}).status_code == 422


def test_public_page_answers_in_the_mode_chosen(modes_client: TestClient) -> None:
    page = modes_client.get("/", params={"q": "Bagneux", "need": "pmi", "mode": "bike"})
    assert page.status_code == 200
    text = unescape(page.text)
    assert "« Santé de l'enfant / PMI » depuis Bagneux (centre de la commune), à vélo" in text
    assert 'id="mode-bike" value="bike" checked' in page.text
    assert " à pied</strong>" not in text and " à vélo</strong>" in text
    unknown = modes_client.get("/", params={"q": "Bagneux", "need": "pmi", "mode": "plane"})
    assert unknown.status_code == 422 and "mode de déplacement" in unescape(unknown.text)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("13 rue jean pierre timb", "13 Rue Jean-Pierre Timbaud, Issy-les-Moulineaux"),
        ("9213", "92130 Issy-les-Moulineaux"),
        ("bagn", "Bagneux"),
        ("bagnex", "Bagneux"),
    ],
)
def test_public_suggestions_from_the_data(modes_client: TestClient, q: str, expected: str) -> None:
    response = modes_client.get("/api/suggest", params={"q": q})
    assert response.status_code == 200
    body = response.json()
    assert expected in body["suggestions"] and len(body["suggestions"]) <= 8
    assert response.headers["cache-control"].startswith("public")


@pytest.mark.parametrize("q", ["a", "x" * 101])
def test_public_suggestions_are_bounded(modes_client: TestClient, q: str) -> None:
    assert modes_client.get("/api/suggest", params={"q": q}).status_code == 422


def test_public_geolocation_is_allowed_on_the_residents_page_only(modes_client: TestClient) -> None:
    assert "geolocation=(self)" in modes_client.get("/").headers["permissions-policy"]
    for path in ("/api/needs", "/planner/login", "/docs"):
        assert "geolocation=()" in modes_client.get(path).headers["permissions-policy"], path


@pytest.mark.parametrize(
    ("lon", "lat", "sentence"),
    [
        ("5.0", "45.0", "hors des Hauts-de-Seine"),
        ("nan", "48.8", "Position illisible"),
        ("inf", "48.8", "Position illisible"),
        ("2.2", "95", "Position illisible"),
        ("deux", "48.8", "Position illisible"),
    ],
)
def test_public_positions_are_checked(modes_client: TestClient, lon: str, lat: str, sentence: str) -> None:
    page = modes_client.get("/", params={"need": "pmi", "origin": "point", "lon": lon, "lat": lat, "near": "1"})
    assert page.status_code in (404, 422)
    assert sentence in unescape(page.text)


def test_public_near_me_is_labelled_your_position(modes_client: TestClient) -> None:
    point = _orient(modes_client)
    page = modes_client.get("/", params={"need": "rsa_insertion", "origin": "point", "near": "1",
                                         "lon": str(point["origin_lon"]), "lat": str(point["origin_lat"])})  # fmt: skip
    assert page.status_code == 200
    assert "depuis votre position, à pied" in unescape(page.text)


def test_public_pages_carry_no_planner_link(modes_client: TestClient) -> None:
    for params in ({}, {"q": TIMBAUD, "need": "rsa_insertion"}):
        text = modes_client.get("/", params=params).text
        assert "Espace de planification" not in text and 'href="/planner' not in text and 'href="/docs' not in text
    assert "Espace de planification" in modes_client.get("/planner/login").text  # the planners keep theirs

