"""SST sector design: assign communes to ``n`` sectors that are contiguous, balanced and short to travel.

Two stages, both solved by HiGHS:

1. **Seats** — a p-median over communes: the ``n`` communes minimising the population-weighted time
   from every commune's centre of population to its nearest seat.
2. **Districts** — with the seats fixed, each commune is assigned to one sector (``x_ik`` binary):
   minimise ``Σ pop_i · t(i, seat_k) · x_ik`` subject to each sector's population within
   ``(1 ± balance) × mean`` and **contiguity** by a single-commodity flow per sector (Shirabe 2009):
   every commune of sector ``k`` other than its seat consumes one unit of flow that can only travel
   from the seat along borders between communes of sector ``k``.

Times are minutes between communes' centres of population (population-weighted mean of the cells),
from the engine in use. Adjacency: communes sharing a border (or within ``touch_m`` metres, since
outlines are generalised).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from maillage.i18n import _
from maillage.network.engine import TravelTimeEngine
from maillage.numbers import fr_pct
from maillage.planning.matrix import method_fr, travel_matrix
from maillage.planning.optimise import PlanningError, p_median
from maillage.planning.solver import INF, MipSolution, SolverError, solve_mip
from maillage.population.cells import Cells
from maillage.registry.snapshot import Snapshot

FAR_MINUTES = 24 * 60.0


def adjacency(snapshot: Snapshot, touch_m: float = 150.0) -> list[tuple[int, int]]:
    """Pairs (i < j) of communes (positions in ``snapshot.communes``) sharing a border."""
    geoms = snapshot.communes.geometry.to_numpy()
    pairs = []
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            if geoms[i].distance(geoms[j]) <= touch_m:
                pairs.append((i, j))
    return pairs


def connected(members: Sequence[int], pairs: Sequence[tuple[int, int]]) -> bool:
    """True if the communes ``members`` form one piece through ``pairs``."""
    members = set(members)
    if not members:
        return True
    neighbours: dict[int, set[int]] = {m: set() for m in members}
    for i, j in pairs:
        if i in members and j in members:
            neighbours[i].add(j)
            neighbours[j].add(i)
    start = next(iter(members))
    seen, queue = {start}, deque([start])
    while queue:
        for n in neighbours[queue.popleft()] - seen:
            seen.add(n)
            queue.append(n)
    return seen == members


def districts(
    minutes: np.ndarray,
    population: np.ndarray,
    pairs: Sequence[tuple[int, int]],
    seats: Sequence[int],
    *,
    balance: float = 0.5,
    time_limit_s: float = 60.0,
) -> tuple[np.ndarray, MipSolution]:
    """Sector (index into ``seats``) of each commune: contiguous, balanced, least weighted time.

    ``minutes[i, s]`` is the time from commune i to commune s. Raises PlanningError if no
    assignment meets the balance (message suggests widening it).
    """
    n, m = len(population), len(seats)
    population = np.asarray(population, float)
    mean = population.sum() / m
    arcs = [(i, j) for i, j in pairs] + [(j, i) for i, j in pairs]
    n_arcs = len(arcs)
    n_x = n * m
    n_cols = n_x + n_arcs * m
    x = lambda i, k: i * m + k  # noqa: E731
    f = lambda a, k: n_x + a * m + k  # noqa: E731
    rows, cols, vals, lo, up = [], [], [], [], []

    def add(entries: list[tuple[int, float]], low: float, high: float) -> None:
        r = len(lo)
        for c, v in entries:
            rows.append(r), cols.append(c), vals.append(v)
        lo.append(low), up.append(high)

    for i in range(n):  # each commune in exactly one sector
        add([(x(i, k), 1.0) for k in range(m)], 1.0, 1.0)
    for k in range(m):  # balanced load
        add([(x(i, k), population[i]) for i in range(n)], (1 - balance) * mean, (1 + balance) * mean)
    into: dict[int, list[int]] = {i: [] for i in range(n)}
    out: dict[int, list[int]] = {i: [] for i in range(n)}
    for a, (i, j) in enumerate(arcs):
        out[i].append(a)
        into[j].append(a)
    big = float(n)
    for k, seat in enumerate(seats):
        for i in range(n):
            if i == seat:
                continue
            entries = [(f(a, k), 1.0) for a in into[i]] + [(f(a, k), -1.0) for a in out[i]] + [(x(i, k), -1.0)]
            add(entries, 0.0, 0.0)  # inflow − outflow = x_ik
        for a, (i, j) in enumerate(arcs):
            add([(f(a, k), 1.0), (x(i, k), -big)], -INF, 0.0)
            add([(f(a, k), 1.0), (x(j, k), -big)], -INF, 0.0)
    col_lo, col_up = np.zeros(n_cols), np.r_[np.ones(n_x), np.full(n_arcs * m, big)]
    for k, seat in enumerate(seats):
        col_lo[x(seat, k)] = 1.0
    cost = np.zeros(n_cols)
    for i in range(n):
        for k, seat in enumerate(seats):
            cost[x(i, k)] = population[i] * minutes[i, seat]
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(len(lo), n_cols))
    try:
        solution = solve_mip(
            cost,
            matrix,
            np.array(lo),
            np.array(up),
            col_lo,
            col_up,
            np.r_[np.ones(n_x, bool), np.zeros(n_arcs * m, bool)],
            time_limit_s=time_limit_s,
        )
    except SolverError as exc:
        raise PlanningError(
            _("aucun découpage contigu en {m} secteurs ne respecte l'équilibre ±{balance} (élargissez --balance) "
              "— {exc}").format(m=m, balance=fr_pct(balance, 0), exc=exc)
        ) from None
    assignment = solution.x[:n_x].reshape(n, m).argmax(axis=1)
    return assignment, solution


def design_sectors(
    snapshot: Snapshot,
    cells: Cells,
    engine: TravelTimeEngine,
    n_sectors: int = 14,
    *,
    balance: float = 0.5,
    time_limit_s: float = 60.0,
) -> dict[str, Any]:
    """Seats and sectors for the whole territory, as a JSON-able dict with ``changes`` (assign_sector)."""
    codes = list(snapshot.communes.index)
    n = len(codes)
    if not 1 <= n_sectors <= n:
        raise PlanningError(_("le nombre de secteurs doit être entre 1 et {n} (nombre de communes)").format(n=n))
    if not 0 < balance < 10:
        raise PlanningError(_("--balance doit être > 0 (0.3 = ±30 % autour de la population moyenne)"))
    population = snapshot.communes["population"].to_numpy(dtype=float)
    centres = _population_centres(snapshot, cells)
    matrix = travel_matrix(engine, centres, centres, FAR_MINUTES)
    minutes = np.minimum(matrix.dense(), FAR_MINUTES)
    np.fill_diagonal(minutes, 0.0)
    pairs = adjacency(snapshot)
    rows, cols = np.nonzero(minutes < FAR_MINUTES)
    seat_choice = p_median(
        rows, cols, minutes[rows, cols], np.full(n, FAR_MINUTES), population, n, n_sectors, time_limit_s=time_limit_s
    )
    seats = list(seat_choice.chosen)
    assignment, solution = districts(minutes, population, pairs, seats, balance=balance, time_limit_s=time_limit_s)
    names = snapshot.communes["name"].to_dict()
    mean_load = population.sum() / n_sectors
    sectors, changes = [], []
    for k, seat in enumerate(seats):
        members = [i for i in range(n) if assignment[i] == k]
        sector_id = f"plan-sst-{k + 1:02d}"
        label = f"SST {k + 1} — {names[codes[seat]]}"
        load = float(population[members].sum())
        sectors.append(
            {
                "sector": sector_id,
                "name": label,
                "seat": codes[seat],
                "seat_name": names[codes[seat]],
                "communes": [codes[i] for i in members],
                "commune_names": [names[codes[i]] for i in members],
                "population": load,
                "load_deviation": load / mean_load - 1,
                "mean_minutes": float(np.dot(population[members], minutes[members, seat]) / load) if load else 0.0,
                "contiguous": connected(members, pairs),
            }
        )
        for i in members:
            changes.append(
                {
                    "op": "assign_sector",
                    "site_id": None,
                    "payload": {"commune_code": codes[i], "sector": sector_id, "sector_name": label},
                }
            )
    total_minutes = float(sum(population[i] * minutes[i, seats[assignment[i]]] for i in range(n)))
    return {
        "method": "sectors",
        "sectors_count": n_sectors,
        "balance": balance,
        "mean_load": mean_load,
        "mean_minutes": total_minutes / population.sum(),
        "contiguous": all(s["contiguous"] for s in sectors),
        "adjacent_pairs": len(pairs),
        "sectors": sectors,
        "solver": {
            "name": "HiGHS",
            "status": solution.status,
            "optimal": solution.optimal,
            "seconds": round(solution.seconds, 3),
        },
        "changes": changes,
        "notes": [
            _("Sièges choisis par p-médiane sur les centres de population des communes ({how}), puis affectation "
              "contiguë (flot depuis le siège) avec une population par secteur à ±{balance} de la moyenne ; temps de "
              "commune à siège.").format(how=method_fr(matrix.method), balance=fr_pct(balance, 0))
        ],
    }


def _population_centres(snapshot: Snapshot, cells: Cells) -> np.ndarray:
    """Population-weighted mean of each commune's cells (representative point if it has none)."""
    out = np.zeros((len(snapshot.communes), 2))
    for k, (code, row) in enumerate(snapshot.communes.iterrows()):
        mask = cells.commune_code == code
        weights = cells.population[mask]
        if mask.any() and weights.sum() > 0:
            out[k] = np.average(cells.xy_m[mask], axis=0, weights=weights)
        else:
            point = row.geometry.representative_point()
            out[k] = (point.x, point.y)
    return out
