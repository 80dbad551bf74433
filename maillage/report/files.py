"""Writing output files atomically: a reader never sees half a report, a failure never leaves one."""

from __future__ import annotations

from maillage.atomic import write_atomic

__all__ = ["write_atomic"]
