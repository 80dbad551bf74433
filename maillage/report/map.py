"""Static SVG maps drawn with matplotlib: no tiles, no network, embeddable inline in HTML.

Every map has one fixed figure size and frame (the territory's bounds), so the maps of one report
are at one scale and can be compared side by side; the legend and colour bar sit outside the map,
a scale bar gives kilometres, commune names sit on a pale box and avoid the site markers, and the
sites a scenario or proposal adds or moves are ringed. Text stays text in the SVG (searchable).
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PatchCollection
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar
from shapely.geometry import Point

from maillage.audit.guarantee import AuditResult
from maillage.i18n import N_, _
from maillage.numbers import fr_int
from maillage.report.gains import lost_label_fr

# Names and titles are people's text: "$" is a dollar, never TeX (a commune or scenario named "$\frac$" once
# crashed every report with a map, and "$x$" drew italics). Set before any text is made (read at creation).
matplotlib.rcParams["text.parse_math"] = False

# Colour classes in minutes: the 15 and 20 min thresholds are bin edges so the map reads as the rule.
MINUTE_BINS = (0, 5, 10, 15, 20, 30, 45, 60)
MINUTE_COLOURS = ("#1a9850", "#66bd63", "#a6d96a", "#fee08b", "#fdae61", "#f46d43", "#d73027", "#a50026")
KIND_STYLE = {
    "pole_social": ("*", "#08306b", 180, N_("Pôle social")),
    "sst": ("D", "#2171b5", 60, "SST"),
    "antenne": ("s", "#4292c6", 50, N_("Antenne")),
    "pmi": ("o", "#6baed6", 30, "PMI"),
    "france_services": ("^", "#6a51a3", 45, "France Services"),
    "ccas": ("v", "#807dba", 45, "CCAS"),
}
FIGURE_IN = (7.2, 9.6)  # every map: one size, one frame (below), hence one scale within a report
MAP_RECT = (0.02, 0.17, 0.80, 0.76)  # left, bottom, width, height (figure fraction); legend below it
COLORBAR_RECT = (0.86, 0.35, 0.03, 0.45)
LABEL_PT = 7.0
TITLE_CHARS = 72  # characters of an 11 pt bold title across the figure's width
CHAR_EM = 0.58  # mean width of a character of DejaVu Sans, in font sizes (for label collisions)
HIGHLIGHT = "#d6008f"
CHANGE_LABELS = {"added": N_("Site ajouté"), "moved": N_("Site déplacé")}
GAIN_COLOURS = ("#eceff1", "#d5e8d4", "#1a9850", "#d73027")  # outside both, within both, gained, lost
LABEL_OFFSETS_M = ((0, 0), (0, 700), (0, -700), (900, 0), (-900, 0), (700, 700), (-700, 700), (700, -700),
                   (-700, -700), (0, 1200), (0, -1200))  # fmt: skip
LABEL_CLEARANCE_M = 450  # a name this far from every marker reads clearly


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


def changed_sites(before: pd.DataFrame, after: pd.DataFrame) -> dict[str, str]:
    """Site id → "added" or "moved" (by more than 1 m) between two site tables."""
    old = before.set_index("id")[["x_m", "y_m"]]
    out: dict[str, str] = {}
    for row in after[after["x_m"].notna()].itertuples():
        if row.id not in old.index:
            out[row.id] = "added"
        elif np.hypot(row.x_m - old.at[row.id, "x_m"], row.y_m - old.at[row.id, "y_m"]) > 1:
            out[row.id] = "moved"
    return out


def scale_km(width_m: float) -> int:
    """A round bar length (km) about a fifth of the map's width."""
    return max([k for k in (1, 2, 5, 10, 20, 50, 100) if k * 1000 <= width_m / 4] or [1])


