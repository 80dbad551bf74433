"""A site's capacity: interview rooms (« bureaux d'entretien »), from its file, a transcription, or nothing.

Order of precedence at import: the site file's optional ``capacity`` column (the user's value);
else a fact transcribed by hand from a seed in ``maillage/data/capacity_transcriptions.csv``, with
the seed's file name and the quoted sentence; else None, and the audit uses the named default of
the site's kind (:mod:`maillage.audit.capacity`), printed as an assumption.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

from maillage.i18n import N_, _

# the unit of the transcriptions file (compared as typed) and of every sentence (shown as _(CAPACITY_UNIT_FR))
CAPACITY_UNIT_FR = N_("bureaux d'entretien")
FILE_CAPACITY_SUFFIX = ", colonne capacity"  # capacity_source of a value read in the site file itself


@dataclass(frozen=True)
class CapacityTranscription:
    """A capacity read in a seed and typed in by hand, with where it was read."""

    site_id: str
    capacity: float
    source_file: str
    quote: str
    note: str

    def source(self) -> str:
        return _("document {file} : « {quote} » ({note})").format(file=self.source_file, quote=self.quote,
                                                                  note=self.note)


@cache
def transcriptions() -> dict[str, CapacityTranscription]:
    """Shipped capacity transcriptions, keyed by site id."""
    path = resources.files("maillage") / "data" / "capacity_transcriptions.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = {}
    for row in rows:
        value = parse_capacity(row["capacity"])
        if value is None or row["unit"] != CAPACITY_UNIT_FR:
            raise ValueError(
                _("capacity_transcriptions.csv : ligne invalide pour « {site_id} »").format(site_id=row['site_id']))
        site = row["site_id"]
        out[site] = CapacityTranscription(site, value, row["source_file"], row["quote"], row["note"])
    return out


def parse_capacity(text: str) -> float | None:
    """A number of interview rooms ≥ 0 (``,`` or ``.`` as decimal mark), None when blank; else ValueError."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise ValueError(
            _("capacité illisible « {text} » : nombre de {unit} attendu (ex. 12)").format(
                text=text, unit=_(CAPACITY_UNIT_FR))) from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(
            _("capacité « {text} » impossible : un nombre de {unit} positif ou nul attendu").format(
                text=text, unit=_(CAPACITY_UNIT_FR)))
    return value


def resolve(site_id: str, file_name: str, text: str) -> tuple[float | None, str | None]:
    """(capacity, its source) for one row: the file's value, else a transcription, else (None, None)."""
    value = parse_capacity(text)
    if value is not None:
        return value, file_name + FILE_CAPACITY_SUFFIX
    known = transcriptions().get(site_id)
    if known is not None:
        return known.capacity, known.source()
    return None, None
