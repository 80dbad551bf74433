"""GTFS field parsing and its error: times, integers and dates of a column, each bad value named by file,
1-based file row (header = row 1) and field.

Its own module so that :mod:`maillage.network.gtfs` (feeds, calendars, service days) and
:mod:`maillage.network.gtfs_times` (stop times of the kept trips) both use it without importing each other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class GtfsError(ValueError):
    """An invalid or unusable GTFS feed; names the file, 1-based file row (header = 1) and field."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 field: str | None = None) -> None:
        where = ", ".join(
            part for part in (file, f"row {row}" if row is not None else None,
                              f"field {field}" if field else None) if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.file, self.row, self.field = file, row, field


def data_row(index: int) -> int:
    """File row number of the 0-based data row ``index`` (the header is row 1)."""
    return int(index) + 2


def parse_times_s(values: pd.Series, *, file: str, field: str) -> np.ndarray:
    """``H:MM:SS`` strings → seconds (int64); blank → -1. Hours may exceed 24 (after midnight)."""
    text = values.str.strip()
    blank = (text == "").to_numpy()
    parts = text.str.split(":", n=2, expand=True) if len(text) else pd.DataFrame(index=text.index)
    if parts.shape[1] != 3 and not blank.all():
        bad = int(np.flatnonzero(~blank)[0])
        raise GtfsError(f"time {values.iloc[bad]!r} is not H:MM:SS", file=file,
                        row=data_row(values.index[bad]), field=field)
    if blank.all():
        return np.full(len(values), -1, dtype=np.int64)
    numbers = parts.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    invalid = ~blank & (np.isnan(numbers).any(axis=1) | (numbers[:, 1] >= 60) | (numbers[:, 2] >= 60)
                        | (numbers < 0).any(axis=1))
    if invalid.any():
        bad = int(np.flatnonzero(invalid)[0])
        raise GtfsError(f"time {values.iloc[bad]!r} is not H:MM:SS", file=file,
                        row=data_row(values.index[bad]), field=field)
    seconds = numbers[:, 0] * 3600 + numbers[:, 1] * 60 + numbers[:, 2]
    return np.where(blank, -1, np.nan_to_num(seconds)).astype(np.int64)


def parse_ints(values: pd.Series, *, file: str, field: str, blank: int | None = None) -> np.ndarray:
    """Integer column; blank → ``blank`` if given, else an error."""
    text = values.str.strip()
    if blank is not None:
        text = text.where(text != "", str(blank))
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
    invalid = np.isnan(numbers) | (numbers != np.round(numbers))
    if invalid.any():
        bad = int(np.flatnonzero(invalid)[0])
        raise GtfsError(f"{values.iloc[bad]!r} is not an integer", file=file,
                        row=data_row(values.index[bad]), field=field)
    return numbers.astype(np.int64)


def parse_dates(values: pd.Series, *, file: str, field: str) -> np.ndarray:
    """``YYYYMMDD`` strings → numpy datetime64[D]."""
    parsed = pd.to_datetime(values.str.strip(), format="%Y%m%d", errors="coerce")
    if parsed.isna().any():
        bad = int(np.flatnonzero(parsed.isna().to_numpy())[0])
        raise GtfsError(f"date {values.iloc[bad]!r} is not YYYYMMDD", file=file,
                        row=data_row(values.index[bad]), field=field)
    return parsed.to_numpy().astype("datetime64[D]")
