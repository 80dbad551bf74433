"""Steering (pilotage): solidarity budget lines, activity indicators and conventions with communes.

Data are file-based (CSV → pydantic models, see :mod:`.importer`); computations are pure functions
(:mod:`.analysis`); :mod:`maillage.report.steering` writes the HTML/PDF report and :mod:`maillage.cli.steering`
exposes ``app``.
"""

from .analysis import (
    bp_dm_changes,
    dm_breakdown,
    follow_up,
    indicators_per_inhabitant,
    next_renewal,
    scheduled_sites,
    scissors_effect,
)
from .importer import SteeringImportError, load_default, load_folder
from .models import ActivityIndicator, BudgetLine, Convention, ScheduledService, SteeringData

__all__ = [
    "ActivityIndicator",
    "BudgetLine",
    "Convention",
    "ScheduledService",
    "SteeringData",
    "SteeringImportError",
    "bp_dm_changes",
    "dm_breakdown",
    "follow_up",
    "indicators_per_inhabitant",
    "load_default",
    "load_folder",
    "next_renewal",
    "scheduled_sites",
    "scissors_effect",
]