def _label_points(communes: pd.DataFrame, sites_xy: np.ndarray, metres_per_pt: float) -> list[tuple[str, float, float]]:
    """Each commune's name at a spot inside it that overlaps no name already placed and stays, up to a
    clearance, away from every site marker (names go largest commune first)."""
    placed: list[tuple[float, float, float, float]] = []  # x0, y0, x1, y1 in metres
    out = []
    for _code, row in communes.assign(_area=communes.geometry.area).sort_values("_area", ascending=False).iterrows():
        base = row.geometry.representative_point()
        half_w = len(str(row["name"])) * LABEL_PT * CHAR_EM * metres_per_pt / 2
        half_h = LABEL_PT * 0.7 * metres_per_pt
        best, best_score = (base.x, base.y), None
        for dx, dy in LABEL_OFFSETS_M:
            x, y = base.x + dx, base.y + dy
            if (dx or dy) and not row.geometry.contains(Point(x, y)):
                continue
            overlaps = sum(x - half_w < b[2] and b[0] < x + half_w and y - half_h < b[3] and b[1] < y + half_h
                           for b in placed)  # fmt: skip
            gap = float(np.hypot(*(sites_xy - (x, y)).T).min()) if len(sites_xy) else np.inf
            score = (overlaps, -min(gap, LABEL_CLEARANCE_M))
            if best_score is None or score < best_score:
                best, best_score = (x, y), score
        placed.append((best[0] - half_w, best[1] - half_h, best[0] + half_w, best[1] + half_h))
        out.append((str(row["name"]), *best))
    return out


def _frame(result: AuditResult, title: str) -> tuple[plt.Figure, plt.Axes]:
    fig = plt.figure(figsize=FIGURE_IN)
    ax = fig.add_axes(MAP_RECT)
    # wrapped here, not with wrap=True: matplotlib's wrapping measures text as TeX whenever it holds two "$"
    fig.text(0.02, 0.965, textwrap.fill(title, TITLE_CHARS), fontsize=11, fontweight="bold", va="top")
    return fig, ax


def _finish(fig: plt.Figure, ax: plt.Axes, result: AuditResult, handles: list, highlight: Mapping[str, str]) -> str:
    """Outlines, names, sites, scale bar, legend below the map; the SVG text."""
    communes = result.communes
    communes.boundary.plot(ax=ax, color="#333333", linewidth=0.6, zorder=2)
    sites = result.sites[result.sites["x_m"].notna()]
    xy = sites[["x_m", "y_m"]].to_numpy(dtype=float)
    # a pale box rather than a stroked halo: path effects would turn the names into outlines (unsearchable)
    halo = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.72}
    x0, y0, x1, y1 = communes.total_bounds
    pad = 0.02 * max(x1 - x0, y1 - y0)
    frame_pt = min(MAP_RECT[2] * FIGURE_IN[0] / (x1 - x0 + 2 * pad), MAP_RECT[3] * FIGURE_IN[1] / (y1 - y0 + 2 * pad))
    for name, x, y in _label_points(communes, xy, 1 / (frame_pt * 72)):
        ax.text(x, y, name, fontsize=LABEL_PT, ha="center", va="center", color="#1b1b1b", zorder=2.5, bbox=halo)
    for kind, (marker, colour, area, label) in KIND_STYLE.items():
        chosen = sites[sites["kind"] == kind]
        if chosen.empty:
            continue
        approx = chosen["coordinate_quality"].eq("commune_centroid").to_numpy()
        ax.scatter(chosen["x_m"][~approx], chosen["y_m"][~approx], marker=marker, s=area, c=colour,
                   edgecolors="white", linewidths=0.6, zorder=3)  # fmt: skip
        handles.append(Line2D([], [], marker=marker, color="none", markerfacecolor=colour, markeredgecolor="white",
                              markersize=np.sqrt(area), label=_(label)))  # fmt: skip
        if approx.any():
            ax.scatter(chosen["x_m"][approx], chosen["y_m"][approx], marker=marker, s=area, facecolors="none",
                       edgecolors=colour, linewidths=1.2, zorder=3)  # fmt: skip
            handles.append(Line2D([], [], marker=marker, color="none", markerfacecolor="none", markeredgecolor=colour,
                                  markersize=np.sqrt(area),
                                  label=_("{kind} (position approx.)").format(kind=_(label))))  # fmt: skip
    ringed = sites[sites["id"].isin(list(highlight))]
    for change, label in CHANGE_LABELS.items():
        chosen = ringed[ringed["id"].map(highlight) == change]
        if chosen.empty:
            continue
        ax.scatter(chosen["x_m"], chosen["y_m"], s=420, facecolors="none", edgecolors=HIGHLIGHT,
                   linewidths=2.2, zorder=4, linestyle="-" if change == "added" else "--")  # fmt: skip
        handles.append(Line2D([], [], marker="o", color="none", markerfacecolor="none", markeredgecolor=HIGHLIGHT,
                              markeredgewidth=2, markersize=13, label=f"{_(label)} ({len(chosen)})"))  # fmt: skip
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal", adjustable="box", anchor="C")
    ax.set_axis_off()
    km = scale_km(x1 - x0)
    ax.add_artist(AnchoredSizeBar(ax.transData, km * 1000, f"{km} km", loc="lower right", pad=0.4, sep=3,
                                  frameon=True, size_vertical=(y1 - y0) / 250, fontproperties={"size": 7}))  # fmt: skip
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.02, MAP_RECT[1]), ncol=2, fontsize=8,
               frameon=False)  # fmt: skip
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})  # no tight box: every map one size
    plt.close(fig)
    # matplotlib opens every link in a new tab; an explanation belongs on this page
    svg = re.sub(r'(xlink:href="#pourquoi-\d+") target="_blank"', r"\1", buffer.getvalue())
    return svg[svg.index("<svg") :]


