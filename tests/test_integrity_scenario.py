"""A scenario site enters by the same territory rule as ``sites import`` (issue 12, item 9)."""

from __future__ import annotations

import pytest

from maillage.planning.changes import ScenarioError, apply_scenario

MARSEILLE = {"lon": 5.37, "lat": 43.29}  # the point of the probe


def test_add_or_move_a_site_outside_the_territory_is_refused(crowfly_world) -> None:
    snapshot = crowfly_world[0]
    site = snapshot.sites[snapshot.sites["duplicate_of"].isna() & snapshot.sites["lon"].notna()].iloc[0]
    inside = {"lon": float(site["lon"]), "lat": float(site["lat"])}  # a real site's own position
    add = {"op": "add_site", "site_id": None, "payload": {"name": "Ailleurs", "kind": "antenne"}}
    assert len(apply_scenario(snapshot, [add | {"payload": add["payload"] | inside}]).sites) == len(snapshot.sites) + 1
    with pytest.raises(ScenarioError, match="hors du territoire"):
        apply_scenario(snapshot, [add | {"payload": add["payload"] | MARSEILLE}])
    with pytest.raises(ScenarioError, match="hors du territoire"):
        apply_scenario(snapshot, [{"op": "move_site", "site_id": site["id"], "payload": MARSEILLE}])
