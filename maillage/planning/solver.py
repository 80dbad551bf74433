"""A thin wrapper over HiGHS (``highspy``): mixed-integer programs given as sparse numpy arrays.

Every optimiser of :mod:`maillage.planning` builds its model as arrays (objective, a CSR
constraint matrix, bounds, integrality) and calls :func:`solve_mip`; nothing else in the package
talks to the solver. HiGHS is open source (MIT) and ships as a wheel: no external binary.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from maillage.i18n import _

INF = float("inf")


class SolverError(RuntimeError):
    """The solver could not produce a solution (message says why, in French)."""


@dataclass(frozen=True)
class MipSolution:
    """Values of the variables, objective, HiGHS model status and wall time in seconds."""

    x: np.ndarray
    objective: float
    status: str
    seconds: float
    optimal: bool


def _new_highs():
    """A silent HiGHS instance: its first construction prints a banner on the C stdout (fd 1),
    which would corrupt ``--format json`` output, so fd 1 is pointed at /dev/null meanwhile."""
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highs = highspy.Highs()
            highs.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return highs


def solve_mip(
    cost: np.ndarray,
    matrix: sp.spmatrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    integer: np.ndarray,
    *,
    maximise: bool = False,
    time_limit_s: float = 60.0,
    mip_gap: float = 1e-6,
) -> MipSolution:
    """Solve ``min/max cost·x`` s.t. ``row_lower ≤ A x ≤ row_upper``, bounds, integrality.

    Raises :class:`SolverError` when the model is infeasible or no solution was found in time.
    A solution found before the time limit is returned with ``optimal=False``.
    """
    import highspy

    n_cols = len(cost)
    a = sp.csc_matrix(matrix, dtype=np.float64)
    if a.shape[1] != n_cols:
        raise ValueError(f"matrix has {a.shape[1]} columns for {n_cols} variables")
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = a.shape[0]
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_ = np.asarray(col_lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(col_upper, dtype=np.float64)
    lp.row_lower_ = np.asarray(row_lower, dtype=np.float64)
    lp.row_upper_ = np.asarray(row_upper, dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous for flag in np.asarray(integer)
    ]
    lp.sense_ = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
    highs = _new_highs()
    highs.setOptionValue("time_limit", float(time_limit_s))
    highs.setOptionValue("mip_rel_gap", float(mip_gap))
    highs.setOptionValue("threads", 1)
    started = time.perf_counter()
    highs.passModel(lp)
    highs.run()
    seconds = time.perf_counter() - started
    status = highs.getModelStatus()
    name = highs.modelStatusToString(status)
    if status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        raise SolverError(_("problème sans solution : aucune combinaison ne respecte les contraintes (infeasible)"))
    info = highs.getInfo()
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        raise SolverError(
            _("aucune solution trouvée par HiGHS ({name}, {seconds:.1f} s)").format(name=name, seconds=seconds))
    x = np.asarray(highs.getSolution().col_value, dtype=np.float64)
    return MipSolution(
        x, float(highs.getInfo().objective_function_value), name, seconds, status == highspy.HighsModelStatus.kOptimal
    )
