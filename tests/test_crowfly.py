"""Crow-fly backend: hand-computed times, and agreement with a brute-force numpy reference."""

from __future__ import annotations

import numpy as np
import pytest

from maillage.network.crowfly import CrowFlyEngine, CrowFlyParameters
from maillage.network.engine import Destinations, TravelTimeEngine, nearest_by_class


def test_hand_computed_minutes() -> None:
    engine = CrowFlyEngine("walk")  # 4.8 km/h = 80 m/min, detour 1.3
    sites = Destinations(("a", "b"), np.array([[0.0, 0.0], [3000.0, 0.0]]))
    result = engine.nearest(np.array([[1300.0, 0.0], [3000.0, 400.0], [0.0, 0.0]]), sites)
    np.testing.assert_allclose(result.minutes, [1300 * 1.3 / 80, 400 * 1.3 / 80, 0.0])
    assert list(result.site_ids(sites)) == ["a", "b", "a"]


def test_parameters_are_checked_and_described() -> None:
    with pytest.raises(ValueError, match="unknown"):
        CrowFlyEngine("scooter")
    with pytest.raises(ValueError):
        CrowFlyEngine("walk", CrowFlyParameters(speed_kmh=0, detour_factor=1.3, source="x"))
    engine = CrowFlyEngine("bike")
    assert isinstance(engine, TravelTimeEngine)
    assert engine.describe()["speed_kmh"] == 15.0
    assert "÷ 15 km/h" in engine.assumptions()[0] and "15.0" not in engine.assumptions()[0]  # French numbers


def test_agrees_with_brute_force_on_random_points() -> None:
    rng = np.random.default_rng(92)
    origins = rng.uniform([640_000, 6_850_000], [655_000, 6_870_000], size=(3_000, 2))
    sites_xy = rng.uniform([640_000, 6_850_000], [655_000, 6_870_000], size=(40, 2))
    sites = Destinations(tuple(f"s{i}" for i in range(40)), sites_xy)
    result = CrowFlyEngine("car").nearest(origins, sites)
    distances = np.linalg.norm(origins[:, None, :] - sites_xy[None, :, :], axis=2)
    np.testing.assert_array_equal(result.site_index, distances.argmin(axis=1))
    np.testing.assert_allclose(result.minutes, distances.min(axis=1) * 1.4 / (25_000 / 60))


def test_empty_class_is_unreachable_not_an_error() -> None:
    empty = Destinations((), np.zeros((0, 2)))
    out = nearest_by_class(CrowFlyEngine("walk"), np.zeros((3, 2)), {"pole": empty})
    assert np.isinf(out["pole"].minutes).all() and (out["pole"].site_index == -1).all()
