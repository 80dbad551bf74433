"""Why a cell is outside the standard, on the hand-drawn river of test_street_bridge (times by hand).

    north bank   11 ──400── 12 ──400── 13 ─────1200───── 15        (y = 300 m)
                                        │ Pont A (one-way north)  │ Pont B (two-way)
    south bank    1 ──400──  2 ──400──  3 ─────1200─────  5        (y = 0 m)

A cell at node 1 with its only pôle at node 11: on foot 800 + 300 + 800 = 1,900 m over Pont A
(23.75 min at 4.8 km/h) for 300 m straight: detour 1,900 / 300 = 6.33. The pôle threshold (20 min)
is missed by 3.75 min, the antenne threshold (15 min, the pôle counting as an antenne) by 8.75: the
smallest change is 3.75 min towards the pôle, written "gagner 4 min". By car from node 11 to a pôle
at node 1, Pont A is one-way the wrong way: round by Pont B, 2,000 + 300 + 2,000 = 4,300 m (603 s).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from osm_builder import write_pbf
from test_street_bridge import NODES, WAYS, xy

from maillage.audit.guarantee import verdicts
from maillage.audit.standard import ANTENNE_CLASS, POLE_CLASS, ServiceStandard
from maillage.audit.why import explain_outside, why_record
from maillage.network.crowfly import CrowFlyEngine
from maillage.network.engine import Destinations
from maillage.network.street import StreetEngine

SITES = pd.DataFrame({"id": ["p11", "p1"], "name": ["Pôle du Nord", "Pôle du Sud"]})


@pytest.fixture(scope="module")
def pbf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pbf(tmp_path_factory.mktemp("why") / "bridge.osm.pbf", NODES, WAYS)


def explain(engine, origin: int, site: int, site_id: str, standard: ServiceStandard | None = None):
    destinations = Destinations((site_id,), xy(site))
    classes = {POLE_CLASS: destinations, ANTENNE_CLASS: destinations}
    nearest = {name: engine.nearest(xy(origin), d) for name, d in classes.items()}
    standard = standard or ServiceStandard()
    within = verdicts(nearest, standard)
    return explain_outside(xy(origin), nearest, classes, within, standard, SITES, engine, "à pied")


def test_walk_route_detour_and_bridge(pbf: Path, tmp_path: Path) -> None:
    why = explain(StreetEngine("walk", pbf, cache_dir=tmp_path, progress=False), 1, 11, "p11")[0]
    assert why.pole.minutes == pytest.approx(1900 / (4.8 / 3.6) / 60, abs=0.01)
    assert why.pole.over_minutes == pytest.approx(23.75 - 20, abs=0.01)
    assert why.antenne.over_minutes == pytest.approx(23.75 - 15, abs=0.01)
    assert why.fix_class == POLE_CLASS and why.fix_minutes == pytest.approx(3.75, abs=0.01)
    assert why.pole.walk_m == pytest.approx(1900, abs=1) and why.pole.straight_m == pytest.approx(300, abs=1)
    assert why.pole.detour_factor == pytest.approx(1900 / 300, rel=1e-3)
    assert why.pole.bridges == ("Pont A",)
    assert "Pôle du Nord, 24 min" in why.text_fr and "détour × 6,33" in why.text_fr
    assert "en passant par Pont A" in why.text_fr and "gagner 4 min vers le pôle" in why.text_fr
    record = why_record(why)
    assert record["pole"]["bridges"] == ["Pont A"] and record["fix_class"] == "pole"


def test_car_goes_round_by_the_other_bridge(pbf: Path, tmp_path: Path) -> None:
    five = ServiceStandard(pole_minutes=5, antenne_minutes=5)  # the 603 s drive is outside
    why = explain(StreetEngine("car", pbf, cache_dir=tmp_path, progress=False), 11, 1, "p1", five)[0]
    assert why.pole.minutes == pytest.approx((4000 / (25 / 3.6) + 300 / (40 / 3.6)) / 60, abs=0.01)
    assert why.pole.walk_m == pytest.approx(4300, abs=1)
    assert why.pole.detour_factor == pytest.approx(4300 / 300, rel=1e-3)
    assert why.pole.bridges == ("Pont B",)


def test_a_cell_inside_has_no_why(pbf: Path, tmp_path: Path) -> None:
    assert explain(StreetEngine("walk", pbf, cache_dir=tmp_path, progress=False), 2, 3, "p11") == {}


def test_crow_fly_gives_the_straight_line_only(pbf: Path) -> None:
    # 300 m × 1.3 at 4.8 km/h = 4.9 min: inside. Node 5 → node 11: 2,022 m straight, 32.9 min.
    why = explain(CrowFlyEngine("walk"), 5, 11, "p11")[0]
    straight = float(np.hypot(2000, 300))
    assert why.pole.straight_m == pytest.approx(straight, abs=1)
    assert why.pole.minutes == pytest.approx(straight * 1.3 / (4.8 / 3.6) / 60, abs=0.01)
    assert why.pole.walk_m is None and why.pole.bridges == ()
    assert "à vol d'oiseau" in why.text_fr and "par les rues" not in why.text_fr


def test_routes_are_the_same_with_or_without_a_kept_search(pbf: Path, tmp_path: Path) -> None:
    destinations = Destinations(("p11",), xy(11))
    origins = np.vstack([xy(1), xy(2), xy(5)])
    fresh = StreetEngine("walk", pbf, cache_dir=tmp_path, progress=False).routes(origins, destinations, [0, 1, 2])
    engine = StreetEngine("walk", pbf, cache_dir=tmp_path, progress=False)
    engine.nearest(origins, destinations)  # keeps its search; routes() follows it
    assert engine.routes(origins, destinations, [0, 1, 2]) == fresh
    # 2 → 3 → Pont A → 13 → 12 → 11: 400 + 300 + 400 + 400 = 1,500 m for 500 m straight
    assert fresh[1].walk_m == pytest.approx(1500, abs=1) and fresh[1].straight_m == pytest.approx(500, abs=1)