def minutes_map_svg(result: AuditResult, class_name: str, title: str,
                    highlight: Mapping[str, str] | None = None) -> str:  # fmt: skip
    """Cells coloured by minutes to the nearest site of ``class_name``, sites by kind, communes outlined;
    ``highlight`` (site id → "added"/"moved") rings the sites a scenario changes."""
    fig, ax = _frame(result, title)
    minutes = np.minimum(result.minutes(class_name), MINUTE_BINS[-1] + 1)
    raster, extent = cell_raster(result.cells.xy_m, result.cells.cell_size_m, minutes)
    cmap = ListedColormap(MINUTE_COLOURS).with_extremes(bad=(0.0, 0.0, 0.0, 0.0))  # no cell: transparent
    norm = BoundaryNorm([*MINUTE_BINS, 10_000], cmap.N)
    # One raster image (embedded PNG) rather than one SVG square per cell: ~20× faster, ~10× smaller.
    image = ax.imshow(raster, cmap=cmap, norm=norm, extent=extent, origin="lower", interpolation="nearest", zorder=1)
    why_links(ax, result)
    colorbar = fig.colorbar(image, cax=fig.add_axes(COLORBAR_RECT), ticks=MINUTE_BINS)
    colorbar.set_label(_("minutes"))
    return _finish(fig, ax, result, [], highlight or {})


def gains_losses_map_svg(before: AuditResult, after: AuditResult, title: str,
                         highlight: Mapping[str, str] | None = None) -> str:  # fmt: skip
    """Cells within the standard after but not before (gained, green), before but not after (lost, red)."""
    fig, ax = _frame(after, title)
    pop = after.cells.population
    classes = np.where(before.within & after.within, 1.0, 0.0)
    classes[after.within & ~before.within] = 2
    classes[before.within & ~after.within] = 3
    classes[pop <= 0] = np.nan  # uninhabited squares stay blank
    raster, extent = cell_raster(after.cells.xy_m, after.cells.cell_size_m, classes)
    cmap = ListedColormap(GAIN_COLOURS).with_extremes(bad=(0.0, 0.0, 0.0, 0.0))
    ax.imshow(raster, cmap=cmap, norm=BoundaryNorm([-0.5, 0.5, 1.5, 2.5, 3.5], 4), extent=extent, origin="lower",
              interpolation="nearest", zorder=1)  # fmt: skip
    gained = float(pop[after.within & ~before.within].sum())
    lost = float(pop[before.within & ~after.within].sum())
    handles = [Patch(color=GAIN_COLOURS[2], label=_("Gagnés : +{n} hab.").format(n=fr_int(gained))),
               Patch(color=GAIN_COLOURS[3], label=lost_label_fr(lost)),
               Patch(color=GAIN_COLOURS[1], label=_("Dans la norme, inchangé")),
               Patch(color=GAIN_COLOURS[0], label=_("Hors norme, inchangé"))]  # fmt: skip
    return _finish(fig, ax, after, handles, highlight or {})
