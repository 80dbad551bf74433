"""Steering sources by title and date instead of their file names (``002_d003656cb878fcee.txt``).

Each figure's source is ``FILE : « quoted sentence »``, FILE being one of the press releases the
example was transcribed from. A person needs the release's title and date: :func:`seed_header`
reads them from the release's own first lines, so nothing is typed by hand. The releases are read
from ``$MAILLAGE_SEEDS`` when that folder exists; otherwise from ``maillage/data/steering/sources.csv``,
which ``tools/steering_sources.py`` writes from the same folder (a test checks the two agree).
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from maillage.i18n import _

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")  # fmt: skip
WEEKDAYS = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
DATE_RE = re.compile(rf"\b(\d{{1,2}})(?:er)? ({'|'.join(MONTHS)})(?: (\d{{4}}))?\b", re.IGNORECASE)
DATE_LINE_RE = re.compile(rf"^(?:nanterre,\s*)?(?:le\s+)?(?:{WEEKDAYS}\s+)?{DATE_RE.pattern}\s*$", re.IGNORECASE)
TRAILING_DATE_RE = re.compile(rf"\s+{WEEKDAYS}\s+{DATE_RE.pattern}\s*$", re.IGNORECASE)
SOURCE_RE = re.compile(r"^(?P<file>[\w.-]+\.txt)\s*:\s*(?P<rest>.*)$", re.DOTALL)
SKIPPED = re.compile(r"^(communiqué de presse|dossier de presse)$", re.IGNORECASE)
SHIPPED = "sources.csv"


@dataclass(frozen=True)
class SeedHeader:
    file: str
    title: str
    date_fr: str  # "18 octobre 2024", or "18 octobre (année non précisée)" when the release omits it


def seed_header(file_name: str, text: str) -> SeedHeader:
    """Title (first heading, or the first capitalised lines) and date (first French date) of a release."""
    lines = [ln.strip().lstrip("#").strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    title_parts: list[str] = []
    for ln in lines[:15]:
        if SKIPPED.match(ln) or DATE_LINE_RE.match(ln):
            if title_parts:
                break
            continue
        if title_parts and not ln.isupper():
            break
        title_parts.append(TRAILING_DATE_RE.sub("", ln))
        if not ln.isupper():
            break
    match = DATE_RE.search("\n".join(lines[:30])) or DATE_RE.search(text)
    if match is None:
        date_fr = _("date non précisée")
    else:
        day, month, year = match.groups()
        date_fr = f"{int(day)} {month.lower()} " + (year or _("(année non précisée)"))
    return SeedHeader(file_name, " ".join(title_parts) or file_name, date_fr)


def headers_from_folder(folder: Path) -> dict[str, SeedHeader]:
    return {p.name: seed_header(p.name, p.read_text(encoding="utf-8", errors="replace"))
            for p in sorted(folder.glob("*.txt"))}  # fmt: skip


def shipped_headers() -> dict[str, SeedHeader]:
    path = resources.files("maillage") / "data" / "steering" / SHIPPED
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["file"]: SeedHeader(r["file"], r["title"], r["date_fr"]) for r in csv.DictReader(fh)}


def known_headers() -> dict[str, SeedHeader]:
    """From ``$MAILLAGE_SEEDS`` when it is a folder, else the shipped table."""
    folder = os.environ.get("MAILLAGE_SEEDS")
    if folder and Path(folder).is_dir():
        return headers_from_folder(Path(folder))
    return shipped_headers()


def cite(source: str, headers: dict[str, SeedHeader]) -> str:
    """``FILE : « quote »`` → ``« Title », communiqué du D mois YYYY : « quote »`` (unchanged if unknown)."""
    match = SOURCE_RE.match(source.strip())
    if match is None or match["file"] not in headers:
        return source
    h = headers[match["file"]]
    return _("« {title} », communiqué du {date} : {rest}").format(title=h.title, date=h.date_fr, rest=match["rest"])


def release_dates(headers: dict[str, SeedHeader]) -> list[date]:
    """The releases' dates that carry a year, sorted (for the report's « données du … au … »)."""
    out = []
    for h in headers.values():
        match = DATE_RE.fullmatch(h.date_fr)
        if match and match[3]:
            out.append(date(int(match[3]), MONTHS.index(match[2].lower()) + 1, int(match[1])))
    return sorted(out)
