"""GTFS field parsing and its error: times, integers and dates of a column, each bad value named by file,
1-based file row (header = row 1) and field.

Its own module so that :mod:`maillage.network.gtfs` (feeds, calendars, service days) and
:mod:`maillage.network.gtfs_times` (stop times of the kept trips) both use it without importing each other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from maillage.i18n import _


class GtfsError(ValueError):
    """An invalid or unusable GTFS feed; names the file, 1-based file row (header = 1) and field."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 field: str | None = None) -> None:
        where = ", ".join(
            part for part in (file, _("ligne {row}").format(row=row) if row is not None else None,
                              _("champ {field}").format(field=field) if field else None) if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.file, self.row, self.field = file, row, field


def data_row(index: int) -> int:
    """File row number of the 0-based data row ``index`` (the header is row 1)."""
    return int(index) + 2


def parse_times_s(values: pd.Series, *, file: str, field: str) -> np.ndarray:
    """``H:MM:SS`` strings → seconds (int64); blank → -1. Hours may exceed 24 (after midnight).

    In pyarrow's kernels, not pandas' ``str.split``: that builds three Python strings per value, which
    for the 8 M stop times of New York's feeds was 47 of a cold timetable build's 87 s.
    """
    text = pc.utf8_trim_whitespace(pa.array(values, type=pa.string(), from_pandas=True).fill_null(""))
    blank = pc.equal(text, "").to_numpy(zero_copy_only=False)
    parts = pc.extract_regex(text, r"^(?P<h>\d{1,9}):(?P<m>\d{1,2}):(?P<s>\d{1,2})$")  # null: no match
    h, m, s = (pc.cast(pc.struct_field(parts, k), pa.int64()).to_numpy(zero_copy_only=False) for k in "hms")
    valid = pc.is_valid(parts).to_numpy(zero_copy_only=False)
    invalid = ~blank & (~valid | (np.nan_to_num(m) >= 60) | (np.nan_to_num(s) >= 60))
    if invalid.any():
        bad = int(np.flatnonzero(invalid)[0])
        raise GtfsError(_("heure « {value} » pas au format H:MM:SS").format(value=values.iloc[bad]), file=file,
                        row=data_row(values.index[bad]), field=field)
    seconds = np.nan_to_num(h) * 3600 + np.nan_to_num(m) * 60 + np.nan_to_num(s)
    return np.where(valid, seconds, -1).astype(np.int64)


def parse_ints(values: pd.Series, *, file: str, field: str, blank: int | None = None) -> np.ndarray:
    """Integer column; blank → ``blank`` if given, else an error."""
    text = values.str.strip()
    if blank is not None:
        text = text.where(text != "", str(blank))
    try:  # plain integers (the usual case) in pyarrow: pandas' to_numeric takes seconds per million strings
        ints = pc.cast(pa.array(text, type=pa.large_string(), from_pandas=True), pa.int64())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        ints = None  # "1.0", blanks, junk: the general rule below, which names the first bad value
    if ints is not None and not ints.null_count:
        return ints.to_numpy(zero_copy_only=False).astype(np.int64)
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
    invalid = np.isnan(numbers) | (numbers != np.round(numbers))
    if invalid.any():
        bad = int(np.flatnonzero(invalid)[0])
        raise GtfsError(_("« {value} » n'est pas un nombre entier").format(value=values.iloc[bad]), file=file,
                        row=data_row(values.index[bad]), field=field)
    return numbers.astype(np.int64)


def parse_dates(values: pd.Series, *, file: str, field: str) -> np.ndarray:
    """``YYYYMMDD`` strings → numpy datetime64[D]."""
    parsed = pd.to_datetime(values.str.strip(), format="%Y%m%d", errors="coerce")
    if parsed.isna().any():
        bad = int(np.flatnonzero(parsed.isna().to_numpy())[0])
        raise GtfsError(_("date « {value} » pas au format AAAAMMJJ").format(value=values.iloc[bad]), file=file,
                        row=data_row(values.index[bad]), field=field)
    return parsed.to_numpy().astype("datetime64[D]")
