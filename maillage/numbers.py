"""Numbers as French readers expect them in every output: ``1 654 712`` (narrow no-break spaces).

A neutral module (standard library only): the domain writes French notes with it (planning.propose) and every
rendering in :mod:`maillage.report` formats its figures with it.
"""

from __future__ import annotations

import math


def fr_int(value: float | None) -> str:
    """A whole number with French thousands separators; ``—`` for a missing or infinite value."""
    return "—" if value is None or not math.isfinite(value) else f"{value:,.0f}".replace(",", "\u202f")


def fr_pct(share: float | None, digits: int = 1) -> str:
    """A share (0–1) as a French percentage: ``0.713`` → ``71,3 %`` (no-break space); ``—`` if missing."""
    if share is None or not math.isfinite(share):
        return "—"
    return f"{share * 100:.{digits}f}".replace(".", ",") + "\u00a0%"


def fr_decimal(value: float | None, digits: int = 2) -> str:
    """A decimal with a French comma (``0,39``); ``—`` for a missing or non-finite value."""
    return "—" if value is None or not math.isfinite(value) else f"{value:.{digits}f}".replace(".", ",")


def fr_number(value: float) -> str:
    """A parameter as typed, with a French comma: ``4,8`` km/h, ``1,3``, ``15`` (shortest form, ``:g``)."""
    return f"{value:g}".replace(".", ",")
