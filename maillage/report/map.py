"""Static SVG maps drawn with matplotlib: no tiles, no network, embeddable inline in HTML."""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.patches import Rectangle

from maillage.audit.guarantee import AuditResult

# Colour classes in minutes: the 15 and 20 min thresholds are bin edges so the map reads as the rule.
MINUTE_BINS = (0, 5, 10, 15, 20, 30, 45, 60)
MINUTE_COLOURS = ("#1a9850", "#66bd63", "#a6d96a", "#fee08b", "#fdae61", "#f46d43", "#d73027", "#a50026")
KIND_STYLE = {
    "pole_social": ("*", "#08306b", 180, "Pôle social"),
    "sst": ("D", "#2171b5", 60, "SST"),
    "antenne": ("s", "#4292c6", 50, "Antenne"),
    "pmi": ("o", "#6baed6", 30, "PMI"),
    "france_services": ("^", "#6a51a3", 45, "France Services"),
    "ccas": ("v", "#807dba", 45, "CCAS"),
}


def cell_raster(xy_m: np.ndarray, size_m: float, values: np.ndarray) -> tuple[np.ndarray, tuple[float, ...]]:
    """Cell values on a regular grid of ``size_m`` metres (NaN where no cell), and its extent in metres.

    Cells are points at (or inside) their square; each goes to the square that contains it.
    """
    if len(xy_m) == 0:
        return np.full((1, 1), np.nan), (0.0, size_m, 0.0, size_m)
    col = np.floor(xy_m[:, 0] / size_m).astype(np.int64)
    row = np.floor(xy_m[:, 1] / size_m).astype(np.int64)
    col0, row0 = col.min(), row.min()
    raster = np.full((row.max() - row0 + 1, col.max() - col0 + 1), np.nan)
    raster[row - row0, col - col0] = values
    extent = (col0 * size_m, (col.max() + 1) * size_m, row0 * size_m, (row.max() + 1) * size_m)
    return raster, extent


def why_links(ax: plt.Axes, result: AuditResult) -> None:
    """Each inhabited cell outside the standard as a link to its explanation (``#pourquoi-<cell>``).

    Nearly transparent squares over the raster: the SVG wraps each in ``<a href>``, so a click shows
    the explanation with no script (the report opens anywhere, under any Content-Security-Policy).
    """
    rows = [row for row in result.why if result.cells.population[row] > 0]
    if not rows:
        return
    size = result.cells.cell_size_m
    lower = np.floor(result.cells.xy_m[rows] / size) * size
    squares = PatchCollection([Rectangle((x, y), size, size) for x, y in lower], facecolor=(0, 0, 0, 0.01),
                              edgecolor="none", zorder=2)  # fmt: skip
    squares.set_urls([f"#pourquoi-{row}" for row in rows])
    ax.add_collection(squares)


def minutes_map_svg(result: AuditResult, class_name: str, title: str) -> str:
    """Cells coloured by minutes to the nearest site of ``class_name``, sites by kind, communes outlined."""
    communes = result.communes
    fig, ax = plt.subplots(figsize=(8.5, 9))
    minutes = np.minimum(result.minutes(class_name), MINUTE_BINS[-1] + 1)
    raster, extent = cell_raster(result.cells.xy_m, result.cells.cell_size_m, minutes)
    cmap = ListedColormap(MINUTE_COLOURS).with_extremes(bad=(0.0, 0.0, 0.0, 0.0))  # no cell: transparent
    norm = BoundaryNorm([*MINUTE_BINS, 10_000], cmap.N)
    # One raster image (embedded PNG) rather than one SVG square per cell: ~20× faster, ~10× smaller.
    collection = ax.imshow(raster, cmap=cmap, norm=norm, extent=extent, origin="lower", interpolation="nearest")
    why_links(ax, result)
    communes.boundary.plot(ax=ax, color="#333333", linewidth=0.6)
    for _code, row in communes.iterrows():
        point = row.geometry.representative_point()
        ax.annotate(row["name"], (point.x, point.y), fontsize=5.5, ha="center", color="#222222")
    sites = result.sites
    for kind, (marker, colour, area, label) in KIND_STYLE.items():
        chosen = sites[sites["kind"] == kind]
        if chosen.empty:
            continue
        approx = chosen["coordinate_quality"].eq("commune_centroid").to_numpy()
        ax.scatter(chosen["x_m"][~approx], chosen["y_m"][~approx], marker=marker, s=area, c=colour,
                   edgecolors="white", linewidths=0.6, label=label, zorder=3)  # fmt: skip
        if approx.any():
            ax.scatter(chosen["x_m"][approx], chosen["y_m"][approx], marker=marker, s=area, facecolors="none",
                       edgecolors=colour, linewidths=1.2, label=f"{label} (position approx.)", zorder=3)  # fmt: skip
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title, fontsize=11)
    colorbar = fig.colorbar(collection, ax=ax, shrink=0.55, ticks=MINUTE_BINS)
    colorbar.set_label("minutes")
    ax.legend(loc="lower left", fontsize=7, frameon=True)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    # matplotlib opens every link in a new tab; an explanation belongs on this page
    svg = re.sub(r'(xlink:href="#pourquoi-\d+") target="_blank"', r"\1", buffer.getvalue())
    return svg[svg.index("<svg") :]
