"""Amounts and rates of the steering report as French text: 1 013 M€, −30 %, « environ » 19,8 M€.

Apart from :mod:`maillage.report.steering_charts` so that the tables (``maillage steering show``) are written
without loading matplotlib, which only the charts need.
"""

from __future__ import annotations

from maillage.i18n import _
from maillage.numbers import fr_number
from maillage.steering.models import PRECISION_LABELS, BudgetLine

M = 1e6


def fmt_meur(x: float, signed: bool = False) -> str:
    """Millions of euros, French style: 1 013 M€, 19,8 M€, +37 M€, −75 M€."""
    v = x / M
    txt = f"{abs(v):,.1f}".replace(",", "\u202f").replace(".", ",").removesuffix(",0")
    sign = ("+" if v > 0 else "−" if v < 0 else "") if signed else ("−" if v < 0 else "")
    return f"{sign}{txt} M€"


def fmt_pct(x: float) -> str:
    """Signed percentage, French style: −30 %, +4,5 %."""
    sign = "+" if x > 0 else "−" if x < 0 else ""
    return f"{sign}{fr_number(abs(x))}\u00a0%"


def with_precision(text: str, precision: str) -> str:
    """Prefix a value with the source's qualifier (« environ », « plus de »)."""
    label = _(PRECISION_LABELS[precision]) if precision in PRECISION_LABELS else ""
    return f"{label} {text}" if label else text


def budget_line_value(bl: BudgetLine) -> str:
    """Display value of a budget line: total in M€, variation signed in M€ or %, with its qualifier."""
    if bl.amount_eur is not None:
        txt = fmt_meur(bl.amount_eur, signed=bl.measure == "variation")
    else:
        txt = fmt_pct(bl.rate_pct or 0.0)
    return with_precision(txt, bl.precision)
