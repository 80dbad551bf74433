"""The remarks the sites' collectors wrote in English into the sources' names, addresses and hours.

The source files stay as they were collected (the hours transcriptions are keyed by their exact text, the
geocoder reads the address as given). A person reads the remarks in French: the snapshot translates the listed
ones as it loads (``planner_words``), and the resident page keeps only those that tell a resident something
(``resident_words``: a pôle "announced", a "temporary" place) and drops the collector's bookkeeping
("no number in the excerpt"). ``tests/test_remarks.py`` reads the real site files, so a new English remark in
them fails a test instead of reaching a planner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from maillage.i18n import N_, _


@dataclass(frozen=True)
class Remark:
    english: str
    french: str  # a catalogue message
    for_residents: bool = False  # a resident is told it too; else the resident page leaves it out


REMARKS: tuple[Remark, ...] = (
    Remark("(no number given)", N_("(numéro non indiqué)")),
    Remark("(no number in the excerpt)", N_("(numéro non indiqué par la source)")),
    Remark("(no street number in the stored excerpts)", N_("(numéro non indiqué par les sources)")),
    Remark("(no street address in the stored excerpts)", N_("(rue non indiquée par les sources)")),
    Remark("(as written)", N_("(tel qu'écrit par la source)")),
    Remark("(excerpt truncated after 17 h)", N_("(la source s'interrompt après 17 h)")),
    Remark("(year not in the excerpt)", N_("(année non indiquée par la source)")),
    Remark("(year not stated in the excerpt)", N_("(année non indiquée par la source)")),
    Remark("(announced)", N_("(ouverture annoncée)"), for_residents=True),
    Remark("(temporary)", N_("(provisoire)"), for_residents=True),
    Remark("first tours (Clichy, Antony in 92)", N_("premières tournées (Clichy, Antony)"), for_residents=True),
)

# An unlisted remark in parentheses that reads as a collector's English note: never shown to a resident.
_ENGLISH_REMARK = re.compile(
    r"\s*\((?:no |not |number|excerpt|street only|year |as written|per the |whether |agents |seed )[^)]*\)"
    r"|\s*\([^)]*\bexcerpt\b[^)]*\)",
    re.IGNORECASE,
)


def planner_words(text: str | None) -> str | None:
    """``text`` with the listed English remarks in French (everything else as the source wrote it)."""
    if not text:
        return text
    for remark in REMARKS:
        if remark.english in text:
            text = text.replace(remark.english, _(remark.french))
    return text


def resident_words(text: str | None) -> str | None:
    """``text`` as a resident reads it: the remarks meant for residents in French, the collector's notes left
    out (listed or not, English as written or already in French); None when nothing is left."""
    if not text:
        return text
    for remark in REMARKS:
        kept = _(remark.french) if remark.for_residents else ""
        for written in (remark.english, _(remark.french)):
            if written in text:
                text = text.replace(written, kept)
    return re.sub(" {2,}", " ", _ENGLISH_REMARK.sub("", text)).strip(" ,") or None
