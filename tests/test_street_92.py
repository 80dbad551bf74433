"""The full 92 audit on the département's own streets agrees with networkx on the same graph.

The audit runs as a user gets it (data folder defaults: the 92 OSM extract, walk mode). The
reference is independent of the engine's code path: networkx's multi-source Dijkstra on the
reversed walk graph from one virtual source per site, and snapping by brute force (the nearest
graph node by an explicit distance over every node, not the engine's k-d tree).
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from maillage import api
from maillage.network.osm_graph import load_street_graph

SAMPLE_CELLS = 300
MAX_SNAP_M = 500.0


def brute_nearest_node(nodes_xy_m: np.ndarray, points_xy_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of and distance to the nearest node of every point, by an explicit scan of all nodes."""
    index = np.empty(len(points_xy_m), dtype=np.int64)
    dist = np.empty(len(points_xy_m))
    for i, p in enumerate(points_xy_m):
        d = np.hypot(nodes_xy_m[:, 0] - p[0], nodes_xy_m[:, 1] - p[1])
        index[i] = int(d.argmin())
        dist[i] = d[index[i]]
    return index, dist


@pytest.fixture(scope="module")
def audit_92(registry_template: Path, shared_data: Path):
    url = f"sqlite:///{registry_template}"
    result = api.audit(data=shared_data, url=url)
    return result, shared_data


def test_92_street_audit_matches_networkx(audit_92) -> None:
    result, _ = audit_92
    engine = result.engine
    assert engine["backend"] == "street" and engine["mode"] == "walk"
    assert engine["pbf"] == "hauts-de-seine-2021-omt.osm.pbf" and engine["nodes"] > 350_000
    assert result.total["population"] == pytest.approx(1_654_712)

    graph = load_street_graph(Path(engine["pbf_path"]), "walk", progress=False)
    speed_mps = engine["access_speed_kmh"] / 3.6
    coo = graph.seconds.tocoo()
    reverse = nx.DiGraph()
    reverse.add_weighted_edges_from(zip(coo.col.tolist(), coo.row.tolist(), coo.data.tolist(), strict=True))

    rng = np.random.default_rng(92)
    sample = np.sort(rng.choice(len(result.cells), SAMPLE_CELLS, replace=False))
    cell_node, cell_dist = brute_nearest_node(graph.xy_m, result.cells.xy_m[sample])
    compared = 0
    for class_name in ("pole", "antenne_or_pole"):
        destinations = result.destinations[class_name]
        site_node, site_dist = brute_nearest_node(graph.xy_m, destinations.xy_m)
        sources = []
        for k, (node, dist) in enumerate(zip(site_node, site_dist, strict=True)):
            if dist <= MAX_SNAP_M:
                reverse.add_edge(("site", class_name, k), int(node), weight=float(dist / speed_mps))
                sources.append(("site", class_name, k))
        seconds = nx.multi_source_dijkstra_path_length(reverse, sources)
        expected = np.array([
            (d / speed_mps + seconds.get(int(n), np.inf)) / 60 if d <= MAX_SNAP_M else np.inf
            for n, d in zip(cell_node, cell_dist, strict=True)
        ])
        got = result.minutes(class_name)[sample]
        assert np.array_equal(np.isinf(got), np.isinf(expected)), class_name
        finite = np.isfinite(expected)
        assert finite.mean() > 0.95
        # identical minutes (float rounding of summed edge seconds only)
        np.testing.assert_allclose(got[finite], expected[finite], rtol=0, atol=1e-6)
        compared += int(finite.sum())
        reverse.remove_nodes_from(sources)
    assert compared > 1.9 * SAMPLE_CELLS


def test_92_engine_and_model_said_in_every_output(audit_92) -> None:
    result, _ = audit_92
    notes = " ".join([*result.assumptions, *result.notes])
    assert "Temps par les rues à pied sur OpenStreetMap hauts-de-seine-2021-omt.osm.pbf" in notes
    assert not any("vol d'oiseau" in line for line in result.assumptions)  # the engine is not crow-fly


def test_92_crowfly_comparison_per_commune(audit_92, registry_template: Path) -> None:
    from maillage.audit.guarantee import run_audit
    from maillage.network.crowfly import CrowFlyEngine
    from maillage.registry.snapshot import load_snapshot

    result, _ = audit_92
    table = result.crowfly_by_commune.set_index("code")
    assert len(table) == 36
    # the crow-fly column is the crow-fly audit of the same cells and sites, recomputed here
    snapshot = load_snapshot(api.open_registry(f"sqlite:///{registry_template}"))
    crow = run_audit(snapshot, result.cells, CrowFlyEngine("walk"), sources=[]).by_commune.set_index("code")
    np.testing.assert_allclose(table.loc[crow.index, "share_within_crowfly"], crow["share_within"], atol=1e-12)
    np.testing.assert_allclose(table.loc[crow.index, "share_within"], result.by_commune.set_index("code").loc[
        crow.index, "share_within"], atol=1e-12)  # fmt: skip
    # what the streets cost is said in the notes, with the département's two figures
    note = next(n for n in result.notes if n.startswith("Par les rues"))
    assert f"{result.total['share_within'] * 100:.1f}\u00a0%".replace(".", ",") in note and "à vol d'oiseau" in note
