"""National emergency and listening numbers shown first for urgent needs.

From ``maillage/data/urgent_numbers.csv``: one row per number, the needs (service codes) it answers,
and the official page that gives it. Only what that file says is shown; nothing is typed in code.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

URGENT_NUMBERS_CSV = Path(__file__).resolve().parent.parent / "data" / "urgent_numbers.csv"
COLUMNS = ("number", "label_fr", "when_fr", "services", "source_title", "source_url")


@dataclass(frozen=True)
class UrgentNumber:
    number: str
    label_fr: str
    when_fr: str
    services: tuple[str, ...]
    source_title: str
    source_url: str


def read_urgent_numbers(path: Path = URGENT_NUMBERS_CSV) -> list[UrgentNumber]:
    """Every row of the file; a missing column or an empty number or source is one clear error."""
    out = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path.name}: missing column(s) {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            for column in ("number", "label_fr", "source_url"):
                if not (row[column] or "").strip():
                    raise ValueError(f"{path.name}, line {line}, field {column}: empty")
            services = tuple(s.strip() for s in row["services"].split(";") if s.strip())
            out.append(UrgentNumber(row["number"].strip(), row["label_fr"].strip(), row["when_fr"].strip(),
                                    services, row["source_title"].strip(), row["source_url"].strip()))  # fmt: skip
    return out


@lru_cache(maxsize=1)
def _default() -> tuple[UrgentNumber, ...]:
    return tuple(read_urgent_numbers())


def urgent_numbers_for(need: str) -> list[UrgentNumber]:
    """The numbers to show first for this need (file order), empty when the need is not urgent."""
    return [n for n in _default() if need in n.services]
