"""OSM ``opening_hours``: normalisation of source spellings and validation.

Parsing and evaluation use the maintained ``opening-hours-py`` parser (Rust ``opening-hours``).
Some sources spell hours almost in OSM syntax (France Services: ``Mo 09:30 - 13:00 / 14:00 - 17:00``);
:func:`normalise` rewrites that spelling mechanically. Free French text ("du lundi au vendredi, de
8h30 à 12h30") is never guessed: it must be transcribed in ``maillage/data/hours_transcriptions.csv``
with its source, or the import rejects it.
"""

from __future__ import annotations

import contextlib
import csv
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources

from opening_hours import OpeningHours

from maillage.i18n import _
from maillage.registry.hours_fr import EXAMPLE_FR, parse_french
from maillage.registry.remarks import planner_words

_SPACED_RANGE = re.compile(r"(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})")
_SLASH_BETWEEN_RANGES = re.compile(r"(\d{2}:\d{2})\s*/\s*(\d{1,2}:\d{2})")


def normalise(text: str) -> str:
    """Rewrite near-OSM spellings: ``09:30 - 13:00 / 14:00 - 17:00`` → ``09:30-13:00,14:00-17:00``."""
    out = _SPACED_RANGE.sub(r"\1-\2", text.strip())
    out = _SLASH_BETWEEN_RANGES.sub(r"\1,\2", out)
    return re.sub(r"\s*;\s*", "; ", out)


def validate(text: str) -> str:
    """Return the normalised OSM string, or raise ValueError with an example of the syntax."""
    candidate = normalise(text)
    try:
        OpeningHours(candidate)
    except Exception:  # the parser raises its own ParserError type
        # the parser's own first line ("--> 1:1") means nothing to a planner: an example does, or the OSM
        # spelling of what they wrote in French (a data file takes OSM hours only)
        message = _("horaires illisibles « {text} » : syntaxe OSM opening_hours attendue, par exemple « Mo-Fr "
                    "09:00-12:00,13:30-17:00; Sa 09:00-12:00 »").format(text=text)
        with contextlib.suppress(Exception):
            osm = parse_french(text)
            OpeningHours(osm)
            message = _("horaires illisibles « {text} » : syntaxe OSM opening_hours attendue ; en syntaxe OSM, "
                        "écrivez « {osm} »").format(text=text, osm=osm)
        raise ValueError(message) from None
    return candidate


def from_planner(text: str) -> str:
    """OSM hours from what a planner typed: OSM syntax as is, or plain French (see :mod:`hours_fr`)."""
    try:
        return validate(text)
    except ValueError:
        pass
    try:
        return validate(parse_french(text))
    except ValueError as exc:
        raise ValueError(
            _("horaires non compris « {text} » : {exc} ; {example}").format(
                text=text.strip(), exc=exc, example=_(EXAMPLE_FR))) from None


def is_open(opening_hours: str | None, when: datetime) -> bool | None:
    """True/False if the site is open at ``when`` (local time); None when hours are unknown."""
    if not opening_hours:
        return None
    return bool(OpeningHours(opening_hours).is_open(when))


@dataclass(frozen=True)
class HoursTranscription:
    """A source's free-text hours turned into OSM syntax by hand, with its source."""

    site_id: str
    source_text: str
    opening_hours: str | None
    note: str


@cache
def transcriptions() -> dict[str, HoursTranscription]:
    """Shipped transcriptions, keyed by site id."""
    path = resources.files("maillage") / "data" / "hours_transcriptions.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = {}
    for row in rows:
        osm = row["opening_hours"].strip() or None
        if osm:
            validate(osm)
        out[row["site_id"]] = HoursTranscription(row["site_id"], row["source_text"], osm, row["note"])
    return out


def resolve(site_id: str, text: str) -> tuple[str | None, str | None]:
    """OSM hours and a note for one source value; raises ValueError if neither OSM nor transcribed.

    A transcription applies only while the source text is the one transcribed, so that a changed
    source is noticed instead of silently keeping old hours. The collectors' remarks compare in French, so that
    a file exported from the registry (where people read them in French) loads back.
    """
    if not text.strip():
        return None, None
    try:
        return validate(text), None
    except ValueError:
        known = transcriptions().get(site_id)
        if known is not None and planner_words(known.source_text).strip() == planner_words(text).strip():
            return known.opening_hours, known.note
        raise
