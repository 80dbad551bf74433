"""The k-d tree of a street graph's nodes, kept beside the graph's disk cache.

Building the tree of the 92's 385k nodes cost more than loading the graph itself at every audit.
The tree's arrays (cKDTree's own state: the node buffer, the index permutation, the bounds) are
written once next to the graph cache, as ``.npz`` without pickle, and read back in a fraction of
the build time. The node buffer's layout belongs to scipy's compiled code, so the file is named
after the scipy version and anything unexpected (other version, other graph, a failed check)
means building the tree again, which is always correct.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np
import scipy
from scipy.spatial import cKDTree

# cKDTree.__getstate__ in scipy 1.x: (node buffer, data, n, m, leafsize, maxes, mins, indices,
# boxsize, boxsize_data); only the unperiodic case is stored.
_STATE_LENGTH = 10


def build_tree(xy_m: np.ndarray) -> cKDTree:
    """Sliding-midpoint, non-compact: about 2× faster to build than the default median split, same
    exact nearest distances (ties between coincident nodes are resolved by the graph's twins)."""
    return cKDTree(xy_m, balanced_tree=False, compact_nodes=False)


def tree_file(graph_cache: Path) -> Path:
    return graph_cache.with_name(f"{graph_cache.stem}.kdtree-scipy{scipy.__version__}.npz")


def node_tree(xy_m: np.ndarray, graph_cache: Path | str | None = None) -> cKDTree:
    """The tree of ``xy_m``: read from beside ``graph_cache`` when it is there and sound, else built
    (and written there for next time)."""
    if graph_cache is None:
        return build_tree(xy_m)
    path = tree_file(Path(graph_cache))
    tree = _read(path, xy_m)
    if tree is None:
        tree = build_tree(xy_m)
        with contextlib.suppress(OSError, TypeError, ValueError):  # read-only cache or another scipy: no file
            _write(path, tree)
    return tree


def _read(path: Path, xy_m: np.ndarray) -> cKDTree | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            n, m, leafsize = (int(v) for v in z["shape"])
            if (n, m) != xy_m.shape or not np.array_equal(z["mins"], xy_m.min(axis=0)):
                return None
            tree = cKDTree.__new__(cKDTree)
            data = np.ascontiguousarray(xy_m, dtype=np.float64)
            tree.__setstate__((z["nodes"], data, n, m, leafsize, z["maxes"], z["mins"], z["indices"], None, None))
        # a few nodes must find themselves at distance 0, as in the built tree
        probe = np.linspace(0, n - 1, num=min(n, 16), dtype=np.int64)
        distance, _ = tree.query(data[probe], k=1, workers=1)
        return tree if np.all(distance == 0.0) and len(tree.indices) == n else None
    except Exception:  # truncated file, other layout: build instead
        return None


def _write(path: Path, tree: cKDTree) -> None:
    state = tree.__getstate__()
    if len(state) != _STATE_LENGTH or state[8] is not None:
        raise TypeError("unexpected cKDTree state layout")
    nodes, _, n, m, leafsize, maxes, mins, indices = state[:8]
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, nodes=nodes, shape=np.array([n, m, leafsize]), maxes=maxes, mins=mins, indices=indices)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
