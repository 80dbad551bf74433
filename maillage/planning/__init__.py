"""Planning: scenarios (stored registry variants and their difference from the baseline), time-aware
audits (opening hours, mobile units) and optimisers (set cover, maximal coverage, p-median,
capacitated variants, SST sector design, a mobile unit's tour) on the engines' travel times.

No routing code of its own: travel times come from :mod:`maillage.network` engines.
"""

from maillage.planning.changes import ScenarioError, apply_scenario
from maillage.planning.compare import compare
from maillage.planning.optimise import PlanningError
from maillage.planning.propose import METHODS, PlanRequest, plan, propose

__all__ = ["METHODS", "PlanRequest", "PlanningError", "ScenarioError", "apply_scenario", "compare", "plan", "propose"]
