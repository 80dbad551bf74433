"""CSV cells a spreadsheet would run: ``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0`` (CSV injection).

Every CSV the product writes for people passes its text cells through :func:`neutralise`: a cell
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe,
which spreadsheets show as text and do not evaluate. Plain numbers (``-0.25``, ``+3``) are left
alone: they cannot call anything and must stay numbers. :func:`restore` undoes it on re-import,
so an exported file imports back to the same values.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text a spreadsheet would evaluate; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with its text cells (and column names) neutralised."""
    out = frame.copy()
    for column in out.columns:
        # object or pandas' str dtype (pandas 3 gives a column built from a list of str the latter)
        if pd.api.types.is_object_dtype(out[column]) or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    return out.rename(columns=neutralise)


def restore(value: str) -> str:
    """The cell as it was before :func:`neutralise` (``'=x`` → ``=x``); other text unchanged."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
