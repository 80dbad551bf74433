"""A hand-drawn street network: a river crossed by two bridges, times computed by hand.

    north bank   11 ──400── 12 ──400── 13 ─────1200───── 15        (y = 300 m, residential)
                             river      ↑ bridge A (secondary,        │ bridge B (secondary,
                             (water)    │ one-way northbound)         │ two-way)
    south bank    1 ──400──  2 ──400──  3 ─────1200─────  5        (y = 0 m, residential)

Walking (4.8 km/h, one-ways ignored) from node 1 to node 11: 800 + 300 + 800 = 1,900 m → 1,425 s
= 23.75 min, where the straight line is 300 m (crow-fly engine: 300 × 1.3 / 4.8 km/h = 4.875 min).
By car (residential 25 km/h, secondary 40 km/h), 1 → 11 takes bridge A: 1,600 m at 25 + 300 m at
40 = 230.4 + 27 = 257.4 s; 11 → 1 cannot use bridge A (one-way) and goes round by bridge B:
4,000 m at 25 + 300 m at 40 = 576 + 27 = 603 s.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from osm_builder import offset_lonlat, write_pbf

from maillage.geo import lonlat_to_l93
from maillage.network.crowfly import CrowFlyEngine
from maillage.network.engine import Destinations
from maillage.network.street import StreetEngine, StreetGraphError

NODES = {1: (0, 0), 2: (400, 0), 3: (800, 0), 5: (2000, 0), 11: (0, 300), 12: (400, 300), 13: (800, 300),
         15: (2000, 300), 21: (-100, 50), 22: (2100, 50), 23: (2100, 250), 24: (-100, 250)}  # fmt: skip
RESIDENTIAL = {"highway": "residential", "name": "Quai Sud"}
WAYS = [
    ([1, 2, 3, 5], RESIDENTIAL),
    ([11, 12, 13, 15], {"highway": "residential", "name": "Quai Nord"}),
    ([3, 13], {"highway": "secondary", "bridge": "yes", "layer": "1", "oneway": "yes", "name": "Pont A"}),
    ([5, 15], {"highway": "secondary", "bridge": "yes", "layer": "1", "name": "Pont B"}),
    ([21, 22, 23, 24, 21], {"natural": "water", "water": "river", "name": "La Seine"}),
]


@pytest.fixture(scope="module")
def pbf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pbf(tmp_path_factory.mktemp("bridge") / "bridge.osm.pbf", NODES, WAYS)


def xy(node: int) -> np.ndarray:
    lon, lat = offset_lonlat(*NODES[node])
    return lonlat_to_l93(np.array([lon]), np.array([lat]))


def minutes(engine, origin: int, site: int) -> float:
    result = engine.nearest(xy(origin), Destinations(("site",), xy(site)))
    return float(result.minutes[0])


@pytest.mark.parametrize(
    ("mode", "origin", "site", "seconds"),
    [
        ("walk", 1, 11, 1900 / (4.8 / 3.6)),
        ("walk", 11, 1, 1900 / (4.8 / 3.6)),  # pedestrians ignore one-ways
        ("walk", 2, 12, (400 + 300 + 400) / (4.8 / 3.6)),
        ("car", 1, 11, 1600 / (25 / 3.6) + 300 / (40 / 3.6)),
        ("car", 11, 1, 4000 / (25 / 3.6) + 300 / (40 / 3.6)),  # round by bridge B
    ],
)
def test_times_follow_the_only_bridges(pbf: Path, tmp_path: Path, mode: str, origin: int, site: int,
                                       seconds: float) -> None:  # fmt: skip
    engine = StreetEngine(mode, pbf, cache_dir=tmp_path, progress=False)
    assert minutes(engine, origin, site) == pytest.approx(seconds / 60, abs=0.02)


def test_crow_fly_ignores_the_river(pbf: Path) -> None:
    assert minutes(CrowFlyEngine("walk"), 1, 11) == pytest.approx(300 * 1.3 / (4.8 / 3.6) / 60, abs=0.02)


def test_a_pbf_without_streets_is_one_clear_error(tmp_path: Path) -> None:
    only_water = write_pbf(tmp_path / "water.osm.pbf", NODES, WAYS[-1:])
    with pytest.raises(StreetGraphError, match=r"water\.osm\.pbf : aucune voie praticable à pied"):
        StreetEngine("walk", only_water, cache_dir=tmp_path, progress=False)
