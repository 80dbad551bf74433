"""A planner places a site by address, street or commune, and a swapped lon/lat is caught with the fix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from maillage import api
from maillage.geo import lonlat_to_l93
from maillage.planning.changes import ScenarioError, apply_scenario
from maillage.planning.placing import locate, site_finder
from maillage.registry.addresses import load_osm_addresses
from maillage.registry.snapshot import load_snapshot


@pytest.fixture(scope="module")
def placed(registry_template: Path, shared_data: Path):
    snapshot = load_snapshot(api.open_registry(f"sqlite:///{registry_template}"))
    addresses = load_osm_addresses(shared_data / "osm" / "hauts-de-seine-2021-omt.osm.pbf")
    return snapshot, site_finder(snapshot, addresses)


def test_an_address_lands_on_its_address_point(placed) -> None:
    snapshot, finder = placed
    found = locate(snapshot, finder, "13 rue Jean-Pierre Timbaud Issy-les-Moulineaux")
    assert found.precision_fr == "adresse" and found.commune_code == "92040"
    pole = snapshot.sites[snapshot.sites["id"] == "pg-pole-issy"].iloc[0]
    # the Issy pôle, geocoded from the same address by the registry, is the same point
    assert np.hypot(found_xy(found)[0] - pole["x_m"], found_xy(found)[1] - pole["y_m"]) < 1.0


def found_xy(found) -> np.ndarray:
    return lonlat_to_l93(np.array([found.lon]), np.array([found.lat]))[0]


def test_a_commune_alone_is_placed_inside_it_and_says_so(placed) -> None:
    snapshot, finder = placed
    found = locate(snapshot, finder, "bagneux")
    assert found.commune_code == "92007" and found.precision_fr == "commune"
    import shapely

    assert snapshot.communes.geometry.loc["92007"].contains(shapely.Point(*found_xy(found)))


def test_a_typo_gets_choices_not_a_guess(placed) -> None:
    snapshot, finder = placed
    with pytest.raises(ScenarioError, match=r"Vouliez-vous dire.*Châtillon"):
        locate(snapshot, finder, "chat")


def test_swapped_coordinates_are_suggested_back(placed) -> None:
    snapshot, _ = placed
    change = {"op": "add_site", "site_id": "n", "payload": {"name": "A", "kind": "antenne", "lon": 48.83, "lat": 2.27}}
    with pytest.raises(ScenarioError, match=r"inversées.*lon=2\.27, lat=48\.83"):
        apply_scenario(snapshot, [change])
    far = {"op": "add_site", "site_id": "n", "payload": {"name": "A", "kind": "antenne", "lon": 4.83, "lat": 45.76}}
    with pytest.raises(ScenarioError, match="hors du territoire") as caught:  # near Lyon: no hint
        apply_scenario(snapshot, [far])
    assert "inversées" not in str(caught.value)
