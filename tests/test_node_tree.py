"""The node k-d tree read back from beside the graph cache answers as the built one; a bad file is rebuilt."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from maillage.network.node_tree import build_tree, node_tree, tree_file


def test_tree_written_then_read_back_same_answers(tmp_path: Path) -> None:
    rng = np.random.default_rng(15)
    xy = rng.uniform(0, 5000, (20_000, 2))
    graph_cache = tmp_path / "street-walk-abc.npz"
    first = node_tree(xy, graph_cache)  # built, then written
    assert tree_file(graph_cache).is_file()
    again = node_tree(xy, graph_cache)  # read back
    points = rng.uniform(-100, 5100, (3000, 2))
    reference = build_tree(xy).query(points, k=1)
    for tree in (first, again):
        distance, index = tree.query(points, k=1)
        np.testing.assert_array_equal(distance, reference[0])
        np.testing.assert_array_equal(index, reference[1])


def test_bad_or_foreign_tree_file_is_rebuilt(tmp_path: Path) -> None:
    rng = np.random.default_rng(16)
    xy = rng.uniform(0, 1000, (500, 2))
    graph_cache = tmp_path / "street-walk-def.npz"
    node_tree(rng.uniform(0, 1000, (500, 2)), graph_cache)  # another graph's tree under this name
    points = rng.uniform(0, 1000, (200, 2))
    expected = build_tree(xy).query(points)[1]
    np.testing.assert_array_equal(node_tree(xy, graph_cache).query(points)[1], expected)
    tree_file(graph_cache).write_bytes(b"not an npz")
    np.testing.assert_array_equal(node_tree(xy, graph_cache).query(points)[1], expected)
